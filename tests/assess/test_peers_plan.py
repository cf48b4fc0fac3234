"""Peer groups, percentiles, whom to learn from, feasible targets and the one-city summary."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from _hand_made import META, kpi_frame
from hypothesis import given, settings
from hypothesis import strategies as st

from citykpi.assess.peers import (
    learn_from,
    peer_group,
    peers_of,
    percentiles,
    population_class,
)
from citykpi.assess.plan import PlanThresholds, peer_window_rates, plan_target, suggest_target
from citykpi.assess.scoring import score_kpis
from citykpi.assess.summary import summarise_city
from citykpi.assess.targets import Target, TargetKind, TargetSet
from citykpi.errors import InputError
from citykpi.io import read_profiles


@pytest.mark.parametrize(
    ("population", "label"),
    [
        (0, "<100k"),
        (99_999, "<100k"),
        (100_000, "100k-500k"),
        (500_000, "500k-1M"),
        (1_000_000, "1M-5M"),
        (5_000_000, ">5M"),
    ],
)
def test_population_class(population: float, label: str) -> None:
    assert population_class(population) == label


def _profiles(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "cities.csv"
    path.write_text(body, encoding="utf-8")
    return path


def test_profiles_accept_name_as_the_city_column(tmp_path: Path) -> None:
    prof = read_profiles(_profiles(tmp_path, "name,population,region\nA,50000,X\nB,2000000,X\n"))
    assert prof[["city", "population_class"]].values.tolist() == [["A", "<100k"], ["B", "1M-5M"]]
    assert peer_group(prof, "B", by="region") == "X"
    assert peers_of(prof, "A", by="region", cities=["A", "B", "C"]) == ["A", "B"]
    assert peers_of(None, "A", cities=["B", "A"]) == ["A", "B"]


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("town,population\nA,5\n", r"needs a 'city' \(or 'name'\) column"),
        ("city,population\nA,many\n", r"row 2, column 'population': 'many' is not a number"),
    ],
)
def test_bad_profiles(tmp_path: Path, body: str, match: str) -> None:
    with pytest.raises(InputError, match=match):
        read_profiles(_profiles(tmp_path, body))


TARGETS = TargetSet(
    "t",
    (
        Target("literacy", META["literacy"].code, TargetKind.VALUE, 100.0, set_name="t"),
        Target("pm25", META["pm25"].code, TargetKind.VALUE, 5.0, set_name="t"),
        Target("gender", META["gender"].code, TargetKind.VALUE, 1.0, set_name="t"),
    ),
)


def test_percentiles_are_direction_aware() -> None:
    rows = []
    for city, lit, pm, gender in (
        ("A", 40.0, 10.0, 0.9),
        ("B", 60.0, 20.0, 1.2),
        ("C", 80.0, 30.0, 0.95),
        ("D", 80.0, 5.0, 1.0),
    ):
        rows += [
            (city, 2024, "literacy", lit),
            (city, 2024, "pm25", pm),
            (city, 2024, "gender", gender),
        ]
    kpis = kpi_frame(rows)
    got = percentiles(kpis, "C", peers=["A", "B", "C", "D"], targets=TARGETS, meta=META)
    table = got.set_index("data_point")[["rank", "percentile", "best_city", "group_size"]]
    assert table.loc["literacy"].tolist() == [1, 100.0 * 2 / 3, "C", 4]  # tied best with D
    assert table.loc["pm25"].tolist() == [4, 0.0, "D", 4]  # lower is better
    assert table.loc["gender"].tolist() == [2, 100.0 * 2 / 3, "D", 4]  # closest to 1


def test_learn_from_lists_better_peers_for_low_points() -> None:
    kpis = kpi_frame(
        [
            ("A", 2024, "literacy", 30.0),  # 1 point
            ("B", 2024, "literacy", 60.0),  # 2
            ("C", 2024, "literacy", 99.0),  # 4
            ("D", 2024, "literacy", 70.0),  # 3
            ("A", 2024, "pm25", 5.0),  # 4 points: not low
            ("B", 2024, "pm25", 4.0),
        ]
    )
    scored = score_kpis(kpis, targets=TARGETS, meta=META)
    got = learn_from(scored, "A", peers=["A", "B", "C", "D"], top=2)
    assert got[["data_point", "peer", "peer_value", "peer_points"]].values.tolist() == [
        ["literacy", "C", 99.0, 4],
        ["literacy", "D", 70.0, 3],
    ]


def _trend_rows() -> list[tuple[str, int, str, float]]:
    rows = [("A", y, "literacy", 50.0 + (y - 2018)) for y in range(2018, 2025)]  # +1 a year
    for city, pace in (("B", 2.0), ("C", 3.0), ("D", 5.0), ("E", 0.5)):
        rows += [(city, y, "literacy", 40.0 + pace * (y - 2018)) for y in range(2018, 2025)]
    rows += [("F", 2024, "literacy", 70.0)]  # no 3-year window
    return rows


def test_peer_window_rates_take_each_peers_best_three_year_pace() -> None:
    kpis = kpi_frame(
        [
            ("B", 2018, "literacy", 10.0),
            ("B", 2021, "literacy", 16.0),
            ("B", 2022, "literacy", 25.0),
            ("B", 2019, "literacy", 12.0),
        ]
    )
    # windows 2018->2021 (+2/yr) and 2019->2022 (+13/3)
    assert peer_window_rates(kpis, "literacy", cities=["B"], orientation=1) == {"B": 13.0 / 3}


@pytest.mark.parametrize(
    ("target", "feasible_share", "classification", "achieving"),
    [
        (62.0, 0.25, "feasible", 3),  # needs +1/yr: B, C and D did; A's own trend suffices too
        (80.0, 0.25, "feasible", 1),  # needs +4/yr: only D (1 of 4 = 25 %)
        (80.0, 0.5, "stretch", 1),  # the same with a stricter feasible share
        (100.0, 0.25, "unrealistic", 0),  # needs +7.33/yr: no peer did
        (56.0, 0.25, "achieved", 4),  # already there
    ],
)
def test_plan_target_classification(
    target: float, feasible_share: float, classification: str, achieving: int
) -> None:
    kpis = kpi_frame(_trend_rows())
    th = PlanThresholds(feasible_share=feasible_share, stretch_share=0.05)
    result = plan_target(
        kpis, city="A", data_point="literacy", target=target, year=2030, meta=META, thresholds=th
    )
    assert result.latest_value == 56.0
    assert result.required_rate == pytest.approx((target - 56.0) / 6)
    assert result.observed_rate == pytest.approx(1.0)
    assert result.peers_with_data == 4
    assert (result.classification, result.peers_achieving) == (classification, achieving)


def test_plan_message_states_the_pace_in_the_unit_people_read() -> None:
    kpis = kpi_frame(_trend_rows())
    result = plan_target(kpis, city="A", data_point="literacy", target=80.0, year=2030, meta=META)
    assert result.message == (
        "literacy: requires a rise of 4 percentage points a year; 1 of 4 peers achieved that "
        "pace in any 3-year window; the city's own trend is +1 percentage points a year: feasible."
    )


def test_plan_refuses_past_years_and_unknown_cities() -> None:
    kpis = kpi_frame(_trend_rows())
    with pytest.raises(
        InputError, match="Target year 2024 must be after the latest year with data"
    ):
        plan_target(kpis, city="A", data_point="literacy", target=60, year=2024, meta=META)
    with pytest.raises(InputError, match="City 'Z' has no value for 'literacy'"):
        plan_target(kpis, city="Z", data_point="literacy", target=60, year=2030, meta=META)


def test_suggested_target_applies_the_75th_percentile_of_peer_paces() -> None:
    kpis = kpi_frame(_trend_rows())
    # peer best paces 0.5, 2, 3, 5: 75th percentile 3.5 a year, 6 years from 56
    assert suggest_target(
        kpis, city="A", data_point="literacy", year=2030, meta=META
    ) == pytest.approx(77.0)
    # capped at 100 % for a percentage
    assert suggest_target(kpis, city="A", data_point="literacy", year=2040, meta=META) == 100.0


def test_suggested_target_for_a_yes_no_aspect_never_exceeds_yes() -> None:
    rows = [("A", y, "compact", 0.0) for y in range(2018, 2025)]
    rows += [(c, y, "compact", float(y >= 2021)) for c in "BCDE" for y in range(2018, 2025)]
    kpis = kpi_frame(rows)
    assert suggest_target(kpis, city="A", data_point="compact", year=2030, meta=META) == 1.0


def test_summary_lists_each_weak_kpi_once_by_its_weakest_data_point() -> None:
    rows = _trend_rows() + [
        (c, 2024, dp, v)
        for c, vals in (("A", (40.0, 30.0)), ("B", (5.0, 15.0)), ("C", (6.0, 16.0)))
        for dp, v in zip(("pm25", "pm10"), vals, strict=True)
    ]
    pm10 = Target("pm10", META["pm10"].code, TargetKind.VALUE, 15.0, set_name="t")
    targets = TargetSet("t", (*TARGETS.targets, pm10))
    summary = summarise_city(kpi_frame(rows), "A", targets=targets, meta=META)
    # PM2.5 (12.5 % of target) and PM10 (50 %) are both Air Pollution: listed once, by PM2.5
    assert [(w.code, w.data_point) for w in summary.weakest] == [
        ("EN: EN: AQ: 1C", "pm25"),
        (META["literacy"].code, "literacy"),
    ]


def test_summary_of_one_city() -> None:
    rows = _trend_rows() + [
        (c, 2024, "pm25", v) for c, v in zip("ABCDE", [20.0, 5, 6, 7, 8], strict=True)
    ]
    summary = summarise_city(kpi_frame(rows), "A", targets=TARGETS, meta=META)
    assert (summary.city, summary.year, summary.target_set) == ("A", 2024, "t")
    assert [(d.name, d.score, d.band) for d in summary.dimensions] == [
        ("Environment", 25.0, "0-33"),  # PM2.5 20 vs 5: 25 % -> 1 point
        ("Society", 50.0, "33-66"),  # literacy 56 % -> 2 points
    ]
    assert [(w.data_point, w.points, w.sdsn_trend) for w in summary.weakest] == [
        ("pm25", 1, "insufficient_data"),
        ("literacy", 2, "insufficient_data"),  # series starts in 2018: no base near 2015
    ]
    assert summary.suggestion is not None
    assert summary.suggestion.data_point == "literacy"
    assert summary.suggestion.target == pytest.approx(77.0)
    assert not math.isnan(summary.suggestion.required_rate)
    lines = summary.lines()
    assert lines[0] == "A, 2024 (targets: t)"
    assert lines[1] == "  Environment: 25.0 % (band 0-33, 1 data points)"
    assert lines[4].startswith("    · pm25: 20 vs target 5 (25 % of target, 1 point(s)")
    assert lines[-1].startswith("  Suggested target: 77 by 2030 for literacy.")


@settings(deadline=None, max_examples=40)  # each example ranks every city: pandas-heavy
@given(
    values=st.lists(st.floats(min_value=0, max_value=1e4), min_size=2, max_size=8),
    lower=st.booleans(),
)
def test_percentiles_are_bounded_and_monotone(values: list[float], lower: bool) -> None:
    dp = "pm25" if lower else "literacy"
    cities = [f"c{i}" for i in range(len(values))]
    kpis = kpi_frame([(c, 2024, dp, v) for c, v in zip(cities, values, strict=True)])
    got = {
        city: float(
            percentiles(kpis, city, peers=cities, targets=TARGETS, meta=META)["percentile"].iloc[0]
        )
        for city in cities
    }
    goodness = {c: (-v if lower else v) for c, v in zip(cities, values, strict=True)}
    assert all(0.0 <= p <= 100.0 for p in got.values())
    # better never ranks lower; ties share the lowest rank (COINr), so only a unique best is 100
    for a in cities:
        for b in cities:
            if goodness[a] > goodness[b]:
                assert got[a] > got[b]
    best = max(goodness.values())
    leaders = [c for c in cities if goodness[c] == best]
    # the best city (or every city tied for best) holds the top percentile; 100 only when alone
    assert {got[c] for c in leaders} == {max(got.values())}
    assert (max(got.values()) == 100.0) is (len(leaders) == 1)
