"""The scenario format's newer fields (docs/scenario-format.md): validation in one pass,
uncertain event numbers, agreements, order within a day, claims and blame, dyad baselines
and several branch points."""

import re
from datetime import date
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from sim import analysis, events, scenario
from sim.errors import InputError
from sim.ladder import Rung
from sim.model import CrisisModel, simulate
from sim.parameters import KINDS, MODEL, Distribution

from .conftest import FLAGSHIP, MINIMAL

BASE = MINIMAL.format(policy_a="quantal_response", policy_b="quantal_response", initial="normal")


def problems(write, text):
    path = write(text)
    with pytest.raises(InputError) as err:
        scenario.load(path)
    for line in err.value.problems:
        assert line.startswith(str(path)) and "\n" not in line, line
    return err.value.problems


def has(lines, pattern):
    return any(re.search(pattern, line) for line in lines)


# -- validation in one pass -------------------------------------------------------------------

MISTAKES = BASE.replace('kind = "state"\npolicy = "quantal_response"\n\n[[actor]]\nid = "B"',
                        'kind = "state"\npolicy = "quantal_response"\ncolour = "red"\n\n'
                        '[[actor]]\nid = "B"', 1) + """
[[actor]]
id = "G"
name = "Great"
kind = "great_power"

[[dyad]]
actors = ["A", "G"]
rivalry = "high"

[[event]]
date = 2024-01-01
kind = "action"
actor = "A"
target = "B"
rung = "bombing"
"""


def test_structural_and_meaning_problems_are_reported_together(write):
    lines = problems(write, MISTAKES)
    assert has(lines, r"actor\[A\]\.colour: unknown key")
    assert has(lines, r"dyad\[A-G\]\.rivalry: got 'high'; allowed: a valid number")
    # these two appeared only once the structural problems above were fixed
    assert has(lines, r"dyad\[A-G\]\.actors\[1\]: 'G' is not a state in this scenario; "
                      r"allowed: A, B")
    assert has(lines, r"event\[0\]\.rung: expected a rung, got 'bombing'; allowed: ")
    assert len(lines) == 4, lines


def test_a_dyad_s_contiguity_and_issue_are_named_values(write):
    """How two states are neighbours and what they dispute are COW and MID codes, by name:
    anything else is named in one line with what is allowed."""
    text = BASE.replace('initial = "normal"', 'initial = "normal"\ncontiguity = "sea"\n'
                        'issue = "borders"')
    lines = problems(write, text)
    assert has(lines, r"dyad\[A-B\]\.contiguity: got 'sea'; allowed: 'land', 'water' or "
                      r"'none'")
    assert has(lines, r"dyad\[A-B\]\.issue: got 'borders'; allowed: 'none', 'territory', "
                      r"'policy', 'regime' or 'other'")
    assert len(lines) == 2, lines


def test_a_malformed_actor_is_not_reported_again_where_it_is_named(write):
    text = BASE.replace('name = "Belmar"\nkind = "state"', 'name = "Belmar"\nkind = "sate"') + \
        '\n[[event]]\ndate = 2024-01-01\nkind = "action"\nactor = "A"\ntarget = "B"\n' \
        'rung = "nuke"\n'
    lines = problems(write, text)
    assert has(lines, r"actor\[B\]\.kind: got 'sate'; allowed: 'state', 'mediator'")
    assert has(lines, r"event\[0\]\.rung: expected a rung, got 'nuke'")
    assert len(lines) == 2, lines  # not also "'B' is not a state"


def test_a_field_of_several_types_gives_one_line_saying_what_is_allowed(write):
    lines = problems(write, BASE.replace("horizon = 60", 'horizon = "sixty"'))
    assert len(lines) == 1
    assert lines[0].endswith(":6: scenario.horizon: got 'sixty'; allowed: a valid integer or a "
                             "valid date"), lines


def test_patterns_are_described_in_words(write):
    lines = problems(write, BASE.replace('id = "duel"', 'id = "Duel Two"'))
    assert has(lines, r"scenario\.id: got 'Duel Two'; allowed: lower_case_with_underscores")


def test_every_message_says_what_is_allowed(write):
    text = MISTAKES + """
[[actor]]
id = "M"
name = "M"
kind = "mediator"
policy = "dove"
host = "A"

[[actor]]
id = "A"
name = "again"
kind = "militant"

[[dyad]]
actors = ["B", "B"]

[[event]]
id = "x"
date = 2024-01-01
kind = "attack"
days = 3

[[event]]
id = "x"
date = 2024-01-01
kind = "mediation"
actor = "A"

[[event]]
date = 2024-01-01
kind = "front"
actor = "A"

[variant.Bad]
set = {}
"""
    lines = problems(write, text)
    assert len(lines) >= 10, lines
    for line in lines:
        assert "; allowed: " in line or line.endswith("this key is required"), line


# -- uncertain numbers ------------------------------------------------------------------------

PROXY = BASE.replace("branch = 2024-01-01", "branch = 2024-01-10") + """
[[actor]]
id = "G"
name = "Group"
kind = "militant"
host = "B"
targets = ["A"]

[[event]]
id = "raid"
date = 2024-01-03
kind = "attack"
actor = "G"
target = "A"
deaths = {deaths}

[[event]]
id = "strike"
date = 2024-01-05
kind = "action"
actor = "A"
target = "B"
rung = "limited_strike"
deaths = {strike}
"""


def proxy(write, deaths="10", strike="0", policy="quantal_response"):
    text = PROXY.format(deaths=deaths, strike=strike)
    return scenario.load(write(text.replace('"quantal_response"', f'"{policy}"')))


def run(crisis, n=4000, seed=3):
    return simulate(crisis, n, seed)


