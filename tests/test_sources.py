"""sources.load_kpi_table: one way to get a KPI table, from a file or from the store."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from citykpi.cli.main import build_app
from citykpi.errors import InputError, PermissionDenied, StoreError
from citykpi.io import write_sample
from citykpi.model import KPI_COLUMNS
from citykpi.settings import Settings
from citykpi.sources import load_kpi_table
from citykpi.store import CityProfile, Store

ROWS = [
    ("Ash", 2023, "EN: EN: AQ: 1C", "air_pollution_pm25", 12.5),
    ("Ash", 2024, "EN: EN: AQ: 1C", "air_pollution_pm25", 11.0),
    ("Birch", 2024, "EN: EN: AQ: 1C", "air_pollution_pm25", 8.0),
]


@pytest.fixture
def kpis(tmp_path: Path) -> Path:
    frame = pd.DataFrame(
        [
            {"city": c, "year": y, "code": k, "data_point": d, "value": v, "unit": "µg/m³"}
            for c, y, k, d, v in ROWS
        ]
    ).assign(status="computed", reason="", provenance="{}", quality="")
    path = tmp_path / "kpis.csv"
    frame[list(KPI_COLUMNS)].to_csv(path, index=False)
    return path


def test_a_file_gives_the_typed_kpi_table(kpis: Path) -> None:
    table = load_kpi_table(kpis)
    assert list(table.columns) == list(KPI_COLUMNS)
    assert table["year"].tolist() == [2023, 2024, 2024]
    assert table["value"].tolist() == [12.5, 11.0, 8.0]


def test_cities_and_years_filter_the_table(kpis: Path) -> None:
    table = load_kpi_table(kpis, cities=["Ash"], years=[2024])
    assert table[["city", "year", "value"]].values.tolist() == [["Ash", 2024, 11.0]]
    assert table.index.tolist() == [0]


def test_an_empty_selection_says_what_was_asked(kpis: Path) -> None:
    with pytest.raises(InputError, match=r"holds no KPI value for cities 'Oak' and years 2024"):
        load_kpi_table(kpis, cities=["Oak"], years=[2024])


@pytest.mark.parametrize(
    ("name", "kind"), [("data.xlsx", "workbook"), ("old.XLS", "workbook"), ("data.json", "JSON")]
)
def test_a_raw_input_file_names_the_command_that_reads_it(
    tmp_path: Path, name: str, kind: str
) -> None:
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04 not a csv")
    with pytest.raises(InputError, match=rf"is a raw-input {kind}.*citykpi compute .*-o kpis.csv"):
        load_kpi_table(path)


def test_assess_on_a_workbook_says_compute_first_not_a_codec_error(tmp_path: Path) -> None:
    path = tmp_path / "city.xlsx"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\xff\xfe")
    result = CliRunner().invoke(build_app(), ["assess", str(path)])
    err = " ".join(result.stderr.split())
    assert result.exit_code == 2
    assert "raw-input workbook, not a KPI table" in err
    assert "codec" not in err


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"status": "final"}, "Unknown status 'final'; use one of published, verified, any."),
        ({}, "Say where the KPI values come from"),
    ],
)
def test_bad_arguments(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_kpi_table(**kwargs)  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", "postgresql"])
def two_city_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Store, list[str]]]:
    """A store with two cities' 2024 values: the first published, the second only submitted."""
    from citykpi.store import add_city, add_user, open_store, publish, submit, upgrade, verify
    from citykpi.store.importer import import_file

    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'store.db'}", None
    else:
        url, drop = _postgres_schema()
    sample = write_sample(tmp_path / "sample", n_cities=12, years=[2024])
    known = set(pd.read_csv(sample.known_errors)["city"])
    raw = pd.read_csv(sample.raw_inputs, dtype=str, keep_default_na=False)
    names = sorted(set(raw["city"]) - known)[:2]
    upgrade(url)
    store = open_store(url)
    try:
        with store.transaction() as s:
            admin = add_user(s, None, "admin", role="admin")
            for name in names:
                add_city(s, admin, CityProfile(name=name))
            editor = add_user(s, admin, "eda", role="city_editor", cities=names)
            add_user(s, admin, "solo", role="city_editor", cities=names[:1])
            add_user(s, admin, "ann", role="analyst")
            vera = add_user(s, admin, "vera", role="verifier")
        for name in names:
            path = tmp_path / f"{name}.csv"
            raw[raw["city"] == name].to_csv(path, index=False)
            import_file(store, editor, path, city=name, year=2024)
            with store.transaction() as s:
                submit(s, editor, name, 2024)
        with store.transaction() as s:
            verify(s, vera, names[0], 2024, [])
        with store.transaction() as s:
            publish(s, vera, names[0], 2024)
        yield store, names
    finally:
        store.dispose()
        if drop is not None:
            drop()


def _postgres_schema() -> tuple[str, Callable[[], None]]:
    import uuid

    from sqlalchemy import create_engine, text

    base = os.environ.get("CITYKPI_TEST_POSTGRES_URL", "")
    if not base:
        pytest.skip("CITYKPI_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()

    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", drop


def _token(store: Store, user: str) -> str:
    """Return a new API token of ``user``: who reads is authenticated, as on the CLI."""
    from citykpi.store import actor_by_name, create_token

    with store.transaction() as s:
        return create_token(s, actor_by_name(s, user))


def _cities(store: Store, status: str, user: str = "") -> list[str]:
    token = _token(store, user) if user else ""
    table = load_kpi_table(from_store=True, store=store, status=status, token=token)
    return sorted(set(table["city"]))


def test_who_reads_which_stored_values(two_city_store: tuple[Store, list[str]]) -> None:
    store, (published, submitted) = two_city_store
    assert _cities(store, "published") == [published]  # public: no user needed
    assert _cities(store, "verified", "ann") == [published]  # published counts as verified
    assert _cities(store, "any", "ann") == [published, submitted]
    # a city editor reads the published values of every city, unpublished ones of her own only
    assert _cities(store, "any", "solo") == [published]
    with pytest.raises(PermissionDenied, match="need a user with read access"):
        load_kpi_table(from_store=True, store=store, status="any")
    with pytest.raises(InputError, match=r"\(verified values\) holds no KPI value for cities"):
        load_kpi_table(
            from_store=True,
            store=store,
            status="verified",
            token=_token(store, "ann"),
            cities=[submitted],
        )


def test_an_empty_store_says_how_to_fill_it(tmp_path: Path) -> None:
    from citykpi.store import open_store, upgrade

    url = f"sqlite:///{tmp_path / 'empty.db'}"
    upgrade(url)
    store = open_store(url)
    try:
        with pytest.raises(InputError, match=r"holds no published KPI value; publish a submission"):
            load_kpi_table(from_store=True, store=store)
    finally:
        store.dispose()


def test_a_database_without_the_schema_says_run_db_upgrade(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'new.db'}")
    with pytest.raises(StoreError, match=r"has no citykpi schema yet; run 'citykpi db upgrade'"):
        load_kpi_table(from_store=True, settings=settings)
