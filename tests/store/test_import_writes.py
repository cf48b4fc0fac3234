"""The import's fast write path writes what the general one would (store/importer, inserts)."""

from __future__ import annotations

import json

import pytest

from citykpi.store.importer import _provenance


@pytest.mark.parametrize(
    ("file", "row"),
    [
        ("a.csv", "3"),
        ("", ""),
        ('é "quoted" \\ back\nslash\u2028.csv', "B7"),
        ("\ud800 lone surrogate.csv", "12"),
        ("nul\x00 and tab\t.xlsx", "1"),
    ],
)
def test_the_fast_provenance_text_is_what_json_dumps_writes(file: str, row: str) -> None:
    assert _provenance(file, row) == json.dumps({"file": file, "row": row}, sort_keys=True)
