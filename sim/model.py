"""CrisisModel: the day loop, the replayed history, and outcome detection.

One model steps ``replicates`` independent worlds at once: every piece of per-world state
is a numpy array over replicates (:class:`World`), and each agent's code acts on all of
them, so the Python cost of a day does not grow with the number of replicates. With
``replicates=1`` it is an ordinary Mesa model (and runs under ``mesa.batch_run``).

A day, from the scenario's start to the horizon::

    states decide (from yesterday's world) and then all move at once
    pressure and grievances decay; the day's exogenous events happen
    militant groups attack; force kills, aggrieves its victims, settles its users' accounts
    mediators watch and engage; outcomes are checked

Up to the branch date the states' rungs come from the historical record; after it, their
policies choose. Runs and sweeps see the model only through :func:`simulate` and the
constructor's seed blocks and parameter overrides.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from typing import Any

import mesa
import numpy as np
from scipy.special import ndtri

from sim import policies
from sim.agents import (
    GreatPower,
    Mediator,
    MilitantGroup,
    Relation,
    StateActor,
    forget,
    power_law_deaths,
    switch,
    take,
)
from sim.ladder import FORCE, MILITARIZED, Rung
from sim.outcomes import (
    DEESCALATED,
    NO_DAY,
    NO_DISPUTE,
    ONGOING,
    WAR,
    Records,
    Trajectories,
    mid_hostility,
)
from sim.parameters import KINDS, MODEL, SUPPORT, Distribution, Param, ParameterSet
from sim.scenario import DEATHS, NOBODY, Event, Scenario
from sim.seeds import BLOCKS_PER_MODEL, Block, block_count, seed_blocks

FLOAT = np.float32
"""The float type of per-replicate state and random draws (float64 gives the same estimates
within Monte-Carlo error, at twice the memory traffic; see tests/test_model.py)."""

NEVER = np.iinfo(np.int16).max
ELECTION_WINDOW = 180
"""Days before an election during which it restrains the use of force, when the event gives
no ``window`` ("within about six months", parameter-sources §5)."""


class Stream:
    """A named random stream over a model's seed blocks, counter-based.

    Each seed block has a Philox4x64 generator keyed by the block's seed and the stream's
    name. Draw ``k`` of the stream (its ``k``-th call: a day's choice, a parameter's
    values) reads that generator from counter ``(0, k, 0, 0)``, and replicate ``j`` of the
    block takes the ``j``-th number from there. So what a replicate sees is a function of
    the run seed, its block, its place in the block, the name and the draw alone, whatever
    the block's size, the other blocks in the model or the live replicates: a run of 1, of
    1,000 or of 10,001, a trace, a slice or a packed sweep point give replicate ``i`` the
    same future, provided every draw is made every day whatever the replicates' states (the
    model's rule: see :meth:`CrisisModel.uniforms`). A block repeated in one model (the
    design points of a packed sweep) is drawn once a call.
    """

    def __init__(self, blocks: Sequence[Block], key: str) -> None:
        tag = zlib.crc32(key.encode())
        self.calls = 0
        sizes: dict[tuple, int] = {}
        roots: dict[tuple, np.random.SeedSequence] = {}
        self.parts = []
        for b in blocks:
            entropy = b.seed.entropy  # an int, or a list of them
            seed = (tuple(np.atleast_1d(entropy).tolist()), *b.seed.spawn_key)
            sizes[seed] = max(sizes.get(seed, 0), b.size)
            roots[seed] = b.seed
            self.parts.append((seed, b.size))
        self.generators = []
        for seed, size in sizes.items():
            root = roots[seed]
            bits = np.random.Philox(key=np.random.SeedSequence(
                root.entropy, spawn_key=(*root.spawn_key, tag)).generate_state(2, np.uint64))
            self.generators.append((seed, np.random.Generator(bits), bits.state, size))

    def _joined(self, draw: Any) -> np.ndarray:
        call, self.calls = self.calls, self.calls + 1
        drawn = {}
        for seed, generator, state, size in self.generators:
            state["state"]["counter"][1] = call  # the rest of the state is the fresh one's
            generator.bit_generator.state = state
            drawn[seed] = draw(generator, size)
        if len(self.parts) == 1:
            return drawn[self.parts[0][0]][:self.parts[0][1]]
        return np.concatenate([drawn[seed][:size] for seed, size in self.parts])

    def random(self) -> np.ndarray:
        """One uniform [0, 1) per replicate (float32)."""
        return self._joined(float_uniforms)

    def normal(self) -> np.ndarray:
        """One standard normal per replicate (float64): the inverse normal CDF of this
        stream's next uniforms, kept within (1e-7, 1 - 1e-7)."""
        return ndtri(np.clip(self.random().astype(np.float64), 1e-7, 1 - 1e-7))

    def sample(self, spec: Param, value: Distribution) -> np.ndarray:
        return self._joined(lambda g, n: spec.draw(value, g, n))


RAW_FROM = 4096
"""Draws of at least this many uniforms are made from the generator's raw words at once
(faster there; the same numbers)."""


