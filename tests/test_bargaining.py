"""Crisis bargaining (docs/ODD.md §7.8-7.10): agreements, answering, bounded rallies,
aims. Each mechanism's known behaviour, and its switch."""

import numpy as np
import pytest
from scipy import stats

import sim
from sim import runs
from sim.agents import Situation, saturate
from sim.ladder import Rung
from sim.model import Block, CrisisModel
from sim.outcomes import NO_DAY, WAR
from sim.parameters import KINDS

from .conftest import FLAGSHIP, KARGIL, censored, paired_gap

STRIKES = """
[[event]]
date = 2024-01-01
kind = "action"
actor = "A"
target = "B"
rung = "clashes"
deaths = {deaths_a}

[[event]]
date = 2024-01-02
kind = "action"
actor = "B"
target = "A"
rung = "clashes"
deaths = 0
"""


def test_an_agreement_stops_force_at_once_and_is_recorded(duel):
    crisis = duel(initial="clashes").override({"model.settle_rate": 1.0})
    model = CrisisModel(crisis, 200, 1, trace=range(200))
    records = model.run()
    rungs = model.trajectories.rung  # [day, relation, replicate]
    agreed = np.flatnonzero(records["days_to_agreement"] != NO_DAY)
    assert len(agreed) > 100                       # a high hazard: most pairs agree
    for k in agreed:                               # force stopped on the day of the deal
        assert (rungs[records["days_to_agreement"][k], :, k] <= Rung.DOWNGRADE).all()
    off = CrisisModel(crisis.override({"model.settle_rate": 0}), 200, 1).run()
    assert (off["days_to_agreement"] == NO_DAY).all()


def test_settlement_is_likelier_with_mediation_and_falls_with_pressure(duel):
    crisis = duel(initial="posture")
    model = CrisisModel(crisis, 3, 1)
    rel = model.pairs[0]
    days = np.array([10, 10, 10], np.int16)
    base = model.settlement_rate(rel, days)
    later = model.settlement_rate(rel, np.array([40, 40, 40], np.int16))
    assert (later > base).all()                    # fighting reveals information
    model.world.pressure[:] = [[0, 2, 0], [0, 2, 0]]
    pressed = model.settlement_rate(rel, days)
    assert pressed[1] < base[1] and pressed[0] == pytest.approx(base[0])


def test_flagship_settles_and_deescalates_faster_than_without_settlement():
    """On common random numbers, the days to de-escalation (censored at the horizon) are
    shorter with settlement than without: the paired mean difference is below zero by more
    than three of its standard errors (a one-sided test at about 0.1%; the medians, whole
    days, can tie)."""
    on = sim.run(FLAGSHIP, 4000, 1)
    off = sim.run(FLAGSHIP, 4000, 1, set={"model.settle_rate": 0})

    def days(result):
        return censored(result.records["days_to_deescalation"], result.scenario.horizon)

    gap, se = paired_gap(days(on), days(off))
    assert gap < -3 * se
    assert on.records["days_to_agreement"].max() >= 0
    assert (off.records["days_to_agreement"] == NO_DAY).all()


def test_preparation_times_are_prompt_or_exponential(duel):
    model = CrisisModel(duel(), 1, 1)
    u = (np.arange(200_000) + 0.5) / 200_000
    wait = model.preparation(u.astype(np.float32), None)
    prompt = model.params["model.prompt_answer"]
    mean = model.params["model.preparation_days"]
    assert np.mean(wait == 1) == pytest.approx(prompt, abs=1e-3)
    later = wait[wait > 1] - 1
    assert later.mean() == pytest.approx(mean + 0.5, rel=0.02)  # ceil adds half a day
    assert np.median(later) == pytest.approx(mean * np.log(2), abs=1.5)


def test_the_retaliation_lag_is_a_distribution():
    result = sim.run(FLAGSHIP, 4000, 1)
    lag = result.records["days_to_reciprocation"]
    lag = lag[lag != NO_DAY]
    assert len(np.unique(lag)) >= 5 and np.percentile(lag, 90) > np.percentile(lag, 10)
    prompt = sim.run(FLAGSHIP, 4000, 1, set={"model.prompt_answer": 1.0})
    fast = prompt.records["days_to_reciprocation"]
    assert np.median(fast[fast != NO_DAY]) <= np.median(lag)


