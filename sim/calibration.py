"""Calibration: fit behavioural parameters to the MID record, and keep what it leaves open.

The method (``docs/calibration.md`` gives the reasons and the references):

1. **History matching in waves** (Craig et al. 1997; Vernon, Goldstein & Bower 2010;
   Andrianakis et al. 2015). Each wave runs the simulator at design points spread over the
   region not yet ruled out, fits one Gaussian-process emulator per target moment to the
   points of the latest two waves, and rules out each candidate parameter set whose implausibility

       I_i(θ) = |z_i − μ_i(θ)| / sqrt(V_obs,i + V_md,i + V_em,i(θ))

   exceeds the cut (3) for any target moment i, all on the emulation scale
   (:class:`Scale`: shares as logits, durations as logs): ``z`` the record's moment,
   ``V_obs`` its bootstrap sampling variance, ``V_md`` the stated model discrepancy,
   ``μ`` and ``V_em`` the emulator's mean and variance. The simulator's own noise is the
   emulator's white-noise term, so ``μ`` estimates the model's expected moment.
2. **The posterior inside the surviving region**: a Gaussian synthetic likelihood of the
   whole moment vector (Wood 2010; Price et al. 2018) evaluated on the last emulator,

       log L(θ) = −½ rᵀ S⁻¹ r − ½ log det S,   r = z − μ(θ),
       S = Σ_obs + diag(V_md) + diag(V_em(θ)),

   with a uniform prior on the stated ranges, sampled by importance sampling from the
   non-implausible candidates and resampled to equal weights.
3. **A posterior predictive check with the simulator itself** (not the emulator): the
   model is run at posterior draws and each moment compared with the record.

Every design point is simulated once on every dispute fitted (``replicates`` runs a
dispute), each dispute starting as its record says disputes start (a threat or display,
or a use of force, in :data:`sim.population.MID_STARTS` shares), so a point's moments have
the sampling error of a population the size of the record. Points are packed into models
as per-replicate parameter overrides (:class:`~sim.model.CrisisModel` ``overrides``); each
model's seed derives from the calibration seed, the wave and the model's position alone,
so a calibration is the same on any executor and any number of workers.

:func:`load` reads a calibration config (``experiments/calibration.toml``); this module
writes nothing (:mod:`sim.posterior` writes and reads calibration results).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from scipy.stats import qmc
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
from threadpoolctl import threadpool_limits

from sim import population, record, scorecard, scores, targets
from sim import scenario as scenarios
from sim.executors import InProcess
from sim.model import CrisisModel
from sim.outcomes import Records
from sim.seeds import BLOCK, Block

CUT = 3.0
"""Implausibility above which a parameter set is ruled out (Pukelsheim's three-sigma rule:
any unimodal distribution keeps 95% of its mass within 3 standard deviations)."""


YEARS = (1945, 2014)
"""The start years of the post-1945 MID 5.0 disputes (three began late in 1945)."""


@dataclass(frozen=True)
class Prior:
    """A calibrated parameter and its uniform prior range. ``path`` is a ``--set`` path
    (``actor.*.restraint`` sets both states', ``model.settle_rate`` the model's)."""

    path: str
    low: float
    high: float

    def scale(self, unit: np.ndarray) -> np.ndarray:
        return self.low + unit * (self.high - self.low)

    def unit(self, value: np.ndarray) -> np.ndarray:
        return (value - self.low) / (self.high - self.low)


@dataclass(frozen=True)
class Settings:
    """What a calibration fits and how (the ``[calibration]`` table of a config)."""

    id: str
    priors: tuple[Prior, ...]
    seed: int = 1
    years: tuple[int, int] = YEARS
    """First and last start year of the disputes fitted."""
    holdout: tuple[int, int] | None = None
    """Start years of disputes predicted out of sample after the fit (none by default)."""
    moments: tuple[str, ...] = targets.CORE_NAMES
    waves: int = 3
    points: int = 120
    """Design points a wave."""
    replicates: int = 1
    """Simulated runs of each dispute at each design point."""
    cut: float = CUT
    discrepancy: float = 0.10
    """Model discrepancy: its standard deviation as a share of each target's value."""
    candidates: int = 20_000
    """Candidate parameter sets screened by the emulator in each wave and for the posterior."""
    draws: int = 1000
    """Posterior draws kept."""
    check: int = 40
    """Posterior draws the simulator is run at for the predictive check."""
    title: str = ""

    @property
    def paths(self) -> list[str]:
        return [p.path for p in self.priors]


# --------------------------------------------------------------------------- the config

