"""A population of real disputes and crises, each as a generic dyadic scenario.

The scorecard runs the model on hundreds of real cases, not on a few hand-written ones.
Each case is reduced to what was knowable at its onset — the two states' capabilities,
nuclear and major-power status, the act that started it, their history of disputes, whether
they share a land border, what they dispute and the gravity of the threat — and
:func:`scenario` turns that into a scenario the simulator runs: two states (the
**challenger**, who acts first, and the **target**), a generic third party that can
mediate, and the trigger as the challenger's action on day 0. Nothing measured over the
whole crisis (its severity, mediation, great-power involvement, outcome) enters: cases are
built from :data:`sim.record.ONSET_FIELDS` only, through :func:`sim.record.forecast_inputs`.

The mapping of every onset field, and which have no counterpart in the model, is in
``docs/population.md``. The judgment values are named constants here.

Cases of the same shape (trigger and dyad) run packed into one model, each with its own
parameter values as per-replicate overrides and its own seed block derived from the run
seed and the case's id alone, so a case's numbers do not depend on which other cases are
in the file (a held-back set scores the same crises the same way).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from sim import record
from sim.errors import InputError
from sim.executors import InProcess
from sim.ladder import Rung
from sim.model import CrisisModel
from sim.outcomes import Records
from sim.scenario import Scenario, from_document
from sim.seeds import BLOCK, Block

START = date(2000, 1, 1)
"""Every population scenario starts on this date: the model uses only days since the
start, and one date lets cases of the same shape share a model. Day 0 is the trigger."""

HORIZON = 365
"""Days simulated after the trigger. ICB crises last a median of 77 days (90% end within
a year); MID disputes of force a median of 41 (q75 185): durations beyond a year are
censored at the horizon."""

TRIGGER_RUNG: dict[int, Rung] = {
    1: Rung.POSTURE,          # verbal act: a threat
    2: Rung.DOWNGRADE,        # political act: severing or downgrading relations, subversion
    3: Rung.DOWNGRADE,        # economic act: embargo, sanctions
    4: Rung.PROTEST,          # external change: a shift in the environment, an alliance
    5: Rung.PROTEST,          # other non-violent act
    6: Rung.PROTEST,          # internal challenge to a regime, attributed to the rival
    7: Rung.POSTURE,          # non-violent military act: manoeuvres, mobilisation
    8: Rung.LIMITED_STRIKE,   # indirect violent act: violence against an ally or a client
    9: Rung.CLASHES,          # violent act: an attack on the state's forces or territory
}
"""The challenger's rung on day 0 for each ICB trigger type (``break``). Judgment: the
nearest rung of the ladder to each ICB category (ICB codebook, variable BREAK)."""

MID_STARTS = {Rung.POSTURE: 344 / 667, Rung.LIMITED_STRIKE: 323 / 667}
"""How a MID starts, as the challenger's rung on day 0, and the share of disputes that
start so: the first incident of the 667 post-1945 MIDs with incident data (MID 5.0,
1992-2014) was a threat (19) or a display (325) of force — posture — or a use of force
(323), here a limited strike. The population conditions on a dispute starting: each
dispute is run from both starts, with replicates in these shares."""

RIVALRY_IF_HISTORY = 0.5
"""Standing push (rungs) each side puts on its desired rung toward the other when the pair
had a militarized dispute in the previous ten years or the crisis is part of a protracted
conflict; 0 otherwise. Judgment: half a rung, a lasting but modest animosity (rivals'
disputes are likelier to recur and escalate: Goertz & Diehl 1993)."""

GRAVITY_PRESSURE = {0: 0.0, 1: 0.0, 2: 0.0, 3: 0.5, 4: 0.5, 5: 1.0, 6: 1.0}
"""The target's domestic pressure (rungs) at the start, by ICB gravity of threat
(``gravcr``: 0 economic, 1 limited military damage, 2 political, 3 territorial,
4 influence, 5 grave damage, 6 existence). Judgment: threats to territory, influence or
survival push a government to stand firmer; unknown or other codes give 0."""

ISSUE_STAKE = 1.0
"""The challenger's ``stake`` (utility per day) in the issue of a dispute: what its public
threat demands, pressed by force if the target does not yield (docs/ODD.md §7.11).
Judgment: a day's cost of a rung of hostility. What a territorial issue adds is the claim
that pushes both sides, threat or no threat (``model.territorial_claim``, §7.13)."""

TERRITORIAL_GRAVITY = 3
"""The ICB gravity of threat (``gravcr``) that codes a territorial threat: the crisis's
dyad disputes territory; any other gravity codes its issue as ``other``."""

MEDIATOR_LEVERAGE = 0.3
"""Leverage of the generic third party present in every case (the generic rivalry's
value). Whether a crisis was actually mediated is an outcome and is not used."""

OVERRIDDEN = ("actor.A.capability", "actor.B.capability", "actor.A.nuclear",
              "actor.B.nuclear", "actor.A.major_power", "actor.B.major_power",
              "actor.B.pressure")
"""The parameters in which cases of one shape differ (per-replicate overrides)."""

MODEL_REPLICATES = 100_000
"""At most this many replicates (cases × replicates per case) in one model."""


@dataclass(frozen=True)
class Case:
    """One dispute or crisis at its onset, in the template's terms."""

    id: str
    title: str
    challenger: str
    target: str
    capability: tuple[float, float]
    nuclear: tuple[bool, bool]
    trigger: Rung
    rivalry: float
    pressure: float
    share: float = 1.0
    """This case's replicates as a share of the run's (several cases can stand for one
    dispute, each a way it may have started)."""
    number: int = 0
    """The dispute's or crisis's number in its dataset (MID ``dispnum``, ICB ``crisno``)."""
    contiguity: str = "land"
    """How the two are neighbours (COW Direct Contiguity: land, water up to 150 miles,
    none)."""
    issue: str = "none"
    """What the pair disputes (MID: side A's revision type, ``record.REVISION_TYPES``; ICB:
    :data:`TERRITORIAL_GRAVITY`)."""
    major: tuple[bool, bool] = (False, False)
    """Whether each state (challenger, target) is a COW major power."""

    def replicates(self, run: int) -> int:
        return max(1, round(self.share * run))

    @property
    def shape(self) -> tuple[Rung, float, str, str]:
        """What cases sharing one model must have in common: what the scenario's structure
        holds (its trigger and dyad) rather than its parameters."""
        return (self.trigger, self.rivalry, self.contiguity, self.issue)

    def values(self) -> tuple[float, ...]:
        """The values of :data:`OVERRIDDEN`, in order."""
        return (*self.capability, *(float(n) for n in self.nuclear),
                *(float(m) for m in self.major), self.pressure)

    def seed(self, seed: int) -> np.random.SeedSequence:
        """This case's seed: a function of the run seed and the case id alone."""
        return np.random.SeedSequence([seed, zlib.crc32(self.id.encode())])


