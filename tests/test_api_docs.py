"""docs/api.md runs: every python block, in order, in one namespace, in a fresh folder.

The blocks assert their own results; this test also checks that the page tours every function
of the top-level API and that each one is documented.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import citykpi

PAGE = Path(__file__).resolve().parents[1] / "docs" / "api.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _blocks() -> list[str]:
    return BLOCK.findall(PAGE.read_text(encoding="utf-8"))


def test_the_page_has_the_tour_in_python_blocks() -> None:
    assert len(_blocks()) >= 8


@pytest.mark.slow
def test_every_python_block_of_the_page_runs_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CITYKPI_DATABASE_URL", f"sqlite:///{tmp_path / 'unused.db'}")
    namespace: dict[str, object] = {"__name__": "api_docs"}
    for number, block in enumerate(_blocks(), start=1):
        code = compile(block, f"{PAGE.name}, python block {number}", "exec")
        exec(code, namespace)  # the page is ours, and running it is the test
    out = capsys.readouterr().out
    assert "values stored" in out
    assert (tmp_path / "out" / "assessment" / "README.md").is_file()
    assert (tmp_path / "tour.db").is_file()


@pytest.mark.parametrize("name", sorted(set(citykpi.__all__) - {"__version__"}))
def test_every_api_function_is_on_the_page_and_documented(name: str) -> None:
    function = getattr(citykpi, name)
    assert f"citykpi.{name}" in PAGE.read_text(encoding="utf-8")
    assert function.__doc__
    assert function.__module__ == "citykpi.api"
