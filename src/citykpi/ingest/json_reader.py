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
from collections.abc import Mapping
from pathlib import Path

from citykpi.ingest.table import RawTableBuilder, Record, issue
from citykpi.ingest.tabular import REQUIRED, header_key
from citykpi.ingest.values import CellValue
from citykpi.reasons import Reason

_SHAPES = (
    "an array of records with the fields city, year, code, value, or an object "
    '{"city": ..., "year": ..., "values": [records]}'
)


def read_json(path: Path, *, file: str, builder: RawTableBuilder) -> None:
    """Add the values of the JSON file at ``path`` to ``builder`` (a :class:`~.readers.Reader`)."""
    try:
        document = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        msg = f"{file} is not UTF-8 text; save the JSON file as UTF-8."
        builder.issues.append(issue(Reason.UNREADABLE_FILE, msg, file=file))
        return
    except json.JSONDecodeError as e:
        msg = f"{file} is not valid JSON ({e.msg} at line {e.lineno}, column {e.colno}); fix it."
        builder.issues.append(issue(Reason.UNREADABLE_FILE, msg, file=file, row=e.lineno))
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
    for number, record in enumerate(records, start=1):
        _add(record, number, shared, file=file, builder=builder)


def _is_scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _add(
    record: object,
    number: int,
    shared: Mapping[str, CellValue],
    *,
    file: str,
    builder: RawTableBuilder,
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
    builder.add(Record(fields, file, number))


__all__ = ["read_json"]
