"""Paths of the COINr reference data and the example specs, shared by the index tests."""

from __future__ import annotations

from pathlib import Path

import yaml

#: COINr 1.1.14 reference outputs on its ASEM example (MIT licence; see data/coinr/README.md).
REF = Path(__file__).resolve().parent / "data" / "coinr"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "index"


def load_example(case: str) -> dict[str, object]:
    """Return the example spec ``examples/index/<case>.yaml`` as a mapping."""
    data = yaml.safe_load((EXAMPLES / f"{case}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data
