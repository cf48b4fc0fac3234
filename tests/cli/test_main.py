"""The command-line shell: version, help, and `python -m citykpi`."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from citykpi import __version__
from citykpi.cli.main import build_app


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
