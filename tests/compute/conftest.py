"""Fixtures of the compute tests: the validation tests' small catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest

from citykpi.catalogue import Catalogue, load_catalogue

CATALOGUE_DIR = Path(__file__).parents[1] / "validate" / "data" / "catalogue"


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue(CATALOGUE_DIR)
