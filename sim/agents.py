"""The actors: states, mediators (and great powers), militant groups.

Each actor is a Mesa agent that acts on every replicate at once: its state lives in the
model's :class:`~sim.model.World` arrays, one entry per live replicate, and its parameters
in the model's :class:`~sim.parameters.ParameterSet`. ``docs/ODD.md`` gives the equations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import mesa
import numpy as np

from sim.ladder import FORCE, HIGHEST, LOWEST, MILITARIZED, Rung
from sim.policies import Policy
from sim.scenario import Actor

Stream = Any
"""A named random stream of the model's (``sim.model.Stream``): agents only draw from it."""


def take(value: Any, index: np.ndarray | None) -> Any:
    """``value`` for the replicates at ``index``: arrays are indexed, constants pass through."""
    if index is None or not isinstance(value, np.ndarray):
        return value
    return value[index]


@dataclass(eq=False)
class Relation:
    """One state's stance toward one rival: its policy, the historical record of its
    actions (``script``, the rung held each day, and ``recorded_deaths``), its random
    streams, and tomorrow's rung once decided."""

    actor: StateActor
    rival: StateActor
    policy: Policy
    rivalry: float
    baseline: Rung
    script: np.ndarray
    recorded_deaths: np.ndarray
    choice_stream: Stream
    force_stream: Stream
    prepare_stream: Stream
    drawn_deaths: dict[int, list[str]] = field(default_factory=dict)
    """Per day, the parameter paths of the recorded actions' tolls drawn per replicate."""
    abroad: np.ndarray | None = None
    """Per day, whether the recorded force fell off the rival's territory (on the actor's,
    abroad or in a third state): it harms the rival's people, not its territory."""
    violated: dict[int, list[str]] = field(default_factory=dict)
    """Per day, the third states in whose territory the recorded force fell."""
    shields: list[str] = field(default_factory=list)
    """Parameter paths of the interceptions the rival's defenders make of the strikes."""
    joined: list[str] = field(default_factory=list)
    """Parameter paths of the strikes the actor's supporters add to its own."""
    distant: bool = False
    """Whether the two share no land border (the dyad's ``contiguity`` is water or none)."""
    territorial: bool = False
    """Whether the pair disputes territory (the dyad's ``issue``): a standing claim."""
    planned: np.ndarray | None = field(default=None, repr=False)
    prepare_u: np.ndarray | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        return f"{self.actor.id}->{self.rival.id}"

    @cached_property
    def push(self) -> Any:
        """The standing push on the desired rung: hawkishness (the state's in this future,
        drawn per replicate with ``model.hawkishness_spread``), rivalry, and a territorial
        claim when the pair disputes territory (``model.territorial_claim``, docs/ODD.md
        §7.13)."""
        push = self.actor.param("hawkishness") + self.rivalry
        if self.territorial:
            push = push + self.actor.model.params["model.territorial_claim"]
        return float(push) if np.ndim(push) == 0 else push.astype(np.float32)

    @cached_property
    def rival_share(self) -> Any:
        """The rival's share of the pair's capabilities (a half if neither has any)."""
        own, rival = self.actor.param("capability"), self.rival.param("capability")
        total = own + rival
        if np.ndim(total) == 0:
            return rival / total if total > 0 else 0.5
        return np.where(total > 0, rival / np.where(total > 0, total, 1), 0.5)

    @cached_property
    def balance(self) -> Any:
        """The balance of capability's factor of the cost of force, 1 − θ + 2θ · s, with s
        the rival's share of the pair's capability and θ = ``model.balance_weight``
        (docs/ODD.md §7.13): at θ = 1 force is nearly free against a much weaker rival and
        up to twice as dear against a much stronger one; at θ = 0 the balance does not
        matter."""
        weight = self.actor.model.params["model.balance_weight"]
        return 1 - weight + 2 * weight * self.rival_share


class ScenarioAgent(mesa.Agent):
    """An actor of the scenario: its specification, and its parameters (numbers, or arrays
    over the live replicates) read by name."""

    def __init__(self, model: mesa.Model, spec: Actor) -> None:
        super().__init__(model)
        self.spec = spec
        self.id = spec.id
        self.path = f"actor.{spec.id}."

    def param(self, name: str) -> Any:
        return self.model.params.values[self.path + name]


