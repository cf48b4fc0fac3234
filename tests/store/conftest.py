"""Fixtures of the store tests: a fresh, migrated database per test on SQLite and PostgreSQL.

PostgreSQL tests use the server in ``CITYKPI_TEST_POSTGRES_URL`` (``.ci/run`` starts one) and
a schema of their own, so tests can run in parallel; without the variable they are skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, text

from citykpi.settings import Settings
from citykpi.store import CityProfile, Store, add_city, add_user, open_store, upgrade
from citykpi.store.users import Actor

PG_ENV = "CITYKPI_TEST_POSTGRES_URL"


def _pg_url() -> str:
    url = os.environ.get(PG_ENV, "")
    if not url:
        pytest.skip(f"{PG_ENV} is not set: no PostgreSQL server to test against (.ci/run sets it)")
    return url


@pytest.fixture
def fresh_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Return the URL of an empty database of the engine named by the test's parameter."""
    engine_name = getattr(request, "param", "sqlite")
    if engine_name == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'store.db'}"
        return
    base = _pg_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


ENGINES = pytest.mark.parametrize("fresh_url", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def store(fresh_url: str) -> Iterator[Store]:
    """Return an open store on a freshly migrated database."""
    upgrade(fresh_url)
    opened = open_store(fresh_url, settings=Settings(database_url=fresh_url))
    try:
        yield opened
    finally:
        opened.dispose()


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


@pytest.fixture
def team(store: Store) -> Team:
    """Create the cities Oslo and Bergen and one user per role."""
    return make_team(store)
