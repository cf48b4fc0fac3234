"""A demo store with published cities, read once for every open-data test."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from citykpi.cli.main import build_app
from citykpi.io import write_sample
from citykpi.opendata import OpenData, read_open_data
from citykpi.opendata.dataset import city_ids
from citykpi.settings import Settings
from citykpi.store import open_store
from citykpi.store.demo import load_demo

#: Names that break careless writers: markup, a spreadsheet formula, right-to-left text.
HOSTILE = '<script>alert("x")</script> & =HYPERLINK("http://evil")'
RTL = "\u0627\u0644\u0642\u062f\u0633 \u202e\u202dcity"


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("opendata-store")
    write_sample(root / "sample")
    url = f"sqlite:///{root / 'demo.db'}"
    load_demo(url, root / "sample", cycle_cities=3)
    return url


@pytest.fixture(scope="session")
def published(demo_url: str) -> OpenData:
    store = open_store(demo_url, settings=Settings(database_url=demo_url))
    try:
        with store.transaction() as session:
            return read_open_data(session, None, settings=Settings(data_citation="Demo cite"))
    finally:
        store.dispose()


@pytest.fixture(scope="session")
def hostile(published: OpenData) -> OpenData:
    """The published data with two cities renamed to hostile names."""
    names = sorted(published.profiles)
    renames = {names[0]: HOSTILE, names[1]: RTL}
    values = published.values.copy()
    values["city"] = values["city"].replace(renames)
    ids = city_ids(sorted(set(values["city"])))
    values["city_id"] = values["city"].map(ids)
    profiles = {
        renames.get(n, n): type(p)(**{**p.as_dict(), "name": renames.get(n, n)})  # type: ignore[arg-type]
        for n, p in published.profiles.items()
    }
    return OpenData(values, profiles, published.release, ids)


class Cli:
    """Run the CLI on the demo store; ``count`` is its number of published KPI values."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __call__(self, *args: str) -> tuple[int, str, str]:
        env = {"CITYKPI_DATABASE_URL": self.url}
        result = CliRunner().invoke(build_app(), list(args), env=env)
        return result.exit_code, result.stdout, result.stderr

    def count(self) -> int:
        from citykpi.sources import load_kpi_table

        settings = Settings(database_url=self.url)
        return len(load_kpi_table(from_store=True, status="published", settings=settings))


@pytest.fixture(scope="session")
def cli(demo_url: str) -> Cli:
    return Cli(demo_url)


@pytest.fixture(scope="session")
def hostile_name() -> str:
    return HOSTILE


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path
