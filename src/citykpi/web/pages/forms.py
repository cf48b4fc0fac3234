"""What every state-changing form of the pages shares: the CSRF token check.

The session's token is ``request.state.csrf_token`` (set by the application core); a form posts
it back as the field ``csrf_token``. A missing session token refuses, so a misconfigured app
fails closed.
"""

from __future__ import annotations

import hmac

from fastapi import Request

from citykpi.errors import PermissionDenied

__all__ = ["check_csrf"]


def check_csrf(request: Request, token: str) -> None:
    """Refuse a form whose ``csrf_token`` is not the session's.

    Raises
    ------
    PermissionDenied
        If the tokens differ or the session has none.
    """
    expected = str(getattr(request.state, "csrf_token", "") or "")
    if not expected or not hmac.compare_digest(expected.encode(), token.encode()):
        msg = "The form expired or came from another site; reload the page and try again."
        raise PermissionDenied(msg)