class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class CalibrationTable(_Table):
    """The ``[calibration]`` table; its defaults are :class:`Settings`'."""

    id: Annotated[str, Field(pattern=scenarios.NAME)]
    title: str = ""
    description: str = ""
    seed: Annotated[int, Field(ge=0)] = Settings.seed
    years: Annotated[list[int], Field(min_length=2, max_length=2)] = list(Settings.years)
    holdout: Annotated[list[int], Field(min_length=2, max_length=2)] | None = None
    moments: Annotated[list[str], Field(min_length=1)] | None = None
    waves: Annotated[int, Field(ge=1, le=10)] = Settings.waves
    points: Annotated[int, Field(ge=10, le=2000)] = Settings.points
    replicates: Annotated[int, Field(ge=1, le=20)] = Settings.replicates
    cut: Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)] = Settings.cut
    discrepancy: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = Settings.discrepancy
    candidates: Annotated[int, Field(ge=100, le=1_000_000)] = Settings.candidates
    draws: Annotated[int, Field(ge=10, le=100_000)] = Settings.draws
    check: Annotated[int, Field(ge=2, le=1000)] = Settings.check


class RangeTable(_Table):
    low: float
    high: float


class CalibrationFile(_Table):
    calibration: CalibrationTable
    parameters: Annotated[dict[str, RangeTable], Field(min_length=1, max_length=32)]


def load(path: str | Path) -> tuple[Settings, str]:
    """Read and check a calibration config; returns its settings and its SHA-256. Every
    problem is reported at once (:class:`~sim.errors.InputError`)."""
    file = scenarios.ConfigFile(path, CalibrationFile, "calibration")
    table, spec, problem = file.table, file.table.calibration, file.problem
    for key in ("years", "holdout"):
        span = getattr(spec, key)
        if span is not None and not YEARS[0] <= span[0] <= span[1] <= YEARS[1]:
            problem(("calibration", key), f"{span}: allowed: [first, last] start years with "
                    f"{YEARS[0]} <= first <= last <= {YEARS[1]}")
    for name in spec.moments or ():
        if name not in targets.CORE_NAMES:
            problem(("calibration", "moments"), f"{name!r} is not a core moment; allowed: "
                    f"{', '.join(targets.CORE_NAMES)}")
    if spec.check > spec.draws:
        problem(("calibration", "check"), f"{spec.check} is more than draws ({spec.draws}); "
                "allowed: at most the number of posterior draws")
    template = population.scenario(population.from_disputes(record.disputes().iloc[:1])[0])
    priors = []
    for name, given in table.parameters.items():
        loc = ("parameters", name)
        if not name.startswith(("model.", "actor.*.")):
            problem(loc, "allowed: a model parameter (model.NAME) or one both states share "
                    "(actor.*.NAME)")
            continue
        if not (math.isfinite(given.low) and math.isfinite(given.high)
                and given.low < given.high):
            problem(loc, "needs finite low < high")
            continue
        if all(file.allows(template, loc, name, value) for value in (given.low, given.high)):
            priors.append(Prior(name, given.low, given.high))
    file.check()
    return Settings(
        id=spec.id, title=spec.title, priors=tuple(priors), seed=spec.seed,
        years=(spec.years[0], spec.years[1]),
        holdout=(spec.holdout[0], spec.holdout[1]) if spec.holdout else None,
        moments=tuple(spec.moments or targets.CORE_NAMES), waves=spec.waves,
        points=spec.points, replicates=spec.replicates, cut=spec.cut,
        discrepancy=spec.discrepancy, candidates=spec.candidates, draws=spec.draws,
        check=spec.check), file.sha256


def fitted(settings: Settings, disputes: pd.DataFrame) -> pd.DataFrame:
    """The disputes a calibration fits (those starting within ``settings.years``)."""
    first, last = settings.years
    return disputes[disputes["year"].between(first, last)]


def held_out(settings: Settings, disputes: pd.DataFrame) -> pd.DataFrame | None:
    """The disputes a calibration predicts out of sample, if its config names any."""
    if settings.holdout is None:
        return None
    first, last = settings.holdout
    return disputes[disputes["year"].between(first, last)]


# --------------------------------------------------------------------------- the simulator


def expand(path: str) -> list[str]:
    """The model parameters a prior path sets in a population case (``actor.*`` is each
    state's)."""
    parts = path.split(".")
    if parts[0] == "actor" and parts[1] == "*":
        return [".".join(["actor", who, *parts[2:]]) for who in ("A", "B")]
    return [path]


