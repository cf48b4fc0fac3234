"""sources.load_kpi_table: one way to get a KPI table, from a file (the store: tests/cli)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from citykpi.cli.main import build_app
from citykpi.errors import InputError
from citykpi.model import KPI_COLUMNS
from citykpi.sources import load_kpi_table

ROWS = [
    ("Ash", 2023, "EN: EN: AQ: 1C", "air_pollution_pm25", 12.5),
    ("Ash", 2024, "EN: EN: AQ: 1C", "air_pollution_pm25", 11.0),
    ("Birch", 2024, "EN: EN: AQ: 1C", "air_pollution_pm25", 8.0),
]


@pytest.fixture
def kpis(tmp_path: Path) -> Path:
    frame = pd.DataFrame(
        [
            {"city": c, "year": y, "code": k, "data_point": d, "value": v, "unit": "µg/m³"}
            for c, y, k, d, v in ROWS
        ]
    ).assign(status="computed", reason="", provenance="{}", quality="")
    path = tmp_path / "kpis.csv"
    frame[list(KPI_COLUMNS)].to_csv(path, index=False)
    return path


def test_a_file_gives_the_typed_kpi_table(kpis: Path) -> None:
    table = load_kpi_table(kpis)
    assert list(table.columns) == list(KPI_COLUMNS)
    assert table["year"].tolist() == [2023, 2024, 2024]
    assert table["value"].tolist() == [12.5, 11.0, 8.0]


def test_cities_and_years_filter_the_table(kpis: Path) -> None:
    table = load_kpi_table(kpis, cities=["Ash"], years=[2024])
    assert table[["city", "year", "value"]].values.tolist() == [["Ash", 2024, 11.0]]
    assert table.index.tolist() == [0]


def test_an_empty_selection_says_what_was_asked(kpis: Path) -> None:
    with pytest.raises(InputError, match=r"holds no KPI value for cities 'Oak' and years 2024"):
        load_kpi_table(kpis, cities=["Oak"], years=[2024])


@pytest.mark.parametrize(
    ("name", "kind"), [("data.xlsx", "workbook"), ("old.XLS", "workbook"), ("data.json", "JSON")]
)
def test_a_raw_input_file_names_the_command_that_reads_it(
    tmp_path: Path, name: str, kind: str
) -> None:
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04 not a csv")
    with pytest.raises(InputError, match=rf"is a raw-input {kind}.*citykpi compute .*-o kpis.csv"):
        load_kpi_table(path)


def test_assess_on_a_workbook_says_compute_first_not_a_codec_error(tmp_path: Path) -> None:
    path = tmp_path / "city.xlsx"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\xff\xfe")
    result = CliRunner().invoke(build_app(), ["assess", str(path)])
    err = " ".join(result.stderr.split())
    assert result.exit_code == 2
    assert "raw-input workbook, not a KPI table" in err
    assert "codec" not in err


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"status": "final"}, "Unknown status 'final'; use one of published, verified, any."),
        ({}, "Say where the KPI values come from"),
    ],
)
def test_bad_arguments(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_kpi_table(**kwargs)  # type: ignore[arg-type]
