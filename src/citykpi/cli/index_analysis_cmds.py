"""``citykpi index audit`` and ``citykpi index uncertainty``."""

from __future__ import annotations

import typer


def register_index(group: typer.Typer) -> None:
    """Add the analysis commands to the ``index`` group."""
    del group
