"""What the classroom page shows, computed without Solara: the scenarios on offer, the
controls a class moves (with their documented ranges), the ensemble view, one future day by
day beside the record, and paired comparisons.

The page (:mod:`sim.app.page`) only lays these out; tests call them directly too. Nothing in
the model imports this package.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim import analysis, api, plots, policies
from sim.errors import InputError
from sim.ladder import FORCE, Rung
from sim.model import CrisisModel
from sim.outcomes import OUTCOME_LABELS
from sim.parameters import MEDIATOR, MILITANT, STATE, Distribution
from sim.scenario import Scenario

REPLICATES = 5_000
SEED = 1
KEEP = 1_000          # replicates whose paths the fan chart is drawn from
OUTCOME_NAMES = OUTCOME_LABELS
"""The model's four outcomes by the horizon: a crisis neither at war nor de-escalated is
'ongoing' if its dispute was militarized, 'no dispute' if it never was."""

_DRAWING = threading.Lock()   # pyplot keeps global state; one figure at a time
# The server draws to PNG only (plots.png): `crisis-sim app` starts it with MPLBACKEND=Agg.


# --------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Choice:
    """A scenario on offer in the picker."""

    group: str
    title: str
    path: str

    @property
    def label(self) -> str:
        return f"{self.group}: {self.title}"


GROUPS = (("flagship", "."), ("history", "history"), ("teaching", "teaching"))


def scenario_choices(root: str | Path = "scenarios") -> list[Choice]:
    """The flagship (the files directly in ``root``), the history cases and the teaching
    cases, in that order; files that do not load are left out."""
    root = Path(root)
    choices = []
    for group, folder in GROUPS:
        for path in sorted((root / folder).glob("*.toml")):
            try:
                crisis = api.resolve(path)
            except InputError:
                continue
            choices.append(Choice(group, crisis.title, str(path)))
    return choices


# --------------------------------------------------------------------------- controls


@dataclass(frozen=True)
class Control:
    """One control of the page: a ``--set`` path (or ``militants.activity``), its label,
    its documented range and the scenario's own value.

    ``drawn`` names the distribution the scenario draws the value from per replicate, if
    it does: the slider then starts at its centre, and moving it fixes the value.
    """

    path: str
    label: str
    help: str
    value: float | str
    low: float = 0.0
    high: float = 1.0
    step: float = 0.05
    options: tuple[str, ...] = ()
    drawn: str | None = None
    section: str = ""

    @property
    def is_choice(self) -> bool:
        return bool(self.options)


MILITANT_ACTIVITY = "militants.activity"
"""Not a parameter: a multiplier of every militant group's scenario attack rates."""
ACTIVITY_MAX = 5.0
BETA_SHOWN_MAX = 10.0
"""β's documented range is 0 to 100; the slider stops at 10, past which the choice is
already practically the best response (parameter-sources §7 calls 1-5 defensible)."""


def _scalar(value: Any) -> tuple[float, str | None]:
    if isinstance(value, Distribution):
        return value.centre, str(value)
    return float(value), None


def _name(crisis: Scenario, actor_id: str) -> str:
    return crisis.actor(actor_id).name


def controls(crisis: Scenario) -> list[Control]:
    """The controls for a scenario: each state's policy, β and sensitivity to deaths; each
    mediator's leverage over each party; militant activity."""
    out: list[Control] = []
    beta = policies.get("quantal_response").parameters["beta"]
    for state in crisis.of_kind("state"):
        section = state.name
        out.append(Control(f"actor.{state.id}.policy", f"{state.name}: policy",
                           "the state's decision rule (docs/ODD.md §7.1-7.2)",
                           state.policy or "quantal_response",
                           options=tuple(policies.names()), section=section))
        value, drawn = _scalar(state.parameters.get(
            "beta", beta.default))
        out.append(Control(f"actor.{state.id}.beta", f"{state.name}: how deliberate (β)",
                           f"{beta.meaning}; documented range {beta.low:g}-{beta.high:g}, "
                           f"shown 0-{BETA_SHOWN_MAX:g} (quantal response only)",
                           value, beta.low, min(beta.high, BETA_SHOWN_MAX), 0.1, drawn=drawn,
                           section=section))
        spec = STATE["pressure_sensitivity"]
        value, drawn = _scalar(state.parameters.get("pressure_sensitivity", spec.default))
        out.append(Control(f"actor.{state.id}.pressure_sensitivity",
                           f"{state.name}: sensitivity to deaths",
                           f"{spec.meaning} ({spec.unit}); range {spec.low:g}-{spec.high:g}",
                           value, spec.low, spec.high, 0.05, drawn=drawn, section=section))
    spec = MEDIATOR["leverage"]
    for mediator in crisis.of_kind("mediator", "great_power"):
        leverage = mediator.parameters.get("leverage", spec.default)
        for party in mediator.parties:
            raw = leverage.get(party, spec.default) if isinstance(leverage, dict) else leverage
            value, drawn = _scalar(raw)
            out.append(Control(f"actor.{mediator.id}.leverage.{party}",
                               f"{mediator.name}: leverage over {_name(crisis, party)}",
                               f"{spec.meaning} ({spec.unit}); range "
                               f"{spec.low:g}-{spec.high:g}", value, spec.low, spec.high,
                               0.05, drawn=drawn, section="Mediators"))
    rates = militant_rates(crisis)
    if rates:
        spec = MILITANT["attack_rate"]
        ceiling = min(ACTIVITY_MAX, spec.high / max(max(r for r, _ in rates.values()), 1e-9))
        drawn = [f"{path}: {d}" for path, (_, d) in rates.items() if d]
        out.append(Control(MILITANT_ACTIVITY, "Militant activity (× the scenario's rates)",
                           "multiplies every militant group's attack rates (1 = the "
                           f"scenario's; each rate stays within {spec.low:g}-{spec.high:g} "
                           "attacks a day)", 1.0, 0.0, round(ceiling, 2), 0.1,
                           drawn="; ".join(drawn) or None, section="Militants"))
    return out


