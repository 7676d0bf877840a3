"""Decision rules: how a state chooses its rung toward a rival each day.

Each policy is a small class with its literature reference, the parameters it reads, and a
``choose`` method that works on all live replicates at once. Policies are found by name in
a registry; scenario files may only name registered policies (nothing in a scenario file
is imported or executed). Register your own from Python::

    import sim

    @sim.register_policy("grudger")
    def grudger(s):                      # s describes one world: s.own, s.rival, s.u, ...
        return s.rival if s.rival > s.own else s.own - 1

A plain function like this sees one world at a time, so the model calls it once per
replicate (slower, and it says so); a :class:`Policy` subclass works on arrays. Other
packages can provide policies through the ``crisis_sim.policies`` entry-point group.

Whatever a policy returns, the state moves at most two rungs a day and reaches war only
from clashes (:func:`sim.ladder.reachable`), except under ``scripted``, which replays the
record exactly.
"""

from __future__ import annotations

import itertools
import re
import warnings
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any, ClassVar, NamedTuple, Protocol

import numpy as np

from sim.ladder import HIGHEST, LOWEST, MAX_STEP, Rung
from sim.parameters import Param

DEFAULT = "quantal_response"
ENTRY_POINT_GROUP = "crisis_sim.policies"


class Situation(Protocol):
    """What a state sees of one rival when it decides: yesterday's world.

    Arrays hold one value per live replicate; utility terms may be plain floats when they
    are the same in every replicate.
    """

    day: int                   # days since the branch date (1 on the first decided day)
    own: np.ndarray            # own rung toward the rival
    rival: np.ndarray          # the rival's rung toward us
    script: np.ndarray         # the rung the historical record gives for today
    desired: np.ndarray        # τ: rival + hawkishness + rivalry + claim + pressure + grievance
    pressure: np.ndarray       # domestic pressure (rungs)
    grievance: np.ndarray      # grievance toward this rival: harm suffered minus harm done
    retaliation: np.ndarray    # G, the grievance still to answer (its positive part)
    aggrieved: bool            # whether any replicate has a grievance to answer
    offence: np.ndarray        # L, the rung that answers it in kind (0: none)
    reciprocity: Any           # w, weight of the reciprocity loss
    inertia: Any               # a, weight of the cost of changing stance
    escalation_cost: Any       # c, daily cost of each rung above normal
    force_cost: Any            # F, extra cost of each rung from limited strike up
    military_cost: Any         # M, extra cost of each military rung (posture up) far from home
    clashes_cost: Any          # N - V: nuclear deterrence less the value of holding ground
    stepdown_bonus: Any        # b, mediation's reward per rung stepped down
    escalation_penalty: Any    # m, manipulative mediation's charge per rung stepped up
    backdown_cost: Any         # A, the audience cost of stepping below posture (a threat stands)
    crisis_cost: Any           # S, the cost of each rung above the pre-crisis stance, growing
                               # with the crisis's length
    baseline: Any              # b, the state's pre-crisis stance toward the rival

    def param(self, name: str) -> Any: ...


class Policy:
    """Base class of decision rules. One instance decides for one state toward one rival.

    Subclasses set ``name``, declare ``parameters`` (read through ``s.param(name)``) and
    implement :meth:`choose`. Per-replicate memory goes in ``self.memory`` (arrays over live
    replicates), which the model compacts as replicates end.
    """

    name: ClassVar[str] = ""
    parameters: ClassVar[dict[str, Param]] = {}
    bound_by_ladder: ClassVar[bool] = True
    within_reach: ClassVar[bool] = False
    """True if :meth:`choose` only ever returns reachable rungs (the state need not clip)."""

    def __init__(self, n: int) -> None:
        self.memory: dict[str, np.ndarray] = {}

    def choose(self, s: Situation, u: np.ndarray) -> np.ndarray:
        """Tomorrow's rung in each replicate; ``u`` is one uniform(0, 1) draw per replicate."""
        raise NotImplementedError

    def keep(self, index: np.ndarray) -> None:
        """Keep only the replicates at ``index`` (the others have ended)."""
        for key, array in self.memory.items():
            self.memory[key] = array[index]


