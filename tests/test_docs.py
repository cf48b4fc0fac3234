"""Generated reference pages must match the code (run `make docs` to refresh them)."""

from __future__ import annotations

from pathlib import Path

from citykpi.cli.reference import render_cli_reference
from citykpi.settings import SETTINGS, render_settings_reference

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_cli_reference_is_current() -> None:
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == render_cli_reference(), (
        "docs/cli.md is stale: run `make docs`."
    )


def test_settings_reference_is_current_and_complete() -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    assert text == render_settings_reference(), "docs/settings.md is stale: run `make docs`."
    for spec in SETTINGS:
        assert f"CITYKPI_{spec.name.upper()}" in text
