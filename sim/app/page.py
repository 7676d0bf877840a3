"""The classroom page: pick a crisis, move the controls, watch 5,000 futures and one of them
day by day. Solara, following Mesa's SolaraViz conventions where they fit a model that runs
thousands of replicates at once: controls in the sidebar with their documented ranges and a
reset, a controller with play, pause, step and reset for one future, and an Info tab.

Start it with ``crisis-sim app`` (or ``make app``); the model never imports this module.
"""

from __future__ import annotations

import html
import os
import random
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import markdown
import reacton.ipyvuetify as rv
import solara
import solara.lab

from sim import api
from sim.app import content
from sim.errors import InputError, one_line
from sim.ladder import Rung
from sim.scenario import Scenario

SCENARIOS = os.environ.get("CRISIS_SIM_SCENARIOS", "scenarios")
INFO = Path(__file__).with_name("info.md").read_text(encoding="utf-8")
PLAY_INTERVAL_S = 0.4
A_FILE = "a scenario file…"
TABS = ("Ensemble", "One future", "Compare", "Info")
CSS = """
.crisis-ladder td, .crisis-ladder th { padding: 2px 10px; border-bottom: 1px solid #e6e6e6; }
.crisis-ladder td.sim { color: #0072B2; font-size: 1.2em; }
.crisis-compared td, .crisis-compared th { padding: 3px 12px; text-align: right; }
.crisis-compared td:first-child { text-align: left; }
"""

CHOICES = content.scenario_choices(SCENARIOS)

# Per browser session (Solara gives each its own copy of a reactive variable).
scenario_label = solara.reactive(CHOICES[0].label if CHOICES else A_FILE)
scenario_file = solara.reactive("")
changes: solara.Reactive[dict[str, Any]] = solara.reactive({})
tab = solara.reactive(0)
replicate = solara.reactive(0)
day = solara.reactive(0)
playing = solara.reactive(False)
alternative = solara.reactive(content.AS_WRITTEN)


def prose(text: str, classes: tuple[str, ...] = ()) -> Any:
    """Markdown rendered here, not in the browser (Solara's Markdown would fetch a maths
    renderer from the internet)."""
    return solara.HTML(tag="div", classes=list(classes),
                       unsafe_innerHTML=markdown.markdown(text, extensions=["tables"]))


def _css_name(path: str) -> str:
    return "control-" + path.replace(".", "-")


def _percent(p: float) -> str:
    return f"{100 * p:.1f}%"


def _load(path: str) -> Scenario:
    """The scenario in a file, read again when the file changes."""
    try:
        changed = Path(path).stat().st_mtime_ns
    except OSError:
        changed = 0  # api.resolve says what is wrong
    return _read(path, changed)


@lru_cache(maxsize=8)
def _read(path: str, changed: int) -> Scenario:  # ``changed``: part of the cache key
    return api.resolve(path)


Key = tuple[str, str, tuple[tuple[str, Any], ...]]
"""What the page shows is a function of: the scenario file, its digest, the overrides."""


@lru_cache(maxsize=32)
def _crisis(key: Key) -> Scenario:
    path, _, sets = key
    scenario = _load(path)
    return scenario.override(dict(sets)) if sets else scenario


@lru_cache(maxsize=8)
def _ensemble(key: Key) -> api.RunResult:
    return content.ensemble(_crisis(key))


def _scenario_path() -> str:
    if scenario_label.value == A_FILE:
        return scenario_file.value.strip()
    return next(c.path for c in CHOICES if c.label == scenario_label.value)


# --------------------------------------------------------------------------- controls


@solara.component
def ReleaseSlider(control: content.Control, value: float, on_release: Any,
                  disabled: str = "") -> None:
    """A slider that reports its value when released (or moved by the keyboard), not while
    it is dragged: each release runs thousands of futures. ``disabled`` says why it has
    no effect, if it has none."""
    with solara.Column(gap="0px", classes=["crisis-control", _css_name(control.path)]):
        solara.Text(f"{control.label}: {value:g}", style={"font-size": "0.9em"})
        slider = rv.Slider(v_model=value, min=control.low, max=control.high,
                           step=control.step, thumb_label=True, hide_details=True,
                           class_="crisis-slider", disabled=bool(disabled))
        rv.use_event(slider, "change", lambda *args: on_release(float(args[-1])))
        note = f"range {control.low:g} to {control.high:g}"
        if control.drawn:
            note += f"; the scenario draws it per future: {control.drawn}"
        if disabled:
            note += f"; {disabled}"
        solara.Text(note, style={"font-size": "0.75em", "color": "#666"})


