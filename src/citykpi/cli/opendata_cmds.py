"""Commands: export (open-data formats) and site (the static open-data site)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
