"""The cost of parameters that vary per replicate, side by side with fixed ones.

    .venv/bin/python benchmarks/parameters.py [--quick]

Every run that draws its parameters from the calibrated posterior (the default since
``make calibrate``), every sweep and every calibration steps the engine with parameters
that differ between replicates; with fixed parameters the engine folds the rung terms into
one cached table. This measures, in one process and alternating so both see the same
machine, the flagship's cost per replicate-day with the point defaults (fixed) and with
the shipped posterior's joint draws (per replicate), as medians and their ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from sim import posterior, scenario
from sim.model import simulate

ROOT = Path(__file__).resolve().parent.parent
FLAGSHIP = ROOT / "scenarios" / "iran_pakistan_2024.toml"


def timed(crisis: scenario.Scenario, replicates: int) -> float:
    start = time.perf_counter()
    simulate(crisis, replicates, 1)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one size, three repeats")
    args = parser.parse_args()
    draws = posterior.read(posterior.SHIPPED)
    fixed = scenario.load(FLAGSHIP).with_posterior(None)
    varying = fixed.with_posterior(draws)
    out = {}
    for n in ([10_000] if args.quick else [10_000, 100_000]):
        times: dict[str, list[float]] = {"fixed": [], "per replicate": []}
        for _ in range(3 if args.quick else 5):
            times["fixed"].append(timed(fixed, n))
            times["per replicate"].append(timed(varying, n))
        medians = {k: statistics.median(v) for k, v in times.items()}
        out[n] = {k: {"seconds": m, "ns_per_replicate_day": m / n / fixed.days * 1e9}
                  for k, m in medians.items()}
        out[n]["ratio"] = medians["per replicate"] / medians["fixed"]
        print(f"{n:>9,} replicates: fixed {medians['fixed']:.3f} s "
              f"({out[n]['fixed']['ns_per_replicate_day']:.1f} ns per replicate-day), "
              f"per replicate {medians['per replicate']:.3f} s "
              f"({out[n]['per replicate']['ns_per_replicate_day']:.1f}); "
              f"ratio {out[n]['ratio']:.2f}")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
