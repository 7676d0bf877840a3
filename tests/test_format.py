"""The scenario format's newer fields (docs/scenario-format.md): validation in one pass,
uncertain event numbers, agreements, order within a day, claims and blame, dyad baselines
and several branch points."""

import re

import pytest

from sim import scenario
from sim.errors import InputError

from .conftest import MINIMAL

BASE = MINIMAL.format(policy_a="quantal_response", policy_b="quantal_response", initial="normal")


def problems(write, text):
    path = write(text)
    with pytest.raises(InputError) as err:
        scenario.load(path)
    for line in err.value.problems:
        assert line.startswith(str(path)) and "\n" not in line, line
    return err.value.problems


def has(lines, pattern):
    return any(re.search(pattern, line) for line in lines)


# -- validation in one pass -------------------------------------------------------------------

MISTAKES = BASE.replace('kind = "state"\npolicy = "quantal_response"\n\n[[actor]]\nid = "B"',
                        'kind = "state"\npolicy = "quantal_response"\ncolour = "red"\n\n'
                        '[[actor]]\nid = "B"', 1) + """
[[actor]]
id = "G"
name = "Great"
kind = "great_power"

[[dyad]]
actors = ["A", "G"]
rivalry = "high"

[[event]]
date = 2024-01-01
kind = "action"
actor = "A"
target = "B"
rung = "bombing"
"""


def test_structural_and_meaning_problems_are_reported_together(write):
    lines = problems(write, MISTAKES)
    assert has(lines, r"actor\[A\]\.colour: unknown key")
    assert has(lines, r"dyad\[A-G\]\.rivalry: got 'high'; allowed: a valid number")
    # these two appeared only once the structural problems above were fixed
    assert has(lines, r"dyad\[A-G\]\.actors\[1\]: 'G' is not a state in this scenario; "
                      r"allowed: A, B")
    assert has(lines, r"event\[0\]\.rung: expected a rung, got 'bombing'; allowed: ")
    assert len(lines) == 4, lines


def test_a_malformed_actor_is_not_reported_again_where_it_is_named(write):
    text = BASE.replace('name = "Belmar"\nkind = "state"', 'name = "Belmar"\nkind = "sate"') + \
        '\n[[event]]\ndate = 2024-01-01\nkind = "action"\nactor = "A"\ntarget = "B"\n' \
        'rung = "nuke"\n'
    lines = problems(write, text)
    assert has(lines, r"actor\[B\]\.kind: got 'sate'; allowed: 'state', 'mediator'")
    assert has(lines, r"event\[0\]\.rung: expected a rung, got 'nuke'")
    assert len(lines) == 2, lines  # not also "'B' is not a state"


def test_a_field_of_several_types_gives_one_line_saying_what_is_allowed(write):
    lines = problems(write, BASE.replace("horizon = 60", 'horizon = "sixty"'))
    assert len(lines) == 1
    assert lines[0].endswith(":6: scenario.horizon: got 'sixty'; allowed: a valid integer or a "
                             "valid date"), lines


def test_patterns_are_described_in_words(write):
    lines = problems(write, BASE.replace('id = "duel"', 'id = "Duel Two"'))
    assert has(lines, r"scenario\.id: got 'Duel Two'; allowed: lower_case_with_underscores")


def test_every_message_says_what_is_allowed(write):
    text = MISTAKES + """
[[actor]]
id = "M"
name = "M"
kind = "mediator"
policy = "dove"
host = "A"

[[actor]]
id = "A"
name = "again"
kind = "militant"

[[dyad]]
actors = ["B", "B"]

[[event]]
id = "x"
date = 2024-01-01
kind = "attack"
days = 3

[[event]]
id = "x"
date = 2024-01-01
kind = "mediation"
actor = "A"

[[event]]
date = 2024-01-01
kind = "front"
actor = "A"

[variant.Bad]
set = {}
"""
    lines = problems(write, text)
    assert len(lines) >= 10, lines
    for line in lines:
        assert "; allowed: " in line or line.endswith("this key is required"), line
