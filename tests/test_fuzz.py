"""Property-based tests: mutated scenario and experiment files either load or fail with the
project's own one-line errors, never another exception; the command line turns them into
exit status 2."""

import copy
import datetime as dt
import math
import tomllib

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import experiment, scenario
from sim.cli import main
from sim.errors import InputError

from .conftest import FLAGSHIP

CASES = 2000
BASE_SCENARIO = tomllib.loads(FLAGSHIP.read_text())
BASE_EXPERIMENT = {
    "experiment": {"id": "fuzz", "scenario": str(FLAGSHIP), "replicates": 10, "seed": 1,
                   "design": "grid"},
    "parameters": {"actor.CHN.leverage": [0.0, 0.5], "actor.PAK.restraint": [1.0]},
}

scalars = st.one_of(
    st.integers(min_value=-10**12, max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, -1, 0, 1, 10**30, -1e-300, 0.5]),
    st.booleans(),
    st.text(max_size=20),
    st.sampled_from(["IRN", "PAK", "XXX", "limited_strike", "war", "grit", "os.system",
                     "2024-01-16", "", "nan", "actor.PAK.restraint", "../../etc/passwd"]),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=8)


def paths(doc, prefix=()):
    """Every (container, key) location in a document."""
    items = doc.items() if isinstance(doc, dict) else enumerate(doc)
    for key, value in items:
        yield (*prefix, key)
        if isinstance(value, dict | list):
            yield from paths(value, (*prefix, key))


def locate(doc, path):
    node = doc
    for key in path[:-1]:
        node = node[key]
    return node, path[-1]


def variant_mutations(doc):
    """Extra spots a fuzzer rarely reaches by chance: malformed variant tables."""
    return [("variant", "no_mediation", "set"), ("variant", "no_mediation", "drop_events"),
            ("variant", "no_retaliation", "set", "scenario.branch")]


@st.composite
def mutated(draw, base):
    doc = copy.deepcopy(base)
    if "variant" in doc and draw(st.integers(0, 9)) == 0:
        node, key = locate(doc, draw(st.sampled_from(variant_mutations(doc))))
        node[key] = draw(values)
    for _ in range(draw(st.integers(1, 3))):
        spots = list(paths(doc))
        if not spots:
            break
        node, key = locate(doc, draw(st.sampled_from(spots)))
        action = draw(st.sampled_from(["delete", "replace", "duplicate", "add", "rename"]))
        if action == "delete":
            del node[key]
        elif action == "replace":
            node[key] = draw(values)
        elif action == "duplicate" and isinstance(node, list):
            node.append(copy.deepcopy(node[key]))
        elif action == "add" and isinstance(node, dict):
            node[draw(st.text(min_size=1, max_size=12))] = draw(values)
        elif action == "rename" and isinstance(node, dict):
            node[draw(st.sampled_from(["id", "actor", "target", "date", "kind", "rung"]))] = \
                node.pop(key)
    return doc


def write(tmp_path, doc, name):
    path = tmp_path / name
    try:
        path.write_bytes(tomli_w.dumps(doc).encode())
    except (TypeError, ValueError):  # not expressible in TOML (e.g. a None): skip the case
        return None
    return path


def assert_loads_or_explains(load, path):
    try:
        load(path)
    except InputError as err:
        assert err.problems and all(
            isinstance(line, str) and line and "\n" not in line and "Traceback" not in line
            for line in err.problems), err.problems
        assert all(str(path) in line or line.startswith("--") for line in err.problems)


SETTINGS = settings(max_examples=CASES, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@SETTINGS
@given(doc=mutated(BASE_SCENARIO), how=st.sampled_from(["plain", "variant", "set"]))
def test_mutated_scenarios_load_or_fail_cleanly(tmp_path, doc, how):
    path = write(tmp_path, doc, "scenario.toml")
    if path is None:
        return
    if how == "variant":
        variants = doc.get("variant") if isinstance(doc.get("variant"), dict) else {}
        for name in list(variants)[:2] or ["no_mediation"]:
            assert_loads_or_explains(lambda p, name=name: scenario.load(p, variant=name), path)
    elif how == "set":
        assert_loads_or_explains(
            lambda p: scenario.load(p, sets={"actor.PAK.restraint": 0.5,
                                             "scenario.horizon": 30}), path)
    else:
        assert_loads_or_explains(scenario.load, path)


@SETTINGS
@given(doc=mutated(BASE_EXPERIMENT))
def test_mutated_experiments_load_or_fail_cleanly(tmp_path, doc):
    path = write(tmp_path, doc, "experiment.toml")
    if path is not None:
        assert_loads_or_explains(experiment.load, path)


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=300),
                      st.text(max_size=300).map(str.encode),
                      st.sampled_from([b"", b"\xff\xfe\x00", b"[scenario]\n" * 50,
                                       b"a = " + b"[" * 5000 + b"]" * 5000,
                                       b"x = {" * 3000,
                                       b"[[actor]]\n" * 10000])))
def test_arbitrary_bytes_are_refused_with_one_line(tmp_path, data, capsys):
    path = tmp_path / "random.toml"
    path.write_bytes(data)
    for kind in ("scenario", "experiment"):
        load = scenario.load if kind == "scenario" else experiment.load
        assert_loads_or_explains(load, path)
    status = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err and err.strip()


@settings(max_examples=200, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=mutated(BASE_SCENARIO))
def test_the_command_line_exits_2_with_one_line_per_problem(tmp_path, doc, capsys):
    path = write(tmp_path, doc, "cli.toml")
    if path is None:
        return
    status = main(["validate", str(path)])
    captured = capsys.readouterr()
    assert status in (0, 2)
    assert "Traceback" not in captured.err
    if status == 2:
        assert all(line.startswith(str(path)) or line.startswith(f"{path}:")
                   or line.startswith("--") for line in captured.err.strip().splitlines())


flags = st.lists(st.one_of(
    st.sampled_from(["--replicates", "--seed", "--horizon", "--branch", "--set", "--variant",
                     "--trace", "--precision", "--workers", "--json", "--max-replicates"]),
    st.sampled_from(["-1", "0", "abc", "1e9", "2024-13-45", "actor.PAK.restraint=abc",
                     "actor.XX.y=1", "nope", "5", "0.7", "", "actor.PAK.restraint=",
                     "scenario.branch=1900-01-01", "model.war_threshold=-5"])), max_size=6)


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=flags, target=st.sampled_from([str(FLAGSHIP), "missing.toml", ".", "/dev/null"]))
def test_bad_flags_exit_2_without_a_traceback(args, target, capsys):
    if "--replicates" in args or "--max-replicates" in args:
        pass  # numbers from the list are small or invalid
    argv = ["run", target, "--horizon", "10", "--replicates", "50", *args]
    try:
        status = main(argv)
    except SystemExit as exit_:
        status = exit_.code
    captured = capsys.readouterr()
    assert status in (0, 2), (argv, captured.err)
    assert "Traceback" not in captured.err
    if status == 2:
        assert len(captured.err.strip().splitlines()) >= 1


@pytest.mark.parametrize("text", ["", "\n", "# only a comment\n"])
def test_empty_files(tmp_path, text):
    path = tmp_path / "empty.toml"
    path.write_text(text)
    with pytest.raises(InputError, match="scenario: missing"):
        scenario.load(path)
