"""Results folders a user can trust: a resumed sweep verifies what is on disk, is
identified by the effective experiment it runs, and one writer at a time owns a folder
(docs/reliability.md, "Nothing is lost or mixed")."""

import dataclasses
import json
import shutil

import pyarrow.parquet as pq
import pytest

from sim import experiment
from sim.cli import main
from sim.errors import InputError
from sim.experiment import Sweep

from .conftest import FLAGSHIP

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
    entry["sha256"] = experiment._sha256(out / BLOCK_0)
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