def test_resolve_scales_the_will_to_answer():
    low = sim.run(FLAGSHIP, 3000, 1, set={"actor.PAK.resolve": 0.01}).summary
    high = sim.run(FLAGSHIP, 3000, 1, set={"actor.PAK.resolve": 5.0}).summary
    assert low.force_reciprocated.p < high.force_reciprocated.p


@pytest.mark.parametrize("closes", [1, 0])
def test_a_proportionate_answer_closes_the_account(duel, closes):
    """A's forces kill 20 of B's in clashes; B answers in kind the next day, killing no one.
    With ``answer_closes`` B's account is closed; without it (the harm ledger) it stays open:
    5 (1 + ln 21), a day's decay, less the 5 its answer did."""
    crisis = duel(initial="normal", extra=STRIKES.format(deaths_a=20)).override(
        {"scenario.branch": "2024-01-02", "model.answer_closes": closes,
         "model.settle_rate": 0})
    model = CrisisModel(crisis, 4, 1)
    for _ in range(2):                             # the two recorded days
        model.step()
    account = model.world.grievance[1, 0]          # B toward A
    expected = 0.0 if closes else 5.0 * (1 + np.log(21)) * 0.5 ** (1 / 30) - 5.0
    np.testing.assert_allclose(account, expected, atol=1e-4)


def test_casualty_aversion_raises_the_cost_of_force(duel):
    model = CrisisModel(duel(), 3, 1)
    state = model.states[0]
    before = Situation(state, state.relations[0]).force_cost
    model.world.dead[0] = [0, 10, 1000]
    after = Situation(state, state.relations[0]).force_cost
    aversion = KINDS["state"]["casualty_aversion"].default
    np.testing.assert_allclose(after, before * (1 + aversion * np.log1p([0, 10, 1000])),
                               rtol=1e-6)
    off = CrisisModel(duel().override({"actor.*.casualty_aversion": 0}), 3, 1)
    off.world.dead[0] = [0, 10, 1000]
    assert np.all(Situation(off.states[0], off.states[0].relations[0]).force_cost == before)


def test_rally_effects_saturate():
    p = np.array([0, 0.1, 1, 5, 50], np.float32)
    capped = saturate(p, 2.0)
    assert capped[1] == pytest.approx(0.1, abs=1e-3) and capped.max() <= 2.0
    assert (np.diff(capped[:4]) > 0).all() and capped[3] < 2.0  # smooth, rising, bounded
    # continuous in the cap down to its limit, no push at all (the switch is its own flag)
    np.testing.assert_allclose(saturate(p, 1e-3), np.minimum(p, 1e-3), atol=1e-6)
    np.testing.assert_array_equal(saturate(p, 0), 0)
    caps = np.array([0, 2, 0, 2, 2], np.float32)             # per replicate, as a posterior
    np.testing.assert_allclose(saturate(p, caps), np.where(caps > 0, 2 * np.tanh(p / 2), 0))


def test_the_rally_ceiling_switch_lets_pressure_push_unbounded(duel):
    """``model.rally_ceiling`` off: the desired rung carries the whole pressure, not its
    saturated push (the runaway the ceiling stops); on, cap × tanh(pressure / cap)."""
    def desired(ceiling):
        crisis = duel(initial="posture").override(
            {"actor.B.pressure": 4.0, "model.rally_ceiling": ceiling})
        model = CrisisModel(crisis, 2, 1)
        state = model.state("B")
        return model, Situation(state, state.relations[0]).desired
    model, on = desired(1)
    _, off = desired(0)
    cap = model.params["model.rally_cap"]
    np.testing.assert_allclose(off - on, 4.0 - cap * np.tanh(4.0 / cap), rtol=1e-5)


