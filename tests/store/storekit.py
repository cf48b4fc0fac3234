"""Shared helpers of the store tests: hand-made raw and KPI tables (no catalogue needed), the
engine parametrisation and the team of users, one per role.

A module with its own name (not ``conftest``) so test modules can import it unambiguously.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import pytest

from citykpi.model import KPI_COLUMNS, RAW_COLUMNS
from citykpi.store import CityProfile, Store, add_city, add_user
from citykpi.store.users import Actor

#: Run a test on SQLite and on PostgreSQL (skipped without CITYKPI_TEST_POSTGRES_URL).
ENGINES = pytest.mark.parametrize("fresh_url", ["sqlite", "postgresql"], indirect=True)


@dataclass(frozen=True)
class Team:
    """The users of the store tests, one per role (two editors and two verifiers)."""

    admin: Actor
    editor: Actor  # city editor of Oslo
    other_editor: Actor  # city editor of Bergen
    verifier: Actor
    verifier2: Actor
    analyst: Actor
    public: Actor


def make_team(store: Store) -> Team:
    """Create the cities Oslo and Bergen and one user per role."""
    with store.transaction() as s:
        admin = add_user(s, None, "ada", role="admin")
        add_city(s, admin, CityProfile("Oslo", country="Norway", population=700_000.0))
        add_city(s, admin, CityProfile("Bergen", country="Norway", population=290_000.0))
        return Team(
            admin=admin,
            editor=add_user(s, admin, "eva", role="city_editor", cities=["Oslo"]),
            other_editor=add_user(s, admin, "bo", role="city_editor", cities=["Bergen"]),
            verifier=add_user(s, admin, "vera", role="verifier"),
            verifier2=add_user(s, admin, "vic", role="verifier"),
            analyst=add_user(s, admin, "ana", role="analyst"),
            public=add_user(s, admin, "pat", role="public"),
        )


def raw_table(
    city: str, year: int, values: dict[str, float], *, file: str = "raw.csv"
) -> pd.DataFrame:
    """Return a raw table with one input row per ``values`` item."""
    rows = [
        {
            "city": city,
            "year": year,
            "kind": "input",
            "code": code,
            "value": value,
            "raw_value": f"{value:g}",
            "unit": "",  # the catalogue unit
            "source": "statistics office",
            "quality": "accurate_measurement",
            "file": file,
            "row": i + 2,
        }
        for i, (code, value) in enumerate(values.items())
    ]
    return pd.DataFrame(rows, columns=list(RAW_COLUMNS))


def kpi_table(
    city: str, year: int, values: dict[tuple[str, str], float | None], *, unit: str = "%"
) -> pd.DataFrame:
    """Return a KPI table: ``(kpi code, data point) -> value`` (``None``: not reported)."""
    rows = [
        {
            "city": city,
            "year": year,
            "code": code,
            "data_point": dp,
            "value": math.nan if value is None else value,
            "unit": unit,
            "status": "not_reported" if value is None else "computed",
            "reason": "missing inputs" if value is None else "",
            "provenance": "{}",
            "quality": "",
        }
        for (code, dp), value in values.items()
    ]
    return pd.DataFrame(rows, columns=list(KPI_COLUMNS))
