"""Analyses on top of runs and sweeps: paired counterfactual comparisons and Sobol
sensitivity indices, each with its interval.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from sim import api, events, record, targets
from sim import scenario as scenarios
from sim.errors import InputError
from sim.outcomes import (
    DEESCALATED,
    OUTCOMES,
    WAR,
    Z95,
    ParameterSpread,
    Proportion,
    counted,
    decimals,
    json_safe,
)

# --------------------------------------------------------------------------- paired differences


@dataclass(frozen=True)
class PairedDifference:
    """P(event) under the alternative minus under the baseline, from paired replicates.

    The 95% interval is Newcombe's hybrid score interval for paired proportions (method 10,
    with the continuity-corrected correlation; Newcombe 1998, *Statistics in Medicine* 17:
    2635-2650), built from the two Wilson intervals. ``unpaired_interval`` is the same with
    the correlation set to zero: what two independent runs of this size would give.
    """

    base: Proportion
    other: Proportion
    both: int
    neither: int

    @property
    def difference(self) -> float:
        return self.other.p - self.base.p

    def confidence_interval(self) -> tuple[float, float]:
        return self._interval(self._phi())

    def unpaired_interval(self) -> tuple[float, float]:
        return self._interval(0.0)

    def _phi(self) -> float:
        n = self.base.n
        r, u = self.both, self.neither
        s = self.other.k - r            # the alternative only
        t = self.base.k - r             # the baseline only
        a = (r + s) * (t + u) * (r + t) * (s + u)
        if a == 0:
            return 0.0
        b = r * u - s * t
        c = b - n / 2 if b > n / 2 else (b if b < 0 else 0.0)
        return c / math.sqrt(a)

    def _interval(self, phi: float) -> tuple[float, float]:
        p1, p2 = self.other.p, self.base.p
        l1, u1 = self.other.confidence_interval()
        l2, u2 = self.base.confidence_interval()
        d = p1 - p2
        low = d - math.sqrt(max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2)
                                + (u2 - p2) ** 2))
        high = d + math.sqrt(max(0.0, (p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1)
                                 + (u1 - p1) ** 2))
        return max(-1.0, low), min(1.0, high)

    @classmethod
    def of(cls, other: np.ndarray, base: np.ndarray) -> PairedDifference:
        other, base = np.asarray(other, bool), np.asarray(base, bool)
        n = len(base)
        return cls(Proportion(int(base.sum()), n), Proportion(int(other.sum()), n),
                   both=int((other & base).sum()), neither=int((~other & ~base).sum()))

    def as_dict(self) -> dict[str, float]:
        low, high = self.confidence_interval()
        ulow, uhigh = self.unpaired_interval()
        return {"base": self.base.p, "other": self.other.p, "difference": self.difference,
                "ci_low": low, "ci_high": high, "unpaired_ci_low": ulow,
                "unpaired_ci_high": uhigh}


@dataclass(frozen=True)
class MeanDifference:
    """A paired mean difference with a normal 95% interval (many pairs)."""

    n: int
    mean: float
    sd: float

    def confidence_interval(self) -> tuple[float, float]:
        if self.n < 2:
            return (math.nan, math.nan)
        half = Z95 * self.sd / math.sqrt(self.n)
        return self.mean - half, self.mean + half

    def as_dict(self) -> dict[str, float]:
        low, high = self.confidence_interval()
        return {"pairs": self.n, "difference": self.mean, "ci_low": low, "ci_high": high}


@dataclass
class Comparison:
    """Two versions of a scenario run on the same random numbers, replicate by replicate."""

    base_label: str
    other_label: str
    replicates: int
    seed: int
    outcomes: dict[str, PairedDifference]
    days_to_deescalation: MeanDifference
    medians: tuple[float, float]
    elapsed_s: float
    parameters: ParameterSpread | None = None
    """The spread over the posterior's parameter sets of the paired difference in P(war)
    (None: no posterior)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "base": self.base_label, "other": self.other_label, "replicates": self.replicates,
            "seed": self.seed,
            "outcomes": {k: v.as_dict() for k, v in self.outcomes.items()},
            "days_to_deescalation": {**self.days_to_deescalation.as_dict(),
                                     "median_base": self.medians[0],
                                     "median_other": self.medians[1]},
            "parameter_uncertainty": None if self.parameters is None else
            json_safe(asdict(self.parameters)),
            "elapsed_s": round(self.elapsed_s, 3),
        }

    def __str__(self) -> str:
        lines = [f"{self.replicates:,} paired replicates, seed {self.seed} (common random "
                 "numbers)", f"  baseline:    {self.base_label}",
                 f"  alternative: {self.other_label}", "",
                 f"{'':14s}{'baseline':>10s}{'alternative':>13s}{'difference':>12s}   "
                 "95% interval (paired)   unpaired, for comparison"]
        for name, d in self.outcomes.items():
            low, high = d.confidence_interval()
            ulow, uhigh = d.unpaired_interval()
            lines.append(f"P({name}){'':{12 - len(name)}s}{d.base.p:10.4f}{d.other.p:13.4f}"
                         f"{d.difference:+12.4f}   [{low:+.4f}, {high:+.4f}]"
                         f"      [{ulow:+.4f}, {uhigh:+.4f}]")
        t = self.days_to_deescalation
        low, high = t.confidence_interval()
        lines.append("")
        lines.append(f"Days to de-escalation: median {self.medians[0]:.0f} vs "
                     f"{self.medians[1]:.0f}; mean paired difference {t.mean:+.1f} days "
                     f"[{low:+.1f}, {high:+.1f}] over the {t.n:,} replicates that "
                     "de-escalated in both")
        spread = self.parameters
        if spread is not None:
            head = (f"\nParameter uncertainty ({counted(spread.draws, 'posterior draw')}, the "
                    "same rows on both sides): ")
            places = decimals(spread.low, spread.high, 4)
            lines.append(f"{head}over the parameter sets the record allows, the change in "
                         f"P(war) lies between {spread.low:+.{places}f} and "
                         f"{spread.high:+.{places}f} (95%); "
                         f"the parameters explain {spread.share:.0%} of its spread."
                         if spread.sd > 0 else
                         f"{head}the change in P(war) varies no more across the parameter "
                         "sets the record allows than chance alone would make it.")
        lines.append(f"\nSimulated in {self.elapsed_s:.2f} s.")
        return "\n".join(lines)


