"""One file at a time: atomic writes and the one overwrite policy (refuse unless force)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from citykpi.errors import InputError, OutputExistsError
from citykpi.io import (
    check_all_writable,
    write_bytes,
    write_jsonl,
    write_table,
    write_text,
)
from citykpi.io.writing import write_with

FRAME = pd.DataFrame({"city": ["A", "B"], "value": [1.5, float("nan")]})


class Boom(RuntimeError):
    """Raised by a writer half-way through."""


def _half_then_fail(tmp: Path) -> None:
    tmp.write_text("city,val", encoding="utf-8")  # a partial file...
    raise Boom("disk full")  # ...then the write fails


def test_a_failed_write_leaves_no_partial_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    with pytest.raises(Boom):
        write_with(path, _half_then_fail)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_forced_write_leaves_the_earlier_file_intact(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_text("earlier\n", encoding="utf-8")
    with pytest.raises(Boom):
        write_with(path, _half_then_fail, force=True)
    assert path.read_text(encoding="utf-8") == "earlier\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_an_existing_file_is_refused_without_force(tmp_path: Path) -> None:
    path = tmp_path / "kpis.csv"
    path.write_text("mine\n", encoding="utf-8")
    with pytest.raises(OutputExistsError) as caught:
        write_text("new\n", path)
    assert str(caught.value) == (
        f"Output file {str(path)!r} already exists; choose another file or add --force to "
        "replace it."
    )
    assert caught.value.paths == (str(path),)
    assert isinstance(caught.value, InputError)  # the CLI exits 2 with the message
    assert path.read_text(encoding="utf-8") == "mine\n"


def test_force_replaces_the_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("old\n", encoding="utf-8")
    assert write_text("new\n", path, force=True) == path
    assert path.read_text(encoding="utf-8") == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_a_folder_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"is a folder; give a file name for this output"):
        write_bytes(b"x", tmp_path, force=True)


def test_parent_folders_are_created(tmp_path: Path) -> None:
    path = write_bytes(b"\x00\x01", tmp_path / "a" / "b" / "data.bin")
    assert path.read_bytes() == b"\x00\x01"


def test_write_table_writes_csv_with_the_given_options(tmp_path: Path) -> None:
    path = write_table(FRAME, tmp_path / "t.csv", float_format="%.3f", na_rep="NA")
    assert path.read_text(encoding="utf-8") == "city,value\nA,1.500\nB,NA\n"


def test_write_table_writes_json_lines_for_a_jsonl_suffix(tmp_path: Path) -> None:
    path = write_table(FRAME, tmp_path / "t.jsonl")
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines == [{"city": "A", "value": 1.5}, {"city": "B", "value": None}]


def test_write_jsonl_writes_one_object_per_line(tmp_path: Path) -> None:
    path = write_jsonl([{"a": 1, "b": {"c": "é"}}, {"a": 2, "b": None}], tmp_path / "r.jsonl")
    assert path.read_text(encoding="utf-8") == '{"a": 1, "b": {"c": "é"}}\n{"a": 2, "b": null}\n'


def test_check_all_writable_names_every_existing_file(tmp_path: Path) -> None:
    a, b, c = (tmp_path / n for n in ("a.csv", "b.jsonl", "c.csv"))
    a.write_text("", encoding="utf-8")
    b.write_text("", encoding="utf-8")
    with pytest.raises(OutputExistsError) as caught:
        check_all_writable([a, b, c], force=False)
    assert str(caught.value) == (
        f"Output files {str(a)!r}, {str(b)!r} already exist; choose other files or add --force "
        "to replace them."
    )
    check_all_writable([a, b, c], force=True)
