"""Who fights whom (docs/ODD.md §7.13): the balance of capability, distance and a
territorial claim. Each mechanism's known behaviour, and its switch."""

import numpy as np
import pytest

from sim.agents import Situation
from sim.model import CrisisModel
from sim.parameters import KINDS, MODEL
from sim.policies import QuantalResponse

from .conftest import censored, paired_gap

FIRST_STRIKE = """
[[event]]
date = 2024-01-01
kind = "action"
actor = "A"
target = "B"
rung = "limited_strike"
deaths = 0
"""

REPLICATES = 4000


def _situation(crisis, actor="A"):
    model = CrisisModel(crisis, 2, 1)
    state = model.state(actor)
    return Situation(state, state.relations[0])


@pytest.mark.parametrize("weight", [1.0, 0.5, 0.0])
def test_the_balance_weight_sets_how_capability_prices_force(duel, weight):
    """F = force_cost · (1 − θ + 2θ · s), s the rival's share of the pair's capability:
    A, with nine tenths of it, pays 0.2 of force_cost against B at θ = 1, and B 1.8 of it
    against A; at θ = 0 (the switch off) both pay force_cost."""
    crisis = duel().override({"actor.A.capability": 0.09, "actor.B.capability": 0.01,
                              "model.balance_weight": weight})
    cost = KINDS["state"]["force_cost"].default
    for actor, share in (("A", 0.1), ("B", 0.9)):
        force = _situation(crisis, actor).force_cost
        np.testing.assert_allclose(force, cost * (1 - weight + 2 * weight * share), rtol=1e-6)


@pytest.mark.parametrize("contiguity", ["land", "water", "none"])
def test_distance_prices_every_military_rung(duel, contiguity):
    """M = δ · c for each military rung, (k − 3)⁺, against a rival beyond a land border, and
    nothing against a neighbour: the quantal-response utilities from posture (k = 2 … 6)
    fall by M · (0, 0, 1, 2, 3) against the neighbour's."""
    crisis = duel(initial="posture").override({"model.distance_cost": 2.5})
    near = _situation(crisis)
    far = _situation(crisis.override({"dyad.A-B.contiguity": contiguity}))
    expected = 0.0 if contiguity == "land" else 2.5 * near.escalation_cost
    assert far.military_cost == pytest.approx(expected)
    gap = QuantalResponse(2).utilities(near) - QuantalResponse(2).utilities(far)
    np.testing.assert_allclose(gap[:, 0], expected * np.array([0, 0, 1, 2, 3]), rtol=1e-6)


def _first_strike(crisis, sets):
    """Whether force was answered, and the days to the end of militarized actions (still
    militarized at the horizon: counted there), in each future after A's strike."""
    records = CrisisModel(crisis.override(sets), REPLICATES, 1).run()
    return (records["force_reciprocated"].astype(float),
            censored(records["days_to_militarized_end"], crisis.horizon))


def test_a_strike_beyond_a_land_border_is_answered_less_and_ends_sooner(duel):
    """The loss-of-strength gradient (Boulding 1962): after A's limited strike, B answers
    with force less often when the two share no land border, and the dispute ends sooner;
    both paired by seed and beyond four Monte-Carlo standard errors."""
    crisis = duel(extra=FIRST_STRIKE)
    near_recip, near_end = _first_strike(crisis, {})
    far_recip, far_end = _first_strike(crisis, {"dyad.A-B.contiguity": "none"})
    for near, far in ((near_recip, far_recip), (near_end, far_end)):
        gap, se = paired_gap(near, far)
        assert gap > 4 * se > 0, (near.mean(), far.mean(), se)


def test_a_territorial_claim_pushes_both_sides_and_keeps_the_dispute_going(duel):
    """Both sides' standing push rises by the claim; after A's strike the territorial
    dispute is answered more often and lasts longer (paired by seed, beyond four standard
    errors)."""
    crisis = duel(extra=FIRST_STRIKE)
    claim = MODEL["territorial_claim"].default
    disputed = crisis.override({"dyad.A-B.issue": "territory"})
    for actor in ("A", "B"):
        gap = _situation(disputed, actor).rel.push - _situation(crisis, actor).rel.push
        assert gap == pytest.approx(claim)
    plain_recip, plain_end = _first_strike(crisis, {"dyad.A-B.issue": "policy"})
    claim_recip, claim_end = _first_strike(crisis, {"dyad.A-B.issue": "territory"})
    for plain, claimed in ((plain_recip, claim_recip), (plain_end, claim_end)):
        gap, se = paired_gap(claimed, plain)
        assert gap > 4 * se > 0, (plain.mean(), claimed.mean(), se)


@pytest.mark.parametrize(("switch", "facts"), [
    ("model.distance_cost", {"dyad.A-B.contiguity": "none"}),
    ("model.territorial_claim", {"dyad.A-B.issue": "territory"}),
])
def test_each_switch_off_is_the_model_without_the_fact(duel, switch, facts):
    """With its parameter at 0 a mechanism is off: a dyad beyond a land border, or one
    disputing territory, gives the neighbours' or the issue-free futures, number for
    number."""
    crisis = duel(extra=FIRST_STRIKE).override({switch: 0})
    plain = CrisisModel(crisis, 500, 1).run().columns
    marked = CrisisModel(crisis.override(facts), 500, 1).run().columns
    for name, column in plain.items():
        np.testing.assert_array_equal(column, marked[name], err_msg=name)



def test_a_major_power_projects_force_at_any_distance(duel):
    """Politically relevant dyads (Maoz & Russett 1993): beyond a land border a major power
    pays no distance cost, its minor rival does."""
    crisis = duel(initial="posture").override({"dyad.A-B.contiguity": "none",
                                               "actor.A.major_power": True})
    assert _situation(crisis, "A").military_cost == 0
    far = _situation(crisis, "B")
    distance = MODEL["distance_cost"].default
    assert far.military_cost == pytest.approx(distance * far.escalation_cost)
    assert far.military_cost > 0