def test_no_cliff_in_pressure_sensitivity():
    """Over pressure_sensitivity's range (10-point grid) the flagship's P(war) never jumps
    by more than 10 points between neighbours (issue: it went 0.00 → 0.62 between 0.15 and
    0.4). The Monte-Carlo SE of a neighbour difference at 2,000 replicates is below 0.01."""
    spec = KINDS["state"]["pressure_sensitivity"]
    grid = np.linspace(spec.low, spec.high, 10)
    p = [sim.run(FLAGSHIP, 2000, 1, set={"actor.*.pressure_sensitivity": float(v)}).p_war.p
         for v in grid]
    assert max(abs(np.diff(p))) <= 0.10, list(zip(grid, p, strict=True))


def test_a_revisionist_aim_gives_kargil_a_real_chance_of_war():
    aim = sim.run(KARGIL, 3000, 1).summary.outcomes["war"]
    none = sim.run(KARGIL, 3000, 1, set={"actor.PAK.holding_value": 0}).summary.outcomes["war"]
    assert aim.confidence_interval()[0] > 0.02 and aim.p > none.p


def _flagship_after_a_day(sets=None):
    """The flagship in two replicates after its first day (today's draws exist): the model,
    Iran, Pakistan, and a group Pakistan sponsors that attacks Iran."""
    model = CrisisModel(runs.resolve(FLAGSHIP).override(sets or {}), 2, 1)
    model.step()
    iran, pakistan = model.state("IRN"), model.state("PAK")
    group = next(g for g in model.groups if g.sponsor is pakistan and iran in g.targets)
    return model, iran, pakistan, group


def test_blame_for_militant_attacks_is_damped_under_an_agreement_and_the_pressure_with_it():
    model, iran, pakistan, group = _flagship_after_a_day()
    model.world.agreed_until[iran.index, pakistan.index] = [-1, 10_000]
    grievance = model.world.grievance[iran.index, pakistan.index].copy()
    pressure = model.world.pressure[iran.index].copy()
    model.attack(group, iran, None, np.float64(20))
    damping = model.params["model.agreement_blame"]
    for rise in (model.world.grievance[iran.index, pakistan.index] - grievance,
                 model.world.pressure[iran.index] - pressure):
        assert rise[1] == pytest.approx(rise[0] * (1 - damping), rel=1e-5) and rise[0] > 0


def _blame_rise(sets, cooperate=False):
    """The rise of Iran's grievance toward Pakistan from a 20-death attack by a group
    Pakistan sponsors, in two replicates (the second cooperating on security if asked)."""
    model, iran, pakistan, group = _flagship_after_a_day(sets)
    if cooperate:
        model.world.rung[iran.index, pakistan.index] = [Rung.NORMAL, Rung.COOPERATION]
        model.world.rung[pakistan.index, iran.index] = [Rung.NORMAL, Rung.COOPERATION]
    before = model.world.grievance[iran.index, pakistan.index].copy()
    model.attack(group, iran, None, np.float64(20))
    return model.world.grievance[iran.index, pakistan.index] - before, model, group


def test_a_rivalry_raises_the_blame_on_a_sponsor_up_to_full_blame():
    none, model, group = _blame_rise({})           # the flagship codes no rivalry
    attribution = float(group.param("attribution"))
    some, _, _ = _blame_rise({"dyad.IRN-PAK.rivalry": 0.5})
    factor = 1 + model.params["model.rivalry_blame"] * 0.5
    np.testing.assert_allclose(some, none * min(1, attribution * factor) / attribution,
                               rtol=1e-5)
    full, _, _ = _blame_rise({"dyad.IRN-PAK.rivalry": 5.0})
    np.testing.assert_allclose(full, none / attribution, rtol=1e-5)   # capped at full blame
    off, _, _ = _blame_rise({"dyad.IRN-PAK.rivalry": 5.0, "model.rivalry_blame": 0})
    np.testing.assert_allclose(off, none, rtol=1e-6)                  # the switch


def test_security_cooperation_damps_the_blame_on_a_sponsor():
    rise, model, _ = _blame_rise({}, cooperate=True)
    damping = model.params["model.cooperation_blame"]
    assert rise[1] == pytest.approx(rise[0] * (1 - damping), rel=1e-5) and rise[0] > 0
    off, _, _ = _blame_rise({"model.cooperation_blame": 0}, cooperate=True)
    assert off[1] == pytest.approx(off[0], rel=1e-6)


