"""Fixtures of the store tests: a fresh, migrated database per test on SQLite and PostgreSQL.

PostgreSQL tests use the server in ``CITYKPI_TEST_POSTGRES_URL`` (``.ci/run`` starts one) and
a schema of their own, so tests can run in parallel; without the variable they are skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from storekit import Team, make_team

from citykpi.settings import Settings
from citykpi.store import Store, open_store, upgrade

PG_ENV = "CITYKPI_TEST_POSTGRES_URL"


def _pg_url() -> str:
    url = os.environ.get(PG_ENV, "")
    if not url and os.environ.get("CI"):
        pytest.fail(f"{PG_ENV} is not set in CI: .ci/run must start the PostgreSQL test server.")
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


@pytest.fixture
def store(fresh_url: str) -> Iterator[Store]:
    """Return an open store on a freshly migrated database."""
    upgrade(fresh_url)
    opened = open_store(fresh_url, settings=Settings(database_url=fresh_url))
    try:
        yield opened
    finally:
        opened.dispose()


@pytest.fixture
def team(store: Store) -> Team:
    """Create the cities Oslo and Bergen and one user per role."""
    return make_team(store)
