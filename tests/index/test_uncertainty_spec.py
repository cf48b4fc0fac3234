"""Parsing the uncertainty spec and mapping uniform numbers to parameter values."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from citykpi.errors import SpecError
from citykpi.index.uncertainty_spec import (
    default_uncertainty,
    noise_multipliers,
    noisy_weight_sets,
    parse_uncertainty_spec,
)

COINR_GUIDE = """
inputs:
  - name: winmax
    address: treat.winmax
    values: [1, 2, 3, 4, 5]
  - name: normalisation
    address: normalise
    values:
      - {method: minmax, lower: 1, upper: 100}
      - {method: zscore, mean: 10, sd: 2}
  - name: weights
    type: noisy_weights
    noise: {2: 0.25, 3: 0.25}
    sets: 100
  - name: aggregation
    address: aggregate.method
    values: [amean, gmean]
  - name: upper
    type: continuous
    address: normalise.upper
    uniform: [90, 110]
  - name: drop
    type: exclude
    codes: [LPI, Flights]
"""


def test_parse_the_coinr_guide() -> None:
    spec = parse_uncertainty_spec(yaml.safe_load(COINR_GUIDE))
    assert spec.names == ("winmax", "normalisation", "weights", "aggregation", "upper", "drop")
    kinds = [i.kind for i in spec.inputs]
    assert kinds == ["discrete", "discrete", "noisy_weights", "discrete", "continuous", "exclude"]
    assert [i.n_alternatives for i in spec.inputs] == [5, 2, 100, 2, 0, 3]
    assert spec.inputs[2].noise == {2: 0.25, 3: 0.25}
    assert spec.inputs[5].values == ("", "LPI", "Flights")


@pytest.mark.parametrize(
    ("u", "expected"),
    [
        (
            [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            {
                "winmax": 1,
                "normalisation": {"method": "minmax", "lower": 1, "upper": 100},
                "weights": 0,
                "aggregation": "amean",
                "upper": 90.0,
                "drop": "",
            },
        ),
        (
            [0.99, 0.5, 0.999, 0.49, 0.25, 0.7],
            {
                "winmax": 5,
                "normalisation": {"method": "zscore", "mean": 10, "sd": 2},
                "weights": 99,
                "aggregation": "amean",
                "upper": 95.0,
                "drop": "Flights",
            },
        ),
        (
            [0.2, 0.1, 0.015, 0.5, 0.5, 0.34],
            {
                "winmax": 2,
                "normalisation": {"method": "minmax", "lower": 1, "upper": 100},
                "weights": 1,
                "aggregation": "gmean",
                "upper": 100.0,
                "drop": "LPI",
            },
        ),
    ],
)
def test_draw_maps_uniforms_to_values(u: list[float], expected: dict[str, object]) -> None:
    spec = parse_uncertainty_spec(yaml.safe_load(COINR_GUIDE))
    assert spec.draw(u) == expected


@pytest.mark.parametrize(
    ("doc", "match"),
    [
        ({"inputs": []}, "'inputs' must be a non-empty list"),
        ([1, 2], "must be a mapping with one key 'inputs'; got list"),
        ({"inputs": [{"name": "a"}], "seed": 1}, r"unknown keys \['seed'\]"),
        ({"inputs": [{"address": "treat.winmax", "values": [1]}]}, "needs a 'name'"),
        ({"inputs": [{"name": "a", "type": "gauss"}]}, "unknown type 'gauss'"),
        (
            {"inputs": [{"name": "a", "address": "treat.winmax", "valeus": [1]}]},
            r"unknown key\(s\) \['valeus'\]",
        ),
        ({"inputs": [{"name": "a", "address": "treat.winmax"}]}, "'values' must be a non-empty"),
        (
            {"inputs": [{"name": "a", "address": "a.b.c", "values": [1]}]},
            "address 'a.b.c' must be 'step' or 'step.parameter'",
        ),
        (
            {"inputs": [{"name": "a", "address": "normalise", "values": ["minmax"]}]},
            "names a whole step, so each value must be a mapping",
        ),
        (
            {"inputs": [{"name": "a", "type": "continuous", "address": "x.y", "uniform": [2, 1]}]},
            r"'uniform' must be \[low, high\] with low < high; got \[2, 1\]",
        ),
        (
            {"inputs": [{"name": "w", "type": "noisy_weights", "noise": {"two": 0.25}}]},
            "noise level 'two' must be a level number",
        ),
        (
            {"inputs": [{"name": "w", "type": "noisy_weights", "noise": {2: 1.5}}]},
            "noise factor 1.5 of level 2 must be within",
        ),
        (
            {
                "inputs": [
                    {"name": "a", "address": "treat.winmax", "values": [1]},
                    {"name": "a", "address": "treat.winmax", "values": [2]},
                ]
            },
            r"repeated: \['a'\]",
        ),
    ],
)
def test_bad_specs_are_errors(doc: object, match: str) -> None:
    with pytest.raises(SpecError, match=match):
        parse_uncertainty_spec(doc)


def test_noisy_weight_sets_stay_within_the_noise_band() -> None:
    w = np.array([1.0, 2.0, 1.0, 1.0, 1.0])
    levels = [1, 1, 2, 2, 3]
    sets = noisy_weight_sets(w, levels, {2: 0.25}, sets=500, seed=4)
    assert sets.shape == (500, 5)
    np.testing.assert_array_equal(sets[:, [0, 1, 4]], np.tile(w[[0, 1, 4]], (500, 1)))
    assert sets[:, 2:4].min() >= 0.75
    assert sets[:, 2:4].max() <= 1.25
    np.testing.assert_array_equal(sets, noisy_weight_sets(w, levels, {2: 0.25}, sets=500, seed=4))


def test_noisy_weights_unknown_level() -> None:
    with pytest.raises(SpecError, match=r"level\(s\) \[5\], which the index does not have"):
        noisy_weight_sets(np.ones(2), [1, 2], {5: 0.1}, sets=2, seed=0)


def test_noisy_weights_are_weights_times_multipliers() -> None:
    w = np.array([2.0, 1.0, 1.0])
    m = noise_multipliers([1, 2, 3], {2: 0.25, 3: 0.1}, sets=50, seed=6)
    np.testing.assert_array_equal(m[:, 0], np.ones(50))
    assert np.abs(m[:, 1] - 1).max() <= 0.25
    assert np.abs(m[:, 2] - 1).max() <= 0.1
    np.testing.assert_allclose(
        noisy_weight_sets(w, [1, 2, 3], {2: 0.25, 3: 0.1}, sets=50, seed=6), w * m, rtol=1e-15
    )


@pytest.mark.parametrize(("n_levels", "levels"), [(4, [2, 3]), (5, [2, 3, 4]), (2, [2])])
def test_default_uncertainty_perturbs_weights_below_the_index(
    n_levels: int, levels: list[int]
) -> None:
    spec = default_uncertainty(n_levels)
    assert spec.names == ("weights",)
    (inp,) = spec.inputs
    assert (inp.kind, inp.sets) == ("noisy_weights", 100)
    assert inp.noise == dict.fromkeys(levels, 0.25)
