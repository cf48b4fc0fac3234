"""Many at once (store/bulk.py): cities from one profile table, city-years from one file.

The bulk paths must store exactly what the one-at-a-time paths store: every value at revision
1 with its audit event, the KPIs of every city-year computed from its inputs (``db check``
clean), and nothing at all when any part of the file is wrong.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select
from storekit import ENGINES

from citykpi.errors import InputError, NotFound, PermissionDenied, ValidationFailed
from citykpi.io import read_city_profiles
from citykpi.sample import RAW_FILE_COLUMNS, SampleTables, build_sample
from citykpi.store import CityProfile, Store, add_user, edit_value, list_cities
from citykpi.store.audit import _dump
from citykpi.store.bulk import add_cities, import_many
from citykpi.store.check import check_store
from citykpi.store.inserts import _after_json
from citykpi.store.schema import AuditEvent, Submission, Value, ValueRevision
from citykpi.store.users import Actor
from citykpi.store.values import ValueInput

Row = dict[str, str]


@pytest.fixture(scope="module")
def tables() -> SampleTables:
    return build_sample(n_cities=8, years=[2023, 2024])


def _clean(tables: SampleTables) -> dict[tuple[str, int], list[Row]]:
    spoiled = {(e.city, int(e.year)) for e in tables.errors}
    blocks: dict[tuple[str, int], list[Row]] = {}
    for row in tables.raw_inputs:
        key = (row["city"], int(row["year"]))
        if key not in spoiled:
            blocks.setdefault(key, []).append(row)
    return blocks


def _write(path: Path, rows: list[Row]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(RAW_FILE_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _admin_with_cities(store: Store, tables: SampleTables, tmp_path: Path) -> Actor:
    profiles = tmp_path / "cities.csv"
    profiles.write_text(tables.files()["cities.csv"], encoding="utf-8")
    with store.transaction() as s:
        admin = add_user(s, None, "ada", role="admin")
        add_cities(s, admin, read_city_profiles(profiles))
    return admin


def _counts(store: Store) -> tuple[int, int, int, int]:
    with store.reading() as s:
        return (
            int(s.scalar(select(func.count(Submission.id))) or 0),
            int(s.scalar(select(func.count(Value.id))) or 0),
            int(s.scalar(select(func.count(ValueRevision.id))) or 0),
            int(s.scalar(select(func.count(AuditEvent.id))) or 0),
        )


@ENGINES
def test_add_cities_adds_every_city_of_the_table(
    store: Store, tables: SampleTables, tmp_path: Path
) -> None:
    admin = _admin_with_cities(store, tables, tmp_path)
    with store.reading() as s:
        names = [c.name for c in list_cities(s, admin)]
    assert names == sorted(r["name"] for r in tables.cities)


def test_add_cities_with_a_name_twice_adds_none(store: Store) -> None:
    with store.transaction() as s:
        admin = add_user(s, None, "ada", role="admin")
    twice = r"'Oslo' is listed twice \(also as 'oslo '\)"
    with pytest.raises(InputError, match=twice), store.transaction() as s:
        add_cities(s, admin, [CityProfile("oslo "), CityProfile("Bergen"), CityProfile("Oslo")])
    with store.reading() as s:
        assert list_cities(s, admin) == []


def test_add_cities_needs_an_admin(store: Store) -> None:
    with store.transaction() as s:
        admin = add_user(s, None, "ada", role="admin")
        analyst = add_user(s, admin, "ana", role="analyst")
    with pytest.raises(PermissionDenied), store.transaction() as s:
        add_cities(s, analyst, [CityProfile("Oslo")])


@ENGINES
def test_import_many_stores_every_city_year_as_single_imports_do(
    store: Store, tables: SampleTables, tmp_path: Path
) -> None:
    admin = _admin_with_cities(store, tables, tmp_path)
    blocks = _clean(tables)
    keys = list(blocks)[:6]
    file = _write(tmp_path / "many.csv", [r for k in keys for r in blocks[k]])
    summary = import_many(store, admin, file)
    assert [(p.city, p.year) for p in summary.parts] == keys
    assert summary.entered == sum(r["kind"] == "input" for k in keys for r in blocks[k])
    assert summary.recomputed > 0
    subs, values, revisions, events = _counts(store)
    assert subs == len(keys)
    assert values == revisions == summary.entered + summary.recomputed
    # one event per value, one per submission created, one per import run, one framework
    assert events == values + 2 * len(keys) + 1 + 1 + len(tables.cities) * 1
    report = check_store(store)
    assert report.violations == ()
    assert report.submissions == len(keys)


@ENGINES
def test_a_bulk_written_value_is_edited_like_any_other(
    store: Store, tables: SampleTables, tmp_path: Path
) -> None:
    admin = _admin_with_cities(store, tables, tmp_path)
    (city, year), rows = next(iter(_clean(tables).items()))
    import_many(store, admin, _write(tmp_path / "one.csv", rows))
    population = float(next(r["value"] for r in rows if r["code"] == "population"))
    with store.transaction() as s:
        version = edit_value(
            s, admin, city, year, "population", value=population + 1, reason="Register update."
        )
    assert version == 2
    assert check_store(store).violations == ()


@ENGINES
def test_import_many_again_changes_nothing(
    store: Store, tables: SampleTables, tmp_path: Path
) -> None:
    admin = _admin_with_cities(store, tables, tmp_path)
    blocks = _clean(tables)
    file = _write(tmp_path / "many.csv", [r for k in list(blocks)[:3] for r in blocks[k]])
    import_many(store, admin, file)
    _, values, revisions, _ = _counts(store)
    again = import_many(store, admin, file)
    assert sum(p.inputs.unchanged + p.kpis.unchanged for p in again.parts) == values
    assert _counts(store)[1:3] == (values, revisions)


def test_import_many_completes_a_city_year_imported_before(
    store: Store, tables: SampleTables, tmp_path: Path
) -> None:
    admin = _admin_with_cities(store, tables, tmp_path)
    rows = next(iter(_clean(tables).values()))
    first, rest = rows[: len(rows) // 2], rows[len(rows) // 2 :]
    import_many(store, admin, _write(tmp_path / "first.csv", first))
    import_many(store, admin, _write(tmp_path / "rest.csv", rest))
    assert check_store(store).violations == ()
    with store.reading() as s:
        stored = s.scalar(
            select(func.count(Value.id)).where(Value.kind == "input").join(Submission)
        )
    assert stored == len({r["code"] for r in rows if r["kind"] == "input"})


def test_a_file_with_one_bad_city_year_imports_nothing(
    store: Store, tables: SampleTables, tmp_path: Path
) -> None:
    admin = _admin_with_cities(store, tables, tmp_path)
    before = _counts(store)
    file = _write(tmp_path / "all.csv", list(tables.raw_inputs))  # with the deliberate errors
    with pytest.raises(ValidationFailed, match=r"'all.csv' has \d+ error\(s\)"):
        import_many(store, admin, file)
    assert _counts(store) == before


def test_a_file_naming_an_unknown_city_imports_nothing(
    store: Store, tables: SampleTables, tmp_path: Path
) -> None:
    admin = _admin_with_cities(store, tables, tmp_path)
    blocks = _clean(tables)
    keys = list(blocks)[:2]
    rows = [r for k in keys for r in blocks[k]]
    rows += [{**r, "city": "Atlantis"} for r in blocks[keys[0]]]
    before = _counts(store)
    with pytest.raises(NotFound, match="No city named 'Atlantis'"):
        import_many(store, admin, _write(tmp_path / "many.csv", rows))
    assert _counts(store) == before


def test_an_editor_of_one_city_cannot_import_another(
    store: Store, tables: SampleTables, tmp_path: Path
) -> None:
    admin = _admin_with_cities(store, tables, tmp_path)
    blocks = _clean(tables)
    (own, _), (other, _) = (
        next(iter(blocks)),
        next(k for k in blocks if k[0] != next(iter(blocks))[0]),
    )
    with store.transaction() as s:
        editor = add_user(s, admin, "eva", role="city_editor", cities=[own])
    rows = [r for k in blocks if k[0] in (own, other) for r in blocks[k]]
    before = _counts(store)
    with pytest.raises(PermissionDenied):
        import_many(store, editor, _write(tmp_path / "two.csv", rows))
    assert _counts(store) == before


def test_bulk_audit_events_name_the_actor_as_record_does(
    store: Store, tables: SampleTables, tmp_path: Path
) -> None:
    admin = _admin_with_cities(store, tables, tmp_path)
    (_, year), rows = next(iter(_clean(tables).items()))
    import_many(store, admin, _write(tmp_path / "one.csv", rows))
    columns = [c for c in AuditEvent.__table__.columns if c.key not in ("id", "created_at")]
    with store.reading() as s:
        written = s.execute(
            select(AuditEvent.action, AuditEvent.entity_type, *columns).where(
                AuditEvent.year == year
            )
        ).all()
    by_record = [r for r in written if r.action == "import.run"]
    in_bulk = [r for r in written if r.action == "value.import"]
    assert len(by_record) == 1
    assert len(in_bulk) > len([r for r in rows if r["kind"] == "input"])  # inputs and KPIs
    keep = ("actor_id", "actor_name", "auth", "city_id", "year")
    assert {tuple(getattr(r, k) for k in keep) for r in in_bulk} == {
        tuple(getattr(by_record[0], k) for k in keep)
    }
    assert all(r.entity_type == "value" and r.before == "" for r in in_bulk)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (12.5, "plain"),
        (None, 'quote " backslash \\ newline \n tab \t'),
        (1e308, "ünïcödé \u2028 \x7f \x01"),
        (float("inf"), "[/y] =HYPERLINK()"),
        (-0.0, ""),
    ],
)
def test_the_fast_after_text_is_what_audit_record_writes(value: float | None, text: str) -> None:
    item = ValueInput(
        kind="input",
        code="population",
        value=value,
        unit=text,
        status="reported",
        source=text,
        quality=text,
        retracted=text == "",
    )
    after = {
        "revision": 1,
        "value": value,
        "unit": item.unit,
        "status": item.status,
        "source": item.source,
        "quality": item.quality,
        "retracted": item.retracted,
        "state": "draft",
    }
    assert _after_json(item, value) == _dump(after)
