"""``citykpi index build``: real files in, every data set out; bad CSVs give exit 2 and a fix."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from coinr_ref import EXAMPLES, REF
from typer.testing import CliRunner

from citykpi.cli.main import build_app

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(build_app(), ["index", *args])
    return result.exit_code, result.output


def _build(data: Path, meta: Path, spec: Path, out: Path, *extra: str) -> tuple[int, str]:
    return _run(
        "build",
        "--data",
        str(data),
        "--meta",
        str(meta),
        "--spec",
        str(spec),
        "-o",
        str(out),
        *extra,
    )


@pytest.fixture
def ref_files(tmp_path: Path) -> tuple[Path, Path]:
    data, meta = tmp_path / "idata.csv", tmp_path / "imeta.csv"
    shutil.copy(REF / "asem_idata.csv", data)
    shutil.copy(REF / "asem_imeta.csv", meta)
    return data, meta


def test_build_writes_every_data_set_and_matches_coinr(
    ref_files: tuple[Path, Path], tmp_path: Path
) -> None:
    data, meta = ref_files
    out = tmp_path / "out"
    code, output = _build(data, meta, EXAMPLES / "F01_example_full.yaml", out, "--format", "csv")
    assert code == 0, output
    names = {p.name for p in out.iterdir()}
    assert {
        "normalised.csv",
        "aggregated.csv",
        "ranks.csv",
        "imputed.csv",
        "treated.csv",
        "denominated.csv",
        "screened.csv",
        "treat_points.csv",
        "log.json",
        "raw.csv",
    } <= names
    ours = pd.read_csv(out / "aggregated.csv").set_index("uCode")
    ref = pd.read_csv(REF / "ref" / "F01_example_full" / "data_aggregated.csv").set_index("uCode")
    np.testing.assert_allclose(
        ours.to_numpy(), ref.loc[ours.index, ours.columns].to_numpy(float), rtol=1e-9
    )
    log = json.loads((out / "log.json").read_text(encoding="utf-8"))
    assert [r["step"] for r in log] == [
        "denominate",
        "impute",
        "screen",
        "treat",
        "normalise",
        "aggregate",
    ]
    assert output.splitlines()[0] == "uCode,score,rank"
    assert output.splitlines()[1].startswith("CHE,68.38")


def test_build_refuses_to_overwrite_its_files_without_force(
    ref_files: tuple[Path, Path], tmp_path: Path
) -> None:
    # Issue 8: one overwrite policy. A folder that holds other files is fine; files of the
    # names the build writes are refused (all named at once) unless --force.
    data, meta = ref_files
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("x", encoding="utf-8")
    spec = EXAMPLES / "N01_minmax.yaml"
    code, _ = _build(data, meta, spec, out)
    assert code == 0
    (out / "raw.csv").write_text("mine", encoding="utf-8")
    code, output = _build(data, meta, spec, out)
    assert code == 2
    text = " ".join(output.split())
    for name in ("raw.csv", "log.json", "README.md"):
        assert name in text
    assert "add --force" in text
    assert (out / "raw.csv").read_text(encoding="utf-8") == "mine"
    code, _ = _build(data, meta, spec, out, "--force")
    assert code == 0
    assert (out / "keep.txt").read_text(encoding="utf-8") == "x"
    assert (out / "raw.csv").read_text(encoding="utf-8").startswith("uCode,")


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("data", '"uCode"', '"Code"'), "there is no 'uCode' column"),
        (("data", ",4.1085380000000002,", ",abc,"), "row 3, column 'LPI': 'abc' is not a number"),
        (("data", '"BEL"', '"AUT"'), "row 3, column 'uCode': 'AUT' already appears in row 2"),
        (
            ("meta", '"Population","Physical"', '"Population","Physicl"'),
            "row 3, column 'Parent': 'Flights' has Parent 'Physicl'",
        ),
    ],
    ids=["no-ucode", "non-numeric", "duplicate-ucode", "dangling-parent"],
)
def test_bad_csv_files_exit_2_with_file_row_and_column(
    ref_files: tuple[Path, Path], tmp_path: Path, edit: tuple[str, str, str], expected: str | None
) -> None:
    data, meta = ref_files
    target = data if edit[0] == "data" else meta
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace(edit[1], edit[2], 1), encoding="utf-8")
    code, output = _build(data, meta, EXAMPLES / "N01_minmax.yaml", tmp_path / "o")
    assert code == 2
    assert target.name in output
    assert expected in " ".join(output.split())
    assert "Traceback" not in output


def test_unknown_spec_parameter_exits_2(ref_files: tuple[Path, Path], tmp_path: Path) -> None:
    data, meta = ref_files
    spec = tmp_path / "spec.yaml"
    spec.write_text("steps:\n  - step: normalise\n    methd: minmax\n", encoding="utf-8")
    code, output = _build(data, meta, spec, tmp_path / "o")
    assert code == 2
    assert "unknown parameter(s) ['methd']" in " ".join(output.split())


def test_an_edition_saved_by_build_rescores_the_same_year_identically(
    ref_files: tuple[Path, Path], tmp_path: Path
) -> None:
    data, meta = ref_files
    edition = tmp_path / "edition.yaml"
    code, output = _build(
        data,
        meta,
        EXAMPLES / "T01_treat_default.yaml",
        tmp_path / "a",
        "--save-edition",
        str(edition),
    )
    assert code == 0, output
    code, output = _run(
        "score", "--edition", str(edition), "--data", str(data), "-o", str(tmp_path / "b")
    )
    assert code == 0, output
    for name in ("treated.csv", "normalised.csv", "aggregated.csv", "ranks.csv"):
        first = (tmp_path / "a" / name).read_text(encoding="utf-8")
        assert (tmp_path / "b" / name).read_text(encoding="utf-8") == first


def test_a_missing_input_file_exits_2(tmp_path: Path) -> None:
    code, output = _build(
        tmp_path / "nope.csv", tmp_path / "meta.csv", EXAMPLES / "N01_minmax.yaml", tmp_path / "o"
    )
    assert code == 2
    assert "does not exist" in output
