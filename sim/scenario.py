"""Scenario files: the schema, loading and validation, overrides (``--set``) and variants.

A scenario is a TOML file (read with :mod:`tomllib`; nothing in it is executed) with the
tables ``[scenario]``, ``[model]``, ``[[actor]]``, ``[[dyad]]``, ``[[event]]`` and
``[variant.NAME]``; ``docs/scenario-format.md`` describes every key. :func:`load` checks
the structure with pydantic, then the meaning (references between actors, dates, parameter
names and ranges), and reports every problem at once as ``FILE:LINE: field: what is wrong;
what is allowed``.
"""

from __future__ import annotations

import copy
import hashlib
import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from sim import policies, posterior
from sim.errors import InputError
from sim.ladder import FORCE, MILITARIZED, Rung
from sim.parameters import (
    DISTRIBUTIONS,
    KINDS,
    MODEL,
    SUPPORT,
    Distribution,
    Param,
    Posterior,
    Value,
)

MAX_BYTES = 1 << 20
"""Scenario and experiment files larger than this (1 MiB) are refused."""

MAX_ACTORS = 64
MAX_EVENTS = 5000
MAX_DAYS = 3650

ID = r"^[A-Za-z][A-Za-z0-9_-]{0,31}$"
NAME = r"^[a-z][a-z0-9_]{0,63}$"

CAMEO = r"^(0[1-9]|1[0-9]|20)[0-9]{0,2}$"
PATTERNS = {
    ID: "letters, digits, _ and - (at most 32), starting with a letter",
    NAME: "lower_case_with_underscores (at most 64), starting with a letter",
    CAMEO: "a CAMEO code of 2-4 digits whose first two are 01-20",
}
"""What each pattern allows, in words, for messages."""

ACTOR_KINDS = ("state", "mediator", "great_power", "militant")
EVENT_KINDS = ("action", "agreement", "attack", "ceasefire", "election", "front", "mediation",
               "statement")
STYLES = ("facilitative", "manipulative")

ENDS_FORCE = ("ceasefire", "agreement")
"""Events after which the recorded force between two states stops (their stances stay)."""

DEATHS = Param(0, 0, 10_000_000, "deaths", "an event's toll", "the scenario's sources",
               integer=True)
"""The range of an event's toll; draws from a distribution are rounded and clipped to it."""

NOBODY = "none"
"""``blamed = "none"``: the victim blames no state (an attack by "common enemies")."""

UNKNOWN = "unknown"
"""An explicit unknown toll (distinct from 0): a recorded use of force kills what the model
draws for a day at its rung, a recorded attack what its group's power law draws."""

ON_TARGET = "target"
"""``location = "target"`` (the default): on the target's territory."""

LOCATIONS = ("target", "own", "abroad")
"""The named locations of an action or attack; a third state is given by its id."""

Contiguity = Literal["land", "water", "none"]
CONTIGUITY: tuple[str, ...] = get_args(Contiguity)
"""How the two states of a dyad are neighbours, as the COW Direct Contiguity data codes
them: a land (or river) border, up to 150 miles of water, or neither."""

Issue = Literal["none", "territory", "policy", "regime", "other"]
ISSUES: tuple[str, ...] = get_args(Issue)
"""What a dyad disputes, as MID codes the revision a side sought (``revtype``): no issue
coded, territory, policy, the other's regime or government, other."""

DYAD_SETS = ("initial", "baseline", "rivalry", "contiguity", "issue")
"""The fields of a ``[[dyad]]`` that ``--set dyad.A-B.NAME`` can change."""

ROLES = ("defensive", "offensive")
"""What a third party's ``[[support]]`` does: intercept strikes on its partner, or add its
own strikes to the partner's."""

TOLL = ("allowed: a whole number from 0, a range [low, high] of whole numbers, a "
        f"distribution ({', '.join(DISTRIBUTIONS)}), or \"unknown\"")

ALLOWED = {
    "actor": lambda kinds: "an actor's id",
    "target": lambda kinds: ", ".join(k for k, v in kinds.items() if v == "state"),
    "rung": lambda kinds: "a rung by name or number (normal, protest, ..., war; 0-7)",
    "change": lambda kinds: "a number of fronts gained (or lost, negative)",
}
"""What a missing key of an event may be, for messages."""


def _iso_date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    return value


def _clock(value: Any) -> Any:
    if isinstance(value, str) and re.fullmatch(r"\d\d:\d\d(:\d\d)?", value):
        try:
            return time.fromisoformat(value)
        except ValueError:
            pass
    return value


Day = Annotated[date, BeforeValidator(_iso_date)]
Clock = Annotated[time, BeforeValidator(_clock)]
Text = Annotated[str, Field(max_length=4000)]
RungLike = int | str


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ScenarioTable(_Table):
    id: Annotated[str, Field(pattern=NAME)]
    title: Text
    start: Day
    branch: Day
    horizon: Annotated[int, Field(ge=1, le=MAX_DAYS)] | Day
    focus: Annotated[list[str], Field(min_length=2, max_length=2)] | None = None
    description: Text = ""
    sources: Annotated[list[Text], Field(max_length=200)] = []


class ActorTable(_Table):
    id: Annotated[str, Field(pattern=ID)]
    name: Text
    kind: Literal["state", "mediator", "great_power", "militant"]
    policy: str | None = None
    max_rung: RungLike | None = None
    style: Literal["facilitative", "manipulative"] | None = None
    parties: Annotated[list[str], Field(max_length=MAX_ACTORS)] | None = None
    host: str | None = None
    base: str | None = None
    sponsor: str | None = None
    targets: Annotated[list[str], Field(max_length=MAX_ACTORS)] = []
    parameters: dict[str, Any] = {}
    note: Text = ""
    sources: Annotated[list[Text], Field(max_length=200)] = []


class DyadTable(_Table):
    actors: Annotated[list[str], Field(min_length=2, max_length=2)]
    initial: RungLike | Annotated[list[RungLike], Field(min_length=2, max_length=2)] = "normal"
    baseline: RungLike | Annotated[list[RungLike], Field(min_length=2, max_length=2)] | None = \
        None
    rivalry: Annotated[float, Field(ge=0, le=5, allow_inf_nan=False)] = 0.0
    contiguity: Contiguity = "land"
    issue: Issue = "none"
    note: Text = ""


class EventTable(_Table):
    id: Annotated[str, Field(pattern=NAME)] | None = None
    date: Day
    kind: Literal["action", "agreement", "attack", "ceasefire", "election", "front",
                  "mediation", "statement"]
    actor: str | None = None
    target: str | None = None
    rung: RungLike | None = None
    deaths: Any = 0  # a toll: checked by _Checker.deaths
    days: Annotated[int, Field(ge=1, le=MAX_DAYS)] | None = None
    change: Annotated[float, Field(ge=-10, le=10, allow_inf_nan=False)] | None = None
    window: Annotated[int, Field(ge=0, le=MAX_DAYS)] | None = None
    cameo: Annotated[str, Field(pattern=CAMEO)] | None = None
    time: Clock | None = None
    order: Annotated[int, Field(ge=-1000, le=1000)] = 0
    blamed: str | None = None
    blamed_source: Text = ""
    location: str | None = None
    country: Text = ""
    scale: Annotated[int, Field(ge=1, le=1000)] | None = None
    intercepted: Any = None  # a defender's id or a share: checked by _Checker.interception
    note: Text = ""
    source: Text = ""


class SupportTable(_Table):
    """A third party's force for a partner, coded from sources."""

    by: str
    partner: str
    role: Literal["defensive", "offensive"]
    interception: Any = None  # a share or a distribution: checked against SUPPORT
    strikes: Any = None
    note: Text = ""
    source: Text


class OutcomeTable(_Table):
    """What happened after a branch, for backtests; the model never reads it."""

    war: bool
    reciprocated: bool
    days_to_reciprocation: Annotated[int, Field(ge=0, le=MAX_DAYS)] | None = None
    days_to_deescalation: Annotated[int, Field(ge=0, le=MAX_DAYS)] | None = None
    deescalation_step: Text = ""
    force_ended: Day | None = None
    normalised: Day | None = None
    note: Text = ""
    source: Text = ""


class BranchPointTable(_Table):
    """A further question the file asks: the future from another branch date."""

    id: Annotated[str, Field(pattern=NAME)]
    branch: Day
    horizon: Annotated[int, Field(ge=1, le=MAX_DAYS)] | Day | None = None
    description: Text = ""
    outcome: OutcomeTable


class VariantTable(_Table):
    description: Text = ""
    set: dict[str, Any] = {}
    drop_events: Annotated[list[str], Field(max_length=MAX_EVENTS)] = []
    outcome: OutcomeTable | None = None
    """What happened in the world the variant describes, when that is recorded: scored by
    backtests as a case of its own (``ID:VARIANT``)."""


