"""Scenario discovery: under which combinations of conditions does the crisis become a war?

A sweep says how P(war) moves with each parameter and Sobol indices say which parameter
matters most; scenario discovery says *where* in the space of parameters the outcome of
interest concentrates, as boxes an analyst can read ("Pakistan's pressure sensitivity above
0.3 and restraint below 1.2"). Two views of the same cases:

- **PRIM**, the Patient Rule Induction Method (Friedman & Fisher 1999, *Statistics and
  Computing* 9: 123-143), as used for scenario discovery by Bryant & Lempert (2010,
  *Technological Forecasting & Social Change* 77: 34-49) and EMA Workbench. Starting from
  the box that holds every case, it *peels* a sliver of ``peel_alpha`` of the cases off one
  side of one input at a time, choosing the peel that raises the share of cases of interest
  (the box's *density*) most per case removed, until the box holds ``mass_min`` of the
  cases; then it *pastes* slivers of ``paste_alpha`` back where that raises the density.
  Each box on the way is a point on the trade-off between *coverage* (the share of all
  cases of interest the box holds) and density. One box is chosen from that trajectory
  (by default the one with the best balance, the harmonic mean of the two), each of its
  restrictions gets a *quasi-p value* (a one-sided binomial test of the box's density
  against the box without that restriction; Bryant & Lempert 2010), its stability is
  measured by running PRIM again on random halves of the cases, and a second box is
  sought among the cases the first leaves out.
- A **classification tree** (scikit-learn's CART) over the same inputs, read as rules.

A *case* is a design point. With ``cases="points"`` a point is of interest when its
P(outcome) is at least ``threshold``. With ``cases="replicates"`` every replicate is a case
(of interest when it ended in the outcome) at its point's inputs, so the density of a box
is the chance of the outcome inside it; replicates of a point share its inputs and are
handled as the point's counts, which gives the same boxes as listing them one by one.

This module draws nothing; the figures are in :mod:`sim.plots`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
from scipy.stats import binomtest
from sklearn.tree import DecisionTreeClassifier

from sim.errors import InputError
from sim.outcomes import OUTCOMES

OBJECTIVES = ("lenient1", "original")
"""How a candidate peel or paste is scored: ``lenient1`` (EMA Workbench's default) the
change in density per case removed or added; ``original`` (Friedman & Fisher) the density
after it."""
CASES = ("points", "replicates")
DEFAULT_THRESHOLD = 0.024
"""A design point is of interest when P(outcome) is at least 2.4%: for war, likelier than in
the record's typical dispute that used force (MID 5.0, post-1945: 29 of 1,224 became
wars; ``crisis-sim targets``)."""
MIN_CASES = 10
ESTIMATE_COLUMNS = ("point", "n")
ESTIMATE_PREFIXES = ("p_", "days_to_deescalation", "max_rung")


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Cases:
    """What PRIM looks at: each case's inputs, and of its ``weight`` replicates (1 for a
    design point), how many ``hits`` are of interest."""

    inputs: list[str]
    x: np.ndarray  # (cases, inputs), float
    hits: np.ndarray  # (cases,), int
    weight: np.ndarray  # (cases,), int

    def __post_init__(self) -> None:
        if self.x.ndim != 2 or self.x.shape != (len(self.hits), len(self.inputs)):
            raise ValueError(f"x has shape {self.x.shape}, expected ({len(self.hits)}, "
                             f"{len(self.inputs)})")
        if np.any(self.hits < 0) or np.any(self.hits > self.weight):
            raise ValueError("hits must lie between 0 and the weight of each case")

    @classmethod
    def of(cls, x: Any, hits: Any, weight: Any = None, inputs: list[str] | None = None,
           **kw: Any) -> Cases:
        """Cases from an array or DataFrame of inputs and 0/1 outcomes (or hit counts with
        ``weight``)."""
        if inputs is None:
            inputs = [str(c) for c in x.columns] if hasattr(x, "columns") else [
                f"x{i}" for i in range(np.shape(x)[1])]
        x = np.asarray(x, float)
        hits = np.asarray(hits).astype(np.int64)
        weight = (np.ones(len(hits), np.int64) if weight is None
                  else np.asarray(weight).astype(np.int64))
        return cls(list(inputs), x, hits, weight, **kw)

    def take(self, rows: np.ndarray) -> Cases:
        return replace(self, x=self.x[rows], hits=self.hits[rows], weight=self.weight[rows])


def quantile(values: np.ndarray, weight: np.ndarray, q: float) -> float:
    """The ``q`` quantile of ``values`` (each repeated ``weight`` times) as sdtoolkit and
    EMA Workbench take it for peeling: the midpoint of the values on either side of
    position ``(n - 1) q`` of the sorted list; when they are equal, the midpoint between
    that value and the next distinct one (below it for q > 0.5, above otherwise), so a peel
    on tied values removes them all."""
    order = np.argsort(values, kind="stable")
    v, cum = values[order], np.cumsum(weight[order])
    position = (cum[-1] - 1) * q
    a = v[np.searchsorted(cum, math.floor(position), side="right")]
    b = v[np.searchsorted(cum, math.ceil(position), side="right")]
    if a == b:
        if q > 0.5:
            below = v[v < b]
            a = below[-1] if below.size else a
        else:
            above = v[v > a]
            b = above[0] if above.size else b
    return float((a + b) / 2)


# --------------------------------------------------------------------------- PRIM


@dataclass(frozen=True)
class Step:
    """One box on the peeling and pasting trajectory."""

    low: np.ndarray
    high: np.ndarray
    inside: np.ndarray  # bool over all cases
    n: int  # replicates (points) in the box
    k: int  # of them of interest
    coverage: float  # k / all cases of interest
    density: float  # k / n
    mass: float  # n / all cases
    restricted: int  # inputs whose limits are narrower than the data's

    def as_dict(self) -> dict[str, Any]:
        return {"coverage": self.coverage, "density": self.density, "mass": self.mass,
                "n": self.n, "k": self.k, "restricted": self.restricted}


@dataclass(frozen=True)
class Limit:
    """A box's limits on one input, against the input's range over all cases, with the
    quasi-p value of each restricted side (None when that side is not restricted)."""

    input: str
    low: float
    high: float
    range_low: float
    range_high: float
    qp_low: float | None
    qp_high: float | None

    @property
    def restricted(self) -> bool:
        return self.qp_low is not None or self.qp_high is not None

    def as_dict(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "range": [self.range_low,
                                                              self.range_high],
                "restricted": self.restricted, "qp_low": self.qp_low,
                "qp_high": self.qp_high}


@dataclass(frozen=True)
class Stability:
    """How well PRIM on random subsets of the cases reproduces a box.

    Each subset (``fraction`` of the cases the box was searched among, drawn without
    replacement) gets its own PRIM trajectory and the box the same rule picks on it.
    ``restricted[i]`` is the share of subsets whose box restricts input i; ``overlap`` is,
    per subset, the Jaccard overlap of its box with this one over all the cases searched
    (weighted by replicates); ``limits`` are the subsets' boxes' limits.
    """

    resamples: int
    fraction: float
    restricted: np.ndarray  # (inputs,)
    overlap: np.ndarray  # (resamples,)
    limits: np.ndarray  # (resamples, inputs, 2)

    def as_dict(self, inputs: list[str]) -> dict[str, Any]:
        return {
            "resamples": self.resamples, "fraction": self.fraction,
            "overlap_mean": float(np.mean(self.overlap)),
            "overlap_min": float(np.min(self.overlap)),
            "inputs": {name: {
                "restricted_share": float(self.restricted[i]),
                "low_q10_q90": [float(v) for v in np.quantile(self.limits[:, i, 0],
                                                              [0.1, 0.9])],
                "high_q10_q90": [float(v) for v in np.quantile(self.limits[:, i, 1],
                                                               [0.1, 0.9])]}
                for i, name in enumerate(inputs)}}


@dataclass(frozen=True)
class Box:
    """A box PRIM found: its trajectory, the step chosen, its limits with quasi-p values,
    and its stability under resampling."""

    trajectory: list[Step]
    chosen: int
    limits: list[Limit]
    searched: np.ndarray  # bool over all cases: those the search started from
    stability: Stability | None = None

    @property
    def step(self) -> Step:
        return self.trajectory[self.chosen]

    @property
    def restrictions(self) -> list[Limit]:
        return [limit for limit in self.limits if limit.restricted]

    def as_dict(self, inputs: list[str]) -> dict[str, Any]:
        return {**self.step.as_dict(), "chosen_step": self.chosen,
                "limits": {lim.input: lim.as_dict() for lim in self.limits},
                "stability": self.stability.as_dict(inputs) if self.stability else None,
                "trajectory": [s.as_dict() for s in self.trajectory]}


@dataclass(frozen=True)
class Settings:
    """PRIM's parameters (Friedman & Fisher's α for peeling and pasting, the minimum mass
    of a box) and how the box is chosen and checked."""

    peel_alpha: float = 0.05
    paste_alpha: float = 0.05
    mass_min: float = 0.05
    objective: Literal["lenient1", "original"] = "lenient1"
    resamples: int = 20
    resample_fraction: float = 0.5
    seed: int = 1

    def check(self) -> None:
        problems = [f"{name}: {value} is not between 0 and 0.5"
                    for name, value in (("peel_alpha", self.peel_alpha),
                                        ("paste_alpha", self.paste_alpha))
                    if not 0 < value < 0.5]
        if not 0 < self.mass_min < 1:
            problems.append(f"mass_min: {self.mass_min} is not between 0 and 1")
        if self.objective not in OBJECTIVES:
            problems.append(f"objective: {self.objective!r} is unknown; allowed: "
                            f"{', '.join(OBJECTIVES)}")
        if self.resamples < 0:
            problems.append(f"resamples: {self.resamples} is below 0")
        if problems:
            raise InputError(problems)


class _Search:
    """One PRIM search (peeling, then pasting) over the cases in ``remaining``, with mass
    and coverage counted over all ``cases`` (as EMA Workbench does for later boxes)."""

    def __init__(self, cases: Cases, remaining: np.ndarray, settings: Settings) -> None:
        self.cases, self.remaining, self.settings = cases, remaining, settings
        self.range_low = cases.x.min(axis=0)
        self.range_high = cases.x.max(axis=0)
        self.total = int(cases.weight.sum())
        self.total_hits = int(cases.hits.sum())

    def step(self, low: np.ndarray, high: np.ndarray, inside: np.ndarray) -> Step:
        n = int(self.cases.weight[inside].sum())
        k = int(self.cases.hits[inside].sum())
        return Step(low, high, inside, n, k, k / self.total_hits if self.total_hits else 0.0,
                    k / n if n else 0.0, n / self.total, self.restricted(low, high))

    def restricted(self, low: np.ndarray, high: np.ndarray) -> int:
        return int(np.sum((low != self.range_low) | (high != self.range_high)))

    def score(self, old: Step, new: Step) -> float:
        if self.settings.objective == "original":
            return new.density if new.n else -1.0
        if new.density == old.density:
            return 0.0
        return (new.density - old.density) / abs(old.n - new.n)

    def run(self) -> list[Step]:
        first = self.step(self.range_low.copy(), self.range_high.copy(), self.remaining.copy())
        trajectory = [first]
        self._peel(trajectory)
        self._paste(trajectory)
        return trajectory

    def _best(self, old: Step, candidates: list[Step]) -> tuple[float, Step] | None:
        """The candidate with the highest score, fewer restricted inputs breaking ties,
        the first in order after that."""
        best = None
        d = len(self.cases.inputs)
        for candidate in candidates:
            key = (self.score(old, candidate), d - candidate.restricted)
            if best is None or key > best[0]:
                best = (key, candidate)
        return None if best is None else (best[0][0], best[1])

    def _peel(self, trajectory: list[Step]) -> None:
        x, weight, alpha = self.cases.x, self.cases.weight, self.settings.peel_alpha
        while True:
            box = trajectory[-1]
            candidates = []
            for j in range(x.shape[1]):
                values, w = x[box.inside, j], weight[box.inside]
                for side, q in (("high", 1 - alpha), ("low", alpha)):
                    limit = quantile(values, w, q)
                    low, high = box.low.copy(), box.high.copy()
                    if side == "high":
                        high[j] = limit
                        inside = box.inside & (x[:, j] <= limit)
                    else:
                        low[j] = limit
                        inside = box.inside & (x[:, j] >= limit)
                    candidates.append(self.step(low, high, inside))
            best = self._best(box, candidates)
            if best is None:
                return
            score, new = best
            if not (new.mass >= self.settings.mass_min and new.mass < box.mass and score > 0):
                return
            trajectory.append(new)

    def _in(self, low: np.ndarray, high: np.ndarray) -> np.ndarray:
        x = self.cases.x
        return self.remaining & np.all((x >= low) & (x <= high), axis=1)

    def _paste(self, trajectory: list[Step]) -> None:
        weight, alpha = self.cases.weight, self.settings.paste_alpha
        while True:
            box = trajectory[-1]
            restricted = np.flatnonzero((box.low != self.range_low)
                                        | (box.high != self.range_high))
            candidates = []
            for j in restricted:
                for side in ("low", "high"):
                    low, high = box.low.copy(), box.high.copy()
                    if side == "low":
                        low[j], high[j] = self.range_low[j], box.low[j]
                    else:
                        low[j], high[j] = box.high[j], self.range_high[j]
                    region = self._in(low, high)
                    low, high = box.low.copy(), box.high.copy()
                    if side == "low":
                        low[j] = (quantile(self.cases.x[region, j], weight[region], 1 - alpha)
                                  if region.any() else self.range_low[j])
                    else:
                        high[j] = (quantile(self.cases.x[region, j], weight[region], alpha)
                                   if region.any() else self.range_high[j])
                    candidates.append(self.step(low, high, self._in(low, high)))
            best = self._best(box, candidates)
            if best is None:
                return
            score, new = best
            if not (new.mass >= self.settings.mass_min and new.mass > box.mass and score > 0
                    and new.density > box.density):
                return
            trajectory.append(new)

    def quasi_p(self, box: Step) -> list[tuple[float | None, float | None]]:
        """Per input, the quasi-p value of its lower and upper restriction: the chance of
        at least the box's cases of interest among its cases if the density were that of
        the box with the restriction removed (one-sided binomial test; over the cases the
        search started from)."""
        out = []
        for j in range(len(self.cases.inputs)):
            sides: list[float | None] = []
            for limits, unlimited in ((box.low, self.range_low), (box.high, self.range_high)):
                if limits[j] == unlimited[j]:
                    sides.append(None)
                    continue
                low, high = box.low.copy(), box.high.copy()
                (low if limits is box.low else high)[j] = unlimited[j]
                wider = self._in(low, high)
                p = self.cases.hits[wider].sum() / self.cases.weight[wider].sum()
                sides.append(float(binomtest(box.k, box.n, p, alternative="greater").pvalue))
            out.append((sides[0], sides[1]))
        return out


def trajectory(cases: Cases, settings: Settings = Settings(),
               remaining: np.ndarray | None = None) -> list[Step]:
    """PRIM's peeling and pasting trajectory over ``cases`` (or those in ``remaining``)."""
    settings.check()
    mask = np.ones(len(cases.hits), bool) if remaining is None else remaining
    return _Search(cases, mask, settings).run()