def _pressure_rise(sets, blamed="claimant"):
    """The rise of Iran's domestic pressure from a 20-death attack by a group Pakistan
    sponsors, blamed on ``blamed`` ("claimant": the group, a state's id, or None: nobody),
    in units of pressure_sensitivity × ln(1 + 20)."""
    model, iran, _, group = _flagship_after_a_day(sets)
    if blamed not in ("claimant", None):
        blamed = model.state(blamed)
    before = model.world.pressure[iran.index].copy()
    model.attack(group, iran, None, np.float64(20), blamed)
    sensitivity = np.broadcast_to(iran.param("pressure_sensitivity"), (2,))
    return (model.world.pressure[iran.index] - before) / (sensitivity * np.log1p(20)), group


def test_an_attack_raises_pressure_as_far_as_its_victim_blames_a_state():
    """Pressure as far as a state is blamed (ODD §7.4): an attack raises its victim's
    pressure by the blame it puts on a state times pressure_sensitivity × ln(1 + deaths):
    by the group's attribution when the claimant's sponsor is blamed, fully when a state is
    blamed outright, not at all when nobody or the victim itself is; switched off, by the
    whole of it whoever is blamed."""
    claimed, group = _pressure_rise({})
    attribution = float(group.param("attribution"))
    assert 0 < attribution < 1
    np.testing.assert_allclose(claimed, attribution, rtol=1e-5)
    np.testing.assert_allclose(_pressure_rise({}, "PAK")[0], 1.0, rtol=1e-5)
    np.testing.assert_allclose(_pressure_rise({}, None)[0], 0.0, atol=1e-7)
    np.testing.assert_allclose(_pressure_rise({}, "IRN")[0], 0.0, atol=1e-7)  # itself
    for blamed in ("claimant", "PAK", None):
        off, _ = _pressure_rise({"model.blamed_pressure": 0}, blamed)
        np.testing.assert_allclose(off, 1.0, rtol=1e-5)


def test_blamed_pressure_shortens_the_flagships_stand_off():
    """Attacks blamed on no state (Kerman, Saravan, ISIS-K) and the Baloch groups' half-blamed
    ones no longer hold the flagship's pair at posture with their pressure, so the
    militarized phase ends within three weeks in more futures (2,000 replicates each: the
    difference of two shares has a standard error below 0.016; asked beyond 4 of them)."""
    def within_three_weeks(sets):
        end = sim.run(FLAGSHIP, 2000, 1, set=sets).to_pandas()["days_to_militarized_end"]
        return float((end <= 21).fillna(False).mean())

    assert within_three_weeks({}) - within_three_weeks({"model.blamed_pressure": 0}) > 0.064


def test_wars_still_happen_where_fighting_is_hot(duel):
    records = CrisisModel(duel("hawk", "hawk"), 500, 2).run()
    assert (records["outcome"] == WAR).any()


def test_the_pressure_parameter_is_the_starting_pressure(duel):
    """A state's ``pressure`` parameter is its domestic pressure on day 0 (ODD §5): the
    population template codes ICB's gravity of threat there."""
    crisis = duel(initial="posture").override({"actor.B.pressure": 1.5})
    model = CrisisModel(crisis, 4, 1)
    np.testing.assert_allclose(model.world.pressure[1], 1.5)
    np.testing.assert_allclose(model.world.pressure[0], 0.0)


def test_casualty_aversion_keeps_replicates_independent(duel):
    """Whether the cost of force is computed per replicate depends on the parameter, not
    on whether some other replicate has dead: a replicate's future is the same alone and
    beside replicates at war."""
    crisis = duel(initial="clashes")
    first, second = (Block(np.random.SeedSequence(5, spawn_key=(k,)), 300) for k in (0, 1))
    together = CrisisModel(crisis, blocks=[first, second]).run()
    alone = CrisisModel(crisis, blocks=[first]).run()
    assert (together["battle_deaths"][300:] > 0).any()   # the other block has dead
    for name in ("outcome", "outcome_day", "max_rung", "battle_deaths"):
        np.testing.assert_array_equal(together[name][:300], alone[name], err_msg=name)
    state = CrisisModel(crisis, 3, 1).states[0]
    assert np.ndim(Situation(state, state.relations[0]).force_cost) == 1  # always per replicate


