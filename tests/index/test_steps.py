"""Denominate, screen, impute and treat on small hand-computed arrays."""

from __future__ import annotations

import math

import numpy as np
import pytest

from citykpi.errors import IndexComputationError, SpecError
from citykpi.index import denominate, impute, screen, treat
from citykpi.index.treat import kurt_type2, skew_type2, treat_column, winsorise

NAN = math.nan


def test_denominate_divides_and_refuses_zero() -> None:
    x = np.array([[10.0, 5.0], [20.0, NAN]])
    d = np.array([[2.0, 1.0], [4.0, 1.0]])
    out = denominate(x, d, codes=["a", "b"], denominator_names=["Pop", None])
    np.testing.assert_array_equal(out.data, [[5.0, 5.0], [5.0, NAN]])
    assert out.record.details["denominated"] == ["a"]
    with pytest.raises(IndexComputationError, match="'a' for unit 'U2': 'Pop' is 0"):
        denominate(
            x,
            np.array([[2.0, 1.0], [0.0, 1.0]]),
            codes=["a", "b"],
            units=["U1", "U2"],
            denominator_names=["Pop", None],
        )


@pytest.mark.parametrize(
    ("kwargs", "kept"),
    [
        ({"dat_thresh": 0.5}, [True, True, False]),
        ({"dat_thresh": 0.5, "force_include": ["U3"]}, [True, True, True]),
        ({"dat_thresh": 0.0, "unit_screen": "byNZ", "nonzero_thresh": 0.4}, [True, False, False]),
        ({"unit_screen": "none"}, [True, True, True]),
    ],
)
def test_screen_units(kwargs: dict[str, object], kept: list[bool]) -> None:
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, NAN], [NAN, NAN, 1.0]])
    out = screen(x, units=["U1", "U2", "U3"], **kwargs)  # type: ignore[arg-type]
    assert out.kept_units.tolist() == kept
    assert out.data.shape[0] == sum(kept)


def test_screen_indicators_by_availability() -> None:
    x = np.array([[1.0, NAN], [2.0, NAN], [3.0, 1.0]])
    out = screen(x, unit_screen="none", indicator_thresh=0.5, codes=["a", "b"])
    assert out.kept_indicators.tolist() == [True, False]
    assert out.record.details["removed_indicators"] == ["b"]


X = np.array([[1.0, 10.0], [NAN, 20.0], [3.0, NAN], [8.0, 40.0]])


@pytest.mark.parametrize(
    ("method", "kwargs", "expected"),
    [
        ("mean", {}, [[1, 10], [4, 20], [3, 70 / 3], [8, 40]]),
        ("median", {}, [[1, 10], [3, 20], [3, 20], [8, 40]]),
        ("mean_group", {"groups": ["A", "A", "B", "B"]}, [[1, 10], [1, 20], [3, 40], [8, 40]]),
        # row-wise: scaled a = (0, -, 2/7, 1), b = (0, 1/3, -, 1); unit 2 gets b's scaled 1/3
        # -> a = 1 + 7/3, unit 3 gets 2/7 -> b = 10 + 30 * 2/7
        ("row_mean", {"blocks": ["G", "G"]}, [[1, 10], [1 + 7 / 3, 20], [3, 10 + 60 / 7], [8, 40]]),
    ],
)
def test_impute_methods(
    method: str, kwargs: dict[str, object], expected: list[list[float]]
) -> None:
    out = impute(X, method=method, codes=["a", "b"], **kwargs)  # type: ignore[arg-type]
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    assert out.record.details["imputed"] == {"a": 1, "b": 1}


def test_em_imputes_the_conditional_mean_of_perfectly_correlated_columns() -> None:
    x = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0], [4.0, NAN], [5.0, 10.0]])
    out = impute(x, method="em", max_iter=5000, tol=1e-13)
    assert out.data[3, 1] == pytest.approx(8.0, rel=1e-6)
    np.testing.assert_array_equal(out.data[[0, 1, 2, 4]], x[[0, 1, 2, 4]])


def test_impute_errors() -> None:
    with pytest.raises(SpecError, match="Unknown imputation method 'knn'"):
        impute(X, method="knn")
    with pytest.raises(SpecError, match="needs a group label for each of the 4 units"):
        impute(X, method="mean_group")


def test_skew_and_kurtosis_match_e1071_type_2() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    # e = (-3, -2, -1, 0, 6): sum e^2 = 50, sum e^3 = 180, sum e^4 = 1394, n = 5
    g1 = math.sqrt(5) * 180 / 50**1.5 * math.sqrt(20) / 3
    g2 = ((5 + 1) * (5 * 1394 / 50**2 - 3) + 6) * 4 / (3 * 2)
    assert skew_type2(x) == pytest.approx(g1, rel=1e-14)
    assert kurt_type2(x) == pytest.approx(g2, rel=1e-14)
    assert (round(g1, 4), round(g2, 4)) == (1.6971, 3.152)


def test_winsorise_moves_ties_together_and_counts_them() -> None:
    x = np.array([*range(1, 21), 100.0, 100.0])
    v, nwin, flags = winsorise(x, winmax=5)
    assert nwin == 2
    assert v.max() == 20.0
    assert flags.tolist().count("winhi") == 2


def test_treat_falls_back_to_log_on_the_original_column() -> None:
    x = np.array([*range(1, 21), 1000.0, 10000.0])
    res = treat_column(x, winmax=1)  # one winsorised point is not enough: log_CT on the original
    lo, hi = 1.0, 10000.0
    np.testing.assert_allclose(res.x, np.log(x - lo + 0.01 * (hi - lo)))
    assert res.points[-1] == "winhi+log_CT"
    assert res.points[0] == "+log_CT"
    np.testing.assert_allclose(res.params.apply(x), res.x)


def test_treat_table_and_overrides() -> None:
    x = np.column_stack([np.array([*range(1, 21), 100.0]), np.arange(21.0)])
    out = treat(x, codes=["spiky", "flat"], overrides={"spiky": {"winmax": 0}}, f2="none")
    np.testing.assert_array_equal(out.data, x)  # winmax 0 and no fallback: unchanged
    out = treat(x, codes=["spiky", "flat"])
    assert out.points[-1, 0] == "winhi"
    assert out.data[-1, 0] == 20.0
    assert out.record.details["counts"] == {"winhi": 1, "winlo": 0, "transformed": 0}
    with pytest.raises(SpecError, match="unknown indicator"):
        treat(x, codes=["spiky", "flat"], skip=["nope"])


def test_row_median_without_normalising_first() -> None:
    x = np.array([[1.0, 2.0, 10.0, NAN], [4.0, 5.0, 6.0, 7.0]])
    out = impute(x, method="row_median", normalise_first=False)
    assert out.data[0, 3] == 2.0  # median of the unit's own 1, 2, 10


def test_units_without_a_group_label_are_left_missing() -> None:
    out = impute(X, method="mean_group", groups=["A", None, "B", "B"], codes=["a", "b"])
    assert np.isnan(out.data[1, 0])
    assert out.data[2, 1] == 40.0
    assert "still missing" in out.record.warnings[0]
