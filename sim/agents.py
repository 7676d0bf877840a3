"""The actors: states, mediators (and great powers), militant groups.

Each actor is a Mesa agent that acts on every replicate at once: its state lives in the
model's :class:`~sim.model.World` arrays, one entry per live replicate, and its parameters
in the model's :class:`~sim.parameters.ParameterSet`. ``docs/ODD.md`` gives the equations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from sim.ladder import FORCE, MILITARIZED, Rung, reachable
from sim.policies import Policy
from sim.scenario import Actor

if TYPE_CHECKING:
    from sim.model import CrisisModel, Stream


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
    script: np.ndarray
    recorded_deaths: np.ndarray
    choice_stream: Stream
    force_stream: Stream
    planned: np.ndarray | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        return f"{self.actor.id}->{self.rival.id}"


class StateActor(mesa.Agent):
    """A state. Each day it chooses a rung toward each rival; it suffers deaths, which
    raise its domestic pressure and its grievance toward whoever it blames."""

    def __init__(self, model: CrisisModel, spec: Actor, index: int) -> None:
        super().__init__(model)
        self.spec = spec
        self.id = spec.id
        self.index = index
        self.relations: list[Relation] = []

    def param(self, name: str) -> Any:
        return self.model.params[f"actor.{self.id}.{name}"]

    # -- deciding ---------------------------------------------------------------------

    def decide(self) -> None:
        """Choose tomorrow's rung toward each rival from yesterday's world (not yet applied)."""
        model = self.model
        for rel in self.relations:
            if model.replaying:
                rel.planned = rel.script[model.day]
                continue
            u = model.uniforms(rel.choice_stream)
            target = rel.policy.choose(Situation(self, rel), u)
            if rel.policy.bound_by_ladder:
                low, high = reachable(model.world.rung[self.index, rel.rival.index])
                target = np.clip(target, low, high)
            rel.planned = np.asarray(target, dtype=np.int8)

    def commit(self) -> None:
        """Apply the decided rungs: all states move together."""
        for rel in self.relations:
            self.model.world.rung[self.index, rel.rival.index] = rel.planned

    # -- consequences -------------------------------------------------------------------

    def recover(self) -> None:
        """A day passes: domestic pressure and grievances decay by their half-lives."""
        world = self.model.world
        world.pressure[self.index] *= 0.5 ** (1 / self.param("pressure_half_life"))
        world.grievance[self.index] *= 0.5 ** (1 / self.param("grievance_half_life"))
        settled = world.grievance[self.index] <= 0
        world.offence[self.index][settled] = 0

    def use_force(self) -> None:
        """Deaths from each day at limited strike or above, and the accounts it moves.

        The user's grievance toward the rival falls by the harm it did, ``1 + log(1 +
        deaths)`` (retaliation settles the account); the victim's rises by the harm it
        suffered: the violation of its territory, 1, plus ``log(1 + deaths)`` when its own
        forces were hit (clashes, war) rather than militant sites (a limited strike).
        """
        model, world = self.model, self.model.world
        for rel in self.relations:
            rung = world.rung[self.index, rel.rival.index]
            if model.replaying:
                at_force = None if rel.script[model.day] >= FORCE else np.empty(0, np.intp)
                deaths = np.float64(rel.recorded_deaths[model.day])
                levels = np.int8(rel.script[model.day])
            else:
                u = model.uniforms(rel.force_stream)
                z = model.normals(rel.force_stream)
                at_force = np.flatnonzero(rung >= FORCE)
                levels = rung[at_force]
                deaths = model.force_deaths(levels, u[at_force], z[at_force], at_force)
            if at_force is not None and at_force.size == 0:
                continue
            done = 1 + np.log1p(deaths)
            suffered = np.where(levels >= Rung.CLASHES, done, 1.0)
            rel.rival.suffer(at_force, deaths, culprit=self, harm=suffered, level=levels)
            settled = take(self.param("grievance_sensitivity"), at_force) * done
            world.grievance[self.index, rel.rival.index, _all(at_force)] -= settled
            model.count_force(rel, at_force, levels, deaths)

    def suffer(self, index: np.ndarray | None, deaths: Any, culprit: StateActor | None = None,
               harm: Any = None, blame: Any = 1.0, level: Any = FORCE) -> None:
        """Harm to this state in the replicates at ``index`` (``None``: all live ones).

        Domestic pressure rises by ``pressure_sensitivity × log(1 + deaths)``; grievance
        toward the state blamed by ``blame × grievance_sensitivity × harm``, where ``harm``
        defaults to ``1 + log(1 + deaths)``, and the offence to answer in kind is at least
        ``level`` (a militant attack is answered with a limited strike on its bases).
        """
        world = self.model.world
        hurt = np.log1p(deaths)
        where = _all(index)
        world.pressure[self.index, where] += take(self.param("pressure_sensitivity"), index) * hurt
        if culprit is not None:
            harm = 1 + hurt if harm is None else harm
            rise = take(blame, index) * take(self.param("grievance_sensitivity"), index)
            world.grievance[self.index, culprit.index, where] += rise * harm
            offence = world.offence[self.index, culprit.index]
            offence[where] = np.maximum(offence[where], level)


def _all(index: np.ndarray | None) -> Any:
    return slice(None) if index is None else index


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

    @property
    def offence(self) -> np.ndarray:
        return self.model.world.offence[self.actor.index, self.rel.rival.index]

    @cached_property
    def retaliation(self) -> np.ndarray:
        """The grievance still to be answered (its positive part)."""
        return np.maximum(self.grievance, 0.0)

    @cached_property
    def desired(self) -> np.ndarray:
        """τ: the rival's rung, pushed up by hawkishness, rivalry and domestic pressure, and
        by grievance up to the rung of the offence (retaliation in kind, not beyond)."""
        room = np.maximum(self.offence - self.rival, 0)
        return (self.rival + self.param("hawkishness") + self.rel.rivalry + self.pressure
                + np.minimum(self.retaliation, room))

    @property
    def reciprocity(self) -> Any:
        return self.param("reciprocity")

    @property
    def inertia(self) -> Any:
        return self.param("inertia")

    @property
    def escalation_cost(self) -> Any:
        fronts = self.param("other_fronts") + self.model.front_change[self.actor.index,
                                                                      self.model.day]
        front_burden = self.model.params["model.front_burden"]
        burden = 1 + self.param("economic_strain") + front_burden * fronts
        return self.param("restraint") * burden

    @property
    def force_cost(self) -> Any:
        own_cap = self.param("capability")
        rival_cap = self.rel.rival.param("capability")
        total = own_cap + rival_cap
        rival_share = np.where(total > 0, rival_cap / np.where(total > 0, total, 1), 0.5)
        campaign = self.model.campaign[self.actor.index, self.model.day]
        election = 1 + self.param("election_restraint") * campaign
        return self.param("force_cost") * 2 * rival_share * election

    @property
    def nuclear_cost(self) -> Any:
        return self.param("nuclear_deterrence") * self.rel.rival.param("nuclear")

    @cached_property
    def _mediation(self) -> tuple[Any, Any]:
        bonus: Any = 0.0
        penalty: Any = 0.0
        for mediator in self.model.mediators:
            if self.actor.id not in mediator.spec.parties:
                continue
            push = mediator.active * mediator.push_on(self.actor)
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


class Mediator(mesa.Agent):
    """A third party that engages once the crisis is hot enough.

    It engages ``delay`` days after either party first reaches ``engage_at``, and stays
    active until ``duration`` days after the crisis was last that hot. While active it
    rewards each party for stepping down (``stepdown_bonus`` × its leverage over the
    party); a manipulative mediator also charges for stepping up, a facilitative one
    dissolves part of the parties' grievances each day (Beardsley et al. 2006: manipulation
    abates crises, facilitation makes the calm last).
    """

    def __init__(self, model: CrisisModel, spec: Actor, index: int) -> None:
        super().__init__(model)
        self.spec = spec
        self.id = spec.id
        self.index = index
        self.parties = [model.state(p) for p in spec.parties]
        self.relations = [rel for s in self.parties for rel in s.relations
                          if rel.rival in self.parties]
        self.recorded = np.zeros(model.crisis.days + 1, bool)

    def param(self, name: str) -> Any:
        return self.model.params[f"actor.{self.id}.{name}"]

    def push_on(self, state: StateActor) -> Any:
        return self.param(f"leverage.{state.id}") * self.param("stepdown_bonus")

    @property
    def active(self) -> np.ndarray:
        return self.model.world.mediating[self.index]

    def engage(self) -> None:
        """Watch today's rungs and decide whether mediation is active tomorrow."""
        model, world = self.model, self.model.world
        m = self.index
        hot = np.zeros(world.n, bool)
        for rel in self.relations:
            hot |= world.rung[rel.actor.index, rel.rival.index] >= self.param("engage_at")
        day = model.day
        world.first_hot[m] = np.where((world.first_hot[m] < 0) & hot, day, world.first_hot[m])
        world.last_hot[m] = np.where(hot, day, world.last_hot[m])
        if model.replaying and day < model.branch_day:
            active = np.full(world.n, self.recorded[day + 1])
        else:
            engaged = (world.first_hot[m] >= 0) & (day + 1 - world.first_hot[m]
                                                   >= self.param("delay"))
            active = engaged & (day + 1 - world.last_hot[m] <= self.param("duration"))
        world.mediating[m] = active
        world.mediated |= active
        if self.spec.style == "facilitative":
            for party in self.parties:
                relief = 1 - self.param(f"leverage.{party.id}") * self.param("grievance_relief")
                world.grievance[party.index] *= np.where(active, relief, 1.0)


