"""The pages of signed-in users: a city data officer's cities and a verifier's queue.

``/my`` lists the cities and years an editor may edit with the completion of each dimension
(KPI data points with a value out of the catalogue's) and the verification state of the values;
``/review`` lists the submissions waiting for a verifier. Both read the store's value listing
(:func:`citykpi.store.listings.export_values`), which applies the reader's permissions: a
city editor sees only her cities. The role checks are the store's (``Actor.require``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from citykpi.assess.meta import catalogue_meta
from citykpi.errors import PermissionDenied
from citykpi.store import Store
from citykpi.store.listings import export_values
from citykpi.store.users import Action, Actor
from citykpi.web.pages.store import reader_store
from citykpi.web.templating import render

__all__ = [
    "CityYearProgress",
    "DimensionCompletion",
    "login_redirect",
    "my_cities",
    "progress",
    "review_queue",
    "signed_in",
]

#: The signed-in users' pages.
router = APIRouter(tags=["pages"])

StoreDep = Annotated[Store, Depends(reader_store)]

#: Value states a verifier acts on.
_TO_REVIEW = frozenset({"submitted", "in_review", "corrected", "answered"})


@dataclass(frozen=True, slots=True)
class DimensionCompletion:
    """How many of a dimension's KPI data points have a value."""

    dimension: str
    reported: int
    total: int

    @property
    def percent(self) -> float:
        """Return the share reported, in percent."""
        return 100.0 * self.reported / self.total if self.total else 0.0


@dataclass(frozen=True, slots=True)
class CityYearProgress:
    """One city-year: completion per dimension and the values' verification states."""

    city: str
    year: int
    dimensions: tuple[DimensionCompletion, ...]
    states: tuple[tuple[str, int], ...]

    @property
    def to_review(self) -> int:
        """Return how many values wait for a verifier."""
        return sum(n for state, n in self.states if state in _TO_REVIEW)

    @property
    def url(self) -> str:
        """Return the path of the city's public page."""
        return f"/cities/{quote(self.city, safe='')}"


def progress(store: Store, actor: Actor) -> list[CityYearProgress]:
    """Return the progress of every city-year the actor may read, by city and year.

    Raises
    ------
    PermissionDenied
        If the actor may not read unpublished data.
    """
    with store.reading() as s:
        rows = export_values(s, actor, kinds=("kpi",))
    meta = catalogue_meta()
    totals = Counter(m.dimension for m in meta.values())
    by_year: dict[tuple[str, int], list[dict[str, object]]] = {}
    for r in rows:
        by_year.setdefault((str(r["city"]), int(str(r["year"]))), []).append(dict(r))
    result = []
    for (city, year), values in sorted(by_year.items()):
        reported: Counter[str] = Counter()
        for v in values:
            m = meta.get(str(v["code"]))
            if m is not None and v["value"] is not None:
                reported[m.dimension] += 1
        result.append(
            CityYearProgress(
                city=city,
                year=year,
                dimensions=tuple(
                    DimensionCompletion(d, reported[d], totals[d]) for d in sorted(totals)
                ),
                states=tuple(sorted(Counter(str(v["state"]) for v in values).items())),
            )
        )
    return result


def signed_in(request: Request) -> Actor | None:
    """Return the signed-in actor of ``request`` (``None`` for a visitor)."""
    actor = getattr(request.state, "actor", None)
    return actor if isinstance(actor, Actor) else None


def login_redirect(request: Request) -> RedirectResponse:
    """Send a visitor to the login form, to come back to this page after."""
    return RedirectResponse(f"/login?next={quote(request.url.path, safe='/')}", status_code=303)


def _refused(request: Request, error: PermissionDenied) -> HTMLResponse:
    return render(request, "error.html", {"status": 403, "message": str(error)}, status_code=403)


def _work_page(request: Request, store: Store, actor: Actor, *, action: Action) -> HTMLResponse:
    try:
        actor.require(action)
        rows = progress(store, actor)
    except PermissionDenied as e:
        return _refused(request, e)
    if action is Action.REVIEW:
        rows = [r for r in rows if r.to_review]
        return render(request, "work/review.html", {"rows": rows})
    return render(request, "work/my.html", {"rows": rows})


@router.get("/my", response_class=HTMLResponse, name="pages.my_cities")
async def my_cities(request: Request, store: StoreDep) -> Response:
    """List the editor's cities and years with completion per dimension."""
    actor = signed_in(request)
    if actor is None:
        return login_redirect(request)
    return await run_in_threadpool(_work_page, request, store, actor, action=Action.EDIT_DATA)


@router.get("/review", response_class=HTMLResponse, name="pages.review_queue")
async def review_queue(request: Request, store: StoreDep) -> Response:
    """List the submissions with values waiting for a verifier."""
    actor = signed_in(request)
    if actor is None:
        return login_redirect(request)
    return await run_in_threadpool(_work_page, request, store, actor, action=Action.REVIEW)
