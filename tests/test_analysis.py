import math

import numpy as np
import pytest

from sim.analysis import PairedDifference, compare
from sim.design import design_matrix
from sim.sensitivity import sobol_indices

from .conftest import FLAGSHIP


def ishigami(x, a=7.0, b=0.1):
    """Ishigami & Homma (1990). On [-π, π]³ the Sobol indices are known exactly:
    S = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437)."""
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_sobol_indices_of_the_ishigami_function():
    n = 2048
    unit = design_matrix("sobol", 3, n, seed=7)
    y = ishigami(-np.pi + 2 * np.pi * unit)
    result = sobol_indices(y, n, ["x1", "x2", "x3"], seed=1, resamples=299)
    first, total = [0.3139, 0.4424, 0.0], [0.5576, 0.4424, 0.2437]
    assert np.allclose(result.first_order, first, atol=0.05)
    assert np.allclose(result.total_order, total, atol=0.05)
    for i in range(3):
        assert result.first_order_ci[0, i] - 0.02 <= first[i] <= result.first_order_ci[1, i] + 0.02
        assert result.total_order_ci[0, i] - 0.02 <= total[i] <= result.total_order_ci[1, i] + 0.02


def test_constant_output_has_zero_indices():
    result = sobol_indices(np.zeros(8 * 4), 8, ["a", "b"])
    assert np.all(result.first_order == 0) and np.all(result.total_order_ci == 0)


def test_paired_interval_covers_the_truth_95_percent_of_the_time():
    rng = np.random.default_rng(5)
    n, trials, covered = 400, 2000, 0
    p_base, p_shift = 0.10, 0.05           # the alternative adds events to 5% of worlds
    truth = (p_base + p_shift * (1 - p_base)) - p_base
    for _ in range(trials):
        base = rng.random(n) < p_base
        other = base | (rng.random(n) < p_shift)
        low, high = PairedDifference.of(other, base).confidence_interval()
        covered += low <= truth <= high
    coverage = covered / trials
    se = math.sqrt(0.95 * 0.05 / trials)
    assert abs(coverage - 0.95) < 4 * se + 0.01, coverage


def test_paired_interval_is_narrower_than_unpaired_for_correlated_runs():
    rng = np.random.default_rng(6)
    base = rng.random(5000) < 0.2
    other = base & (rng.random(5000) > 0.1)
    d = PairedDifference.of(other, base)
    low, high = d.confidence_interval()
    ulow, uhigh = d.unpaired_interval()
    assert high - low < 0.5 * (uhigh - ulow)
    # with no correlation the paired interval is the unpaired one
    assert PairedDifference(d.base, d.other, 0, 0)._interval(0.0) == d.unpaired_interval()


def test_compare_runs_both_on_the_same_random_numbers():
    same = compare(FLAGSHIP, set={"actor.PAK.hawkishness": 0.0}, replicates=2000, seed=2,
                   horizon=40)
    for d in same.outcomes.values():
        assert d.difference == 0 and d.both + d.neither == 2000
    mediation = compare(FLAGSHIP, variant="no_mediation", replicates=4000, seed=2)
    calm = mediation.outcomes["deescalated"]  # the flagship now has (almost) no wars
    low, high = calm.confidence_interval()
    ulow, uhigh = calm.unpaired_interval()
    assert low <= calm.difference <= high and high - low < uhigh - ulow


def test_compare_needs_exactly_one_alternative():
    from sim.errors import InputError
    with pytest.raises(InputError, match="exactly one alternative"):
        compare(FLAGSHIP, replicates=10)


def test_swapping_the_runs_negates_the_interval():
    rng = np.random.default_rng(8)
    base = rng.random(500) < 0.3
    other = base ^ (rng.random(500) < 0.1)
    forward = PairedDifference.of(other, base).confidence_interval()
    backward = PairedDifference.of(base, other).confidence_interval()
    assert np.allclose(forward, [-backward[1], -backward[0]])


def test_paired_interval_covers_rare_events_too():
    rng = np.random.default_rng(9)
    n, trials, covered = 3000, 1000, 0
    truth = 0.01 * (1 - 0.006)  # base 0.6%; the alternative adds war to 1% of worlds
    for _ in range(trials):
        base = rng.random(n) < 0.006
        other = base | (rng.random(n) < 0.01)
        low, high = PairedDifference.of(other, base).confidence_interval()
        covered += low <= truth <= high
    assert covered / trials > 0.93


def test_compare_shows_its_progress_when_asked(capsys):
    compared = compare(FLAGSHIP, variant="no_mediation", replicates=300, horizon=60,
                       progress=True)
    err = capsys.readouterr().err
    assert "comparing" in err and "600/600" in err
    quiet = compare(FLAGSHIP, variant="no_mediation", replicates=300, horizon=60)
    assert capsys.readouterr().err == ""
    assert quiet.outcomes == compared.outcomes  # the bar changes no number
