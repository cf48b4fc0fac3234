"""The declarative spec: unknown names are errors listing the allowed ones; the pipeline runs it."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from citykpi.errors import IndexComputationError, InputError, SpecError
from citykpi.index import build_index, parse_spec
from citykpi.index.spec import spec_to_dict


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        (
            {"steps": [{"step": "normalize"}]},
            r"unknown step name 'normalize'; allowed steps: denom",
        ),
        (
            {"steps": [{"step": "normalise", "methd": "minmax"}]},
            r"unknown parameter\(s\) \['methd'\]; allowed parameters: cap_max, ",
        ),
        ({"steps": [{"step": "normalise", "method": "minmaxx"}]}, "unknown method 'minmaxx'"),
        ({"steps": [{"step": "aggregate", "method": "median"}]}, "unknown method 'median'"),
        ({"steps": [{"step": "treat", "winmax": "five"}]}, "winmax"),
        ({"stepz": []}, r"Unknown spec key\(s\) \['stepz'\]"),
        ({"steps": []}, "non-empty list of steps"),
        (
            {"steps": [{"step": "treat", "indicators": {"a": {"winmx": 2}}}]},
            r"indicator 'a': unknown parameter\(s\) \['winmx'\]",
        ),
        (
            {"steps": [{"step": "aggregate", "weights": {"method": "pca", "lvl": 1}}]},
            r"weights: unknown parameter\(s\) \['lvl'\]",
        ),
        (
            {"steps": [{"step": "aggregate"}, {"step": "normalise"}]},
            "aggregate step must come after the normalise step",
        ),
    ],
)
def test_invalid_specs_are_clear_errors(raw: dict[str, object], match: str) -> None:
    with pytest.raises(SpecError, match=match):
        parse_spec(raw)


def test_spec_round_trips_through_a_dict() -> None:
    raw = {
        "name": "x",
        "steps": [{"step": "normalise", "method": "zscore"}, {"step": "aggregate"}],
    }
    assert spec_to_dict(parse_spec(raw)) == raw


META = pd.DataFrame(
    [
        {"Level": 1, "iCode": "a", "Direction": 1, "Weight": 1, "Parent": "I", "Type": "Indicator"},
        {
            "Level": 1,
            "iCode": "b",
            "Direction": -1,
            "Weight": 1,
            "Parent": "I",
            "Type": "Indicator",
        },
        {
            "Level": 2,
            "iCode": "I",
            "Direction": 1,
            "Weight": 1,
            "Parent": None,
            "Type": "Aggregate",
        },
    ]
)
DATA = pd.DataFrame({"uCode": ["Z", "Y", "X"], "a": [1.0, 2.0, 3.0], "b": [30.0, 20.0, 10.0]})


def test_build_index_on_a_tiny_example() -> None:
    spec = {"steps": [{"step": "normalise", "method": "minmax"}, {"step": "aggregate"}]}
    result = build_index(DATA, META, spec)
    assert result.units == ("X", "Y", "Z")  # sorted by uCode, as COINr
    pd.testing.assert_frame_equal(
        result.scores,
        pd.DataFrame(
            {"a": [100.0, 50.0, 0.0], "b": [100.0, 50.0, 0.0], "I": [100.0, 50.0, 0.0]},
            index=pd.Index(["X", "Y", "Z"], name="uCode"),
        ),
    )
    assert result.ranks["I"].tolist() == [1.0, 2.0, 3.0]
    assert [r.step for r in result.log] == ["normalise", "aggregate"]


def test_pipeline_errors_name_the_problem() -> None:
    with pytest.raises(InputError, match="no 'uCode' column"):
        build_index(DATA.drop(columns="uCode"), META, {"steps": [{"step": "normalise"}]})
    with pytest.raises(SpecError, match=r"no column for the indicator\(s\) \['b'\]"):
        build_index(DATA.drop(columns="b"), META, {"steps": [{"step": "normalise"}]})
    flat = DATA.assign(a=1.0)
    with pytest.raises(IndexComputationError, match="'a' has the same value"):
        build_index(flat, META, {"steps": [{"step": "normalise"}]})
    spec = {"steps": [{"step": "normalise"}, {"step": "aggregate", "method": "gmean"}]}
    with pytest.raises(IndexComputationError, match=r"geometric mean.*'a' is 0 for unit 'Z'"):
        build_index(DATA, META, spec)
    with pytest.raises(SpecError, match="needs 'group'"):
        build_index(DATA, META, {"steps": [{"step": "impute", "method": "mean_group"}]})


def test_weights_options_in_the_spec() -> None:
    data = DATA.assign(a=[1.0, 2.0, 4.0])
    custom = {"steps": [{"step": "normalise"}, {"step": "aggregate", "weights": {"a": 3.0}}]}
    result = build_index(data, META, custom)
    # X: a = 100, b = 100; Y: a = 100/3, b = 50 -> (3 * 100/3 + 50) / 4
    assert result.scores.loc["Y", "I"] == pytest.approx((100 + 50) / 4)
    assert result.weights["a"] == 3.0
    pca = {
        "steps": [
            {"step": "normalise"},
            {"step": "aggregate", "weights": {"method": "pca", "level": 1}},
        ]
    }
    result = build_index(data, META, pca)
    assert result.weights["a"] == pytest.approx(result.weights["b"])  # corr 1 -> equal loadings
    assert not math.isnan(float(np.sum(result.scores["I"])))


def test_coinr_names_are_accepted_as_aliases() -> None:
    coinr = parse_spec(
        {
            "steps": [
                {"step": "impute", "f_i": "i_mean_grp", "use_group": "EurAsia_group"},
                {"step": "normalise", "f_n": "n_minmax", "l_u": [1, 100]},
                {"step": "aggregate", "f_ag": ["a_gmean", "a_amean", "a_amean"]},
            ]
        }
    )
    ours = parse_spec(
        {
            "steps": [
                {"step": "impute", "method": "mean_group", "group": "EurAsia_group"},
                {"step": "normalise", "method": "minmax", "lower": 1, "upper": 100},
                {"step": "aggregate", "method": ["gmean", "amean", "amean"]},
            ]
        }
    )
    assert coinr == ours
    with pytest.raises(SpecError, match="gives both 'f_n' \\(COINr's name\\) and 'method'"):
        parse_spec({"steps": [{"step": "normalise", "f_n": "n_zscore", "method": "zscore"}]})
