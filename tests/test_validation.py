"""The backtest, the historical scenarios and event-data export."""

import csv
import json

import numpy as np
import pytest

from sim import analysis, api, events, plots, scenario
from sim.cli import main
from sim.ladder import goldstein

from .conftest import FLAGSHIP, ROOT

HISTORY = sorted((ROOT / "scenarios" / "history").glob("*.toml"))


@pytest.mark.parametrize("path", [FLAGSHIP, *HISTORY], ids=lambda p: p.stem)
def test_historical_scenarios_load_run_and_say_what_happened(path):
    crisis = scenario.load(path)
    assert crisis.outcome is not None and crisis.outcome.source
    assert all(e.source for e in crisis.events)
    result = api.run(crisis, 500, 1)
    assert sum(p.k for p in result.summary.outcomes.values()) == 500


def test_kargil_is_a_cow_war_in_the_record():
    kargil = scenario.load(ROOT / "scenarios" / "history" / "kargil_1999.toml")
    assert kargil.outcome.war and not scenario.load(FLAGSHIP).outcome.war


@pytest.fixture(scope="module")
def backtest():
    return analysis.backtest([FLAGSHIP, ROOT / "scenarios" / "history"], replicates=2000,
                             seed=1, goldstein_paths=200)


def test_backtest_scores_against_the_base_rate(backtest):
    assert [c.crisis.id for c in backtest.cases] == [
        "iran_pakistan_2024", "india_pakistan_2019", "kargil_1999", "us_iran_2020"]
    wars = np.array([c.happened.war for c in backtest.cases])
    p = np.array([c.p_war.p for c in backtest.cases])
    base = backtest.base_rate
    assert base == pytest.approx(29 / 1224, abs=5e-5)  # MID 5.0, war | force, post-1945
    assert backtest.brier[0] == pytest.approx(np.mean((p - wars) ** 2))
    assert backtest.brier[1] == pytest.approx(np.mean((base - wars) ** 2))
    assert backtest.log_score[1] == pytest.approx(np.mean(np.log(np.where(wars, base,
                                                                         1 - base))))
    assert np.isfinite(backtest.log_score[0])  # smoothed: 0 of n is not scored impossible


def test_backtest_takes_files_and_directories(tmp_path):
    files, skipped = analysis.scenario_files(ROOT / "scenarios")
    assert FLAGSHIP in files and len(files) == 4
    assert skipped == [str(ROOT / "scenarios" / "teaching" / "generic_rivalry.toml")]
    one = analysis.backtest(ROOT / "scenarios" / "history" / "kargil_1999.toml", 200, 1)
    assert [c.crisis.id for c in one.cases] == ["kargil_1999"]
    with pytest.raises(scenario.InputError, match="no scenario with an"):
        analysis.backtest(ROOT / "scenarios" / "teaching", 100, 1)


def test_goldstein_series_replays_history_to_the_branch(backtest):
    g = backtest.goldstein
    crisis = g["crisis"]
    branch = crisis.day(crisis.branch)
    record = g["record"]
    assert np.allclose(g["simulated"][: branch + 1], record[: branch + 1, None])
    assert record[crisis.day(crisis.branch)] == pytest.approx(-10 - 2)  # strike 195, protest 111
    assert plots.backtest_goldstein(backtest).axes[0].get_legend() is not None


def test_events_csv_codes_history_and_one_continuation(tmp_path):
    out = tmp_path / "events.csv"
    assert main(["events", str(FLAGSHIP), "--replicate", "3", "-o", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    historical = [r for r in rows if r["kind"] == "historical"]
    simulated = [r for r in rows if r["kind"] == "simulated"]
    assert historical and simulated
    assert max(r["date"] for r in historical) <= "2024-01-16" < min(r["date"] for r in simulated)
    for r in rows:
        assert float(r["goldstein"]) == goldstein(r["cameo"])
    strike = next(r for r in historical if r["rung"] == "limited strike")
    assert strike["cameo"] == "195" and strike["source"] == "IRN" and strike["target"] == "PAK"


def test_simulated_events_follow_the_path():
    told = api.story(FLAGSHIP, 3, 1)
    crisis = told.scenario
    records = events.simulated(crisis, told.trajectories, 0)
    path = told.trajectories.rung[:, 0, 0]
    force_days = {crisis.date(d) for d in range(crisis.day(crisis.branch) + 1, len(path))
                  if path[d] >= 5}
    struck = {e.date for e in records if e.source == "IRN" and e.cameo == "195"}
    assert struck == force_days


def test_cli_backtest_json(capsys):
    assert main(["backtest", "--replicates", "500", "--json", str(FLAGSHIP),
                 str(ROOT / "scenarios" / "history")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["cases"]) == 4 and out["base_rate_war"] == pytest.approx(29 / 1224, 1e-3)
    assert main(["backtest", "/nonexistent"]) == 2