@pytest.mark.parametrize("raw,message", [
    ('"about 15"', "got 'about 15'"), ("[15, 5]", r"got \[15, 5\]"), ("-1", "-1 is outside"),
    ("2.5", "got 2.5"), ("{ normal = [-50, 1] }", "lies outside"), ("true", "got True")])
def test_a_toll_that_is_no_number_range_or_distribution_is_one_clear_line(write, raw, message):
    lines = problems(write, PROXY.format(deaths=raw, strike="0"))
    assert len(lines) == 1, lines
    assert re.search(rf"event\[raid\]\.deaths: .*{message}.*; allowed: a whole number from 0, a "
                     r"range \[low, high\] of whole numbers, a distribution \(uniform, .*\), or "
                     r'"unknown"', lines[0]), lines


def test_tolls_load_as_numbers_ranges_distributions_and_unknown(write):
    assert proxy(write).events[0].deaths == 10
    ranged = proxy(write, "[9, 11]").events[0]
    assert ranged.deaths == Distribution("uniform", (8.5, 11.5)) and ranged.uncertain
    assert proxy(write, "{ lognormal = [10, 0.5] }").events[0].deaths.kind == "lognormal"
    unknown = proxy(write, '"unknown"').events[0]
    assert unknown.deaths is None and unknown.uncertain and unknown.known_deaths == 0
    assert [e.toll for e in (proxy(write).events[0], ranged, unknown)] == ["10", "9–11", "unknown"]
    assert proxy(write, "[0, 4]").events[0].toll == "0–4"


def test_a_range_is_drawn_per_replicate_each_whole_number_equally_likely(write):
    records = run(proxy(write, "[9, 11]"))
    deaths = np.asarray(records["attack_deaths"])
    assert set(np.unique(deaths)) == {9, 10, 11}
    shares = np.array([(deaths == k).mean() for k in (9, 10, 11)])
    se = np.sqrt(shares * (1 - shares) / deaths.size)
    assert np.all(np.abs(shares - 1 / 3) < 4 * se), shares


def test_a_toll_round_trips_through_set(write):
    crisis = proxy(write).override({"event.raid.deaths": [20, 30]})
    deaths = np.asarray(run(crisis, 500)["attack_deaths"])
    assert deaths.min() >= 20 and deaths.max() <= 30 and deaths.min() < deaths.max()
    assert "event.raid.deaths=[20, 30]" in crisis.applied
    with pytest.raises(InputError, match=r"--set event\.nope\.deaths: no event with id 'nope'"
                                         r"; allowed: raid, strike"):
        proxy(write).override({"event.nope.deaths": 1})
    with pytest.raises(InputError, match=r"event\[raid\]\.deaths: got 'many'; allowed"):
        proxy(write).override({"event.raid.deaths": "many"})


def test_unknown_is_not_zero(write):
    # an unknown toll of a strike is drawn as the model draws a day of force: lethal with
    # probability force_lethality, never lethal when the toll is recorded as 0
    # (scripted states hold their recorded stance after the branch: no simulated strikes)
    none = np.asarray(run(proxy(write, strike="0", policy="scripted"))["strike_deaths"])
    unknown = np.asarray(run(proxy(write, strike='"unknown"', policy="scripted"))
                         ["strike_deaths"])
    assert none.max() == 0
    lethality = MODEL["force_lethality"].default
    se = np.sqrt(lethality * (1 - lethality) / unknown.size)
    assert abs((unknown > 0).mean() - lethality) < 4 * se
    attack = np.asarray(run(proxy(write, '"unknown"'))["attack_deaths"])
    assert attack.min() >= 0 and len(np.unique(attack)) > 3  # the group's power law


def test_a_toll_has_its_own_stream(write):
    # drawing one event's toll leaves every other draw alone: the strike's toll is the same
    # whether the raid's is a number or a range
    a = CrisisModel(proxy(write, "10", "[1, 50]"), 200, rng=5).params
    b = CrisisModel(proxy(write, "[9, 11]", "[1, 50]"), 200, rng=5).params
    assert np.array_equal(a["event.strike.deaths"], b["event.strike.deaths"])
    same = [k for k in a.values if k != "event.raid.deaths"]
    assert all(np.array_equal(a[k], b[k]) for k in same)


def test_a_larger_toll_raises_the_victims_grievance(write):
    # the documented direction: more deaths, more pressure on the victim, more often a reply
    # (16,000 futures: the victim's pressure from the raid is its blame on B's share, half)
    low = run(proxy(write, "[0, 2]"), 16000)
    high = run(proxy(write, "[200, 400]"), 16000)
    p_low, p_high = np.mean(low["force_reciprocated"]), np.mean(high["force_reciprocated"])
    se = np.sqrt((p_low * (1 - p_low) + p_high * (1 - p_high)) / len(low["force_reciprocated"]))
    assert p_high - p_low > 3 * se, (p_low, p_high)


# -- ceasefires and agreements ----------------------------------------------------------------

TRUCE = BASE.replace("branch = 2024-01-01", "branch = 2024-01-04") + """
[[event]]
date = 2024-01-01
kind = "action"
actor = "A"
target = "B"
rung = "downgrade"

[[event]]
date = 2024-01-02
kind = "action"
actor = "A"
target = "B"
rung = "limited_strike"
days = 5
deaths = 6
"""

ENDING = """
[[event]]
date = 2024-01-03
kind = "{kind}"
actor = "B"
target = "A"
"""


def test_a_ceasefire_ends_force_and_leaves_stances_as_recorded(write):
    crisis = scenario.load(write(TRUCE + ENDING.format(kind="ceasefire")))
    script, _ = crisis.recorded("A", "B", crisis.dyads[0].initial[0])
    assert list(script[:6]) == [3, 5, 5, 3, 3, 3]  # force on the 2nd and 3rd, then downgrade
    without = scenario.load(write(TRUCE))
    assert list(without.recorded("A", "B", without.dyads[0].initial[0])[0][:8]) == \
        [3, 5, 5, 5, 5, 5, 3, 3]