@solara.component
def Controls(scenario: Scenario) -> None:
    moved = changes.value

    def release(path: str, scenario_value: Any):
        def set_value(value: Any) -> None:
            now = dict(changes.value)
            if value == scenario_value:
                now.pop(path, None)
            else:
                now[path] = value
            changes.set(now)
        return set_value

    section = None
    for control in content.controls(scenario):
        if control.section != section:
            section = control.section
            prose(f"**{html.escape(section)}**")
        value = moved.get(control.path, control.value)
        if control.is_choice:
            with solara.Column(classes=["crisis-control", _css_name(control.path)]):
                solara.Select(control.label, value=value, values=list(control.options),
                              on_value=release(control.path, control.value))
        else:
            ReleaseSlider(control, value, release(control.path, control.value),
                          content.inert(scenario, moved, control.path))
    solara.Button("Reset to the scenario's values", on_click=lambda: changes.set({}),
                  disabled=not moved, classes=["crisis-reset"], color="primary", text=True)


@solara.component
def ScenarioPicker() -> None:
    def pick(label: str) -> None:
        scenario_label.set(label)
        changes.set({})
        replicate.set(0)
        day.set(0)
        playing.set(False)

    solara.Select("Scenario", value=scenario_label.value,
                  values=[c.label for c in CHOICES] + [A_FILE], on_value=pick,
                  classes=["crisis-scenario"])
    if scenario_label.value == A_FILE:
        solara.InputText("Path to a scenario file (.toml), then Enter", value=scenario_file,
                         continuous_update=False)


# --------------------------------------------------------------------------- the ensemble


@solara.component
def Probability(name: str, result: api.RunResult) -> None:
    p, low, high = content.probability(result, name)
    label = content.OUTCOME_NAMES[name]
    with solara.Card(classes=[f"crisis-p-{name}"], style={"min-width": "14em"}):
        solara.HTML(tag="div", unsafe_innerHTML=(
            f"<div style='font-size:0.95em'>P({label})</div>"
            f"<div class='crisis-p-value' style='font-size:2em;font-weight:600'>"
            f"{_percent(p)}</div><div class='crisis-p-interval'>95% interval "
            f"{_percent(low)} to {_percent(high)}</div>"))


@solara.component
def EnsembleView(key: Key) -> None:
    run = solara.lab.use_task(lambda: _ensemble(key), dependencies=[key],
                              prefer_threaded=True)
    result = run.latest
    draw = solara.lab.use_task(lambda: content.ensemble_figures(result) if result else None,
                               dependencies=[id(result)], prefer_threaded=True)
    if run.error:
        solara.Error(one_line(str(run.exception)))
        return
    busy = run.pending or draw.pending
    with solara.Row(classes=["crisis-status"]):
        if run.pending:
            solara.Text(f"Simulating {content.REPLICATES:,} futures…",
                        classes=["crisis-running"])
        elif draw.pending:
            solara.Text("Drawing the figures…", classes=["crisis-running"])
        elif result is not None:
            solara.Text(f"{result.replicates:,} futures, seed {result.seed}, simulated in "
                        f"{result.elapsed_s:.2f} s; from the branch on {result.scenario.branch}"
                        f" to {result.scenario.end}.", classes=["crisis-done"])
    solara.ProgressLinear(busy)
    if result is None:
        return
    with solara.Row(style={"flex-wrap": "wrap"}, classes=["crisis-probabilities"]):
        for name in content.OUTCOME_NAMES:
            Probability(name, result)
    solara.Text("A future neither at war nor de-escalated at the horizon is 'ongoing' if the "
                "pair's dispute was militarized, 'no dispute' if it never was. War is 1,000 "
                "or more battle "
                "deaths; de-escalated is both sides at normal relations or better for a week.",
                style={"font-size": "0.8em", "color": "#555"})
    figures = draw.latest
    if figures:
        bars, fan = figures
        with solara.Columns([1, 2]):
            solara.Image(bars, classes=["crisis-outcomes-figure"], width="100%")
            solara.Image(fan, classes=["crisis-fan-figure"], width="100%")


# --------------------------------------------------------------------------- one future