def _flag(value: Any) -> bool:
    return bool(value) if value == value and value is not None else False  # NaN: no


def from_crises(crises: record.Crises) -> list[Case]:
    """The ICB crises as cases: the triggering state (B) is the challenger, the crisis
    actor it triggered (A) the target."""
    rows = record.forecast_inputs(crises.onset, (
        "crisno", "title", "state_a", "state_b", "cinc_a", "cinc_b", "nuclear_a",
        "nuclear_b", "major_a", "major_b", "trigger", "gravity", "protracted", "prior_mids",
        "contiguity"))
    cases = []
    for r in rows.itertuples(index=False):
        history = _flag(r.protracted) or (r.prior_mids == r.prior_mids and r.prior_mids > 0)
        gravity = int(r.gravity) if r.gravity == r.gravity else -1
        cases.append(Case(
            id=f"icb-{int(r.crisno)}", title=str(r.title), challenger=str(int(r.state_b)),
            target=str(int(r.state_a)), capability=(float(r.cinc_b), float(r.cinc_a)),
            nuclear=(_flag(r.nuclear_b), _flag(r.nuclear_a)),
            major=(_flag(r.major_b), _flag(r.major_a)),
            trigger=TRIGGER_RUNG[int(r.trigger)],
            rivalry=RIVALRY_IF_HISTORY if history else 0.0,
            pressure=GRAVITY_PRESSURE.get(gravity, 0.0), number=int(r.crisno),
            contiguity=str(r.contiguity),
            issue="territory" if gravity == TERRITORIAL_GRAVITY else "other"))
    return cases


