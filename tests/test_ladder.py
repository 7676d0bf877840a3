import numpy as np
import pytest

from sim.ladder import (
    CODINGS,
    GOLDSTEIN,
    MAX_STEP,
    MID_HOSTILITY,
    Rung,
    Severity,
    goldstein,
    reachable,
)


def test_eight_rungs_in_order_with_codings():
    assert [r.value for r in Rung] == list(range(8))
    assert set(CODINGS) == set(Rung)
    assert Rung.LIMITED_STRIKE.label == "limited strike"


def test_codings_follow_the_design_table():
    assert CODINGS[Rung.PROTEST].cameo[0] == "111" and CODINGS[Rung.PROTEST].goldstein == -2.0
    assert CODINGS[Rung.DOWNGRADE].cameo == ("161",) and CODINGS[Rung.DOWNGRADE].goldstein == -4.0
    assert CODINGS[Rung.LIMITED_STRIKE].cameo == ("195",)
    assert CODINGS[Rung.WAR].mid_hostility == 5
    assert CODINGS[Rung.NORMAL].severity is Severity.STATUS_QUO
    assert Severity.VIOLENT_ESCALATION == 28 and Severity.DEESCALATION == -2


def test_codings_rise_with_the_ladder():
    assert list(MID_HOSTILITY) == sorted(MID_HOSTILITY)
    severities = [CODINGS[r].severity for r in Rung]
    assert severities == sorted(severities)
    weights = [CODINGS[r].goldstein for r in Rung]
    assert weights[1:] == sorted(weights[1:], reverse=True)


@pytest.mark.parametrize("text,rung", [("limited_strike", Rung.LIMITED_STRIKE),
                                       ("Limited strike", Rung.LIMITED_STRIKE),
                                       (7, Rung.WAR), ("normal", Rung.NORMAL)])
def test_parse_accepts_names_and_numbers(text, rung):
    assert Rung.parse(text) is rung


@pytest.mark.parametrize("bad", ["nuke", 8, -1, True, 2.5, None])
def test_parse_rejects_everything_else_naming_the_allowed(bad):
    with pytest.raises(ValueError, match="allowed: cooperation"):
        Rung.parse(bad)


def test_reachable_moves_at_most_two_rungs_and_war_only_from_clashes():
    low, high = reachable(np.arange(8))
    assert list(low) == [0, 0, 0, 1, 2, 3, 4, 5]
    assert list(high) == [2, 3, 4, 5, 6, 6, 7, 7]
    assert all(h - r <= MAX_STEP for r, h in enumerate(high))


def test_goldstein_falls_back_to_the_root_code():
    assert goldstein("195") == -10.0
    assert goldstein("0256") == -0.3
    assert goldstein("1955") == GOLDSTEIN["19"]