_REGISTRY: dict[str, Callable[[int], Policy]] = {}
_ENTRY_POINTS_LOADED = False


def register(name: str, *, replace: bool = False) -> Callable:
    """Decorator registering a policy under ``name``: a :class:`Policy` subclass, or a plain
    function of one world (see the module docstring)."""
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,63}", name):
        raise ValueError(f"policy names are lower_case_with_underscores, got {name!r}")

    def decorate(obj: Any) -> Any:
        if name in _REGISTRY and not replace:
            raise ValueError(f"a policy named {name!r} is already registered "
                             "(pass replace=True to replace it)")
        if isinstance(obj, type) and issubclass(obj, Policy):
            obj.name = name
            _REGISTRY[name] = obj
        elif callable(obj):
            _REGISTRY[name] = _scalar_factory(name, obj)
        else:
            raise TypeError("register a Policy subclass or a function of one world")
        return obj

    return decorate


def _load_entry_points() -> None:
    global _ENTRY_POINTS_LOADED
    if _ENTRY_POINTS_LOADED:
        return
    _ENTRY_POINTS_LOADED = True
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name not in _REGISTRY:
            register(ep.name)(ep.load())


def is_registered(name: str) -> bool:
    if name not in _REGISTRY:
        _load_entry_points()
    return name in _REGISTRY


def get(name: str) -> Any:
    """The policy factory registered under ``name`` (call it with the replicate count)."""
    if not is_registered(name):
        raise KeyError(f"unknown policy {name!r}; registered: {', '.join(names())}")
    return _REGISTRY[name]


def names() -> list[str]:
    _load_entry_points()
    return sorted(_REGISTRY)


# --------------------------------------------------------------------------- the policies

OFFSETS = np.arange(-MAX_STEP, MAX_STEP + 1)
_BELOW_ONE = np.float32(1 - 2**-22)