def militant_rates(crisis: Scenario) -> dict[str, tuple[float, str | None]]:
    """Each militant group's attack rate on each target, by ``--set`` path."""
    spec = MILITANT["attack_rate"]
    out = {}
    for group in crisis.of_kind("militant"):
        rate = group.parameters.get("attack_rate", spec.default)
        for target in group.targets:
            raw = rate.get(target, spec.default) if isinstance(rate, dict) else rate
            out[f"actor.{group.id}.attack_rate.{target}"] = _scalar(raw)
    return out


def overrides(crisis: Scenario, changes: dict[str, Any]) -> dict[str, Any]:
    """The ``--set`` overrides for the controls moved away from the scenario's values.

    Controls with no effect (:func:`inert`: β under a policy without one) are left out;
    militant activity becomes each group's rate times the multiplier.
    """
    sets: dict[str, Any] = {}
    for path, value in changes.items():
        if path == MILITANT_ACTIVITY:
            for rate_path, (rate, _) in militant_rates(crisis).items():
                sets[rate_path] = round(rate * float(value), 6)
        else:
            sets[path] = value
    return {path: value for path, value in sets.items() if not inert(crisis, changes, path)}


def inert(crisis: Scenario, changes: dict[str, Any], path: str) -> str:
    """Why a control has no effect with the other controls as they are ('' if it has)."""
    if path.endswith(".beta"):
        state = path.split(".")[1]
        policy = changes.get(f"actor.{state}.policy") or crisis.actor(state).policy
        if "beta" not in policies.get(policy).parameters:
            return f"no effect with the {policy} policy"
    return ""


def describe_changes(crisis: Scenario, changes: dict[str, Any]) -> str:
    """The moved controls in words, for labels: 'China: leverage over Pakistan = 0'."""
    labels = {c.path: c.label for c in controls(crisis)}
    return "; ".join(f"{labels.get(p, p)} = {v:g}" if isinstance(v, float) else
                     f"{labels.get(p, p)} = {v}" for p, v in changes.items()) or "as written"


# --------------------------------------------------------------------------- the ensemble


def ensemble(crisis: Scenario, replicates: int = REPLICATES,
             seed: int = SEED) -> api.RunResult:
    """``replicates`` futures from the branch, keeping the paths of the first ones for the
    fan chart."""
    return api.run(crisis, replicates, seed, keep=min(KEEP, replicates))


def probability(result: api.RunResult, outcome: str) -> tuple[float, float, float]:
    """An outcome's probability and its 95% Wilson interval."""
    p = result.summary.outcomes[outcome]
    low, high = p.confidence_interval()
    return p.p, low, high


def ensemble_figures(result: api.RunResult) -> tuple[bytes, bytes]:
    """The outcome bars and the fan chart beside the record, as PNG."""
    crisis = result.scenario
    kept = result.trajectories.rung.shape[2]
    with _DRAWING:
        bars = plots.png(plots.outcomes(result.summary, "How the futures end"))
        fan = plots.png(plots.fan(crisis, result.trajectories,
                            title=f"{crisis.title}: {kept:,} of the {result.replicates:,} "
                                  "futures"), dpi=70)
    return bars, fan


# --------------------------------------------------------------------------- one future


@dataclass
class Day:
    """One day of one future, in words, beside the record."""

    date: Any
    index: int                       # days after the branch (0: the branch date)
    rungs: dict[str, Rung]           # relation label -> simulated rung
    recorded: dict[str, Rung]        # relation label -> the record's rung that day
    happened: list[str]              # the day's simulated events in words
    record: list[str]                # what the record says of that date
    deaths: dict[str, float]         # cumulative deaths so far, by kind
    pressure: dict[str, float]       # state name -> domestic pressure (rungs)
    grievance: dict[str, float]      # relation label -> grievance (utility)


@dataclass
class Future:
    """One replicate of a run, day by day; ``replicate`` is its row in the run."""

    crisis: Scenario
    replicate: int
    replicates: int
    days: list[Day]
    outcome: str
    figure_png: bytes = field(repr=False, default=b"")


