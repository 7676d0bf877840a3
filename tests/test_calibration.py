"""Calibration (sim.calibration, `crisis-sim calibrate`) and the posterior as the default
parameter source (sim.posterior, Scenario.posterior, outcomes.ParameterSpread)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import analysis, api, calibration, population, record, scenario
from sim.errors import InputError
from sim.model import CrisisModel
from sim.outcomes import ParameterSpread
from sim.parameters import Posterior

ROOT = Path(__file__).resolve().parent.parent
FLAGSHIP = ROOT / "scenarios" / "iran_pakistan_2024.toml"


# --------------------------------------------------------------------------- the method


def test_implausibility_counts_every_variance():
    obs = calibration.Observed(("a", "b"), np.array([1.0, 2.0]), np.diag([0.04, 0.09]))
    mean = np.array([[1.5, 2.0], [1.0, 3.0]])
    var = np.array([[0.05, 0.0], [0.0, 0.1]])
    imp = calibration.implausibility(obs, mean, var, np.array([0.01, 0.01]))
    assert imp[0, 0] == pytest.approx(0.5 / math.sqrt(0.04 + 0.01 + 0.05))
    assert imp[1, 1] == pytest.approx(1.0 / math.sqrt(0.09 + 0.01 + 0.1))
    assert imp[0, 1] == 0 and imp[1, 0] == 0


def test_smc_samples_a_known_posterior():
    """A Gaussian likelihood (mean 0.3, sd 0.05; mean 0.6, sd 0.1) under a uniform prior on
    the unit square: the draws' means and sds within five Monte-Carlo standard errors
    (1,000 draws, an effective size of at least ~250 after the moves)."""
    centre, sd = np.array([0.3, 0.6]), np.array([0.05, 0.1])

    def loglik(u: np.ndarray) -> np.ndarray:
        return -0.5 * (((u - centre) / sd) ** 2).sum(axis=1)

    rng = np.random.default_rng(3)
    draws = calibration.smc(loglik, rng.random((5000, 2)), 1000, rng)
    tolerance = 5 * sd / math.sqrt(250)
    assert np.all(np.abs(draws.mean(axis=0) - centre) < tolerance)
    assert np.all(np.abs(draws.std(axis=0) - sd) < 5 * sd / math.sqrt(2 * 250))


def test_select_spreads_the_design():
    rng = np.random.default_rng(0)
    pool = np.vstack([rng.random((900, 2)) * 0.1, rng.random((100, 2))])  # a dense corner
    chosen = calibration.select(pool, 20, np.random.SeedSequence(1))
    assert len(chosen) == 20
    assert (chosen.max(axis=1) > 0.1).sum() >= 10  # most points away from the crowd


def test_parameter_spread_recovers_a_known_split():
    """Replicates grouped by draw, P(event | draw) ~ Beta(2, 18) (mean 0.1, sd 0.065):
    the estimated sd within 20% (400 draws × 500 replicates; the estimator's relative
    error is about 1/sqrt(2 × 400) plus the within-draw noise), and none when every draw
    has the same probability."""
    rng = np.random.default_rng(7)
    p = rng.beta(2, 18, 400)
    draw = np.repeat(np.arange(400), 500)
    event = rng.random(len(draw)) < p[draw]
    spread = ParameterSpread.of(event, draw)
    truth = math.sqrt(2 * 18 / (20 ** 2 * 21))
    assert spread.sd == pytest.approx(truth, rel=0.2)
    assert spread.low < 0.05 < 0.2 < spread.high
    flat = ParameterSpread.of(rng.random(len(draw)) < 0.1, draw)
    assert flat.sd < 0.2 * truth and flat.share < 0.01
    assert ParameterSpread.of(event, np.full(len(draw), -1)) is None


def test_calibration_recovers_a_parameter_from_its_own_moments():
    """Moments the model produced at restraint 1.6 are the 'record': the posterior for
    restraint (prior 0.25-3) must cover 1.6 and be much narrower than the prior."""
    disputes = record.disputes().iloc[::4]
    settings = calibration.Settings(
        "synthetic", (calibration.Prior("actor.*.restraint", 0.25, 3.0),), seed=5,
        moments=("share_display", "share_force", "recip_given_force", "median_dur_force",
                 "anyfatal_given_force"), waves=2, points=16, replicates=2,
        candidates=2000, draws=300, check=4, discrepancy=0.0)
    truth = np.array([[1.6]])
    table = calibration.simulate_points(disputes, np.repeat(truth, 4, axis=0),
                                        settings.paths, np.random.SeedSequence(11), 2)
    sims = calibration.moments(table, 4, settings.moments)
    observed = calibration.Observed(settings.moments, sims.mean(axis=0),
                                    np.diag(sims.var(axis=0, ddof=1)))
    result = calibration.calibrate(settings, disputes, observed=observed)
    values = result.posterior[:, 0]
    low, high = np.quantile(values, [0.005, 0.995])
    assert low <= 1.6 <= high
    assert values.std() < 0.5 * (3.0 - 0.25) / math.sqrt(12)


# --------------------------------------------------------------------------- the command


QUICK = """
[calibration]
id = "quick"
seed = 2
years = [1946, 1999]
holdout = [2000, 2014]
waves = 2
points = 10
candidates = 500
draws = 50
check = 3
moments = ["share_display", "recip_given_force", "median_dur_force"]

