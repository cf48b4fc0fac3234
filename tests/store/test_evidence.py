"""Evidence files: read defensively (regular files only, size counted while reading), never
attached to a published submission, content type sniffed from the bytes and stored."""

from __future__ import annotations

import io
import json
import os
import threading
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select
from storekit import ENGINES, Team, kpi_table, raw_table

from citykpi.errors import InputError, StoreError
from citykpi.store import Store
from citykpi.store.evidence import (
    attach_evidence,
    list_evidence,
    read_evidence_file,
    sniff_content_type,
)
from citykpi.store.importer import import_tables
from citykpi.store.schema import AuditEvent, EvidenceBlob
from citykpi.store.workflow import publish, submit, verify

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.fixture
def oslo(store: Store, team: Team) -> Store:
    """The store with an Oslo 2024 draft submission."""
    with store.transaction() as s:
        import_tables(
            s,
            team.editor,
            "Oslo",
            2024,
            raw_table("Oslo", 2024, {"population": 7.0}),
            kpi_table("Oslo", 2024, {}),
            file_name="oslo.csv",
        )
    return store


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"),
        (_zip("[Content_Types].xml", "xl/workbook.xml"), XLSX_TYPE),
        (_zip("notes.txt"), "application/zip"),
        (b"PK\x03\x04 truncated, not a readable archive", "application/zip"),
        (b"city,year,value\nOslo,2024,7\nBergen,2024,8\n", "text/csv"),
        (b"\xef\xbb\xbfcity;year\nOslo;2024\n", "text/csv"),
        (b"population register extract", "text/plain"),
        ("Tromsø, 2024: register\nsecond line".encode(), "text/plain"),
        (b"", "text/plain"),
        (b"\x00\x01\x02binary", "application/octet-stream"),
        (b"caf\xe9 latin-1 text", "application/octet-stream"),
        (b"text with an escape \x1b[31m", "application/octet-stream"),
    ],
)
def test_content_type_is_sniffed_from_the_first_bytes(content: bytes, expected: str) -> None:
    assert sniff_content_type(content) == expected


def test_a_long_text_cut_inside_a_character_is_still_text() -> None:
    content = ("é" * 5000).encode()  # 10,000 bytes: the 8 KiB window ends mid-character
    assert sniff_content_type(content[:8193] + content[8193:]) == "text/plain"


@ENGINES
def test_the_sniffed_type_is_stored_listed_and_audited(
    oslo: Store, team: Team, tmp_path: Path
) -> None:
    proof = tmp_path / "scan.txt"  # the name says text; the bytes say PDF
    proof.write_bytes(b"%PDF-1.4 proof")
    with oslo.transaction() as s:
        info = attach_evidence(s, team.editor, "Oslo", 2024, proof, max_bytes=1000)
    assert (info.size, info.content_type) == (14, "application/pdf")
    with oslo.transaction() as s:
        listed = list_evidence(s, team.verifier, "Oslo", 2024)
        stored = s.scalars(select(EvidenceBlob.content_type)).all()
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "evidence.attach")).all()
    assert [(e.original_name, e.content_type) for e in listed] == [("scan.txt", "application/pdf")]
    assert stored == ["application/pdf"]
    assert [json.loads(e.after) for e in events] == [
        {"file": "scan.txt", "size": 14, "type": "application/pdf", "value": "", "id": info.id}
    ]


def test_the_size_is_counted_while_reading_not_taken_from_stat(tmp_path: Path) -> None:
    maps = Path("/proc/self/maps")
    if not maps.exists():
        pytest.skip("no /proc on this system")
    assert maps.stat().st_size == 0  # what stat() says, and why it cannot be trusted
    with pytest.raises(
        InputError,
        match=r"'/proc/self/maps' gave more than the limit of 100 bytes while being read "
        r"\(its size on disk says 0\)",
    ):
        read_evidence_file(maps, max_bytes=100)


def test_a_proc_file_within_the_limit_is_refused_as_a_pseudo_file() -> None:
    status = Path("/proc/self/status")
    if not status.exists():
        pytest.skip("no /proc on this system")
    with pytest.raises(InputError, match=r"pseudo-file of /proc, not a stored document"):
        read_evidence_file(status, max_bytes=10_000_000)


