"""The column-wise compute engine: every data point's formula runs once over all city-years.

The statuses, values, reasons, qualities and provenance are those of the row-wise reference
engine (:mod:`citykpi.compute.kpis`, ``engine="rows"``), whose module docstring defines them;
a test compares the two on the demo sample. The work is arranged by column instead of by row:

1. the checked raw table is grouped once into matrices (city-year x input id, city-year x
   data point id) of the first usable row of each value and the first erroneous row;
2. each data point's formula is compiled to a numpy function (:func:`compile_vector`) and run
   over every city-year whose inputs are all present;
3. the rare city-years where that pass flags a problem (a zero denominator, a non-finite
   result, a yes/no input that is neither 0 nor 1, a negative or oversized share) are
   evaluated again by the scalar evaluator, whose message is the ``reason``;
4. provenance JSON is assembled from the JSON text of each raw row, encoded once however many
   data points the row feeds.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from typing import Final

import numpy as np
import pandas as pd

from citykpi.catalogue import Catalogue, DataPoint, evaluate, parse_formula
from citykpi.catalogue.vector import compile_vector
from citykpi.compute.provenance import parse_quality
from citykpi.errors import FormulaError
from citykpi.model import KPI_COLUMNS, DataQuality, KpiStatus
from citykpi.validate import ValidationResult

#: Fields of an input's provenance record, in the order the JSON lists them.
_RECORD_FIELDS: Final = (
    ("id", "code"),
    ("value", "value"),
    ("unit", "unit"),
    ("original_value", "original_value"),
    ("original_unit", "original_unit"),
    ("raw_value", "raw_value"),
    ("source", "source"),
    ("quality", "quality"),
    ("file", "file"),
    ("row", "row"),
)
_BY_RANK: Final = {q.rank: q.value for q in DataQuality}


def _json_of(value: object) -> str:
    """Return the JSON text of one provenance field (as :func:`provenance.row_record` cleans)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else "null"
    text = str(value)
    if not text or text.lower() == "nan":
        return "null"
    return json.dumps(text, ensure_ascii=False)


def _encoded(values: list[object], *, numbers: bool = False) -> list[str]:
    """Return the JSON text of each value, encoding each distinct value once."""
    if numbers:
        return [
            repr(v) if isinstance(v, float) and math.isfinite(v) else _json_of(v) for v in values
        ]
    cache: dict[object, str] = {}
    out = []
    for v in values:
        key = (type(v), v)
        text = cache.get(key)
        if text is None:
            text = cache[key] = _json_of(v)
        out.append(text)
    return out


def _quality_json(values: list[object]) -> tuple[list[str], np.ndarray]:
    """Return the JSON of each row's quality and its rank (-1 when none is stated)."""
    cache: dict[str, tuple[str, int]] = {}
    texts, ranks = [], np.empty(len(values), dtype=np.int64)
    for i, v in enumerate(values):
        key = str(v or "")
        found = cache.get(key)
        if found is None:
            q = parse_quality(key)
            found = cache[key] = (
                (json.dumps(q.value), q.rank) if q is not None else (_json_of(v), -1)
            )
        texts.append(found[0])
        ranks[i] = found[1]
    return texts, ranks


def _records(frame: pd.DataFrame, rows: np.ndarray) -> dict[int, str]:
    """Return the provenance record JSON of the raw rows ``rows``, by position."""
    part = frame.iloc[rows]
    columns: list[list[str]] = []
    for key, col in _RECORD_FIELDS:
        values = part[col].tolist()
        if key == "quality":
            columns.append(_quality_json(values)[0])
        elif key == "row":
            columns.append(
                _encoded([int(v) if isinstance(v, float) and v.is_integer() else v for v in values])
            )
        else:
            columns.append(_encoded(values, numbers=key in ("value", "original_value")))
    heads = [f'"{key}": ' for key, _ in _RECORD_FIELDS]
    texts = [
        "{" + ", ".join(h + v for h, v in zip(heads, vals, strict=True)) + "}"
        for vals in zip(*columns, strict=True)
    ]
    return dict(zip(rows.tolist(), texts, strict=True))


class _Grid:
    """First usable and first erroneous row of each code, per city-year (-1: none)."""

    def __init__(self, n_subs: int, codes: Sequence[str]) -> None:
        self.column = {c: i for i, c in enumerate(codes)}
        self.good = np.full((n_subs, len(codes)), -1, dtype=np.int64)
        self.bad = np.full((n_subs, len(codes)), -1, dtype=np.int64)

    def fill(self, target: np.ndarray, sub: np.ndarray, code: pd.Series, pos: np.ndarray) -> None:
        col = code.map(self.column)
        keep = col.notna().to_numpy()
        sub, col_i, pos = sub[keep], col.to_numpy()[keep].astype(np.int64), pos[keep]
        # reversed, so the first row of each cell is the one written last
        target[sub[::-1], col_i[::-1]] = pos[::-1]