class ScenarioFile(_Table):
    scenario: ScenarioTable
    model: dict[str, Any] = {}
    actor: Annotated[list[ActorTable], Field(min_length=1, max_length=MAX_ACTORS)]
    dyad: Annotated[list[DyadTable], Field(min_length=1, max_length=MAX_ACTORS)]
    event: Annotated[list[EventTable], Field(max_length=MAX_EVENTS)] = []
    variant: dict[str, VariantTable] = {}
    outcome: OutcomeTable | None = None
    branch_point: Annotated[list[BranchPointTable], Field(max_length=100)] = []
    support: Annotated[list[SupportTable], Field(max_length=MAX_ACTORS)] = []


TABLES: dict[str, type[BaseModel]] = {
    "scenario": ScenarioTable, "actor": ActorTable, "dyad": DyadTable, "event": EventTable,
    "variant": VariantTable, "outcome": OutcomeTable, "branch_point": BranchPointTable,
    "support": SupportTable}
"""The table type of each top-level key."""


# --------------------------------------------------------------------------- the result


@dataclass(frozen=True)
class Actor:
    """An actor as the model needs it. ``parameters`` holds only what the file sets;
    per-party parameters map each party's id to its value."""

    id: str
    name: str
    kind: str
    policy: str | None = None
    style: str | None = None
    parties: tuple[str, ...] = ()
    max_rung: Rung | None = None
    """For a state, the highest rung it may choose after the branch, whatever its policy
    (None: any); a counterfactual in which it does not answer by force caps it below
    ``limited_strike``."""
    base: str | None = None
    """A militant group's base: the state whose disputes and security cooperation with a
    target move the group's attack rate."""
    sponsor: str | None = None
    """The state a target blames for the group's attacks (by the group's attribution)."""
    targets: tuple[str, ...] = ()
    parameters: dict[str, Value | dict[str, Value]] = field(default_factory=dict)
    sources: tuple[str, ...] = ()

    @property
    def parameter_table(self) -> dict[str, Param]:
        """Every parameter this actor has: its kind's and, for a state, its policy's."""
        table = dict(KINDS[self.kind])
        if self.policy:
            table.update(policies.get(self.policy).parameters)
        return table


@dataclass(frozen=True)
class Dyad:
    a: str
    b: str
    initial: tuple[Rung, Rung]
    rivalry: float
    baseline: tuple[Rung, Rung] | None = None
    """The pre-crisis stances outcomes are measured against, when the file gives them
    (else they follow from ``initial``: see :func:`sim.model.baseline`)."""
    contiguity: str = "land"
    """How the two are neighbours (:data:`CONTIGUITY`): every military rung against a rival
    beyond a land border costs more (``model.distance_cost``, docs/ODD.md §7.13)."""
    issue: str = "none"
    """What the pair disputes (:data:`ISSUES`): a territorial issue gives both sides a
    standing claim on their desired rung (``model.territorial_claim``, docs/ODD.md §7.13)."""

    @property
    def distant(self) -> bool:
        """Whether the two share no land border."""
        return self.contiguity != "land"

    @property
    def territorial(self) -> bool:
        """Whether the two dispute territory."""
        return self.issue == "territory"

    @property
    def id(self) -> str:
        return f"{self.a}-{self.b}"


@dataclass(frozen=True)
class Event:
    date: date
    kind: str
    actor: str | None = None
    target: str | None = None
    rung: Rung | None = None
    deaths: int | Distribution | None = 0
    """The toll: a number, a distribution drawn once per replicate, or None (unknown: drawn
    as the model draws the toll of its kind, see :data:`UNKNOWN`)."""
    days: int | None = None
    change: float | None = None
    window: int | None = None
    cameo: str | None = None
    note: str = ""
    source: str = ""
    id: str | None = None
    key: str = ""
    """The event's id, or ``event<N>`` from its place in the file: names its random streams."""
    time: time | None = None
    """The time of day, if the sources give it."""
    order: int = 0
    blamed: str | None = None
    """For an attack, whom the victim blames when that is not the claiming group: another
    group, a state, or :data:`NOBODY`."""
    blamed_source: str = ""
    location: str = ON_TARGET
    """Where it happened: ``"target"`` (the target's territory), ``"own"`` (the actor's),
    ``"abroad"`` (a country outside the scenario, named by ``country``) or a third state's
    id."""
    country: str = ""
    scale: int = 1
    """How big: the number of sites struck or strikes made (an unknown toll is drawn as
    that many, see :data:`UNKNOWN`)."""
    intercepted: str | float | Distribution | None = None
    """For a recorded strike, the share of it intercepted: a defender's id (its
    ``[[support]]`` for the target gives the share) or a share the sources report."""

    @property
    def place(self) -> str:
        """Where it happened, for event data: the id of the state whose territory it was
        on, or the country abroad (``abroad`` if unnamed)."""
        if self.location == ON_TARGET:
            return self.target or ""
        if self.location == "own":
            return self.actor or ""
        if self.location == "abroad":
            return self.country or "abroad"
        return self.location

    @property
    def sequence(self) -> tuple:
        """Where it falls in the replay: by date, then ``order``, then ``time`` (events
        without one first); events alike keep their order in the file."""
        return (self.date, self.order, self.time is not None, self.time or time())

    @property
    def uncertain(self) -> bool:
        """Whether its toll is drawn per replicate (a distribution, or unknown)."""
        return not isinstance(self.deaths, int)

    @property
    def known_deaths(self) -> int:
        """The toll when it is a number, else 0 (the draws are the model's)."""
        return self.deaths if isinstance(self.deaths, int) else 0

    @property
    def toll(self) -> str:
        """The toll for people: ``9``, ``84–95`` (a range), a distribution, ``unknown``."""
        d = self.deaths
        if d is None:
            return UNKNOWN
        if isinstance(d, Distribution):
            low, high = d.args[0] + (0.5 if d.args[0] > 0 else 0), d.args[-1] - 0.5
            if d.kind == "uniform" and low == round(low) and high == round(high):
                return f"{low:.0f}–{high:.0f}"
            return str(d)
        return str(d)

    @property
    def deaths_estimate(self) -> float:
        """A central toll for event data: the number, a distribution's centre, NaN if
        unknown."""
        if isinstance(self.deaths, Distribution):
            return self.deaths.centre
        return float("nan") if self.deaths is None else float(self.deaths)


@dataclass(frozen=True)
class Support:
    """A third party's force for a partner (``[[support]]``): ``defensive``, intercepting
    the share ``interception`` of the limited strikes on the partner; ``offensive``, adding
    ``strikes`` times the partner's own toll to its limited strikes (docs/ODD.md §7.3)."""

    by: str
    partner: str
    role: str
    interception: Value = 0.0
    strikes: Value = 0.0
    source: str = ""

    @property
    def path(self) -> str:
        """The parameter path of its number: ``support.BY.PARTNER.interception`` (or
        ``.strikes``)."""
        return f"support.{self.by}.{self.partner}." + (
            "interception" if self.role == "defensive" else "strikes")

    @property
    def value(self) -> Value:
        return self.interception if self.role == "defensive" else self.strikes


@dataclass(frozen=True)
class BranchPoint:
    """A named branch date and what happened after it (``[[branch_point]]``)."""

    id: str
    branch: date
    end: date
    description: str
    outcome: OutcomeTable


