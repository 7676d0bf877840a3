import math

import numpy as np
import pytest

from sim.parameters import DISTRIBUTIONS, KINDS, MODEL, Distribution, Param, ParameterSet


@pytest.mark.parametrize("kind,args", [("uniform", (1.0, 0.0)), ("normal", (0.0, 0.0)),
                                       ("lognormal", (-1.0, 1.0)), ("beta", (0.0, 1.0)),
                                       ("triangular", (0.0, 2.0, 1.0)), ("uniform", (0.0,)),
                                       ("uniform", (0.0, math.inf)), ("gamma", (1.0, 1.0))])
def test_bad_distributions_are_refused(kind, args):
    with pytest.raises(ValueError):
        Distribution(kind, args)


@pytest.mark.parametrize("kind,args", [("uniform", (0.2, 0.8)), ("normal", (0.5, 0.1)),
                                       ("lognormal", (0.5, 0.3)), ("beta", (2.0, 3.0)),
                                       ("triangular", (0.1, 0.3, 0.9))])
def test_draws_are_clipped_to_the_parameter_range(kind, args):
    spec = Param(0.5, 0, 1, "share", "", "")
    drawn = spec.draw(Distribution(kind, args), np.random.default_rng(1), 10_000)
    assert drawn.shape == (10_000,)
    assert drawn.min() >= 0 and drawn.max() <= 1
    assert abs(np.median(drawn) - Distribution(kind, args).centre) < 0.1


def test_integer_parameters_are_rounded():
    spec = Param(3.0, 0, 10, "days", "", "", integer=True)
    drawn = spec.draw(Distribution("uniform", (1.0, 5.0)), np.random.default_rng(2), 1000)
    assert np.all(drawn == np.round(drawn))


def test_constants_stay_scalars():
    assert Param(1.0, 0, 2, "", "", "").draw(1.5, None, 100) == 1.5


@pytest.mark.parametrize("raw,message", [("abc", "expected a number"), (True, "expected a number"),
                                         (math.nan, "not a finite"), (5, "outside"),
                                         ({"uniform": [0, 5]}, "outside"),
                                         ({"uniform": [0, 1], "normal": [0, 1]}, "one key"),
                                         ({"uniform": ["a", 1]}, "list of numbers")])
def test_parse_explains_what_is_wrong(raw, message):
    with pytest.raises(ValueError, match=message):
        Param(0.5, 0, 1, "", "", "").parse(raw)


def test_every_parameter_is_documented_with_a_source_and_a_sane_default():
    tables = [*KINDS.values(), MODEL]
    from sim import policies
    tables += [policies.get(name).parameters for name in policies.names()]
    for table in tables:
        for name, spec in table.items():
            assert spec.meaning and spec.source and spec.unit, name
            default = spec.default
            if isinstance(default, Distribution):
                default = default.centre
            assert spec.low <= default <= spec.high, name


def test_parameter_set_keeps_only_live_replicates():
    params = ParameterSet(4, {"a": np.arange(4.0), "b": 2.0})
    params.keep(np.array([1, 3]))
    assert list(params["a"]) == [1.0, 3.0] and params["b"] == 2.0 and params.n == 2


def test_distribution_kinds_are_the_documented_ones():
    assert set(DISTRIBUTIONS) == {"uniform", "normal", "lognormal", "beta", "triangular"}
