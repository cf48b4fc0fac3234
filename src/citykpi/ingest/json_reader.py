"""Read a JSON file of raw inputs.

Two shapes are accepted:

* an array of records, each an object with the long-table fields ``city, year, code, value``
  (required) and ``unit, source, quality, kind, data_point`` (optional)::

      [{"city": "Aldmoor", "year": 2024, "code": "population", "value": 81250}, ...]

* one submission: an object with ``city`` and ``year`` and a ``values`` array of records that
  may leave out ``city`` and ``year``::

      {"city": "Aldmoor", "year": 2024,
       "values": [{"code": "population", "value": 81250, "quality": "accurate_measurement"}]}

Field names are matched like CSV headers (case and spaces do not matter). Values may be numbers,
booleans, ``null`` or text. The ``row`` of each value is the 1-based position of its record in
the array.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from itertools import accumulate
from pathlib import Path
from typing import Final

from citykpi.ingest.table import RawTableBuilder, Record, issue
from citykpi.ingest.tabular import REQUIRED, header_key
from citykpi.ingest.values import CellValue
from citykpi.reasons import Reason

_FAILED: Final = object()
_SHAPES = (
    "an array of records with the fields city, year, code, value, or an object "
    '{"city": ..., "year": ..., "values": [records]}'
)


#: Largest JSON file read, in bytes.
MAX_JSON_BYTES: Final = 256 * 1024 * 1024
#: Deepest nesting of arrays and objects read; the layouts above need 3.
MAX_JSON_DEPTH: Final = 32
#: Longest integer kept as a number; longer ones stay text (they are no measurement, and
#: Python refuses to convert more than 4,300 digits).
_MAX_INT_DIGITS: Final = 20

_BRACKETS: Final = re.compile(r"[^\[\]{}]+")
_ESCAPED_SURROGATE: Final = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def _bracket_depth(text: str) -> int:
    """Return how deep brackets nest in ``text``, brackets inside strings included.

    Brackets in strings only make the count larger, so a text within the limit by this count
    is within it; only one over it needs the exact depth of the parsed document.
    """
    brackets = _BRACKETS.sub("", text)
    return max(accumulate(1 if c in "[{" else -1 for c in brackets), default=0)


def _deeper_than(document: object, limit: int) -> bool:
    """Return whether arrays and objects nest more than ``limit`` deep in ``document``."""
    stack: list[tuple[object, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, dict | list):
            continue
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children)
    return False


def _int(text: str) -> int | str:
    return int(text) if len(text.lstrip("-")) <= _MAX_INT_DIGITS else text


def _float(text: str) -> float | str:
    number = float(text)
    return number if math.isfinite(number) else text


def _load(path: Path, *, file: str, builder: RawTableBuilder) -> tuple[object, str]:
    """Return the document in ``path`` and its text; ``_FAILED`` after adding the issue."""
    with path.open("rb") as stream:
        data = stream.read(MAX_JSON_BYTES + 1)
    if len(data) > MAX_JSON_BYTES:
        msg = (
            f"{file} is larger than {MAX_JSON_BYTES // 2**20} MiB, the most citykpi reads from "
            "one JSON file; split it into several files."
        )
        builder.issues.append(issue(Reason.UNREADABLE_FILE, msg, file=file))
        return _FAILED, ""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        msg = f"{file} is not UTF-8 text (byte {e.start + 1}); save the JSON file as UTF-8."
        builder.issues.append(issue(Reason.UNREADABLE_FILE, msg, file=file))
        return _FAILED, ""
    too_deep = f"{file} nests arrays or objects more than {MAX_JSON_DEPTH} deep; write {_SHAPES}."
    try:
        document = json.loads(text, parse_int=_int, parse_float=_float)
    except json.JSONDecodeError as e:
        msg = f"{file} is not valid JSON ({e.msg} at line {e.lineno}, column {e.colno}); fix it."
        builder.issues.append(issue(Reason.UNREADABLE_FILE, msg, file=file, row=e.lineno))
        return _FAILED, ""
    except RecursionError:  # the parser refuses a thousand levels; Python's stack is safe
        builder.issues.append(issue(Reason.UNKNOWN_LAYOUT, too_deep, file=file))
        return _FAILED, ""
    if _bracket_depth(text) > MAX_JSON_DEPTH and _deeper_than(document, MAX_JSON_DEPTH):
        builder.issues.append(issue(Reason.UNKNOWN_LAYOUT, too_deep, file=file))
        return _FAILED, ""
    return document, text


def read_json(path: Path, *, file: str, builder: RawTableBuilder) -> None:
    """Add the values of the JSON file at ``path`` to ``builder`` (a :class:`~.readers.Reader`).

    Files larger than :data:`MAX_JSON_BYTES` are refused before they are parsed, and files
    nested deeper than :data:`MAX_JSON_DEPTH` before any value is read; integers of more than
    20 digits and numbers beyond the range of a float are kept as the text written (validation
    reports them); a text holding
    an unpaired UTF-16 surrogate (``"\\ud800"``) is reported where it is.
    """
    document, text = _load(path, file=file, builder=builder)
    if document is _FAILED:
        return
    shared: dict[str, CellValue] = {}
    if isinstance(document, dict) and isinstance(document.get("values"), list):
        shared = {header_key(k): v for k, v in document.items() if k != "values" and _is_scalar(v)}
        records = document["values"]
    elif isinstance(document, list):
        records = document
    else:
        msg = f"{file} has an unknown JSON layout; write {_SHAPES}."
        builder.issues.append(issue(Reason.UNKNOWN_LAYOUT, msg, file=file))
        return
    # Only a \ud8xx-\udfxx escape makes a surrogate: the check of every text is skipped without.
    surrogates = _ESCAPED_SURROGATE.search(text) is not None
    for number, record in enumerate(records, start=1):
        _add(record, number, shared, file=file, builder=builder, surrogates=surrogates)


def _surrogate_field(fields: Mapping[str, CellValue]) -> str | None:
    """Return the first field whose text holds an unpaired surrogate, or None."""
    for key, value in fields.items():
        if isinstance(value, str) and _SURROGATE.search(value):
            return key
    return None


def _is_scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _add(
    record: object,
    number: int,
    shared: Mapping[str, CellValue],
    *,
    file: str,
    builder: RawTableBuilder,
    surrogates: bool = False,
) -> None:
    if not isinstance(record, dict):
        msg = f"{file} record {number} is not an object; write each value as {{...}} with fields "
        msg += f"{', '.join(REQUIRED)}."
        builder.issues.append(issue(Reason.UNKNOWN_LAYOUT, msg, file=file, row=number))
        return
    fields: dict[str, CellValue] = dict(shared)
    nested = [k for k, v in record.items() if not _is_scalar(v)]
    fields.update({header_key(k): v for k, v in record.items() if _is_scalar(v)})
    missing = [k for k in REQUIRED if k not in fields]
    if missing or nested:
        bad = nested or missing
        what = "has a nested value in" if nested else "lacks the field(s)"
        msg = (
            f"{file} record {number} {what} {', '.join(map(repr, bad))}; each record needs the "
            f"fields {', '.join(REQUIRED)} with plain values."
        )
        builder.issues.append(
            issue(Reason.MISSING_COLUMN, msg, file=file, row=number, field_name=bad[0])
        )
        return
    bad_text = _surrogate_field(fields) if surrogates else None
    if bad_text is not None:
        msg = (
            f"{file} record {number} field {bad_text!r} holds an unpaired UTF-16 surrogate "
            "(an escape such as \\ud800 without its pair), which is no character; write the "
            "text as plain UTF-8."
        )
        builder.issues.append(
            issue(Reason.UNREADABLE_FILE, msg, file=file, row=number, field_name=bad_text)
        )
        return
    builder.add(Record(fields, file, number))


__all__ = ["read_json"]
