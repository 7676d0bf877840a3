"""Per-replicate records, and summaries of them with honest uncertainty.

Every probability comes back as a :class:`Proportion` whose
:meth:`~Proportion.confidence_interval` is the 95% Wilson score interval (the same numbers
as ``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")``, which the tests check);
a point estimate is never reported alone.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy.special import betaincinv

from sim.ladder import MID_HOSTILITY, MID_LEVELS, Rung

WAR, DEESCALATED, ONGOING, NO_DISPUTE = 0, 1, 2, 3
OUTCOMES = ("war", "deescalated", "ongoing", "no_dispute")
"""How a replicate's crisis stands at the horizon, by code: war; de-escalated; a
militarized dispute still ongoing; or no dispute, the focal pair never having reached
posture (docs/ODD.md §7.6)."""
OUTCOME_LABELS = {"war": "war", "deescalated": "de-escalated", "ongoing": "ongoing",
                  "no_dispute": "no dispute"}
"""Each outcome's name in words, for tables and figures."""
NO_DAY = np.iinfo(np.int16).min
"""Marks a day that never came (no de-escalation, no reciprocation, no dispute)."""

COLUMNS: dict[str, tuple[type, str]] = {
    "outcome": (np.int8, "0 war, 1 deescalated, 2 ongoing at the horizon (a militarized "
                "dispute still unresolved), 3 no dispute (never reached posture)"),
    "outcome_day": (np.int16, "days after the branch when the outcome was decided"),
    "days_to_dispute": (np.int16, "days after the branch when the focal dyad first reached "
                        "posture or above, a militarized dispute (negative: before the branch)"),
    "dispute_days": (np.int16, "days from the dispute's onset to the last day either side "
                     "of the focal dyad stood at posture or above (MID duration; at most the "
                     "horizon)"),
    "days_to_militarized_end": (np.int16, "days after the branch to the last day either "
                                "side stood at posture or above, once the outcome was decided "
                                "(as MID dates a dispute's end)"),
    "days_to_agreement": (np.int16, "days after the branch to the focal pair's first "
                          "agreement to step down together"),
    "days_to_concession": (np.int16, "days after the branch when a side of the focal "
                           "pair first yielded to the other's public threat"),
    "days_to_backdown": (np.int16, "days after the branch when a side of the focal pair "
                         "first backed down from its own public threat"),
    "days_to_deescalation": (np.int16, "days after the branch to the first of the calm "
                             "days that ended the crisis"),
    "max_rung": (np.int8, "highest rung either side of the focal dyad reached"),
    "max_rung_after_branch": (np.int8, "highest rung either side of the focal dyad reached "
                              "on the simulated days after the branch (-1: none), apart "
                              "from the replayed record"),
    "mid_hostility": (np.int8, "MID hostility level of the dispute (5 only for a war)"),
    "force_reciprocated": (np.bool_, "both sides used force (rung >= limited strike)"),
    "days_to_reciprocation": (np.int16, "days from the first use of force to the other "
                              "side's first"),
    "battle_deaths": (np.float32, "interstate battle deaths (clashes and war)"),
    "strike_deaths": (np.float32, "deaths from limited strikes on militant sites"),
    "attack_deaths": (np.float32, "deaths in the two states from militant attacks after "
                      "the start"),
    "mediated": (np.bool_, "a mediator was active on some day after the branch, with "
                 "leverage over a party (when it could act)"),
    "parameter_draw": (np.int16, "the posterior draw the replicate's calibrated parameters "
                       "came from (-1: the point defaults)"),
}

DAY_COLUMNS = ("days_to_dispute", "dispute_days", "days_to_militarized_end",
               "days_to_agreement", "days_to_concession", "days_to_backdown",
               "days_to_deescalation", "days_to_reciprocation")

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Proportion:
    """``k`` of ``n`` replicates; ``p`` with its Wilson score interval."""

    k: int
    n: int

    @property
    def p(self) -> float:
        return self.k / self.n if self.n else math.nan

    def confidence_interval(self, level: float = 0.95) -> tuple[float, float]:
        """Wilson score interval (Wilson 1927) for the probability."""
        return wilson(self.k, self.n, level)

    @property
    def half_width(self) -> float:
        low, high = self.confidence_interval()
        return (high - low) / 2

    def as_dict(self) -> dict[str, float]:
        low, high = self.confidence_interval()
        return {"p": self.p, "ci_low": low, "ci_high": high}

    def __str__(self) -> str:
        low, high = self.confidence_interval()
        places = decimals(low, high)
        return f"{self.p:.{places}f} [{low:.{places}f}, {high:.{places}f}]"


def decimals(low: float, high: float, least: int = 3) -> int:
    """Decimal places that show an interval as it is: at least ``least``, and enough for
    its width to show (0 of 10,000 is [0.0000, 0.0004], not [0.000, 0.000])."""
    width = high - low
    if not (math.isfinite(width) and width > 0):
        return least
    return max(least, min(12, math.ceil(-math.log10(width))))


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun in the number it needs: "1 dyad", "2 dyads", "10,000 replicates"."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def wilson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval for ``k`` successes in ``n`` trials."""
    if n == 0:
        return (0.0, 1.0)
    z = Z95 if level == 0.95 else _z(level)
    p = k / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    low = 0.0 if k == 0 else max(0.0, centre - spread)
    high = 1.0 if k == n else min(1.0, centre + spread)
    return (low, high)


