import warnings

import numpy as np
import pytest
from scipy import stats

from sim import policies
from sim.ladder import Rung
from sim.model import CrisisModel
from sim.policies import GRIT, Hawk, QuantalResponse, Richardson, TitForTat, quantal_choice


class FakeSituation:
    """A hand-built situation, for policies in isolation."""

    def __init__(self, own, rival, day=1, **params):
        self.own = np.asarray(own, np.int8)
        self.rival = np.asarray(rival, np.int8)
        n = len(self.own)
        self.day = day
        self.desired = self.rival.astype(np.float32)
        self.pressure = np.zeros(n, np.float32)
        self.grievance = np.zeros(n, np.float32)
        self.retaliation = np.zeros(n, np.float32)
        self.aggrieved = False
        self.offence = np.zeros(n, np.int8)
        self.script = np.full(n, Rung.PROTEST, np.int8)
        self.reciprocity, self.inertia, self.escalation_cost = 1.0, 1.0, 1.5
        self.force_cost, self.clashes_cost, self.military_cost = 1.0, 0.0, 0.0
        self.stepdown_bonus = self.escalation_penalty = self.backdown_cost = 0.0
        self.crisis_cost, self.baseline = 0.0, Rung.NORMAL
        self.params = params

    def param(self, name):
        return self.params[name]


def test_beta_zero_gives_a_uniform_choice_among_reachable_rungs():
    n = 50_000
    own = np.full(n, Rung.DOWNGRADE, np.int8)
    s = FakeSituation(own, np.full(n, Rung.WAR), beta=0.0)
    s.desired = np.full(n, 7.0)  # utilities far from flat: β = 0 must ignore them
    u = np.random.default_rng(1).random(n)
    chosen = QuantalResponse(n).choose(s, u)
    counts = np.bincount(chosen, minlength=8)
    assert set(np.flatnonzero(counts)) == {1, 2, 3, 4, 5}
    assert stats.chisquare(counts[1:6]).pvalue > 0.001


def test_large_beta_gives_the_best_response():
    n = 1000
    s = FakeSituation(np.full(n, 4), np.full(n, 4), beta=100.0)
    utilities = QuantalResponse(n).utilities(s)
    best = 4 + np.argmax(utilities[:, 0]) - 2
    chosen = QuantalResponse(n).choose(s, np.random.default_rng(2).random(n))
    assert np.all(chosen == best)


def test_quantal_choice_matches_the_logit_probabilities():
    n = 200_000
    own = np.full(n, Rung.POSTURE, np.int8)
    utility = np.tile(np.array([[0.0], [1.0], [2.0], [0.5], [-1.0]]), (1, n))
    chosen = quantal_choice(utility, own, 1.0, np.random.default_rng(3).random(n))
    expected = np.exp([0.0, 1.0, 2.0, 0.5, -1.0])
    expected /= expected.sum()
    observed = np.bincount(chosen - 2, minlength=5)
    assert stats.chisquare(observed, expected * n).pvalue > 0.001


@pytest.mark.parametrize("term", ["escalation_cost", "force_cost", "clashes_cost",
                                  "military_cost"])
def test_a_cost_drawn_per_replicate_prices_as_the_same_number_does(term):
    """Each rung term's coefficient, one number (folded into the cached table) or one per
    replicate (added after, on the rows where the term can be non-zero), gives the same
    utilities with every replicate at any one rung, and with the replicates spread over
    all of them, the other costs on."""
    costs = {"escalation_cost": 1.5, "force_cost": 1.0, "clashes_cost": 0.8,
             "military_cost": 0.6}

    def utilities(own, value):
        s = FakeSituation(own, own)
        for name, cost in {**costs, term: value}.items():
            setattr(s, name, cost)
        return QuantalResponse(len(own)).utilities(s)

    for own in [np.full(3, r, np.int8) for r in range(8)] + [np.arange(8, dtype=np.int8)]:
        scalar = utilities(own, costs[term])
        drawn = utilities(own, np.full(len(own), costs[term], np.float32))
        np.testing.assert_allclose(drawn, scalar, rtol=1e-6, err_msg=f"own rung {own}")
    reachable = np.isfinite(scalar)
    assert (utilities(own, 0.0)[reachable] != scalar[reachable]).any()  # the term prices


def test_war_is_reachable_only_from_clashes():
    n = 1000
    for own in range(8):
        s = FakeSituation(np.full(n, own), np.full(n, Rung.WAR), beta=0.0)
        chosen = QuantalResponse(n).choose(s, np.random.default_rng(own).random(n))
        assert (chosen == Rung.WAR).any() == (own >= Rung.CLASHES)
        assert np.all(np.abs(chosen.astype(int) - own) <= 2)


