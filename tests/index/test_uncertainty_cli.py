"""``citykpi index uncertainty`` and ``citykpi index sensitivity``: real files in and out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from coinr_ref import EXAMPLES, REF
from typer.testing import CliRunner

from citykpi.cli.main import build_app

runner = CliRunner()
UA = """
inputs:
  - {name: winmax, address: treat.winmax, values: [1, 2, 3, 4, 5]}
  - name: normalisation
    address: normalise
    values: [{method: minmax, lower: 1, upper: 100}, {method: zscore, mean: 10, sd: 2}]
  - {name: weights, type: noisy_weights, noise: {2: 0.25, 3: 0.25}, sets: 100}
  - {name: aggregation, address: aggregate.method, values: [amean, gmean]}
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    ua = tmp_path / "ua.yaml"
    ua.write_text(UA, encoding="utf-8")
    return {
        "--data": REF / "asem_idata.csv",
        "--meta": REF / "asem_imeta.csv",
        "--spec": EXAMPLES / "F01_example_full.yaml",
        "--ua": ua,
    }


def _run(command: str, files: dict[str, Path], *extra: str) -> tuple[int, str]:
    args = ["index", command]
    for k, v in files.items():
        args += [k, str(v)]
    result = runner.invoke(build_app(), [*args, *extra])
    return result.exit_code, result.output


def test_uncertainty_writes_stats_replications_and_weight_sets(
    files: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "ua"
    code, output = _run(
        "uncertainty",
        files,
        "--n",
        "40",
        "--seed",
        "5",
        "-o",
        str(out),
        "--workers",
        "1",
        "--format",
        "csv",
    )
    assert code == 0, output
    assert {p.name for p in out.iterdir()} == {
        "README.md",  # every output folder says what each file is (issue 8)
        "rank_stats.csv",
        "score_stats.csv",
        "replications.csv",
        "weights_weights.csv",
    }
    ranks = pd.read_csv(out / "rank_stats.csv")
    assert list(ranks.columns) == ["unit", "nominal", "mean", "median", "q5", "q95"]
    assert len(ranks) == 51
    nominal = pd.read_csv(REF / "ref" / "F01_example_full" / "ranks_aggregated.csv")
    merged = ranks.merge(nominal[["uCode", "Index"]], left_on="unit", right_on="uCode")
    np.testing.assert_array_equal(merged["nominal"], merged["Index"])
    reps = pd.read_csv(out / "replications.csv", dtype=str)
    assert list(reps.columns) == [
        "replication",
        "winmax",
        "normalisation",
        "weights",
        "aggregation",
    ]
    assert len(reps) == 40
    weights = pd.read_csv(out / "weights_weights.csv")
    assert weights.shape == (100, 1 + 49 + 8 + 2 + 1)
    assert (weights["LPI"] == 1.0).all()
    assert weights["Physical"].between(0.75, 1.25).all()
    # the same seed writes the same files
    out2 = tmp_path / "ua2"
    code, _ = _run(
        "uncertainty", files, "--n", "40", "--seed", "5", "-o", str(out2), "--format", "csv"
    )
    assert code == 0
    assert (out / "replications.csv").read_text() == (out2 / "replications.csv").read_text()
    assert (out / "rank_stats.csv").read_text() == (out2 / "rank_stats.csv").read_text()


def test_sensitivity_writes_indices_and_runs(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "sa"
    code, output = _run(
        "sensitivity", files, "--n", "8", "--n-boot", "20", "-o", str(out), "--format", "json"
    )
    assert code == 0, output
    sobol = pd.read_csv(out / "sobol.csv")
    assert list(sobol["input"]) == ["winmax", "normalisation", "weights", "aggregation"]
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 8 * 6
    assert (runs["output"] >= 0).all()


@pytest.mark.parametrize(
    ("ua", "extra", "message"),
    [
        (
            "inputs:\n  - {name: w, address: treat.winmx, values: [1]}\n",
            (),
            "step 'treat' has no parameter 'winmx'",
        ),
        ("inputs: [", (), "not valid YAML"),
        (
            "inputs:\n  - {name: w, address: treat.winmax, values: [1]}\n",
            ("--design", "lhs"),
            "Unknown design 'lhs'",
        ),
    ],
)
def test_bad_uncertainty_specs_exit_2(
    files: dict[str, Path], tmp_path: Path, ua: str, extra: tuple[str, ...], message: str
) -> None:
    files["--ua"].write_text(ua, encoding="utf-8")
    command = "sensitivity" if extra else "uncertainty"
    code, output = _run(command, files, "--n", "4", "-o", str(tmp_path / "x"), *extra)
    assert code == 2
    assert message in " ".join(output.split())
    assert "Traceback" not in output


def test_missing_ua_file_and_busy_output(files: dict[str, Path], tmp_path: Path) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("x")
    (busy / "rank_stats.csv").write_text("x")  # issue 8: its own files are refused, not others
    code, output = _run("uncertainty", files, "--n", "4", "-o", str(busy))
    assert code == 2
    assert "already holds rank_stats.csv" in " ".join(output.split())
    assert sorted(p.name for p in busy.iterdir()) == ["keep.txt", "rank_stats.csv"]
    files["--ua"] = tmp_path / "nope.yaml"
    code, output = _run("uncertainty", files, "--n", "4", "-o", str(tmp_path / "y"))
    assert code == 2
    assert "does not exist" in " ".join(output.split())


def test_without_a_ua_spec_only_the_weights_are_uncertain(
    files: dict[str, Path], tmp_path: Path
) -> None:
    del files["--ua"]
    out = tmp_path / "ua"
    code, output = _run("uncertainty", files, "--n", "20", "-o", str(out), "--format", "csv")
    assert code == 0, output
    reps = pd.read_csv(out / "replications.csv")
    assert list(reps.columns) == ["replication", "weights"]
    weights = pd.read_csv(out / "weights_weights.csv")
    assert (weights["Index"] == 1.0).all()
    assert weights["Conn"].between(0.75, 1.25).all()