@pytest.mark.parametrize("extra,message", [
    ('kind = "ceasefire"\nactor = "A"\n', r"event\[2\]\.target: missing; a ceasefire event needs "
                                         r"actor, target; allowed: A, B"),
    ('kind = "agreement"\nactor = "A"\ntarget = "B"\nrung = 2\n',
     r"event\[2\]\.rung: a agreement event has no rung; allowed: rung only on action events"),
    ('kind = "ceasefire"\nactor = "A"\ntarget = "B"\ndays = 3\n',
     r"event\[2\]\.days: a ceasefire event has no days; allowed: days only on action and "
     r"agreement events"),
])
def test_ceasefire_and_agreement_validation(write, extra, message):
    lines = problems(write, TRUCE + "\n[[event]]\ndate = 2024-01-03\n" + extra)
    assert has(lines, message), lines


def test_a_recorded_agreement_uses_the_bargaining_models_terms(write):
    crisis = scenario.load(write(TRUCE + ENDING.format(kind="agreement")))
    model = CrisisModel(crisis, 50, rng=1)
    for _ in range(3):  # through the day of the agreement
        model.step()
    term = MODEL["agreement_days"].default
    assert np.all(model.world.agreed_until[0, 1] == 2 + term)
    assert np.all(model.world.agreed_until[1, 0] == 2 + term)
    days = scenario.load(write(TRUCE + ENDING.format(kind="agreement") + "days = 9\n"))
    model = CrisisModel(days, 50, rng=1)
    for _ in range(3):
        model.step()
    assert np.all(model.world.agreed_until[1, 0] == 2 + 9)


def test_an_agreement_makes_an_answer_less_likely_than_a_ceasefire(write):
    # the documented direction: a ceasefire only stops force; an agreement also relieves
    # grievances and has both sides aim at their pre-crisis stance for its term
    def answered(kind):
        records = run(scenario.load(write(TRUCE + ENDING.format(kind=kind))))
        return np.asarray(records["force_reciprocated"])

    truce, deal = answered("ceasefire"), answered("agreement")
    se = np.sqrt((truce.var() + deal.var()) / truce.size)
    assert truce.mean() - deal.mean() > 3 * se, (truce.mean(), deal.mean())


# -- order within a day -----------------------------------------------------------------------

STRIKE_AND_TRUCE = BASE.replace("branch = 2024-01-01", "branch = 2024-01-04") + """
[[event]]
date = 2024-01-02
kind = "ceasefire"
actor = "A"
target = "B"
time = {truce}

[[event]]
date = 2024-01-02
kind = "action"
actor = "A"
target = "B"
rung = "limited_strike"
days = 3
time = {strike}
"""


def test_a_ceasefire_after_a_strike_ends_it_and_a_strike_after_a_ceasefire_breaks_it(write):
    def script(truce, strike):
        crisis = scenario.load(write(STRIKE_AND_TRUCE.format(truce=truce, strike=strike)))
        return list(crisis.recorded("A", "B", crisis.dyads[0].initial[0])[0][:6])

    assert script('"16:00"', "04:30:00") == [1, 5, 1, 1, 1, 1]  # a TOML time or "HH:MM"
    assert script("16:00:00", '"18:00"') == [1, 5, 5, 5, 1, 1]


@pytest.mark.parametrize("extra,pattern", [
    ('time = "2pm"', r"event\[0\]\.time: got '2pm'; allowed: a valid time"),
    ('time = "25:00"', r"event\[0\]\.time: got '25:00'; allowed: a valid time"),
    ("order = 1.5", r"event\[0\]\.order: got 1\.5; allowed: a valid integer"),
    ("order = 5000", r"event\[0\]\.order: got 5000; allowed: less than or equal to 1000")])
def test_bad_times_and_orders(write, extra, pattern):
    text = BASE + f'\n[[event]]\ndate = 2024-01-01\nkind = "election"\nactor = "A"\n{extra}\n'
    assert has(problems(write, text), pattern)


def test_order_sorts_a_day_before_time_and_file_order_breaks_ties(write):
    text = BASE.replace("horizon = 60", "horizon = 5") + "".join(
        f'\n[[event]]\nid = "{name}"\ndate = 2024-01-02\nkind = "statement"\nactor = "A"\n{extra}'
        for name, extra in (("late", 'time = "23:00"\n'), ("untimed", ""),
                            ("early", 'time = "01:00"\n'), ("last", "order = 1\n"),
                            ("untimed_too", "")))
    crisis = scenario.load(write(text))
    assert [e.id for e in crisis.events] == ["untimed", "untimed_too", "early", "late", "last"]


AGREEMENT_AND_ATTACK = BASE.replace("branch = 2024-01-01", "branch = 2024-01-04") + """
[[actor]]
id = "G"
name = "Group"
kind = "militant"
host = "B"
targets = ["A"]

[[event]]
date = 2024-01-02
kind = "agreement"
actor = "A"
target = "B"
time = "{deal}"

[[event]]
date = 2024-01-02
kind = "attack"
actor = "G"
target = "A"
deaths = 20
time = "{attack}"
"""


def test_an_attack_after_an_agreement_on_its_day_meets_damped_blame(write):
    def grievance(deal, attack):
        crisis = scenario.load(write(AGREEMENT_AND_ATTACK.format(deal=deal, attack=attack)))
        model = CrisisModel(crisis, 4, rng=1)
        for _ in range(2):  # to the end of 2 January
            model.step()
        return model.world.grievance[0, 1]

    before, after = grievance("08:00", "20:00"), grievance("20:00", "06:00")
    # the agreement first damps the blame by agreement_blame; after the attack it relieves
    # the grievance the attack opened by agreement_relief
    ratio = (1 - MODEL["agreement_blame"].default) / (1 - MODEL["agreement_relief"].default)
    np.testing.assert_allclose(before / after, ratio, rtol=1e-5)


