import re
from datetime import date

import pytest

from sim import scenario
from sim.errors import InputError
from sim.ladder import Rung
from sim.parameters import Distribution

from .conftest import FLAGSHIP, GENERIC, MINIMAL

BASE = MINIMAL.format(policy_a="quantal_response", policy_b="quantal_response", initial="normal")


def problems(write, text):
    path = write(text)
    with pytest.raises(InputError) as err:
        scenario.load(path)
    lines = err.value.problems
    for line in lines:  # every problem names the file
        assert line.startswith(str(path)), line
        assert "\n" not in line
    return lines


def one(write, text, pattern):
    lines = problems(write, text)
    assert any(re.search(pattern, line) for line in lines), lines
    return lines


# -- the flagship -----------------------------------------------------------------------------

def test_flagship_has_the_2024_actors_and_dates(flagship):
    ids = {a.id: a.kind for a in flagship.actors}
    assert ids == {"IRN": "state", "PAK": "state", "CHN": "mediator", "USA": "great_power",
                   "JAA": "militant", "BLA": "militant", "BLF": "militant", "ISKP": "militant"}
    assert flagship.branch == date(2024, 1, 16)
    assert flagship.horizon == 90
    assert flagship.focus == ("IRN", "PAK")


def test_flagship_events_are_the_documented_ones_each_with_a_source(flagship):
    dated = {(e.date, e.kind, e.actor) for e in flagship.events}
    expected = [(date(2023, 12, 15), "attack", "JAA"), (date(2024, 1, 3), "attack", "ISKP"),
                (date(2024, 1, 16), "action", "IRN"), (date(2024, 1, 17), "action", "PAK"),
                (date(2024, 1, 18), "action", "PAK"), (date(2024, 1, 19), "action", "PAK"),
                (date(2024, 1, 22), "action", "IRN"), (date(2024, 1, 27), "attack", None),
                (date(2024, 1, 29), "action", "IRN"), (date(2024, 2, 8), "election", "PAK")]
    for item in expected:
        assert item in dated
    assert all(e.source for e in flagship.events)
    strike = next(e for e in flagship.events if e.id == "iran_strike")
    assert strike.rung is Rung.LIMITED_STRIKE and strike.deaths == 2 and strike.cameo == "195"


def test_flagship_variants_load(flagship):
    assert {"no_mediation", "no_militant_attacks", "no_retaliation"} <= set(flagship.variants)
    quiet = scenario.load(FLAGSHIP, variant="no_militant_attacks")
    assert not any(e.id == "saravan_killings" for e in quiet.events)
    assert quiet.actor("BLA").parameters["attack_rate"] == {"PAK": 0.0}
    later = scenario.load(FLAGSHIP, variant="no_retaliation")
    assert later.branch == date(2024, 1, 18)
    assert not any(e.id == "pakistan_strike" for e in later.events)


def test_generic_rivalry_loads():
    generic = scenario.load(GENERIC)
    assert generic.horizon == 365 and generic.branch == generic.start


def test_overrides_reach_every_kind_of_parameter(flagship):
    changed = flagship.override({"actor.PAK.hawkishness": 1.5, "actor.CHN.leverage.PAK": 0.9,
                                 "model.war_threshold": 500, "actor.PAK.policy": "grit",
                                 "dyad.IRN-PAK.rivalry": 1.0,
                                 "dyad.IRN-PAK.contiguity": "water",
                                 "dyad.IRN-PAK.issue": "territory",
                                 "actor.PAK.major_power": True,
                                 "actor.IRN.restraint": {"uniform": [1, 2]}},
                                horizon=30)
    assert changed.actor("PAK").parameters["hawkishness"] == 1.5
    assert changed.actor("CHN").parameters["leverage"] == {"IRN": 0.3, "PAK": 0.9}
    assert changed.model_parameters["war_threshold"] == 500
    assert changed.actor("PAK").policy == "grit"
    assert changed.dyads[0].rivalry == 1.0
    assert changed.dyads[0].distant and changed.dyads[0].territorial
    assert changed.actor("PAK").parameters["major_power"] == 1  # a flag, stored as a number
    assert changed.actor("IRN").parameters["restraint"] == Distribution("uniform", (1.0, 2.0))
    assert changed.horizon == 30
    assert flagship.actor("PAK").parameters.get("hawkishness") is None  # the original is untouched


@pytest.mark.parametrize("text,value", [("actor.PAK.restraint=0.8", 0.8),
                                        ("actor.PAK.policy=grit", "grit"),
                                        ("scenario.branch=2024-01-18", date(2024, 1, 18)),
                                        ("actor.PAK.nuclear=false", False),
                                        ("actor.PAK.restraint={uniform=[1,2]}",
                                         {"uniform": [1, 2]})])
def test_parse_set_reads_toml_values(text, value):
    assert scenario.parse_set(text)[1] == value


# -- every kind of invalid scenario -----------------------------------------------------------

def test_unknown_keys_are_errors_with_their_line(write):
    lines = one(write, BASE.replace('policy = "quantal_response"\n\n[[actor]]',
                                    'polcy = "dove"\n\n[[actor]]', 1),
                r":12: actor\[A\]\.polcy: unknown key; allowed: .*policy")
    assert len(lines) == 1