@dataclass(frozen=True)
class Scenario:
    """A validated scenario. Build one with :func:`load` (or :meth:`override` another)."""

    id: str
    title: str
    start: date
    branch: date
    end: date
    focus: tuple[str, str]
    actors: tuple[Actor, ...]
    dyads: tuple[Dyad, ...]
    events: tuple[Event, ...]
    model_parameters: dict[str, Value]
    variants: dict[str, str]
    description: str
    sources: tuple[str, ...]
    path: str
    sha256: str
    raw: dict = field(repr=False, compare=False)
    text: str = field(repr=False, compare=False, default="")
    applied: tuple[str, ...] = ()
    outcome: OutcomeTable | None = None
    branch_points: tuple[BranchPoint, ...] = ()
    variant_outcomes: dict[str, OutcomeTable] = field(default_factory=dict, compare=False)
    """The variants that say what happened under them (``[variant.NAME.outcome]``)."""
    supports: tuple[Support, ...] = ()
    """Third parties' force for their partners (``[[support]]``)."""
    posterior: Posterior | None = field(default=None, repr=False, compare=False)
    """Joint draws of calibrated parameters for what the file leaves at its defaults
    (:mod:`sim.posterior`); None: the point defaults."""

    @property
    def horizon(self) -> int:
        """Days simulated after the branch date."""
        return (self.end - self.branch).days

    @property
    def days(self) -> int:
        """Days from the start to the end date, inclusive."""
        return (self.end - self.start).days + 1

    def day(self, when: date) -> int:
        return (when - self.start).days

    def date(self, day: int) -> date:
        return self.start + timedelta(days=day)

    @property
    def effective_sha256(self) -> str:
        """A digest of what the model is given (dates, focus, actors, dyads, events, model
        parameters), after variants and overrides: two scenarios with the same digest give
        the same numbers, whatever file they came from."""
        given = (self.start, self.branch, self.end, self.focus, self.actors, self.dyads,
                 self.events, self.model_parameters) + ((self.supports,) if self.supports
                                                        else ())
        return hashlib.sha256(repr(given).encode()).hexdigest()

    def questions(self) -> list[tuple[str, Scenario, OutcomeTable]]:
        """Every question the file asks with its recorded answer: (label, the scenario from
        that branch, what happened): its own ``[outcome]`` at its branch, then each
        ``[[branch_point]]``, labelled ``ID:POINT``, then each variant with an outcome of
        its own (``[variant.NAME.outcome]``), labelled ``ID:NAME``."""
        out = [(self.id, self, self.outcome)] if self.outcome is not None else []
        for point in self.branch_points:
            out.append((f"{self.id}:{point.id}", self.override(
                branch=point.branch, horizon=(point.end - point.branch).days), point.outcome))
        for name, outcome in self.variant_outcomes.items():
            out.append((f"{self.id}:{name}", self.override(variant=name), outcome))
        return out

    def actor(self, actor_id: str) -> Actor:
        return next(a for a in self.actors if a.id == actor_id)

    def recorded(self, actor: str, target: str, initial: Rung) -> tuple[np.ndarray, np.ndarray]:
        """The rung ``actor`` held toward ``target`` each day by the record, and the deaths
        its recorded actions caused (those given as numbers; uncertain tolls are drawn by
        the model). A stance holds until the next action; a use of force lasts its ``days``
        (default 1), after which the stance before it returns, or until a ceasefire or
        agreement between the two ends it with the day it is made on."""
        days = self.days + 1
        script = np.empty(days, np.int8)
        deaths = np.zeros(days)
        by_day: dict[int, list[Event]] = {}
        for e in self.events:
            if ((e.kind == "action" and e.actor == actor and e.target == target)
                    or (e.kind in ENDS_FORCE and {e.actor, e.target} == {actor, target})):
                by_day.setdefault(self.day(e.date), []).append(e)
        stance, force, force_until = int(initial), int(initial), -1
        for day in range(days):
            for e in by_day.get(day, []):
                if e.kind in ENDS_FORCE:  # force ends with the day; stances stay
                    force_until = min(force_until, day)
                    continue
                deaths[day] += e.known_deaths
                if e.rung >= FORCE:
                    if day > force_until or e.rung > force:
                        force = int(e.rung)
                    force_until = max(force_until, day + (e.days or 1) - 1)
                else:
                    stance = int(e.rung)
            script[day] = force if day <= force_until else stance
        return script, deaths

    def force_places(self, actor: str, target: str) -> list[frozenset[str]]:
        """Per day, where ``actor``'s recorded force toward ``target`` fell: the
        :attr:`Event.location` codes of the uses of force in effect that day (empty on a
        day without force). A use of force lasts its ``days`` or until a ceasefire or
        agreement ends it, as in :meth:`recorded`."""
        by_day: dict[int, list[Event]] = {}
        for e in self.events:
            if ((e.kind == "action" and e.actor == actor and e.target == target
                 and e.rung is not None and e.rung >= FORCE)
                    or (e.kind in ENDS_FORCE and {e.actor, e.target} == {actor, target})):
                by_day.setdefault(self.day(e.date), []).append(e)
        places: list[frozenset[str]] = []
        here: set[str] = set()
        until = -1
        for day in range(self.days + 1):
            for e in by_day.get(day, []):
                if e.kind in ENDS_FORCE:
                    until = min(until, day)
                    continue
                if day > until:
                    here = set()
                here.add(e.location)
                until = max(until, day + (e.days or 1) - 1)
            places.append(frozenset(here) if day <= until else frozenset())
        return places

    def of_kind(self, *kinds: str) -> list[Actor]:
        return [a for a in self.actors if a.kind in kinds]

    def override(self, sets: dict[str, Any] | None = None, variant: str | None = None,
                 branch: date | None = None, horizon: int | None = None) -> Scenario:
        """A new scenario with a variant, ``--set`` overrides, and another branch or horizon.

        Raises :class:`InputError` naming the override that is wrong.
        """
        sets = dict(sets or {})
        if branch is not None:
            sets["scenario.branch"] = branch
        if horizon is not None:
            sets["scenario.horizon"] = horizon
        return _build(self.raw, self.path, self.sha256, self.text, variant, sets, self.applied
                      ).with_posterior(self.posterior)

    def with_posterior(self, draws: Posterior | None) -> Scenario:
        """This scenario drawing its calibrated parameters from ``draws`` (None: the point
        defaults)."""
        return self if draws is self.posterior else replace(self, posterior=draws)


# --------------------------------------------------------------------------- loading


def read_toml(path: str | Path, what: str = "scenario") -> tuple[dict, str, str]:
    """Read a TOML file with the checks every input file gets: it exists, is a file, is at
    most :data:`MAX_BYTES`, is UTF-8 text and parses. Returns (document, text, sha256)."""
    path = Path(path)
    name = str(path)
    if not path.exists():
        raise InputError(f"{name}: no such file; give the path of a {what} file (.toml)")
    if path.is_dir():
        raise InputError(f"{name}: is a directory, not a file; give a {what} file (.toml)")
    if not path.is_file():
        raise InputError(f"{name}: is not a regular file (a device, pipe or socket); give a "
                         f"{what} file (.toml)")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise InputError(f"{name}: file is {size:,} bytes; allowed: at most {MAX_BYTES:,}")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(f"{name}: not UTF-8 text (byte {err.start}); allowed: a UTF-8 "
                         "TOML file") from None
    text = text.removeprefix("\ufeff")  # a byte-order mark, as some Windows editors write
    if "\x00" in text:
        raise InputError(f"{name}: contains NUL bytes; allowed: a UTF-8 TOML file")
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        found = re.search(r"\(at line (\d+), column \d+\)", str(err))
        where = f"{name}:{found.group(1)}" if found else name
        raise InputError(f"{where}: not valid TOML: {err}") from None
    except RecursionError:
        raise InputError(f"{name}: nested too deeply; allowed: ordinary TOML tables") from None
    return doc, text, hashlib.sha256(data).hexdigest()


def load(path: str | Path, variant: str | None = None, sets: dict[str, Any] | None = None,
         branch: date | None = None, horizon: int | None = None) -> Scenario:
    """Load and validate a scenario file, with an optional variant and overrides.

    Raises :class:`~sim.errors.InputError` listing every problem.
    """
    doc, text, digest = read_toml(path)
    sets = dict(sets or {})
    if branch is not None:
        sets["scenario.branch"] = branch
    if horizon is not None:
        sets["scenario.horizon"] = horizon
    return _build(doc, str(path), digest, text, variant, sets, ()).with_posterior(
        posterior.default())


def asks(doc: dict) -> bool:
    """Whether a scenario document says what happened (for a backtest): an ``[outcome]``,
    a ``[[branch_point]]`` or a variant's ``outcome``."""
    variants = doc.get("variant") if isinstance(doc.get("variant"), dict) else {}
    return "outcome" in doc or "branch_point" in doc or any(
        isinstance(v, dict) and "outcome" in v for v in variants.values())


def from_document(doc: dict, name: str) -> Scenario:
    """Validate a scenario given as a document (what a TOML file parses to), e.g. one a
    template wrote; ``name`` stands for the file in messages. Raises
    :class:`~sim.errors.InputError` listing every problem."""
    digest = hashlib.sha256(repr(sorted(doc.items(), key=str)).encode()).hexdigest()
    return _build(doc, name, digest, "", None, {}, ()).with_posterior(posterior.default())


def from_text(text: str, name: str, sha256: str) -> Scenario:
    """Validate a scenario given as the text of its file, as a saved run keeps it; ``name``
    and ``sha256`` are those of the file it was read from. Raises
    :class:`~sim.errors.InputError` listing every problem."""
    try:
        doc = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as err:
        raise InputError(f"{name}: the saved copy is not valid TOML: {err}") from None
    return _build(doc, name, sha256, text, None, {}, ())


