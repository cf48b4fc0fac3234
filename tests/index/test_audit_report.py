"""The audit runner: relations across levels, flags, Cronbach and PCA per group."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from citykpi.errors import IndexComputationError, SpecError
from citykpi.index.audit_report import audit_index, node_levels

PARENTS = {"a": "G1", "b": "G1", "c": "G2", "d": "G2", "G1": "Index", "G2": "Index"}
UNITS = [f"u{i}" for i in range(8)]


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    base = np.arange(8, dtype=np.float64)
    raw = pd.DataFrame(
        {
            "a": base,
            "b": 2 * base + np.array([0, 0.1, 0, 0.1, 0, 0.1, 0, 0.1]),  # r ~ 1 with a
            "c": np.array([3.0, 1, 4, 1, 5, 9, 2, 6]),
            "d": -np.array([3.0, 1, 4, 1, 5, 9, 2, 6]) + np.array([0, 1, 0, 1, 0, 1, 0, 0.5]),
        },
        index=UNITS,
    )
    scores = raw.copy()
    scores["G1"] = (raw.a + raw.b) / 2
    scores["G2"] = (raw.c + raw.d) / 2
    scores["Index"] = (scores.G1 + scores.G2) / 2
    return raw, scores


def test_node_levels() -> None:
    assert node_levels(PARENTS) == {
        "a": 1,
        "b": 1,
        "c": 1,
        "d": 1,
        "G1": 2,
        "G2": 2,
        "Index": 3,
    }


def test_node_levels_rejects_a_cycle() -> None:
    with pytest.raises(SpecError, match="cycle through"):
        node_levels({"a": "b", "b": "a"})


def test_audit_relations_and_flags() -> None:
    raw, scores = _frames()
    rep = audit_index(
        raw,
        scores,
        parents=PARENTS,
        denominators=pd.DataFrame({"pop": np.arange(8.0) * 3 + 1}, index=UNITS),
        top=1,
    )
    corr = rep.correlations[rep.correlations.method == "pearson"].set_index(["a", "b"])
    assert corr.loc[("a", "b"), "relation"] == "same_group"
    assert corr.loc[("a", "G1"), "relation"] == "parent"
    assert corr.loc[("a", "Index"), "relation"] == "ancestor"
    assert corr.loc[("a", "c"), "relation"] == "other"
    assert corr.loc[("a", "b"), "r"] == pytest.approx(np.corrcoef(raw.a, raw.b)[0, 1], rel=1e-12)
    assert len(rep.correlations) == 2 * 21  # 7 nodes -> 21 pairs, two methods
    flags = {(f.kind, f.code, f.other) for f in rep.flags.itertuples()}
    assert ("collinear", "a", "b") in flags
    assert ("negative", "c", "d") in flags
    assert ("collinear", "c", "d") in flags
    assert ("denominator", "a", "pop") in flags
    assert ("denominator", "b", "pop") in flags
    cron = rep.cronbach.set_index("group")
    assert list(cron.index) == ["G1", "G2", "Index"]
    assert list(cron.k) == [2, 2, 2]
    pca = rep.pca[(rep.pca.group == "G1") & (rep.pca.component == 1)]
    assert list(pca.code) == ["a", "b"]
    assert pca.explained.iloc[0] > 0.99
    assert set(rep.strengths.kind) == {"strength", "weakness"}


def test_audit_needs_indicator_columns() -> None:
    raw, scores = _frames()
    with pytest.raises(IndexComputationError, match="None of the raw table's columns"):
        audit_index(raw.rename(columns=str.upper), scores, parents=PARENTS)


def test_audit_reports_missing_score_columns() -> None:
    raw, scores = _frames()
    report = audit_index(raw, scores.drop(columns=["G2"]), parents=PARENTS)
    assert "G2" not in set(report.correlations.a) | set(report.correlations.b)
    # Index keeps one scored child (G1) and is skipped; G2's children are still scored
    assert list(report.cronbach.group) == ["G1", "G2"]
