"""Unit conversion with the project registry, including the published ppm/ppb factors."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citykpi.catalogue.units import (
    conversion_factor,
    convert,
    normalise_unit,
    parse_unit,
    unit_label,
)
from citykpi.errors import UnitError


@pytest.mark.parametrize(
    ("value", "src", "dst", "substance", "expected"),
    [
        # U4SSC Verification Manual p95 factors
        (1.0, "ppm", "ug/m3", "NO2", 1900.0),
        (10.0, "ppb", "ug/m3", "NO2", 19.0),
        (1.0, "ppm", "ug/m3", "SO2", 2620.0),
        (10.0, "ppb", "ug/m3", "SO2", 26.2),
        (1.0, "ppm", "ug/m3", "O3", 1960.0),
        (10.0, "ppb", "ug/m3", "O3", 19.6),
        (0.02, "ppm", "µg/m³", "no2", 38.0),  # case of the gas and spelling of the unit
        (1.0, "ppm", "mg/m3", "O3", 1.96),
        # energy, area, time, shares
        (2.0, "MWh", "kWh", None, 2000.0),
        (1.0, "GWh", "MWh", None, 1000.0),
        (3.6, "GJ", "MWh", None, 1.0),
        (1.0, "ha", "m2", None, 10_000.0),
        (1.0, "km²", "ha", None, 100.0),
        (1.5, "hour", "minute", None, 90.0),
        (45.0, "%", "dimensionless", None, 0.45),
        (0.45, "dimensionless", "percent", None, 45.0),
        (2.0, "tCO2e", "kgCO2e", None, 2000.0),
        (1.0, "ekWh / m**2", "kWh / m**2", None, 1.0),
        (3.0, "count / inhabitant", "per_100k_inhabitants", None, 300_000.0),
        (1.0, "yes_no", "dimensionless", None, 1.0),
    ],
)
def test_convert(value: float, src: str, dst: str, substance: str | None, expected: float) -> None:
    assert convert(value, src, dst, substance=substance) == pytest.approx(expected, rel=1e-12)


def test_nan_passes_through() -> None:
    assert math.isnan(convert(float("nan"), "MWh", "kWh"))


@pytest.mark.parametrize(
    ("src", "dst", "substance", "match"),
    [
        ("kWh", "inhabitant", None, r"Cannot convert 1\.0 from 'kWh' to 'inhabitant'"),
        ("household", "inhabitant", None, r"measures \[household\] and the second \[population\]"),
        ("ppm", "ug/m3", None, r"without knowing the gas; pass substance="),
        ("ppm", "ug/m3", "CO", r"No published ppm/ppb to ug/m3 factor for substance 'CO'"),
        ("furlongz", "km", None, r"Unknown unit 'furlongz'"),
        ("km", "", None, r"Cannot convert 1\.0 from 'km' to ''"),
    ],
)
def test_impossible_conversions_raise_a_sentence(
    src: str, dst: str, substance: str | None, match: str
) -> None:
    with pytest.raises(UnitError, match=match):
        convert(1.0, src, dst, substance=substance)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("m3", "m**3"), ("µg/m³", "ug/m**3"), ("km2", "km**2"), ("%", "percent"), ("tCO2e", "tCO2e")],
)
def test_normalise_unit(text: str, expected: str) -> None:
    assert normalise_unit(text) == expected


def test_households_and_inhabitants_are_distinct_dimensions() -> None:
    assert parse_unit("household").dimensionality != parse_unit("inhabitant").dimensionality
    assert parse_unit("count").dimensionless


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_round_trip_is_identity(value: float) -> None:
    back = convert(convert(value, "MWh", "kWh"), "kWh", "MWh")
    assert back == pytest.approx(value, rel=1e-12, abs=1e-9)


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_ppb_is_a_thousandth_of_ppm(value: float) -> None:
    for gas in ("NO2", "SO2", "O3"):
        ppm = convert(value, "ppm", "ug/m3", substance=gas)
        ppb = convert(value * 1000, "ppb", "ug/m3", substance=gas)
        assert ppb == pytest.approx(ppm, rel=1e-9)


@pytest.mark.parametrize(
    ("unit", "label"),
    [
        ("percent", "%"),
        ("per_100k_inhabitants", "per 100,000 inhabitants"),
        ("km * per_100k_inhabitants", "km per 100,000 inhabitants"),
        ("kWh / inhabitant", "kWh per inhabitant"),
        ("ekWh / m**2", "ekWh per m²"),
        ("ug/m**3", "µg/m³"),
        ("yes_no", "yes/no"),
        ("GJ", "GJ"),
    ],
)
def test_unit_label(unit: str, label: str) -> None:
    assert unit_label(unit) == label


def test_conversion_factor() -> None:
    assert conversion_factor("MWh", "kWh") == 1000.0
    assert conversion_factor("ppm", "ug/m3", substance="SO2") == 2620.0


@pytest.mark.parametrize(
    ("src", "dst", "match"),
    [
        ("degC", "kelvin", r"Converting 'degC' to 'kelvin' adds an offset; use convert\(\)"),
        ("kWh", "km", r"Cannot convert 'kWh' to 'km': they measure different things"),
    ],
)
def test_conversion_factor_refuses(src: str, dst: str, match: str) -> None:
    with pytest.raises(UnitError, match=match):
        conversion_factor(src, dst)


def test_offset_units_still_convert() -> None:
    assert convert(20.0, "degC", "kelvin") == pytest.approx(293.15, rel=1e-12)


@pytest.mark.parametrize(
    ("unit", "expected"),
    [("%", True), (" Percent ", True), ("pct", True), ("percentage", True), ("per_100k", False)],
)
def test_is_percent_knows_every_spelling_of_a_percentage(unit: str, expected: bool) -> None:
    from citykpi.catalogue.units import is_percent

    assert is_percent(unit) is expected
