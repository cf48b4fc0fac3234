"""The audit and uncertainty tables that ``index audit``, ``uncertainty`` and ``u4ssc`` share."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from citykpi.cli.index_analysis_cmds import write_audit_tables, write_uncertainty_tables
from citykpi.index.audit_report import AuditReport, audit_result
from citykpi.index.pipeline import IndexResult, build_index
from citykpi.index.uncertainty import UncertaintyAnalysis
from citykpi.index.uncertainty_spec import default_uncertainty
from citykpi.io.index_files import read_idata, read_imeta, read_spec

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "index" / "data" / "coinr"
SPEC = ROOT / "examples" / "index" / "F01_example_full.yaml"
AUDIT_TABLES = ("stats", "correlations", "cronbach", "pca", "flags", "strengths")


@pytest.fixture(scope="module")
def asem() -> tuple[IndexResult, UncertaintyAnalysis]:
    spec = read_spec(SPEC)
    hierarchy = read_imeta(DATA / "asem_imeta.csv", level_names=spec.level_names)
    idata = read_idata(DATA / "asem_idata.csv", hierarchy)
    ua = default_uncertainty(hierarchy.n_levels)
    return build_index(idata, hierarchy, spec), UncertaintyAnalysis(
        idata, hierarchy, spec, ua, seed=1
    )


def _header_and_rows(path: Path) -> tuple[list[str], int]:
    with path.open(encoding="utf-8", newline="") as f:
        header, *rows = list(csv.reader(f))
    return header, len(rows)


@pytest.mark.parametrize(
    ("prefix", "names"),
    [
        ("", [f"{t}.csv" for t in AUDIT_TABLES]),
        ("audit_", [f"audit_{t}.csv" for t in AUDIT_TABLES]),
    ],
)
def test_audit_tables_are_written_under_their_names(
    asem: tuple[IndexResult, UncertaintyAnalysis], tmp_path: Path, prefix: str, names: list[str]
) -> None:
    report: AuditReport = audit_result(asem[0])
    written = write_audit_tables(report, tmp_path, prefix=prefix)
    assert [p.name for p in written] == names
    # every output folder gets a README saying what each file is (issue 8)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*names, "README.md"])
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert all(f"| `{name}` |" in readme for name in names)
    for table, path in zip(AUDIT_TABLES, written, strict=True):
        frame = getattr(report, table)
        # index=False: the file holds the frame's columns and one line per row, nothing else
        assert _header_and_rows(path) == ([str(c) for c in frame.columns], len(frame))


def test_uncertainty_tables_hold_one_row_per_unit_and_replication(
    asem: tuple[IndexResult, UncertaintyAnalysis], tmp_path: Path
) -> None:
    result = asem[1].run(5, seed=1)
    written = write_uncertainty_tables(result, tmp_path)
    assert [p.name for p in written] == ["rank_stats.csv", "score_stats.csv", "replications.csv"]
    stats_header = ["unit", "nominal", "mean", "median", "q5", "q95"]
    n_units = 51  # the ASEM countries of asem_idata.csv
    assert len(result.units) == n_units
    assert _header_and_rows(tmp_path / "rank_stats.csv") == (stats_header, n_units)
    assert _header_and_rows(tmp_path / "score_stats.csv") == (stats_header, n_units)
    assert _header_and_rows(tmp_path / "replications.csv") == (["replication", *result.names], 5)
