"""Every figure is drawn and checked for what it must show, not only that a file exists."""

import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.patches import Rectangle

from sim import analysis, api, plots, runs
from sim.cli import main

from .conftest import FLAGSHIP


@pytest.fixture(scope="module")
def run():
    return api.run(FLAGSHIP, 3000, seed=1, keep=300, horizon=60)


def bars(ax):
    return [p for p in ax.patches if isinstance(p, Rectangle) and p.get_height() != 0]


def bands(ax):
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


def test_outcome_bars_with_intervals(run):
    fig = plots.outcomes(run.summary, "t")
    ax = fig.axes[0]
    assert len(bars(ax)) == sum(p.k > 0 for p in run.summary.outcomes.values())  # no 0 bars
    assert [t.get_text() for t in ax.get_xticklabels()] == ["war", "de-escalated", "ongoing",
                                                               "no dispute"]
    assert "95% interval" in ax.get_ylabel()
    heights = sorted(b.get_height() for b in bars(ax))
    assert np.isclose(sum(heights), 1)
    assert len(ax.lines) + len(ax.collections) >= 3  # the error bars


def test_fan_chart_has_bands_medians_the_record_and_the_branch(run):
    fig = plots.fan(run.scenario, run.trajectories)
    axes = fig.axes
    assert len(axes) == 2
    for ax in axes:
        assert len(bands(ax)) == 2                       # 50% and 90% bands
        labels = [line.get_label() for line in ax.lines]
        assert "median" in labels and "what happened (the record)" in labels
        assert any(line.get_xdata()[0] == line.get_xdata()[-1] for line in ax.lines)  # branch
        assert "toward" in ax.get_ylabel()
    assert axes[-1].get_xlabel() == "date"
    assert any("attack on IRN (84 killed)" in t.get_text() for t in fig.texts)


def test_a_replicates_story(run):
    fig = plots.story(api.story(FLAGSHIP, 3, 1, 3000, horizon=60))
    ax = fig.axes[0]
    assert len([line for line in ax.lines if line.get_label().endswith("PAK")
                or line.get_label().endswith("IRN")]) == 2
    assert ax.get_ylabel() == "rung" and "replicate 3" in ax.get_title()


@pytest.fixture(scope="module")
def grid():
    rows = [{"a": a, "b": b, "p_war": a * b, "war_ci_low": a * b * 0.9,
             "war_ci_high": min(1, a * b * 1.1)} for a in (0.0, 0.5, 1.0) for b in (0.2, 0.4)]
    return pd.DataFrame(rows)


def test_sweep_lines_with_interval_bands(grid):
    fig = plots.sweep(grid, "a", by="b")
    ax = fig.axes[0]
    assert len(ax.lines) == 2 and len(bands(ax)) == 2
    assert ax.get_xlabel() == "a" and "P(war)" in ax.get_ylabel()


def test_heatmap_cells_are_labelled(grid):
    fig = plots.heatmap(grid, "a", "b")
    ax = fig.axes[0]
    assert len(ax.texts) == 6 and ax.get_xlabel() == "a" and ax.get_ylabel() == "b"
    assert ax.images[0].get_array().shape == (2, 3)


def test_sensitivity_tornado():
    rows = {f: {"first_order": v, "first_order_ci": [v - 0.1, v + 0.1], "total_order": v + 0.1,
                "total_order_ci": [v, v + 0.2]} for f, v in (("x", 0.5), ("y", 0.1))}
    fig = plots.sensitivity({"outputs": {"p_war": {"indices": rows}}})
    ax = fig.axes[0]
    assert len(bars(ax)) == 4
    assert [t.get_text() for t in ax.get_yticklabels()] == ["y", "x"]  # largest at the top


def test_comparison_forest_plot():
    compared = analysis.compare(FLAGSHIP, variant="no_mediation", replicates=1000, horizon=40)
    fig = plots.comparison(compared)
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.lines]
    assert "paired, common random numbers" in labels and "unpaired (independent runs)" in labels
    assert len(ax.get_yticklabels()) == 4  # one row per outcome


