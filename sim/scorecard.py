"""The scorecard: the model run on the record, scored against honest baselines.

Two instruments, each over a population of real cases built by :mod:`sim.population`:

- **MID moments** (:func:`mid_check`): every post-1945 MID 5.0 dispute as a generic dyad,
  conditioned on the dispute starting; the simulated disputes' core moments (hostility
  mix, reciprocation, war and fatality shares given force, durations, strata) beside the
  observed ones (:mod:`sim.targets`), each with its z-score, and one joint distance using
  the observed bootstrap covariance plus the simulation's own.
- **ICB forecasts** (:func:`icb_backtest`): every usable ICB crisis from its onset
  covariates; the model's P(full-scale war) and its distribution over ICB's four levels of
  violence, scored (Brier, log, ranked probability) beside the leave-one-out base rate
  and a cross-validated statistical baseline fitted on the same onset covariates, with
  paired bootstrap intervals of the skill scores, a reliability diagram and skill by
  stratum.

The model's outcome is mapped to ICB's severity of violence once, by :func:`severity`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import population, record, scores, targets
from sim.ladder import FORCE, MID_LEVELS
from sim.outcomes import WAR, Records

SEVERITY = ("no violence", "minor clashes", "serious clashes", "full-scale war")
"""ICB's severity of violence (``sevviosy`` 1-4), as levels 0-3."""

SERIOUS_CLASH_DEATHS = 100
"""Deaths from force (battle and strikes) from which a simulated crisis counts as serious
clashes rather than minor ones. Judgment: ICB gives no number; 100 is MID's line between
fatality levels 2 and 3."""

FATALITY_BINS = (0, 1, 26, 101, 251, 501, 1000)
"""Lower bounds of MID fatality levels 0-6 (none, 1-25, 26-100, 101-250, 251-500,
501-999, over 999)."""

BASELINE_FIELDS = ("capability_ratio", "nuclear_a", "nuclear_b", "major_a", "major_b",
                   "contiguity", "defense_pact", "prior_mids", "trigger", "gravity",
                   "protracted", "era")
"""The onset covariates of the statistical baseline: everything the template is given,
and the fields it has no use for (alliances, era)."""

STRATA = {
    "violent trigger": lambda o: np.where(o["trigger"].isin([8, 9]), "violent", "non-violent"),
    "contiguity": lambda o: np.where(o["contiguity"] == "land", "land", "not land"),
    "era": lambda o: o["era"].to_numpy(),
    "nuclear": lambda o: np.where(o["nuclear_a"].fillna(False).astype(bool)
                                  & o["nuclear_b"].fillna(False).astype(bool),
                                  "both", "not both"),
}

MIN_GROUP = 5
"""The fewest crises a stratum's group needs for its skill to be shown."""


def severity(records: Records) -> np.ndarray:
    """Each replicate's ICB severity level (0-3): full-scale war for a war by the model's
    (COW) definition; serious clashes for force killing at least
    :data:`SERIOUS_CLASH_DEATHS`; minor clashes for other force; no violence otherwise."""
    deaths = records["battle_deaths"] + records["strike_deaths"]
    force = records["max_rung"] >= FORCE
    level = np.where(force, np.where(deaths >= SERIOUS_CLASH_DEATHS, 2, 1), 0)
    return np.where(records["outcome"] == WAR, 3, level).astype(np.int8)


def fatality_level(deaths: np.ndarray) -> np.ndarray:
    """MID fatality level (0-6) of a number of deaths."""
    return (np.searchsorted(FATALITY_BINS, np.floor(deaths), side="right") - 1).astype(np.int8)


# --------------------------------------------------------------------------- MID moments


