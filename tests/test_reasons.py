"""The reason-code registry: every code is documented and has a firing case.

Each :class:`~citykpi.reasons.Reason` is provoked by the smallest input that raises it, through
the stage that owns it: ingest codes through tiny files, validation and rule codes through raw
rows, the store's code through its import check. A new code fails
:func:`test_every_reason_fires` until a case is added to :data:`CASES`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from citykpi import model
from citykpi.ingest import read_files
from citykpi.model import RAW_COLUMNS, Issue
from citykpi.reasons import Reason, Severity, reasons_markdown
from citykpi.settings import Settings
from citykpi.store.importer import submission_issues
from citykpi.validate import validate

DOCS = Path(__file__).parents[1] / "docs" / "reasons.md"
MODE_SHARES = (
    "transportation_mode_share_private_vehicles",
    "transportation_mode_share_public_transport",
    "transportation_mode_share_walking",
    "transportation_mode_share_cycling",
    "transportation_mode_share_para_transport",
)

Case = Callable[[Path], list[Issue]]


def _file(name: str, text: str, *, encoding: str = "utf-8") -> Case:
    def read(tmp_path: Path) -> list[Issue]:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return list(read_files([path]).issues)

    return read


def _path(name: str, *, folder: bool = False) -> Case:
    def read(tmp_path: Path) -> list[Issue]:
        path = tmp_path / name
        if folder:
            path.mkdir()
        return list(read_files([path]).issues)

    return read


def _row(
    code: str,
    value: float | None,
    *,
    kind: str = "input",
    city: str = "Oslo",
    year: float = 2024,
    unit: str = "",
    raw_value: str | None = None,
    quality: str = "",
) -> dict[str, object]:
    return {
        "city": city,
        "year": year,
        "kind": kind,
        "code": code,
        "value": math.nan if value is None else value,
        "raw_value": raw_value if raw_value is not None else f"{value:g}" if value else "",
        "unit": unit,
        "source": "",
        "quality": quality,
        "file": "sub.csv",
        "row": 2,
    }


def _rows(*rows: dict[str, object]) -> Case:
    def check(_: Path) -> list[Issue]:
        frame = pd.DataFrame(list(rows), columns=list(RAW_COLUMNS))
        return list(validate(frame, settings=Settings()).issues)

    return check


def _wrong_submission(_: Path) -> list[Issue]:
    frame = pd.DataFrame([_row("population", 1.0, city="Bergen")], columns=list(RAW_COLUMNS))
    return submission_issues(frame, "Oslo", 2024)


HEADER = "city,year,code,value\n"

#: The smallest input that raises each reason.
CASES: dict[Reason, Case] = {
    Reason.UNSUPPORTED_FORMAT: _file("values.txt", "population 1\n"),
    Reason.UNREADABLE_FILE: _file("values.json", "{not json"),
    Reason.NOT_A_FILE: _path("folder", folder=True),
    Reason.EMPTY_FILE: _file("values.csv", ""),
    Reason.MISSING_COLUMN: _file("values.csv", "city,year,code\nOslo,2024,population\n"),
    Reason.DUPLICATE_COLUMN: _file("values.csv", "city,year,code,value,value\nOslo,2024,x,1,2\n"),
    Reason.UNKNOWN_LAYOUT: _file("values.json", "42"),
    Reason.ENCODING_FALLBACK: _file(
        "values.csv", HEADER + "Malmö,2024,population,1\n", encoding="latin-1"
    ),
    Reason.MISSING_CODE: _file("values.csv", HEADER + "Oslo,2024,,1\n"),
    Reason.AMBIGUOUS_KPI_CODE: _file("values.csv", HEADER + "Oslo,2024,EC: I: T: 4A,1\n"),
    Reason.UNKNOWN_DATA_POINT: _file(
        "values.csv",
        "city,year,code,data_point,value\nOslo,2024,EC: I: T: 4A,household_internet_access,1\n",
    ),
    Reason.MISSING_CITY: _rows(_row("population", 1.0, city="")),
    Reason.MISSING_YEAR: _rows(_row("population", 1.0, year=math.nan)),
    Reason.YEAR_OUT_OF_RANGE: _rows(_row("population", 1.0, year=1899)),
    Reason.UNKNOWN_KIND: _rows(_row("population", 1.0, kind="output")),
    Reason.UNKNOWN_CODE: _rows(_row("populatoin", 1.0)),
    Reason.NON_NUMERIC: _rows(_row("population", None, raw_value="many")),
    Reason.NOT_YES_NO: _rows(_row("spatial_plan_compact", 2.0)),
    Reason.UNKNOWN_QUALITY: _rows(_row("population", 1.0, quality="a good guess")),
    Reason.UNIT_NOT_CONVERTIBLE: _rows(_row("city_area", 1.0, unit="kg")),
    Reason.UNIT_CONVERTED: _rows(_row("city_area", 100.0, unit="ha")),
    Reason.NEGATIVE_COUNT: _rows(_row("population", -1.0)),
    Reason.OUT_OF_BOUNDS: _rows(_row("city_area", -1.0)),
    Reason.SHARE_OUT_OF_RANGE: _rows(_row("household_internet_access", 120.0, kind="kpi")),
    Reason.NUMERATOR_ABOVE_DENOMINATOR: _rows(
        _row("households_with_internet", 2.0), _row("households", 1.0)
    ),
    Reason.SHARES_DO_NOT_SUM: _rows(
        *(_row(dp, v, kind="kpi") for dp, v in zip(MODE_SHARES, (60, 30, 0, 0, 0), strict=True))
    ),
    Reason.WASTEWATER_NOT_NESTED: _rows(
        _row("wastewater_treatment_primary", 80.0, kind="kpi"),
        _row("wastewater_treatment_secondary", 85.0, kind="kpi"),
    ),
    Reason.DENOMINATOR_INCONSISTENT: _rows(_row("population", 100.0), _row("population", 200.0)),
    Reason.DENOMINATOR_VARIES: _rows(_row("population", 100.0), _row("population", 102.0)),
    Reason.DUPLICATE_CONFLICT: _rows(
        _row("public_wifi_hotspots", 1.0), _row("public_wifi_hotspots", 2.0)
    ),
    Reason.DUPLICATE_IDENTICAL: _rows(
        _row("public_wifi_hotspots", 1.0), _row("public_wifi_hotspots", 1.0)
    ),
    Reason.TOO_MANY_NOT_REPORTED: _rows(_row("population", 1.0)),
    Reason.WRONG_SUBMISSION: _wrong_submission,
}


@pytest.mark.parametrize("reason", list(Reason), ids=str)
def test_every_reason_fires(reason: Reason, tmp_path: Path) -> None:
    case = CASES.get(reason)
    assert case is not None, f"Add a firing case for {reason!r} to CASES in {__file__}."
    fired = [i for i in case(tmp_path) if i.reason is reason]
    assert fired, f"The case of {reason!r} does not raise it."
    assert {i.severity for i in fired} == {reason.default_severity}


@pytest.mark.parametrize("reason", list(Reason), ids=str)
def test_every_reason_is_documented(reason: Reason) -> None:
    doc = reason.doc
    assert doc[:1].isupper(), doc
    assert doc.endswith("."), doc
    assert "\n" not in doc
    assert reason.stage in {"ingest", "validate", "rules", "store"}


def test_severity_is_one_type() -> None:
    assert model.Severity is Severity


def test_the_reasons_page_is_current() -> None:
    assert DOCS.read_text(encoding="utf-8") == reasons_markdown(), (
        "docs/reasons.md is stale; run 'make docs'."
    )
