"""``citykpi index audit``: real files in, every audit table out."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from coinr_ref import EXAMPLES, REF
from typer.testing import CliRunner

from citykpi.cli.main import build_app

runner = CliRunner()


def _audit(out: Path, *extra: str) -> tuple[int, str]:
    args = [
        "index",
        "audit",
        "--data",
        str(REF / "asem_idata.csv"),
        "--meta",
        str(REF / "asem_imeta.csv"),
        "--spec",
        str(EXAMPLES / "F01_example_full.yaml"),
        "-o",
        str(out),
        *extra,
    ]
    result = runner.invoke(build_app(), args)
    return result.exit_code, result.output


def test_audit_writes_every_table(tmp_path: Path) -> None:
    out = tmp_path / "audit"
    code, output = _audit(out, "--format", "csv")
    assert code == 0, output
    assert {p.name for p in out.iterdir()} == {
        "README.md",  # every output folder says what each file is (issue 8)
        "stats.csv",
        "correlations.csv",
        "cronbach.csv",
        "pca.csv",
        "flags.csv",
        "strengths.csv",
    }
    stats = pd.read_csv(out / "stats.csv").set_index("code")
    # COINr's get_stats on the raw ASEM data: Ship has 42 non-zero and 43 unique values of 51
    assert (stats.loc["Ship", "n_nonzero"], stats.loc["Ship", "n_unique"]) == (42, 43)
    assert stats.loc["LPI", "skew"] == pytest.approx(-0.304268, abs=1e-6)
    cron = pd.read_csv(out / "cronbach.csv")
    assert len(cron) == 11  # 8 pillars, 2 sub-indices, the index
    flags = pd.read_csv(out / "flags.csv", keep_default_na=False)
    assert {"outlier", "denominator", "negative"} <= set(flags["kind"])
    strengths = pd.read_csv(out / "strengths.csv")
    assert len(strengths) == 51 * 10


def test_audit_unknown_data_set(tmp_path: Path) -> None:
    code, output = _audit(tmp_path / "a", "--dataset", "cooked")
    assert code == 2
    assert "Unknown data set 'cooked'" in output
