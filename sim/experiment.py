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

import datetime as dt
import json
import math
import platform
import re
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from sim import __version__
from sim.design import PACK, Experiment, load
from sim.errors import InputError
from sim.folder import (
    ResultsFolder,
    discard,
    file_sha256,
    read_records,
    write_atomic,
    write_json,
    write_records,
)
from sim.model import CrisisModel
from sim.outcomes import (
    COLUMNS,
    NO_DAY,
    OUTCOMES,
    Proportion,
    Quantiles,
    counted,
    decimals,
    json_safe,
)
from sim.seeds import BLOCK, BLOCKS_PER_MODEL, block_count, seed_blocks

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


def block_name(point: int, first: int, stop: int) -> str:
    """A block file's name under ``runs/``: the design point and its seed blocks."""
    return f"point-{point:05d}/blocks-{first:05d}-{stop:05d}.parquet"


def parse_block_name(name: str) -> tuple[int, int, int] | None:
    """(point, first, stop) from :func:`block_name`'s text, or None."""
    found = re.fullmatch(r"point-(\d{5,})/blocks-(\d{5,})-(\d{5,})\.parquet", name)
    return tuple(int(g) for g in found.groups()) if found else None  # type: ignore[return-value]


def block_schema() -> list[str]:
    """The columns of a block file, as ``name: type``."""
    import pyarrow as pa

    return [f"{name}: {pa.from_numpy_dtype(np.dtype(dtype))}"
            for name, (dtype, _) in COLUMNS.items()]


