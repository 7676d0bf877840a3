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

from sim.ladder import FORCE, Rung
from sim.outcomes import OUTCOME_LABELS, OUTCOMES, Proportion, Summary

ORANGE, SKY, GREEN, YELLOW, BLUE, VERMILLION, PURPLE, BLACK = (
    "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")
OUTCOME_STYLE = {"war": (VERMILLION, "//"), "deescalated": (BLUE, ".."),
                 "ongoing": ("#999999", "xx"), "no_dispute": (GREEN, "--")}
SIDE_STYLE = [(BLUE, "-", "o"), (ORANGE, "--", "s"), (GREEN, "-.", "^"), (PURPLE, ":", "D")]


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
    """P(war), P(de-escalated), P(ongoing), P(no dispute) as bars with their 95% Wilson
    intervals."""
    fig, ax = _figure(6, 4)
    names = list(OUTCOMES)
    for i, name in enumerate(names):
        p = summary.outcomes[name]
        colour, hatch = OUTCOME_STYLE[name]
        ax.bar(i, p.p, color=colour, hatch=hatch, edgecolor=BLACK, width=0.6,
               label=OUTCOME_LABELS[name])
        low, high = _interval(p)
        ax.errorbar(i, p.p, yerr=[[low], [high]], color=BLACK, capsize=6, lw=1.5)
        ax.annotate(f"{p.p:.1%}", (i, p.p + high), textcoords="offset points",
                    xytext=(0, 4), ha="center")
    ax.set_xticks(range(len(names)), [OUTCOME_LABELS[n] for n in names])
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
        return f"attack on {e.target} ({e.toll} killed)"
    if e.kind == "election":
        return f"{e.actor} election"
    return f"{e.actor} {e.kind}"


def _notable(e: Any) -> bool:
    return ((e.kind == "action" and e.rung is not None and e.rung >= Rung.POSTURE)
            or (e.kind == "attack" and not e.deaths_estimate < 5)  # unknown tolls too
            or e.kind in ("election", "mediation"))


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
    scripts = {f"{x}->{y}": crisis.recorded(x, y, d.initial[i])[0]  # as the model replays it
               for d in crisis.dyads for i, (x, y) in enumerate(((d.a, d.b), (d.b, d.a)))}
    # the record says nothing after its last event: draw it no further (not flat to the end)
    recorded_until = max([crisis.day(e.date) for e in crisis.events] + [branch]) + 1
    shown = range(first, min(max(recorded_until, first + 1), crisis.days))
    for ax, (r, label) in zip(axes[:, 0], enumerate(relations), strict=True):
        paths = held[first:crisis.days, r, :].astype(float)
        q05, q25, q50, q75, q95 = np.percentile(paths, [5, 25, 50, 75, 95], axis=1)
        colour = SIDE_STYLE[r % len(SIDE_STYLE)][0]  # medians solid: dashes are the record's
        ax.fill_between(dates, q05, q95, step="post", color=colour, alpha=0.18,
                        label="90% of simulated futures")
        ax.fill_between(dates, q25, q75, step="post", color=colour, alpha=0.4,
                        label="50% of simulated futures")
        ax.step(dates, q50, where="post", color=colour, lw=2, ls="-", label="median")
        ax.step([crisis.date(d) for d in shown], scripts[label][shown.start:shown.stop],
                where="post", color=BLACK, lw=1.3, ls=(0, (4, 2)),
                label="what happened (the record)")
        ax.axvline(crisis.branch, color=BLACK, lw=1)
        ax.annotate("branch", (mdates.date2num(crisis.branch), -0.4), xytext=(3, 0),
                    textcoords="offset points", fontsize=8, va="bottom")
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
    outcome = OUTCOME_LABELS[OUTCOMES[told.record["outcome"]]]
    ax.set_title(f"{told.scenario.title}: replicate {told.replicate}, {outcome}")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    _apart(fig, ax.texts)
    return fig


