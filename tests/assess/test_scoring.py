"""U4SSC scoring: achievement, points, bands and the roll-up to category and dimension."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from _hand_made import META, kpi_frame
from hypothesis import given
from hypothesis import strategies as st

from citykpi.assess.scoring import (
    BandScheme,
    achievement,
    aggregate_scores,
    score_kpis,
    score_percent,
)
from citykpi.assess.targets import Target, TargetKind, TargetSet
from citykpi.errors import SpecError
from citykpi.model import Direction


@pytest.mark.parametrize(
    ("points", "score", "band"),
    [
        ([1, 3, 4, 1], 56.25, "33-66"),  # U4SSC worked example (KRI p12)
        ([3, 4, 2], 75.0, "66-95"),  # the same with three reported KPIs
        ([4, 4], 100.0, "95+"),
        ([1], 25.0, "0-33"),
    ],
)
def test_published_worked_example(points: list[int], score: float, band: str) -> None:
    assert score_percent(points) == score
    assert BandScheme().band(score) == band


@pytest.mark.parametrize(
    ("share", "upper", "lower"),
    [
        (0.0, 1, 1),
        (32.99, 1, 1),
        (33.0, 2, 1),
        (65.9, 2, 2),
        (66.0, 3, 2),
        (95.0, 4, 3),
        (120.0, 4, 4),
    ],
)
def test_band_edges_go_to_the_upper_band_unless_configured(
    share: float, upper: int, lower: int
) -> None:
    assert BandScheme().points(share) == upper
    assert BandScheme(edge_goes_up=False).points(share) == lower


@pytest.mark.parametrize(
    ("value", "target", "direction", "worst", "expected"),
    [
        (50.0, 100.0, Direction.HIGHER, None, 50.0),
        (120.0, 100.0, Direction.HIGHER, None, 100.0),  # capped
        (10.0, 5.0, Direction.LOWER, None, 50.0),  # target / value
        (4.0, 5.0, Direction.LOWER, None, 100.0),  # at or below target
        (0.0, 5.0, Direction.LOWER, None, 100.0),
        (25.0, 0.0, Direction.LOWER, 100.0, 75.0),  # linear from worst
        (150.0, 0.0, Direction.LOWER, 100.0, 0.0),
        (0.8, 1.0, Direction.TARGET_RANGE, None, 80.0),
        (1.25, 1.0, Direction.TARGET_RANGE, None, 80.0),
        (30.0, 80.0, Direction.HIGHER, 20.0, 1000.0 / 60.0),
    ],
)
def test_achievement(
    value: float, target: float, direction: Direction, worst: float | None, expected: float
) -> None:
    assert achievement(value, target, direction, worst=worst) == pytest.approx(expected)


def test_target_range_distance_choice() -> None:
    assert achievement(1.25, 1.0, Direction.TARGET_RANGE, range_method="distance") == 75.0


@pytest.mark.parametrize(
    ("target", "direction", "match"),
    [
        (0.0, Direction.LOWER, "add a 'worst' value"),
        (0.0, Direction.HIGHER, "must be positive"),
        (5.0, Direction.NONE, "without a direction"),
    ],
)
def test_unscorable_targets_raise(target: float, direction: Direction, match: str) -> None:
    with pytest.raises(SpecError, match=match):
        achievement(3.0, target, direction)


@given(
    v1=st.floats(0, 1e6),
    v2=st.floats(0, 1e6),
    t=st.floats(1e-3, 1e6),
    direction=st.sampled_from([Direction.HIGHER, Direction.LOWER]),
)
def test_achievement_is_bounded_and_monotone(
    v1: float, v2: float, t: float, direction: Direction
) -> None:
    a1, a2 = achievement(v1, t, direction), achievement(v2, t, direction)
    assert 0.0 <= a1 <= 100.0
    better = v1 <= v2 if direction is Direction.HIGHER else v1 >= v2
    assert (a1 <= a2) if better else (a1 >= a2)


def _set(*targets: Target) -> TargetSet:
    return TargetSet("test-set", tuple(targets))


def _t(dp: str, kind: TargetKind = TargetKind.VALUE, value: float | None = None) -> Target:
    return Target(dp, META[dp].code, kind, value, source="s", rationale="r", set_name="test-set")


EDU = _set(
    _t("literacy", value=100.0),
    _t("enrol", value=100.0),
    _t("ict", value=100.0),
    _t("degrees", value=100.0),
    _t("pm25", value=5.0),
    _t("wifi", TargetKind.NO_BENCHMARK),
)


def test_score_kpis_and_roll_up_reproduce_the_worked_example() -> None:
    kpis = kpi_frame(
        [
            ("A", 2024, "literacy", 20.0),  # 1 point
            ("A", 2024, "enrol", 70.0),  # 3
            ("A", 2024, "ict", 97.0),  # 4
            ("A", 2024, "degrees", 10.0),  # 1
            ("A", 2024, "wifi", 300.0),  # no benchmark: left out
            ("A", 2024, "pm25", 10.0),  # 50 % -> 2
            ("B", 2024, "literacy", 70.0),  # 3
            ("B", 2024, "enrol", 99.0),  # 4
            ("B", 2024, "ict", 40.0),  # 2
            ("B", 2024, "degrees", math.nan),  # not reported: left out
        ]
    )
    scored = score_kpis(kpis, targets=EDU, meta=META)
    assert scored["points"].tolist() == [1, 3, 4, 1, pd.NA, 2, 3, 4, 2, pd.NA]
    assert scored["target_set"].tolist()[:2] == ["test-set", "test-set"]
    assert scored.loc[4, "note"] == "no benchmark"
    assert scored.loc[9, "note"] == "not scored: not_reported"
    scores = aggregate_scores(scored, meta=META)
    cat = scores[scores["level"] == "category"].set_index(["city", "name"])
    assert cat.loc[("A", "Education"), ["score", "band"]].tolist() == [56.25, "33-66"]
    assert cat.loc[("B", "Education"), ["score", "band"]].tolist() == [75.0, "66-95"]
    dims = scores[scores["level"] == "dimension"].set_index(["city", "name"])
    assert dims.loc[("A", "Society"), ["points", "max_points", "scored"]].tolist() == [9, 16, 4]
    assert dims.loc[("A", "Environment"), "score"] == 50.0


def test_top_five_mean_target_is_computed_from_the_latest_values() -> None:
    rows = [
        (c, 2024, "degrees", v) for c, v in zip("ABCDEF", [10.0, 20, 30, 40, 50, 60], strict=True)
    ]
    rows.append(("A", 2020, "degrees", 99.0))  # older value ignored
    scored = score_kpis(
        kpi_frame(rows), targets=_set(_t("degrees", TargetKind.TOP_FIVE_MEAN)), meta=META
    )
    assert scored["target"].iloc[0] == 40.0  # mean of 20..60
    assert scored["achievement"].iloc[0] == 25.0
    assert scored["note"].iloc[0] == "top-five mean of the data"


def test_top_five_mean_needs_five_cities() -> None:
    rows = [(c, 2024, "degrees", 10.0) for c in "ABC"]
    scored = score_kpis(
        kpi_frame(rows), targets=_set(_t("degrees", TargetKind.TOP_FIVE_MEAN)), meta=META
    )
    assert scored["points"].isna().all()
    assert scored["note"].iloc[0] == "top-five mean needs 5 cities with data, found 3"


def test_a_city_target_applies_only_to_that_city() -> None:
    own = Target(
        "literacy", META["literacy"].code, TargetKind.VALUE, 40.0, city="B", set_name="mine"
    )
    scored = score_kpis(
        kpi_frame([("A", 2024, "literacy", 40.0), ("B", 2024, "literacy", 40.0)]),
        targets=_set(_t("literacy", value=100.0), own),
        meta=META,
    )
    assert scored[["target", "points", "target_set"]].values.tolist() == [
        [100.0, 2, "test-set"],
        [40.0, 4, "mine"],
    ]


@given(points=st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=40))
def test_group_scores_lie_between_25_and_100_and_a_top_score_never_lowers_them(
    points: list[int],
) -> None:
    score = score_percent(points)
    assert 25.0 <= score <= 100.0
    assert score_percent([*points, 4]) >= score
    assert score_percent([*points, 1]) <= score
