import os
from pathlib import Path

import numpy as np
import pytest

from sim import posterior, scenario
from sim.outcomes import NO_DAY

os.environ[posterior.VARIABLE] = "none"
"""The tests of the model's mechanisms check their known behaviour at the point defaults of
docs/ODD.md §8 (and the worlds built on them), not at whatever the shipped posterior
(data/posterior/) says today: every test, and every command a test starts, runs without
the posterior unless it asks for it with the ``shipped_posterior`` fixture (the README's
outputs, tests/test_calibration.py)."""

ROOT = Path(__file__).resolve().parent.parent
FLAGSHIP = ROOT / "scenarios" / "iran_pakistan_2024.toml"
KARGIL = ROOT / "scenarios" / "history" / "kargil_1999.toml"
GENERIC = ROOT / "scenarios" / "teaching" / "generic_rivalry.toml"

MINIMAL = """\
[scenario]
id = "duel"
title = "Two states"
start = 2024-01-01
branch = 2024-01-01
horizon = 60

[[actor]]
id = "A"
name = "Aland"
kind = "state"
policy = "{policy_a}"

[[actor]]
id = "B"
name = "Belmar"
kind = "state"
policy = "{policy_b}"

[[dyad]]
actors = ["A", "B"]
initial = "{initial}"
"""


def censored(days, horizon):
    """Days to an event as floats, a replicate still waiting at the horizon counted there."""
    return np.where(days == NO_DAY, horizon, days).astype(float)


def paired_gap(x, y):
    """The mean of x - y over replicates paired by seed, and its Monte-Carlo standard
    error."""
    diff = np.asarray(x, float) - np.asarray(y, float)
    return diff.mean(), diff.std(ddof=1) / np.sqrt(len(diff))


@pytest.fixture
def shipped_posterior(monkeypatch):
    """What a user gets by default: the shipped posterior (for this test and the commands
    it starts)."""
    monkeypatch.delenv(posterior.VARIABLE)


@pytest.fixture(scope="session")
def flagship():
    return scenario.load(FLAGSHIP)


@pytest.fixture
def write(tmp_path):
    """Write TOML text to a file and return its path."""
    def _write(text: str, name: str = "scenario.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path
    return _write


@pytest.fixture
def duel(write):
    """A two-state scenario with the given policies and starting rung."""
    def _duel(policy_a="quantal_response", policy_b="quantal_response", initial="normal",
              extra=""):
        text = MINIMAL.format(policy_a=policy_a, policy_b=policy_b, initial=initial) + extra
        return scenario.load(write(text))
    return _duel
