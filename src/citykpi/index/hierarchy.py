"""The structure of a composite index: indicators -> groups -> ... -> index.

A :class:`Hierarchy` is built from a COINr-style ``iMeta`` table (one row per indicator,
aggregate, unit group and denominator) by :func:`hierarchy_from_meta`. Conventions, as in COINr:

* level 1 holds the indicators (``Type == "Indicator"``); every aggregate (``Type ==
  "Aggregate"``) sits one level above its children, so any depth is allowed; the top level has
  no ``Parent``;
* ``Direction`` is ``+1`` (higher is better) or ``-1`` (lower is better) for indicators; it is
  ignored for aggregates;
* ``Weight`` is relative within each group: only ratios between siblings matter;
* rows with ``Type`` ``"Group"`` name unit-group columns of ``iData`` (e.g. peer groups),
  ``"Denominator"`` rows name denominator columns, ``"Other"`` rows are carried but unused;
* optional per-indicator parameter columns (``Target``, ``Denominator``, ``goalpost_lower``,
  ``goalpost_upper``, ``goalpost_scale``, ``goalpost_trunc2posts``, ``minmax_lower``,
  ``minmax_upper``, ``zscore_mean``, ``zscore_sd``, ``sdsn_lower``, ``sdsn_upper``,
  ``dist2targ_cap_max``) are kept in :attr:`Node.params`.

Errors (:class:`~citykpi.errors.SpecError`) name the offending code and the fix: duplicate codes,
a dangling parent, a cycle, an empty group, a level that does not sit one above its children.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Final

import numpy as np
import pandas as pd

from citykpi.errors import SpecError
from citykpi.index.records import FloatArray

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


@dataclass(frozen=True, slots=True)
class Node:
    """One indicator or aggregate of the index.

    Attributes
    ----------
    code, name
        Unique code (``iCode``) and display name (``iName``).
    level
        1 for indicators, then one more per aggregation level.
    parent
        Code of the parent aggregate, ``None`` at the top.
    weight
        Weight relative to the siblings.
    direction
        ``+1`` (higher is better) or ``-1``; always ``+1`` for aggregates.
    denominator
        Name of the ``iData`` column this indicator is divided by, or ``None``.
    params
        Per-indicator method parameters from the optional iMeta columns (non-missing only).
    """

    code: str
    name: str
    level: int
    parent: str | None
    weight: float
    direction: int = 1
    denominator: str | None = None
    params: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Hierarchy:
    """An index structure: nodes by level, plus the unit groups and denominators of iMeta.

    Build it with :func:`hierarchy_from_meta` or :func:`make_hierarchy`. ``nodes`` lists the
    indicators first (in iMeta order), then the aggregates level by level; this is the column
    order of the aggregated data set and of weight vectors.
    """

    nodes: tuple[Node, ...]
    groups: tuple[str, ...] = ()
    denominators: tuple[str, ...] = ()
    level_names: tuple[str, ...] = ()
    #: Every node code, indicators first, then each level in turn (derived from ``nodes``).
    codes: tuple[str, ...] = field(init=False, repr=False, compare=False)
    #: The indicator (level 1) codes, in iMeta order (derived from ``nodes``).
    indicators: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        levels = [n.level for n in self.nodes]
        if levels != sorted(levels):
            msg = (
                "Hierarchy nodes must be ordered level by level (indicators first); build it "
                "with hierarchy_from_meta() or make_hierarchy()."
            )
            raise SpecError(msg)
        # derived once: the steps look these up many times per build
        object.__setattr__(self, "codes", tuple(n.code for n in self.nodes))
        object.__setattr__(self, "indicators", tuple(n.code for n in self.nodes if n.level == 1))

    @property
    def n_levels(self) -> int:
        """Return the number of levels (indicators are level 1, the index the highest)."""
        return max(n.level for n in self.nodes)

    @property
    def root(self) -> str:
        """Return the code of the top node (the index)."""
        return next(n.code for n in self.nodes if n.parent is None and n.level == self.n_levels)

    def node(self, code: str) -> Node:
        """Return the node ``code`` (SpecError naming close codes if unknown)."""
        for n in self.nodes:
            if n.code == code:
                return n
        msg = f"Unknown index code {code!r}; known codes: {', '.join(self.codes)}."
        raise SpecError(msg)

    def level_codes(self, level: int) -> tuple[str, ...]:
        """Return the codes at ``level``, in node order."""
        return tuple(n.code for n in self.nodes if n.level == level)

    def children(self, code: str) -> tuple[str, ...]:
        """Return the codes of the children of ``code``, in node order."""
        return tuple(n.code for n in self.nodes if n.parent == code)

    def index_of(self, code: str) -> int:
        """Return the column position of ``code`` in :attr:`codes`."""
        try:
            return self.codes.index(code)
        except ValueError:
            self.node(code)  # raises the friendly error
            raise

    def directions(self) -> FloatArray:
        """Return the indicator directions (+1/-1) as a float array, in indicator order."""
        return np.array([float(n.direction) for n in self.nodes if n.level == 1])

    def weights(self) -> FloatArray:
        """Return every node's weight as a float array aligned with :attr:`codes`."""
        return np.array([n.weight for n in self.nodes], dtype=np.float64)

    def indicator_param(self, name: str) -> FloatArray:
        """Return the per-indicator iMeta parameter ``name`` (NaN where not given)."""
        return np.array(
            [n.params.get(name, math.nan) for n in self.nodes if n.level == 1], dtype=np.float64
        )

    def membership(self, level: int) -> tuple[tuple[int, ...], tuple[int, ...], FloatArray]:
        """Return the children positions, parent positions and 0/1 membership of ``level``.

        Parameters
        ----------
        level
            The parent level (2 .. :attr:`n_levels`).

        Returns
        -------
        tuple
            ``(child_positions, parent_positions, G)`` where positions index :attr:`codes` and
            ``G[i, k] == 1`` when child ``i`` belongs to parent ``k``.
        """
        codes = self.codes
        parents = [i for i, n in enumerate(self.nodes) if n.level == level]
        children = [i for i, n in enumerate(self.nodes) if n.level == level - 1]
        parent_pos = {codes[p]: k for k, p in enumerate(parents)}
        g = np.zeros((len(children), len(parents)), dtype=np.float64)
        for i, c in enumerate(children):
            parent = self.nodes[c].parent
            if parent is not None:
                g[i, parent_pos[parent]] = 1.0
        return tuple(children), tuple(parents), g

    def effective_weights(self, weights: FloatArray | None = None) -> FloatArray:
        """Return each node's weight in the index: its share within its group times its parents'.

        Parameters
        ----------
        weights
            Weights aligned with :attr:`codes` (default: the hierarchy's own).
        """
        w = self.weights() if weights is None else np.asarray(weights, dtype=np.float64)
        codes = self.codes
        pos = {c: i for i, c in enumerate(codes)}
        share = np.ones(len(codes))
        for i, n in enumerate(self.nodes):
            if n.parent is not None:
                sib = [pos[c] for c in self.children(n.parent)]
                total = float(np.sum(w[sib]))
                share[i] = w[i] / total if total != 0 else math.nan
        eff = np.ones(len(codes))
        for i, n in enumerate(self.nodes):
            value = share[i]
            parent = n.parent
            while parent is not None:
                value *= share[pos[parent]]
                parent = self.nodes[pos[parent]].parent
            eff[i] = value
        return eff

    # ---------------------------------------------------------------- derived
    def with_weights(self, weights: Mapping[str, float]) -> Hierarchy:
        """Return a copy whose node weights are replaced by ``weights`` (by code)."""
        unknown = sorted(set(weights) - set(self.codes))
        if unknown:
            msg = (
                f"Weights given for unknown codes {unknown!r}; "
                f"use codes of the index structure, e.g. {', '.join(self.codes[:5])}."
            )
            raise SpecError(msg)
        nodes = tuple(
            replace(n, weight=float(weights[n.code])) if n.code in weights else n
            for n in self.nodes
        )
        return replace(self, nodes=nodes)

    def without(self, codes: Iterable[str]) -> Hierarchy:
        """Return a copy without the indicators ``codes``; an emptied group is an error."""
        drop = set(codes)
        for code in drop:
            self.node(code)
        nodes = tuple(n for n in self.nodes if n.code not in drop)
        return _checked(nodes, self.groups, self.denominators, self.level_names)