class StateActor(ScenarioAgent):
    """A state. Each day it chooses a rung toward each rival; it suffers deaths, which
    raise its domestic pressure and its grievance toward whoever it blames."""

    def __init__(self, model: mesa.Model, spec: Actor, index: int) -> None:
        super().__init__(model, spec)
        self.index = index
        self.relations: list[Relation] = []

    # -- deciding ---------------------------------------------------------------------

    def decide(self) -> None:
        """Choose tomorrow's rung toward each rival from yesterday's world (not yet applied):
        the record's up to the branch, then the policy's, at most the state's ``max_rung``
        when the scenario caps it."""
        model = self.model
        for rel in self.relations:
            if model.replaying:
                rel.planned = rel.script[model.day]
                continue
            u = model.uniforms(rel.choice_stream)
            target = np.asarray(rel.policy.choose(Situation(self, rel), u))
            if rel.policy.bound_by_ladder and not rel.policy.within_reach:
                own = model.world.rung[self.index, rel.rival.index]
                target = np.clip(target, np.take(LOWEST, own), np.take(HIGHEST, own))
            if self.spec.max_rung is not None:  # the scenario forbids it to go higher
                target = np.minimum(target, np.int8(self.spec.max_rung))
            rel.planned = target.astype(np.int8, copy=False)

    def commit(self) -> None:
        """Apply the decided rungs: all states move together."""
        for rel in self.relations:
            self.model.world.rung[self.index, rel.rival.index] = rel.planned

    # -- consequences -------------------------------------------------------------------

    def recover(self) -> None:
        """A day passes: domestic pressure and grievances decay by their half-lives."""
        world = self.model.world
        world.pressure[self.index] *= self.pressure_decay
        for rel in self.relations:
            world.grievance[self.index, rel.rival.index] *= self.grievance_decay
            rel.prepare_u = self.model.uniforms(rel.prepare_stream)

    @cached_property
    def pressure_decay(self) -> Any:
        return _decay(self.param("pressure_half_life"))

    @cached_property
    def grievance_decay(self) -> Any:
        return _decay(self.param("grievance_half_life"))

    def use_force(self) -> None:
        """Deaths from each day at limited strike or above, and the accounts it moves.

        The user's grievance toward the rival falls by the harm it did, ``1 + log(1 +
        deaths)`` (retaliation settles the account); the victim's rises by the harm it
        suffered: the violation of its territory, 1, plus ``log(1 + deaths)`` when its own
        forces were hit (clashes, war) rather than militant sites (a limited strike). A
        recorded use of force off the rival's territory (``location``: the actor's own, a
        third state, abroad) harms its people, not its territory: ``log(1 + deaths)``
        at any rung; a third state whose territory it fell in suffers the violation, 1.
        Simulated limited strikes on a defended rival get through by the share its
        defenders leave, ``∏(1 - interception)``, and the strikes of the actor's
        supporters multiply the toll by ``1 + Σ strikes`` (docs/ODD.md §7.3).
        """
        model, world = self.model, self.model.world
        for rel in self.relations:
            rung = world.rung[self.index, rel.rival.index]
            if model.replaying:
                at_force = None if rel.script[model.day] >= FORCE else np.empty(0, np.intp)
                deaths = np.float64(rel.recorded_deaths[model.day])
                for path in rel.drawn_deaths.get(model.day, ()):
                    deaths = deaths + model.params[path]
                levels = np.int8(rel.script[model.day])
            else:
                u = model.uniforms(rel.force_stream)
                at_force = np.flatnonzero(rung >= FORCE)
                levels = rung[at_force]
                deaths = model.force_deaths(levels, u[at_force], at_force,
                                            self.through(rel, at_force))
                if rel.joined:
                    deaths = self.joined_deaths(rel, at_force, levels, deaths)
            if at_force is not None and at_force.size == 0:
                continue
            done = 1 + np.log1p(deaths)
            suffered = np.where(levels >= Rung.CLASHES, done, np.float32(1))
            if model.replaying and rel.abroad is not None and rel.abroad[model.day]:  # people
                suffered = np.log1p(deaths)
            if model.replaying:
                for third in rel.violated.get(model.day, ()):
                    model.state(third).suffer(None, np.float64(0), culprit=self,
                                              harm=np.float32(1), level=levels)
            where = _all(at_force)
            account = world.grievance[self.index, rel.rival.index]
            # a proportionate answer to an open account closes it, whatever it killed
            closes = ((account[where] > 0)
                      & (levels >= world.offence[self.index, rel.rival.index, where])
                      & (take(model.params["model.answer_closes"], at_force) > 0))
            rel.rival.suffer(at_force, deaths, culprit=self, harm=suffered, level=levels)
            settled = take(self.param("grievance_sensitivity"), at_force) * done
            account[where] = np.where(closes, np.float32(0), account[where] - settled)
            model.count_force(rel, at_force, levels, deaths)

    def through(self, rel: Relation, index: np.ndarray) -> Any:
        """The share of a limited strike on ``rel``'s rival that its defenders do not
        intercept, ``∏(1 - interception)`` (None: the rival has no defender)."""
        if not rel.shields:
            return None
        share: Any = 1.0
        for path in rel.shields:
            share = share * (1 - take(self.model.params[path], index))
        return share

    def joined_deaths(self, rel: Relation, index: np.ndarray, levels: np.ndarray,
                      deaths: np.ndarray) -> np.ndarray:
        """The toll of limited strikes with the supporters' strikes added: ``deaths × (1 +
        Σ strikes)``, rounded."""
        boost: Any = 0.0
        for path in rel.joined:
            boost = boost + take(self.model.params[path], index)
        joined = np.round(deaths * (1 + boost)).astype(deaths.dtype)
        return np.where(levels == Rung.LIMITED_STRIKE, joined, deaths)

    def suffer(self, index: np.ndarray | None, deaths: Any, culprit: StateActor | None = None,
               harm: Any = None, blame: Any = 1.0, level: Any = FORCE,
               felt: Any = 1.0) -> None:
        """Harm to this state in the replicates at ``index`` (``None``: all live ones).

        Domestic pressure rises by ``felt × pressure_sensitivity × log(1 + deaths)``, with
        ``felt`` the share of the deaths that rouses the public against a state (1 for force
        by a state; for a militant attack, the blame laid on a state, :meth:`CrisisModel.
        attack`); grievance toward the state blamed by ``blame × grievance_sensitivity ×
        harm``, where ``harm`` defaults to ``1 + log(1 + deaths)``, and the offence to
        answer in kind is at least ``level`` (a militant attack is answered with a limited
        strike on its bases).
        """
        model, world = self.model, self.model.world
        hurt = np.log1p(deaths)
        where = _all(index)
        world.pressure[self.index, where] += (take(felt, index)
                                              * take(self.param("pressure_sensitivity"), index)
                                              * hurt)
        if np.any(np.asarray(level) >= Rung.CLASHES):  # the state's own soldiers killed
            world.dead[self.index, where] += np.where(np.asarray(level) >= Rung.CLASHES,
                                                      deaths, 0)
        if culprit is not None:
            harm = 1 + hurt if harm is None else harm
            rise = take(blame, index) * take(self.param("grievance_sensitivity"), index)
            account = world.grievance[self.index, culprit.index]
            offence = world.offence[self.index, culprit.index]
            opened = account[where] <= 0
            # an account already settled starts a new offence; an open one keeps the worst
            offence[where] = np.where(opened, level, np.maximum(offence[where], level))
            account[where] += rise * harm
            toward = next((r for r in self.relations if r.rival is culprit), None)
            if toward is not None:  # a culprit it has no relation with cannot be answered
                ready = world.ready[self.index, culprit.index]
                wait = model.preparation(toward.prepare_u[where], index)
                ready[where] = np.where(opened, model.day + wait, ready[where])


