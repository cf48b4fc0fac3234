"""The city documents from the web: ``/reports?city=&year=&kind=&format=&lang=``.

The same documents as ``citykpi report`` (:mod:`citykpi.report`), of published values only, for
everyone. A PDF takes a few seconds to lay out, so each document is kept, keyed on the store's
latest audit event (:func:`~citykpi.web.pages.published.audit_mark`): a publish makes the next
request render afresh, and repeated requests cost nothing.
"""

from __future__ import annotations

import threading
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from citykpi.errors import CityKpiError, NotFound
from citykpi.report.document import build_documents
from citykpi.report.inputs import read_store_inputs
from citykpi.report.writing import file_name, render_document
from citykpi.store import Store
from citykpi.web.errors import status_of
from citykpi.web.pages.published import audit_mark
from citykpi.web.pages.store import reader_store
from citykpi.web.templating import render

__all__ = ["report", "router"]

#: The report route.
router = APIRouter(tags=["pages"])

StoreDep = Annotated[Store, Depends(reader_store)]
Kind = Literal["verification", "snapshot", "factsheet", "certificate"]
_MEDIA = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}
_LIMIT = 64
_HTML_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'"
)
_kept: dict[tuple[str, int, str, int, str, str, str], bytes] = {}
_lock = threading.Lock()


def _make(store: Store, city: str, year: int, kind: str, fmt: str, lang: str) -> bytes:
    inputs = read_store_inputs(store=store, cities=[city], years=[year])
    if (city, year) not in set(inputs.city_years()):
        msg = f"No published values of {city!r} for {year}; only published city-years have reports."
        raise NotFound(msg)
    (document,) = build_documents(inputs, kind=kind, lang=lang, city_years=[(city, year)])
    return render_document(document, fmt=fmt)


@router.get("/reports", name="pages.report")
async def report(
    request: Request,
    store: StoreDep,
    city: Annotated[str, Query(min_length=1, max_length=200)],
    year: Annotated[int, Query(ge=1900, le=2200)],
    kind: Kind = "snapshot",
    format: Literal["pdf", "html"] = "pdf",
    lang: Literal["en", "fr", "es"] = "en",
) -> Response:
    """Send a published city-year's document as PDF or self-contained HTML."""
    mark = audit_mark(store)
    key = (store.url, mark, city, year, kind, format, lang)
    body = _kept.get(key)
    if body is None:
        try:
            body = await run_in_threadpool(_make, store, city, year, kind, format, lang)
        except CityKpiError as e:
            status = status_of(e, signed_in=True)
            return render(
                request, "error.html", {"status": status, "message": str(e)}, status_code=status
            )
        with _lock:
            if len(_kept) >= _LIMIT or any(k[1] != mark for k in _kept):
                _kept.clear()
            _kept[key] = body
    name = file_name(city, year, kind, format)
    disposition = f"inline; filename*=UTF-8''{quote(name, safe='')}"
    headers = {"content-disposition": disposition}
    if format == "html":  # the document's own inline style; still no script of any kind
        headers["content-security-policy"] = _HTML_CSP
    return Response(body, media_type=_MEDIA[format], headers=headers)