def _z(level: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + level / 2)


@dataclass
class Records:
    """One row per replicate: the columns of :data:`COLUMNS`, as numpy arrays."""

    columns: dict[str, np.ndarray]

    @classmethod
    def empty(cls, n: int) -> Records:
        columns = {name: np.zeros(n, dtype) for name, (dtype, _) in COLUMNS.items()}
        columns["outcome"][:] = ONGOING
        columns["parameter_draw"][:] = -1
        for name in DAY_COLUMNS:
            columns[name][:] = NO_DAY
        return cls(columns)

    @classmethod
    def concat(cls, parts: list[Records]) -> Records:
        return cls({name: np.concatenate([p.columns[name] for p in parts]) for name in COLUMNS})

    def __len__(self) -> int:
        return len(self.columns["outcome"])

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def to_pandas(self) -> Any:
        import pandas as pd

        frame = pd.DataFrame(self.columns)
        frame["outcome"] = pd.Categorical.from_codes(frame["outcome"], OUTCOMES)
        for name in DAY_COLUMNS:
            frame[name] = frame[name].astype("Int16").mask(frame[name] == NO_DAY)
        return frame

    def summary(self) -> Summary:
        return Summary.of(self)


@dataclass(frozen=True)
class Quantiles:
    median: float
    q25: float
    q75: float
    n: int

    @classmethod
    def of(cls, values: np.ndarray) -> Quantiles:
        if len(values) == 0:
            return cls(math.nan, math.nan, math.nan, 0)
        q25, median, q75 = np.percentile(values, [25, 50, 75])
        return cls(float(median), float(q25), float(q75), len(values))


@dataclass(frozen=True)
class Summary:
    """What a set of replicates says, every probability with its interval."""

    n: int
    outcomes: dict[str, Proportion]
    days_to_deescalation: Quantiles
    max_rung: dict[str, Proportion]
    max_rung_after_branch: dict[str, Proportion]
    mid_hostility: dict[str, Proportion]
    force_reciprocated: Proportion
    days_to_reciprocation: Quantiles
    mediated: Proportion
    deaths: dict[str, dict[str, float]] = field(default_factory=dict)
    parameters: ParameterSpread | None = None
    """How much of P(war)'s spread comes from the parameters (None: no posterior)."""

    @classmethod
    def of(cls, records: Records) -> Summary:
        n = len(records)
        outcome = records["outcome"]
        deescalated = outcome == DEESCALATED
        reciprocated = records["force_reciprocated"]
        return cls(
            n=n,
            outcomes={name: Proportion(int((outcome == code).sum()), n)
                      for code, name in enumerate(OUTCOMES)},
            days_to_deescalation=Quantiles.of(records["days_to_deescalation"][deescalated]),
            max_rung={r.name.lower(): Proportion(int((records["max_rung"] == r).sum()), n)
                      for r in Rung},
            max_rung_after_branch={
                r.name.lower(): Proportion(int((records["max_rung_after_branch"] == r).sum()), n)
                for r in Rung},
            mid_hostility={str(level): Proportion(int((records["mid_hostility"] == level).sum()),
                                                  n) for level in MID_LEVELS},
            force_reciprocated=Proportion(int(reciprocated.sum()), n),
            days_to_reciprocation=Quantiles.of(
                records["days_to_reciprocation"][records["days_to_reciprocation"] != NO_DAY]),
            mediated=Proportion(int(records["mediated"].sum()), n),
            deaths={name: _death_stats(records[f"{name}_deaths"])
                    for name in ("battle", "strike", "attack")},
            parameters=ParameterSpread.of(outcome == WAR, records["parameter_draw"]),
        )

    @property
    def p_war(self) -> Proportion:
        return self.outcomes["war"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "replicates": self.n,
            "outcomes": {k: v.as_dict() for k, v in self.outcomes.items()},
            "days_to_deescalation": json_safe(asdict(self.days_to_deescalation)),
            "max_rung": {k: v.as_dict() for k, v in self.max_rung.items()},
            "max_rung_after_branch": {k: v.as_dict()
                                      for k, v in self.max_rung_after_branch.items()},
            "mid_hostility": {k: v.as_dict() for k, v in self.mid_hostility.items()},
            "force_reciprocated": self.force_reciprocated.as_dict(),
            "days_to_reciprocation": json_safe(asdict(self.days_to_reciprocation)),
            "mediated": self.mediated.as_dict(),
            "deaths": self.deaths,
            "parameter_uncertainty": None if self.parameters is None else
            json_safe(asdict(self.parameters)),
        }