def _ladder(crisis: Scenario, today: content.Day) -> str:
    """Each side's rung on the ladder, the simulated one filled, the record's outlined."""
    head = "".join(f"<th colspan=2>{html.escape(content.relation_words(crisis, label))}</th>"
                   for label in today.rungs)
    sub = "".join("<th>this future</th><th>the record</th>" for _ in today.rungs)
    rows = []
    for rung in reversed(Rung):
        cells = []
        for label, simulated in today.rungs.items():
            cells.append("<td class='sim'>" + ("●" if simulated == rung else "") + "</td>")
            cells.append("<td class='rec'>" + ("○" if today.recorded[label] == rung else "")
                         + "</td>")
        shade = " style='background:#f2f2f2'" if rung >= Rung.LIMITED_STRIKE else ""
        rows.append(f"<tr{shade}><td>{rung.value} {rung.label}</td>{''.join(cells)}</tr>")
    return ("<table class='crisis-ladder' style='border-collapse:collapse;text-align:center'>"
            f"<tr><th></th>{head}</tr><tr><th>rung</th>{sub}</tr>{''.join(rows)}</table>")


def _items(lines: list[str], empty: str) -> str:
    if not lines:
        return f"<p><i>{html.escape(empty)}</i></p>"
    return "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in lines) + "</ul>"


@solara.component
def Controller(last: int) -> None:
    """Play, pause, step one day, reset (Mesa's ModelController, for one told future)."""

    def play_loop() -> None:
        while playing.value:
            time.sleep(PLAY_INTERVAL_S)
            if not playing.value:
                break
            if day.value >= last:
                playing.set(False)
                break
            day.set(day.value + 1)

    solara.lab.use_task(play_loop, dependencies=[playing.value, last], prefer_threaded=True)

    def step() -> None:
        playing.set(False)
        day.set(min(day.value + 1, last))

    def reset() -> None:
        playing.set(False)
        day.set(0)

    with solara.Row(classes=["crisis-controller"]):
        if playing.value:
            solara.Button("Pause", icon_name="mdi-pause", on_click=lambda: playing.set(False),
                          classes=["crisis-pause"], color="primary")
        else:
            solara.Button("Play", icon_name="mdi-play", on_click=lambda: playing.set(True),
                          classes=["crisis-play"], color="primary", disabled=day.value >= last)
        solara.Button("Step one day", icon_name="mdi-skip-next", on_click=step,
                      classes=["crisis-step"], disabled=day.value >= last)
        solara.Button("Reset", icon_name="mdi-restart", on_click=reset,
                      classes=["crisis-day-reset"])


@solara.component
def FutureView(key: Key) -> None:
    told = solara.lab.use_task(lambda: content.future(_crisis(key), replicate.value),
                               dependencies=[key, replicate.value], prefer_threaded=True)
    with solara.Row(style={"align-items": "center"}):
        solara.InputInt(f"Replicate (0 to {content.REPLICATES - 1:,})", value=replicate.value,
                        on_value=lambda k: replicate.set(min(max(int(k), 0),
                                                             content.REPLICATES - 1)),
                        continuous_update=False, classes=["crisis-replicate"])
        solara.Button("Draw another future", icon_name="mdi-dice-multiple",
                      on_click=lambda: replicate.set(random.randrange(content.REPLICATES)),
                      classes=["crisis-draw"])
    if told.error:
        solara.Error(one_line(str(told.exception)))
        return
    solara.ProgressLinear(told.pending)
    future = told.latest
    if future is None:
        return
    last = len(future.days) - 1
    today = future.days[min(day.value, last)]
    Controller(last)
    crisis = future.crisis
    solara.HTML(tag="div", classes=["crisis-day"], unsafe_innerHTML=(
        f"<h3>Replicate {future.replicate:,}: <span class='crisis-date'>"
        f"{today.date.isoformat()}</span> ({today.date:%A %d %B %Y}), "
        f"<span class='crisis-day-index'>day {today.index}</span> after the branch</h3>"
        f"<p>This future ends: <b>{html.escape(future.outcome)}</b> "
        f"({last} days shown).</p>"))
    with solara.Columns([1, 1]):
        solara.HTML(tag="div", unsafe_innerHTML=_ladder(crisis, today))
        solara.HTML(tag="div", classes=["crisis-events"], unsafe_innerHTML=(
            "<b>In this future, today</b>" + _items(today.happened, "nothing new")
            + "<b>What actually happened on this date</b>"
            + _items(today.record, "nothing recorded")
            + "<b>Deaths so far in this future</b>"
            + _items([f"{kind}: {n:.0f}" for kind, n in today.deaths.items()], "none")
            + "<b>Domestic pressure (rungs)</b>"
            + _items([f"{state}: {p:.2f}" for state, p in today.pressure.items()], "none")
            + "<b>Grievance (harm suffered minus harm done, utility)</b>"
            + _items([f"{content.relation_words(crisis, label)}: {g:+.2f}"
                      for label, g in today.grievance.items()], "none")))
    if future.figure_png:
        solara.Image(future.figure_png, width="100%")