def compare(scenario: str | Path | Any, *, variant: str | None = None,
            set: dict[str, Any] | None = None, against: str | Path | None = None,
            replicates: int = 10_000, seed: int = 1, branch: date | str | None = None,
            horizon: int | None = None, progress: bool = False) -> Comparison:
    """Run a scenario and an alternative (a variant, ``set`` overrides, or another scenario
    file) on the same random numbers and report paired differences. ``progress`` shows a
    bar over both runs (in a notebook, a widget)."""
    if sum(x is not None and x != {} for x in (variant, set, against)) != 1:
        raise InputError("compare: give exactly one alternative: --variant, --set or --against")
    base = api.resolve(scenario, None, None, branch, horizon)
    if against is not None:
        other = api.resolve(against, None, None, branch, horizon)
        label = str(against)
    else:
        other = api.resolve(base, variant, set)
        label = f"variant {variant}" if variant else ", ".join(f"{k}={v}" for k, v in
                                                                 set.items())
    start = time.perf_counter()
    with tqdm(total=2 * replicates, unit=" crises", unit_scale=True, desc="comparing",
              disable=not progress, dynamic_ncols=True) as bar:
        ran_base = api.run(base, replicates, seed)
        bar.update(replicates)
        ran_other = api.run(other, replicates, seed)
        bar.update(replicates)
    a, b = ran_base.records, ran_other.records
    outcomes = {name: PairedDifference.of(b["outcome"] == code, a["outcome"] == code)
                for code, name in enumerate(OUTCOMES)}
    both = (a["outcome"] == DEESCALATED) & (b["outcome"] == DEESCALATED)
    gap = (b["days_to_deescalation"][both].astype(float)
           - a["days_to_deescalation"][both].astype(float))
    days = MeanDifference(int(both.sum()), float(gap.mean()) if len(gap) else math.nan,
                          float(gap.std(ddof=1)) if len(gap) > 1 else math.nan)
    medians = tuple(r.summary.days_to_deescalation.median for r in (ran_base, ran_other))
    war = (b["outcome"] == WAR).astype(np.int8) - (a["outcome"] == WAR).astype(np.int8)
    same_rows = np.array_equal(a["parameter_draw"], b["parameter_draw"])
    spread = ParameterSpread.of(war, a["parameter_draw"]) if same_rows else None
    return Comparison(f"{base.path}" + (f" ({'; '.join(base.applied)})" if base.applied else ""),
                      label, replicates, seed, outcomes, days, medians,
                      time.perf_counter() - start, spread)


