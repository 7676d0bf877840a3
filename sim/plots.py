"""Figures. Each function returns a matplotlib ``Figure`` (save it with ``fig.savefig``).

Only this module and the command line import matplotlib (the classroom page gets its
figures as PNG from :func:`png`). Colours are the Okabe-Ito
palette (safe for colour-blind readers), and every series also differs by line style,
marker or hatching, so the figures read in greyscale too.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from sim.ladder import FORCE, MID_LEVELS, Rung
from sim.outcomes import OUTCOMES, Proportion, Summary

ORANGE, SKY, GREEN, YELLOW, BLUE, VERMILLION, PURPLE, BLACK = (
    "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")
OUTCOME_STYLE = {"war": (VERMILLION, "//"), "deescalated": (BLUE, ".."),
                 "ongoing": ("#999999", "xx")}
OUTCOME_LABEL = {"war": "war", "deescalated": "de-escalated", "ongoing": "ongoing"}
SIDE_STYLE = [(BLUE, "-", "o"), (ORANGE, "--", "s"), (GREEN, "-.", "^"), (PURPLE, ":", "D")]

MID_BASE_RATES = {2: 0.022, 3: 0.267, 4: 0.693, 5: 0.018}
"""Highest hostility level of post-1945 MIDs (COW MID v4.3, onset 1946 or later, N = 1,605):
threat 2.2%, display 26.7%, use of force 69.3%, war 1.8%."""


def png(figure: Figure, dpi: int = 80) -> bytes:
    """A figure as PNG bytes, then closed. The figures lay themselves out
    (``tight_layout``), so it is drawn once, not twice as ``bbox_inches="tight"`` would."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    plt.close(figure)
    return buffer.getvalue()


def _figure(width: float = 8, height: float = 4.5, rows: int = 1, cols: int = 1,
            **kw: Any) -> tuple[Figure, Any]:
    fig, axes = plt.subplots(rows, cols, figsize=(width, height), **kw)
    return fig, axes


def _interval(p: Proportion) -> tuple[float, float]:
    low, high = p.confidence_interval()
    return p.p - low, high - p.p


def _rung_axis(ax: Any) -> None:
    ax.set_yticks(range(8))
    ax.set_yticklabels([f"{r.value} {r.label}" for r in Rung])
    ax.set_ylim(-0.5, 7.5)
    ax.axhspan(FORCE - 0.5, 7.5, color="#f2f2f2", zorder=0)


def _dates(ax: Any) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


# --------------------------------------------------------------------------- outcomes


def outcomes(summary: Summary, title: str = "How the crisis ends") -> Figure:
    """P(war), P(de-escalated), P(ongoing) as bars with their 95% Wilson intervals."""
    fig, ax = _figure(6, 4)
    names = list(OUTCOMES)
    for i, name in enumerate(names):
        p = summary.outcomes[name]
        colour, hatch = OUTCOME_STYLE[name]
        ax.bar(i, p.p, color=colour, hatch=hatch, edgecolor=BLACK, width=0.6,
               label=OUTCOME_LABEL[name])
        low, high = _interval(p)
        ax.errorbar(i, p.p, yerr=[[low], [high]], color=BLACK, capsize=6, lw=1.5)
        ax.annotate(f"{p.p:.1%}", (i, p.p + high), textcoords="offset points",
                    xytext=(0, 4), ha="center")
    ax.set_xticks(range(len(names)), [OUTCOME_LABEL[n] for n in names])
    ax.set_ylim(0, 1.08)
    ax.set_ylabel("share of simulated futures (95% interval)")
    ax.set_xlabel("outcome by the horizon")
    ax.set_title(f"{title}\n{summary.n:,} replicates")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- fan chart


def _record_label(e: Any) -> str:
    if e.kind == "action":
        return f"{e.actor}→{e.target} {e.rung.label}"
    if e.kind == "attack":
        return f"attack on {e.target} ({e.deaths} killed)"
    if e.kind == "election":
        return f"{e.actor} election"
    return f"{e.actor} {e.kind}"


def _notable(e: Any) -> bool:
    return ((e.kind == "action" and e.rung is not None and e.rung >= Rung.POSTURE)
            or (e.kind == "attack" and e.deaths >= 5) or e.kind in ("election", "mediation"))


