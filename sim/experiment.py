"""Experiments: sweep specifications, designs, and chunked, resumable execution.

An experiment file names a scenario, the parameters to vary (by the same paths as
``--set``), a design (grid, Latin hypercube, Sobol, random) and how many replicates each
design point gets, or a precision to reach. :class:`Sweep` runs every (point, seed-block)
task through an executor and writes, atomically::

    DIR/manifest.json          what ran: versions, file hashes, seeds, command, times
    DIR/runs/point-NNNNN/blocks-KKKKK-LLLLL.parquet   one row per replicate
    DIR/points.parquet         one row per design point: values, n, estimates, intervals
    DIR/sensitivity.json       Sobol indices with intervals (sobol designs)

Each task's records depend only on the scenario, the point's values, the seed and the
block range, never on the executor or the number of workers; every design point uses the
same seeds (common random numbers), so differences between points are not blurred by
chance. An interrupted sweep resumes where it stopped: finished tasks are on disk, and the
rest are run again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import math
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim import __version__
from sim import scenario as scenarios
from sim.errors import InputError, WriteError
from sim.model import BLOCK, BLOCKS_PER_MODEL, block_count, seed_blocks
from sim.outcomes import DAY_COLUMNS, NO_DAY, OUTCOMES, Proportion, Quantiles, json_safe

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
        one model (see :func:`run_task`)."""
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
    from scipy.stats import qmc

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
    doc, text, digest = scenarios.read_toml(path, what="experiment")
    where = scenarios._Locator(str(path), text)
    try:
        table = ExperimentFile.model_validate(doc)
    except ValidationError as err:
        raise InputError([scenarios._structural(e, doc, where, {}, ExperimentFile)
                          for e in err.errors()]) from None
    spec = table.experiment
    problems: list[str] = []

    def problem(loc: tuple, message: str) -> None:
        line = where.line(loc)
        problems.append(f"{path}{f':{line}' if line else ''}: "
                        f"{'.'.join(map(str, loc))}: {message}")

    if (spec.replicates is None) == (spec.precision is None):
        problem(("experiment", "replicates"), "give replicates (per point) or precision (a "
                "target 95% half-width), not both or neither")
    if spec.design != "grid" and spec.samples is None:
        problem(("experiment", "samples"), f"a {spec.design} design needs samples (the "
                "number of points; for sobol, the base sample, a power of 2)")
    if spec.design == "sobol" and spec.samples and spec.samples & (spec.samples - 1):
        problem(("experiment", "samples"), f"{spec.samples} is not a power of 2; sobol "
                "designs need one (e.g. 64, 128, 256)")
    scenario_path = (Path(path).parent / spec.scenario)
    try:
        base = scenarios.load(scenario_path, variant=spec.variant)
    except InputError as err:
        raise InputError([*problems, *(f"{path}: scenario {spec.scenario}: {line}"
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
            try:
                base.override({name: value})
            except InputError as err:
                detail = err.problems[0].split(": ", 1)[-1] if err.problems else ""
                problem(loc, f"value {value!r}: {detail}")
                break
        factors.append(factor)
    if spec.design == "grid" and factors:
        count = math.prod(len(f.values) for f in factors)
        if count > MAX_POINTS:
            problem(("parameters",), f"the grid has {count:,} points; allowed: at most "
                    f"{MAX_POINTS:,}")
    if problems:
        raise InputError(problems)
    return Experiment(
        id=spec.id, title=spec.title, description=spec.description, path=str(path),
        sha256=digest, scenario=base, variant=spec.variant, replicates=spec.replicates,
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
        from sim.parameters import MODEL

        return MODEL.get(parts[1])
    if parts[0] == "actor" and len(parts) in (3, 4):
        for actor in crisis.actors:
            if parts[1] in ("*", actor.id) and parts[2] in actor.parameter_table:
                return actor.parameter_table[parts[2]]
    return None


# --------------------------------------------------------------------------- estimates

ESTIMATE_COLUMNS = ("outcome", "days_to_deescalation", "max_rung")


def estimate(columns: dict[str, np.ndarray]) -> dict[str, float]:
    """A design point's estimates from its records: each outcome's probability with its
    95% Wilson interval, days to de-escalation (median, quartiles), the highest rung."""
    row: dict[str, float] = {"n": len(columns["outcome"])}
    for name, share in _outcomes(columns).items():
        low, high = share.confidence_interval()
        row.update({f"p_{name}": share.p, f"{name}_ci_low": low, f"{name}_ci_high": high})
    days = columns["days_to_deescalation"]
    q = Quantiles.of(days[days != NO_DAY])
    row.update(days_to_deescalation_median=q.median, days_to_deescalation_q25=q.q25,
               days_to_deescalation_q75=q.q75,
               max_rung_mean=float(np.mean(columns["max_rung"])),
               max_rung_median=float(np.median(columns["max_rung"])))
    return row


def half_width(columns: dict[str, np.ndarray]) -> float:
    """The widest 95% half-width among the outcome probabilities."""
    return max(share.half_width for share in _outcomes(columns).values())


def _outcomes(columns: dict[str, np.ndarray]) -> dict[str, Proportion]:
    outcome = columns["outcome"]
    return {name: Proportion(int(np.sum(outcome == code)), len(outcome))
            for code, name in enumerate(OUTCOMES)}


# --------------------------------------------------------------------------- one task


def run_task(experiment: Experiment, points: list[dict[str, Any]], replicates: int,
             first: int, stop: int) -> list[dict[str, np.ndarray]]:
    """The records of seed blocks ``first`` to ``stop`` of each design point in ``points``:
    the unit of work an executor runs, a pure function of its arguments.

    Points that differ only in parameter values share one model: each gets the same seed
    blocks (so the same random numbers as if run alone) and its own values, as
    per-replicate arrays, so a point's records do not depend on which points share its
    model.
    """
    from sim.model import CrisisModel

    blocks = seed_blocks(experiment.seed, replicates, first, stop)
    if not experiment.packable:
        return [CrisisModel(experiment.scenario.override(values), blocks=blocks).run().columns
                for values in points]
    size = sum(b.size for b in blocks)
    overrides = {}
    for factor in experiment.factors:
        column = np.repeat([factor.number(p[factor.path]) for p in points], size)
        overrides.update({target: column for target in factor.targets})
    records = CrisisModel(experiment.scenario, blocks=blocks * len(points),
                          overrides=overrides).run().columns
    return [{name: values[i * size:(i + 1) * size] for name, values in records.items()}
            for i in range(len(points))]


# --------------------------------------------------------------------------- files


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same directory, flushed, then renamed: a
    reader (or a resumed sweep) sees the whole file or none of it. A failure (a full disk)
    removes the temporary file and raises :class:`WriteError`."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(temporary)
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as err:
        _remove(temporary)
        raise WriteError(f"{path}: cannot write ({err.strerror or err}); what was written "
                         "before is whole and kept: free space and run again (sweeps: "
                         "--resume)") from None
    except BaseException:
        _remove(temporary)
        raise


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def write_json(path: Path, document: dict) -> None:
    text = json.dumps(json_safe(document), indent=2, sort_keys=True, allow_nan=False,
                      default=str)
    write_atomic(path, lambda p: p.write_text(text + "\n"))


def write_records(path: Path, columns: dict[str, np.ndarray]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = {name: pa.array(values, mask=(values == NO_DAY) if name in DAY_COLUMNS else None)
              for name, values in columns.items()}
    write_atomic(path, lambda p: pq.write_table(pa.table(arrays), p))


def read_records(paths: Iterable[Path], names: Iterable[str] | None = None
                 ) -> dict[str, np.ndarray]:
    import pyarrow.parquet as pq

    names = list(names) if names is not None else None
    parts = [pq.read_table(p, columns=names) for p in paths]
    out = {}
    for name in parts[0].column_names:
        column = np.concatenate([t.column(name).to_numpy(zero_copy_only=False) for t in parts])
        if name in DAY_COLUMNS:
            column = np.where(np.isnan(column.astype(float)), NO_DAY, column).astype(np.int16)
        out[name] = column
    return out


# --------------------------------------------------------------------------- the sweep


@dataclass
class SweepResult:
    """A finished sweep: one row per design point, and Sobol indices for sobol designs."""

    experiment: Experiment
    out: Path | None
    points: Any  # pandas DataFrame
    sensitivity: dict[str, Any] | None
    elapsed_s: float
    replicates: int

    def to_pandas(self) -> Any:
        return self.points


@dataclass
class Sweep:
    """Runs an experiment into a results directory (see the module docstring)."""

    experiment: Experiment
    out: Path
    executor: str = "local"
    workers: int = 1
    scheduler: str | None = None
    resume: bool = False
    force: bool = False
    progress: bool = False
    command: str = field(default_factory=lambda: " ".join(sys.argv))

    def __post_init__(self) -> None:
        self.out = Path(self.out)
        self.runs = self.out / "runs"
        self.manifest_path = self.out / "manifest.json"

    def task_file(self, point: int, first: int, stop: int) -> Path:
        return self.runs / f"point-{point:05d}" / f"blocks-{first:05d}-{stop:05d}.parquet"

    def point_files(self, point: int) -> list[Path]:
        return sorted((self.runs / f"point-{point:05d}").glob("blocks-*.parquet"))

    # -- the directory -----------------------------------------------------------------

    def prepare(self) -> dict[str, Any]:
        """Check the output directory and write the starting manifest; returns it."""
        e = self.experiment
        identity = {"experiment_sha256": e.sha256, "scenario_sha256": e.scenario.sha256,
                    "seed": e.seed, "block_size": BLOCK}
        ours = self.manifest_path.exists()
        if self.out.exists() and not self.out.is_dir():
            raise InputError(f"--out {self.out}: is a file; allowed: a directory")
        if self.out.exists() and any(self.out.iterdir()):
            if not ours and not self.force:
                raise InputError(f"--out {self.out}: the directory holds other files and no "
                                 "crisis-sim results; refusing to write there (use another "
                                 "--out, or --force)")
            if ours and self.force:
                self._clear()
            elif ours and not self.resume:
                raise InputError(f"--out {self.out}: holds results already; use --resume "
                                 "to continue them, or --force to start over")
            elif ours:
                old = self._manifest()
                changed = [k for k, v in identity.items() if old.get(k) != v]
                if changed:
                    raise InputError(
                        f"--resume {self.out}: the results were made with a different "
                        f"{' and '.join(k.replace('_sha256', ' file') for k in changed)}; "
                        "refusing to mix them (use another --out, or --force)")
        try:
            self.out.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise WriteError(f"--out {self.out}: cannot create ({err.strerror})") from None
        manifest = {
            **identity,
            "package": "crisis-sim", "version": __version__,
            "python": platform.python_version(), "numpy": np.__version__,
            "experiment": e.id, "experiment_file": e.path, "scenario": e.scenario.id,
            "scenario_file": e.scenario.path, "variant": e.variant, "design": e.design,
            "points": len(e.points()), "replicates_per_point": e.replicates,
            "precision": e.precision, "max_replicates": e.max_replicates,
            "factors": e.paths, "command": self.command, "executor": self.executor,
            "workers": self.workers, "started": _now(), "status": "running",
        }
        if self.resume and ours:
            for stale in self.out.rglob(".*.tmp"):  # left by a kill mid-write; never read
                _remove(stale)
            manifest["resumed"] = _now()
            manifest["started"] = self._manifest().get("started", manifest["started"])
        write_json(self.manifest_path, manifest)
        return manifest

    def _manifest(self) -> dict[str, Any]:
        try:
            return json.loads(self.manifest_path.read_text())
        except (OSError, ValueError):
            raise InputError(f"{self.manifest_path}: unreadable manifest; use --force to "
                             "start over") from None

    def _clear(self) -> None:
        shutil.rmtree(self.runs, ignore_errors=True)
        for name in ("manifest.json", "points.parquet", "sensitivity.json"):
            (self.out / name).unlink(missing_ok=True)

    # -- running ------------------------------------------------------------------------

    def run(self) -> SweepResult:
        from sim.executors import make_executor

        start = time.perf_counter()
        manifest = self.prepare()
        e = self.experiment
        points = e.points()
        bar = self._bar(points)
        with make_executor(self.executor, self.workers, self.scheduler) as executor:
            if e.precision is None:
                tasks = [(p, first, min(first + BLOCKS_PER_MODEL, block_count(e.replicates)))
                         for p in range(len(points))
                         for first in range(0, block_count(e.replicates), BLOCKS_PER_MODEL)]
                self._run_tasks(executor, points, tasks, e.replicates, bar)
            else:
                self._run_to_precision(executor, points, bar)
        if bar is not None:
            bar.close()
        table = self.summarise(points)
        sensitivity = self.sensitivity(table) if e.design == "sobol" else None
        elapsed = time.perf_counter() - start
        manifest.update(status="complete", finished=_now(), elapsed_s=round(elapsed, 3),
                        replicates_total=int(table["n"].sum()))
        write_json(self.manifest_path, manifest)
        return SweepResult(e, self.out, table, sensitivity, elapsed, int(table["n"].sum()))

    def _bar(self, points: list) -> Any:
        if not self.progress:
            return None
        from tqdm import tqdm

        e = self.experiment
        total = len(points) * e.replicates if e.replicates else None
        return tqdm(total=total, unit=" crises", unit_scale=True, dynamic_ncols=True,
                    desc=f"0/{len(points)} points", smoothing=0.1)

    def _run_tasks(self, executor: Any, points: list, units: list[tuple[int, int, int]],
                   replicates: int, bar: Any) -> None:
        """Run the (point, first block, stop block) units not yet on disk, packed several
        points to a model, and write each point's records as its pack finishes."""
        e = self.experiment
        pending = [u for u in units if not self.task_file(*u).exists()]
        remaining = {p: 0 for p in range(len(points))}
        for p, _, _ in pending:
            remaining[p] += 1
        done = sum(1 for p in remaining if remaining[p] == 0)
        if bar is not None:
            finished = set(units) - set(pending)
            bar.update(sum(_size(replicates, first, stop) for _, first, stop in finished))
            bar.set_description(f"{done}/{len(points)} points")
        packs = self._packs(pending, replicates)
        calls = [(run_task, (e, [points[p] for p in members], replicates, first, stop))
                 for members, first, stop in packs]
        for index, results in executor.run(calls):
            members, first, stop = packs[index]
            for p, columns in zip(members, results, strict=True):
                write_records(self.task_file(p, first, stop), columns)
                remaining[p] -= 1
                done += remaining[p] == 0
                if bar is not None:
                    bar.update(len(columns["outcome"]))
            if bar is not None:
                bar.set_description(f"{done}/{len(points)} points")

    def _packs(self, units: list[tuple[int, int, int]], replicates: int
               ) -> list[tuple[list[int], int, int]]:
        """Group units of the same blocks into packs of up to PACK replicates, at least
        one pack per worker when there are enough points. Packing changes no number."""
        by_blocks: dict[tuple[int, int], list[int]] = {}
        for p, first, stop in units:
            by_blocks.setdefault((first, stop), []).append(p)
        packs = []
        for (first, stop), members in by_blocks.items():
            per_pack = 1
            if self.experiment.packable:  # as few packs as fit, a multiple of the workers
                most = max(1, PACK // _size(replicates, first, stop))
                count = self.workers * -(-len(members) // (self.workers * most))
                per_pack = -(-len(members) // count)
            packs += [(members[i:i + per_pack], first, stop)
                      for i in range(0, len(members), per_pack)]
        return packs

    def _run_to_precision(self, executor: Any, points: list, bar: Any) -> None:
        """Add one seed block per unfinished point per round until every outcome's 95%
        half-width is at most the precision, or the point reaches max_replicates."""
        e = self.experiment
        limit = block_count(e.max_replicates)
        ceiling = limit * BLOCK
        for block in range(limit):
            open_points = [p for p in range(len(points))
                           if block == 0 or half_width(
                               read_records(self.point_files(p), ESTIMATE_COLUMNS))
                           > e.precision]
            if not open_points:
                return
            self._run_tasks(executor, points, [(p, block, block + 1) for p in open_points],
                            ceiling, bar)

    # -- results -------------------------------------------------------------------------

    def summarise(self, points: list[dict[str, Any]]) -> Any:
        """Write ``points.parquet`` from the per-replicate files, and return it."""
        import pandas as pd
        import pyarrow as pa
        import pyarrow.parquet as pq

        rows = []
        for p, values in enumerate(points):
            columns = read_records(self.point_files(p), ESTIMATE_COLUMNS)
            rows.append({"point": p, **values, **estimate(columns)})
        table = pd.DataFrame(rows)
        write_atomic(self.out / "points.parquet",
                     lambda path: pq.write_table(pa.Table.from_pandas(table,
                                                                      preserve_index=False),
                                                 path))
        return table

    def sensitivity(self, table: Any) -> dict[str, Any]:
        from sim.sensitivity import sobol_indices

        e = self.experiment
        n = e.samples
        result: dict[str, Any] = {"method": "Saltelli 2010 first order, Jansen total order "
                                            "(scipy.stats.sobol_indices); 95% percentile bootstrap "
                                            "intervals over the base sample",
                                  "base_samples": n, "factors": e.paths, "outputs": {}}
        for output in ("p_war", "p_deescalated"):
            result["outputs"][output] = sobol_indices(
                table[output].to_numpy(), n, e.paths, seed=e.seed,
                replicates=int(table["n"].min())).as_dict()
        write_json(self.out / "sensitivity.json", result)
        return result


def describe(result: SweepResult) -> str:
    """A sweep's results as text: one line per design point, then the sensitivity indices."""
    e = result.experiment
    table = result.points
    lines = [f"{e.title or e.id}: {len(table)} design points ({e.design}), "
             f"{result.replicates:,} replicates in {result.elapsed_s:.1f} s",
             f"results in {result.out}" if result.out else "results in memory", ""]
    shown = table if len(table) <= 60 else table.head(60)
    widths = [max(len(p), 8) for p in e.paths]
    header = "  ".join(f"{p:>{w}s}" for p, w in zip(e.paths, widths, strict=True))
    lines.append(f"{header}  {'n':>7s}  {'P(war) [95% interval]':>26s}  "
                 f"{'P(de-escalated) [95%]':>26s}  days")
    for _, row in shown.iterrows():
        values = "  ".join(f"{row[p]:>{w}.4g}" if isinstance(row[p], int | float | np.number)
                           else f"{row[p]!s:>{w}s}" for p, w in zip(e.paths, widths,
                                                                    strict=True))
        lines.append(f"{values}  {int(row['n']):7d}  "
                     f"{row['p_war']:.4f} [{row['war_ci_low']:.4f}, {row['war_ci_high']:.4f}]"
                     f"  {row['p_deescalated']:.4f} [{row['deescalated_ci_low']:.4f}, "
                     f"{row['deescalated_ci_high']:.4f}]  "
                     f"{row['days_to_deescalation_median']:4.0f}")
    if len(table) > len(shown):
        lines.append(f"… {len(table) - len(shown)} more points in points.parquet")
    if result.sensitivity:
        lines.append("")
        lines.append("Sobol indices (95% bootstrap interval)")
        for output, indices in result.sensitivity["outputs"].items():
            lines.append(f"  {output} (Monte-Carlo noise share of its variance: "
                         f"{indices['noise_share']:.3f})")
            for factor, v in indices["indices"].items():
                lines.append(f"    {factor:36s} first {v['first_order']:6.3f} "
                             f"[{v['first_order_ci'][0]:6.3f}, {v['first_order_ci'][1]:6.3f}]"
                             f"   total {v['total_order']:6.3f} [{v['total_order_ci'][0]:6.3f},"
                             f" {v['total_order_ci'][1]:6.3f}]")
    return "\n".join(lines)


def _size(replicates: int, first: int, stop: int) -> int:
    """Replicates in seed blocks ``first`` to ``stop`` of a run of ``replicates``."""
    return min(stop * BLOCK, replicates) - first * BLOCK


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def sweep(experiment: str | Path | Experiment, out: str | Path | None = None, *,
          workers: int = 1, executor: str = "local", scheduler: str | None = None,
          resume: bool = False, force: bool = False, progress: bool = False) -> SweepResult:
    """Run an experiment. Without ``out`` the results live in a temporary directory and are
    returned in memory; with it they are written there (and can be resumed)."""
    if not isinstance(experiment, Experiment):
        experiment = load(experiment)
    if out is not None:
        return Sweep(experiment, Path(out), executor, workers, scheduler, resume, force,
                     progress).run()
    import tempfile

    with tempfile.TemporaryDirectory(prefix="crisis-sim-") as tmp:
        result = Sweep(experiment, Path(tmp), executor, workers, scheduler, progress=progress
                       ).run()
    result.out = None
    return result
