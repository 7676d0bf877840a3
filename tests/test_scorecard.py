"""The scorecard: the model on the MID and ICB populations, beside the baselines."""

import json
import re

import numpy as np
import pandas as pd
import pytest

from sim import record, scorecard, scores
from sim.cli import main
from sim.outcomes import DEESCALATED, ONGOING, WAR, Records

ICB1, ICB2 = record.DATA / record.FILES["icb1"], record.DATA / record.FILES["icb2"]


def records(**columns):
    n = len(next(iter(columns.values())))
    r = Records.empty(n)
    for name, values in columns.items():
        r.columns[name][:] = values
    return r


def test_severity_mapping_from_rungs_and_deaths():
    r = records(max_rung=[1, 4, 5, 6, 6, 7, 6],
                battle_deaths=[0, 0, 0, 20, 150, 1500, 60],
                strike_deaths=[0, 0, 3, 0, 0, 0, 50],
                outcome=[DEESCALATED, DEESCALATED, ONGOING, ONGOING, ONGOING, WAR, ONGOING])
    assert scorecard.severity(r).tolist() == [0, 0, 1, 1, 2, 3, 2]


def test_fatality_levels_use_mid_bins():
    deaths = np.array([0, 0.4, 1, 25, 26, 100, 101, 250, 251, 500, 501, 999, 1000, 10**6])
    assert scorecard.fatality_level(deaths).tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5,
                                                         6, 6]


def test_baseline_reads_onset_fields_only():
    assert set(scorecard.BASELINE_FIELDS) <= set(record.ONSET_FIELDS)
    assert not set(record.ONSET_FIELDS) & set(record.OUTCOME_FIELDS)


def test_a_forecast_built_from_an_outcome_fails(monkeypatch, tmp_path):
    """Were an outcome (mediation, here) added to the baseline's inputs, the backtest would
    refuse to run rather than score a forecast that knew the answer."""
    monkeypatch.setattr(scorecard, "BASELINE_FIELDS", (*scorecard.BASELINE_FIELDS,
                                                        "mediated"))
    with pytest.raises(record.LeakageError, match="mediated"):
        scorecard.icb_backtest(_subset(tmp_path, 30), replicates=5, penalty=1.0)


def _subset(tmp_path, n, seed=0):
    """An ICB-format pair of files the project has never seen: ``n`` crises of the shipped
    set, rows shuffled."""
    system, actors = pd.read_csv(ICB1), pd.read_csv(ICB2)
    usable = record.crises().onset.index
    chosen = pd.Series(usable).sample(n, random_state=seed)
    files = (tmp_path / "sys.csv", tmp_path / "act.csv")
    system[system["crisno"].isin(chosen)].sample(frac=1, random_state=1).to_csv(files[0],
                                                                             index=False)
    actors[actors["crisno"].isin(chosen)].to_csv(files[1], index=False)
    return files


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    files = _subset(tmp_path_factory.mktemp("icb"), 60)
    return scorecard.icb_backtest(files, replicates=200, seed=2, n_boot=300, penalty=1.0)


def test_icb_backtest_scores_model_and_baselines(small):
    n = len(small.onset)
    assert n == 60 and (small.outcome.index == small.onset.index).all()
    for name, f in small.forecasts.items():
        assert f.p_war.shape == (n,) and ((f.p_war > 0) & (f.p_war < 1)).all(), name
        np.testing.assert_allclose(f.severity.sum(axis=1), 1, err_msg=name)
    losses = small.losses("model")
    np.testing.assert_allclose(losses["brier"],
                               (small.forecasts["model"].p_war - small.war) ** 2)
    base = small.forecasts["base_rate"].p_war
    np.testing.assert_allclose(base, (small.war.sum() - small.war + 0.5) / n)  # Jeffreys
    skill = small.skill("model", "base_rate")["brier"]
    expected = 1 - losses["brier"].mean() / small.losses("base_rate")["brier"].mean()
    assert skill.value == pytest.approx(expected) and skill.low <= skill.value <= skill.high


def test_icb_backtest_reports_the_level_and_ranking_of_p_war(small):
    """Beside the scores, each forecaster's mean P(war) against the war rate, and how well
    it ranks the wars (the area under the ROC curve), except the base rate's, which ranks
    nothing."""
    table = small.as_dict()
    for name, f in small.forecasts.items():
        assert table["mean_p_war"][name] == pytest.approx(f.p_war.mean())
    assert set(table["auc"]) == {"model", "baseline"}
    assert table["auc"]["model"] == scores.discrimination(small.forecasts["model"].p_war,
                                                          small.war).as_dict()
    text = str(small)
    assert re.search(rf"^  the record \(war rate\) +{small.war.mean():.3f}$", text, re.M)
    assert re.search(rf"^  model +{small.forecasts['model'].p_war.mean():.3f} +"
                     rf"{table['auc']['model']['value']:.3f} \[", text, re.M)
    assert "- (ranks nothing)" in text


