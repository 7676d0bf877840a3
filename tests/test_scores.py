"""The scoring instrument: scores against hand-computed values and their defining properties,
reference forecasts, the bootstrap skill interval's coverage, the baselines, reliability
tables, the moment comparison, and the two figures."""

import math

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection
from scipy import optimize, stats
from sklearn import metrics
from sklearn.linear_model import LogisticRegression

from sim import plots, scores
from sim.outcomes import wilson

# --------------------------------------------------------------------------- scores


def test_brier_by_hand_and_as_sklearn():
    assert np.allclose(scores.brier([0.2, 0.7, 1.0, 0.0], [0, 1, 0, 0]), [0.04, 0.09, 1.0, 0.0])
    rng = np.random.default_rng(5)
    p, y = rng.random(200), rng.integers(0, 2, 200)
    assert np.isclose(scores.brier(p, y).mean(), metrics.brier_score_loss(y, p))


def test_log_loss_by_hand_and_as_sklearn():
    assert np.allclose(scores.log_loss([0.8, 0.8, 0.5], [1, 0, 1]),
                       [-math.log(0.8), -math.log(0.2), math.log(2)])
    assert np.isinf(scores.log_loss([0.0], [1])[0])
    assert scores.log_loss([0.0], [0])[0] == 0
    assert np.isclose(scores.log_loss([0.0], [1], clip=1e-3)[0], -math.log(1e-3))
    rng = np.random.default_rng(6)
    p, y = rng.uniform(0.01, 0.99, 200), rng.integers(0, 2, 200)
    assert np.isclose(scores.log_loss(p, y).mean(), metrics.log_loss(y, p))


def test_smoothed_is_never_certain_and_close_to_the_share():
    assert np.allclose(scores.smoothed([0, 10, 3], [10, 10, 10]), [0.5 / 11, 10.5 / 11, 3.5 / 11])
    k = np.arange(0, 1001)
    s = scores.smoothed(k, 1000)
    assert np.all((s > 0) & (s < 1))
    assert np.all(np.abs(s - k / 1000) < 1 / 1000)
    with pytest.raises(ValueError, match="k <= n"):
        scores.smoothed(11, 10)


def test_rps_by_hand():
    # K = 3, forecast (0.2, 0.5, 0.3), level 1 happened: cumulative (0.2, 0.7) vs (0, 1)
    assert np.isclose(scores.rps([[0.2, 0.5, 0.3]], [1])[0], (0.2**2 + 0.3**2) / 2)
    # K = 4, level 3: cumulative (0.1, 0.3, 0.6) vs (0, 0, 0)
    assert np.isclose(scores.rps([[0.1, 0.2, 0.3, 0.4]], [3])[0], (0.01 + 0.09 + 0.36) / 3)
    # the worst forecast: all mass on the far end
    assert np.isclose(scores.rps([[1, 0, 0, 0]], [3])[0], 1.0)


def test_rps_of_a_perfect_forecast_is_zero_and_k2_is_brier():
    levels = np.array([0, 1, 2, 3, 2])
    assert np.all(scores.rps(np.eye(4)[levels], levels) == 0)
    rng = np.random.default_rng(7)
    p, y = rng.random(100), rng.integers(0, 2, 100)
    two = np.column_stack([1 - p, p])
    assert np.allclose(scores.rps(two, y), scores.brier(p, y))
    # the two-category Brier score (summed over both categories) is twice it: K − 1 = 1
    # normalises the cumulative form, not the categorical sum
    assert np.allclose(((two - np.eye(2)[y]) ** 2).sum(axis=1), 2 * scores.rps(two, y))


def test_scores_are_proper_on_a_grid():
    grid = np.linspace(0, 1, 101)
    q = 0.3  # true probability of the event
    for loss in (scores.brier, scores.log_loss):
        expected = [q * loss([g], [1])[0] + (1 - q) * loss([g], [0])[0] for g in grid]
        assert np.isclose(grid[int(np.argmin(expected))], q)
    # RPS: the expected score under the truth is smallest at the truth
    truth = np.array([0.1, 0.4, 0.3, 0.2])
    rng = np.random.default_rng(8)
    forecasts = np.vstack([truth, rng.dirichlet(np.ones(4), 3000)])

    def expected(f):
        return sum(truth[k] * scores.rps(f, np.full(len(f), k)) for k in range(4))

    values = expected(forecasts)
    assert np.argmin(values) == 0
    assert np.all(values[1:] > values[0])


