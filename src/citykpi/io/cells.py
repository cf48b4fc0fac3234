"""Cells a spreadsheet would execute, neutralised: the one rule every CSV and XLSX writer uses.

A spreadsheet program opening a CSV file runs a cell that starts with ``=``, ``+``, ``-`` or
``@`` as a formula (``=HYPERLINK(...)``, ``+cmd|' /C calc'!A0``), and a leading tab or carriage
return hides such a start. Following the OWASP rule for CSV injection, a text cell that starts
with one of these six characters gets a leading apostrophe, which spreadsheets read as "this
is text". Numbers stay numbers: numeric columns are never touched, and neither is text that is
a plain number (``-5``, ``+3.2``, ``-1.5e-3``).

A carriage return inside a cell is one more way in: most readers end the row there when the
cell is not quoted (and Python's CSV writer, with ``\n`` line ends, does not quote it), so the
rest of the cell starts a new row, unneutralised. :func:`csv_quoting` says to quote every
field of such a file.

The rule is reversible: :func:`restore` undoes :func:`neutralise` exactly. A text that
already starts with apostrophes in front of such a character gets one more, so reading back a
file citykpi wrote gives the original text (``'=x`` is written ``''=x``).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:
    import pandas as pd

#: First characters that make a spreadsheet treat a cell as a formula (OWASP).
TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")
_NUMBER: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def needs_quote(text: str) -> bool:
    """Whether a spreadsheet would run ``text`` as a formula (or it is already quoted so).

    Parameters
    ----------
    text
        One cell's text.
    """
    body = text.lstrip("'")
    if not body or body[0] not in TRIGGERS:
        return False
    return _NUMBER.fullmatch(body) is None


def neutralise(text: str) -> str:
    """Return ``text`` safe to open in a spreadsheet: a leading ``'`` if it would execute.

    Parameters
    ----------
    text
        One cell's text.

    Returns
    -------
    str
        ``"'" + text`` if ``text`` starts with ``=``, ``+``, ``-``, ``@``, tab or carriage
        return and is not a plain number (or is such a text already quoted); else ``text``.

    Examples
    --------
    >>> neutralise('=HYPERLINK("http://x","y")')
    '\\'=HYPERLINK("http://x","y")'
    >>> neutralise("-5"), neutralise("Oslo")
    ('-5', 'Oslo')
    """
    return "'" + text if needs_quote(text) else text


def restore(text: str) -> str:
    """Return the text :func:`neutralise` was given for ``text`` (its inverse)."""
    if text.startswith("'") and needs_quote(text[1:]):
        return text[1:]
    return text


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with every text cell neutralised (numeric columns untouched).

    Column names and the index are neutralised too when they hold text (the header is a row
    of the file, and the index is written as a column when ``index=True``). The frame itself
    is not changed.
    """
    import pandas as pd

    def quoted(values: pd.Series) -> bool:
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            return False
        return any(isinstance(v, str) and needs_quote(v) for v in values)

    # Only the columns holding a cell to quote are copied and replaced ("frame[c]" is a new
    # Series at every access, so identity cannot tell a changed column).
    out = frame
    for position in [i for i in range(frame.shape[1]) if quoted(frame.iloc[:, i])]:
        out = frame.copy() if out is frame else out
        values = out.iloc[:, position]
        out.isetitem(
            position, values.map(lambda v: neutralise(v) if isinstance(v, str) else v).array
        )
    textual = not pd.api.types.is_numeric_dtype(out.index)
    if textual and any(isinstance(v, str) and needs_quote(v) for v in out.index):
        out = out.copy() if out is frame else out
        out.index = out.index.map(lambda v: neutralise(v) if isinstance(v, str) else v)
    if any(isinstance(c, str) and needs_quote(c) for c in out.columns):
        out = out.copy() if out is frame else out
        out.columns = [neutralise(c) if isinstance(c, str) else c for c in out.columns]
    return out


def csv_quoting(cells: Iterable[object]) -> Literal[0, 1]:
    """Return the :mod:`csv` quoting for a file of ``cells``: all fields if one holds ``\r``.

    Returns
    -------
    int
        :data:`csv.QUOTE_ALL` if a text cell contains a carriage return, else
        :data:`csv.QUOTE_MINIMAL` (the usual CSV).
    """
    if any(isinstance(c, str) and "\r" in c for c in cells):
        return csv.QUOTE_ALL
    return csv.QUOTE_MINIMAL


def frame_cells(frame: pd.DataFrame) -> Iterable[object]:
    """Yield every text-capable cell of ``frame``: header, index and non-numeric columns."""
    import pandas as pd

    yield from frame.columns
    yield from frame.index
    for name in frame.columns:
        values = frame[name]
        if not pd.api.types.is_numeric_dtype(values):
            yield from values


def restore_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` (read as text) with :func:`restore` applied to every cell.

    Use it on a table citykpi wrote, so that it reads back as the table that was written.
    """
    out = frame
    for name in frame.columns:
        values = frame[name]
        quoted = values.map(lambda v: isinstance(v, str) and v.startswith("'"))
        if quoted.any():
            out = out.copy() if out is frame else out
            out[name] = values.map(lambda v: restore(v) if isinstance(v, str) else v)
    return out


__all__ = [
    "TRIGGERS",
    "csv_quoting",
    "frame_cells",
    "needs_quote",
    "neutralise",
    "neutralise_frame",
    "restore",
    "restore_frame",
]
