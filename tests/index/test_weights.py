"""PCA-based and optimised weights on the ASEM data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from citykpi.errors import SpecError
from citykpi.index import Hierarchy, normalise, optimise_weights, pca_weights


@pytest.fixture(scope="module")
def asem_normalised(asem_idata: pd.DataFrame, asem_hierarchy: Hierarchy) -> np.ndarray:
    data = asem_idata.sort_values("uCode")[list(asem_hierarchy.indicators)].to_numpy(float)
    return normalise(data, directions=asem_hierarchy.directions()).data


def test_pca_weights_are_first_component_loadings(
    asem_normalised: np.ndarray, asem_hierarchy: Hierarchy
) -> None:
    out = pca_weights(asem_normalised, asem_hierarchy, level=1)
    h = asem_hierarchy
    kids = list(h.children("Political"))  # Embs, IGOs, UNVote: no missing values
    block = asem_normalised[:, [h.indicators.index(k) for k in kids]]
    block = block[~np.isnan(block).any(axis=1)]
    z = (block - block.mean(axis=0)) / block.std(axis=0, ddof=1)
    eigval, eigvec = np.linalg.eigh(np.cov(z, rowvar=False))
    pc1 = eigvec[:, -1] * np.sign(eigvec[:, -1].sum())
    np.testing.assert_allclose([out.weights[k] for k in kids], pc1, rtol=1e-10)
    explained = out.record.details["explained_variance_pc1"]
    assert explained["Political"] == pytest.approx(eigval[-1] / eigval.sum())  # type: ignore[index]
    assert out.weights["Conn"] == asem_hierarchy.node("Conn").weight  # other levels untouched


@pytest.mark.parametrize("target", ["balance", "infomax"])
def test_optimised_weights_improve_the_objective(
    asem_normalised: np.ndarray, asem_hierarchy: Hierarchy, target: str
) -> None:
    out = optimise_weights(
        asem_normalised,
        asem_hierarchy,
        level=2,
        target=target,
        maxiter=200,  # type: ignore[arg-type]
    )
    details = out.record.details
    assert details["objective_end"] <= details["objective_start"]  # type: ignore[operator]
    pillars = asem_hierarchy.level_codes(2)
    assert sum(out.weights[p] for p in pillars) == pytest.approx(len(pillars))
    assert all(out.weights[p] >= 0 for p in pillars)


def test_weights_need_a_level_below_the_top(
    asem_normalised: np.ndarray, asem_hierarchy: Hierarchy
) -> None:
    with pytest.raises(SpecError, match="between 1 and 3; got 4"):
        pca_weights(asem_normalised, asem_hierarchy, level=4)
