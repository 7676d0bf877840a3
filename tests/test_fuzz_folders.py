"""Fuzzed results folders: blocks and manifests of a finished sweep truncated, deleted,
duplicated and corrupted at random, then ``--resume``. Every case ends either with
points identical to the uninterrupted run's, or with one clear line and exit status 1 or
2: never a traceback, never a silently wrong number."""

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import experiment
from sim.cli import main
from sim.experiment import Sweep

from .conftest import FLAGSHIP

SPEC = f"""
[experiment]
id = "fuzz_folders"
scenario = "{FLAGSHIP.as_posix()}"
replicates = 300
seed = 11
design = "grid"

[parameters]
"scenario.horizon" = [30]
"actor.CHN.leverage" = [0.0, 0.4, 0.8, 1.0]
"""
SHORT, LONG = 100, 1000

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**12), st.floats(),
              st.text(max_size=12)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=6)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz-folders")
    spec = root / "spec.toml"
    spec.write_text(SPEC)
    Sweep(experiment.load(spec), root / "out").run()
    return spec, root / "out"


def damage_file(path: Path, data, out: Path) -> str:
    """Damage one file in one of the ways a disk, a kill or a person does."""
    action = data.draw(st.sampled_from(["truncate", "delete", "flip", "random", "empty",
                                        "duplicate", "swap"]))
    size = path.stat().st_size
    if size == 0 and action in ("truncate", "flip"):
        action = "random"
    if action == "truncate":
        path.write_bytes(path.read_bytes()[:data.draw(st.integers(0, max(0, size - 1)))])
    elif action == "delete":
        path.unlink()
    elif action == "flip":
        raw = bytearray(path.read_bytes())
        for _ in range(data.draw(st.integers(1, 5))):
            raw[data.draw(st.integers(0, len(raw) - 1))] ^= data.draw(st.integers(1, 255))
        path.write_bytes(bytes(raw))
    elif action == "random":
        path.write_bytes(data.draw(st.binary(max_size=2000)))
    elif action == "empty":
        path.write_bytes(b"")
    elif action == "duplicate":  # a copy beside it, under a name a block could have
        name = data.draw(st.sampled_from(["blocks-00000-00001 copy.parquet",
                                          "blocks-00001-00002.parquet",
                                          "blocks-00000-00010.parquet", path.name + ".bak"]))
        if name != path.name:
            shutil.copyfile(path, path.with_name(name))
    else:  # another file of the same kind in its place
        blocks = sorted(out.rglob("blocks-*.parquet"))
        other = data.draw(st.sampled_from(blocks)) if blocks else None
        if other is not None and other != path:
            shutil.copyfile(other, path)
    return action


def damage_manifest(path: Path, data) -> None:
    try:
        document = json.loads(path.read_text())
    except ValueError:
        document = None
    action = data.draw(st.sampled_from(["key", "key", "blocks", "whole", "file"]))
    if not isinstance(document, dict) or (action == "blocks" and not (
            isinstance(document.get("blocks"), dict) and document["blocks"])):
        action = "file"  # damaged already: damage it as bytes
    if action == "key":
        key = data.draw(st.sampled_from(sorted(document)))
        if data.draw(st.booleans()):
            del document[key]
        else:
            document[key] = data.draw(json_values)
    elif action == "blocks":
        blocks = document["blocks"]
        name = data.draw(st.sampled_from(sorted(blocks)))
        field = data.draw(st.sampled_from(["rows", "sha256", None]))
        if field is None or not isinstance(blocks[name], dict):
            blocks[name] = data.draw(json_values)
        else:
            blocks[name][field] = data.draw(st.one_of(json_values, st.integers(0, 10**5)))
    elif action == "whole":
        document = data.draw(json_values)
    else:
        damage_file(path, data, path.parent)
        return
    path.write_text(json.dumps(document))


