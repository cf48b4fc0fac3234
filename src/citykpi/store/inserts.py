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
#: The columns written for a new slot, its first revision and its own part of an audit event.
_SLOT_KEYS: Final = (
    "submission_id",
    "kind",
    "code",
    "kpi_code",
    "state",
    "current_revision",
    "excluded_reason",
    "version",
    "updated_at",
)
_REVISION_KEYS: Final = (
    "value_id",
    "number",
    "value",
    "raw_value",
    "unit",
    "status",
    "reason",
    "source",
    "quality",
    "provenance",
    "retracted",
    "framework_version_id",
    "import_id",
    "author_id",
    "note",
    "created_at",
)
_EVENT_OWN_KEYS: Final = ("entity_id", "before", "after")
Key = tuple[str, str]

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


def _same(value: Any) -> Any:
    return value


class _Rows:
    """The multi-row INSERT of some columns of one table, its rows given as tuples.

    Each value goes through its column type's bind processor, as SQLAlchemy would send it:
    :meth:`bound` once for a value every row shares (the shared ``now``), :meth:`processor`
    per row for the others. What SQLAlchemy adds per row on top (compiling parameters,
    defaults, one dictionary per row) is the cost that dominates an import of a few hundred
    thousand values, so it is skipped here.
    """

    def __init__(self, connection: Connection, model: type[Base], keys: tuple[str, ...]) -> None:
        self.connection, self.table, self.keys = connection, _table(model), keys
        dialect = connection.dialect
        self.placeholder = _PLACEHOLDER.get(str(dialect.paramstyle))
        self.sql, procs = _statement(dialect, self.table, keys, self.placeholder or "?")
        if self.placeholder is None:  # pragma: no cover - SQLAlchemy's insert() processes them
            procs = [None] * len(keys)
        self.procs = dict(zip(keys, procs, strict=True))

    def processor(self, key: str) -> Callable[[Any], Any]:
        """Return the bind processor of column ``key`` (the identity if it has none)."""
        return self.procs[key] or _same

    def bound(self, key: str, value: Any) -> Any:
        """Return ``value`` of column ``key`` as the driver receives it."""
        return self.processor(key)(value)

    def insert(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert ``rows`` (values in the order of the keys, processed) with ``executemany``."""
        if not rows:
            return
        if self.placeholder is None:  # pragma: no cover - SQLite and psycopg use the styles above
            unbound = [dict(zip(self.keys, row, strict=True)) for row in rows]
            for start in range(0, len(unbound), INSERT_CHUNK):
                self.connection.execute(insert(self.table), unbound[start : start + INSERT_CHUNK])
            return
        for start in range(0, len(rows), INSERT_CHUNK):
            self.connection.exec_driver_sql(self.sql, list(rows[start : start + INSERT_CHUNK]))


def _slot_ids(connection: Connection, submission_id: int, kinds: set[str]) -> dict[Key, int]:
    """Return ``(kind, code) -> id`` of the submission's slots of ``kinds``, read back after
    their insert (one plain statement: SQLAlchemy's result rows cost as much as the insert)."""
    dialect = connection.dialect
    placeholder = _PLACEHOLDER.get(str(dialect.paramstyle))
    if placeholder is None:  # pragma: no cover - SQLite and psycopg use the styles above
        table = _table(Value)
        stmt = select(table.c.id, table.c.kind, table.c.code).where(
            table.c.submission_id == submission_id
        )
        rows = connection.execute(stmt).all()
    else:
        quote = dialect.identifier_preparer
        wanted = sorted(kinds)
        sql = (
            f"SELECT id, kind, code FROM {quote.format_table(_table(Value))} "
            f"WHERE submission_id = {placeholder} "
            f"AND kind IN ({', '.join([placeholder] * len(wanted))})"
        )
        rows = connection.exec_driver_sql(sql, (submission_id, *wanted)).all()
    return {(kind, code): slot_id for slot_id, kind, code in rows if kind in kinds}


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
    # The driver's executemany on the session's connection: no ORM bookkeeping per row.
    connection = session.connection()
    slots = _Rows(connection, Value, _SLOT_KEYS)
    draft, updated = ValueState.DRAFT.value, slots.bound("updated_at", now)
    slots.insert([(sub.id, i.kind, i.code, i.kpi_code, draft, 1, "", 1, updated) for i in items])
    ids = _slot_ids(connection, sub.id, {item.kind for item in items})
    template = _event_template(actor.ref, action, reason=note, city_id=sub.city_id, year=sub.year)
    template["created_at"] = now
    fixed_keys = tuple(k for k in template if k not in _EVENT_OWN_KEYS)
    events = _Rows(connection, AuditEvent, (*fixed_keys, *_EVENT_OWN_KEYS))
    fixed = tuple(events.bound(k, template[k]) for k in fixed_keys)
    revisions = _Rows(connection, ValueRevision, _REVISION_KEYS)
    to_float, to_flag = revisions.processor("value"), revisions.processor("retracted")
    created = revisions.bound("created_at", now)
    revision_rows: list[tuple[Any, ...]] = []
    event_rows: list[tuple[Any, ...]] = []
    for item in items:
        slot_id = ids[(item.kind, item.code)]
        value = None if item.value is None or item.value != item.value else float(item.value)
        revision_rows.append(
            (
                slot_id,
                1,
                None if value is None else to_float(value),
                item.raw_value,
                item.unit,
                item.status,
                item.reason,
                item.source,
                item.quality,
                item.provenance,
                to_flag(item.retracted),
                framework_version_id,
                import_id,
                actor.id,
                note,
                created,
            )
        )
        event_rows.append((*fixed, str(slot_id), "", _after_json(item, value)))
    revisions.insert(revision_rows)
    events.insert(event_rows)
    return len(items)


__all__ = ["INSERT_CHUNK", "NewValue", "insert_new_values"]