def power_law_deaths(u: np.ndarray, scale: Any, alpha: Any) -> np.ndarray:
    """Deaths of attacks from one uniform each: floor(scale × u^(-1/(α-1))), at most a
    million (a power law with exponent α; Clauset, Shalizi & Newman 2009)."""
    with np.errstate(over="ignore"):  # a tail near α = 1 overflows: capped below
        tail = u ** (-1 / (alpha - 1))
    return np.minimum(np.floor(scale * tail), 1e6)


def saturate(x: np.ndarray, cap: Any) -> np.ndarray:
    """``cap · tanh(x / cap)``: about x while x is small, never above ``cap``; 0 at a cap of
    0, its limit, so the push is continuous in the cap all the way down."""
    if np.ndim(cap) == 0:
        return np.zeros_like(x) if cap == 0 else np.float32(cap) * np.tanh(x / np.float32(cap))
    capped = cap * np.tanh(x / np.where(cap > 0, cap, 1))
    return np.where(cap > 0, capped, 0).astype(np.float32)


def switch(flag: Any, on: Any, off: Any) -> Any:
    """``on`` where the flag parameter ``flag`` is set, ``off`` where it is not: decided once
    when the flag is one number, replicate by replicate when it is drawn per replicate."""
    if np.ndim(flag) == 0:
        return on if flag else off
    return np.where(np.asarray(flag) > 0, on, off)


