import subprocess
import sys
import textwrap

import numpy as np
import pytest
from scipy import stats

from sim import model as model_module
from sim import seeds
from sim.ladder import Rung
from sim.model import CrisisModel, simulate
from sim.outcomes import DEESCALATED, NO_DAY, NO_DISPUTE, ONGOING, WAR

from .conftest import FLAGSHIP, ROOT


def test_same_seed_same_records_and_other_seeds_differ(flagship):
    a, b = simulate(flagship, 3000, 11), simulate(flagship, 3000, 11)
    for name in a.columns:
        assert np.array_equal(a[name], b[name]), name
    c = simulate(flagship, 3000, 12)
    assert not np.array_equal(a["days_to_deescalation"], c["days_to_deescalation"])


@pytest.mark.parametrize("block", [500, 4])  # tiny models: days when nothing is hot in any
def test_records_do_not_depend_on_how_blocks_are_grouped(flagship, monkeypatch, block):
    monkeypatch.setattr(seeds, "BLOCK", block)
    n = 2 * block + block // 2
    whole = simulate(flagship, n, 5, per_model=1)
    grouped = simulate(flagship, n, 5, per_model=3)
    middle = simulate(flagship, n, 5, blocks=range(1, 2))
    for name in whole.columns:
        assert np.array_equal(whole[name], grouped[name]), name
        assert np.array_equal(whole[name][block:2 * block], middle[name]), name


def test_a_replicates_story_is_its_row_in_the_run(flagship):
    from sim import api
    records = simulate(flagship, 12_000, 8)
    for k in (5, 10_003):
        told = api.story(flagship, k, 8, 12_000).record
        assert {n: records[n][k].item() for n in records.columns} == told


def test_a_replicate_is_itself_whatever_the_size_of_the_run(flagship):
    """Replicate i's numbers depend on the seed, i and the day alone: runs of 1, 7, 1,000
    and 10,001 replicates, a model of the default blocks, a packed sweep point and a trace
    give every replicate the same record (before, a run's size set how many numbers each
    block drew a day, and a 1,000-replicate run left the 10,000-replicate one after day
    one)."""
    from sim import api, experiment

    big = simulate(flagship, 10_001, 4)
    for n in (1, 7, 1000):
        small = simulate(flagship, n, 4)
        for name in big.columns:
            assert np.array_equal(small[name], big[name][:n]), (n, name)
    alone = CrisisModel(flagship, 10_001, 4).run()
    grid = experiment.load(ROOT / "experiments" / "mediation_and_pressure.toml")
    points = grid.points()[:3]
    packed = experiment.run_task(grid, points, 1000, 0, 1)
    unpacked = simulate(grid.scenario.override(points[1]), 10_001, grid.seed)
    for name in big.columns:
        assert np.array_equal(alone[name], big[name]), name
        assert np.array_equal(packed[1][name], unpacked[name][:1000]), name
    assert len(set(big["outcome_day"][:1000].tolist())) > 10  # replicates that differ
    for replicates in (4, 1000, 10_001):  # --trace 3 with any --replicates
        told = api.story(flagship, 3, 4, replicates).record
        assert told == {name: big[name][3].item() for name in big.columns}, replicates


def test_every_draw_of_a_stream_is_made_at_a_fixed_place():
    """A stream's k-th draw gives replicate j of a block the j-th number from counter k of
    the block's generator, whatever the block's size or the blocks beside it; the raw-word
    uniforms of large draws are exactly the generator's own float32 uniforms."""
    blocks = seeds.seed_blocks(3, 25_000)
    whole = model_module.Stream(blocks, "choice:A->B")
    first = model_module.Stream([seeds.Block(blocks[1].seed, 5)], "choice:A->B")
    packed = model_module.Stream([blocks[1], blocks[1]], "choice:A->B")
    for _ in range(3):
        u, v, w = whole.random(), first.random(), packed.random()
        assert np.array_equal(v, u[10_000:10_005])
        assert np.array_equal(w, np.concatenate([u[10_000:20_000]] * 2))
    other = model_module.Stream(blocks, "force:A->B").random()
    assert not np.array_equal(other, whole.random())
    generator = np.random.Generator(np.random.Philox(7))
    state = generator.bit_generator.state
    fast = model_module.float_uniforms(generator, 2 * model_module.RAW_FROM + 1)
    generator.bit_generator.state = state
    assert np.array_equal(fast, generator.random(2 * model_module.RAW_FROM + 1, np.float32))


def _records_after_each_day(crisis, n, seed):
    model = CrisisModel(crisis, n, seed)
    snapshots = []
    while model.running:
        model.step()
        snapshots.append({k: v.copy() for k, v in model.records.columns.items()})
    return snapshots


@pytest.mark.parametrize("policies,outcome", [(("hawk", "hawk"), WAR),
                                              (("dove", "dove"), DEESCALATED)])