@pytest.mark.parametrize("kind,suffix", [("outcomes", ".png"), ("fan", ".svg")])
def test_cli_plots_from_a_saved_run(tmp_path, kind, suffix, capsys):
    out = tmp_path / "run"
    assert main(["run", str(FLAGSHIP), "--replicates", "500", "--horizon", "30", "--out",
                 str(out), "--plot", str(tmp_path / "overview.png")]) == 0
    assert (tmp_path / "overview.png").stat().st_size > 10_000
    figure = tmp_path / f"figure{suffix}"
    assert main(["plot", str(out), "--kind", kind, "-o", str(figure)]) == 0
    assert figure.stat().st_size > 5_000
    saved = json.loads((out / "run.json").read_text())
    assert saved["replicates"] == 500 and (out / "records.parquet").exists()


def test_cli_plot_errors_are_one_line(tmp_path, capsys):
    assert main(["plot", str(tmp_path), "--kind", "sweep", "-o", str(tmp_path / "x.png")]) == 2
    assert "no manifest.json" in capsys.readouterr().err
    assert main(["plot", str(tmp_path), "--kind", "fan", "-o", str(tmp_path / "x.gif")]) == 2
    assert "unknown figure type" in capsys.readouterr().err


def test_png_gives_the_bytes_and_closes_the_figure(flagship):
    result = api.run(flagship, 200, 1)
    figure = plots.outcomes(result.summary)
    data = plots.png(figure, dpi=50)
    assert data.startswith(b"\x89PNG") and figure.number not in plt.get_fignums()


def _sweep_folder(path, design, rows, factors):
    """A results folder as `crisis-sim sweep` leaves it, for `plot` (manifest and points)."""
    path.mkdir()
    (path / "manifest.json").write_text(json.dumps({"factors": factors, "design": design}))
    pd.DataFrame(rows).to_parquet(path / "points.parquet")
    return path


def _drawn(monkeypatch):
    """The figures `crisis-sim plot` saves, kept to be looked at."""
    from sim import cli
    figures = []
    monkeypatch.setattr(cli, "_save", lambda figure, path: figures.append(figure))
    return figures


def _point(a, b, p):
    return {"a": a, "b": b, "p_war": p, "war_ci_low": p * 0.8, "war_ci_high": p * 1.2}


def test_a_two_factor_grid_is_drawn_as_one_line_per_level_of_the_second(tmp_path, monkeypatch):
    """Before, the README's grid came out as one line through every point in file order (a
    sawtooth): now each value of the other factor has its own line, increasing in x."""
    rows = [_point(a, b, 0.1 * a + b) for b in (0.2, 0.4, 0.6) for a in (0, 1, 2, 3)]
    folder = _sweep_folder(tmp_path / "grid", "grid", rows, ["a", "b"])
    figures = _drawn(monkeypatch)
    assert main(["plot", str(folder), "--kind", "sweep", "-o", str(tmp_path / "s.png")]) == 0
    lines = [line for line in figures[0].axes[0].lines if len(line.get_xdata()) > 1]
    assert len(lines) == 3
    for line in lines:
        assert np.all(np.diff(line.get_xdata()) > 0)


def test_many_levels_put_the_legend_beside_the_axes_not_over_them(tmp_path, monkeypatch):
    rows = [_point(a, b, 0.01 * a + b / 100) for b in range(24) for a in (0, 1, 2)]
    folder = _sweep_folder(tmp_path / "grid", "grid", rows, ["a", "b"])
    figures = _drawn(monkeypatch)
    assert main(["plot", str(folder), "--kind", "sweep", "--by", "b", "-o",
                 str(tmp_path / "s.png")]) == 0
    fig = figures[0]
    fig.canvas.draw()
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent()
    assert len(ax.get_legend().get_texts()) == 24
    assert not legend.overlaps(ax.get_window_extent())
    assert not legend.overlaps(ax.title.get_window_extent())
    assert fig.bbox.contains(legend.x1 - 1, legend.y0 + 1)  # on the figure, not cut off