def balanced(steps: list[Step]) -> int:
    """The step with the best balance of coverage and density: the highest harmonic mean
    of the two (the F1 score, with density as precision and coverage as recall)."""
    scores = [2 * s.coverage * s.density / (s.coverage + s.density)
              if s.coverage + s.density else 0.0 for s in steps]
    return int(np.argmax(scores))


def find_boxes(cases: Cases, settings: Settings = Settings(), boxes: int = 2,
               choose: Any = balanced) -> list[Box]:
    """Up to ``boxes`` PRIM boxes: each searched among the cases the earlier boxes left
    out, the step on each trajectory picked by ``choose``, with quasi-p values and (if
    ``settings.resamples``) stability. Stops early when no peel improves the density."""
    settings.check()
    remaining = np.ones(len(cases.hits), bool)
    found: list[Box] = []
    for _ in range(boxes):
        if not cases.hits[remaining].any():
            break
        search = _Search(cases, remaining, settings)
        steps = search.run()
        if len(steps) == 1:
            break
        chosen = choose(steps)
        step = steps[chosen]
        limits = [Limit(name, float(step.low[j]), float(step.high[j]),
                        float(search.range_low[j]), float(search.range_high[j]), *qp)
                  for j, (name, qp) in enumerate(zip(cases.inputs, search.quasi_p(step),
                                                     strict=True))]
        box = Box(steps, chosen, limits, remaining.copy())
        if settings.resamples:
            box = replace(box, stability=stability(cases, box, settings, choose))
        found.append(box)
        remaining = remaining & ~step.inside
    return found


