"""A damaged or read-only database, and a wrong migration target: a message saying what to do.

Read-only is tested twice. The tests run as root, whom file permissions do not stop, so a
``chmod 0444`` file would still be written: one test makes the store see its file and folder as
not writable (``os.access`` answering no, as it does for another user or on a read-only file
system), which opens it read-only as a real read-only file would be; the other puts the file on
a real read-only medium, a read-only bind mount in a mount namespace of its own (``unshare``),
where not even root can write, and is skipped where the sandbox allows no mount.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from storekit import Team, raw_table
from typer.testing import CliRunner, Result

from citykpi.cli.main import build_app
from citykpi.errors import InputError, StoreError
from citykpi.settings import Settings
from citykpi.store import Store, downgrade, history, open_store, upgrade
from citykpi.store import engine as engine_mod
from citykpi.store.auth import make_single_person
from citykpi.store.importer import import_raw

#: The read-only commands, each as the command line after ``citykpi``.
READING = (
    ("history", "Oslo", "2024", "--as", "ada"),
    ("review", "list", "Oslo", "2024", "--as", "ada"),
    ("export", "--year", "2024", "--as", "ada"),
    ("audit", "--as", "ada"),
    ("db", "check"),
)
WRITE = (
    "value",
    "set",
    "Oslo",
    "2024",
    "households",
    "330000",
    "--reason",
    "census",
    "--as",
    "ada",
)


@pytest.fixture
def db_file(store: Store, team: Team, fresh_url: str) -> Path:
    """Return the SQLite file of a single-person store holding one imported city-year."""
    with store.transaction() as s:
        make_single_person(s)
    import_raw(
        store,
        team.editor,
        raw_table("Oslo", 2024, {"households": 320_000.0, "households_with_internet": 3e5}),
        city="Oslo",
        year=2024,
        file_name="oslo.csv",
    )
    store.dispose()
    return Path(fresh_url.removeprefix("sqlite:///"))


def _cli(db: Path, *args: str) -> Result:
    env = {"CITYKPI_DATABASE_URL": f"sqlite:///{db}", "COLUMNS": "200"}
    return CliRunner().invoke(build_app(), list(args), env=env)


def _one_line_error(result: Result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "Internal error" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def _corrupt_page(db: Path, table: str) -> None:
    """Overwrite the root page of ``table`` with garbage, as a failing disk would."""
    with sqlite3.connect(db) as conn:
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,))
        page = root.fetchone()[0]
    conn.close()
    with db.open("r+b") as f:
        f.seek((page - 1) * size)
        f.write(b"\xde\xad\xbe\xef" * (size // 4))


@pytest.mark.parametrize("command", [READING[0], READING[-1]], ids=["history", "db check"])
def test_a_damaged_database_file_says_so_and_how_to_recover(
    db_file: Path, command: tuple[str, ...]
) -> None:
    _corrupt_page(db_file, "value_revisions")
    line = _one_line_error(_cli(db_file, *command))
    assert line.startswith(f"Error: The database file '{db_file}' is damaged (")
    assert "Restore it from a backup" in line
    assert f"'sqlite3 {db_file} .recover | sqlite3 recovered.db'" in line


def test_a_file_that_is_not_a_database_says_it_is_damaged(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    db.write_bytes(b"this is a spreadsheet, not a database\n" * 200)
    line = _one_line_error(_cli(db, "history", "Oslo", "2024", "--as", "ada"))
    assert "is damaged (file is not a database)" in line


@pytest.mark.parametrize("closed", [True, False], ids=["immutable", "mode=ro"])
def test_a_database_this_process_cannot_write_is_read_only(
    db_file: Path, monkeypatch: pytest.MonkeyPatch, closed: bool
) -> None:
    """A file and folder that ``os.access`` says are not writable open read-only.

    Closed (no ``-shm`` beside it), the file opens ``immutable=1``; while another connection
    has it open, ``mode=ro``.
    """
    other = None if closed else sqlite3.connect(db_file)
    if other is not None:
        other.execute("SELECT count(*) FROM kpi_values").fetchone()
    monkeypatch.setattr(engine_mod.os, "access", lambda path, mode: mode != os.W_OK)
    try:
        store = open_store(f"sqlite:///{db_file}", settings=Settings())
        assert store.read_only
        assert ("immutable=1" if closed else "mode=ro") in str(store.engine.url.database)
        assert store.url == f"sqlite:///{db_file} (read-only)"
        store.dispose()
        for command in READING:
            result = _cli(db_file, *command)
            assert result.exit_code == 0, (command, result.output)
        line = _one_line_error(_cli(db_file, *WRITE))
    finally:
        if other is not None:
            other.close()
    assert line.startswith(f"Error: The database at 'sqlite:///{db_file} (read-only)' is read-only")
    assert "Read-only commands (history, review list, export, audit, db check) work on it" in line


def test_a_store_opened_read_only_reads_and_refuses_writes(db_file: Path, team: Team) -> None:
    store = open_store(f"sqlite:///{db_file}", settings=Settings(), read_only=True)
    try:
        with store.transaction() as s:
            rows = history(s, team.analyst, "Oslo", 2024, code="households")
        assert [r["value"] for r in rows] == [320_000.0]
        with pytest.raises(StoreError, match="is read-only"), store.transaction() as s:
            s.execute(text("DELETE FROM comments"))
    finally:
        store.dispose()


_MOUNTED = """
set -u
mount --bind -o ro "$1" "$2" || exit 99
shift 2
"$@"
"""

#: Runs each command line given as a JSON list of lists, in this one process, and prints a JSON
#: list of [exit code, standard error] (one interpreter start, not one per command).
_RUN_ALL = """
import json, sys
from typer.testing import CliRunner
from citykpi.cli.main import build_app
results = []
for args in json.loads(sys.argv[1]):
    result = CliRunner().invoke(build_app(), args)
    results.append([result.exit_code, result.stderr])
