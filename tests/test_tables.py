"""Declared table types: coercion of each schema, located errors, population classes, profiles."""

from __future__ import annotations

import itertools
import math
import re
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from citykpi import tables
from citykpi.errors import InputError
from citykpi.ingest import read_files
from citykpi.model import KPI_COLUMNS, RAW_COLUMNS
from citykpi.sample.cities import SIZE_DESIGN
from citykpi.tables import (
    KPI,
    POPULATION_CLASSES,
    PROFILE,
    RAW,
    CityProfile,
    coerce,
    is_coerced,
    population_class,
    profile_frame,
    profiles_from_frame,
)


def test_the_schemas_follow_the_model_column_order_and_declare_nothing_more() -> None:
    assert RAW.names == RAW_COLUMNS
    assert KPI.names == KPI_COLUMNS
    assert set(tables._RAW_COLUMNS) == set(RAW_COLUMNS)
    assert set(tables._KPI_COLUMNS) == set(KPI_COLUMNS)
    assert PROFILE.names == tables.PROFILE_COLUMNS
    assert KPI.required == ("city", "year", "code", "data_point", "value")
    assert PROFILE.required == ("city",)


def test_a_raw_table_of_text_is_coerced_to_its_types() -> None:
    text = pd.DataFrame(
        {
            "city": [" Alpha ", "Beta"],
            "year": ["2024", 2023.0],
            "kind": ["input", "kpi"],
            "code": ["population", "air_pollution_pm25"],
            "value": ["1000", ""],
            "raw_value": [" 1000", None],
            "unit": [math.nan, "ug/m**3"],
            "source": ["SSB", ""],
            "quality": ["", ""],
            "file": ["a.csv", "b.xlsx"],
            "row": ["2", "Economy!F7"],
            "extra": ["kept", "as is"],
        }
    )
    expected = pd.DataFrame(
        {
            "city": ["Alpha", "Beta"],
            "year": [2024, 2023],
            "kind": ["input", "kpi"],
            "code": ["population", "air_pollution_pm25"],
            "value": [1000.0, math.nan],
            "raw_value": [" 1000", ""],  # kept exactly as written
            "unit": ["", "ug/m**3"],
            "source": ["SSB", ""],
            "quality": ["", ""],
            "file": ["a.csv", "b.xlsx"],
            "row": [2, "Economy!F7"],
            "extra": ["kept", "as is"],
        }
    ).astype({c: object for c in RAW_COLUMNS if c not in ("year", "value")})
    typed = coerce(text, RAW, file="in.csv")
    assert_frame_equal(typed, expected)
    assert is_coerced(typed, RAW)
    assert not is_coerced(text, RAW)
    assert_frame_equal(coerce(typed, RAW), typed)  # coercing twice changes nothing


def test_a_kpi_table_keeps_its_optional_columns_absent_and_reads_missing_words_as_nan() -> None:
    frame = pd.DataFrame(
        {
            "city": ["A", "B", "C"],
            "year": ["2020", "2021", "2022"],
            "code": ["X", "X", "X"],
            "data_point": ["pm25", "pm25", "pm25"],
            "value": ["12.5", "n/a", "NA"],
        }
    )
    typed = coerce(frame, KPI, file="kpis.csv")
    assert list(typed.columns) == ["city", "year", "code", "data_point", "value"]
    assert typed["year"].dtype == "int64"
    assert typed["value"].tolist()[0] == 12.5
    assert typed["value"].isna().tolist() == [False, True, True]
    assert is_coerced(typed, KPI)


def test_a_profile_table_types_numbers_and_yes_no_and_renames_name_to_city() -> None:
    frame = pd.DataFrame(
        {
            "name": ["A", "B", "C"],
            "population": ["50000", "2000000", ""],
            "coastal": ["yes", "FALSE", ""],
            "fictional": ["yes", "yes", "yes"],
        }
    )
    typed = profile_frame(frame, file="cities.csv")
    expected = pd.DataFrame(
        {
            "city": pd.Series(["A", "B", "C"], dtype=object),
            "population": [50_000.0, 2_000_000.0, math.nan],
            "coastal": pd.Series([True, False, pd.NA], dtype="boolean"),
            "population_class": pd.Series(["<100k", "1M-5M", ""], dtype=object),
            "fictional": pd.Series(["yes", "yes", "yes"], dtype=str),
        }
    )
    assert_frame_equal(typed, expected)


def test_every_bad_cell_is_collected_and_located() -> None:
    frame = pd.DataFrame(
        {
            "city": ["A", "B", "C"],
            "year": ["2020", "twenty", "2021.5"],
            "code": ["X", "X", "X"],
            "data_point": ["p", "p", "p"],
            "value": ["1", "2", "12 ug"],
        }
    )
    with pytest.raises(InputError) as caught:
        coerce(frame, KPI, file="kpis.csv")
    assert str(caught.value) == (
        "kpis.csv has 3 bad cells; correct every one and try again:\n"
        "  - row 3, column 'year': 'twenty' is not a year; write e.g. 2024.\n"
        "  - row 4, column 'year': '2021.5' is not a year; write e.g. 2024.\n"
        "  - row 4, column 'value': '12 ug' is not a number; write a plain number (decimal "
        "point, no unit) or leave it empty."
    )


