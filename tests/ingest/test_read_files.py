"""read_files over several files: order, missing paths and unsupported formats."""

from __future__ import annotations

from pathlib import Path

import pytest

from citykpi.catalogue import Catalogue
from citykpi.errors import InputError
from citykpi.ingest import read_files


def test_rows_keep_the_order_of_files_and_rows(tmp_path: Path, catalogue: Catalogue) -> None:
    first = tmp_path / "b.csv"
    first.write_text("city,year,code,value\nB,2024,population,2\nB,2024,households,1\n")
    second = tmp_path / "a.json"
    second.write_text('[{"city": "A", "year": 2023, "code": "population", "value": 3}]')
    result = read_files([first, str(second)], catalogue=catalogue)
    assert list(zip(result.frame["file"], result.frame["row"], strict=True)) == [
        (str(first), 2),
        (str(first), 3),
        (str(second), 1),
    ]
    assert result.issues == ()


def test_a_missing_path_raises_before_anything_is_read(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    good = tmp_path / "good.csv"
    good.write_text("city,year,code,value\n")
    with pytest.raises(InputError, match=r"File\(s\) not found: '.*nope\.csv'; check the path"):
        read_files([good, tmp_path / "nope.csv"], catalogue=catalogue)


@pytest.mark.parametrize(
    ("name", "fix"),
    [
        ("raw.xls", "save it as .xlsx (Excel Workbook)"),
        ("raw.ods", "save it as .xlsx (Excel Workbook)"),
        ("raw.txt", "rename it to .csv"),
        ("raw.parquet", "convert it to one of those formats"),
        ("raw", "convert it to one of those formats"),
    ],
)
def test_an_unsupported_extension_is_an_issue(
    tmp_path: Path, catalogue: Catalogue, name: str, fix: str
) -> None:
    path = tmp_path / name
    path.write_bytes(b"whatever")
    result = read_files([path], catalogue=catalogue)
    assert [(i.reason, i.location.file) for i in result.issues] == [
        ("unsupported_format", str(path))
    ]
    assert "it reads .csv, .xlsx and .json files" in result.issues[0].message
    assert fix in result.issues[0].message


def test_a_folder_is_an_issue(tmp_path: Path, catalogue: Catalogue) -> None:
    result = read_files([tmp_path], catalogue=catalogue)
    assert [i.reason for i in result.issues] == ["not_a_file"]


def test_no_files_give_an_empty_table_with_the_raw_columns(catalogue: Catalogue) -> None:
    result = read_files([], catalogue=catalogue)
    assert result.frame.empty
    assert result.frame.dtypes.to_dict() == {
        "city": object,
        "year": "int64",
        "kind": object,
        "code": object,
        "value": "float64",
        "raw_value": object,
        "unit": object,
        "source": object,
        "quality": object,
        "file": object,
        "row": object,
    }
