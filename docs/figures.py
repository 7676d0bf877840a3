"""Draw the figures the README and docs/validation.md show.

    make figures        # or: .venv/bin/python docs/figures.py

Writes docs/figures/*.png from fresh runs (seed 1): the flagship's fan chart and outcome
bars, the Goldstein series of the backtest, the Sobol sensitivity of the flagship (a sweep of
about 50 s on 2 workers), and the scenario discovery of experiments/paths_to_war.toml (a sweep
of about 20 s).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from sim import analysis, api, discovery, experiment, plots

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "figures"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    flagship = api.run(ROOT / "scenarios" / "iran_pakistan_2024.toml", 10_000, 1, keep=1000)
    save(plots.fan(flagship.scenario, flagship.trajectories), "fan_chart.png")
    save(plots.outcomes(flagship.summary, flagship.scenario.title), "outcomes.png")
    backtest = analysis.backtest(analysis.DEFAULT_CASES, 10_000, 1)
    save(plots.backtest_goldstein(backtest), "goldstein.png")
    with tempfile.TemporaryDirectory() as tmp:
        sweep = experiment.sweep(ROOT / "experiments" / "sensitivity.toml", Path(tmp),
                                 workers=2)
    save(plots.sensitivity(sweep.sensitivity), "sensitivity.png")
    paths = experiment.sweep(ROOT / "experiments" / "paths_to_war.toml", workers=2)
    save(plots.discovery(discovery.discover(paths, threshold=0.1)), "discovery.png")  # docs/discovery.md


def save(figure, name: str) -> None:
    figure.savefig(OUT / name, dpi=110, bbox_inches="tight")
    print(f"wrote docs/figures/{name}")


if __name__ == "__main__":
    main()
