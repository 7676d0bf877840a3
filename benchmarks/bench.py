"""The ensemble engine against what a Mesa user would write, side by side in one process.

    make bench            # or: .venv/bin/python benchmarks/bench.py [--quick]

1. Baseline: ``CrisisModel`` with ``replicates=1`` through ``mesa.batch_run`` (2
   processes, one seed per run), the flagship at its default horizon.
2. Ensemble: the flagship with R = 10^3 … 10^6 replicates in one process: wall time,
   crises per second, nanoseconds per replicate-day, peak resident memory.
3. Workers: 10^6 replicates with one and two worker processes.
4. Sweep: a 256-point Latin hypercube × 1,000 replicates over two workers.
5. Start-up: the whole ``crisis-sim run`` command for 10,000 replicates.

Each measurement is repeated; the table shows the median and the min-max range, and
``benchmarks/results.json`` keeps every timing. Each ensemble size runs in a fresh child
process, whose peak memory is read from ``VmHWM`` (its own since exec; ``ru_maxrss`` would
carry this process's size at the fork), beside its memory once the imports are done.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLAGSHIP = ROOT / "scenarios" / "iran_pakistan_2024.toml"
RESULTS = ROOT / "benchmarks" / "results.json"


def peak_rss() -> int:
    """This process's peak resident memory, in bytes, since it was exec'd: ``VmHWM``.

    Not ``getrusage(...).ru_maxrss``: on Linux that survives ``fork`` and ``exec``, so a
    child started from a big parent reports the parent's size at the fork. Where there is no
    /proc (not Linux), ``ru_maxrss`` is all there is."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024  # kB
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def _ensemble_child(replicates: int, workers: int, queue: multiprocessing.Queue) -> None:
    from sim import api, scenario
    from sim.model import CrisisModel  # noqa: F401  (import everything a run imports)

    crisis = scenario.load(FLAGSHIP)
    imported = peak_rss()
    start = time.perf_counter()
    api.run(crisis, replicates, seed=1, workers=workers)
    elapsed = time.perf_counter() - start
    queue.put((elapsed, peak_rss(), crisis.days, imported))


def ensemble(replicates: int, workers: int = 1) -> tuple[float, int, int, int]:
    """Wall time, peak RSS and the RSS after the imports (the fixed part of the peak) of
    ``api.run`` in a fresh process (start-up excluded; with workers, this process only)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_ensemble_child, args=(replicates, workers, queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def baseline(runs: int) -> float:
    """Crises per second through mesa.batch_run, 2 processes, one seed per run."""
    import mesa

    from sim import scenario
    from sim.model import CrisisModel

    crisis = scenario.load(FLAGSHIP)
    start = time.perf_counter()
    rows = mesa.batch_run(CrisisModel, {"crisis": crisis, "replicates": 1}, number_processes=2,
                          rng=list(range(runs)), max_steps=10_000, display_progress=False)
    elapsed = time.perf_counter() - start
    assert len(rows) == runs
    return runs / elapsed


def sweep(workers: int) -> float:
    from sim import experiment

    text = f"""
[experiment]
id = "bench_lhs"
scenario = "{FLAGSHIP.as_posix()}"
replicates = 1000
seed = 1
design = "lhs"
samples = 256

