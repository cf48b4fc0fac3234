"""Write the XLSX data-collection template a city fills in (read back by :func:`read_files`).

Every text cell is written as text, never as a formula, whatever it starts with (a city named
``=HYPERLINK(...)`` is shown as those characters; see :func:`_text_cells`).

The workbook follows the U4SSC data-collection template, reorganised so that each raw input is
asked for **once** even when it feeds several KPIs (population, households, city area, ...):

* ``Cover``: city, year (both editable), instructions, the data-quality legend and the catalogue
  version;
* one sheet per dimension (``Economy``, ``Environment``, ``Society and Culture``) listing the raw
  inputs the catalogue's inputs registry assigns to it, with id, name, unit, guidance and the KPIs
  each input feeds, then the cells to fill in: value, unit override, data quality (drop-down of
  the six U4SSC options) and source;
* ``KPI results``: one row per KPI data point, to report a final result directly when only the
  result is known (the U4SSC template's column O override).

Sheets are protected without a password so that ids and labels are not changed by accident;
only the cells to fill in are unlocked, and the workbook structure (sheet order and names) is
locked. This module builds the workbook in memory (:func:`template_bytes`);
:func:`citykpi.io.write_template` writes it to a file, never over an existing one unless asked.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Final

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from citykpi.catalogue import Catalogue, InputDef, load_catalogue
from citykpi.errors import InputError
from citykpi.ingest import template_layout as layout
from citykpi.model import DataQuality

_FILL: Final = PatternFill("solid", start_color="FFF2CC", end_color="FFF2CC")  # orange-ish cells
_HEADER_FILL: Final = PatternFill("solid", start_color="D9E1F2", end_color="D9E1F2")
_WIDTHS: Final[tuple[int, ...]] = (30, 36, 16, 48, 28, 16, 14, 36, 36)
_UNLOCKED: Final = Protection(locked=False)

_INSTRUCTIONS: Final[tuple[str, ...]] = (
    "Fill in the yellow cells only: value, unit override (if your value is in another unit), "
    "data quality and source.",
    "Each raw input is asked for once, on the sheet of its dimension, even if it feeds several "
    "KPIs; the 'Feeds KPIs' column lists them.",
    "Leave a value empty when you do not have it: the KPIs it feeds are then reported as not "
    "reported (NR).",
    "Yes/no inputs take 'yes' or 'no'. Numbers use the unit of the 'Unit' column unless you "
    "write another unit in 'Unit override'.",
    "If you only have a KPI's final result (not its inputs), write it on the 'KPI results' "
    "sheet; it is then marked as reported directly.",
    "Check the file with 'citykpi validate FILE.xlsx', then 'citykpi compute FILE.xlsx'.",
)


def template_bytes(city: str, year: int, *, catalogue: Catalogue | None = None) -> bytes:
    """Return the data-collection workbook for one city and year, as the bytes of an XLSX file.

    Writing it to a file is the input/output layer's job: :func:`citykpi.io.write_template`.

    Parameters
    ----------
    city
        The city's name, written on the cover sheet (the city may correct it there).
    year
        The reporting year, from 1900 to 2100.
    catalogue
        The catalogue whose inputs and data points the workbook asks for; the bundled one by
        default.

    Raises
    ------
    InputError
        If the city is blank or the year out of range.
    """
    check_template_arguments(city, year)
    cat = catalogue if catalogue is not None else load_catalogue()
    workbook = build_workbook(city.strip(), year, cat)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def check_template_arguments(city: str, year: int) -> None:
    """Refuse a blank city name or a year outside 1900-2100 (before anything is built).

    Raises
    ------
    InputError
        Naming the argument and the fix.
    """
    if not city.strip():
        msg = "The city name is blank; give the name of the city the template is for."
        raise InputError(msg)
    if isinstance(year, bool) or not 1900 <= year <= 2100:
        msg = f"Year {year!r} is not a reporting year; give a year from 1900 to 2100."
        raise InputError(msg)


def build_workbook(city: str, year: int, catalogue: Catalogue) -> Workbook:
    """Return the template workbook in memory (see :func:`write_template`)."""
    workbook = Workbook()
    cover = workbook.active
    assert isinstance(cover, Worksheet)  # a new Workbook always has one worksheet
    _write_cover(cover, city, year, catalogue.version)
    for sheet, inputs in _inputs_by_sheet(catalogue):
        _write_inputs(workbook.create_sheet(sheet[:31]), sheet, inputs, catalogue)
    _write_kpis(workbook.create_sheet(layout.KPI_SHEET), catalogue)
    workbook.security = WorkbookProtection(lockStructure=True)
    for ws in workbook.worksheets:
        _text_cells(ws)
    return workbook


#: First characters that make a spreadsheet run a cell as a formula (OWASP; see
#: :mod:`citykpi.io.cells` for the same rule in CSV files).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text_cells(ws: Worksheet) -> None:
    """Make every text cell of ``ws`` a text cell, never a formula.

    openpyxl stores a string that starts with ``=`` as a formula, so a city named
    ``=HYPERLINK(...)`` would become a live link. Typed as a string (``data_type "s"``), the
    cell holds the characters and reads back unchanged; the quote prefix tells the
    spreadsheet it is text, so editing the cell keeps it text.
    """
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
                if cell.value.startswith(_FORMULA_STARTS):
                    cell.quotePrefix = True


def _write_cover(ws: Worksheet, city: str, year: int, version: str) -> None:
    ws.title = layout.COVER_SHEET
    ws["A1"] = layout.MARKER
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = "U4SSC Key Performance Indicators for Smart Sustainable Cities"
    rows = (
        ("City", city, layout.COVER_CITY),
        ("Year", year, layout.COVER_YEAR),
        ("Catalogue version", version, layout.COVER_VERSION),
        ("Template format", layout.FORMAT_VERSION, layout.COVER_FORMAT),
    )
    for label, value, ref in rows:
        ws[f"A{ws[ref].row}"] = label
        ws[f"A{ws[ref].row}"].font = Font(bold=True)
        ws[ref] = value
    for ref in (layout.COVER_CITY, layout.COVER_YEAR):
        ws[ref].protection = _UNLOCKED
        ws[ref].fill = _FILL
    year_check = DataValidation(
        type="whole",
        operator="between",
        formula1="1900",
        formula2="2100",
        showErrorMessage=True,
        errorTitle="Year",
        error="Write the reporting year as four digits, e.g. 2024.",
    )
    year_check.add(layout.COVER_YEAR)
    ws.add_data_validation(year_check)
    ws["A8"] = "Instructions"
    ws["A8"].font = Font(bold=True)
    for offset, line in enumerate(_INSTRUCTIONS, start=9):
        ws[f"A{offset}"] = f"{offset - 8}. {line}"
    legend = 9 + len(_INSTRUCTIONS) + 1
    ws[f"A{legend}"] = "Data quality options (column 'Data quality')"
    ws[f"A{legend}"].font = Font(bold=True)
    for offset, quality in enumerate(DataQuality, start=legend + 1):
        ws[f"A{offset}"] = quality.label
        ws[f"B{offset}"] = quality.value
    ws.column_dimensions["A"].width = 44
    ws.column_dimensions["B"].width = 40
    ws.protection.sheet = True


def _inputs_by_sheet(catalogue: Catalogue) -> list[tuple[str, list[InputDef]]]:
    """Group the inputs by sheet: General, then dimensions in catalogue order; by first KPI fed."""
    order: dict[str, int] = {}
    for kpi in catalogue.kpis:
        for dp in kpi.data_points:
            order.setdefault(dp.id, len(order))
    # Shared inputs (population, households, area, ...) come first: most KPIs need them.
    sheets: dict[str, list[InputDef]] = {"General": []}
    sheets.update({kpi.dimension: [] for kpi in catalogue.kpis})
    for item in catalogue.inputs.values():
        sheets.setdefault(item.sheet, []).append(item)
    last = len(order)
    for items in sheets.values():
        items.sort(key=lambda i: (min((order.get(f, last) for f in i.feeds), default=last), i.id))
    return [(sheet, items) for sheet, items in sheets.items() if items]


def _feeds(item: InputDef, catalogue: Catalogue) -> str:
    codes: list[str] = []
    fed = set(item.feeds)
    for kpi in catalogue.kpis:
        if any(dp.id in fed for dp in kpi.data_points) and kpi.code not in codes:
            codes.append(kpi.code)
    return "; ".join(codes)


def _start_sheet(ws: Worksheet, title: str, hint: str, headers: Sequence[str]) -> None:
    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = hint
    for col, (header, width) in enumerate(zip(headers, _WIDTHS, strict=True), start=1):
        cell = ws.cell(row=layout.HEADER_ROW, column=col, value=header)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = f"B{layout.HEADER_ROW + 1}"


def _quality_validation(ws: Worksheet, last_row: int) -> None:
    labels = ",".join(q.label for q in DataQuality)
    validation = DataValidation(
        type="list",
        formula1=f'"{labels}"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Data quality",
        error="Choose one of the six U4SSC data-quality options from the list.",
    )
    column = get_column_letter(layout.QUALITY_COL)
    validation.add(f"{column}{layout.HEADER_ROW + 1}:{column}{last_row}")
    ws.add_data_validation(validation)


def _unlock_inputs(ws: Worksheet, row: int) -> None:
    for col in (layout.VALUE_COL, layout.OVERRIDE_COL, layout.QUALITY_COL, layout.SOURCE_COL):
        cell = ws.cell(row=row, column=col)
        cell.protection = _UNLOCKED
        cell.fill = _FILL


def _write_inputs(
    ws: Worksheet, dimension: str, inputs: Sequence[InputDef], catalogue: Catalogue
) -> None:
    _start_sheet(
        ws,
        f"{dimension}: raw inputs",
        "One row per raw input; fill in the yellow cells. Units are those of the 'Unit' column.",
        layout.INPUT_HEADERS,
    )
    yes_no = DataValidation(
        type="list",
        formula1='"yes,no"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Yes or no",
        error="Answer 'yes' or 'no'.",
    )
    row = layout.HEADER_ROW
    for row, item in enumerate(inputs, start=layout.HEADER_ROW + 1):
        guidance = item.description
        if item.kind == "boolean":
            guidance = f"{guidance} Answer yes or no.".strip()
            yes_no.add(ws.cell(row=row, column=layout.VALUE_COL).coordinate)
        values = (item.id, item.name, item.unit, guidance, _feeds(item, catalogue))
        for col, value in enumerate(values, start=1):
            ws.cell(row=row, column=col, value=value).alignment = Alignment(wrap_text=col == 4)
        _unlock_inputs(ws, row)
    if yes_no.sqref:
        ws.add_data_validation(yes_no)
    _quality_validation(ws, max(row, layout.HEADER_ROW + 1))
    ws.protection.sheet = True


def _write_kpis(ws: Worksheet, catalogue: Catalogue) -> None:
    _start_sheet(
        ws,
        "KPI results reported directly",
        "Only when you have a KPI's final result but not its inputs (U4SSC column O override); "
        "leave empty otherwise.",
        layout.KPI_HEADERS,
    )
    row = layout.HEADER_ROW
    for kpi in catalogue.kpis:
        for dp in kpi.data_points:
            row += 1
            for col, value in enumerate((kpi.code, kpi.name, dp.id, dp.name, dp.unit), start=1):
                ws.cell(row=row, column=col, value=value)
            _unlock_inputs(ws, row)
    _quality_validation(ws, max(row, layout.HEADER_ROW + 1))
    ws.protection.sheet = True


__all__ = ["build_workbook", "check_template_arguments", "template_bytes"]
