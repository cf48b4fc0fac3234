"""The audit export: before/after are JSON objects in JSON, the stored JSON text in CSV."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from citykpi.cli.main import build_app
from citykpi.store.audit import AuditRow, parse_state

RAW = """city,year,code,value,unit,source,quality
Oslo,2024,population,700000,,SSB,accurate_measurement
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ('{"value": 7.0, "state": "draft"}', {"value": 7.0, "state": "draft"}),
        ("[1, 2]", {"value": [1, 2]}),
        ("not json", {"text": "not json"}),
    ],
)
def test_parse_state(text: str, expected: object) -> None:
    assert parse_state(text) == expected


def test_an_event_record_has_objects_and_its_flat_row_text() -> None:
    row = AuditRow(1, "t", "eva", "value.edit", "value", "3", 1, 2024, '{"v": 1}', '{"v": 2}', "r")
    assert row.as_record()["before"] == {"v": 1}
    assert row.as_record()["after"] == {"v": 2}
    assert row.as_dict()["before"] == '{"v": 1}'


@pytest.fixture(scope="module")
def trail(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("audit")
    env = {
        "CITYKPI_DATABASE_URL": f"sqlite:///{root / 'a.db'}",
        "CITYKPI_CONFIG_DIR": str(root / "config"),
        "COLUMNS": "200",
    }
    raw = root / "in.csv"
    raw.write_text(RAW, encoding="utf-8")

    def run(*args: str, stdin: str | None = None) -> str:
        result = CliRunner().invoke(build_app(), list(args), env=env, input=stdin)
        assert result.exit_code == 0, result.output
        return result.stdout

    run("db", "upgrade")
    password = "a long admin password\n"
    run("user", "add", "root", "--role", "admin", "--password-stdin", stdin=password)
    run("login", "root", "--password-stdin", stdin=password)  # --as root then uses the login
    run("city", "add", "Oslo", "--population", "700000", "--as", "root")
    run("import", str(raw), "--city", "Oslo", "--year", "2024", "--as", "root")
    run(
        "value",
        "set",
        "Oslo",
        "2024",
        "population",
        "710000",
        "--reason",
        "register",
        "--as",
        "root",
    )
    return {fmt: run("audit", "--format", fmt, "--as", "root") for fmt in ("json", "csv")}


def test_json_export_gives_before_and_after_as_objects(trail: dict[str, str]) -> None:
    events = json.loads(trail["json"])
    edit = next(e for e in events if e["action"] == "value.edit")
    assert edit["before"]["value"] == 700000.0
    assert edit["after"]["value"] == 710000.0
    assert edit["after"]["revision"] == 2
    assert (edit["city"], edit["reason"]) == ("Oslo", "register")
    first = events[0]
    assert (first["action"], first["before"]) == ("user.add", None)
    assert isinstance(first["after"], dict)
    assert all(e["before"] is None or isinstance(e["before"], dict) for e in events)


def test_csv_export_keeps_the_json_text_in_one_cell(trail: dict[str, str]) -> None:
    rows = list(csv.DictReader(io.StringIO(trail["csv"])))
    edit = next(r for r in rows if r["action"] == "value.edit")
    assert json.loads(edit["before"])["value"] == 700000.0
    assert json.loads(edit["after"])["value"] == 710000.0
    assert len(rows) == len(json.loads(trail["json"]))


def test_the_json_export_lists_the_same_columns_as_csv(trail: dict[str, str]) -> None:
    header = next(csv.reader(io.StringIO(trail["csv"])))
    assert list(json.loads(trail["json"])[0]) == header
