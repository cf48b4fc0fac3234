"""Lay a :class:`~citykpi.report.document.CityDocument` out as HTML, and print the HTML to PDF.

One set of Jinja2 templates (``report/templates/``) serves the screen and print: the
stylesheet has ``@media print`` and ``@page`` rules, and is inlined in a ``<style>`` element so
an HTML report is one self-contained file; the charts are inline SVG. Every template is
autoescaped and every name is wrapped in ``<bdi>``, so markup stays text and right-to-left
names do not reorder the sentence around them.

The PDF comes from WeasyPrint, offline: its URL fetcher refuses every URL that is not a
``data:`` URL, so a report never reaches the network or the file system whatever a value
holds. The PDF is tagged (``pdf_tags``; PDF/UA-1), carries the document's title and language,
bookmarks from its headings, and the city, year and page number on every page (CSS margin
boxes); a draft says DRAFT on every page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Final

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from citykpi.i18n.jinja import newstyle_gettext, newstyle_ngettext
from citykpi.report.charts import bars_svg, wheel_svg
from citykpi.report.document import BANDS, LEGEND, N_, CityDocument, ReportKind
from citykpi.report.strings import (
    format_day,
    format_number,
    format_percent,
    format_unit,
    language_status,
    translations,
)

__all__ = ["TEMPLATE_DIR", "OfflineFetcher", "render_html", "render_pdf"]

#: Where the report templates live.
TEMPLATE_DIR: Final = Path(str(files("citykpi.report") / "templates"))
#: Longest city name the running page header shows before it is shortened.
HEADER_NAME_MAX: Final = 60
_TITLES: Final[dict[ReportKind, str]] = {
    ReportKind.VERIFICATION: N_("Verification report"),
    ReportKind.SNAPSHOT: N_("City snapshot"),
    ReportKind.FACTSHEET: N_("Factsheet"),
    ReportKind.CERTIFICATE: N_("Certificate of verification"),
}


def _short(text: str, limit: int = HEADER_NAME_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


@lru_cache(maxsize=8)
def _environment(lang: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    tr = translations(lang)
    # Installed as old-style so Jinja does not wrap them again, then the compiler told to pass
    # variables as keywords (what the web's environment does too).
    env.install_gettext_callables(  # type: ignore[attr-defined]
        newstyle_gettext(tr.gettext), newstyle_ngettext(tr.ngettext), newstyle=False
    )
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    env.filters["number"] = lambda v: format_number(v, lang)
    env.filters["percent"] = lambda v: format_percent(v, lang)
    env.filters["unit"] = format_unit
    env.filters["day"] = lambda d: format_day(d, lang)
    env.filters["short"] = _short
    return env


def _stylesheet() -> str:
    return (TEMPLATE_DIR / "report.css").read_text(encoding="utf-8")


def render_html(document: CityDocument) -> str:
    """Return the document as one self-contained HTML page (inline style, inline SVG).

    Parameters
    ----------
    document
        What to lay out (:func:`~citykpi.report.build_documents`).

    Returns
    -------
    str
        The HTML text.
    """
    env = _environment(document.lang)
    tr = translations(document.lang)
    gettext: Callable[[str], str] = tr.gettext
    title = gettext(_TITLES[document.kind])
    context: dict[str, Any] = {
        "doc": document,
        "kind": document.kind.value,
        "title": title,
        "legend": LEGEND,
        "bands": BANDS,
        "not_scored": BANDS[""],
        "style": Markup(_stylesheet()),  # our own file, not user text
        "language_status": language_status(document.lang),
        "wheel": wheel_svg(
            document.wheel, document.dimensions, lang=document.lang, gettext=gettext
        ),
        "bars": bars_svg(document.dimensions, lang=document.lang, gettext=gettext),
    }
    return env.get_template(f"{document.kind.value}.html").render(context)


class OfflineFetcher:
    """A WeasyPrint URL fetcher that serves ``data:`` URLs and refuses every other URL.

    ``refused`` lists what was asked for and refused, so a test can see that nothing was.
    """

    def __init__(self) -> None:
        from weasyprint.urls import URLFetcher

        self._inner = URLFetcher(allowed_protocols={"data"}, fail_on_errors=False)
        self._fail_on_errors = False  # read by WeasyPrint's fetch()
        self.refused: list[str] = []

    def __call__(self, url: str) -> object:
        if not url.startswith("data:"):
            self.refused.append(url)
            msg = f"Reports fetch nothing from outside: {url[:80]!r} refused."
            raise ValueError(msg)
        return self._inner.fetch(url)

    def fetch(self, url: str, headers: object = None) -> object:
        """Fetch ``url`` as WeasyPrint's own fetcher does (``data:`` only)."""
        return self(url)


def render_pdf(document: CityDocument, *, html: str | None = None) -> bytes:
    """Print the document to a tagged PDF.

    Parameters
    ----------
    document
        What to lay out.
    html
        The document's HTML if already rendered (:func:`render_html`).

    Returns
    -------
    bytes
        The PDF file's content.
    """
    from weasyprint import HTML

    text = html if html is not None else render_html(document)
    fetcher = OfflineFetcher()
    pdf: bytes = HTML(string=text, base_url="data:,", url_fetcher=fetcher).write_pdf(
        pdf_tags=True, pdf_variant="pdf/ua-1"
    )
    return pdf
