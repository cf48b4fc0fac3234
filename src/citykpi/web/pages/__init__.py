"""The HTML pages: public, city data officer, verifier and admin.

The application core includes :data:`router`, which gathers the router of each page module.
Pages are left out of the OpenAPI document: their JSON twins under ``/api/v1`` are in it.
"""

from __future__ import annotations

from fastapi import APIRouter

from citykpi.web.pages import admin, public, reports, review, submit, values, work

__all__ = ["router"]

#: Every HTML page route; ``create_app`` includes it.
router = APIRouter(include_in_schema=False)
router.include_router(public.router)
router.include_router(work.router)
router.include_router(admin.router)
router.include_router(values.router)
router.include_router(review.router)
router.include_router(submit.router)
router.include_router(reports.router)