def stability(cases: Cases, box: Box, settings: Settings, choose: Any = balanced
              ) -> Stability:
    """Run PRIM again on ``settings.resamples`` random subsets (``resample_fraction`` of
    the cases the box was searched among, without replacement, seeded), pick each one's
    box by ``choose``, and compare it with ``box``."""
    rng = np.random.default_rng(settings.seed)
    rows = np.flatnonzero(box.searched)
    size = max(2, int(len(rows) * settings.resample_fraction))
    restricted = np.zeros(len(cases.inputs))
    overlap, limits = [], []
    for _ in range(settings.resamples):
        sample = cases.take(np.sort(rng.choice(rows, size=size, replace=False)))
        steps = _Search(sample, np.ones(size, bool), settings).run()
        picked = steps[choose(steps)]
        restricted += (picked.low != steps[0].low) | (picked.high != steps[0].high)
        inside = box.searched & np.all((cases.x >= picked.low) & (cases.x <= picked.high),
                                       axis=1)
        either = cases.weight[inside | box.step.inside].sum()
        overlap.append(float(cases.weight[inside & box.step.inside].sum() / either))
        limits.append(np.stack([picked.low, picked.high], axis=1))
    return Stability(settings.resamples, settings.resample_fraction,
                     restricted / settings.resamples, np.array(overlap), np.array(limits))


