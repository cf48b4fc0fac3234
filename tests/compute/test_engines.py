"""The column engine gives the reference row engine's table, cell for cell."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from citykpi.compute import compute
from citykpi.errors import InputError
from citykpi.pipeline import check
from citykpi.sample import build_sample
from citykpi.validate import ValidationResult


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> ValidationResult:
    # 12 cities over three years, with every kind of deliberate error the sample holds
    folder: Path = tmp_path_factory.mktemp("sample")
    files = build_sample(n_cities=12, years=[2022, 2023, 2024]).files()
    (folder / "raw_inputs.csv").write_text(files["raw_inputs.csv"], encoding="utf-8")
    return check([folder / "raw_inputs.csv"])


def test_columns_equal_rows(checked: ValidationResult) -> None:
    rows = compute(checked, engine="rows")
    columns = compute(checked, engine="columns")
    key = ["city", "year", "data_point"]
    rows = rows.sort_values(key).reset_index(drop=True)
    columns = columns.sort_values(key).reset_index(drop=True)
    assert len(rows) > 1000
    assert set(rows["status"]) >= {"computed", "not_reported"}
    pd.testing.assert_frame_equal(rows, columns, check_exact=False, rtol=1e-12)


def test_unknown_engine_is_refused(checked: ValidationResult) -> None:
    with pytest.raises(InputError, match="choose 'columns' or 'rows'"):
        compute(checked, engine="vectors")  # type: ignore[arg-type]