def _apart(fig: Figure, labels: list[Any], tries: int = 12) -> None:
    """Move each label away from its point (further up if it sits above it, down if below),
    a line at a time, until it overlaps no label placed before it: labels of the same or
    nearby days would otherwise be drawn over each other."""
    fig.canvas.draw()
    placed: list[Any] = []
    for label in labels:
        box = label.get_window_extent()
        dx, dy = label.xyann
        step = (box.height + 1) * 72 / fig.dpi * (1 if dy >= 0 else -1)
        for _ in range(tries):
            if not any(box.overlaps(other) for other in placed):
                break
            dy += step
            label.xyann = (dx, dy)
            box = label.get_window_extent()
        placed.append(box)


# --------------------------------------------------------------------------- sweeps


def _label(path: str) -> str:
    return path.replace("actor.", "").replace("*.", "both states' ")


def sweep(points: Any, x: str, by: str | None = None, outcome: str = "war",
          grid: bool = True) -> Figure:
    """P(outcome) against one parameter with its 95% interval: on a grid, a line and band
    through the points of each value of ``by`` (if given), in the order of ``x``; for other
    designs (``grid=False``: points that share no values), each point with its interval,
    unjoined. Many values of ``by`` get a legend beside the axes, clear of the title."""
    fig, ax = _figure(8, 4.5)
    low, high, p = (points[f"{outcome}_ci_low"], points[f"{outcome}_ci_high"],
                    points[f"p_{outcome}"])
    if not grid:
        ax.errorbar(points[x], p, yerr=[p - low, high - p], fmt="o", color=BLUE, ms=4,
                    ecolor="#999999", elinewidth=1, capsize=2)
    groups = [] if not grid else [(None, points)] if by is None else list(
        points.groupby(by, sort=True))
    for i, (value, table) in enumerate(groups):
        table = table.sort_values(x)
        colour, style, marker = SIDE_STYLE[i % len(SIDE_STYLE)] if len(groups) <= 4 else (
            plt.cm.cividis(i / max(1, len(groups) - 1)), "-", "o")
        label = f"{_label(by)} = {value:g}" if by is not None else None
        ax.fill_between(table[x], table[f"{outcome}_ci_low"], table[f"{outcome}_ci_high"],
                        color=colour, alpha=0.2 if len(groups) <= 4 else 0.08)
        ax.plot(table[x], table[f"p_{outcome}"], color=colour, ls=style, marker=marker,
                ms=4, label=label)
    ax.set_xlabel(_label(x))
    ax.set_ylabel(f"P({OUTCOME_LABELS[outcome]}) with 95% interval")
    ax.set_ylim(bottom=0)
    ax.set_title(f"P({OUTCOME_LABELS[outcome]}) as {_label(x)} varies"
                 + ("" if grid else f" ({len(points):,} design points)"))
    if by is not None and grid:
        if len(groups) <= 4:
            ax.legend(fontsize=8)
        else:  # beside the axes: a long legend inside would cover the lines and the title
            ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1),
                      ncols=1 + len(groups) // 16, borderaxespad=0)
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
    fig.colorbar(image, ax=ax, label=f"P({OUTCOME_LABELS[outcome]})")
    ax.set_title(f"P({OUTCOME_LABELS[outcome]}) by {_label(x)} and {_label(y)}")
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
    ax.set_yticks(range(len(names)), [f"P({OUTCOME_LABELS.get(n, n)})" for n in names])
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.set_xlabel("difference: alternative minus baseline (95% interval)")
    ax.set_title(f"{data['other']}\nagainst the baseline, {data['replicates']:,} paired "
                 "replicates")
    ax.legend(loc="best", fontsize=8)
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


# --------------------------------------------------------------------------- scores

FORECASTER_STYLE = [(BLUE, "-", "o"), (ORANGE, "--", "s"), (GREEN, "-.", "^"),
                    (PURPLE, ":", "D"), (VERMILLION, (0, (5, 1, 1, 1)), "v")]


