import json
import subprocess
import sys

import pytest

from sim.cli import main

from .conftest import FLAGSHIP, ROOT

RUN = ["run", str(FLAGSHIP), "--replicates", "2000", "--seed", "1"]


def test_json_has_the_documented_fields(capsys):
    assert main([*RUN, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"scenario", "replicates", "seed", "outcomes", "days_to_deescalation", "max_rung",
            "mid_hostility", "elapsed_s"} <= set(out)
    assert set(out["outcomes"]) == {"war", "deescalated", "ongoing", "no_dispute"}
    for p in out["outcomes"].values():
        assert p["ci_low"] <= p["p"] <= p["ci_high"]
    assert abs(sum(p["p"] for p in out["outcomes"].values()) - 1) < 1e-9
    assert {"median", "q25", "q75"} <= set(out["days_to_deescalation"])


def test_same_command_twice_prints_the_same_numbers():
    def once():
        done = subprocess.run([sys.executable, "-m", "sim.cli", *RUN, "--json"], cwd=ROOT,
                              capture_output=True, text=True, check=True)
        out = json.loads(done.stdout)
        out.pop("elapsed_s")
        return out
    assert once() == once()


def test_summary_shows_probabilities_with_intervals(capsys):
    assert main(RUN) == 0
    text = capsys.readouterr().out
    assert "war (1,000+ battle deaths)" in text and "95% interval" in text
    assert "Days from the branch to de-escalation" in text


def test_trace_tells_a_story_beside_the_record(capsys):
    assert main([*RUN, "--trace", "3", "--horizon", "20"]) == 0
    text = capsys.readouterr().out
    assert "2024-01-16" in text and "record: PAK→IRN limited strike, 9 killed" in text
    assert "Outcome:" in text


def test_validate(capsys):
    assert main(["validate", str(FLAGSHIP)]) == 0
    assert "valid" in capsys.readouterr().out


@pytest.mark.parametrize("args,pattern", [
    (["run", "nothing.toml"], "nothing.toml: no such file"),
    (["run", "."], "is a directory"),
    ([*RUN, "--set", "actor.PAK.nonsense=1"], "has no parameter 'nonsense'"),
    ([*RUN, "--set", "actor.PAK.restraint=abc"], "expected a number"),
    ([*RUN, "--set", "actor.PAK.restraint"], "expected PATH=VALUE"),
    ([*RUN, "--variant", "nope"], "no such variant"),
    ([*RUN, "--branch", "someday"], "not a date"),
    ([*RUN, "--trace", "5000"], "allowed: a replicate from 0 to 1999"),
    (["run", str(FLAGSHIP), "--replicates", "-1"], "--replicates: -1 is below 1"),
    (["run", str(FLAGSHIP), "--replicates", "many"], "is not a whole number"),
    (["validate", "nothing.toml"], "no such file"),
])
def test_invalid_input_exits_2_with_one_line_and_no_traceback(args, pattern, capsys):
    try:
        status = main(args)
    except SystemExit as exit_:  # argparse's own errors
        status = exit_.code
    captured = capsys.readouterr()
    assert status == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and pattern in lines[0], captured.err
    assert "Traceback" not in captured.err


def test_no_traceback_from_the_installed_command():
    done = subprocess.run([sys.executable, "-m", "sim.cli", "run", str(FLAGSHIP), "--set",
                           "actor.XX.restraint=1"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "no actor 'XX'" in done.stderr
