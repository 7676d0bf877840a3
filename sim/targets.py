"""MID 5.0 calibration targets with their sampling uncertainty, computed from the record.

Every moment is a :class:`Share` (k of n, binomial standard error, Wilson interval) or a
:class:`Quantiles` (q10, q25, median, q75, q90 and mean, each with a bootstrap standard
error). :func:`core_moments` turns any table of disputes — the observed one from
:func:`sim.record.disputes` or one built from simulated disputes — into the core vector
(:data:`CORE_NAMES`), so the observed and the simulated moments come from the same code;
:func:`core_covariance` is its joint bootstrap covariance (disputes resampled together).
:func:`mid_targets` gathers everything in sections (a)-(e) and (g) of the reference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import record
from sim.outcomes import Proportion, wilson

SEED = 20240116
N_BOOT = 1000
QUANTILES = (0.10, 0.25, 0.50, 0.75, 0.90)
LEVELS = {2: "threat", 3: "display", 4: "use of force", 5: "war"}
FATALITY = {0: "none", 1: "1-25", 2: "26-100", 3: "101-250", 4: "251-500", 5: "501-999",
            6: ">999"}
OUTCOMES = {1: "victory A", 2: "victory B", 3: "yield by A", 4: "yield by B", 5: "stalemate",
            6: "compromise", 7: "released (seizure)", 8: "unclear", 9: "joins ongoing war"}
SETTLEMENTS = {1: "negotiated", 2: "imposed", 3: "none", 4: "unclear"}
RECIPROCATION_DAYS = (0, 1, 7, 30, 90, 365)

CORE_COLUMNS = ("hostlev", "duration", "fatality", "reciprocated", "land_contiguity",
                "capability_ratio", "territorial", "nuclear")
CORE_NAMES = ("share_display", "share_force", "share_war", "recip_given_force",
              "war_given_force", "anyfatal_given_force", "anyfatal_given_recip_force",
              "median_dur_force", "q75_dur_force", "median_dur_display",
              "recip_given_force_landcontig", "recip_given_force_nonland",
              "war_given_force_landcontig", "war_given_force_nonland",
              "recip_given_force_joint_nuclear", "short_given_recip_force",
              "recip_given_force_lopsided", "war_given_force_lopsided",
              "recip_given_force_territorial", "war_given_force_territorial")
"""The core vector. ``share_force`` is the share at hostility level 4 exactly; every
``..._given_force`` conditions on hostility 4 or 5 (force used, war included).
``short_given_recip_force`` is the share of reciprocated disputes of force (both sides used
force) that lasted 21 days or less: how often an exchange of blows ends within three weeks
(issue 11's test of the limited crises, put to the whole record). The ``_lopsided`` pair
conditions on disputes whose stronger side had more than LOPSIDED times the weaker's CINC
(a quarter of the disputes of force): whether the weak are answered, and go to war, as
often as equals are. The ``_territorial`` pair conditions on disputes whose side A sought to
revise territory (MID ``revtype`` 1, a fifth of the disputes of force)."""

SHORT_DAYS = 21
"""The longest dispute ``short_given_recip_force`` counts as over quickly: three weeks."""


LOPSIDED = 10.0
"""The capability ratio (stronger side's CINC over the weaker's) above which a pair is
lopsided: the ratio's top quartile among post-1945 disputes of force, rounded."""


def is_duration(name: str) -> bool:
    """Whether core moment ``name`` is a duration in days (else a share)."""
    return name.startswith(("median_dur", "q75_dur"))


# --------------------------------------------------------------------------- estimates


@dataclass(frozen=True)
class Share(Proportion):
    """``k`` of ``n`` (a :class:`~sim.outcomes.Proportion`), with the binomial standard error
    the targets are reported with."""

    @property
    def se(self) -> float:
        return math.sqrt(self.p * (1 - self.p) / self.n) if self.n else math.nan

    def as_dict(self) -> dict[str, Any]:
        return {"k": self.k, "n": self.n, "p": self.p, "se": self.se,
                "ci95": list(wilson(self.k, self.n))}

    def __str__(self) -> str:
        return f"{self.p:.3f} (SE {self.se:.3f}; {self.k}/{self.n})"


def share(event: pd.Series | np.ndarray, within: pd.Series | np.ndarray | None = None
          ) -> Share:
    """The share of ``event`` among the rows where ``within`` holds (all rows if None)."""
    event = _flags(event)
    within = np.ones_like(event) if within is None else _flags(within)
    return Share(int((event & within).sum()), int(within.sum()))


def _flags(values: pd.Series | np.ndarray) -> np.ndarray:
    """Booleans with missing values (NA) as False."""
    if isinstance(values, pd.Series):
        values = values.fillna(False)
    return np.asarray(values, dtype=bool)


@dataclass(frozen=True)
class Quantiles:
    """Quantiles (linear interpolation) and the mean of ``n`` values, each with the standard
    deviation of its bootstrap distribution."""

    n: int
    estimates: dict[str, float]
    boot_se: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return {"n": self.n, **{name: {"est": self.estimates[name], "boot_se": self.boot_se[name]}
                                for name in self.estimates}}

    def __str__(self) -> str:
        e = self.estimates
        return (f"n={self.n}: q10 {e['q10']:g}, q25 {e['q25']:g}, median {e['q50']:g} "
                f"(SE {self.boot_se['q50']:.1f}), q75 {e['q75']:g}, q90 {e['q90']:g}; "
                f"mean {e['mean']:.1f}")


def quantiles(values: pd.Series | np.ndarray, rng: np.random.Generator,
              n_boot: int = N_BOOT) -> Quantiles:
    """:class:`Quantiles` of ``values`` (NaN dropped) with ``n_boot`` bootstrap resamples."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    names = [f"q{round(q * 100)}" for q in QUANTILES] + ["mean"]
    if values.size == 0:
        nan = dict.fromkeys(names, math.nan)
        return Quantiles(0, nan, dict(nan))
    point = [*np.quantile(values, QUANTILES), values.mean()]
    draws = values[rng.integers(0, values.size, size=(n_boot, values.size))]
    boot = np.column_stack([np.quantile(draws, QUANTILES, axis=1).T, draws.mean(axis=1)])
    spread = boot.std(axis=0, ddof=1)
    return Quantiles(int(values.size), dict(zip(names, map(float, point), strict=True)),
                     dict(zip(names, map(float, spread), strict=True)))


@dataclass(frozen=True)
class Difference:
    """A difference of two shares with the standard deviation of its bootstrap
    distribution (the rows resampled together, the groups kept)."""

    estimate: float
    boot_se: float

    def as_dict(self) -> dict[str, float]:
        return {"est": self.estimate, "boot_se": self.boot_se}

    def __str__(self) -> str:
        return f"{self.estimate:+.3f} (bootstrap SE {self.boot_se:.4f})"


def difference(event: pd.Series, first: pd.Series, second: pd.Series,
               rng: np.random.Generator, n_boot: int = N_BOOT) -> Difference:
    """P(event | first) - P(event | second), with its bootstrap SE."""
    event, first, second = _flags(event), _flags(first), _flags(second)
    index = rng.integers(0, event.size, size=(n_boot, event.size))

    def gap(e: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return (e & a).sum(axis=-1) / a.sum(axis=-1) - (e & b).sum(axis=-1) / b.sum(axis=-1)

    boots = gap(event[index], first[index], second[index])
    return Difference(float(gap(event, first, second)), float(np.std(boots, ddof=1)))


# --------------------------------------------------------------------------- core vector


def _core(hostlev: np.ndarray, duration: np.ndarray, fatality: np.ndarray,
          reciprocated: np.ndarray, land: np.ndarray, capability_ratio: np.ndarray,
          territorial: np.ndarray, joint_nuclear: np.ndarray) -> np.ndarray:
    force = hostlev >= 4
    war = hostlev == 5
    known = ~np.isnan(fatality)
    fatal = known & (fatality > 0)
    recip_force = force & reciprocated
    lopsided = capability_ratio > LOPSIDED  # an unknown ratio (NaN) is not lopsided

    def ratio(event: np.ndarray, within: np.ndarray) -> float:
        n = within.sum()
        return (event & within).sum() / n if n else math.nan

    def quantile(values: np.ndarray, q: float) -> float:
        return float(np.quantile(values, q)) if values.size else math.nan

    return np.array([
        np.mean(hostlev == 3), np.mean(hostlev == 4), np.mean(war),
        ratio(reciprocated, force), ratio(war, force),
        ratio(fatal, force & known), ratio(fatal, recip_force & known),
        quantile(duration[force], 0.5), quantile(duration[force], 0.75),
        quantile(duration[hostlev == 3], 0.5),
        ratio(reciprocated, force & land), ratio(reciprocated, force & ~land),
        ratio(war, force & land), ratio(war, force & ~land),
        ratio(reciprocated, force & joint_nuclear),
        ratio(duration <= SHORT_DAYS, recip_force),
        ratio(reciprocated, force & lopsided), ratio(war, force & lopsided),
        ratio(reciprocated, force & territorial), ratio(war, force & territorial),
    ])


def _core_arrays(table: pd.DataFrame) -> tuple[np.ndarray, ...]:
    missing = [c for c in CORE_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"core moments: column {missing[0]!r} is missing "
                         f"(needed: {', '.join(CORE_COLUMNS)})")
    return (table["hostlev"].to_numpy(dtype=float),
            table["duration"].to_numpy(dtype=float),
            table["fatality"].to_numpy(dtype=float, na_value=np.nan),
            table["reciprocated"].to_numpy(dtype=bool),
            table["land_contiguity"].to_numpy(dtype=bool),
            table["capability_ratio"].to_numpy(dtype=float, na_value=np.nan),
            table["territorial"].to_numpy(dtype=bool),
            (table["nuclear"] == "both").to_numpy(dtype=bool))


def core_moments(table: pd.DataFrame) -> dict[str, float]:
    """The core moment vector of a table of disputes, one row per dispute, with columns
    ``hostlev`` (highest hostility 2-5), ``duration`` (days), ``fatality`` (MID level 0-6,
    NaN unknown), ``reciprocated`` (both sides used force), ``land_contiguity`` (bool),
    ``capability_ratio`` (stronger side's CINC over the weaker's, NaN unknown),
    ``territorial`` (side A sought territory) and ``nuclear`` ("both" marks the joint-nuclear
    disputes). Names and order: CORE_NAMES."""
    values = _core(*_core_arrays(table))
    return dict(zip(CORE_NAMES, map(float, values), strict=True))


def core_bootstrap(table: pd.DataFrame, n_boot: int = 2000, seed: int = SEED) -> np.ndarray:
    """``n_boot`` core vectors of disputes resampled with replacement (seeded)."""
    arrays = _core_arrays(table)
    rng = np.random.default_rng(seed)
    n = len(table)
    return np.array([_core(*(a[index] for a in arrays))
                     for index in rng.integers(0, n, size=(n_boot, n))])


def core_covariance(table: pd.DataFrame, n_boot: int = 2000, seed: int = SEED) -> np.ndarray:
    """The joint bootstrap covariance (CORE_NAMES order) of :func:`core_moments`."""
    return np.cov(core_bootstrap(table, n_boot, seed), rowvar=False)


# --------------------------------------------------------------------------- all targets


@dataclass(frozen=True)
class Targets:
    """The MID targets: ``sections`` maps a section title to its named estimates (a
    :class:`Share`, a :class:`Quantiles` or a number); ``core``, ``core_se`` and
    ``core_cov`` are the core vector, its bootstrap standard errors and covariance."""

    sections: dict[str, dict[str, Any]]
    core: dict[str, float]
    core_cov: np.ndarray
    n_boot: int
    seed: int
    core_se: dict[str, float] = field(init=False)

    def __post_init__(self) -> None:
        se = np.sqrt(np.diag(self.core_cov))
        object.__setattr__(self, "core_se", dict(zip(CORE_NAMES, map(float, se), strict=True)))

    def as_dict(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, dict):
                return {str(k): plain(v) for k, v in value.items()}
            return value.as_dict() if hasattr(value, "as_dict") else value
        return {"seed": self.seed, "n_boot": self.n_boot,
                "sections": plain(self.sections),
                "core_moment_vector": {"names": list(CORE_NAMES),
                                       "est": [self.core[n] for n in CORE_NAMES],
                                       "boot_se": [self.core_se[n] for n in CORE_NAMES],
                                       "cov": self.core_cov.tolist()}}

    def __str__(self) -> str:
        lines = []
        for title, rows in self.sections.items():
            lines += ["", title]
            width = max(len(name) for name in rows)
            lines += [f"  {name:<{width}}  {value}" for name, value in rows.items()]
        lines += ["", f"core moment vector (bootstrap SE, {self.n_boot} resamples, "
                      f"seed {self.seed})"]
        lines += [f"  {name:<32} {self.core[name]:>10.5g}  (SE {self.core_se[name]:.4g})"
                  for name in CORE_NAMES]
        return "\n".join(lines[1:])


def _by(disputes: pd.DataFrame, event: str, within: pd.Series, column: str,
        values: tuple[Any, ...]) -> dict[str, Share]:
    return {f"{column} = {v}": share(disputes[event], within & (disputes[column] == v))
            for v in values}


def _first_force(disputes: pd.DataFrame, incidents: pd.DataFrame) -> pd.DataFrame:
    """Per force MID with incident data: the day each side first used force (NaT if never):
    the earliest MIDIP start date of a participant of that side acting at hostility 4+."""
    covered = disputes.index[disputes["force"] & disputes.index.isin(incidents["dispnum"])]
    force = incidents[incidents["hostlev"] >= 4]
    first = force.groupby(["dispnum", "sidea"])["start"].min().unstack()
    return first.reindex(index=covered, columns=[True, False]).rename(
        columns={True: "a", False: "b"})


def incident_targets(disputes: pd.DataFrame, incidents: pd.DataFrame,
                     rng: np.random.Generator, n_boot: int = N_BOOT) -> dict[str, Any]:
    """Section (g) moments from MIDI/MIDIP (1992-2014): reciprocation of the first use of
    force and its delay, the time from a MID's start to its first force, force incidents per
    force MID, days between successive incidents, and escalation by the hostility of the
    first incident day."""
    covered = disputes.index.isin(incidents["dispnum"])
    by_incident = incidents.drop_duplicates("incidnum")
    approximate = by_incident.groupby("dispnum")["incident_approximate"].any()
    first = _first_force(disputes, incidents)
    opened = first.min(axis=1)
    both = first.notna().all(axis=1)
    delay = (first.max(axis=1) - opened).dt.days.where(both)
    rows: dict[str, Any] = {
        "MIDs with incident data": int(covered.sum()),
        "MIDs with an incident of unknown start day": share(approximate, None),
        "first use of force reciprocated": share(both),
        "days first force to reciprocation": quantiles(delay, rng, n_boot),
    }
    for day in RECIPROCATION_DAYS:
        rows[f"reciprocated by day {day}"] = share(delay <= day)
    rows["days MID start to first force"] = quantiles(
        (opened - disputes.loc[first.index, "start"]).dt.days, rng, n_boot)
    side_a_first = first["a"].notna() & ~(first["b"] <= first["a"])
    rows["first force by side A"] = share(side_a_first)
    force_incidents = (incidents[incidents["hostlev"] >= 4].groupby("dispnum")["incidnum"]
                       .nunique().reindex(first.index))
    rows["force incidents per force MID"] = quantiles(force_incidents, rng, n_boot)
    ordered = by_incident.sort_values(["dispnum", "incident_start", "incidnum"])
    gaps = ordered.groupby("dispnum")["incident_start"].diff().dt.days
    rows["median days between incidents (per MID)"] = quantiles(
        gaps.groupby(ordered["dispnum"]).median().dropna(), rng, n_boot)
    day_one = by_incident["incident_start"] == by_incident.groupby("dispnum")[
        "incident_start"].transform("min")
    opening = by_incident[day_one].groupby("dispnum")["incident_hostlev"].max().clip(upper=4)
    reached = disputes.loc[opening.index]
    for level in (2, 3, 4):
        start = (opening == level).to_numpy()
        rows[f"first incident day {LEVELS[level]}: reaches force"] = share(reached["force"],
                                                                         start)
        rows[f"first incident day {LEVELS[level]}: reaches war"] = share(reached["war"], start)
    return rows


def mid_targets(data: Path = record.DATA, n_boot: int = N_BOOT, seed: int = SEED) -> Targets:
    """Every MID target of sections (a)-(e) and (g) with its sampling uncertainty, and the
    core vector with its joint bootstrap covariance (``n_boot`` resamples, ``seed``)."""
    d = record.disputes(data)
    rng = np.random.default_rng(seed)
    everyone = pd.Series(True, index=d.index)
    force = d["force"]
    sections: dict[str, dict[str, Any]] = {}

    mix = {f"{level} {name}": share(d["hostlev"] == level) for level, name in LEVELS.items()}
    for era in sorted(d["era"].unique()):
        mix |= {f"{era}: {level} {name}": share(d["hostlev"] == level, d["era"] == era)
                for level, name in LEVELS.items()}
    sections["(a) highest hostility level"] = {"MIDs": len(d), **mix}

    recip = {"all MIDs": share(d["reciprocated"]),
             "given force": share(d["reciprocated"], force),
             "bilateral, given force": share(d["reciprocated"], force & d["bilateral"]),
             "COW recip (side B acted), all MIDs": share(d["recip_cow"])}
    strata = (("nuclear", ("both", "one", "neither")),
              ("nuclear_fas", ("both", "one", "neither")),
              ("land_contiguity", (True, False)), ("water_150", (True, False)),
              ("era", tuple(sorted(d["era"].unique()))))
    for column, values in strata:
        for label, within in (("all MIDs", everyone), ("given force", force),
                              ("bilateral, given force", force & d["bilateral"])):
            recip |= {f"{k}, {label}": v
                      for k, v in _by(d, "reciprocated", within, column, values).items()}
    pact = d["defense_pact"]
    recip |= {f"defense_pact = {v}, given force": share(d["reciprocated"],
                                                        force & (pact == v).fillna(False))
              for v in (True, False)}
    sections["(b) reciprocated force"] = recip

    durations: dict[str, Any] = {"all": quantiles(d["duration"], rng, n_boot)}
    for level, name in LEVELS.items():
        durations[f"hostlev {level} {name}"] = quantiles(d.loc[d["hostlev"] == level,
                                                               "duration"], rng, n_boot)
    durations["force MIDs, mindur"] = quantiles(d.loc[force, "mindur"], rng, n_boot)
    for level in LEVELS:
        durations[f"hostlev {level}: 1 day or less"] = share(d["duration"] <= 1,
                                                              d["hostlev"] == level)
    for level in LEVELS:
        durations[f"hostlev {level}: over 365 days"] = share(d["duration"] > 365,
                                                              d["hostlev"] == level)
    sections["(c) duration (days, maxdur)"] = durations

    known = d["fatality"].notna()
    fatal: dict[str, Any] = {"unknown, excluded": int((~known).sum())}
    for level, name in FATALITY.items():
        fatal[f"{level} {name}, all MIDs"] = share(d["fatality"] == level, known)
        fatal[f"{level} {name}, force MIDs"] = share(d["fatality"] == level, known & force)
    fatal["any fatality given force"] = share(d["fatality"] > 0, known & force)
    fatal["over 100 deaths given force"] = share(d["fatality"] >= 3, known & force)
    sections["(d) fatality level"] = fatal

    cuts = d.loc[force, "capability_ratio"].quantile([1 / 3, 2 / 3]).to_numpy()
    tercile = pd.Series(np.searchsorted(cuts, d["capability_ratio"], side="right") + 1,
                        index=d.index)
    war: dict[str, Any] = {"overall": share(d["war"], force),
                           "capability ratio tercile cut points": [round(float(c), 3)
                                                                   for c in cuts]}
    war |= {f"capability ratio tercile T{t}": share(d["war"], force & (tercile == t))
            for t in (1, 2, 3)}
    war["T1 - T3 difference"] = difference(d.loc[force, "war"], tercile[force] == 1,
                                           tercile[force] == 3, rng, n_boot)
    for column, values in (*strata[:4], ("era", strata[4][1]), ("major_both", (True, False))):
        war |= _by(d, "war", force, column, values)
    sections["(e) war share given force"] = war

    sections["(g) incidents, 1992-2014"] = incident_targets(d, record.incidents(data), rng,
                                                            n_boot)
    recip_force = force & d["reciprocated"]
    sections["(g) outcomes and escalation"] = {
        **{f"outcome {k} {v}": share(d["outcome"] == k, d["outcome"].notna())
           for k, v in OUTCOMES.items()},
        **{f"settlement {k} {v}": share(d["settlement"] == k, d["settlement"].notna())
           for k, v in SETTLEMENTS.items()},
        **{f"outcome {k} {v}, force MIDs": share(d["outcome"] == k,
                                                 d["outcome"].notna() & force)
           for k, v in OUTCOMES.items()},
        "bilateral": share(d["bilateral"]),
        "multilateral given force": share(~d["bilateral"], force),
        "any fatality | force reciprocated": share(d["fatality"] > 0, recip_force & known),
        "any fatality | force not reciprocated": share(d["fatality"] > 0,
                                                       force & ~d["reciprocated"] & known),
        "war | force reciprocated": share(d["war"], recip_force),
        "war | force not reciprocated": share(d["war"], force & ~d["reciprocated"]),
        "maxdur, force reciprocated": quantiles(d.loc[recip_force, "duration"], rng, n_boot),
        "maxdur, force not reciprocated": quantiles(
            d.loc[force & ~d["reciprocated"], "duration"], rng, n_boot),
    }
    table = d[list(CORE_COLUMNS)]
    return Targets(sections=sections, core=core_moments(table),
                   core_cov=core_covariance(table, n_boot, seed), n_boot=n_boot, seed=seed)