# --------------------------------------------------------------------------- Sobol indices


# --------------------------------------------------------------------------- backtests

DEFAULT_CASES = ("scenarios/iran_pakistan_2024.toml", "scenarios/history")
"""What ``crisis-sim backtest`` scores when given no paths: the flagship and the history
cases."""


def base_rate_war() -> float:
    """P(war | use of force) among post-1945 MID 5.0 disputes, from the shipped record: the
    trivial forecast the scenario backtest scores the model against."""
    return targets.core_moments(record.disputes())["war_given_force"]


@dataclass
class Case:
    """One question about a historical crisis (a scenario's branch, or one of its
    ``[[branch_point]]``): what the model says from the branch, beside what happened."""

    crisis: Any
    p_war: Proportion
    reciprocated: Proportion
    days_to_deescalation: float
    days_to_reciprocation: float
    label: str = ""
    happened: Any = None

    def __post_init__(self) -> None:
        self.label = self.label or self.crisis.id
        if self.happened is None:
            self.happened = self.crisis.outcome

    def as_dict(self) -> dict[str, Any]:
        h = self.happened
        after = {key: None if getattr(h, key) is None
                 else (getattr(h, key) - self.crisis.branch).days
                 for key in ("force_ended", "normalised")}
        return {"scenario": self.crisis.id, "case": self.label, "path": self.crisis.path,
                "branch": self.crisis.branch.isoformat(),
                "p_war": self.p_war.as_dict(), "p_reciprocated": self.reciprocated.as_dict(),
                "median_days_to_deescalation": self.days_to_deescalation,
                "median_days_to_reciprocation": self.days_to_reciprocation,
                "happened": {"war": h.war, "reciprocated": h.reciprocated,
                             "days_to_reciprocation": h.days_to_reciprocation,
                             "days_to_deescalation": h.days_to_deescalation,
                             "deescalation_step": h.deescalation_step,
                             "days_to_force_ended": after["force_ended"],
                             "days_to_normalised": after["normalised"]}}


@dataclass
class Backtest:
    """The model against history, scenario file by scenario file."""

    replicates: int
    seed: int
    cases: list[Case]
    skipped: list[str]
    base_rate: float
    goldstein: dict[str, Any]
    elapsed_s: float

    def _smoothed(self, case: Case) -> float:
        """P(what happened) with half a replicate added each way, so that 0 of n is not
        scored as impossible."""
        k = case.p_war.k if case.happened.war else case.p_war.n - case.p_war.k
        return (k + 0.5) / (case.p_war.n + 1)

    @property
    def brier(self) -> tuple[float, float]:
        """Brier score of P(war): the model's, and always forecasting the base rate."""
        wars = np.array([c.happened.war for c in self.cases], float)
        model = np.array([c.p_war.p for c in self.cases])
        return (float(np.mean((model - wars) ** 2)),
                float(np.mean((self.base_rate - wars) ** 2)))

    @property
    def brier_reciprocated(self) -> float:
        """Brier score of P(force reciprocated) against whether it was."""
        done = np.array([c.happened.reciprocated for c in self.cases], float)
        return float(np.mean((np.array([c.reciprocated.p for c in self.cases]) - done) ** 2))

    @property
    def log_score(self) -> tuple[float, float]:
        """Mean log probability given to what happened (higher is better)."""
        base = [np.log(self.base_rate if c.happened.war else 1 - self.base_rate)
                for c in self.cases]
        return (float(np.mean([np.log(self._smoothed(c)) for c in self.cases])),
                float(np.mean(base)))

    def as_dict(self) -> dict[str, Any]:
        return {
            "replicates": self.replicates, "seed": self.seed,
            "cases": [c.as_dict() for c in self.cases], "skipped": self.skipped,
            "brier": {"model": self.brier[0], "base_rate": self.brier[1]},
            "brier_reciprocated": self.brier_reciprocated,
            "log_score": {"model": self.log_score[0], "base_rate": self.log_score[1]},
            "base_rate_war": self.base_rate,
            "elapsed_s": round(self.elapsed_s, 3),
        }

    def __str__(self) -> str:
        lines = [f"Backtest: {len(self.cases)} historical "
                 f"{'crisis' if len(self.cases) == 1 else 'crises'}, {self.replicates:,} "
                 f"replicates each (seed {self.seed}), from each scenario's branch", "",
                 f"{'crisis (branch)':44s}{'P(war) [95% interval]':24s}{'war?':6s}"
                 f"{'P(reciprocated)':17s}{'recip.?':9s}{'days to de-escalation':>22s}"
                 f"{'actual':>8s}"]
        for c in self.cases:
            h = c.happened
            actual = "-" if h.days_to_deescalation is None else h.days_to_deescalation
            lines.append(f"{c.label + ' (' + str(c.crisis.branch) + ')':44s}"
                         f"{c.p_war}   "
                         f"{'yes' if h.war else 'no':6s}{c.reciprocated.p:<17.3f}"
                         f"{'yes' if h.reciprocated else 'no':9s}"
                         f"{c.days_to_deescalation:>22.0f}"
                         f"{actual:>8}")
        model, base = self.brier
        lines += ["", f"Brier score of P(war) (lower is better): model {model:.4f}, always "
                  f"the MID 5.0 base rate ({self.base_rate:.1%}) {base:.4f}"]
        model, base = self.log_score
        lines.append(f"Log score of P(war) (higher is better):   model {model:.3f}, base rate "
                     f"{base:.3f}")
        lines.append(f"Brier score of P(reciprocated):           model "
                     f"{self.brier_reciprocated:.4f}")
        if self.skipped:
            lines.append(f"Skipped (no [outcome] table): {', '.join(self.skipped)}")
        lines.append(f"\nSimulated in {self.elapsed_s:.1f} s.")
        return "\n".join(lines)