# --------------------------------------------------------------------------- the tree


@dataclass(frozen=True)
class Rule:
    """A leaf of the classification tree as conditions on the inputs."""

    conditions: list[tuple[str, float | None, float | None]]  # input, above, at most
    n: int
    k: int
    coverage: float
    density: float
    predicts: bool  # the tree calls the leaf's cases of interest

    def text(self) -> str:
        parts = []
        for name, above, at_most in self.conditions:
            if above is not None and at_most is not None:
                parts.append(f"{above:.3g} < {name} <= {at_most:.3g}")
            elif above is not None:
                parts.append(f"{name} > {above:.3g}")
            else:
                parts.append(f"{name} <= {at_most:.3g}")
        return " and ".join(parts) or "always"

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.text(), "conditions": [
            {"input": c[0], "above": c[1], "at_most": c[2]} for c in self.conditions],
            "n": self.n, "k": self.k, "coverage": self.coverage, "density": self.density,
            "predicts_of_interest": self.predicts}


@dataclass
class Tree:
    """A classification tree over the inputs (scikit-learn), and its leaves as rules, the
    densest first."""

    model: Any  # sklearn.tree.DecisionTreeClassifier
    depth: int
    min_leaf: float
    rules: list[Rule]

    def as_dict(self) -> dict[str, Any]:
        chosen = [r for r in self.rules if r.predicts]
        n, k = sum(r.n for r in chosen), sum(r.k for r in chosen)
        total = sum(r.k for r in self.rules)
        return {"max_depth": self.depth, "min_weight_fraction_leaf": self.min_leaf,
                "rules": [r.as_dict() for r in self.rules],
                "of_interest_leaves": {"coverage": k / total if total else 0.0,
                                       "density": k / n if n else 0.0, "n": n, "k": k}}


