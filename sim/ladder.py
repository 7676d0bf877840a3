"""The escalation ladder: eight rungs from cooperation to war, and their codings.

Every other module names rungs through :class:`Rung`, never as bare numbers. Each rung
carries its coding in three event-data and conflict-data traditions, so simulated actions
can sit beside the Militarized Interstate Dispute data (Palmer et al.), CAMEO-coded event
data (Schrodt; GDELT, ICEWS) and the severity classes of the LLM-escalation literature
(Rivera et al. 2024, "Escalation Risks from Language Models in Military and Diplomatic
Decision-Making", the EscalAItion framework).

References
----------
Goldstein, J. S. (1992). A conflict-cooperation scale for WEIS events data. *Journal of
Conflict Resolution* 36(2): 369-385. Weights as distributed with GDELT
(``CAMEO.goldsteinscale.txt``).
Palmer, G. et al. (2022). The MID5 dataset, 2011-2014. *Conflict Management and Peace
Science* 39(4). Hostility levels 1-5 as in MID v4.3.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

MAX_STEP = 2
"""The most rungs an actor can climb or descend in one day."""


class Rung(IntEnum):
    """A rung of the escalation ladder; higher is more hostile."""

    COOPERATION = 0
    NORMAL = 1
    PROTEST = 2
    DOWNGRADE = 3
    POSTURE = 4
    LIMITED_STRIKE = 5
    CLASHES = 6
    WAR = 7

    @property
    def label(self) -> str:
        """The rung's name as prose: ``Rung.LIMITED_STRIKE.label == "limited strike"``."""
        return self.name.lower().replace("_", " ")

    @property
    def coding(self) -> Coding:
        return CODINGS[self]

    @classmethod
    def parse(cls, value: object) -> Rung:
        """A rung from its number (``5``) or name (``"limited_strike"``, ``"limited strike"``).

        Raises ``ValueError`` naming the allowed values.
        """
        if isinstance(value, bool):
            raise ValueError(f"expected a rung, got {value!r}; {ALLOWED}")
        if isinstance(value, int | np.integer) and 0 <= value <= 7:
            return cls(int(value))
        if isinstance(value, str):
            key = value.strip().upper().replace(" ", "_").replace("-", "_")
            if key in cls.__members__:
                return cls[key]
        raise ValueError(f"expected a rung, got {value!r}; {ALLOWED}")


ALLOWED = "allowed: " + ", ".join(f"{r.name.lower()} ({r.value})" for r in Rung)

FORCE = Rung.LIMITED_STRIKE
"""The lowest rung that uses military force (MID hostility level 4)."""

MILITARIZED = Rung.POSTURE
"""The lowest rung of a militarized dispute (a threat or display of force, MID level 2-3)."""


class Severity(IntEnum):
    """EscalAItion severity classes (Rivera et al. 2024), with their published weights."""

    DEESCALATION = -2
    STATUS_QUO = 0
    POSTURING = 4
    NONVIOLENT_ESCALATION = 12
    VIOLENT_ESCALATION = 28


@dataclass(frozen=True)
class Coding:
    """How one rung is coded in conflict and event data.

    ``mid_hostility`` is the MID hostility level a dispute reaching this rung is given
    (posture spans threats, 2, and displays, 3; it is coded 3 because alerts, drills and
    mobilisation are displays). ``cameo`` lists the CAMEO codes the rung stands for; the
    first is used for simulated actions, and ``goldstein`` is its Goldstein weight.
    """

    example: str
    mid_hostility: int
    cameo: tuple[str, ...]
    goldstein: float
    severity: Severity


