"""Evidence files: stored once per SHA-256, size-limited, listed under their original names."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from citykpi.errors import InputError, NotFound
from citykpi.store.audit import record
from citykpi.store.cities import find_city, find_submission
from citykpi.store.schema import EvidenceBlob, EvidenceFile, Submission, Value
from citykpi.store.users import Action, Actor
from citykpi.store.values import find_slot


@dataclass(frozen=True, slots=True)
class EvidenceInfo:
    """An attached evidence file."""

    id: int
    sha256: str
    size: int
    original_name: str
    code: str  # value it supports, "" for the whole submission


def attach_evidence(
    session: Session,
    actor: Actor,
    city: str,
    year: int,
    path: str | Path,
    *,
    max_bytes: int,
    code: str = "",
) -> EvidenceInfo:
    """Attach the file at ``path`` as evidence for a submission (or one of its values).

    Parameters
    ----------
    session, actor
        Transaction and the editor attaching the file.
    city, year
        The submission.
    path
        The file; its bytes are stored once per SHA-256, its name is kept.
    max_bytes
        Largest accepted size (setting ``evidence_max_bytes``).
    code
        The value the file supports; ``""`` for the whole submission.

    Returns
    -------
    EvidenceInfo
        The stored evidence.
    """
    found = find_city(session, city)
    actor.require(Action.EDIT_DATA, city_id=found.id, city=city)
    sub = find_submission(session, found, year)
    file = Path(path)
    if not file.is_file():
        msg = f"Evidence file {str(file)!r} does not exist; check the path."
        raise InputError(msg)
    size = file.stat().st_size
    if size > max_bytes:
        msg = (
            f"Evidence file {file.name!r} is {size} bytes, more than the limit of {max_bytes}; "
            "compress it or raise CITYKPI_EVIDENCE_MAX_BYTES."
        )
        raise InputError(msg)
    content = file.read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    slot_id = find_slot(session, sub, code).id if code else None
    if session.get(EvidenceBlob, digest) is None:
        session.add(EvidenceBlob(sha256=digest, size=len(content), content=content))
    row = EvidenceFile(
        submission_id=sub.id,
        value_id=slot_id,
        sha256=digest,
        original_name=file.name,
        uploaded_by=actor.id,
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor.ref,
        "evidence.attach",
        row.audit_key(),
        after={"file": file.name, "size": len(content), "value": code, "id": row.id},
        city_id=sub.city_id,
        year=sub.year,
    )
    return EvidenceInfo(row.id, digest, len(content), file.name, code)


def evidence_content(session: Session, actor: Actor, evidence_id: int) -> tuple[str, bytes]:
    """Return the original name and bytes of evidence ``evidence_id``."""
    row = session.get(EvidenceFile, evidence_id)
    if row is None:
        msg = f"No evidence file with id {evidence_id!r}."
        raise NotFound(msg)
    city_id = session.get_one(Submission, row.submission_id).city_id
    actor.require(Action.READ_DATA, city_id=city_id)
    blob = session.get_one(EvidenceBlob, row.sha256)
    return row.original_name, blob.content


def list_evidence(session: Session, actor: Actor, city: str, year: int) -> list[EvidenceInfo]:
    """Return the evidence attached to ``city``'s ``year`` submission."""
    found = find_city(session, city)
    actor.require(Action.READ_DATA, city_id=found.id, city=city)
    sub = find_submission(session, found, year)
    stmt = (
        select(EvidenceFile, EvidenceBlob.size, Value.code)
        .join(EvidenceBlob, EvidenceBlob.sha256 == EvidenceFile.sha256)
        .outerjoin(Value, Value.id == EvidenceFile.value_id)
        .where(EvidenceFile.submission_id == sub.id)
        .order_by(EvidenceFile.id)
    )
    return [
        EvidenceInfo(row.id, row.sha256, size, row.original_name, code or "")
        for row, size, code in session.execute(stmt)
    ]


__all__ = ["EvidenceInfo", "attach_evidence", "evidence_content", "list_evidence"]
