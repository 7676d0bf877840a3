"""The documentation shows what the code does."""

import re

import pytest

from sim import policies
from sim.ladder import Rung
from sim.parameters import KINDS, MODEL, SUPPORT, Distribution

from .conftest import ROOT

ODD = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")


def _shown(spec):
    if isinstance(spec.default, Distribution):
        return str(spec.default)
    if spec.rung:
        return Rung(int(spec.default)).name.lower()
    if spec.flag:
        return "true" if spec.default else "false"
    return f"{spec.default:g}"


def test_every_parameter_and_default_is_in_the_odd():
    tables = [MODEL, KINDS["state"], KINDS["mediator"], KINDS["militant"], SUPPORT]
    tables += [policies.get(n).parameters for n in
                                         ("quantal_response", "tit_for_tat", "grit",
                                          "richardson", "hawk")]
    for table in tables:
        for name, spec in table.items():
            row = re.search(rf"^\| `{name}` \|[^\n]*", ODD, re.M)
            assert row, f"{name} is not in docs/ODD.md §8"
            assert f"| {_shown(spec)} |" in row.group(0), (name, _shown(spec), row.group(0))
    great = KINDS["great_power"]["engage_at"]
    assert f"`engage_at` (default {_shown(great)})" in ODD


def test_the_utility_in_the_odd_is_the_one_in_the_code():
    doc = policies.QuantalResponse.__doc__
    for term in ("(k-\\tau)^2", "(k-r)^2", "\\max(0, k-1)", "\\max(0, k-4)",
                 "M\\,\\max(0, k-3)", "[k \\ge 6]",
                 "G\\,[k \\ge L]", "A\\,[k < 4]", "S\\,\\max(0, \\min(k, 4) - b_0)"):
        assert term in doc, term
    for term in ("w (k − τ)²", "a (k − r)²", "c · max(0, k − 1)", "F · max(0, k − 4)",
                 "M · max(0, k − 3)",
                 "N · [k ≥ 6]", "G · [k ≥ L]", "A · [k < 4]",
                 "S · max(0, min(k, 4) − b₀)"):
        assert term in ODD, term


def test_readme_shows_both_commands_and_links_the_docs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
    for link in re.findall(r"\]\(([^)#]+)", readme):
        if not link.startswith("http"):
            assert (ROOT / link).exists(), link


def test_readme_python_examples_run(shipped_posterior):
    import subprocess
    import sys
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = "\n".join(re.findall(r"```python\n(.*?)```", readme, re.S))
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Outcome:" in done.stdout


def test_readme_shows_what_make_run_prints(shipped_posterior):
    import subprocess
    import sys
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"`make run` prints.*?```\n(.*?)```", readme, re.S).group(1)
    done = subprocess.run([sys.executable, "-m", "sim.cli", "run",
                           "scenarios/iran_pakistan_2024.toml"], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    printed = done.stdout.split("\nSimulated in")[0].rstrip()
    assert shown.rstrip() == printed


SCORECARD_COMMANDS = ("backtest --icb", "calibrate --check")
"""README commands that simulate the whole record (a minute or two each): run by the slow
test below, from `make test-slow`."""


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", readme, re.S)
    return [line.split("#")[0].strip() for block in blocks for line in block.splitlines()
            if line.startswith(".venv/bin/crisis-sim")]


def _run_as_written(command: str, tmp_path) -> None:
    import shlex
    import subprocess
    import sys
    words = shlex.split(command.replace("results/", f"{tmp_path}/"))
    done = subprocess.run([sys.executable, "-m", "sim.cli", *words[1:]], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, (command, done.stderr)


def test_readme_commands_run_as_written(tmp_path, shipped_posterior):
    commands = [c for c in _readme_commands() if not any(s in c for s in SCORECARD_COMMANDS)]
    assert len(commands) >= 5
    for command in commands:
        _run_as_written(command, tmp_path)


@pytest.mark.slow
def test_readme_scorecard_commands_run_as_written(tmp_path, shipped_posterior):
    commands = [c for c in _readme_commands() if any(s in c for s in SCORECARD_COMMANDS)]
    assert len(commands) == len(SCORECARD_COMMANDS)
    for command in commands:
        _run_as_written(command, tmp_path)