def classification_tree(cases: Cases, depth: int = 3, min_leaf: float = 0.05,
                        seed: int = 1) -> Tree:
    """Fit a CART tree of at most ``depth`` levels, each leaf holding at least ``min_leaf``
    of the cases' weight; a case with weight w and h hits counts as h cases of interest
    and w - h others."""
    positive, negative = cases.hits, cases.weight - cases.hits
    x = np.vstack([cases.x, cases.x])
    y = np.r_[np.ones(len(positive), int), np.zeros(len(negative), int)]
    w = np.r_[positive, negative].astype(float)
    keep = w > 0
    model = DecisionTreeClassifier(max_depth=depth, min_weight_fraction_leaf=min_leaf,
                                   random_state=seed)
    model.fit(x[keep], y[keep], sample_weight=w[keep])
    leaf = model.apply(cases.x)
    predicted = model.predict(cases.x)
    tree = model.tree_
    total = cases.hits.sum()
    rules = []
    for node, conditions in _leaf_paths(tree, cases.inputs):
        at = leaf == node
        n, k = int(cases.weight[at].sum()), int(cases.hits[at].sum())
        if n == 0:
            continue
        rules.append(Rule(conditions, n, k, k / total if total else 0.0, k / n,
                          bool(predicted[at][0] == 1)))
    rules.sort(key=lambda r: (-r.density, -r.n))
    return Tree(model, depth, min_leaf, rules)


