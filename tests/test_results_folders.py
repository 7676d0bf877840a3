"""Results folders a user can trust: a resumed sweep verifies what is on disk, is
identified by the effective experiment it runs, and one writer at a time owns a folder
(docs/reliability.md, "Nothing is lost or mixed")."""

import dataclasses
import json
import shutil
import subprocess
import sys
import time

import pyarrow.parquet as pq
import pytest

from sim import experiment
from sim.cli import main
from sim.errors import InputError
from sim.experiment import Sweep

from .conftest import FLAGSHIP, ROOT

SMALL = f"""
[experiment]
id = "trust"
scenario = "{FLAGSHIP.as_posix()}"
replicates = 2000
seed = 7
design = "grid"

[parameters]
"scenario.horizon" = [30]
"actor.CHN.leverage" = [0.0, 0.5, 1.0]
"""
BLOCK_0 = "runs/point-00000/blocks-00000-00001.parquet"
BLOCK_1 = "runs/point-00001/blocks-00000-00001.parquet"


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished sweep: the experiment file and the results folder."""
    root = tmp_path_factory.mktemp("finished")
    spec = root / "trust.toml"
    spec.write_text(SMALL)
    Sweep(experiment.load(spec), root / "out").run()
    return spec, root / "out"


@pytest.fixture
def copy(finished, tmp_path):
    """A copy of the finished sweep to break."""
    spec, out = finished
    shutil.copytree(out, tmp_path / "out")
    return spec, tmp_path / "out"


def resume(spec, out, capsys):
    status = main(["sweep", str(spec), "--out", str(out), "--resume", "--json"])
    captured = capsys.readouterr()
    return status, captured.err


def truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def empty(path):
    path.write_bytes(b"")


def cut_to_500_rows(path):
    pq.write_table(pq.read_table(path).slice(0, 500), path)


def copy_from_another_point(path):
    shutil.copyfile(path.parents[1] / "point-00001" / path.name, path)


def delete(path):
    path.unlink()


def flip_a_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [truncate, empty, cut_to_500_rows, copy_from_another_point,
                                    delete, flip_a_byte], ids=lambda f: f.__name__)
def test_a_damaged_block_is_recomputed_and_the_user_told(finished, copy, damage, capsys):
    spec, out = copy
    damage(out / BLOCK_0)
    status, err = resume(spec, out, capsys)
    assert status == 0, err
    assert "Traceback" not in err
    if damage is not delete:  # a missing block is simply work left to do
        assert "1 block file did not match the manifest and is recomputed" in err
        assert "point-00000/blocks-00000-00001.parquet" in err
    assert (out / "points.parquet").read_bytes() == \
        (finished[1] / "points.parquet").read_bytes()
    assert pq.read_table(out / BLOCK_0).num_rows == 2000


def test_a_stray_copy_of_a_block_is_never_counted(finished, copy, capsys):
    spec, out = copy
    shutil.copyfile(out / BLOCK_0, out / "runs/point-00000/blocks-00000-00001 copy.parquet")
    shutil.copyfile(out / BLOCK_1, out / "runs/point-00000/blocks-00010-00011.parquet")
    status, err = resume(spec, out, capsys)
    assert status == 0, err
    assert (out / "points.parquet").read_bytes() == \
        (finished[1] / "points.parquet").read_bytes()


def test_a_block_not_in_the_manifest_is_recomputed(finished, copy, capsys):
    spec, out = copy
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["blocks"][BLOCK_0.removeprefix("runs/")]
    (out / "manifest.json").write_text(json.dumps(manifest))
    cut_to_500_rows(out / BLOCK_0)
    status, err = resume(spec, out, capsys)
    assert status == 0 and "1 block file not in the manifest" in err
    assert (out / "points.parquet").read_bytes() == \
        (finished[1] / "points.parquet").read_bytes()


def test_an_edited_manifest_cannot_vouch_for_a_short_block(finished, copy, capsys):
    spec, out = copy
    cut_to_500_rows(out / BLOCK_0)
    manifest = json.loads((out / "manifest.json").read_text())
    entry = manifest["blocks"][BLOCK_0.removeprefix("runs/")]
    entry["rows"] = 500
    entry["sha256"] = experiment.file_sha256(out / BLOCK_0)
    (out / "manifest.json").write_text(json.dumps(manifest))
    status, err = resume(spec, out, capsys)
    assert status == 0 and "the manifest says 500 rows; its seed blocks have 2,000" in err
    assert (out / "points.parquet").read_bytes() == \
        (finished[1] / "points.parquet").read_bytes()


def test_resume_with_other_replicates_through_the_api_is_refused(finished, tmp_path):
    spec = experiment.load(finished[0])
    out = tmp_path / "api"
    import sim

    assert sim.sweep(dataclasses.replace(spec, replicates=500), out=out).points["n"].eq(
        500).all()
    with pytest.raises(InputError, match=r"replicates = 500, this experiment has "
                                         r"replicates = 2000; refusing to mix"):
        sim.sweep(dataclasses.replace(spec, replicates=2000), out=out, resume=True)
    # a changed scenario object (same files) is another experiment too
    other = dataclasses.replace(spec, scenario=spec.scenario.override(
        {"actor.PAK.restraint": 0.5}))
    with pytest.raises(InputError, match="a different scenario"):
        sim.sweep(dataclasses.replace(other, replicates=500), out=out, resume=True)
    assert sim.sweep(dataclasses.replace(spec, replicates=500), out=out,
                     resume=True).points["n"].eq(500).all()


@pytest.mark.parametrize("text", ["[1, 2]", "null", "", "{", '"running"', "{}"])
def test_a_malformed_manifest_is_one_clear_line(copy, text, capsys):
    spec, out = copy
    (out / "manifest.json").write_text(text)
    status, err = resume(spec, out, capsys)
    assert status == 2 and len(err.strip().splitlines()) == 1, err
    assert "manifest.json: not a crisis-sim manifest" in err and "--force" in err


# -- one writer per folder ------------------------------------------------------------------

LONG = SMALL.replace("replicates = 2000", "replicates = 50000").replace(
    '"actor.CHN.leverage" = [0.0, 0.5, 1.0]',
    '"actor.CHN.leverage" = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]')


def test_a_busy_folder_is_refused_and_a_dead_writers_lock_is_named(write, tmp_path, capsys):
    spec = write(LONG, "long.toml")
    out = tmp_path / "busy"
    writer = subprocess.Popen([sys.executable, "-m", "sim.cli", "sweep", str(spec), "--out",
                               str(out)], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not (out / "manifest.json").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert writer.poll() is None, "the sweep ended before the test could race it"
        for flags in (["--resume"], ["--force"], []):
            status = main(["sweep", str(spec), "--out", str(out), *flags])
            err = capsys.readouterr().err
            assert status == 2 and f"in use by another crisis-sim (pid {writer.pid}" in err, err
        assert main(["run", str(FLAGSHIP), "--replicates", "10", "--out", str(out),
                     "--force"]) == 2
    finally:
        writer.kill()
        writer.wait()
    status = main(["sweep", str(spec), "--out", str(out), "--resume",
                   "--json"])
    err = capsys.readouterr().err
    assert status == 0, err
    assert f"the last writer (pid {writer.pid}" in err and "lock is stale" in err


@pytest.mark.parametrize("flags,says", [
    (["--executor", "ray"], "--executor ray: allowed: local, dask"),
    (["--executor", "dask", "--scheduler", "nonsense"], "not a Dask scheduler address"),
    (["--executor", "dask", "--scheduler", "http://localhost:8786"],
     "not a Dask scheduler address"),
    (["--executor", "dask", "--scheduler", "tcp://127.0.0.1:1"], "cannot reach"),
    (["--scheduler", "tcp://127.0.0.1:1"], "only with --executor dask"),
])
def test_a_bad_executor_writes_nothing(finished, copy, tmp_path, flags, says, capsys):
    spec, out = copy
    fresh = tmp_path / "fresh"
    assert main(["sweep", str(spec), "--out", str(fresh), *flags]) == 2
    err = capsys.readouterr().err
    assert says in err and len(err.strip().splitlines()) == 1, err
    assert not fresh.exists()
    before = (out / "manifest.json").read_bytes()
    assert main(["sweep", str(spec), "--out", str(out), "--resume", *flags]) == 2
    assert (out / "manifest.json").read_bytes() == before  # still 'complete'
    capsys.readouterr()
    assert main(["sweep", str(spec), "--out", str(fresh), "--json"]) == 0


RUN = ["run", str(FLAGSHIP), "--replicates", "200", "--horizon", "10"]


def test_run_out_follows_the_sweep_rules(finished, tmp_path, capsys):
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "thesis.tex").write_text("years of work")
    (thesis / "run.json").write_text("{}")  # a file of that name is not enough to own it
    assert main([*RUN, "--out", str(thesis)]) == 2
    out, err = capsys.readouterr()
    assert "holds results already" in err and not out  # refused before simulating
    assert sorted(p.name for p in thesis.iterdir()) == ["run.json", "thesis.tex"]

    assert main([*RUN, "--out", str(finished[1])]) == 2
    assert "holds the results of a sweep" in capsys.readouterr().err

    mine = tmp_path / "mine"
    assert main([*RUN, "--out", str(mine)]) == 0
    capsys.readouterr()
    assert main([*RUN, "--out", str(mine), "--seed", "2"]) == 2
    assert "use --force to replace them" in capsys.readouterr().err
    assert main([*RUN, "--out", str(mine), "--seed", "2", "--force"]) == 0
    assert json.loads((mine / "run.json").read_text())["seed"] == 2


COMPARE = ["compare", str(FLAGSHIP), "--replicates", "200", "--horizon", "30", "--variant",
           "no_mediation"]


def test_compare_out_follows_the_sweep_rules(finished, tmp_path, capsys):
    existing = tmp_path / "notes.txt"
    existing.write_text("mine")
    assert main([*COMPARE, "--out", str(existing)]) == 2
    out, err = capsys.readouterr()
    assert "is a file" in err and not out  # refused before simulating
    assert main([*COMPARE, "--out", str(finished[1])]) == 2
    assert "holds the results of a sweep" in capsys.readouterr().err
    target = tmp_path / "cmp"
    assert main([*COMPARE, "--out", str(target)]) == 0
    assert (target / "comparison.json").exists()
    assert main([*COMPARE, "--out", str(target)]) == 2