@pytest.mark.parametrize(("call", "message"), [
    (lambda: scores.brier([1.2], [1]), r"\[0, 1\]"),
    (lambda: scores.brier([0.5], [2]), "0 or 1"),
    (lambda: scores.brier([0.5, 0.5], [1]), "pair up"),
    (lambda: scores.rps([[0.5, 0.6]], [0]), "sum to 1"),
    (lambda: scores.rps([[0.5, 0.5]], [2]), r"0\.\.1"),
    (lambda: scores.log_loss([0.5], [1], clip=0.7), "clip"),
])
def test_bad_input_says_what_is_wrong(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------- base rates


def test_loo_base_rate_exact():
    y = np.array([1, 0, 0, 1, 1, 0, 0])
    expected = [(y.sum() - y[i]) / (len(y) - 1) for i in range(len(y))]
    assert np.allclose(scores.loo_base_rate(y), expected)
    assert np.allclose(scores.loo_base_rate(y, prior=0.5),
                       [(y.sum() - y[i] + 0.5) / (len(y) - 1 + 1) for i in range(len(y))])
    # the only event of a sample gets a forecast of 0 without a prior, not with one
    single = np.array([1, 0, 0, 0])
    assert scores.loo_base_rate(single)[0] == 0
    assert np.isfinite(scores.log_loss(scores.loo_base_rate(single, prior=0.5), single)).all()


def test_loo_distribution_exact():
    levels = np.array([0, 1, 1, 3, 2, 1])
    shares = scores.loo_distribution(levels, 4)
    for i in range(len(levels)):
        others = np.delete(levels, i)
        assert np.allclose(shares[i], np.bincount(others, minlength=4) / len(others))
    with_prior = scores.loo_distribution(levels, 4, prior=0.5)
    assert np.allclose(with_prior.sum(axis=1), 1) and np.all(with_prior > 0)
    assert np.isclose(with_prior[0, 0], (0 + 0.5) / (5 + 2))


# --------------------------------------------------------------------------- skill


def test_skill_value_and_str():
    s = scores.skill([1, 2, 3], [2, 4, 6], n_boot=200)
    assert s.value == pytest.approx(0.5) and s.n == 3
    assert s.model_mean == 2 and s.reference_mean == 4
    assert set(s.as_dict()) == {"value", "low", "high", "n", "model_mean", "reference_mean"}
    assert str(s).startswith("+0.500 [")


def _forecasts(rng, n):
    p_true = rng.uniform(0.05, 0.6, n)
    y = (rng.random(n) < p_true).astype(int)
    return p_true, y, [np.clip(p_true + rng.normal(0, 0.15, n), 0.01, 0.99) for _ in "ab"]


def test_skill_interval_excludes_zero_for_a_clearly_better_forecaster():
    p_true, y, _ = _forecasts(np.random.default_rng(11), 300)
    better = scores.skill(scores.brier(p_true, y), scores.brier(np.full(300, 0.9), y))
    assert better.low > 0


def test_skill_interval_covers_zero_for_equal_forecasters():
    """Two forecasters equally noisy around the truth have true skill 0 against each other:
    over 100 seeded replications the number of intervals covering 0 must lie in the central
    99.9% of Binomial(100, 0.95) (a single replication misses 0 one time in twenty)."""
    rng = np.random.default_rng(10)
    reps, covered = 100, 0
    for r in range(reps):
        _, y, (a, b) = _forecasts(rng, 300)
        s = scores.skill(scores.brier(a, y), scores.brier(b, y), n_boot=999, seed=r)
        covered += s.low < 0 < s.high
    low, high = stats.binom.ppf([0.0005, 0.9995], reps, 0.95)
    assert low <= covered <= high, covered


def test_skill_is_reproducible_and_paired():
    rng = np.random.default_rng(12)
    reference = rng.exponential(1, 200)
    model = reference * rng.uniform(0.7, 1.0, 200)
    a, b = scores.skill(model, reference, seed=3), scores.skill(model, reference, seed=3)
    assert a == b
    # identical losses: skill 0 exactly, and a point interval, not NaN
    same = scores.skill(reference, reference)
    assert (same.value, same.low, same.high) == (0, 0, 0)
    # the paired interval is far narrower than the spread of either loss alone would allow
    assert a.high - a.low < 0.1


def test_skill_refuses_infinite_losses():
    with pytest.raises(ValueError, match="finite"):
        scores.skill([np.inf, 1.0], [1.0, 1.0])


def test_skill_interval_coverage():
    """200 replications of 150 cases with a known true skill of 0.2; the number of 95%
    intervals covering it must lie in the central 99.9% of Binomial(200, 0.95)."""
    rng = np.random.default_rng(13)
    covered, reps = 0, 200
    for r in range(reps):
        reference = rng.exponential(1.0, 150)
        model = reference * rng.uniform(0.4, 1.2, 150)  # E[model] = 0.8 E[reference]
        s = scores.skill(model, reference, n_boot=999, seed=r)
        covered += s.low <= 0.2 <= s.high
    low, high = stats.binom.ppf([0.0005, 0.9995], reps, 0.95)
    assert low <= covered <= high, covered


def test_skill_by_stratum():
    rng = np.random.default_rng(14)
    reference = rng.exponential(1.0, 300)
    strata = np.array(["contiguous", "distant"] * 150)
    model = np.where(strata == "contiguous", 0.5, 1.0) * reference
    by = scores.skill_by_stratum(model, reference, strata, n_boot=500)
    assert list(by) == ["contiguous", "distant"]
    assert by["contiguous"].value == pytest.approx(0.5)
    assert by["distant"].value == pytest.approx(0.0)
    assert by["contiguous"].n == 150
    with pytest.raises(ValueError, match="one per case"):
        scores.skill_by_stratum(model, reference, strata[:10])


# --------------------------------------------------------------------------- baselines


def _simulated_ordinal(rng, n, theta, beta):
    X = rng.normal(size=(n, len(beta)))
    latent = X @ beta + rng.logistic(size=n)
    return X, np.searchsorted(theta, latent)


def test_proportional_odds_gradient_is_right():
    rng = np.random.default_rng(20)
    X, y = _simulated_ordinal(rng, 200, np.array([-1.0, 0.5, 2.0]), np.array([1.0, -0.5]))
    model = scores.ProportionalOdds(4, C=1.0)
    w = rng.normal(0, 0.5, 5)
    error = optimize.check_grad(lambda v: model._objective(v, X, y)[0],
                                lambda v: model._objective(v, X, y)[1], w)
    assert error < 1e-4 * np.linalg.norm(model._objective(w, X, y)[1])


def test_proportional_odds_recovers_known_coefficients():
    """Simulated from known thresholds and slopes; the fit must be within 4 standard errors
    (from the inverse Hessian of the likelihood) of each."""
    rng = np.random.default_rng(21)
    theta, beta = np.array([-1.0, 0.5, 2.0]), np.array([1.0, -0.5])
    X, y = _simulated_ordinal(rng, 4000, theta, beta)
    model = scores.ProportionalOdds(4, C=1e8).fit(X, y)
    w = np.concatenate([[model.theta_[0]], np.log(np.diff(model.theta_)), model.coef_])

    def gradient(v):
        return model._objective(v, X, y)[1] / model.C

    hessian = np.array([(gradient(w + h) - gradient(w - h)) / 2e-5 for h in np.eye(5) * 1e-5])
    cov = np.linalg.inv((hessian + hessian.T) / 2)
    jac = np.zeros((5, 5))  # (θ, β) as functions of (θ_0, log gaps, β)
    jac[:3, 0] = 1
    for m in (1, 2):
        jac[m:3, m] = math.exp(w[m])
    jac[3:, 3:] = np.eye(2)
    se = np.sqrt(np.diag(jac @ cov @ jac.T))
    estimate = np.concatenate([model.theta_, model.coef_])
    assert np.all(np.abs(estimate - np.concatenate([theta, beta])) < 4 * se), (estimate, se)
    assert np.all(se < 0.1)  # the test has power: 4 SE is well under the effects


def test_proportional_odds_with_two_levels_is_logistic_regression():
    rng = np.random.default_rng(22)
    X = rng.normal(size=(500, 3))
    y = (X @ [0.8, -0.3, 0.0] + rng.logistic(size=500) > 0.4).astype(int)
    ours = scores.ProportionalOdds(2, C=0.05).fit(X, y)
    theirs = LogisticRegression(C=0.05, tol=1e-10, max_iter=5000).fit(X, y)
    assert np.allclose(ours.coef_, theirs.coef_[0], atol=1e-4)
    assert np.allclose(-ours.theta_, theirs.intercept_, atol=1e-4)
    assert np.allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-5)


