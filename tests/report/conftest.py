"""A small demo store (12 sample cities, six imported, three published) and its reports.

Both are made once per session: the store takes seconds, every PDF about one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pypdf
import pytest

from citykpi.io import write_sample
from citykpi.report import (
    CityDocument,
    ReportInputs,
    ReportKind,
    build_documents,
    read_store_inputs,
    render_html,
    render_pdf,
)
from citykpi.settings import Settings
from citykpi.store.demo import DemoSummary, load_demo

#: Where rendered pages are kept for people to look at (git-ignored).
ARTEFACTS = Path(__file__).resolve().parents[1] / "artefacts" / "report"
#: The date printed on every test document, so the text does not depend on the day.
DAY = date(2026, 12, 6)


@dataclass(frozen=True)
class Demo:
    url: str
    summary: DemoSummary
    inputs: ReportInputs

    @property
    def settings(self) -> Settings:
        return Settings(database_url=self.url)

    @property
    def published(self) -> list[tuple[str, int]]:
        return [(c, y) for c, y, _n in self.summary.published]


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    root = tmp_path_factory.mktemp("report-store")
    write_sample(root / "sample", n_cities=12, years=range(2023, 2025))
    url = f"sqlite:///{root / 'demo.db'}"
    summary = load_demo(url, root / "sample", cycle_cities=3)
    inputs = read_store_inputs(settings=Settings(database_url=url))
    return Demo(url, summary, inputs)


@dataclass(frozen=True)
class Rendered:
    doc: CityDocument
    html: str
    pdf: bytes

    @property
    def pages(self) -> list[str]:
        import io

        return [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(self.pdf)).pages]

    @property
    def flat(self) -> str:
        """The PDF's text without any whitespace (cells wrap words anywhere)."""
        return flat("".join(self.pages))


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="session")
def rendered(demo: Demo) -> dict[tuple[str, str], Rendered]:
    """Every report kind of the first two published cities, in English, as HTML and PDF."""
    out: dict[tuple[str, str], Rendered] = {}
    pairs = demo.published[:2]
    for kind in ReportKind:
        for doc in build_documents(demo.inputs, kind=kind, city_years=pairs, made_on=DAY):
            html = render_html(doc)
            out[(kind.value, doc.city.name)] = Rendered(doc, html, render_pdf(doc, html=html))
    return out
