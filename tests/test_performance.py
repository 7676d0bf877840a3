"""Cheap guards that the engine stays vectorised (not timings to a target: ratios within
one process, robust to a slow or busy machine)."""

import time

from sim.model import simulate


def _time(crisis, replicates):
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        simulate(crisis, replicates, 1)
        best = min(best, time.perf_counter() - start)
    return best


def test_a_hundred_times_the_replicates_costs_far_less_than_a_hundred_times(flagship):
    """With a Python loop over replicates the ratio would be near 100; the ensemble pays
    a fixed cost per day and little per replicate (about 2-3 here)."""
    small, large = _time(flagship, 100), _time(flagship, 10_000)
    assert large / small < 20, (small, large)
