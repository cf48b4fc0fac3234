"""Monte Carlo uncertainty analysis: batching, replay, determinism, errors."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from citykpi.errors import SpecError
from citykpi.index import Hierarchy, Node, aggregate, build_index, make_hierarchy
from citykpi.index import uncertainty as ua_mod
from citykpi.index.uncertainty import UncertaintyAnalysis, UncertaintyResult, effective_weights
from citykpi.index.uncertainty_spec import parse_uncertainty_spec

F01 = {
    "steps": [
        {"step": "denominate"},
        {"step": "impute", "method": "mean_group", "group": "EurAsia_group"},
        {"step": "screen", "dat_thresh": 0.9},
        {"step": "treat", "winmax": 5},
        {"step": "normalise", "method": "minmax", "lower": 0, "upper": 100},
        {"step": "aggregate", "method": "amean"},
    ]
}
GUIDE = """
inputs:
  - {name: winmax, address: treat.winmax, values: [1, 2, 3, 4, 5]}
  - name: normalisation
    address: normalise
    values: [{method: minmax, lower: 1, upper: 100}, {method: zscore, mean: 10, sd: 2}]
  - {name: weights, type: noisy_weights, noise: {2: 0.25, 3: 0.25}, sets: 100}
  - {name: aggregation, address: aggregate.method, values: [amean, gmean]}