def scenario_files(paths: str | Path | Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """The scenario files to backtest: files as given, and every ``*.toml`` under each
    directory (sorted) that says what happened (an ``[outcome]``, a ``[[branch_point]]`` or
    a ``[variant.NAME.outcome]``); returns (files, skipped)."""
    files, skipped = [], []
    for given in [paths] if isinstance(paths, str | Path) else paths:
        path = Path(given)
        if path.is_dir():
            for found in sorted(path.rglob("*.toml")):
                doc = scenarios.read_toml(found)[0]
                asks = scenarios.asks(doc)
                (files if asks else skipped).append(found)
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(f"{path}: no such file or directory; give scenario files or "
                             "directories of them")
    return files, [str(p) for p in skipped]


def backtest(paths: str | Path | Iterable[str | Path] = DEFAULT_CASES, replicates: int = 10_000,
             seed: int = 1, goldstein_paths: int = 1000,
             sets: dict[str, Any] | None = None) -> Backtest:
    """Run each scenario file from its branch (with the overrides ``sets``, if any) and
    score P(war) against what happened; keep the first case's daily Goldstein series (the
    record beside the simulated ensemble)."""
    files, skipped = scenario_files(paths)
    if not files:
        raise InputError(f"backtest: no scenario with an [outcome] table in {paths}; "
                         "allowed: scenario files that say what happened")
    start = time.perf_counter()
    cases, goldstein = [], {}
    for path in files:
        questions = api.resolve(path, None, sets or None).questions()
        if not questions:
            raise InputError(f"{path}: no [outcome], [[branch_point]] or [variant.NAME.outcome]:"
                             " the backtest needs to know what happened; allowed: a scenario "
                             "that says")
        for label, crisis, happened in questions:
            keep = min(goldstein_paths, replicates) if not cases else 0
            result = api.run(crisis, replicates, seed, keep=keep)
            s = result.summary
            cases.append(Case(result.scenario, s.outcomes["war"], s.force_reciprocated,
                              s.days_to_deescalation.median, s.days_to_reciprocation.median,
                              label, happened))
            if keep:
                goldstein = _goldstein(result)
    return Backtest(replicates, seed, cases, skipped, base_rate_war(), goldstein,
                    time.perf_counter() - start)


def _goldstein(result: Any) -> dict[str, Any]:
    crisis, paths = result.scenario, result.trajectories
    branch = crisis.day(crisis.branch)
    replayed = events.daily_goldstein(crisis, events.recorded(crisis, crisis.branch))
    runs = np.stack([events.daily_goldstein(crisis, events.simulated(crisis, paths, k))
                     for k in range(paths.rung.shape[2])], axis=1)
    runs[: branch + 1] = replayed[: branch + 1, None]
    record_ = events.daily_goldstein(crisis, events.recorded(crisis))
    return {"crisis": crisis, "record": record_, "simulated": runs,
            "dates": [crisis.date(d) for d in range(crisis.days)]}