print(json.dumps(results))
"""


def _on_read_only_medium(
    src: Path, mnt: Path, commands: list[tuple[str, ...]]
) -> subprocess.CompletedProcess[str]:
    """Run ``commands`` with the folder ``src`` mounted read-only at ``mnt``."""
    run_all = [sys.executable, "-c", _RUN_ALL, json.dumps(commands)]
    env = {**os.environ, "CITYKPI_DATABASE_URL": f"sqlite:///{mnt}/store.db", "COLUMNS": "200"}
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", _MOUNTED, "sh", str(src), str(mnt), *run_all],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def test_read_only_commands_work_on_a_real_read_only_medium(db_file: Path, tmp_path: Path) -> None:
    if shutil.which("unshare") is None:
        pytest.skip("no 'unshare' here to make a read-only mount")
    src, mnt = db_file.parent, tmp_path / "medium"
    mnt.mkdir()
    done = _on_read_only_medium(src, mnt, [*READING, WRITE])
    if done.returncode == 99 or done.stderr.startswith("unshare:"):
        pytest.skip(f"cannot mount a read-only medium here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert [code for code, _ in results] == [0] * len(READING) + [2], results
    refused = results[-1][1]
    assert f"The database at 'sqlite:///{mnt}/store.db (read-only)' is read-only" in refused
    assert "Traceback" not in refused


@pytest.mark.parametrize("revision", ["-1", "+1", "0003", "heads"])
def test_db_upgrade_to_an_unknown_revision_names_the_valid_ones(
    tmp_path: Path, revision: str
) -> None:
    db = tmp_path / "store.db"
    line = _one_line_error(_cli(db, "db", "upgrade", f"--revision={revision}"))
    assert line == (
        f"Error: Unknown revision {revision!r}; give 'head' or one of the revisions "
        "'0001', '0002' (oldest first)."
    )


def test_downgrade_to_an_unknown_revision_names_base_and_the_valid_ones(fresh_url: str) -> None:
    upgrade(fresh_url)
    with pytest.raises(InputError, match=r"Unknown revision '-1'; give 'base' or one of"):
        downgrade(fresh_url, revision="-1")
