"""The append-only audit trail, and the guard that makes it complete.

Every change writes an :class:`~citykpi.store.schema.AuditEvent` (actor, time, action, entity,
before, after, reason) in the same transaction. :func:`install_audit_guard` enforces this at
commit: a transaction that inserted, updated or deleted a row whose audit entity has no event
in that transaction is refused, so no code path can change data silently. The migration adds
triggers that refuse ``UPDATE`` and ``DELETE`` on ``audit_events``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from citykpi.errors import StoreError
from citykpi.store.schema import AuditEvent

_CHANGED: Final = "citykpi_changed"
_AUDITED: Final = "citykpi_audited"
_INSTALLED: Final = "citykpi_guard"

JsonScalar = str | int | float | bool | None
#: A JSON value: what ``before`` and ``after`` hold once parsed.
JsonValue = JsonScalar | list["JsonValue"] | dict[str, "JsonValue"]


@dataclass(frozen=True, slots=True)
class ActorRef:
    """Who an event is attributed to (``id`` is ``None`` for the system bootstrap).

    ``auth`` says how she was authenticated (:class:`citykpi.store.auth.Auth`: ``"password"``,
    ``"token"``, ``"session"``, ``"local"`` or ``"system"``); every event records it.
    """

    id: int | None
    name: str
    auth: str = "system"


def as_utc(moment: datetime) -> datetime:
    """Return ``moment`` as an aware UTC time (SQLite gives back naive UTC times)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _dump(data: Mapping[str, Any] | None) -> str:
    if not data:
        return ""
    return json.dumps(dict(data), sort_keys=True, default=str, ensure_ascii=False)


def parse_state(text: str) -> dict[str, JsonValue] | None:
    """Return a stored ``before``/``after`` text as a JSON object (``None`` when empty).

    The trail stores them as JSON text (:func:`record`); a text that is not a JSON object
    (written by hand into an old database) comes back as ``{"text": ...}`` rather than failing.
    """
    if not text:
        return None
    try:
        data: JsonValue = json.loads(text)
    except json.JSONDecodeError:
        return {"text": text}
    return data if isinstance(data, dict) else {"value": data}


def record(
    session: Session,
    actor: ActorRef,
    action: str,
    entity: tuple[str, str],
    *,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str = "",
    city_id: int | None = None,
    year: int | None = None,
) -> AuditEvent:
    """Add one audit event to ``session``.

    Parameters
    ----------
    session
        The session of the transaction that makes the change.
    actor
        Who makes the change.
    action
        What is done, e.g. ``"value.edit"`` or ``"user.add"``.
    entity
        ``(entity_type, entity_id)`` of the changed record.
    before, after
        The record's relevant fields before and after the change (JSON-serialisable).
    reason
        Why, as given by the actor.
    city_id, year
        City and reporting year the change concerns, for filtering.

    Returns
    -------
    AuditEvent
        The pending event.
    """
    ev = AuditEvent(
        actor_id=actor.id,
        actor_name=actor.name,
        auth=actor.auth,
        action=action,
        entity_type=entity[0],
        entity_id=entity[1],
        city_id=city_id,
        year=year,
        before=_dump(before),
        after=_dump(after),
        reason=reason,
    )
    session.add(ev)
    return ev


def _after_flush(session: Session, flush_context: Any) -> None:
    del flush_context
    changed: set[tuple[str, str]] = session.info.setdefault(_CHANGED, set())
    audited: set[tuple[str, str]] = session.info.setdefault(_AUDITED, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, AuditEvent):
            if obj in session.dirty or obj in session.deleted:
                changed.add(("audit_event", str(obj.id)))
            else:
                audited.add((obj.entity_type, obj.entity_id))
            continue
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        changed.add(obj.audit_key())


def _before_commit(session: Session) -> None:
    session.flush()
    changed: set[tuple[str, str]] = session.info.pop(_CHANGED, set())
    audited: set[tuple[str, str]] = session.info.pop(_AUDITED, set())
    missing = sorted(changed - audited)
    if missing:
        shown = ", ".join(f"{t} {i}" for t, i in missing[:5])
        msg = (
            f"Refusing to commit changes without an audit event for: {shown}. "
            "This is a bug in citykpi; please report it."
        )
        raise StoreError(msg)


def _after_rollback(session: Session) -> None:
    session.info.pop(_CHANGED, None)
    session.info.pop(_AUDITED, None)


def install_audit_guard(session: Session) -> None:
    """Make ``session`` refuse to commit a change that has no audit event."""
    if session.info.get(_INSTALLED):
        return
    event.listen(session, "after_flush", _after_flush)
    event.listen(session, "before_commit", _before_commit)
    event.listen(session, "after_soft_rollback", lambda s, prev: _after_rollback(s))
    session.info[_INSTALLED] = True


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One audit event as plain data, for output."""

    id: int
    time: str
    actor: str
    action: str
    entity_type: str
    entity_id: str
    city_id: int | None
    year: int | None
    before: str
    after: str
    reason: str
    auth: str = ""

    def as_dict(self) -> dict[str, JsonScalar]:
        """Return the event as a flat dictionary for tables and CSV.

        ``before`` and ``after`` are the JSON texts stored (one cell each); :meth:`as_record`
        gives them as JSON objects.
        """
        return {
            "id": self.id,
            "time": self.time,
            "actor": self.actor,
            "action": self.action,
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "city_id": self.city_id,
            "year": self.year,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
            "auth": self.auth,
        }

    def as_record(self) -> dict[str, JsonValue]:
        """Return the event for JSON output: :meth:`as_dict` with ``before`` and ``after`` as
        JSON objects (``null`` when the event has none)."""
        flat: dict[str, JsonValue] = dict(self.as_dict())
        flat["before"] = parse_state(self.before)
        flat["after"] = parse_state(self.after)
        return flat


AUDIT_COLUMNS: Final[tuple[str, ...]] = (
    "id",
    "time",
    "actor",
    "action",
    "entity_type",
    "entity_id",
    "city_id",
    "year",
    "before",
    "after",
    "reason",
    "auth",
)


def query_events(
    session: Session,
    *,
    city_ids: Sequence[int] | None = None,
    since: datetime | None = None,
    entity: tuple[str, str] | None = None,
) -> list[AuditRow]:
    """Return audit events in the order they were written, optionally filtered.

    Parameters
    ----------
    session
        An open session.
    city_ids
        Only events about these cities; ``None`` for all events.
    since
        Only events at or after this time.
    entity
        Only events about this ``(entity_type, entity_id)``.

    Returns
    -------
    list[AuditRow]
        The matching events, oldest first.
    """
    stmt = select(AuditEvent).order_by(AuditEvent.id)
    if city_ids is not None:
        stmt = stmt.where(AuditEvent.city_id.in_(list(city_ids)))
    if since is not None:
        stmt = stmt.where(AuditEvent.created_at >= as_utc(since))
    if entity is not None:
        stmt = stmt.where(AuditEvent.entity_type == entity[0], AuditEvent.entity_id == entity[1])
    return [
        AuditRow(
            id=e.id,
            time=as_utc(e.created_at).isoformat(),
            actor=e.actor_name,
            action=e.action,
            entity_type=e.entity_type,
            entity_id=e.entity_id,
            city_id=e.city_id,
            year=e.year,
            before=e.before,
            after=e.after,
            reason=e.reason,
            auth=e.auth,
        )
        for e in session.scalars(stmt)
    ]


__all__ = [
    "AUDIT_COLUMNS",
    "ActorRef",
    "AuditRow",
    "JsonValue",
    "as_utc",
    "install_audit_guard",
    "parse_state",
    "query_events",
    "record",
]