# -- who claimed, who is blamed ---------------------------------------------------------------

PROXY_WAR = BASE.replace("branch = 2024-01-01", "branch = 2024-01-04") + """
[[actor]]
id = "C"
name = "Cardia"
kind = "state"

[[dyad]]
actors = ["A", "C"]

[[actor]]
id = "G"
name = "Proxy"
kind = "militant"
{where}
targets = ["A"]

[[actor]]
id = "H"
name = "Other"
kind = "militant"
host = "C"
targets = ["A"]

[[event]]
date = 2024-01-02
kind = "attack"
actor = "G"
target = "A"
deaths = 20
{blame}
"""


def proxy_war(write, where='base = "C"\nsponsor = "B"', blame=""):
    return scenario.load(write(PROXY_WAR.format(where=where, blame=blame)))


def grievances(crisis):
    """A's grievance toward B and toward C at the end of the attack's day."""
    model = CrisisModel(crisis, 4, rng=1)
    for _ in range(2):
        model.step()
    return model.world.grievance[0, 1, 0], model.world.grievance[0, 2, 0]


def test_host_still_means_base_and_sponsor(write):
    group = proxy_war(write, 'host = "B"').actor("G")
    assert (group.base, group.sponsor) == ("B", "B")
    assert proxy_war(write).actor("G").base == "C"
    assert proxy_war(write).actor("G").sponsor == "B"


def test_a_proxy_based_in_a_third_state_brings_blame_on_its_sponsor(write):
    toward_b, toward_c = grievances(proxy_war(write))
    assert toward_b > 0 and toward_c == 0
    # its attack rate follows its base: A at war with C makes it attack more, with B not
    def chance(fighting):
        crisis = proxy_war(write, 'base = "C"\nsponsor = "B"\nparameters = { attack_rate = 0.01 }')
        model = CrisisModel(crisis.override({f"dyad.A-{fighting}.initial": "clashes"}), 1, rng=1)
        return model.groups[0].chance(model.states[0])

    assert chance("C") > chance("B")


def test_the_victim_may_blame_another_group_a_state_or_nobody(write):
    claimed = grievances(proxy_war(write))
    other = grievances(proxy_war(write, blame='blamed = "H"\nblamed_source = "x"'))
    state = grievances(proxy_war(write, blame='blamed = "B"'))
    nobody = grievances(proxy_war(write, blame='blamed = "none"'))
    assert other[0] == 0 and other[1] > 0  # H's sponsor is C
    attribution = KINDS["militant"]["attribution"].default
    np.testing.assert_allclose(state[0], claimed[0] / attribution, rtol=1e-5)  # fully
    assert nobody == (0, 0)


@pytest.mark.parametrize("where,blame,pattern", [
    ('host = "B"\nbase = "C"', "", r"actor\[G\]\.host: given with base or sponsor; allowed"),
    ('base = "Z"', "", r"actor\[G\]\.base: 'Z' is not a state in this scenario; allowed: A, B, C"),
    ('sponsor = "B"', 'blamed = "Q"', r"event\[0\]\.blamed: 'Q' is not a state or militant "
                                      r'group in this scenario; allowed: A, B, C, G, H, "none"'),
])
def test_claim_and_blame_validation(write, where, blame, pattern):
    assert has(problems(write, PROXY_WAR.format(where=where, blame=blame)), pattern)


def test_only_attacks_are_blamed_on_someone(write):
    text = BASE + '\n[[event]]\ndate = 2024-01-01\nkind = "election"\nactor = "A"\n' \
        'blamed = "B"\n'
    assert has(problems(write, text), r"event\[0\]\.blamed: a election event has no blamed; "
                                      r"allowed: blamed only on attack events")
    state = BASE.replace('policy = "quantal_response"\n\n[[actor]]',
                         'policy = "quantal_response"\nsponsor = "B"\n\n[[actor]]', 1)
    assert has(problems(write, state), r"actor\[A\]\.sponsor: A is a state; allowed: host, base, "
                                       r"sponsor and targets only for a militant group")


# -- a dyad's baseline stance -----------------------------------------------------------------

def test_a_baseline_is_a_stance_to_return_to(write):
    crisis = scenario.load(write(BASE + 'baseline = ["downgrade", "protest"]\n'))
    assert crisis.dyads[0].baseline == (3, 2)
    assert scenario.load(write(BASE)).dyads[0].baseline is None
    assert has(problems(write, BASE + 'baseline = "clashes"\n'),
               r"dyad\[A-B\]\.baseline: clashes is militarized; allowed: cooperation, normal, "
               r"protest or downgrade")
    assert has(problems(write, BASE + 'baseline = ["downgrade", "cold"]\n'),
               r"dyad\[A-B\]\.baseline\[1\]: expected a rung, got 'cold'; allowed: ")
    model = CrisisModel(crisis, 1, rng=1)
    assert model.baseline == (3, 2)


def test_without_relations_de_escalation_is_a_return_to_no_relations(write):
    # a pair with no diplomatic relations that starts militarized de-escalates once both are
    # back at downgrade, not only once they reach normal relations they never had
    text = MINIMAL.format(policy_a="quantal_response", policy_b="quantal_response",
                          initial="posture")
    def days(crisis):
        records = run(crisis)
        done = np.asarray(records["outcome"]) == 1
        return np.asarray(records["days_to_deescalation"])[done].astype(float)

    normal = days(scenario.load(write(text)))
    none = days(scenario.load(write(text)).override({"dyad.A-B.baseline": "downgrade"}))
    se = np.sqrt(normal.var() / normal.size + none.var() / none.size)
    assert normal.mean() - none.mean() > 3 * se, (normal.mean(), none.mean())


