"""User text reaches the terminal literally: no rich markup, no control sequences.

A city named ``[/y]`` once crashed the output after the change was committed, and
``[link=https://x]Aldmoorvale[/link]`` printed a hyperlink in place of a name. The store
commands run here against a single-person SQLite store, on a plain stream (as in a pipe) and on
a console forced to act as a terminal (the rich table path).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.text import Text
from typer.testing import CliRunner, Result

from citykpi.cli import _common, _store_session
from citykpi.cli._terminal import SafeConsole, json_safe, printable, safe_text
from citykpi.cli.main import build_app

ESC_LINK = "\x1b]8;;http://evil\x1b\\"
SHOWN_LINK = "\\x1b]8;;http://evil\\x1b\\"
NAMES = ("[/y]", "[link=https://x]Aldmoorvale[/link]", ":thumbs_up: [bold]Oslo[/bold]")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Oslo", "Oslo"),
        ("[/y]", "[/y]"),
        (f"Evil{ESC_LINK}Town", f"Evil{SHOWN_LINK}Town"),
        ("\x1b[31mred", "\\x1b[31mred"),
        ("csi\x9b2J", "csi\\x9b2J"),
        ("del\x7f", "del\\x7f"),
        ("bidi\u202eevil", "bidi\\u202eevil"),
        ("tab\tcr\rbell\x07", "tab\\tcr\\rbell\\x07"),
        ("two\nlines", "two\nlines"),
    ],
)
def test_printable_shows_every_control_character_as_an_escape(text: str, shown: str) -> None:
    assert printable(text) == shown
    assert printable(text, one_line=True) == shown.replace("\n", "\\n")


def test_json_stays_the_same_value_with_c1_and_bidi_characters_escaped() -> None:
    data = {"name": "a\x9bb\u202ec\x1bd"}
    text = json_safe(json.dumps(data, ensure_ascii=False))
    assert text == '{"name": "a\\u009bb\\u202ec\\u001bd"}'
    assert json.loads(text) == data


def test_styled_text_keeps_its_styles_around_escaped_characters() -> None:
    line = Text.assemble(("Error: ", "bold red"), "city ", (ESC_LINK, "blue"), "!", style="dim")
    safe = safe_text(line)
    assert safe.plain == f"Error: city {SHOWN_LINK}!"
    assert str(safe.style) == "dim"
    spans = [(s.start, s.end, str(s.style)) for s in safe.spans]
    assert spans == [(0, 7, "bold red"), (12, 12 + len(SHOWN_LINK), "blue")]


def _terminal(buffer: io.StringIO) -> SafeConsole:
    return SafeConsole(file=buffer, force_terminal=True, width=200, color_system="truecolor")


@pytest.mark.parametrize("name", [*NAMES, f"Evil{ESC_LINK}Town"])
def test_a_terminal_console_prints_strings_literally(name: str) -> None:
    buffer = io.StringIO()
    console = _terminal(buffer)
    console.print(f"Added city {name}.", markup=True, emoji=True)  # asking for markup: ignored
    with console.status(f"Importing {name}...") as status:
        status.update(f"Importing {name} again...")
    out = buffer.getvalue()
    assert f"Added city {printable(name)}." in out
    assert "\x1b]8;" not in out  # no hyperlink was made, from markup or from the text
    assert "\U0001f44d" not in out  # no emoji either


# --------------------------------------------------------------------- the store commands


class Cli:
    """Run ``citykpi`` against one single-person SQLite store (``--as root``)."""

    def __init__(self, tmp_path: Path) -> None:
        self.env = {"CITYKPI_DATABASE_URL": f"sqlite:///{tmp_path / 'safe.db'}", "COLUMNS": "250"}
        self.tmp = tmp_path

    def __call__(self, *args: str) -> Result:
        return CliRunner().invoke(build_app(), list(args), env=self.env)

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.exit_code == 0, result.output
        assert "Internal error" not in result.output
        return result.output


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    run = Cli(tmp_path)
    run.ok("db", "upgrade", "--single-person")
    run.ok("user", "add", "root", "--role", "admin")
    return run


def _import(cli: Cli, name: str) -> None:
    quoted = '"' + name.replace('"', '""') + '"'
    raw = cli.tmp / "raw.csv"
    raw.write_text(
        "city,year,code,value,unit,source,quality\n"
        f"{quoted},2024,population,700000,,{quoted},accurate_measurement\n",
        encoding="utf-8",
    )
    cli.ok("import", str(raw), "--city", name, "--year", "2024", "--as", "root")


def _literal(out: str, *texts: str) -> None:
    for text in texts:
        assert text in out
    assert "\x1b" not in out


@pytest.mark.parametrize("name", NAMES)
def test_a_markup_city_name_goes_through_every_command_literally(cli: Cli, name: str) -> None:
    _literal(cli.ok("city", "add", name, "--as", "root"), f"Added city {name!r}")
    _literal(cli.ok("city", "list", "--as", "root"), name)
    _import(cli, name)
    note = f"checked {ESC_LINK}[/y]"
    cli.ok("value", "set", name, "2024", "population", "700001", "--reason", note, "--as", "root")
    history = cli.ok("history", name, "2024", "--as", "root")
    _literal(history, f"History of {name} 2024", f"checked {SHOWN_LINK}[/y]")
    _literal(cli.ok("review", "list", name, "2024", "--as", "root"), f"{name} 2024", "700001")
    csv_out = cli.ok("history", name, "2024", "--as", "root", "--format", "csv")
    assert ESC_LINK in csv_out  # data for a pipe or a file keeps its exact text
    rows = json.loads(cli.ok("history", name, "2024", "--as", "root", "--format", "json"))
    assert {r["note"] for r in rows} >= {note}


def test_on_a_terminal_the_rich_table_shows_names_and_notes_literally(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in NAMES:
        cli.ok("city", "add", name, "--as", "root")
    _import(cli, NAMES[1])
    note = f"see {ESC_LINK}here"
    cli.ok("value", "set", NAMES[1], "2024", "population", "7", "--reason", note, "--as", "root")
    buffer = io.StringIO()
    terminal = _terminal(buffer)
    monkeypatch.setattr(_common, "console", terminal)
    monkeypatch.setattr(_store_session, "console", terminal, raising=False)
    cli.ok("city", "list", "--as", "root")
    cli.ok("history", NAMES[1], "2024", "--code", "population", "--as", "root")
    cli.ok("history", NAMES[1], "2024", "--code", "population", "--as", "root", "--format", "csv")
    out = buffer.getvalue()
    assert "┏━" in out  # drawn as a rich table
    for name in NAMES:
        assert name in out
    assert f"History of {NAMES[1]} 2024" in out
    assert f"see {SHOWN_LINK}here" in out
    assert "\x1b]8;" not in out
    assert "\U0001f44d" not in out


def test_a_city_name_with_a_terminal_hyperlink_is_refused_and_shown_escaped(cli: Cli) -> None:
    result = cli("city", "add", f"Evil{ESC_LINK}Town", "--as", "root")
    assert result.exit_code == 2, result.output
    assert "Evil\\x1b]8;;http://evil\\x1b\\\\Town" in result.output  # repr of the name
    assert "\x1b" not in result.output


def test_a_control_sequence_in_a_profile_field_is_shown_escaped(cli: Cli) -> None:
    cli.ok("city", "add", "Oslo", "--country", f"No{ESC_LINK}rway", "--as", "root")
    _literal(cli.ok("city", "list", "--as", "root"), f"No{SHOWN_LINK}rway")
    rows = json.loads(cli.ok("city", "list", "--as", "root", "--format", "json"))
    assert [r["country"] for r in rows] == [f"No{ESC_LINK}rway"]


def test_an_internal_error_message_is_printed_literally(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from citykpi.cli import main as cli_main

    class Broken:
        def __call__(self, **_: object) -> None:
            raise RuntimeError("[/y] and [link=https://x]x[/link]")

    monkeypatch.setattr(cli_main, "build_app", Broken)
    monkeypatch.delenv("CITYKPI_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        cli_main.main()
    assert exit_info.value.code == 2
    assert "Internal error: RuntimeError: [/y] and [link=https://x]x[/link]." in (
        capsys.readouterr().err
    )


def test_validation_messages_quoting_brackets_are_not_escaped_with_backslashes(
    tmp_path: Path,
) -> None:
    raw = tmp_path / "u.csv"
    raw.write_text(
        "city,year,code,value,unit,source,quality\n"
        "Oslo,2024,population,700000,[mass],SSB,accurate_measurement\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(build_app(), ["validate", str(raw)], env={"COLUMNS": "250"})
    assert result.exit_code == 1, result.output
    assert "The unit '[mass]' of 'population'" in result.output
    assert "\\[" not in result.output


def test_export_writes_formula_cells_quoted_and_numbers_as_numbers(cli: Cli) -> None:
    import csv

    city, source = "@SUM(1)", '=HYPERLINK("http://x","y")'
    cli.ok("city", "add", city, "--as", "root")
    raw = cli.tmp / "raw.csv"
    raw.write_text(
        "city,year,code,value,unit,source,quality\n"
        f'"{city}",2024,population,700000,,"=HYPERLINK(""http://x"",""y"")",accurate_measurement\n'
        f'"{city}",2024,households,320000,,-2+3,accurate_measurement\n',
        encoding="utf-8",
    )
    cli.ok("import", str(raw), "--city", city, "--year", "2024", "--as", "root")
    out = cli.ok("export", "--as", "root", "--format", "csv")
    rows = [r for r in csv.DictReader(io.StringIO(out)) if r["kind"] == "input"]
    assert [(r["city"], r["code"], r["value"], r["source"]) for r in rows] == [
        ("'@SUM(1)", "households", "320000", "'-2+3"),
        ("'@SUM(1)", "population", "700000", "'" + source),
    ]
