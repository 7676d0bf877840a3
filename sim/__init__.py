"""crisis-sim: an agent-based simulator of interstate crisis escalation, on Mesa.

The names below are imported on first use, so ``import sim`` stays cheap::

    import sim
    result = sim.run("scenarios/iran_pakistan_2024.toml", replicates=10_000, seed=1)
    print(result.p_war, result.p_war.confidence_interval())
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "run": "sim.api",
    "run_to_precision": "sim.api",
    "story": "sim.api",
    "sweep": "sim.experiment",
    "discover": "sim.discovery",
    "compare": "sim.analysis",
    "load_experiment": ("sim.experiment", "load"),
    "RunResult": "sim.runs",
    "load_scenario": ("sim.scenario", "load"),
    "Scenario": "sim.scenario",
    "CrisisModel": "sim.model",
    "simulate": "sim.model",
    "Rung": "sim.ladder",
    "Policy": "sim.policies",
    "register_policy": ("sim.policies", "register"),
    "InputError": "sim.errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    target = _EXPORTS[name]
    module, attribute = target if isinstance(target, tuple) else (target, name)
    return getattr(import_module(module), attribute)