# -- several questions in one file ------------------------------------------------------------

PROXY_CRISIS = Path(__file__).parent / "data" / "proxy_crisis.toml"


def test_the_proxy_crisis_uses_every_new_field_without_a_workaround():
    crisis = scenario.load(PROXY_CRISIS)
    militia = crisis.actor("MIL")
    assert (militia.base, militia.sponsor) == ("CAR", "BEL")
    attack = next(e for e in crisis.events if e.id == "convoy_attack")
    assert attack.blamed == "BEL" and attack.uncertain
    assert [e.id for e in crisis.events if e.date.day == 3] == ["reprisal", "truce"]
    assert crisis.dyads[0].baseline == (3, 3)
    assert attack.place == "CAR"  # an attack on Aland's convoy in Cardia
    salvo = next(e for e in crisis.events if e.id == "answer")
    assert (salvo.scale, salvo.intercepted, salvo.deaths) == (3, "UMB", None)
    (shield,) = crisis.supports
    assert (shield.by, shield.partner, shield.role) == ("UMB", "ALD", "defensive")
    # the intercepted salvo: three waves, each lethal with force_lethality x (1 - q), q drawn
    # from [0.85, 0.95] per replicate
    n = 20_000
    model = CrisisModel(crisis, n, rng=1)
    through = 1 - model.params["support.UMB.ALD.interception"]
    assert through.min() >= 0.05 and through.max() <= 0.15
    lethal = (model.params["event.answer.deaths"] > 0).mean()
    expected = np.mean(1 - (1 - MODEL["force_lethality"].default * through) ** 3)
    assert abs(lethal - expected) < 4 * np.sqrt(expected * (1 - expected) / n), lethal
    assert [p.id for p in crisis.branch_points] == ["after_attack", "after_answer"]
    labels = [label for label, _, _ in crisis.questions()]
    assert labels == ["proxy_crisis", "proxy_crisis:after_attack", "proxy_crisis:after_answer",
                      "proxy_crisis:answer_denied"]
    second = crisis.questions()[2][1]
    assert second.branch == date(2030, 3, 5) and second.horizon == 30


def test_every_branch_point_is_backtested_against_its_own_outcome():
    result = analysis.backtest(PROXY_CRISIS, replicates=500, seed=1, goldstein_paths=10)
    assert [c.label for c in result.cases] == [
        "proxy_crisis", "proxy_crisis:after_attack", "proxy_crisis:after_answer",
        "proxy_crisis:answer_denied"]
    assert [c.crisis.branch for c in result.cases] == [
        date(2030, 3, 4), date(2030, 3, 2), date(2030, 3, 5), date(2030, 3, 4)]
    first = result.as_dict()["cases"][1]
    assert first["case"] == "proxy_crisis:after_attack"
    assert first["happened"]["days_to_reciprocation"] == 2
    assert first["happened"]["days_to_force_ended"] == 3
    assert first["happened"]["days_to_normalised"] == 6
    # from after Belmar's answer both sides have used force in the replayed record
    assert result.cases[2].reciprocated.p == 1.0
    p = np.array([c.reciprocated.p for c in result.cases])
    happened = np.array([1, 1, 1, 0])  # the variant answer_denied: not reciprocated
    assert result.brier_reciprocated == pytest.approx(np.mean((p - happened) ** 2))
    assert "proxy_crisis:after_answer" in str(result)


def test_a_file_with_only_branch_points_is_backtested(tmp_path):
    text = PROXY_CRISIS.read_text().replace("[outcome]\n", "[unused]\n")
    text = text.split("[unused]")[0] + "[[branch_point]]" + text.split("[[branch_point]]", 1)[1]
    path = tmp_path / "points.toml"
    path.write_text(text)
    files, skipped = analysis.scenario_files(tmp_path)
    assert files == [path] and not skipped
    assert len(analysis.backtest(path, replicates=100, seed=1, goldstein_paths=0).cases) == 3


@pytest.mark.parametrize("old,new,pattern", [
    ("branch = 2030-03-02", "branch = 2030-06-01",
     r"branch_point\[after_attack\]\.branch: 2030-06-01 is outside the scenario; allowed: a date "
     r"from 2030-03-01 to before 2030-05-01"),
    ("horizon = 30", "horizon = 2030-03-01",
     r"branch_point\[after_answer\]\.horizon: ends 2030-03-01; allowed: after its branch"),
    ('id = "after_answer"', 'id = "after_attack"',
     r"branch_point\[after_attack\]\.id: duplicate branch point 'after_attack'; allowed"),
    ("force_ended = 2030-03-05\nnormalised = 2030-03-08\n\n[[branch_point]]",
     "force_ended = 2030-02-05\nnormalised = 2030-03-08\n\n[[branch_point]]",
     r"outcome\.force_ended: 2030-02-05 is before the branch 2030-03-04; allowed: a date from"),
    ("war = false\nreciprocated = true\nnormalised", "war = 1\nreciprocated = true\nnormalised",
     r"branch_point\[after_answer\]\.outcome\.war: got 1; allowed: a valid boolean"),
])
def test_branch_point_validation(write, old, new, pattern):
    text = PROXY_CRISIS.read_text()
    assert old in text
    lines = problems(write, text.replace(old, new, 1))
    assert has(lines, pattern), lines


# -- opaque arsenals --------------------------------------------------------------------------

