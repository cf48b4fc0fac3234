"""Provenance of a KPI value: which inputs, from where, of what quality, by which formula.

The provenance of each KPI row is a JSON object::

    {"method": "computed" | "reported" | "none",
     "formula": "households_with_internet / households * 100",
     "catalogue_version": "...",
     "inputs": [{"id", "value", "unit", "original_value", "original_unit", "raw_value",
                 "source", "quality", "file", "row"}, ...],
     "reported": {... the same fields for a value reported directly ...},   # when there is one
     "computed_value": 62.5}                     # when a direct report overrides a computation

``quality`` of a KPI value is the worst U4SSC data-quality option among the inputs used (the
report's own quality for a direct report); inputs without a stated quality are ignored, and a
value none of whose inputs states one has quality ``""``.

In memory the object is the JSON text of the KPI table's ``provenance`` column. On disk it is
not kept inside a CSV cell: :func:`citykpi.io.write_kpi_table` writes it, as a JSON object, to
the JSON Lines side file ``kpis.provenance.jsonl`` (one line per row, keyed by city, year and
data point), and :func:`citykpi.io.read_kpi_table` re-attaches it as the same text.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Final

from citykpi.model import DataQuality

_BY_TEXT: Final[dict[str, DataQuality]] = {
    **{q.value: q for q in DataQuality},
    **{q.label.casefold(): q for q in DataQuality},
}

_RANK: Final[dict[DataQuality, int]] = {q: q.rank for q in DataQuality}

Record = Mapping[str, object]
JsonValue = str | int | float | None


def parse_quality(text: str) -> DataQuality | None:
    """Return the data-quality option ``text`` names (value or template label), else None."""
    cleaned = text.strip()
    return _BY_TEXT.get(cleaned) or _BY_TEXT.get(cleaned.casefold())


def worst_quality(texts: Iterable[str]) -> str:
    """Return the value of the worst data-quality option among ``texts`` ("" if none is stated)."""
    found = [q for q in (parse_quality(t) for t in texts) if q is not None]
    if not found:
        return ""
    return max(found, key=_RANK.__getitem__).value


def _clean(value: object) -> JsonValue:
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    text = str(value)
    return text if text and text.lower() != "nan" else None


def row_record(rec: Record) -> dict[str, JsonValue]:
    """Return the provenance fields of one checked raw row."""
    quality = parse_quality(str(rec.get("quality", "") or ""))
    row = rec.get("row")
    return {
        "id": _clean(rec.get("code")),
        "value": _clean(rec.get("value")),
        "unit": _clean(rec.get("unit")),
        "original_value": _clean(rec.get("original_value")),
        "original_unit": _clean(rec.get("original_unit")),
        "raw_value": _clean(rec.get("raw_value")),
        "source": _clean(rec.get("source")),
        "quality": quality.value if quality else _clean(rec.get("quality")),
        "file": _clean(rec.get("file")),
        "row": _clean(int(row) if isinstance(row, float) and row.is_integer() else row),
    }


def provenance_json(
    *,
    method: str,
    formula: str,
    catalogue_version: str,
    inputs: Iterable[Mapping[str, JsonValue]],
    reported: Mapping[str, JsonValue] | None = None,
    computed_value: float | None = None,
) -> str:
    """Return the provenance JSON of one KPI value (see the module docstring).

    ``inputs`` and ``reported`` are rows already turned into provenance fields by
    :func:`row_record` (built once per row, however many data points the row feeds).
    """
    payload: dict[str, object] = {
        "method": method,
        "formula": formula,
        "catalogue_version": catalogue_version,
        "inputs": list(inputs),
    }
    if reported is not None:
        payload["reported"] = reported
    if computed_value is not None and math.isfinite(computed_value):
        payload["computed_value"] = computed_value
    return json.dumps(payload, ensure_ascii=False, allow_nan=False)


__all__ = ["JsonValue", "parse_quality", "provenance_json", "row_record", "worst_quality"]
