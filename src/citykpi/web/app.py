"""The web application: pages, the REST API under ``/api/v1``, sessions and security headers.

:func:`create_app` builds one FastAPI application over one store. Per request, one middleware
(:class:`Identify`):

1. reads the session cookie or the ``Authorization: Bearer`` token and sets
   ``request.state.actor`` (:mod:`citykpi.web.sessions`); a bad bearer token is a 401;
2. refuses an unsafe ``/api/`` request signed in by cookie without the session's CSRF token in
   the ``X-CSRF-Token`` header (forms check their ``csrf_token`` field themselves, through
   :func:`citykpi.web.pages.forms.check_csrf`);
3. picks the language (``?lang=``, then the ``citykpi_lang`` cookie, then
   ``Accept-Language``) into ``request.state.locale``;
4. adds the security headers of :data:`SECURITY_HEADERS` (a Content-Security-Policy without
   inline script or style, no framing, no sniffing) to every response, and ``Cache-Control:
   no-store`` to every response for a signed-in user.

Request bodies are limited to ``upload_max_bytes`` (413 past it) by :class:`BodyLimit`. Roles
and four-eyes are never checked here: the pages and the API call the store's functions with the
actor, and those refuse. Errors take their one shape in :mod:`citykpi.web.errors`.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from citykpi.errors import InputError, PermissionDenied
from citykpi.settings import Settings, load_settings
from citykpi.store import Store, open_store
from citykpi.web.errors import API_PREFIX, error_response, install_error_handlers, unexpected
from citykpi.web.sessions import (
    COOKIE,
    CSRF_HEADER,
    SessionCodec,
    SessionData,
    bearer_token,
    resolve_actor,
)
from citykpi.web.templating import LOCALE_DIR, STATIC_DIR, STATIC_PREFIX

__all__ = ["CSP", "SECURITY_HEADERS", "BodyLimit", "Identify", "create_app"]

#: The Content-Security-Policy of every response: nothing inline, nothing from elsewhere.
CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; "
    "object-src 'none'"
)
#: Headers added to every response.
SECURITY_HEADERS: Final = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
_SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
_LANG_COOKIE: Final = "citykpi_lang"
#: Shortest signing key accepted.
MIN_SECRET_LENGTH: Final = 32

ASGIApp = Callable[
    [MutableMapping[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
    Awaitable[None],
]


def _languages() -> frozenset[str]:
    return frozenset(p.name for p in LOCALE_DIR.iterdir() if (p / "LC_MESSAGES").is_dir())


class _TooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware refusing request bodies over ``limit`` bytes with a 413.

    A declared ``Content-Length`` over the limit is refused before reading; a body without one
    is counted as it arrives.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[Any]],
        send: Callable[[Any], Awaitable[None]],
    ) -> None:
        """Pass the request on, counting its body."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        seen = 0
        started = False

        async def counting() -> Any:
            nonlocal seen
            message = await receive()
            if message.get("type") == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        async def watching(message: Any) -> None:
            nonlocal started
            if message.get("type") == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting, watching)
        except _TooLarge:
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[Any]],
        send: Callable[[Any], Awaitable[None]],
    ) -> None:
        request = Request(scope, receive)
        mib = self.limit / 1024 / 1024
        message = (
            f"The upload is larger than the {mib:.0f} MiB this server accepts; split the file "
            "(one city-year per file) or ask the administrator to raise CITYKPI_UPLOAD_MAX_BYTES."
        )
        response = error_response(request, 413, message)
        for key, value in SECURITY_HEADERS.items():
            response.headers[key] = value
        await response(scope, receive, send)


def _locale(request: Request, languages: frozenset[str]) -> tuple[str, bool]:
    """Return the request's language and whether ``?lang=`` chose it (to remember it)."""
    asked = request.query_params.get("lang", "")
    if asked in languages:
        return asked, True
    remembered = request.cookies.get(_LANG_COOKIE, "")
    if remembered in languages:
        return remembered, False
    for part in request.headers.get("accept-language", "").split(",")[:10]:
        tag = part.split(";")[0].strip().lower().split("-")[0]
        if tag in languages:
            return tag, False
    return "en", False


def _cookie_headers(
    codec: SessionCodec, data: SessionData | None, lang: str | None, secure: bool
) -> list[tuple[bytes, bytes]]:
    """Return the ``Set-Cookie`` headers for a new session and/or a chosen language."""
    jar = Response()
    if data is not None:
        jar.set_cookie(
            COOKIE,
            codec.dumps(data),
            max_age=codec.max_age,
            path="/",
            httponly=True,
            secure=secure,
            samesite="lax",
        )
    if lang is not None:
        jar.set_cookie(_LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", secure=secure)
    return [(k, v) for k, v in jar.raw_headers if k == b"set-cookie"]


def _add_headers(response: Response, *, secure: bool, signed_in: bool) -> None:
    for key, value in SECURITY_HEADERS.items():
        response.headers.setdefault(key, value)
    if secure:
        response.headers.setdefault("strict-transport-security", "max-age=31536000")
    if signed_in:
        response.headers["cache-control"] = "no-store"
        response.headers["vary"] = "Cookie, Authorization"


_SECURITY_RAW: Final = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]