def test_tit_for_tat_mirrors_the_rival():
    rival = np.array([0, 1, 2, 3, 4, 5, 6, 7])
    s = FakeSituation(rival, rival[::-1].copy(), forgiveness=0.0)
    chosen = TitForTat(8).choose(s, np.random.default_rng(4).random(8))
    assert list(chosen) == list(rival[::-1])


def test_generous_tit_for_tat_forgives_a_third_of_the_time():
    n = 60_000
    s = FakeSituation(np.full(n, 4), np.full(n, 5), forgiveness=1 / 3)
    chosen = TitForTat(n).choose(s, np.random.default_rng(5).random(n))
    forgiven = (chosen == Rung.NORMAL).mean()
    assert abs(forgiven - 1 / 3) < 4 * np.sqrt(1 / 3 * 2 / 3 / n)


def test_grit_steps_down_each_interval_until_its_initiatives_run_out():
    grit = GRIT(1)
    own, rival = 5, 5
    path = []
    for _day in range(40):
        s = FakeSituation([own], [rival], grit_interval=7, grit_initiatives=3)
        own = int(grit.choose(s, np.zeros(1))[0])
        path.append(own)
    assert path[0] == 4 and path.count(4) == 7 and path.count(3) == 7
    assert path[-1] == 2  # three initiatives, none reciprocated: it waits


def test_grit_answers_exploitation_in_kind():
    grit = GRIT(1)
    grit.choose(FakeSituation([4], [4], grit_interval=7, grit_initiatives=3), np.zeros(1))
    s = FakeSituation([3], [6], grit_interval=7, grit_initiatives=3)
    assert grit.choose(s, np.zeros(1))[0] == 6


def test_richardson_settles_when_fatigue_exceeds_reaction_and_spirals_otherwise():
    def run(k, a):
        policy, own, rival = Richardson(1), 3, 3
        for _ in range(60):
            s = FakeSituation([own], [rival], reaction=k, fatigue=a)
            s.desired = np.array([float(rival)])
            own = rival = int(min(policy.choose(s, np.full(1, 0.5))[0], 7))
        return own
    assert run(0.2, 0.6) <= Rung.NORMAL
    assert run(0.8, 0.2) == Rung.WAR


def test_hawk_climbs_as_fast_as_the_ladder_allows(duel):
    crisis = duel("hawk", "hawk", extra="")
    model = CrisisModel(crisis, 10, 1, trace=[0])
    model.run()
    path = model.trajectories.rung[:8, 0, 0]
    assert list(path) == [1, 3, 5, 6, 7, 7, 7, 7]


def test_dove_against_dove_never_reaches_war(duel):
    crisis = duel("dove", "dove", initial="clashes")
    records = CrisisModel(crisis, 2000, 1).run()
    assert (records["outcome"] == 1).all() and (records["max_rung"] <= Rung.CLASHES).all()
    assert records["battle_deaths"].max() < 1000


def test_scripted_follows_the_record_after_the_branch(flagship):
    crisis = flagship.override({"actor.IRN.policy": "scripted", "actor.PAK.policy": "scripted"})
    records = CrisisModel(crisis, 200, 7).run()
    assert (records["days_to_deescalation"] == 3).all()
    assert (records["days_to_reciprocation"] == 2).all()


@pytest.fixture
def registry(monkeypatch):
    """A registry of this test's own, so registrations do not leak into other tests."""
    monkeypatch.setattr(policies, "_REGISTRY", dict(policies._REGISTRY))


def test_users_register_array_policies_and_scalar_policies(duel, registry):
    @policies.register("always_protest", replace=True)
    class AlwaysProtest(policies.Policy):
        def choose(self, s, u):
            return np.full(len(s.own), Rung.PROTEST)

    @policies.register("stubborn", replace=True)
    def stubborn(world):
        return world.rival if world.rival > world.own else world.own

    crisis = duel("always_protest", "stubborn")
    model = CrisisModel(crisis, 1, 3, trace=[0])
    model.run()
    assert list(model.trajectories.rung[1, :, 0]) == [2, 1]
    assert list(model.trajectories.rung[2, :, 0]) == [2, 2]
    with pytest.warns(policies.ScalarPolicyWarning, match="runs once per replicate"):
        CrisisModel(crisis, 5, 3)


def test_registry_refuses_bad_names_and_duplicates(registry):
    with pytest.raises(ValueError):
        policies.register("os.system")
    with pytest.raises(ValueError, match="already registered"):
        policies.register("hawk")(Hawk)
    assert {"quantal_response", "tit_for_tat", "grit", "richardson", "hawk", "dove",
            "scripted"} <= set(policies.names())


def test_every_policy_cites_its_literature():
    for name in ("quantal_response", "tit_for_tat", "grit", "richardson", "hawk", "dove"):
        doc = policies.get(name).__doc__
        assert any(str(year) in doc for year in range(1950, 2030)), name


def test_no_warning_for_array_policies(duel):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CrisisModel(duel(), 100, 1)