MID_ONSET = ("state_a", "state_b", "cinc_a", "cinc_b", "nuclear_a", "nuclear_b", "major_a",
             "major_b", "prior_mids", "issue", "contiguity")
"""The dispute fields a MID case is built from (known when the dispute began)."""


def from_disputes(disputes: Any, starts: dict[Rung, float] | None = None) -> list[Case]:
    """MID disputes as cases, one for each way a dispute may start (:data:`MID_STARTS`);
    side A's principal originator is the challenger."""
    starts = MID_STARTS if starts is None else starts
    rows = disputes[list(MID_ONSET)]
    return [Case(
        id=f"mid-{int(number)}-{rung.name.lower()}", title=f"MID {int(number)}",
        challenger=str(int(r.state_a)), target=str(int(r.state_b)),
        capability=(float(r.cinc_a), float(r.cinc_b)),
        nuclear=(_flag(r.nuclear_a), _flag(r.nuclear_b)),
        major=(_flag(r.major_a), _flag(r.major_b)), trigger=rung,
        rivalry=RIVALRY_IF_HISTORY if r.prior_mids > 0 else 0.0, pressure=0.0, share=share,
        number=int(number), contiguity=str(r.contiguity), issue=str(r.issue))
        for number, r in zip(rows.index, rows.itertuples(index=False), strict=True)
        for rung, share in starts.items()]


def document(case: Case, horizon: int = HORIZON) -> dict[str, Any]:
    """The scenario document (as a TOML file would give it) for one case."""
    trigger = case.trigger.name.lower()
    return {
        "scenario": {
            "id": case.id.replace("-", "_"), "title": case.title, "start": START,
            "branch": START, "horizon": horizon, "focus": ["A", "B"],
            "description": f"{case.title}: the generic dyadic template (docs/population.md); "
                           f"day 0 is the trigger, the challenger's {case.trigger.label}.",
            "sources": ["docs/population.md"]},
        "actor": [
            {"id": "A", "name": f"challenger (COW {case.challenger})", "kind": "state",
             "parameters": {"capability": case.capability[0], "nuclear": case.nuclear[0],
                            "major_power": case.major[0], "stake": ISSUE_STAKE}},
            {"id": "B", "name": f"target (COW {case.target})", "kind": "state",
             "parameters": {"capability": case.capability[1], "nuclear": case.nuclear[1],
                            "major_power": case.major[1], "pressure": case.pressure}},
            {"id": "THIRD", "name": "third parties", "kind": "mediator", "parties": ["A", "B"],
             "parameters": {"leverage": MEDIATOR_LEVERAGE}}],
        "dyad": [{"actors": ["A", "B"], "initial": "normal", "rivalry": case.rivalry,
                  "contiguity": case.contiguity, "issue": case.issue}],
        "event": [{"date": START, "kind": "action", "actor": "A", "target": "B",
                   "rung": trigger, "note": "the trigger"}],
    }


def scenario(case: Case, horizon: int = HORIZON) -> Scenario:
    """The generic dyadic scenario of one case (validated like a file)."""
    return from_document(document(case, horizon), f"<{case.id}>")


def _set(path: str, sets: dict[str, Any] | None) -> bool:
    """Whether ``sets`` sets the parameter at ``path`` (``actor.A.stake``), by its path or
    for every actor (``actor.*.stake``): a ``--set`` wins over the case's own value."""
    _, _, name = path.split(".", 2)
    return bool(sets) and (path in sets or f"actor.*.{name}" in sets)


