"""No cliff (issue 11): over each behavioural parameter's documented range, on a 10-point
grid, the flagship's P(war) at the point defaults never jumps by more than 10 points between
neighbouring values. The range is the defensible one where the docs give it (the
calibration's prior, ``experiments/calibration.toml``; β's 1-5 from parameter-sources §7),
else the range of docs/ODD.md §8. At 2,000 replicates a neighbour difference has a
Monte-Carlo standard error below 0.016, so a jump of 0.10 is more than six of them. The
same grids run again with the shipped posterior for the parameters not swept, the defaults a
user gets.

The flagship's P(war) is now small almost everywhere, so its grids could hardly fail (they
keep issue 11's rule as written). Kargil 1999, where war has a real chance (0.079 with the
posterior, 0.59 at the point defaults), runs the same grids with one more step: where two
neighbours differ by more than 10 points, the interval between them is refined tenfold, and
no step of the finer grid may exceed 10 points. So P(war) may climb steeply, but never by
more than 10 points within a ninetieth of the range: a slope whose steps shrink about
tenfold passes, a jump that stays does not. An integer parameter refines only to the whole
numbers in between, and a step between neighbouring whole numbers stands.

Slow: 37 parameters × 10 runs, four times, and the refinements (``make test-slow``)."""

import numpy as np
import pytest

import sim
from sim import calibration
from sim.parameters import KINDS, MODEL
from sim.policies import QuantalResponse

from .conftest import FLAGSHIP, KARGIL, ROOT

BEHAVIOURAL_STATE = ("hawkishness", "inertia", "restraint", "force_cost",
                     "nuclear_deterrence", "economic_strain", "pressure_sensitivity",
                     "pressure_half_life", "grievance_sensitivity", "grievance_half_life",
                     "election_restraint", "casualty_aversion", "audience_cost", "stake",
                     "holding_value")
"""The states' behavioural parameters; capability, nuclear status, other fronts and the
starting pressure are inputs a scenario codes from its sources, not behaviour, and
reciprocity is the unit the utilities are measured in (ODD §7.1), not a free parameter."""
BEHAVIOURAL_MODEL = ("salience", "front_burden", "prompt_answer", "preparation_days",
                     "rally_cap", "crisis_fatigue", "hawkishness_spread", "concede_rate",
                     "settle_rate", "settle_mediation", "settle_face", "settle_learning",
                     "settle_pressure",
                     "agreement_days", "agreement_relief", "agreement_blame",
                     "rivalry_blame", "cooperation_blame", "balance_weight",
                     "distance_cost", "territorial_claim")
"""The model's; the war threshold and the de-escalation days are definitions, lethality and
the tolls data."""

PRIORS = {p.path: (p.low, p.high)
          for p in calibration.load(ROOT / "experiments" / "calibration.toml")[0].priors}
DEFENSIBLE = {**PRIORS, "actor.*.beta": (1.0, 5.0)}

GRID = [(f"actor.*.{name}", KINDS["state"][name]) for name in BEHAVIOURAL_STATE]
GRID += [(f"model.{name}", MODEL[name]) for name in BEHAVIOURAL_MODEL]
GRID += [("actor.*.beta", QuantalResponse.parameters["beta"])]

BOUND = 0.10
"""The largest step of P(war) allowed between neighbouring grid values."""


def grid_values(path, spec, low=None, high=None, points=10):
    """The grid over [low, high] (the documented range by default): geometric when the range
    spans at least two orders of magnitude from above 0 (the half-lives and the days to
    prepare or keep an agreement, 1-3,650 days, whose effects go with their logarithm: a
    linear grid steps from 1 day to 406 at once), linear otherwise; whole numbers for an
    integer parameter."""
    if low is None:
        low, high = DEFENSIBLE.get(path, (spec.low, spec.high))
    points = (np.geomspace(low, high, points) if low > 0 and high >= 100 * low
              else np.linspace(low, high, points))
    return np.unique(np.round(points)) if spec.integer else points


def p_war(case, path, points):
    """P(war) of the case at each grid value of the parameter, 2,000 replicates a point."""
    return np.array([sim.run(case, 2000, 1, set={path: float(v)}).p_war.p for v in points])


def steps_that_stay(points, p, refine, evaluate):
    """The steps of ``p`` over ``points`` above BOUND that stay above it when refined: for
    each, the finer grid ``refine(a, b)`` between its neighbours and ``evaluate`` there (the
    two ends reuse the coarse values), as (finer grid, its P, largest finer step)."""
    stay = []
    for i in np.flatnonzero(abs(np.diff(p)) > BOUND):
        finer = refine(points[i], points[i + 1])
        q = np.concatenate([[p[i]], evaluate(finer[1:-1]), [p[i + 1]]])
        if max(abs(np.diff(q))) > BOUND:
            stay.append((finer, q, float(max(abs(np.diff(q))))))
    return stay