def test_unknown_parameter_names_the_allowed_ones(write):
    one(write, BASE + '\n[[actor]]\nid = "M"\nname = "M"\nkind = "mediator"\n'
        'parameters = { leverag = 0.5 }\n',
        r"actor\[M\]\.parameters\.leverag: unknown parameter; allowed: .*leverage")


def test_probability_outside_zero_one(write):
    one(write, BASE + '\n[[actor]]\nid = "M"\nname = "M"\nkind = "mediator"\n'
        'parameters = { leverage = { A = 1.5 } }\n',
        r":\d+: actor\[M\]\.parameters\.leverage\.A: 1\.5 is outside \[0, 1\]")


def test_event_naming_an_unknown_actor(write):
    one(write, BASE + '\n[[event]]\ndate = 2024-01-05\nkind = "action"\nactor = "C"\n'
        'target = "B"\nrung = "protest"\n', r":\d+: event\[0\]\.actor: unknown actor 'C'")


def test_event_dated_outside_the_scenario(write):
    one(write, BASE + '\n[[event]]\ndate = 2023-06-01\nkind = "election"\nactor = "A"\n',
        r":\d+: event\[0\]\.date: 2023-06-01 is outside the scenario; allowed: 2024-01-01 to")


def test_branch_after_the_horizon(write):
    one(write, BASE.replace("horizon = 60", "horizon = 2023-12-01"),
        r"scenario\.horizon: the branch 2024-01-01 is not before the horizon 2023-12-01")


def test_branch_before_the_start(write):
    one(write, BASE.replace("branch = 2024-01-01", "branch = 2023-12-01"),
        r":5: scenario\.branch: 2023-12-01 is before the start")


def test_policy_named_like_a_module_path_is_rejected(write):
    one(write, BASE.replace('policy = "quantal_response"', 'policy = "os.system"', 1),
        r"actor\[A\]\.policy: unknown policy 'os.system'; allowed: dove, grit")


def test_duplicate_ids(write):
    one(write, BASE.replace('id = "B"', 'id = "A"'), r"duplicate actor id 'A'")


def test_wrong_types(write):
    one(write, BASE.replace("horizon = 60", 'horizon = "sixty"'), r"scenario\.horizon: .*'sixty'")


def test_missing_required_key(write):
    one(write, BASE.replace('title = "Two states"\n', ""), r"scenario\.title: missing")


def test_action_between_states_without_a_dyad(write):
    text = BASE + '\n[[actor]]\nid = "C"\nname = "C"\nkind = "state"\n' \
        '\n[[event]]\ndate = 2024-01-02\nkind = "action"\nactor = "A"\ntarget = "C"\nrung = 2\n'
    one(write, text, r"event\[0\]\.target: A and C form no dyad")


def test_every_problem_is_reported_at_once(write):
    text = BASE + '\n[[event]]\ndate = 2023-06-01\nkind = "action"\nactor = "A"\n' \
        'target = "Z"\nrung = "nuke"\n'
    lines = problems(write, text)
    assert len(lines) == 3


def test_variant_errors_name_the_variant(write):
    one(write, BASE + '\n[variant.odd]\nset = { "actor.A.restraint" = -3 }\n',
        r"variant\.odd\.set\.actor\.A\.restraint: .*outside")
    one(write, BASE + '\n[variant.gone]\ndrop_events = ["nothing"]\n',
        r"variant\.gone\.drop_events: no event with id 'nothing'")


@pytest.mark.parametrize("content,pattern", [
    (b"\xff\xfe\x00", "not UTF-8"), (b"[scenario\nid=1", r":1: not valid TOML"),
    (b"", r"scenario: missing"), (b"x = nan\n" + BASE.encode(), r"unknown key")])
def test_unreadable_files(tmp_path, content, pattern):
    path = tmp_path / "bad.toml"
    path.write_bytes(content)
    with pytest.raises(InputError, match=pattern):
        scenario.load(path)


def test_huge_file_is_refused(tmp_path):
    path = tmp_path / "huge.toml"
    path.write_text(BASE + "# " + "x" * scenario.MAX_BYTES)
    with pytest.raises(InputError, match="allowed: at most"):
        scenario.load(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        scenario.load(tmp_path / "nothing.toml")
    with pytest.raises(InputError, match="is a directory"):
        scenario.load(tmp_path)


@pytest.mark.parametrize("key,message", [
    ("actor.XX.restraint", "no actor 'XX'"), ("actor.PAK.hawk", "has no parameter 'hawk'"),
    ("model.nothing", "unknown model parameter"), ("weather.today", "unknown path"),
    ("actor.PAK.restraint.IRN", "not held toward a party"), ("dyad.A-Z.rivalry", "no dyad")])
def test_bad_override_paths(flagship, key, message):
    with pytest.raises(InputError, match=message):
        flagship.override({key: 1})


def test_bad_override_values_name_the_flag(flagship):
    with pytest.raises(InputError, match=r"--set actor\.PAK\.restraint=abc: .*expected a number"):
        flagship.override({"actor.PAK.restraint": "abc"})
    with pytest.raises(InputError, match=r"--variant nope: no such variant"):
        flagship.override(variant="nope")