def _leaf_paths(tree: Any, inputs: list[str]) -> list[tuple[int, list]]:
    """Each leaf of a fitted sklearn tree with its path's conditions, merged per input
    into (input, above, at most)."""
    out = []

    def walk(node: int, bounds: dict[int, list]) -> None:
        left, right = tree.children_left[node], tree.children_right[node]
        if left == right:  # a leaf
            out.append((node, [(inputs[j], b[0], b[1]) for j, b in sorted(bounds.items())]))
            return
        j, cut = int(tree.feature[node]), float(tree.threshold[node])
        old = bounds.get(j, [None, None])
        walk(left, {**bounds, j: [old[0], cut if old[1] is None else min(old[1], cut)]})
        walk(right, {**bounds, j: [cut if old[0] is None else max(old[0], cut), old[1]]})

    walk(0, {})
    return out


# --------------------------------------------------------------------------- discovery


@dataclass
class Discovery:
    """Scenario discovery over a sweep: what was of interest, the PRIM boxes, the tree."""

    source: str
    outcome: str
    per: str
    threshold: float | None
    cases: Cases
    settings: Settings
    boxes: list[Box]
    tree: Tree
    elapsed_s: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def of_interest(self) -> str:
        if self.per == "points":
            return f"P({self.outcome}) >= {self.threshold:g}"
        return f"ended in {self.outcome}"

    def as_dict(self) -> dict[str, Any]:
        c = self.cases
        n, k = int(c.weight.sum()), int(c.hits.sum())
        return {
            "results": self.source, "outcome": self.outcome, "cases": self.per,
            "threshold": self.threshold, "of_interest": self.of_interest,
            "n": n, "k": k, "base_density": k / n, "points": len(c.hits),
            "inputs": {name: [float(c.x[:, j].min()), float(c.x[:, j].max())]
                       for j, name in enumerate(c.inputs)},
            "settings": {"peel_alpha": self.settings.peel_alpha,
                         "paste_alpha": self.settings.paste_alpha,
                         "mass_min": self.settings.mass_min,
                         "objective": self.settings.objective,
                         "resamples": self.settings.resamples,
                         "resample_fraction": self.settings.resample_fraction,
                         "seed": self.settings.seed,
                         "chosen_box": "the step with the highest harmonic mean of coverage "
                                       "and density"},
            "boxes": [b.as_dict(c.inputs) for b in self.boxes],
            "tree": self.tree.as_dict(), "notes": self.notes,
            "elapsed_s": round(self.elapsed_s, 3)}

    def __str__(self) -> str:
        c = self.cases
        unit = "points" if self.per == "points" else "replicates"
        n, k = int(c.weight.sum()), int(c.hits.sum())
        s = self.settings
        cases = (f"{n:,} replicates at {len(c.hits):,} design points" if self.per ==
                 "replicates" else f"{n:,} design points")
        lines = [f"Scenario discovery in {self.source}: which inputs lead to {self.outcome}?",
                 f"{cases}; of interest ({self.of_interest}): {k:,} ({k / n:.1%})",
                 f"PRIM: peel_alpha {s.peel_alpha:g}, paste_alpha {s.paste_alpha:g}, mass_min "
                 f"{s.mass_min:g}, objective {s.objective}. The box chosen on each",
                 "trajectory has the best balance of coverage and density (their harmonic "
                 "mean)."]
        width = max(len(name) for name in c.inputs)
        for number, box in enumerate(self.boxes, 1):
            lines += ["", *self._box(number, box, unit, width)]
        if self.notes:
            lines += ["", *self.notes]
        t = self.tree.as_dict()["of_interest_leaves"]
        lines += ["", f"Classification tree (depth {self.tree.depth}, each leaf at least "
                  f"{self.tree.min_leaf:.0%} of the {unit}), leaves as rules, densest first:"]
        for rule in self.tree.rules:
            mark = "  <- of interest" if rule.predicts else ""
            lines.append(f"  {rule.density:5.1%} of {rule.n:,} {unit}: if {rule.text()}{mark}")
        lines.append(f"  the leaves the tree calls of interest together: coverage "
                     f"{t['coverage']:.3f}, density {t['density']:.3f}")
        lines.append(f"\nDiscovered in {self.elapsed_s:.1f} s.")
        return "\n".join(lines)

    def _box(self, number: int, box: Box, unit: str, width: int) -> list[str]:
        st, first = box.step, box.trajectory[0]
        total = int(self.cases.hits.sum())
        lines = [f"Box {number}: step {box.chosen} of {len(box.trajectory) - 1} on its "
                 "trajectory" + (f", searched among the {first.n:,} {unit} the boxes before "
                                 "leave out" if number > 1 else ""),
                 f"  coverage {st.coverage:.3f}: {st.k:,} of the {total:,} {unit} of interest "
                 "are in the box",
                 f"  density  {st.density:.3f}: {st.k:,} of the {st.n:,} {unit} in the box are "
                 f"of interest (of all searched: {first.density:.3f})",
                 f"  mass     {st.mass:.3f} of the {unit}"]
        if not box.restrictions:
            lines.append("  the box restricts no input: PRIM found no region where the cases "
                         "of interest concentrate")
        else:
            lines.append(f"  {'restricted':{width}s}  {'box':>17s}  {'range':>17s}  quasi-p")
        for lim in box.restrictions:
            qp = "  ".join(f"{side} {_p_value(value)}" for side, value in
                           (("low", lim.qp_low), ("high", lim.qp_high)) if value is not None)
            inside = f"{lim.low:.3g} – {lim.high:.3g}"
            whole = f"{lim.range_low:.3g} – {lim.range_high:.3g}"
            lines.append(f"  {lim.input:{width}s}  {inside:>17s}  {whole:>17s}  {qp}")
        free = [lim.input for lim in box.limits if not lim.restricted]
        if free and box.restrictions:
            lines.append(f"  unrestricted: {', '.join(free)}")
        if box.stability is not None:
            b = box.stability
            often = sorted((-share, name) for share, name in zip(b.restricted,
                                                                  self.cases.inputs,
                                                                  strict=True) if share)
            lines += [f"  stability: on {b.resamples} random halves of the design points searched, "
                      f"PRIM's boxes overlap this one by {np.mean(b.overlap):.2f}",
                      f"    on average (Jaccard; lowest {np.min(b.overlap):.2f}); they restrict "
                      "(share of the halves):",
                      "    " + (", ".join(f"{name} {-share:.0%}" for share, name in often)
                               if often else "no input")]
        lines.append("  trade-off: step  coverage  density  inputs restricted")
        lines += [f"           {i:5d}  {t.coverage:8.3f}  {t.density:7.3f}  {t.restricted:3d}"
                  + ("  <- the box" if i == box.chosen else "") for i, t in _milestones(box)]
        return lines


