"""Terminal output that user text cannot take over: no markup, no control sequences.

City, user and file names, sources, notes and messages reach the terminal inside command
output. Two things in such text would otherwise act instead of being shown:

* **Rich markup.** ``[/y]`` made rich raise a markup error after a change was committed;
  ``[link=https://x]Aldmoorvale[/link]`` printed a hyperlink that looked like a city name.
  The consoles here (:class:`SafeConsole`) never read markup or emoji codes, whatever a caller
  passes: every string is printed as the characters it holds. Styling is done with
  :class:`rich.text.Text` objects, whose styles come from code, never from the text.
* **Terminal control sequences.** ESC starts colour changes, cursor moves, title changes and
  OSC 8 hyperlinks (``ESC ] 8 ; ; URL ESC \\``); C1 controls such as U+009B do the same on some
  terminals, and bidirectional overrides (U+202E) reorder what is read. :func:`printable`
  shows each such character as a visible escape (``\\x1b``, ``\\u202e``), so the text is printed
  literally and nothing is lost to the eye.

Data formats keep the data: JSON escapes the same characters as ``\\uXXXX``
(:func:`json_safe`, still the same JSON value); CSV on standard output is shown through
:func:`printable` only when it goes to a terminal.
"""

from __future__ import annotations

from typing import Any, Final

from rich.console import Console, ConsoleRenderable, RichCast
from rich.status import Status
from rich.style import Style
from rich.text import Span, Text


def _unsafe_codes() -> list[int]:
    codes = [*range(0x20), *range(0x7F, 0xA0)]  # C0, DEL, C1
    codes += [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]  # bidi
    codes += [0x2028, 0x2029]  # line and paragraph separators
    return codes


def _escape(code: int) -> str:
    named = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}
    if code in named:
        return named[code]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_UNSAFE: Final = _unsafe_codes()
#: ``str.translate`` tables: for free text (newlines kept) and for one-line cells.
_TEXT_TABLE: Final = {c: _escape(c) for c in _UNSAFE if c != 0x0A}
_CELL_TABLE: Final = {c: _escape(c) for c in _UNSAFE}
_JSON_TABLE: Final = {c: f"\\u{c:04x}" for c in _UNSAFE if c >= 0x7F}


def printable(text: str, *, one_line: bool = False) -> str:
    """Return ``text`` with every control character shown as a visible escape.

    Parameters
    ----------
    text
        Text that may come from a user or a file.
    one_line
        Escape newlines too (``\\n``), for table cells; otherwise newlines are kept.

    Returns
    -------
    str
        ``text`` unchanged if it holds no control, bidirectional or separator character;
        else each one replaced by ``\\xNN``, ``\\uNNNN``, ``\\t`` or ``\\r`` (and ``\\n``).
    """
    return text.translate(_CELL_TABLE if one_line else _TEXT_TABLE)


def json_safe(text: str) -> str:
    """Return JSON text with DEL, C1 and bidirectional characters written as ``\\uXXXX``.

    :func:`json.dumps` already escapes C0 controls; the result parses to the same value.
    """
    return text.translate(_JSON_TABLE)


def safe_text(text: Text) -> Text:
    """Return ``text`` with its plain text made :func:`printable`, keeping its styles."""
    plain = text.plain
    shown = printable(plain)
    if shown == plain:
        return text
    # where each original character starts in the escaped text, so styled spans still fit
    starts = [0]
    for char in plain:
        starts.append(starts[-1] + len(printable(char)))
    spans = [Span(starts[s.start], starts[s.end], s.style) for s in text.spans]
    return Text(
        shown,
        style=text.style,
        justify=text.justify,
        overflow=text.overflow,
        no_wrap=text.no_wrap,
        end=text.end,
        spans=spans,
    )


Printable = ConsoleRenderable | RichCast | str


def _safe(value: Any) -> Any:
    if isinstance(value, str):
        return Text(printable(value))
    if isinstance(value, Text):
        return safe_text(value)
    return value  # a renderable built by code (e.g. a Table of Text cells)


class SafeStatus(Status):
    """A spinner line whose text is shown literally (no markup, no control sequences)."""

    def update(
        self,
        status: Printable | None = None,
        *,
        spinner: str | None = None,
        spinner_style: str | Style | None = None,
        speed: float | None = None,
    ) -> None:
        """Change the text, spinner, style or speed (see :meth:`rich.status.Status.update`)."""
        super().update(
            None if status is None else _safe(status),
            spinner=spinner,
            spinner_style=spinner_style,
            speed=speed,
        )


class SafeConsole(Console):
    """A rich console that prints every string literally.

    Markup and emoji codes are never read (passing ``markup=True`` has no effect), automatic
    highlighting is off, and strings and :class:`~rich.text.Text` objects are passed through
    :func:`printable` before they are drawn.
    """

    def __init__(self, **options: Any) -> None:
        options.update(markup=False, emoji=False, highlight=False)
        super().__init__(**options)

    def print(self, *objects: Any, **options: Any) -> None:
        """Print ``objects`` like :meth:`rich.console.Console.print`, but literally."""
        options.update(markup=False, emoji=False)
        super().print(*(_safe(o) for o in objects), **options)

    def status(
        self,
        status: Printable,
        *,
        spinner: str = "dots",
        spinner_style: str | Style = "status.spinner",
        speed: float = 1.0,
        refresh_per_second: float = 12.5,
    ) -> Status:
        """Return a spinner line showing ``status`` literally (see :meth:`Console.status`)."""
        return SafeStatus(
            _safe(status),
            console=self,
            spinner=spinner,
            spinner_style=spinner_style,
            speed=speed,
            refresh_per_second=refresh_per_second,
        )


__all__ = [
    "SafeConsole",
    "SafeStatus",
    "json_safe",
    "printable",
    "safe_text",
]
