"""Sobol designs and estimators against functions with known analytic indices."""

from __future__ import annotations

import math

import numpy as np
import pytest

from citykpi.errors import SpecError
from citykpi.index.sampling import sobol_design, uniform_sample
from citykpi.index.sensitivity_estimators import sobol_indices


def _ishigami(u: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    x = -math.pi + 2 * math.pi * u
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def _ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[list[float], list[float]]:
    pi = math.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return [v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v]


@pytest.mark.parametrize(("method", "n", "tol"), [("sobol", 2**14, 0.02), ("random", 20000, 0.04)])
def test_ishigami_indices(method: str, n: int, tol: float) -> None:
    design = sobol_design(n, 3, seed=11, method=method)  # type: ignore[arg-type]
    y_a, y_b, y_ab = design.split(_ishigami(design.runs()))
    res = sobol_indices(y_a, y_b, y_ab, names=["x1", "x2", "x3"], n_boot=200, seed=1)
    first, total = _ishigami_indices()
    np.testing.assert_allclose(res.first, first, atol=tol)
    np.testing.assert_allclose(res.total, total, atol=tol)
    assert np.all(res.first_q5 <= res.first_q95)
    assert np.all(res.total_q5 <= res.total_q95)


def test_linear_model_indices_equal_squared_coefficients() -> None:
    # y = sum c_i u_i with independent uniforms: S_i = ST_i = c_i^2 / sum c^2
    c = np.array([1.0, 2.0, 3.0])
    design = sobol_design(2**12, 3, seed=5)
    y_a, y_b, y_ab = design.split(design.runs() @ c)
    res = sobol_indices(y_a, y_b, y_ab, names=["a", "b", "c"], n_boot=100)
    expected = c**2 / np.sum(c**2)  # 1/14, 4/14, 9/14
    np.testing.assert_allclose(res.first, expected, atol=0.01)
    np.testing.assert_allclose(res.total, expected, atol=0.01)
    assert [r["input"] for r in res.rows()] == ["a", "b", "c"]


def test_estimators_by_hand() -> None:
    # N = 2, d = 1: y_A = (1, 3), y_B = (2, 4), y_AB = (2, 4)
    # V = var(1, 3, 2, 4) = 5/3; S = mean((2*1, 4*1)) / V = 3 / (5/3) = 1.8
    # ST = ((1-2)^2 + (3-4)^2) / (2*2*V) = 2 / (20/3) = 0.3
    res = sobol_indices(
        np.array([1.0, 3.0]), np.array([2.0, 4.0]), np.array([[2.0, 4.0]]), names=["x"], n_boot=0
    )
    assert res.variance == pytest.approx(5 / 3, rel=1e-15)
    assert res.first[0] == pytest.approx(1.8, rel=1e-15)
    assert res.total[0] == pytest.approx(0.3, rel=1e-15)
    assert math.isnan(res.first_q5[0])


def test_constant_output_has_no_indices() -> None:
    res = sobol_indices(np.ones(4), np.ones(4), np.ones((2, 4)), names=["a", "b"], n_boot=10)
    assert np.all(np.isnan(res.first))
    assert res.warnings == (
        "The output does not vary across the runs, so it has no Sobol indices.",
    )


def test_design_structure_and_determinism() -> None:
    d1 = sobol_design(8, 3, seed=2)
    d2 = sobol_design(8, 3, seed=2)
    np.testing.assert_array_equal(d1.runs(), d2.runs())
    assert d1.runs().shape == (8 * 5, 3)
    for i in range(3):
        expected = d1.a.copy()
        expected[:, i] = d1.b[:, i]
        np.testing.assert_array_equal(d1.ab[i], expected)
    assert np.all((d1.runs() >= 0) & (d1.runs() < 1))
    np.testing.assert_array_equal(uniform_sample(4, 2, seed=9), uniform_sample(4, 2, seed=9))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n": 100, "d": 2, "method": "sobol"}, r"power of 2; got 100\. Use N = 64 or 128"),
        ({"n": 8, "d": 0, "method": "sobol"}, "at least one uncertain input"),
        ({"n": 8, "d": 2, "method": "lhs"}, "Unknown design 'lhs'"),
    ],
)
def test_design_errors(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(SpecError, match=match):
        sobol_design(seed=0, **kwargs)  # type: ignore[arg-type]


def test_mismatched_outputs() -> None:
    with pytest.raises(SpecError, match="y_AB must be"):
        sobol_indices(np.ones(3), np.ones(3), np.ones((3, 2)), names=["a"])


def test_point_estimates_agree_with_salib_sobol_analyze() -> None:
    # SALib standardises y over all runs and uses var(ddof=0): the same estimators up to O(1/N)
    from SALib.analyze import sobol as salib_sobol

    n, d = 2**10, 3
    design = sobol_design(n, d, seed=4)
    y_a, y_b, y_ab = design.split(_ishigami(design.runs()))
    ours = sobol_indices(y_a, y_b, y_ab, names=["x1", "x2", "x3"], n_boot=0)
    # SALib orders each base row as A, AB_1 .. AB_d, B
    y = np.column_stack([y_a, *y_ab, y_b]).ravel()
    problem = {"num_vars": d, "names": ["x1", "x2", "x3"], "bounds": [[0.0, 1.0]] * d}
    ref = salib_sobol.analyze(problem, y, calc_second_order=False, num_resamples=10, seed=1)
    np.testing.assert_allclose(ours.first, ref["S1"], atol=2e-3)
    np.testing.assert_allclose(ours.total, ref["ST"], atol=2e-3)