def reliability_diagram(tables: dict[str, Any],
                        title: str = "Reliability: forecast against what happened") -> Figure:
    """Observed frequency against mean forecast per bin with 95% Wilson bars, one series per
    forecaster (``tables``: name → :func:`sim.scores.reliability` table), the diagonal of
    perfect calibration, and under it how many cases fell in each bin."""
    fig, (ax, counts) = _figure(7, 7.5, rows=2, sharex=True,
                                gridspec_kw={"height_ratios": [3, 1]})
    ax.plot([0, 1], [0, 1], color="#777777", lw=1, ls=":", label="perfectly calibrated")
    for i, (name, table) in enumerate(tables.items()):
        colour, style, marker = FORECASTER_STYLE[i % len(FORECASTER_STYLE)]
        x, y = table["mean_forecast"], table["observed"]
        ax.errorbar(x, y, yerr=[y - table["ci_low"], table["ci_high"] - y], color=colour,
                    ls=style, marker=marker, ms=6, lw=1.6, capsize=3,
                    label=f"{name} ({int(table['n'].sum()):,} cases)")
        edges, heights = _bin_steps(table)
        counts.stairs(heights, edges, color=colour, ls=style, lw=1.6, label=name)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_ylabel("observed share of events (95% Wilson interval)")
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8)
    counts.set_ylabel("cases per bin")
    counts.set_xlabel("forecast probability (points: bin mean; steps: bin extent)")
    fig.tight_layout()
    return fig


def _bin_steps(table: Any) -> tuple[np.ndarray, np.ndarray]:
    """Edges and heights for a step outline of the bins' counts, 0 over empty stretches."""
    edges = np.unique(np.concatenate([table["low"], table["high"]]))
    heights = np.zeros(len(edges) - 1)
    for low, n in zip(table["low"], table["n"], strict=True):
        heights[np.searchsorted(edges, low)] = n
    return edges, heights


def moment_comparison(comparison: Any,
                      title: str = "Simulated moments against the record") -> Figure:
    """Each moment on the scale of its z-score: the record at 0 with its 95% interval, the
    simulated moment at z with its own 95% interval (both in units of the combined standard
    error), the band |z| < 1.96 shaded, and the raw numbers written beside each row.
    ``comparison`` is a :class:`sim.scores.MomentComparison`."""
    table = comparison.table
    names = list(table.index)
    m = len(names)
    fig, ax = _figure(10, 2 + 0.42 * m)
    y = np.arange(m)[::-1]
    combined = np.sqrt(table["observed_se"] ** 2 + table["simulated_se"] ** 2).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        obs_half = 1.96 * table["observed_se"].to_numpy() / combined
        sim_half = 1.96 * table["simulated_se"].to_numpy() / combined
    z = table["z"].to_numpy()
    ax.axvspan(-1.96, 1.96, color="#eeeeee", zorder=0, label="|z| < 1.96")
    ax.axvline(0, color=BLACK, lw=0.8)
    ax.errorbar(np.zeros(m), y + 0.13, xerr=obs_half, fmt="s", color=BLACK, mfc="white",
                capsize=3, label="record (target), 95% interval")
    ax.errorbar(z, y - 0.13, xerr=sim_half, fmt="o", color=BLUE, capsize=3,
                label="simulated, 95% interval")
    far = np.abs(z) > 1.96
    ax.plot(z[far], y[far] - 0.13, "o", color=VERMILLION, ms=8, mfc="none", mew=1.5,
            label="outside the band")
    ax.set_yticks(y, names)
    ax.set_ylim(-0.7, m - 0.1)
    limit = max(3.0, float(np.nanmax(np.abs(z) + sim_half, initial=0)) * 1.08)
    ax.set_xlim(-limit, limit)
    for row, (_, r) in zip(y, table.iterrows(), strict=True):
        ax.annotate(f"{r['observed']:.3g} ± {r['observed_se']:.2g}  vs  "
                    f"{r['simulated']:.3g} ± {r['simulated_se']:.2g}   z = {r['z']:+.1f}",
                    (1.01, row), xycoords=("axes fraction", "data"), va="center",
                    fontsize=8, family="monospace", annotation_clip=False)
    ax.set_xlabel("z = (simulated − record) / combined standard error")
    ax.set_title(f"{title}\nsquared Mahalanobis distance {comparison.joint_distance:.1f} on "
                 f"{comparison.df} df, p = {comparison.p_value:.2g}")
    ax.annotate("record ± SE  vs  simulated ± SE", (1.01, m - 0.55),
                xycoords=("axes fraction", "data"), va="bottom", fontsize=8,
                family="monospace", weight="bold", annotation_clip=False)
    height = fig.get_figheight()
    fig.legend(*ax.get_legend_handles_labels(), loc="lower center", ncol=4, fontsize=8,
               frameon=False)
    fig.tight_layout(rect=(0, 0.45 / height, 1, 1))
    return fig


