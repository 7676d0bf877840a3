"""The posterior every scenario draws its calibrated parameters from, read from its file.

A calibration (``crisis-sim calibrate CONFIG --out DIR``) writes into ``DIR``:
``posterior.parquet`` (the joint draws, one column per parameter path),
``calibration.json`` (the manifest: the config and the data it fitted, by SHA-256, the
settings, each wave's design and the summary), ``wave-K.parquet`` (each wave's design
points and simulated moments, which ``--resume`` reuses when the config and the data are
unchanged), ``report.md`` and the figures (:func:`sim.api.save_calibration`). The project
ships one in ``data/posterior/`` (``make calibrate`` rebuilds it); :func:`default` reads
it, and the scenario loader gives it to every scenario.

``CRISIS_SIM_POSTERIOR`` chooses the default: unset, the shipped posterior; ``none``, the
point defaults of ``docs/ODD.md`` §8 (the ablation); a path, that ``posterior.parquet``.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import InputError
from sim.parameters import Posterior

SHIPPED = Path(__file__).resolve().parents[1] / "data" / "posterior" / "posterior.parquet"
VARIABLE = "CRISIS_SIM_POSTERIOR"


def read(path: str | Path) -> Posterior:
    """The posterior in a ``posterior.parquet``; a bad file is one clear line."""
    path = Path(path)
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as err:
        raise InputError(f"{path}: not a readable posterior ({str(err).splitlines()[0]}); "
                         "allowed: a posterior.parquet written by crisis-sim calibrate") from None
    columns = [c for c in table.column_names if c != "draw"]
    try:
        draws = np.column_stack([table.column(c).to_numpy().astype(float) for c in columns]) \
            if columns else np.empty((0, 0))
        if not np.isfinite(draws).all():
            raise ValueError(f"{path}: a draw is missing or not finite")
        return Posterior(tuple(columns), draws, str(path))
    except (ValueError, pa.ArrowException) as err:
        raise InputError(f"{path}: not a posterior ({err}); allowed: one column of numbers "
                         "per model.NAME or actor.*.NAME path, one row per draw") from None


@functools.cache
def _cached(path: str, stamp: tuple[int, int], name: str) -> Posterior:
    draws = read(path)
    return Posterior(draws.paths, draws.draws, name)


def default() -> Posterior | None:
    """The posterior scenarios use unless they set a parameter: see the module's note."""
    chosen = os.environ.get(VARIABLE, "")
    if chosen.lower() == "none":
        return None
    path = Path(chosen) if chosen else SHIPPED
    if not chosen and not path.exists():
        return None
    try:
        info = path.stat()
    except OSError:
        raise InputError(f"{VARIABLE}={chosen}: no such file; allowed: none, or the path "
                         "of a posterior.parquet") from None
    name = "data/posterior/posterior.parquet" if not chosen else chosen  # as the user knows it
    return _cached(str(path), (info.st_mtime_ns, info.st_size), name)
