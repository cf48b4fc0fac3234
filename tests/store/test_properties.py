"""Property: any sequence of edits, retractions and imports keeps every earlier revision
readable, and the audit trail agrees with the values.

Runs on SQLite (one database for all examples, a fresh reporting year per example) to keep the
suite fast; the same code paths run on PostgreSQL in the other store tests.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from storekit import Team, kpi_table, make_team, raw_table

from citykpi.errors import InputError, NotFound, ValidationFailed
from citykpi.settings import Settings
from citykpi.store import (
    Store,
    edit_value,
    export_values,
    history,
    open_store,
    retract_value,
    upgrade,
)
from citykpi.store.importer import import_tables
from citykpi.store.schema import AuditEvent, Value

CODES = ("population", "households", "city_area")
VALUES = st.sampled_from([0.0, 1.0, 2.5, 1000.0, 700_000.0])

Op = tuple[str, dict[str, float]] | tuple[str, str, float] | tuple[str, str]

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("import"), st.dictionaries(st.sampled_from(CODES), VALUES, min_size=1)),
        st.tuples(st.just("edit"), st.sampled_from(CODES), VALUES),
        st.tuples(st.just("retract"), st.sampled_from(CODES)),
    ),
    min_size=1,
    max_size=6,
)


@dataclass
class World:
    store: Store
    team: Team
    years: Iterator[int]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    url = f"sqlite:///{tmp_path_factory.mktemp('prop') / 'p.db'}"
    upgrade(url)
    store = open_store(url, settings=Settings(database_url=url))
    yield World(store, make_team(store), itertools.count(1901))
    store.dispose()


def _apply(world: World, year: int, op: Op, oracle: dict[str, list[float | None]]) -> None:
    store, eva = world.store, world.team.editor
    try:
        with store.transaction() as s:
            if op[0] == "import":
                values = op[1]
                assert isinstance(values, dict)
                import_tables(
                    s,
                    eva,
                    "Oslo",
                    year,
                    raw_table("Oslo", year, values),
                    kpi_table("Oslo", year, {}),
                    file_name="f.csv",
                )
                for code, value in values.items():
                    if not oracle.get(code) or oracle[code][-1] != value:
                        oracle.setdefault(code, []).append(value)
            elif op[0] == "edit":
                code, value = op[1], op[2]
                assert isinstance(code, str)
                assert isinstance(value, float)
                edit_value(s, eva, "Oslo", year, code, value=value, reason="edit")
                if oracle.get(code) is None:
                    pytest.fail(f"editing {code!r} that was never imported succeeded")
                if oracle[code][-1] != value:  # the same value again is no change
                    oracle[code].append(value)
            else:
                code = op[1]
                assert isinstance(code, str)
                retract_value(s, eva, "Oslo", year, code, reason="retract")
                oracle[code].append(None)
    except ValidationFailed:
        # The edit would leave inputs that fail validation (e.g. a zero denominator): refused,
        # and nothing changes.
        assert op[0] in {"edit", "retract"}
    except (NotFound, InputError):
        # Editing what does not exist, or retracting twice: refused, and nothing changes.
        code = op[1] if isinstance(op[1], str) else ""
        assert not oracle.get(code) or (op[0] == "retract" and oracle[code][-1] is None)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=OPS)
def test_every_revision_stays_readable_and_the_audit_agrees(world: World, ops: list[Op]) -> None:
    year = next(world.years)
    oracle: dict[str, list[float | None]] = {}
    for op in ops:
        _apply(world, year, op, oracle)
    if not oracle:
        return
    with world.store.transaction() as s:
        rows = history(s, world.team.analyst, "Oslo", year)
        current = {
            r["code"]: r["value"]
            for r in export_values(s, world.team.analyst, city="Oslo", year=year)
        }
        slots = {
            v.code: v.id
            for v in s.scalars(
                select(Value)
                .where(Value.code.in_(CODES))
                .join(Value.submission)
                .where(Value.submission.has(year=year))
            )
        }
        events = {
            code: [
                json.loads(e.after)
                for e in s.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.entity_type == "value", AuditEvent.entity_id == str(slot_id))
                    .where(AuditEvent.action.in_(["value.import", "value.edit", "value.retract"]))
                    .order_by(AuditEvent.id)
                )
            ]
            for code, slot_id in slots.items()
        }
    by_code: dict[str, list[float | None]] = {}
    for r in rows:
        assert isinstance(r["code"], str)
        by_code.setdefault(r["code"], []).append(None if r["retracted"] else r["value"])  # type: ignore[arg-type]
    assert by_code == oracle
    assert current == {code: revs[-1] for code, revs in oracle.items()}
    for code, revs in oracle.items():
        after = events[code]
        assert [e["revision"] for e in after] == list(range(1, len(revs) + 1))
        assert [None if e["retracted"] else e["value"] for e in after] == revs
