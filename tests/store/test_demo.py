"""load_demo: the sample cities in a fresh store, one verification cycle, a summary."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from citykpi.errors import InputError
from citykpi.io import write_sample
from citykpi.settings import Settings
from citykpi.store import actor_by_name, export_values, list_cities, open_store
from citykpi.store.demo import DEMO_USERS, load_demo
from citykpi.store.trail import read_audit
from citykpi.tables import CityProfile


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    write_sample(out, n_cities=8, years=range(2023, 2025))
    return out


def test_load_demo_imports_publishes_and_says_where_the_database_is(
    sample: Path, tmp_path: Path
) -> None:
    db = tmp_path / "demo.db"
    summary = load_demo(f"sqlite:///{db}", sample, cycle_cities=2)
    assert summary.database_path == db
    assert db.is_file()
    assert summary.cities == 8
    assert summary.users == DEMO_USERS
    assert len(summary.imported) + len(summary.rejected) == 8
    assert {year for _, year in summary.imported} == {2024}
    assert [(c, y) for c, y, _ in summary.published] == list(summary.imported[:2])
    assert f"Demo database: {db}" in summary.lines()
    assert [line for line in summary.lines() if line.startswith("Rejected")] == [
        f"Rejected {city} {year}: {why}" for city, year, why in summary.rejected
    ]
    store = open_store(f"sqlite:///{db}", settings=Settings())
    with store.transaction() as s:
        public = actor_by_name(s, "demo-public")
        published = export_values(s, public, state="published")
        events = read_audit(s, actor_by_name(s, "demo-analyst"))
    store.dispose()
    assert len(published) == sum(n for _, _, n in summary.published)
    assert {(r["city"], r["year"]) for r in published} == set(summary.imported[:2])
    assert sum(e.action == "submission.publish" for e in events) == 2


def test_load_demo_stores_each_city_profile_of_cities_csv_typed(
    sample: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'profiles.db'}"
    load_demo(url, sample, cycle_cities=0)
    store = open_store(url, settings=Settings())
    with store.transaction() as s:
        stored = list_cities(s, actor_by_name(s, "demo-analyst"))
    store.dispose()
    with (sample / "cities.csv").open(encoding="utf-8", newline="") as handle:
        rows = {r["name"]: r for r in csv.DictReader(handle)}
    assert len(stored) == len(rows) == 8
    for profile in stored:
        row = rows[profile.name]
        assert profile == CityProfile(
            name=row["name"],
            country=row["country"],
            region=row["region"],
            population=float(row["population"]),
            area_km2=float(row["area_km2"]),
            gdp_per_capita=float(row["gdp_per_capita"]),
            income_group=row["income_group"],
            coastal=row["coastal"] == "yes",
            population_class=row["population_class"],
        )


def test_load_demo_refuses_a_database_that_is_not_fresh(sample: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'used.db'}"
    load_demo(url, sample, cycle_cities=0)
    with pytest.raises(InputError, match="already has users; give a fresh database"):
        load_demo(url, sample)


def test_load_demo_needs_the_sample_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"cities\.csv' does not exist"):
        load_demo(f"sqlite:///{tmp_path / 'x.db'}", tmp_path)
