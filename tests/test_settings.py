"""Settings are one declarative table, read from CITYKPI_* variables."""

from __future__ import annotations

import dataclasses

import pytest

from citykpi.errors import SpecError
from citykpi.settings import SETTINGS, Settings, load_settings


def test_every_setting_is_declared_with_help_and_a_matching_field() -> None:
    fields = {f.name: f.default for f in dataclasses.fields(Settings)}
    assert {s.name for s in SETTINGS} == set(fields)
    for spec in SETTINGS:
        assert spec.help.endswith("."), spec.name
        assert fields[spec.name] == spec.default, spec.name


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, Settings()),
        ({"CITYKPI_WORKERS": "2"}, Settings(workers=2)),
        ({"CITYKPI_DENOMINATOR_TOLERANCE": "0.1"}, Settings(denominator_tolerance=0.1)),
        ({"CITYKPI_DATABASE_URL": "sqlite:///x.db"}, Settings(database_url="sqlite:///x.db")),
    ],
)
def test_environment_is_read(env: dict[str, str], expected: Settings) -> None:
    assert load_settings(env) == expected


def test_overrides_win_over_the_environment() -> None:
    assert load_settings({"CITYKPI_WORKERS": "2"}, workers=1).workers == 1


def test_bad_value_names_the_variable() -> None:
    with pytest.raises(SpecError, match=r"CITYKPI_WORKERS='many' is not a valid int"):
        load_settings({"CITYKPI_WORKERS": "many"})


def test_unknown_override_is_refused() -> None:
    with pytest.raises(SpecError, match=r"Unknown setting 'colour'"):
        load_settings({}, colour="red")


def test_default_database_is_a_local_sqlite_file() -> None:
    assert Settings().resolved_database_url().endswith("/citykpi.db")
    assert Settings(database_url="sqlite:///a.db").resolved_database_url() == "sqlite:///a.db"
