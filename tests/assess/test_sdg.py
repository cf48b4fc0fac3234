"""SDG roll-up: goal numbers, ratings and both SDSN goal colour rules."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from _hand_made import META, kpi_frame

from citykpi.assess.scoring import score_kpis
from citykpi.assess.sdg import (
    goal_colour_sdr,
    goal_colour_us_cities,
    rating,
    sdg_goal,
    sdg_rollup,
    sdg_trends,
    trend_score,
)
from citykpi.assess.targets import Target, TargetKind, TargetSet


@pytest.mark.parametrize(("target", "goal"), [("11.6", 11), ("17.8.1", 17), ("4.a", 4), ("3", 3)])
def test_sdg_goal(target: str, goal: int) -> None:
    assert sdg_goal(target) == goal


def test_sdg_goal_rejects_non_targets() -> None:
    with pytest.raises(ValueError, match="does not start with a goal number 1-17"):
        sdg_goal("18.1")


@pytest.mark.parametrize(
    ("achievement", "expected"),
    [
        (0.0, 0.0),
        (16.5, 0.5),
        (33.0, 1.0),
        (49.5, 1.5),
        (66.0, 2.0),
        (95.0, 3.0),
        (97.5, 3.5),
        (100.0, 4.0),
    ],
)
def test_rating_is_piecewise_linear_between_band_edges(achievement: float, expected: float) -> None:
    assert rating(achievement) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("ratings", "colour"),
    [
        ([3.5, 3.2, 4.0], "green"),  # every data point green
        ([3.9, 2.9, 4.0], "yellow"),  # average of the two worst 3.4, but one is yellow
        ([0.5, 0.9, 4.0], "red"),  # both worst red
        ([0.1, 1.5, 4.0], "orange"),  # average 0.8, but only one is red
        ([1.5, 2.1], "orange"),
        ([2.0, 2.6, 1.0], "orange"),  # two worst 1.0 and 2.0: 1.5
        ([2.2, 2.6], "yellow"),
        ([], "grey"),
    ],
)
def test_goal_colour_sdr_two_worst_rule(ratings: list[float], colour: str) -> None:
    assert goal_colour_sdr(ratings) == colour


@pytest.mark.parametrize(
    ("points", "colour"),
    [
        ([4, 4, 4], "green"),
        ([4, 4, 1], "yellow"),  # mean 2.0 on 0-3, one red of three is not more than a third
        ([4, 1, 1], "red"),  # two of three red
        ([3, 2], "yellow"),  # (2 + 1) / 2 = 1.5: halves round up
        ([2, 2, 3, 1], "orange"),
        ([], "grey"),
    ],
)
def test_goal_colour_us_cities_rule(points: list[int], colour: str) -> None:
    assert goal_colour_us_cities(points) == colour


def test_rollup_shares_and_colours_per_goal() -> None:
    targets = TargetSet(
        "t",
        tuple(
            Target(dp, META[dp].code, TargetKind.VALUE, v, set_name="t")
            for dp, v in (("pm25", 5.0), ("pm10", 15.0), ("literacy", 100.0))
        ),
    )
    kpis = kpi_frame(
        [
            ("A", 2024, "pm25", 10.0),  # 50 % -> 2 points, goal 11
            ("A", 2024, "pm10", 15.0),  # 100 % -> 4 points, goals 11 and 3
            ("A", 2024, "literacy", math.nan),  # goal 4, not reported
        ]
    )
    scored = score_kpis(kpis, targets=targets, meta=META)
    sdr = sdg_rollup(scored, meta=META).set_index("goal")
    assert sdr.loc[11, ["linked", "scored", "share_33-66", "share_95+", "colour"]].tolist() == [
        2,
        2,
        0.5,
        0.5,
        "yellow",  # ratings 1.52 and 4: average 2.76, not all green
    ]
    assert sdr.loc[3, "colour"] == "green"
    assert (sdr.loc[4, "scored"], sdr.loc[4, "colour"]) == (0, "grey")
    us = sdg_rollup(scored, meta=META, rule="us_cities").set_index("goal")
    assert us.loc[11, ["colour", "rule"]].tolist() == ["yellow", "us_cities"]


def test_unknown_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown SDG goal colour rule 'un'"):
        sdg_rollup(kpi_frame([]), meta=META, rule="un")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("q", "score"),
    [
        (-3.0, 0.0),
        (-1.0, 0.0),
        (-0.5, 0.5),
        (0.0, 1.0),
        (0.25, 1.5),
        (0.5, 2.0),
        (1.0, 3.0),
        (1.5, 3.5),
        (5.0, 4.0),
    ],
)
def test_trend_score_is_piecewise_linear(q: float, score: float) -> None:
    assert trend_score(q) == pytest.approx(score)


def _trend_rows(rows: list[tuple[str, str, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["city", "data_point", "sdsn_trend", "sdsn_ratio", "target"])


def test_goal_trends_average_scores_and_need_75_percent_coverage() -> None:
    nan = math.nan
    trends = _trend_rows(
        [
            # goal 11: pm25 (q = 1 -> 3) and pm10 (q = 0 -> 1): mean 2, moderately improving
            ("A", "pm25", "on_track", 1.0, 5.0),
            ("A", "pm10", "stagnating", 0.0, 15.0),
            # goal 3: pm10 only
            # goal 4: literacy without data, enrol maintaining: 1 of 2 < 75 %
            ("A", "literacy", "insufficient_data", nan, 100.0),
            ("A", "enrol", "maintaining", nan, 100.0),
            # city B: goal 11 both maintaining
            ("B", "pm25", "maintaining", nan, 5.0),
            ("B", "pm10", "maintaining", nan, 15.0),
            ("B", "wifi", "no_target", nan, nan),  # no target: not a dashboard indicator
        ]
    )
    got = sdg_trends(trends, meta=META).set_index(["city", "goal"])
    assert got.loc[("A", 11), ["linked", "with_trend", "trend_score", "trend"]].tolist() == [
        2,
        2,
        2.0,
        "moderately_improving",
    ]
    assert got.loc[("A", 3), "trend"] == "stagnating"
    assert got.loc[("A", 4), ["with_trend", "trend"]].tolist() == [1, "insufficient_data"]
    assert got.loc[("B", 11), ["trend_score", "trend"]].tolist() == [3.0, "maintaining"]