def _covariates(rng, n, signal):
    X = pd.DataFrame({"power_ratio": rng.normal(size=n), "years": rng.exponential(5, n),
                      "contiguous": rng.random(n) < 0.5,
                      "region": rng.choice(["Asia", "Africa", "Europe", None], n)})
    X.loc[rng.random(n) < 0.1, "power_ratio"] = np.nan
    lin = signal * (1.5 * X["power_ratio"].fillna(0) + 1.0 * X["contiguous"]
                    - 0.8 * (X["region"] == "Europe"))
    return X, lin.to_numpy()


def test_baseline_probability_is_deterministic_and_better_than_base_rate_on_signal():
    rng = np.random.default_rng(30)
    X, lin = _covariates(rng, 300, 1.0)
    y = (rng.random(300) < 1 / (1 + np.exp(-(lin - 1.0)))).astype(int)
    fixed = scores.baseline_probability(X, y, folds=5, seed=2, C=1.0)
    assert np.array_equal(fixed, scores.baseline_probability(X, y, folds=5, seed=2, C=1.0))
    assert not np.array_equal(fixed, scores.baseline_probability(X, y, folds=5, seed=3, C=1.0))
    p = scores.baseline_probability(X, y, folds=5, seed=2)
    assert np.all((p > 0) & (p < 1))
    base = scores.loo_base_rate(y)
    assert scores.skill(scores.brier(p, y), scores.brier(base, y)).low > 0
    assert scores.skill(scores.log_loss(p, y), scores.log_loss(base, y)).low > 0