def parse_set(assignment: str) -> tuple[str, Any]:
    """``"actor.PAK.restraint=0.8"`` → ``("actor.PAK.restraint", 0.8)``.

    The value is read as a TOML value (numbers, true/false, dates, ``{uniform = [0, 1]}``);
    anything else is taken as a bare word (a policy or style name).
    """
    path, sep, text = assignment.partition("=")
    path, text = path.strip(), text.strip()
    if not sep or not path or not text:
        raise InputError(f"--set {assignment}: expected PATH=VALUE, e.g. actor.PAK.restraint=0.8")
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        value = text
    return path, value


def _build(doc: dict, path: str, digest: str, text: str, variant: str | None,
           sets: dict[str, Any], applied: tuple[str, ...]) -> Scenario:
    original = doc
    where = _Locator(path, text)
    if variant is not None or sets:  # the file must be well formed before it is changed
        first = _Structure.check(doc, where, {})
        if first.problems:
            raise InputError(first.problems)
    doc = copy.deepcopy(doc)
    problems: list[str] = []
    overridden: dict[tuple, str] = {}
    if variant is not None:
        variants = doc.get("variant") if isinstance(doc.get("variant"), dict) else {}
        if variant not in variants:
            known = ", ".join(variants) or "none defined"
            raise InputError(f"--variant {variant}: no such variant in {path}; allowed: {known}")
        spec = variants[variant] if isinstance(variants[variant], dict) else {}
        for key, value in (spec.get("set") or {}).items():
            loc = _apply(doc, key, value, f"{path}: variant.{variant}.set.{key}", problems)
            if loc:
                overridden[loc] = f"variant.{variant}.set.{key}"
        drop = set(spec.get("drop_events") or [])
        events = doc.get("event") if isinstance(doc.get("event"), list) else []
        known = {e.get("id") for e in events if isinstance(e, dict)}
        for ident in sorted(drop - known, key=str):
            problems.append(f"{path}: variant.{variant}.drop_events: no event with id "
                            f"{ident!r}; allowed: the id of an [[event]]")
        if isinstance(doc.get("event"), list):
            doc["event"] = [e for e in doc["event"]
                            if not (isinstance(e, dict) and e.get("id") in drop)]
        applied = (*applied, f"variant {variant}")
    policies_first = sorted(sets.items(), key=lambda item: not item[0].endswith(".policy"))
    for key, value in policies_first:  # a policy's own parameters exist once it is set
        loc = _apply(doc, key, value, f"--set {key}", problems)
        if loc:
            overridden[loc] = f"--set {key}={_show(value)}"
        applied = (*applied, f"{key}={_show(value)}")
    if problems:
        raise InputError(problems)
    structure = _Structure.check(doc, where, overridden)
    if structure.table is None:
        raise InputError(structure.problems)
    checker = _Checker(structure, where, overridden, _written_end(original), variant)
    scenario = checker.build(path, digest, doc, text, applied)
    if structure.problems or checker.problems:
        raise InputError(structure.problems + checker.problems)
    if variant is None and not sets:
        for name in structure.table.variant:  # every variant must itself give a valid scenario
            try:
                _build(doc, path, digest, text, name, {}, ())
            except InputError as err:
                raise InputError(err.problems) from None
    return scenario


ARRAYS = ("actor", "dyad", "event", "branch_point", "support")
"""The arrays of tables whose broken members are set aside so the rest can be checked."""


STAND_INS: dict[str, Any] = {"id": "unchecked", "title": ""}
"""Stand-ins for malformed required keys of ``[scenario]`` that the rest of the check does
not need."""


@dataclass
class _Structure:
    """The structural check of a document: its problems, and the table of what is well
    formed, so the meaning of the rest is checked in the same pass. A broken ``[[actor]]``,
    ``[[dyad]]`` or ``[[event]]``, ``[variant.NAME]`` or ``[outcome]`` is set aside
    (``kept`` maps each array's remaining members to their index in the file, ``unchecked``
    holds the ids of actors set aside, whose references are not reported again); a broken
    ``[scenario]`` leaves nothing to check the meaning against (``table`` is None)."""

    table: ScenarioFile | None
    problems: list[str]
    kept: dict[str, list[int]] = field(default_factory=dict)
    unchecked: set[str] = field(default_factory=set)
    dropped: set[str] = field(default_factory=set)

    @classmethod
    def check(cls, doc: dict, where: _Locator, overridden: dict) -> _Structure:
        try:
            return cls(ScenarioFile.model_validate(doc), [])
        except ValidationError as err:
            errors = err.errors()
        problems = _structural_problems(errors, doc, where, overridden)
        repaired = copy.deepcopy(doc)
        dropped: dict[str, set] = {}
        for e in errors:
            loc = _data_loc(e, doc)
            if len(loc) == 1 and e["type"] == "extra_forbidden":
                repaired.pop(loc[0], None)
                continue
            member = 2 if loc and loc[0] in (*ARRAYS, "variant") else 1
            table = TABLES.get(loc[0]) if loc else None
            if table is None or len(loc) <= member:
                return cls(None, problems)  # a whole table is missing or of the wrong type
            key = loc[member]
            node = repaired[loc[0]] if member == 1 else repaired[loc[0]][loc[1]]
            info = table.model_fields.get(key)
            if e["type"] == "extra_forbidden" or (info is not None and not info.is_required()):
                node.pop(key, None)  # check the rest of this table without the key
            elif loc[0] == "scenario" and key in STAND_INS:
                node[key] = STAND_INS[key]
            elif loc[0] == "scenario":
                return cls(None, problems)  # no dates to check the rest against
            else:
                dropped.setdefault(loc[0], set()).add(loc[1] if member == 2 else None)
        kept: dict[str, list[int]] = {}
        unchecked: set[str] = set()
        for name in ARRAYS:
            items = repaired.get(name)
            if name in dropped and isinstance(items, list):
                kept[name] = [i for i in range(len(items)) if i not in dropped[name]]
                repaired[name] = [items[i] for i in kept[name]]
                if name == "actor":
                    unchecked = {str(items[i].get("id")) for i in dropped[name]}
        if "variant" in dropped:
            repaired["variant"] = {k: v for k, v in repaired["variant"].items()
                                   if k not in dropped["variant"]}
        if "outcome" in dropped:
            del repaired["outcome"]
        try:
            table = ScenarioFile.model_validate(repaired)
        except ValidationError:  # e.g. no [[actor]] is left: nothing more to check
            return cls(None, problems)
        return cls(table, problems, kept, unchecked, set(dropped))


def _structural_problems(errors: list[dict], doc: dict, where: _Locator, overridden: dict,
                         root: Any = None) -> list[str]:
    """One line per field: the alternatives of a field that takes several types (a
    number or a date) are joined into one message."""
    grouped: dict[tuple, list[dict]] = {}
    for e in errors:
        grouped.setdefault(_data_loc(e, doc), []).append(e)
    return [_structural(loc, group, doc, where, overridden, root)
            for loc, group in grouped.items()]


def _data_loc(error: dict, doc: dict) -> tuple:
    """An error's location in the document, without pydantic's tags for the members of a
    union (``('scenario', 'horizon', 'constrained-int')`` → ``('scenario', 'horizon')``)."""
    loc, node = error["loc"], doc
    out: list = []
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        elif not (last and error["type"] == "missing" and isinstance(node, dict)):
            break
        out.append(part)
    return tuple(out)


def _written_end(doc: dict) -> date | None:
    """The end date the file itself gives (before overrides), if it gives a valid one."""
    table = doc.get("scenario") if isinstance(doc.get("scenario"), dict) else {}
    branch, horizon = _iso_date(table.get("branch")), _iso_date(table.get("horizon"))
    if isinstance(horizon, date):
        return horizon
    if isinstance(branch, date) and isinstance(horizon, int) and not isinstance(horizon, bool):
        return branch + timedelta(days=min(max(horizon, 0), MAX_DAYS))
    return None


