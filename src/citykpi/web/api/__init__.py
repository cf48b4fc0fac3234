"""The REST API under ``/api/v1``: the JSON twin of every page, and the workflow's actions.

:data:`router` gathers one router per resource: the public documents (published values only,
:mod:`.public`), submissions with their values, revisions, findings and actions
(:mod:`.submissions`), and the audit trail (:mod:`.audit`). The application core includes it
and serves the OpenAPI document at ``/api/v1/openapi.json``. Every error is answered in the one
shape of :mod:`citykpi.web.errors` (:class:`~citykpi.web.api.schemas.ApiError`).
"""

from __future__ import annotations

from fastapi import APIRouter

from citykpi.web.api import audit, public, submissions

__all__ = ["router"]

#: Every API route, under ``/api/v1``; ``create_app`` includes it.
router = APIRouter(prefix="/api/v1")
router.include_router(public.router)
router.include_router(submissions.router)
router.include_router(audit.router)