@dataclass
class MidCheck:
    """Simulated MID moments beside the record's."""

    replicates: int
    seed: int
    disputes: int
    simulated: int
    comparison: Any
    levels: dict[str, float]
    elapsed_s: float
    undefined: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"replicates_per_dispute": self.replicates, "seed": self.seed,
                "disputes": self.disputes, "simulated_disputes": self.simulated,
                "moments": self.comparison.as_dict(), "undefined_moments": self.undefined,
                "simulated_hostility": self.levels, "elapsed_s": round(self.elapsed_s, 2)}

    def __str__(self) -> str:
        lines = [f"MID 5.0 moments: {self.disputes:,} post-1945 disputes as generic dyads, "
                 f"{self.replicates} replicates each (seed {self.seed}; "
                 f"{self.simulated:,} simulated disputes)", "",
                 f"{'moment':32s}{'MID 5.0 (SE)':>18s}{'simulated (SE)':>20s}{'z':>9s}"]
        for name, row in self.comparison.table.iterrows():
            digits = 1 if targets.is_duration(name) else 3
            lines.append(f"{name:32s}{_value(row.observed, row.observed_se, digits):>18s}"
                         f"{_value(row.simulated, row.simulated_se, digits):>20s}{row.z:9.1f}")
        c = self.comparison
        lines += ["", f"joint distance (squared Mahalanobis, observed + simulated covariance): "
                  f"{c.joint_distance:,.1f} on {c.df} df (p = {c.p_value:.3g})",
                  *([f"undefined for these disputes: {', '.join(self.undefined)}"]
                    if self.undefined else []),
                  "simulated highest hostility: " + ", ".join(
                      f"{MID_LEVELS[int(k)]} {v:.3f}" for k, v in self.levels.items()),
                  f"Simulated in {self.elapsed_s:.0f} s."]
        return "\n".join(lines)


def _value(x: float, se: float, digits: int) -> str:
    return f"{x:.{digits}f} ({se:.{digits}f})" if np.isfinite(x) else "-"


def simulated_disputes(run: population.PopulationRun, disputes: pd.DataFrame) -> pd.DataFrame:
    """The simulated disputes as a table with the columns :func:`targets.core_moments`
    reads, each replicate carrying its dispute's strata."""
    dispute = np.array([c.number for c in run.cases])[run.case_column()]
    return dispute_table(run.records, disputes.loc[dispute])


def dispute_table(rec: Records, disputes: pd.DataFrame) -> pd.DataFrame:
    """Simulated disputes (``rec``, one row per replicate) as a table with the columns
    :func:`targets.core_moments` reads, each row carrying the strata of its dispute
    (``disputes``, one row per replicate, in order); replicates in which no dispute
    happened are dropped, as the record has none of them."""
    table = pd.DataFrame({
        "dispnum": disputes.index.to_numpy(),
        "hostlev": rec["mid_hostility"].astype(int),
        "duration": rec["dispute_days"].astype(float),
        "fatality": fatality_level(rec["battle_deaths"] + rec["strike_deaths"]),
        "reciprocated": rec["force_reciprocated"].astype(bool),
        "land_contiguity": disputes["land_contiguity"].to_numpy(),
        "capability_ratio": disputes["capability_ratio"].to_numpy(),
        "territorial": disputes["territorial"].to_numpy(),
        "nuclear": disputes["nuclear"].to_numpy(),
    })
    return table[table["hostlev"] >= 2].reset_index(drop=True)


def _covariance(draws: np.ndarray) -> np.ndarray:
    complete = draws[np.isfinite(draws).all(axis=1)]
    return np.atleast_2d(np.cov(complete, rowvar=False))