def test_one_bad_cell_is_one_sentence_and_many_are_cut_after_ten() -> None:
    one = pd.DataFrame({"city": ["A"], "population": ["many"]})
    with pytest.raises(InputError, match=None) as caught:
        coerce(one, PROFILE, file="cities.csv")
    assert str(caught.value) == (
        "cities.csv, row 2, column 'population': 'many' is not a number of inhabitants; "
        "write a number such as 250000."
    )
    many = pd.DataFrame({"city": list("ABCDEFGHIJKL"), "coastal": ["maybe"] * 12})
    with pytest.raises(InputError) as caught:
        coerce(many, PROFILE, file="cities.csv")
    lines = str(caught.value).splitlines()
    assert lines[0] == "cities.csv has 12 bad cells; correct every one and try again:"
    assert lines[1] == "  - row 2, column 'coastal': 'maybe' is not yes or no; write yes or no."
    assert len(lines) == 1 + 10 + 1
    assert lines[-1] == "  ... and 2 more."


@pytest.mark.parametrize(
    ("frame", "schema", "message"),
    [
        (
            pd.DataFrame({"city": ["A"], "year": [2020], "code": ["X"], "value": [1.0]}),
            KPI,
            "kpis.csv: the KPI table lacks the column(s) 'data_point'; it needs city, year, "
            "code, data_point, value (as written by 'citykpi compute'); add it.",
        ),
        (
            pd.DataFrame({"town": ["A"]}),
            PROFILE,
            "kpis.csv: the profile table lacks the column(s) 'city' (or 'name'); it needs a "
            "'city' (or 'name') column; add it.",
        ),
    ],
)
def test_a_missing_required_column_is_named(
    frame: pd.DataFrame, schema: tables.TableSchema, message: str
) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        coerce(frame, schema, file="kpis.csv")


def test_a_city_is_required_in_every_profile_row_and_a_population_cannot_be_negative() -> None:
    with pytest.raises(InputError, match=r"row 3, column 'city': '' is not a city name"):
        coerce(pd.DataFrame({"city": ["A", " "]}), PROFILE, file="c.csv")
    with pytest.raises(
        InputError, match=r"^c\.csv, row 2, column 'population': '-5' is not a number"
    ):
        profile_frame(pd.DataFrame({"city": ["A"], "population": ["-5"]}), file="c.csv")


@pytest.mark.parametrize("schema", [RAW, KPI, PROFILE])
def test_an_empty_table_of_a_schema_is_coerced(schema: tables.TableSchema) -> None:
    assert is_coerced(schema.empty(), schema)
    assert_frame_equal(coerce(schema.empty(), schema), schema.empty())


@pytest.mark.parametrize(
    ("population", "label"),
    [
        (0, "<100k"),
        (99_999, "<100k"),
        (100_000, "100k-500k"),
        (499_999.5, "100k-500k"),
        (500_000, "500k-1M"),
        (1_000_000, "1M-5M"),
        (4_999_999, "1M-5M"),
        (5_000_000, ">5M"),
        (40_000_000, ">5M"),
    ],
)
def test_population_class_boundaries(population: float, label: str) -> None:
    assert population_class(population) == label


@pytest.mark.parametrize("population", [math.nan, -1.0])
def test_population_class_refuses_what_is_not_a_population(population: float) -> None:
    with pytest.raises(ValueError, match="is not a non-negative number"):
        population_class(population)


def test_the_classes_tile_the_line_and_the_sample_design_draws_inside_them() -> None:
    bounds = [(c.lower, c.upper) for c in POPULATION_CLASSES]
    assert bounds[0][0] == 0
    assert bounds[-1][1] == math.inf
    assert all(a[1] == b[0] for a, b in itertools.pairwise(bounds))
    assert [d.label for d in SIZE_DESIGN] == [c.label for c in POPULATION_CLASSES]
    for design, cls in zip(SIZE_DESIGN, POPULATION_CLASSES, strict=True):
        assert cls.lower <= design.low < design.high <= cls.upper
    assert math.isclose(sum(d.share for d in SIZE_DESIGN), 1.0)


def test_profiles_from_frame_gives_one_city_profile_per_row() -> None:
    frame = pd.DataFrame(
        {
            "name": ["Aldmoorvale", "Brassquill"],
            "country": ["Serranova", ""],
            "population": ["250000", ""],
            "area_km2": ["120.5", ""],
            "gdp_per_capita": ["14500", ""],
            "income_group": ["high", ""],
            "coastal": ["no", ""],
            "population_class": ["wrong", "given"],
        }
    )
    assert profiles_from_frame(frame, file="cities.csv") == (
        CityProfile(
            name="Aldmoorvale",
            country="Serranova",
            population=250_000.0,
            area_km2=120.5,
            gdp_per_capita=14_500.0,
            income_group="high",
            coastal=False,
            population_class="100k-500k",  # derived from the population where it is known
        ),
        CityProfile(name="Brassquill", population_class="given"),
    )


def test_the_readers_and_compute_hand_on_coerced_tables(tmp_path: Path) -> None:
    from citykpi.compute import compute
    from citykpi.validate import validate

    path = tmp_path / "sub.csv"
    path.write_text(
        "city,year,code,value\nOslo,2024,population,700000\nOslo,2024,households,320000\n",
        encoding="utf-8",
    )
    raw = read_files([path]).frame
    assert is_coerced(raw, RAW)
    assert raw["row"].tolist() == [2, 3]
    assert is_coerced(compute(validate(raw)), KPI)
