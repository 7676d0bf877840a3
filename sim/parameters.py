"""Model parameters: their defaults, allowed ranges and sources, and parameter uncertainty.

A parameter's value is a number or a :class:`Distribution`; distributions are drawn once
per replicate, so an estimated probability carries parameter uncertainty as well as chance.
Behavioural parameters have the shared defaults below; a scenario file sets only what its
sources document. ``docs/ODD.md`` explains each in the model's terms, and a test checks that
the two agree.

A parameter is addressed by a path: ``model.war_threshold``, ``actor.PAK.restraint``, and,
for one held toward a particular other actor, ``actor.CHN.leverage.PAK``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.ladder import Rung


@dataclass(frozen=True)
class Distribution:
    """A distribution a parameter is drawn from, once per replicate.

    ``kind`` is one of :data:`DISTRIBUTIONS`; ``args`` are, in order, ``uniform = [low,
    high]``, ``normal = [mean, sd]``, ``lognormal = [median, sigma]`` (sigma of the
    logarithm), ``beta = [a, b]`` and ``triangular = [low, mode, high]``.
    """

    kind: str
    args: tuple[float, ...]

    def __post_init__(self) -> None:
        shapes = {**DISTRIBUTIONS, **FLAG_DISTRIBUTIONS}
        if self.kind not in shapes:
            raise ValueError(
                f"unknown distribution {self.kind!r}; allowed: {', '.join(shapes)}")
        shape = shapes[self.kind]
        if len(self.args) != len(shape):
            raise ValueError(f"{self.kind} takes [{', '.join(shape)}], got {len(self.args)} "
                             f"value{'s' if len(self.args) != 1 else ''}")
        if not all(math.isfinite(a) for a in self.args):
            raise ValueError(f"{self.kind} arguments must be finite numbers")
        a = self.args
        match self.kind:
            case "uniform":
                ok, need = a[0] < a[1], "low < high"
            case "normal":
                ok, need = a[1] > 0, "sd > 0"
            case "lognormal" | "beta":
                ok, need = a[0] > 0 and a[1] > 0, f"{' and '.join(f'{x} > 0' for x in shape)}"
            case "bernoulli":
                ok, need = 0 <= a[0] <= 1, "0 <= p <= 1"
            case _:
                ok, need = a[0] <= a[1] <= a[2] and a[0] < a[2], "low <= mode <= high, low < high"
        if not ok:
            raise ValueError(f"{self.kind} needs {need}")

    @property
    def centre(self) -> float:
        """A central value: the median for lognormal, else the mean (mode-weighted)."""
        a = self.args
        match self.kind:
            case "uniform":
                return (a[0] + a[1]) / 2
            case "normal" | "lognormal":
                return a[0]
            case "beta":
                return a[0] / (a[0] + a[1])
            case "bernoulli":
                return a[0]
            case _:
                return sum(a) / 3

    @property
    def support(self) -> tuple[float, float]:
        a = self.args
        match self.kind:
            case "uniform":
                return (a[0], a[1])
            case "normal":
                return (-math.inf, math.inf)
            case "lognormal":
                return (0.0, math.inf)
            case "beta" | "bernoulli":
                return (0.0, 1.0)
            case _:
                return (a[0], a[2])

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        a = self.args
        match self.kind:
            case "uniform":
                return rng.uniform(a[0], a[1], n)
            case "normal":
                return rng.normal(a[0], a[1], n)
            case "lognormal":
                return a[0] * np.exp(a[1] * rng.standard_normal(n))
            case "beta":
                return rng.beta(a[0], a[1], n)
            case "bernoulli":
                return (rng.random(n) < a[0]).astype(np.float64)
            case _:
                return rng.triangular(a[0], a[1], a[2], n)

    def __str__(self) -> str:
        return f"{self.kind}({', '.join(f'{x:g}' for x in self.args)})"


DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "uniform": ("low", "high"),
    "normal": ("mean", "sd"),
    "lognormal": ("median", "sigma"),
    "beta": ("a", "b"),
    "triangular": ("low", "mode", "high"),
}

FLAG_DISTRIBUTIONS: dict[str, tuple[str, ...]] = {"bernoulli": ("p",)}
"""What a flag may be drawn from: true with probability p in each replicate (an arsenal
neither declared nor denied: ``nuclear = { bernoulli = [0.7] }``)."""

Value = float | Distribution


@dataclass(frozen=True)
class Param:
    """One parameter: default, allowed range, unit, meaning and source.

    Draws from a distribution are clipped to ``[low, high]``; ``integer`` parameters are
    rounded. ``per_party`` parameters are held toward each other actor
    (``leverage.PAK``); a single value sets it toward all of them.
    """

    default: Value
    low: float
    high: float
    unit: str
    meaning: str
    source: str
    per_party: bool = False
    integer: bool = False
    rung: bool = False
    flag: bool = False

    def allowed(self) -> str:
        if self.flag:
            return "allowed: true or false, or { bernoulli = [p] } (true with probability p)"
        if self.rung:
            return f"allowed: a rung from {Rung(int(self.low)).name.lower()} " \
                   f"to {Rung(int(self.high)).name.lower()}, by name or number"
        kind = "a whole number" if self.integer else "a number"
        return f"allowed: {kind} in [{self.low:g}, {self.high:g}] or a distribution " \
               f"({', '.join(DISTRIBUTIONS)})"

    def parse(self, raw: Any) -> Value:
        """A value from a scenario file or a ``--set``; raises ``ValueError`` saying why not."""
        if self.flag:
            if isinstance(raw, bool) or (isinstance(raw, int | float) and raw in (0, 1)):
                return float(raw)
            if isinstance(raw, dict) and list(raw) == list(FLAG_DISTRIBUTIONS):
                args = raw["bernoulli"]
                if isinstance(args, list) and len(args) == 1 and isinstance(
                        args[0], int | float) and not isinstance(args[0], bool):
                    return Distribution("bernoulli", (float(args[0]),))
            raise ValueError(f"expected true or false, got {raw!r}")
        if self.rung and isinstance(raw, str):
            return float(Rung.parse(raw))
        if isinstance(raw, dict):
            return self._parse_distribution(raw)
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise ValueError(f"expected a number, got {raw!r}")
        value = float(raw)
        if not math.isfinite(value):
            raise ValueError(f"{raw} is not a finite number")
        if not self.low <= value <= self.high:
            raise ValueError(f"{value:g} is outside [{self.low:g}, {self.high:g}]")
        if self.integer and value != round(value):
            raise ValueError(f"{value:g} is not a whole number")
        return value

    def _parse_distribution(self, raw: dict) -> Distribution:
        if len(raw) != 1:
            raise ValueError(f"a distribution is one key ({', '.join(DISTRIBUTIONS)}), "
                             f"got {', '.join(map(str, raw)) or 'none'}")
        ((kind, args),) = raw.items()
        if kind not in DISTRIBUTIONS:
            raise ValueError(f"unknown distribution {kind!r}")
        if not isinstance(args, list) or not all(
                isinstance(a, int | float) and not isinstance(a, bool) for a in args):
            raise ValueError(f"{kind} takes a list of numbers [{', '.join(DISTRIBUTIONS[kind])}]")
        dist = Distribution(kind, tuple(float(a) for a in args))
        lo, hi = dist.support
        if hi < self.low or lo > self.high or not self.low <= dist.centre <= self.high:
            raise ValueError(f"{dist} lies outside [{self.low:g}, {self.high:g}]")
        return dist

    def draw(self, value: Value, rng: np.random.Generator, n: int) -> float | np.ndarray:
        """The value for ``n`` replicates: a float, or an array drawn from a distribution."""
        if not isinstance(value, Distribution):
            return float(value)
        drawn = np.clip(value.draw(rng, n), self.low, self.high)
        return np.round(drawn) if self.integer else drawn


DAYS = "days"
RUNGS = "rungs"
UTILITY = "utility per day"

STATE: dict[str, Param] = {
    "capability": Param(
        0.01, 0, 1, "CINC share",
        "Composite Index of National Capability; scales the cost of using force against a "
        "rival by the rival's share of the pair's capabilities, as far as balance_weight "
        "says",
        "COW National Material Capabilities v6.0 (2016 values)"),
    "nuclear": Param(
        0, 0, 1, "flag", "whether the state has nuclear weapons", "scenario facts", flag=True),
    "major_power": Param(
        0, 0, 1, "flag",
        "whether the state is a major power, which projects force at any distance: the cost "
        "of military rungs beyond a land border (model.distance_cost) does not bind it",
        "COW major powers (2016); judgment, after the politically relevant dyads of Maoz & "
        "Russett 1993 and Lemke & Reed 2001 (neighbours, or a major power and any state; "
        "Lemke 1995 would discount a major power's reach too) and MID 5.0 (docs/ODD.md "
        "§7.13)", flag=True),
    "hawkishness": Param(
        0.0, -5, 5, RUNGS,
        "how far above the rival's rung the state wants to stand, other things equal",
        "judgment: 0 is pure reciprocity"),
    "reciprocity": Param(
        1.0, 0, 10, "utility per rung²",
        "weight of the quadratic loss for standing away from the desired rung; the unit in "
        "which the other utility terms are measured",
        "numeraire (Signorino 1999: logit utilities are identified only relative to the noise)"),
    "inertia": Param(
        1.0, 0, 10, "utility per rung²",
        "cost of changing stance, quadratic in the rungs moved in a day; it damps the "
        "day-to-day echo of pure reciprocity", "judgment (organisational inertia, Allison "
        "1971); with inertia = reciprocity a state moves halfway toward its desired rung"),
    "restraint": Param(
        1.0, 0, 10, UTILITY,
        "daily cost of each rung above normal relations, multiplied by "
        "(1 + economic_strain + front_burden × other_fronts)",
        "calibrated to MID base rates in the generic rivalry (docs/ODD.md §9)"),
    "force_cost": Param(
        1.5, 0, 20, UTILITY,
        "extra cost of each rung of force (1 at limited strike, 2 at clashes, 3 at war) "
        "against a rival of equal capability; scaled by 1 − θ + 2θ × the rival's share of the "
        "pair's capability (θ = balance_weight)",
        "calibrated to MID base rates in the generic rivalry (docs/ODD.md §9)"),
    "nuclear_deterrence": Param(
        Distribution("uniform", (0.0, 4.0)), 0, 20, UTILITY,
        "extra cost of clashes or war against a nuclear-armed rival",
        "Asal & Beardsley 2007; Bell & Miller 2015 find the effect uncertain, hence the wide "
        "default distribution"),
    "economic_strain": Param(
        0.0, 0, 5, "multiplier", "how much economic strain adds to the cost of escalating",
        "scenario facts"),
    "other_fronts": Param(
        0.0, 0, 10, "fronts", "number of other active military fronts", "scenario facts"),
    "pressure": Param(
        0.0, 0, 10, RUNGS,
        "domestic pressure at the start of the scenario; pushes the desired rung up",
        "scenario facts (0: none)"),
    "pressure_sensitivity": Param(
        0.2, 0, 5, "rungs per log(1 + deaths)",
        "rise in domestic pressure when the state's people are killed (by militants, strikes "
        "or battle); a militant attack's deaths count as far as the victim blames a state "
        "for it (model.blamed_pressure)", "judgment, a sensitivity knob"),
    "pressure_half_life": Param(
        14.0, 1, 3650, DAYS, "half-life of domestic pressure", "judgment (news attention cycle)"),
    "grievance_sensitivity": Param(
        5.0, 0, 20, "utility per unit of harm",
        "grievance per unit of harm: a day of force on the state's territory is 1 unit plus "
        "log(1 + its soldiers killed); a salient militant attack is 1 + log(1 + deaths), "
        "times the blame put on the host. Harm done to the rival counts against it. "
        "Grievance is the value of answering in kind, and pulls the desired rung up to the "
        "offence's",
        "calibrated to MID base rates in the generic rivalry (docs/ODD.md §9)"),
    "grievance_half_life": Param(
        30.0, 1, 3650, DAYS, "half-life of grievance", "judgment"),
    "election_restraint": Param(
        0.2, 0, 5, "multiplier",
        "added to the cost multiplier of using force during an election's run-up window",
        "Gaubatz 1991 (fewer wars late in the electoral cycle); ×0.7-0.9 hazard "
        "(parameter-sources §5, judgment)"),
    "resolve": Param(
        Distribution("lognormal", (1.0, 0.75)), 0, 20, "multiplier",
        "the leadership's private resolve: how much it values answering a grievance in "
        "kind (multiplies G), drawn per replicate so the rival cannot know it",
        "Fearon 1994, 1995 (private resolve); Signorino & Tarar 2006 (deterrence with "
        "private information); spread σ = 0.75 judgment"),
    "casualty_aversion": Param(
        0.15, 0, 5, "per log(1 + deaths)",
        "rise of the state's cost of force with its own battle dead: F × (1 + this × "
        "log(1 + dead)); 0 switches it off", "Gartner 2008 (support falls with casualties, "
        "in proportion to their log); magnitude judgment"),
    "audience_cost": Param(
        2.0, 0, 20, "utility",
        "cost to the leadership of backing down from its own public threat: of stepping "
        "below posture while its threat stands and the rival has neither yielded nor "
        "agreed; 0 switches audience costs off", "Tomz 2007 (citizens disapprove of "
        "leaders who threaten and back down); Fearon 1994 (audience costs make threats "
        "credible); magnitude judgment (two days of a rung of hostility)"),
    "stake": Param(
        0.0, 0, 20, "utility per day",
        "value of the issue the state demands when it makes a public threat: while the "
        "threat stands it is pressed by force like a grievance (answered at limited strike), "
        "times resolve; 0 for no issue", "scenario facts (the population template codes "
        "territorial and other issues; Vasquez & Henehan 2001), magnitude judgment"),
    "holding_value": Param(
        0.0, 0, 50, UTILITY,
        "value of each day the state holds ground it has taken (at clashes or above): a "
        "revisionist aim; 0 for none", "scenario facts (Altman 2017, faits accomplis; "
        "Vasquez & Henehan 2001, territory), magnitude judgment"),
}

MEDIATOR: dict[str, Param] = {
    "leverage": Param(
        0.0, 0, 1, "share", "the mediator's leverage over a party", "scenario facts, judgment",
        per_party=True),
    "engage_at": Param(
        float(Rung.LIMITED_STRIKE), 0, 7, "rung",
        "the rung either party must reach before the mediator engages", "judgment",
        integer=True, rung=True),
    "delay": Param(2.0, 0, 365, DAYS, "days from the first such rung to engagement", "judgment",
                   integer=True),
    "duration": Param(
        14.0, 1, 365, DAYS, "days mediation stays active after the crisis was last that hot",
        "judgment", integer=True),
    "stepdown_bonus": Param(
        1.0, 0, 10, UTILITY,
        "utility per rung a party steps down while mediation is active, times the "
        "mediator's leverage over it (manipulative mediators also charge it per rung up)",
        "Wilkenfeld et al. 2003; Beardsley et al. 2006 (direction); magnitude judgment"),
    "grievance_relief": Param(
        0.1, 0, 1, "share per day",
        "share of each party's grievance a facilitative mediator dissolves per day, times "
        "its leverage", "Beardsley et al. 2006 (facilitation lasts); magnitude judgment"),
}

GREAT_POWER: dict[str, Param] = {
    **MEDIATOR,
    "engage_at": Param(
        float(Rung.CLASHES), 0, 7, "rung",
        "the rung either party must reach before the great power presses", "judgment",
        integer=True, rung=True),
}

MILITANT: dict[str, Param] = {
    "attack_rate": Param(
        0.0, 0, 10, "attacks per day", "the group's base rate of attacks on a target",
        "scenario facts (PICSS, PIPS)", per_party=True),
    "deaths_scale": Param(
        1.0, 0, 10000, "deaths",
        "scale of the deaths-per-attack power law: deaths = floor(scale × V^(-1/(α-1)))",
        "scenario facts"),
    "tail_alpha": Param(
        2.4, 1.1, 10, "exponent", "power-law exponent α of deaths per attack",
        "Clauset, Shalizi & Newman 2009, Table 3: α = 2.4 ± 0.2"),
    "spoiler": Param(
        1.0, 0, 20, "relative rise",
        "rise of the attack rate while the host and target are in a militarized dispute",
        "judgment (spoilers; Kydd & Walter 2002, direction)"),
    "suppression": Param(
        0.5, 0, 1, "share", "fall of the attack rate while host and target cooperate on security",
        "judgment"),
    "attribution": Param(
        0.5, 0, 1, "share", "how far a target blames the group's sponsor state for its attacks, "
        "before rivalry and cooperation (docs/ODD.md §7.4)",
        "judgment"),
}

MODEL: dict[str, Param] = {
    "war_threshold": Param(
        1000.0, 1, 1e7, "battle deaths",
        "interstate battle deaths at which a crisis becomes a war",
        "Correlates of War (Sarkees & Wayman 2010)"),
    "deescalation_days": Param(
        7.0, 1, 365, DAYS,
        "consecutive days both sides must stay at their pre-crisis stance or better",
        "model definition", integer=True),
    "balance_weight": Param(
        1.0, 0, 1, "weight",
        "weight θ of the balance of capability in the cost of force: F carries "
        "1 − θ + 2θ × the rival's share of the pair's capability; 1 makes force nearly free "
        "against a much weaker rival and up to twice as dear against a much stronger one, 0 "
        "makes it cost force_cost whoever the rival (the switch off)",
        "judgment: power sets the chance of winning (Bueno de Mesquita 1981; Fearon 1995), "
        "read here as a cheaper use of force for the stronger side; the point default is "
        "that reading in full, fitted to MID 5.0 in the shipped posterior, where war and "
        "reciprocation given force hardly vary with the balance (docs/calibration.md)"),
    "distance_cost": Param(
        1.0, 0, 20, "relative rise",
        "extra cost of each military rung (posture and above) against a rival that shares no "
        "land border with the state (the dyad's contiguity water or none), for a state that "
        "is not a major power, as a multiple of the daily cost of a rung of hostility: M = "
        "this × c per rung from posture up; 0 switches it off",
        "Boulding 1962, Bueno de Mesquita 1981 (power is lost over distance; a land border "
        "is a rough stand-in); Bremer 1992, Diehl 1985 (contiguity the strongest correlate "
        "of war); point default judgment, fitted to MID 5.0 in the shipped posterior "
        "(docs/calibration.md)"),
    "territorial_claim": Param(
        0.5, 0, 5, "rungs",
        "standing push on both sides' desired rung toward each other when the pair disputes "
        "territory (the dyad's issue): each holds its ground on the claim; 0 switches it off",
        "Vasquez & Henehan 2001, Senese & Vasquez 2008, Hensel et al. 2008, Huth 1996 "
        "(territorial disputes are the most salient and escalate most); point default "
        "judgment (as the population's rivalry, half a rung), fitted to MID 5.0 in the "
        "shipped posterior (docs/calibration.md)"),
    "force_lethality": Param(
        0.22, 0, 1, "share", "share of days of force (strikes, clashes) that kill anyone",
        "MIDI 4.3, 1992-2010: 22% of use-of-force incidents are lethal"),
    "force_deaths_median": Param(
        2.0, 0, 10000, "deaths", "median deaths of a lethal day of force",
        "MIDI 4.3: median 2 per lethal incident"),
    "force_deaths_sigma": Param(
        1.67, 0, 5, "log-deaths", "spread (sd of the log) of the deaths of a lethal day of force",
        "MIDI 4.3: p90 of 17 per lethal incident gives σ = ln(17/2)/1.2816"),
    "war_deaths_per_day": Param(
        Distribution("lognormal", (63.0, 2.0)), 0, 1e5, "battle deaths per day",
        "mean daily battle deaths while both sides are at war",
        "COW inter-state wars: median 63 per day, IQR 20-296 (σ of the log ≈ 2.0)"),
    "salience": Param(
        5.0, 0, 1e6, "deaths",
        "deaths that make a militant attack move politics; smaller attacks are the "
        "background of normal relations", "judgment (Rask, 11 killed, made headlines; the "
        "daily 1-2 death attacks of the Balochistan insurgency do not)"),
    "front_burden": Param(
        0.5, 0, 10, "multiplier", "added to the cost multiplier per other active front",
        "judgment"),
    "answer_closes": Param(
        1, 0, 1, "flag",
        "whether a proportionate answer (force at the offence's rung or above) closes the "
        "answering state's account whatever it killed; off, the harm ledger is kept",
        "Leng 1993 (reciprocated exchanges end); judgment", flag=True),
    "blamed_pressure": Param(
        1, 0, 1, "flag",
        "whether the domestic pressure a militant attack raises is scaled by the blame its "
        "victim lays on a state (none when it blames no state but itself); off, every "
        "salient death raises pressure in full. Pressure stays one number per state, "
        "pushing toward every rival", "judgment", flag=True),
    "prompt_answer": Param(
        0.61, 0, 1, "share",
        "share of offences the victim is ready to answer the next day; the others take a "
        "preparation time drawn from an exponential distribution", "MID 5.0 incidents "
        "1992-2014: 100 of 164 reciprocated first uses of force were answered within a day "
        "(data/reference, computed by sim.targets)"),
    "preparation_days": Param(
        85.0, 1, 3650, DAYS, "mean preparation time of an answer that is not prompt",
        "MID 5.0 incidents: of the 62 later answers, a third came within 30 days and "
        "two-thirds within 90 (an exponential with mean ≈ 80-90 days)"),
    "rally_cap": Param(
        2.0, 0, 10, RUNGS,
        "ceiling of the push domestic pressure puts on the desired rung, reached smoothly: "
        "cap × tanh(pressure / cap); 0 gives no push at all (the limit)",
        "judgment: rally effects are bounded and short (Mueller 1973; Baker & Oneal 2001)"),
    "rally_ceiling": Param(
        1, 0, 1, "flag",
        "whether the push of domestic pressure saturates at rally_cap; off, the push is the "
        "whole pressure, unbounded (the runaway the ceiling stops)",
        "judgment: rally effects are bounded and short (Mueller 1973; Baker & Oneal 2001)",
        flag=True),
    "crisis_fatigue": Param(
        0.0, 0, 10, "per rung per 30 days",
        "rise of the daily cost of each rung above a state's pre-crisis stance (up to "
        "posture) with the days the pair has been in crisis: S = this × d / 30; 0 (the "
        "default) switches it off", "Slantchev 2005, Fearon 1997 (forces kept on alert "
        "cost what they cost, every day they are kept); magnitude judgment; off by "
        "default, as calibrated on MID 5.0 it settles near 0 and the scorecard loses "
        "(docs/validation.md)"),
    "fatigue_spread": Param(
        0.0, 0, 5, "log-units",
        "spread (sd of the log) of the crisis fatigue from one future to the next: each "
        "replicate's is crisis_fatigue × exp(this × z), z standard normal; 0 gives every "
        "crisis the same", "judgment (crises differ in what they cost their parties)"),
    "hawkishness_spread": Param(
        0.0, 0, 5, RUNGS,
        "spread (sd) of each state's hawkishness from one future to the next: each "
        "replicate's is hawkishness + this × z, z standard normal, drawn for each state; "
        "0 gives every future the state's hawkishness",
        "Fearon 1995 (a state's willingness to run risks is its private information); "
        "calibrated on MID 5.0 with the other behavioural parameters, in the shipped "
        "posterior (data/posterior/report.md); 0 at the point defaults (docs/ODD.md §9)"),
    "deterrence": Param(
        1, 0, 1, "flag",
        "whether a state's public threat (posture toward a rival below posture) commits it: "
        "backing down costs it its audience_cost, its stake is pressed, and the rival may "
        "yield; off, a display is only a rung", "Fearon 1994; Tomz 2007; judgment",
        flag=True),
    "concede_rate": Param(
        0.007, 0, 1, "per day",
        "daily hazard that a state yields to a rival's standing public threat, before its "
        "modifiers: × 2 × the threatener's share of the pair's capability / the target's "
        "resolve", "MID 5.0: of the 469 post-1945 disputes whose highest action was a "
        "display, 19 ended in the target's yielding or the challenger's victory (4.1%); "
        "over the median display (6 days) that is -ln(1 - 0.041)/6 ≈ 0.007 a day"),
    "settle_rate": Param(
        0.002, 0, 1, "per day",
        "daily hazard that a militarized pair agrees to step down together, before its "
        "modifiers; 0 switches settlement off", "MID 5.0: 13.3% of post-1945 disputes "
        "ended in a negotiated or imposed settlement; over the median dispute of force "
        "(41 days) that is λ ≈ -ln(1 - 0.133)/41 ≈ 0.0035 a day, about half of it taken "
        "as the modifiers' (Beardsley et al. 2006, Slantchev 2003, Filson & Werner 2002; "
        "docs/ODD.md §7.8)"),
    "settle_mediation": Param(
        3.0, 0, 50, "per unit of leverage",
        "rise of the settlement hazard per unit of active mediators' leverage",
        "Beardsley et al. 2006, Wilkenfeld et al. 2003 (mediated crises end in agreement "
        "more often); magnitude judgment"),
    "settle_face": Param(
        1.0, 0, 50, "relative rise",
        "rise of the settlement hazard once neither side has a grievance left to answer "
        "(face saved)", "judgment (Leng 1993: reciprocated moves end crises)"),
    "settle_learning": Param(
        0.5, 0, 50, "per 30 days",
        "rise of the settlement hazard per month of militarized dispute (fighting "
        "reveals what each side would pay)", "Slantchev 2003; Filson & Werner 2002 "
        "(direction); magnitude judgment"),
    "settle_pressure": Param(
        0.5, 0, 10, "per rung",
        "fall of the settlement hazard with the two sides' domestic pressure and the "
        "imbalance of their grievances: × exp(-this × (P_a + P_b + |G_a - G_b| / 5))",
        "Tomz 2007 (audience costs of backing down); magnitude judgment"),
    "agreement_days": Param(
        30.0, 1, 3650, DAYS,
        "term of an agreement: the days over which both sides aim at their pre-crisis "
        "stance and blame for militant attacks is damped", "judgment", integer=True),
    "agreement_relief": Param(
        0.8, 0, 1, "share", "share of both sides' grievances an agreement dissolves",
        "judgment (Beardsley 2008: agreements that settle grievances last)"),
    "agreement_blame": Param(
        0.5, 0, 1, "share",
        "fall of the blame put on a host state for militant attacks during an agreement (and "
        "with it of the pressure they raise, under model.blamed_pressure)",
        "judgment (the January 2024 joint statement named 'common enemies')"),
    "rivalry_blame": Param(
        1.0, 0, 10, "per rung of rivalry",
        "rise of the blame a state puts on a rival's sponsorship of a militant group with the "
        "pair's rivalry: attribution × (1 + this × rivalry), at most full blame",
        "Findley, Piazza & Young 2012 (rivals sponsor terrorism against each other, and "
        "terrorism is more frequent in rivalries; direction); magnitude judgment"),
    "cooperation_blame": Param(
        0.5, 0, 1, "share",
        "fall of the blame put on a sponsor state for militant attacks while the two "
        "cooperate on security (both at the cooperation rung), and with it of the pressure "
        "they raise (model.blamed_pressure)",
        "judgment (after the January 2024 statement, Pakistan blamed 'common enemies' "
        "for the killing of nine Pakistanis in Saravan)"),
}

KINDS: dict[str, dict[str, Param]] = {
    "state": STATE,
    "mediator": MEDIATOR,
    "great_power": GREAT_POWER,
    "militant": MILITANT,
}

SUPPORT: dict[str, Param] = {
    "interception": Param(
        0.0, 0, 1, "share", "share of the limited strikes on a defended partner that its "
        "defender intercepts (0: none, the switch off)",
        "set by each scenario from its sources (no shared default: 0)"),
    "strikes": Param(
        0.0, 0, 10, "multiple", "a supporter's strikes for its partner, as a multiple of the "
        "toll of the partner's own limited strikes (0: none)",
        "set by each scenario from its sources (no shared default: 0)"),
}
"""The numbers of a third party's ``[[support]]`` (``support.BY.PARTNER.NAME``), drawn
once per replicate when given as a range or distribution. They are read only where a
scenario gives a ``[[support]]``."""


@dataclass
class ParameterSet:
    """Parameter values for ``n`` live replicates, keyed by path.

    Values drawn from distributions are arrays over replicates; constants stay floats, so
    numpy broadcasting treats both alike. :meth:`keep` compacts the arrays to the live
    replicates when others have ended.
    """

    n: int
    values: dict[str, float | np.ndarray] = field(default_factory=dict)
    draw: np.ndarray | None = None
    """Each replicate's row of the posterior its calibrated parameters came from."""

    def __getitem__(self, path: str) -> float | np.ndarray:
        return self.values[path]

    def __setitem__(self, path: str, value: float | np.ndarray) -> None:
        self.values[path] = value

    def keep(self, index: np.ndarray) -> None:
        for path, value in self.values.items():
            if isinstance(value, np.ndarray):
                self.values[path] = value[index]
        self.n = len(index)


@dataclass(frozen=True)
class Posterior:
    """Joint draws of calibrated parameters (one row per draw, one column per path), from
    which each replicate takes one whole row: parameter uncertainty that keeps the
    parameters' correlations, unlike independent marginal distributions.

    Paths are ``model.NAME`` (the model's parameter) or ``actor.*.NAME`` (every state's).
    A scenario that sets a parameter keeps its own value: the posterior fills only what the
    file leaves at its default (and ``--set`` and sweep factors replace it).
    """

    paths: tuple[str, ...]
    draws: np.ndarray
    source: str = ""

    def __post_init__(self) -> None:
        if self.draws.ndim != 2 or self.draws.shape[1] != len(self.paths) or not len(self.draws):
            raise ValueError(f"{self.source}: expected draws × {len(self.paths)} values")
        for path in self.paths:
            parts = path.split(".")
            table = MODEL if parts[0] == "model" else STATE if parts[:2] == ["actor", "*"] \
                else None
            if table is None or parts[-1] not in table or len(parts) != (2 if table is MODEL
                                                                         else 3):
                raise ValueError(f"{self.source}: {path!r} is not a model.NAME or "
                                 "actor.*.NAME parameter path")

    def __len__(self) -> int:
        return len(self.draws)
