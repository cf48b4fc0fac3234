"""Fixtures of the validation tests: the small test catalogue and default settings."""

from __future__ import annotations

import pytest
from rawrows import CATALOGUE_DIR

from citykpi.catalogue import Catalogue, load_catalogue
from citykpi.settings import Settings, load_settings


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue(CATALOGUE_DIR)


@pytest.fixture
def settings() -> Settings:
    return load_settings({})