# --------------------------------------------------------------------------- compare


@solara.component
def CompareView(path: str) -> None:
    scenario = _load(path)
    options = {content.AS_WRITTEN: "the scenario as written, against your controls"}
    options.update({name: f"variant {name}: {text}" for name, text in
                    scenario.variants.items()})
    labels = {v: k for k, v in options.items()}
    if alternative.value not in options:
        alternative.set(content.AS_WRITTEN)

    def run_comparison() -> content.Compared:
        # reads the session's state when the button is pressed, not when last drawn
        return content.compare(_load(_scenario_path()), dict(changes.value),
                               alternative.value, replicate.value)

    run = solara.lab.use_task(run_comparison, dependencies=None, prefer_threaded=True)
    prose(
        "Two versions of the crisis on the **same random numbers** (common random numbers): "
        "each future under one is paired with the same future under the other, so the "
        "difference is measured much more precisely than with two independent runs.")
    solara.Select("Compare", value=options[alternative.value], values=list(options.values()),
                  on_value=lambda label: alternative.set(labels[label]),
                  classes=["crisis-alternative"])
    solara.Button(f"Compare on {content.REPLICATES:,} paired futures", on_click=run,
                  classes=["crisis-compare"], color="primary")
    solara.ProgressLinear(run.pending)
    if run.error:
        solara.Error(one_line(str(run.exception)))
        return
    compared = run.latest
    if compared is None:
        return
    d, low, high = compared.war()
    rows = []
    for name, pair in compared.comparison.outcomes.items():
        lo, hi = pair.confidence_interval()
        rows.append(f"<tr><td>P({content.OUTCOME_NAMES[name]})</td><td>{_percent(pair.base.p)}"
                    f"</td><td>{_percent(pair.other.p)}</td><td>{100 * pair.difference:+.2f}"
                    f"</td><td>{100 * lo:+.2f} to {100 * hi:+.2f}</td></tr>")
    base_future, other_future = compared.same_future
    solara.HTML(tag="div", classes=["crisis-compared"], unsafe_innerHTML=(
        f"<p>Baseline: {html.escape(compared.base_label)}<br>"
        f"Alternative: {html.escape(compared.other_label)}</p>"
        f"<p class='crisis-compare-war' style='font-size:1.3em'>P(war) changes by "
        f"<b>{100 * d:+.2f} percentage points</b>, 95% interval (paired) {100 * low:+.2f} to "
        f"{100 * high:+.2f}</p>"
        "<table style='border-collapse:collapse'><tr><th></th><th>baseline</th>"
        "<th>alternative</th><th>difference (points)</th><th>95% interval (paired)</th></tr>"
        + "".join(rows) + "</table>"
        f"<p>The same future, replicate {replicate.value:,} (the one in <i>One future</i>): "
        f"{html.escape(base_future)} in the baseline; {html.escape(other_future)} in the "
        "alternative.</p>"))
    solara.Image(compared.figure_png, width="70%")


# --------------------------------------------------------------------------- the page


@solara.component
def Page() -> None:
    solara.Title("crisis-sim: a crisis in the classroom")
    solara.Style(CSS)
    path = _scenario_path()
    scenario = error = None
    if path:
        try:
            scenario = _load(path)
            sets = tuple(sorted(content.overrides(scenario, changes.value).items()))
            key = (path, scenario.sha256, sets)
            _crisis(key)
        except InputError as err:
            error = "; ".join(err.problems)
    with solara.Sidebar():
        prose("## crisis-sim")
        ScenarioPicker()
        if scenario is not None:
            Controls(scenario)
    if error or scenario is None:
        solara.Error(error or "Give the path of a scenario file in the sidebar.")
        return
    prose(f"### {html.escape(scenario.title)}")
    with solara.lab.Tabs(value=tab, lazy=True):
        with solara.lab.Tab(TABS[0], classes=["crisis-tab-ensemble"]):
            EnsembleView(key)
        with solara.lab.Tab(TABS[1], classes=["crisis-tab-future"]):
            FutureView(key)
        with solara.lab.Tab(TABS[2], classes=["crisis-tab-compare"]):
            CompareView(path)
        with solara.lab.Tab(TABS[3], classes=["crisis-tab-info"]):
            prose(INFO, ("crisis-info",))
