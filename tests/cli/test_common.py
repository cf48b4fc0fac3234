"""Output formats and error handling shared by every command."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

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
