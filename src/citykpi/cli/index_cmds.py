"""The ``citykpi index`` command group: build, audit, uncertainty and the U4SSC city index."""

from __future__ import annotations

import typer

from citykpi.cli import index_analysis_cmds


def register(app: typer.Typer) -> None:
    """Add the ``index`` group to ``app``."""
    group = typer.Typer(help="Build and analyse composite indices (COINr-compatible).")
    index_analysis_cmds.register_index(group)
    app.add_typer(group, name="index")
