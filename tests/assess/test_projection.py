"""Linear projections with prediction intervals, and the year a target is reached."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from citykpi.assess.projection import project, year_target_reached
from citykpi.model import Direction


def test_an_exact_line_projects_with_a_zero_width_interval() -> None:
    p = project({2015: 10.0, 2016: 12.0, 2017: 14.0, 2018: 16.0})
    assert (p.status, p.value, p.low, p.high, p.slope, p.n) == ("ok", 40.0, 40.0, 40.0, 2.0, 4)


def test_prediction_interval_by_hand() -> None:
    # x = 2015..2017, y = 1, 3, 2: slope 0.5, mean 2 at 2016, SSR 1.5 with 1 degree of freedom
    p = project({2015: 1.0, 2016: 3.0, 2017: 2.0}, year=2030)
    half = stats.t.ppf(0.975, 1) * math.sqrt(1.5) * math.sqrt(1 + 1 / 3 + 14**2 / 2)
    assert p.value == pytest.approx(9.0)
    assert (p.low, p.high) == (pytest.approx(9.0 - half), pytest.approx(9.0 + half))


@pytest.mark.parametrize(
    "series", [{}, {2015: 1.0}, {2015: 1.0, 2020: 2.0}, {2015: 1.0, 2016: math.nan, 2017: 2.0}]
)
def test_fewer_than_three_points_is_insufficient(series: dict[int, float]) -> None:
    p = project(series)
    assert p.status == "insufficient_data"
    assert math.isnan(p.value)


@pytest.mark.parametrize(
    ("series", "target", "direction", "expected"),
    [
        ({2015: 10, 2016: 12, 2017: 14}, 20, Direction.HIGHER, 2020),
        ({2015: 10, 2016: 13, 2017: 16}, 20, Direction.HIGHER, 2019),  # 2018.33 rounded up
        ({2015: 30, 2016: 25, 2017: 20}, 5, Direction.LOWER, 2020),
        ({2015: 10, 2016: 9, 2017: 8}, 20, Direction.HIGHER, "never"),
        ({2015: 10, 2016: 10, 2017: 10}, 20, Direction.HIGHER, "never"),
        ({2015: 10, 2016: 12, 2017: 25}, 20, Direction.HIGHER, "achieved"),
        ({2015: 10, 2017: 14}, 20, Direction.HIGHER, "insufficient_data"),
        ({2015: 0.7, 2016: 0.8, 2017: 0.9}, 1, Direction.TARGET_RANGE, 2018),
        ({2015: 10, 2016: 12, 2017: 14}, None, Direction.HIGHER, "no_target"),
        # the fitted line crossed already but the latest value has not: the next year at best
        ({2015: 10, 2016: 30, 2017: 19}, 20, Direction.HIGHER, 2018),
    ],
)
def test_year_target_reached(
    series: dict[int, float], target: float | None, direction: Direction, expected: int | str
) -> None:
    assert year_target_reached(series, target=target, direction=direction) == expected


@given(
    ys=st.lists(st.floats(min_value=-1e3, max_value=1e3), min_size=3, max_size=12),
    year=st.integers(min_value=2025, max_value=2050),
)
def test_the_interval_contains_the_projection(ys: list[float], year: int) -> None:
    p = project({2010 + i: y for i, y in enumerate(ys)}, year=year)
    assert p.low <= p.value <= p.high