@register("quantal_response")
class QuantalResponse(Policy):
    r"""Logit quantal response: choose among reachable rungs with probability ∝ exp(β·U).

    .. math::

        U(k) = -w\,(k-\tau)^2 - a\,(k-r)^2 - c\,\max(0, k-1) - F\,\max(0, k-4)
               - M\,\max(0, k-3) - N\,[k \ge 6] + G\,[k \ge L] + b\,\max(0, r-k)
               - m\,\max(0, k-r) - A\,[k < 4] - S\,\max(0, \min(k, 4) - b_0)

    with τ the desired rung (the rival's rung pushed up by hawkishness — the state's in
    this future, h + hawkishness_spread · z, its private type — rivalry, a territorial
    claim, domestic pressure, and grievance up to the rung L of the offence), G the
    grievance still to be answered, which answering in kind at rung L or above would
    settle, r the state's current rung, w the weight of reciprocity, a
    inertia (the cost of changing stance, which damps the echo of pure reciprocity), c the
    daily cost of each rung of hostility above normal relations, F the extra cost of each
    rung of force (rising with the state's own dead), M the extra cost of each military
    rung against a rival beyond a land border, N nuclear deterrence less the value of
    holding ground (a revisionist aim), G scaled by the leadership's private resolve and
    available once an answer is prepared,
    b mediation's reward for stepping down, m a manipulative mediator's charge for
    stepping up, and A the audience cost of backing down below posture while the state's
    own public threat stands (its stake then adds to G, pressed at L ≥ limited strike),
    and S the cost of each rung above the state's pre-crisis stance b₀, which grows with
    the days the pair has stood away from its pre-crisis stances (crisis fatigue).
    β is how deliberate the leadership is: β → ∞ is the best response, β = 0 a
    uniform choice among the reachable rungs.

    References
    ----------
    McKelvey, R. D. & Palfrey, T. R. (1995). Quantal response equilibria for normal form
    games. *Games and Economic Behavior* 10(1): 6-38.
    Signorino, C. S. (1999). Strategic interaction and the statistical analysis of
    international conflict. *American Political Science Review* 93(2): 279-297.
    """

    within_reach: ClassVar[bool] = True
    parameters: ClassVar[dict[str, Param]] = {
        "beta": Param(
            2.0, 0, 100, "1/utility", "how deliberate the leadership is (logit precision β)",
            "no portable value exists (Signorino 1999); λ ≈ 1 with utilities of order 1, "
            "1-5 a defensible range (parameter-sources §7)"),
    }

    def __init__(self, n: int) -> None:
        super().__init__(n)
        self._tables: dict[tuple, np.ndarray] = {}

    def choose(self, s: Situation, u: np.ndarray) -> np.ndarray:
        return quantal_choice(self.utilities(s), s.own, s.param("beta"), u)

    def utilities(self, s: Situation) -> np.ndarray:
        """U(k) for k = own-2 … own+2, one row per offset (rows off the ladder are -inf).

        The terms that depend only on the rung k (inertia, the costs, reachability) come
        from a small table; reciprocity, retaliation and mediation are added per replicate.
        The row-independent part of the reciprocity loss, -w (r - τ)², is left out: it
        does not change the choice.
        """
        own = s.own
        rows = self._rung_terms(s)
        slope = (2 * s.reciprocity) * (own - s.desired)   # -2 w o (r - τ) for each offset o
        rows[1] += slope
        rows[3] -= slope
        slope += slope
        rows[0] += slope
        rows[4] -= slope
        if s.aggrieved:  # + G at rungs that answer the offence (a grievance implies one)
            who = np.flatnonzero(s.retaliation > 0)
            if 10 * len(who) < len(own):  # few: work on them alone
                grievance = s.retaliation[who]
                short, part = s.offence[who] - own[who], rows[:, who]
            else:
                grievance, short, part = s.retaliation, s.offence - own, rows
            for row, offset in zip(part, OFFSETS, strict=True):
                row += grievance * (short <= offset)
            if part is not rows:
                rows[:, who] = part
        cost = s.backdown_cost
        if np.ndim(cost) or cost:  # backing down from a public threat (an audience cost)
            for row, offset in zip(rows, OFFSETS, strict=True):
                row -= cost * (own + offset < Rung.POSTURE)
        fatigue = s.crisis_cost
        if np.ndim(fatigue) or fatigue:  # a crisis grows costlier the longer it lasts
            for row, offset in zip(rows, OFFSETS, strict=True):
                row -= fatigue * np.clip(own + (offset - s.baseline), 0,
                                         Rung.POSTURE - s.baseline)
        bonus, penalty = s.stepdown_bonus, s.escalation_penalty
        for row, offset in zip(rows, OFFSETS, strict=True):
            if offset < 0 and (np.ndim(bonus) or bonus):
                row -= offset * bonus           # a reward per rung stepped down
            elif offset > 0 and (np.ndim(penalty) or penalty):
                row -= offset * penalty         # a charge per rung stepped up
        return rows

    def _rung_terms(self, s: Situation) -> np.ndarray:
        """-(w + a) o² - c (k-1)⁺ - F (k-4)⁺ - N [k ≥ 6] - M (k-3)⁺, and -inf off the
        ladder, for each offset o (rows) and replicate (columns), k = own + o. The
        coefficients that are the same in every replicate are folded into a cached 5 × 8
        table gathered by the current rung; those drawn per replicate are added after."""
        coefficients = (s.reciprocity + s.inertia, s.escalation_cost, s.force_cost,
                        s.clashes_cost, s.military_cost)
        key = tuple(float(c) if np.ndim(c) == 0 else None for c in coefficients)
        table = self._tables.get(key)
        if table is None:
            table = np.where(OFF_LADDER, -np.inf, -sum(
                (c * ind for c, ind in zip(key, RUNG_TERMS, strict=True) if c is not None),
                np.zeros((len(OFFSETS), 8)))).astype(np.float32)
            self._tables[key] = table
        own = s.own.astype(np.intp)  # once: np.take converts its indices on every call
        rows = np.take(table, own, axis=1)
        highest = None
        for term, c in enumerate(coefficients):
            if np.ndim(c):
                c = c.astype(np.float32, copy=False)
                highest = int(own.max()) if highest is None else highest
                # a term grows with the next rung, so the offsets where it can be non-zero
                # anywhere are the highest few: gather just those rows of its table
                first = next((i for i, offset in enumerate(OFFSETS)
                              if _can_matter(term, highest + offset)), len(OFFSETS))
                if first < len(OFFSETS):
                    part = np.take(RUNG_TERMS[term][first:], own, axis=1)
                    part *= c
                    rows[first:] -= part
        return rows


