"""gettext for Jinja2 templates, shared by the web pages and the reports.

:func:`newstyle_gettext` and :func:`newstyle_ngettext` wrap a catalogue's functions as Jinja's
new-style gettext: autoescape-aware, ``%(name)s`` formatting only when variables are given, so a
plain ``%`` needs no doubling; on :class:`~markupsafe.Markup`, ``%`` escapes every variable.
"""

from __future__ import annotations

from collections.abc import Callable

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

__all__ = ["newstyle_gettext", "newstyle_ngettext"]


def newstyle_gettext(func: Callable[[str], str]) -> Callable[..., str]:
    """Wrap ``gettext`` for templates (see the module's description)."""

    @pass_context
    def gettext(context: Context, message: str, /, **variables: object) -> str:
        text = func(message)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables if variables else text

    return gettext


def newstyle_ngettext(func: Callable[[str, str, int], str]) -> Callable[..., str]:
    """Wrap ``ngettext`` for templates; ``num`` is a variable of every message."""

    @pass_context
    def ngettext(
        context: Context, singular: str, plural: str, num: int, /, **variables: object
    ) -> str:
        variables.setdefault("num", num)
        text = func(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    return ngettext