def run_cases(cases: Sequence[Case], replicates: int, seed: int, horizon: int = HORIZON,
              sets: dict[str, Any] | None = None) -> dict[str, np.ndarray]:
    """Records of each case's replicates (:meth:`Case.replicates` of ``replicates``), case
    after case, with the overrides ``sets`` (``--set`` paths: ``model.NAME``,
    ``actor.*.NAME``...) applied to every case, winning over the case's own values of
    :data:`OVERRIDDEN`; the cases must share one shape. The unit of
    work an executor runs: a pure function of its arguments."""
    if len({c.shape for c in cases}) != 1:
        raise ValueError("cases of one model must share their shape (Case.shape)")
    counts = [c.replicates(replicates) for c in cases]
    overrides = {path: np.repeat(column, counts) for path, column in
                 zip(OVERRIDDEN, zip(*(c.values() for c in cases), strict=True), strict=True)
                 if not _set(path, sets)}
    blocks = [Block(c.seed(seed), n) for c, n in zip(cases, counts, strict=True)]
    crisis = scenario(cases[0], horizon)
    if sets:
        crisis = crisis.override(sets)
    model = CrisisModel(crisis, blocks=blocks, overrides=overrides)
    return model.run().columns


@dataclass
class PopulationRun:
    """The records of every case, case after case in the order of ``cases``."""

    cases: list[Case]
    replicates: int
    seed: int
    records: Records

    @property
    def counts(self) -> np.ndarray:
        return np.array([c.replicates(self.replicates) for c in self.cases], int)

    def case_column(self) -> np.ndarray:
        """Each row's case position."""
        return np.repeat(np.arange(len(self.cases)), self.counts)

    def of(self, index: int) -> Records:
        """The records of case ``index``."""
        stops = np.cumsum(self.counts)
        rows = slice(int(stops[index] - self.counts[index]), int(stops[index]))
        return Records({k: v[rows] for k, v in self.records.columns.items()})


def tasks(cases: Sequence[Case], replicates: int) -> list[list[int]]:
    """Positions of cases grouped into models: one shape per model, at most
    :data:`MODEL_REPLICATES` replicates each."""
    groups: dict[tuple, list[int]] = {}
    for i, case in enumerate(cases):
        groups.setdefault(case.shape, []).append(i)
    out = []
    for _, members in sorted(groups.items()):
        current, size = [], 0
        for i in members:
            n = cases[i].replicates(replicates)
            if current and size + n > MODEL_REPLICATES:
                out.append(current)
                current, size = [], 0
            current.append(i)
            size += n
        out.append(current)
    return out


def simulate(cases: Sequence[Case], replicates: int, seed: int = 1, *,
             horizon: int = HORIZON, sets: dict[str, Any] | None = None,
             executor: Any = None,
             progress: Callable[[int, int], None] | None = None) -> PopulationRun:
    """Run every case (``replicates`` times, scaled by its share; at most one seed block,
    :data:`BLOCK`).

    ``executor`` is one of :mod:`sim.executors` (default: this process); ``progress`` is
    called with the number of cases each finished task covered and the number of cases.
    A case's records are the same whatever the executor, the grouping and the other cases.
    """
    if not 1 <= replicates <= BLOCK:
        raise InputError(f"--replicates {replicates:,}: too many for one case; allowed: 1 "
                         f"to {BLOCK:,} replicates a case")
    cases = list(cases)
    groups = tasks(cases, replicates) if cases else []
    if sets:
        scenario(cases[0], horizon).override(sets)  # a bad override fails before any work
    calls = [(run_cases, ([cases[i] for i in group], replicates, seed, horizon, sets))
             for group in groups]
    results: dict[int, dict[str, np.ndarray]] = {}
    for index, columns in (executor or InProcess()).run(calls):
        results[index] = columns
        if progress is not None:
            progress(len(groups[index]), len(cases))
    parts: dict[int, dict[str, np.ndarray]] = {}
    for g, group in enumerate(groups):
        stops = np.cumsum([cases[i].replicates(replicates) for i in group])
        for i, stop, n in zip(group, stops, np.diff(stops, prepend=0), strict=True):
            parts[i] = {k: v[stop - n:stop] for k, v in results[g].items()}
    records = Records.concat([Records(parts[i]) for i in range(len(cases))]) if cases \
        else Records.empty(0)
    return PopulationRun(cases, replicates, seed, records)
