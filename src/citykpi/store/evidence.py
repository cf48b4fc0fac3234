"""Evidence files: stored once per SHA-256, size-limited, listed under their original names.

An evidence file is read defensively, because its path comes from the user:

* **Regular files only.** The file is opened first (non-blocking, so a FIFO cannot hang the
  command) and the *opened* file is checked with :func:`os.fstat`: devices, FIFOs, sockets,
  folders and the pseudo-files of ``/proc`` and ``/sys`` are refused. A symbolic link is
  followed, but the check applies to what was opened, so swapping the path afterwards does
  not help.
* **Size enforced while reading.** ``stat()`` is not trusted (``/proc/self/maps`` says 0
  bytes): the file is read in chunks and refused as soon as more than ``max_bytes`` arrive.
  A file whose bytes read differ from its size on disk changed while it was read and is
  refused too.
* **Never on a published submission**: its record is final.
* **Content type sniffed** from the first bytes (PDF, PNG, JPEG, XLSX, ZIP, CSV, plain text,
  else ``application/octet-stream``) and recorded with the stored bytes; the file name's
  suffix is not believed.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from citykpi.errors import InputError, NotFound
from citykpi.store.audit import record
from citykpi.store.cities import find_city, find_submission
from citykpi.store.locks import lock_submission
from citykpi.store.schema import EvidenceBlob, EvidenceFile, Submission, Value
from citykpi.store.users import Action, Actor
from citykpi.store.values import ensure_not_published, find_slot

#: Bytes read per call while reading an evidence file.
CHUNK: Final = 64 * 1024
#: How much of the start of a file the text and CSV sniffing looks at.
SNIFF_BYTES: Final = 8 * 1024

PDF: Final = "application/pdf"
PNG: Final = "image/png"
JPEG: Final = "image/jpeg"
XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP: Final = "application/zip"
CSV: Final = "text/csv"
TEXT: Final = "text/plain"
BINARY: Final = "application/octet-stream"

_KINDS: Final = {
    stat.S_IFDIR: "a folder",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFSOCK: "a socket",
}
_PSEUDO_FILE_SYSTEMS: Final = ("/proc", "/sys")


@dataclass(frozen=True, slots=True)
class EvidenceInfo:
    """An attached evidence file."""

    id: int
    sha256: str
    size: int
    original_name: str
    code: str  # value it supports, "" for the whole submission
    content_type: str = ""  # sniffed from the bytes; "" for files stored before sniffing


def sniff_content_type(content: bytes) -> str:
    """Return the media type of ``content`` judged from its first bytes.

    Parameters
    ----------
    content
        The file's bytes (only the start is looked at, and a ZIP's list of members).

    Returns
    -------
    str
        One of ``application/pdf``, ``image/png``, ``image/jpeg``, the XLSX type,
        ``application/zip``, ``text/csv``, ``text/plain`` or ``application/octet-stream``.
    """
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_type(content)
    head = content[:SNIFF_BYTES]
    text = _as_text(head, complete=len(content) <= SNIFF_BYTES)
    if text is None:
        return BINARY
    return CSV if _looks_like_csv(text, complete=len(content) <= SNIFF_BYTES) else TEXT


def _zip_type(content: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())  # the central directory only: nothing is unpacked
    except (zipfile.BadZipFile, ValueError, OSError):
        return ZIP
    return XLSX if "xl/workbook.xml" in names else ZIP


def _as_text(head: bytes, *, complete: bool) -> str | None:
    """Return ``head`` decoded as UTF-8 text, or None if it is not text."""
    if b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        # the sniffed window may end inside a multi-byte character; anything else is binary
        if complete or e.start < len(head) - 3:
            return None
        text = head[: e.start].decode("utf-8-sig")
    if any(ord(c) < 32 and c not in "\t\n\r\f" for c in text):
        return None
    return text


def _looks_like_csv(text: str, *, complete: bool) -> bool:
    """Whether the first lines of ``text`` share one delimiter, the same number of times."""
    lines = text.splitlines()
    if not complete and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut short
    lines = [line for line in lines[:20] if line.strip()]
    if not lines:
        return False
    for delimiter in (",", ";", "\t"):
        counts = {line.count(delimiter) for line in lines}
        if len(counts) == 1 and counts.pop() > 0:
            return True
    return False


def read_evidence_file(path: Path, *, max_bytes: int) -> bytes:
    """Return the bytes of the regular file at ``path``, refusing more than ``max_bytes``.

    Raises
    ------
    InputError
        If the file does not exist, is not a regular file (a folder, device, FIFO, socket or a
        ``/proc`` or ``/sys`` pseudo-file), is larger than ``max_bytes`` (counted while
        reading), or changed while it was read.
    """
    shown = str(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError as e:
        msg = f"Evidence file {shown!r} does not exist; check the path."
        raise InputError(msg) from e
    except IsADirectoryError as e:
        msg = f"Evidence {shown!r} is a folder; attach a regular file."
        raise InputError(msg) from e
    except OSError as e:
        msg = f"Evidence file {shown!r} cannot be opened ({e.strerror or e}); check the path."
        raise InputError(msg) from e
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = _KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file")
            msg = f"Evidence {shown!r} is {kind}; attach a regular file."
            raise InputError(msg)
        if info.st_size > max_bytes:  # a file that says it is too big is refused unread
            msg = (
                f"Evidence file {path.name!r} is {info.st_size} bytes, more than the limit of "
                f"{max_bytes}; compress it or raise CITYKPI_EVIDENCE_MAX_BYTES."
            )
            raise InputError(msg)
        if hasattr(os, "O_NONBLOCK"):  # opened non-blocking only where the flag exists
            os.set_blocking(fd, True)
        chunks: list[bytes] = []
        total = 0
        while total <= max_bytes:
            chunk = os.read(fd, min(CHUNK, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)
    if total > max_bytes:
        msg = (
            f"Evidence file {shown!r} gave more than the limit of {max_bytes} bytes while "
            f"being read (its size on disk says {info.st_size}); compress it or raise "
            "CITYKPI_EVIDENCE_MAX_BYTES."
        )
        raise InputError(msg)
    _refuse_pseudo_file(shown, info)
    if total != info.st_size:
        msg = (
            f"Evidence file {shown!r} gave {total} bytes but its size on disk is "
            f"{info.st_size}: it changed while being read or is not an ordinary file; "
            "attach a copy saved as a regular file."
        )
        raise InputError(msg)
    return b"".join(chunks)


def _refuse_pseudo_file(shown: str, info: os.stat_result) -> None:
    for root in _PSEUDO_FILE_SYSTEMS:
        try:
            pseudo = os.stat(root).st_dev
            mounted = pseudo != os.stat("/").st_dev  # else a plain folder: nothing to refuse
        except OSError:
            continue
        if mounted and info.st_dev == pseudo:
            msg = (
                f"Evidence {shown!r} is a pseudo-file of {root}, not a stored document; "
                "attach a regular file (e.g. a saved copy)."
            )
            raise InputError(msg)


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
        Largest accepted size (setting ``evidence_max_bytes``), counted while reading.
    code
        The value the file supports; ``""`` for the whole submission.

    Returns
    -------
    EvidenceInfo
        The stored evidence, with its sniffed content type.

    Raises
    ------
    InputError
        If the file is missing, not a regular file, too large or changed while read.
    StoreError
        If the submission is published.
    """
    found = find_city(session, city)
    actor.require(Action.EDIT_DATA, city_id=found.id, city=city)
    # Under the submission's lock, as every write: a publish racing this attachment either
    # commits first (and the attachment is refused) or waits for it.
    sub = lock_submission(session, found, year)
    ensure_not_published(sub)  # before reading anything: a published record is final
    file = Path(path)
    content = read_evidence_file(file, max_bytes=max_bytes)
    content_type = sniff_content_type(content)
    digest = hashlib.sha256(content).hexdigest()
    slot_id = find_slot(session, sub, code).id if code else None
    blob = session.get(EvidenceBlob, digest)
    if blob is None:
        session.add(
            EvidenceBlob(
                sha256=digest, size=len(content), content=content, content_type=content_type
            )
        )
    elif not blob.content_type:  # stored before content types were sniffed
        blob.content_type = content_type
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
        after={
            "file": file.name,
            "size": len(content),
            "type": content_type,
            "value": code,
            "id": row.id,
        },
        city_id=sub.city_id,
        year=sub.year,
    )
    return EvidenceInfo(row.id, digest, len(content), file.name, code, content_type)


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
        select(EvidenceFile, EvidenceBlob.size, EvidenceBlob.content_type, Value.code)
        .join(EvidenceBlob, EvidenceBlob.sha256 == EvidenceFile.sha256)
        .outerjoin(Value, Value.id == EvidenceFile.value_id)
        .where(EvidenceFile.submission_id == sub.id)
        .order_by(EvidenceFile.id)
    )
    return [
        EvidenceInfo(row.id, row.sha256, size, row.original_name, code or "", kind)
        for row, size, kind, code in session.execute(stmt)
    ]


__all__ = [
    "EvidenceInfo",
    "attach_evidence",
    "evidence_content",
    "list_evidence",
    "read_evidence_file",
    "sniff_content_type",
]
