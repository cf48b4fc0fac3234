"""Hostile command lines and hostile files given to the store: a usage error or a located refusal.

Years on the command line go through one parser (:func:`citykpi.cli._years.parse_year`), so
a 23-digit year or ``1e20`` is a usage error (exit 2) instead of an overflow in the database
driver. Every hostile file of :mod:`test_hostile_files` is also imported, and refused whole.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hostilekit import LIMIT_SECONDS, assert_clean_refusal, run_cli
from test_hostile_files import CASES, Case

from citykpi.cli._years import parse_year


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A single-person store with the city Aldmoor and an admin, built once."""
    folder = tmp_path_factory.mktemp("store")
    env = {"CITYKPI_DATABASE_URL": f"sqlite:///{folder / 'cli.db'}"}
    for args in (
        ("db", "upgrade", "--single-person"),
        ("user", "add", "root", "--role", "admin"),
        ("city", "add", "Aldmoor", "--as", "root"),
    ):
        outcome = run_cli(*args, env=env)
        assert outcome.code == 0, outcome.output
    return folder / "cli.db"


@pytest.fixture
def env(tmp_path: Path, template_db: Path) -> dict[str, str]:
    shutil.copyfile(template_db, tmp_path / "cli.db")
    return {"CITYKPI_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("review", "list", "Aldmoor", "20240000000000000000000"),
            "Invalid value for 'year': '20240000000000000000000' is not a year; give the year as "
            "four digits, from 1900 to 2100, e.g. 2024.",
        ),
        (
            ("export", "--year", "1e20"),
            "Invalid value for '--year': '1e20' is not a year",
        ),
        (
            ("history", "Aldmoor", "99999"),
            "Invalid value for 'year': 99999 is not a year from 1900 to 2100; give e.g. 2024.",
        ),
        (
            ("submit", "Aldmoor", "0"),
            "Invalid value for 'year': 0 is not a year from 1900 to 2100",
        ),
        (
            ("import", "missing.csv", "--city", "Aldmoor", "--year", "1e277"),
            "Invalid value for '--year': '1e277' is not a year",
        ),
    ],
)
def test_a_hostile_year_is_a_usage_error(
    env: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    outcome = run_cli(*args, "--as", "root", env=env)
    assert outcome.code == 2
    assert_clean_refusal(outcome, expect=message)


@pytest.mark.parametrize(("value", "year"), [("2024", 2024), (" 1990 ", 1990), (2100, 2100)])
def test_plain_years_parse(value: str | int, year: int) -> None:
    assert parse_year(value) == year


NO_DATA = "City 'Aldmoor' has no data for 2024; import a file first"


def test_a_good_year_still_reaches_the_store(env: dict[str, str]) -> None:
    outcome = run_cli("history", "Aldmoor", "2024", "--as", "root", env=env)
    assert (outcome.code, NO_DATA in outcome.output) == (2, True)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_import_refuses_a_hostile_file_whole(
    env: dict[str, str], tmp_path: Path, case: Case
) -> None:
    path = tmp_path / case.name
    path.write_bytes(case.content())
    outcome = run_cli(
        "import", str(path), "--city", "Aldmoor", "--year", "2024", "--as", "root", env=env
    )
    assert_clean_refusal(outcome, expect=case.message)
    assert NO_DATA in run_cli("history", "Aldmoor", "2024", "--as", "root", env=env).output


@pytest.mark.parametrize("command", ["validate", "compute"])
def test_the_power_tower_unit_ends_within_the_limit_in_a_real_process(
    tmp_path: Path, command: str
) -> None:
    # A separate process, so that a hang in C (a huge integer power) fails instead of blocking.
    path = tmp_path / "u.csv"
    path.write_text("city,year,code,value,unit\nAldmoor,2024,city_area,120,km**2**2**2**2**2**2\n")
    extra = ["-o", str(tmp_path / "kpis.csv")] if command == "compute" else []
    done = subprocess.run(
        [sys.executable, "-m", "citykpi", command, str(path), *extra],
        capture_output=True,
        text=True,
        timeout=LIMIT_SECONDS,
        check=False,
        env={"COLUMNS": "250", "PATH": ""},
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "Internal error" not in done.stdout + done.stderr
    assert "unit_not_convertible" in done.stdout + done.stderr