class Identify:
    """ASGI middleware: who the request acts as, CSRF for cookie-signed API writes, language,
    and the security headers of every response (see the module's description).

    Plain ASGI rather than Starlette's ``BaseHTTPMiddleware``: it adds nothing to a request but
    a few dictionary look-ups, which the public pages' throughput depends on.
    """

    def __init__(
        self, app: ASGIApp, *, codec: SessionCodec, store: Store, languages: frozenset[str]
    ) -> None:
        self.app = app
        self.codec = codec
        self.store = store
        self.languages = languages

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[Any]],
        send: Callable[[Any], Awaitable[None]],
    ) -> None:
        """Identify the request, pass it on, and dress the response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        secure = request.url.scheme == "https"
        session = self.codec.loads(request.cookies.get(COOKIE))
        fresh = session is None
        data = session or SessionData.fresh()
        state = request.state
        state.session, state.csrf_token, state.actor, state.auth = data, data.csrf, None, "visitor"
        state.locale, remember_lang = _locale(request, self.languages)
        try:
            bearer = bearer_token(request.headers.get("authorization"))
            if bearer is not None:
                state.actor = await run_in_threadpool(resolve_actor, self.store, bearer)
                state.auth = "bearer"
            elif data.token:
                try:
                    state.actor = await run_in_threadpool(resolve_actor, self.store, data.token)
                    state.auth = "session"
                except PermissionDenied:  # expired or revoked: a visitor, with a new session
                    data, fresh = SessionData.fresh(), True
                    state.session, state.csrf_token = data, data.csrf
        except PermissionDenied as e:
            answer = error_response(request, 401, str(e), headers={"WWW-Authenticate": "Bearer"})
            _add_headers(answer, secure=secure, signed_in=False)
            await answer(scope, receive, send)
            return
        is_api = request.url.path.startswith(API_PREFIX)
        if is_api and state.auth == "session" and request.method not in _SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(sent.encode(), data.csrf.encode()):
                message = (
                    "A request signed in by the session cookie must send the session's CSRF "
                    f"token in the {CSRF_HEADER!r} header; API clients should use a bearer "
                    "token instead."
                )
                answer = error_response(request, 403, message)
                _add_headers(answer, secure=secure, signed_in=True)
                await answer(scope, receive, send)
                return
        started = False

        async def dressed(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _v in headers}
                headers += [(k, v) for k, v in _SECURITY_RAW if k not in present]
                if secure:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                if state.actor is not None:
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers += [
                        (b"cache-control", b"no-store"),
                        (b"vary", b"Cookie, Authorization"),
                    ]
                out = getattr(state, "session_out", None)
                new = (
                    out
                    if isinstance(out, SessionData)
                    else (data if fresh and not is_api else None)
                )
                lang = state.locale if remember_lang else None
                if new is not None or lang is not None:
                    headers += _cookie_headers(self.codec, new, lang, secure)
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, dressed)
        except Exception as e:  # the one place an unexpected error becomes a 500
            if started:
                raise
            answer = await unexpected(request, e)
            await answer(scope, receive, dressed)


def _signing_key(settings: Settings, *, demo: bool) -> str:
    key = settings.secret_key
    if demo and not key:
        return secrets.token_urlsafe(48)
    if len(key) < MIN_SECRET_LENGTH:
        msg = (
            f"The web application needs a signing key of at least {MIN_SECRET_LENGTH} "
            "characters in CITYKPI_SECRET_KEY (for example the output of "
            "'python -c \"import secrets; print(secrets.token_urlsafe(48))\"'); "
            "'citykpi serve --demo' makes a throwaway one."
        )
        raise InputError(msg)
    return key


def create_app(
    settings: Settings | None = None, *, store: Store | None = None, demo: bool = False
) -> FastAPI:
    """Build the web application over a store.

    Parameters
    ----------
    settings
        The settings (host and port are the server's business, not the app's); read from the
        environment when omitted.
    store
        An open store; opened from ``settings.database_url`` when omitted.
    demo
        Accept a missing ``secret_key`` and make a throwaway one (``citykpi serve --demo``, and
        tests).

    Returns
    -------
    fastapi.FastAPI
        The application: pages, ``/api/v1`` with its OpenAPI document at
        ``/api/v1/openapi.json``, the static files at ``/static``.

    Raises
    ------
    InputError
        If ``secret_key`` is missing or shorter than 32 characters (and ``demo`` is false).
    """
    cfg = settings or load_settings()
    key = _signing_key(cfg, demo=demo)
    opened = store or open_store(cfg.resolved_database_url(), settings=cfg)
    app = FastAPI(
        title="citykpi",
        summary="U4SSC KPIs for Smart Sustainable Cities: published values, submissions, review.",
        version=_version(),
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # the interactive pages load scripts from a CDN; the document is enough
        redoc_url=None,
    )
    app.state.store = opened
    app.state.settings = cfg
    app.state.sessions = SessionCodec(key, cfg.session_lifetime_minutes * 60)
    app.state.languages = _languages()
    install_error_handlers(app)
    app.add_middleware(
        Identify, codec=app.state.sessions, store=opened, languages=app.state.languages
    )
    app.add_middleware(BodyLimit, limit=cfg.upload_max_bytes)
    if cfg.behind_proxy:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts="*")
    app.mount(STATIC_PREFIX, StaticFiles(directory=Path(STATIC_DIR)), name="static")
    from citykpi.web.login import router as login_router
    from citykpi.web.pages import router as pages_router

    app.include_router(login_router)
    app.include_router(pages_router)
    api = _api_router()
    if api is not None:
        app.include_router(api)
    return app


def _api_router() -> Any:
    """Return the REST API's router (``citykpi.web.api.router``), ``None`` without the package."""
    import importlib

    try:
        module = importlib.import_module("citykpi.web.api")
    except ModuleNotFoundError as e:
        if e.name != "citykpi.web.api":
            raise
        return None
    return module.router


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("citykpi")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0"
