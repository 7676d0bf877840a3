import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim import experiment
from sim.design import design_matrix
from sim.errors import InputError
from sim.experiment import Sweep
from sim.model import simulate

from .conftest import FLAGSHIP, ROOT

SMALL = f"""
[experiment]
id = "small"
scenario = "{FLAGSHIP.as_posix()}"
replicates = 400
seed = 3
design = "grid"

[parameters]
"scenario.horizon" = [30]
"actor.CHN.leverage" = [0.0, 1.0]
"actor.PAK.pressure_sensitivity" = [0.0, 0.3, 0.6]
"""


@pytest.fixture
def small(write):
    return experiment.load(write(SMALL, "small.toml"))


def test_grid_points_are_the_product_of_the_values(small):
    points = small.points()
    assert len(points) == 6
    assert points[1] == {"scenario.horizon": 30, "actor.CHN.leverage": 0.0,
                         "actor.PAK.pressure_sensitivity": 0.3}


def test_points_parquet_holds_values_estimates_and_intervals(small, tmp_path):
    result = Sweep(small, tmp_path / "out").run()
    table = pq.read_table(tmp_path / "out" / "points.parquet").to_pandas()
    assert len(table) == 6 and (table["n"] == 400).all()
    for outcome in ("war", "deescalated", "ongoing", "no_dispute"):
        assert (table[f"{outcome}_ci_low"] <= table[f"p_{outcome}"]).all()
        assert (table[f"p_{outcome}"] <= table[f"{outcome}_ci_high"]).all()
    total = table["p_war"] + table["p_deescalated"] + table["p_ongoing"] + table["p_no_dispute"]
    assert np.allclose(total, 1)
    # a point's estimate is what running its scenario directly gives (same seed)
    point = small.points()[5]
    direct = simulate(small.scenario.override(point), 400, 3)
    assert table.loc[5, "p_war"] == np.mean(direct["outcome"] == 0)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["seed"] == 3
    assert manifest["scenario_sha256"] == small.scenario.sha256
    assert len(list((tmp_path / "out" / "runs").rglob("*.parquet"))) == 6
    assert result.replicates == 2400


def test_same_numbers_whatever_the_executor(small, tmp_path):
    paths = {}
    for name, executor, workers in (("one", "local", 1), ("two", "local", 2),
                                    ("dask", "dask", 2)):
        Sweep(small, tmp_path / name, executor=executor, workers=workers).run()
        paths[name] = (tmp_path / name / "points.parquet").read_bytes()
    assert paths["one"] == paths["two"] == paths["dask"]