def _all(index: np.ndarray | None) -> Any:
    return slice(None) if index is None else index


def forget(obj: object) -> None:
    """Drop values an object cached over the live replicates (they have just changed)."""
    for klass in type(obj).__mro__:
        for name, attr in vars(klass).items():
            if isinstance(attr, cached_property):
                obj.__dict__.pop(name, None)


def _decay(half_life: Any) -> Any:
    return np.float32(0.5) ** (np.float32(1) / np.asarray(half_life, np.float32))


class Situation:
    """What a state sees of one rival when it decides (implements
    :class:`sim.policies.Situation`); terms are computed when a policy asks for them."""

    def __init__(self, actor: StateActor, rel: Relation) -> None:
        self.actor = actor
        self.rel = rel
        self.model = actor.model
        world = self.model.world
        self.day = self.model.day - self.model.branch_day
        self.own = world.rung[actor.index, rel.rival.index]
        self.rival = world.rung[rel.rival.index, actor.index]

    def param(self, name: str) -> Any:
        return self.actor.param(name)

    @property
    def script(self) -> np.ndarray:
        return np.full(len(self.own), self.rel.script[self.model.day], np.int8)

    @property
    def pressure(self) -> np.ndarray:
        return self.model.world.pressure[self.actor.index]

    @property
    def grievance(self) -> np.ndarray:
        return self.model.world.grievance[self.actor.index, self.rel.rival.index]

    @cached_property
    def offence(self) -> np.ndarray:
        """L, the rung that answers the grievance in kind; while the state presses the
        issue of its public threat, at least a limited strike."""
        offence = self.model.world.offence[self.actor.index, self.rel.rival.index]
        if self.demand is None:
            return offence
        return np.where(self.demand > 0, np.maximum(offence, np.int8(Rung.LIMITED_STRIKE)),
                        offence)

    @cached_property
    def threatening(self) -> np.ndarray | None:
        """Where the state's public threat toward the rival stands (None: nowhere)."""
        standing = self.model.world.threat_day[self.actor.index, self.rel.rival.index] >= 0
        return standing if standing.any() else None

    @cached_property
    def demand(self) -> np.ndarray | None:
        """The issue the state presses by force while its public threat stands: its
        ``stake`` times its ``resolve`` (None: no threat stands, or no stake anywhere)."""
        stake = self.param("stake")
        if self.threatening is None or not (np.ndim(stake) or stake):
            return None
        return self.threatening * (stake * self.param("resolve"))

    @cached_property
    def retaliation(self) -> np.ndarray:
        """G, the value of answering in kind: the grievance still to be answered (its
        positive part), times the leadership's private ``resolve``, once an answer is
        prepared (from the state's ready day on); plus the demand of a standing threat."""
        world = self.model.world
        ready = world.ready[self.actor.index, self.rel.rival.index] <= self.model.day
        answer = np.maximum(self.grievance, np.float32(0)) * self.param("resolve") * ready
        return answer if self.demand is None else answer + self.demand

    @cached_property
    def aggrieved(self) -> bool:
        """Whether any replicate has a grievance to answer or an issue to press (most days,
        none does)."""
        return bool(self.grievance.max(initial=0) > 0) or self.demand is not None

    @property
    def backdown_cost(self) -> Any:
        """A: the audience cost of stepping below posture while the state's public threat
        stands (Tomz 2007)."""
        if self.threatening is None:
            return 0.0
        return self.threatening * self.param("audience_cost")

    @cached_property
    def desired(self) -> np.ndarray:
        """τ: the rival's rung, pushed up by hawkishness, rivalry, a territorial claim
        (:attr:`Relation.push`) and domestic pressure (its rally effect saturating at
        ``model.rally_cap`` while ``model.rally_ceiling`` is on),
        and by grievance up to the rung of the offence (retaliation in kind, not beyond).
        Under an agreement, the pair's pre-crisis stance instead."""
        push = self.rel.push
        params = self.model.params
        rally = switch(params["model.rally_ceiling"],  # off: the push is the whole pressure
                       saturate(self.pressure, params["model.rally_cap"]), self.pressure)
        tau = rally + self.rival
        if not (isinstance(push, float) and push == 0):
            tau += push
        if self.aggrieved:
            room = np.maximum(self.offence - self.rival, 0)
            tau += np.minimum(self.retaliation, room)
        agreed = self.model.world.agreed_until[self.actor.index, self.rel.rival.index]
        if agreed.max(initial=-1) >= self.model.day:
            tau = np.where(agreed >= self.model.day, np.float32(self.rel.baseline), tau)
        return tau.astype(np.float32, copy=False)

    @property
    def baseline(self) -> int:
        """b₀: the state's pre-crisis stance toward the rival."""
        return int(self.rel.baseline)

    @property
    def crisis_cost(self) -> Any:
        """S: the daily cost of each rung above the state's pre-crisis stance (counted up
        to posture), rising with the days d the pair has been in crisis, S = φ · d / 30
        with φ the replicate's crisis fatigue (drawn per replicate when
        ``fatigue_spread`` is set) (forces kept on alert and envoys kept recalled cost
        what they cost every day they are kept; Slantchev 2005). docs/ODD.md §7.12."""
        if not self.model.fatigued:
            return 0.0
        days = self.model.world.crisis_days[self.actor.index, self.rel.rival.index]
        fatigue = self.model.params["model.crisis_fatigue"]
        return (fatigue * (days / np.float32(30))).astype(np.float32, copy=False)

    @property
    def reciprocity(self) -> Any:
        return self.param("reciprocity")

    @property
    def inertia(self) -> Any:
        return self.param("inertia")

    @cached_property
    def escalation_cost(self) -> Any:
        """c: the daily cost of each rung of hostility above normal relations, raised by
        economic strain and other fronts (kept: the distance cost M is a multiple of it)."""
        model, index = self.model, self.actor.index
        fronts = self.param("other_fronts") + model.front_change[index, model.day]
        burden = 1 + self.param("economic_strain") + model.params["model.front_burden"] * fronts
        return self.param("restraint") * burden

    @property
    def force_cost(self) -> Any:
        """F: the cost of each rung of force, scaled by the balance of capability
        (:attr:`Relation.balance`), raised in an election's run-up and by the state's own
        battle dead (casualty aversion)."""
        campaign = self.model.campaign[self.actor.index, self.model.day]
        election = 1 + self.param("election_restraint") * campaign
        cost = self.param("force_cost") * self.rel.balance * election
        aversion = self.param("casualty_aversion")
        if np.ndim(aversion) or aversion:  # decided by the parameter, never by other
            dead = self.model.world.dead[self.actor.index]  # replicates' state
            cost = cost * (1 + aversion * np.log1p(dead))
        return cost

    @property
    def military_cost(self) -> Any:
        """M: the extra cost of each military rung (posture and above) against a rival
        beyond a land border, δ · c, for a state that is not a major power (the
        loss-of-strength gradient: a posture kept far from home costs more, except to a
        power with global reach; docs/ODD.md §7.13)."""
        if not self.rel.distant:
            return 0.0
        cost = self.model.params["model.distance_cost"] * self.escalation_cost
        return switch(self.param("major_power"), 0.0, cost)

    @property
    def clashes_cost(self) -> Any:
        """The extra cost of clashes or war: nuclear deterrence N (a nuclear-armed rival)
        less the value V of holding ground (a revisionist aim)."""
        nuclear, holding = self.rel.rival.param("nuclear"), self.param("holding_value")
        if np.ndim(nuclear) == 0 and not nuclear:
            return -holding if np.ndim(holding) or holding else 0.0
        return self.param("nuclear_deterrence") * nuclear - holding

    @cached_property
    def _mediation(self) -> tuple[Any, Any]:
        bonus: Any = 0.0
        penalty: Any = 0.0
        for mediator in self.model.mediators:
            if self.actor.id not in mediator.spec.parties or not mediator.engaged:
                continue
            push = mediator.push(self.actor)
            bonus = bonus + push
            if mediator.spec.style == "manipulative":
                penalty = penalty + push
        return bonus, penalty

    @property
    def stepdown_bonus(self) -> Any:
        return self._mediation[0]

    @property
    def escalation_penalty(self) -> Any:
        return self._mediation[1]