def _p_value(p: float) -> str:
    """A quasi-p value; those below the smallest float print as such, not as 0."""
    return f"{p:.1e}" if p > 0 else "<1e-300"


def _milestones(box: Box, count: int = 6) -> list[tuple[int, Step]]:
    """A few steps of the trajectory to print: evenly spaced, with the chosen one."""
    steps = box.trajectory
    picks = sorted({*np.linspace(0, len(steps) - 1, count).round().astype(int), box.chosen})
    return [(int(i), steps[i]) for i in picks]


# --------------------------------------------------------------------------- inputs


def _table(results: Any) -> tuple[Any, list[str], str]:
    """The points table, its inputs and a name for it, from a results directory, a
    :class:`~sim.experiment.SweepResult` or a DataFrame."""
    import json

    import pandas as pd

    if isinstance(results, pd.DataFrame):
        inputs = [c for c in results.columns if c not in ESTIMATE_COLUMNS
                  and not str(c).startswith(ESTIMATE_PREFIXES)
                  and not str(c).endswith(("_ci_low", "_ci_high"))]
        return results, inputs, "the points given"
    if hasattr(results, "experiment") and hasattr(results, "points"):
        return results.points, list(results.experiment.paths), (
            str(results.out) if results.out else f"the sweep {results.experiment.id}")
    directory = Path(results)
    if not directory.is_dir():
        raise InputError(f"{directory}: not a results directory; give one written by "
                         "`crisis-sim sweep EXPERIMENT --out DIR`")
    points = directory / "points.parquet"
    if not points.is_file():
        raise InputError(f"{directory}: no points.parquet; the sweep has not finished (run "
                         "it, or `crisis-sim sweep EXPERIMENT --out DIR --resume`)")
    try:
        inputs = json.loads((directory / "manifest.json").read_text())["factors"]
        table = pd.read_parquet(points)
    except (OSError, ValueError, KeyError) as err:
        raise InputError(f"{directory}: unreadable results ({err}); run the sweep again "
                         "with --force") from None
    return table, list(inputs), str(directory)