def fan(crisis: Any, trajectories: Any, before: int = 14, title: str | None = None) -> Figure:
    """Each side's rung by day: the median and the 50% and 90% bands over the kept
    replicates, the historical record as a dashed step line, the branch date, and the
    recorded events marked and labelled."""
    held = trajectories.held()
    branch = crisis.day(crisis.branch)
    first = max(0, branch - before)
    days = range(first, crisis.days)
    dates = [crisis.date(d) for d in days]
    relations = trajectories.relations
    fig, axes = _figure(10, 3.2 * len(relations) + 0.8, rows=len(relations), sharex=True,
                        squeeze=False)
    from sim.model import CrisisModel

    record = CrisisModel(crisis, 1, 0)  # the record, as the model replays it
    scripts = {rel.label: rel.script for rel in record.relations}
    for ax, (r, label) in zip(axes[:, 0], enumerate(relations), strict=True):
        paths = held[first:crisis.days, r, :].astype(float)
        q05, q25, q50, q75, q95 = np.percentile(paths, [5, 25, 50, 75, 95], axis=1)
        colour, style, _ = SIDE_STYLE[r % len(SIDE_STYLE)]
        ax.fill_between(dates, q05, q95, step="post", color=colour, alpha=0.18,
                        label="90% of simulated futures")
        ax.fill_between(dates, q25, q75, step="post", color=colour, alpha=0.4,
                        label="50% of simulated futures")
        ax.step(dates, q50, where="post", color=colour, lw=2, ls=style, label="median")
        ax.step(dates, scripts[label][first:crisis.days], where="post", color=BLACK, lw=1.3,
                ls=(0, (4, 2)), label="what happened (the record)")
        ax.axvline(crisis.branch, color=BLACK, lw=1)
        ax.annotate("branch", (mdates.date2num(crisis.branch), 7.2), xytext=(3, 0),
                    textcoords="offset points", fontsize=8)
        actor, target = label.split("->")
        ax.set_ylabel(f"{actor} toward {target}")
        _rung_axis(ax)
    _mark_events(fig, axes[:, 0], [e for e in crisis.events
                                   if _notable(e) and crisis.date(first) <= e.date])
    axes[0, 0].legend(loc="lower right", fontsize=8, framealpha=0.9)
    axes[-1, 0].set_xlabel("date")
    _dates(axes[-1, 0])
    fig.suptitle(title or f"{crisis.title}: {trajectories.rung.shape[2]:,} simulated futures "
                 "from the branch")
    return fig


