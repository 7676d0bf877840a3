"""The Python interface for notebooks and scripts: ``sim.run`` and ``sim.story``.

Everything runs in this process (no worker processes unless asked for), so it is safe to
call from Jupyter.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from sim.errors import InputError
from sim.folder import ResultsFolder
from sim.ladder import Rung
from sim.model import CrisisModel, simulate, simulate_blocks
from sim.outcomes import (
    OUTCOME_LABELS,
    OUTCOMES,
    Records,
    Trajectories,
)
from sim.runs import Precision, RunResult, resolve
from sim.scenario import Scenario
from sim.seeds import BLOCK, BLOCKS_PER_MODEL, Block, block_count, seed_blocks

DEFAULT_REPLICATES = 10_000
MAX_REPLICATES = 10**9


def check_replicates(replicates: Any, flag: str = "--replicates") -> int:
    if isinstance(replicates, bool) or not isinstance(replicates, int) or not (
            1 <= replicates <= MAX_REPLICATES):
        raise InputError(f"{flag} {replicates}: allowed: a whole number from 1 to "
                         f"{MAX_REPLICATES:,}")
    return replicates


def check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"--seed {seed}: allowed: a whole number >= 0")
    return seed


def run(scenario: str | Path | Scenario, replicates: int = DEFAULT_REPLICATES, seed: int = 1,
        *, variant: str | None = None, set: dict[str, Any] | None = None,
        branch: date | str | None = None, horizon: int | None = None, workers: int = 1,
        keep: int = 0, progress: bool = False) -> RunResult:
    """Simulate ``replicates`` futures of a scenario from its branch date.

    ``workers`` > 1 runs seed blocks in that many processes; the records are the same.
    ``keep`` > 0 also keeps the day-by-day paths of the first ``keep`` replicates (at most
    one seed block, 10,000), for fan charts.

    >>> result = run("scenarios/iran_pakistan_2024.toml", replicates=2000, seed=1)
    >>> low, high = result.p_war.confidence_interval()
    """
    from sim.executors import make_executor

    crisis = resolve(scenario, variant, set, branch, horizon)
    replicates = check_replicates(replicates)
    seed = check_seed(seed)
    start = time.perf_counter()
    n_blocks = block_count(replicates)
    ranges = [(k, min(k + BLOCKS_PER_MODEL, n_blocks))
              for k in range(0, n_blocks, BLOCKS_PER_MODEL)]
    calls = [(simulate_blocks, (crisis, replicates, seed, first, stop))
             for first, stop in ranges]
    bar = None
    if progress and len(calls) > 1:
        bar = tqdm(total=replicates, unit=" crises", unit_scale=True, desc="simulating")
    parts: list[Records] = [Records({})] * len(calls)
    trajectories = None
    if keep:
        if not 0 < keep <= min(BLOCK, replicates):
            raise InputError(f"keep {keep}: allowed: 1 to {min(BLOCK, replicates)}")
        model = CrisisModel(crisis, blocks=seed_blocks(seed, replicates, *ranges[0]),
                            trace=range(keep))
        parts[0], trajectories = model.run(), model.trajectories
    with make_executor("local", min(workers, len(calls))) as executor:
        for index, records in executor.run(calls[1:] if keep else calls):
            index += 1 if keep else 0
            parts[index] = records
            if bar is not None:
                bar.update(len(records))
    if bar is not None:
        bar.close()
    return RunResult(crisis, replicates, seed, Records.concat(parts),
                     time.perf_counter() - start, trajectories=trajectories)


def run_to_precision(scenario: str | Path | Scenario, precision: float, seed: int = 1, *,
                     max_replicates: int = 1_000_000, variant: str | None = None,
                     set: dict[str, Any] | None = None, branch: date | str | None = None,
                     horizon: int | None = None, progress: bool = False) -> RunResult:
    """Add seed blocks of 10,000 replicates until every outcome probability's 95% Wilson
    half-width is at most ``precision`` (or ``max_replicates`` is reached). The replicates
    are the first ones of ``run`` with the same seed, so the result equals ``run(...,
    replicates=N)`` for the N it took."""
    from sim.experiment import half_width

    crisis = resolve(scenario, variant, set, branch, horizon)
    seed = check_seed(seed)
    max_replicates = check_replicates(max_replicates, "--max-replicates")
    if not 0 < precision < 0.5:
        raise InputError(f"--precision {precision}: allowed: a half-width between 0 and 0.5")
    ceiling = block_count(max_replicates) * BLOCK
    start = time.perf_counter()
    parts: list[Records] = []
    bar = None
    if progress:
        bar = tqdm(total=ceiling, unit=" crises", unit_scale=True, desc="to precision")
    reached = 1.0
    for block in range(block_count(max_replicates)):
        parts.append(simulate(crisis, ceiling, seed, blocks=range(block, block + 1)))
        if bar is not None:
            bar.update(len(parts[-1]))
        reached = half_width(Records.concat(parts).columns)
        if reached <= precision:
            break
    if bar is not None:
        bar.total = bar.n  # met early: the bar ends full, not where the ceiling puts it
        bar.refresh()
        bar.close()
    records = Records.concat(parts)
    return RunResult(crisis, len(records), seed, records, time.perf_counter() - start,
                     Precision(precision, reached, len(records), max_replicates))


# --------------------------------------------------------------------------- a replicate's story


@dataclass
class Story:
    """One replicate told day by day, beside the historical record."""

    scenario: Scenario
    replicate: int
    seed: int
    trajectories: Trajectories
    record: dict[str, Any]

    def days(self) -> list[dict[str, Any]]:
        """One entry per day from the branch on while the crisis lasted: the rungs, deaths
        and attacks of the day, active mediators, each state's domestic pressure (rungs),
        each side's grievance toward its rival (utility), and what the record says of that
        date."""
        t, s = self.trajectories, self.scenario
        branch = s.day(s.branch)
        history: dict[date, list[str]] = {}
        for e in s.events:
            if e.date >= s.branch and e.kind in ("action", "mediation", "attack", "election"):
                history.setdefault(e.date, []).append(_event_line(e))
        out = []
        for day in range(branch, s.days):
            if t.rung[day, 0, 0] < 0:
                break
            deaths = {label: float(t.deaths[day, r, 0]) for r, label in enumerate(t.relations)
                      if t.deaths[day, r, 0] > 0}
            attacks = {label: float(t.attacks[day, g, 0]) for g, label in enumerate(t.attackers)
                       if not math.isnan(t.attacks[day, g, 0])}
            out.append({
                "date": s.date(day),
                "rungs": {label: Rung(int(t.rung[day, r, 0]))
                          for r, label in enumerate(t.relations)},
                "deaths": deaths,
                "attacks": attacks,
                "mediating": [m for i, m in enumerate(t.mediators) if t.mediating[day, i, 0]],
                "pressure": {state: float(t.pressure[day, i, 0])
                             for i, state in enumerate(t.states)},
                "grievance": {label: float(t.grievance[day, r, 0])
                              for r, label in enumerate(t.relations)},
                "history": history.get(s.date(day), []),
            })
        return out

    def __str__(self) -> str:
        return tell(self)


def story(scenario: str | Path | Scenario, replicate: int, seed: int = 1,
          replicates: int = DEFAULT_REPLICATES, *, variant: str | None = None,
          set: dict[str, Any] | None = None, branch: date | str | None = None,
          horizon: int | None = None) -> Story:
    """Replicate ``replicate`` of a run of ``replicates`` seeded ``seed``, day by day: the
    same replicate as row ``replicate`` of ``run(..., replicates, seed)``."""
    crisis = resolve(scenario, variant, set, branch, horizon)
    seed = check_seed(seed)
    replicates = check_replicates(replicates)
    if isinstance(replicate, bool) or not isinstance(replicate, int) or not (
            0 <= replicate < replicates):
        raise InputError(f"--trace {replicate}: allowed: a replicate from 0 to "
                         f"{replicates - 1}")
    block, local = divmod(replicate, BLOCK)
    own = seed_blocks(seed, replicates, block, block + 1)[0]
    # the replicates after it in its block change nothing of its future: run up to it
    model = CrisisModel(crisis, blocks=[Block(own.seed, local + 1)], trace=[local])
    records = model.run()
    row = {name: values[local].item() for name, values in records.columns.items()}
    return Story(crisis, replicate, seed, model.trajectories, row)


def _event_line(e: Any) -> str:
    who = e.actor or "unclaimed"
    if e.kind == "action":
        what = f"{who}→{e.target} {e.rung.label}"
    elif e.kind == "attack":
        what = f"attack by {who} on {e.target}"
    else:
        what = f"{e.kind} ({who})"
    killed = f", {e.toll} killed" if e.deaths != 0 else ""
    return f"{what}{killed}"


# --------------------------------------------------------------------------- text


def tell(story: Story) -> str:
    s = story.scenario
    rec = story.record
    lines = [f"Replicate {story.replicate} of {s.id} (seed {story.seed}), from the branch on "
             f"{s.branch}; the record is shown beside it", ""]
    labels = story.trajectories.relations
    header = f"{'date':12s}" + "".join(f"{label.replace('->', '→'):17s}" for label in labels)
    lines.append(header + "what happened")
    previous: dict[str, Rung] = {}
    for day in story.days():
        notes = []
        for label, n in day["deaths"].items():
            notes.append(f"{label.replace('->', '→')} kills {n:.0f}")
        for label, n in day["attacks"].items():
            notes.append(f"attack {label.replace('->', '→')}: {n:.0f} killed")
        if day["mediating"]:
            notes.append("mediating: " + ", ".join(day["mediating"]))
        changed = day["rungs"] != previous or day["deaths"] or day["attacks"] or day["history"]
        previous = day["rungs"]
        if not changed:
            continue
        row = f"{day['date'].isoformat():12s}" + "".join(
            f"{r.label:17s}" for r in day["rungs"].values()) + "; ".join(notes)
        lines.append(row.rstrip())
        for h in day["history"]:
            lines.append(f"{'':12s}  record: {h}")
    outcome = OUTCOME_LABELS[OUTCOMES[rec["outcome"]]]
    lines.append("")
    lines.append(f"Outcome: {outcome} on day {rec['outcome_day']} after the branch; highest rung "
                 f"{Rung(rec['max_rung']).label}; battle deaths {rec['battle_deaths']:.0f}, "
                 f"strike deaths {rec['strike_deaths']:.0f}, militant-attack deaths "
                 f"{rec['attack_deaths']:.0f}.")
    return "\n".join(lines)


# --------------------------------------------------------------------------- saved results


# --------------------------------------------------------------------------- calibration


def calibrate(config: str | Path, out: str | Path, *, workers: int = 1,
              executor: str = "local", scheduler: str | None = None, resume: bool = False,
              force: bool = False, progress: bool = False) -> Any:
    """Run the calibration a config describes (:mod:`sim.calibration`) and write it to
    ``out`` (:func:`save_calibration`); returns the :class:`~sim.calibration.Calibration`.

    A killed calibration resumes with ``resume=True``: the waves already written are read
    back (checked against the manifest: the same config, the same disputes, whole files),
    and only the rest is run, so the result is the one an uninterrupted run gives."""
    import numpy as np
    import pandas as pd
    import pyarrow.parquet as pq

    from sim import calibration, record
    from sim.executors import make_executor
    from sim.folder import file_sha256, write_json

    settings, digest = calibration.load(config)
    disputes = record.disputes()
    fitted = calibration.fitted(settings, disputes)
    holdout = calibration.held_out(settings, disputes)
    identity = {"config_sha256": digest, "settings": _settings_dict(settings),
                "disputes_sha256": _table_sha256(fitted)}
    folder = ResultsFolder(out, "calibration", force=force, resume=resume)
    folder.check()
    path = folder.path
    done: list[calibration.Wave] = []
    manifest: dict[str, Any] = {**identity, "waves": {}}
    if resume and (path / "calibration.json").exists():
        import json

        try:
            old = json.loads((path / "calibration.json").read_text())
            same = isinstance(old, dict) and all(old.get(k) == v for k, v in identity.items())
        except (OSError, ValueError):
            old, same = {}, False
        if not same:
            raise InputError(f"--out {path}: holds a calibration of another config or other "
                             "data; use --force to start over, or another --out")
        for number in range(1, settings.waves + 1):
            entry = (old.get("waves") or {}).get(str(number))
            file = path / f"wave-{number}.parquet"
            if not (isinstance(entry, dict) and file.exists()
                    and file_sha256(file) == entry.get("sha256")):
                if file.exists() or entry:
                    print(f"note: {file}: missing, changed or cut short; wave {number} and "
                          "those after it are run again", file=sys.stderr)
                break
            table = pq.read_table(file).to_pandas()
            done.append(calibration.Wave(number, table[settings.paths].to_numpy(),
                                         table[list(settings.moments)].to_numpy()))
            manifest["waves"][str(number)] = entry
    bars = _StageBars() if progress else None
    with make_executor(executor, workers, scheduler) as pool, folder:  # a bad executor: no folder
        def save(wave: calibration.Wave) -> None:
            frame = pd.DataFrame(np.column_stack([wave.points, wave.moments]),
                                 columns=[*settings.paths, *settings.moments])
            file = path / f"wave-{wave.number}.parquet"
            _write_parquet(file, frame)
            manifest["waves"][str(wave.number)] = {"sha256": file_sha256(file),
                                                   "points": len(frame)}
            write_json(path / "calibration.json", {**manifest, "finished": False})

        result = calibration.calibrate(settings, fitted, executor=pool, done=done,
                                       on_wave=save, progress=bars, holdout=holdout)
        if bars is not None:
            bars.close()
        save_calibration(result, path, manifest)
    return result


class _StageBars:
    """A progress bar per stage of a calibration (each wave, the check, the holdout)."""

    def __init__(self) -> None:
        self.stage, self.done, self.bar = "", 0, None

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if stage != self.stage or self.bar is None:
            self.close()
            self.stage, self.done = stage, 0
            self.bar = tqdm(total=total, desc=stage, unit=" disputes", unit_scale=True)
        self.bar.update(done - self.done)
        self.done = done
        if done >= total:  # the emulators' fitting that follows is not this stage's time
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _settings_dict(settings: Any) -> dict[str, Any]:
    from dataclasses import asdict

    d = asdict(settings)
    d["priors"] = [[p["path"], p["low"], p["high"]] for p in d["priors"]]
    return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


def _table_sha256(table: Any) -> str:
    import hashlib

    import pandas as pd

    return hashlib.sha256(pd.util.hash_pandas_object(table, index=True).to_numpy().tobytes()
                          ).hexdigest()


def _write_parquet(file: Path, frame: Any) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from sim.folder import write_atomic

    table = pa.Table.from_pandas(frame, preserve_index=False)
    write_atomic(file, lambda p: pq.write_table(table, p))


def save_calibration(result: Any, out: Path, manifest: dict[str, Any]) -> None:
    """Write a finished calibration into ``out``: ``posterior.parquet`` (the joint draws),
    ``check.parquet`` (the moments at the checked draws), ``report.md``,
    ``posterior.png`` (pairs plot), ``moments.png`` (targets with error bars) and the
    manifest ``calibration.json`` (with every file's SHA-256)."""
    import numpy as np
    import pandas as pd

    from sim import calibration, plots
    from sim.folder import file_sha256, write_atomic, write_json

    s = result.settings
    frame = pd.DataFrame({"draw": np.arange(len(result.posterior)),
                          **{p: result.posterior[:, k] for k, p in enumerate(s.paths)}})
    _write_parquet(out / "posterior.parquet", frame)
    _write_parquet(out / "check.parquet", pd.DataFrame(
        np.column_stack([result.check_points, result.check_moments]),
        columns=[*s.paths, *s.moments]))
    text = calibration.report(result)
    write_atomic(out / "report.md", lambda p: p.write_text(text))
    check = calibration.predictive(result.observed, result.check_moments, s.discrepancy)
    for name, figure in (("posterior.png", plots.posterior_pairs(result.posterior, s.paths,
                                                                 [(p.low, p.high) for p in
                                                                  s.priors])),
                         ("moments.png", plots.moment_comparison(
                             check, "The record's moments beside the calibrated model's"))):
        write_atomic(out / name, lambda p, f=figure: f.savefig(p, format="png", dpi=90))
    files = {name: file_sha256(out / name) for name in
             ("posterior.parquet", "check.parquet", "report.md")}
    write_json(out / "calibration.json", {
        **manifest, "finished": True, "files": files,
        "waves_kept": [w.kept for w in result.waves],
        "parameters": calibration.pinned(s, result.posterior),
        "matched_together": result.matched_together,
        "check": {"joint_distance": check.joint_distance, "df": check.df,
                  "moments": check.table.reset_index().to_dict(orient="records")}})
