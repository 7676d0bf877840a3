"""The population template: real disputes and crises as generic dyadic scenarios."""

import numpy as np
import pandas as pd
import pytest

from sim import population, record, scenario
from sim.ladder import Rung
from sim.model import Block, CrisisModel


@pytest.fixture(scope="module")
def crises():
    return record.crises()


@pytest.fixture(scope="module")
def cases(crises):
    return population.from_crises(crises)


def case(ident="icb-1", trigger=Rung.CLASHES, rivalry=0.5, capability=(0.05, 0.02),
         nuclear=(False, True), pressure=0.5, share=1.0):
    return population.Case(ident, "a test crisis", "2", "365", capability, nuclear, trigger,
                           rivalry, pressure, share)


def test_every_usable_crisis_is_a_valid_scenario(cases, crises):
    assert len(cases) == len(crises.onset)
    for c in cases[:: max(1, len(cases) // 25)]:
        s = population.scenario(c)
        assert [a.id for a in s.of_kind("state")] == ["A", "B"]
        assert s.days == population.HORIZON + 1
        assert s.actor("A").parameters["capability"] == c.capability[0]


def test_crisis_fields_map_as_documented(crises, cases):
    onset = crises.onset.iloc[0]
    first = cases[0]
    assert first.challenger == str(int(onset.state_b)) and first.target == str(int(onset.state_a))
    assert first.capability == (onset.cinc_b, onset.cinc_a)
    assert first.trigger == population.TRIGGER_RUNG[int(onset.trigger)]
    violent = [c for c, t in zip(cases, crises.onset["trigger"], strict=True) if t == 9]
    assert violent and all(c.trigger == Rung.CLASHES for c in violent)
    onsets = crises.onset.itertuples(index=False)
    for c, o in zip(cases, onsets, strict=True):
        assert c.contiguity == o.contiguity
        assert c.issue == ("territory" if o.gravity == population.TERRITORIAL_GRAVITY
                           else "other")
        assert c.major == (o.major_b, o.major_a)       # the challenger is the trigger, B
    assert {c.contiguity for c in cases} == {"land", "water", "none"}
    assert sum(c.major[0] for c in cases) and sum(c.issue == "territory" for c in cases)


def test_the_record_s_issues_and_contiguities_are_scenario_values():
    """What the template copies from the record into a dyad is what a scenario file allows."""
    disputes = record.disputes()
    assert set(disputes["issue"]) <= set(scenario.ISSUES)
    assert set(disputes["contiguity"]) <= set(scenario.CONTIGUITY)
    assert list(record.REVISION_TYPES) == list(scenario.ISSUES)  # revtype 0-4, in order


def test_cases_are_built_from_onset_fields_only(crises, monkeypatch):
    asked = []
    real = record.forecast_inputs

    def spy(frame, columns):
        asked.extend(columns)
        return real(frame, columns)

    monkeypatch.setattr(record, "forecast_inputs", spy)
    population.from_crises(crises)
    assert asked and set(asked) <= set(record.ONSET_FIELDS)
    # and an outcome smuggled into the onset table is never read: cases are unchanged
    leaky = record.Crises(crises.onset.assign(severity=4), crises.outcome, crises.excluded)
    assert population.from_crises(leaky) == population.from_crises(crises)


def test_dispute_cases_read_only_onset_columns():
    frame = pd.DataFrame({"state_a": [2, 750, 640], "state_b": [365, 770, 2],
                          "cinc_a": [0.2, 0.07, 0.01], "cinc_b": [0.18, 0.01, 0.15],
                          "nuclear_a": [True, True, False], "nuclear_b": [True, False, True],
                          "major_a": [True, False, False], "major_b": [True, False, True],
                          "prior_mids": [3, 0, 0], "issue": ["territory", "none", "policy"],
                          "contiguity": ["none", "land", "water"]},
                         index=pd.Index([10, 11, 12], name="dispnum"))
    cases = population.from_disputes(frame)
    assert len(cases) == 3 * len(population.MID_STARTS)
    assert sum(population.MID_STARTS.values()) == pytest.approx(1)
    assert {c.trigger for c in cases} == set(population.MID_STARTS)
    assert cases[0].rivalry == population.RIVALRY_IF_HISTORY and cases[-1].rivalry == 0
    by_dispute = cases[::len(population.MID_STARTS)]
    assert [c.issue for c in by_dispute] == ["territory", "none", "policy"]
    assert [c.contiguity for c in by_dispute] == ["none", "land", "water"]
    assert [c.major for c in by_dispute] == [(True, True), (False, False), (False, True)]
    shares = [c.replicates(100) for c in cases[:2]]
    assert sum(shares) == 100


def test_the_trigger_is_the_challenger_s_rung_on_day_0():
    for trigger in (Rung.PROTEST, Rung.POSTURE, Rung.CLASHES):
        model = CrisisModel(population.scenario(case(trigger=trigger)), replicates=5, rng=1,
                            trace=range(5))
        model.run()
        relation = model.trajectories.relations.index("A->B")
        assert (model.trajectories.rung[0, relation] == trigger).all()


def test_packed_cases_get_their_standalone_numbers():
    """Each case in a packed model has exactly the records of the case run alone, with
    its own seed: the overrides and the seed blocks carry everything that differs."""
    group = [case(f"icb-{i}", capability=(0.01 * (i + 1), 0.03), nuclear=(i % 2 == 0, False),
                  pressure=0.5 * (i % 3)) for i in range(4)]
    packed = population.simulate(group, 300, seed=7)
    for i, c in enumerate(group):
        alone = CrisisModel(population.scenario(c), blocks=[Block(c.seed(7), 300)]).run()
        for name, values in alone.columns.items():
            np.testing.assert_array_equal(packed.of(i)[name], values, err_msg=name)


def test_a_case_s_numbers_do_not_depend_on_the_other_cases(cases):
    some = cases[:40]
    whole = population.simulate(some, 200, seed=3)
    alone = population.simulate([some[17]], 200, seed=3)
    shuffled = population.simulate(some[::-1], 200, seed=3)
    for name in ("outcome", "max_rung", "battle_deaths", "dispute_days"):
        np.testing.assert_array_equal(whole.of(17)[name], alone.of(0)[name])
        np.testing.assert_array_equal(whole.of(17)[name], shuffled.of(len(some) - 18)[name])


def test_shares_scale_replicates_and_groups_respect_the_model_size():
    group = [case(f"mid-{i}", share=s) for i, s in enumerate((0.25, 0.75, 1.0))]
    run = population.simulate(group, 40, seed=1)
    assert list(run.counts) == [10, 30, 40] and len(run.records) == 80
    assert [len(run.of(i)) for i in range(3)] == [10, 30, 40]
    many = [case(f"mid-{i}") for i in range(30)]
    assert all(sum(many[i].replicates(9000) for i in g) <= population.MODEL_REPLICATES
               for g in population.tasks(many, 9000))


def test_a_mixed_model_is_refused():
    with pytest.raises(ValueError, match="share"):
        population.run_cases([case("icb-1"), case("icb-2", trigger=Rung.POSTURE)], 10, 1)


def test_a_set_wins_over_the_case_values():
    """An ablation's ``--set`` of a parameter the template codes per case (the target's
    pressure) replaces the case's value instead of being overridden by it."""
    case = population.Case(id="t", title="t", challenger="2", target="20",
                           capability=(0.1, 0.1), nuclear=(False, False),
                           trigger=Rung.POSTURE, rivalry=0.0, pressure=2.0)
    coded = population.run_cases([case], 300, 1)
    same = population.run_cases([case], 300, 1, sets={"actor.B.pressure": 2.0})
    off = population.run_cases([case], 300, 1, sets={"actor.*.pressure": 0.0})
    np.testing.assert_array_equal(coded["max_rung"], same["max_rung"])
    assert (off["max_rung"] >= Rung.LIMITED_STRIKE).mean() < (
        coded["max_rung"] >= Rung.LIMITED_STRIKE).mean()
