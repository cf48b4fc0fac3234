"""Regenerate the reference pages in docs/ from the code (run by `make docs`)."""

from __future__ import annotations

from pathlib import Path

from citykpi.cli.reference import render_cli_reference
from citykpi.reasons import reasons_markdown
from citykpi.settings import render_settings_reference

DOCS = Path(__file__).resolve().parents[1] / "docs"


def main() -> None:
    """Write docs/cli.md, docs/settings.md and docs/reasons.md."""
    (DOCS / "cli.md").write_text(render_cli_reference(), encoding="utf-8")
    (DOCS / "settings.md").write_text(render_settings_reference(), encoding="utf-8")
    (DOCS / "reasons.md").write_text(reasons_markdown(), encoding="utf-8")


if __name__ == "__main__":
    main()