def test_an_opaque_arsenal_is_drawn_per_replicate(write):
    def crisis(nuclear):
        text = MINIMAL.format(policy_a="quantal_response", policy_b="quantal_response",
                              initial="clashes")
        text = text.replace('name = "Belmar"', f'name = "Belmar"\nparameters = {{ nuclear = '
                                               f'{nuclear} }}')
        return scenario.load(write(text))

    drawn = CrisisModel(crisis("{ bernoulli = [0.3] }"), 20_000, rng=2).params["actor.B.nuclear"]
    se = np.sqrt(0.3 * 0.7 / drawn.size)
    assert set(np.unique(drawn)) == {0.0, 1.0} and abs(drawn.mean() - 0.3) < 4 * se
    # the documented direction: the likelier the arsenal, the rarer deadly clashes with it
    n = 8000
    deadly = [np.mean(np.asarray(run(crisis(p), n)["battle_deaths"]) > 0)
              for p in ("false", "{ bernoulli = [0.5] }", "true")]
    se = [np.sqrt((a * (1 - a) + b * (1 - b)) / n) for a, b in pairwise(deadly)]
    assert deadly[0] - deadly[1] > 3 * se[0] and deadly[1] - deadly[2] > 3 * se[1], deadly
    for bad in ("{ bernoulli = [1.5] }", "0.5", "{ bernoulli = 0.5 }"):
        assert has(problems(write, MINIMAL.format(
            policy_a="dove", policy_b="dove", initial="normal").replace(
                'name = "Belmar"', f'name = "Belmar"\nparameters = {{ nuclear = {bad} }}')),
            r"actor\[B\]\.parameters\.nuclear: .*; allowed: true or false, or \{ bernoulli = "
            r"\[p\] \}")


# -- variants that mean what they say ---------------------------------------------------------

def test_no_retaliation_means_pakistan_does_not_strike_back():
    # the variant drops the 18 January strike and caps Pakistan at posture: in no replicate
    # does Pakistan use force after the branch (Iran struck on 16 January, so force is
    # reciprocated exactly when Pakistan uses it)
    capped = scenario.load(FLAGSHIP, variant="no_retaliation")
    assert capped.actor("PAK").max_rung == Rung.POSTURE
    assert not np.asarray(simulate(capped, 2000, 1)["force_reciprocated"]).any()
    # without the cap (the variant as it was) the simulated Pakistan struck back anyway
    uncapped = capped.override({"actor.PAK.max_rung": "war"})
    share = np.mean(simulate(uncapped, 2000, 1)["force_reciprocated"])
    assert share > 0.5, share


def test_a_cap_holds_for_any_policy_and_is_validated(write):
    hawks = BASE.replace('"quantal_response"', '"hawk"')
    crisis = scenario.load(write(hawks)).override({"actor.*.max_rung": "protest"})
    records = simulate(crisis, 200, 1)
    assert np.asarray(records["max_rung_after_branch"]).max() == Rung.PROTEST
    assert "actor.*.max_rung=protest" in crisis.applied
    free = np.asarray(simulate(scenario.load(write(hawks)), 200, 1)["max_rung_after_branch"])
    assert free.max() > Rung.PROTEST
    with pytest.raises(InputError, match=r"actor\[A\]\.max_rung: expected a rung, got 'top'; "
                                         r"allowed: cooperation \(0\), normal \(1\)"):
        crisis.override({"actor.A.max_rung": "top"})
    lines = problems(write, hawks.replace('policy = "hawk"', 'policy = "hawk"\nmax_rung = 9', 1))
    assert has(lines, r"actor\[A\]\.max_rung: expected a rung, got 9; allowed: cooperation"), \
        lines


# -- variants with their own outcome ----------------------------------------------------------

def test_a_variant_with_its_own_outcome_is_scored_as_its_own_case():
    crisis = scenario.load(PROXY_CRISIS)
    assert set(crisis.variant_outcomes) == {"answer_denied"}
    result = analysis.backtest(PROXY_CRISIS, replicates=500, seed=1, goldstein_paths=0)
    case = next(c for c in result.cases if c.label == "proxy_crisis:answer_denied")
    assert case.happened.reciprocated is False
    assert not any(e.id == "answer" for e in case.crisis.events)  # the variant's scenario
    assert "variant answer_denied" in case.crisis.applied
    # scored against its own outcome: what the base case says happened is not what it says
    base = next(c for c in result.cases if c.label == "proxy_crisis")
    assert base.happened.reciprocated is True
    assert result.as_dict()["cases"][3]["case"] == "proxy_crisis:answer_denied"


def test_a_file_with_only_a_variant_outcome_is_backtested(tmp_path):
    text = PROXY_CRISIS.read_text()
    text = text.split("[outcome]")[0] + "[variant" + text.split("[variant", 1)[1]
    path = tmp_path / "variant_only.toml"
    path.write_text(text)
    files, skipped = analysis.scenario_files(tmp_path)
    assert files == [path] and not skipped
    cases = analysis.backtest(path, replicates=100, seed=1, goldstein_paths=0).cases
    assert [c.label for c in cases] == ["proxy_crisis:answer_denied"]


@pytest.mark.parametrize("old,new,pattern", [
    ("reciprocated = false\nnormalised = 2030-03-08", "reciprocated = false\nnormalised = "
     "2030-03-01", r"variant\.answer_denied\.outcome\.normalised: 2030-03-01 is before the "
     r"branch 2030-03-04; allowed: a date from the branch on"),
    ("war = false\nreciprocated = false", "war = 0\nreciprocated = false",
     r"variant\.answer_denied\.outcome\.war: got 0; allowed: a valid boolean"),
    ("[variant.answer_denied.outcome]\nwar = false", "[variant.answer_denied.outcome]\n"
     "wars = false", r"variant\.answer_denied\.outcome\.wars: unknown key; allowed: war, "),
    ('[variant.answer_denied]\n', '[variant.after_answer]\n',
     r"variant\.after_answer\.outcome: the variant 'after_answer' has an outcome and a "
     r"branch point has that id.*; allowed: a variant name no branch point has"),
])
def test_variant_outcome_validation(write, old, new, pattern):
    text = PROXY_CRISIS.read_text()
    assert old in text
    text = text.replace(old, new, 1).replace("[variant.answer_denied.outcome]",
                                             "[variant.after_answer.outcome]"
                                             if "after_answer]" in new else
                                             "[variant.answer_denied.outcome]")
    lines = problems(write, text)
    assert has(lines, pattern), lines


