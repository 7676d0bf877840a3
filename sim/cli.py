"""The ``crisis-sim`` command.

Mistakes in files and flags end with one line per problem on stderr and exit status 2;
no traceback. Heavy libraries are imported only by the subcommands that need them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
from typing import Any, NoReturn

from sim.errors import InputError, WriteError, one_line
from sim.folder import ResultsFolder
from sim.outcomes import OUTCOMES, counted, json_safe

EXIT_INVALID = 2
EXIT_WRITE = 1
PLOT_KINDS = ("outcomes", "fan", "sweep", "heatmap", "sensitivity", "compare")
FIGURE_TYPES = (".png", ".svg", ".pdf")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_INVALID, f"{self.prog}: {message}\n")


def _positive_int(flag: str, low: int = 1):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{value} is below {low}")
        return value

    parse.__name__ = flag
    return parse


def _fraction(flag: str):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not 0 < value < 0.5:
            raise argparse.ArgumentTypeError(f"{text} is not between 0 and 0.5")
        return value

    parse.__name__ = flag
    return parse


def _probability(flag: str):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not 0 < value <= 1:
            raise argparse.ArgumentTypeError(f"{text} is not above 0 and at most 1")
        return value

    parse.__name__ = flag
    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="crisis-sim", description="Agent-based simulation of interstate "
                     "crisis escalation.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def scenario_flags(p: argparse.ArgumentParser) -> None:
        p.add_argument("scenario", help="scenario file (.toml)")
        p.add_argument("--seed", type=_positive_int("seed", 0), default=1,
                       help="random seed (default 1)")
        p.add_argument("--branch", help="branch date YYYY-MM-DD: history is replayed up to it")
        p.add_argument("--horizon", type=_positive_int("horizon"),
                       help="days to simulate after the branch")
        p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                       help="override a parameter, e.g. actor.PAK.restraint=2 (repeatable)")
        p.add_argument("--variant", help="a named counterfactual from the scenario file")

    def executor_flags(p: argparse.ArgumentParser) -> None:
        p.add_argument("--executor", default="local", help="local (default) or dask")
        p.add_argument("--scheduler", metavar="ADDRESS",
                       help="a Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a "
                            "LocalCluster on this machine)")

    def population_flags(p: argparse.ArgumentParser, case: str) -> None:
        p.add_argument("--seed", type=_positive_int("seed", 0), default=1)
        p.add_argument("--workers", type=_positive_int("workers"), default=1,
                       help="processes (default 1; same numbers)")
        p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                       help=f"override a parameter in every {case} (repeatable): an ablation")

    run = sub.add_parser("run", help="simulate a scenario and summarise the outcomes")
    scenario_flags(run)
    run.add_argument("--replicates", type=_positive_int("replicates"),
                     help="number of simulated futures (default 10,000)")
    run.add_argument("--json", action="store_true", help="print one JSON object")
    run.add_argument("--trace", type=_positive_int("trace", 0), metavar="K",
                     help="tell replicate K's story day by day")
    run.add_argument("--precision", type=_fraction("precision"), metavar="H",
                     help="add replicates until every probability's 95%% half-width is <= H "
                          "(up to --max-replicates)")
    run.add_argument("--workers", type=_positive_int("workers"), default=1,
                     help="processes to run seed blocks in (default 1; same numbers)")
    run.add_argument("--plot", metavar="FILE",
                     help="also draw the outcomes and a fan chart (PNG, SVG or PDF)")
    run.add_argument("--out", metavar="DIR",
                     help="also save the run (records, summary, paths) for `crisis-sim plot`")
    run.add_argument("--max-replicates", type=_positive_int("max-replicates"),
                     default=1_000_000, help="ceiling for --precision (default 1,000,000)")
    run.add_argument("--force", action="store_true",
                     help="with --out: replace a run saved there, or write into a folder "
                          "holding other files")

    sweep = sub.add_parser("sweep", help="run an experiment file (a design over parameters)")
    sweep.add_argument("experiment", help="experiment file (.toml)")
    sweep.add_argument("--out", required=True, help="results directory")
    sweep.add_argument("--workers", type=_positive_int("workers"), default=1,
                       help="processes (local) or LocalCluster workers (dask); default 1")
    executor_flags(sweep)
    sweep.add_argument("--resume", action="store_true",
                       help="continue an interrupted sweep in --out")
    sweep.add_argument("--force", action="store_true",
                       help="start over in --out, deleting earlier results there")
    sweep.add_argument("--json", action="store_true", help="print one JSON object")

    compare = sub.add_parser("compare", help="a paired counterfactual comparison")
    scenario_flags(compare)
    compare.add_argument("--against", help="another scenario file to compare with")
    compare.add_argument("--replicates", type=_positive_int("replicates"), default=10_000)
    compare.add_argument("--json", action="store_true", help="print one JSON object")
    compare.add_argument("--out", metavar="DIR", help="also save comparison.json there")
    compare.add_argument("--plot", metavar="FILE", help="also draw the paired differences")
    compare.add_argument("--force", action="store_true",
                         help="with --out: replace a comparison saved there, or write into "
                              "a folder holding other files")

    backtest = sub.add_parser(
        "backtest", help="score the model's forecasts: scenario files, or the ICB crises")
    backtest.add_argument("paths", nargs="*", metavar="PATH",
                          help="scenario files or directories of them, each with an [outcome] "
                               "table (default: the flagship and scenarios/history)")
    backtest.add_argument("--icb", nargs="*", metavar="FILE",
                          help="score the ICB crises instead: the system- and actor-level "
                               "files of ICB v14 format, in that order (default: the shipped "
                               "development set)")
    backtest.add_argument("--replicates", type=_positive_int("replicates"),
                          help="per case (default 10,000 a scenario, 2,000 an ICB crisis)")
    backtest.add_argument("--seed", type=_positive_int("seed", 0), default=1)
    backtest.add_argument("--workers", type=_positive_int("workers"), default=1,
                          help="processes for --icb (default 1; same numbers)")
    backtest.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                          help="with --icb: override a parameter in every crisis, e.g. "
                               "model.settle_rate=0 (repeatable)")
    backtest.add_argument("--json", action="store_true", help="print one JSON object")
    backtest.add_argument("--plot", metavar="FILE",
                          help="also draw the first scenario's daily Goldstein series, or with "
                               "--icb the reliability diagram")

    targets = sub.add_parser("targets", help="the MID 5.0 moments the model is judged by")
    targets.add_argument("--json", action="store_true", help="print one JSON object")

    calibrate = sub.add_parser(
        "calibrate", help="fit parameters to the MID record (history matching, then a "
        "posterior); or --check the model's MID moments beside the record's")
    calibrate.add_argument("config", nargs="?", metavar="CONFIG",
                           help="a calibration config (e.g. experiments/calibration.toml)")
    calibrate.add_argument("--out", metavar="DIR", help="with CONFIG: where to write the "
                           "posterior, the report and the figures (default "
                           "results/calibration/ID)")
    calibrate.add_argument("--resume", action="store_true",
                           help="with CONFIG: continue a killed calibration in --out")
    executor_flags(calibrate)
    calibrate.add_argument("--force", action="store_true",
                           help="with CONFIG: replace the results in --out")
    calibrate.add_argument("--check", action="store_true",
                           help="instead: simulate every post-1945 MID with the current "
                                "parameters and print each moment beside its target")
    calibrate.add_argument("--replicates", type=_positive_int("replicates"), default=100,
                           help="with --check: per dispute (default 100)")
    population_flags(calibrate, "dispute")
    calibrate.add_argument("--json", action="store_true", help="print one JSON object")
    calibrate.add_argument("--plot", metavar="FILE",
                           help="with --check: also draw the moment comparison")

    card = sub.add_parser("scorecard", help="the whole scorecard: MID moments, ICB scores and "
                          "the history cases; writes a report")
    card.add_argument("--out", default="results/scorecard", metavar="DIR",
                      help="where to write report.md, scorecard.json and the figures "
                           "(default results/scorecard)")
    card.add_argument("--replicates", type=_positive_int("replicates"), default=2000,
                      help="per ICB crisis (default 2,000; MID disputes get a twentieth)")
    population_flags(card, "case")
    card.add_argument("--force", action="store_true",
                      help="replace an earlier scorecard in --out")

    events = sub.add_parser("events", help="the replayed history and one simulated "
                            "continuation as CAMEO/Goldstein event records (CSV)")
    scenario_flags(events)
    events.add_argument("--replicate", type=_positive_int("replicate", 0), default=0,
                        help="which replicate continues the history (default 0)")
    events.add_argument("--replicates", type=_positive_int("replicates"), default=10_000,
                        help="of a run of how many (as in `run --trace`; default 10,000)")
    events.add_argument("-o", "--output", required=True, metavar="FILE.csv")

    plot = sub.add_parser("plot", help="draw a figure from saved results")
    plot.add_argument("results", help="a directory written by run --out, sweep or compare --out")
    plot.add_argument("--kind", required=True, choices=PLOT_KINDS)
    plot.add_argument("-o", "--output", required=True, metavar="FILE",
                      help="the figure file: .png, .svg or .pdf")
    plot.add_argument("--x", help="sweep, heatmap: the parameter across (default: the first)")
    plot.add_argument("--y", help="heatmap: the parameter up (default: the second)")
    plot.add_argument("--by", help="sweep: one line per value of this parameter")
    plot.add_argument("--outcome", default="war", choices=OUTCOMES)

    app = sub.add_parser("app", help="the classroom page in the browser (Solara, offline)")
    app.add_argument("--port", type=_positive_int("port"), default=8765,
                     help="port on this machine (default 8765)")
    app.add_argument("--host", default="localhost",
                     help="address to listen on (default localhost: this machine only)")
    app.add_argument("--scenarios", default="scenarios",
                     help="the scenarios directory the picker offers (default: ./scenarios)")
    app.add_argument("--open", action="store_true", help="also open it in a browser")

    discover = sub.add_parser("discover", help="scenario discovery over a sweep: PRIM boxes "
                              "and a classification tree of the inputs that lead to war")
    discover.add_argument("results", help="a results directory written by `crisis-sim sweep`")
    discover.add_argument("--outcome", default="war",
                          help="war (default), deescalated, ongoing or no_dispute")
    discover.add_argument("--threshold", type=_probability("threshold"), metavar="P",
                          help="a design point is of interest when its P(outcome) >= P "
                               "(default 0.024, the MID war share of disputes with force)")
    discover.add_argument("--cases", default="points",
                          help="points (default: each design point is a case) or replicates "
                               "(each replicate, of interest when it ended in the outcome)")
    discover.add_argument("--peel-alpha", type=_fraction("peel-alpha"), default=0.05,
                          help="share of the box's cases peeled off per step (default 0.05)")
    discover.add_argument("--paste-alpha", type=_fraction("paste-alpha"), default=0.05,
                          help="share pasted back per step (default 0.05)")
    discover.add_argument("--mass-min", type=_probability("mass-min"), default=0.05,
                          help="smallest share of the cases a box may hold (default 0.05)")
    discover.add_argument("--boxes", type=_positive_int("boxes"), default=2,
                          help="boxes to look for, each among the cases the earlier left out "
                               "(default 2)")
    discover.add_argument("--resamples", type=_positive_int("resamples", 0), default=20,
                          help="PRIM runs on random halves of the cases, for the boxes' "
                               "stability (default 20; 0 skips it)")
    discover.add_argument("--tree-depth", type=_positive_int("tree-depth"), default=3,
                          help="levels of the classification tree (default 3)")
    discover.add_argument("--seed", type=_positive_int("seed", 0), default=1,
                          help="seed of the resampling (default 1)")
    discover.add_argument("--json", action="store_true", help="print one JSON object")
    discover.add_argument("--plot", metavar="FILE",
                          help="also draw the trade-off curves, the box limits and the tree "
                               "(PNG, SVG or PDF)")

    validate = sub.add_parser("validate", help="check scenario, experiment and calibration files")
    validate.add_argument("files", nargs="+")
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: results written so far are kept, workers stopped."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread: leave signals to whoever runs it
        previous = None
    try:
        status = COMMANDS[args.command](args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit after main has returned
        return status
    except InputError as err:
        for line in err.problems:
            print(line, file=sys.stderr)
        return EXIT_INVALID
    except WriteError as err:
        print(one_line(str(err)), file=sys.stderr)
        return EXIT_WRITE
    except BrokenPipeError:  # the reader went away (| head): stop quietly, as cat does
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt as stop:
        terminated = isinstance(stop, Terminated)
        print(f"{'terminated' if terminated else 'interrupted'}; what was written is whole "
              "and kept (sweeps: run again with --resume)", file=sys.stderr)
        return 143 if terminated else 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _print_json(document: dict[str, Any]) -> None:
    print(json.dumps(json_safe(document), ensure_ascii=False))


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    from sim.scenario import parse_set

    return dict(parse_set(a) for a in args.set)


def cmd_run(args: argparse.Namespace) -> int:
    from sim import api, runs

    _check_run_flags(args)
    crisis = api.resolve(args.scenario, args.variant, _overrides(args), args.branch,
                         args.horizon)
    if args.trace is not None:
        print(api.story(crisis, args.trace, args.seed, args.replicates))
        return 0
    _check_figure(args.plot)
    if args.out:
        ResultsFolder(args.out, "run", force=args.force).check()
    progress = sys.stderr.isatty() and not args.json
    keep = min(1000, args.replicates) if (args.plot or args.out) else 0
    if args.precision is not None:
        result = api.run_to_precision(crisis, args.precision, args.seed,
                                      max_replicates=args.max_replicates, progress=progress)
    else:
        result = api.run(crisis, args.replicates, args.seed, workers=args.workers, keep=keep,
                         progress=progress)
    if args.json:
        _print_json(result.as_dict())
    else:
        print(result)
    if args.out:
        runs.save_run(result, args.out, args.variant, _overrides(args), force=args.force)
    if args.plot:
        _save(_plots().overview(result), args.plot)
    return 0


def _check_run_flags(args: argparse.Namespace) -> None:
    """Refuse flags that would be silently ignored together."""
    given = {"--plot": args.plot, "--out": args.out, "--json": args.json or None,
             "--precision": args.precision, "--workers": args.workers if args.workers > 1
             else None}
    if args.trace is not None:
        clash = [flag for flag, value in given.items() if value is not None]
        if clash:
            raise InputError(f"--trace tells one replicate's story as text; it cannot be "
                             f"combined with {', '.join(clash)} (run those without --trace)")
    if args.precision is not None:
        if args.replicates is not None:
            raise InputError("--precision and --replicates: give one; --precision adds "
                             "replicates until it is met (cap: --max-replicates)")
        if args.workers > 1:
            raise InputError("--precision runs in one process; allowed: --workers 1 with "
                             "--precision")
    if args.replicates is None:
        args.replicates = 10_000
    _check_workers(args.workers)


def _check_workers(workers: int) -> None:
    """Say so when more worker processes are asked for than there are CPUs."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if cpus and workers > cpus:
        print(f"note: --workers {workers} on {cpus} CPU{'s' if cpus != 1 else ''}: each worker "
              "holds its own model (about 100 MiB), and more workers than CPUs take more "
              f"memory without running faster; --workers {cpus} is enough", file=sys.stderr)