def _can_matter(term: int, top: int) -> bool:
    """Whether term ``term`` is non-zero anywhere when the highest next rung is ``top``."""
    return (term == 0) or top > (Rung.NORMAL, Rung.POSTURE, Rung.CLASHES - 1,
                                 Rung.DOWNGRADE)[term - 1]


_NEXT = np.arange(8)[None, :] + OFFSETS[:, None]
RUNG_TERMS = tuple(t.astype(np.float32) for t in (
    np.broadcast_to(OFFSETS[:, None] ** 2, _NEXT.shape),   # (w + a) o²
    np.maximum(_NEXT - Rung.NORMAL, 0),                    # c (k - 1)⁺
    np.maximum(_NEXT - Rung.POSTURE, 0),                   # F (k - 4)⁺
    _NEXT >= Rung.CLASHES,                                 # N [k ≥ 6]
    np.maximum(_NEXT - Rung.DOWNGRADE, 0)))                # M (k - 3)⁺
"""Indicator tables [offset, current rung] of the utility terms that depend on the rung."""
OFF_LADDER = (_NEXT < LOWEST) | (_NEXT > HIGHEST)


def quantal_choice(utility: np.ndarray, own: np.ndarray, beta: Any,
                   u: np.ndarray) -> np.ndarray:
    """Draw a rung with probability ∝ exp(β·U) among the rungs reachable from ``own``.

    ``utility`` has one row per offset in :data:`OFFSETS` (-inf where off the ladder) and
    is overwritten; ``u`` is uniform(0, 1). Row by row, as the rows are few and the
    replicates many.
    """
    if np.any(beta == 0):  # 0 × -inf: keep the rows off the ladder impossible
        with np.errstate(invalid="ignore"):
            utility *= beta
        np.nan_to_num(utility, copy=False, nan=-np.inf)
    else:
        utility *= beta
    top = utility[0].copy()
    for row in utility[1:]:
        np.maximum(top, row, out=top)
    for row in utility:
        row -= top
    np.exp(utility, out=utility)
    for previous, row in itertools.pairwise(utility):
        row += previous
    threshold = utility[-1] * (u * _BELOW_ONE)  # strictly below the total: never off the end
    below = np.zeros(len(own), np.int8)
    for row in utility[:-1]:
        below += row <= threshold
    return own + (below - MAX_STEP)


