"""Who is making a request: the signed session cookie, a bearer token, and the CSRF token.

A browser session is a store **login token** (:func:`citykpi.store.auth.login`), so a session is
revocable, expires, and is audited like every other credential: signing out revokes it. The
cookie holds that token and the session's CSRF token, signed with the ``secret_key`` setting
(:mod:`itsdangerous`, timestamped: older than ``session_lifetime_minutes`` is refused). It is
``HttpOnly``, ``SameSite=Lax``, path ``/``, and ``Secure`` whenever the request came over HTTPS
(as the proxy says, with ``behind_proxy``).

A visitor gets a cookie with a CSRF token only, so the login form itself is protected. API
clients send ``Authorization: Bearer <token>`` (``citykpi token create``) and need no CSRF
token: a header is not sent by another site's form. A request carrying a bearer token that is
not valid is refused (401), never served as a visitor's.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Final

from itsdangerous import BadSignature, URLSafeTimedSerializer

from citykpi.errors import PermissionDenied
from citykpi.store import Store
from citykpi.store.auth import actor_by_token, touch_due, touch_token
from citykpi.store.users import Actor

__all__ = [
    "COOKIE",
    "CSRF_HEADER",
    "Identity",
    "SessionCodec",
    "SessionData",
    "bearer_token",
    "resolve_actor",
]

#: Name of the session cookie.
COOKIE: Final = "citykpi_session"
#: Header an API client signed in by cookie sends the CSRF token in.
CSRF_HEADER: Final = "x-csrf-token"


@dataclass(frozen=True, slots=True)
class SessionData:
    """What the cookie carries: the CSRF token and, once signed in, the login token."""

    csrf: str
    token: str = ""

    @staticmethod
    def fresh(token: str = "") -> SessionData:
        """Return a session with a new random CSRF token."""
        return SessionData(csrf=secrets.token_urlsafe(32), token=token)


class SessionCodec:
    """Sign and read session cookies.

    Parameters
    ----------
    secret_key
        The signing key (the ``secret_key`` setting).
    max_age_seconds
        How long a cookie is accepted after it was signed.
    """

    def __init__(self, secret_key: str, max_age_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="citykpi-session")
        self.max_age = max_age_seconds

    def dumps(self, data: SessionData) -> str:
        """Return the cookie value of ``data``."""
        return str(self._serializer.dumps({"c": data.csrf, "t": data.token}))

    def loads(self, value: str | None) -> SessionData | None:
        """Return the session of a cookie value, ``None`` if absent, forged or too old."""
        if not value or len(value) > 4096:
            return None
        try:
            raw = self._serializer.loads(value, max_age=self.max_age)
        except BadSignature:
            return None
        if not isinstance(raw, dict):
            return None
        csrf, token = raw.get("c"), raw.get("t", "")
        if not isinstance(csrf, str) or not csrf or not isinstance(token, str):
            return None
        return SessionData(csrf=csrf, token=token)


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a request acts as and how: ``kind`` is ``"session"``, ``"bearer"`` or ``"visitor"``."""

    actor: Actor | None
    kind: str


def bearer_token(authorization: str | None) -> str | None:
    """Return the token of an ``Authorization: Bearer`` header, ``None`` when there is none.

    Raises
    ------
    PermissionDenied
        The header is present but not of the form ``Bearer <token>``.
    """
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or len(token) > 512:
        msg = "Send the API token as 'Authorization: Bearer <token>' (from 'citykpi token create')."
        raise PermissionDenied(msg)
    return token.strip()


def resolve_actor(store: Store, token: str) -> Actor:
    """Return the active user ``token`` authenticates, recording its use now and then.

    The check reads in a read-only transaction; the last-used time is written in a short
    writing transaction only when it is due (:func:`citykpi.store.auth.touch_due`), so most
    requests never take the write lock.

    Raises
    ------
    PermissionDenied
        The token is unknown, expired or revoked, or its user disabled.
    """
    with store.reading() as s:
        actor = actor_by_token(s, token, touch=False)
        due = touch_due(s, token)
    if due:
        with store.transaction() as s:
            touch_token(s, token)
    return actor