def _show(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


# --------------------------------------------------------------------------- overrides


EVENT_SETS = ("deaths", "scale", "intercepted")
"""The numbers of an event (named by its id) that ``--set`` can change."""

CHOICES = {"policy": ("state",), "style": ("mediator", "great_power"), "max_rung": ("state",)}
"""What an actor is given by name rather than by number, and the kinds that take it."""


def _apply(doc: dict, key: str, value: Any, label: str, problems: list[str]) -> tuple | None:
    """Write one override into the raw document; return its location, or record a problem."""
    parts = key.split(".")
    head = parts[0]
    if head == "scenario" and len(parts) == 2 and parts[1] in ("branch", "horizon"):
        doc.setdefault("scenario", {})[parts[1]] = value
        return ("scenario", parts[1])
    if head == "model" and len(parts) == 2:
        if parts[1] not in MODEL:
            problems.append(f"{label}: unknown model parameter {parts[1]!r}; allowed: "
                            f"{', '.join(MODEL)}")
            return None
        doc.setdefault("model", {})[parts[1]] = value
        return ("model", parts[1])
    if head == "actor" and len(parts) in (3, 4) and parts[1] == "*":
        actors = doc.get("actor") if isinstance(doc.get("actor"), list) else []
        if parts[2] in CHOICES and len(parts) == 3:  # every actor of the kinds that choose
            having = [a.get("id") for a in actors if isinstance(a, dict)
                      and a.get("kind") in CHOICES[parts[2]]]
        else:
            having = [a.get("id") for a in actors if isinstance(a, dict)
                      and parts[2] in _parameter_table(a)]
        if not having:
            what = "a" if parts[2] in CHOICES else "a parameter"
            problems.append(f"{label}: no actor has {what} {parts[2]!r}")
            return None
        locs = [_apply(doc, ".".join(["actor", str(ident), *parts[2:]]), value, label, problems)
                for ident in having]
        return locs[0] if locs else None
    if head == "actor" and len(parts) in (3, 4):
        actors = doc.get("actor") if isinstance(doc.get("actor"), list) else []
        index = next((i for i, a in enumerate(actors)
                      if isinstance(a, dict) and a.get("id") == parts[1]), None)
        if index is None:
            known = ", ".join(str(a.get("id")) for a in actors if isinstance(a, dict))
            problems.append(f"{label}: no actor {parts[1]!r}; actors: {known}")
            return None
        actor = actors[index]
        name = parts[2]
        if name in CHOICES and len(parts) == 3:
            actor[name] = value
            return ("actor", index, name)
        table = _parameter_table(actor)
        if name not in table:
            problems.append(f"{label}: {parts[1]} ({actor.get('kind')}) has no parameter "
                            f"{name!r}; allowed: {', '.join(sorted(table))}")
            return None
        params = actor.setdefault("parameters", {})
        if len(parts) == 3:
            params[name] = value
            return ("actor", index, "parameters", name)
        if not table[name].per_party:
            problems.append(f"{label}: {name} is not held toward a party; use "
                            f"actor.{parts[1]}.{name}=VALUE")
            return None
        current = params.get(name)
        if not isinstance(current, dict):
            parties = actor.get("parties") or actor.get("targets") or []
            current = {p: current for p in parties if current is not None}
        current[parts[3]] = value
        params[name] = current
        return ("actor", index, "parameters", name, parts[3])
    if head == "dyad" and len(parts) == 3 and parts[2] in DYAD_SETS:
        dyads = doc.get("dyad") if isinstance(doc.get("dyad"), list) else []
        matches = [i for i, d in enumerate(dyads) if isinstance(d, dict)
                   and isinstance(d.get("actors"), list) and parts[1] in (
                       "-".join(map(str, d["actors"])),
                       "-".join(map(str, reversed(d["actors"]))))]
        if len(matches) > 1:  # ids may hold '-': "A-B-C" can be A and B-C, or A-B and C
            named = " and ".join(" with ".join(map(str, dyads[i]["actors"])) for i in matches)
            problems.append(f"{label}: {parts[1]!r} names more than one dyad ({named}); "
                            "allowed: a dyad whose two ids, joined by '-', name it alone "
                            "(rename an actor whose id holds '-')")
            return None
        if matches:
            dyads[matches[0]][parts[2]] = value
            return ("dyad", matches[0], parts[2])
        known = ", ".join("-".join(map(str, d.get("actors", []))) for d in dyads
                          if isinstance(d, dict))
        problems.append(f"{label}: no dyad {parts[1]!r}; dyads: {known}")
        return None
    if head == "support" and len(parts) == 4 and parts[3] in SUPPORT:
        supports = doc.get("support") if isinstance(doc.get("support"), list) else []
        index = next((i for i, t in enumerate(supports) if isinstance(t, dict)
                      and (t.get("by"), t.get("partner")) == (parts[1], parts[2])
                      and (t.get("role") == "defensive") == (parts[3] == "interception")),
                     None)
        if index is None:
            known = ", ".join(f"support.{t.get('by')}.{t.get('partner')}."
                              + ("interception" if t.get("role") == "defensive" else "strikes")
                              for t in supports if isinstance(t, dict))
            problems.append(f"{label}: no [[support]] with that supporter, partner and role; "
                            f"allowed: {known or 'none (add a [[support]])'}")
            return None
        supports[index][parts[3]] = value
        return ("support", index, parts[3])
    if head == "event" and len(parts) == 3 and parts[2] in EVENT_SETS:
        events = doc.get("event") if isinstance(doc.get("event"), list) else []
        index = next((i for i, e in enumerate(events)
                      if isinstance(e, dict) and e.get("id") == parts[1]), None)
        if index is None:
            known = ", ".join(str(e["id"]) for e in events if isinstance(e, dict) and "id" in e)
            problems.append(f"{label}: no event with id {parts[1]!r}; allowed: "
                            f"{known or 'none (give the event an id)'}")
            return None
        events[index][parts[2]] = value
        return ("event", index, parts[2])
    problems.append(
        f"{label}: unknown path; allowed: scenario.branch, scenario.horizon, model.PARAM, "
        "actor.ID.PARAM (ID may be * for every actor with PARAM), actor.ID.PARAM.PARTY, "
        "actor.ID.policy, actor.ID.style, actor.ID.max_rung, "
        f"dyad.A-B.{{{','.join(DYAD_SETS)}}}, support.BY.PARTNER.{{interception,strikes}}, "
        f"event.ID.{{{','.join(EVENT_SETS)}}}")
    return None


def _parameter_table(actor: dict) -> dict[str, Param]:
    kind = actor.get("kind")
    table = dict(KINDS.get(kind, {}))
    if kind == "state":
        name = actor.get("policy") or policies.DEFAULT
        if isinstance(name, str) and policies.is_registered(name):
            table.update(policies.get(name).parameters)
    return table


# --------------------------------------------------------------------------- problems


class ConfigFile:
    """A TOML input file other than a scenario (an experiment, a calibration config): read
    with the checks of :func:`read_toml`, its structure validated against ``schema`` (every
    structural problem at once), then each further problem noted at its location by
    :meth:`problem` and all of them raised together by :meth:`check`."""

    def __init__(self, path: str | Path, schema: type[BaseModel], what: str) -> None:
        self.path = str(path)
        doc, text, self.sha256 = read_toml(path, what=what)
        self._where = _Locator(self.path, text)
        try:
            self.table = schema.model_validate(doc)
        except ValidationError as err:
            raise InputError(_structural_problems(err.errors(), doc, self._where, {},
                                                  schema)) from None
        self.problems: list[str] = []

    def problem(self, loc: tuple, message: str) -> None:
        line = self._where.line(loc)
        self.problems.append(f"{self.path}{f':{line}' if line else ''}: "
                             f"{'.'.join(map(str, loc))}: {message}")

    def allows(self, scenario: Scenario, loc: tuple, name: str, value: Any) -> bool:
        """Whether ``scenario`` takes ``value`` for the parameter path ``name``; if not, the
        problem is noted at ``loc``."""
        try:
            scenario.override({name: value})
        except InputError as err:
            detail = err.problems[0].split(": ", 1)[-1] if err.problems else ""
            self.problem(loc, f"value {value!r}: {detail}")
            return False
        return True

    def check(self) -> None:
        """Raise every problem noted, if there is any."""
        if self.problems:
            raise InputError(self.problems)


class _Locator:
    """Finds the line of a field in the TOML text, for error messages (best effort)."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def line(self, loc: tuple) -> int | None:
        if not self.lines:
            return None
        found: int | None = None
        start = 0
        array: str | None = None
        for part in loc:
            if isinstance(part, int):
                if array is None:
                    continue
                headers = [i for i, text in enumerate(self.lines)
                           if re.match(rf"\s*\[\[\s*{re.escape(array)}\s*\]\]", text)]
                if part < len(headers):
                    found = start = headers[part]
                continue
            key = re.escape(str(part))
            pattern = re.compile(
                rf"^\s*(\[\[?\s*([\w.\"-]+\.)?\"?{key}\"?\s*\]\]?|\"?{key}\"?\s*=)"
                rf"|[{{,]\s*\"?{key}\"?\s*=")
            hit = next((i for i in range(start, len(self.lines))
                        if pattern.search(self.lines[i])), None)
            array = str(part)
            if hit is not None:
                found = start = hit
        return None if found is None else found + 1

    def at(self, loc: tuple, overridden: dict[tuple, str]) -> str:
        for length in range(len(loc), 0, -1):
            if loc[:length] in overridden:
                return f"{self.path}: {overridden[loc[:length]]}"
        line = self.line(loc)
        return f"{self.path}:{line}" if line else self.path


def _field(loc: tuple, doc: dict) -> str:
    """A field path for humans: ``actor[PAK].parameters.restraint``."""
    out: list[str] = []
    node: Any = doc
    for part in loc:
        if isinstance(part, int) and out:
            label = str(part)
            if isinstance(node, list) and part < len(node) and isinstance(node[part], dict):
                ident = node[part].get("id") or node[part].get("actors")
                if isinstance(ident, str):
                    label = ident
                elif isinstance(ident, list):
                    label = "-".join(map(str, ident))
            out[-1] += f"[{label}]"
        else:
            out.append(str(part))
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return ".".join(out)


def _allowed_keys(loc: tuple, root: Any = None) -> list[str]:
    model: Any = root or ScenarioFile
    named = False  # the part is a name of a table of tables ([variant.NAME])
    for part in loc[:-1]:
        if isinstance(part, int) or named:
            named = False
            continue
        info = getattr(model, "model_fields", {}).get(part)
        if info is None:
            return []
        named = getattr(info.annotation, "__origin__", None) is dict
        model = _table_type(info.annotation)
        if model is None:
            return []
    return list(getattr(model, "model_fields", {}))


def _table_type(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _table_type(arg)
        if found is not None:
            return found
    return None


def _structural(loc: tuple, errors: list[dict], doc: dict, where: _Locator, overridden: dict,
                root: Any = None) -> str:
    kind = errors[0]["type"]
    got = errors[0].get("input")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc, root)
        problem = "unknown key" + (f"; allowed: {', '.join(allowed)}" if allowed else "")
    elif kind == "missing":
        problem = "missing; this key is required"
    else:
        wanted = []
        for e in errors:
            pattern = (e.get("ctx") or {}).get("pattern")
            text = PATTERNS.get(pattern) or e["msg"].replace("Input should be ", "").replace(
                "List should have", "a list with")
            if text not in wanted:
                wanted.append(text)
        shown = repr(got)
        problem = (f"got {shown if len(shown) < 60 else shown[:57] + '...'}; "
                   f"allowed: {' or '.join(wanted)}")
    return f"{where.at(loc, overridden)}: {_field(loc, doc)}: {problem}"


class _Checker:
    """The meaning of a structurally valid scenario: references, dates, parameters."""

    def __init__(self, structure: _Structure, where: _Locator, overridden: dict,
                 written_end: date | None, variant: str | None = None) -> None:
        assert structure.table is not None
        self.t = structure.table
        self.structure = structure
        self.where = where
        self.overridden = overridden
        self.written_end = written_end
        self.variant = variant
        """The variant applied, whose own outcome is checked against its branch."""
        self.problems: list[str] = []
        self.doc: dict = {}

    def problem(self, loc: tuple, message: str) -> None:
        kept = self.structure.kept.get(loc[0]) if loc else None
        if kept is not None and len(loc) > 1 and isinstance(loc[1], int):
            loc = (loc[0], kept[loc[1]], *loc[2:])  # its index in the file
        self.problems.append(f"{self.where.at(loc, self.overridden)}: "
                             f"{_field(loc, self.doc)}: {message}")

    def once(self, loc: tuple, key: Any, seen: set, message: str) -> None:
        """Note ``key``; given a second time, it is the problem ``message`` at ``loc``."""
        if key in seen:
            self.problem(loc, message)
        seen.add(key)

    def unchecked(self, ident: Any) -> bool:
        """Whether ``ident`` names an actor set aside as malformed (already reported)."""
        return ident in self.structure.unchecked

    def build(self, path: str, digest: str, doc: dict, text: str, applied: tuple) -> Scenario:
        self.doc = doc
        t = self.t
        s = t.scenario
        end = s.horizon if isinstance(s.horizon, date) else s.branch + timedelta(days=s.horizon)
        if s.branch < s.start:
            self.problem(("scenario", "branch"), f"{s.branch} is before the start {s.start}; "
                         "allowed: a date from the start on")
        if end <= s.branch:
            self.problem(("scenario", "horizon"), f"the branch {s.branch} is not before the "
                         f"horizon {end}; allowed: a horizon after the branch")
        elif (end - s.start).days + 1 > MAX_DAYS:
            self.problem(("scenario", "horizon"), f"{(end - s.start).days + 1} days from start "
                         f"to horizon; allowed: at most {MAX_DAYS}")
        actors = self.actors()
        kinds = {a.id: a.kind for a in actors}
        dyads = self.dyads(kinds)
        focus = self.focus(dyads)
        supports = self.supports(kinds)
        events = self.events(kinds, dyads, s.start, max(end, self.written_end or end),
                             supports)
        events = [e for e in events if e.date <= end]  # a shorter run ends before them
        model_parameters = self.parameters(("model",), t.model, MODEL, ())
        points = self.branch_points(s.start, end)
        self.outcome(("outcome",), t.outcome, s.branch, end)
        points_ids = {p.id for p in points}
        for name, spec in t.variant.items():
            if not re.match(NAME, name):
                self.problem(("variant", name), "not a variant name; allowed: "
                             "lower_case_with_underscores")
            if spec.outcome is not None and name in points_ids:
                self.problem(("variant", name, "outcome"), f"the variant {name!r} has an "
                             "outcome and a branch point has that id, so both would be scored "
                             f"as {s.id}:{name}; allowed: a variant name no branch point has")
        if self.variant is not None and self.variant in t.variant:
            self.outcome(("variant", self.variant, "outcome"), t.variant[self.variant].outcome,
                         s.branch, end)
        return Scenario(
            id=s.id, title=s.title, start=s.start, branch=s.branch, end=end, focus=focus,
            actors=tuple(actors), dyads=tuple(dyads), events=tuple(events),
            model_parameters=model_parameters,
            variants={k: v.description for k, v in t.variant.items()},
            description=s.description, sources=tuple(s.sources), path=path, sha256=digest,
            raw=doc, text=text, applied=applied, outcome=t.outcome, branch_points=points,
            variant_outcomes={k: v.outcome for k, v in t.variant.items()
                              if v.outcome is not None}, supports=tuple(supports))

    def branch_points(self, start: date, end: date) -> tuple[BranchPoint, ...]:
        out, seen = [], set()
        for i, p in enumerate(self.t.branch_point):
            loc = ("branch_point", i)
            self.once((*loc, "id"), p.id, seen, f"duplicate branch point {p.id!r}; allowed: "
                      "an id no other branch point has")
            until = end if p.horizon is None else p.horizon if isinstance(p.horizon, date) \
                else p.branch + timedelta(days=p.horizon)
            if not start <= p.branch < end:
                self.problem((*loc, "branch"), f"{p.branch} is outside the scenario; allowed: "
                             f"a date from {start} to before {end}")
            elif until <= p.branch or until > end:
                self.problem((*loc, "horizon"), f"ends {until}; allowed: after its branch "
                             f"{p.branch} and at most the scenario's end {end}")
            self.outcome((*loc, "outcome"), p.outcome, p.branch, until)
            out.append(BranchPoint(p.id, p.branch, min(max(until, p.branch), end),
                                   p.description, p.outcome))
        return tuple(out)

    def outcome(self, loc: tuple, outcome: OutcomeTable | None, branch: date,
                end: date) -> None:
        """The dates of what happened fall after the branch they answer."""
        if outcome is None:
            return
        for key in ("force_ended", "normalised"):
            when = getattr(outcome, key)
            if when is not None and not branch <= when:
                self.problem((*loc, key), f"{when} is before the branch {branch}; allowed: a "
                             "date from the branch on")
        if outcome.days_to_reciprocation is not None and not outcome.reciprocated:
            self.problem((*loc, "days_to_reciprocation"), "given, but reciprocated is false; "
                         "allowed: days_to_reciprocation only when reciprocated = true")

    def actors(self) -> list[Actor]:
        seen: set[str] = set()
        states = {a.id for a in self.t.actor if a.kind == "state"}
        out = []
        for i, a in enumerate(self.t.actor):
            loc = ("actor", i)
            self.once((*loc, "id"), a.id, seen, f"duplicate actor id {a.id!r}; allowed: an "
                      "id no other actor has")
            policy = None
            if a.kind == "state":
                policy = a.policy or policies.DEFAULT
                if not policies.is_registered(policy):
                    self.problem((*loc, "policy"), f"unknown policy {policy!r}; allowed: "
                                 f"{', '.join(policies.names())} (register others from Python)")
                    policy = None
            elif a.policy is not None:
                self.problem((*loc, "policy"), f"{a.id} is a {a.kind}; allowed: a policy "
                             "only for a state (leave it out)")
            max_rung = None
            if a.max_rung is not None and a.kind != "state":
                self.problem((*loc, "max_rung"), f"{a.id} is a {a.kind}; allowed: max_rung "
                             "only for a state (leave it out)")
            elif a.max_rung is not None:
                try:
                    max_rung = Rung.parse(a.max_rung)
                except ValueError as err:
                    self.problem((*loc, "max_rung"), str(err))
            mediating = a.kind in ("mediator", "great_power")
            if a.style is not None and not mediating:
                self.problem((*loc, "style"), f"{a.id} is a {a.kind}; allowed: a "
                             "style only for a mediator or great power (leave it out)")
            if a.parties is not None and not mediating:
                self.problem((*loc, "parties"), f"{a.id} is a {a.kind}; allowed: "
                             "parties only for a mediator or great power (leave it out)")
            militant_keys = [k for k in ("host", "base", "sponsor", "targets") if getattr(a, k)]
            if a.kind != "militant" and militant_keys:
                self.problem((*loc, militant_keys[0]), f"{a.id} is a {a.kind}; allowed: host, "
                             "base, sponsor and targets only for a militant group (leave them "
                             "out)")
            parties: tuple[str, ...] = ()
            if mediating:
                parties = tuple(a.parties) if a.parties else tuple(self.t.scenario.focus or (
                    self.t.dyad[0].actors if self.t.dyad else ()))
                for j, p in enumerate(parties):
                    if p not in states and not self.unchecked(p):
                        self.problem((*loc, "parties", j), f"{p!r} is not a state in this "
                                     f"scenario; allowed: {', '.join(sorted(states))}")
            if a.kind == "militant":
                for key in ("host", "base", "sponsor"):
                    where = getattr(a, key)
                    if where is not None and where not in states and not self.unchecked(where):
                        self.problem((*loc, key), f"{where!r} is not a state in this scenario; "
                                     f"allowed: {', '.join(sorted(states))}, or leave {key} out "
                                     "(outside the scenario)")
                if a.host is not None and (a.base is not None or a.sponsor is not None):
                    self.problem((*loc, "host"), "given with base or sponsor; allowed: host "
                                 "alone (base and sponsor both), or base and sponsor")
                if not a.targets:
                    self.problem((*loc, "targets"), "missing; allowed: a list of at least "
                                 "one state the group attacks")
                for j, target in enumerate(a.targets):
                    if target not in states and not self.unchecked(target):
                        self.problem((*loc, "targets", j), f"{target!r} is not a state in this "
                                     f"scenario; allowed: {', '.join(sorted(states))}")
                parties = tuple(a.targets)
            table = dict(KINDS[a.kind])
            if policy:
                table.update(policies.get(policy).parameters)
            params = self.parameters((*loc, "parameters"), a.parameters, table, parties)
            style = a.style or ({"mediator": "facilitative", "great_power": "manipulative"}
                                .get(a.kind))
            out.append(Actor(
                id=a.id, name=a.name, kind=a.kind, policy=policy, style=style,
                parties=parties if mediating else (), max_rung=max_rung,
                base=a.host if a.host is not None else a.base,
                sponsor=a.host if a.host is not None else a.sponsor,
                targets=tuple(a.targets), parameters=params, sources=tuple(a.sources)))
        return out

    def parameters(self, loc: tuple, raw: dict, table: dict[str, Param],
                   parties: tuple[str, ...]) -> dict:
        out: dict[str, Any] = {}
        for name, value in raw.items():
            if name not in table:
                self.problem((*loc, name), "unknown parameter; allowed: "
                             f"{', '.join(sorted(table))}")
                continue
            spec = table[name]
            if spec.per_party and isinstance(value, dict) and not _is_distribution(value):
                out[name] = {}
                for party, v in value.items():
                    if party not in parties:
                        self.problem((*loc, name, party), f"{party!r} is not a party of this "
                                     f"actor; allowed: {', '.join(parties) or 'none'}")
                        continue
                    out[name][party] = self.value((*loc, name, party), spec, v)
            else:
                parsed = self.value((*loc, name), spec, value)
                out[name] = {p: parsed for p in parties} if spec.per_party else parsed
        return out

    def value(self, loc: tuple, spec: Param, raw: Any) -> Value:
        try:
            return spec.parse(raw)
        except ValueError as err:
            self.problem(loc, f"{err}; {spec.allowed()}")
            return spec.default if not spec.per_party else 0.0

    def dyads(self, kinds: dict[str, str]) -> list[Dyad]:
        out, seen = [], set()
        states = [k for k, v in kinds.items() if v == "state"]
        for i, d in enumerate(self.t.dyad):
            loc = ("dyad", i)
            a, b = d.actors
            for j, member in enumerate(d.actors):
                if kinds.get(member) != "state" and not self.unchecked(member):
                    self.problem((*loc, "actors", j), f"{member!r} is not a state in this "
                                 f"scenario; allowed: {', '.join(sorted(states))}")
            if a == b:
                self.problem((*loc, "actors"), "the same state twice; allowed: two "
                         "different states")
            self.once((*loc, "actors"), frozenset((a, b)), seen, f"the dyad {a}-{b} is given "
                      "twice; allowed: one [[dyad]] per pair")
            rungs = self.rung_pair((*loc, "initial"), d.initial)
            baseline = None
            if d.baseline is not None:
                baseline = self.rung_pair((*loc, "baseline"), d.baseline)
                for j, rung in enumerate(baseline):
                    if rung >= MILITARIZED:
                        self.problem((*loc, "baseline") if not isinstance(d.baseline, list)
                                     else (*loc, "baseline", j), f"{rung.label} is militarized; "
                                     "allowed: cooperation, normal, protest or downgrade (a "
                                     "stance to return to)")
            out.append(Dyad(a, b, rungs, d.rivalry, baseline, d.contiguity, d.issue))
        return out

    def rung_pair(self, loc: tuple, raw: Any) -> tuple[Rung, Rung]:
        """A rung for both sides of a dyad, or a list of the two."""
        pair = raw if isinstance(raw, list) else [raw, raw]
        rungs = []
        for j, r in enumerate(pair):
            try:
                rungs.append(Rung.parse(r))
            except ValueError as err:
                self.problem(loc if not isinstance(raw, list) else (*loc, j), str(err))
                rungs.append(Rung.NORMAL)
        return (rungs[0], rungs[1])

    def focus(self, dyads: list[Dyad]) -> tuple[str, str]:
        focus = self.t.scenario.focus
        if focus is None:
            return (dyads[0].a, dyads[0].b)
        if not any({d.a, d.b} == set(focus) for d in dyads) and "dyad" not in \
                self.structure.dropped:
            self.problem(("scenario", "focus"), f"{'-'.join(focus)} is not a dyad; allowed: "
                         f"{', '.join(d.id for d in dyads)}")
            return (dyads[0].a, dyads[0].b)
        return (focus[0], focus[1])

    def supports(self, kinds: dict[str, str]) -> list[Support]:
        """Third parties' force for their partners: who, for whom, what, how much."""
        out, seen = [], set()
        states = [k for k, v in kinds.items() if v == "state"]
        helpers = [k for k, v in kinds.items() if v in ("state", "great_power")]
        for i, t in enumerate(self.t.support):
            loc = ("support", i)
            if t.by not in helpers and not self.unchecked(t.by):
                self.problem((*loc, "by"), f"{t.by!r} is not a state or great power in this "
                             f"scenario; allowed: {', '.join(helpers)}")
            if t.partner not in states and not self.unchecked(t.partner):
                self.problem((*loc, "partner"), f"{t.partner!r} is not a state in this "
                             f"scenario; allowed: {', '.join(states)}")
            elif t.partner == t.by:
                self.problem((*loc, "partner"), f"{t.by} supports itself; allowed: a state "
                             "other than by")
            self.once((*loc, "role"), (t.by, t.partner, t.role), seen, f"{t.by} already "
                      f"gives {t.partner} {t.role} support; allowed: one [[support]] per "
                      "supporter, partner and role")
            key, other = (("interception", "strikes") if t.role == "defensive"
                          else ("strikes", "interception"))
            if getattr(t, other) is not None:
                self.problem((*loc, other), f"a {t.role} support has no {other}; allowed: "
                             f"{key}")
            raw = getattr(t, key)
            value: Value = 0.0
            if raw is None:
                self.problem((*loc, key), f"missing; a {t.role} support needs {key}; "
                             f"{SUPPORT[key].allowed()}")
            else:
                value = self.value((*loc, key), SUPPORT[key], _range(raw))
            out.append(Support(t.by, t.partner, t.role, source=t.source,
                               **{key: value}))
        return out

    def location(self, loc: tuple, e: EventTable, kinds: dict[str, str],
                 rung: Rung | None) -> str:
        """Where an action or attack happened (see :attr:`Event.location`)."""
        if e.location is None:
            if e.country:
                self.problem((*loc, "country"), 'given without location; allowed: country '
                             'only with location = "abroad"')
            return ON_TARGET
        thirds = [k for k, v in kinds.items() if v == "state" and k not in (e.actor, e.target)]
        named = [x for x in LOCATIONS if x != "own" or e.kind == "action"]
        allowed = ", ".join([*named, *thirds])
        if e.kind not in ("action", "attack"):
            self.problem((*loc, "location"), f"a {e.kind} event has no location; allowed: "
                         "location only on action and attack events")
        elif e.location not in named and e.location not in thirds:
            self.problem((*loc, "location"), f"got {e.location!r}; allowed: {allowed} (the "
                         "target's territory, the actor's own, a country outside the scenario, "
                         "or a third state by id)")
        elif e.kind == "action" and rung is not None and rung < FORCE:
            self.problem((*loc, "location"), "given on an action below limited_strike; "
                         "allowed: location only on a use of force or an attack")
        if e.country and e.location != "abroad":
            self.problem((*loc, "country"), f'given with location = {e.location!r}; allowed: '
                         'country only with location = "abroad"')
        return e.location

    def interception(self, loc: tuple, e: EventTable, rung: Rung | None,
                     supports: list[Support]) -> str | Value | None:
        """A recorded strike's intercepted share: a defender of the target by id, or a
        share (a number or distribution in [0, 1])."""
        raw = e.intercepted
        if raw is None:
            return None
        if e.kind != "action" or rung != Rung.LIMITED_STRIKE:
            self.problem((*loc, "intercepted"), "only a limited strike is intercepted; "
                         "allowed: intercepted only on an action at limited_strike")
            return None
        if isinstance(raw, str):
            defenders = [x.by for x in supports if x.role == "defensive"
                         and x.partner == e.target]
            if raw not in defenders:
                self.problem((*loc, "intercepted"), f"{raw!r} gives {e.target} no defensive "
                             "[[support]]; allowed: " + ", ".join(
                                 [*defenders, "a share in [0, 1] or a distribution"]))
                return None
            return raw
        return self.value((*loc, "intercepted"), SUPPORT["interception"], _range(raw))

    def events(self, kinds: dict[str, str], dyads: list[Dyad], start: date,
               end: date, supports: list[Support] = ()) -> list[Event]:
        pairs = {frozenset((d.a, d.b)) for d in dyads}
        states = [k for k, v in kinds.items() if v == "state"]
        ids: set[str] = set()
        out = []
        need = {
            "action": ("actor", "target", "rung"), "attack": ("target",),
            "ceasefire": ("actor", "target"), "agreement": ("actor", "target"),
            "election": ("actor",), "front": ("actor", "change"), "mediation": ("actor",),
            "statement": ("actor",),
        }
        actor_kinds = {
            "action": ("state",), "attack": ("militant",), "election": ("state",),
            "front": ("state",), "mediation": ("mediator", "great_power"),
            "statement": ACTOR_KINDS, "ceasefire": ("state",), "agreement": ("state",),
        }
        for i, e in enumerate(self.t.event):
            loc = ("event", i)
            if e.id is not None:
                self.once((*loc, "id"), e.id, ids, f"duplicate event id {e.id!r}; allowed: an "
                          "id no other event has")
            if not start <= e.date <= end:
                self.problem((*loc, "date"), f"{e.date} is outside the scenario; allowed: "
                             f"{start} to {end}")
            for key in need[e.kind]:
                if getattr(e, key) is None:
                    self.problem((*loc, key), f"missing; a {e.kind} event needs "
                                 f"{', '.join(need[e.kind])}; allowed: {ALLOWED[key](kinds)}")
            if e.actor is not None and not self.unchecked(e.actor):
                if e.actor not in kinds:
                    self.problem((*loc, "actor"), f"unknown actor {e.actor!r}; allowed: "
                                 f"{', '.join(kinds)}")
                elif kinds[e.actor] not in actor_kinds[e.kind]:
                    self.problem((*loc, "actor"), f"{e.actor} is a {kinds[e.actor]}; allowed: "
                                 f"a {e.kind} is by a {' or '.join(actor_kinds[e.kind])}: "
                                 + ", ".join(k for k, v in kinds.items()
                                             if v in actor_kinds[e.kind]))
            if e.target is not None and not self.unchecked(e.target):
                if kinds.get(e.target) != "state":
                    self.problem((*loc, "target"), f"{e.target!r} is not a state in this "
                                 f"scenario; allowed: {', '.join(states)}")
                elif (e.kind in ("action", *ENDS_FORCE) and e.actor
                      and "dyad" not in self.structure.dropped
                      and frozenset((e.actor, e.target)) not in pairs):
                    self.problem((*loc, "target"), f"{e.actor} and {e.target} form no dyad; "
                                 "allowed: a target in a [[dyad]] with the actor")
            rung = None
            if e.rung is not None:
                try:
                    rung = Rung.parse(e.rung)
                except ValueError as err:
                    self.problem((*loc, "rung"), str(err))
            if e.blamed is not None and e.blamed != NOBODY and not self.unchecked(e.blamed) \
                    and kinds.get(e.blamed) not in ("state", "militant"):
                self.problem((*loc, "blamed"), f"{e.blamed!r} is not a state or militant group "
                             "in this scenario; allowed: " + ", ".join(
                                 [k for k, v in kinds.items() if v in ("state", "militant")]
                                 + [f'"{NOBODY}"']))
            if e.scale is not None and not (e.kind == "attack" or (
                    e.kind == "action" and rung is not None and rung >= FORCE)):
                self.problem((*loc, "scale"), f"a {e.kind} event at "
                             f"{rung.label if rung is not None else 'no rung'} has no scale; "
                             "allowed: scale only on a use of force (limited_strike and above) "
                             "or an attack")
            location = self.location(loc, e, kinds, rung)
            intercepted = self.interception(loc, e, rung, supports)
            for key, kinds_ok in (("days", ("action", "agreement")), ("change", ("front",)),
                                  ("blamed", ("attack",)), ("blamed_source", ("attack",)),
                                  ("window", ("election",)), ("rung", ("action",))):
                if getattr(e, key) not in (None, "") and e.kind not in kinds_ok:
                    self.problem((*loc, key), f"a {e.kind} event has no {key}; allowed: "
                                 f"{key} only on {' and '.join(kinds_ok)} events")
            out.append(Event(
                date=e.date, kind=e.kind, actor=e.actor, target=e.target, rung=rung,
                deaths=self.deaths((*loc, "deaths"), e.deaths), days=e.days, change=e.change,
                window=e.window, cameo=e.cameo, note=e.note, source=e.source, id=e.id,
                key=e.id or f"event{self.structure.kept.get('event', range(i + 1))[i]}",
                time=e.time, order=e.order, blamed=e.blamed, blamed_source=e.blamed_source,
                location=location, country=e.country, scale=e.scale or 1,
                intercepted=intercepted))
        return sorted(out, key=lambda ev: ev.sequence)


    def deaths(self, loc: tuple, raw: Any) -> int | Distribution | None:
        """An event's toll: a whole number, a range ``[low, high]`` (every whole number in
        it equally likely), a distribution, or ``"unknown"``."""
        if raw == UNKNOWN:
            return None
        if isinstance(raw, list) and len(raw) == 2 and all(
                isinstance(x, int) and not isinstance(x, bool) for x in raw):
            low, high = raw
            if 0 <= low < high <= DEATHS.high:
                return Distribution("uniform", (max(low - 0.5, 0.0), high + 0.5))
        elif isinstance(raw, int | dict) and not isinstance(raw, bool):
            try:
                value = DEATHS.parse(raw)
                return int(value) if isinstance(value, float) else value
            except ValueError as err:
                self.problem(loc, f"{err}; {TOLL}")
                return 0
        self.problem(loc, f"got {_short(raw)}; {TOLL}")
        return 0


def _range(raw: Any) -> Any:
    """A share given as a range ``[low, high]`` is drawn uniformly from it."""
    if isinstance(raw, list) and len(raw) == 2 and all(
            isinstance(x, int | float) and not isinstance(x, bool) for x in raw):
        return {"uniform": raw}
    return raw


def _short(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) < 60 else shown[:57] + "..."


def _is_distribution(value: dict) -> bool:
    return len(value) == 1 and next(iter(value)) in DISTRIBUTIONS