class GreatPower(Mediator):
    """A great power (the US in 2024): by default a manipulative mediator that presses the
    parties once fighting reaches clashes, with leverage where it has a channel (its
    counter-terrorism cooperation with Pakistan) and none where it has none."""


class MilitantGroup(mesa.Agent):
    """A militant group based in a host state (or outside the scenario) that attacks targets.

    Attacks on each target arrive at ``attack_rate`` a day, raised by ``spoiler`` while the
    host and target are in a militarized dispute and cut by ``suppression`` while they
    cooperate on security; deaths per attack follow a power law with exponent
    ``tail_alpha`` (Clauset, Shalizi & Newman 2009). After the branch date attacks are
    drawn; before it, only the recorded attacks happen.
    """

    def __init__(self, model: CrisisModel, spec: Actor) -> None:
        super().__init__(model)
        self.spec = spec
        self.id = spec.id
        self.host = model.state(spec.host) if spec.host else None
        self.targets = [model.state(t) for t in spec.targets]
        self.streams = [model.stream(f"attack:{self.id}->{t.id}") for t in self.targets]

    def param(self, name: str) -> Any:
        return self.model.params[f"actor.{self.id}.{name}"]

    def attack(self) -> None:
        model = self.model
        if model.replaying:
            return
        world = model.world
        for target, stream in zip(self.targets, self.streams, strict=True):
            u = model.uniforms(stream)
            rate = self.param(f"attack_rate.{target.id}")
            if self.host is not None and self.host.index in model.rivals_of(target):
                a, b = world.rung[self.host.index, target.index], world.rung[target.index,
                                                                              self.host.index]
                hottest = np.maximum(a, b)
                rate = (rate * (1 + self.param("spoiler") * (hottest >= MILITARIZED))
                        * (1 - self.param("suppression") * (hottest <= Rung.COOPERATION)))
            chance = -np.expm1(-np.asarray(rate, dtype=np.float64))
            hit = np.flatnonzero(u < chance)
            if hit.size == 0:
                continue
            scaled = np.maximum(u[hit] / take(np.broadcast_to(chance, u.shape), hit), 1e-12)
            exponent = -1 / (take(self.param("tail_alpha"), hit) - 1)
            deaths = np.minimum(np.floor(take(self.param("deaths_scale"), hit)
                                         * scaled ** exponent), 1e6)
            model.attack(self, target, hit, deaths)