def test_baseline_probability_is_no_better_than_base_rate_on_noise():
    rng = np.random.default_rng(31)
    X, _ = _covariates(rng, 300, 0.0)
    y = (rng.random(300) < 0.3).astype(int)
    p = scores.baseline_probability(X, y, folds=5)
    s = scores.skill(scores.brier(p, y), scores.brier(scores.loo_base_rate(y), y))
    assert s.low < 0, s  # not significantly better than the base rate
    assert s.value < 0.02, s


def test_baseline_distribution_is_deterministic_and_better_than_shares_on_signal():
    rng = np.random.default_rng(32)
    X, lin = _covariates(rng, 300, 1.0)
    levels = np.searchsorted([-0.5, 1.0, 2.5], lin + rng.logistic(size=300))
    fixed = scores.baseline_distribution(X, levels, 4, folds=5, seed=2, C=1.0)
    assert np.array_equal(fixed, scores.baseline_distribution(X, levels, 4, folds=5, seed=2,
                                                              C=1.0))
    probs = scores.baseline_distribution(X, levels, 4, folds=5, seed=2)
    assert probs.shape == (300, 4)
    assert np.allclose(probs.sum(axis=1), 1)
    shares = scores.loo_distribution(levels, 4)
    assert scores.skill(scores.rps(probs, levels), scores.rps(shares, levels)).low > 0


def test_baseline_distribution_no_better_than_shares_on_noise():
    rng = np.random.default_rng(33)
    X, _ = _covariates(rng, 300, 0.0)
    levels = rng.choice(4, 300, p=[0.4, 0.3, 0.2, 0.1])
    probs = scores.baseline_distribution(X, levels, 4, folds=5)
    s = scores.skill(scores.rps(probs, levels),
                     scores.rps(scores.loo_distribution(levels, 4), levels))
    assert s.low < 0, s
    assert s.value < 0.02, s


