"""The read-only store commands read in a read transaction: they neither take nor wait for
SQLite's write lock, and record a token's last use only when it is due, in a short write of
its own."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from citykpi.settings import Settings
from citykpi.store import (
    CityProfile,
    Store,
    actor_by_name,
    add_city,
    add_user,
    create_token,
    open_store,
)
from citykpi.store import upgrade as upgrade_store
from citykpi.store.auth import TOUCH_EVERY
from citykpi.store.schema import ApiToken, utcnow

READERS = [
    ["city", "list"],
    ["city", "show", "Oslo"],
    ["user", "list"],
    ["token", "list"],
    ["audit", "--city", "Oslo"],
]


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    """An SQLite store with Oslo and one admin."""
    found = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade_store(found)
    store = open_store(found, settings=Settings(database_url=found))
    try:
        with store.transaction() as session:
            add_user(session, None, "root", role="admin")
        with store.transaction() as session:
            add_city(session, actor_by_name(session, "root"), CityProfile("Oslo", country="Norway"))
        yield found
    finally:
        store.dispose()


def _store(url: str) -> Store:
    return open_store(url, settings=Settings(database_url=url))


def _token(url: str) -> str:
    store = _store(url)
    try:
        with store.transaction() as session:
            return create_token(session, actor_by_name(session, "root"), name="reader")
    finally:
        store.dispose()


def _last_used(url: str) -> datetime | None:
    store = _store(url)
    try:
        with store.reading() as session:
            return session.scalar(select(ApiToken.last_used_at).where(ApiToken.name == "reader"))
    finally:
        store.dispose()


def _citykpi(
    url: str, token: str, tmp_path: Path, args: list[str]
) -> subprocess.CompletedProcess[str]:
    env = {
        "CITYKPI_DATABASE_URL": url,
        "CITYKPI_TOKEN": token,
        "CITYKPI_CONFIG_DIR": str(tmp_path / "config"),
        "HOME": str(tmp_path),
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "citykpi", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_reader_does_not_wait_for_a_writer_holding_the_lock(url: str, tmp_path: Path) -> None:
    token = _token(url)
    first = _citykpi(url, token, tmp_path, ["city", "list"])
    assert first.returncode == 0, first.stderr
    assert _last_used(url) is not None  # the first use was due: recorded
    db = tmp_path / "store.db"
    with closing(sqlite3.connect(db, isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")  # another process holds the write lock throughout
        try:
            for args in READERS:
                done = _citykpi(url, token, tmp_path, args)
                assert done.returncode == 0, (args, done.stderr)
                assert "locked" not in done.stderr
        finally:
            writer.execute("ROLLBACK")
    assert "Oslo" in _citykpi(url, token, tmp_path, ["city", "show", "Oslo"]).stdout


def test_the_last_use_is_recorded_when_due_and_not_on_every_read(url: str, tmp_path: Path) -> None:
    token = _token(url)
    assert _last_used(url) is None
    assert _citykpi(url, token, tmp_path, ["user", "list"]).returncode == 0
    first = _last_used(url)
    assert first is not None
    assert _citykpi(url, token, tmp_path, ["city", "list"]).returncode == 0
    assert _last_used(url) == first  # used again within TOUCH_EVERY: no write
    store = _store(url)
    try:
        with store.transaction() as session:  # as if the last use were long ago
            session.execute(
                update(ApiToken)
                .where(ApiToken.name == "reader")
                .values(last_used_at=utcnow() - TOUCH_EVERY - timedelta(minutes=1))
            )
    finally:
        store.dispose()
    stale = _last_used(url)
    assert _citykpi(url, token, tmp_path, ["city", "list"]).returncode == 0
    now = _last_used(url)
    assert stale is not None
    assert now is not None
    assert now > stale
