"""Reading index and uncertainty specs from files: the parsed spec, or an error naming the file."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from citykpi.errors import InputError, SpecError
from citykpi.index.spec import parse_spec
from citykpi.index.uncertainty_spec import parse_uncertainty_spec
from citykpi.io.index_files import read_spec, read_uncertainty_spec

UA = """
inputs:
  - name: winmax
    address: treat.winmax
    values: [1, 2, 3]
  - name: drop
    type: exclude
    codes: [A, C]
"""
SPEC = """
steps:
  - {step: normalise, method: minmax, lower: 0, upper: 100}
  - {step: aggregate, method: amean}
"""


def test_read_uncertainty_spec_reads_what_the_parser_parses(tmp_path: Path) -> None:
    path = tmp_path / "UA.yaml"
    path.write_text(UA, encoding="utf-8")
    assert read_uncertainty_spec(path) == parse_uncertainty_spec(yaml.safe_load(UA))


def test_read_spec_reads_what_the_parser_parses(tmp_path: Path) -> None:
    path = tmp_path / "SPEC.yaml"
    path.write_text(SPEC, encoding="utf-8")
    assert read_spec(path) == parse_spec(yaml.safe_load(SPEC))


@pytest.mark.parametrize(
    ("read", "kwargs", "expected"),
    [
        (read_spec, {}, "Spec file '{path}' does not exist; check the path."),
        (
            read_uncertainty_spec,
            {},
            "Uncertainty spec file '{path}' does not exist; check the path.",
        ),
        (
            read_uncertainty_spec,
            {"fix": "check the --ua path"},
            "Uncertainty spec file '{path}' does not exist; check the --ua path.",
        ),
    ],
)
def test_a_missing_spec_file_is_an_input_error_naming_it(
    tmp_path: Path, read: Callable[..., object], kwargs: dict[str, str], expected: str
) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(InputError, match=f"^{re.escape(expected.format(path=path))}$"):
        read(path, **kwargs)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("inputs: [", r"UA\.yaml: not valid YAML \(.*\); fix the syntax\.$"),
        (
            "- 1\n- 2\n",
            r"UA\.yaml: Uncertainty spec, top level: the document must be a mapping with one key "
            r"'inputs'; got list\.$",
        ),
    ],
)
def test_a_bad_uncertainty_spec_names_the_file(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "UA.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError, match=re.compile(error, re.DOTALL)):
        read_uncertainty_spec(path)
