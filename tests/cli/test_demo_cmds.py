"""The end-to-end commands: 'citykpi sample' (the tour's data) and 'citykpi run' (every stage)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from citykpi.cli.main import build_app


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(build_app(), list(args))
    return result.exit_code, result.stdout, result.stderr


def test_sample_writes_raw_inputs_profiles_and_known_errors(tmp_path: Path) -> None:
    out = tmp_path / "sample"
    code, text, err = _run("sample", "-o", str(out), "--cities", "8")
    assert code == 0, err
    cities = pd.read_csv(out / "cities.csv")
    assert len(cities) == 8
    assert set(pd.read_csv(out / "raw_inputs.csv")["city"]) == set(cities["name"])
    assert len(pd.read_csv(out / "known_errors.csv")) == 8
    assert "8 deliberate errors" in " ".join(text.split())


def test_sample_refuses_to_replace_files_without_force(tmp_path: Path) -> None:
    out = tmp_path / "sample"
    out.mkdir()
    (out / "cities.csv").write_text("mine\n", encoding="utf-8")
    code, _, err = _run("sample", "-o", str(out), "--cities", "8")
    assert code == 2
    assert "add --force" in " ".join(err.split())
    assert (out / "cities.csv").read_text(encoding="utf-8") == "mine\n"
    code, _, err = _run("sample", "-o", str(out), "--cities", "8", "--force")
    assert code == 0, err
    assert len(pd.read_csv(out / "cities.csv")) == 8


def test_run_writes_every_stage_and_refuses_a_second_run_without_force(tmp_path: Path) -> None:
    from citykpi.io import write_sample

    sample = write_sample(tmp_path / "sample", n_cities=8, years=[2023, 2024])
    out = tmp_path / "out"
    args = ("run", str(sample.raw_inputs), "-o", str(out), "--cities", str(sample.cities))
    code, text, err = _run(*args)
    assert code == 1  # the sample's deliberate errors; the outputs are written all the same
    assert "Validation found 7 error(s)" in " ".join(err.split())
    assert "the U4SSC index 2024 in" in " ".join(text.split())
    for folder in (out, out / "assessment", out / "index"):
        assert (folder / "README.md").is_file()
    assert set(pd.read_csv(out / "assessment" / "scores.csv")["year"]) == {2023, 2024}
    code, _, err = _run(*args)
    assert code == 2
    assert "add --force" in " ".join(err.split())
    assert _run(*args, "--force")[0] == 1