def load_cases(results: Any, outcome: str = "war", threshold: float | None = None,
               per: str = "points") -> tuple[Cases, str, list[str]]:
    """The cases of a sweep for ``outcome``, checked; returns them, the source's name and
    notes (inputs left out)."""
    if outcome not in OUTCOMES:
        raise InputError(f"--outcome {outcome}: not an outcome; allowed: {', '.join(OUTCOMES)}")
    if per not in CASES:
        raise InputError(f"--cases {per}: allowed: {', '.join(CASES)}")
    if per == "replicates" and threshold is not None:
        raise InputError("--threshold: applies to --cases points only; with --cases "
                         f"replicates a replicate is of interest when it ended in {outcome}")
    if threshold is not None and not (0 < threshold <= 1 and math.isfinite(threshold)):
        raise InputError(f"--threshold {threshold}: allowed: a probability above 0, at most 1")
    table, inputs, source = _table(results)
    column = f"p_{outcome}"
    missing = [name for name in [*inputs, column, "n"] if name not in table.columns]
    if missing:
        raise InputError(f"{source}: the points table has no column {', '.join(missing)}")
    numeric, notes = [], []
    for name in inputs:
        values = table[name]
        if values.dtype.kind not in "biuf":
            notes.append(f"left out: {name} (not a number: {values.iloc[0]!r})")
        elif values.nunique() < 2:
            notes.append(f"left out: {name} (one value only)")
        else:
            numeric.append(name)
    if not numeric:
        raise InputError(f"{source}: no input with more than one numeric value to discover "
                         "boxes over")
    if len(table) < MIN_CASES:
        raise InputError(f"{source}: {len(table)} design points; scenario discovery needs at "
                         f"least {MIN_CASES}")
    x = table[numeric].to_numpy(float)
    n = table["n"].to_numpy(np.int64)
    p = table[column].to_numpy(float)
    if per == "points":
        threshold = DEFAULT_THRESHOLD if threshold is None else threshold
        hits = (p >= threshold).astype(np.int64)
        weight = np.ones(len(p), np.int64)
        if not hits.any():
            raise InputError(f"--threshold {threshold:g}: no design point has P({outcome}) >= "
                             f"{threshold:g} (the highest is {p.max():.4f}); lower it")
        if hits.all():
            raise InputError(f"--threshold {threshold:g}: every design point has P({outcome}) "
                             f">= {threshold:g} (the lowest is {p.min():.4f}); raise it")
    else:
        hits = np.rint(p * n).astype(np.int64)  # the count of replicates, exactly
        weight = n
        if not hits.any():
            raise InputError(f"{source}: no replicate ended in {outcome}")
        if (hits == weight).all():
            raise InputError(f"{source}: every replicate ended in {outcome}")
    return Cases(numeric, x, hits, weight), source, notes


def discover(results: Any, outcome: str = "war", threshold: float | None = None, *,
             cases: str = "points", peel_alpha: float = 0.05, paste_alpha: float = 0.05,
             mass_min: float = 0.05, objective: str = "lenient1", boxes: int = 2,
             resamples: int = 20, tree_depth: int = 3, seed: int = 1) -> Discovery:
    """Scenario discovery over a sweep: PRIM boxes and a classification tree.

    ``results`` is a results directory (``crisis-sim sweep --out``), a
    :class:`~sim.experiment.SweepResult` or a points DataFrame. With ``cases="points"`` a
    design point is of interest when its P(``outcome``) is at least ``threshold`` (default
    0.024); with ``cases="replicates"`` each replicate is, when it ended in ``outcome``.
    """
    start = time.perf_counter()
    settings = Settings(peel_alpha, paste_alpha, mass_min, objective, resamples, seed=seed)
    settings.check()
    if boxes < 1 or tree_depth < 1:
        raise InputError(f"boxes ({boxes}) and tree_depth ({tree_depth}): allowed: 1 or more")
    found_cases, source, notes = load_cases(results, outcome, threshold, cases)
    found = find_boxes(found_cases, settings, boxes)
    if len(found) < boxes:
        left = np.ones(len(found_cases.hits), bool)
        for box in found:
            left &= ~box.step.inside
        notes.append(f"box {len(found) + 1}: none; " + (
            "no case of interest is left" if not found_cases.hits[left].any()
            else "no peel raises the density of the cases left"))
    tree = classification_tree(found_cases, tree_depth, mass_min, seed)
    used = (threshold if threshold is not None else DEFAULT_THRESHOLD) if cases == "points" \
        else None
    return Discovery(source, outcome, cases, used, found_cases, settings, found, tree,
                     time.perf_counter() - start, notes)
