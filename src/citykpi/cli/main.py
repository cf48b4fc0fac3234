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

The top-level commands are loaded on demand (:class:`LazyCommands`): ``citykpi city list``
imports the one module that registers ``city`` and builds that group alone, not the other fifty
commands; a name the table :data:`COMMANDS` does not know, ``--help`` and a typo build them all,
in registration order, so a command missing from the table still runs and is still listed.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator, MutableMapping
from typing import Any, Final

import typer
import typer.main
from rich.text import Text
from typer.core import TyperGroup

from citykpi import __version__
from citykpi.cli._common import EXIT_USAGE, err_console

#: The command modules, in the order their commands are registered (and listed by ``--help``).
MODULES: Final = (
    "catalogue_cmds",
    "template_cmd",
    "data_cmds",
    "store_cmds",
    "assess_cmds",
    "index_cmds",
    "observations_cmds",
    "report_cmds",
    "opendata_cmds",
    "web_cmds",
    "demo_cmds",
)

#: Top-level command or group -> the module that registers it (a test holds it to the modules).
COMMANDS: Final = {
    "catalogue": "catalogue_cmds",
    "inputs": "catalogue_cmds",
    "template": "template_cmd",
    "validate": "data_cmds",
    "compute": "data_cmds",
    "login": "store_cmds",
    "logout": "store_cmds",
    "import": "store_cmds",
    "submit": "store_cmds",
    "publish": "store_cmds",
    "history": "store_cmds",
    "audit": "store_cmds",
    "db": "store_cmds",
    "user": "store_cmds",
    "token": "store_cmds",
    "city": "store_cmds",
    "value": "store_cmds",
    "review": "store_cmds",
    "assess": "assess_cmds",
    "trends": "assess_cmds",
    "peers": "assess_cmds",
    "plan": "assess_cmds",
    "index": "index_cmds",
    "observations": "observations_cmds",
    "report": "report_cmds",
    "export": "opendata_cmds",
    "site": "opendata_cmds",
    "serve": "web_cmds",
    "run": "demo_cmds",
    "sample": "demo_cmds",
    "demo": "demo_cmds",
}

_HELP: Final = "U4SSC Key Performance Indicators for Smart Sustainable Cities."


def _version(value: bool) -> None:
    if value:
        typer.echo(f"citykpi {__version__}")
        raise typer.Exit(0)


def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """U4SSC Key Performance Indicators for Smart Sustainable Cities."""


def _typer(**options: Any) -> typer.Typer:
    """Return a Typer application with the settings of the ``citykpi`` root."""
    app = typer.Typer(
        name="citykpi",
        help=_HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        **options,
    )
    app.callback()(_root)
    return app


def _built(modules: tuple[str, ...], names: set[str] | None = None) -> dict[str, Any]:
    """Return the click commands the ``modules`` register (only ``names``, if given)."""
    app = _typer()
    for module in modules:
        importlib.import_module(f"citykpi.cli.{module}").register(app)
    if names is not None:
        app.registered_commands = [c for c in app.registered_commands if c.name in names]
        app.registered_groups = [g for g in app.registered_groups if g.name in names]
    return dict(typer.main.get_group(app).commands)


class LazyCommands(MutableMapping[str, Any]):
    """The root's commands, each imported and built when first looked up (see the module doc).

    Looking up a name of :data:`COMMANDS` builds that command (or group) alone; any other
    name, iterating (``--help``, suggestions for a typo) or counting builds every command.
    """

    def __init__(self) -> None:
        self._found: dict[str, Any] = {}
        self._complete = False

    def _all(self) -> dict[str, Any]:
        if not self._complete:
            self._found = {**_built(MODULES), **self._found}
            self._complete = True
        return self._found

    def __getitem__(self, name: str) -> Any:
        found = self._found.get(name)
        if found is not None:
            return found
        module = COMMANDS.get(name)
        if module is not None and not self._complete:
            self._found.update(_built((module,), {name}))
            if name in self._found:
                return self._found[name]
        return self._all()[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._found[name] = command

    def __delitem__(self, name: str) -> None:
        self._all()
        del self._found[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


class _LazyGroup(TyperGroup):
    """The root group: its commands are a :class:`LazyCommands`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = LazyCommands()


def build_app() -> typer.Typer:
    """Return the ``citykpi`` Typer application; its commands load when first used."""
    return _typer(cls=_LazyGroup)


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
