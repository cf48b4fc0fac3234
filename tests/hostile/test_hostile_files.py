"""Hostile raw-input files (issue 9, scope 4): each ends in a located issue, never a crash or hang.

One table of cases: every file is read and validated by the library (the issue must name the
file, the row or cell and the field), then given to ``citykpi validate`` and ``citykpi compute``
(exit 1 or 2, the message shown, no "Internal error", no traceback, within 10 s).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hostilekit import assert_clean_refusal, run_cli, time_limit

from citykpi.catalogue import load_catalogue
from citykpi.ingest import read_files
from citykpi.reasons import Reason
from citykpi.validate import validate


def _unit_csv(unit: str) -> bytes:
    return f'city,year,code,value,unit\nAldmoor,2024,city_area,120,"{unit}"\n'.encode()


def _json_record(value: str = "1", year: str = "2024", city: str = '"Aldmoor"') -> bytes:
    record = f'{{"city": {city}, "year": {year}, "code": "population", "value": {value}}}'
    return f"[{record}]".encode()


def _all_1e308() -> bytes:
    lines = ["city,year,code,value"]
    for item in load_catalogue().inputs.values():
        value = "yes" if item.unit == "yes_no" else "1e308"
        lines.append(f"Aldmoor,2024,{item.id},{value}")
    return ("\n".join(lines) + "\n").encode()


def _wide(columns: int) -> bytes:
    header = ",".join(["city", "year", *(f"code{i}" for i in range(columns))])
    row = ",".join(["Aldmoor", "2024", *("1" for _ in range(columns))])
    return f"{header}\n{row}\n".encode()


@dataclass(frozen=True)
class Case:
    """A hostile file and the located issue it must end in."""

    id: str
    name: str
    content: Callable[[], bytes]
    reason: Reason
    row: int | None
    field: str
    message: str


CASES = [
    Case("power tower unit", "u.csv", lambda: _unit_csv("km**2**2**2**2**2**2"),
         Reason.UNIT_NOT_CONVERTIBLE, 2, "unit", "follows another exponent"),
    Case("code as unit", "u.csv", lambda: _unit_csv("__import__('os')"),
         Reason.UNIT_NOT_CONVERTIBLE, 2, "unit", "has no place in a unit"),
    Case("division by zero unit", "u.csv", lambda: _unit_csv("1/0"),
         Reason.UNIT_NOT_CONVERTIBLE, 2, "unit", "is a scale, which belongs in the value"),
    Case("unclosed unit", "u.csv", lambda: _unit_csv("km**(2"),
         Reason.UNIT_NOT_CONVERTIBLE, 2, "unit", "an exponent must be a whole number"),
    Case("400-digit number", "n.json", lambda: _json_record("9" * 400),
         Reason.OUT_OF_BOUNDS, 1, "value", "(400 characters) of 'population' is too large"),
    Case("4301-digit number", "n.json", lambda: _json_record("9" * 4301),
         Reason.OUT_OF_BOUNDS, 1, "value", "(4301 characters) of 'population' is too large"),
    Case("1e400 as text", "n.csv",
         lambda: b"city,year,code,value\nAldmoor,2024,population,1e400\n",
         Reason.OUT_OF_BOUNDS, 2, "value", "'1e400' of 'population' is too large"),
    Case("30-digit year in JSON", "y.json", lambda: _json_record(year="9" * 30),
         Reason.MISSING_YEAR, 1, "year", f"has year '{'9' * 30}', which is not a year"),
    Case("30-digit year in CSV", "y.csv",
         lambda: f"city,year,code,value\nAldmoor,{'9' * 30},population,1\n".encode(),
         Reason.MISSING_YEAR, 2, "year", "which is not a year"),
    Case("year 1e277", "y.json", lambda: _json_record(year="1e277"),
         Reason.MISSING_YEAR, 1, "year", "has year '1e+277', which is not a year"),
    Case("every value 1e308", "big.csv", _all_1e308,
         Reason.OUT_OF_BOUNDS, 2, "value", "1e+308 of 'population' is larger than any city's"),
    Case("array nested 100,000 deep", "deep.json", lambda: b"[" * 100_000,
         Reason.UNKNOWN_LAYOUT, None, "", "nests arrays or objects more than 32 deep"),
    Case("valid JSON nested 40 deep", "deep.json",
         lambda: b"[" + b'{"a": ' * 40 + b"1" + b"}" * 40 + b"]",
         Reason.UNKNOWN_LAYOUT, None, "", "nests arrays or objects more than 32 deep"),
    Case("200,000 digits then a letter", "n.json",
         lambda: _json_record('"' + "1" * 200_000 + 'x"'),
         Reason.NON_NUMERIC, 1, "value", "(200001 characters) of 'population' is not a number"),
    Case("lone surrogate", "s.json", lambda: _json_record(city='"Ald\\ud800moor"'),
         Reason.UNREADABLE_FILE, 1, "city", "field 'city' holds an unpaired UTF-16 surrogate"),
    Case("18,300 columns", "wide.csv", lambda: _wide(18_300),
         Reason.UNKNOWN_LAYOUT, 1, "", "has 18,302 columns, more than the 16,384"),
]  # fmt: skip


def _write(tmp_path: Path, case: Case) -> Path:
    path = tmp_path / case.name
    path.write_bytes(case.content())
    return path


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_library_reports_a_located_issue(tmp_path: Path, case: Case) -> None:
    path = _write(tmp_path, case)
    with time_limit():
        result = read_files([path])
        report = validate(result.frame, extra_issues=result.issues).report
    found = [i for i in report.issues if i.reason is case.reason and case.message in i.message]
    assert found, [i.message for i in report.issues]
    location = found[0].location
    assert (location.file, location.row, location.field) == (str(path), case.row, case.field)
    assert not report.ok


@pytest.mark.parametrize("command", ["validate", "compute"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_cli_refuses_with_the_message(tmp_path: Path, case: Case, command: str) -> None:
    path = _write(tmp_path, case)
    if command == "validate":
        assert_clean_refusal(run_cli(command, str(path)), expect=case.message)
        return
    # compute counts the issues by reason and points at 'citykpi validate' for the list.
    outcome = run_cli(command, str(path), "-o", str(tmp_path / "kpis.csv"))
    assert_clean_refusal(outcome, expect=(case.message, f"{case.reason.value}: "))
