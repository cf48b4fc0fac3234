"""Every UA spec shown in docs/index-analysis.md is valid against the F01 example spec."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from citykpi.index import Hierarchy
from citykpi.index.uncertainty import UncertaintyAnalysis
from citykpi.index.uncertainty_spec import parse_uncertainty_spec

DOC = Path(__file__).resolve().parents[2] / "docs" / "index-analysis.md"
BLOCKS = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
SPEC = {
    "steps": [
        {"step": "denominate"},
        {"step": "impute", "method": "mean_group", "group": "EurAsia_group"},
        {"step": "screen", "dat_thresh": 0.9},
        {"step": "treat", "winmax": 5},
        {"step": "normalise", "method": "minmax", "lower": 1, "upper": 100},
        {"step": "aggregate", "method": "amean"},
    ]
}


def test_the_guide_is_documented() -> None:
    assert len(BLOCKS) >= 3
    names = parse_uncertainty_spec(yaml.safe_load(BLOCKS[0])).names
    assert names == ("winmax", "normalisation", "weights", "aggregation")


@pytest.mark.parametrize("block", BLOCKS)
def test_documented_specs_run_and_replay(
    block: str, asem_idata: pd.DataFrame, asem_hierarchy: Hierarchy
) -> None:
    analysis = UncertaintyAnalysis(
        asem_idata, asem_hierarchy, SPEC, parse_uncertainty_spec(yaml.safe_load(block))
    )
    result = analysis.run(4, seed=2)
    row = result.replications().to_dict("records")[3]
    built = analysis.replay(row)
    assert list(built.ranks["Index"]) == list(result.ranks[3])