def float_uniforms(generator: np.random.Generator, n: int) -> np.ndarray:
    """``generator.random(n, float32)``: the top 24 bits of each 32-bit half of the bit
    generator's 64-bit words (low half first), times 2^-24."""
    if n < RAW_FROM or FLOAT != np.float32:
        return generator.random(n, FLOAT)
    words = generator.bit_generator.random_raw(-(-n // 2)).astype("<u8", copy=False)
    halves = words.view("<u4")[:n]
    np.right_shift(halves, 8, out=halves)  # in place: one new array, not three
    uniforms = halves.astype(FLOAT)
    uniforms *= FLOAT(2.0**-24)
    return uniforms


class World:
    """The state of every live replicate; the last axis of each array is the replicate."""

    FIELDS = ("rung", "pressure", "grievance", "offence", "ready", "dead", "agreed_until",
              "militarized_days", "crisis_days", "calm_days", "agreement_day", "threat_day",
              "concession_day", "backdown_day", "battle_deaths", "strike_deaths",
              "attack_deaths", "max_rung", "max_rung_after", "onset", "last_militarized",
              "first_force", "calm", "status",
              "mediated", "mediating", "first_hot", "last_hot")

    def __init__(self, n: int, states: int, mediators: int) -> None:
        self.n = n
        self.rung = np.full((states, states, n), Rung.NORMAL, np.int8)
        self.pressure = np.zeros((states, n), FLOAT)
        self.grievance = np.zeros((states, states, n), FLOAT)
        self.offence = np.zeros((states, states, n), np.int8)
        self.ready = np.zeros((states, states, n), np.int16)
        self.dead = np.zeros((states, n), FLOAT)
        self.agreed_until = np.full((states, states, n), -1, np.int16)
        self.militarized_days = np.zeros((states, states, n), np.int16)
        self.crisis_days = np.zeros((states, states, n), np.int16)
        self.calm_days = np.zeros((states, states, n), np.int16)
        self.agreement_day = np.full(n, NEVER, np.int16)
        self.threat_day = np.full((states, states, n), -1, np.int16)
        self.concession_day = np.full(n, NEVER, np.int16)
        self.backdown_day = np.full(n, NEVER, np.int16)
        self.battle_deaths = np.zeros(n, FLOAT)
        self.strike_deaths = np.zeros(n, FLOAT)
        self.attack_deaths = np.zeros(n, FLOAT)
        self.max_rung = np.zeros(n, np.int8)
        self.max_rung_after = np.full(n, -1, np.int8)
        self.onset = np.full(n, NEVER, np.int16)
        self.last_militarized = np.full(n, NEVER, np.int16)
        self.first_force = np.full((2, n), NEVER, np.int16)
        self.calm = np.zeros(n, np.int16)
        self.status = np.full(n, ONGOING, np.int8)
        self.mediated = np.zeros(n, bool)
        self.mediating = np.zeros((mediators, n), bool)
        self.first_hot = np.full((mediators, n), -1, np.int16)
        self.last_hot = np.full((mediators, n), -1, np.int16)

    def keep(self, index: np.ndarray) -> None:
        for name in self.FIELDS:
            setattr(self, name, getattr(self, name)[..., index])
        self.n = len(index)


class CrisisModel(mesa.Model):
    """A crisis between states, stepping ``replicates`` worlds at once, one day a step.

    Parameters
    ----------
    crisis : Scenario
        The validated scenario (Mesa reserves ``scenario`` for its own use).
    replicates : int
        Independent worlds simulated together.
    rng : int, SeedSequence, Generator or None
        The seed. Every random stream (each parameter's draws, each state's choices, each
        group's attacks) is derived from it and a stable name, so two runs with the same
        seed share their random numbers (common random numbers).
    trace : sequence of int
        Replicates whose day-by-day path to keep (see :class:`Trajectories`).
    blocks : sequence of Block, optional
        Seed blocks to step together instead of the blocks of a run of ``replicates``
        seeded by ``rng`` (see :func:`seed_blocks`).
    overrides : mapping of parameter path to array, optional
        Per-replicate values replacing parameters after they are drawn (how a sweep packs
        several design points into one model).
    """

    def __init__(self, crisis: Scenario, replicates: int = 1, rng: Any = None,
                 trace: Sequence[int] = (), blocks: Sequence[Block] | None = None,
                 overrides: dict[str, np.ndarray] | None = None) -> None:
        if blocks is None:
            blocks = seed_blocks(rng, replicates)
        replicates = sum(b.size for b in blocks)
        if replicates < 1:
            raise ValueError("replicates must be at least 1")
        super().__init__(rng=np.random.default_rng(blocks[0].seed))
        self.crisis = crisis
        self.blocks = list(blocks)
        self.replicates = replicates
        self.branch_day = crisis.day(crisis.branch)
        self.last_day = crisis.days - 1
        self.day = 0
        self.live = np.arange(replicates)
        self.params = draw_parameters(crisis, replicates, self.stream)
        for path, values in (overrides or {}).items():
            if path not in self.params.values:
                raise KeyError(f"no parameter {path!r} to override")
            self.params[path] = np.asarray(values, np.float64)

        states = crisis.of_kind("state")
        self.states = [StateActor(self, spec, i) for i, spec in enumerate(states)]
        self._state = {s.id: s for s in self.states}
        self.relations = self._relations()
        self.pairs = [rel for rel in self.relations if rel.actor.index < rel.rival.index]
        """Each dyad once, as the relation of its first state toward the second."""
        self.settle_streams = [self.stream(f"settle:{rel.actor.id}-{rel.rival.id}")
                               for rel in self.pairs]
        self.pair_baselines = [
            (rel.baseline, next(r.baseline for r in self.relations
                                if r.actor is rel.rival and r.rival is rel.actor))
            for rel in self.pairs]
        """Each dyad's two pre-crisis stances (its first state's, then the second's)."""
        self.concede_streams = {rel.label: self.stream(f"concede:{rel.label}")
                                for rel in self.relations}
        self.front_change, self.campaign = self._schedules()
        self.mediators = [
            (GreatPower if spec.kind == "great_power" else Mediator)(self, spec, m)
            for m, spec in enumerate(crisis.of_kind("mediator", "great_power"))]
        self.groups = [MilitantGroup(self, spec) for spec in crisis.of_kind("militant")]
        self._group = {g.id: g for g in self.groups}
        self._exogenous = self._exogenous_events()
        self._agreed_today = {(self.crisis.day(e.date), frozenset(
            (self._state[e.actor].index, self._state[e.target].index)))
            for e in self.crisis.events
            if e.kind == "agreement" and self.crisis.day(e.date) <= self.branch_day}
        """Days and pairs of recorded agreements: the force of that day (the record's
        rungs) came before the agreement and does not break it."""
        self._draw_support()
        self._draw_tolls()
        self._draw_fatigue()
        self._draw_hawkishness()
        fatigue = self.params["model.crisis_fatigue"]
        self.fatigued = bool(np.ndim(fatigue) or fatigue)
        """Whether crisis fatigue is on anywhere: only then is the crisis clock kept."""
        self.world = World(replicates, len(self.states), len(self.mediators))
        for state in self.states:  # domestic pressure at the start (the `pressure` parameter)
            self.world.pressure[state.index] = state.param("pressure")
        for rel in self.relations:
            self.world.rung[rel.actor.index, rel.rival.index] = rel.script[0]
        a, b = (self._state[x] for x in crisis.focus)
        self.focal = (a.index, b.index)
        self.baseline = tuple(next(r.baseline for r in self.relations if r.actor is x
                                   and r.rival is y) for x, y in ((a, b), (b, a)))
        """The focal pair's pre-crisis stances (at least normal relations): de-escalation
        is a return to them."""
        self.records = Records.empty(replicates)
        if self.params.draw is not None:
            self.records.columns["parameter_draw"][:] = self.params.draw
        self._ended = 0
        self.trajectories = self._start_trace(trace)
        self.datacollector = mesa.DataCollector(model_reporters={
            name: (lambda m, name=name: m.records[name][0].item())
            for name in ("outcome", "outcome_day", "max_rung", "battle_deaths")})

    # -- construction ---------------------------------------------------------------------

    def state(self, actor_id: str) -> StateActor:
        return self._state[actor_id]

    def rivals_of(self, state: StateActor) -> set[int]:
        return {rel.rival.index for rel in state.relations}

    def stream(self, key: str) -> Stream:
        """An independent random stream named ``key``, derived from the model's seed."""
        return Stream(self.blocks, key)

    def _relations(self) -> list[Relation]:
        out = []
        for dyad in self.crisis.dyads:
            for i, (x, y) in enumerate(((dyad.a, dyad.b), (dyad.b, dyad.a))):
                actor, rival = self._state[x], self._state[y]
                script, deaths = self.crisis.recorded(actor.id, rival.id, dyad.initial[i])
                places = self.crisis.force_places(actor.id, rival.id)
                rel = Relation(
                    actor=actor, rival=rival,
                    policy=policies.get(actor.spec.policy)(self.replicates),
                    rivalry=dyad.rivalry, baseline=baseline(dyad.initial[i]) if
                    dyad.baseline is None else dyad.baseline[i],
                    distant=dyad.distant, territorial=dyad.territorial,
                    script=script, recorded_deaths=deaths, drawn_deaths={
                        self.crisis.day(e.date): [] for e in self.crisis.events
                        if e.kind == "action" and e.uncertain and e.actor == x
                        and e.target == y},
                    abroad=np.array([bool(p) and "target" not in p for p in places]),
                    violated={day: [s for s in p if s in self._state] for day, p in
                              enumerate(places) if any(s in self._state for s in p)},
                    choice_stream=self.stream(f"choice:{x}->{y}"),
                    force_stream=self.stream(f"force:{x}->{y}"),
                    prepare_stream=self.stream(f"prepare:{x}->{y}"))
                actor.relations.append(rel)
                out.append(rel)
        return out

    def _draw_support(self) -> None:
        """Each ``[[support]]``'s number, drawn once per replicate into the parameters as
        ``support.BY.PARTNER.interception`` (or ``.strikes``) from a stream of its own; and
        for each relation, the interceptions of strikes on its rival by the rival's
        defenders and the strikes its state's supporters add (docs/ODD.md §7.3)."""
        for support in self.crisis.supports:
            spec = SUPPORT[support.path.rsplit(".", 1)[-1]]
            value = support.value
            self.params[support.path] = (
                self.stream(f"param:{support.path}").sample(spec, value)
                if isinstance(value, Distribution) else spec.draw(value, None, self.replicates))
            for rel in self.relations:
                if support.by in (rel.actor.id, rel.rival.id):
                    continue  # a supporter neither shields nor joins against itself
                if support.role == "defensive" and support.partner == rel.rival.id:
                    rel.shields.append(support.path)
                elif support.role == "offensive" and support.partner == rel.actor.id:
                    rel.joined.append(support.path)

    def _draw_tolls(self) -> None:
        """Each recorded event's uncertain toll, drawn once per replicate into the
        parameters as ``event.KEY.deaths`` from a stream of its own (``toll:KEY``), so an
        event's draws leave every other draw alone. A distribution is drawn as given; an
        unknown toll as the model draws one of its kind: a day of force at the action's
        rung (:meth:`force_deaths`), an attack by its group's power law (the militant
        defaults for an unclaimed one), summed over the event's ``scale`` (that many sites
        or strikes, each drawn alike); an intercepted strike's lethality is multiplied by
        the share that got through."""
        n = self.replicates
        for e in self.crisis.events:
            if not e.uncertain or e.kind not in ("action", "attack"):
                continue
            stream = self.stream(f"toll:{e.key}")
            if e.deaths is not None:
                drawn = stream.sample(DEATHS, e.deaths)
            elif e.kind == "action":
                levels, through = np.full(n, e.rung, np.int8), self.recorded_through(e)
                drawn = sum(self.force_deaths(levels, stream.random(), None, through)
                            for _ in range(e.scale))
            else:
                spec = next((a for a in self.crisis.actors if a.id == e.actor), None)
                scale, alpha = ((self.params[f"actor.{e.actor}.deaths_scale"],
                                 self.params[f"actor.{e.actor}.tail_alpha"]) if spec else
                                (KINDS["militant"]["deaths_scale"].default,
                                 KINDS["militant"]["tail_alpha"].default))
                drawn = sum(power_law_deaths(np.maximum(stream.random(), 1e-12), scale, alpha)
                            for _ in range(e.scale))
            path = f"event.{e.key}.deaths"
            self.params[path] = np.asarray(drawn, np.float64)
            for rel in self.relations:
                if e.kind == "action" and (rel.actor.id, rel.rival.id) == (e.actor, e.target):
                    rel.drawn_deaths[self.crisis.day(e.date)].append(path)

    def _draw_fatigue(self) -> None:
        """Each replicate's crisis fatigue, crisis_fatigue · exp(fatigue_spread · z) with z
        standard normal from a stream of its own (``fatigue``): how much a crisis costs its
        parties differs from one crisis to the next (docs/ODD.md §7.12). Drawn only when
        both are set."""
        p = self.params
        fatigue, spread = p["model.crisis_fatigue"], p["model.fatigue_spread"]
        if any(np.ndim(x) == 0 and not x for x in (fatigue, spread)):
            return
        z = self.stream("fatigue").normal()
        p["model.crisis_fatigue"] = (fatigue * np.exp(spread * z)).astype(FLOAT)

    def _draw_hawkishness(self) -> None:
        """Each replicate's hawkishness of each state, hawkishness + hawkishness_spread · z
        with z standard normal from a stream of its own (``hawkishness:ID``): how far a
        leadership wants to stand above its rival is its private type, and differs from one
        future to the next (Fearon 1995; docs/ODD.md §7.1). It is added to whatever
        hawkishness the state has, a scenario's own value or a posterior row's. It is not
        clipped to the parameter's input range: a push beyond the ladder acts as one at its
        end. Drawn only when the spread is set."""
        spread = self.params["model.hawkishness_spread"]
        if np.ndim(spread) == 0 and not spread:
            return
        for state in self.states:
            z = self.stream(f"hawkishness:{state.id}").normal()
            path = f"{state.path}hawkishness"
            self.params[path] = (self.params[path] + spread * z).astype(FLOAT)

    def recorded_through(self, e: Event) -> Any:
        """The share of a recorded strike that got through its interception (None: not
        intercepted): 1 - the share its defender's ``[[support]]`` intercepts, or 1 - the
        share the event gives (drawn per replicate from ``param:event.KEY.intercepted``)."""
        if e.intercepted is None:
            return None
        if isinstance(e.intercepted, str):
            path = f"support.{e.intercepted}.{e.target}.interception"
            return 1 - self.params[path]
        path = f"event.{e.key}.intercepted"
        self.params[path] = (self.stream(f"param:{path}").sample(SUPPORT["interception"],
                                                                 e.intercepted)
                             if isinstance(e.intercepted, Distribution) else
                             np.float64(e.intercepted))
        return 1 - self.params[path]

    def _schedules(self) -> tuple[np.ndarray, np.ndarray]:
        """Per state and day: the change in its number of other fronts, and whether it is
        in an election's run-up."""
        days = self.crisis.days + 1
        fronts = np.zeros((len(self.states), days))
        campaign = np.zeros((len(self.states), days), bool)
        for e in self.crisis.events:
            day = self.crisis.day(e.date)
            if e.kind == "front":
                fronts[self._state[e.actor].index, day:] += e.change
            elif e.kind == "election":
                window = ELECTION_WINDOW if e.window is None else e.window
                campaign[self._state[e.actor].index, max(0, day - window):day + 1] = True
        return fronts, campaign

    def _exogenous_events(self) -> dict[int, list[Event]]:
        """Recorded militant attacks by day, which happen on their date whatever the branch,
        and recorded agreements up to the branch, in their order within the day."""
        out: dict[int, list[Event]] = {}
        for e in self.crisis.events:
            day = self.crisis.day(e.date)
            if e.kind == "attack" or (e.kind == "agreement" and day <= self.branch_day):
                out.setdefault(day, []).append(e)
        return out

    # -- the day ----------------------------------------------------------------------------

    @property
    def replaying(self) -> bool:
        """Whether today's rungs come from the historical record."""
        return self.day <= self.branch_day

    def step(self) -> None:
        for state in self.states:
            state.decide()
        for state in self.states:
            state.commit()
        self.observe()
        for state in self.states:
            state.recover()
        self.happen()
        for group in self.groups:
            group.attack()
        for state in self.states:
            state.use_force()
        for mediator in self.mediators:
            mediator.engage()
        self.settle()
        if self.fatigued:
            self.count_crisis_days()
        self.deter()
        if self.day >= self.branch_day:
            self.detect_outcomes()
        self.record_day()
        if self.day == self.last_day:
            self.close()
        if self._ended * 8 >= self.world.n:
            self.keep(np.flatnonzero(self.world.status == ONGOING))
        self.day += 1
        if self.day > self.last_day or self.world.n == 0:
            self.running = False
            self.datacollector.collect(self)

    def run(self) -> Records:
        """Step to the horizon (or until every replicate has ended) and return the records."""
        while self.running:
            self.step()
        return self.records

    def happen(self) -> None:
        """Today's exogenous events in their order: recorded militant attacks, and recorded
        agreements (so an attack after an agreement on its day meets damped blame)."""
        for e in self._exogenous.get(self.day, []):
            if e.kind == "agreement":
                self.agree(self._state[e.actor].index, self._state[e.target].index,
                           slice(None), e.days)
                continue
            target = self._state[e.target]
            group = self._group.get(e.actor) if e.actor else None
            deaths = self.params[f"event.{e.key}.deaths"] if e.uncertain else \
                np.float64(e.deaths)
            blamed = group if e.blamed is None else None if e.blamed == NOBODY else (
                self._group.get(e.blamed) or self._state.get(e.blamed))
            self.attack(group, target, None, deaths, blamed)

    def attack(self, group: MilitantGroup | None, target: StateActor, index: np.ndarray | None,
               deaths: Any, blamed: MilitantGroup | StateActor | str | None = "claimant"
               ) -> None:
        """A militant attack by ``group`` (None: unclaimed) on ``target`` in the replicates at
        ``index`` (None: all). Only salient attacks (at least ``model.salience`` killed)
        move politics: the target's grievance toward whom it blames, and its pressure as
        far as it blames a state (``model.blamed_pressure``; none when it blames no state
        but itself, docs/ODD.md §7.4): by default the group, that is its sponsor by the
        group's ``attribution``;
        ``blamed`` may name another group (its sponsor, by its attribution), a state
        (blamed fully) or None (nobody)."""
        self.count_attack(group, target, index, deaths)
        salience = self.params["model.salience"]
        if index is None and np.ndim(salience) == 0 and np.ndim(deaths) == 0:  # all alike
            if deaths < salience:
                return
        else:
            salient = deaths >= take(salience, index)
            if not salient.any():
                return
            if index is None:
                index = np.flatnonzero(np.broadcast_to(salient, (self.world.n,)))
                if np.ndim(deaths):
                    deaths = deaths[salient]
            else:
                index, deaths = index[salient], deaths[salient]
        host, blame = self.culprit(group if isinstance(blamed, str) else blamed)
        felt: Any = 0.0  # blamed on no state but the target itself: it rouses none
        if host is not None and host is not target:
            blame = felt = self.blame(target, host, blame)
        felt = switch(self.params["model.blamed_pressure"], felt, 1.0)  # off: every death in full
        target.suffer(index, deaths, culprit=host, blame=blame, felt=felt)

    def blame(self, victim: StateActor, host: StateActor, attribution: Any) -> Any:
        """How far ``victim`` blames ``host`` for a group's attack, over the live replicates
        (docs/ODD.md §7.4): the group's attribution, raised by the pair's rivalry (capped at
        full blame), and damped while the two cooperate on security and under an
        agreement,

            min(1, attribution · (1 + rivalry_blame · rivalry))
                · (1 - cooperation_blame · [cooperating]) · (1 - agreement_blame · [agreed]).
        """
        w, p = self.world, self.params
        a, b = victim.index, host.index
        rivalry = next((rel.rivalry for rel in victim.relations if rel.rival is host), 0.0)
        blame = np.minimum(1.0, attribution * (1 + p["model.rivalry_blame"] * rivalry)) \
            if rivalry else attribution
        cooperating = np.maximum(w.rung[a, b], w.rung[b, a]) <= Rung.COOPERATION
        if cooperating.any():
            blame = blame * (1 - p["model.cooperation_blame"] * cooperating)
        agreed = w.agreed_until[a, b]
        if agreed.max(initial=-1) >= self.day:
            blame = blame * (1 - p["model.agreement_blame"] * (agreed >= self.day))
        return blame  # over the live replicates (or one number); suffer takes its own

    @staticmethod
    def culprit(blamed: MilitantGroup | StateActor | None) -> tuple[StateActor | None, Any]:
        """The state a victim blames for an attack, and how far: a group's sponsor by the
        group's attribution, a state fully, nobody for None."""
        if isinstance(blamed, MilitantGroup):
            return blamed.sponsor, blamed.param("attribution")
        if isinstance(blamed, StateActor):
            return blamed, 1.0
        return None, 0.0

    def preparation(self, u: np.ndarray, index: np.ndarray | None) -> np.ndarray:
        """Days until a state is ready to answer an offence, from one uniform each: the next
        day with probability ``prompt_answer``, else 1 + an exponential number of days with
        mean ``preparation_days`` (its quantile at the rescaled uniform)."""
        prompt = take(self.params["model.prompt_answer"], index)
        mean = take(self.params["model.preparation_days"], index)
        later = np.clip((u - prompt) / np.maximum(1 - prompt, 1e-9), 0, 1 - 1e-7)
        wait = np.ceil(-mean * np.log1p(-later))
        return np.where(u < prompt, 1, 1 + np.minimum(wait, 10_000)).astype(np.int16)

    def settle(self) -> None:
        """Agreements: each militarized pair agrees to step down together with a daily
        hazard 1 - exp(-λ) (docs/ODD.md §7.8). On agreement force stops at once (both
        sides at downgrade at most), both aim at their pre-crisis stance for
        ``agreement_days``, their grievances shrink by ``agreement_relief``, and blame for
        militant attacks is damped; a use of force by either side breaks the deal."""
        w, p, day = self.world, self.params, self.day
        for rel, stream in zip(self.pairs, self.settle_streams, strict=True):
            a, b = rel.actor.index, rel.rival.index
            u = self.uniforms(stream)
            hottest = np.maximum(w.rung[a, b], w.rung[b, a])
            hot = hottest >= MILITARIZED
            days = w.militarized_days[a, b]
            days[:] = np.where(hot, days + 1, 0)
            w.militarized_days[b, a] = days
            agreed = w.agreed_until[a, b] >= day
            broken = agreed & (hottest >= FORCE)
            if broken.any() and (day, frozenset((a, b))) not in self._agreed_today:
                w.agreed_until[a, b][broken] = -1
                w.agreed_until[b, a][broken] = -1
            rate = p["model.settle_rate"]
            if self.replaying or (np.ndim(rate) == 0 and rate == 0) or not hot.any():
                continue
            chance = -np.expm1(-self.settlement_rate(rel, days))
            settles = np.flatnonzero(hot & ~agreed & (u < chance))
            if settles.size == 0:
                continue
            for x, y in ((a, b), (b, a)):
                w.rung[x, y, settles] = np.minimum(w.rung[x, y, settles], Rung.DOWNGRADE)
            self.agree(a, b, settles)
            if (a, b) in (self.focal, self.focal[::-1]):
                first = w.agreement_day[settles]
                w.agreement_day[settles] = np.where(first == NEVER,
                                                    day - self.branch_day, first)

    def count_crisis_days(self) -> None:
        """The crisis clock of each pair, which crisis fatigue reads (docs/ODD.md §7.12): the
        days since either side left its pre-crisis stance, until both have been back at it
        for ``deescalation_days`` days in a row. Kept only while fatigue is on."""
        w, calm_enough = self.world, self.params["model.deescalation_days"]
        for rel, (base_a, base_b) in zip(self.pairs, self.pair_baselines, strict=True):
            a, b = rel.actor.index, rel.rival.index
            away = (w.rung[a, b] > base_a) | (w.rung[b, a] > base_b)
            calm = w.calm_days[a, b]
            calm[:] = np.where(away, 0, calm + 1)
            w.calm_days[b, a] = calm
            crisis = w.crisis_days[a, b]
            crisis[:] = np.where(away | ((crisis > 0) & (calm < calm_enough)), crisis + 1, 0)
            w.crisis_days[b, a] = crisis

    def agree(self, a: int, b: int, index: Any, days: int | None = None) -> None:
        """The terms of an agreement between states ``a`` and ``b`` in the replicates at
        ``index``: for ``days`` (default ``agreement_days``) both aim at their pre-crisis
        stance and blame for militant attacks is damped, and both grievances shrink by
        ``agreement_relief``. (Force stopping is the settlement's, or the record's.)"""
        w, p = self.world, self.params
        term = take(p["model.agreement_days"], index) if days is None else days
        relief = take(p["model.agreement_relief"], index)
        for x, y in ((a, b), (b, a)):
            w.agreed_until[x, y, index] = self.day + term
            w.grievance[x, y, index] *= 1 - relief

    def settlement_rate(self, rel: Relation, days: np.ndarray) -> np.ndarray:
        """λ = settle_rate · (1 + settle_mediation · L) · (1 + settle_face · [no account
        open]) · (1 + settle_learning · days / 30) · exp(-settle_pressure · (P_a + P_b +
        |G_a - G_b| / 5)), with L the leverage over the pair of the mediators active
        today."""
        w, p = self.world, self.params
        a, b = rel.actor.index, rel.rival.index
        leverage: Any = 0.0
        for mediator in self.mediators:
            if {rel.actor.id, rel.rival.id} <= set(mediator.spec.parties) and mediator.engaged:
                mean = (mediator.param(f"leverage.{rel.actor.id}")
                        + mediator.param(f"leverage.{rel.rival.id}")) / 2
                leverage = leverage + mean * w.mediating[mediator.index]
        g_a, g_b = np.maximum(w.grievance[a, b], 0), np.maximum(w.grievance[b, a], 0)
        face = (g_a <= 0) & (g_b <= 0)
        strain = w.pressure[a] + w.pressure[b] + np.abs(g_a - g_b) / 5
        return (p["model.settle_rate"] * (1 + p["model.settle_mediation"] * leverage)
                * (1 + p["model.settle_face"] * face)
                * (1 + p["model.settle_learning"] * days / 30)
                * np.exp(-p["model.settle_pressure"] * strain))

    def deter(self) -> None:
        """Public threats (docs/ODD.md §7.11). A state makes a public threat when its
        posture militarizes the pair (the rival below posture, the pair not militarized the
        day before) and no agreement holds. The threat stands until it is carried out or
        defied (either side uses force), agreed away, withdrawn (the threatener steps below
        posture: it backed down, paying its ``audience_cost`` in its choice), or the rival
        yields: after the branch, with daily hazard 1 - exp(-λ),

            λ = concede_rate · 2 s_x / resolve_y

        with s_x the threatener's share of the pair's capability and resolve_y the target's
        private resolve. On yielding both sides stand down at once (downgrade at most) and
        aim at their pre-crisis stance for ``agreement_days``: the issue is settled on the
        threatener's terms. ``model.deterrence = 0`` switches threats off."""
        p, w, day = self.params, self.world, self.day
        switch = p["model.deterrence"]
        if np.ndim(switch) == 0 and not switch:
            return
        on = np.asarray(switch) > 0
        for rel in self.pairs:
            a, b = rel.actor.index, rel.rival.index
            # every replicate draws every simulated day, whatever the others do
            draws = None if self.replaying else {
                x: self.uniforms(self.concede_streams[f"{self.states[x].id}->"
                                                      f"{self.states[y].id}"])
                for x, y in ((a, b), (b, a))}
            hottest = np.maximum(w.rung[a, b], w.rung[b, a])
            standing_any = (w.threat_day[a, b] >= 0) | (w.threat_day[b, a] >= 0)
            if not ((hottest == Rung.POSTURE).any() or standing_any.any()):
                continue
            fight = hottest >= FORCE
            agreed = w.agreed_until[a, b] >= day
            focal = (a, b) in (self.focal, self.focal[::-1])
            starts = w.militarized_days[a, b] == 1  # today's posture militarized the pair
            for x, y, share, against in ((a, b, 1 - rel.rival_share, rel.rival),
                                         (b, a, rel.rival_share, rel.actor)):
                threat, own = w.threat_day[x, y], w.rung[x, y]
                standing = threat >= 0
                backed = standing & (own < Rung.POSTURE) & ~fight & ~agreed
                threat[standing & (fight | agreed | (own < Rung.POSTURE))] = -1
                if focal and backed.any():
                    w.backdown_day[backed & (w.backdown_day == NEVER)] = day - self.branch_day
                if draws is not None:
                    u = draws[x]
                    standing = threat >= 0
                    if standing.any():
                        rate = (p["model.concede_rate"] * 2 * share
                                / np.maximum(against.param("resolve"), 1e-6))
                        yields = np.flatnonzero(standing & (u < -np.expm1(-rate)))
                        if yields.size:
                            self._yield(x, y, yields, focal)
                opened = ((own == Rung.POSTURE) & (w.rung[y, x] < Rung.POSTURE) & starts
                          & (threat < 0) & (w.threat_day[y, x] < 0) & ~agreed & on)
                threat[opened] = day

    def _yield(self, x: int, y: int, index: np.ndarray, focal: bool) -> None:
        """State ``y`` yields to ``x``'s public threat in the replicates at ``index``."""
        w, p, day = self.world, self.params, self.day
        for i, j in ((x, y), (y, x)):
            w.rung[i, j, index] = np.minimum(w.rung[i, j, index], Rung.DOWNGRADE)
            w.agreed_until[i, j, index] = day + take(p["model.agreement_days"], index)
        w.threat_day[x, y, index] = -1
        if focal:
            first = w.concession_day[index]
            w.concession_day[index] = np.where(first == NEVER, day - self.branch_day, first)

    def observe(self) -> None:
        """Note the highest rung (overall, and on the simulated days after the branch), the
        dispute's onset, the last militarized day and each
        side's first use of force in the focal dyad."""
        w = self.world
        a, b = self.focal
        day = self.day - self.branch_day
        for side, rung in enumerate((w.rung[a, b], w.rung[b, a])):
            np.maximum(w.max_rung, rung, out=w.max_rung)
            if day > 0:  # a simulated day, not the replayed record
                np.maximum(w.max_rung_after, rung, out=w.max_rung_after)
            first = w.first_force[side]
            first[(first == NEVER) & (rung >= FORCE)] = day
        w.onset[(w.onset == NEVER) & (w.max_rung >= MILITARIZED)] = day
        w.last_militarized[np.maximum(w.rung[a, b], w.rung[b, a]) >= MILITARIZED] = day

    def detect_outcomes(self) -> None:
        """War at the battle-death threshold; de-escalation after ``deescalation_days``
        calm days (both sides at their pre-crisis stance or better, once the dispute was
        militarized)."""
        w = self.world
        a, b = self.focal
        ongoing = w.status == ONGOING
        war = ongoing & (w.battle_deaths >= self.params["model.war_threshold"])
        calm_today = ((w.rung[a, b] <= self.baseline[0]) & (w.rung[b, a] <= self.baseline[1])
                      & (w.max_rung >= MILITARIZED))
        w.calm = np.where(calm_today, w.calm + 1, 0).astype(np.int16)
        deescalated = ongoing & ~war & (w.calm >= self.params["model.deescalation_days"])
        if war.any() or deescalated.any():
            w.status[war] = WAR
            w.status[deescalated] = DEESCALATED
            self.finish(np.flatnonzero(war | deescalated))

    def close(self) -> None:
        """At the horizon, a replicate neither at war nor de-escalated is ongoing if its
        dispute was militarized, and ended with no dispute if the pair never reached
        posture."""
        w = self.world
        undecided = np.flatnonzero(w.status == ONGOING)
        w.status[undecided[w.max_rung[undecided] < MILITARIZED]] = NO_DISPUTE
        self.finish(undecided)

    def finish(self, index: np.ndarray) -> None:
        """Write the records of the replicates at ``index`` (positions among the live), whose
        outcome is now decided. They stay in the arrays, unrecorded, until :meth:`keep`."""
        if index.size == 0:
            return
        w, rows, rec = self.world, self.live[index], self.records.columns
        day = self.day - self.branch_day
        status = w.status[index]
        rec["outcome"][rows] = status
        rec["outcome_day"][rows] = day
        rec["days_to_deescalation"][rows] = np.where(
            status == DEESCALATED, day - w.calm[index] + 1, NO_DAY)
        rec["max_rung"][rows] = w.max_rung[index]
        rec["max_rung_after_branch"][rows] = w.max_rung_after[index]
        onset = w.onset[index]
        rec["days_to_dispute"][rows] = np.where(onset < NEVER, onset, NO_DAY)
        last = w.last_militarized[index]
        rec["days_to_militarized_end"][rows] = np.where(
            (onset < NEVER) & (status != ONGOING), last, NO_DAY)
        for column, days in (("days_to_agreement", w.agreement_day),
                             ("days_to_concession", w.concession_day),
                             ("days_to_backdown", w.backdown_day)):
            rec[column][rows] = np.where(days[index] < NEVER, days[index], NO_DAY)
        rec["dispute_days"][rows] = np.where(
            onset < NEVER, w.last_militarized[index].astype(np.int32) - onset + 1, NO_DAY)
        rec["mid_hostility"][rows] = mid_hostility(w.max_rung[index], status)
        first = w.first_force[:, index]
        both = (first < NEVER).all(axis=0)
        rec["force_reciprocated"][rows] = both
        rec["days_to_reciprocation"][rows] = np.where(
            both, np.abs(first[0].astype(np.int32) - first[1]), NO_DAY)
        for name in ("battle_deaths", "strike_deaths", "attack_deaths", "mediated"):
            rec[name][rows] = getattr(w, name)[index]
        self._ended += index.size

    def keep(self, index: np.ndarray) -> None:
        """Drop ended replicates from every per-replicate array (random draws stay whole)."""
        self.world.keep(index)
        self.params.keep(index)
        for rel in self.relations:
            rel.policy.keep(index)
            forget(rel)
        for agent in (*self.states, *self.mediators, *self.groups):
            forget(agent)
        self.live = self.live[index]
        self._ended = 0

    # -- randomness and bookkeeping -------------------------------------------------------

    def uniforms(self, stream: Stream) -> np.ndarray:
        """One uniform(0, 1) per replicate from ``stream``, for the live ones. All
        replicates draw, live or not, so runs with the same seed share their numbers."""
        u = stream.random()
        return u if self.world.n == self.replicates else u[self.live]

    def force_deaths(self, levels: np.ndarray, u: np.ndarray, index: np.ndarray | None,
                     through: Any = None) -> np.ndarray:
        """Deaths of a day of force at each rung in ``levels``, from one uniform ``u`` each.

        Strike and clash days are lethal when u < ``force_lethality`` and then kill a
        lognormal number (median ``force_deaths_median``, σ ``force_deaths_sigma``; MIDI
        incidents), drawn from the same uniform: u / lethality is uniform on a lethal day.
        War kills an exponential number with mean half the dyad's daily war deaths (each
        side's action is half the war). ``through`` (one per level, or one for all) is the
        share of a limited strike that is not intercepted: a strike day's lethality is
        ``force_lethality × through`` (docs/ODD.md §7.3).
        """
        p = self.params
        lethality = take(p["model.force_lethality"], index)
        if through is not None:
            lethality = lethality * np.where(levels == Rung.LIMITED_STRIKE, through, 1)
        deaths = np.zeros(len(levels), FLOAT)
        war = levels == Rung.WAR
        if war.any():
            rate = take(p["model.war_deaths_per_day"], index)
            deaths[war] = np.round(take(rate, np.flatnonzero(war)) / 2 * -np.log1p(-u[war]))
        lethal = np.flatnonzero(~war & (u < lethality))
        if lethal.size:
            share = u[lethal] / take(np.broadcast_to(lethality, u.shape), lethal)
            median = take(take(p["model.force_deaths_median"], index), lethal)
            sigma = take(take(p["model.force_deaths_sigma"], index), lethal)
            deaths[lethal] = np.maximum(1, np.round(median * np.exp(sigma * ndtri(share))))
        return deaths

    def count_force(self, rel: Relation, index: np.ndarray | None, levels: Any,
                    deaths: Any) -> None:
        a, b = self.focal
        if {rel.actor.index, rel.rival.index} != {a, b}:
            return
        w = self.world
        where = slice(None) if index is None else index
        w.battle_deaths[where] += deaths * (levels >= Rung.CLASHES)
        w.strike_deaths[where] += deaths * (levels == Rung.LIMITED_STRIKE)
        if self.trajectories is not None:
            self._today_deaths[rel.label] = (index, deaths)

    def count_attack(self, group: MilitantGroup | None, target: StateActor,
                     index: np.ndarray | None, deaths: Any) -> None:
        if target.index in self.focal:
            where = slice(None) if index is None else index
            self.world.attack_deaths[where] += deaths
        if self.trajectories is not None:
            key = f"{group.id if group else 'unclaimed'}->{target.id}"
            self._today_attacks.setdefault(key, []).append((index, deaths))

    # -- trajectories -----------------------------------------------------------------------

    def _start_trace(self, trace: Iterable[int]) -> Trajectories | None:
        replicates = np.array(sorted(set(int(t) for t in trace)), dtype=np.intp)
        if replicates.size == 0:
            return None
        if replicates[0] < 0 or replicates[-1] >= self.replicates:
            raise ValueError(f"trace replicates must be in [0, {self.replicates})")
        days, k = self.crisis.days, replicates.size
        attackers = [f"{g.id}->{t.id}" for g in self.groups for t in g.targets]
        attackers += sorted({f"{e.actor or 'unclaimed'}->{e.target}" for e in self.crisis.events
                             if e.kind == "attack"} - set(attackers))
        self._today_deaths: dict[str, tuple] = {}
        self._today_attacks: dict[str, list] = {}
        self._trace_open = np.ones(k, bool)
        n_rel = len(self.relations)
        return Trajectories(
            replicates=replicates, relations=[r.label for r in self.relations],
            attackers=attackers, states=[s.id for s in self.states],
            mediators=[m.id for m in self.mediators],
            rung=np.full((days, n_rel, k), -1, np.int8),
            deaths=np.zeros((days, n_rel, k)), grievance=np.zeros((days, n_rel, k)),
            attacks=np.full((days, len(attackers), k), np.nan),
            pressure=np.zeros((days, len(self.states), k)),
            mediating=np.zeros((days, len(self.mediators), k), bool))

    def record_day(self) -> None:
        t = self.trajectories
        if t is None:
            return
        n = len(self.live)
        if n == 0:
            return
        pos = np.minimum(np.searchsorted(self.live, t.replicates), n - 1)
        present = self._trace_open & (self.live[pos] == t.replicates)
        cols, at = np.flatnonzero(present), pos[present]
        w, d = self.world, self.day
        for r, rel in enumerate(self.relations):
            t.rung[d, r, cols] = w.rung[rel.actor.index, rel.rival.index, at]
            t.grievance[d, r, cols] = w.grievance[rel.actor.index, rel.rival.index, at]
            if rel.label in self._today_deaths:
                t.deaths[d, r, cols] = _gather(*self._today_deaths[rel.label], at, w.n)
        for g, key in enumerate(t.attackers):
            for index, deaths in self._today_attacks.get(key, []):
                hit = _gather(index, deaths, at, w.n, missing=np.nan)
                t.attacks[d, g, cols] = np.where(np.isnan(hit), t.attacks[d, g, cols], hit)
        t.pressure[d][:, cols] = w.pressure[:, at]
        t.mediating[d][:, cols] = w.mediating[:, at]
        self._trace_open[cols] &= w.status[at] == ONGOING
        self._today_deaths.clear()
        self._today_attacks.clear()


def baseline(initial: Rung) -> Rung:
    """A pair's pre-crisis stance when its ``[[dyad]]`` gives no ``baseline``, which
    de-escalation returns to: the dyad's starting rung
    when that is between normal relations and a downgrade (no ambassadors, no relations),
    normal relations otherwise (a better start is not required back, and a militarized start
    is the crisis itself)."""
    return Rung(initial) if Rung.NORMAL <= initial < MILITARIZED else Rung.NORMAL


def _gather(index: np.ndarray | None, values: Any, at: np.ndarray, n: int,
            missing: float = 0.0) -> np.ndarray:
    """Values given at ``index`` (None: everywhere) read at positions ``at``."""
    full = np.full(n, missing)
    full[slice(None) if index is None else index] = values
    return full[at]


def draw_parameters(crisis: Scenario, n: int, stream: Any) -> ParameterSet:
    """Every parameter of every actor and of the model, for ``n`` replicates.

    A value the scenario sets replaces the default; distributions are drawn from a stream
    named by the parameter's path, so changing one parameter leaves the others' draws alone.
    """
    params = ParameterSet(n)

    def put(path: str, spec: Any, value: Any) -> None:
        if isinstance(value, Distribution):
            params[path] = stream(f"param:{path}").sample(spec, value)
        else:
            params[path] = spec.draw(value, None, n)

    for name, spec in MODEL.items():
        put(f"model.{name}", spec, crisis.model_parameters.get(name, spec.default))
    draws = crisis.posterior
    for actor in crisis.actors:
        table = dict(KINDS[actor.kind])
        if actor.policy:
            table.update(policies.get(actor.policy).parameters)
        parties = actor.parties or actor.targets
        for name, spec in table.items():
            given = actor.parameters.get(name)
            if spec.per_party:
                for party in parties:
                    value = given.get(party, spec.default) if isinstance(given, dict) else \
                        spec.default
                    put(f"actor.{actor.id}.{name}.{party}", spec, value)
            else:
                put(f"actor.{actor.id}.{name}", spec, spec.default if given is None else given)
    if draws is not None:
        params.draw = posterior_draw(crisis, params, stream("posterior").random())
    return params


def posterior_draw(crisis: Scenario, params: ParameterSet, u: np.ndarray) -> np.ndarray:
    """Give each replicate one whole row of the scenario's posterior (row ``u × draws``),
    for every calibrated parameter the scenario leaves at its default; returns the rows.

    ``model.NAME`` is the model's parameter unless the scenario's ``[model]`` sets it;
    ``actor.*.NAME`` is each state's unless that state sets it."""
    draws = crisis.posterior
    assert draws is not None
    row = np.minimum((u * len(draws)).astype(np.int64), len(draws) - 1)
    for k, path in enumerate(draws.paths):
        name = path.rsplit(".", 1)[-1]
        if path.startswith("model."):
            targets = [] if name in crisis.model_parameters else [path]
        else:
            targets = [f"actor.{a.id}.{name}" for a in crisis.of_kind("state")
                       if name not in a.parameters]
        for target in targets:
            params[target] = draws.draws[row, k]
    return row.astype(np.int16)


def simulate(crisis: Scenario, replicates: int, seed: int, *, blocks: range | None = None,
             per_model: int = BLOCKS_PER_MODEL) -> Records:
    """Run ``replicates`` replicates of ``crisis`` and return their records, in order.

    ``blocks`` selects seed blocks (default: all); ``per_model`` is how many blocks one model
    steps together. Neither changes any replicate's numbers.
    """
    chosen = range(block_count(replicates)) if blocks is None else blocks
    parts = [CrisisModel(crisis, blocks=seed_blocks(seed, replicates, k,
                                                    min(k + per_model, chosen.stop))).run()
             for k in range(chosen.start, chosen.stop, per_model)]
    return Records.concat(parts)


def simulate_blocks(crisis: Scenario, replicates: int, seed: int, first: int, stop: int
                    ) -> Records:
    """The records of seed blocks ``first`` to ``stop`` (a unit of work for executors)."""
    return simulate(crisis, replicates, seed, blocks=range(first, stop))