[parameters]
"actor.*.beta" = {{ low = 1.0, high = 5.0 }}
"actor.*.restraint" = {{ low = 0.5, high = 2.0 }}
"actor.*.force_cost" = {{ low = 0.5, high = 3.0 }}
"actor.*.pressure_sensitivity" = {{ low = 0.0, high = 0.5 }}
"actor.CHN.leverage" = {{ low = 0.0, high = 1.0 }}
"""
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "lhs.toml"
        spec.write_text(text)
        start = time.perf_counter()
        experiment.sweep(spec, Path(tmp) / "out", workers=workers)
        return time.perf_counter() - start


def command_time() -> float:
    start = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "crisis-sim"), "run", str(FLAGSHIP),
                    "--replicates", "10000", "--seed", "1", "--json"], check=True,
                   capture_output=True)
    return time.perf_counter() - start


def summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "runs": values}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer sizes and repeats (a smoke test, not for quoting)")
    args = parser.parse_args()
    repeats = 1 if args.quick else 3
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000, 1_000_000]
    out: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                             "platform": platform.platform(), "processor": platform.machine()},
                 "date": time.strftime("%Y-%m-%d"), "quick": args.quick}

    print("baseline: mesa.batch_run, replicates=1, 2 processes ...", flush=True)
    base_runs = 100 if args.quick else 600
    base = [baseline(base_runs) for _ in range(repeats)]
    out["baseline"] = {"runs": base_runs, "crises_per_s": summary(base)}

    out["ensemble"] = {}
    for n in sizes:
        print(f"ensemble: {n:,} replicates ...", flush=True)
        times, peaks, imports, days = [], [], [], 0
        for _ in range(1 if n >= 1_000_000 and args.quick else repeats):
            elapsed, peak, days, imported = ensemble(n)
            times.append(elapsed)
            peaks.append(peak)
            imports.append(imported)
        t = statistics.median(times)
        out["ensemble"][str(n)] = {"seconds": summary(times), "crises_per_s": n / t,
                                   "ns_per_replicate_day": t / n / days * 1e9,
                                   "peak_rss_mib": max(peaks) / 2**20,
                                   "imports_rss_mib": max(imports) / 2**20, "days": days}

    big = sizes[-1]
    print(f"workers: {big:,} replicates on 1 and 2 workers ...", flush=True)
    one = [ensemble(big, 1)[0] for _ in range(repeats)]
    two = [ensemble(big, 2)[0] for _ in range(repeats)]
    out["workers"] = {"replicates": big, "one": summary(one), "two": summary(two),
                      "speedup": statistics.median(one) / statistics.median(two)}

    print("sweep: 256-point LHS x 1,000 replicates, 2 workers ...", flush=True)
    out["sweep"] = {"points": 256, "replicates": 1000, "workers": 2,
                    "seconds": summary([sweep(2) for _ in range(repeats)])}
    print("crisis-sim run, 10,000 replicates, whole command ...", flush=True)
    out["command"] = {"seconds": summary([command_time() for _ in range(repeats)])}

    best = max(v["crises_per_s"] for v in out["ensemble"].values())
    out["ratio_ensemble_to_baseline"] = best / statistics.median(base)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print()
    print(table(out))


def table(out: dict) -> str:
    b = out["baseline"]["crises_per_s"]
    lines = [f"Machine: {out['machine']['cpus']} CPUs, Python {out['machine']['python']}, "
             f"{out['machine']['platform']}",
             "", "| measurement | median | min–max | crises/s | ns per replicate-day | peak RSS |",
             "|---|---|---|---|---|---|",
             f"| baseline: mesa.batch_run, 2 processes, {out['baseline']['runs']} runs | "
             f"{1 / b['median'] * 1000:.1f} ms/crisis | | {b['median']:,.0f} "
             f"({b['min']:,.0f}–{b['max']:,.0f}) | | |"]
    for n, e in out["ensemble"].items():
        s = e["seconds"]
        lines.append(f"| ensemble, {int(n):,} replicates, 1 process | {s['median']:.3f} s | "
                     f"{s['min']:.3f}–{s['max']:.3f} s | {e['crises_per_s']:,.0f} | "
                     f"{e['ns_per_replicate_day']:.1f} | {e['peak_rss_mib']:.0f} MiB "
                     f"({e.get('imports_rss_mib', 0):.0f} MiB after the imports) |")
    w = out["workers"]
    lines.append(f"| {w['replicates']:,} replicates, 2 workers vs 1 | "
                 f"{w['two']['median']:.2f} s vs {w['one']['median']:.2f} s | "
                 f"{w['two']['min']:.2f}–{w['two']['max']:.2f} s | speedup "
                 f"{w['speedup']:.2f}× | | |")
    s = out["sweep"]["seconds"]
    lines.append(f"| sweep: 256-point LHS × 1,000 replicates, 2 workers | {s['median']:.2f} s | "
                 f"{s['min']:.2f}–{s['max']:.2f} s | | | |")
    c = out["command"]["seconds"]
    lines.append(f"| `crisis-sim run`, 10,000 replicates, whole command | {c['median']:.2f} s | "
                 f"{c['min']:.2f}–{c['max']:.2f} s | | | |")
    lines.append("")
    lines.append(f"Ensemble / baseline, crises per second: "
                 f"{out['ratio_ensemble_to_baseline']:,.0f}×")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
