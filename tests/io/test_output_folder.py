"""An output folder: files written together, refused together, and a README naming each one."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from citykpi.errors import OutputExistsError
from citykpi.io import OutputFolder
from citykpi.io.folders import current_command

FRAME = pd.DataFrame({"x": [1, 2]})


class Boom(RuntimeError):
    """Raised inside the folder's ``with`` block."""


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_the_readme_lists_every_file_with_its_description(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with OutputFolder(out, command="citykpi run data.csv -o out", notes=["A note."]) as folder:
        folder.table("a.csv", FRAME, "The first table.")
        folder.text("b.json", "{}\n", "A JSON | file.")
        folder.bytes("c.bin", b"\x00", "Some bytes.")
    assert _names(out) == ["README.md", "a.csv", "b.json", "c.bin"]
    readme = (out / "README.md").read_text(encoding="utf-8").splitlines()
    assert readme[0] == "# out"
    assert readme[2].startswith("Written by `citykpi run data.csv -o out` on ")
    assert readme[4:10] == [
        "| File | What it is |",
        "| --- | --- |",
        "| `a.csv` | The first table. |",
        "| `b.json` | A JSON \\| file. |",
        "| `c.bin` | Some bytes. |",
        "| `README.md` | This file: what each file in the folder is. |",
    ]
    assert readme[-1] == "A note."
    assert (out / "a.csv").read_text(encoding="utf-8") == "x\n1\n2\n"
    assert folder.written == [out / n for n in ("a.csv", "b.json", "c.bin", "README.md")]


def test_declared_files_that_exist_are_all_refused_before_anything_is_written(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.csv").write_text("mine a", encoding="utf-8")
    (tmp_path / "b.csv").write_text("mine b", encoding="utf-8")
    (tmp_path / "other.txt").write_text("kept", encoding="utf-8")
    with (
        pytest.raises(OutputExistsError) as caught,
        OutputFolder(tmp_path, names=["a.csv", "b.csv", "c.csv"]) as folder,
    ):
        folder.table("c.csv", FRAME, "Never written.")
    assert str(caught.value) == (
        f"Output folder {str(tmp_path)!r} already holds a.csv, b.csv, which this command would "
        "overwrite; choose another folder or add --force to replace them."
    )
    assert caught.value.paths == (str(tmp_path / "a.csv"), str(tmp_path / "b.csv"))
    assert _names(tmp_path) == ["a.csv", "b.csv", "other.txt"]
    assert (tmp_path / "a.csv").read_text(encoding="utf-8") == "mine a"


def test_an_earlier_readme_is_refused_too(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("my notes", encoding="utf-8")
    with pytest.raises(OutputExistsError, match=r"already holds README\.md, .*add --force"):
        OutputFolder(tmp_path, names=["a.csv"]).open()
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "my notes"


def test_a_folder_with_other_files_is_not_refused(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("x", encoding="utf-8")
    with OutputFolder(tmp_path, names=["a.csv"]) as folder:
        folder.table("a.csv", FRAME, "A table.")
    assert (tmp_path / "keep.txt").read_text(encoding="utf-8") == "x"
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "Also in this folder, not described here: `keep.txt`." in readme


def test_an_undeclared_existing_file_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    (tmp_path / "b.csv").write_text("mine", encoding="utf-8")
    with (  # noqa: PT012 - the failure comes after a file is staged
        pytest.raises(OutputExistsError, match=r"already holds b\.csv"),
        OutputFolder(tmp_path) as folder,
    ):
        folder.table("a.csv", FRAME, "Staged, then dropped.")
        folder.table("b.csv", FRAME, "Refused.")
    assert _names(tmp_path) == ["b.csv"]


def test_an_exception_leaves_the_earlier_files_intact_and_no_temporary(tmp_path: Path) -> None:
    with OutputFolder(tmp_path, names=["a.csv"]) as folder:
        folder.table("a.csv", FRAME, "First run.")
    before = {n: (tmp_path / n).read_bytes() for n in _names(tmp_path)}
    with pytest.raises(Boom), OutputFolder(tmp_path, force=True, names=["a.csv"]) as folder:  # noqa: PT012
        folder.table("a.csv", pd.DataFrame({"x": [9]}), "Second run.")
        raise Boom("the analysis failed")
    assert {n: (tmp_path / n).read_bytes() for n in _names(tmp_path)} == before


def test_force_replaces_every_file_and_regenerates_the_readme(tmp_path: Path) -> None:
    with OutputFolder(tmp_path, names=["a.csv"], title="First") as folder:
        folder.table("a.csv", FRAME, "Old.")
    with OutputFolder(tmp_path, force=True, names=["a.csv"], title="Second") as folder:
        folder.table("a.csv", pd.DataFrame({"x": [9]}), "New.")
    assert (tmp_path / "a.csv").read_text(encoding="utf-8") == "x\n9\n"
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# Second\n")
    assert "| `a.csv` | New. |" in readme
    assert (
        "Replaced files of the same names from an earlier run (force): `a.csv`, `README.md`."
        in readme
    )
    assert _names(tmp_path) == ["README.md", "a.csv"]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["/usr/bin/citykpi", "run", "my data.csv", "-o", "out"],
            "citykpi run 'my data.csv' -o out",
        ),
        (["/x/src/citykpi/__main__.py", "demo"], "citykpi demo"),
        (["/usr/bin/pytest", "-q"], None),
    ],
)
def test_the_readme_names_the_running_citykpi_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str], expected: str | None
) -> None:
    monkeypatch.setattr(sys, "argv", argv)
    assert current_command() == expected
    with OutputFolder(tmp_path) as folder:
        folder.text("a.txt", "a\n", "A.")
    by = f"`{expected}`" if expected else "citykpi"
    assert f"\nWritten by {by} on " in (tmp_path / "README.md").read_text(encoding="utf-8")


def test_a_path_that_is_a_file_is_not_a_folder(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(ValueError, match=r"exists and is not a folder; choose another folder"):
        OutputFolder(path).open()


@pytest.mark.parametrize("name", ["sub/a.csv", "..", ""])
def test_a_name_must_be_a_plain_file_name(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match=r"is not a plain file name"):
        OutputFolder(tmp_path, names=[name])


def test_a_name_written_twice_is_a_mistake(tmp_path: Path) -> None:
    with (  # noqa: PT012 - the failure comes after a file is staged
        pytest.raises(ValueError, match=r"'a.csv' is written twice"),
        OutputFolder(tmp_path) as folder,
    ):
        folder.table("a.csv", FRAME, "Once.")
        folder.table("a.csv", FRAME, "Twice.")
    assert list(tmp_path.iterdir()) == []


def test_without_a_readme(tmp_path: Path) -> None:
    with OutputFolder(tmp_path, readme=False) as folder:
        folder.text("a.txt", "a\n", "A.")
    assert _names(tmp_path) == ["a.txt"]
