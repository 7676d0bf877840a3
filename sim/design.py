"""Experiment files: their schema and validation, the design over the parameters, and the
design points. What a sweep runs, not how (:mod:`sim.experiment` runs it): reading and
checking an experiment file (``crisis-sim validate``) needs no model.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from sim import scenario as scenarios
from sim.errors import InputError
from sim.parameters import MODEL
from sim.seeds import BLOCK, BLOCKS_PER_MODEL

MAX_POINTS = 100_000
MAX_FACTORS = 32
PACK = BLOCK * BLOCKS_PER_MODEL
"""Replicates one model steps when design points are packed together."""

Design = Literal["grid", "lhs", "sobol", "random"]


# --------------------------------------------------------------------------- the file


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ExperimentTable(_Table):
    id: Annotated[str, Field(pattern=scenarios.NAME)]
    title: str = ""
    description: str = ""
    scenario: str
    variant: str | None = None
    replicates: Annotated[int, Field(ge=1, le=10**8)] | None = None
    precision: Annotated[float, Field(gt=0, lt=0.5, allow_inf_nan=False)] | None = None
    max_replicates: Annotated[int, Field(ge=1, le=10**8)] = 200_000
    seed: Annotated[int, Field(ge=0)] = 1
    design: Design = "grid"
    samples: Annotated[int, Field(ge=1, le=MAX_POINTS)] | None = None


class Range(_Table):
    low: float
    high: float


class ExperimentFile(_Table):
    experiment: ExperimentTable
    parameters: Annotated[dict[str, list[Any] | Range], Field(min_length=1,
                                                              max_length=MAX_FACTORS)]


@dataclass(frozen=True)
class Factor:
    """A parameter an experiment varies: a list of values (grid) or a range.

    ``targets`` are the model parameters it sets (``actor.*.restraint`` sets each state's;
    ``actor.CHN.leverage`` each party's); empty when the factor changes the scenario's
    structure (a policy, the horizon), so that its design points cannot share a model.
    """

    path: str
    values: tuple[Any, ...] = ()
    low: float = math.nan
    high: float = math.nan
    integer: bool = False
    targets: tuple[str, ...] = ()
    spec: Any = None

    def number(self, value: Any) -> float:
        """A design value as the model's number (flags and rung names parsed)."""
        return float(self.spec.parse(value))

    def scale(self, unit: np.ndarray) -> np.ndarray:
        """Map [0, 1) to the factor's range (rounded for whole-number parameters)."""
        value = self.low + unit * (self.high - self.low)
        return np.round(value) if self.integer else value


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: its scenario (variant applied) and its design."""

    id: str
    title: str
    description: str
    path: str
    sha256: str
    scenario: scenarios.Scenario
    variant: str | None
    replicates: int | None
    precision: float | None
    max_replicates: int
    seed: int
    design: str
    samples: int | None
    factors: tuple[Factor, ...]

    @property
    def paths(self) -> list[str]:
        return [f.path for f in self.factors]

    @property
    def packable(self) -> bool:
        """Whether design points differ only in parameter values, so several can run in
        one model (see :func:`sim.experiment.run_task`)."""
        return all(f.targets for f in self.factors)

    def points(self) -> list[dict[str, Any]]:
        """The design points, in a fixed order (for sobol: A, B, then each AB_i)."""
        if self.design == "grid":
            return [dict(zip(self.paths, combo, strict=True))
                    for combo in itertools.product(*(f.values for f in self.factors))]
        unit = design_matrix(self.design, len(self.factors), self.samples or 1, self.seed)
        columns = [f.scale(unit[:, i]) for i, f in enumerate(self.factors)]
        return [{f.path: float(c[row]) for f, c in zip(self.factors, columns, strict=True)}
                for row in range(unit.shape[0])]


def design_matrix(design: str, dimensions: int, samples: int, seed: int) -> np.ndarray:
    """Points in the unit cube, one row each.

    ``lhs`` and ``random`` give ``samples`` rows; ``sobol`` gives ``samples × (d + 2)`` rows
    laid out as Saltelli's A, B and AB_i matrices (``samples`` rows each) from one scrambled
    Sobol' sequence of 2d dimensions, as ``scipy.stats.sobol_indices`` does.
    """
    from scipy.stats import qmc  # as before the split: scipy.stats is 1-2 s to import, and
    # checking a scenario or a grid experiment (`validate`) needs none of it

    if design == "lhs":
        return qmc.LatinHypercube(d=dimensions, rng=np.random.default_rng(seed)).random(samples)
    if design == "random":
        return np.random.default_rng(seed).random((samples, dimensions))
    both = qmc.Sobol(d=2 * dimensions, rng=np.random.default_rng(seed), bits=64).random(samples)
    a, b = both[:, :dimensions], both[:, dimensions:]
    mixed = []
    for i in range(dimensions):
        ab = a.copy()
        ab[:, i] = b[:, i]
        mixed.append(ab)
    return np.vstack([a, b, *mixed])


def load(path: str | Path) -> Experiment:
    """Load and validate an experiment file; raises :class:`InputError` listing problems."""
    file = scenarios.ConfigFile(path, ExperimentFile, "experiment")
    table, spec, problem = file.table, file.table.experiment, file.problem
    if (spec.replicates is None) == (spec.precision is None):
        problem(("experiment", "replicates"), "give replicates (per point) or precision (a "
                "target 95% half-width), not both or neither")
    if spec.design != "grid" and spec.samples is None:
        problem(("experiment", "samples"), f"a {spec.design} design needs samples (the "
                "number of points; for sobol, the base sample, a power of 2)")
    if spec.design == "sobol" and spec.samples and spec.samples & (spec.samples - 1):
        problem(("experiment", "samples"), f"{spec.samples} is not a power of 2; sobol "
                "designs need one (e.g. 64, 128, 256)")
    elif spec.design == "sobol" and spec.samples == 1:
        problem(("experiment", "samples"), "1 is too few for the bootstrap intervals of "
                "Sobol indices; allowed: a power of 2 from 2 (e.g. 64, 128, 256)")
    if spec.design == "sobol" and len(table.parameters) < 2:
        problem(("parameters",), "a sobol design needs at least two parameters (with one, "
                "all the variance is that parameter's); allowed: two or more, or design = "
                '"grid" or "lhs" for one')
    scenario_path = (Path(path).parent / spec.scenario)
    try:
        base = scenarios.load(scenario_path, variant=spec.variant)
    except InputError as err:
        raise InputError([*file.problems, *(f"{path}: scenario {spec.scenario}: {line}"
                                            for line in err.problems)]) from None
    factors = []
    for name, given in table.parameters.items():
        loc = ("parameters", name)
        spec_of = _param_spec(base, name)
        integer = bool(spec_of and spec_of.integer)
        extra = {"targets": _targets(base, name), "spec": spec_of}
        if spec.design == "grid":
            if not isinstance(given, list) or not given:
                problem(loc, "a grid design takes a list of values, e.g. [0, 0.5, 1]")
                continue
            factor = Factor(name, values=tuple(given), integer=integer, **extra)
            trial = given
        else:
            if not isinstance(given, Range):
                problem(loc, f"a {spec.design} design takes a range, e.g. {{ low = 0, "
                        "high = 1 }")
                continue
            if not (math.isfinite(given.low) and math.isfinite(given.high)
                    and given.low < given.high):
                problem(loc, "needs finite low < high")
                continue
            factor = Factor(name, low=given.low, high=given.high, integer=integer, **extra)
            trial = [given.low, given.high]
        for value in trial:
            if not file.allows(base, loc, name, value):
                break
        factors.append(factor)
    if spec.design == "grid" and factors:
        count = math.prod(len(f.values) for f in factors)
        if count > MAX_POINTS:
            problem(("parameters",), f"the grid has {count:,} points; allowed: at most "
                    f"{MAX_POINTS:,}")
    file.check()
    return Experiment(
        id=spec.id, title=spec.title, description=spec.description, path=str(path),
        sha256=file.sha256, scenario=base, variant=spec.variant, replicates=spec.replicates,
        precision=spec.precision, max_replicates=spec.max_replicates, seed=spec.seed,
        design=spec.design, samples=spec.samples, factors=tuple(factors))


def _targets(crisis: scenarios.Scenario, path: str) -> tuple[str, ...]:
    """The model parameters a factor path sets (empty for structural paths)."""
    parts = path.split(".")
    if parts[0] == "model" and len(parts) == 2:
        return (path,)
    if parts[0] != "actor" or len(parts) not in (3, 4):
        return ()
    out = []
    for actor in crisis.actors:
        spec = actor.parameter_table.get(parts[2])
        if parts[1] not in ("*", actor.id) or spec is None:
            continue
        if spec.per_party:
            parties = actor.parties or actor.targets
            chosen = parties if len(parts) == 3 else [p for p in parties if p == parts[3]]
            out += [f"actor.{actor.id}.{parts[2]}.{party}" for party in chosen]
        elif len(parts) == 3:
            out.append(f"actor.{actor.id}.{parts[2]}")
    return tuple(out)


def _param_spec(crisis: scenarios.Scenario, path: str) -> Any:
    parts = path.split(".")
    if parts[0] == "model" and len(parts) == 2:
        return MODEL.get(parts[1])
    if parts[0] == "actor" and len(parts) in (3, 4):
        for actor in crisis.actors:
            if parts[1] in ("*", actor.id) and parts[2] in actor.parameter_table:
                return actor.parameter_table[parts[2]]
    return None
