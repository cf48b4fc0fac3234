"""The U4SSC city index from a KPI long table: hierarchy, directions, screening, imputation."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from citykpi.catalogue import load_catalogue
from citykpi.cli.main import build_app
from citykpi.errors import InputError
from citykpi.frameworks.u4ssc import INDEX_CODE, build_u4ssc_index, u4ssc_hierarchy
from citykpi.model import KPI_COLUMNS


def _kpis(n_cities: int = 12, *, seed: int = 3, missing: float = 0.05) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_cities):
        for kpi, dp in load_catalogue().iter_data_points():
            value = float(rng.uniform(1, 100))
            status = "computed"
            if rng.random() < missing:
                value, status = math.nan, "not_reported"
            rows.append(
                {
                    "city": f"City{i:02d}",
                    "year": 2023,
                    "code": kpi.code,
                    "data_point": dp.id,
                    "value": value,
                    "unit": dp.unit,
                    "status": status,
                    "reason": "",
                    "provenance": "",
                    "quality": "",
                }
            )
    return pd.DataFrame(rows, columns=list(KPI_COLUMNS))


def test_hierarchy_follows_the_u4ssc_codes() -> None:
    h, names = u4ssc_hierarchy(
        load_catalogue(), ["household_internet_access", "gender_income_equity"]
    )
    assert h.codes == (
        "household_internet_access",
        "gender_income_equity",
        "EC: ICT: ICT",
        "SC: SH: SI",
        "EC: ICT",
        "SC: SH",
        "EC",
        "SC",
        INDEX_CODE,
    )
    assert names["EC: ICT: ICT"] == "ICT Infrastructure"
    np.testing.assert_array_equal(h.directions(), [1.0, -1.0])  # target range: distance, lower


def test_index_with_peer_groups_scores_every_level() -> None:
    kpis = _kpis()
    cities = pd.DataFrame(
        {
            "name": [f"City{i:02d}" for i in range(12)],
            "population": [80_000 * (i + 1) for i in range(12)],
        }
    )
    index = build_u4ssc_index(kpis, cities=cities)
    result = index.result
    assert index.year == 2023
    assert result.hierarchy.n_levels == 5
    assert set(result.hierarchy.level_codes(4)) == {"EC", "EN", "SC"}
    by_direction = {k: v for k, v in index.dropped_data_points.items() if "direction" in v}
    assert all(
        v.startswith("reported by") and "below the 80% coverage" in v
        for k, v in index.dropped_data_points.items()
        if k not in by_direction
    )
    assert by_direction == {
        "solid_waste_treatment_incinerated": "direction 'none': reported, not scored",
        "solid_waste_treatment_other": "direction 'none': reported, not scored",
        "tourism_sector_employment": "direction 'none': reported, not scored",
        "transportation_mode_share_para_transport": "direction 'none': reported, not scored",
    }
    scores = result.scores[INDEX_CODE]
    assert scores.notna().all()
    assert ((scores >= 0) & (scores <= 100)).all()
    assert sorted(result.ranks[INDEX_CODE]) == list(range(1, 13))
    steps = [f"{r.step}:{r.method}" for r in result.log]
    assert steps[:4] == ["screen:byNA", "impute:mean_group", "impute:mean", "normalise:sdsn"]
    assert not result.datasets["imputed"].isna().any().any()
    long = index.scores_long()
    assert set(long["level"]) == {"Data point", "Category", "Sub-dimension", "Dimension", "Index"}


def test_cities_with_more_than_20_percent_missing_get_no_score() -> None:
    kpis = _kpis(missing=0.0)
    gap = (kpis["city"] == "City00") & (kpis.index % 4 == 0)  # 25 % of City00's values
    kpis.loc[gap, ["value", "status"]] = [math.nan, "not_reported"]
    index = build_u4ssc_index(kpis)
    assert "City00" not in index.result.units
    assert index.excluded_cities["City00"] == pytest.approx(0.25, abs=0.02)
    assert len(index.result.units) == 11


def test_a_year_without_data_is_a_clear_error() -> None:
    with pytest.raises(InputError, match=r"no value for year 2019; years present: \[2023\]"):
        build_u4ssc_index(_kpis(n_cities=3), year=2019)


def test_cli_u4ssc_writes_scores(tmp_path: Path) -> None:
    kpis = tmp_path / "kpis.csv"
    _kpis(n_cities=6).to_csv(kpis, index=False)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        build_app(), ["index", "u4ssc", str(kpis), "-o", str(out), "--format", "csv", "--top", "0"]
    )
    assert result.exit_code == 0, result.output
    assert {"scores.csv", "aggregated.csv", "ranks.csv", "dropped_data_points.csv"} <= {
        p.name for p in out.iterdir()
    }
    lines = [line for line in result.output.splitlines() if line.startswith("City")]
    assert len(lines) == 6
    scores = pd.read_csv(out / "scores.csv")
    assert set(scores["city"]) == {f"City{i:02d}" for i in range(6)}


def test_cli_u4ssc_adds_rank_intervals_and_the_audit(tmp_path: Path) -> None:
    kpis = tmp_path / "kpis.csv"
    _kpis(n_cities=8).to_csv(kpis, index=False)
    out = tmp_path / "out"
    args = ["index", "u4ssc", str(kpis), "-o", str(out), "--uncertainty", "20", "--audit"]
    result = CliRunner().invoke(build_app(), args)
    assert result.exit_code == 0, result.output
    stats = pd.read_csv(out / "rank_stats.csv")
    assert list(stats.columns) == ["unit", "nominal", "mean", "median", "q5", "q95"]
    assert (stats["q5"] <= stats["q95"]).all()
    nominal = pd.read_csv(out / "ranks.csv").set_index("uCode")[INDEX_CODE]
    assert stats.set_index("unit")["nominal"].to_dict() == nominal.to_dict()
    assert len(pd.read_csv(out / "replications.csv")) == 20
    assert (out / "audit_stats.csv").is_file()
