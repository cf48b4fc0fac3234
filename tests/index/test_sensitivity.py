"""Sobol sensitivity analysis of an index, on inputs whose influence is known."""

from __future__ import annotations

import pandas as pd
import pytest

from citykpi.errors import SpecError
from citykpi.index import Hierarchy, Node, make_hierarchy
from citykpi.index.sensitivity import SOBOL_COLUMNS, sensitivity_analysis
from citykpi.index.uncertainty import UncertaintyAnalysis
from citykpi.index.uncertainty_spec import parse_uncertainty_spec

SPEC = {
    "steps": [
        {"step": "normalise", "method": "minmax", "lower": 0, "upper": 100},
        {"step": "aggregate"},
    ]
}


def _index() -> tuple[pd.DataFrame, Hierarchy]:
    nodes = [
        Node("A", "A", 1, "P", 1.0),
        Node("B", "B", 1, "P", 1.0),
        Node("C", "C", 1, "Q", 1.0),
        Node("D", "D", 1, "Q", 1.0),
        Node("P", "P", 2, "I", 1.0),
        Node("Q", "Q", 2, "I", 1.0),
        Node("I", "I", 3, None, 1.0),
    ]
    data = pd.DataFrame(
        {
            "uCode": ["u1", "u2", "u3", "u4"],
            "A": [0.0, 5.0, 10.0, 2.0],
            "B": [10.0, 0.0, 5.0, 1.0],
            "C": [1.0, 3.0, 2.0, 7.0],
            "D": [4.0, 8.0, 6.0, 0.0],
        }
    )
    return data, make_hierarchy(nodes)


def _analysis() -> UncertaintyAnalysis:
    data, h = _index()
    inputs = parse_uncertainty_spec(
        {
            "inputs": [
                # changes nothing: both alternatives are the nominal method
                {"name": "same", "address": "aggregate.method", "values": ["amean", "amean"]},
                {"name": "drop", "type": "exclude", "codes": ["A", "C"]},
            ]
        }
    )
    return UncertaintyAnalysis(data, h, SPEC, inputs)


@pytest.mark.parametrize("design", ["sobol", "random"])
def test_an_input_without_influence_has_zero_indices(design: str) -> None:
    res = sensitivity_analysis(_analysis(), 256, seed=3, design=design, output="score:u1")  # type: ignore[arg-type]
    table = res.table().set_index("input")
    assert list(res.table().columns) == list(SOBOL_COLUMNS)
    # y_AB_same equals y_A run by run, so both estimators are exactly 0
    assert table.loc["same", "first"] == 0.0
    assert table.loc["same", "total"] == 0.0
    # the output depends on 'drop' alone: S = ST = 1 up to sampling error
    assert table.loc["drop", "first"] == pytest.approx(1.0, abs=0.15)
    assert table.loc["drop", "total"] == pytest.approx(1.0, abs=0.15)
    assert table.loc["drop", "total_q5"] <= table.loc["drop", "total_q95"]


def test_runs_table_and_default_output() -> None:
    res = sensitivity_analysis(_analysis(), 8, seed=1, n_boot=50)
    runs = res.runs()
    assert len(runs) == 8 * 4
    assert list(runs.columns) == ["run", "block", "same", "drop", "output"]
    assert list(runs.block.unique()) == ["A", "B", "AB_same", "AB_drop"]
    # mean |rank - nominal|: 0 whenever nothing is excluded
    none = runs[runs["drop"] == ""]
    assert (none.output == 0.0).all()
    assert res.output == "mean_abs_rank_shift"


@pytest.mark.parametrize("output", ["rank:zz", "median", "score:"])
def test_unknown_output_is_refused(output: str) -> None:
    with pytest.raises(SpecError, match=f"Unknown sensitivity output {output!r}"):
        sensitivity_analysis(_analysis(), 8, seed=1, output=output)