"""


def _small() -> tuple[pd.DataFrame, Hierarchy]:
    nodes = [
        Node("A", "A", 1, "P", 1.0),
        Node("B", "B", 1, "P", 1.0),
        Node("C", "C", 1, "Q", 1.0, direction=-1),
        Node("D", "D", 1, "Q", 1.0),
        Node("P", "P", 2, "I", 1.0),
        Node("Q", "Q", 2, "I", 1.0),
        Node("I", "I", 3, None, 1.0),
    ]
    data = pd.DataFrame(
        {
            "uCode": ["u1", "u2", "u3"],
            "A": [0.0, 5.0, 10.0],
            "B": [10.0, 0.0, 5.0],
            "C": [1.0, 3.0, 2.0],
            "D": [4.0, 8.0, 6.0],
        }
    )
    return data, make_hierarchy(nodes)


SMALL_SPEC = {
    "steps": [
        {"step": "normalise", "method": "minmax", "lower": 0, "upper": 100},
        {"step": "aggregate"},
    ]
}


def test_rank_stats_by_hand() -> None:
    ranks = np.array([[1.0, 2.0], [2.0, 1.0], [1.0, 2.0], [1.0, 3.0]])
    res = UncertaintyResult(
        units=("x", "y"),
        target="I",
        nominal_scores=np.array([9.0, 8.0]),
        nominal_ranks=np.array([1.0, 2.0]),
        scores=-ranks,
        ranks=ranks,
        draws=({"a": 1}, {"a": 2}, {"a": 1}, {"a": 1}),
        names=("a",),
    )
    # x: 1,2,1,1 -> mean 1.25, median 1, q5 = 1, q95 = 1 + 0.85 * (2 - 1) (type 7: h = 2.85)
    expected = pd.DataFrame(
        {
            "unit": ["x", "y"],
            "nominal": [1.0, 2.0],
            "mean": [1.25, 2.0],
            "median": [1.0, 2.0],
            "q5": [1.0, 1.15],
            "q95": [1.85, 2.85],
        }
    )
    pd.testing.assert_frame_equal(res.rank_stats(), expected)
    assert list(res.score_stats()["nominal"]) == [9.0, 8.0]
    assert res.replications().to_dict("list") == {
        "replication": [1, 2, 3, 4],
        "a": ["1", "2", "1", "1"],
    }


def test_exclusion_scores_by_hand() -> None:
    data, h = _small()
    spec = parse_uncertainty_spec(
        {"inputs": [{"name": "drop", "type": "exclude", "codes": ["A", "C"]}]}
    )
    a = UncertaintyAnalysis(data, h, SMALL_SPEC, spec)
    # min-max: A -> 0, 50, 100; B -> 100, 0, 50; C (lower is better) -> 100, 0, 50;
    # D -> 0, 100, 50. P = (A + B)/2 = 50, 25, 75; Q = (C + D)/2 = 50, 50, 50;
    # nominal I = (P + Q)/2 = 50, 37.5, 62.5
    np.testing.assert_allclose(a.nominal_scores, [50.0, 37.5, 62.5])
    scores, ranks, draws = a.evaluate(np.array([[0.1], [0.5], [0.9]]))
    assert [d["drop"] for d in draws] == ["", "A", "C"]
    # without A: P = B -> I = (B + Q)/2 = 75, 25, 50
    # without C: Q = D -> I = (P + D)/2 = 25, 62.5, 62.5 (a tie: both rank 1)
    expected = [[50.0, 37.5, 62.5], [75.0, 25.0, 50.0], [25.0, 62.5, 62.5]]
    np.testing.assert_allclose(scores, expected, rtol=1e-15)
    np.testing.assert_array_equal(ranks, [[2, 3, 1], [1, 3, 2], [3, 1, 1]])


@pytest.fixture(scope="module")
def guide_analysis(asem_idata: pd.DataFrame, asem_hierarchy: Hierarchy) -> UncertaintyAnalysis:
    return UncertaintyAnalysis(
        asem_idata, asem_hierarchy, F01, parse_uncertainty_spec(yaml.safe_load(GUIDE)), seed=3
    )


@pytest.fixture(scope="module")
def guide_result(guide_analysis: UncertaintyAnalysis) -> UncertaintyResult:
    return guide_analysis.run(60, seed=11)


def test_replay_rebuilds_each_replication_through_the_plain_engine(
    guide_analysis: UncertaintyAnalysis, guide_result: UncertaintyResult
) -> None:
    rows = guide_result.replications().to_dict("records")
    for i in (0, 17, 59):
        for draw in (guide_result.draws[i], rows[i]):  # values, or the CSV text
            built = guide_analysis.replay(draw)
            np.testing.assert_allclose(
                built.scores["Index"].to_numpy(), guide_result.scores[i], rtol=1e-12
            )
            np.testing.assert_array_equal(built.ranks["Index"].to_numpy(), guide_result.ranks[i])


def test_same_seed_same_result_and_workers_do_not_change_it(
    guide_analysis: UncertaintyAnalysis,
    guide_result: UncertaintyResult,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ua_mod, "PARALLEL_BUILD_CELLS", 0)
    monkeypatch.setattr(ua_mod, "PARALLEL_AGGREGATE_CELLS", 0)
    monkeypatch.setattr(ua_mod, "CHUNK_BYTES", 8 * 51 * 60 * 4 * 7)  # force several batches
    again = guide_analysis.run(60, seed=11, workers=2)
    np.testing.assert_array_equal(again.scores, guide_result.scores)
    np.testing.assert_array_equal(again.ranks, guide_result.ranks)
    assert again.draws == guide_result.draws
    other = guide_analysis.run(60, seed=12)
    assert other.draws != guide_result.draws


def test_guide_values_cover_every_alternative(guide_result: UncertaintyResult) -> None:
    table = guide_result.replications()
    assert list(table.columns) == [
        "replication",
        "winmax",
        "normalisation",
        "weights",
        "aggregation",
    ]
    assert set(table.winmax) == {"1", "2", "3", "4", "5"}
    assert set(table.aggregation) == {"amean", "gmean"}
    assert set(table.normalisation) == {
        '{"lower":1,"method":"minmax","upper":100}',
        '{"mean":10,"method":"zscore","sd":2}',
    }
    stats = guide_result.rank_stats()
    assert list(stats.columns) == ["unit", "nominal", "mean", "median", "q5", "q95"]
    assert (stats["q5"] <= stats["median"]).all()
    assert (stats["median"] <= stats["q95"]).all()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(
        st.lists(st.floats(0, 100, allow_nan=False), min_size=4, max_size=4),
        min_size=3,
        max_size=8,
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_zero_noise_reproduces_the_nominal_ranks(values: list[list[float]], seed: int) -> None:
    arr = np.array(values)
    # min-max needs spread in every column: Hypothesis discards (never passes) the others
    assume(bool(np.all(np.ptp(arr, axis=0) >= 1e-6)))
    _, h = _small()
    data = pd.DataFrame(arr, columns=["A", "B", "C", "D"])
    data.insert(0, "uCode", [f"u{i:02d}" for i in range(len(arr))])
    spec = parse_uncertainty_spec(
        {
            "inputs": [
                {"name": "w", "type": "noisy_weights", "noise": {2: 0.0, 3: 0.0}, "sets": 5},
                {"name": "agg", "address": "aggregate.method", "values": ["amean"]},
            ]
        }
    )
    res = UncertaintyAnalysis(data, h, SMALL_SPEC, spec, seed=seed).run(20, seed=seed)
    np.testing.assert_array_equal(res.ranks, np.tile(res.nominal_ranks, (20, 1)))
    np.testing.assert_array_equal(res.rank_stats()["q95"], res.nominal_ranks)


@pytest.mark.parametrize(
    ("inputs", "match"),
    [
        (
            [{"name": "w", "address": "treat.winmax", "values": [1]}],
            "names the step 'treat', which the build spec does not run",
        ),
        (
            [{"name": "n", "address": "normalise.upperr", "values": [1]}],
            "step 'normalise' has no parameter 'upperr'; allowed: .*upper",
        ),
        (
            [{"name": "n", "address": "normalize.method", "values": ["minmax"]}],
            "unknown step 'normalize'",
        ),
        (
            [{"name": "n", "address": "normalise.method", "values": ["minmax", "softmax"]}],
            "value 'softmax'.*unknown method 'softmax'",
        ),
        (
            [{"name": "d", "type": "exclude", "codes": ["Z"]}],
            r"excludes unknown indicator\(s\) \['Z'\]",
        ),
        (
            [{"name": "w", "type": "noisy_weights", "noise": {7: 0.1}}],
            r"level\(s\) \[7\], which the index does not have",
        ),
    ],
)
def test_bad_inputs_are_refused_before_any_run(inputs: list[dict[str, object]], match: str) -> None:
    data, h = _small()
    with pytest.raises(SpecError, match=match):
        UncertaintyAnalysis(data, h, SMALL_SPEC, parse_uncertainty_spec({"inputs": inputs}))


def test_aggregate_must_be_the_last_step() -> None:
    data, h = _small()
    spec = {"steps": [{"step": "normalise"}]}
    inputs = parse_uncertainty_spec(
        {"inputs": [{"name": "n", "address": "normalise.upper", "values": [1.0]}]}
    )
    with pytest.raises(SpecError, match="last step is aggregate"):
        UncertaintyAnalysis(data, h, spec, inputs)


def test_continuous_input_is_written_into_the_spec() -> None:
    data, h = _small()
    spec = parse_uncertainty_spec(
        {
            "inputs": [
                {
                    "name": "up",
                    "type": "continuous",
                    "address": "normalise.upper",
                    "uniform": [100, 200],
                }
            ]
        }
    )
    a = UncertaintyAnalysis(data, h, SMALL_SPEC, spec)
    scores, _, draws = a.evaluate(np.array([[0.5]]))
    assert draws[0]["up"] == 150.0
    np.testing.assert_allclose(scores[0], a.nominal_scores * 1.5)
    assert math.isclose(float(a.replay(draws[0]).scores["I"].iloc[0]), 75.0)


@pytest.mark.parametrize("method", ["amean", "gmean"])
def test_closed_form_equals_the_engine_aggregation(
    asem_idata: pd.DataFrame, asem_hierarchy: Hierarchy, method: str
) -> None:
    spec = {
        **F01,
        "steps": [
            *F01["steps"][:4],
            {"step": "normalise", "lower": 1, "upper": 100},
            {"step": "aggregate", "method": method},
        ],
    }
    nominal = build_index(asem_idata, asem_hierarchy, spec)
    h = nominal.hierarchy
    x = nominal.datasets["normalised"].to_numpy()
    w = h.weights()[None, :] * np.random.default_rng(2).uniform(0.5, 1.5, (7, len(h.codes)))
    engine = aggregate(x, h, weights=w, method=method).data[..., h.codes.index(h.root)]
    eff = effective_weights(h, w)[:, : len(h.indicators)]
    closed = eff @ x.T if method == "amean" else np.exp(eff @ np.log(x).T)
    np.testing.assert_allclose(closed, engine, rtol=1e-13)


def test_a_sub_index_target_goes_through_the_engine_and_replays(
    asem_idata: pd.DataFrame, asem_hierarchy: Hierarchy
) -> None:
    a = UncertaintyAnalysis(
        asem_idata,
        asem_hierarchy,
        F01,
        parse_uncertainty_spec(yaml.safe_load(GUIDE)),
        target="Conn",
    )
    res = a.run(12, seed=4)
    for i in (0, 11):
        built = a.replay(res.draws[i])
        np.testing.assert_allclose(built.scores["Conn"].to_numpy(), res.scores[i], rtol=1e-12)
        np.testing.assert_array_equal(built.ranks["Conn"].to_numpy(), res.ranks[i])


def test_replay_from_the_csv_file_read_back_with_pandas(tmp_path: Path) -> None:
    data, h = _small()
    spec = parse_uncertainty_spec(
        {
            "inputs": [
                {"name": "drop", "type": "exclude", "codes": ["A", "C"]},
                {
                    "name": "up",
                    "type": "continuous",
                    "address": "normalise.upper",
                    "uniform": [90, 110],
                },
                {
                    "name": "agg",
                    "address": "aggregate.method",
                    "values": [["amean", "amean"], ["gmean", "amean"]],
                },
                {"name": "w", "type": "noisy_weights", "noise": {2: 0.5}, "sets": 3},
            ]
        }
    )
    norm = {"steps": [{"step": "normalise", "lower": 1, "upper": 100}, {"step": "aggregate"}]}
    a = UncertaintyAnalysis(data, h, norm, spec, seed=8)
    res = a.run(16, seed=8)
    path = tmp_path / "replications.csv"
    res.replications().to_csv(path, index=False)
    table = pd.read_csv(path)  # empty cells come back as NaN, numbers as numbers
    assert table["agg"].iloc[0] in ('["amean","amean"]', '["gmean","amean"]')
    for i, row in enumerate(table.to_dict("records")):
        built = a.replay(row)
        np.testing.assert_allclose(built.scores["I"].to_numpy(), res.scores[i], rtol=1e-12)
        np.testing.assert_array_equal(built.ranks["I"].to_numpy(), res.ranks[i])


def test_units_screened_out_everywhere_have_nan_statistics() -> None:
    ranks = np.array([[1.0, np.nan], [1.0, np.nan]])
    res = UncertaintyResult(
        units=("x", "y"),
        target="I",
        nominal_scores=np.array([1.0, np.nan]),
        nominal_ranks=np.array([1.0, np.nan]),
        scores=ranks,
        ranks=ranks,
        draws=({}, {}),
        names=(),
    )
    stats = res.rank_stats()
    assert stats["mean"].tolist()[0] == 1.0
    assert np.isnan(stats["q95"].iloc[1])


def test_effective_weights_by_hand() -> None:
    _, h = _small()  # A, B in P; C, D in Q; P, Q in I
    w = np.array([[1.0, 3.0, 1.0, 1.0, 1.0, 3.0, 1.0]])  # codes A, B, C, D, P, Q, I
    assert h.codes == ("A", "B", "C", "D", "P", "Q", "I")
    # P: 1/4, Q: 3/4; A: 1/4 * 1/4, B: 3/4 * 1/4, C and D: 1/2 * 3/4
    expected = [[1 / 16, 3 / 16, 3 / 8, 3 / 8, 1 / 4, 3 / 4, 1.0]]
    np.testing.assert_allclose(effective_weights(h, w), expected, rtol=1e-15)
