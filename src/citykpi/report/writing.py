"""Make the city reports and write them: one file, or one per published city-year in a folder.

:func:`make_reports` is what ``citykpi report`` calls: read (the store or a KPI table file),
arrange the documents (the table assessed once), lay each out as HTML and, for PDF, print it,
then write through :mod:`citykpi.io` (the one overwrite policy; a folder gets a README naming
every file). File names in a folder are made from the city name with everything but letters,
digits and ``-`` replaced, so no name can leave the folder.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

from citykpi.errors import InputError
from citykpi.report.document import CityDocument, ReportKind, build_documents
from citykpi.report.inputs import ReportInputs, read_file_inputs, read_store_inputs
from citykpi.report.render import render_html, render_pdf
from citykpi.report.strings import check_language
from citykpi.settings import Settings

__all__ = ["FORMATS", "Made", "file_name", "make_reports", "render_document"]

#: The formats a report is written in.
FORMATS: Final[tuple[str, ...]] = ("pdf", "html")


@dataclass(frozen=True, slots=True)
class Made:
    """What :func:`make_reports` wrote."""

    paths: tuple[Path, ...]
    documents: int
    draft: bool


def render_document(document: CityDocument, *, fmt: str) -> bytes:
    """Return the document as the bytes of an HTML (UTF-8) or PDF file.

    Raises
    ------
    InputError
        If ``fmt`` is not one of :data:`FORMATS`.
    """
    html = render_html(document)
    if fmt == "html":
        return html.encode("utf-8")
    if fmt == "pdf":
        return render_pdf(document, html=html)
    msg = f"Unknown report format {fmt!r}; use one of {', '.join(FORMATS)}."
    raise InputError(msg)


def file_name(city: str, year: int, kind: str, fmt: str) -> str:
    """Return a safe file name for a city-year's report, e.g. ``"Aldmoorvale-2024-snapshot.pdf"``.

    Letters and digits of any script are kept; everything else becomes ``-``; a name shortened
    or changed that way gets a short hash of the full name, so two cities never share a file.
    """
    slug = re.sub(r"[^\w]+", "-", city, flags=re.UNICODE).strip("-_")[:60] or "city"
    if slug != city:
        slug = f"{slug}-{hashlib.sha256(city.encode('utf-8')).hexdigest()[:8]}"
    return f"{slug}-{year}-{kind}.{fmt}"


def make_reports(
    city: str | None = None,
    year: int | None = None,
    *,
    out: str | Path,
    kind: str = ReportKind.VERIFICATION.value,
    fmt: str = "pdf",
    lang: str = "en",
    every: bool = False,
    draft: bool = False,
    from_file: str | Path | None = None,
    profiles: str | Path | None = None,
    settings: Settings | None = None,
    as_user: str = "",
    token: str = "",
    force: bool = False,
    made_on: date | None = None,
    on_document: Callable[[str, int], None] | None = None,
) -> Made:
    """Make the report of one city-year into a file, or of every city-year into a folder.

    Parameters
    ----------
    city, year
        The city-year of the report; leave out with ``every``.
    out
        The file to write (one report) or the folder (``every``).
    kind : {"verification", "snapshot", "factsheet", "certificate"}
        Which document.
    fmt : {"pdf", "html"}
        File format.
    lang : {"en", "fr", "es"}
        Language of the fixed text.
    every
        One report per city-year of the source (the published ones, for the store).
    draft
        Report the store's current values whatever their verification state, marked DRAFT on
        every page (needs a user who may read them).
    from_file
        A KPI table file to read instead of the store.
    profiles
        A city profile table for ``from_file`` (``cities.csv``).
    settings
        Settings naming the store; default :func:`citykpi.settings.load_settings`.
    as_user, token
        Who reads the store (needed for ``draft``).
    force
        Overwrite existing files.
    made_on
        The date printed on the documents; default today.
    on_document
        Called with the city and year before each document is made (progress display).

    Returns
    -------
    Made
        The files written.

    Raises
    ------
    InputError
        Bad arguments, unknown city-year, or an existing file without ``force``.
    PermissionDenied
        A draft for a reader who may not read unpublished values.
    """
    from citykpi.io import OutputFolder, write_bytes

    if fmt not in FORMATS:
        msg = f"Unknown report format {fmt!r}; use one of {', '.join(FORMATS)}."
        raise InputError(msg)
    check_language(lang)
    if every and (city is not None or year is not None):
        msg = "Give either CITY YEAR or --all, not both."
        raise InputError(msg)
    if not every and (city is None or year is None):
        msg = "Name the city and the year (citykpi report CITY YEAR ...), or use --all."
        raise InputError(msg)
    if from_file is not None and draft:
        msg = "--draft reads the store's current values; drop it when reading a file (--from)."
        raise InputError(msg)
    if profiles is not None and from_file is None:
        msg = "--profiles goes with --from FILE; the store keeps the city profiles itself."
        raise InputError(msg)
    kind = ReportKind(kind) if kind in {k.value for k in ReportKind} else kind
    if from_file is not None and kind == ReportKind.CERTIFICATE:
        msg = (
            "A certificate states that values were verified, which only the store records; make "
            "it from the store, or make a verification report of the file."
        )
        raise InputError(msg)
    cities = None if every else [str(city)]
    years = None if every else [int(year)]  # type: ignore[arg-type]
    inputs: ReportInputs = (
        read_file_inputs(from_file, profiles=profiles, cities=cities, years=years)
        if from_file is not None
        else read_store_inputs(
            settings=settings,
            draft=draft,
            as_user=as_user,
            token=token,
            cities=cities,
            years=years,
        )
    )
    pairs: Sequence[tuple[str, int]] = (
        inputs.city_years() if every else [(str(city), int(year))]  # type: ignore[arg-type]
    )
    documents = build_documents(inputs, kind=kind, lang=lang, city_years=pairs, made_on=made_on)
    if not every:
        doc = documents[0]
        if on_document is not None:
            on_document(doc.city.name, doc.year)
        path = write_bytes(render_document(doc, fmt=fmt), out, force=force)
        return Made((path,), 1, inputs.draft)
    names = [file_name(d.city.name, d.year, d.kind.value, fmt) for d in documents]
    what = "draft " if inputs.draft else ""
    with OutputFolder(
        out, force=force, names=names, title=f"citykpi {what}{documents[0].kind.value} reports"
    ) as folder:
        for doc, name in zip(documents, names, strict=True):
            if on_document is not None:
                on_document(doc.city.name, doc.year)
            folder.bytes(
                name,
                render_document(doc, fmt=fmt),
                f"The {what}{doc.kind.value} report of {doc.city.name!r} for {doc.year}.",
            )
    return Made(tuple(folder.written), len(documents), inputs.draft)