def mid_check(replicates: int = 100, seed: int = 1, *, executor: Any = None,
              progress: Callable[[int, int], None] | None = None, n_boot: int = 500,
              disputes: pd.DataFrame | None = None, sets: dict[str, Any] | None = None,
              data: Path = record.DATA) -> MidCheck:
    """Simulate MID disputes (default: every post-1945 MID; or the rows of ``disputes``, a
    subset of :func:`sim.record.disputes`, such as one era) and compare their core moments
    with the same disputes' record. ``n_boot`` resamples estimate the simulated moments'
    Monte-Carlo covariance; ``sets`` overrides parameters in every case (an ablation)."""
    start = time.perf_counter()
    disputes = record.disputes(data) if disputes is None else disputes
    cases = population.from_disputes(disputes)
    run = population.simulate(cases, replicates, seed, sets=sets, executor=executor,
                              progress=progress)
    table = simulated_disputes(run, disputes)
    observed, simulated = targets.core_moments(disputes), targets.core_moments(table)
    names = np.array(list(observed))
    o, m = (np.array([d[n] for n in names]) for d in (observed, simulated))
    o_draws = targets.core_bootstrap(disputes)
    m_draws = targets.core_bootstrap(table, n_boot=n_boot, seed=seed)
    # a moment undefined for these disputes (none of them joint-nuclear, say), or in more
    # than 1% of the bootstrap resamples, is left out; the covariance uses complete draws
    defined = (np.isfinite(o) & np.isfinite(m) & (np.isnan(o_draws).mean(axis=0) <= 0.01)
               & (np.isnan(m_draws).mean(axis=0) <= 0.01))
    o_cov, m_cov = (_covariance(d[:, defined]) for d in (o_draws, m_draws))
    comparison = scores.compare_moments(names[defined], o[defined], o_cov, m[defined], m_cov)
    levels = table["hostlev"].value_counts(normalize=True).sort_index()
    return MidCheck(replicates, seed, len(disputes), len(table), comparison,
                    {str(k): float(v) for k, v in levels.items()},
                    time.perf_counter() - start, [str(n) for n in names[~defined]])


# --------------------------------------------------------------------------- ICB forecasts


@dataclass
class Forecasts:
    """One forecaster's P(full-scale war) and distribution over the four severity levels,
    one row per crisis."""

    p_war: np.ndarray
    severity: np.ndarray