def _mark_events(fig: Figure, axes: Sequence[Any], events: list[Any]) -> None:
    """Number the events above the top panel, draw a dotted line at each, and list them
    under the figure (labels beside close-together lines would collide)."""
    notes = []
    last_x, level = None, 0
    for number, e in enumerate(events, start=1):
        x = mdates.date2num(e.date)
        for ax in axes:
            ax.axvline(x, color="#777777", lw=0.6, ls=":", zorder=1)
        level = level + 1 if last_x is not None and x - last_x < 4 else 0
        last_x = x
        axes[0].annotate(str(number), (x, 7.5), xytext=(0, 3 + 10 * (level % 3)),
                         textcoords="offset points", fontsize=7, ha="center", va="bottom",
                         annotation_clip=False,
                         bbox={"boxstyle": "circle,pad=0.15", "fc": "white", "lw": 0.6})
        notes.append(f"{number}: {e.date:%d %b} {_record_label(e)}")
    if notes:
        per_line = 4
        text = "\n".join("    ".join(notes[i:i + per_line])
                         for i in range(0, len(notes), per_line))
        fig.text(0.01, 0.005, text, fontsize=7, va="bottom", ha="left", family="monospace")
        lines = -(-len(notes) // per_line)
        fig.tight_layout(rect=(0, 0.03 + 0.025 * lines, 1, 0.97))
    else:
        fig.tight_layout()


def story(told: Any) -> Figure:
    """One replicate's rungs over time, with deaths and attacks annotated."""
    days = told.days()
    dates = [d["date"] for d in days]
    fig, ax = _figure(10, 4.5)
    for r, label in enumerate(told.trajectories.relations):
        colour, style, _marker = SIDE_STYLE[r % len(SIDE_STYLE)]
        ax.step(dates, [int(d["rungs"][label]) for d in days], where="post", color=colour,
                ls=style, lw=2, label=label.replace("->", " toward "))
    for day, d in enumerate(days):
        x = mdates.date2num(d["date"])
        for label, n in d["deaths"].items():
            ax.annotate(f"{n:.0f} killed", (x, int(d["rungs"][label])), xytext=(0, 6),
                        textcoords="offset points", fontsize=7, ha="center")
        for label, n in d["attacks"].items():
            ax.plot(x, -0.3, marker="v", color=VERMILLION, ms=6)
            if n >= 5:
                ax.annotate(f"{label.split('->')[0]}: {n:.0f}", (x, -0.3),
                            xytext=(0, -10 - 8 * (day % 2)), textcoords="offset points",
                            fontsize=7, ha="center")
        if d["mediating"]:
            ax.axvspan(x, x + 1, color=SKY, alpha=0.15, lw=0)
    ax.plot([], [], marker="v", color=VERMILLION, ls="", label="militant attack")
    ax.fill_between([], [], color=SKY, alpha=0.3, label="mediation active")
    _rung_axis(ax)
    ax.set_ylim(-0.9, 7.5)
    ax.set_xlabel("date")
    ax.set_ylabel("rung")
    _dates(ax)
    outcome = ("war", "de-escalated", "ongoing")[told.record["outcome"]]
    ax.set_title(f"{told.scenario.title}: replicate {told.replicate}, {outcome}")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- sweeps


def _label(path: str) -> str:
    return path.replace("actor.", "").replace("*.", "both states' ")


def sweep(points: Any, x: str, by: str | None = None, outcome: str = "war") -> Figure:
    """P(outcome) against one parameter, with its 95% interval as a band; one line per
    value of ``by`` if given."""
    fig, ax = _figure(8, 4.5)
    groups = [(None, points)] if by is None else list(points.groupby(by, sort=True))
    for i, (value, table) in enumerate(groups):
        table = table.sort_values(x)
        colour, style, marker = SIDE_STYLE[i % len(SIDE_STYLE)] if i < 4 else (
            plt.cm.cividis(i / len(groups)), "-", "o")
        label = f"{_label(by)} = {value:g}" if by is not None else None
        ax.fill_between(table[x], table[f"{outcome}_ci_low"], table[f"{outcome}_ci_high"],
                        color=colour, alpha=0.2)
        ax.plot(table[x], table[f"p_{outcome}"], color=colour, ls=style, marker=marker,
                label=label)
    ax.set_xlabel(_label(x))
    ax.set_ylabel(f"P({OUTCOME_LABEL[outcome]}) with 95% interval")
    ax.set_ylim(bottom=0)
    ax.set_title(f"P({OUTCOME_LABEL[outcome]}) as {_label(x)} varies")
    if by is not None:
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def heatmap(points: Any, x: str, y: str, outcome: str = "war") -> Figure:
    """P(outcome) over a grid of two parameters, each cell labelled with its value."""
    table = points.pivot_table(index=y, columns=x, values=f"p_{outcome}", aggfunc="mean")
    fig, ax = _figure(8, 5.5)
    image = ax.imshow(table.to_numpy(), origin="lower", cmap="cividis", aspect="auto",
                      vmin=0, vmax=max(float(table.to_numpy().max()), 1e-9))
    ax.set_xticks(range(len(table.columns)), [f"{v:g}" for v in table.columns])
    ax.set_yticks(range(len(table.index)), [f"{v:g}" for v in table.index])
    for (i, j), value in np.ndenumerate(table.to_numpy()):
        ax.text(j, i, f"{value:.1%}", ha="center", va="center", fontsize=8,
                color="white" if value < 0.5 * table.to_numpy().max() else BLACK)
    ax.set_xlabel(_label(x))
    ax.set_ylabel(_label(y))
    fig.colorbar(image, ax=ax, label=f"P({OUTCOME_LABEL[outcome]})")
    ax.set_title(f"P({OUTCOME_LABEL[outcome]}) by {_label(x)} and {_label(y)}")
    fig.tight_layout()
    return fig


def sensitivity(indices: dict[str, Any], output: str = "p_war") -> Figure:
    """First-order and total Sobol indices with 95% intervals, largest total first (a
    tornado chart)."""
    rows = indices["outputs"][output]["indices"]
    order = sorted(rows, key=lambda f: rows[f]["total_order"])
    fig, ax = _figure(8, 1 + 0.55 * len(order))
    y = np.arange(len(order))
    for shift, key, colour, hatch, label in ((0.18, "total_order", BLUE, "", "total"),
                                             (-0.18, "first_order", ORANGE, "//",
                                              "first order")):
        values = np.array([rows[f][key] for f in order])
        low = np.array([rows[f][f"{key}_ci"][0] for f in order])
        high = np.array([rows[f][f"{key}_ci"][1] for f in order])
        ax.barh(y + shift, values, height=0.34, color=colour, hatch=hatch, edgecolor=BLACK,
                label=label)
        ax.errorbar(values, y + shift, xerr=[np.maximum(values - low, 0),
                                             np.maximum(high - values, 0)],
                    fmt="none", color=BLACK, capsize=3)
    ax.set_yticks(y, [_label(f) for f in order])
    ax.axvline(0, color=BLACK, lw=0.8)
    ax.set_xlabel("Sobol index (share of the variance of the output), 95% interval")
    ax.set_title(f"What {output.replace('p_', 'P(').replace('_', ' ')}) depends on")
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def comparison(compared: Any) -> Figure:
    """Paired differences (alternative minus baseline) with their 95% intervals, and the
    wider unpaired intervals two independent runs would give (a forest plot)."""
    data = compared if isinstance(compared, dict) else compared.as_dict()
    names = list(data["outcomes"])
    fig, ax = _figure(8, 1.5 + 0.8 * len(names))
    for i, name in enumerate(names):
        d = data["outcomes"][name]
        ax.plot([d["unpaired_ci_low"], d["unpaired_ci_high"]], [i - 0.15] * 2, color="#999999",
                lw=2, ls="--", label="unpaired (independent runs)" if i == 0 else None)
        ax.plot([d["ci_low"], d["ci_high"]], [i] * 2, color=BLUE, lw=3,
                label="paired, common random numbers" if i == 0 else None)
        ax.plot(d["difference"], i, "o", color=BLACK, ms=7)
    ax.axvline(0, color=BLACK, lw=0.8)
    ax.set_yticks(range(len(names)), [f"P({OUTCOME_LABEL.get(n, n)})" for n in names])
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.set_xlabel("difference: alternative minus baseline (95% interval)")
    ax.set_title(f"{data['other']}\nagainst the baseline, {data['replicates']:,} paired "
                 "replicates")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    return fig


def mid_levels(levels: np.ndarray, title: str = "Highest MID hostility level") -> Figure:
    """The distribution of the highest MID hostility level among simulated disputes beside
    the post-1945 MID base rates."""
    disputes = levels[levels >= 2]
    n = len(disputes)
    fig, ax = _figure(7, 4.2)
    x = np.arange(2, 6)
    simulated = [Proportion(int(np.sum(disputes == level)), n) for level in x]
    ax.bar(x - 0.2, [p.p for p in simulated], width=0.4, color=BLUE, edgecolor=BLACK,
           label=f"simulated ({n:,} disputes)")
    ax.errorbar(x - 0.2, [p.p for p in simulated],
                yerr=np.array([_interval(p) for p in simulated]).T, fmt="none", color=BLACK,
                capsize=3)
    ax.bar(x + 0.2, [MID_BASE_RATES[level] for level in x], width=0.4, color=ORANGE,
           hatch="//", edgecolor=BLACK, label="MID v4.3, onset after 1945")
    ax.set_xticks(x, [f"{level} {MID_LEVELS[level]}" for level in x])
    ax.set_ylabel("share of disputes")
    ax.set_xlabel("highest hostility level reached")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig


def goldstein(history: Sequence[tuple[Any, float]], dates: Sequence[Any],
              simulated: np.ndarray, branch: Any, title: str) -> Figure:
    """The daily Goldstein sum of the recorded events beside the simulated ensemble's
    median and 90% band (``simulated``: [day, replicate]) from the branch on."""
    fig, ax = _figure(10, 4.2)
    q05, q50, q95 = np.percentile(simulated, [5, 50, 95], axis=1)
    ax.fill_between(dates, q05, q95, color=BLUE, alpha=0.25, step="mid",
                    label="simulated, 90% band")
    ax.step(dates, q50, where="mid", color=BLUE, lw=2, label="simulated, median")
    hx = mdates.date2num([d for d, _ in history])
    hy = [v for _, v in history]
    ax.bar(hx, hy, width=0.8, color=BLACK, alpha=0.75, label="recorded events (daily sum)")
    ax.axvline(branch, color=BLACK, lw=1, ls="--")
    ax.axhline(0, color="#777777", lw=0.6)
    ax.set_ylabel("Goldstein score, daily sum (cooperation > 0 > conflict)")
    ax.set_xlabel("date")
    _dates(ax)
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def overview(result: Any) -> Figure:
    """A run at a glance: the outcome bars and, when paths were kept, the fan chart."""
    if result.trajectories is None:
        return outcomes(result.summary, result.scenario.title)
    return fan(result.scenario, result.trajectories)
