"""The command line starts without the heavy stack: only a command that runs loads its stage.

Each case runs in a fresh interpreter, so modules that an earlier test imported into this one
cannot hide an import, and reports the ``sys.modules`` it ends with.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from citykpi.cli import demo_cmds
from citykpi.pipeline import DEMO_REPLICATIONS

#: Third-party packages that take long to import; none may load to list or describe commands.
HEAVY = ("pandas", "numpy", "scipy", "pint", "sqlalchemy", "openpyxl", "yaml", "SALib", "alembic")

#: The citykpi stages (and the catalogue): commands import them when they run.
STAGES = (
    "citykpi.catalogue",
    "citykpi.ingest",
    "citykpi.validate",
    "citykpi.compute",
    "citykpi.assess",
    "citykpi.index",
    "citykpi.store",
    "citykpi.pipeline",
    "citykpi.sample",
)

_RUN = textwrap.dedent(
    """
    import json, sys
    argv = json.loads(sys.argv[1])
    from citykpi.cli.main import main
    if argv is not None:
        sys.argv = ["citykpi", *argv]
        try:
            main()
        except SystemExit as e:
            code = e.code
        else:
            code = 0
    else:
        code = None
    sys.stderr.write(json.dumps({"code": code, "modules": sorted(sys.modules)}))
    """
)


def _modules_after(argv: list[str] | None) -> tuple[int | None, set[str]]:
    """Return the exit code and the loaded modules after importing the CLI (and running argv)."""
    done = subprocess.run(
        [sys.executable, "-c", _RUN, json.dumps(argv)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "100", "NO_COLOR": "1"},
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return report["code"], set(report["modules"])


def _loaded(modules: set[str], package: str) -> list[str]:
    return sorted(m for m in modules if m == package or m.startswith(f"{package}."))


@pytest.fixture(scope="module")
def after_import() -> set[str]:
    code, modules = _modules_after(None)
    assert code is None
    return modules


@pytest.mark.parametrize("package", HEAVY + STAGES)
def test_importing_the_cli_loads_no_heavy_module(after_import: set[str], package: str) -> None:
    assert _loaded(after_import, package) == []


def test_the_probe_sees_what_the_cli_does_load(after_import: set[str]) -> None:
    # Guards the test above: a probe that saw nothing would pass it too.
    assert {"typer", "citykpi.cli.main", "citykpi.cli._common"} <= after_import


def test_importing_the_cli_loads_no_command_module(after_import: set[str]) -> None:
    # The commands load when the command line names them (citykpi.cli.main.LazyCommands).
    assert [m for m in after_import if m.endswith(("_cmds", "_cmd"))] == []


def test_a_store_command_loads_the_store_commands_only() -> None:
    exit_code, modules = _modules_after(["city", "list", "--help"])
    assert exit_code == 0
    assert "citykpi.cli.store_city_cmds" in modules
    others = ("assess_cmds", "index_cmds", "data_cmds", "demo_cmds", "opendata_cmds", "web_cmds")
    assert [m for m in others if f"citykpi.cli.{m}" in modules] == []


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["--version"], 0),
        (["--help"], 0),
        (["no-such-command"], 2),
        (["index", "--help"], 0),
        (["review", "verify", "--help"], 0),
        (["demo", "--help"], 0),
    ],
)
def test_help_version_and_typos_load_no_stage(argv: list[str], code: int) -> None:
    exit_code, modules = _modules_after(argv)
    assert exit_code == code
    assert [m for p in HEAVY + STAGES for m in _loaded(modules, p)] == []


def test_a_command_loads_its_own_stage_only() -> None:
    exit_code, modules = _modules_after(["inputs", "--format", "csv"])
    assert exit_code == 0
    assert _loaded(modules, "citykpi.catalogue") != []
    for package in ("sqlalchemy", "citykpi.store", "citykpi.index", "citykpi.assess"):
        assert _loaded(modules, package) == []


def test_demo_default_replications_match_the_pipeline() -> None:
    # demo --help shows the default without importing the pipeline, so it is written twice.
    assert demo_cmds.DEMO_REPLICATIONS == DEMO_REPLICATIONS