@dataclass
class IcbBacktest:
    """The model's forecasts of the ICB crises beside the baselines', and their scores."""

    replicates: int
    seed: int
    files: tuple[str, ...]
    onset: pd.DataFrame
    outcome: pd.DataFrame
    excluded: pd.DataFrame
    forecasts: dict[str, Forecasts]
    elapsed_s: float
    n_boot: int = 2000
    unavailable: dict[str, str] = field(default_factory=dict)
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """The (forecaster, reference) pairs compared: those of :data:`PAIRS` both present."""
        return [(a, b) for a, b in PAIRS if a in self.forecasts and b in self.forecasts]

    @property
    def war(self) -> np.ndarray:
        return self.outcome["war"].to_numpy(bool).astype(float)

    @property
    def level(self) -> np.ndarray:
        return self.outcome["severity"].to_numpy(int) - 1

    def losses(self, forecaster: str) -> dict[str, np.ndarray]:
        """Per-crisis Brier, log and ranked probability losses of one forecaster."""
        f = self.forecasts[forecaster]
        return {"brier": scores.brier(f.p_war, self.war),
                "log": scores.log_loss(f.p_war, self.war),
                "rps": scores.rps(f.severity, self.level)}

    def skill(self, forecaster: str, reference: str) -> dict[str, Any]:
        """Skill of ``forecaster`` over ``reference`` on each score, with paired bootstrap
        intervals over crises."""
        key = (forecaster, reference)
        if key not in self._cache:
            mine, theirs = self.losses(forecaster), self.losses(reference)
            self._cache[key] = {name: scores.skill(mine[name], theirs[name],
                                                   n_boot=self.n_boot, seed=self.seed)
                                for name in mine}
        return self._cache[key]

    def by_stratum(self, forecaster: str, reference: str, score: str = "brier"
                   ) -> dict[str, dict[str, Any]]:
        """Skill within each group of each of :data:`STRATA` (groups of fewer than
        :data:`MIN_GROUP` crises are left out)."""
        mine, theirs = self.losses(forecaster)[score], self.losses(reference)[score]
        out = {}
        for name, rule in STRATA.items():
            labels = np.asarray(rule(self.onset)).astype(str)
            groups, counts = np.unique(labels, return_counts=True)
            keep = np.isin(labels, groups[counts >= MIN_GROUP])
            out[name] = scores.skill_by_stratum(mine[keep], theirs[keep], labels[keep],
                                                n_boot=self.n_boot, seed=self.seed) \
                if keep.any() else {}
        return out

    def reliability(self) -> dict[str, pd.DataFrame]:
        """Reliability tables of P(war), one per forecaster (keyed by its label)."""
        return {LABELS[name]: scores.reliability(f.p_war, self.war, bins=10)
                for name, f in self.forecasts.items()}

    def discrimination(self, forecaster: str) -> scores.Discrimination | None:
        """How well ``forecaster``'s P(war) ranks the wars above the other crises (the area
        under the ROC curve); None for the base rate, which ranks nothing (left out one
        crisis at a time, it is lower for every war by construction)."""
        if forecaster == "base_rate":
            return None
        return scores.discrimination(self.forecasts[forecaster].p_war, self.war)

    def as_dict(self) -> dict[str, Any]:
        means = {name: {k: float(np.mean(v)) for k, v in self.losses(name).items()}
                 for name in self.forecasts}
        auc = {name: self.discrimination(name) for name in self.forecasts}
        return {
            "replicates": self.replicates, "seed": self.seed, "files": list(self.files),
            "crises": len(self.onset), "wars": int(self.war.sum()),
            "excluded": self.excluded["reason"].value_counts().to_dict(),
            "mean_scores": means,
            "mean_p_war": {name: float(np.mean(f.p_war)) for name, f in self.forecasts.items()},
            "auc": {name: a.as_dict() for name, a in auc.items() if a is not None},
            "skill": {f"{a}_vs_{b}": {k: v.as_dict() for k, v in self.skill(a, b).items()}
                      for a, b in self.pairs},
            "by_stratum": {f"{a}_vs_{b}": {s: {k: v.as_dict() for k, v in d.items()}
                                           for s, d in self.by_stratum(a, b).items()}
                           for a, b in self.pairs if a == "model"},
            "unavailable": self.unavailable,
            "crisis_forecasts": [
                {"crisno": int(c), "title": str(self.onset.at[c, "title"]),
                 **{f"p_war_{name}": float(f.p_war[i]) for name, f in self.forecasts.items()},
                 "war": bool(self.war[i]), "severity": int(self.level[i]) + 1}
                for i, c in enumerate(self.onset.index)],
            "elapsed_s": round(self.elapsed_s, 2),
        }

    def __str__(self) -> str:
        lines = [f"ICB v14: {len(self.onset)} crises scored ({int(self.war.sum())} full-scale "
                 f"wars), {self.replicates:,} replicates each (seed {self.seed}); "
                 f"{len(self.excluded)} not usable: " + ", ".join(
                     f"{k} {v}" for k, v in self.excluded["reason"].value_counts().items()),
                 "", f"{'mean score (lower is better)':32s}{'Brier':>9s}{'log':>9s}"
                 f"{'RPS':>9s}"]
        for name in self.forecasts:
            m = {k: float(np.mean(v)) for k, v in self.losses(name).items()}
            lines.append(f"{LABELS[name]:32s}{m['brier']:9.4f}{m['log']:9.4f}{m['rps']:9.4f}")
        lines += ["", f"{'P(war): level and ranking':38s}{'mean':>6s}   AUC, 95% interval "
                  f"(0.5: no better than chance)",
                  f"{'  the record (war rate)':38s}{self.war.mean():6.3f}"]
        for name, f in self.forecasts.items():
            auc = self.discrimination(name)
            lines.append(f"{'  ' + LABELS[name]:38s}{np.mean(f.p_war):6.3f}   "
                         + (str(auc) if auc is not None else "- (ranks nothing)"))
        lines += ["", "skill score = 1 - mean loss / reference mean loss (> 0: better than the "
                  "reference); paired bootstrap 95% interval over crises"]
        for a, b in self.pairs:
            skill = self.skill(a, b)
            lines.append(f"  {LABELS[a]} vs {LABELS[b]}:")
            for name, s in skill.items():
                lines.append(f"    {name:6s} {s.value:+8.3f}  [{s.low:+.3f}, {s.high:+.3f}]")
        for name, reason in self.unavailable.items():
            lines.append(f"  {LABELS[name]}: not available ({reason})")
        references = [b for a, b in self.pairs if a == "model"]
        lines += ["", "Brier skill of the model by stratum (vs " +
                  " | vs ".join(LABELS[b] for b in references) + "):"]
        tables = [self.by_stratum("model", b) for b in references]
        for stratum, groups in tables[0].items():
            if not groups:
                continue
            for group, s in groups.items():
                cells = [t[stratum][group] for t in tables]
                lines.append(f"  {stratum + ' = ' + str(group):34s} n={s.n:<4d} " + " | ".join(
                    f"{t.value:+7.3f} [{t.low:+.3f}, {t.high:+.3f}]" for t in cells))
        lines.append(f"\nSimulated and scored in {self.elapsed_s:.0f} s.")
        return "\n".join(lines)


