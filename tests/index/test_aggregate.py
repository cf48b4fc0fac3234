"""Aggregation methods, missing children, thresholds, batches and non-positive values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from citykpi.errors import IndexComputationError, SpecError
from citykpi.index import aggregate, hierarchy_from_meta, rank_scores

NAN = math.nan
# a, b -> G1 (weights 1, 3); c -> G2; G1, G2 -> I (weights 1, 1)
META = [
    {"Level": 1, "iCode": "a", "Direction": 1, "Weight": 1, "Parent": "G1", "Type": "Indicator"},
    {"Level": 1, "iCode": "b", "Direction": 1, "Weight": 3, "Parent": "G1", "Type": "Indicator"},
    {"Level": 1, "iCode": "c", "Direction": 1, "Weight": 1, "Parent": "G2", "Type": "Indicator"},
    {"Level": 2, "iCode": "G1", "Direction": 1, "Weight": 1, "Parent": "I", "Type": "Aggregate"},
    {"Level": 2, "iCode": "G2", "Direction": 1, "Weight": 1, "Parent": "I", "Type": "Aggregate"},
    {"Level": 3, "iCode": "I", "Direction": 1, "Weight": 1, "Parent": None, "Type": "Aggregate"},
]
H = hierarchy_from_meta(META)
X = np.array([[4.0, 16.0, 2.0], [NAN, 8.0, NAN]])


@pytest.mark.parametrize(
    ("method", "p", "g1_row0"),
    [
        ("amean", 1.0, (4 + 3 * 16) / 4),
        ("gmean", 1.0, math.exp((math.log(4) + 3 * math.log(16)) / 4)),
        ("hmean", 1.0, 4 / (1 / 4 + 3 / 16)),
        ("genmean", 2.0, math.sqrt((16 + 3 * 256) / 4)),
        ("genmean", 0.0, math.exp((math.log(4) + 3 * math.log(16)) / 4)),
    ],
)
def test_weighted_means(method: str, p: float, g1_row0: float) -> None:
    out = aggregate(X, H, method=method, p=p).data
    assert out[0, 3] == pytest.approx(g1_row0, rel=1e-14)
    assert out[1, 3] == pytest.approx(8.0)  # missing 'a' dropped with its weight
    assert np.isnan(out[1, 4])  # no child available
    assert out[1, 5] == pytest.approx(8.0)  # G2 missing: index = G1


def test_data_availability_threshold_per_level() -> None:
    out = aggregate(X, H, dat_thresh=[0.6, None]).data
    assert np.isnan(out[1, 3])  # 1 of 2 children available < 0.6
    assert np.isnan(out[1, 5])


def test_copeland_scores() -> None:
    x = np.array([[3.0, 1.0, 5.0], [2.0, 2.0, 5.0], [1.0, 3.0, 1.0]])
    out = aggregate(x, H, method=["copeland", "amean"]).data
    # G1 (w 1/4, 3/4): unit 2 beats unit 1 on b (3/4) -> O_21 = 3/4; unit 0 loses to 1 on b
    np.testing.assert_array_equal(out[:, 3], [-2.0, 0.0, 2.0])
    np.testing.assert_array_equal(out[:, 4], [1.0, 1.0, -2.0])  # 5 = 5 ties


@pytest.mark.parametrize("method", ["gmean", "hmean"])
def test_non_positive_values_name_indicator_and_unit(method: str) -> None:
    x = np.array([[1.0, 2.0, 3.0], [0.0, 2.0, 3.0]])
    with pytest.raises(
        IndexComputationError, match=r"'a' is 0 for unit 'U2'.*minmax with lower 1 and upper 100"
    ):
        aggregate(x, H, method=method, units=["U1", "U2"])


def test_unknown_method_and_wrong_shapes() -> None:
    with pytest.raises(SpecError, match="Unknown aggregation method 'median'"):
        aggregate(X, H, method="median")
    with pytest.raises(SpecError, match="3 entries but the index has 2 aggregation levels"):
        aggregate(X, H, method=["amean", "amean", "amean"])
    with pytest.raises(IndexComputationError, match=r"\[\.\.\., units, 3\]"):
        aggregate(X[:, :2], H)


def test_batched_weights_equal_one_call_per_weight_set() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(1, 100, size=(7, 3))
    w = rng.uniform(0.5, 2, size=(5, 6))
    batch = aggregate(x, H, weights=w).data
    assert batch.shape == (5, 7, 6)
    for k in range(5):
        np.testing.assert_allclose(batch[k], aggregate(x, H, weights=w[k]).data, rtol=1e-14)


scores = arrays(np.float64, st.tuples(st.integers(2, 12), st.just(3)), elements=st.floats(1, 100))


@settings(max_examples=60, deadline=None)
@given(scores, st.floats(0.01, 100), st.sampled_from(["amean", "gmean", "hmean"]))
def test_scaling_the_weights_of_a_group_leaves_scores_unchanged(
    x: np.ndarray, factor: float, method: str
) -> None:
    w = H.weights()
    w2 = w.copy()
    w2[:2] *= factor  # both children of G1
    a = aggregate(x, H, weights=w, method=method).data
    b = aggregate(x, H, weights=w2, method=method).data
    np.testing.assert_allclose(a, b, rtol=1e-10)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 100), min_size=3, max_size=3), st.integers(2, 10))
def test_identical_units_get_identical_ranks(row: list[float], n: int) -> None:
    x = np.tile(np.array(row), (n, 1))
    out = aggregate(x, H).data
    ranks = rank_scores(out)
    assert np.all(ranks == 1.0)
