"""Invariants of the CSV reader: what is written is what is read, whatever the values."""

from __future__ import annotations

import csv
import math
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from ingestkit import small_catalogue

from citykpi.catalogue import Catalogue
from citykpi.ingest import read_file

CODES = ["population", "households", "households_with_internet", "pm25_concentration"]
cells = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.sampled_from(["yes", "No", "TRUE", "false", "n/a", "", "12,5", " 7 ", "1_000", "inf"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
)
rows = st.lists(
    st.tuples(
        st.text(alphabet="ABCabc -'é", min_size=1, max_size=10).filter(lambda c: c.strip()),
        st.integers(min_value=1990, max_value=2030),
        st.sampled_from(CODES),
        cells,
    ),
    min_size=1,
    max_size=20,
)
CATALOGUE: Catalogue = small_catalogue()


@settings(max_examples=60, deadline=None)
@given(rows)
def test_every_row_reads_back_with_its_raw_value_and_row_number(
    data: list[tuple[str, int, str, str]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "raw.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["city", "year", "code", "value"])
            writer.writerows(data)
        result = read_file(path, catalogue=CATALOGUE)
    assert result.issues == ()
    frame = result.frame
    assert list(frame["row"]) == list(range(2, len(data) + 2))
    assert list(frame["city"]) == [city.strip() for city, *_ in data]
    assert list(frame["year"]) == [year for _, year, *_ in data]
    assert list(frame["code"]) == [code for _, _, code, _ in data]
    assert list(frame["raw_value"]) == [value for *_, value in data]
    for value, (*_, raw) in zip(frame["value"], data, strict=True):
        assert value == _oracle(raw) or (math.isnan(value) and math.isnan(_oracle(raw))), raw


def _oracle(raw: str) -> float:
    """Return the value Python's own float() gives, with yes/no and no underscores or inf."""
    word = raw.strip().lower()
    if word in {"yes", "true", "no", "false"}:
        return 1.0 if word in {"yes", "true"} else 0.0
    try:
        number = float(raw)
    except ValueError:
        return math.nan
    return number if math.isfinite(number) and "_" not in raw else math.nan
