"""Run the whole statistical audit of an index and collect its flags in one report.

The audit reads two tables, both with one row per unit (index = unit codes):

* ``raw``: the indicator values before normalisation (e.g. after denomination), used for the
  indicator statistics, the denominator correlations and the strengths and weaknesses;
* ``scores``: the normalised indicators and every aggregate (``aggregated.csv``), used for the
  correlations across levels, Cronbach's alpha and the PCA of each group.

The hierarchy is given as ``parents`` (child code -> parent code); the level of a node is 1 for
an indicator and 1 + the highest level of its children otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from citykpi.errors import IndexComputationError, SpecError
from citykpi.index.audit import indicator_stats, strengths_weaknesses
from citykpi.index.audit_multivariate import (
    CorrelationMethod,
    correlation_matrix,
    cronbach_alpha,
    pca,
)
from citykpi.index.pipeline import IndexResult

CORRELATION_COLUMNS: Final = ("method", "a", "a_level", "b", "b_level", "relation", "r", "p", "n")
CRONBACH_COLUMNS: Final = ("group", "level", "k", "alpha")
PCA_COLUMNS: Final = ("group", "level", "component", "explained", "cumulative", "code", "loading")
FLAG_COLUMNS: Final = ("kind", "code", "other", "value", "message")


@dataclass(frozen=True, slots=True)
class AuditReport:
    """Every table of the audit; each is written as one CSV file by ``citykpi index audit``.

    Attributes
    ----------
    stats
        Indicator statistics and JRC flags (:data:`citykpi.index.audit.STATS_COLUMNS`).
    correlations
        Long table of every pair of nodes (``CORRELATION_COLUMNS``); ``relation`` is
        ``"same_group"``, ``"parent"`` (one is the other's parent), ``"ancestor"`` or ``"other"``.
    cronbach
        Cronbach's alpha per group (``CRONBACH_COLUMNS``).
    pca
        Explained variance and loadings of each group's components (``PCA_COLUMNS``).
    flags
        Every flag raised (``FLAG_COLUMNS``).
    strengths
        Strengths and weaknesses per unit (:data:`citykpi.index.audit.STRENGTH_COLUMNS`).
    """

    stats: pd.DataFrame
    correlations: pd.DataFrame
    cronbach: pd.DataFrame
    pca: pd.DataFrame
    flags: pd.DataFrame
    strengths: pd.DataFrame


def node_levels(parents: Mapping[str, str]) -> dict[str, int]:
    """Return the level of every node (1 = indicator) of the hierarchy ``parents``.

    Parameters
    ----------
    parents
        Child code -> parent code, for every node except the root(s).

    Returns
    -------
    dict
        Node code -> level.
    """
    children: dict[str, list[str]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    nodes = set(parents) | set(parents.values())
    levels: dict[str, int] = {}

    def level(node: str, seen: tuple[str, ...]) -> int:
        if node in levels:
            return levels[node]
        if node in seen:
            msg = f"The hierarchy has a cycle through {node!r}; check the Parent column."
            raise SpecError(msg)
        kids = children.get(node, [])
        lev = 1 if not kids else 1 + max(level(k, (*seen, node)) for k in kids)
        levels[node] = lev
        return lev

    for node in sorted(nodes):
        level(node, ())
    return levels


def _relation(a: str, b: str, parents: Mapping[str, str]) -> str:
    if a in parents and parents.get(a) == parents.get(b):
        return "same_group"
    if parents.get(a) == b or parents.get(b) == a:
        return "parent"
    for lo, hi in ((a, b), (b, a)):
        node = parents.get(lo)
        while node is not None:
            if node == hi:
                return "ancestor"
            node = parents.get(node)
    return "other"


def _columns(frame: pd.DataFrame, codes: Sequence[str], what: str) -> np.ndarray:
    missing = [c for c in codes if c not in frame.columns]
    if missing:
        msg = f"The {what} table has no column(s) {missing!r}; it must hold every node it audits."
        raise IndexComputationError(msg)
    return frame.loc[:, list(codes)].to_numpy(dtype=np.float64)


def audit_index(
    raw: pd.DataFrame,
    scores: pd.DataFrame,
    *,
    parents: Mapping[str, str],
    directions: Mapping[str, float] | None = None,
    denominators: pd.DataFrame | None = None,
    methods: Sequence[CorrelationMethod] = ("pearson", "spearman"),
    collinear_threshold: float = 0.9,
    denominator_threshold: float = 0.6,
    top: int = 5,
) -> AuditReport:
    """Run the statistical audit of an index.

    Parameters
    ----------
    raw
        Indicator values before normalisation, one row per unit, one column per indicator.
    scores
        Normalised indicators and aggregates, one row per unit, one column per node.
    parents
        Child code -> parent code for every non-root node.
    directions
        Indicator code -> +1/-1 for the strengths and weaknesses of ``raw`` (default +1).
    denominators
        Optional unit attributes (population, area, ...) to correlate with the raw indicators.
    methods
        Correlation methods of the correlation table; flags use the first one.
    collinear_threshold
        Flag same-group pairs with ``|r| >= collinear_threshold``.
    denominator_threshold
        Flag indicator-denominator pairs with ``|r| >= denominator_threshold``.
    top
        Number of strengths and of weaknesses per unit.

    Returns
    -------
    AuditReport
        Every table of the audit.
    """
    levels = node_levels(parents)
    indicators = [c for c in raw.columns if levels.get(str(c)) == 1]
    if not indicators:
        msg = "None of the raw table's columns is an indicator of the hierarchy; check the codes."
        raise IndexComputationError(msg)
    raw_x = _columns(raw, indicators, "raw")
    stats = indicator_stats(raw_x, codes=indicators)
    dirs = [float((directions or {}).get(c, 1.0)) for c in indicators]
    strengths = strengths_weaknesses(
        raw_x,
        codes=indicators,
        units=[str(u) for u in raw.index],
        directions=dirs,
        top=min(top, len(indicators)),
        bottom=min(top, len(indicators)),
    )
    flags: list[dict[str, object]] = []
    for row in stats.itertuples(index=False):
        for kind, flag, value in (
            ("availability", row.flag_available, row.frac_available),
            ("nonzero", row.flag_nonzero, row.frac_nonzero),
            ("unique", row.flag_unique, row.frac_unique),
            ("outlier", row.flag_skew_kurtosis, row.skew),
        ):
            if flag != "ok":
                flags.append(
                    {
                        "kind": kind,
                        "code": row.code,
                        "other": "",
                        "value": value,
                        "message": f"{row.code}: {kind} flag {flag}.",
                    }
                )

    nodes = [c for c in scores.columns if str(c) in levels]
    node_x = _columns(scores, nodes, "scores")
    corr_rows: list[dict[str, object]] = []
    for mi, method in enumerate(methods):
        cm = correlation_matrix(node_x, codes=nodes, method=method)
        for i, a in enumerate(nodes):
            for j in range(i + 1, len(nodes)):
                b = nodes[j]
                rel = _relation(a, b, parents)
                r = float(cm.r[i, j])
                corr_rows.append(
                    {
                        "method": method,
                        "a": a,
                        "a_level": levels[a],
                        "b": b,
                        "b_level": levels[b],
                        "relation": rel,
                        "r": r,
                        "p": float(cm.p[i, j]),
                        "n": int(cm.n[i, j]),
                    }
                )
                if mi != 0 or not np.isfinite(r):
                    continue
                if rel == "same_group" and abs(r) >= collinear_threshold:
                    msg = f"{a} and {b} (same group) correlate at r = {r:.3f} ({method})."
                    flags.append(
                        {"kind": "collinear", "code": a, "other": b, "value": r, "message": msg}
                    )
                if rel in ("same_group", "parent") and r < 0:
                    msg = (
                        f"{a} and {b} ({rel.replace('_', ' ')}) correlate negatively (r = {r:.3f})."
                    )
                    flags.append(
                        {"kind": "negative", "code": a, "other": b, "value": r, "message": msg}
                    )

    if denominators is not None and len(denominators.columns):
        den = denominators.reindex(raw.index)
        den_codes = [str(c) for c in den.columns]
        both = np.hstack([raw_x, den.to_numpy(dtype=np.float64)])
        cm = correlation_matrix(both, codes=[*indicators, *den_codes], method=methods[0])
        for d, dcode in enumerate(den_codes):
            for j, code in enumerate(indicators):
                r = float(cm.r[j, len(indicators) + d])
                if np.isfinite(r) and abs(r) >= denominator_threshold:
                    msg = f"{code} correlates with denominator {dcode} at r = {r:.3f}."
                    flags.append(
                        {
                            "kind": "denominator",
                            "code": code,
                            "other": str(dcode),
                            "value": r,
                            "message": msg,
                        }
                    )

    children: dict[str, list[str]] = {}
    for child, parent in parents.items():
        if child in nodes:
            children.setdefault(parent, []).append(child)
    cron_rows: list[dict[str, object]] = []
    pca_rows: list[dict[str, object]] = []
    for group in [n for n in nodes if n in children] + sorted(set(children) - set(nodes)):
        kids = [c for c in nodes if c in children[group]]
        if len(kids) < 2:
            continue
        gx = _columns(scores, kids, "scores")
        cron_rows.append(
            {"group": group, "level": levels[group], "k": len(kids), "alpha": cronbach_alpha(gx)}
        )
        try:
            res = pca(gx, codes=kids)
        except IndexComputationError as e:
            flags.append(
                {
                    "kind": "pca_skipped",
                    "code": group,
                    "other": "",
                    "value": float("nan"),
                    "message": str(e),
                }
            )
            continue
        cum = np.cumsum(res.explained)
        for c in range(res.loadings.shape[1]):
            for k, code in enumerate(kids):
                pca_rows.append(
                    {
                        "group": group,
                        "level": levels[group],
                        "component": c + 1,
                        "explained": float(res.explained[c]),
                        "cumulative": float(cum[c]),
                        "code": code,
                        "loading": float(res.loadings[k, c]),
                    }
                )
    return AuditReport(
        stats=stats,
        correlations=pd.DataFrame(corr_rows, columns=list(CORRELATION_COLUMNS)),
        cronbach=pd.DataFrame(cron_rows, columns=list(CRONBACH_COLUMNS)),
        pca=pd.DataFrame(pca_rows, columns=list(PCA_COLUMNS)),
        flags=pd.DataFrame(flags, columns=list(FLAG_COLUMNS)),
        strengths=strengths,
    )


def audit_result(result: IndexResult, *, dataset: str = "raw", top: int = 5) -> AuditReport:
    """Run :func:`audit_index` on a build of the plain engine.

    Parameters
    ----------
    result
        The build (:func:`citykpi.index.build_index`).
    dataset
        Data set for the indicator statistics, the denominator correlations and the strengths
        (``"raw"``, ``"denominated"``, ``"imputed"``, ...).
    top
        Number of strengths and of weaknesses per unit.

    Returns
    -------
    AuditReport
        Every table of the audit; correlations, Cronbach and PCA use the aggregated data set
        (or the last data set when the spec does not aggregate).
    """
    if dataset not in result.datasets:
        msg = f"Unknown data set {dataset!r}; this spec produces {', '.join(result.datasets)}."
        raise SpecError(msg)
    h = result.hierarchy
    dens = [d for d in h.denominators if d in result.unit_data.columns]
    denominators = result.unit_data[dens].apply(pd.to_numeric, errors="coerce") if dens else None
    scores = result.datasets.get("aggregated", result.datasets[list(result.datasets)[-1]])
    return audit_index(
        result.datasets[dataset],
        scores,
        parents={n.code: n.parent for n in h.nodes if n.parent is not None},
        directions={n.code: float(n.direction) for n in h.nodes if n.level == 1},
        denominators=denominators,
        top=top,
    )


__all__ = [
    "CORRELATION_COLUMNS",
    "CRONBACH_COLUMNS",
    "FLAG_COLUMNS",
    "PCA_COLUMNS",
    "AuditReport",
    "audit_index",
    "audit_result",
    "node_levels",
]