def make_hierarchy(
    nodes: Sequence[Node],
    *,
    groups: Sequence[str] = (),
    denominators: Sequence[str] = (),
    level_names: Sequence[str] = (),
) -> Hierarchy:
    """Return a checked :class:`Hierarchy` from nodes (any order).

    Raises
    ------
    SpecError
        On duplicate codes, a dangling parent, a cycle, an empty group or inconsistent levels.
    """
    return _checked(tuple(nodes), tuple(groups), tuple(denominators), tuple(level_names))


def _checked(
    nodes: tuple[Node, ...],
    groups: tuple[str, ...],
    denominators: tuple[str, ...],
    level_names: tuple[str, ...],
) -> Hierarchy:
    if not nodes:
        msg = "The index structure is empty; iMeta needs at least one indicator and the index."
        raise SpecError(msg)
    seen: set[str] = set()
    for n in nodes:
        if n.code in seen:
            msg = f"Code {n.code!r} appears more than once in iMeta; give every row a unique iCode."
            raise SpecError(msg)
        seen.add(n.code)
    by_code = {n.code: n for n in nodes}
    for n in nodes:
        if n.parent is not None and n.parent not in by_code:
            msg = (
                f"{n.code!r} has Parent {n.parent!r}, which is not a code of iMeta; add a row "
                f"for {n.parent!r} (Type 'Aggregate') or correct the Parent column."
            )
            raise SpecError(msg)
    for n in nodes:
        chain = [n.code]
        parent = n.parent
        while parent is not None:
            if parent in chain:
                cycle = " -> ".join([*chain[chain.index(parent) :], parent])
                msg = f"The index structure has a cycle: {cycle}; each Parent must be a level up."
                raise SpecError(msg)
            chain.append(parent)
            parent = by_code[parent].parent
    top = max(n.level for n in nodes)
    for n in nodes:
        if n.parent is None and n.level != top:
            msg = (
                f"{n.code!r} (level {n.level}) has no Parent but is not at the top level "
                f"{top}; give it a Parent one level up."
            )
            raise SpecError(msg)
        if n.parent is not None and by_code[n.parent].level != n.level + 1:
            msg = (
                f"{n.code!r} is at level {n.level} but its Parent {n.parent!r} is at level "
                f"{by_code[n.parent].level}; a parent must sit exactly one level above its "
                "children."
            )
            raise SpecError(msg)
    has_child = {n.parent for n in nodes if n.parent is not None}
    for n in nodes:
        if n.level > 1 and n.code not in has_child:
            msg = (
                f"Group {n.code!r} (level {n.level}) has no children; give it at least one "
                "member in iMeta's Parent column or remove it."
            )
            raise SpecError(msg)
    roots = [n.code for n in nodes if n.parent is None]
    if len(roots) != 1:
        msg = (
            f"The index structure must have exactly one top node; found {roots!r}. Add a "
            "single index row at the top level and make these its children."
        )
        raise SpecError(msg)
    if top < 2:
        msg = "The index structure has no aggregate; add at least the index row (level 2)."
        raise SpecError(msg)
    ordered = tuple(sorted(nodes, key=lambda n: n.level))  # stable: keeps iMeta order per level
    return Hierarchy(ordered, groups, denominators, level_names)


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
    "Hierarchy",
    "Node",
    "check_columns",
    "hierarchy_from_meta",
    "make_hierarchy",
]
