"""Indicator statistics, correlations, Cronbach's alpha, PCA and strengths/weaknesses."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats as sps

from citykpi.errors import IndexComputationError, SpecError
from citykpi.index.audit import (
    indicator_stats,
    rank_higher_better,
    skew_kurtosis,
    strengths_weaknesses,
)
from citykpi.index.audit_multivariate import (
    correlation_matrix,
    cronbach_alpha,
    pairwise_covariance,
    pca,
)

NAN = float("nan")


def test_skew_kurtosis_type2_by_hand() -> None:
    # x = 1,2,3,4,10: d = -3,-2,-1,0,6; sum d^2 = 50, sum d^3 = 180, sum d^4 = 1394, n = 5
    # G1 = sqrt(5)*180/50^1.5 * sqrt(20)/3 = 1.2*sqrt(2); b = 5*1394/2500 = 2.788
    # G2 = (6*(2.788-3)+6)*4/(3*2) = 3.152
    skew, kurt = skew_kurtosis(np.array([1.0, 2.0, NAN, 3.0, 4.0, 10.0]))
    assert skew == pytest.approx(1.2 * math.sqrt(2.0), rel=1e-14)
    assert kurt == pytest.approx(3.152, rel=1e-13)


@pytest.mark.parametrize(
    ("values", "skew_nan", "kurt_nan"),
    [
        ([1.0, 2.0], True, True),
        ([1.0, 2.0, 4.0], False, True),
        ([3.0, 3.0, 3.0, 3.0], True, True),
    ],
)
def test_skew_kurtosis_needs_enough_distinct_values(
    values: list[float], skew_nan: bool, kurt_nan: bool
) -> None:
    skew, kurt = skew_kurtosis(np.array(values))
    assert math.isnan(skew) is skew_nan
    assert math.isnan(kurt) is kurt_nan


@settings(max_examples=50, deadline=None)
@given(
    arrays(
        np.float64,
        st.integers(5, 30),
        elements=st.floats(-1e3, 1e3, allow_nan=False, allow_subnormal=False),
    )
)
def test_skew_kurtosis_equal_scipy_bias_corrected(x: np.ndarray) -> None:
    if np.ptp(x) < 1e-3:
        return
    skew, kurt = skew_kurtosis(x)
    assert skew == pytest.approx(sps.skew(x, bias=False), rel=1e-8, abs=1e-9)
    assert kurt == pytest.approx(sps.kurtosis(x, bias=False), rel=1e-8, abs=1e-9)


def test_indicator_stats_values_and_flags() -> None:
    x = np.array(
        [
            [1.0, 0.0, 5.0],
            [2.0, 0.0, 5.0],
            [3.0, NAN, 5.0],
            [4.0, NAN, 5.0],
            [10.0, 7.0, 6.0],
        ]
    )
    out = indicator_stats(x, codes=["A", "B", "C"]).set_index("code")
    a = out.loc["A"]
    assert (a["min"], a["max"], a["mean"], a["median"]) == (1.0, 10.0, 4.0, 3.0)
    assert a["sd"] == pytest.approx(math.sqrt(50.0 / 4.0), rel=1e-15)
    assert (a["n_available"], a["n_nonzero"], a["n_unique"]) == (5, 5, 5)
    assert a["flag_skew_kurtosis"] == "ok"  # skew 1.70 < 2 even though kurtosis 3.15
    b = out.loc["B"]
    # 3 of 5 available (0.6 < 0.65), 1 non-zero of 5 units, 2 unique of 5 units
    assert (b["frac_available"], b["frac_nonzero"], b["frac_unique"]) == (0.6, 1 / 3, 2 / 3)
    assert (b["flag_available"], b["flag_nonzero"], b["flag_unique"]) == ("LOW", "LOW", "LOW")
    c = out.loc["C"]
    assert (c["n_unique"], c["flag_unique"], c["flag_nonzero"]) == (2, "LOW", "ok")


def test_indicator_stats_flags_outliers() -> None:
    col = np.array([1.0] * 10 + [2.0] * 10 + [100.0])
    out = indicator_stats(col[:, None], codes=["X"])
    assert out.loc[0, "flag_skew_kurtosis"] == "OUT"


def test_indicator_stats_rejects_wrong_shape() -> None:
    with pytest.raises(IndexComputationError, match=r"one column per code \(2\)"):
        indicator_stats(np.zeros((3, 3)), codes=["A", "B"])


def test_rank_higher_better_min_ties_and_nan() -> None:
    ranks = rank_higher_better(np.array([[3.0], [5.0], [3.0], [NAN], [1.0]]))
    np.testing.assert_array_equal(ranks[:, 0], [2.0, 1.0, 2.0, NAN, 4.0])


def test_strengths_weaknesses_by_hand() -> None:
    # 3 units x 4 indicators; D is lower-is-better
    x = np.array(
        [
            [10.0, 1.0, 5.0, 1.0],
            [20.0, 2.0, 6.0, 2.0],
            [30.0, 3.0, 4.0, 3.0],
        ]
    )
    out = strengths_weaknesses(
        x,
        codes=["A", "B", "C", "D"],
        units=["u1", "u2", "u3"],
        directions=[1, 1, 1, -1],
        top=1,
        bottom=1,
    )
    # u1 ranks: A 3, B 3, C 2, D 1 -> worst ranks (3) discarded -> strength D, weakness C
    u1 = out[out.unit == "u1"].reset_index(drop=True)
    expected = pd.DataFrame(
        {
            "unit": ["u1", "u1"],
            "kind": ["strength", "weakness"],
            "position": [1, 1],
            "code": ["D", "C"],
            "rank": [1, 2],
            "value": [1.0, 5.0],
        }
    )
    pd.testing.assert_frame_equal(u1, expected)
    # u3 ranks: A 1, B 1, C 3, D 3 -> C, D discarded -> strength A (stable order), weakness B
    u3 = out[out.unit == "u3"]
    assert list(u3.code) == ["A", "B"]


def test_correlation_pairwise_complete_matches_scipy() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(20, 3))
    x[:, 1] += x[:, 0]
    x[[2, 5], 0] = NAN
    x[[7], 2] = NAN
    for method, fn in (("pearson", sps.pearsonr), ("spearman", sps.spearmanr)):
        cm = correlation_matrix(x, codes=["a", "b", "c"], method=method)  # type: ignore[arg-type]
        for i, j in ((0, 1), (0, 2), (1, 2)):
            m = np.isfinite(x[:, i]) & np.isfinite(x[:, j])
            ref = fn(x[m, i], x[m, j])
            assert cm.r[i, j] == pytest.approx(ref.statistic, rel=1e-12)
            assert cm.p[i, j] == pytest.approx(ref.pvalue, rel=1e-9)
            assert cm.n[i, j] == m.sum()
        assert cm.r[0, 0] == 1.0
        assert cm.p[0, 0] == 0.0


def test_correlation_of_constant_column_is_nan() -> None:
    x = np.array([[1.0, 2.0], [1.0, 3.0], [1.0, 5.0]])
    cm = correlation_matrix(x, codes=["flat", "b"])
    assert math.isnan(cm.r[0, 1])
    assert math.isnan(cm.r[0, 0])


def test_correlation_unknown_method() -> None:
    with pytest.raises(SpecError, match="Unknown correlation method 'kendal'"):
        correlation_matrix(np.zeros((3, 1)), codes=["a"], method="kendal")  # type: ignore[arg-type]


def test_cronbach_by_hand() -> None:
    # var 1, var 4, cov 2: sum C = 9, trace 5 -> alpha = 2 * (1 - 5/9) = 8/9
    x = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])
    assert cronbach_alpha(x) == pytest.approx(8 / 9, rel=1e-15)


def test_cronbach_uses_pairwise_complete_covariance() -> None:
    x = np.array([[1.0, 2.0], [2.0, NAN], [3.0, 6.0], [4.0, 8.0]])
    c = pairwise_covariance(x)
    # column a over 4 rows: var = 5/3; pairs (1,2),(3,6),(4,8): cov = 14/3 / 2 ... by hand
    a_pairs, b_pairs = np.array([1.0, 3.0, 4.0]), np.array([2.0, 6.0, 8.0])
    cov_ab = np.sum((a_pairs - a_pairs.mean()) * (b_pairs - b_pairs.mean())) / 2
    assert c[0, 0] == pytest.approx(5 / 3, rel=1e-15)
    assert c[0, 1] == pytest.approx(cov_ab, rel=1e-15)
    total = c[0, 0] + c[1, 1] + 2 * c[0, 1]
    assert cronbach_alpha(x) == pytest.approx(2 * (1 - (c[0, 0] + c[1, 1]) / total), rel=1e-14)


def test_cronbach_needs_two_columns() -> None:
    with pytest.raises(IndexComputationError, match="at least 2 columns; got 1"):
        cronbach_alpha(np.zeros((3, 1)))


def test_pca_two_columns_by_hand() -> None:
    # two standardised columns with correlation rho: eigenvalues 1 +- rho,
    # PC1 loadings (1, 1)/sqrt(2)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 2))
    x[:, 1] = 0.5 * x[:, 0] + x[:, 1]
    x[4, 0] = NAN  # dropped as an incomplete row
    rows = x[np.isfinite(x).all(axis=1)]
    rho = np.corrcoef(rows.T)[0, 1]
    res = pca(x, codes=["a", "b"])
    assert res.n_rows == 39
    np.testing.assert_allclose(res.explained, [(1 + rho) / 2, (1 - rho) / 2], rtol=1e-12)
    np.testing.assert_allclose(res.sdev**2, [1 + rho, 1 - rho], rtol=1e-12)
    np.testing.assert_allclose(np.abs(res.loadings), np.full((2, 2), 1 / math.sqrt(2)), rtol=1e-12)
    assert res.loadings[:, 0].sum() > 0


def test_pca_matches_eigen_decomposition_of_correlation() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(30, 4)) @ rng.normal(size=(4, 4))
    res = pca(x, codes=list("abcd"))
    vals, vecs = np.linalg.eigh(np.corrcoef(x.T))
    order = np.argsort(vals)[::-1]
    np.testing.assert_allclose(res.explained, vals[order] / 4, rtol=1e-10)
    np.testing.assert_allclose(np.abs(res.loadings), np.abs(vecs[:, order]), atol=1e-10)


@pytest.mark.parametrize(
    ("x", "match"),
    [
        (np.array([[1.0, 2.0], [NAN, 3.0]]), "needs at least 2 units with no missing value"),
        (np.array([[1.0, 2.0], [1.0, 3.0], [1.0, 5.0]]), r"constant column\(s\) \['a'\]"),
    ],
)
def test_pca_errors(x: np.ndarray, match: str) -> None:
    with pytest.raises(IndexComputationError, match=match):
        pca(x, codes=["a", "b"])


# COINr 1.1.14, vignette("analysis"): get_stats(coin, dset = "Raw") on the ASEM data, printed to
# 3 significant figures: code, Std, Skew, Kurt, N.NonZero, N.Unique, Frc.NonZero, Frc.Unique
COINR_RAW_STATS = [
    ("LPI", 0.538, -0.304, -0.657, 51, 51, 1.000, 1.000),
    ("Flights", 46.7, 2.10, 4.51, 51, 51, 1.000, 1.000),
    ("Ship", 6.84, -0.576, -0.681, 42, 43, 0.824, 0.843),
    ("Bord", 24.8, 2.15, 5.79, 45, 30, 0.882, 0.588),
    ("Elec", 22.7, 2.23, 5.79, 47, 46, 0.922, 0.902),
]


@pytest.mark.parametrize(
    ("code", "sd", "skew", "kurt", "n_nonzero", "n_unique", "frac_nonzero", "frac_unique"),
    COINR_RAW_STATS,
)
def test_stats_match_coinr_get_stats_on_asem(
    asem_idata: pd.DataFrame,
    code: str,
    sd: float,
    skew: float,
    kurt: float,
    n_nonzero: int,
    n_unique: int,
    frac_nonzero: float,
    frac_unique: float,
) -> None:
    row = indicator_stats(asem_idata[[code]].to_numpy(float), codes=[code]).iloc[0]
    for got, want in (
        (row["sd"], sd),
        (row["skew"], skew),
        (row["kurtosis"], kurt),
        (row["frac_nonzero"], frac_nonzero),
        (row["frac_unique"], frac_unique),
    ):
        assert float(f"{got:.3g}") == pytest.approx(want, abs=1e-12)
    assert (row["n_available"], row["n_nonzero"], row["n_unique"]) == (51, n_nonzero, n_unique)
