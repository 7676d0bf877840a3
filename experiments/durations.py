"""How long simulated disputes of force last, split by whether force was answered, beside
MID 5.0: the diagnostic behind docs/validation.md's "crisis fatigue" section.

Every post-1945 MID dispute is simulated twice at one parameter set — the shipped
posterior's medians, with any ``PATH=VALUE`` given on the command line on top:

    .venv/bin/python experiments/durations.py                       # as shipped
    .venv/bin/python experiments/durations.py model.crisis_fatigue=1
"""

import sys

import numpy as np
import pandas as pd

from sim import calibration, posterior, record

ROWS = ("one-sided force", "reciprocated force")


def table(frame: pd.DataFrame) -> pd.DataFrame:
    force = frame[frame["hostlev"] >= 4]
    out = force.groupby(force["reciprocated"].astype(bool))["duration"].describe(
        percentiles=[0.25, 0.5, 0.75])[["count", "25%", "50%", "75%"]]
    out.index = [ROWS[int(i)] for i in out.index]
    out.loc["one-day share of force"] = [len(force), np.nan, (force["duration"] <= 1).mean(),
                                         np.nan]
    return out


def main(argv: list[str]) -> None:
    settings, _ = calibration.load("experiments/calibration.toml")
    disputes = calibration.fitted(settings, record.disputes())
    shipped = posterior.read(posterior.SHIPPED)
    medians = np.median(shipped.draws, axis=0)
    point = {path: float(medians[shipped.paths.index(path)]) for path in settings.paths}
    for item in argv:
        path, value = item.split("=", 1)
        point[path] = float(value)
    paths = list(point)
    simulated = calibration.simulate_points(disputes, np.array([[point[p] for p in paths]]),
                                            paths, np.random.SeedSequence(5), replicates=2)
    print("MID 5.0\n", table(disputes.assign(reciprocated=disputes["reciprocated"] == 1))
          .round(2).to_string(), sep="")
    print("\nsimulated (" + (", ".join(argv) or "as shipped") + ")\n",
          table(simulated).round(2).to_string(), sep="")


if __name__ == "__main__":
    main(sys.argv[1:])
