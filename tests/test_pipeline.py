"""The pipeline runs read -> validate -> compute -> assess -> index and writes every output."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from citykpi.assess import assess_table
from citykpi.errors import InputError, OutputExistsError
from citykpi.io import write_sample
from citykpi.model import KPI_COLUMNS, KpiStatus
from citykpi.pipeline import PipelineResult, run
from citykpi.validate import CHECKED_COLUMNS, ISSUE_COLUMNS

YEARS = range(2019, 2025)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[PipelineResult, Path]:
    root = tmp_path_factory.mktemp("pipeline")
    sample = write_sample(root / "sample", n_cities=8, years=YEARS)
    steps: list[str] = []
    result = run([sample.raw_inputs], out_dir=root / "out", on_step=steps.append)
    assert steps == [
        "Reading and validating the raw inputs",
        "Computing the KPIs",
        "Assessing every city against the targets",
        "Building the U4SSC index",
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


def test_every_city_is_assessed_into_a_folder_with_a_readme(
    small_run: tuple[PipelineResult, Path],
) -> None:
    result, _ = small_run
    assert result.assessment is not None
    assert result.assessment_dir is not None
    folder = result.assessment_dir
    assert folder == result.out_dir / "assessment"
    assert sorted(p.name for p in folder.iterdir()) == [
        "README.md",
        "kpis.csv",
        "scores.csv",
        "sdg.csv",
    ]
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "| `scores.csv` | U4SSC scores per city and year" in readme
    expected = assess_table(result.kpis)
    assert_frame_equal(result.assessment.scores, expected.scores)
    assert set(result.assessment.scores["city"]) == set(result.kpis["city"])
    written = pd.read_csv(folder / "scores.csv")
    assert len(written) == len(expected.scores)


def test_the_index_of_the_latest_year_is_written(small_run: tuple[PipelineResult, Path]) -> None:
    result, _ = small_run
    assert result.index_skipped == ""
    assert result.index is not None
    assert result.index_dir == result.out_dir / "index"
    assert result.index.year == max(YEARS)
    assert (result.index_dir / "README.md").is_file()
    scores = pd.read_csv(result.index_dir / "scores.csv")
    assert set(scores["year"]) == {max(YEARS)}
    assert result.uncertainty is None  # no replications asked for


def test_one_city_gets_an_assessment_and_the_reason_there_is_no_index(tmp_path: Path) -> None:
    sample = write_sample(tmp_path / "sample", n_cities=8, years=[2024])
    raw = pd.read_csv(sample.raw_inputs, dtype=str, keep_default_na=False)
    one = raw[raw["city"] == raw["city"].iloc[0]]
    one.to_csv(tmp_path / "one.csv", index=False)
    result = run([tmp_path / "one.csv"], out_dir=tmp_path / "out")
    assert result.assessment is not None
    assert result.index is None
    assert not (tmp_path / "out" / "index").exists()
    city = one["city"].iloc[0]
    assert result.index_skipped == (
        f"No U4SSC index: an index ranks at least 2 cities, and 1 city ({city!r}) has KPI "
        "values in the latest year; add other cities' files."
    )


def test_stages_choose_what_runs_after_compute(tmp_path: Path) -> None:
    sample = write_sample(tmp_path / "sample", n_cities=8, years=[2024])
    result = run([sample.raw_inputs], out_dir=tmp_path / "out", stages=())
    assert (result.assessment, result.index, result.index_skipped) == (None, None, "")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "README.md",  # issue 8: a README in every output folder, provenance in its own file
        "kpis.csv",
        "kpis.provenance.jsonl",
        "raw.csv",
        "validation.csv",
    ]
    with pytest.raises(InputError, match=r"Unknown stage\(s\) 'report'; choose from assess"):
        run([sample.raw_inputs], out_dir=tmp_path / "out", stages=("report",))


def test_a_second_run_refuses_to_replace_the_assessment_unless_forced(tmp_path: Path) -> None:
    sample = write_sample(tmp_path / "sample", n_cities=8, years=[2024])
    run([sample.raw_inputs], out_dir=tmp_path / "out", stages=("assess",))
    before = (tmp_path / "out" / "assessment" / "scores.csv").stat().st_mtime_ns
    with pytest.raises(OutputExistsError, match="add --force"):
        run([sample.raw_inputs], out_dir=tmp_path / "out", stages=("assess",))
    # nothing half-written: no temporary file left, the earlier scores untouched
    assert [p.name for p in (tmp_path / "out" / "assessment").iterdir() if ".tmp" in p.name] == []
    assert (tmp_path / "out" / "assessment" / "scores.csv").stat().st_mtime_ns == before
    again = run([sample.raw_inputs], out_dir=tmp_path / "out", stages=("assess",), force=True)
    assert again.assessment_dir is not None
