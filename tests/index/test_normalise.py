"""Normalisation methods on small hand-computed columns, direction handling and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from citykpi.errors import IndexComputationError, SpecError
from citykpi.index import fit_normalisation, normalise

NAN = math.nan
X = np.array([[1.0], [3.0], [NAN], [5.0]])


@pytest.mark.parametrize(
    ("method", "kwargs", "direction", "expected"),
    [
        ("minmax", {}, 1, [0, 50, NAN, 100]),
        ("minmax", {"lower": 1, "upper": 100}, 1, [1, 50.5, NAN, 100]),
        ("minmax", {}, -1, [100, 50, NAN, 0]),
        ("zscore", {}, 1, [-1, 0, NAN, 1]),
        ("zscore", {"mean": 10, "sd": 2}, -1, [12, 10, NAN, 8]),
        ("rank", {}, 1, [1, 2, NAN, 3]),
        ("borda", {}, -1, [2, 1, NAN, 0]),
        ("prank", {}, 1, [0, 0.5, NAN, 1]),
        ("goalposts", {"lower": 2, "upper": 4, "scale": 100}, 1, [0, 50, NAN, 100]),
        ("goalposts", {"lower": 2, "upper": 4, "scale": 100}, -1, [100, 50, NAN, 0]),
        ("goalposts", {"lower": 2, "upper": 4, "trunc": False}, 1, [-0.5, 0.5, NAN, 1.5]),
        ("dist2targ", {"targets": 4}, 1, [0, 2 / 3, NAN, 4 / 3]),
        ("dist2targ", {"targets": 4, "cap_max": True}, 1, [0, 2 / 3, NAN, 1]),
        ("dist2targ", {"targets": 2}, -1, [4 / 3, 2 / 3, NAN, 0]),
        ("sdsn", {"targets": 4, "lower": 2}, 1, [0, 50, NAN, 100]),
        ("sdsn", {"targets": 2, "lower": 4}, -1, [100, 50, NAN, 0]),
        ("scaled", {"lower": 0, "upper": 10, "scale": 100}, 1, [10, 30, NAN, 50]),
        ("dist2max", {}, 1, [0, 0.5, NAN, 1]),
        ("fracmax", {}, 1, [0.2, 0.6, NAN, 1]),
    ],
)
def test_method_on_a_small_column(
    method: str, kwargs: dict[str, float], direction: int, expected: list[float]
) -> None:
    out = normalise(X, method=method, directions=[direction], **kwargs)  # type: ignore[arg-type]
    np.testing.assert_allclose(out.data[:, 0], expected, rtol=1e-12, equal_nan=True)


def test_sdsn_estimates_the_lower_bound_as_the_2_5th_percentile() -> None:
    x = np.arange(1.0, 42.0)[:, None]  # 1..41: 2.5th percentile (type 7) = 1 + 0.025 * 40 = 2
    out = normalise(x, method="sdsn", targets=[41.0])
    assert out.data[0, 0] == 0.0  # censored below the lower bound
    assert out.data[1, 0] == 0.0  # exactly at the lower bound
    assert out.data[-1, 0] == 100.0
    assert out.data[21, 0] == pytest.approx(100 * (22 - 2) / (41 - 2))
    assert out.params is not None
    assert out.params.center[0] == pytest.approx(2.0)


def test_sdsn_without_target_uses_the_mean_of_the_five_best() -> None:
    x = np.arange(1.0, 11.0)[:, None]
    params = fit_normalisation(x, method="sdsn", percentile=0)
    assert params.center[0] == 1.0
    assert params.center[0] + params.divisor[0] == pytest.approx((6 + 7 + 8 + 9 + 10) / 5)


def test_zero_variance_is_an_error_or_nan_with_a_warning() -> None:
    x = np.array([[2.0, 1.0], [2.0, 3.0]])
    with pytest.raises(IndexComputationError, match="'flat' has the same value for every unit"):
        normalise(x, method="minmax", codes=["flat", "ok"])
    out = normalise(x, method="zscore", codes=["flat", "ok"], zero_variance="nan")
    assert np.isnan(out.data[:, 0]).all()
    assert "zero variance" in out.record.warnings[0]


def test_unknown_method_and_missing_goalposts() -> None:
    with pytest.raises(SpecError, match="Unknown normalisation method 'minmaxx'"):
        normalise(X, method="minmaxx")
    with pytest.raises(SpecError, match="needs 'lower' for every indicator"):
        normalise(X, method="goalposts", upper=4)


def test_frozen_parameters_reapply_exactly() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(20, 3))
    out = normalise(x, method="zscore", directions=[1, -1, 1])
    assert out.params is not None
    np.testing.assert_array_equal(out.params.apply(x), out.data)


def test_batch_axis_fits_each_replication() -> None:
    x = np.stack([X, X * 2])  # [2, 4, 1]
    out = normalise(x, method="minmax")
    np.testing.assert_allclose(out.data[0], out.data[1], equal_nan=True)


columns = arrays(
    np.float64,
    st.tuples(st.integers(2, 30), st.integers(1, 4)),
    elements=st.floats(-1e6, 1e6, allow_nan=False),
)


@settings(max_examples=60, deadline=None)
@given(columns, st.floats(-100, 100), st.floats(0.5, 200))
def test_minmax_stays_within_its_range(x: np.ndarray, lower: float, width: float) -> None:
    spread = np.ptp(x, axis=0) > 1e-6 * np.maximum(np.abs(x).max(axis=0), 1)
    x = x[:, spread]
    if x.shape[1] == 0:
        return
    out = normalise(x, method="minmax", lower=lower, upper=lower + width).data
    assert np.all(out >= lower - 1e-9 * (abs(lower) + width))
    assert np.all(out <= lower + width + 1e-9 * (abs(lower) + width))


@settings(max_examples=60, deadline=None)
@given(columns, st.sampled_from(["minmax", "zscore", "rank", "prank", "dist2max", "borda"]))
def test_monotone_normalisations_preserve_order(x: np.ndarray, method: str) -> None:
    spread = np.ptp(x, axis=0) > 1e-6 * np.maximum(np.abs(x).max(axis=0), 1)
    x = x[:, spread]
    if x.shape[1] == 0:
        return
    out = normalise(x, method=method).data
    for j in range(x.shape[1]):
        order = np.argsort(x[:, j], kind="stable")
        assert np.all(np.diff(out[order, j]) >= -1e-12)
