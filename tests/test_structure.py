"""The import graph of ``sim/``: acyclic, and with the arrows DESIGN.md §1 draws.

Every ``import`` statement counts, wherever it stands (module level, inside a function,
under ``TYPE_CHECKING``): a function-level import that dodges a cycle is still a cycle.
"""

import ast

import pytest

from .conftest import ROOT

SIM = ROOT / "sim"

CORE = {"ladder", "errors", "parameters", "scenario", "policies", "agents", "model",
        "outcomes"}
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
