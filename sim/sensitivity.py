"""Sobol sensitivity indices of a sweep's outputs, with bootstrap intervals.

Pure functions of arrays (numpy, scipy): the sweep layer computes them after a Saltelli
design, and analyses read them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class SobolIndices:
    """First-order and total Sobol indices of one output, with 95% bootstrap intervals.

    ``noise_share`` is the part of the output's variance across design points that the
    Monte-Carlo error of each point's estimate alone would produce (binomial variance over
    replicates); indices are only meaningful when it is small.
    """

    factors: list[str]
    first_order: np.ndarray
    first_order_ci: np.ndarray
    total_order: np.ndarray
    total_order_ci: np.ndarray
    noise_share: float = math.nan

    def as_dict(self) -> dict[str, Any]:
        return {
            "noise_share": self.noise_share,
            "indices": {f: {"first_order": float(self.first_order[i]),
                            "first_order_ci": [float(x) for x in self.first_order_ci[:, i]],
                            "total_order": float(self.total_order[i]),
                            "total_order_ci": [float(x) for x in self.total_order_ci[:, i]]}
                        for i, f in enumerate(self.factors)},
        }


def sobol_indices(outputs: np.ndarray, n: int, factors: list[str], seed: int = 1,
                  replicates: int | None = None, resamples: int = 999) -> SobolIndices:
    """Sobol indices from outputs at a Saltelli design (A, B, AB_1 … AB_d; see
    :func:`sim.design.design_matrix`), by ``scipy.stats.sobol_indices``, with percentile
    bootstrap intervals (``scipy.stats.bootstrap``, seeded) over the base sample."""
    from scipy import stats

    d = len(factors)
    y = np.asarray(outputs, float)
    if y.shape != (n * (d + 2),):
        raise ValueError(f"expected {n * (d + 2)} outputs for n={n}, d={d}, got {y.shape}")
    f_a, f_b, f_ab = y[:n], y[n:2 * n], y[2 * n:].reshape(d, n)

    def indices(rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, int)
        res = stats.sobol_indices(func={"f_A": f_a[rows][None], "f_B": f_b[rows][None],
                                        "f_AB": f_ab[:, rows][:, None]}, n=len(rows))
        return np.concatenate([np.ravel(res.first_order), np.ravel(res.total_order)])

    point = indices(np.arange(n))
    if np.var(np.concatenate([f_a, f_b])) == 0:
        ci = np.zeros((2, 2 * d))
    else:
        boot = stats.bootstrap((np.arange(n),), indices, vectorized=False, method="percentile",
                               n_resamples=resamples, rng=np.random.default_rng(seed))
        ci = np.vstack([boot.confidence_interval.low, boot.confidence_interval.high])
    noise = math.nan
    if replicates:
        total = np.var(y)
        noise = float(np.mean(y * (1 - y) / replicates) / total) if total > 0 else math.inf
    return SobolIndices(list(factors), point[:d], ci[:, :d], point[d:], ci[:, d:], noise)
