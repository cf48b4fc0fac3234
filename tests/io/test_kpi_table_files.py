"""The KPI table on disk: kpis.csv plus kpis.provenance.jsonl, read back to what was computed."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from citykpi.errors import InputError, OutputExistsError
from citykpi.io import OutputFolder, add_kpi_table, read_kpi_table, write_kpi_table
from citykpi.io.kpi_tables import provenance_path, read_provenance
from citykpi.model import KPI_COLUMNS
from citykpi.pipeline import compute_files
from citykpi.tables import KPI, coerce

RAW = """city,year,code,value,unit,source,quality
Sample City,2024,population,150000,,Census,accurate_measurement
Sample City,2024,households,60000,,Census,accurate_measurement
Sample City,2024,households_with_internet,48000,,ISP survey,extrapolated_from_survey
Other Town,2023,population,90000,,Census,accurate_measurement
Other Town,2023,households,30000,,Census,accurate_measurement
Other Town,2023,households_with_internet,"27,000",,ISP survey,extrapolated_from_survey
"""


@pytest.fixture(scope="module")
def kpis(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    path = tmp_path_factory.mktemp("raw") / "raw.csv"
    path.write_text(RAW, encoding="utf-8")
    return compute_files([path]).kpis


def test_written_and_read_back_the_table_is_the_computed_one(
    kpis: pd.DataFrame, tmp_path: Path
) -> None:
    path = tmp_path / "kpis.csv"
    assert write_kpi_table(kpis, path) == [path, tmp_path / "kpis.provenance.jsonl"]
    back = read_kpi_table(path)
    assert list(back.columns) == list(KPI_COLUMNS)
    assert_frame_equal(back, coerce(kpis, KPI))
    # the same JSON text compute produced, not merely an equal object
    assert back["provenance"].tolist() == kpis["provenance"].tolist()


def test_the_csv_holds_a_reference_and_the_side_file_one_object_per_row(
    kpis: pd.DataFrame, tmp_path: Path
) -> None:
    path = tmp_path / "kpis.csv"
    write_kpi_table(kpis, path)
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(table.columns) == list(KPI_COLUMNS)
    assert table["provenance"].tolist() == [
        f"kpis.provenance.jsonl:{i}" for i in range(1, len(kpis) + 1)
    ]
    lines = provenance_path(path).read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(kpis)
    for line, (_, row) in zip(lines, kpis.iterrows(), strict=True):
        record = json.loads(line)
        assert list(record) == ["city", "year", "data_point", "provenance"]
        assert (record["city"], record["year"], record["data_point"]) == (
            row["city"],
            int(row["year"]),
            row["data_point"],
        )
        assert record["provenance"] == json.loads(row["provenance"])  # an object, not a string


def test_without_the_side_file_the_references_stay(kpis: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "kpis.csv"
    write_kpi_table(kpis, path)
    provenance_path(path).unlink()
    back = read_kpi_table(path)
    assert back["provenance"].iloc[0] == "kpis.provenance.jsonl:1"
    assert_frame_equal(
        back.drop(columns="provenance"), coerce(kpis, KPI).drop(columns="provenance")
    )


def test_a_table_without_a_provenance_column_is_read_and_can_get_it_back(
    kpis: pd.DataFrame, tmp_path: Path
) -> None:
    side = tmp_path / "elsewhere.jsonl"
    write_kpi_table(kpis, tmp_path / "first.csv")
    provenance_path(tmp_path / "first.csv").rename(side)
    bare = tmp_path / "bare.csv"
    kpis.drop(columns="provenance").to_csv(bare, index=False)
    assert "provenance" not in read_kpi_table(bare).columns
    back = read_kpi_table(bare, provenance=side)
    assert list(back.columns) == list(KPI_COLUMNS)
    assert back["provenance"].tolist() == kpis["provenance"].tolist()


def test_a_table_with_json_cells_is_still_read_as_it_was(
    kpis: pd.DataFrame, tmp_path: Path
) -> None:
    path = tmp_path / "old.csv"
    kpis.to_csv(path, index=False)  # a kpis.csv written before provenance had its own file
    assert read_kpi_table(path)["provenance"].tolist() == kpis["provenance"].tolist()


def test_both_files_are_refused_together_unless_force(kpis: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "kpis.csv"
    side = provenance_path(path)
    side.write_text("mine\n", encoding="utf-8")
    with pytest.raises(OutputExistsError, match=r"provenance\.jsonl' already exists.*--force"):
        write_kpi_table(kpis, path)
    assert not path.exists()
    assert side.read_text(encoding="utf-8") == "mine\n"
    write_kpi_table(kpis, path, force=True)
    assert read_kpi_table(path)["provenance"].tolist() == kpis["provenance"].tolist()


def test_in_an_output_folder_the_readme_describes_both_files(
    kpis: pd.DataFrame, tmp_path: Path
) -> None:
    with OutputFolder(tmp_path) as folder:
        add_kpi_table(folder, kpis)
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "| `kpis.csv` | The KPI long table:" in readme
    assert "| `kpis.provenance.jsonl` | Provenance of each row of kpis.csv" in readme
    assert read_kpi_table(tmp_path / "kpis.csv")["provenance"].tolist() == (
        kpis["provenance"].tolist()
    )


def test_a_malformed_provenance_line_is_located(tmp_path: Path) -> None:
    side = tmp_path / "p.jsonl"
    side.write_text('{"city": "A", "year": 2024, "data_point": "x", "provenance": {}}\nnope\n')
    with pytest.raises(InputError, match=r"p\.jsonl, line 2: not a provenance record"):
        read_provenance(side)
    with pytest.raises(InputError, match=r"Provenance file .* does not exist"):
        read_provenance(tmp_path / "missing.jsonl")
