"""The layout of the XLSX data-collection template, shared by its writer and its reader.

The workbook has a cover sheet, one sheet of raw inputs per dimension and a sheet of KPI results
reported directly (the U4SSC template's column O override). On every data sheet the header row
is followed by one row per input (or data point); the columns the city fills in are the same on
every data sheet: value, unit override, data quality and source.
"""

from __future__ import annotations

from typing import Final

#: Text of cell A1 of the cover sheet, by which the reader recognises the template.
MARKER: Final = "citykpi data-collection template"
#: Version of this layout, written on the cover sheet.
FORMAT_VERSION: Final = "1"

COVER_SHEET: Final = "Cover"
KPI_SHEET: Final = "KPI results"

#: Cover cells: label in column A, value in column B.
COVER_CITY: Final = "B3"
COVER_YEAR: Final = "B4"
COVER_VERSION: Final = "B5"
COVER_FORMAT: Final = "B6"

#: Row of the column headers on the data sheets; data starts on the next row.
HEADER_ROW: Final = 3

INPUT_HEADERS: Final[tuple[str, ...]] = (
    "Input id",
    "Name",
    "Unit",
    "Guidance",
    "Feeds KPIs",
    "Value",
    "Unit override",
    "Data quality",
    "Source",
)
KPI_HEADERS: Final[tuple[str, ...]] = (
    "KPI code",
    "KPI",
    "Data point id",
    "Data point",
    "Unit",
    "Reported value",
    "Unit override",
    "Data quality",
    "Source",
)

#: 1-based columns: where the code and the catalogue unit are on each kind of sheet.
INPUT_CODE_COL: Final = 1
KPI_CODE_COL: Final = 3
UNIT_COL: Final[dict[str, int]] = {"input": 3, "kpi": 5}
#: 1-based columns the city fills in, identical on every data sheet.
VALUE_COL: Final = 6
OVERRIDE_COL: Final = 7
QUALITY_COL: Final = 8
SOURCE_COL: Final = 9

__all__ = [
    "COVER_CITY",
    "COVER_FORMAT",
    "COVER_SHEET",
    "COVER_VERSION",
    "COVER_YEAR",
    "FORMAT_VERSION",
    "HEADER_ROW",
    "INPUT_CODE_COL",
    "INPUT_HEADERS",
    "KPI_CODE_COL",
    "KPI_HEADERS",
    "KPI_SHEET",
    "MARKER",
    "OVERRIDE_COL",
    "QUALITY_COL",
    "SOURCE_COL",
    "UNIT_COL",
    "VALUE_COL",
]
