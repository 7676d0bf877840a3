"""The benchmark measures each ensemble's memory in its own process: a big parent does not
inflate the child's peak (on Linux, ``ru_maxrss`` of a spawned child starts at the
parent's size at the fork; the benchmark reads the child's own ``VmHWM``)."""

import sys

import numpy as np
import pytest

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import bench


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_big_parent_does_not_inflate_the_childs_peak():
    ballast = np.ones(300 * 2**20 // 8)  # 300 MiB, touched
    parent = bench.peak_rss()
    _, peak, _, imported = bench.ensemble(1_000)
    assert ballast.sum() > 0
    assert parent > 300 * 2**20
    assert imported <= peak < parent - 200 * 2**20, (parent, peak, imported)
