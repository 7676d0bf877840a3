"""The import graph of ``sim/``: acyclic, and with the arrows DESIGN.md §1 draws.

Every ``import`` statement counts, wherever it stands (module level, inside a function,
under ``TYPE_CHECKING``): a function-level import that dodges a cycle is still a cycle.
"""

import ast

import pytest

from .conftest import ROOT

SIM = ROOT / "sim"

CORE = {"ladder", "errors", "parameters", "scenario", "policies", "agents", "model",
        "outcomes", "seeds"}
"""The model and what it is made of."""

FORBIDDEN = {
    **{core: {"plots", "cli", "executors", "experiment", "analysis", "api", "record",
              "targets", "scores", "scorecard", "population", "events", "discovery", "app",
              "folder"}
       for core in CORE},
    "agents": {"model"},
    "policies": {"agents", "model"},
    "analysis": {"plots", "cli"},
    "scores": {"plots", "cli", "model"},
    "record": {"plots", "cli", "model", "api"},
    "targets": {"plots", "cli", "model"},
    "population": {"plots", "cli"},
    "scorecard": {"plots", "cli"},
    "discovery": {"plots", "cli"},
    "experiment": {"plots", "cli"},
    "executors": {"plots", "cli"},
    "plots": {"cli", "model", "agents"},
    "design": {"model", "agents", "api", "experiment", "plots", "cli"},
    "seeds": {"model", "agents", "scenario", "parameters", "policies"},
}
"""Module → the modules it must not import (the model knows nothing of plotting, the CLI,
executors or files; agents do not import the model; analysis draws nothing)."""


def imports() -> dict[str, set[str]]:
    graph = {}
    for path in sorted(SIM.glob("*.py")):
        name = path.stem
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[1] for a in node.names
                          if a.name.startswith("sim.")}
            elif isinstance(node, ast.ImportFrom) and node.module:
                if node.module == "sim":
                    found |= {a.name for a in node.names}
                elif node.module.startswith("sim."):
                    found.add(node.module.split(".")[1])
        graph[name] = found - {name, "__init__", "__version__"}
    return graph


GRAPH = imports()


def test_the_graph_is_read():
    assert "model" in GRAPH["api"] and "agents" in GRAPH["model"]
    assert "policies" in GRAPH["agents"]


@pytest.mark.parametrize("module", sorted(FORBIDDEN))
def test_no_forbidden_arrow(module):
    assert not GRAPH.get(module, set()) & FORBIDDEN[module], (module, GRAPH.get(module))


def test_no_cycle():
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(GRAPH.get(node, ())):
            if nxt not in GRAPH:
                continue
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*path, node, nxt]))
            if nxt not in state:
                visit(nxt, [*path, node])
        state[node] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [])


@pytest.mark.parametrize("argv", [
    ["--help"],
    ["validate", "scenarios/iran_pakistan_2024.toml", "experiments/mediation_and_pressure.toml"],
    ["plot", "RESULTS", "--kind", "sweep", "-o", "FIGURE"],
])
def test_commands_that_do_not_simulate_do_not_import_the_model(argv, tmp_path):
    """`--help`, `validate` and `plot` of a sweep pay no Mesa start-up (before, `validate`
    imported the model through the experiment runner: 1.7 s of Mesa, pandas, networkx)."""
    import json
    import subprocess
    import sys

    import pandas as pd
    results = tmp_path / "sweep"
    results.mkdir()
    (results / "manifest.json").write_text(json.dumps({"factors": ["a"], "design": "grid"}))
    pd.DataFrame({"a": [0.0, 1.0], "p_war": [0.1, 0.2], "war_ci_low": [0.0, 0.1],
                  "war_ci_high": [0.2, 0.3]}).to_parquet(results / "points.parquet")
    argv = [str(results) if a == "RESULTS" else str(tmp_path / "f.png") if a == "FIGURE"
            else a for a in argv]
    code = ("import sys\nfrom sim.cli import main\ntry:\n    main(sys.argv[1:])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in ('mesa', 'sim.model', 'sim.agents') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code, *argv], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout


@pytest.mark.parametrize("kind", ["outcomes", "fan"])
def test_drawing_a_saved_run_does_not_import_the_model(kind, tmp_path):
    """`plot --kind outcomes|fan` of a saved run reads it back (sim.runs) without the
    model or Mesa."""
    import subprocess
    import sys

    from sim import api, runs
    saved = tmp_path / "run"
    runs.save_run(api.run(ROOT / "scenarios" / "iran_pakistan_2024.toml", 200, 1, keep=50),
                  saved)
    code = ("import sys\nfrom sim.cli import main\ntry:\n    main(sys.argv[1:])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in ('mesa', 'sim.model', 'sim.agents') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code, "plot", str(saved), "--kind", kind,
                           "-o", str(tmp_path / "f.png")], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "f.png").stat().st_size > 0
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout
