"""Simulated and recorded actions as event records, in the GDELT/ICEWS style.

Each record has a date, a source and a target actor, a CAMEO code and its Goldstein
weight, the rung, the deaths, whether it is historical or simulated, and for a use of force
or an attack where it happened (``location``: the state whose territory, or the country
abroad) and how big it was (``scale``: sites or strikes; simulated ones are 1, on the
target's territory). Recorded events
carry their own CAMEO codes; simulated ones are coded by the ladder
(:data:`sim.ladder.CODINGS`): an event each day a state is at limited strike or above, one
each time it climbs to a new rung, and one when it comes down to cooperation (moving back
to normal relations is not an event in these data). Militant attacks are CAMEO 180
(unconventional violence); a mediator taking up the crisis is 045 (mediate).
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from sim.ladder import CODINGS, FORCE, Rung, goldstein
from sim.scenario import Scenario

ATTACK_CAMEO = "180"
MEDIATION_CAMEO = "045"
FIELDS = ("date", "source", "target", "cameo", "goldstein", "rung", "deaths", "kind", "note",
          "location", "scale")


@dataclass(frozen=True)
class EventRecord:
    date: date
    source: str
    target: str
    cameo: str
    goldstein: float
    rung: str
    deaths: float
    kind: str  # "historical" or "simulated"
    note: str = ""
    location: str = ""
    """Where a use of force or an attack happened: the id of the state whose territory it
    was on, or the country abroad; empty for other events."""
    scale: int | None = None
    """How many sites or strikes a use of force or an attack was (1 unless the record says);
    None for other events."""


def recorded(crisis: Scenario, until: date | None = None) -> list[EventRecord]:
    """The scenario's events that carry a CAMEO code, up to ``until`` (default: all)."""
    out = []
    for e in crisis.events:
        if e.cameo is None or (until is not None and e.date > until):
            continue
        hit = e.kind == "attack" or (e.kind == "action" and e.rung is not None
                                     and e.rung >= FORCE)
        out.append(EventRecord(e.date, e.actor or "unclaimed", e.target or "", e.cameo,
                               goldstein(e.cameo), e.rung.label if e.rung is not None else "",
                               e.deaths_estimate, "historical", e.note,
                               e.place if hit else "", e.scale if hit else None))
    return out


def simulated(crisis: Scenario, trajectories: Any, replicate: int = 0) -> list[EventRecord]:
    """The events of kept replicate ``replicate`` (a column of ``trajectories``) after the
    branch date."""
    t = trajectories
    branch = crisis.day(crisis.branch)
    out = []
    for r, label in enumerate(t.relations):
        source, target = label.split("->")
        rungs = t.rung[:, r, replicate].astype(int)
        for day in range(branch + 1, len(rungs)):
            rung, before = rungs[day], rungs[day - 1]
            if rung < 0:
                break
            climbed = rung > before and rung > Rung.NORMAL
            if rung >= FORCE or climbed or (rung == Rung.COOPERATION and before > rung):
                coding = CODINGS[Rung(rung)]
                cameo = coding.cameo[0]
                force = rung >= FORCE
                out.append(EventRecord(crisis.date(day), source, target, cameo,
                                       goldstein(cameo), Rung(rung).label,
                                       float(t.deaths[day, r, replicate]), "simulated",
                                       location=target if force else "",
                                       scale=1 if force else None))
    for g, label in enumerate(t.attackers):
        group, target = label.split("->")
        for day in range(branch + 1, t.attacks.shape[0]):
            deaths = t.attacks[day, g, replicate]
            if not np.isnan(deaths) and t.rung[day, 0, replicate] >= 0:
                out.append(EventRecord(crisis.date(day), group, target, ATTACK_CAMEO,
                                       goldstein(ATTACK_CAMEO), "", float(deaths), "simulated",
                                       "militant attack", target, 1))
    for m, mediator in enumerate(t.mediators):
        active = t.mediating[:, m, replicate]
        for day in range(branch + 1, len(active)):
            if active[day] and not active[day - 1] and t.rung[day, 0, replicate] >= 0:
                out.append(EventRecord(crisis.date(day), mediator, "", MEDIATION_CAMEO,
                                       goldstein(MEDIATION_CAMEO), "", 0.0, "simulated",
                                       "mediation begins"))
    return sorted(out, key=lambda e: e.date)


def daily_goldstein(crisis: Scenario, records: list[EventRecord]) -> np.ndarray:
    """The sum of Goldstein weights per scenario day (index 0 is the start date)."""
    total = np.zeros(crisis.days)
    for e in records:
        day = crisis.day(e.date)
        if 0 <= day < crisis.days:
            total[day] += e.goldstein
    return total


def write_csv(records: list[EventRecord], path: str | Path) -> None:
    """Write event records to a CSV file (written whole or not at all)."""
    from sim.folder import write_atomic

    def write(p: Path) -> None:
        with open(p, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=FIELDS)
            writer.writeheader()
            for e in records:
                row = asdict(e)
                row["date"] = e.date.isoformat()
                writer.writerow(row)

    write_atomic(Path(path), write)