THREAT = """
[[event]]
date = 2024-01-01
kind = "action"
actor = "A"
target = "B"
rung = "posture"
"""
"""A public threat on day 0 (the branch): A's posture militarizes the pair."""


def _threat(duel, policy_a="scripted", policy_b="dove", **sets):
    base = {"model.settle_rate": 0, "actor.B.resolve": 1.0}
    return duel(policy_a, policy_b, extra=THREAT).override({**base, **sets})


def test_the_target_yields_to_a_standing_threat_at_its_hazard(duel):
    """A holds its threat (scripted), B never fights (dove): B yields on the first decided
    day with probability 1 - exp(-λ), λ = concede_rate · 2 s_A / resolve_B. 4,000
    replicates: the tolerance is four binomial standard errors."""
    n = 4000
    for cap_a, resolve, rate in ((0.01, 1.0, 0.1), (0.03, 1.0, 0.15), (0.01, 2.0, 0.05)):
        crisis = _threat(duel, **{"model.concede_rate": 0.1, "actor.A.capability": cap_a,
                                  "actor.B.capability": 0.01, "actor.B.resolve": resolve})
        records = CrisisModel(crisis, n, 3).run()
        day = records["days_to_concession"]
        p = -np.expm1(-rate)
        assert np.mean(day == 1) == pytest.approx(p, abs=4 * np.sqrt(p * (1 - p) / n))
        assert (day[day != NO_DAY] >= 1).all()              # only after the branch
    off = CrisisModel(_threat(duel, **{"model.concede_rate": 0.1, "model.deterrence": 0}),
                      n, 3).run()
    assert (off["days_to_concession"] == NO_DAY).all()


def test_an_audience_cost_keeps_a_threat_standing(duel):
    """Backing down from a public threat costs the threatener its audience cost: the
    higher it is, the longer the display lasts, and a backdown is recorded. With the
    switch off, the audience cost does nothing."""
    def displays(**sets):
        crisis = _threat(duel, "quantal_response", "dove", **{"model.concede_rate": 0, **sets})
        return CrisisModel(crisis, 2000, 4).run()

    free, costly = displays(**{"actor.A.audience_cost": 0}), displays(
        **{"actor.A.audience_cost": 10})
    assert np.mean(costly["dispute_days"]) > 1.5 * np.mean(free["dispute_days"])
    assert (free["days_to_backdown"] != NO_DAY).mean() > 0.9   # A backed down, for free
    switched = displays(**{"actor.A.audience_cost": 10, "model.deterrence": 0})
    np.testing.assert_array_equal(switched["dispute_days"], displays(
        **{"actor.A.audience_cost": 0, "model.deterrence": 0})["dispute_days"])
    assert (switched["days_to_backdown"] == NO_DAY).all()


def test_the_stake_of_a_threat_is_pressed_by_force(duel):
    """A challenger whose target does not yield presses its stake by force: more of its
    threats become strikes the more the issue is worth to it (a territorial stake), and
    none of that without the switch."""
    def force(stake, on=1):
        crisis = _threat(duel, "quantal_response", "quantal_response", **{
            "model.concede_rate": 0, "actor.A.stake": stake, "model.deterrence": on})
        return np.mean(CrisisModel(crisis, 2000, 5).run()["max_rung"] >= Rung.LIMITED_STRIKE)

    none, issue, territory = force(0), force(1), force(2)
    assert none < issue < territory
    assert force(2, on=0) == force(0, on=0)


def test_yielding_keeps_replicates_independent(duel):
    """A replicate's threats, backdowns and yielding are the same alone and beside other
    replicates (every replicate draws its yielding uniform every day)."""
    crisis = _threat(duel, "quantal_response", "quantal_response", **{
        "model.concede_rate": 0.05, "actor.A.stake": 2.0})
    first, second = (Block(np.random.SeedSequence(7, spawn_key=(k,)), 200) for k in (0, 1))
    together = CrisisModel(crisis, blocks=[first, second]).run()
    alone = CrisisModel(crisis, blocks=[first]).run()
    assert (alone["days_to_concession"] != NO_DAY).any()
    for name in ("days_to_concession", "days_to_backdown", "max_rung", "dispute_days"):
        np.testing.assert_array_equal(together[name][:200], alone[name], err_msg=name)