def _submission_keys(frame: pd.DataFrame) -> tuple[list[tuple[str, int]], np.ndarray]:
    """Return the sorted (city, year) submissions and each row's submission (-1: none)."""
    city = frame["city"].astype(str)
    year = pd.to_numeric(frame["year"], errors="coerce").astype("float64")
    valid = ((city != "") & year.notna()).to_numpy()
    keys = sorted(set(zip(city[valid].tolist(), year[valid].astype("int64").tolist(), strict=True)))
    index = {k: i for i, k in enumerate(keys)}
    sub = np.full(len(frame), -1, dtype=np.int64)
    ys = year.to_numpy()
    cs = city.tolist()
    for i in np.flatnonzero(valid).tolist():
        sub[i] = index[(cs[i], int(ys[i]))]
    return keys, sub


_Scalar = Callable[[dict[str, float]], float]


def _data_point_columns(
    dp: DataPoint,
    inputs: _Grid,
    values: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Return status codes, values and reasons of ``dp`` computed from inputs, per city-year.

    Status codes: 0 computed, 1 not reported, 2 invalid.
    """
    n = inputs.good.shape[0]
    status = np.ones(n, dtype=np.int8)
    result = np.full(n, np.nan)
    reasons = [""] * n
    if not dp.inputs:
        reasons = ["Missing inputs: (none: report it directly)."] * n
        return status, result, reasons
    cols = [inputs.column[i] for i in dp.inputs]
    good = inputs.good[:, cols]
    present = good >= 0
    bad = (~present) & (inputs.bad[:, cols] >= 0)
    any_bad = bad.any(axis=1)
    complete = present.all(axis=1)
    for r in np.flatnonzero(any_bad).tolist():
        detail = " ".join(
            f"{i!r}: {inputs.problems[int(inputs.bad[r, c])]}"  # type: ignore[attr-defined]
            for i, c, b in zip(dp.inputs, cols, bad[r].tolist(), strict=True)
            if b
        )
        status[r] = 2
        reasons[r] = f"Input with a validation error: {detail}"
    patterns: dict[bytes, str] = {}
    for r in np.flatnonzero(~any_bad & ~complete).tolist():
        mask = present[r]
        key = mask.tobytes()
        text = patterns.get(key)
        if text is None:
            names = ", ".join(i for i, p in zip(dp.inputs, mask.tolist(), strict=True) if not p)
            text = patterns[key] = f"Missing inputs: {names}."
        reasons[r] = text
    rows = np.flatnonzero(complete)
    if not len(rows):
        return status, result, reasons
    matrix = values[good[rows]]  # the values of the inputs, in dp.inputs order
    formula = parse_formula(dp.formula)
    vector = compile_vector(formula) if set(formula.inputs) <= set(dp.inputs) else None
    if vector is not None:
        out, flagged = vector({i: matrix[:, k] for k, i in enumerate(dp.inputs)})
        flagged = flagged | ~np.isfinite(out)
    else:
        out, flagged = np.full(len(rows), np.nan), np.ones(len(rows), dtype=bool)
    status[rows] = 0
    result[rows] = out
    for k in np.flatnonzero(flagged).tolist():
        r = int(rows[k])
        args = dict(zip(dp.inputs, matrix[k].tolist(), strict=True))
        try:
            value = evaluate(dp, args)
        except FormulaError as e:
            status[r], result[r], reasons[r] = 2, math.nan, str(e)
            continue
        except ZeroDivisionError:
            value = math.inf
        if not math.isfinite(value):
            status[r], result[r] = 2, math.nan
            reasons[r] = (
                f"The formula {dp.formula!r} gives no finite value (a denominator is zero)."
            )
        else:
            status[r], result[r] = 0, value
    return status, result, reasons


def compute_columns(checked: ValidationResult, cat: Catalogue) -> pd.DataFrame:
    """Return the KPI table of ``checked`` (untyped; :func:`citykpi.compute.compute` types it)."""
    frame = checked.frame.reset_index(drop=True)
    keys, sub = _submission_keys(frame)
    points = list(cat.iter_data_points())
    input_ids = sorted({i for _, dp in points for i in dp.inputs})
    dp_ids = [dp.id for _, dp in points]
    n = len(keys)
    kind = frame["kind"].astype(str).to_numpy()
    error = frame["error"].to_numpy(dtype=bool)
    duplicate = frame["duplicate"].to_numpy(dtype=bool)
    value = frame["value"].to_numpy(dtype="float64")
    finite = np.isfinite(value)
    pos = np.arange(len(frame), dtype=np.int64)
    problems = frame["problems"].astype(str).tolist()
    inputs, reports = _Grid(n, input_ids), _Grid(n, dp_ids)
    inputs.problems = reports.problems = problems  # type: ignore[attr-defined]
    code = frame["code"].astype(str)
    in_sub = sub >= 0
    for grid, name in ((inputs, "input"), (reports, "kpi")):
        of_kind = in_sub & (kind == name)
        bad = of_kind & error
        good = of_kind & ~error & ~duplicate & finite
        grid.fill(grid.bad, sub[bad], code[bad], pos[bad])
        grid.fill(grid.good, sub[good], code[good], pos[good])
    used_rows = np.unique(np.concatenate([inputs.good[inputs.good >= 0], reports.good.ravel()]))
    used_rows = used_rows[used_rows >= 0]
    records = _records(frame, used_rows)
    _, ranks_all = _quality_json(frame["quality"].tolist())
    report_quality: dict[int, str] = {}
    for r in used_rows.tolist():
        q = parse_quality(str(frame["quality"].iat[r] or ""))
        raw = frame["quality"].iat[r]
        text = "" if raw is None else str(raw)
        report_quality[r] = q.value if q else (text if text and text.lower() != "nan" else "")
    blocked: dict[str, list[tuple[int, str]]] = {}
    sub_index = {k: i for i, k in enumerate(keys)}
    for (city, year, dp_id), msg in checked.blocked.items():
        s = sub_index.get((city, year))
        if s is not None:
            blocked.setdefault(dp_id, []).append((s, msg))
    version = json.dumps(cat.version, ensure_ascii=False)
    columns: dict[str, list[object]] = {c: [] for c in KPI_COLUMNS}
    per_point = []
    for j, (kpi, dp) in enumerate(points):
        status, result, reasons = _data_point_columns(dp, inputs, value)
        computed_status = status.copy()
        computed_value = result.copy()
        rep = reports.good[:, j]
        has_report = rep >= 0
        bad_rep = (~has_report) & (reports.bad[:, j] >= 0)
        final = np.where(has_report, 3, status)  # 3 reported
        vals = np.where(has_report, value[np.maximum(rep, 0)], result)
        reasons = ["" if h else r for h, r in zip(has_report.tolist(), reasons, strict=True)]
        for r in np.flatnonzero(bad_rep).tolist():
            final[r], vals[r] = 2, math.nan
            reasons[r] = (
                "The value reported directly has a validation error: "
                f"{problems[int(reports.bad[r, j])]}"
            )
        for r, msg in _first_blocks(blocked.get(dp.id, [])):
            final[r], vals[r], reasons[r] = 2, math.nan, msg
        per_point.append((kpi, dp, final, vals, reasons, computed_status, computed_value, rep))
    cols_of = {dp.id: [inputs.column[i] for i in dp.inputs] for _, dp in points}
    names = {0: KpiStatus.COMPUTED.value, 1: KpiStatus.NOT_REPORTED.value}
    names |= {2: KpiStatus.INVALID.value, 3: KpiStatus.REPORTED.value}
    for s in range(n):
        city, year = keys[s]
        for kpi, dp, final, vals, reasons, c_status, c_value, rep in per_point:
            st = int(final[s])
            cols = cols_of[dp.id]
            used = [int(g) for g in inputs.good[s, cols].tolist() if g >= 0]
            report_row = int(rep[s])
            if st == 3:
                quality = report_quality[report_row]
            elif st == 0:
                worst = int(ranks_all[used].max()) if used else -1
                if worst < 0:
                    worst = -(10**9)
                quality = _BY_RANK.get(worst, "") if used else ""
            else:
                quality = ""
            method = '"computed"' if st == 0 else '"reported"' if st == 3 else '"none"'
            text = (
                f'{{"method": {method}, "formula": {json.dumps(dp.formula, ensure_ascii=False)}, '
                f'"catalogue_version": {version}, "inputs": ['
                + ", ".join(records[u] for u in used)
                + "]"
            )
            if report_row >= 0:
                text += f', "reported": {records[report_row]}'
            if int(c_status[s]) == 0 and st != 0:
                text += f', "computed_value": {json.dumps(float(c_value[s]))}'
            columns["city"].append(city)
            columns["year"].append(year)
            columns["code"].append(kpi.code)
            columns["data_point"].append(dp.id)
            columns["value"].append(float(vals[s]) if st in (0, 3) else math.nan)
            columns["unit"].append(dp.unit)
            columns["status"].append(names[st])
            columns["reason"].append(reasons[s])
            columns["provenance"].append(text + "}")
            columns["quality"].append(quality)
    return pd.DataFrame(columns, columns=list(KPI_COLUMNS))


def _first_blocks(found: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Return one (city-year, message) per city-year: the first the validation recorded."""
    seen: dict[int, str] = {}
    for s, msg in found:
        seen.setdefault(s, msg)
    return list(seen.items())


__all__ = ["compute_columns"]
