"""The bounded unit grammar: every catalogue and target unit parses, hostile ones fail fast."""

from __future__ import annotations

import time

import pytest

from citykpi.assess.targets import default_targets
from citykpi.catalogue import load_catalogue
from citykpi.catalogue.unit_grammar import MAX_EXPONENT, canonical_unit
from citykpi.catalogue.units import normalise_unit, parse_unit
from citykpi.errors import UnitError


def _catalogue_units() -> list[str]:
    cat = load_catalogue()
    found = {item.unit for item in cat.inputs.values()}
    found |= {kpi.unit for kpi in cat.kpis}
    found |= {dp.unit for kpi in cat.kpis for dp in kpi.data_points}
    found |= {target.unit for target in default_targets() if target.unit}
    return sorted(found)


#: Spellings of user files and of the other tests, beside the catalogue's own units.
USER_SPELLINGS = (
    "%", "", "1", "number", "yes/no", "per 100,000 inhabitants", "per 100000 inhabitants",
    "ug/m3", "µg/m³", "mg/m3", "m2", "m3", "km²", "ppm", "ppb", "kgCO2e", "kg", "kelvin",
    "degC", "hour", "GWh", "kWh / m**2", "count / inhabitant", "m^3", "1/hour", "m**-1",
    "kilowatt hour", "(km / hour) ** 2", "% / year",
)  # fmt: skip


def test_the_catalogue_has_units_to_check() -> None:
    assert len(_catalogue_units()) >= 30


@pytest.mark.parametrize("unit", _catalogue_units())
def test_every_catalogue_unit_parses_to_the_same_pint_unit(unit: str) -> None:
    from citykpi.catalogue.units import registry

    assert parse_unit(unit) == registry().parse_units(unit)


@pytest.mark.parametrize("unit", USER_SPELLINGS)
def test_usual_spellings_parse(unit: str) -> None:
    from citykpi.catalogue.units import registry

    assert parse_unit(unit) == registry().parse_units(normalise_unit(unit))


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("ug/m**3", "ug / m ** 3"),
        ("km * per_100k_inhabitants", "km * per_100k_inhabitants"),
        ("kilowatt hour", "kilowatt * hour"),
        ("m^-1", "m ** -1"),
        ("(km/hour)**2", "(km / hour) ** 2"),
        ("%", "percent"),
    ],
)
def test_canonical_spelling(text: str, canonical: str) -> None:
    assert canonical_unit(text) == canonical


@pytest.mark.parametrize(
    ("unit", "match"),
    [
        ("km**2**2**2**2**2**2", r"exponent at position 6 follows another exponent"),
        ("km**2**2", r"follows another exponent; write one exponent"),
        ("__import__('os')", r"the character \"'\" at position 12 has no place in a unit"),
        ("1/0", r"the number 0 at position 3 is a scale, which belongs in the value"),
        ("km**(2", r"an exponent must be a whole number, e.g. 'm\*\*2' or 'm\*\*-1', not '\('"),
        ("km**", r"an exponent must be a whole number.* not the end"),
        (f"km**{MAX_EXPONENT + 1}", rf"the exponent {MAX_EXPONENT + 1} is larger than 12"),
        ("km**99999999999999999999", r"is larger than 12"),
        ("((((((km))))))", r"parentheses are nested more than 4 deep"),
        ("(" * 100_000, r"longer than 80 characters"),
        ("km" * 1000, r"longer than 80 characters"),
        (" * ".join(["m"] * 20), r"more than 16 factors"),
        ("(km", r"the '\(' at position 1 is never closed"),
        ("km)", r"the '\)' at position 3 closes no '\('"),
        ("km * / m", r"a unit name was expected, not '/' at position 6"),
        ("2 km", r"the number 2 at position 1 is a scale"),
        ("1e300", r"Unknown unit '1e300'"),
        ("km\x00", r"the character '\\x00' at position 3"),
        ("km\ud800", r"the character '\\ud800' at position 3"),
        ("lambda: 0", r"the character ':' at position 7"),
        ("km²**2", r"'km²\*\*2' \(read as 'km\*\*2\*\*2'\)"),
        ("furlongz", r"Unknown unit 'furlongz'"),
        ("nan", r"Unknown unit 'nan'"),
    ],
)
def test_hostile_units_are_refused_quickly_with_a_sentence(unit: str, match: str) -> None:
    start = time.perf_counter()
    with pytest.raises(UnitError, match=match):
        parse_unit(unit)
    assert time.perf_counter() - start < 2.0