def test_crisis_fatigue_prices_each_rung_of_the_crisis_up_to_posture(duel):
    """U(k) loses S · (min(k, posture) - b₀)⁺ with S = crisis_fatigue · d / 30: stepping
    down from posture gains S per rung, a strike costs no more fatigue than a posture."""
    crisis = duel(initial="posture")
    def utilities(fatigue, days):
        model = CrisisModel(crisis.override({"model.crisis_fatigue": fatigue}), 3, 1)
        model.world.crisis_days[:] = days
        state = model.states[0]
        s = Situation(state, state.relations[0])
        return s, state.relations[0].policy.utilities(s)   # rows: offsets -2 … +2
    s, tired = utilities(1.5, 45)
    _, fresh = utilities(0.0, 45)
    np.testing.assert_allclose(s.crisis_cost, 1.5 * 45 / 30)
    assert s.baseline == Rung.NORMAL
    gain = (tired - fresh)[:, 0]                   # at posture: offsets to downgrade … clashes
    np.testing.assert_allclose(gain, -2.25 * np.array([1, 2, 3, 3, 3]), rtol=1e-6)
    _, none = utilities(1.5, 0)                    # no crisis yet: no cost
    np.testing.assert_allclose(none, fresh)


def test_the_crisis_clock_survives_a_lull_and_stops_after_a_calm(duel):
    """d counts the days since either side left its pre-crisis stance; a day back at it does
    not reset it, ``deescalation_days`` calm days in a row do."""
    crisis = duel(initial="posture").override({"model.settle_rate": 0})
    model = CrisisModel(crisis, 1, 1)
    w, (a, b) = model.world, (0, 1)
    calm = int(model.params["model.deescalation_days"])
    def day(rung):
        w.rung[a, b] = w.rung[b, a] = rung
        model.count_crisis_days()
        return int(w.crisis_days[a, b, 0])
    assert [day(Rung.POSTURE) for _ in range(3)] == [1, 2, 3]
    assert day(Rung.NORMAL) == 4 and day(Rung.POSTURE) == 5      # a lull
    assert [day(Rung.NORMAL) for _ in range(calm)][-2:] == [5 + calm - 1, 0]


def test_crisis_fatigue_ends_a_mutual_standoff_sooner(duel):
    """Two states at posture with nothing to answer: without fatigue the stand-off is a
    resting point of reciprocity; with it the dispute ends sooner (paired by seed, means
    of the days to the end of militarized actions, each with its Monte-Carlo SE)."""
    crisis = duel(initial="posture").override({"model.settle_rate": 0,
                                               "model.deterrence": False})
    def ends(fatigue):
        r = CrisisModel(crisis.override({"model.crisis_fatigue": fatigue}), 2000, 1).run()
        return censored(r["days_to_militarized_end"], crisis.horizon)  # still militarized
    off, on = ends(0.0), ends(2.0)
    gap, se = paired_gap(off, on)
    assert gap > 4 * se > 0, (off.mean(), on.mean(), se)


def test_the_crisis_fatigue_spreads_lognormally_across_futures(duel):
    """With fatigue_spread σ, each replicate's fatigue is crisis_fatigue · exp(σ z): the log
    ratio has mean 0 and sd σ (4,000 replicates: tolerances of four standard errors); with
    σ = 0 every replicate keeps the one value, and replicate i draws the same in a smaller
    run (its own stream)."""
    n, sigma = 4000, 1.5
    crisis = duel(initial="posture").override({"model.crisis_fatigue": 0.8,
                                               "model.fatigue_spread": sigma})
    drawn = np.asarray(CrisisModel(crisis, n, 1).params["model.crisis_fatigue"], float)
    logs = np.log(drawn / 0.8)
    assert abs(logs.mean()) < 4 * sigma / np.sqrt(n)
    assert logs.std(ddof=1) == pytest.approx(sigma, abs=4 * sigma / np.sqrt(2 * n))
    small = CrisisModel(crisis, 10, 1).params["model.crisis_fatigue"]
    np.testing.assert_array_equal(small, drawn[:10].astype(small.dtype))
    same = CrisisModel(crisis.override({"model.fatigue_spread": 0}), 10, 1)
    assert same.params["model.crisis_fatigue"] == 0.8