def test_a_steep_slope_passes_the_refinement_and_a_jump_does_not():
    """The rule has teeth: a logistic rising 0.8 over a tenth of the range passes; a jump of
    0.3 at one point fails, whatever the resolution; an integer step between neighbouring
    whole numbers stands."""
    coarse = np.linspace(0, 1, 10)
    def refine(a, b):
        return np.linspace(a, b, 11)
    def slope(x):
        return 0.8 / (1 + np.exp(-(np.asarray(x) - 0.5) * 40))
    def jump(x):
        return 0.3 * (np.asarray(x) > 0.52) + 0.1 * np.asarray(x)
    assert max(abs(np.diff(slope(coarse)))) > BOUND and max(abs(np.diff(jump(coarse)))) > BOUND
    assert steps_that_stay(coarse, slope(coarse), refine, slope) == []
    [(_, _, step)] = steps_that_stay(coarse, jump(coarse), refine, jump)
    assert step == pytest.approx(0.3, abs=0.02)
    whole = np.arange(10.0)
    assert steps_that_stay(whole, (whole > 4) * 0.2, lambda a, b: np.unique(
        np.round(np.linspace(a, b, 11))), lambda x: (np.asarray(x) > 4) * 0.2)


KNOWN_CLIFFS: dict[str, str] = {}
"""Where the model still has a cliff at the point defaults (a strict expected failure, with
what it measured): none since a militant attack raises pressure only as far as its victim
blames a state (docs/ODD.md §7.4); hawkishness was one until then (P(war) 0.0055, 0.0745, 0.2905 at
0.56, 0.78, 1.0)."""


def cases(known: dict[str, str]) -> list:
    """The grid's parameters as test cases, those in ``known`` as strict expected failures
    (so a test says when a cliff is mended)."""
    return [pytest.param(path, spec, id=path, marks=pytest.mark.xfail(
                strict=True, reason=known[path])) if path in known else
            pytest.param(path, spec, id=path) for path, spec in GRID]


@pytest.mark.slow
@pytest.mark.parametrize(("path", "spec"), cases(KNOWN_CLIFFS))
def test_p_war_has_no_cliff_over_the_documented_range(path, spec):
    assert_no_cliff(path, spec)


def assert_no_cliff(path, spec):
    """P(war) of the flagship over the parameter's 10-point grid: no step between neighbours
    above 0.10."""
    points = grid_values(path, spec)
    p = p_war(FLAGSHIP, path, points)
    assert max(abs(np.diff(p))) <= BOUND, list(zip(points.round(3), p.round(4), strict=True))


KNOWN_CLIFFS_POSTERIOR: dict[str, str] = {}
"""Where the shipped model (with its posterior) still has a cliff: none since pressure from
attacks is scaled by blame and the rally ceiling has its own switch; until then force cost's
low end (P(war) 0.489, 0.3365, 0.176 at 0.25, 0.67, 1.08) and the rally ceiling's old off
switch at a cap of 0. Force cost now passes at the edge: largest step 0.0915, under one
Monte-Carlo standard error (0.011) below the bound (docs/validation.md)."""


@pytest.mark.slow
@pytest.mark.parametrize(("path", "spec"), cases(KNOWN_CLIFFS_POSTERIOR))
def test_p_war_has_no_cliff_with_the_shipped_posterior(path, spec, shipped_posterior):
    """What a user gets by default: the parameters not swept drawn from the shipped
    posterior, which carries the hawkishness spread (docs/ODD.md §7.1). Over the same grids
    the flagship's P(war) moves by at most 10 points between neighbours, hawkishness
    included (docs/validation.md, "A hawkishness drawn per future")."""
    assert_no_cliff(path, spec)


KNOWN_STEEP_KARGIL: dict[str, str] = {
    "actor.*.holding_value": (
        "at the point defaults, with the territorial claim of docs/ODD.md §7.13 (P(war) "
        "0.59), Kargil's P(war) climbs over holding values 0 to 5.6 as 0.0005, 0.002, "
        "0.0045, 0.0105, 0.0235, 0.0535, 0.1095, 0.2085, 0.3105, 0.403, 0.495: a slope, "
        "not a jump, whose steepest refined step (0.102, from 3.9 to 4.4) is over the bound "
        "by less than one Monte-Carlo standard error (0.014); with the posterior it passes")}
"""Where Kargil's P(war) at the point defaults is steeper than the rule allows (a strict
expected failure, with what it measured)."""


@pytest.mark.slow
@pytest.mark.parametrize(("path", "spec"), cases(KNOWN_STEEP_KARGIL))
def test_kargil_p_war_has_no_cliff(path, spec):
    """Kargil 1999 at the point defaults, where war has a real chance (0.59)."""
    assert_no_jump(path, spec)


@pytest.mark.slow
@pytest.mark.parametrize(("path", "spec"), cases({}))
def test_kargil_p_war_has_no_cliff_with_the_shipped_posterior(path, spec, shipped_posterior):
    """Kargil 1999 with the shipped posterior for the parameters not swept (P(war) 0.079)."""
    assert_no_jump(path, spec)


def assert_no_jump(path, spec):
    """Kargil's P(war) over the parameter's 10-point grid, each step above 0.10 refined
    tenfold: no step of the refined grid above 0.10."""
    points = grid_values(path, spec)
    stay = steps_that_stay(points, p_war(KARGIL, path, points),
                           lambda a, b: grid_values(path, spec, a, b, 11),
                           lambda finer: p_war(KARGIL, path, finer))
    assert not stay, [list(zip(finer.round(3), q.round(4), strict=True))
                      for finer, q, _ in stay]
