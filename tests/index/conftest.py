"""Shared fixtures of the index tests: the COINr ASEM reference data and the example specs."""

from __future__ import annotations

import pandas as pd
import pytest
from coinr_ref import REF

from citykpi.index import Hierarchy, hierarchy_from_meta


@pytest.fixture(scope="session")
def asem_idata() -> pd.DataFrame:
    """Return the ASEM iData shipped with COINr."""
    return pd.read_csv(REF / "asem_idata.csv")


@pytest.fixture(scope="session")
def asem_imeta() -> pd.DataFrame:
    """Return the ASEM iMeta shipped with COINr."""
    return pd.read_csv(REF / "asem_imeta.csv")


@pytest.fixture(scope="session")
def asem_hierarchy(asem_imeta: pd.DataFrame) -> Hierarchy:
    """Return the ASEM structure (49 indicators, 8 pillars, 2 sub-indices, the index)."""
    return hierarchy_from_meta(asem_imeta)