def test_each_states_hawkishness_spreads_normally_across_futures(duel):
    """With hawkishness_spread σ, each state's hawkishness in each replicate is its value
    + σ z, z standard normal (4,000 replicates, tolerances of four standard errors): mean
    the value, sd σ, a normal's share beyond 2σ (4.55%), drawn independently for the two
    states. Replicate i draws the same in a smaller run (each state's own stream); σ = 0
    keeps the value; the z are the same when the value is itself drawn per replicate (the
    spread is added on top of it and leaves its draw alone)."""
    n, sigma, h = 4000, 0.8, 0.3
    crisis = duel().override({"actor.*.hawkishness": h, "model.hawkishness_spread": sigma})
    model = CrisisModel(crisis, n, 1)
    paths = [f"actor.{s.id}.hawkishness" for s in model.states]
    a, b = (np.asarray(model.params[path], float) for path in paths)
    tail = 2 * stats.norm.sf(2)
    for drawn in (a, b):
        assert abs(drawn.mean() - h) < 4 * sigma / np.sqrt(n)
        assert drawn.std(ddof=1) == pytest.approx(sigma, abs=4 * sigma / np.sqrt(2 * n))
        beyond = (np.abs(drawn - h) > 2 * sigma).mean()
        assert abs(beyond - tail) < 4 * np.sqrt(tail * (1 - tail) / n)
    assert abs(np.corrcoef(a, b)[0, 1]) < 4 / np.sqrt(n)
    small = CrisisModel(crisis, 10, 1)
    for path, drawn in zip(paths, (a, b), strict=True):
        np.testing.assert_array_equal(small.params[path], drawn[:10].astype(np.float32))
    same = CrisisModel(crisis.override({"model.hawkishness_spread": 0}), 10, 1)
    assert same.params[paths[0]] == h
    varied = crisis.override({"actor.*.hawkishness": {"uniform": [-0.5, 0.5]}})
    base = np.asarray(CrisisModel(varied.override({"model.hawkishness_spread": 0}), n, 1)
                      .params[paths[0]], float)
    spread = np.asarray(CrisisModel(varied, n, 1).params[paths[0]], float)
    np.testing.assert_allclose(spread - base, a - h, atol=1e-5)


def test_a_spread_of_hawkishness_smooths_the_ratchet(duel):
    """The best response to a rival at y is about y + hawkishness − c/2 rounded to a rung,
    so with one hawkishness for every future the share of stand-offs that end at once
    jumps where that crosses a half-rung; drawn per future (a spread), the same mean
    hawkishness gives a mix: some futures walk down at once, others stand off. Two states
    at posture, nothing to answer, no settlement, 2,000 replicates: with hawkishness 0 for
    every future (c/2 = 0.5 at the default restraint) almost none is still militarized
    after 30 days, with 1 almost all are, and with 0 and a spread of 1 the share lies
    strictly between, by more than four standard errors of each difference (paired by
    seed)."""
    crisis = duel(initial="posture").override({"model.settle_rate": 0,
                                               "model.deterrence": False})
    def standing(h, sigma):
        r = CrisisModel(crisis.override({"actor.*.hawkishness": h,
                                         "model.hawkishness_spread": sigma}), 2000, 1).run()
        end = r["days_to_militarized_end"].astype(float)
        return ((end == NO_DAY) | (end > 30)).mean()
    low, high, mixed = standing(0.0, 0), standing(1.0, 0), standing(0.0, 1.0)
    assert low < 0.05 and high > 0.9, (low, high)
    def se(p, q):
        return np.sqrt((p * (1 - p) + q * (1 - q)) / 2000)
    assert low + 4 * se(low, mixed) < mixed < high - 4 * se(mixed, high), (low, mixed, high)