def test_outcomes_are_absorbing(duel, policies, outcome):
    crisis = duel(*policies, initial="posture")
    snapshots = _records_after_each_day(crisis, 200, 3)
    final = snapshots[-1]
    assert (final["outcome"] == outcome).mean() > 0.6
    for day, snap in enumerate(snapshots):
        decided = snap["outcome"] != ONGOING
        for later in snapshots[day:]:
            for name in snap:
                assert np.array_equal(snap[name][decided], later[name][decided]), (day, name)


@pytest.mark.parametrize("policies", [("dove", "dove"), ("grit", "grit")])
def test_a_pair_that_never_quarrels_ends_with_no_dispute_not_ongoing(duel, policies):
    """From normal relations two doves, or two GRIT states, never reach posture: their
    crisis is 'no dispute' (before, 'ongoing', and P(de-escalated) = 0 read as failure)."""
    records = simulate(duel(*policies), 300, 2)
    assert np.all(records["outcome"] == NO_DISPUTE)
    assert np.all(records["max_rung"] < Rung.POSTURE)
    assert np.all(records["days_to_dispute"] == NO_DAY)
    assert records.summary().outcomes["no_dispute"].p == 1


def test_ongoing_is_a_militarized_dispute_still_open_at_the_horizon(flagship):
    records = simulate(flagship.override(horizon=20), 2000, 3)
    ongoing = records["outcome"] == ONGOING
    assert ongoing.sum() > 100 and np.all(records["max_rung"][ongoing] >= Rung.POSTURE)
    assert not np.any(records["outcome"] == NO_DISPUTE)  # the record starts with strikes
    assert sum(p.k for p in records.summary().outcomes.values()) == len(records)


def test_war_needs_the_battle_death_threshold(duel):
    crisis = duel("hawk", "hawk")
    records = CrisisModel(crisis, 500, 2).run()
    war = records["outcome"] == WAR
    assert war.any()
    assert (records["battle_deaths"][war] >= 1000).all()
    lower = CrisisModel(crisis.override({"model.war_threshold": 1e7}), 500, 2).run()
    assert not (lower["outcome"] == WAR).any()


def test_deescalation_needs_seven_calm_days_after_a_militarized_dispute(duel):
    calm = CrisisModel(duel("dove", "dove", initial="normal"), 50, 1).run()
    assert (calm["outcome"] == NO_DISPUTE).all()  # never militarized: nothing to de-escalate
    no_deals = {"model.settle_rate": 0}  # the rule alone, without agreements (§7.8)
    tense = CrisisModel(duel("dove", "dove", initial="posture").override(no_deals), 50, 1).run()
    assert (tense["outcome"] == DEESCALATED).all()
    # from posture a dove reaches normal on day 2 (two rungs a day from 4); calm from day 2
    assert (tense["days_to_deescalation"] == 2).all() and (tense["outcome_day"] == 8).all()


def test_history_is_replayed_up_to_the_branch(flagship):
    model = CrisisModel(flagship, 300, 4, trace=range(300))
    model.run()
    branch = model.branch_day
    rungs = model.trajectories.rung
    assert (rungs[branch, 0] == Rung.LIMITED_STRIKE).all()  # IRN -> PAK, 16 January
    assert (rungs[branch, 1] == Rung.PROTEST).all()          # PAK -> IRN
    assert (rungs[:branch, :] == Rung.NORMAL).all()
    after = rungs[branch + 1]
    assert len(np.unique(after[1])) > 1  # policies choose, and differ between replicates


def test_recorded_attacks_happen_before_the_branch_and_drawn_ones_only_after(flagship):
    quiet = flagship.override(variant="no_militant_attacks")
    records = simulate(quiet, 500, 3)
    assert (records["attack_deaths"] == 11 + 84).all()  # Rask and Kerman, nothing more
    loud = simulate(flagship, 500, 3)
    assert (loud["attack_deaths"] >= 11 + 84).all()
    assert loud["attack_deaths"].mean() > 11 + 84 + 9


def test_without_mediators_no_one_mediates(flagship):
    records = simulate(flagship.override(variant="no_mediation"), 500, 3)
    lever = flagship.override({"actor.CHN.leverage": 0.0, "actor.USA.leverage": 0.0})
    assert not records["mediated"].any()
    levered = simulate(lever, 500, 3)
    assert not levered["mediated"].any()  # they engage with no leverage: they cannot act
    assert np.array_equal(records["outcome"], levered["outcome"])
    assert simulate(flagship, 500, 3)["mediated"].any()