# -- where and how big ------------------------------------------------------------------------

SALVO = BASE.replace("branch = 2024-01-01", "branch = 2024-01-10") + """
[[actor]]
id = "C"
name = "Cardia"
kind = "state"

[[actor]]
id = "U"
name = "Umbria"
kind = "great_power"

[[support]]
by = "U"
partner = "B"
role = "defensive"
interception = {interception}
source = "fictional: Umbria's defence ministry"

[[event]]
id = "salvo"
date = 2024-01-05
kind = "action"
actor = "A"
target = "B"
rung = "limited_strike"
deaths = {deaths}
{extra}
"""


def salvo(write, deaths="0", extra="", interception="0.9"):
    return scenario.load(write(SALVO.format(deaths=deaths, extra=extra,
                                            interception=interception)))


def harm_after_salvo(crisis):
    """B's and C's grievance toward A at the end of the salvo's day (before any decay)."""
    model = CrisisModel(crisis, 2, rng=1)
    for _ in range(5):
        model.step()
    sensitivity = model.params["actor.B.grievance_sensitivity"]
    return (model.world.grievance[1, 0, 0] / sensitivity,
            model.world.grievance[2, 0, 0] / sensitivity)


def test_a_strike_off_the_targets_territory_harms_its_people_not_its_territory(write):
    assert harm_after_salvo(salvo(write)) == pytest.approx((1, 0))  # a violation of B
    assert harm_after_salvo(salvo(write, extra='location = "abroad"\ncountry = "Syria"')) == \
        pytest.approx((0, 0))  # nobody killed, no territory of B's violated
    assert harm_after_salvo(salvo(write, "5", 'location = "abroad"')) == \
        pytest.approx((np.log(6), 0))  # B's people killed abroad
    # in a third state of the scenario: that state's territory is violated
    assert harm_after_salvo(salvo(write, extra='location = "C"')) == pytest.approx((0, 1))
    crisis = salvo(write, extra='location = "abroad"\ncountry = "Syria"\nscale = 3')
    strike = crisis.events[0]
    assert (strike.location, strike.place, strike.scale) == ("abroad", "Syria", 3)
    assert salvo(write, extra='location = "own"').events[0].place == "A"
    assert salvo(write).events[0].place == "B"


def test_scale_multiplies_an_unknown_toll_by_that_many_draws(write):
    n = 20_000
    one = CrisisModel(salvo(write, '"unknown"'), n, rng=4).params["event.salvo.deaths"]
    also_one = CrisisModel(salvo(write, '"unknown"', "scale = 1"), n, rng=4).params[
        "event.salvo.deaths"]
    three = CrisisModel(salvo(write, '"unknown"', "scale = 3"), n, rng=4).params[
        "event.salvo.deaths"]
    assert np.array_equal(one, also_one)  # scale 1 is the old rule
    lethality = MODEL["force_lethality"].default
    expected = 1 - (1 - lethality) ** 3  # three sites, each lethal by itself
    se = np.sqrt(expected * (1 - expected) / n)
    assert abs((three > 0).mean() - expected) < 4 * se
    assert three.mean() > 2.5 * one.mean()
    # a recorded toll is what happened, whatever the scale
    assert CrisisModel(salvo(write, "4", "scale = 3"), 10, rng=4).params.values.get(
        "event.salvo.deaths") is None


def test_location_and_scale_are_exported_in_the_event_data(write):
    crisis = salvo(write, "2", 'location = "abroad"\ncountry = "Syria"\nscale = 3\n'
                               'cameo = "195"')
    (record,) = events.recorded(crisis)
    assert (record.location, record.scale) == ("Syria", 3)
    assert {"location", "scale"} <= set(events.FIELDS)


@pytest.mark.parametrize("extra,pattern", [
    ('location = "moon"', r"event\[salvo\]\.location: got 'moon'; allowed: target, own, abroad, "
                          r"C \(the target's territory"),
    ('location = "B"', r"event\[salvo\]\.location: got 'B'; allowed: target, own, abroad, C "),
    ('country = "Syria"', r"event\[salvo\]\.country: given without location; allowed: country "
                          r'only with location = "abroad"'),
    ('location = "C"\ncountry = "Syria"', r"event\[salvo\]\.country: given with location = "
                                          r"'C'; allowed"),
    ("scale = 0", r"event\[salvo\]\.scale: got 0; allowed: .*greater than or equal to 1"),
    ('scale = "many"', r"event\[salvo\]\.scale: got 'many'; allowed: a valid integer"),
])
def test_location_and_scale_validation(write, extra, pattern):
    lines = problems(write, SALVO.format(deaths="0", extra=extra, interception="0.9"))
    assert has(lines, pattern), lines


def test_location_and_scale_belong_to_force_and_attacks(write):
    text = SALVO.format(deaths="0", extra="", interception="0.9") + """
[[event]]
date = 2024-01-06
kind = "action"
actor = "A"
target = "B"
rung = "protest"
scale = 2
location = "abroad"

[[event]]
date = 2024-01-06
kind = "statement"
actor = "A"
location = "abroad"
"""
    lines = problems(write, text)
    assert has(lines, r"event\[1\]\.scale: a action event at protest has no scale; allowed: "
                      r"scale only on a use of force"), lines
    assert has(lines, r"event\[1\]\.location: given on an action below limited_strike; "
                      r"allowed"), lines
    assert has(lines, r"event\[2\]\.location: a statement event has no location; allowed: "
                      r"location only on action and attack events"), lines