def check_case(reference, data) -> str:
    spec, finished = reference
    out = Path(tempfile.mkdtemp(prefix="crisis-sim-fuzz-")) / "out"
    try:
        shutil.copytree(finished, out)
        files = sorted(p for p in out.rglob("*") if p.is_file())
        for _ in range(data.draw(st.integers(1, 3))):
            files = sorted(p for p in out.rglob("*") if p.is_file())
            if not files:
                break
            target = data.draw(st.sampled_from(files))
            if target.name == "manifest.json" and data.draw(st.booleans()):
                damage_manifest(target, data)
            else:
                damage_file(target, data, out)
        if data.draw(st.integers(0, 9)) == 0:  # a stale lock, or a kill's temporary file
            (out / ".crisis-sim.lock").write_text(data.draw(st.text(max_size=40)))
            (out / "runs" / ".blocks-x.parquet.1.tmp").parent.mkdir(exist_ok=True)
            (out / "runs" / ".blocks-x.parquet.1.tmp").write_bytes(b"PAR1")
        status, err = _resume(spec, out)
        problems = [line for line in err.strip().splitlines() if not line.startswith("note:")]
        assert "Traceback" not in err, err
        if status == 0:
            assert not problems, err
            assert (out / "points.parquet").read_bytes() == \
                (finished / "points.parquet").read_bytes(), "a silently wrong number"
            assert not list(out.rglob("*.tmp"))
            return "identical"
        assert status in (1, 2) and len(problems) == 1, (status, err)
        return "one line"
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)


def _resume(spec, out):
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = main(["sweep", str(spec), "--out", str(out), "--resume", "--json"])
    return status, err.getvalue()


def _settings(cases):
    return settings(max_examples=cases, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


ENDINGS: dict[str, int] = {}


@_settings(SHORT)
@given(data=st.data())
def test_damaged_results_folders_resume_to_the_same_points_or_one_line(reference, data):
    ending = check_case(reference, data)
    ENDINGS[ending] = ENDINGS.get(ending, 0) + 1


@pytest.mark.slow
@_settings(LONG)
@given(data=st.data())
def test_damaged_results_folders_long(reference, data):
    ending = check_case(reference, data)
    ENDINGS[ending] = ENDINGS.get(ending, 0) + 1


def test_fuzzing_reached_both_endings():
    """Run after the fuzzers in this file: both endings occurred (the cases are not all
    trivially one or the other)."""
    if not ENDINGS:
        pytest.skip("run with the fuzz tests above")
    print(f"\nendings: {ENDINGS}")
    assert ENDINGS.get("identical", 0) > 0 and ENDINGS.get("one line", 0) > 0


def test_a_resumed_precision_sweep_decides_as_an_uninterrupted_one(tmp_path, capsys):
    """Precision sweeps add a seed block per round while a point is short of its target;
    with a middle block deleted and a block past the last one put there, the resumed sweep
    recomputes the one, ignores the other and stops where the uninterrupted one stopped."""
    from sim.experiment import half_width
    from sim.model import simulate

    text = SPEC.replace("replicates = 300", "precision = 0.01\nmax_replicates = 40000"
                        ).replace("[0.0, 0.4, 0.8, 1.0]", "[0.0]").replace(
                            '"scenario.horizon" = [30]\n', "")
    spec = tmp_path / "precision.toml"
    spec.write_text(text)
    loaded = experiment.load(spec)
    crisis = loaded.scenario.override(loaded.points()[0])
    widths = [half_width(simulate(crisis, 40_000, 11, blocks=range(k)).columns)
              for k in (2, 3)]
    target = sum(widths) / 2  # met with three blocks, not with two: whatever the model
    spec.write_text(text.replace("precision = 0.01", f"precision = {target!r}"))
    reference = Sweep(experiment.load(spec), tmp_path / "reference").run()
    assert int(reference.points["n"][0]) == 30_000
    out = tmp_path / "out"
    shutil.copytree(tmp_path / "reference", out)
    runs = out / "runs/point-00000"
    (runs / "blocks-00001-00002.parquet").unlink()
    shutil.copyfile(runs / "blocks-00000-00001.parquet",  # one past where it stopped
                    runs / "blocks-00003-00004.parquet")
    status, err = _resume(spec, out)
    assert status == 0, err
    assert (out / "points.parquet").read_bytes() == \
        (tmp_path / "reference" / "points.parquet").read_bytes()
