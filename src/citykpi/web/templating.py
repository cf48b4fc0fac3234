"""The one Jinja2 environment of the web pages.

Every template is autoescaped (``.html`` or not: a city name is hostile wherever it lands), and
interface strings go through gettext in the ``web`` domain, in the language of the request.
Templates get the current actor, the CSRF token of the session and ``static_url`` from
:func:`render`, which reads them from ``request.state`` as the application core sets them
(``request.state.actor``, ``request.state.csrf_token``, ``request.state.locale``).

No template holds inline script or style: the Content-Security-Policy forbids them. Data for
charts travels in ``<script type="application/json">`` blocks, written with :func:`json_block`,
which escapes ``<``, ``>`` and ``&`` so no value can close the block.
"""

from __future__ import annotations

import gettext as _gettext
import io
import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from starlette.responses import HTMLResponse

from citykpi.i18n.jinja import newstyle_gettext, newstyle_ngettext

if TYPE_CHECKING:
    from starlette.requests import Request

__all__ = [
    "DOMAIN",
    "LOCALE_DIR",
    "STATIC_DIR",
    "STATIC_PREFIX",
    "TEMPLATE_DIR",
    "environment",
    "json_block",
    "render",
    "static_url",
    "translations",
]

#: The gettext domain of the web interface strings.
DOMAIN = "web"
#: Where the templates live.
TEMPLATE_DIR = Path(__file__).with_name("templates")
#: Where the vendored front-end assets and the site's own CSS/JS live.
STATIC_DIR = Path(__file__).with_name("static")
#: The URL prefix under which the application mounts :data:`STATIC_DIR`.
STATIC_PREFIX = "/static"


def static_url(path: str) -> str:
    """Return the URL of a static file, e.g. ``static_url("css/site.css")``.

    Parameters
    ----------
    path
        Path relative to :data:`STATIC_DIR`.

    Returns
    -------
    str
        The absolute URL path.
    """
    return f"{STATIC_PREFIX}/{path.lstrip('/')}"


def json_block(value: object) -> Markup:
    """Serialise ``value`` for a ``<script type="application/json">`` block.

    ``<``, ``>`` and ``&`` become ``\\u003c``-style escapes, so a hostile string cannot end the
    block or open a comment; the browser's ``JSON.parse`` reads them back unchanged.

    Parameters
    ----------
    value
        Anything :func:`json.dumps` accepts (pydantic models: pass ``model_dump(mode="json")``).

    Returns
    -------
    Markup
        Text safe to place between the block's tags.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)  # escaped above for this context


def translations(locale: str | None) -> _gettext.NullTranslations:
    """Return the ``web`` domain translations for ``locale`` (English when none is found).

    Parameters
    ----------
    locale
        A language tag such as ``"fr"``; ``None`` means the default, English.

    Returns
    -------
    gettext.NullTranslations
        The translations; a ``NullTranslations`` returns the English source strings.
    """
    return _translations(locale or "en")


#: Where the ``.po`` catalogues of every domain live, one folder per language.
LOCALE_DIR = Path(__file__).resolve().parents[1] / "i18n" / "locales"


@lru_cache(maxsize=16)
def _translations(locale: str) -> _gettext.NullTranslations:
    """Read ``<locale>/LC_MESSAGES/web.po`` at run time (no compile step for users)."""
    path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return _gettext.NullTranslations()
    with path.open("rb") as f:
        catalogue = read_po(f, locale=locale, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return _gettext.GNUTranslations(compiled)


@lru_cache(maxsize=1)
def environment() -> Environment:
    """Return the web's Jinja2 environment (built once, on first use).

    Returns
    -------
    jinja2.Environment
        Autoescaping on for every template, ``StrictUndefined``, the i18n extension with
        new-style gettext; globals ``static_url`` and ``json_block`` (as a filter ``tojson_block``
        too).
    """
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    null = _gettext.NullTranslations()
    # Our own new-style wrappers (citykpi.i18n.jinja); installed as old-style so Jinja does not wrap
    # them a second time, then the compiler told to pass variables as keywords.
    env.install_gettext_callables(  # type: ignore[attr-defined]
        newstyle_gettext(null.gettext), newstyle_ngettext(null.ngettext), newstyle=False
    )
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    env.globals["static_url"] = static_url
    env.filters["json_block"] = json_block
    return env


def _request_context(request: Request) -> dict[str, Any]:
    state = request.state
    locale = getattr(state, "locale", None)
    tr = translations(locale)
    gettext = newstyle_gettext(tr.gettext)
    return {
        "request": request,
        "actor": getattr(state, "actor", None),
        "csrf_token": getattr(state, "csrf_token", ""),
        "locale": locale or "en",
        "gettext": gettext,
        "_": gettext,
        "ngettext": newstyle_ngettext(tr.ngettext),
    }


def render(
    request: Request,
    name: str,
    context: Mapping[str, object] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render template ``name`` for ``request`` as an HTML response.

    Parameters
    ----------
    request
        The request; its ``state`` gives ``actor``, ``csrf_token`` and ``locale``.
    name
        Template path relative to :data:`TEMPLATE_DIR`, e.g. ``"public/city.html"``.
    context
        The page's own variables; they override nothing of the request context.
    status_code
        HTTP status of the response.
    headers
        Extra response headers.

    Returns
    -------
    starlette.responses.HTMLResponse
        The rendered page.
    """
    values: dict[str, Any] = dict(context or {})
    values.update(_request_context(request))
    html = environment().get_template(name).render(values)
    return HTMLResponse(html, status_code=status_code, headers=dict(headers or {}))
