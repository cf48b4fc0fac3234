"""citykpi report on the demo store: the interfaces the issue names, drafts, files and --all."""

from __future__ import annotations

import re
from pathlib import Path

import pypdf
from conftest import Demo, flat
from typer.testing import CliRunner

from citykpi.cli.main import build_app
from citykpi.io import write_kpi_table
from citykpi.report import LEGEND, file_name
from citykpi.sources import load_kpi_table


def _run(demo: Demo, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), list(args), env={"CITYKPI_DATABASE_URL": demo.url})
    return result.exit_code, result.stdout + result.stderr


def _text(path: Path) -> list[str]:
    return [p.extract_text() for p in pypdf.PdfReader(path).pages]


def test_verification_pdf(demo: Demo, tmp_path: Path) -> None:
    city, year = demo.published[0]
    out = tmp_path / "r.pdf"
    code, said = _run(
        demo, "report", city, str(year), "--kind", "verification", "--format", "pdf", "-o", str(out)
    )
    assert code == 0, said
    text = flat("".join(_text(out)))
    assert flat(city) in text
    assert str(year) in text
    assert "Notreported" in text
    for band in LEGEND:
        assert flat(band.label) in text


def test_verification_html_is_one_file(demo: Demo, tmp_path: Path) -> None:
    city, year = demo.published[0]
    out = tmp_path / "r.html"
    code, said = _run(demo, "report", city, str(year), "--format", "html", "-o", str(out))
    assert code == 0, said
    html = out.read_text(encoding="utf-8")
    assert "<style>" in html
    assert "<svg" in html
    assert not re.search(r'(?:src|href)="(?!#|data:)', html)
    assert "Not reported" in html


def test_snapshot_in_french(demo: Demo, tmp_path: Path) -> None:
    city, year = demo.published[1]
    out = tmp_path / "s.pdf"
    code, said = _run(
        demo,
        "report",
        city,
        str(year),
        "--kind",
        "snapshot",
        "--lang",
        "fr",
        "--format",
        "pdf",
        "-o",
        str(out),
    )
    assert code == 0, said
    text = flat("".join(_text(out)))
    for french in (
        "Aperçu de la ville",
        "Performance par rapport à la référence",
        "95 % ou plus de la cible",
        "moins de 33 % de la cible",
    ):
        assert flat(french) in text
    assert "Citysnapshot" not in text
    assert pypdf.PdfReader(out).trailer["/Root"]["/Lang"] == "fr"


def test_draft_says_draft_on_every_page(demo: Demo, tmp_path: Path) -> None:
    published = {c for c, _y in demo.published}
    city, year = next((c, y) for c, y in demo.summary.imported if c not in published)
    out = tmp_path / "d.pdf"
    code, said = _run(demo, "report", city, str(year), "-o", str(out))
    assert code == 2
    assert "--draft" in said
    code, said = _run(
        demo, "report", city, str(year), "--draft", "--as", "demo-analyst", "-o", str(out)
    )
    assert code == 0, said
    pages = _text(out)
    assert len(pages) > 3
    assert all("DRAFT" in p for p in pages)
    assert "Notverified" in flat("".join(pages))


def test_all_snapshots_one_per_published_city_year(demo: Demo, tmp_path: Path) -> None:
    out = tmp_path / "all"
    code, said = _run(
        demo, "report", "--all", "--kind", "snapshot", "--format", "html", "-o", str(out)
    )
    assert code == 0, said
    made = sorted(p.name for p in out.glob("*.html"))
    assert len(made) == len(demo.published)
    for city, year in demo.published:
        assert file_name(city, year, "snapshot", "html") in made
    assert (out / "README.md").is_file()
    code, said = _run(
        demo, "report", "--all", "--kind", "snapshot", "--format", "html", "-o", str(out)
    )
    assert code == 2
    assert "--force" in said


def test_from_a_kpi_table_file(demo: Demo, tmp_path: Path) -> None:
    table = load_kpi_table(from_store=True, settings=demo.settings)
    kpis = tmp_path / "kpis.csv"
    write_kpi_table(table, kpis)
    city, year = demo.published[0]
    out = tmp_path / "f.html"
    code, said = _run(
        demo, "report", city, str(year), "--from", str(kpis), "--format", "html", "-o", str(out)
    )
    assert code == 0, said
    html = out.read_text(encoding="utf-8")
    assert "a KPI table file" in html
    assert "Values read from a file carry no verification record." in html
    code, said = _run(
        demo,
        "report",
        city,
        str(year),
        "--from",
        str(kpis),
        "--kind",
        "certificate",
        "-o",
        str(tmp_path / "c.pdf"),
    )
    assert code == 2
    assert "only the store records" in said


def test_bad_input_is_a_sentence(demo: Demo, tmp_path: Path) -> None:
    code, said = _run(demo, "report", "Nowhere", "2024", "-o", str(tmp_path / "x.pdf"))
    assert code == 2
    assert "'Nowhere'" in said
    assert "Traceback" not in said
    code, said = _run(demo, "report", "-o", str(tmp_path / "x.pdf"))
    assert code == 2
    assert "--all" in said