@pytest.mark.parametrize("size", [99, 100])
def test_a_file_up_to_the_limit_is_read_whole(tmp_path: Path, size: int) -> None:
    path = tmp_path / "proof.bin"
    path.write_bytes(b"x" * size)
    assert read_evidence_file(path, max_bytes=100) == b"x" * size


def test_one_byte_over_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "proof.bin"
    path.write_bytes(b"x" * 101)
    with pytest.raises(
        InputError,
        match=r"'proof.bin' is 101 bytes, more than the limit of 100; compress it or raise",
    ):
        read_evidence_file(path, max_bytes=100)


def test_a_large_file_is_read_in_chunks_and_one_too_big_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    path.write_bytes(b"y" * 300_000)
    assert read_evidence_file(path, max_bytes=300_000) == b"y" * 300_000
    with pytest.raises(InputError, match=r"is 300000 bytes, more than the limit of 299999"):
        read_evidence_file(path, max_bytes=299_999)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"is a folder; attach a regular file"):
        read_evidence_file(tmp_path, max_bytes=100)


def test_a_device_is_refused() -> None:
    with pytest.raises(InputError, match=r"'/dev/zero' is a character device; attach a regular"):
        read_evidence_file(Path("/dev/zero"), max_bytes=100)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match=r"is a named pipe \(FIFO\); attach a regular file"):
        read_evidence_file(fifo, max_bytes=100)


def test_a_symlink_to_a_device_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "proof.pdf"
    link.symlink_to("/dev/zero")
    with pytest.raises(InputError, match=r"'.*proof.pdf' is a character device"):
        read_evidence_file(link, max_bytes=100)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"'.*nothing.pdf' does not exist; check the path"):
        read_evidence_file(tmp_path / "nothing.pdf", max_bytes=100)


@ENGINES
def test_evidence_is_refused_on_a_published_submission(
    oslo: Store, team: Team, tmp_path: Path
) -> None:
    proof = tmp_path / "late.pdf"
    proof.write_bytes(b"%PDF-1.4 late")
    with oslo.transaction() as s:
        submit(s, team.editor, "Oslo", 2024)
    with oslo.transaction() as s:
        verify(s, team.verifier, "Oslo", 2024, [])
    with oslo.transaction() as s:
        publish(s, team.verifier2, "Oslo", 2024)
    with oslo.transaction() as s, pytest.raises(StoreError, match=r"is published and final"):
        attach_evidence(s, team.editor, "Oslo", 2024, proof, max_bytes=1000)
    with oslo.transaction() as s:
        assert list_evidence(s, team.verifier, "Oslo", 2024) == []
        assert s.scalars(select(EvidenceBlob)).all() == []


@ENGINES
def test_evidence_waits_for_a_publish_in_progress_and_is_then_refused(
    oslo: Store, team: Team, tmp_path: Path
) -> None:
    # The attachment takes the submission's lock: it cannot read "open" while a publish of
    # the same submission is about to commit (PostgreSQL reads the last commit without it).
    proof = tmp_path / "race.pdf"
    proof.write_bytes(b"%PDF-1.4 race")
    with oslo.transaction() as s:
        submit(s, team.editor, "Oslo", 2024)
    with oslo.transaction() as s:
        verify(s, team.verifier, "Oslo", 2024, [])
    published = threading.Event()

    def publisher() -> None:
        with oslo.transaction() as s:
            publish(s, team.verifier2, "Oslo", 2024)
            published.set()
            time.sleep(0.5)  # the publish holds the lock, uncommitted, for a moment

    thread = threading.Thread(target=publisher)
    thread.start()
    assert published.wait(30)
    with oslo.transaction() as s, pytest.raises(StoreError, match=r"is published and final"):
        attach_evidence(s, team.editor, "Oslo", 2024, proof, max_bytes=1000)
    thread.join(timeout=30)
    with oslo.transaction() as s:
        assert list_evidence(s, team.verifier, "Oslo", 2024) == []
