"""docs/index-spec.md documents every step and parameter, and every example spec is valid."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from coinr_ref import EXAMPLES, load_example

from citykpi.index import parse_spec
from citykpi.index.spec import STEP_MODELS, WeightsSpec

DOC = Path(__file__).resolve().parents[2] / "docs" / "index-spec.md"


def _section(text: str, step: str) -> str:
    match = re.search(rf"^### `{step}`\n(.*?)(?=^### |^## )", text, flags=re.S | re.M)
    assert match is not None, f"docs/index-spec.md has no section for the step {step!r}"
    return match.group(1)


@pytest.mark.parametrize("step", list(STEP_MODELS))
def test_every_parameter_of_every_step_is_documented(step: str) -> None:
    section = _section(DOC.read_text(encoding="utf-8"), step)
    for name in STEP_MODELS[step].model_fields:
        if name != "step":
            assert f"`{name}`" in section, f"parameter {name!r} of {step!r} is undocumented"


def test_weight_options_are_documented() -> None:
    section = _section(DOC.read_text(encoding="utf-8"), "aggregate")
    for name in WeightsSpec.model_fields:
        assert name in section


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_example_spec_is_valid_and_listed(path: Path) -> None:
    spec = parse_spec(load_example(path.stem))
    assert spec.name == path.stem
    assert f"`{path.name}`" in DOC.read_text(encoding="utf-8")
