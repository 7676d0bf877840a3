import math

import numpy as np
import pytest
from scipy import stats

from sim.outcomes import NO_DAY, Proportion, Records, mid_hostility, wilson


@pytest.mark.parametrize("k,n", [(0, 1), (0, 10), (3, 10), (10, 10), (1, 1000), (517, 1000),
                                 (9999, 10000), (54, 10000)])
def test_wilson_interval_is_scipys(k, n):
    expected = stats.binomtest(k, n).proportion_ci(method="wilson")
    low, high = wilson(k, n)
    assert math.isclose(low, expected.low, abs_tol=1e-12)
    assert math.isclose(high, expected.high, abs_tol=1e-12)


def test_other_levels():
    expected = stats.binomtest(30, 100).proportion_ci(confidence_level=0.9, method="wilson")
    assert math.isclose(Proportion(30, 100).confidence_interval(0.9)[0], expected.low)


def test_summary_counts_and_filters():
    records = Records.empty(4)
    records.columns["outcome"][:] = [0, 1, 1, 2]
    records.columns["days_to_deescalation"][:] = [NO_DAY, 3, 5, NO_DAY]
    records.columns["max_rung"][:] = [7, 5, 4, 5]
    records.columns["mid_hostility"][:] = mid_hostility(records["max_rung"], records["outcome"])
    s = records.summary()
    assert s.outcomes["war"].k == 1 and s.outcomes["deescalated"].k == 2
    assert s.days_to_deescalation.median == 4 and s.days_to_deescalation.n == 2
    assert s.max_rung["limited_strike"].k == 2
    assert [s.mid_hostility[str(level)].k for level in (3, 4, 5)] == [1, 2, 1]
    frame = records.to_pandas()
    assert frame["days_to_deescalation"].isna().sum() == 2
    assert list(frame["outcome"]) == ["war", "deescalated", "deescalated", "ongoing"]


def test_mid_hostility_needs_a_war_for_level_five():
    levels = mid_hostility(np.array([1, 4, 5, 6, 7, 7]), np.array([2, 2, 1, 2, 2, 0]))
    assert list(levels) == [1, 3, 4, 4, 4, 5]
