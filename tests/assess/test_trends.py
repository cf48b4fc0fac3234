"""SDSN trend arrows and the Statistics Canada / Open SDG progress measure on hand-made series."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citykpi.assess.trends import (
    ProgressStatus,
    SdsnTrend,
    cagr,
    limit_coefficient,
    progress_measure,
    sdsn_trend,
)
from citykpi.model import Direction

H, L, R, N = Direction.HIGHER, Direction.LOWER, Direction.TARGET_RANGE, Direction.NONE


@pytest.mark.parametrize(
    ("series", "target", "direction", "status", "ratio"),
    [
        ({2015: 50, 2020: 40}, 100, H, SdsnTrend.DECREASING, -0.6),
        ({2015: 50, 2020: 52}, 100, H, SdsnTrend.STAGNATING, 0.12),
        ({2015: 50, 2020: 60}, 100, H, SdsnTrend.MODERATELY_IMPROVING, 0.6),
        ({2015: 50, 2020: 70}, 100, H, SdsnTrend.ON_TRACK, 1.2),
        ({2015: 50, 2020: 100}, 100, H, SdsnTrend.ON_TRACK, None),  # target met
        ({2015: 100, 2020: 105}, 100, H, SdsnTrend.MAINTAINING, None),  # already above
        ({2015: 100, 2020: 90}, 100, H, SdsnTrend.DECREASING, None),  # fell below
        # fell below in 2018, recovering from there: (95-80)/4 / ((100-80)/12) = 2.25
        ({2015: 100, 2018: 80, 2022: 95}, 100, H, SdsnTrend.ON_TRACK, 2.25),
        # 2015 missing: 2016 is used (not 2014): (60-40)/4 / ((100-40)/14) = 7/6
        ({2014: 50, 2016: 40, 2020: 60}, 100, H, SdsnTrend.ON_TRACK, 7 / 6),
        ({2014: 50, 2020: 60}, 100, H, SdsnTrend.MODERATELY_IMPROVING, (10 / 6) / (50 / 16)),
        ({2013: 50, 2020: 60}, 100, H, SdsnTrend.INSUFFICIENT_DATA, None),  # no base within 1y
        ({2015: 50}, 100, H, SdsnTrend.INSUFFICIENT_DATA, None),
        ({2015: 50, 2016: math.nan}, 100, H, SdsnTrend.INSUFFICIENT_DATA, None),
        ({2015: 20, 2020: 15}, 5, L, SdsnTrend.ON_TRACK, 1.0),  # PM2.5 towards 5
        ({2015: 20, 2020: 19}, 5, L, SdsnTrend.STAGNATING, 0.2),
        ({2015: 4, 2020: 4.5}, 5, L, SdsnTrend.MAINTAINING, None),
        ({2015: 0.8, 2020: 0.85}, 1, R, SdsnTrend.MODERATELY_IMPROVING, 0.75),
        ({2015: 1.4, 2020: 1.3}, 1, R, SdsnTrend.MODERATELY_IMPROVING, 0.75),
        ({2015: 0.8, 2020: 1.3}, 1, R, SdsnTrend.DECREASING, -1.5),  # overshot: further away
        ({2015: 0.9, 2020: 1.0}, 1, R, SdsnTrend.ON_TRACK, None),
        ({2015: 50, 2020: 60}, None, H, SdsnTrend.NO_TARGET, None),
        ({2015: 50, 2020: 60}, 100, N, SdsnTrend.NO_TARGET, None),
    ],
)
def test_sdsn_trend(
    series: dict[int, float],
    target: float | None,
    direction: Direction,
    status: SdsnTrend,
    ratio: float | None,
) -> None:
    result = sdsn_trend(series, target=target, direction=direction)
    assert result.status is status
    if ratio is None:
        assert result.ratio is None
    else:
        assert result.ratio == pytest.approx(ratio)


def test_sdsn_arrows() -> None:
    assert [t.arrow for t in SdsnTrend] == ["↓", "→", "➚", "↑", "↑", "·", "·"]


def _m2(p: float) -> float:
    return min(7.1429 * p - 4.2857, 5) if p >= 0.6 else max(4.1667 * p - 2.5, -5)


def _p2(base: float, cur: float, target: float, years: int = 5, sign: int = 1) -> float:
    return sign * cagr(cur, base, years, 0) / abs(cagr(target, base, 15, 0))


@pytest.mark.parametrize(
    ("series", "target", "direction", "status", "p", "score"),
    [
        # method 2 (with a target)
        ({2015: 50, 2020: 100}, 100, H, ProgressStatus.TARGET_ACHIEVED, None, 5.0),
        ({2015: 50, 2020: 70}, 100, H, ProgressStatus.SUBSTANTIAL, _p2(50, 70, 100), 5.0),
        (
            {2015: 50, 2020: 58},
            100,
            H,
            ProgressStatus.MODERATE,
            _p2(50, 58, 100),
            _m2(_p2(50, 58, 100)),
        ),
        (
            {2015: 50, 2020: 52},
            100,
            H,
            ProgressStatus.LIMITED,
            _p2(50, 52, 100),
            _m2(_p2(50, 52, 100)),
        ),
        (
            {2015: 50, 2020: 45},
            100,
            H,
            ProgressStatus.DETERIORATION,
            _p2(50, 45, 100),
            _m2(_p2(50, 45, 100)),
        ),
        ({2015: 20, 2020: 10}, 5, L, ProgressStatus.SUBSTANTIAL, _p2(20, 10, 5, sign=-1), 5.0),
        # a target of 0 becomes 0.001
        (
            {2015: 10, 2020: 5},
            0,
            L,
            ProgressStatus.LIMITED,
            _p2(10, 5, 0.001, sign=-1),
            _m2(_p2(10, 5, 0.001, sign=-1)),
        ),
        # method 1 (no target): thresholds 0.015 / 0.005 / 0
        (
            {2015: 100, 2020: 110},
            None,
            H,
            ProgressStatus.SUBSTANTIAL,
            1.1**0.2 - 1,
            500 * (1.1**0.2 - 1) - 5,
        ),
        (
            {2015: 100, 2020: 103},
            None,
            H,
            ProgressStatus.MODERATE,
            1.03**0.2 - 1,
            250 * (1.03**0.2 - 1) - 1.25,
        ),
        (
            {2015: 100, 2020: 101},
            None,
            H,
            ProgressStatus.LIMITED,
            1.01**0.2 - 1,
            500 * (1.01**0.2 - 1) - 2.5,
        ),
        (
            {2015: 100, 2020: 95},
            None,
            H,
            ProgressStatus.DETERIORATION,
            0.95**0.2 - 1,
            125 * (0.95**0.2 - 1) - 2.5,
        ),
        (
            {2015: 100, 2020: 95},
            None,
            L,
            ProgressStatus.MODERATE,
            1 - 0.95**0.2,
            250 * (1 - 0.95**0.2) - 1.25,
        ),
        # a base of 0 becomes 0.001
        ({2015: 0, 2020: 5}, None, H, ProgressStatus.SUBSTANTIAL, 5000**0.2 - 1, 5.0),
        # base year missing: the next year with data (2017), not the earlier one
        ({2014: 10, 2017: 20, 2019: 22}, None, H, ProgressStatus.SUBSTANTIAL, 1.1**0.5 - 1, 5.0),
        # negative values: sign(base) flips the growth
        ({2015: -10, 2020: -5}, None, H, ProgressStatus.SUBSTANTIAL, -(0.5**0.2 - 1), 5.0),
        ({2015: -2, 2020: 3}, None, H, ProgressStatus.INSUFFICIENT_DATA, None, None),
        ({2015: 50}, 100, H, ProgressStatus.INSUFFICIENT_DATA, None, None),
        ({2012: 1, 2013: 2}, None, H, ProgressStatus.INSUFFICIENT_DATA, None, None),
        ({2015: 1, 2020: 2}, None, N, ProgressStatus.NOT_APPLICABLE, None, None),
    ],
)
def test_progress_measure(
    series: dict[int, float],
    target: float | None,
    direction: Direction,
    status: ProgressStatus,
    p: float | None,
    score: float | None,
) -> None:
    result = progress_measure(series, target=target, direction=direction)
    assert result.status is status
    assert result.progress_value == (None if p is None else pytest.approx(p))
    assert result.score == (None if score is None else pytest.approx(score))


def test_progress_limit_shrinks_method_1_thresholds() -> None:
    coeff = 1 - 0.9**4.44
    assert limit_coefficient(90, 100) == pytest.approx(coeff)
    assert limit_coefficient(150, 100) == pytest.approx(1 - 0.5**4.44)
    assert limit_coefficient(250, 100) == 1.0
    # 1.1 % a year is only 'moderate' without a limit but 'substantial' this close to 100 %
    series = {2015: 90.0, 2020: 90.0 * 1.011**5}
    free = progress_measure(series, direction=H)
    near = progress_measure(series, direction=H, limit=100)
    assert (free.status, near.status) == (ProgressStatus.MODERATE, ProgressStatus.SUBSTANTIAL)
    assert near.score == 5.0


def test_progress_components_are_recorded() -> None:
    r = progress_measure({2014: 3.0, 2016: 4.0, 2021: 5.0}, direction=H, target=8.0)
    assert (r.base_year, r.base_value, r.current_year, r.current_value, r.method) == (
        2016,
        4.0,
        2021,
        5.0,
        2,
    )


# --- properties ---------------------------------------------------------------------------------

values = st.floats(min_value=1.0, max_value=1000.0, allow_nan=False)


@st.composite
def series_and_target(draw: st.DrawFn) -> tuple[dict[int, float], float, Direction]:
    n = draw(st.integers(min_value=2, max_value=9))
    vals = draw(st.lists(values, min_size=n, max_size=n))
    return {2015 + i: v for i, v in enumerate(vals)}, draw(values), draw(st.sampled_from([H, L]))


def _ranks(series: dict[int, float], target: float, direction: Direction) -> tuple[int, int]:
    sdsn = sdsn_trend(series, target=target, direction=direction).status.rank
    prog = progress_measure(series, target=target, direction=direction).status.rank
    assert sdsn is not None
    assert prog is not None
    return sdsn, prog


@given(case=series_and_target(), share=st.floats(min_value=0.001, max_value=0.99))
def test_a_better_final_value_never_worsens_a_status(
    case: tuple[dict[int, float], float, Direction], share: float
) -> None:
    # 'better' = the final observation improved in the good direction (lower values stay > 0);
    # appending a new, slightly better year can slow the average rate, so it is not the property
    series, target, direction = case
    last = max(series)
    better = dict(series)
    step = share * series[last]
    better[last] = series[last] + step if direction is H else series[last] - step
    before, after = _ranks(series, target, direction), _ranks(better, target, direction)
    assert after[0] >= before[0]
    assert after[1] >= before[1]


@given(case=series_and_target(), power=st.integers(min_value=-10, max_value=10))
def test_scaling_a_series_and_its_target_leaves_statuses_unchanged(
    case: tuple[dict[int, float], float, Direction], power: int
) -> None:
    # powers of two scale floats exactly, so no rounding can move a value across a threshold
    series, target, direction = case
    k = 2.0**power
    scaled = {y: v * k for y, v in series.items()}
    for method in (sdsn_trend, progress_measure):
        a = method(series, target=target, direction=direction)
        b = method(scaled, target=target * k, direction=direction)
        assert a.status is b.status