@dataclass(frozen=True)
class ParameterSpread:
    """How much of an event's uncertainty comes from the calibrated parameters and how much
    from chance, when each replicate drew its parameters from a posterior.

    With replicates grouped by their posterior draw g (n_g replicates, share p_g having the
    event; N in all, G draws, overall share p), the one-way random-effects estimator
    (Searle, Casella & McCulloch 1992, §3.5) gives the variance of P(event | θ) over the
    posterior::

        MSB = Σ n_g (p_g − p)² / (G − 1),   MSW = Σ n_g p_g (1 − p_g) / (N − G),
        n₀ = (N − Σ n_g² / N) / (G − 1),    σ²_θ = max(0, (MSB − MSW) / n₀)

    ``share`` is σ²_θ / (σ²_θ + MSW), the part of the event's variance the parameters
    explain (chance the rest), and ``low``-``high`` the central 95% of P(event | θ) over
    the posterior, from the beta distribution with mean p and variance σ²_θ (the interval
    of the Monte-Carlo estimate of p when σ²_θ is 0)."""

    draws: int
    p: float
    sd: float
    low: float
    high: float
    share: float

    @classmethod
    def of(cls, event: np.ndarray, draw: np.ndarray) -> ParameterSpread | None:
        """From each replicate's event (0/1, or any number, such as a paired difference of
        -1, 0 or 1) and its posterior row (-1: none); None when no replicate drew one. For
        values other than 0/1 the interval is the mean ± 1.96 σ_θ."""
        used = draw >= 0
        if not used.any():
            return None
        values, draw = event[used].astype(float), draw[used]
        binary = bool(np.isin(values, (0.0, 1.0)).all())
        counts = np.bincount(draw)
        present = counts > 0
        n_g = counts[present]
        p_g = np.bincount(draw, weights=values)[present] / n_g
        n, g = len(values), int(present.sum())
        p = float(values.mean())
        within = float(np.sum((values - (np.bincount(draw, weights=values)
                                         / np.maximum(counts, 1))[draw]) ** 2))
        if g < 2 or n <= g:
            return cls(g, p, 0.0, *cls._chance(values, binary), 0.0)
        msb = float(np.sum(n_g * (p_g - p) ** 2) / (g - 1))
        msw = within / (n - g)
        n0 = (n - float(np.sum(n_g ** 2)) / n) / (g - 1)
        var = max(0.0, (msb - msw) / n0)
        if var <= 0:
            low, high = cls._chance(values, binary)
        elif binary and 0 < p < 1 and var < p * (1 - p):
            total = p * (1 - p) / var - 1
            low, high = (float(betaincinv(p * total, (1 - p) * total, q))
                         for q in (0.025, 0.975))
        else:
            low, high = p - Z95 * math.sqrt(var), p + Z95 * math.sqrt(var)
        return cls(g, p, math.sqrt(var), low, high,
                   var / (var + msw) if var + msw > 0 else 0.0)

    @staticmethod
    def _chance(values: np.ndarray, binary: bool) -> tuple[float, float]:
        """The Monte-Carlo interval of the mean alone (no parameter spread found)."""
        if binary:
            return wilson(int(values.sum()), len(values))
        half = Z95 * float(values.std(ddof=1)) / math.sqrt(len(values)) if len(values) > 1 \
            else math.inf
        return float(values.mean()) - half, float(values.mean()) + half


def _death_stats(values: np.ndarray) -> dict[str, float]:
    if len(values) == 0:
        return {"median": math.nan, "p95": math.nan, "mean": math.nan}
    median, p95 = np.percentile(values, [50, 95])
    return {"median": float(median), "p95": float(p95), "mean": float(values.mean())}


def mid_hostility(max_rung: np.ndarray, outcome: np.ndarray) -> np.ndarray:
    """The MID hostility level of each replicate's dispute: the level of the highest rung
    reached, except that level 5 (war) needs a war by the COW definition."""
    level = np.minimum(MID_HOSTILITY[max_rung], 4)
    return np.where(outcome == WAR, 5, level).astype(np.int8)


def json_safe(value: Any) -> Any:
    """A document JSON can hold: numpy numbers as Python numbers, and missing numbers (NaN,
    infinities) as null, since JSON has no NaN."""
    if isinstance(value, np.integer | np.floating | np.bool_):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


@dataclass
class Trajectories:
    """Day-by-day paths of a few replicates (kept only when asked for).

    ``rung``, ``deaths`` and ``grievance`` are indexed [day, relation, replicate];
    ``attacks`` [day, (group, target), replicate] (NaN: no attack); ``pressure`` [day,
    state, replicate]; ``mediating`` [day, mediator, replicate]. Days after a replicate's
    outcome hold -1 rungs.
    """

    replicates: np.ndarray
    relations: list[str]
    attackers: list[str]
    states: list[str]
    mediators: list[str]
    rung: np.ndarray
    deaths: np.ndarray
    grievance: np.ndarray
    attacks: np.ndarray
    pressure: np.ndarray
    mediating: np.ndarray

    def held(self) -> np.ndarray:
        """Rungs with each replicate's last rung carried past its outcome (war and
        de-escalation are absorbing), for plotting bands over all replicates."""
        rungs = self.rung.astype(np.int16)
        for day in range(1, len(rungs)):
            ended = rungs[day] < 0
            rungs[day][ended] = rungs[day - 1][ended]
        return rungs