def test_model_forecast_is_its_replicates_share(small):
    run_p = small.forecasts["model"].p_war
    table = small.as_dict()["crisis_forecasts"]
    assert [row["p_war_model"] for row in table] == pytest.approx(list(run_p))
    # (k + 1/2) / (n + 1): a multiple of 1/(n+1) off by a half
    k = run_p * (small.replicates + 1) - 0.5
    np.testing.assert_allclose(k, np.round(k), atol=1e-9)


def test_icb_scores_do_not_depend_on_the_workers(tmp_path):
    from sim.executors import make_executor

    files = _subset(tmp_path, 12, seed=5)
    one = scorecard.icb_backtest(files, replicates=50, seed=1, n_boot=50, penalty=1.0)
    with make_executor("local", 2) as executor:
        two = scorecard.icb_backtest(files, replicates=50, seed=1, n_boot=50, penalty=1.0,
                                     executor=executor)
    np.testing.assert_array_equal(one.forecasts["model"].p_war, two.forecasts["model"].p_war)
    np.testing.assert_array_equal(one.forecasts["model"].severity,
                                  two.forecasts["model"].severity)


def test_backtest_icb_scores_files_it_has_never_seen(tmp_path, capsys):
    files = _subset(tmp_path, 25, seed=3)
    code = main(["backtest", "--icb", *map(str, files), "--replicates", "30", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["crises"] == 25 and len(out["crisis_forecasts"]) == 25
    assert set(out["mean_scores"]) == {"model", "base_rate", "baseline"}
    assert {"brier", "log", "rps"} <= set(out["skill"]["model_vs_base_rate"])


@pytest.mark.parametrize("argv, message", [
    (["backtest", "--icb", "one.csv"], "expected two files"),
    (["backtest", "--icb", "missing1.csv", "missing2.csv"], "missing1.csv"),
    (["backtest", "scenarios/history", "--icb"], "not both"),
    (["backtest", "--workers", "2"], "only with --icb"),
    (["backtest", "no/such/dir"], "no such file"),
])
def test_backtest_mistakes_are_one_line(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_mid_check_compares_the_same_moments(tmp_path):
    disputes = record.disputes().sample(150, random_state=4)
    check = scorecard.mid_check(4, seed=1, disputes=disputes, n_boot=100)
    table = check.comparison.table
    assert check.disputes == 150 and check.simulated > 0
    from sim import targets

    observed = targets.core_moments(disputes)
    assert list(table.index) + check.undefined == list(observed)
    np.testing.assert_allclose(table["observed"], [observed[n] for n in table.index])
    assert all(np.isnan(observed[n]) or n.endswith("nuclear") for n in check.undefined)
    assert np.isfinite(check.comparison.joint_distance)
    assert "joint distance" in str(check)


def test_simulated_disputes_carry_their_dispute_s_strata():
    disputes = record.disputes().sample(30, random_state=2)
    from sim import population

    run = population.simulate(population.from_disputes(disputes), 10, seed=1)
    table = scorecard.simulated_disputes(run, disputes)
    merged = table.join(disputes[["land_contiguity", "nuclear"]], on="dispnum", rsuffix="_d")
    assert (merged["land_contiguity"] == merged["land_contiguity_d"]).all()
    assert (merged["nuclear"] == merged["nuclear_d"]).all()
    assert set(table["hostlev"]) <= {3, 4, 5}


def test_too_few_crises_for_a_baseline_say_so(tmp_path):
    files = _subset(tmp_path, 6, seed=1)
    result = scorecard.icb_backtest(files, replicates=20, n_boot=50, penalty=1.0)
    assert "baseline" not in result.forecasts and "baseline" in result.unavailable
    assert result.pairs == [("model", "base_rate")]
    assert "not available" in str(result)


def test_skill_interval_is_paired(small):
    """The interval of the model's skill over the base rate comes from resampling crises
    jointly: it is the scores module's, on the two loss vectors."""
    mine, theirs = small.losses("model")["brier"], small.losses("base_rate")["brier"]
    direct = scores.skill(mine, theirs, n_boot=small.n_boot, seed=small.seed)
    got = small.skill("model", "base_rate")["brier"]
    assert (got.low, got.high) == (direct.low, direct.high)


def test_scorecard_out_follows_the_folder_rules(tmp_path, capsys):
    """A folder holding someone else's files, or another command's results, is refused in
    one line before any simulation."""
    (tmp_path / "thesis.tex").write_text("mine")
    assert main(["scorecard", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no crisis-sim results" in err[0]
    run = tmp_path / "run"
    run.mkdir()
    (run / "run.json").write_text("{}")
    assert main(["scorecard", "--out", str(run)]) == 2
    assert "holds the results of a run" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["backtest", "--icb", "--replicates", "20000"], "allowed: 1 to 10,000"),
    (["calibrate", "--check", "--replicates", "20000"], "allowed: 1 to 10,000"),
    (["scorecard", "--out", "{tmp}/card", "--set", "actor.A.resolve=1"], "no actor 'A'"),
])
def test_scorecard_mistakes_are_one_line_before_the_work(argv, message, tmp_path, capsys):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