LABELS = {"model": "model", "base_rate": "base rate (leave-one-out)",
          "baseline": "statistical baseline (CV logistic)"}
PAIRS = (("model", "base_rate"), ("model", "baseline"), ("baseline", "base_rate"))


def model_forecasts(run: population.PopulationRun) -> Forecasts:
    """P(war) and the severity distribution of each case from its replicates; P(war) is
    k/n smoothed by half a replicate each way (a quarter in each severity level), so that
    no outcome is given probability 0."""
    p_war, dist = [], []
    for i in range(len(run.cases)):
        part = run.of(i)
        level = severity(part)
        n = len(level)
        counts = np.bincount(level, minlength=4).astype(float)
        p_war.append(scores.smoothed(int(counts[3]), n))
        dist.append((counts + 0.25) / (n + 1))  # a quarter replicate in each level
    return Forecasts(np.array(p_war), np.array(dist))


def icb_backtest(files: Sequence[str | Path] | None = None, replicates: int = 2000,
                 seed: int = 1, *, executor: Any = None,
                 progress: Callable[[int, int], None] | None = None, n_boot: int = 2000,
                 penalty: float | None = None, sets: dict[str, Any] | None = None,
                 data: Path = record.DATA) -> IcbBacktest:
    """Score the model's forecasts of the ICB crises in ``files`` (the system- and
    actor-level files, in that order; default: the shipped development set).

    ``penalty`` fixes the baselines' L2 penalty C (default: chosen by an inner
    cross-validation in each training fold). With too few crises of some severity level to
    cross-validate, the statistical baseline is left out and the result says why."""
    start = time.perf_counter()
    icb1, icb2 = (None, None) if not files else (Path(files[0]), Path(files[1]))
    crises = record.crises(icb1, icb2, data=data)
    cases = population.from_crises(crises)
    run = population.simulate(cases, replicates, seed, sets=sets, executor=executor,
                              progress=progress)
    onset, outcome = crises.onset, crises.outcome.loc[crises.onset.index]
    war, level = outcome["war"].to_numpy(bool).astype(float), outcome["severity"].to_numpy(int)
    inputs = record.forecast_inputs(onset, BASELINE_FIELDS)
    forecasts = {
        "model": model_forecasts(run),
        # Jeffreys' half case each way, as the model's k/n gets: no P(war) of exactly 0
        "base_rate": Forecasts(scores.loo_base_rate(war, prior=0.5),
                               scores.loo_distribution(level - 1, 4)),
    }
    unavailable = {}
    try:
        forecasts["baseline"] = Forecasts(
            scores.baseline_probability(inputs, war, seed=seed, C=penalty),
            scores.baseline_distribution(inputs, level - 1, 4, seed=seed, C=penalty))
    except ValueError as err:  # too few crises of some level to cross-validate
        unavailable["baseline"] = str(err)
    shown = tuple(str(f) for f in files) if files else ("data/icb1v14.csv", "data/icb2v14.csv")
    return IcbBacktest(replicates, seed, shown, onset, outcome, crises.excluded, forecasts,
                       time.perf_counter() - start, n_boot, unavailable)


# --------------------------------------------------------------------------- the report


def report(mid: MidCheck, icb: IcbBacktest, history: Any) -> str:
    """The scorecard as a Markdown page (what ``crisis-sim scorecard`` writes)."""
    lines = ["# Scorecard", "",
             f"Seed {icb.seed}. Written by `crisis-sim scorecard`; "
             "see docs/validation.md for how to read it.", "",
             "## MID 5.0 moments", "", "```", str(mid), "```", "",
             "![moments](moments.png)", "",
             "## ICB crises", "", "```", str(icb), "```", "",
             "![reliability](reliability.png)", "",
             "## History scenarios", "", "```", str(history), "```", ""]
    return "\n".join(lines)