@register("tit_for_tat")
class TitForTat(Policy):
    """Generous tit-for-tat: match the rival's rung; after hostility, forgive with
    probability q and return to normal relations instead.

    References
    ----------
    Axelrod, R. (1984). *The Evolution of Cooperation*. Basic Books.
    Nowak, M. A. & Sigmund, K. (1992). Tit for tat in heterogeneous populations. *Nature*
    355: 250-253. With Axelrod's payoffs the optimal generosity is q = 1/3.
    """

    parameters: ClassVar[dict[str, Param]] = {
        "forgiveness": Param(
            1 / 3, 0, 1, "probability",
            "chance of answering hostility with normal relations instead of in kind",
            "Nowak & Sigmund 1992: q = min(1-(T-R)/(R-S), (R-P)/(T-P)) = 1/3"),
    }

    def choose(self, s: Situation, u: np.ndarray) -> np.ndarray:
        forgives = (s.rival > Rung.NORMAL) & (u < s.param("forgiveness"))
        return np.where(forgives, Rung.NORMAL, s.rival)


@register("grit")
class GRIT(Policy):
    """Graduated Reciprocation in Tension-reduction: announced unilateral steps down.

    Every ``grit_interval`` days the state steps down one rung, and keeps doing so for up to
    ``grit_initiatives`` steps even if the rival does not reciprocate; when the rival steps
    below it, it follows, and when the rival climbs (exploitation), it answers precisely and
    in kind.

    References
    ----------
    Osgood, C. E. (1962). *An Alternative to War or Surrender*. University of Illinois Press.
    Lindskold, S. (1978). Trust development, the GRIT proposal, and the effects of
    conciliatory acts on conflict and cooperation. *Psychological Bulletin* 85(4): 772-793.
    """

    parameters: ClassVar[dict[str, Param]] = {
        "grit_initiatives": Param(
            3.0, 0, 20, "steps", "unreciprocated initiatives before waiting for the rival",
            "Osgood 1962 gave no number; 3 (2-5), parameter-sources §9", integer=True),
        "grit_interval": Param(
            7.0, 1, 365, "days", "days between initiatives",
            "about 1-2 weeks, the tempo of MID incidents (parameter-sources §3, §9)",
            integer=True),
    }

    def __init__(self, n: int) -> None:
        super().__init__(n)
        self.memory = {"since": np.full(n, 10_000, np.int16),
                       "unanswered": np.zeros(n, np.int16),
                       "rival_before": np.full(n, -1, np.int8)}

    def choose(self, s: Situation, u: np.ndarray) -> np.ndarray:
        m = self.memory
        seen = m["rival_before"] >= 0
        exploited = seen & (s.rival > m["rival_before"]) & (s.rival > s.own)
        reciprocated = seen & (s.rival < m["rival_before"])
        since = m["since"] + 1
        due = ((since >= s.param("grit_interval"))
               & (m["unanswered"] < s.param("grit_initiatives"))
               & (s.own > Rung.COOPERATION) & ~exploited)
        target = np.where(exploited | (s.rival < s.own), s.rival, s.own - due)
        m["unanswered"] = np.where(reciprocated, 0, m["unanswered"] + due).astype(np.int16)
        m["since"] = np.where(due, 0, since).astype(np.int16)
        m["rival_before"] = s.rival.astype(np.int8)
        return target


@register("richardson")
class Richardson(Policy):
    r"""Richardson's arms-race dynamics on the ladder: a continuous hostility x moves by

    .. math:: \Delta x = k\,(y - 1) - a\,(x - 1) + a\,g

    where y is the rival's rung, k the reaction (defence) coefficient, a fatigue, and g the
    state's grievance in rungs (desired rung minus the rival's). The rung is x rounded
    stochastically (up with probability equal to its fractional part). With k < a the pair
    settles; with k > a it spirals. The published coefficients are annual and for arms
    budgets (parameter-sources §8), so the daily defaults here are a judgment to sweep.

    References
    ----------
    Richardson, L. F. (1960). *Arms and Insecurity*. Boxwood Press.
    """

    parameters: ClassVar[dict[str, Param]] = {
        "reaction": Param(0.3, 0, 5, "per day", "reaction to the rival's hostility (k)",
                          "judgment; annual fits give k ≈ 0.2/yr for arms budgets"),
        "fatigue": Param(0.4, 0, 5, "per day", "fatigue, pull back toward normal (a)",
                         "judgment; annual fits give a ≈ 0.05-0.25/yr"),
    }

    def __init__(self, n: int) -> None:
        super().__init__(n)
        self.memory = {"x": np.full(n, np.nan)}

    def choose(self, s: Situation, u: np.ndarray) -> np.ndarray:
        x = np.where(np.isnan(self.memory["x"]), s.own, self.memory["x"])
        k, a = s.param("reaction"), s.param("fatigue")
        grievance = s.desired - s.rival
        x = x + k * (s.rival - Rung.NORMAL) - a * (x - Rung.NORMAL) + a * grievance
        x = np.clip(x, Rung.COOPERATION, Rung.WAR)
        self.memory["x"] = x
        return np.floor(x + u)