[parameters]
"actor.*.restraint" = { low = 0.25, high = 3.0 }
"model.settle_rate" = { low = 0.0, high = 0.02 }
"""


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    folder = tmp_path_factory.mktemp("calibration")
    config = folder / "quick.toml"
    config.write_text(QUICK)
    result = api.calibrate(config, folder / "out")
    return config, folder / "out", result


def test_calibrate_writes_a_posterior_and_its_report(quick):
    _, out, result = quick
    for name in ("posterior.parquet", "calibration.json", "report.md", "posterior.png",
                 "moments.png", "wave-1.parquet", "wave-2.parquet"):
        assert (out / name).stat().st_size > 0, name
    manifest = json.loads((out / "calibration.json").read_text())
    assert manifest["finished"] and len(manifest["waves"]) == 2
    draws = pd.read_parquet(out / "posterior.parquet")
    assert list(draws.columns) == ["draw", "actor.*.restraint", "model.settle_rate"]
    assert len(draws) == 50 and draws["actor.*.restraint"].between(0.25, 3).all()
    text = (out / "report.md").read_text()
    assert "## Parameters" in text and "within the 95% band" in text
    disputes = record.disputes()
    fitted = disputes["year"].between(1946, 1999).sum()
    assert f"{fitted:,} MID 5.0 disputes that started 1946–1999" in text
    assert "## Out of sample: disputes of 2000–2014" in text
    assert result.holdout is not None and result.holdout.moments.shape == (3, 3)


def test_a_killed_calibration_resumes_to_the_same_posterior(quick, tmp_path, monkeypatch):
    config, out, _ = quick
    real = calibration.run_wave

    def dies_at_wave_2(settings, disputes, number, *args, **kw):
        if number == 2:
            raise KeyboardInterrupt
        return real(settings, disputes, number, *args, **kw)

    monkeypatch.setattr(calibration, "run_wave", dies_at_wave_2)
    with pytest.raises(KeyboardInterrupt):
        api.calibrate(config, tmp_path / "again")
    assert (tmp_path / "again" / "wave-1.parquet").exists()
    assert not (tmp_path / "again" / "posterior.parquet").exists()
    ran = []
    monkeypatch.setattr(calibration, "run_wave",
                        lambda s, d, number, *a, **k: ran.append(number) or real(s, d, number,
                                                                                 *a, **k))
    api.calibrate(config, tmp_path / "again", resume=True)
    assert ran == [2, 3]  # wave 1 read back; wave 2 and the check run
    same = pd.read_parquet(out / "posterior.parquet")
    assert pd.read_parquet(tmp_path / "again" / "posterior.parquet").equals(same)


def test_resume_refuses_another_config(quick, tmp_path):
    _, out, _ = quick
    other = tmp_path / "other.toml"
    other.write_text(QUICK.replace("seed = 2", "seed = 3"))
    with pytest.raises(InputError, match="another config"):
        api.calibrate(other, out, resume=True)


def test_a_bad_config_lists_every_problem(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(QUICK.replace('moments = ["share_display"', 'moments = ["share_dsplay"')
                   .replace('{ low = 0.0, high = 0.02 }', '{ low = 0.5, high = 0.2 }')
                   + '"actor.PAK.restraint" = { low = 0, high = 1 }\n'
                   + '"actor.*.nonsense" = { low = 0, high = 1 }\n')
    with pytest.raises(InputError) as err:
        calibration.load(bad)
    text = "\n".join(err.value.problems)
    assert "share_dsplay" in text and "allowed:" in text
    assert "low < high" in text and "actor.PAK.restraint" in text and "nonsense" in text
    assert len(err.value.problems) == 4
    run = subprocess.run([sys.executable, "-m", "sim.cli", "calibrate", str(bad)],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "Traceback" not in run.stderr


# --------------------------------------------------------------------------- the default


def _posterior(rows: np.ndarray) -> Posterior:
    return Posterior(("actor.*.restraint", "model.settle_rate"), rows, "test")


def test_each_replicate_takes_one_whole_row_of_the_posterior():
    rows = np.array([[0.5, 0.001], [2.0, 0.01], [1.0, 0.005]])
    crisis = scenario.load(FLAGSHIP).with_posterior(_posterior(rows))
    model = CrisisModel(crisis, 3000, rng=4)
    draw = model.records["parameter_draw"]
    assert set(np.unique(draw)) == {0, 1, 2}
    for state in ("IRN", "PAK"):
        assert np.array_equal(model.params[f"actor.{state}.restraint"], rows[draw, 0])
    assert np.array_equal(model.params["model.settle_rate"], rows[draw, 1])


def test_what_a_scenario_sets_is_kept():
    rows = np.array([[0.5, 0.001], [2.0, 0.01]])
    crisis = scenario.load(FLAGSHIP, sets={"actor.PAK.restraint": 1.25,
                                           "model.settle_rate": 0.0})
    model = CrisisModel(crisis.with_posterior(_posterior(rows)), 500, rng=4)
    assert np.all(model.params["actor.PAK.restraint"] == 1.25)
    assert np.all(model.params["model.settle_rate"] == 0.0)
    assert set(np.unique(model.params["actor.IRN.restraint"])) == {0.5, 2.0}


def test_the_shipped_posterior_is_every_scenario_s_default(shipped_posterior):
    crisis = scenario.load(FLAGSHIP)
    assert crisis.posterior is not None and crisis.posterior.source.endswith(
        "data/posterior/posterior.parquet")
    assert crisis.override({"actor.PAK.restraint": 1.0}).posterior is crisis.posterior
    from_template = population.scenario(population.from_disputes(
        record.disputes().iloc[:1])[0])
    assert from_template.posterior is crisis.posterior  # the scorecard's cases too


def test_the_posterior_can_be_switched_off(monkeypatch, tmp_path):
    monkeypatch.setenv("CRISIS_SIM_POSTERIOR", "none")
    assert scenario.load(FLAGSHIP).posterior is None
    monkeypatch.setenv("CRISIS_SIM_POSTERIOR", str(tmp_path / "missing.parquet"))
    with pytest.raises(InputError, match="none, or the path"):
        scenario.load(FLAGSHIP)


def test_runs_report_the_parameters_share_of_the_spread():
    rows = np.array([[0.25, 0.0], [3.0, 0.02]])  # very different worlds
    crisis = scenario.load(FLAGSHIP).with_posterior(_posterior(rows))
    result = api.run(crisis, replicates=4000, seed=1)
    spread = result.summary.parameters
    assert spread is not None and spread.draws == 2
    assert "Parameter uncertainty" in str(result)
    assert result.as_dict()["parameter_uncertainty"]["draws"] == 2


def test_a_bad_executor_writes_nothing(tmp_path):
    config = tmp_path / "quick.toml"
    config.write_text(QUICK)
    run = subprocess.run([sys.executable, "-m", "sim.cli", "calibrate", str(config), "--out",
                          str(tmp_path / "out"), "--executor", "ray"],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "allowed: local, dask" in run.stderr
    assert not (tmp_path / "out").exists()


def test_compare_pairs_on_the_same_posterior_rows():
    rows = np.array([[0.25, 0.0], [3.0, 0.02]])
    crisis = scenario.load(FLAGSHIP).with_posterior(_posterior(rows))
    compared = analysis.compare(crisis, set={"actor.CHN.leverage": 0.0}, replicates=3000)
    assert compared.parameters is not None and compared.parameters.draws == 2
    assert "the same rows on both sides" in str(compared)
    assert compared.as_dict()["parameter_uncertainty"]["draws"] == 2


def test_parameter_spread_of_a_paired_difference():
    """Differences of -1/0/1 whose mean depends on the draw (+0.2 or 0): the estimated
    between-draw sd near 0.1 (200 draws × 300 pairs; 25% tolerance)."""
    rng = np.random.default_rng(2)
    draw = np.repeat(np.arange(200), 300)
    shift = np.where(np.arange(200) % 2 == 0, 0.2, 0.0)[draw]
    u = rng.random(len(draw))
    diff = (u < 0.1 + shift).astype(int) - (rng.random(len(draw)) < 0.1).astype(int)
    spread = ParameterSpread.of(diff, draw)
    assert spread.sd == pytest.approx(0.1, rel=0.25)
    assert spread.low < 0.1 < spread.high