def test_scale_round_trips_through_set(write):
    crisis = salvo(write, '"unknown"').override({"event.salvo.scale": 4})
    assert crisis.events[0].scale == 4 and "event.salvo.scale=4" in crisis.applied
    with pytest.raises(InputError, match=r"event\[salvo\]\.scale: got 0; allowed"):
        crisis.override({"event.salvo.scale": 0})


# -- force by a third party -------------------------------------------------------------------

def test_an_intercepted_salvo_kills_less_in_the_replay(write):
    n = 20_000
    lethality = MODEL["force_lethality"].default

    def lethal(**given):
        draws = CrisisModel(salvo(write, '"unknown"', **given), n, rng=6).params[
            "event.salvo.deaths"]
        return (draws > 0).mean()

    plain = lethal()
    by_u = lethal(extra='intercepted = "U"')  # Umbria intercepts 90% (its [[support]])
    share = lethal(extra="intercepted = 0.5")  # the sources' share
    off = lethal(extra='intercepted = "U"', interception="0")  # the switch
    assert plain == off
    for p, expected in ((plain, lethality), (by_u, lethality * 0.1), (share, lethality * 0.5)):
        se = np.sqrt(expected * (1 - expected) / n)
        assert abs(p - expected) < 4 * se, (p, expected)
    ranged = salvo(write, '"unknown"', 'intercepted = "U"', "{ uniform = [0.8, 1.0] }")
    drawn = CrisisModel(ranged, 1000, rng=6).params["support.U.B.interception"]
    assert drawn.min() >= 0.8 and drawn.max() <= 1.0 and drawn.std() > 0


STRIKER = BASE.replace('policy = "quantal_response"', 'policy = "hawk"\nmax_rung = '
                       '"limited_strike"', 1).replace('"quantal_response"', '"dove"') + """
[[actor]]
id = "U"
name = "Umbria"
kind = "great_power"
"""

SUPPORT_TABLE = """
[[support]]
by = "U"
partner = "{partner}"
role = "{role}"
{key} = {value}
source = "fictional"
"""


def strike_deaths(write, support=""):
    crisis = scenario.load(write(STRIKER + support))
    return np.asarray(simulate(crisis, 2000, 2)["strike_deaths"])


def test_a_defender_lowers_the_toll_of_simulated_strikes_on_its_partner(write):
    # A strikes B every day (a hawk capped at limited strike); Umbria shields B
    alone = strike_deaths(write)
    off = strike_deaths(write, SUPPORT_TABLE.format(partner="B", role="defensive",
                                                   key="interception", value="0"))
    shielded = strike_deaths(write, SUPPORT_TABLE.format(partner="B", role="defensive",
                                                        key="interception", value="0.9"))
    assert np.array_equal(alone, off)  # interception 0 is the switch off
    se = np.sqrt((alone.var() + shielded.var()) / alone.size)
    assert alone.mean() - shielded.mean() > 4 * se
    assert shielded.mean() / alone.mean() == pytest.approx(0.1, abs=0.04)


def test_a_supporters_strikes_add_to_its_partners(write):
    alone = strike_deaths(write)
    joined = strike_deaths(write, SUPPORT_TABLE.format(partner="A", role="offensive",
                                                      key="strikes", value="1"))
    assert joined.mean() / alone.mean() == pytest.approx(2, abs=0.1)


@pytest.mark.parametrize("support,pattern", [
    (SUPPORT_TABLE.format(partner="B", role="defensive", key="strikes", value="1"),
     r"support\[0\]\.strikes: a defensive support has no strikes; allowed: interception"),
    (SUPPORT_TABLE.format(partner="B", role="defensive", key="interception", value="1.5"),
     r"support\[0\]\.interception: 1\.5 is outside \[0, 1\]; allowed: a number in \[0, 1\]"),
    (SUPPORT_TABLE.format(partner="U", role="defensive", key="interception", value="0.5"),
     r"support\[0\]\.partner: 'U' is not a state in this scenario; allowed: A, B"),
    (SUPPORT_TABLE.format(partner="B", role="helpful", key="interception", value="0.5"),
     r"support\[0\]\.role: got 'helpful'; allowed: 'defensive' or 'offensive'"),
    (SUPPORT_TABLE.format(partner="B", role="offensive", key="note", value='""'),
     r"support\[0\]\.strikes: missing; a offensive support needs strikes; allowed: a number"),
])
def test_support_validation(write, support, pattern):
    lines = problems(write, STRIKER + support)
    assert has(lines, pattern), lines


def test_support_round_trips_through_set_and_intercepted_names_a_defender(write):
    crisis = salvo(write).override({"support.U.B.interception": 0.4})
    assert crisis.supports[0].interception == 0.4
    assert "support.U.B.interception=0.4" in crisis.applied
    shared = salvo(write, '"unknown"').override({"event.salvo.intercepted": [0.2, 0.4]})
    assert shared.events[0].intercepted == Distribution("uniform", (0.2, 0.4))
    drawn = CrisisModel(shared, 500, rng=1).params["event.salvo.intercepted"]
    assert 0.2 <= drawn.min() < drawn.max() <= 0.4
    with pytest.raises(InputError, match=r"--set support\.U\.A\.interception: no \[\[support\]\] "
                                         r"with that supporter, partner and role; allowed: "
                                         r"support\.U\.B\.interception"):
        crisis.override({"support.U.A.interception": 0.4})
    lines = problems(write, SALVO.format(deaths="0", extra='intercepted = "C"',
                                         interception="0.9"))
    assert has(lines, r"event\[salvo\]\.intercepted: 'C' gives B no defensive \[\[support\]\]; "
                      r"allowed: U, a share"), lines
    lines = problems(write, SALVO.format(deaths="0", extra='intercepted = "U"',
                                         interception="0.9").replace(
        'rung = "limited_strike"', 'rung = "clashes"'))
    assert has(lines, r"event\[salvo\]\.intercepted: only a limited strike is intercepted"), lines
