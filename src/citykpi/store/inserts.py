"""New value slots written in bulk: one multi-row ``INSERT`` per table, not one ORM object per row.

:func:`citykpi.store.values.write_values` hands every value that has no slot yet (the first
import of a city-year, a KPI that becomes computable) to :func:`insert_new_values`. Each gets
what the one-by-one path gave it: a slot in state ``draft`` at revision 1 and version 1, its
revision 1, and its own audit event (``before`` empty), built by
:func:`citykpi.store.audit.record` itself so that the actor is recorded the same way.
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Callable, Sequence
from json.encoder import encode_basestring
from typing import Any, Final, Protocol, cast

from sqlalchemy import Connection, Dialect, Table, insert, select
from sqlalchemy.orm import Session

from citykpi.store.audit import ActorRef, record
from citykpi.store.schema import AuditEvent, Base, Submission, Value, ValueRevision, utcnow
from citykpi.store.states import ValueState
from citykpi.store.users import Actor

#: Rows per multi-row INSERT: well under SQLite's limit of 32,766 bound parameters.
INSERT_CHUNK = 500


class NewValue(Protocol):
    """What a new revision is made of (:class:`citykpi.store.values.ValueInput`)."""

    @property
    def kind(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def kpi_code(self) -> str: ...
    @property
    def value(self) -> float | None: ...
    @property
    def raw_value(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def quality(self) -> str: ...
    @property
    def provenance(self) -> str: ...
    @property
    def retracted(self) -> bool: ...


#: The encoder of :func:`json.dumps` with audit.record's options, built once (not per row).
_JSON: Final = json.JSONEncoder(sort_keys=True, default=str, ensure_ascii=False)
#: A placeholder per DB-API parameter style.
_PLACEHOLDER: Final = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


#: (dialect, table, columns, placeholder) -> the INSERT text and the columns' bind processors.
_STATEMENTS: dict[tuple[str, str, tuple[str, ...], str], tuple[str, list[Any]]] = {}


def _statement(
    dialect: Dialect, table: Table, keys: tuple[str, ...], placeholder: str
) -> tuple[str, list[Any]]:
    """Return the INSERT text for ``keys`` of ``table`` and each column's bind processor."""
    cache_key = (dialect.name, table.name, keys, placeholder)
    found = _STATEMENTS.get(cache_key)
    if found is None:
        quote = dialect.identifier_preparer
        columns = [table.c[k] for k in keys]
        sql = (
            f"INSERT INTO {quote.format_table(table)} "
            f"({', '.join(quote.format_column(c) for c in columns)}) "
            f"VALUES ({', '.join([placeholder] * len(columns))})"
        )
        procs = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
        found = _STATEMENTS[cache_key] = (sql, procs)
    return found


class _Memo:
    """A bind processor that reuses its last result for the same object (the shared ``now``)."""

    def __init__(self, process: Callable[[Any], Any]) -> None:
        self.process, self.given, self.result = process, object(), None

    def __call__(self, value: Any) -> Any:
        if value is not self.given:
            self.given, self.result = value, self.process(value)
        return self.result


