"""Spreadsheet-formula cells neutralised in every CSV and XLSX citykpi writes (OWASP rule)."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from pandas.testing import assert_frame_equal
from typer.testing import CliRunner

from citykpi.cli._common import rows_to_csv
from citykpi.cli.main import build_app
from citykpi.ingest import read_file
from citykpi.ingest import template_layout as layout
from citykpi.io import OutputFolder, csv_text, write_table, write_template
from citykpi.io.cells import TRIGGERS, neutralise, neutralise_frame, restore, restore_frame

#: Text a spreadsheet would execute, and what citykpi writes instead.
HOSTILE = {
    '=HYPERLINK("http://x","y")': '\'=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0": "'+cmd|' /C calc'!A0",
    "@SUM(1)": "'@SUM(1)",
    "-2+3": "'-2+3",
    "\t=1": "'\t=1",
    "\r=1": "'\r=1",
    "-": "'-",
    "'=already quoted": "''=already quoted",
}


@pytest.mark.parametrize(("text", "written"), HOSTILE.items())
def test_a_cell_a_spreadsheet_would_execute_gets_a_leading_quote(text: str, written: str) -> None:
    assert neutralise(text) == written
    assert restore(written) == text


@pytest.mark.parametrize(
    "text",
    ["Oslo", "", "-5", "+3.2", "-1.5e-3", ".5", "12", "a=b", "'quoted", "'-5", "Aldmoor-vale"],
)
def test_plain_text_and_plain_numbers_are_left_alone(text: str) -> None:
    assert neutralise(text) == text
    assert restore(text) == text


def test_a_frame_keeps_numbers_as_numbers_and_quotes_text() -> None:
    frame = pd.DataFrame(
        {
            "city": ['=HYPERLINK("http://x","y")', "Oslo"],
            "value": [-2.5, 3.0],
            "count": [-1, 2],
            "raw": ["-5", "@SUM(1)"],
        },
        index=pd.Index(["+a", "b"], name="id"),
    )
    safe = neutralise_frame(frame)
    expected = pd.DataFrame(
        {
            "city": ['\'=HYPERLINK("http://x","y")', "Oslo"],
            "value": [-2.5, 3.0],
            "count": [-1, 2],
            "raw": ["-5", "'@SUM(1)"],
        },
        index=pd.Index(["'+a", "b"], name="id"),
    )
    assert_frame_equal(safe, expected)
    assert frame.loc["+a", "city"].startswith("=")  # the caller's frame is not changed
    assert neutralise_frame(expected.assign(city=["Oslo", "Bergen"])) is not None


def test_a_header_a_spreadsheet_would_execute_is_quoted() -> None:
    frame = pd.DataFrame({"=cmd()": [1], "city": ["Oslo"]})
    assert list(neutralise_frame(frame).columns) == ["'=cmd()", "city"]


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_write_table_and_output_folders_write_neutralised_csv(tmp_path: Path) -> None:
    frame = pd.DataFrame({"city": list(HOSTILE), "value": [-1.0] * len(HOSTILE)})
    expected = [["city", "value"], *([w, "-1.0"] for w in HOSTILE.values())]
    assert _csv_rows(write_table(frame, tmp_path / "t.csv")) == expected
    with OutputFolder(tmp_path / "out", title="t") as folder:
        folder.table("t.csv", frame, "A table.")
    assert _csv_rows(tmp_path / "out" / "t.csv") == expected
    assert _csv_rows(tmp_path / "out" / "t.csv") == list(csv.reader(io.StringIO(csv_text(frame))))


def test_json_lines_keep_the_text_as_it_is(tmp_path: Path) -> None:
    frame = pd.DataFrame({"city": ["=1+1"]})
    path = write_table(frame, tmp_path / "t.jsonl")
    assert path.read_text(encoding="utf-8") == '{"city":"=1+1"}\n'


def test_the_cli_csv_output_is_neutralised_and_numbers_stay_numbers() -> None:
    rows = [{"city": "@SUM(1)", "value": -2.0, "n": -3, "text": "-4"}]
    assert rows_to_csv(rows, columns=("city", "value", "n", "text")) == (
        "city,value,n,text\n'@SUM(1),-2,-3,-4\n"
    )


def test_restore_frame_undoes_neutralise_frame() -> None:
    frame = pd.DataFrame({"city": list(HOSTILE), "note": ["'x"] * len(HOSTILE)})
    assert_frame_equal(restore_frame(neutralise_frame(frame)), frame)


GOOD = """city,year,code,value,unit,source,quality
{city},2024,population,700000,,{source},accurate_measurement
{city},2024,households,320000,,{source},accurate_measurement
{city},2024,households_with_internet,300000,,{source},accurate_measurement
"""


@pytest.mark.parametrize("city", ["@SUM(1)", "-2+3", "=1+1"])
def test_compute_writes_a_neutralised_kpi_table_that_reads_back_unchanged(
    tmp_path: Path, city: str
) -> None:
    from citykpi.io import read_kpi_table

    raw = tmp_path / "raw.csv"
    source = "\"+cmd|' /C calc'!A0\""
    raw.write_text(GOOD.format(city=f'"{city}"', source=source), encoding="utf-8")
    out = tmp_path / "kpis.csv"
    runner = CliRunner()
    result = runner.invoke(build_app(), ["compute", str(raw), "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = _csv_rows(out)
    header = rows[0]
    cities = {r[header.index("city")] for r in rows[1:]}
    assert cities == {neutralise(city)}
    assert not any(c.startswith(("=", "+", "@")) for r in rows for c in r)
    assert set(read_kpi_table(out)["city"]) == {city}
    stdout = runner.invoke(build_app(), ["compute", str(raw)])
    assert stdout.exit_code == 0, stdout.output
    printed = list(csv.reader(io.StringIO(stdout.stdout)))
    assert {r[printed[0].index("city")] for r in printed[1:]} == {neutralise(city)}


@pytest.mark.parametrize("city", [*list(HOSTILE)[:4], "=1+1"])
def test_the_template_writes_the_city_as_text_never_a_formula(tmp_path: Path, city: str) -> None:
    path = write_template(city, 2024, tmp_path / "t.xlsx")
    book = load_workbook(path)
    formulas = [
        f"{ws.title}!{c.coordinate}"
        for ws in book
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    ]
    assert formulas == []
    cover = book["Cover"]
    assert (cover["B3"].value, cover["B3"].data_type, cover["B3"].quotePrefix) == (
        city,
        "s",
        True,
    )
    book["General"].cell(row=layout.HEADER_ROW + 1, column=layout.VALUE_COL, value=36100)
    book.save(path)  # as the city fills it in: the name must read back as it was given
    assert set(read_file(path).frame["city"]) == {city}


def test_the_template_and_the_csv_writers_share_one_rule() -> None:
    # ingest cannot import io (layering), so the template keeps a copy that must not drift
    from citykpi.ingest import template
    from citykpi.io.cells import TRIGGERS

    assert template._FORMULA_STARTS == TRIGGERS


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("=+-@\t\r'0123456789.eEx "), max_size=8) | st.text())
def test_neutralise_is_undone_by_restore_and_leaves_nothing_executable(text: str) -> None:
    written = neutralise(text)
    assert restore(written) == text
    if written.startswith(TRIGGERS):
        assert written == text  # only a plain number may start so, and it is left alone
        assert not math.isnan(float(text))  # float() raises unless it is a number