@register("hawk")
class Hawk(Policy):
    """Climbs as fast as the ladder allows, to ``ceiling`` (war by default). A reference
    point for the security dilemma (Jervis 1978, *World Politics* 30(2))."""

    parameters: ClassVar[dict[str, Param]] = {
        "ceiling": Param(float(Rung.WAR), 0, 7, "rung", "the highest rung the hawk climbs to",
                         "definition", integer=True, rung=True),
    }

    def choose(self, s: Situation, u: np.ndarray) -> np.ndarray:
        return np.full(len(s.own), s.param("ceiling"))


@register("dove")
class Dove(Policy):
    """Steps toward cooperation whatever the rival does: unconditional conciliation, the
    foil to tit-for-tat (Axelrod 1984's ALLC; the dove of the hawk-dove game, Maynard Smith
    & Price 1973, *Nature* 246)."""

    def choose(self, s: Situation, u: np.ndarray) -> np.ndarray:
        return np.full(len(s.own), Rung.COOPERATION)


@register("scripted")
class Scripted(Policy):
    """Follows the historical record in the scenario's timeline, after the branch too: each
    recorded action holds until the next (a use of force lasts its ``days``, then the prior
    stance returns). For counterfactuals in which one side behaves exactly as it did."""

    bound_by_ladder: ClassVar[bool] = False

    def choose(self, s: Situation, u: np.ndarray) -> np.ndarray:
        return s.script


# --------------------------------------------------------------------------- one world at a time


class OneWorld(NamedTuple):
    """One replicate's situation, for policies written for a single world."""

    day: int
    own: int
    rival: int
    desired: float
    pressure: float
    grievance: float
    u: float


class ScalarPolicyWarning(UserWarning):
    """A policy written for one world is run once per replicate."""


def _scalar_factory(name: str, function: Callable[[OneWorld], int]) -> Callable[[int], Policy]:
    def factory(n: int) -> Policy:
        if n > 1:
            warnings.warn(f"policy {name!r} is a function of one world: it runs once per "
                          f"replicate, so {n:,} replicates will be slow; write a Policy "
                          "subclass to work on arrays", ScalarPolicyWarning, stacklevel=2)
        return _ScalarPolicy(n, function)

    factory.parameters = {}  # type: ignore[attr-defined]
    return factory


class _ScalarPolicy(Policy):
    def __init__(self, n: int, function: Callable[[OneWorld], int]) -> None:
        super().__init__(n)
        self.function = function

    def choose(self, s: Situation, u: np.ndarray) -> np.ndarray:
        n = len(s.own)
        columns = {key: np.broadcast_to(np.asarray(getattr(s, key), dtype=float), (n,))
                   for key in ("desired", "pressure", "grievance")}
        out = np.empty(n, np.int16)
        for i in range(n):
            world = OneWorld(s.day, int(s.own[i]), int(s.rival[i]),
                             float(columns["desired"][i]), float(columns["pressure"][i]),
                             float(columns["grievance"][i]), float(u[i]))
            out[i] = int(self.function(world))
        return out