class Mediator(ScenarioAgent):
    """A third party that engages once the crisis is hot enough.

    It engages ``delay`` days after either party first reaches ``engage_at``, and stays
    active until ``duration`` days after the crisis was last that hot. While active it
    rewards each party for stepping down (``stepdown_bonus`` × its leverage over the
    party); a manipulative mediator also charges for stepping up, a facilitative one
    dissolves part of the parties' grievances each day (Beardsley et al. 2006: manipulation
    abates crises, facilitation makes the calm last).
    """

    def __init__(self, model: mesa.Model, spec: Actor, index: int) -> None:
        super().__init__(model, spec)
        self.index = index
        self.parties = [model.state(p) for p in spec.parties]
        self.relations = [rel for s in self.parties for rel in s.relations
                          if rel.rival in self.parties]
        self.recorded = self._recorded()

    def _recorded(self) -> np.ndarray:
        """The days on which the record has this mediator active (before the branch, each
        recorded mediation lasts ``duration`` days)."""
        crisis = self.model.crisis
        active = np.zeros(crisis.days + 1, bool)
        duration = int(np.max(self.param("duration")))
        for e in crisis.events:
            day = crisis.day(e.date)
            if e.kind == "mediation" and e.actor == self.id and day <= self.model.branch_day:
                active[day:day + duration + 1] = True
        return active

    @cached_property
    def leverage(self) -> Any:
        """The mediator's total leverage over its parties (0: it cannot act)."""
        return sum(self.param(f"leverage.{p.id}") for p in self.parties)

    def push_on(self, state: StateActor) -> Any:
        return self.param(f"leverage.{state.id}") * self.param("stepdown_bonus")

    @property
    def active(self) -> np.ndarray:
        return self.model.world.mediating[self.index]

    engaged = False
    """Whether mediation is active in any replicate tomorrow."""

    watching_until = -1
    """The last hot day (in any replicate) plus the longest duration: the day on which
    mediation ends in every replicate. After it, with nothing hot, the mediator has
    nothing to do."""

    def engage(self) -> None:
        """Watch today's rungs and decide whether mediation is active tomorrow."""
        model, world = self.model, self.model.world
        m, day = self.index, model.day
        hottest = None
        for rel in self.relations:
            rung = world.rung[rel.actor.index, rel.rival.index]
            hottest = rung if hottest is None else np.maximum(hottest, rung)
        hot = hottest >= self.param("engage_at")
        if hot.any():
            self.watching_until = day + int(np.max(self.param("duration")))
        elif day > self.watching_until and not model.replaying:
            return  # nothing hot since mediation ended everywhere (on watching_until)
        first, last = world.first_hot[m], world.last_hot[m]
        first[(first < 0) & hot] = day
        last[hot] = day
        if model.replaying and day < model.branch_day:
            active = np.full(world.n, self.recorded[day + 1])
        else:
            active = ((first >= 0) & (first <= day + 1 - self.param("delay"))
                      & (last >= day + 1 - self.param("duration")))
        world.mediating[m] = active
        self.engaged = bool(active.any())
        self.everywhere = self.engaged and bool(active.all())
        if not self.engaged:
            return
        if day >= model.branch_day:  # it could act: after the branch, with leverage
            world.mediated |= active & (self.leverage > 0)
        if self.spec.style == "facilitative":
            for rel in self.relations:
                relief = np.asarray(1 - self.param(f"leverage.{rel.actor.id}")
                                    * self.param("grievance_relief"), np.float32)
                factor = relief if self.everywhere else np.where(active, relief, np.float32(1))
                world.grievance[rel.actor.index, rel.rival.index] *= factor

    everywhere = False
    """Whether mediation is active in every live replicate tomorrow."""

    def push(self, state: StateActor) -> Any:
        """The reward per rung stepped down that mediation offers ``state`` tomorrow, in
        each replicate (a number when it is the same in all)."""
        value = np.asarray(self.push_on(state), np.float32)
        return value if self.everywhere else self.active * value