def test_a_latin_hypercube_is_points_with_intervals_and_no_heatmap(tmp_path, monkeypatch,
                                                                     capsys):
    """Before, a heatmap of an LHS sweep was a 24 × 24 grid of 'nan%' and its sweep a line
    zigzagging through unrelated points."""
    rng = np.random.default_rng(1)
    rows = [_point(a, b, a * b) for a, b in rng.random((24, 2))]
    folder = _sweep_folder(tmp_path / "lhs", "lhs", rows, ["a", "b"])
    figures = _drawn(monkeypatch)
    assert main(["plot", str(folder), "--kind", "sweep", "-o", str(tmp_path / "s.png")]) == 0
    ax = figures[0].axes[0]
    joined = [line for line in ax.lines if line.get_linestyle() not in ("None", "none", "")
              and len(line.get_xdata()) > 2]
    assert joined == [] and len(ax.collections) >= 1  # markers with interval bars, unjoined
    for argv in (["--kind", "heatmap"], ["--kind", "sweep", "--by", "b"]):
        assert main(["plot", str(folder), *argv, "-o", str(tmp_path / "h.png")]) == 2
        err = capsys.readouterr().err.strip()
        assert "needs a grid design" in err and "lhs" in err and len(err.splitlines()) == 1
    assert len(figures) == 1


def test_a_saved_run_is_drawn_from_its_own_copy_of_the_scenario(tmp_path, monkeypatch):
    """Before, `plot` re-read the scenario file: an edited file changed a saved run's figure
    and a deleted one made it impossible to draw."""
    scenario = tmp_path / "crisis.toml"
    scenario.write_text(FLAGSHIP.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--replicates", "200", "--horizon", "20", "--out",
                 str(out)]) == 0
    before = runs.load_run(out)
    title = before.scenario.title
    scenario.write_text(FLAGSHIP.read_text(encoding="utf-8").replace(title, "Edited later")
                        .replace("2024-01-18", "2024-01-19"), encoding="utf-8")
    edited = runs.load_run(out)
    assert edited.scenario.title == title
    assert edited.scenario.effective_sha256 == before.scenario.effective_sha256
    scenario.unlink()
    figures = _drawn(monkeypatch)
    for kind in ("outcomes", "fan"):
        assert main(["plot", str(out), "--kind", kind, "-o", str(tmp_path / "f.png")]) == 0
    assert title in figures[0].axes[0].get_title()
    assert runs.load_run(out).scenario.effective_sha256 == before.scenario.effective_sha256


@pytest.mark.parametrize("replicate", [0, 6, 8, 38])
def test_a_story_draws_no_label_over_another(replicate):
    """Deaths on both sides on one day, or attacks on nearby days, put their labels at one
    place. Replicates 5, 8 and 41 drew them over each other before the fix; since pressure
    from attacks is scaled by blame (docs/ODD.md §7.4) the futures differ, and these are the
    stories among the first 60 that crowd the most labels closest together (0: 12 labels,
    centres 8 px apart; 6 and 38: 7, 15 px)."""
    import itertools
    fig = plots.story(api.story(FLAGSHIP, replicate, 1))
    fig.canvas.draw()
    boxes = [t.get_window_extent() for t in fig.axes[0].texts]
    assert len(boxes) >= 4
    assert not any(a.overlaps(b) for a, b in itertools.combinations(boxes, 2))


def test_fan_chart_record_ends_with_the_record_and_medians_are_solid(run):
    """The record is drawn only to its last event (not flat to the horizon), every side's
    median is solid (dashes are the record's), and the branch label stays inside its axes,
    clear of the title."""
    crisis = run.scenario
    fig = plots.fan(crisis, run.trajectories)
    fig.canvas.draw()
    last = max(e.date for e in crisis.events)
    title = fig._suptitle.get_window_extent()
    for ax in fig.axes:
        record = next(line for line in ax.lines if line.get_label().startswith("what happened"))
        ends = max(record.get_xdata())
        assert ends <= np.datetime64(last) + np.timedelta64(1, "D")
        assert ends < max(next(line for line in ax.lines
                               if line.get_label() == "median").get_xdata())
        for line in ax.lines:
            if line.get_label() == "median":
                assert line.get_linestyle() == "-"
        label = next(t for t in ax.texts if t.get_text() == "branch")
        box = label.get_window_extent()
        assert not box.overlaps(title)
        assert ax.get_window_extent().contains(box.x0, box.y0)