def _difference(key: str, before: Any, now: Any) -> str:
    """One setting that differs between a sweep's results and the experiment now."""
    if key == "scenario":
        return ("a different scenario (as the model gets it, after the variant and "
                "overrides)")
    if key == "factors":
        return "different parameters or values to vary"
    return f"{key} = {before}, this experiment has {key} = {now}"


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
    """Runs an experiment into a results directory (see the module docstring).

    The manifest records every block file written, with its row count and SHA-256; a
    resumed sweep keeps only the blocks that still match (and have the rows and columns
    their seed blocks must have), says which it recomputes, and refuses results made by a
    different effective experiment (:meth:`effective`).
    """

    experiment: Experiment
    out: Path
    executor: str = "local"
    workers: int = 1
    scheduler: str | None = None
    resume: bool = False
    force: bool = False
    progress: bool = False
    command: str = field(default_factory=lambda: " ".join(sys.argv))
    say: Callable[[str], None] = field(default=lambda line: print(line, file=sys.stderr),
                                       repr=False)

    def __post_init__(self) -> None:
        self.out = Path(self.out)
        self.runs = self.out / "runs"
        self.manifest_path = self.out / "manifest.json"
        self.folder = ResultsFolder(self.out, "sweep", force=self.force, resume=self.resume,
                                    say=self.say)
        self.blocks: dict[str, dict[str, Any]] = {}
        """Block files written and verified, by name under runs/: rows and SHA-256."""
        self.manifest: dict[str, Any] = {}
        self._saved_at = -math.inf
        self._save_cost = 0.0

    def task_file(self, point: int, first: int, stop: int) -> Path:
        return self.runs / block_name(point, first, stop)

    # -- what identifies the sweep --------------------------------------------------------

    def effective(self) -> dict[str, Any]:
        """Every setting that changes a number of this sweep, as JSON would hold it: the
        scenario as the model gets it (after variant and overrides), the seed, the design
        and its factors, replicates or precision, the block size and the package version.
        Two sweeps with the same settings give the same blocks, whatever files they came
        from; a resume with other settings is refused."""
        e = self.experiment
        settings = {"scenario": e.scenario.effective_sha256, "seed": e.seed,
                    "design": e.design, "samples": e.samples, "replicates": e.replicates,
                    "precision": e.precision, "max_replicates": e.max_replicates,
                    "factors": [[f.path, list(f.values), f.low, f.high] for f in e.factors],
                    "block_size": BLOCK, "version": __version__}
        return json.loads(json.dumps(json_safe(settings), default=str))

    def _identity(self) -> dict[str, Any]:
        e = self.experiment
        return {"experiment_sha256": e.sha256, "scenario_sha256": e.scenario.sha256,
                "seed": e.seed, "block_size": BLOCK}

    # -- the directory -----------------------------------------------------------------

    def check(self) -> None:
        """Raise :class:`InputError` unless this sweep may write to ``out`` (only reads)."""
        self.folder.check()
        if self.resume and not self.force and self.folder.holds_results:
            self._check_same(self._manifest())

    def _check_same(self, old: dict[str, Any]) -> None:
        """Refuse to resume results made from other files or another effective experiment."""
        changed = [k for k, v in self._identity().items() if old.get(k) != v]
        if changed:
            raise InputError(
                f"--resume {self.out}: the results were made with a different "
                f"{' and '.join(k.replace('_sha256', ' file') for k in changed)}; "
                "refusing to mix them (use another --out, or --force)")
        before = old.get("effective")
        if not isinstance(before, dict):
            raise InputError(f"--resume {self.out}: the manifest does not say which effective "
                             "experiment made the results (an older crisis-sim, or edited); "
                             "refusing to resume (use --force to start over)")
        now = self.effective()
        differences = [_difference(key, before.get(key), value)
                       for key, value in now.items() if before.get(key) != value]
        if differences:
            raise InputError(f"--resume {self.out}: the results were made with "
                             f"{'; '.join(differences)}; refusing to mix them (use another "
                             "--out, or --force to start over)")

    def prepare(self) -> dict[str, Any]:
        """Under the folder's lock: check again, start over if forced, verify the blocks of
        a resumed sweep, and write the starting manifest; returns it."""
        self.check()
        e = self.experiment
        resuming = self.resume and not self.force and self.folder.holds_results
        if self.force and self.folder.holds_results:
            self._clear()
        old = self._manifest() if resuming else {}
        manifest = {
            **self._identity(), "effective": self.effective(),
            "package": "crisis-sim", "version": __version__,
            "python": platform.python_version(), "numpy": np.__version__,
            "experiment": e.id, "experiment_file": e.path, "scenario": e.scenario.id,
            "scenario_file": e.scenario.path, "variant": e.variant, "design": e.design,
            "points": len(e.points()), "replicates_per_point": e.replicates,
            "precision": e.precision, "max_replicates": e.max_replicates,
            "factors": e.paths, "command": self.command, "executor": self.executor,
            "workers": self.workers, "started": _now(), "status": "running",
            "block_columns": block_schema(),
        }
        if resuming:
            for stale in self.out.rglob(".*.tmp"):  # left by a kill mid-write; never read
                discard(stale)
            manifest["resumed"] = _now()
            manifest["started"] = old.get("started", manifest["started"])
            self.blocks = self._verified(old.get("blocks"))
        manifest["blocks"] = self.blocks
        self.manifest = manifest
        self._save(force=True)
        return manifest

    def _manifest(self) -> dict[str, Any]:
        try:
            document = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            document = None
        if not isinstance(document, dict) or document.get("package") != "crisis-sim":
            raise InputError(f"{self.manifest_path}: not a crisis-sim manifest (unreadable, "
                             "or not a JSON object); use --force to start over") from None
        return document

    def _verified(self, recorded: Any) -> dict[str, dict[str, Any]]:
        """The recorded blocks that are still what was written, with the rows and columns
        their seed blocks must have; says which are recomputed, and why."""
        kept: dict[str, dict[str, Any]] = {}
        bad: list[str] = []
        for name, entry in (recorded.items() if isinstance(recorded, dict) else ()):
            problem = self._block_problem(name, entry)
            if problem is None:
                kept[name] = entry
            else:
                bad.append(f"runs/{name} ({problem})")
        on_disk = {p.relative_to(self.runs).as_posix()
                   for p in self.runs.glob("point-*/blocks-*.parquet")} if self.runs.is_dir() \
            else set()
        unlisted = len(on_disk - set(kept) - {b.split(" ", 1)[0][5:] for b in bad})
        if not isinstance(recorded, dict):
            self.say(f"note: --resume {self.out}: the manifest lists no blocks; all "
                     f"{len(on_disk):,} block files are recomputed")
        elif bad:
            shown = "; ".join(bad[:3]) + (f"; and {len(bad) - 3:,} more" if len(bad) > 3
                                           else "")
            self.say(f"note: --resume {self.out}: {len(bad):,} block file"
                     f"{'s' if len(bad) != 1 else ''} did not match the manifest and "
                     f"{'are' if len(bad) != 1 else 'is'} recomputed: {shown}")
        if unlisted and isinstance(recorded, dict):
            self.say(f"note: --resume {self.out}: {unlisted:,} block file"
                     f"{'s' if unlisted != 1 else ''} not in the manifest (written just "
                     "before an interruption, or put there) "
                     f"{'are' if unlisted != 1 else 'is'} recomputed")
        return kept

    def _block_problem(self, name: str, entry: Any) -> str | None:
        """Why a recorded block cannot be used (None when it can)."""
        import pyarrow.parquet as pq

        unit = parse_block_name(name)
        if unit is None or not self._is_unit(*unit):
            return "not a block of this sweep"
        if not (isinstance(entry, dict) and isinstance(entry.get("rows"), int)
                and isinstance(entry.get("sha256"), str)):
            return "its manifest entry is malformed"
        rows = _size(self._replicates(), unit[1], unit[2])
        if entry["rows"] != rows:
            return f"the manifest says {entry['rows']:,} rows; its seed blocks have {rows:,}"
        path = self.runs / name
        try:
            digest = file_sha256(path)
        except FileNotFoundError:
            return "missing"
        except OSError as err:
            return f"unreadable: {err.strerror}"
        if digest != entry["sha256"]:
            return "changed since it was written: its SHA-256 differs"
        try:
            meta = pq.read_metadata(path)
            columns = [f"{f.name}: {f.type}" for f in meta.schema.to_arrow_schema()]
        except Exception as err:
            return f"unreadable as Parquet ({type(err).__name__})"
        if meta.num_rows != rows:
            return f"{meta.num_rows:,} rows; expected {rows:,}"
        if columns != block_schema():
            return "its columns differ from a block's"
        return None

    def _replicates(self) -> int:
        """The run size seed blocks are drawn for (precision sweeps: the ceiling)."""
        e = self.experiment
        return e.replicates if e.precision is None else block_count(e.max_replicates) * BLOCK

    def _is_unit(self, point: int, first: int, stop: int) -> bool:
        e = self.experiment
        if not 0 <= point < len(e.points()):
            return False
        if e.precision is not None:
            return 0 <= first < block_count(e.max_replicates) and stop == first + 1
        count = block_count(e.replicates)
        return (0 <= first < count and first % BLOCKS_PER_MODEL == 0
                and stop == min(first + BLOCKS_PER_MODEL, count))

    def _save(self, force: bool = False) -> None:
        """Write the manifest: always when ``force``, else when the time since the last
        write is at least 20 times what a write costs (so a big manifest never dominates;
        blocks written since the last save are recomputed by a resume)."""
        now = time.monotonic()
        if not force and now - self._saved_at < 20 * self._save_cost:
            return
        write_json(self.manifest_path, self.manifest)
        self._saved_at = time.monotonic()
        self._save_cost = self._saved_at - now

    def _clear(self) -> None:
        shutil.rmtree(self.runs, ignore_errors=True)
        for name in ("manifest.json", "points.parquet", "sensitivity.json"):
            (self.out / name).unlink(missing_ok=True)

    # -- running ------------------------------------------------------------------------

    def run(self) -> SweepResult:
        """Check everything that can be checked, start the executor, then claim the folder
        and run. Nothing is written before the arguments and the executor are known to
        work; one sweep at a time writes to a folder."""
        from sim.executors import make_executor

        start = time.perf_counter()
        self.check()
        e = self.experiment
        points = e.points()
        with make_executor(self.executor, self.workers, self.scheduler) as executor, \
                self.folder:
            manifest = self.prepare()
            bar = self._bar(points)
            try:
                if e.precision is None:
                    count = block_count(e.replicates)
                    ranges = [(first, min(first + BLOCKS_PER_MODEL, count))
                              for first in range(0, count, BLOCKS_PER_MODEL)]
                    self.units = {p: ranges for p in range(len(points))}
                    tasks = [(p, first, stop) for p in range(len(points))
                             for first, stop in ranges]
                    self._run_tasks(executor, points, tasks, e.replicates, bar)
                else:
                    self._run_to_precision(executor, points, bar)
            finally:
                self._save(force=True)
                if bar is not None:
                    bar.close()
            table = self.summarise(points)
            sensitivity = self.sensitivity(table) if e.design == "sobol" else None
            elapsed = time.perf_counter() - start
            manifest.update(status="complete", finished=_now(), elapsed_s=round(elapsed, 3),
                            replicates_total=int(table["n"].sum()))
            self._save(force=True)
        return SweepResult(e, self.out, table, sensitivity, elapsed, int(table["n"].sum()))

    def _bar(self, points: list) -> Any:
        if not self.progress:
            return None
        e = self.experiment
        total = len(points) * e.replicates if e.replicates else None
        return tqdm(total=total, unit=" crises", unit_scale=True, dynamic_ncols=True,
                    desc=f"0/{len(points)} points", smoothing=0.1)

    def _run_tasks(self, executor: Any, points: list, units: list[tuple[int, int, int]],
                   replicates: int, bar: Any) -> None:
        """Run the (point, first block, stop block) units not yet on disk and verified,
        packed several points to a model, and write each point's records as its pack
        finishes (recording them in the manifest)."""
        e = self.experiment
        pending = [u for u in units if block_name(*u) not in self.blocks]
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
                path = self.task_file(p, first, stop)
                write_records(path, columns)
                self.blocks[block_name(p, first, stop)] = {
                    "rows": len(columns["outcome"]), "sha256": file_sha256(path)}
                remaining[p] -= 1
                done += remaining[p] == 0
                if bar is not None:
                    bar.update(len(columns["outcome"]))
            self._save()
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
        half-width is at most the precision, or the point reaches max_replicates. Each
        round decides from the blocks before it only, so a resumed sweep makes the same
        decisions as an uninterrupted one."""
        e = self.experiment
        limit = block_count(e.max_replicates)
        ceiling = limit * BLOCK
        self.units = {p: [] for p in range(len(points))}
        open_points = list(range(len(points)))
        for block in range(limit):
            if block:
                open_points = [p for p in open_points if half_width(read_records(
                    self.point_files(p), ESTIMATE_COLUMNS)) > e.precision]
            if not open_points:
                return
            for p in open_points:
                self.units[p].append((block, block + 1))
            self._run_tasks(executor, points, [(p, block, block + 1) for p in open_points],
                            ceiling, bar)

    def point_files(self, point: int) -> list[Path]:
        """The block files of a design point, in seed-block order."""
        return [self.task_file(point, first, stop) for first, stop in self.units[point]]

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
    lines = [f"{e.title or e.id}: {counted(len(table), 'design point')} ({e.design}), "
             f"{counted(result.replicates, 'replicate')} in {result.elapsed_s:.1f} s",
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
        shares = "  ".join(_interval_text(row, name) for name in ("war", "deescalated"))
        lines.append(f"{values}  {int(row['n']):7d}  {shares}  "
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


def _interval_text(row: Any, name: str) -> str:
    """A point's probability of an outcome with its interval, in the digits it needs."""
    low, high = row[f"{name}_ci_low"], row[f"{name}_ci_high"]
    places = decimals(low, high, least=4)
    return f"{row[f'p_{name}']:.{places}f} [{low:.{places}f}, {high:.{places}f}]".rjust(26)


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
