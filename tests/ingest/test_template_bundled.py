"""The template of the bundled catalogue: every input once, and a lossless round trip."""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from pandas.testing import assert_frame_equal
from typer.testing import CliRunner

from citykpi.catalogue import Catalogue, load_catalogue
from citykpi.cli.main import build_app
from citykpi.ingest import read_file
from citykpi.ingest import template_layout as layout
from citykpi.io import write_template
from citykpi.model import RAW_COLUMNS, DataQuality

FILL_COLS = (layout.VALUE_COL, layout.OVERRIDE_COL, layout.QUALITY_COL, layout.SOURCE_COL)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue) -> Path:
    return write_template("Sample City", 2024, tmp_path_factory.mktemp("t") / "t.xlsx")


def test_each_input_is_asked_for_once_and_every_data_point_can_be_reported(
    template: Path, catalogue: Catalogue
) -> None:
    book = load_workbook(template, read_only=True)
    try:
        ids: list[str] = []
        points: list[str] = []
        for ws in book.worksheets:
            rows = list(ws.iter_rows(min_row=layout.HEADER_ROW + 1, values_only=True))
            if ws.title == layout.KPI_SHEET:
                points = [str(r[layout.KPI_CODE_COL - 1]) for r in rows]
            elif ws.title != layout.COVER_SHEET:
                ids += [str(r[layout.INPUT_CODE_COL - 1]) for r in rows]
        assert book.sheetnames == [
            "Cover",
            "General",
            "Economy",
            "Environment",
            "Society and Culture",
            "KPI results",
        ]
    finally:
        book.close()
    assert sorted(ids) == sorted(catalogue.inputs)
    assert len(ids) == len(set(ids))
    assert points == [dp.id for _, dp in catalogue.iter_data_points()]
    assert len(points) == 112


def test_round_trip_of_every_cell_is_lossless(
    template: Path, tmp_path: Path, catalogue: Catalogue
) -> None:
    path = tmp_path / "filled.xlsx"
    book = load_workbook(template)
    qualities = itertools.cycle(DataQuality)
    expected: list[tuple[object, ...]] = []
    counter = itertools.count(1)
    for ws in book.worksheets[1:]:
        kind = "kpi" if ws.title == layout.KPI_SHEET else "input"
        code_col = layout.KPI_CODE_COL if kind == "kpi" else layout.INPUT_CODE_COL
        for row in range(layout.HEADER_ROW + 1, ws.max_row + 1):
            n = next(counter)
            code = ws.cell(row=row, column=code_col).value
            unit = ws.cell(row=row, column=layout.UNIT_COL[kind]).value
            item = catalogue.inputs.get(str(code)) if kind == "input" else None
            if item is not None and item.kind == "boolean":
                cell, raw, value = ("yes", "yes", 1.0) if n % 2 else ("No", "No", 0.0)
            elif n % 3:
                cell, raw, value = n * 1000 + 0.25, repr(n * 1000 + 0.25), n * 1000 + 0.25
            else:
                cell, raw, value = n, str(n), float(n)
            override = f"unit {n}" if n % 5 == 0 else None
            quality = next(qualities)
            for col, content in zip(
                FILL_COLS, (cell, override, quality.label, f"Source {n}"), strict=True
            ):
                ws.cell(row=row, column=col, value=content)
            expected.append(
                (
                    "Sample City",
                    2024,
                    kind,
                    code,
                    value,
                    raw,
                    override or unit,
                    f"Source {n}",
                    quality.value,
                    str(path),
                    f"{ws.title}!F{row}",
                )
            )
    book.save(path)
    result = read_file(path)
    frame = (
        pd.DataFrame(expected, columns=list(RAW_COLUMNS))
        .astype(dict.fromkeys(RAW_COLUMNS, object))
        .astype({"year": "int64", "value": "float64"})
    )
    assert result.issues == ()
    assert len(result.frame) == len(catalogue.inputs) + 112
    assert_frame_equal(result.frame, frame)


def test_cli_writes_the_template_and_refuses_to_overwrite_it(tmp_path: Path) -> None:
    path = tmp_path / "sample.xlsx"
    app = build_app()
    first = CliRunner().invoke(app, ["template", "Sample City", "2024", "-o", str(path)])
    assert first.exit_code == 0, first.output
    assert "Wrote the data-collection template for 'Sample City' 2024" in first.output
    before = path.read_bytes()
    second = CliRunner().invoke(app, ["template", "Other City", "2023", "-o", str(path)])
    assert second.exit_code == 2
    assert path.read_bytes() == before
    forced = CliRunner().invoke(app, ["template", "Other City", "2023", "-o", str(path), "--force"])
    assert forced.exit_code == 0, forced.output
    assert read_file(path).frame.empty
    book = load_workbook(path, read_only=True)
    try:
        cover = book[layout.COVER_SHEET]
        assert (cover["B3"].value, cover["B4"].value) == ("Other City", 2023)
    finally:
        book.close()