class GreatPower(Mediator):
    """A great power (the US in 2024): by default a manipulative mediator that presses the
    parties once fighting reaches clashes, with leverage where it has a channel (its
    counter-terrorism cooperation with Pakistan) and none where it has none."""


class MilitantGroup(ScenarioAgent):
    """A militant group that attacks targets from its ``base`` state (or from outside the
    scenario); targets blame its ``sponsor`` (a scenario's ``host`` is both).

    Attacks on each target arrive at ``attack_rate`` a day, raised by ``spoiler`` while the
    base and target are in a militarized dispute and cut by ``suppression`` while they
    cooperate on security; deaths per attack follow a power law with exponent
    ``tail_alpha`` (Clauset, Shalizi & Newman 2009). After the branch date attacks are
    drawn; before it, only the recorded attacks happen.
    """

    def __init__(self, model: mesa.Model, spec: Actor) -> None:
        super().__init__(model, spec)
        self.base = model.state(spec.base) if spec.base else None
        self.sponsor = model.state(spec.sponsor) if spec.sponsor else None
        self.targets = [model.state(t) for t in spec.targets]
        self.streams = [model.stream(f"attack:{self.id}->{t.id}") for t in self.targets]

    def attack(self) -> None:
        model = self.model
        if model.replaying:
            return
        for target, stream in zip(self.targets, self.streams, strict=True):
            u = model.uniforms(stream)
            chance = self.chance(target)
            hit = np.flatnonzero(u < chance)
            if hit.size == 0:
                continue
            scaled = np.maximum(u[hit] / take(np.broadcast_to(chance, u.shape), hit), 1e-12)
            deaths = power_law_deaths(scaled, take(self.param("deaths_scale"), hit),
                                      take(self.param("tail_alpha"), hit))
            model.attack(self, target, hit, deaths)

    def chance(self, target: StateActor) -> Any:
        """Today's probability of an attack on ``target`` in each replicate: 1 - e^(-rate),
        the rate raised while base and target are militarized and cut while they
        cooperate."""
        base = self.param(f"attack_rate.{target.id}")
        if self.base is None or self.base.index not in self.model.rivals_of(target):
            return -np.expm1(-np.asarray(base, np.float32))
        world = self.model.world
        hottest = np.maximum(world.rung[self.base.index, target.index],
                             world.rung[target.index, self.base.index])
        spoiler, suppression = self.param("spoiler"), self.param("suppression")
        if all(np.ndim(x) == 0 for x in (base, spoiler, suppression)):
            by_rung = -np.expm1(-base * np.array(
                [1 - suppression, 1, 1, 1] + [1 + spoiler] * 4, np.float32))
            return np.take(by_rung, hottest)
        rate = (base * (1 + spoiler * (hottest >= MILITARIZED))
                * (1 - suppression * (hottest <= Rung.COOPERATION)))
        return -np.expm1(-np.asarray(rate, np.float32))
