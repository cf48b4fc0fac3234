"""The index structure from iMeta: levels, weights, and a clear error for every malformed tree."""

from __future__ import annotations

import numpy as np
import pytest

from citykpi.errors import SpecError
from citykpi.index import Hierarchy, hierarchy_from_meta


def _meta(*rows: tuple[int, str, int, float, str | None, str]) -> list[dict[str, object]]:
    return [
        {"Level": lv, "iCode": c, "Direction": d, "Weight": w, "Parent": p, "Type": t}
        for lv, c, d, w, p, t in rows
    ]


SMALL = _meta(
    (1, "a", 1, 1.0, "G1", "Indicator"),
    (1, "b", -1, 2.0, "G1", "Indicator"),
    (1, "c", 1, 1.0, "G2", "Indicator"),
    (2, "G1", 1, 1.0, "I", "Aggregate"),
    (2, "G2", 1, 3.0, "I", "Aggregate"),
    (3, "I", 1, 1.0, None, "Aggregate"),
)


def test_structure_of_a_small_index() -> None:
    h = hierarchy_from_meta(SMALL)
    assert h.codes == ("a", "b", "c", "G1", "G2", "I")
    assert h.indicators == ("a", "b", "c")
    assert (h.n_levels, h.root) == (3, "I")
    assert h.children("G1") == ("a", "b")
    np.testing.assert_array_equal(h.directions(), [1.0, -1.0, 1.0])
    # a: 1/3 of G1, G1: 1/4 of I
    np.testing.assert_allclose(h.effective_weights()[:3], [1 / 12, 2 / 12, 3 / 4])


def test_asem_structure(asem_hierarchy: Hierarchy) -> None:
    h = asem_hierarchy
    assert (len(h.indicators), len(h.level_codes(2)), len(h.level_codes(3))) == (49, 8, 2)
    assert h.groups == ("GDP_group", "GDPpc_group", "Pop_group", "EurAsia_group")
    assert h.denominators == ("Area", "Energy", "GDP", "Population")
    assert int(np.sum(h.directions() == -1)) == 14


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        (
            [*SMALL[:5], {**SMALL[5], "Parent": "G1"}, *_meta((3, "X", 1, 1, None, "Aggregate"))],
            "cycle",
        ),
        ([*SMALL[:3], {**SMALL[3], "Parent": "Nope"}, *SMALL[4:]], "Parent 'Nope'"),
        ([*SMALL, *_meta((2, "G3", 1, 1.0, "I", "Aggregate"))], "Group 'G3'.*no children"),
        ([*SMALL, *_meta((1, "a", 1, 1.0, "G2", "Indicator"))], "'a' already appears in row 2"),
        ([{**SMALL[0], "Direction": 2}, *SMALL[1:]], "Direction 2 must be 1"),
        ([{**SMALL[0], "Type": "Thing"}, *SMALL[1:]], "Type 'Thing'"),
        ([{**SMALL[2], "Parent": "I"}, *SMALL[:2], *SMALL[3:]], "parent must sit exactly one"),
    ],
    ids=["cycle", "dangling", "empty-group", "duplicate", "direction", "type", "level-skip"],
)
def test_malformed_structures_are_clear_errors(rows: list[dict[str, object]], match: str) -> None:
    with pytest.raises(SpecError, match=match):
        hierarchy_from_meta(rows)


def test_a_cycle_is_named() -> None:
    rows = _meta(
        (1, "a", 1, 1.0, "G", "Indicator"),
        (2, "G", 1, 1.0, "H", "Aggregate"),
        (3, "H", 1, 1.0, "G", "Aggregate"),
    )
    with pytest.raises(SpecError, match=r"cycle: G -> H -> G"):
        hierarchy_from_meta(rows)


def test_with_weights_rejects_unknown_codes() -> None:
    h = hierarchy_from_meta(SMALL)
    assert h.with_weights({"a": 5.0}).node("a").weight == 5.0
    with pytest.raises(SpecError, match="unknown codes \\['zz'\\]"):
        h.with_weights({"zz": 1.0})


def test_removing_every_member_of_a_group_is_an_error() -> None:
    h = hierarchy_from_meta(SMALL)
    assert h.without(["a"]).indicators == ("b", "c")
    with pytest.raises(SpecError, match="Group 'G2'"):
        h.without(["c"])
