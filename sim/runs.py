"""Runs as results: what one scenario's replicates say (:class:`RunResult`), as the command
line prints it (:func:`describe`), and as a folder written and read back (:func:`save_run`,
:func:`load_run`).

Nothing here simulates, so drawing a saved run (``crisis-sim plot``) needs neither Mesa
nor the model; :mod:`sim.api` runs scenarios and returns these results.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim import scenario as scenarios
from sim.errors import InputError
from sim.folder import ResultsFolder, read_records, write_atomic, write_json, write_records
from sim.ladder import MID_LEVELS, Rung
from sim.outcomes import Proportion, Records, Summary, Trajectories, counted, decimals
from sim.scenario import Scenario


def resolve(scenario: str | Path | Scenario, variant: str | None = None,
            set: dict[str, Any] | None = None, branch: date | str | None = None,
            horizon: int | None = None) -> Scenario:
    """A scenario (a path or a loaded one) with a variant and overrides applied."""
    if isinstance(branch, str):
        try:
            branch = date.fromisoformat(branch)
        except ValueError:
            raise InputError(f"--branch {branch}: not a date; allowed: YYYY-MM-DD") from None
    if isinstance(scenario, Scenario):
        if variant is None and not set and branch is None and horizon is None:
            return scenario
        return scenario.override(set, variant=variant, branch=branch, horizon=horizon)
    return scenarios.load(scenario, variant=variant, sets=set, branch=branch, horizon=horizon)


@dataclass(frozen=True)
class Precision:
    """What ``--precision`` asked for and reached."""

    target: float
    reached: float
    replicates: int
    max_replicates: int

    @property
    def met(self) -> bool:
        return self.reached <= self.target


@dataclass
class RunResult:
    """Replicates of one scenario: the per-replicate records and what they say.

    ``result.p_war`` is a :class:`~sim.outcomes.Proportion`; ask it for
    ``.confidence_interval()``. ``result.to_pandas()`` gives one row per replicate.
    """

    scenario: Scenario
    replicates: int
    seed: int
    records: Records
    elapsed_s: float
    precision: Precision | None = None
    trajectories: Trajectories | None = field(default=None, repr=False)
    summary: Summary = field(init=False)

    def __post_init__(self) -> None:
        self.summary = self.records.summary()

    @property
    def p_war(self) -> Proportion:
        return self.summary.outcomes["war"]

    @property
    def p_deescalated(self) -> Proportion:
        return self.summary.outcomes["deescalated"]

    @property
    def p_ongoing(self) -> Proportion:
        return self.summary.outcomes["ongoing"]

    @property
    def p_no_dispute(self) -> Proportion:
        return self.summary.outcomes["no_dispute"]

    def to_pandas(self) -> Any:
        return self.records.to_pandas()

    def as_dict(self) -> dict[str, Any]:
        s = self.scenario
        return {
            "scenario": s.id,
            "file": s.path,
            "applied": list(s.applied),
            "branch": s.branch.isoformat(),
            "horizon": s.horizon,
            "replicates": self.replicates,
            "seed": self.seed,
            **{k: v for k, v in self.summary.as_dict().items() if k != "replicates"},
            **({"precision": {"target": self.precision.target,
                              "reached": self.precision.reached,
                              "replicates": self.precision.replicates,
                              "met": self.precision.met}} if self.precision else {}),
            "elapsed_s": round(self.elapsed_s, 3),
        }

    def __str__(self) -> str:
        return describe(self)


def describe(result: RunResult) -> str:
    """The summary a reader sees on the command line."""
    s, m = result.scenario, result.summary
    lines = [
        f"{s.title}",
        f"{s.path}" + (f"  ({'; '.join(s.applied)})" if s.applied else ""),
        f"{counted(result.replicates, 'replicate')}, seed {result.seed}; from the branch on "
        f"{s.branch} to {s.end} ({counted(s.horizon, 'day')})",
        "",
        f"{'Outcome by the horizon':34s}{'probability':>12s}   95% interval",
    ]
    names = {"war": "war (1,000+ battle deaths)", "deescalated": "de-escalated",
             "ongoing": "ongoing at the horizon", "no_dispute": "no dispute (never militarized)"}
    for key, label in names.items():
        p = m.outcomes[key]
        low, high = p.confidence_interval()
        places = decimals(low, high)
        lines.append(f"  {label:32s}{p.p:12.{places}f}   [{low:.{places}f}, {high:.{places}f}]")
    d = m.days_to_deescalation
    if d.n:
        lines.append(f"\nDays from the branch to de-escalation: median {d.median:.0f} "
                     f"(quartiles {d.q25:.0f}-{d.q75:.0f}), over the {d.n:,} that de-escalated")
    r = m.days_to_reciprocation
    lines.append(f"Force reciprocated (both sides struck): {m.force_reciprocated}"
                 + (f"; the second side struck a median {r.median:.0f} "
                    f"day{'' if r.median == 1 else 's'} after the first "
                    f"(quartiles {r.q25:.0f}-{r.q75:.0f})" if r.n else ""))
    lines.append(f"A mediator was active after the branch, with leverage: {m.mediated}")
    spread = m.parameters
    if spread is not None:
        places = decimals(spread.low, spread.high)
        source = s.posterior.source if s.posterior else "posterior"
        head = f"\nParameter uncertainty ({counted(spread.draws, 'posterior draw')}, {source}): "
        if spread.sd > 0:
            lines.append(f"{head}over the parameter sets the record allows, P(war) lies "
                         f"between {spread.low:.{places}f} and {spread.high:.{places}f} (95%); "
                         f"the parameters explain {spread.share:.0%} of the spread of "
                         "outcomes, chance the rest.")
        else:
            lines.append(f"{head}P(war) varies no more across the parameter sets the record "
                         "allows than chance alone would make it; its 95% interval stays "
                         f"[{spread.low:.{places}f}, {spread.high:.{places}f}].")
    lines.append("\nHighest rung reached          share   95% interval")
    for rung in Rung:
        p = m.max_rung[rung.name.lower()]
        if p.k:
            lines.append(f"  {rung.value} {rung.label:24s}{p}")
    lines.append("Highest rung after the branch (simulated days only)")
    for rung in Rung:
        p = m.max_rung_after_branch[rung.name.lower()]
        if p.k:
            lines.append(f"  {rung.value} {rung.label:24s}{p}")
    lines.append("MID hostility level reached")
    for level, label in MID_LEVELS.items():
        p = m.mid_hostility[str(level)]
        if p.k:
            lines.append(f"  {level} {label:24s}{p}")
    lines.append("\nDeaths per replicate                median   95th percentile")
    for key, label in (("battle", "interstate battle deaths"), ("strike", "in limited strikes"),
                       ("attack", "in militant attacks, from the start")):
        stats = m.deaths[key]
        lines.append(f"  {label:34s}{stats["median"]:6.0f}   {stats["p95"]:8.0f}")
    if result.precision is not None:
        p = result.precision
        verdict = "reached" if p.met else f"not reached within {p.max_replicates:,} replicates"
        lines.append(f"\nPrecision: 95% half-width {p.reached:.4f} with {p.replicates:,} "
                     f"replicates (target {p.target}: {verdict}).")
    lines.append(f"\nSimulated in {result.elapsed_s:.2f} s.")
    return "\n".join(lines)


def save_run(result: RunResult, out: str | Path, variant: str | None = None,
             sets: dict[str, Any] | None = None, *, force: bool = False) -> Path:
    """Write a run to a directory: ``run.json`` (what was run, with a copy of the scenario
    file's text, and its summary),
    ``records.parquet`` (one row per replicate) and, if paths were kept, ``paths.parquet``
    (day, relation, replicate, rung). Read back with :func:`load_run`.

    The directory must be new, empty or hold a run (replaced only with ``force``); one
    writer at a time (see :class:`sim.folder.ResultsFolder`)."""
    with ResultsFolder(out, "run", force=force) as folder:
        return _save_run(result, folder.path, variant, sets)


def _save_run(result: RunResult, out: Path, variant: str | None,
              sets: dict[str, Any] | None) -> Path:
    s = result.scenario
    write_records(out / "records.parquet", result.records.columns)
    if result.trajectories is not None:
        t = result.trajectories
        days, relations, replicates = np.meshgrid(np.arange(t.rung.shape[0]),
                                                  np.arange(t.rung.shape[1]), t.replicates,
                                                  indexing="ij")
        table = pa.table({"day": days.ravel().astype(np.int16),
                          "relation": np.array(t.relations)[relations.ravel()],
                          "replicate": replicates.ravel().astype(np.int32),
                          "rung": t.rung.ravel()})
        write_atomic(out / "paths.parquet", lambda p: pq.write_table(table, p))
    write_json(out / "run.json", {
        "scenario_file": str(Path(s.path).resolve()), "variant": variant,
        "scenario_text": s.text, "scenario_sha256": s.sha256,  # the run's own copy
        "set": sets or {},  # dates are written as ISO text
        "branch": s.branch.isoformat(), "horizon": s.horizon, **result.as_dict()})
    return out


def load_run(path: str | Path) -> RunResult:
    """A run saved by :func:`save_run` (JSON and Parquet only), with the scenario as it was
    run: the copy of its file that ``run.json`` keeps (runs saved before it kept one are
    read with the file)."""
    path = Path(path)
    try:
        info = json.loads((path / "run.json").read_text())
    except (OSError, ValueError):
        raise InputError(f"{path}: no run.json; give a directory written by "
                         "`crisis-sim run --out`") from None
    if not isinstance(info, dict) or "scenario_file" not in info:
        raise InputError(f"{path}/run.json: not a saved run; give a directory written by "
                         "`crisis-sim run --out`")
    saved = info.get("scenario_text")  # the file as it was run: editing or deleting the
    base = (scenarios.from_text(saved, info["scenario_file"], info.get("scenario_sha256", ""))
            if saved else info["scenario_file"])  # file later changes nothing here
    crisis = resolve(base, info.get("variant"), info.get("set") or None, info["branch"],
                     info["horizon"])
    records = Records(read_records([path / "records.parquet"]))
    trajectories = None
    if (path / "paths.parquet").exists():
        table = pq.read_table(path / "paths.parquet").to_pandas()
        relations = list(dict.fromkeys(table["relation"]))
        replicates = np.unique(table["replicate"].to_numpy())
        rung = np.full((table["day"].max() + 1, len(relations), len(replicates)), -1, np.int8)
        rung[table["day"].to_numpy(), table["relation"].map(relations.index).to_numpy(),
             np.searchsorted(replicates, table["replicate"].to_numpy())] = table["rung"]
        empty = np.zeros((0,))
        trajectories = Trajectories(replicates, relations, [], [], [], rung, empty, empty,
                                    empty, empty, empty)
    return RunResult(crisis, info["replicates"], info["seed"], records, info["elapsed_s"],
                     trajectories=trajectories)
