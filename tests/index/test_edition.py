"""Editions freeze bounds, weights and method; re-scoring the build year is identical."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from coinr_ref import load_example

from citykpi.errors import SpecError
from citykpi.index import Edition, build_index
from citykpi.io.index_files import load_edition, save_edition


@pytest.mark.parametrize("case", ["F01_example_full", "T01_treat_default", "N02_zscore"])
@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_rescoring_the_edition_year_gives_identical_results(
    case: str, suffix: str, asem_idata: pd.DataFrame, asem_imeta: pd.DataFrame, tmp_path: Path
) -> None:
    result = build_index(asem_idata, asem_imeta, load_example(case))
    path = tmp_path / f"edition{suffix}"
    save_edition(Edition.from_result(result, info={"year": "2018"}), path)
    edition = load_edition(path)
    assert edition.info == {"year": "2018"}
    again = edition.score(asem_idata)
    for name in ("normalised", "aggregated"):
        pd.testing.assert_frame_equal(again.datasets[name], result.datasets[name], rtol=0, atol=0)
    pd.testing.assert_frame_equal(again.ranks, result.ranks)


def test_a_later_year_scores_on_the_frozen_scale(
    asem_idata: pd.DataFrame, asem_imeta: pd.DataFrame
) -> None:
    spec = {
        "steps": [{"step": "normalise", "method": "minmax"}, {"step": "aggregate"}],
    }
    edition = Edition.from_result(build_index(asem_idata, asem_imeta, spec))
    later = asem_idata.copy()
    later.loc[later["uCode"] == "AUT", "LPI"] += 1.0  # only Austria improves
    first = edition.score(asem_idata).datasets["normalised"]
    second = edition.score(later).datasets["normalised"]
    lpi_range = asem_idata["LPI"].max() - asem_idata["LPI"].min()
    assert second.loc["AUT", "LPI"] - first.loc["AUT", "LPI"] == pytest.approx(100 / lpi_range)
    others = second.index != "AUT"
    np.testing.assert_array_equal(second.loc[others].to_numpy(), first.loc[others].to_numpy())
    assert second.loc["AUT", "LPI"] > 100  # min-max extrapolates beyond the edition's range


def test_rank_normalisation_cannot_be_frozen(
    asem_idata: pd.DataFrame, asem_imeta: pd.DataFrame
) -> None:
    result = build_index(asem_idata, asem_imeta, load_example("N03_rank"))
    with pytest.raises(SpecError, match="rank, borda or prank"):
        Edition.from_result(result)


def test_a_malformed_saved_edition_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "e.json"
    path.write_text('{"format": 1, "name": "x"}', encoding="utf-8")
    with pytest.raises(SpecError, match=r"e\.json: The saved edition is incomplete"):
        load_edition(path)
