"""Reading the KPI table: every problem names the file, row and column."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from _hand_made import META

from citykpi.errors import InputError
from citykpi.io import read_kpi_table

HEADER = "city,year,code,data_point,value,unit,status\n"


def _write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "kpis.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_reads_and_types_the_table(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "A,2020,EN: EN: AQ: 1C,pm25,12.5,ug/m**3,computed\n B ,2021,,pm10,,ug/m**3,not_reported\n",
    )
    frame = read_kpi_table(path, meta=META)
    assert frame["city"].tolist() == ["A", "B"]
    assert frame["year"].tolist() == [2020, 2021]
    assert frame["code"].tolist() == ["EN: EN: AQ: 1C", "EN: EN: AQ: 1C"]  # filled in
    assert frame["value"].iloc[0] == 12.5
    assert math.isnan(frame["value"].iloc[1])


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("A,twenty,EN: EN: AQ: 1C,pm25,1,,\n", r"row 2, column 'year': 'twenty' is not a year"),
        ("A,2020,EN: EN: AQ: 1C,pm25,12 ug,,\n", r"row 2, column 'value': '12 ug' is not a number"),
        (
            "A,2020,EN: EN: AQ: 1C,pm25,1,,\nA,2020,X,pm99,1,,\n",
            r"row 3, column 'data_point': unknown data point 'pm99'",
        ),
        (
            "A,2020,SC: EH: ED: 4C,pm25,1,,\n",
            r"row 2, column 'code': 'SC: EH: ED: 4C' does not match data point 'pm25'",
        ),
    ],
)
def test_bad_rows_are_located(tmp_path: Path, body: str, match: str) -> None:
    with pytest.raises(InputError, match=match):
        read_kpi_table(_write(tmp_path, body), meta=META)


def test_missing_columns_and_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"lacks the column\(s\) 'data_point'"):
        read_kpi_table(_write(tmp_path, "A,2020,X,1\n", header="city,year,code,value\n"), meta=META)
    with pytest.raises(InputError, match="does not exist; write it with 'citykpi compute'"):
        read_kpi_table(tmp_path / "none.csv", meta=META)