CODINGS: dict[Rung, Coding] = {
    Rung.COOPERATION: Coding(
        "joint mechanisms, ministerial visits, security cooperation",
        1, ("064", "042", "057"), 7.0, Severity.DEESCALATION),
    Rung.NORMAL: Coding("ordinary relations", 1, (), 0.0, Severity.STATUS_QUO),
    Rung.PROTEST: Coding(
        "summon an envoy, condemn, accuse", 1, ("111", "112"), -2.0, Severity.POSTURING),
    Rung.DOWNGRADE: Coding(
        "recall or bar an ambassador, suspend visits", 1, ("161",), -4.0, Severity.POSTURING),
    Rung.POSTURE: Coding(
        "threaten force, alerts, drills, mobilisation", 3, ("150", "138", "152"), -7.2,
        Severity.NONVIOLENT_ESCALATION),
    Rung.LIMITED_STRIKE: Coding(
        "strike on militant sites in the other's territory", 4, ("195",), -10.0,
        Severity.VIOLENT_ESCALATION),
    Rung.CLASHES: Coding(
        "strikes on the other state's forces, border fighting", 4, ("194", "190", "193"),
        -10.0, Severity.VIOLENT_ESCALATION),
    Rung.WAR: Coding(
        "sustained combat between state forces", 5, ("190",), -10.0,
        Severity.VIOLENT_ESCALATION),
}

MID_HOSTILITY = np.array([CODINGS[r].mid_hostility for r in Rung], dtype=np.int8)
"""MID hostility level by rung, for indexing with arrays of rungs."""

GOLDSTEIN_BY_RUNG = np.array([CODINGS[r].goldstein for r in Rung])

MID_LEVELS = {1: "no militarized action", 2: "threat", 3: "display", 4: "use of force", 5: "war"}


def reachable(rung: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The lowest and highest rung reachable tomorrow from ``rung`` (arrays, elementwise).

    At most :data:`MAX_STEP` rungs a day in either direction, and war only from clashes:
    war is sustained combat, which starts where fighting already is.
    """
    rung = np.asarray(rung, dtype=np.int16)
    low = np.maximum(rung - MAX_STEP, Rung.COOPERATION)
    high = np.where(rung >= Rung.CLASHES, Rung.WAR, np.minimum(rung + MAX_STEP, Rung.CLASHES))
    return low, high


LOWEST, HIGHEST = (r.astype(np.int8) for r in reachable(np.arange(len(Rung))))
"""The lowest and highest rung reachable from each rung, for ``np.take`` with rung arrays."""


# Goldstein weights of the CAMEO codes this project codes events with: the 20 root codes
# and the codes of crisis-facts §4b, from the standard CAMEO -> Goldstein lookup
# (CAMEO.goldsteinscale.txt, as distributed with GDELT).
GOLDSTEIN: dict[str, float] = {
    "01": 0.0, "02": 3.0, "03": 4.0, "04": 1.0, "05": 3.5, "06": 6.0, "07": 7.0,
    "08": 5.0, "09": -2.0, "10": -5.0, "11": -2.0, "12": -4.0, "13": -6.0, "14": -6.5,
    "15": -7.2, "16": -4.0, "17": -7.0, "18": -9.0, "19": -10.0, "20": -10.0,
    "010": 0.0, "012": -0.4, "016": -2.0, "0256": -0.3, "026": 4.0, "027": 4.0, "028": 4.0,
    "036": 4.0, "038": 7.0, "039": 5.0, "041": 1.0, "042": 1.9, "043": 2.8, "044": 2.5,
    "045": 5.0, "046": 7.0, "057": 8.0, "062": 7.4, "064": 7.0, "0871": 9.0, "111": -2.0,
    "112": -2.0, "1123": -2.0, "130": -4.4, "138": -7.0, "1384": -7.0, "150": -7.2,
    "152": -7.2, "154": -7.2, "161": -4.0, "164": -7.0, "166": -7.0, "174": -5.0,
    "180": -9.0, "181": -9.0, "183": -10.0, "1831": -10.0, "186": -10.0, "190": -10.0,
    "193": -10.0, "194": -10.0, "195": -10.0, "196": -9.5, "204": -10.0, "2042": -10.0,
}


def goldstein(cameo: str) -> float:
    """The Goldstein weight of a CAMEO code, falling back to its root code's weight."""
    if cameo in GOLDSTEIN:
        return GOLDSTEIN[cameo]
    return GOLDSTEIN[cameo[:2]]