def backtest_goldstein(backtest: Any) -> Figure:
    """The first backtested scenario's daily Goldstein sum: the record beside the simulated
    ensemble (``backtest``: a :class:`sim.analysis.Backtest`)."""
    g = backtest.goldstein
    crisis = g["crisis"]
    first = max(0, crisis.day(crisis.branch) - 21)
    last = min(crisis.days, crisis.day(crisis.branch) + 45)
    history = [(crisis.date(d), g["record"][d]) for d in range(first, last) if g["record"][d]]
    return goldstein(history, g["dates"][first:last], g["simulated"][first:last],
                     crisis.branch, f"{crisis.title}\ndaily Goldstein sum: the record "
                     f"beside {g['simulated'].shape[1]:,} simulated futures")


# --------------------------------------------------------------------------- scenario discovery


def _tradeoff_on(ax: Any, box: Any, title: str) -> None:
    steps = box.trajectory
    coverage = np.array([s.coverage for s in steps])
    density = np.array([s.density for s in steps])
    restricted = np.array([s.restricted for s in steps])
    ax.plot(coverage, density, color="#999999", lw=1, zorder=1)
    points = ax.scatter(coverage, density, c=restricted, cmap="cividis", edgecolor=BLACK,
                        s=28, zorder=2)
    chosen = steps[box.chosen]
    ax.scatter([chosen.coverage], [chosen.density], s=180, facecolor="none",
               edgecolor=VERMILLION, lw=2.5, zorder=3, label=f"chosen: step {box.chosen}")
    bar = ax.figure.colorbar(points, ax=ax, label="inputs restricted")
    bar.set_ticks(range(int(restricted.min()), int(restricted.max()) + 1))
    ax.set_xlabel("coverage: share of all cases of interest in the box")
    ax.set_ylabel("density: share of the box's cases of interest")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.legend(loc="lower left", fontsize=8)
    ax.set_title(title)


def _p_value(p: float) -> str:
    return f"{p:.0e}" if p > 0 else "<1e-300"


def _limits_on(ax: Any, box: Any, title: str) -> None:
    limits = box.limits
    y = np.arange(len(limits))[::-1]
    for row, lim in zip(y, limits, strict=True):
        span = lim.range_high - lim.range_low
        low, high = ((lim.low - lim.range_low) / span, (lim.high - lim.range_low) / span)
        ax.barh(row, 1, left=0, height=0.5, color="#eeeeee", edgecolor="#999999")
        colour = VERMILLION if lim.restricted else "#bbbbbb"
        ax.barh(row, high - low, left=low, height=0.5, color=colour, edgecolor=BLACK,
                hatch="" if lim.restricted else "..")
        ax.text(low, row + 0.3, f"{lim.low:.3g}", ha="center", va="bottom", fontsize=7)
        ax.text(high, row + 0.3, f"{lim.high:.3g}", ha="center", va="bottom", fontsize=7)
        qp = ", ".join(f"{side} {_p_value(v)}" for side, v in (("qp low", lim.qp_low),
                                                                 ("qp high", lim.qp_high))
                       if v is not None)
        if qp:
            ax.text(1.02, row, qp, va="center", fontsize=7)
    ax.set_yticks(y, [f"{_label(lim.input)}\n[{lim.range_low:.3g}, {lim.range_high:.3g}]"
                      for lim in limits], fontsize=8)
    ax.set_xlim(0, 1.45)
    ax.set_xticks([0, 0.5, 1], ["low end", "middle", "high end"])
    ax.set_xlabel("each input's range over the design (grey); the box (red, restricted)")
    ax.set_ylim(-0.7, len(limits) - 0.1)
    ax.set_title(title)


