"""The ``crisis-sim`` command.

Mistakes in files and flags end with one line per problem on stderr and exit status 2;
no traceback. Heavy libraries are imported only by the subcommands that need them.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any, NoReturn

from sim.errors import InputError

EXIT_INVALID = 2


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

    run = sub.add_parser("run", help="simulate a scenario and summarise the outcomes")
    scenario_flags(run)
    run.add_argument("--replicates", type=_positive_int("replicates"), default=10_000,
                     help="number of simulated futures (default 10,000)")
    run.add_argument("--json", action="store_true", help="print one JSON object")
    run.add_argument("--trace", type=_positive_int("trace", 0), metavar="K",
                     help="tell replicate K's story day by day")
    run.add_argument("--precision", type=_fraction("precision"), metavar="H",
                     help="add replicates until every probability's 95%% half-width is <= H "
                          "(up to --max-replicates)")
    run.add_argument("--workers", type=_positive_int("workers"), default=1,
                     help="processes to run seed blocks in (default 1; same numbers)")
    run.add_argument("--max-replicates", type=_positive_int("max-replicates"),
                     default=1_000_000, help="ceiling for --precision (default 1,000,000)")

    sweep = sub.add_parser("sweep", help="run an experiment file (a design over parameters)")
    sweep.add_argument("experiment", help="experiment file (.toml)")
    sweep.add_argument("--out", required=True, help="results directory")
    sweep.add_argument("--workers", type=_positive_int("workers"), default=1,
                       help="processes (local) or LocalCluster workers (dask); default 1")
    sweep.add_argument("--executor", default="local", help="local (default) or dask")
    sweep.add_argument("--scheduler", metavar="ADDRESS",
                       help="a Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a "
                            "LocalCluster on this machine)")
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

    validate = sub.add_parser("validate", help="check scenario files")
    validate.add_argument("files", nargs="+")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except InputError as err:
        for line in err.problems:
            print(line, file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    from sim.scenario import parse_set

    return dict(parse_set(a) for a in args.set)


def cmd_run(args: argparse.Namespace) -> int:
    from sim import api

    crisis = api.resolve(args.scenario, args.variant, _overrides(args), args.branch,
                         args.horizon)
    if args.trace is not None:
        print(api.story(crisis, args.trace, args.seed, args.replicates))
        return 0
    progress = sys.stderr.isatty() and not args.json
    if args.precision is not None:
        result = api.run_to_precision(crisis, args.precision, args.seed,
                                      max_replicates=args.max_replicates, progress=progress)
    else:
        result = api.run(crisis, args.replicates, args.seed, workers=args.workers,
                         progress=progress)
    if args.json:
        print(json.dumps(_finite(result.as_dict()), ensure_ascii=False))
    else:
        print(result)
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from sim import experiment

    spec = experiment.load(args.experiment)
    result = experiment.Sweep(spec, args.out, args.executor, args.workers, args.scheduler,
                              resume=args.resume, force=args.force,
                              progress=sys.stderr.isatty() and not args.json).run()
    if args.json:
        print(json.dumps(_finite({
            "experiment": spec.id, "out": str(result.out), "points": len(result.points),
            "replicates": result.replicates, "elapsed_s": round(result.elapsed_s, 3),
            "results": result.points.to_dict(orient="records"),
            "sensitivity": result.sensitivity}), ensure_ascii=False))
        return 0
    print(experiment.describe(result))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from sim import analysis

    sets = _overrides(args)
    comparison = analysis.compare(args.scenario, variant=args.variant, set=sets or None,
                                  against=args.against, replicates=args.replicates,
                                  seed=args.seed, branch=args.branch, horizon=args.horizon)
    if args.json:
        print(json.dumps(_finite(comparison.as_dict()), ensure_ascii=False))
    else:
        print(comparison)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from sim import scenario

    problems: list[str] = []
    for path in args.files:
        try:
            s = scenario.load(path)
        except InputError as err:
            problems.extend(err.problems)
            continue
        print(f"{path}: valid ({len(s.actors)} actors, {len(s.dyads)} dyads, "
              f"{len(s.events)} events, {len(s.variants)} variants)")
    if problems:
        raise InputError(problems)
    return 0


def _finite(value: Any) -> Any:
    """JSON has no NaN: missing numbers become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


COMMANDS = {"run": cmd_run, "validate": cmd_validate, "sweep": cmd_sweep,
            "compare": cmd_compare}

if __name__ == "__main__":
    sys.exit(main())
