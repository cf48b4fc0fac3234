"""The command-line shell: version, help, and `python -m citykpi`."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest
import typer
import typer.main
from typer.testing import CliRunner

from citykpi import __version__
from citykpi.cli.main import COMMANDS, MODULES, build_app


def _eager() -> dict[str, object]:
    """Return every command as registering all modules at once builds them, in order."""
    app = typer.Typer()
    app.callback()(lambda: None)
    for module in MODULES:
        importlib.import_module(f"citykpi.cli.{module}").register(app)
    return dict(typer.main.get_group(app).commands)


def _owner(name: str) -> str:
    for module in MODULES:
        app = typer.Typer()
        importlib.import_module(f"citykpi.cli.{module}").register(app)
        registered = [c.name for c in app.registered_commands]
        registered += [g.name for g in app.registered_groups]
        if name in registered:
            return module
    return ""


def test_the_command_table_names_every_command_and_its_module() -> None:
    eager = _eager()
    assert sorted(COMMANDS) == sorted(eager)
    assert {name: _owner(name) for name in eager} == {name: COMMANDS[name] for name in eager}


def test_help_lists_the_commands_in_registration_order() -> None:
    root = typer.main.get_command(build_app())
    assert isinstance(root, typer.main.TyperGroup)
    assert list(root.commands) == list(_eager())


@pytest.mark.parametrize("name", ["city", "import", "index", "validate"])
def test_a_command_built_alone_is_the_command_built_with_all(name: str) -> None:
    root = typer.main.get_command(build_app())
    assert isinstance(root, typer.main.TyperGroup)
    alone, together = root.commands[name], _eager()[name]
    assert (alone.name, alone.help) == (together.name, together.help)
    assert [p.name for p in alone.params] == [p.name for p in together.params]
    assert sorted(getattr(alone, "commands", {})) == sorted(getattr(together, "commands", {}))


def test_version_option() -> None:
    result = CliRunner().invoke(build_app(), ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"citykpi {__version__}"


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(build_app(), ["no-such-command"])
    assert result.exit_code == 2


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "citykpi", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"citykpi {__version__}"
