"""Spec options beyond the reference cases: iMeta parameters, overrides, per-level methods."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from citykpi.index import build_index


def _norm(*steps: dict[str, object]) -> dict[str, object]:
    return {"steps": [*steps, {"step": "aggregate"}]}


def test_goalposts_and_truncation_come_from_imeta(
    asem_idata: pd.DataFrame, asem_imeta: pd.DataFrame
) -> None:
    meta = asem_imeta.copy()
    meta["goalpost_lower"] = np.where(meta["iCode"].isin(["LPI", "CO2"]), 2.0, 0.0)
    meta["goalpost_upper"] = np.where(meta["iCode"].isin(["LPI", "CO2"]), 4.0, 1e9)
    meta["goalpost_scale"] = 100.0
    meta["goalpost_trunc2posts"] = np.where(meta["iCode"] == "CO2", "FALSE", "TRUE")
    result = build_index(asem_idata, meta, _norm({"step": "normalise", "method": "goalposts"}))
    norm = result.datasets["normalised"]
    raw = asem_idata.set_index("uCode").loc[norm.index]
    expected_lpi = np.clip((raw["LPI"] - 2) / 2, 0, 1) * 100
    np.testing.assert_allclose(norm["LPI"], expected_lpi, rtol=1e-12)
    expected_co2 = (4 - raw["CO2"]) / 2 * 100  # direction -1, not truncated
    np.testing.assert_allclose(norm["CO2"], expected_co2, rtol=1e-12)
    assert norm["CO2"].min() < 0


def test_distance_to_target_uses_the_imeta_target(
    asem_idata: pd.DataFrame, asem_imeta: pd.DataFrame
) -> None:
    spec = _norm({"step": "normalise", "method": "dist2targ", "cap_max": True})
    norm = build_index(asem_idata, asem_imeta, spec).datasets["normalised"]
    raw = asem_idata.set_index("uCode").loc[norm.index]
    target = float(asem_imeta.set_index("iCode").loc["Tariff", "Target"])  # direction -1
    expected = np.minimum((raw["Tariff"].max() - raw["Tariff"]) / (raw["Tariff"].max() - target), 1)
    np.testing.assert_allclose(norm["Tariff"], expected, rtol=1e-12)
    assert norm.max().max() == 1.0


def test_per_indicator_normalisation_overrides(
    asem_idata: pd.DataFrame, asem_imeta: pd.DataFrame
) -> None:
    spec = _norm(
        {
            "step": "normalise",
            "method": "minmax",
            "indicators": {"LPI": {"method": "zscore", "mean": 50, "sd": 10}},
        }
    )
    result = build_index(asem_idata, asem_imeta, spec)
    lpi = result.datasets["normalised"]["LPI"]
    assert lpi.mean() == pytest.approx(50)
    assert lpi.std(ddof=1) == pytest.approx(10)
    assert result.datasets["normalised"]["Flights"].max() == 100.0
    assert result.norm_params is not None
    np.testing.assert_allclose(
        result.norm_params.apply(result.datasets["raw"].to_numpy()),
        result.datasets["normalised"].to_numpy(),
        rtol=1e-13,
    )


def test_row_wise_and_em_imputation_fill_every_gap(
    asem_idata: pd.DataFrame, asem_imeta: pd.DataFrame
) -> None:
    indicators = asem_imeta.loc[asem_imeta["Type"] == "Indicator", "iCode"]
    assert int(asem_idata[indicators].isna().sum().sum()) == 63  # as the COINr README says
    for method in ("row_mean", "em"):
        spec = {"steps": [{"step": "impute", "method": method}]}
        result = build_index(asem_idata, asem_imeta, spec)
        imputed = result.datasets["imputed"]
        assert not imputed.isna().any().any()
        observed = result.datasets["raw"].notna()
        pd.testing.assert_frame_equal(imputed[observed], result.datasets["raw"][observed])


def test_one_aggregation_method_per_level(
    asem_idata: pd.DataFrame, asem_imeta: pd.DataFrame
) -> None:
    spec = {
        "steps": [
            {"step": "normalise", "method": "minmax", "lower": 1, "upper": 100},
            {"step": "aggregate", "method": ["gmean", "genmean", "amean"], "p": [1, 2, 1]},
        ]
    }
    result = build_index(asem_idata, asem_imeta, spec)
    scores = result.scores.loc["AUT"]
    kids = ["Environ", "Social", "SusEcFin"]
    assert scores["Sust"] == pytest.approx(math.sqrt(np.mean(scores[kids] ** 2)), rel=1e-12)
    assert scores["Index"] == pytest.approx((scores["Conn"] + scores["Sust"]) / 2, rel=1e-12)
    env = ["Renew", "PrimEner", "CO2", "MatCon", "Forest"]
    vals = result.datasets["normalised"].loc["AUT", env].dropna()
    assert scores["Environ"] == pytest.approx(math.exp(np.log(vals).mean()), rel=1e-12)


def test_boxcox_fallback(asem_idata: pd.DataFrame, asem_imeta: pd.DataFrame) -> None:
    spec = {"steps": [{"step": "treat", "winmax": 1, "f2": "boxcox", "boxcox_lambda": 0}]}
    result = build_index(asem_idata, asem_imeta, spec)
    treated, raw = result.datasets["treated"], result.datasets["raw"]
    transformed = [c for c, p in result.treat_params.items() if p.transform == "boxcox"]
    assert transformed
    code = transformed[0]
    np.testing.assert_allclose(treated[code], np.log(raw[code] - raw[code].min() + 1))