def run_points(cases: Sequence[population.Case], rows: np.ndarray, points: np.ndarray,
               paths: Sequence[str], seed: np.random.SeedSequence,
               horizon: int = population.HORIZON) -> dict[str, np.ndarray]:
    """Records of replicates that each run case ``cases[rows[r]]`` at parameter set
    ``points[r]`` (one row of values for ``paths``). The cases must share one shape. The
    unit of work an executor runs: a pure function of its arguments."""
    overrides = {path: np.array([c.values()[k] for c in cases])[rows]
                 for k, path in enumerate(population.OVERRIDDEN)}
    for k, path in enumerate(paths):
        for target in expand(path):
            overrides[target] = points[:, k]
    n = len(rows)
    blocks = [Block(s, min(BLOCK, n - i * BLOCK))
              for i, s in enumerate(seed.spawn(-(-n // BLOCK)))]
    crisis = population.scenario(cases[0], horizon).with_posterior(None)
    return CrisisModel(crisis, blocks=blocks, overrides=overrides).run().columns


def simulate_points(disputes: pd.DataFrame, points: np.ndarray, paths: Sequence[str],
                    seed: np.random.SeedSequence, replicates: int = 1, *,
                    executor: Any = None,
                    progress: Callable[[int], None] | None = None) -> pd.DataFrame:
    """Every dispute of ``disputes`` simulated ``replicates`` times at each parameter set
    (row of ``points``), as a table of simulated disputes (the columns
    :func:`sim.targets.core_moments` reads, plus ``point``): rows where no dispute
    happened are dropped, as the record has none."""
    cases = population.from_disputes(disputes)
    starts = list(population.MID_STARTS)
    per = len(starts)
    n_d, n_p = len(disputes), len(points)
    start_rng, model_seed = seed.spawn(2)
    first = np.asarray(population.MID_STARTS[starts[0]])
    chosen = np.where(np.random.default_rng(start_rng).random((n_d, n_p, replicates))
                      < first, 0, 1)
    dispute = np.repeat(np.arange(n_d), n_p * replicates)
    point = np.tile(np.repeat(np.arange(n_p), replicates), n_d)
    case = dispute * per + chosen.ravel()
    shapes = sorted({c.shape for c in cases})
    shape_of = np.array([shapes.index(c.shape) for c in cases])[case]
    calls, members = [], []
    seeds = iter(model_seed.spawn(len(shapes) * (1 + len(case) // population.MODEL_REPLICATES)))
    for s in range(len(shapes)):
        idx = np.flatnonzero(shape_of == s)
        for chunk in np.array_split(idx, max(1, -(-len(idx) // population.MODEL_REPLICATES))):
            if not len(chunk):
                continue
            local = sorted(set(case[chunk].tolist()))
            where = {c: i for i, c in enumerate(local)}
            calls.append((run_points, ([cases[i] for i in local],
                                       np.array([where[c] for c in case[chunk]]),
                                       points[point[chunk]], list(paths), next(seeds))))
            members.append(chunk)
    parts: dict[int, dict[str, np.ndarray]] = {}
    for index, columns in (executor or InProcess()).run(calls):
        parts[index] = columns
        if progress is not None:
            progress(len(members[index]))
    order = np.concatenate(members)
    rec = Records.concat([Records(parts[i]) for i in range(len(calls))])
    kept = rec["mid_hostility"] >= 2
    table = scorecard.dispute_table(rec, disputes.iloc[dispute[order]])
    table.insert(0, "point", point[order][kept])
    return table


def moments(table: pd.DataFrame, n_points: int, names: Sequence[str]) -> np.ndarray:
    """The moments ``names`` of each point's simulated disputes, one row per point."""
    index = [targets.CORE_NAMES.index(n) for n in names]
    out = np.full((n_points, len(names)), np.nan)
    for p, part in table.groupby("point", sort=True):
        out[int(p)] = np.asarray(list(targets.core_moments(part).values()))[index]
    return out


# --------------------------------------------------------------------------- the emulator


FIT_POINTS = 150
"""Training points (a random subset) on which each emulator's kernel hyperparameters are
optimised; the emulator is then conditioned on every training point with them. The
optimisation is cubic in the points, the conditioning cheap."""


class Emulator:
    """One Gaussian process per moment over the unit cube of the priors (scikit-learn:
    a constant times an anisotropic squared-exponential kernel, plus white noise for the
    simulator's own noise). ``predict`` gives the mean and the variance of the model's
    expected moment (the noise term left out)."""

    def __init__(self, x: np.ndarray, y: np.ndarray, seed: int) -> None:
        self.models = []
        d = x.shape[1]
        rng = np.random.default_rng(seed)
        for j in range(y.shape[1]):
            ok = np.flatnonzero(np.isfinite(y[:, j]))
            yj = y[ok, j]
            centre, spread = float(np.mean(yj)), float(np.std(yj)) or 1.0
            scaled = (yj - centre) / spread
            kernel = ConstantKernel(1.0, (1e-3, 1e2)) * RBF(np.full(d, 0.5), (0.02, 20.0)) \
                + WhiteKernel(0.1, (1e-6, 1.0))
            sub = rng.choice(len(ok), min(len(ok), FIT_POINTS), replace=False)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tuned = GaussianProcessRegressor(kernel, n_restarts_optimizer=0,
                                                 random_state=seed + j).fit(
                    x[ok][sub], scaled[sub])
                gp = GaussianProcessRegressor(tuned.kernel_, optimizer=None).fit(x[ok], scaled)
            self.models.append((gp, centre, spread))

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        means, variances = [], []
        for gp, centre, spread in self.models:
            noise = gp.kernel_.k2.noise_level
            m, sd = gp.predict(x, return_std=True)
            means.append(centre + spread * m)
            variances.append(spread ** 2 * np.maximum(sd ** 2 - noise, 1e-12))
        return np.column_stack(means), np.column_stack(variances)

    def noise(self) -> np.ndarray:
        """Each moment's simulator noise variance, as the white-noise term estimated it."""
        return np.array([spread ** 2 * gp.kernel_.k2.noise_level
                         for gp, _, spread in self.models])

    def coverage(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Per moment, the share of the simulated values ``y`` (rows: points ``x``) within
        two standard deviations (emulator and simulator noise) of the prediction."""
        mean, var = self.predict(x)
        with np.errstate(invalid="ignore"):
            inside = np.abs(y - mean) <= 2 * np.sqrt(var + self.noise())
        return np.where(np.isfinite(y), inside, np.nan).astype(float).mean(axis=0)


# --------------------------------------------------------------------------- the record


@dataclass(frozen=True)
class Observed:
    """The record's moments and their sampling covariance (bootstrap over disputes)."""

    names: tuple[str, ...]
    value: np.ndarray
    covariance: np.ndarray

    @classmethod
    def of(cls, disputes: pd.DataFrame, names: Sequence[str], n_boot: int = 1000
           ) -> Observed:
        index = [targets.CORE_NAMES.index(n) for n in names]
        value = np.asarray(list(targets.core_moments(disputes).values()))[index]
        draws = targets.core_bootstrap(disputes, n_boot=n_boot)[:, index]
        complete = draws[np.isfinite(draws).all(axis=1)]
        return cls(tuple(names), value, np.atleast_2d(np.cov(complete, rowvar=False)))

    def discrepancy(self, share: float) -> np.ndarray:
        """The model discrepancy variance of each moment (``share`` of its value, as a
        standard deviation)."""
        return (share * np.abs(self.value)) ** 2


SHARE_FLOOR = 1e-3
"""Shares are clipped to [this, 1 − this] before the logit (a simulated share of 0)."""


@dataclass(frozen=True)
class Scale:
    """The scale on which moments are emulated and compared: shares on the logit scale and
    durations on the log scale, where a Gaussian process fits rare-event shares (a war
    share near 0 that rises steeply) far better than on the raw scale. The record's
    covariance and the discrepancy move with the delta method (J Σ J, J = dg/dm)."""

    log: np.ndarray
    """Per moment, whether it is a duration (log scale) rather than a share (logit)."""

    @classmethod
    def of(cls, names: Sequence[str]) -> Scale:
        return cls(np.array([targets.is_duration(n) for n in names]))

    def forward(self, m: np.ndarray) -> np.ndarray:
        m = np.asarray(m, float)
        share = np.clip(m, SHARE_FLOOR, 1 - SHARE_FLOOR)
        with np.errstate(invalid="ignore"):
            return np.where(self.log, np.log(np.maximum(m, 0.5)), np.log(share / (1 - share)))

    def slope(self, m: np.ndarray) -> np.ndarray:
        m = np.asarray(m, float)
        share = np.clip(m, SHARE_FLOOR, 1 - SHARE_FLOOR)
        return np.where(self.log, 1 / np.maximum(m, 0.5), 1 / (share * (1 - share)))

    def observed(self, observed: Observed, discrepancy: float) -> tuple[Observed, np.ndarray]:
        """The record's moments, covariance and discrepancy variance on this scale."""
        j = self.slope(observed.value)
        return (Observed(observed.names, self.forward(observed.value),
                         observed.covariance * np.outer(j, j)),
                j ** 2 * observed.discrepancy(discrepancy))


def implausibility(observed: Observed, mean: np.ndarray, variance: np.ndarray,
                   discrepancy: np.ndarray) -> np.ndarray:
    """I_i(θ) for each candidate (row) and moment (column)."""
    total = np.diag(observed.covariance) + discrepancy + variance
    return np.abs(observed.value - mean) / np.sqrt(total)


def log_likelihood(observed: Observed, mean: np.ndarray, variance: np.ndarray,
                   discrepancy: np.ndarray) -> np.ndarray:
    """The Gaussian synthetic log-likelihood of each candidate (row)."""
    s = observed.covariance + np.diag(discrepancy) + variance[:, :, None] * np.eye(len(
        discrepancy))
    r = observed.value - mean
    _, logdet = np.linalg.slogdet(s)
    return -0.5 * (np.einsum("ni,ni->n", r, np.linalg.solve(s, r[:, :, None])[:, :, 0])
                   + logdet)


# --------------------------------------------------------------------------- waves


@dataclass
class Wave:
    """One wave: its design points (parameter values), their simulated moments, and the
    share of the screened candidates still not implausible after it."""

    number: int
    points: np.ndarray
    moments: np.ndarray
    kept: float = math.nan


@dataclass
class Calibration:
    """A finished calibration: its waves, its posterior draws and their check."""

    settings: Settings
    observed: Observed
    waves: list[Wave]
    posterior: np.ndarray
    check_points: np.ndarray
    check_moments: np.ndarray
    min_implausibility: np.ndarray
    """The smallest implausibility any candidate reached for each moment alone (last
    wave): a moment above the cut cannot be matched anywhere in the prior ranges."""
    best_implausibility: np.ndarray
    """Each moment's implausibility at the candidate whose worst moment is least
    implausible: the moments above the cut there cannot be matched together."""
    matched_together: bool
    observed_n: int = 0
    """Disputes fitted."""
    emulator_coverage: np.ndarray | None = None
    """Per moment, the share of the checked draws whose simulated moment lies within two
    standard deviations (emulator and simulator noise) of the last emulator's prediction:
    near 0.95 for an honest emulator."""
    holdout: Holdout | None = None


def unit_candidates(d: int, n: int, seed: np.random.SeedSequence) -> np.ndarray:
    """``n`` candidate points in the unit cube (a scrambled Sobol' sequence)."""
    rng = np.random.default_rng(seed)
    return qmc.Sobol(d=d, rng=rng).random(1 << max(1, math.ceil(math.log2(n))))[:n]


def to_values(settings: Settings, unit: np.ndarray) -> np.ndarray:
    return np.column_stack([p.scale(unit[:, k]) for k, p in enumerate(settings.priors)])


def to_unit(settings: Settings, values: np.ndarray) -> np.ndarray:
    return np.column_stack([p.unit(values[:, k]) for k, p in enumerate(settings.priors)])


def select(unit: np.ndarray, n: int, seed: np.random.SeedSequence) -> np.ndarray:
    """``n`` of the candidate points ``unit``, spread out (greedy maximin from a random
    start) so a wave covers what is left rather than its densest corner."""
    if len(unit) <= n:
        return unit
    rng = np.random.default_rng(seed)
    pool = unit[rng.choice(len(unit), min(len(unit), 20 * n), replace=False)]
    chosen = [int(rng.integers(len(pool)))]
    distance = np.linalg.norm(pool - pool[chosen[0]], axis=1)
    for _ in range(n - 1):
        nxt = int(np.argmax(distance))
        chosen.append(nxt)
        distance = np.minimum(distance, np.linalg.norm(pool - pool[nxt], axis=1))
    return pool[chosen]


def run_wave(settings: Settings, disputes: pd.DataFrame, number: int, points: np.ndarray,
             executor: Any = None, progress: Callable[[int], None] | None = None
             ) -> Wave:
    """Simulate one wave's design points (parameter values)."""
    seed = np.random.SeedSequence([settings.seed, number])
    table = simulate_points(disputes, points, settings.paths, seed, settings.replicates,
                            executor=executor, progress=progress)
    return Wave(number, points, moments(table, len(points), settings.moments))


TRAINING_WAVES = 2
"""Waves whose points train each emulator: the latest two, which lie in and around the
region still in play (refocusing, as history matching does; Vernon et al. 2010)."""


def screen(settings: Settings, observed: Observed, discrepancy: np.ndarray, scale: Scale,
           waves: Sequence[Wave], stage: int
           ) -> tuple[Emulator, np.ndarray, np.ndarray]:
    """Fit the emulator to the latest waves' points (moments on ``scale``; ``observed``
    and ``discrepancy`` on it too) and screen fresh candidates: the emulator, the
    candidates (unit cube) and their implausibility."""
    recent = waves[-TRAINING_WAVES:]
    x = np.vstack([to_unit(settings, w.points) for w in recent])
    y = scale.forward(np.vstack([w.moments for w in recent]))
    emulator = Emulator(x, y, settings.seed + 1000 * stage)
    cand = unit_candidates(len(settings.priors), settings.candidates,
                           np.random.SeedSequence([settings.seed, stage, 1]))
    mean, var = emulator.predict(cand)
    return emulator, cand, implausibility(observed, mean, var, discrepancy)


def calibrate(settings: Settings, disputes: pd.DataFrame, *, executor: Any = None,
              done: Sequence[Wave] = (), on_wave: Callable[[Wave], None] | None = None,
              progress: Callable[[str, int, int], None] | None = None,
              holdout: pd.DataFrame | None = None, observed: Observed | None = None
              ) -> Calibration:
    """Calibrate on ``disputes`` (a table of :func:`sim.record.disputes`). ``done`` are
    waves already run (a resumed calibration: the same settings give the same waves),
    ``on_wave`` is called with each new wave (to save it), ``progress(stage, done, total)``
    counts the simulated disputes of each stage. ``holdout`` disputes, if given, are
    predicted from the posterior draws the check runs. ``observed`` replaces the record's
    moments (a test of the method on moments the model itself produced).

    Linear algebra runs on one BLAS thread: on a busy machine a threaded BLAS gave
    covariances that differed in their last bits from run to run, and the shipped
    posterior is meant to rebuild byte for byte."""
    with threadpool_limits(limits=1):
        return _calibrate(settings, disputes, executor=executor, done=done,
                          on_wave=on_wave, progress=progress, holdout=holdout,
                          observed=observed)


def _calibrate(settings: Settings, disputes: pd.DataFrame, *, executor: Any,
               done: Sequence[Wave], on_wave: Callable[[Wave], None] | None,
               progress: Callable[[str, int, int], None] | None,
               holdout: pd.DataFrame | None, observed: Observed | None) -> Calibration:
    observed = observed or Observed.of(disputes, settings.moments)
    scale = Scale.of(settings.moments)
    fit, disc = scale.observed(observed, settings.discrepancy)
    per_point = len(disputes) * settings.replicates
    waves: list[Wave] = list(done)[:settings.waves]
    for number in range(len(waves) + 1, settings.waves + 1):
        if number == 1:
            pool = unit_candidates(len(settings.priors), settings.candidates,
                                   np.random.SeedSequence([settings.seed, 0]))
        else:
            _, cand, imp = screen(settings, fit, disc, scale, waves, number - 1)
            worst = imp.max(axis=1)
            alive = worst <= settings.cut
            waves[-1].kept = float(alive.mean())
            # nothing left: the least implausible candidates, to learn where the fit is best
            pool = cand[alive] if alive.sum() >= settings.points else \
                cand[np.argsort(worst)[:max(settings.points, len(cand) // 20)]]
        unit = select(pool, settings.points, np.random.SeedSequence([settings.seed, number, 2]))
        wave = run_wave(settings, disputes, number, to_values(settings, unit), executor,
                        _ticker(progress, f"wave {number}", per_point * len(unit)))
        waves.append(wave)
        if on_wave is not None:
            on_wave(wave)
    for wave in waves[:-1]:  # read back by a resumed calibration: screen again (the same)
        if math.isnan(wave.kept):
            imp = screen(settings, fit, disc, scale, waves[:wave.number], wave.number)[2]
            wave.kept = float((imp.max(axis=1) <= settings.cut).mean())
    emulator, cand, imp = screen(settings, fit, disc, scale, waves, settings.waves)
    waves[-1].kept = float((imp.max(axis=1) <= settings.cut).mean())
    worst = imp.max(axis=1)
    best = int(np.argmin(worst))
    rng = np.random.default_rng(np.random.SeedSequence([settings.seed, 99]))
    posterior_unit = smc(lambda u: log_likelihood(fit, *emulator.predict(u), disc),
                         cand, settings.draws, rng)
    posterior = to_values(settings, posterior_unit)
    check_points = posterior[rng.choice(len(posterior), settings.check, replace=False)] \
        if settings.check < len(posterior) else posterior
    check = run_wave(settings, disputes, settings.waves + 1, check_points, executor,
                     _ticker(progress, "check", per_point * len(check_points)))
    result = Calibration(settings, observed, waves, posterior, check_points, check.moments,
                         imp.min(axis=0), imp[best], bool((worst <= settings.cut).any()),
                         len(disputes), emulator.coverage(to_unit(settings, check_points),
                                                          scale.forward(check.moments)))
    if holdout is not None and len(holdout):
        seed = np.random.SeedSequence([settings.seed, settings.waves + 2])
        table = simulate_points(
            holdout, check_points, settings.paths, seed, settings.replicates,
            executor=executor, progress=_ticker(
                progress, "holdout", len(holdout) * settings.replicates * len(check_points)))
        result.holdout = Holdout(Observed.of(holdout, settings.moments),
                                 moments(table, len(check_points), settings.moments))
    return result


def smc(log_likelihood: Callable[[np.ndarray], np.ndarray], start: np.ndarray, n: int,
        rng: np.random.Generator, moves: int = 4) -> np.ndarray:
    """``n`` draws from prior × likelihood, the prior uniform on the unit cube, by a
    sequential Monte Carlo sampler with adaptive likelihood tempering (Del Moral, Doucet &
    Jasra 2006): particles start from the prior (``n`` of the points ``start``); each stage
    raises the likelihood's power as far as keeps half the effective sample size,
    resamples, and moves every particle by ``moves`` random-walk Metropolis steps scaled
    by the particles' covariance (2.38²/d, Roberts & Rosenthal 2001)."""
    x = start[rng.choice(len(start), n, replace=len(start) < n)]
    ll = log_likelihood(x)
    power = 0.0
    d = x.shape[1]
    while power < 1.0:
        def ess(step: float, ll: np.ndarray = ll) -> float:
            w = np.exp(step * (ll - ll.max()))
            return float(w.sum() ** 2 / (w ** 2).sum())
        low, high = 0.0, 1.0 - power
        if ess(high) < n / 2:
            for _ in range(50):
                mid = (low + high) / 2
                low, high = (mid, high) if ess(mid) >= n / 2 else (low, mid)
            step = max(low, 1e-6)
        else:
            step = high
        power = min(1.0, power + step)
        w = np.exp(step * (ll - ll.max()))
        pick = _systematic(w / w.sum(), n, rng)
        x, ll = x[pick], ll[pick]
        scale = np.linalg.cholesky(np.cov(x, rowvar=False) * 2.38 ** 2 / d + 1e-10 * np.eye(d))
        for _ in range(moves):
            proposal = x + rng.standard_normal(x.shape) @ scale.T
            inside = ((proposal >= 0) & (proposal <= 1)).all(axis=1)
            new = np.full(n, -np.inf)
            if inside.any():
                new[inside] = log_likelihood(proposal[inside])
            accept = np.log(rng.random(n)) < power * (new - ll)
            x[accept], ll[accept] = proposal[accept], new[accept]
    return x


@dataclass
class Holdout:
    """Disputes the calibration did not use, and the model's moments on them at the check's
    posterior draws."""

    observed: Observed
    moments: np.ndarray


def _ticker(progress: Callable[[str, int, int], None] | None, stage: str, total: int
            ) -> Callable[[int], None] | None:
    """A progress callback for one stage that adds up the counts it is given."""
    if progress is None:
        return None
    done = [0]

    def add(k: int) -> None:
        done[0] += k
        progress(stage, done[0], total)
    return add


def _systematic(weights: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Systematic resampling: ``n`` indices drawn in proportion to ``weights``."""
    positions = (rng.random() + np.arange(n)) / n
    return np.minimum(np.searchsorted(np.cumsum(weights), positions), len(weights) - 1)



# --------------------------------------------------------------------------- what it found


def predictive(observed: Observed, moments_at_draws: np.ndarray, discrepancy: float
               ) -> Any:
    """The simulated moments at posterior draws beside the record's, as a
    :class:`sim.scores.MomentComparison`: the record's band counts its sampling covariance
    and the stated model discrepancy; the simulated side is the mean over the draws with
    its Monte-Carlo error."""
    ok = np.isfinite(moments_at_draws).all(axis=0) & np.isfinite(observed.value)
    m = moments_at_draws[:, ok]
    m = m[np.isfinite(m).all(axis=1)]
    cov = observed.covariance[np.ix_(ok, ok)] + np.diag(observed.discrepancy(discrepancy)[ok])
    return scores.compare_moments(np.array(observed.names)[ok], observed.value[ok], cov,
                                  m.mean(axis=0), np.atleast_2d(np.cov(m, rowvar=False))
                                  / len(m))


def pinned(settings: Settings, posterior: np.ndarray) -> list[dict[str, Any]]:
    """For each parameter: its posterior mean, 95% interval, and how much the data narrowed
    it (1 − posterior sd / prior sd; near 0: the data say little about it)."""
    rows = []
    for k, prior in enumerate(settings.priors):
        values = posterior[:, k]
        prior_sd = (prior.high - prior.low) / math.sqrt(12)
        low, high = np.quantile(values, [0.025, 0.975])
        rows.append({"parameter": prior.path, "prior": [prior.low, prior.high],
                     "mean": float(values.mean()), "low": float(low), "high": float(high),
                     "narrowing": float(1 - values.std() / prior_sd)})
    return rows


PINNED = 0.5
"""Narrowing (1 − posterior sd / prior sd) from which the report says the data pin a
parameter down; below 0.2 it says they say little about it. Judgment."""


def report(cal: Calibration) -> str:
    """The calibration's report (Markdown)."""
    s = cal.settings
    lines = [f"# Calibration `{s.id}`" + (f": {s.title}" if s.title else ""), "",
             f"Fitted to the core moments of the {cal.observed_n:,} MID 5.0 disputes "
             f"that started {s.years[0]}–{s.years[1]}; {s.waves} waves of {s.points} design "
             f"points, each run once on every dispute ({s.replicates} a dispute), cut "
             f"{s.cut:g}, model discrepancy {s.discrepancy:.0%} of each target, seed "
             f"{s.seed}.", "", "## Waves", "",
             "| wave | design points | candidates not implausible after it |", "|---|---|---|"]
    for w in cal.waves:
        lines.append(f"| {w.number} | {len(w.points)} | {w.kept:.3%} |")
    lines += ["", "## Parameters", "",
              "| parameter | prior | posterior mean | 95% interval | narrowing | verdict |",
              "|---|---|---|---|---|---|"]
    for r in pinned(s, cal.posterior):
        verdict = ("pinned down" if r["narrowing"] >= PINNED else
                   "barely constrained" if r["narrowing"] < 0.2 else "partly constrained")
        lines.append(f"| `{r['parameter']}` | {r['prior'][0]:g}–{r['prior'][1]:g} | "
                     f"{r['mean']:.4g} | {r['low']:.4g}–{r['high']:.4g} | "
                     f"{r['narrowing']:.2f} | {verdict} |")
    corr = np.corrcoef(cal.posterior, rowvar=False)
    strong = [(s.paths[i], s.paths[j], corr[i, j]) for i in range(len(s.paths))
              for j in range(i + 1, len(s.paths)) if abs(corr[i, j]) >= 0.4]
    if strong:
        lines += ["", "Strongly correlated in the posterior (|r| ≥ 0.4): " + "; ".join(
            f"`{a}` and `{b}` ({r:+.2f})" for a, b, r in strong) + "."]
    check = predictive(cal.observed, cal.check_moments, s.discrepancy)
    table = check.table
    inside = (table["z"].abs() <= 1.96)
    lines += ["", "## Targets beside the model at the posterior", "",
              f"The simulator itself at {len(cal.check_points)} posterior draws (not the "
              "emulator). Band: the record's sampling error and the stated model "
              "discrepancy, with the simulated mean's Monte-Carlo error. The last column "
              "checks the emulator on the same draws: the share of them whose simulated "
              "moment fell within two standard deviations of its prediction (about 95% for "
              "an honest emulator).", "",
              "| moment | record | simulated | z | within the 95% band | emulator within "
              "2 sd |", "|---|---|---|---|---|---|"]
    coverage = dict(zip(s.moments, cal.emulator_coverage if cal.emulator_coverage is not
                        None else [math.nan] * len(s.moments), strict=True))
    for name, r in table.iterrows():
        lines.append(f"| {name} | {r['observed']:.4g} | {r['simulated']:.4g} | "
                     f"{r['z']:+.2f} | {'yes' if abs(r['z']) <= 1.96 else '**no**'} | "
                     f"{coverage[str(name)]:.0%} |")
    lines += ["", f"{int(inside.sum())} of {len(table)} moments within their band; joint "
              f"squared Mahalanobis distance {check.joint_distance:.1f} on {check.df} df."]
    over = [n for n, i in zip(s.moments, cal.best_implausibility, strict=True) if i > s.cut]
    alone = [n for n, i in zip(s.moments, cal.min_implausibility, strict=True) if i > s.cut]
    lines += ["", "## What cannot be matched", ""]
    if cal.matched_together:
        lines.append("Some parameter sets match every moment within the cut at once.")
    else:
        lines.append("No parameter set in the prior ranges matches every moment within "
                     f"the cut at once. At the least implausible one, "
                     f"{', '.join(over) or 'none'} stay above {s.cut:g}"
                     + (f"; {', '.join(alone)} cannot be matched anywhere even alone"
                        if alone else "; each can be matched alone, not together")
                     + ". The posterior is then the best compromise the likelihood finds, "
                     "and these moments are where the model's structure, not its "
                     "parameters, is wrong.")
    if cal.holdout is not None:
        later = predictive(cal.holdout.observed, cal.holdout.moments, s.discrepancy)
        first, last = s.holdout or (0, 0)
        lines += ["", f"## Out of sample: disputes of {first}–{last}", "",
                  "| moment | record | predicted | z |", "|---|---|---|---|"]
        for name, r in later.table.iterrows():
            lines.append(f"| {name} | {r['observed']:.4g} | {r['simulated']:.4g} | "
                         f"{r['z']:+.2f} |")
        lines += ["", f"Joint squared Mahalanobis distance {later.joint_distance:.1f} on "
                  f"{later.df} df."]
    return "\n".join(lines) + "\n"
