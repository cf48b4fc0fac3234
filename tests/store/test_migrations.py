"""Migrations run up and down on both engines, and create exactly the tables of the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError
from storekit import ENGINES, Team

from citykpi.errors import StoreError
from citykpi.store import Store, downgrade, head_revision, make_engine, upgrade
from citykpi.store.cities import find_city, get_or_create_submission
from citykpi.store.schema import Base
from citykpi.store.values import ValueInput, write_values

TABLES = {
    "api_tokens",
    "audit_events",
    "cities",
    "comments",
    "evidence_blobs",
    "evidence_files",
    "framework_versions",
    "imports",
    "kpi_values",
    "login_attempts",
    "store_settings",
    "submissions",
    "user_cities",
    "users",
    "value_revisions",
}


@ENGINES
def test_every_migration_runs_up_down_and_up_again(fresh_url: str) -> None:
    assert upgrade(fresh_url) == head_revision() == "0002"
    engine = make_engine(fresh_url)
    assert set(inspect(engine).get_table_names()) == TABLES | {"alembic_version"}
    engine.dispose()
    assert downgrade(fresh_url) == ""
    engine = make_engine(fresh_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    assert upgrade(fresh_url) == "0002"
    assert downgrade(fresh_url, revision="0001") == "0001"
    assert upgrade(fresh_url) == "0002"


@ENGINES
def test_the_migrated_schema_matches_the_models(fresh_url: str) -> None:
    upgrade(fresh_url)
    engine = make_engine(fresh_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


@ENGINES
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET reason = 'rewritten'",
        "DELETE FROM audit_events",
        "UPDATE value_revisions SET value = 0",
        "DELETE FROM value_revisions",
    ],
)
def test_audit_events_and_revisions_are_append_only(
    store: Store, team: Team, statement: str
) -> None:
    with store.transaction() as s:
        sub = get_or_create_submission(s, team.editor, find_city(s, "Oslo"), 2024)
        write_values(
            s, team.editor, sub, [ValueInput("input", "population", 1.0)], action="value.import"
        )
    with store.engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
        conn.execute(text(statement))
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM value_revisions")).scalar() == 1


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(store: Store) -> None:
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_a_bad_url_is_a_store_error_naming_it() -> None:
    with pytest.raises(StoreError, match="Cannot use the database URL 'nonsense://x'"):
        make_engine("nonsense://x")


def test_a_store_without_schema_says_to_run_db_upgrade(tmp_path: object) -> None:
    from citykpi.settings import Settings
    from citykpi.store import list_cities, open_store
    from citykpi.store.users import Actor, Role

    url = f"sqlite:///{tmp_path}/empty.db"
    store = open_store(url, settings=Settings(database_url=url))
    assert store.has_schema() is False
    with pytest.raises(StoreError, match="run 'citykpi db upgrade'"), store.transaction() as s:
        list_cities(s, Actor(1, "x", Role.ADMIN))
    store.dispose()


@ENGINES
def test_migration_0002_backfills_names_tokens_and_keeps_colliding_names(fresh_url: str) -> None:
    assert upgrade(fresh_url, revision="0001") == "0001"
    engine = make_engine(fresh_url)
    created = "2026-01-01 00:00:00+00:00"
    with engine.begin() as conn:
        for uid, name in ((1, "Vera"), (2, "vera "), (3, "Ålesund")):
            conn.execute(
                text(
                    "INSERT INTO users (id, name, role, password_hash, active, created_at) "
                    "VALUES (:i, :n, 'admin', '', true, :c)"
                ),
                {"i": uid, "n": name, "c": created},
            )
        for tid, label in ((1, "laptop"), (2, "")):
            conn.execute(
                text(
                    "INSERT INTO api_tokens (id, user_id, token_hash, label, created_at) "
                    "VALUES (:i, 1, :h, :l, :c)"
                ),
                {"i": tid, "h": f"h{tid}", "l": label, "c": created},
            )
    engine.dispose()
    assert upgrade(fresh_url) == "0002"
    engine = make_engine(fresh_url)
    with engine.connect() as conn:
        keys = conn.execute(text("SELECT id, name_key FROM users ORDER BY id")).all()
        tokens = conn.execute(text("SELECT name, expires_at FROM api_tokens ORDER BY id")).all()
    engine.dispose()
    assert [tuple(k) for k in keys] == [(1, "vera"), (2, "vera#2"), (3, "ålesund")]
    assert [t[0] for t in tokens] == ["laptop", "token-2"]
    assert all(str(t[1]).startswith("2026-04-01") for t in tokens)
    assert downgrade(fresh_url, revision="0001") == "0001"


def test_the_migration_copies_the_name_key_of_the_names_module() -> None:
    import importlib.util

    from citykpi.store.migrate import MIGRATIONS
    from citykpi.store.names import name_key

    spec = importlib.util.spec_from_file_location(
        "m0002", MIGRATIONS / "versions" / "0002_trust.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in ("Vera", " vera\u00a0 ", "ＶＥＲＡ", "Straße", "İstanbul", "a  b"):
        assert module._key(name) == name_key(name)