def _check_figure(path: str | None) -> None:
    from pathlib import Path

    if path is not None and Path(path).suffix.lower() not in FIGURE_TYPES:
        raise InputError(f"{path}: unknown figure type; allowed: {', '.join(FIGURE_TYPES)}")


def _plots() -> Any:
    """The plotting module, drawing to files only (never a window)."""
    import matplotlib

    matplotlib.use("Agg")
    from sim import plots

    return plots


def _save(figure: Any, path: str) -> None:
    try:
        figure.savefig(path, dpi=120, bbox_inches="tight")
    except OSError as err:
        raise WriteError(f"{path}: cannot write the figure ({err.strerror})") from None


def cmd_plot(args: argparse.Namespace) -> int:
    from pathlib import Path

    plots = _plots()
    _check_figure(args.output)
    results = Path(args.results)
    if not results.is_dir():
        raise InputError(f"{results}: not a results directory; give one written by run "
                         "--out, sweep --out or compare --out")

    def read(name: str) -> Any:
        try:
            return json.loads((results / name).read_text())
        except (OSError, ValueError):
            raise InputError(f"{results}: no {name}: --kind {args.kind} needs a directory "
                             f"written by {NEEDS[args.kind]}") from None

    if args.kind in ("outcomes", "fan"):
        from sim import runs  # a saved run: no model, no Mesa

        read("run.json")
        result = runs.load_run(results)
        if args.kind == "fan" and result.trajectories is None:
            raise InputError(f"{results}: no paths.parquet: the run kept no day-by-day paths")
        figure = (plots.outcomes(result.summary, result.scenario.title) if args.kind ==
                  "outcomes" else plots.fan(result.scenario, result.trajectories))
    elif args.kind in ("sweep", "heatmap"):
        import pandas as pd

        manifest = read("manifest.json")
        factors = manifest.get("factors") if isinstance(manifest, dict) else None
        if not (isinstance(factors, list) and factors
                and all(isinstance(f, str) for f in factors)):
            raise InputError(f"{results}/manifest.json: names no factors; give a directory "
                             "written by `crisis-sim sweep`")
        try:
            points = pd.read_parquet(results / "points.parquet")
        except Exception as err:  # pyarrow raises several kinds for a damaged file
            raise InputError(f"{results}/points.parquet: unreadable ({one_line(str(err))[:80]}"
                             "); run the sweep again with --resume to rewrite it") from None
        missing = [f for f in factors if f not in points.columns]
        if missing or f"p_{args.outcome}" not in points.columns:
            raise InputError(f"{results}/points.parquet: lacks the columns "
                             f"{', '.join(missing or [f'p_{args.outcome}'])}; run the sweep "
                             "again with --resume to rewrite it")
        for flag in ("x", "y", "by"):
            value = getattr(args, flag)
            if value is not None and value not in factors:
                raise InputError(f"--{flag} {value}: not a factor of this sweep; allowed: "
                                 f"{', '.join(factors)}")
        x = args.x or factors[0]
        design = manifest.get("design", "grid")
        grid = design == "grid"
        others = [f for f in factors if f != x]
        if not grid and (args.kind == "heatmap" or args.by):
            what = "--kind heatmap" if args.kind == "heatmap" else f"--by {args.by}"
            raise InputError(f"{what}: needs a grid design; this sweep's {design} design gives "
                             "each point its own values, so no two points share a cell or a "
                             "line: use --kind sweep (each point with its interval)")
        if args.kind == "sweep":
            by = args.by or (others[0] if grid and len(others) == 1 else None)
            if grid and by is None and others:
                raise InputError(f"--kind sweep: this grid varies {', '.join(others)} besides "
                                 f"{x}; give --by one of them (one line per value)")
            if grid and by is not None and points.duplicated([x, by]).any():
                raise InputError(f"--by {by}: points with the same {x} and {by} differ in "
                                 f"{', '.join(f for f in others if f != by)}; a line would "
                                 "join them: use --kind heatmap, or a grid over two factors")
            figure = plots.sweep(points, x, by=by, outcome=args.outcome, grid=grid)
        else:
            y = args.y or (others[0] if others else None)
            if y is None:
                raise InputError("--kind heatmap needs a sweep over two parameters")
            figure = plots.heatmap(points, x, y, outcome=args.outcome)
    elif args.kind == "sensitivity":
        figure = plots.sensitivity(read("sensitivity.json"), f"p_{args.outcome}")
    else:
        figure = plots.comparison(read("comparison.json"))
    _save(figure, args.output)
    print(f"wrote {args.output}")
    return 0