def test_mediation_lasts_while_the_crisis_was_hot_recently_in_that_replicate(flagship):
    # Active tomorrow iff first hot at least `delay` days before and last hot within
    # `duration` days: in each replicate, whatever the other replicates do. (Mediation
    # once lingered in every replicate when none was hot any more.)
    n = 40
    model = CrisisModel(flagship, n, 4, trace=range(n))
    model.run()
    t = model.trajectories
    for m, mediator in enumerate(model.mediators):
        rows = [model.relations.index(rel) for rel in mediator.relations]
        delay, duration = (int(mediator.param(p)) for p in ("delay", "duration"))
        hot = t.rung[:, rows].max(axis=1) >= mediator.param("engage_at")   # [day, replicate]
        first = np.where(hot.any(axis=0), hot.argmax(axis=0), len(hot))
        checked = 0
        for day in range(model.branch_day, len(hot)):
            live = t.rung[day, 0] >= 0
            last_hot_within = hot[max(day + 1 - duration, 0):day + 1].any(axis=0)
            expected = (first <= day + 1 - delay) & last_hot_within
            assert np.array_equal(t.mediating[day, m, live], expected[live]), (mediator.id, day)
            checked += live.sum()
        assert checked > 1000


def test_r_single_runs_and_one_r_replicate_run_agree(flagship):
    crisis = flagship.override(horizon=50)
    n = 300
    def quick(days):  # reciprocated within two days of the first strike
        return ((days != NO_DAY) & (days <= 2)).astype(int)

    singles = [CrisisModel(crisis, 1, 1000 + i).run() for i in range(n)]
    single = np.array([[r["outcome"][0], quick(r["days_to_reciprocation"][0])] for r in singles])
    batch = CrisisModel(crisis, 20_000, 99).run()
    batched = np.stack([batch["outcome"], quick(batch["days_to_reciprocation"])], axis=1)
    for column, categories in ((0, (DEESCALATED, ONGOING)), (1, (1, 0))):
        observed = [np.sum(single[:, column] == c) for c in categories]
        rest = n - sum(observed)
        expected = [np.mean(batched[:, column] == c) * n for c in categories]
        observed[-1] += rest
        expected[-1] += n - sum(expected)
        assert min(expected) > 5
        assert stats.chisquare(observed, expected).pvalue > 0.001, (observed, expected)


def test_flagship_looks_like_history_and_the_base_rates(flagship):
    summary = simulate(flagship, 10_000, 1).summary()
    assert summary.outcomes["deescalated"].confidence_interval()[0] > 0.5
    assert summary.outcomes["war"].confidence_interval()[1] < 0.05  # MID: 2.5% of force MIDs
    assert summary.days_to_deescalation.median < 60


@pytest.mark.xfail(strict=True, reason="0.4987 of futures at the point defaults since "
                   "pressure from militant attacks is scaled by blame (0.511 before): part "
                   "of Pakistan's readiness to answer came from deaths it did not blame on "
                   "Iran (docs/validation.md, 'Pressure as far as a state is blamed'). "
                   "0.3 Monte-Carlo SE below the bar: re-measure when the streams change")
def test_pakistan_strikes_back_within_a_week_in_most_futures(flagship):
    records = simulate(flagship, 10_000, 1)
    reciprocated_in_a_week = np.mean((records["days_to_reciprocation"] != NO_DAY)
                                     & (records["days_to_reciprocation"] <= 7))
    assert reciprocated_in_a_week > 0.5             # history: Pakistan struck back in 2 days


def test_runs_under_mesa_batch_run():
    # batch_run switches the process to the spawn start method: keep it in its own process
    code = textwrap.dedent(f"""
        import mesa
        from sim import scenario
        from sim.model import CrisisModel
        crisis = scenario.load({str(FLAGSHIP)!r}, horizon=15)
        rows = mesa.batch_run(CrisisModel, {{"crisis": crisis, "replicates": 1}},
                              number_processes=1, rng=[1, 2, 3], display_progress=False)
        assert len(rows) == 3, rows
        assert all(r["outcome"] in (0, 1, 2) and r["max_rung"] >= 5 for r in rows), rows
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_float32_state_changes_no_estimate_beyond_monte_carlo_error(flagship, monkeypatch):
    """The engine keeps state and draws in float32; float64 must give the same estimates
    within Monte-Carlo error (the two runs draw different numbers, so they are
    independent samples of the same model)."""
    n = 20_000
    single = simulate(flagship, n, 3)
    monkeypatch.setattr(model_module, "FLOAT", np.float64)
    double = simulate(flagship, n, 3)
    assert double["battle_deaths"].dtype == single["battle_deaths"].dtype  # records alike
    for code in (WAR, DEESCALATED):
        p1, p2 = np.mean(single["outcome"] == code), np.mean(double["outcome"] == code)
        pooled = (p1 + p2) / 2
        se = np.sqrt(2 * pooled * (1 - pooled) / n)
        assert abs(p1 - p2) <= 4 * se, (code, p1, p2)  # (0 and 0 when neither has any)
    d1 = single["days_to_deescalation"][single["outcome"] == DEESCALATED]
    d2 = double["days_to_deescalation"][double["outcome"] == DEESCALATED]
    assert stats.mannwhitneyu(d1, d2).pvalue > 0.001
