"""Invariants of a whole build, checked with Hypothesis on random data."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from citykpi.index import build_index, rank_scores

META = pd.DataFrame(
    [
        {"Level": 1, "iCode": c, "Direction": d, "Weight": 1, "Parent": p, "Type": "Indicator"}
        for c, d, p in [("a", 1, "G1"), ("b", -1, "G1"), ("c", 1, "G2"), ("d", 1, "G2")]
    ]
    + [
        {"Level": 2, "iCode": g, "Direction": 1, "Weight": 1, "Parent": "I", "Type": "Aggregate"}
        for g in ("G1", "G2")
    ]
    + [{"Level": 3, "iCode": "I", "Direction": 1, "Weight": 1, "Parent": None, "Type": "Aggregate"}]
)
SPECS = [
    {"steps": [{"step": "normalise", "method": m}, {"step": "aggregate"}]}
    for m in ("minmax", "zscore", "rank", "prank")
] + [
    {
        "steps": [
            {"step": "normalise", "method": "minmax", "lower": 1, "upper": 100},
            {"step": "aggregate", "method": "gmean"},
        ]
    }
]

data = arrays(
    np.float64,
    st.tuples(st.integers(3, 15), st.just(4)),
    elements=st.floats(-1e3, 1e3, allow_nan=False).map(lambda v: round(v, 3)),
)


@settings(max_examples=40, deadline=None)
@given(data, st.integers(0, 2), st.sampled_from(range(len(SPECS))))
def test_a_duplicated_unit_gets_the_same_score_and_rank(
    x: np.ndarray, dup: int, spec_index: int
) -> None:
    x = np.vstack([x, x[dup]])  # the last unit is a copy of unit `dup`
    if np.any(np.ptp(x, axis=0) == 0):
        return  # a constant indicator cannot be min-max or z-scored (an error, tested elsewhere)
    frame = pd.DataFrame(x, columns=list("abcd"))
    frame.insert(0, "uCode", [f"U{i:02d}" for i in range(len(x))])
    result = build_index(frame, META, SPECS[spec_index])
    twin, original = f"U{len(x) - 1:02d}", f"U{dup:02d}"
    assert result.scores.loc[twin, "I"] == result.scores.loc[original, "I"]
    assert result.ranks.loc[twin, "I"] == result.ranks.loc[original, "I"]


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(1, 30), elements=st.floats(-1e6, 1e6)))
def test_ranks_are_a_min_ranking_of_the_scores(scores: np.ndarray) -> None:
    ranks = rank_scores(scores[:, None], rtol=0.0)[:, 0]
    for i, s in enumerate(scores):
        assert ranks[i] == 1 + np.sum(scores > s)
