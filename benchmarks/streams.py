"""The cost of counter-based random streams, against the sequential ones they replaced.

Runs the flagship with the model's streams (Philox, each draw at a fixed counter: a
replicate's numbers do not depend on the run's size) and with the SFC64 streams before them
(each block drew its size in numbers a call), side by side in one process, alternating, and
prints the median time of each and their ratio at 1, 1,000 and 100,000 replicates. One
replicate is timed over 100 seeds (a single replicate's crisis lasts as long as its luck).

    .venv/bin/python benchmarks/streams.py
"""

from __future__ import annotations

import statistics
import sys
import time
import zlib
from pathlib import Path

import numpy as np

from sim import model, scenario

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = {1: 11, 1000: 15, 100_000: 9}
SEEDS = {1: range(1, 101), 1000: range(1, 2), 100_000: range(1, 2)}


class SequentialStream:
    """The streams before: one SFC64 generator per block, drawing the block's size a call."""

    def __init__(self, blocks, key):
        tag = zlib.crc32(key.encode())
        self.parts = [(np.random.Generator(np.random.SFC64(np.random.SeedSequence(
            b.seed.entropy, spawn_key=(*b.seed.spawn_key, tag)))), b.size) for b in blocks]

    def _joined(self, draw):
        if len(self.parts) == 1:
            generator, size = self.parts[0]
            return draw(generator, size)
        return np.concatenate([draw(generator, size) for generator, size in self.parts])

    def random(self):
        return self._joined(lambda g, n: g.random(n, model.FLOAT))

    def sample(self, spec, value):
        return self._joined(lambda g, n: spec.draw(value, g, n))


def main() -> None:
    crisis = scenario.load(sys.argv[1] if len(sys.argv) > 1
                           else ROOT / "scenarios" / "iran_pakistan_2024.toml")
    streams = {"before": SequentialStream, "after": model.Stream}
    try:
        for n, rounds in ROUNDS.items():
            times: dict[str, list[float]] = {name: [] for name in streams}
            for _ in range(rounds):
                for name, stream in streams.items():
                    model.Stream = stream
                    start = time.perf_counter()
                    for seed in SEEDS[n]:
                        model.simulate(crisis, n, seed)
                    times[name].append(time.perf_counter() - start)
            before, after = (statistics.median(times[name]) for name in streams)
            print(f"{n:>7,} replicates: before {before * 1e3:8.1f} ms, after "
                  f"{after * 1e3:8.1f} ms, ratio {after / before:.3f} (medians of {rounds} "
                  f"rounds of {len(SEEDS[n])} seed{'s' if len(SEEDS[n]) > 1 else ''})")
    finally:
        model.Stream = streams["after"]


if __name__ == "__main__":
    main()
