"""The HTML pages: public, city data officer, verifier and admin.

The application core includes :data:`router`; each page module adds its routes to it.
"""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

#: Every HTML page route; ``create_app`` includes it.
router = APIRouter(include_in_schema=False)

# The page modules add their routes to the router above.
from citykpi.web.pages import public  # noqa: E402

__all__ += ["public"]
