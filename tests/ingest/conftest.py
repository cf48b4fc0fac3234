"""Fixtures of the reader tests; the small test catalogue itself lives in ``ingestkit``."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest
from ingestkit import small_catalogue

from citykpi.catalogue import Catalogue
from citykpi.model import RAW_COLUMNS


@pytest.fixture
def catalogue() -> Catalogue:
    return small_catalogue()


def raw_frame(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    """Return the expected raw table for ``rows`` given in RAW_COLUMNS order."""
    frame = pd.DataFrame(rows, columns=list(RAW_COLUMNS)).astype(dict.fromkeys(RAW_COLUMNS, object))
    return frame.astype({"year": "int64", "value": "float64"})


@pytest.fixture
def frame_of() -> Callable[[list[tuple[object, ...]]], pd.DataFrame]:
    return raw_frame