class _Bar:
    """A progress bar on standard error when it is a terminal, drawn from the first report
    (``bar(done, total)``), for work that learns its size as it starts."""

    def __init__(self, unit: str, quiet: bool = False) -> None:
        self.unit, self.on, self.bar = unit, not quiet and sys.stderr.isatty(), None

    def __call__(self, done: int, total: int) -> None:
        if not self.on:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit=f" {self.unit}", dynamic_ncols=True,
                            smoothing=0.1)
        self.bar.update(done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def cmd_backtest(args: argparse.Namespace) -> int:
    from sim import analysis

    _check_figure(args.plot)
    if args.icb is not None:
        if args.paths:
            raise InputError("backtest: give scenario paths or --icb, not both")
        if len(args.icb) not in (0, 2):
            raise InputError(f"--icb: expected two files (system level, actor level), got "
                             f"{len(args.icb)}; allowed: none (the shipped set) or two")
        result = _icb(args.icb, args.replicates or 2000, args.seed, args.workers, args.json,
                      _overrides(args))
        plot = lambda: _plots().reliability_diagram(result.reliability())  # noqa: E731
    else:
        if args.workers != 1 or args.set:
            raise InputError(f"{'--workers' if args.workers != 1 else '--set'}: only with "
                             "--icb (scenario files run one by one, as written)")
        result = analysis.backtest(args.paths or analysis.DEFAULT_CASES,
                                   args.replicates or 10_000, args.seed)
        plot = lambda: _plots().backtest_goldstein(result)  # noqa: E731
    if args.json:
        _print_json(result.as_dict())
    else:
        print(result)
    if args.plot:
        _plots()
        _save(plot(), args.plot)
    return 0


def _icb(files: list[str], replicates: int, seed: int, workers: int, quiet: bool,
         sets: dict[str, Any]) -> Any:
    from sim import scorecard
    from sim.executors import make_executor

    bar = _Bar("crises", quiet)
    with make_executor("local", workers) as executor:
        result = scorecard.icb_backtest(files or None, replicates, seed, executor=executor,
                                        progress=bar, sets=sets)
    bar.close()
    return result


def _mid(replicates: int, seed: int, workers: int, quiet: bool, sets: dict[str, Any]) -> Any:
    from sim import scorecard
    from sim.executors import make_executor

    bar = _Bar("cases", quiet)
    with make_executor("local", workers) as executor:
        result = scorecard.mid_check(replicates, seed, executor=executor, progress=bar,
                                     sets=sets)
    bar.close()
    return result


def cmd_targets(args: argparse.Namespace) -> int:
    from sim import targets

    result = targets.mid_targets()
    if args.json:
        _print_json(result.as_dict())
    else:
        print(result)
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    if bool(args.config) == bool(args.check):
        raise InputError("calibrate: give a CONFIG to calibrate, or --check to compare the "
                         "current parameters with the record (not both, not neither)")
    if args.config:
        from sim import api, calibration

        settings, _ = calibration.load(args.config)
        out = args.out or f"results/calibration/{settings.id}"
        result = api.calibrate(args.config, out, workers=args.workers,
                               executor=args.executor, scheduler=args.scheduler,
                               resume=args.resume, force=args.force, progress=not args.json)
        if args.json:
            _print_json({"out": out, "waves_kept": [w.kept for w in result.waves],
                         "parameters": calibration.pinned(settings, result.posterior)})
        else:
            print(calibration.report(result))
            print(f"Wrote {out}/posterior.parquet, report.md, calibration.json, "
                  "posterior.png, moments.png")
        return 0
    _check_figure(args.plot)
    result = _mid(args.replicates, args.seed, args.workers, args.json, _overrides(args))
    if args.json:
        _print_json(result.as_dict())
    else:
        print(result)
    if args.plot:
        _save(_plots().moment_comparison(result.comparison), args.plot)
    return 0


def cmd_scorecard(args: argparse.Namespace) -> int:

    from sim import analysis, scorecard
    from sim.folder import write_atomic, write_json

    folder = ResultsFolder(args.out, "scorecard", force=args.force)
    folder.check()  # before minutes of simulation, not after
    out = folder.path
    sets = _overrides(args)
    if sets:  # every part must take the overrides, before minutes of simulation
        from sim import api

        for path in analysis.scenario_files(analysis.DEFAULT_CASES)[0]:
            api.resolve(path, None, sets)
    mid = _mid(max(1, args.replicates // 20), args.seed, args.workers, False, sets)
    print(mid, "\n", flush=True)
    icb = _icb([], args.replicates, args.seed, args.workers, False, sets)
    print(icb, "\n", flush=True)
    history = analysis.backtest(analysis.DEFAULT_CASES, 10_000, args.seed, sets=sets)
    print(history)
    plots = _plots()
    report = scorecard.report(mid, icb, history)
    with folder:
        _save(plots.moment_comparison(mid.comparison), str(out / "moments.png"))
        _save(plots.reliability_diagram(icb.reliability()), str(out / "reliability.png"))
        write_atomic(out / "report.md", lambda p: p.write_text(report))
        write_json(out / "scorecard.json", {"mid": mid.as_dict(), "icb": icb.as_dict(),
                                            "history": history.as_dict()})
    print(f"\nWrote {out / 'report.md'}, scorecard.json, moments.png, reliability.png")
    return 0


def cmd_events(args: argparse.Namespace) -> int:
    from sim import api, events

    if not args.output.lower().endswith(".csv"):
        raise InputError(f"-o {args.output}: allowed: a .csv file")
    if args.replicate >= args.replicates:
        raise InputError(f"--replicate {args.replicate}: allowed: a replicate from 0 to "
                         f"{args.replicates - 1:,} (of --replicates {args.replicates:,})")
    crisis = api.resolve(args.scenario, args.variant, _overrides(args), args.branch,
                         args.horizon)
    told = api.story(crisis, args.replicate, args.seed, args.replicates)
    records = (events.recorded(crisis, crisis.branch)
               + events.simulated(crisis, told.trajectories, 0))
    events.write_csv(records, args.output)
    print(f"wrote {counted(len(records), 'event')} to {args.output}")
    return 0


NEEDS = {"outcomes": "`crisis-sim run --out`", "fan": "`crisis-sim run --out`",
         "sweep": "`crisis-sim sweep`", "heatmap": "`crisis-sim sweep`",
         "sensitivity": "`crisis-sim sweep` of a sobol experiment",
         "compare": "`crisis-sim compare --out`"}


def cmd_sweep(args: argparse.Namespace) -> int:
    from sim import experiment

    spec = experiment.load(args.experiment)
    if args.executor == "local":
        _check_workers(args.workers)
    result = experiment.Sweep(spec, args.out, args.executor, args.workers, args.scheduler,
                              resume=args.resume, force=args.force,
                              progress=sys.stderr.isatty() and not args.json).run()
    if args.json:
        _print_json({
            "experiment": spec.id, "out": str(result.out), "points": len(result.points),
            "replicates": result.replicates, "elapsed_s": round(result.elapsed_s, 3),
            "results": result.points.to_dict(orient="records"),
            "sensitivity": result.sensitivity})
        return 0
    print(experiment.describe(result))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from sim import analysis

    _check_figure(args.plot)
    folder = ResultsFolder(args.out, "comparison", force=args.force) if args.out else None
    if folder is not None:
        folder.check()
    sets = _overrides(args)
    comparison = analysis.compare(args.scenario, variant=args.variant, set=sets or None,
                                  against=args.against, replicates=args.replicates,
                                  seed=args.seed, branch=args.branch, horizon=args.horizon,
                                  progress=sys.stderr.isatty() and not args.json)
    if args.json:
        _print_json(comparison.as_dict())
    else:
        print(comparison)
    if folder is not None:
        from sim.folder import write_json

        with folder:
            write_json(folder.path / "comparison.json", comparison.as_dict())
    if args.plot:
        _save(_plots().comparison(comparison), args.plot)
    return 0


def cmd_discover(args: argparse.Namespace) -> int:
    from sim import discovery

    _check_figure(args.plot)
    found = discovery.discover(args.results, args.outcome, args.threshold, cases=args.cases,
                               peel_alpha=args.peel_alpha, paste_alpha=args.paste_alpha,
                               mass_min=args.mass_min, boxes=args.boxes,
                               resamples=args.resamples, tree_depth=args.tree_depth,
                               seed=args.seed)
    if args.json:
        _print_json(found.as_dict())
    else:
        print(found)
    if args.plot:
        _save(_plots().discovery(found), args.plot)
    return 0


def _file_kind(path: str) -> str:
    """What a file that parses is: an experiment (it has an [experiment] table), a
    calibration config (a [calibration] table), or else a scenario."""
    from sim import scenario

    try:
        doc, _, _ = scenario.read_toml(path)
    except InputError:
        return "scenario"  # loading it as a scenario says what is wrong
    if "scenario" not in doc:
        for kind in ("experiment", "calibration"):
            if kind in doc:
                return kind
    return "scenario"


def cmd_validate(args: argparse.Namespace) -> int:
    from sim import design, scenario

    problems: list[str] = []
    for path in args.files:
        try:
            kind = _file_kind(path)
            if kind == "experiment":
                e = design.load(path)
                print(f"{path}: valid experiment ({counted(len(e.points()), 'design point')}, "
                      f"{e.design}; scenario {e.scenario.path})")
                continue
            if kind == "calibration":
                from sim import calibration

                c, _ = calibration.load(path)
                print(f"{path}: valid calibration ({counted(len(c.priors), 'parameter')}, "
                      f"{counted(len(c.moments), 'moment')}, {c.waves} waves of "
                      f"{c.points} points)")
                continue
            s = scenario.load(path)
        except InputError as err:
            problems.extend(err.problems)
            continue
        print(f"{path}: valid ({counted(len(s.actors), 'actor')}, "
              f"{counted(len(s.dyads), 'dyad')}, {counted(len(s.events), 'event')}, "
              f"{counted(len(s.variants), 'variant')}"
              + (f", {counted(len(s.branch_points), 'branch point')}" if s.branch_points
                 else "")
              + (f", {counted(len(s.supports), 'support')}" if s.supports else "") + ")")
    if problems:
        raise InputError(problems)
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    from sim.app import serve

    return serve.serve(args.port, args.host, args.scenarios, open_browser=args.open)


COMMANDS = {"app": cmd_app, "run": cmd_run, "validate": cmd_validate, "sweep": cmd_sweep,
            "compare": cmd_compare, "plot": cmd_plot, "backtest": cmd_backtest,
            "events": cmd_events, "targets": cmd_targets, "calibrate": cmd_calibrate,
            "scorecard": cmd_scorecard, "discover": cmd_discover}

if __name__ == "__main__":
    sys.exit(main())