def test_baselines_refuse_too_rare_outcomes_and_odd_columns():
    X = pd.DataFrame({"x": np.arange(20.0)})
    y = np.array([1] + [0] * 19)
    with pytest.raises(ValueError, match="level 1 occurs 1 times"):
        scores.baseline_probability(X, y)
    with pytest.raises(ValueError, match="level 3 occurs 0 times"):
        scores.baseline_distribution(X, np.arange(20) % 3, 4)
    with pytest.raises(ValueError, match="column 'when'"):
        scores.baseline_probability(pd.DataFrame({"when": pd.date_range("2000", periods=20)}),
                                    np.arange(20) % 2, folds=2)


# --------------------------------------------------------------------------- reliability


@pytest.mark.parametrize("strategy", ["quantile", "uniform"])
def test_reliability_bins_sum_to_n_and_agree_with_wilson(strategy):
    rng = np.random.default_rng(40)
    p = np.concatenate([rng.beta(1, 4, 497), [0.0, 1.0, 1.0]])
    y = (rng.random(500) < p).astype(int)
    table = scores.reliability(p, y, bins=10, strategy=strategy)
    assert table["n"].sum() == 500
    assert len(table) <= 10
    for row in table.itertuples():
        inside = (p >= row.low) & ((p < row.high) | ((row.high == table["high"].max())
                                                      & (p <= row.high)))
        assert inside.sum() == row.n
        assert np.isclose(row.mean_forecast, p[inside].mean())
        k = int(y[inside].sum())
        assert np.isclose(row.observed, k / row.n)
        assert (row.ci_low, row.ci_high) == pytest.approx(wilson(k, row.n))


def test_reliability_with_tied_forecasts_merges_bins():
    y = np.array([0, 1] * 50)
    table = scores.reliability(np.full(100, 0.25), y)
    assert list(table["n"]) == [100] and table["observed"][0] == 0.5
    with pytest.raises(ValueError, match="strategy"):
        scores.reliability([0.5], [1], strategy="even")


# --------------------------------------------------------------------------- moments


def test_compare_moments_by_hand_in_two_dimensions():
    c = scores.compare_moments(["a", "b"], [0.5, 0.3], [[0.01, 0.002], [0.002, 0.02]],
                               [0.6, 0.2], [0.001, 0.001])
    # Σ = [[0.011, 0.002], [0.002, 0.021]], d = (0.1, −0.1)
    det = 0.011 * 0.021 - 0.002**2
    by_hand = (0.021 * 0.01 - 2 * 0.002 * (0.1 * -0.1) + 0.011 * 0.01) / det
    assert c.joint_distance == pytest.approx(by_hand)
    assert c.mahalanobis == pytest.approx(math.sqrt(by_hand))
    assert c.df == 2
    assert c.p_value == pytest.approx(math.exp(-by_hand / 2))  # chi-square, 2 df
    assert c.table.loc["a", "z"] == pytest.approx(0.1 / math.sqrt(0.011))
    assert c.table.loc["b", "z"] == pytest.approx(-0.1 / math.sqrt(0.021))
    assert c.table.loc["a", "observed_se"] == pytest.approx(0.1)
    assert "squared Mahalanobis" in str(c)
    assert c.as_dict()["moments"][0]["moment"] == "a"


def test_compare_moments_with_shares_that_sum_to_one():
    """Shares of three levels have a singular covariance; the pseudo-inverse distance
    equals the regular one on any two of them, on 2 degrees of freedom."""
    p, n = np.array([0.2, 0.5, 0.3]), 400
    cov = (np.diag(p) - np.outer(p, p)) / n
    sim = np.array([0.25, 0.45, 0.30])
    full = scores.compare_moments(["x", "y", "z"], p, cov, sim)
    two = scores.compare_moments(["x", "y"], p[:2], cov[:2, :2], sim[:2])
    assert full.df == 2
    assert full.joint_distance == pytest.approx(two.joint_distance)
    assert full.p_value == pytest.approx(two.p_value)


