"""The ``citykpi`` command: builds the Typer application from one module per capability.

Each ``cli/<capability>.py`` module exposes ``register(app)`` and owns its commands:
``catalogue_cmds`` (catalogue, inputs), ``template_cmd`` (template), ``data_cmds`` (validate,
compute),
``store_cmds`` (db, city, import, review, ...), ``assess_cmds`` (assess, trends, peers, plan) and
``index_cmds`` (the ``index`` group) and ``demo_cmds`` (``sample``, the sample data, and
``demo``, the end-to-end run).

Command modules import their stage inside the command functions (types through
``if TYPE_CHECKING:``), so ``citykpi --help``, ``--version`` or a typo loads Typer and Rich but
neither pandas, SciPy, SQLAlchemy nor any stage; ``tests/cli/test_startup.py`` holds them to it.
"""

from __future__ import annotations

import os
import sys

import typer
from rich.text import Text

from citykpi import __version__
from citykpi.cli import (
    assess_cmds,
    catalogue_cmds,
    data_cmds,
    demo_cmds,
    index_cmds,
    observations_cmds,
    opendata_cmds,
    report_cmds,
    store_cmds,
    template_cmd,
    web_cmds,
)
from citykpi.cli._common import EXIT_USAGE, err_console


def _version(value: bool) -> None:
    if value:
        typer.echo(f"citykpi {__version__}")
        raise typer.Exit(0)


def build_app() -> typer.Typer:
    """Return the ``citykpi`` Typer application with every command registered."""
    app = typer.Typer(
        name="citykpi",
        help="U4SSC Key Performance Indicators for Smart Sustainable Cities.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )

    @app.callback()
    def _root(
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ) -> None:
        """U4SSC Key Performance Indicators for Smart Sustainable Cities."""

    for module in (
        catalogue_cmds,
        template_cmd,
        data_cmds,
        store_cmds,
        assess_cmds,
        index_cmds,
        observations_cmds,
        report_cmds,
        opendata_cmds,
        web_cmds,
        demo_cmds,
    ):
        module.register(app)
    return app


def main() -> None:
    """Run the command line; unexpected failures print one line, not a traceback."""
    app = build_app()
    try:
        app(prog_name="citykpi")
    except SystemExit:
        raise
    except Exception as e:  # last line of defence against tracebacks
        if os.environ.get("CITYKPI_DEBUG"):
            raise
        line = Text("Internal error:", style="bold red")  # the message itself is shown literally
        line.append(
            f" {type(e).__name__}: {e}. Run again with CITYKPI_DEBUG=1 for details and report it."
        )
        err_console.print(line, highlight=False)
        sys.exit(EXIT_USAGE)
