"""Output formats and error handling shared by every command."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from citykpi.catalogue import load_catalogue
from citykpi.cli._common import OutputFormat, emit_rows, exit_code_for, guarded, rows_to_csv
from citykpi.errors import (
    ConflictError,
    InputError,
    PermissionDenied,
    SpecError,
    ValidationFailed,
)

ROWS = [{"city": "Alderbrook", "value": 1.5}, {"city": "Brindlemoor", "value": float("nan")}]


def test_csv_writes_header_and_blank_for_nan() -> None:
    assert rows_to_csv(ROWS, columns=["city", "value"]) == (
        "city,value\nAlderbrook,1.5\nBrindlemoor,\n"
    )


def test_json_writes_null_for_nan(capsys: pytest.CaptureFixture[str]) -> None:
    emit_rows(ROWS, columns=["city", "value"], fmt=OutputFormat.json)
    assert json.loads(capsys.readouterr().out) == [
        {"city": "Alderbrook", "value": 1.5},
        {"city": "Brindlemoor", "value": None},
    ]


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ValidationFailed("x"), 1),
        (InputError("x"), 2),
        (SpecError("x"), 2),
        (PermissionDenied("x"), 3),
        (ConflictError("x"), 4),
    ],
)
def test_exit_codes(error: Exception, code: int) -> None:
    assert exit_code_for(error) == code  # type: ignore[arg-type]


def test_guarded_turns_errors_into_a_message_without_traceback() -> None:
    app = typer.Typer()

    @app.command()
    @guarded
    def boom() -> None:
        raise PermissionDenied("Verifier 'vera' cannot verify her own edit; ask another verifier.")

    result = CliRunner().invoke(app, [])
    assert result.exit_code == 3
    assert "cannot verify her own edit" in result.output
    assert "Traceback" not in result.output


def test_guarded_reports_a_missing_file() -> None:
    app = typer.Typer()

    @app.command()
    @guarded
    def read() -> None:
        with open("/no/such/file.csv", encoding="utf-8"):
            pass

    result = CliRunner().invoke(app, [])
    assert result.exit_code == 2
    assert "/no/such/file.csv" in result.output


def test_messages_and_cells_are_plain_text_not_markup(capsys: pytest.CaptureFixture[str]) -> None:
    emit_rows([{"unit": "[mass] / [length] ** 3"}], columns=["unit"], fmt=OutputFormat.table)
    assert "[mass] / [length] ** 3" in capsys.readouterr().out
    app = typer.Typer()

    @app.command()
    @guarded
    def bad() -> None:
        raise InputError("Unit 'kg' has dimension [mass], expected [length].")

    result = CliRunner().invoke(app, [])
    assert "dimension [mass], expected [length]" in result.output


LONG = [
    {"city": "Aldmoorvale", "data_point": "wastewater_treatment_secondary", "value": 71.5},
    {"city": "Brassquill", "data_point": "availability_of_wifi_in_public_areas", "value": None},
]


def test_a_table_off_a_terminal_is_plain_aligned_text(capsys: pytest.CaptureFixture[str]) -> None:
    emit_rows(LONG, columns=["city", "data_point", "value"], fmt=OutputFormat.table, title="T")
    assert capsys.readouterr().out.splitlines() == [
        "T",
        "city         data_point                            value",
        "-----------  ------------------------------------  -----",
        "Aldmoorvale  wastewater_treatment_secondary         71.5",
        "Brassquill   availability_of_wifi_in_public_areas",
    ]


def _terminal(monkeypatch: pytest.MonkeyPatch, width: int) -> io.StringIO:
    from citykpi.cli import _common

    buf = io.StringIO()
    fake = Console(file=buf, force_terminal=True, width=width, color_system=None)
    monkeypatch.setattr(_common, "console", fake)
    return buf


@pytest.mark.parametrize("width", [100, 80, 60])
def test_a_narrow_terminal_never_breaks_an_id(monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    buf = _terminal(monkeypatch, width)
    rows = [{**r, "note": "a sentence that may wrap between its words"} for r in LONG]
    emit_rows(rows, columns=["city", "data_point", "value", "note"], fmt=OutputFormat.table)
    text = buf.getvalue()
    for line in text.splitlines():
        assert len(line) <= width
    words = set(text.replace("│", " ").split())
    assert {"wastewater_treatment_secondary", "availability_of_wifi_in_public_areas"} <= words


def test_too_narrow_for_columns_lists_one_record_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    buf = _terminal(monkeypatch, 40)
    emit_rows(LONG, columns=["city", "data_point", "value"], fmt=OutputFormat.table)
    assert buf.getvalue().splitlines() == [
        "city        Aldmoorvale",
        "data_point  wastewater_treatment_secondary",
        "value       71.5",
        "",
        "city        Brassquill",
        "data_point  availability_of_wifi_in_public_areas",
        "value",
    ]


def test_the_command_line_off_a_terminal_keeps_ids_whole_at_80_columns() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "citykpi", "inputs"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "80"},
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Raw inputs (catalogue ")
    assert lines[1].split()[:2] == ["id", "name"]
    ids = [line.split()[0] for line in lines[3:]]
    longest = max(load_catalogue().inputs, key=len)
    assert len(longest) > 30
    assert longest in ids
    assert set(ids) == set(load_catalogue().inputs)