def relation_words(crisis: Scenario, label: str) -> str:
    actor, target = label.split("->")
    return f"{_name(crisis, actor)} toward {_name(crisis, target)}"


def _force_words(crisis: Scenario, label: str, rung: Rung, killed: float) -> str:
    actor, target = (_name(crisis, x) for x in label.split("->"))
    what = {Rung.LIMITED_STRIKE: f"{actor} strikes militant sites in {target}",
            Rung.CLASHES: f"{actor} clashes with the forces of {target}",
            Rung.WAR: f"{actor} fights a war with {target}"}.get(rung, f"{actor} uses force")
    return f"{what}: {_killed(killed)}"


def _killed(n: float) -> str:
    return "no one killed" if n == 0 else f"{n:.0f} killed"


def future(crisis: Scenario, replicate: int, replicates: int = REPLICATES,
           seed: int = SEED, figure: bool = True) -> Future:
    """Replicate ``replicate`` of the page's run, day by day from the branch (the same
    replicate as row ``replicate`` of the ensemble), with the record beside it."""
    told = api.story(crisis, replicate, seed, replicates)
    scripts = {rel.label: rel.script for rel in CrisisModel(crisis, 1, 0).relations}
    names = {a.id: a.name for a in crisis.actors}
    totals = {"in strikes and battle": 0.0, "in militant attacks": 0.0}
    days, previous = [], None
    for index, d in enumerate(told.days()):
        happened = []
        for label, rung in d["rungs"].items():
            if previous is not None and rung != previous[label]:
                happened.append(f"{relation_words(crisis, label)}: "
                                f"{previous[label].label} → {rung.label}")
        for label, killed in d["deaths"].items():
            happened.append(_force_words(crisis, label, d["rungs"][label], killed))
            totals["in strikes and battle"] += killed
        for label, rung in d["rungs"].items():
            if rung >= FORCE and label not in d["deaths"] and index > 0:
                happened.append(_force_words(crisis, label, rung, 0))
        for label, killed in d["attacks"].items():
            group, target = label.split("->")
            who = names.get(group, "an unclaimed group")
            happened.append(f"{who} attacks in {names[target]}: {_killed(killed)}")
            totals["in militant attacks"] += killed
        if d["mediating"]:
            happened.append(" and ".join(names[m] for m in d["mediating"])
                            + (" mediates" if len(d["mediating"]) == 1 else " mediate"))
        day = crisis.day(d["date"])
        days.append(Day(d["date"], index, d["rungs"],
                        {label: Rung(int(script[day])) for label, script in scripts.items()},
                        happened, d["history"], dict(totals),
                        {names[s]: p for s, p in d["pressure"].items()}, d["grievance"]))
        previous = d["rungs"]
    rec = told.record
    outcome = ("war", "de-escalated", "ongoing at the horizon", "no dispute by the horizon"
               )[rec["outcome"]]
    ending = f"{outcome} (day {rec['outcome_day']} after the branch)" if rec["outcome"] < 2 \
        else outcome
    picture = b""
    if figure:
        with _DRAWING:
            picture = plots.png(plots.story(told), dpi=70)
    return Future(crisis, replicate, replicates, days, ending, picture)


# --------------------------------------------------------------------------- compare


AS_WRITTEN = "as written"


@dataclass
class Compared:
    """A paired comparison and one shared future told under both."""

    comparison: analysis.Comparison
    base_label: str
    other_label: str
    figure_png: bytes
    same_future: tuple[str, str]     # replicate's outcome under the baseline, alternative

    def war(self) -> tuple[float, float, float]:
        d = self.comparison.outcomes["war"]
        low, high = d.confidence_interval()
        return d.difference, low, high


def compare(scenario: Scenario, changes: dict[str, Any], alternative: str,
            replicate: int = 0, replicates: int = REPLICATES, seed: int = SEED) -> Compared:
    """Compare on common random numbers. ``alternative`` is :data:`AS_WRITTEN` (the
    scenario as written against it with the page's controls) or a variant's name (the
    page's controls against the same plus the variant)."""
    sets = overrides(scenario, changes)
    if alternative == AS_WRITTEN:
        if not sets:
            raise InputError("compare: move a control first, or pick a variant")
        base, base_label = scenario, "the scenario as written"
        result = analysis.compare(scenario, set=sets, replicates=replicates, seed=seed)
        other = scenario.override(sets)
        other_label = f"with your controls ({describe_changes(scenario, changes)})"
    else:
        base = scenario.override(sets) if sets else scenario
        base_label = ("with your controls" if sets else "the scenario as written")
        result = analysis.compare(base, variant=alternative, replicates=replicates, seed=seed)
        other = base.override(variant=alternative)
        other_label = f"{base_label}, variant {alternative}"
    same = tuple(future(c, replicate, replicates, seed, figure=False).outcome
                 for c in (base, other))
    with _DRAWING:
        picture = plots.png(plots.comparison(result))
    return Compared(result, base_label, other_label, picture, same)
