"""Every report kind of two demo cities, rendered to PDF and read back as text."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pypdf
import pytest
from conftest import ARTEFACTS, Rendered, flat

from citykpi.report import LEGEND, ReportKind, file_name
from citykpi.report.strings import format_number, format_percent

KINDS = [k.value for k in ReportKind]
#: The sections of a verification report, in the order of the published reports.
VERIFICATION_SECTIONS = [
    "introduction",
    "profile",
    "results",
    "benchmark",
    "gaps",
    "next-steps",
    "method",
    "appendix",
]


def _of(rendered: dict[tuple[str, str], Rendered], kind: str) -> list[Rendered]:
    found = [r for (k, _c), r in rendered.items() if k == kind]
    assert len(found) == 2
    return found


@pytest.mark.parametrize("kind", KINDS)
def test_every_page_names_city_year_and_number(
    rendered: dict[tuple[str, str], Rendered], kind: str
) -> None:
    for r in _of(rendered, kind):
        pages = r.pages
        for i, page in enumerate(pages, start=1):
            assert r.doc.city.name in page
            assert str(r.doc.year) in page
            assert f"{i} / {len(pages)}" in page
            assert "DRAFT" not in page


@pytest.mark.parametrize("kind", KINDS)
def test_legend_has_the_four_bands(rendered: dict[tuple[str, str], Rendered], kind: str) -> None:
    for r in _of(rendered, kind):
        text = r.flat
        for band in LEGEND:
            assert flat(f"{band.key} {band.symbol} {band.label}") in text


@pytest.mark.parametrize("kind", ["verification", "factsheet"])
def test_every_reported_kpi_value_and_band(
    rendered: dict[tuple[str, str], Rendered], kind: str
) -> None:
    for r in _of(rendered, kind):
        text = r.flat
        cursor = 0
        assert len(r.doc.kpis) > 50
        for k in r.doc.kpis:
            at = text.find(flat(k.name), cursor)
            assert at >= 0, (k.code, k.name)
            value = text.find(flat(format_number(k.value, "en")), at)
            assert value >= 0, (k.code, k.value)
            band = text.find(k.band.key or "\u2013", value)
            assert band >= 0, (k.code, k.band.key)
            cursor = at + len(flat(k.name))


@pytest.mark.parametrize("kind", ["verification", "factsheet"])
def test_not_reported_list(rendered: dict[tuple[str, str], Rendered], kind: str) -> None:
    for r in _of(rendered, kind):
        gaps = r.doc.gaps_of("not_reported") + r.doc.gaps_of("partial")
        assert gaps, "the sample leaves some KPIs unreported"
        text = r.flat
        for g in r.doc.gaps_of("not_reported"):
            assert flat(f"{g.code}{g.name}Not reported") in text
        for g in r.doc.gaps_of("partial"):
            names = ", ".join(g.missing)
            assert flat(f"Partial - following not reported: {g.name} - {names}") in text


def test_snapshot_shows_every_dimension_score(rendered: dict[tuple[str, str], Rendered]) -> None:
    for r in _of(rendered, "snapshot"):
        first = flat(r.pages[0])
        for d in r.doc.dimensions:
            assert d.score is not None
            assert (
                flat(f"{d.name} {format_percent(d.score.score, 'en')} \u00b7 {d.score.band.key}")
                in first
            )


def test_certificate_certifies_published_values(rendered: dict[tuple[str, str], Rendered]) -> None:
    for r in _of(rendered, "certificate"):
        assert r.doc.verified
        assert "demo-verifier" in r.doc.verifiers
        assert flat(f"This certifies that {r.doc.city.name} has reported") in r.flat
        assert "NOTVERIFIED" not in r.flat


def test_verification_sections_in_order(rendered: dict[tuple[str, str], Rendered]) -> None:
    for r in _of(rendered, "verification"):
        assert re.findall(r'<section id="([^"]+)"', r.html) == VERIFICATION_SECTIONS


def test_pdf_metadata_bookmarks_and_tags(rendered: dict[tuple[str, str], Rendered]) -> None:
    for r in _of(rendered, "verification"):
        reader = pypdf.PdfReader(io.BytesIO(r.pdf))
        assert reader.metadata is not None
        assert reader.metadata.title == f"Verification report {r.doc.year} \u2013 {r.doc.city.name}"
        root = reader.trailer["/Root"]
        assert root["/Lang"] == "en"
        assert "/StructTreeRoot" in root
        assert root["/MarkInfo"]["/Marked"]
        titles = _titles(reader.outline)
        for heading in ("Introduction and verification background", "City profile", "Next steps"):
            assert heading in titles


def _titles(items: list[object]) -> list[str]:
    """Return the titles of a PDF outline, nested entries included."""
    out: list[str] = []
    for item in items:
        if isinstance(item, list):
            out += _titles(item)
        else:
            out.append(str(item["/Title"]))  # type: ignore[index]
    return out


def test_html_is_self_contained(rendered: dict[tuple[str, str], Rendered]) -> None:
    for r in rendered.values():
        html = r.html
        assert "<style>" in html
        assert "<link" not in html
        assert "<script" not in html
        for url in re.findall(r'(?:src|href)="([^"]*)"', html):
            assert url.startswith(("#", "data:")), url
        assert html.count("<svg") == (
            0 if r.doc.kind == ReportKind.CERTIFICATE else 2 - (r.doc.kind == ReportKind.FACTSHEET)
        )


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler's pdftoppm is not installed")
def test_pages_as_png_artefacts(rendered: dict[tuple[str, str], Rendered]) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for r in rendered.values():
        name = file_name(r.doc.city.name, r.doc.year, r.doc.kind.value, "pdf")
        pdf = ARTEFACTS / name
        pdf.write_bytes(r.pdf)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "50", str(pdf), str(pdf.with_suffix(""))], check=True
        )
        assert len(list(ARTEFACTS.glob(f"{pdf.stem}-*.png"))) == len(r.pages)