def _tree_on(ax: Any, found: Any) -> None:
    from sklearn.tree import plot_tree

    plot_tree(found.tree.model, ax=ax, feature_names=[_label(i) for i in found.cases.inputs],
              class_names=["other", "of interest"], filled=True, impurity=False,
              proportion=True, rounded=True, fontsize=7)
    ax.set_title(f"Classification tree (depth {found.tree.depth}): share of each node's "
                 f"{found.per} by class ({found.of_interest} is 'of interest')")


def tradeoff(found: Any, box: int = 1) -> Figure:
    """The coverage–density trade-off along box ``box``'s peeling and pasting trajectory,
    each step coloured by how many inputs it restricts, the chosen step circled."""
    fig, ax = _figure(6.5, 5)
    _tradeoff_on(ax, found.boxes[box - 1], f"PRIM box {box}: {found.of_interest}")
    fig.tight_layout()
    return fig


def box_limits(found: Any, box: int = 1) -> Figure:
    """Box ``box``'s limits on each input against the input's range, with quasi-p values."""
    fig, ax = _figure(8, 1.2 + 0.7 * len(found.cases.inputs))
    b = found.boxes[box - 1].step
    _limits_on(ax, found.boxes[box - 1], f"Box {box}: coverage {b.coverage:.2f}, density "
               f"{b.density:.2f}")
    fig.tight_layout()
    return fig


def tree(found: Any) -> Figure:
    """The classification tree of a scenario discovery."""
    fig, ax = _figure(12, 6)
    _tree_on(ax, found)
    fig.tight_layout()
    return fig


def discovery(found: Any) -> Figure:
    """Scenario discovery at a glance: each PRIM box's trade-off curve and limits, and the
    classification tree below."""
    rows = len(found.boxes)
    fig = plt.figure(figsize=(14, 4.8 * rows + 6.5))
    grid = fig.add_gridspec(rows + 1, 2, height_ratios=[4.8] * rows + [6.5],
                            width_ratios=[1, 1.25])
    for i, box in enumerate(found.boxes):
        b = box.step
        _tradeoff_on(fig.add_subplot(grid[i, 0]), box,
                     f"PRIM box {i + 1}: trade-off ({found.of_interest})")
        _limits_on(fig.add_subplot(grid[i, 1]), box, f"Box {i + 1}: coverage "
                   f"{b.coverage:.2f}, density {b.density:.2f}, mass {b.mass:.2f}")
    _tree_on(fig.add_subplot(grid[rows, :]), found)
    fig.tight_layout()
    return fig


def posterior_pairs(draws: np.ndarray, paths: Sequence[str],
                    ranges: Sequence[tuple[float, float]]) -> Figure:
    """A pairs plot of joint posterior draws: each parameter's histogram on the diagonal,
    every pair's draws below it, each axis spanning the parameter's prior range."""
    d = len(paths)
    fig, axes = _figure(2.0 * d + 1, 2.0 * d + 0.6, d, d, squeeze=False)
    for i in range(d):
        for j in range(d):
            ax = axes[i, j]
            if j > i:
                ax.axis("off")
                continue
            if i == j:
                ax.hist(draws[:, i], bins=30, range=ranges[i], color=BLUE, alpha=0.8)
                ax.set_yticks([])
            else:
                ax.plot(draws[:, j], draws[:, i], ".", ms=2, alpha=0.3, color=BLUE)
                ax.set_ylim(*ranges[i])
            ax.set_xlim(*ranges[j])
            ax.tick_params(labelsize=7)
            if i == d - 1:
                ax.set_xlabel(_label(paths[j]), fontsize=8)
            if j == 0 and i > 0:
                ax.set_ylabel(_label(paths[i]), fontsize=8)
    fig.suptitle(f"Posterior: {len(draws):,} joint draws (axes span the prior ranges)")
    fig.tight_layout()
    return fig