def _insert_rows(connection: Connection, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dictionaries with the same keys) with the driver's ``executemany``.

    Each value goes through its column type's bind processor, as SQLAlchemy would send it;
    what SQLAlchemy adds per row on top (compiling parameters, defaults) is the cost that
    dominates an import of a few hundred thousand values, so it is skipped here.
    """
    if not rows:
        return
    table, dialect = _table(model), connection.dialect
    keys = list(rows[0])
    placeholder = _PLACEHOLDER.get(str(dialect.paramstyle))
    if placeholder is None:  # pragma: no cover - SQLite and psycopg use the styles above
        for start in range(0, len(rows), INSERT_CHUNK):
            connection.execute(insert(table), list(rows[start : start + INSERT_CHUNK]))
        return
    sql, procs = _statement(dialect, table, tuple(keys), placeholder)
    active = [(i, _Memo(f)) for i, f in enumerate(procs) if f is not None]
    pick = operator.itemgetter(*keys)
    params: list[tuple[Any, ...]] = []
    for row in rows:
        values = list(pick(row)) if len(keys) > 1 else [pick(row)]
        for i, memo in active:
            values[i] = memo(values[i])
        params.append(tuple(values))
    for start in range(0, len(params), INSERT_CHUNK):
        connection.exec_driver_sql(sql, params[start : start + INSERT_CHUNK])


class _Capture:
    """Stands in for a session in :func:`~citykpi.store.audit.record`: keeps what it adds."""

    def __init__(self) -> None:
        self.added: list[object] = []

    def add(self, obj: object) -> None:
        self.added.append(obj)


def _event_template(
    actor: ActorRef, action: str, *, reason: str, city_id: int, year: int
) -> dict[str, Any]:
    """Return the columns :func:`~citykpi.store.audit.record` fills for a value event.

    The event is built by ``record`` itself (and never added to a session), so whatever it
    records about the actor (her id, name, how she was authenticated) the bulk rows record too.
    """
    event = record(
        cast(Session, _Capture()),
        actor,
        action,
        ("value", ""),
        reason=reason,
        city_id=city_id,
        year=year,
    )
    columns = (c.key for c in AuditEvent.__table__.columns if c.key != "id")
    return {k: v for k in columns if (v := getattr(event, k)) is not None}


def _number(value: float | None) -> str:
    if value is None:
        return "null"
    if math.isfinite(value):
        return float.__repr__(value)  # what json.dumps writes for a finite float
    return _JSON.encode(value)  # NaN, Infinity, -Infinity as json.dumps writes them


def _after_json(item: NewValue, value: float | None) -> str:
    """Return the ``after`` text audit.record writes for a new slot at revision 1.

    The same text as ``json.dumps(after, sort_keys=True, default=str, ensure_ascii=False)``
    (a test compares the two), written directly: it is built once per value of an import.
    """
    text = encode_basestring
    return (
        f'{{"quality": {text(item.quality)}, '
        f'"retracted": {"true" if item.retracted else "false"}, "revision": 1, '
        f'"source": {text(item.source)}, "state": "{ValueState.DRAFT.value}", '
        f'"status": {text(item.status)}, "unit": {text(item.unit)}, "value": {_number(value)}}}'
    )


def insert_new_values(
    session: Session,
    actor: Actor,
    sub: Submission,
    items: Sequence[NewValue],
    *,
    action: str,
    note: str = "",
    import_id: int | None = None,
    framework_version_id: int | None = None,
) -> int:
    """Insert a slot at revision 1, the revision and its audit event for each new item.

    The rows are those :func:`citykpi.store.values.write_values` writes for a value slot that
    does not exist yet, written as multi-row ``INSERT`` statements. The caller checks
    permissions and that no item has a slot already.

    Returns
    -------
    int
        How many slots were created.
    """
    if not items:
        return 0
    now = utcnow()
    slot_rows = [
        {
            "submission_id": sub.id,
            "kind": item.kind,
            "code": item.code,
            "kpi_code": item.kpi_code,
            "state": ValueState.DRAFT.value,
            "current_revision": 1,
            "excluded_reason": "",
            "version": 1,
            "updated_at": now,
        }
        for item in items
    ]
    # The driver's executemany on the session's connection: no ORM bookkeeping per row.
    connection = session.connection()
    _insert_rows(connection, Value, slot_rows)
    kinds = sorted({item.kind for item in items})
    ids: dict[tuple[str, str], int] = {}
    for slot_id, kind, code in session.execute(
        select(Value.id, Value.kind, Value.code).where(
            Value.submission_id == sub.id, Value.kind.in_(kinds)
        )
    ):
        ids[(kind, code)] = slot_id
    template = _event_template(actor.ref, action, reason=note, city_id=sub.city_id, year=sub.year)
    template["created_at"] = now
    revisions: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for item in items:
        slot_id = ids[(item.kind, item.code)]
        value = None if item.value is None or item.value != item.value else float(item.value)
        revisions.append(
            {
                "value_id": slot_id,
                "number": 1,
                "value": value,
                "raw_value": item.raw_value,
                "unit": item.unit,
                "status": item.status,
                "reason": item.reason,
                "source": item.source,
                "quality": item.quality,
                "provenance": item.provenance,
                "retracted": item.retracted,
                "framework_version_id": framework_version_id,
                "import_id": import_id,
                "author_id": actor.id,
                "note": note,
                "created_at": now,
            }
        )
        after = _after_json(item, value)
        events.append({**template, "entity_id": str(slot_id), "before": "", "after": after})
    _insert_rows(connection, ValueRevision, revisions)
    _insert_rows(connection, AuditEvent, events)
    return len(items)


__all__ = ["INSERT_CHUNK", "NewValue", "insert_new_values"]