def test_kill_and_resume_gives_the_same_points(write, tmp_path):
    spec = write(SMALL.replace("replicates = 400", "replicates = 3000")
                 .replace('"scenario.horizon" = [30]', '"scenario.horizon" = [60]')
                 .replace("[0.0, 1.0]", "[0.0, 0.5, 1.0]"), "kill.toml")
    reference = tmp_path / "reference"
    Sweep(experiment.load(spec), reference).run()
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "sim.cli", "sweep", str(spec), "--out", str(out)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and len(list(out.rglob("blocks-*.parquet"))) < 3:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    finished = len(list(out.rglob("blocks-*.parquet")))
    assert 3 <= finished < 9, "the kill came too late to test anything"
    assert not (out / "points.parquet").exists()
    done = subprocess.run([*command, "--resume"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (out / "points.parquet").read_bytes() == (reference / "points.parquet").read_bytes()


def test_resume_refuses_a_changed_experiment(write, small, tmp_path):
    out = tmp_path / "out"
    Sweep(small, out).run()
    changed = experiment.load(write(SMALL.replace("seed = 3", "seed = 4"), "changed.toml"))
    with pytest.raises(InputError, match="different experiment file"):
        Sweep(changed, out, resume=True).run()
    with pytest.raises(InputError, match="holds results already; use --resume"):
        Sweep(small, out).run()
    Sweep(changed, out, force=True).run()  # starting over is allowed when asked for


def test_a_directory_holding_other_things_is_not_overwritten(small, tmp_path):
    (tmp_path / "thesis.tex").write_text("precious")
    with pytest.raises(InputError, match="holds other files"):
        Sweep(small, tmp_path).run()
    assert (tmp_path / "thesis.tex").read_text() == "precious"


def test_precision_adds_blocks_until_the_half_width_is_met(write, tmp_path):
    spec = experiment.load(write(SMALL.replace("replicates = 400", "precision = 0.01"),
                                 "precise.toml"))
    table = Sweep(spec, tmp_path / "out").run().points
    assert (table["n"] % 10_000 == 0).all()
    widths = [(table[f"{o}_ci_high"] - table[f"{o}_ci_low"]) / 2
              for o in ("war", "deescalated", "ongoing", "no_dispute")]
    assert (np.max(widths, axis=0) <= 0.01).all()


@pytest.mark.parametrize("text,pattern", [
    (SMALL.replace('design = "grid"', 'design = "lhs"'), "needs samples"),
    (SMALL.replace('design = "grid"', 'design = "sobol"\nsamples = 100'), "not a power of 2"),
    (SMALL.replace("replicates = 400", "replicates = 400\nprecision = 0.01"), "not both"),
    (SMALL.replace('"actor.CHN.leverage"', '"actor.CHN.leverag"'), "no parameter 'leverag'"),
    (SMALL.replace("[0.0, 1.0]", "[0.0, 2.0]"), "outside"),
    (SMALL.replace("seed = 3", "seed = 3\nsead = 4"), "sead: unknown key"),
    (SMALL.replace(FLAGSHIP.as_posix(), "nowhere.toml"), "no such file"),
])
def test_bad_experiment_files_are_one_line_errors(write, text, pattern):
    path = write(text, "bad.toml")
    with pytest.raises(InputError) as err:
        experiment.load(path)
    assert any(pattern in line and line.startswith(str(path)) for line in err.value.problems), \
        err.value.problems


def test_designs_fill_the_unit_cube():
    for design in ("lhs", "random"):
        unit = design_matrix(design, 3, 64, seed=1)
        assert unit.shape == (64, 3) and unit.min() >= 0 and unit.max() < 1
    saltelli = design_matrix("sobol", 3, 64, seed=1)
    assert saltelli.shape == (64 * 5, 3)
    a, b, ab0 = saltelli[:64], saltelli[64:128], saltelli[128:192]
    assert np.array_equal(ab0[:, 1:], a[:, 1:]) and np.array_equal(ab0[:, 0], b[:, 0])
    lhs = design_matrix("lhs", 2, 10, seed=2)
    assert sorted((lhs[:, 0] * 10).astype(int)) == list(range(10))  # one point per stratum


def test_shipped_experiments_load():
    grid = experiment.load(ROOT / "experiments" / "mediation_and_pressure.toml")
    assert len(grid.points()) == 30 and grid.replicates >= 1000
    sobol = experiment.load(ROOT / "experiments" / "sensitivity.toml")
    assert sobol.design == "sobol"
    assert len(sobol.points()) == sobol.samples * (len(sobol.factors) + 2)


def test_cli_sweep_json(small, tmp_path, capsys):
    from sim.cli import main
    assert main(["sweep", small.path, "--out", str(tmp_path / "o"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["points"] == 6 and out["replicates"] == 2400


def test_packed_points_get_exactly_their_standalone_numbers():
    grid = experiment.load(ROOT / "experiments" / "mediation_and_pressure.toml")
    points = grid.points()
    packed = experiment.run_task(grid, points, 2000, 0, 1)
    for values, columns in zip(points, packed, strict=True):
        alone = simulate(grid.scenario.override(values), 2000, grid.seed)
        for name in columns:
            assert np.array_equal(columns[name], alone[name]), (values, name)


def test_a_sweep_from_python_shows_its_progress_when_asked(small, capsys):
    experiment.sweep(small, progress=True)
    err = capsys.readouterr().err
    assert "6/6 points" in err and "2.40k/2.40k" in err
