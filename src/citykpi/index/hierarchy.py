"""The structure of a composite index: indicators -> groups -> ... -> index.

A :class:`Hierarchy` is built from nodes by :func:`make_hierarchy`, or from a COINr-style
``iMeta`` table (one row per indicator, aggregate, unit group and denominator) by
:func:`citykpi.index.imeta.hierarchy_from_meta`. Conventions, as in COINr:

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

import numpy as np

from citykpi.errors import SpecError
from citykpi.index.records import FloatArray


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

    Build it with :func:`~citykpi.index.imeta.hierarchy_from_meta` or :func:`make_hierarchy`.
    ``nodes`` lists the indicators first (in iMeta order), then the aggregates level by level;
    this is the column order of the aggregated data set and of weight vectors.
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


__all__ = ["Hierarchy", "Node", "make_hierarchy"]
