"""The trend table: one row per series with statuses, projection and the target used."""

from __future__ import annotations

import math

import pytest
from _hand_made import META, kpi_frame

from citykpi.assess.series import TREND_COLUMNS, TrendOptions, assess_trends
from citykpi.assess.targets import Target, TargetKind, TargetSet

TARGETS = TargetSet(
    "t",
    (
        Target("literacy", META["literacy"].code, TargetKind.VALUE, 100.0, set_name="t"),
        Target("degrees", META["degrees"].code, TargetKind.TOP_FIVE_MEAN, set_name="t"),
        Target("pm25", META["pm25"].code, TargetKind.VALUE, 5.0, target_year=2025, set_name="t"),
    ),
)


def _rows() -> list[tuple[str, int, str, float]]:
    rows = [("A", y, "literacy", 50.0 + 2 * (y - 2015)) for y in range(2015, 2021)]
    rows += [("A", y, "pm25", 15.0 - (y - 2015)) for y in range(2015, 2021)]
    for i, city in enumerate("ABCDEF"):
        rows += [(city, y, "degrees", 100.0 * (i + 1) + (y - 2015)) for y in (2015, 2020)]
    return rows


def test_trend_table_rows_and_columns() -> None:
    table = assess_trends(kpi_frame(_rows()), targets=TARGETS, meta=META)
    assert tuple(table.columns) == TREND_COLUMNS
    a = table[table["city"] == "A"].set_index("data_point")
    lit = a.loc["literacy"]
    # +2 a year from 50 needs 50/15 = 3.33 a year: q = 0.6
    assert (lit["sdsn_trend"], lit["sdsn_arrow"]) == ("moderately_improving", "➚")
    assert lit["sdsn_ratio"] == pytest.approx(0.6)
    assert lit["projection_2030"] == pytest.approx(80.0)
    assert lit["year_target_reached"] == "2040"
    assert (lit["n_years"], lit["first_year"], lit["latest_year"], lit["target_set"]) == (
        6,
        2015,
        2020,
        "t",
    )
    # the PM2.5 target is due in 2025: 10 to go in 10 years needs 1 a year, observed 1
    pm = a.loc["pm25"]
    assert (pm["target_year"], pm["sdsn_trend"], pm["year_target_reached"]) == (
        2025,
        "on_track",
        "2025",
    )


def test_top_five_targets_come_from_every_city_even_for_one_city() -> None:
    one = assess_trends(kpi_frame(_rows()), targets=TARGETS, meta=META, cities=["A"])
    deg = one.set_index("data_point").loc["degrees"]
    assert set(one["city"]) == {"A"}
    # latest values 105 ... 605: the best five average 405
    assert deg["target"] == pytest.approx(405.0)
    assert deg["sdsn_trend"] == "stagnating"


def test_two_points_give_no_projection() -> None:
    rows = [("A", 2015, "literacy", 50.0), ("A", 2020, "literacy", 60.0)]
    table = assess_trends(kpi_frame(rows), targets=TARGETS, meta=META)
    row = table.iloc[0]
    assert math.isnan(row["projection_2030"])
    assert row["year_target_reached"] == "insufficient_data"
    assert (
        row["progress_status"] == "moderate_progress"
    )  # p = (1.2^(1/5) - 1) / (2^(1/15) - 1) = 0.79


def test_projection_year_option() -> None:
    table = assess_trends(
        kpi_frame(_rows()), targets=TARGETS, meta=META, options=TrendOptions(projection_year=2025)
    )
    lit = table[(table["city"] == "A") & (table["data_point"] == "literacy")].iloc[0]
    assert (lit["projection_year"], lit["projection_2030"]) == (2025, pytest.approx(70.0))
