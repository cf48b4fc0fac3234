"""Read a COINr-style ``iMeta`` table into a :class:`~citykpi.index.hierarchy.Hierarchy`.

The columns and their conventions are those of the :mod:`citykpi.index.hierarchy` docstring.
Cells are read leniently, as COINr writes them: blank, ``NaN`` and ``"NA"`` are missing, numbers
may be text. A cell that should be a number and is not raises a
:class:`~citykpi.errors.SpecError` naming the row, the code and the column.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

import pandas as pd

from citykpi.errors import SpecError
from citykpi.index.hierarchy import Hierarchy, Node, make_hierarchy

#: Optional per-indicator parameter columns of iMeta, kept in :attr:`Node.params`.
PARAM_COLUMNS: Final[tuple[str, ...]] = (
    "Target",
    "goalpost_lower",
    "goalpost_upper",
    "goalpost_scale",
    "goalpost_trunc2posts",
    "minmax_lower",
    "minmax_upper",
    "zscore_mean",
    "zscore_sd",
    "sdsn_lower",
    "sdsn_upper",
    "dist2targ_cap_max",
)
#: Columns every iMeta table must have.
REQUIRED_COLUMNS: Final[tuple[str, ...]] = ("Level", "iCode", "Parent", "Type")
#: Allowed values of the ``Type`` column.
NODE_TYPES: Final[tuple[str, ...]] = ("Indicator", "Aggregate", "Group", "Denominator", "Other")


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    text = str(value).strip()
    return text if text and text.upper() != "NA" else None


def _number(value: object, *, code: str, column: str, row: int) -> float | None:
    if _text(value) is None:
        return None
    try:
        out = float(str(value).strip()) if not isinstance(value, int | float) else float(value)
    except ValueError as e:
        msg = f"iMeta row {row} ({code!r}), column {column!r}: {value!r} is not a number."
        raise SpecError(msg) from e
    return out


def hierarchy_from_meta(
    meta: pd.DataFrame | Sequence[Mapping[str, object]],
    *,
    level_names: Sequence[str] = (),
) -> Hierarchy:
    """Build a :class:`Hierarchy` from a COINr-style iMeta table.

    Parameters
    ----------
    meta
        The iMeta table (DataFrame or list of row mappings) with at least the columns
        ``Level, iCode, Parent, Type``; indicators also need ``Direction`` and ``Weight``
        (``Weight`` defaults to 1 when the column is absent).
    level_names
        Optional names of the levels, from level 1 up (e.g. ``("Indicator", "Pillar", ...)``).

    Returns
    -------
    Hierarchy
        The checked structure.

    Raises
    ------
    SpecError
        Missing columns, bad values, or a structure that is not a tree (messages give the row
        as a spreadsheet shows it: the header is row 1).
    """
    frame = meta if isinstance(meta, pd.DataFrame) else pd.DataFrame(list(meta))
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        msg = (
            f"iMeta lacks the column(s) {missing!r}; a COINr iMeta table needs "
            f"{', '.join(REQUIRED_COLUMNS)} (plus Direction and Weight for indicators)."
        )
        raise SpecError(msg)
    nodes: list[Node] = []
    groups: list[str] = []
    denominators: list[str] = []
    rows: dict[str, int] = {}
    all_codes = {_text(c) for c in frame["iCode"]}
    for i, rec in enumerate(frame.to_dict(orient="records"), start=2):
        code = _text(rec.get("iCode"))
        if code is None:
            msg = f"iMeta row {i} has no iCode; give every row a unique code."
            raise SpecError(msg)
        kind = _text(rec.get("Type")) or ""
        if kind not in NODE_TYPES:
            msg = (
                f"iMeta row {i} ({code!r}) has Type {kind!r}; allowed types: "
                f"{', '.join(NODE_TYPES)}."
            )
            raise SpecError(msg)
        if kind == "Group":
            groups.append(code)
            continue
        if kind == "Denominator":
            denominators.append(code)
            continue
        if kind == "Other":
            continue
        level = _number(rec.get("Level"), code=code, column="Level", row=i)
        if level is None or level != int(level) or level < 1:
            msg = f"iMeta row {i} ({code!r}): Level {rec.get('Level')!r} must be an integer >= 1."
            raise SpecError(msg)
        if kind == "Indicator" and level != 1:
            msg = f"iMeta row {i} ({code!r}) is an Indicator at level {int(level)}; use level 1."
            raise SpecError(msg)
        if kind == "Aggregate" and level < 2:
            msg = f"iMeta row {i} ({code!r}) is an Aggregate at level 1; aggregates start at 2."
            raise SpecError(msg)
        weight = _number(rec.get("Weight", 1.0), code=code, column="Weight", row=i)
        if weight is None:
            weight = 1.0
        if not math.isfinite(weight):
            msg = f"iMeta row {i} ({code!r}): Weight {weight!r} must be a finite number."
            raise SpecError(msg)
        direction = 1
        if kind == "Indicator":
            d = _number(rec.get("Direction", 1), code=code, column="Direction", row=i)
            if d not in (1.0, -1.0):
                msg = (
                    f"iMeta row {i} ({code!r}): Direction {rec.get('Direction')!r} must be 1 "
                    "(higher is better) or -1 (lower is better)."
                )
                raise SpecError(msg)
            direction = int(d)
        parent = _text(rec.get("Parent"))
        if parent is not None and parent not in all_codes:
            msg = (
                f"iMeta row {i}, column 'Parent': {code!r} has Parent {parent!r}, which is not "
                f"a code of iMeta; add a row for {parent!r} (Type 'Aggregate') or correct the "
                "Parent."
            )
            raise SpecError(msg)
        if code in rows:
            msg = (
                f"iMeta row {i}, column 'iCode': {code!r} already appears in row {rows[code]}; "
                "give every row a unique iCode."
            )
            raise SpecError(msg)
        rows[code] = i
        params: dict[str, float] = {}
        for col in PARAM_COLUMNS:
            if col in rec:
                raw = rec.get(col)
                flag = _text(raw)
                if flag is not None and flag.upper() in {"TRUE", "FALSE"}:
                    raw = 1.0 if flag.upper() == "TRUE" else 0.0
                value = _number(raw, code=code, column=col, row=i)
                if value is not None:
                    params[col] = value
        nodes.append(
            Node(
                code=code,
                name=_text(rec.get("iName")) or code,
                level=int(level),
                parent=parent,
                weight=weight,
                direction=direction,
                denominator=_text(rec.get("Denominator")),
                params=params,
            )
        )
    for n in nodes:
        if n.denominator is not None and denominators and n.denominator not in denominators:
            msg = (
                f"Indicator {n.code!r} is divided by {n.denominator!r}, which iMeta does not "
                f"declare as a Denominator; declared: {', '.join(denominators)}."
            )
            raise SpecError(msg)
    return make_hierarchy(
        nodes, groups=groups, denominators=denominators, level_names=tuple(level_names)
    )


def check_columns(hierarchy: Hierarchy, columns: Iterable[str], *, source: str = "iData") -> None:
    """Raise SpecError when an indicator of ``hierarchy`` is not among ``columns``."""
    have = set(columns)
    missing = [c for c in hierarchy.indicators if c not in have]
    if missing:
        msg = (
            f"{source} has no column for the indicator(s) {missing!r} listed in iMeta; add the "
            "columns or remove the rows from iMeta."
        )
        raise SpecError(msg)


__all__ = [
    "NODE_TYPES",
    "PARAM_COLUMNS",
    "REQUIRED_COLUMNS",
    "check_columns",
    "hierarchy_from_meta",
]
