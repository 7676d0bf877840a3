"""Interruptions, write failures, determinism, numerical edges and what scenario files can
reach: the guarantees docs/reliability.md lists."""

import ast
import errno
import json
import math
import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim import experiment, policies, scenario
from sim.errors import InputError, WriteError
from sim.experiment import Sweep
from sim.model import simulate
from sim.parameters import KINDS, MODEL, Distribution

from .conftest import FLAGSHIP, GENERIC, ROOT

KILL_EXPERIMENT = f"""
[experiment]
id = "kills"
scenario = "{FLAGSHIP.as_posix()}"
replicates = 20000
seed = 5
design = "grid"

[parameters]
"scenario.horizon" = [60]
"actor.PAK.policy" = ["quantal_response", "grit", "tit_for_tat", "richardson"]
"actor.CHN.leverage" = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
"""
KILLS = 10


def sweep_command(spec, out, *more):
    return [sys.executable, "-m", "sim.cli", "sweep", str(spec), "--out", str(out), *more]


@pytest.mark.slow  # ten kills of a running sweep: about 50 s (make test-slow; .ci/run)
def test_ten_kills_and_resumes_end_with_the_uninterrupted_results(write, tmp_path):
    """Kill the sweep (SIGKILL) at a random moment after it has written something new, ten
    times, resuming each time; the final points must be the uninterrupted run's, byte for
    byte."""
    spec = write(KILL_EXPERIMENT, "kills.toml")
    reference = tmp_path / "reference"
    Sweep(experiment.load(spec), reference).run()
    out = tmp_path / "killed"
    chance = random.Random(20241116)
    landed = 0
    while landed < KILLS:
        flags = ("--resume",) if landed else ()
        before = len(list(out.rglob("blocks-*.parquet")))
        process = subprocess.Popen(sweep_command(spec, out, *flags), cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while process.poll() is None and len(list(out.rglob("blocks-*.parquet"))) == before:
            time.sleep(0.02)
        time.sleep(chance.uniform(0.0, 0.5))
        if process.poll() is not None:
            break  # the sweep finished before this kill: no more work to interrupt
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        landed += 1
        for finished in out.rglob("blocks-*.parquet"):  # whole, never partial
            assert pq.read_table(finished).num_rows > 0
        assert not (out / "points.parquet").exists()
    print(f"\n{landed} kills landed mid-sweep; resumed after each")
    assert landed == KILLS, f"the sweep finished after {landed} kills: make it longer"
    done = subprocess.run(sweep_command(spec, out, "--resume"), cwd=ROOT, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert not list(out.rglob("*.tmp")), "a kill's temporary file outlived the resume"
    assert (out / "points.parquet").read_bytes() == (reference / "points.parquet").read_bytes()


def test_a_full_disk_leaves_no_partial_file_and_resume_completes(write, tmp_path,
                                                                 monkeypatch):
    spec = experiment.load(write(KILL_EXPERIMENT.replace("replicates = 20000",
                                                         "replicates = 300"), "disk.toml"))
    reference = tmp_path / "reference"
    Sweep(spec, reference).run()
    real = pq.write_table
    calls = {"n": 0}

    def full_disk(table, where, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            with open(where, "wb") as handle:      # half a file, then the disk is full
                handle.write(b"PAR1 partial")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(table, where, *args, **kwargs)

    monkeypatch.setattr(pq, "write_table", full_disk)
    out = tmp_path / "out"
    with pytest.raises(WriteError, match=r"No space left on device.*--resume"):
        Sweep(spec, out).run()
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert len(list(out.rglob("blocks-*.parquet"))) == 4  # the four written before
    monkeypatch.setattr(pq, "write_table", real)
    Sweep(spec, out, resume=True).run()
    assert (out / "points.parquet").read_bytes() == (reference / "points.parquet").read_bytes()


def test_the_command_line_reports_a_write_failure_in_one_line(tmp_path, capsys):
    from sim.cli import main
    blocked = tmp_path / "file"
    blocked.write_text("a file where a directory should be")
    status = main(["run", str(FLAGSHIP), "--replicates", "100", "--horizon", "10", "--out",
                   str(blocked / "run")])
    err = capsys.readouterr().err
    assert status == 1 and len(err.strip().splitlines()) == 1 and "cannot write" in err


def test_resume_refuses_a_changed_scenario(tmp_path):
    copy_of = tmp_path / "scenario.toml"
    copy_of.write_text(FLAGSHIP.read_text())
    spec_text = KILL_EXPERIMENT.replace(FLAGSHIP.as_posix(), copy_of.as_posix()).replace(
        "replicates = 20000", "replicates = 100")
    spec_path = tmp_path / "e.toml"
    spec_path.write_text(spec_text)
    Sweep(experiment.load(spec_path), tmp_path / "out").run()
    copy_of.write_text(FLAGSHIP.read_text().replace("rivalry = 0.0", "rivalry = 0.5"))
    with pytest.raises(InputError, match="different scenario file"):
        Sweep(experiment.load(spec_path), tmp_path / "out", resume=True).run()


# -- determinism ----------------------------------------------------------------------------

def run_json(*extra, hashseed="0"):
    env = {**os.environ, "PYTHONHASHSEED": hashseed}
    done = subprocess.run([sys.executable, "-m", "sim.cli", "run", str(FLAGSHIP),
                           "--replicates", "25000", "--seed", "9", "--json", *extra],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    out = json.loads(done.stdout)
    out.pop("elapsed_s")
    return out


def test_json_is_identical_across_processes_workers_and_hash_seeds():
    first = run_json(hashseed="1")
    assert run_json(hashseed="2") == first
    assert run_json("--workers", "2", hashseed="3") == first


def test_points_are_identical_bytes_across_hash_seeds(write, tmp_path):
    spec = write(KILL_EXPERIMENT.replace("replicates = 20000", "replicates = 200"), "h.toml")
    for seed in ("11", "12"):
        subprocess.run(sweep_command(spec, tmp_path / seed), cwd=ROOT, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True)
    assert (tmp_path / "11" / "points.parquet").read_bytes() == \
        (tmp_path / "12" / "points.parquet").read_bytes()


# -- numbers at the edges ----------------------------------------------------------------------

def edge_cases():
    cases = [("model", name, spec) for name, spec in MODEL.items()]
    flagship = scenario.load(FLAGSHIP)
    for actor_id in ("PAK", "CHN", "BLA"):
        actor = flagship.actor(actor_id)
        cases += [(actor_id, name, spec) for name, spec in actor.parameter_table.items()]
    cases += [("PAK", name, spec) for policy in ("tit_for_tat", "grit", "richardson")
              for name, spec in policies.get(policy).parameters.items()]
    return cases


@pytest.mark.parametrize("owner,name,spec", edge_cases(),
                         ids=lambda x: x if isinstance(x, str) else "")
def test_every_parameter_at_its_edges_gives_finite_outputs(owner, name, spec):
    flagship = scenario.load(FLAGSHIP, horizon=40)
    prefix = "model" if owner == "model" else f"actor.{owner}"
    policy = next((p for p in ("tit_for_tat", "grit", "richardson")
                   if name in policies.get(p).parameters), None)
    edges = (spec.low, spec.high) if spec.flag else (spec.low, spec.high,
                                                     (spec.low + spec.high) / 2)
    for value in edges:
        value = round(value) if spec.integer else value
        sets = {f"{prefix}.{name}": value}
        if policy:
            sets[f"actor.{owner}.policy"] = policy
        records = simulate(flagship.override(sets), 300, 2)
        for column, values in records.columns.items():
            assert np.all(np.isfinite(values.astype(float))), (name, value, column)
        summary = records.summary()
        assert math.isclose(sum(p.p for p in summary.outcomes.values()), 1.0)
        assert all(math.isfinite(p.p) for p in summary.max_rung.values())


def test_distributions_at_the_edges_stay_in_range():
    generic = scenario.load(GENERIC)
    wide = generic.override({"actor.*.restraint": {"normal": [0.0, 100.0]},
                             "actor.*.beta": {"lognormal": [1.0, 5.0]},
                             "model.force_lethality": {"beta": [0.01, 0.01]}})
    records = simulate(wide, 500, 3)
    assert all(np.all(np.isfinite(v.astype(float))) for v in records.columns.values())
    assert isinstance(KINDS["state"]["nuclear_deterrence"].default, Distribution)


# -- what a scenario file can reach ------------------------------------------------------------

def test_no_eval_exec_pickle_or_dynamic_import_in_the_package():
    for path in (ROOT / "sim").glob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", "") or ""]
                assert not any(n.split(".")[0] in ("pickle", "marshal", "shelve", "dill")
                               for n in names), (path.name, names)
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                bare = isinstance(node.func, ast.Name) or getattr(
                    getattr(node.func, "value", None), "id", "") == "builtins"
                assert not (bare and name in ("eval", "exec", "compile", "__import__")), \
                    path.name
                if name == "import_module":  # only the lazy exports of sim/__init__.py
                    assert path.name == "__init__.py", path.name
                if name == "load" and isinstance(node.func, ast.Attribute):
                    owner = getattr(node.func.value, "id", "")
                    assert owner not in ("np", "numpy", "pickle"), path.name


@pytest.mark.parametrize("name", ["os.system", "builtins:eval", "subprocess.run",
                                  "sim.policies:Hawk", "__import__('os')", "../evil"])
def test_a_policy_named_like_code_is_rejected(write, name):
    text = FLAGSHIP.read_text().replace('policy = "quantal_response"',
                                        f"policy = {json.dumps(name)}", 1)
    with pytest.raises(InputError, match="unknown policy"):
        scenario.load(write(text))


# -- killed sweeps leave no process behind -------------------------------------------------

def _descendants(pid):
    """The living processes below ``pid`` (from /proc)."""
    children = {}
    for stat in os.listdir("/proc"):
        if stat.isdigit():
            try:
                with open(f"/proc/{stat}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(stat))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_killed_sweep_leaves_no_worker_running(write, tmp_path, how):
    spec = write(KILL_EXPERIMENT.replace("replicates = 20000", "replicates = 50000"),
                 "kill.toml")
    out = tmp_path / "out"
    process = subprocess.Popen(sweep_command(spec, out, "--workers", "2"), cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(out.rglob("blocks-*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.05)  # the workers are at work once a block is written
    assert process.poll() is None, "the sweep ended before it could be killed"
    below = _descendants(process.pid)
    assert len(below) >= 3, below  # the fork server, its workers (and a resource tracker)
    os.kill(process.pid, how)
    killed = time.monotonic()
    status = process.wait(timeout=60)
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in below) and time.monotonic() < deadline:
        time.sleep(0.1)
    print(f"\n{how.name}: {len(below)} processes below the sweep, all gone "
          f"{time.monotonic() - killed:.1f} s after the signal")
    left = [pid for pid in below if _alive(pid)]
    for pid in left:  # do not leave them to the next test
        os.kill(pid, signal.SIGKILL)
    assert not left, f"{len(left)} processes outlived the sweep"
    if how == signal.SIGTERM:  # like Ctrl-C: one line, the conventional status
        assert status == 143 and "terminated" in process.stderr.read()