def test_compare_moments_without_any_uncertainty_has_no_test():
    c = scores.compare_moments(["a"], [0.5], [0.0], [0.6])
    assert c.df == 0 and math.isnan(c.p_value) and c.joint_distance == 0
    assert np.isinf(c.table.loc["a", "z"])


def test_compare_moments_bad_shapes():
    with pytest.raises(ValueError, match="2×2"):
        scores.compare_moments(["a", "b"], [0, 1], np.eye(3), [0, 1])
    with pytest.raises(ValueError, match="one per name"):
        scores.compare_moments(["a", "b"], [0, 1, 2], np.eye(2), [0, 1])


# --------------------------------------------------------------------------- figures


def test_reliability_diagram_shows_each_forecaster_with_counts():
    rng = np.random.default_rng(50)
    p = rng.random(400)
    y = (rng.random(400) < p).astype(int)
    tables = {"model": scores.reliability(p, y),
              "base rate": scores.reliability(np.full(400, y.mean()), y, strategy="uniform")}
    fig = plots.reliability_diagram(tables)
    ax, counts = fig.axes
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["perfectly calibrated", "model (400 cases)", "base rate (400 cases)"]
    diagonal = ax.lines[0]
    assert list(diagonal.get_xdata()) == [0, 1] and list(diagonal.get_ydata()) == [0, 1]
    # one errorbar (Wilson) collection per forecaster
    assert sum(isinstance(c, LineCollection) for c in ax.collections) == 2
    assert "Wilson" in ax.get_ylabel()
    steps = counts.patches
    assert len(steps) == 2
    assert max(steps[1].get_path().vertices[:, 1]) == 400  # all base-rate cases in one bin
    assert counts.get_ylabel() == "cases per bin"


def test_moment_comparison_figure_lists_every_moment():
    c = scores.compare_moments(["war share", "reciprocated", "one-day"], [0.02, 0.5, 0.4],
                               [1e-5, 1e-3, 1e-3], [0.05, 0.52, 0.4], [1e-6, 1e-4, 1e-4])
    fig = plots.moment_comparison(c)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["war share", "reciprocated",
                                                            "one-day"]
    texts = [t.get_text() for t in ax.texts]
    assert any("z = +9.0" in t for t in texts)  # (0.05 − 0.02) / √(1.1e-5)
    assert "squared Mahalanobis distance" in ax.get_title()
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "record (target), 95% interval" in legend and "simulated, 95% interval" in legend
    assert ax.get_xlim()[1] > 9.0  # the far-off moment is on the chart


# --------------------------------------------------------------------------- discrimination


def test_discrimination_is_the_area_under_the_roc_curve():
    rng = np.random.default_rng(21)
    p = np.round(rng.random(400), 1)  # many ties: they count half
    y = rng.random(400) < p
    assert scores.discrimination(p, y).value == pytest.approx(metrics.roc_auc_score(y, p))
    assert scores.discrimination([0.1, 0.2, 0.3], [0, 1, 1]).value == 1
    assert scores.discrimination([0.1, 0.2, 0.3], [1, 1, 0]).value == 0
    assert scores.discrimination([0.3] * 4, [0, 1, 0, 1]).value == 0.5
    empty = scores.discrimination([0.1, 0.2], [0, 0])
    assert math.isnan(empty.value) and (empty.events, empty.non_events) == (0, 2)


def test_discrimination_interval_coverage():
    """300 replications of 33 events and 202 others (the ICB scorecard's counts), scores
    binormal with a known area Φ(d/√2) = 0.714; the number of 95% intervals covering it
    must lie in the central 99.9% of Binomial(300, 0.95)."""
    rng = np.random.default_rng(22)
    d = math.sqrt(2) * stats.norm.ppf(0.714)
    covered, reps = 0, 300
    for _ in range(reps):
        x = np.concatenate([rng.normal(d, 1, 33), rng.normal(0, 1, 202)])
        y = np.r_[np.ones(33), np.zeros(202)]
        a = scores.discrimination(stats.norm.cdf(x), y)
        covered += a.low <= 0.714 <= a.high
    low, high = stats.binom.ppf([0.0005, 0.9995], reps, 0.95)
    assert low <= covered <= high, covered
