"""The pipeline runs read -> validate -> compute in order and writes the three tables."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from citykpi.model import KPI_COLUMNS, KpiStatus
from citykpi.pipeline import PipelineResult, run
from citykpi.sample import generate
from citykpi.validate import CHECKED_COLUMNS, ISSUE_COLUMNS

YEARS = range(2019, 2025)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[PipelineResult, Path]:
    root = tmp_path_factory.mktemp("pipeline")
    sample = generate(root / "sample", n_cities=8, years=YEARS)
    steps: list[str] = []
    result = run([sample.raw_inputs], out_dir=root / "out", on_step=steps.append)
    assert steps == [
        "Reading and validating the raw inputs",
        "Computing the KPIs",
        "Writing the outputs",
    ]
    return result, sample.known_errors


def _known(path: Path) -> list[tuple[str, str, int, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [(r["reason"], r["city"], int(r["year"]), r["code"]) for r in csv.DictReader(f)]


def test_every_deliberate_error_of_the_sample_is_reported(
    small_run: tuple[PipelineResult, Path],
) -> None:
    result, known_errors = small_run
    reported = {
        (i.reason, i.location.city, i.location.year, i.location.code) for i in result.checked.issues
    }
    known = _known(known_errors)
    assert len(known) == 8
    assert [k for k in known if k not in reported] == []


def test_outputs_are_written_and_read_back(small_run: tuple[PipelineResult, Path]) -> None:
    result, _ = small_run
    raw = pd.read_csv(result.raw_path)
    issues = pd.read_csv(result.validation_path)
    kpis = pd.read_csv(result.kpis_path)
    assert list(raw.columns) == list(CHECKED_COLUMNS)
    assert len(raw) == len(result.checked.frame)
    assert list(issues.columns) == list(ISSUE_COLUMNS)
    assert len(issues) == len(result.checked.issues)
    assert list(kpis.columns) == list(KPI_COLUMNS)
    assert len(kpis) == 8 * len(YEARS) * 112


def test_summary_counts_match_the_tables(small_run: tuple[PipelineResult, Path]) -> None:
    result, _ = small_run
    summary = result.summary
    assert (summary.cities, summary.years, summary.year_span) == (8, tuple(YEARS), "2019-2024")
    assert summary.statuses == {
        s.value: int((result.kpis["status"] == s.value).sum()) for s in KpiStatus
    }
    assert sum(summary.statuses.values()) == len(result.kpis)
    assert sum(summary.issues_by_reason.values()) == len(result.checked.issues)
    assert summary.issues_by_severity["error"] == len(result.checked.errors)
    assert summary.rows == len(result.checked.frame)


def test_an_earlier_demo_database_is_moved_aside_not_overwritten(tmp_path: Path) -> None:
    from citykpi.pipeline import _fresh_database

    db = tmp_path / "citykpi-demo.db"
    assert _fresh_database(db) is None
    db.write_bytes(b"first")
    (tmp_path / "citykpi-demo.db-wal").write_bytes(b"wal")
    kept = _fresh_database(db)
    assert kept == tmp_path / "citykpi-demo.previous.db"
    assert kept.read_bytes() == b"first"
    assert (tmp_path / "citykpi-demo.previous.db-wal").read_bytes() == b"wal"
    db.write_bytes(b"second")
    assert _fresh_database(db) == tmp_path / "citykpi-demo.previous-1.db"
    assert not db.exists()
