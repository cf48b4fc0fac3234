"""Render the CLI reference (docs/cli.md) from the commands' own ``--help`` texts."""

from __future__ import annotations

import typer.main
from typer.testing import CliRunner

from citykpi.cli.main import build_app


def _command_paths() -> list[list[str]]:
    """Return every command path below the root, depth first, sorted by name."""
    found: list[list[str]] = []

    def walk(command: object, path: list[str]) -> None:
        found.append(path)
        children: dict[str, object] = getattr(command, "commands", None) or {}
        for name in sorted(children):
            walk(children[name], [*path, name])

    walk(typer.main.get_command(build_app()), [])
    return found


def render_cli_reference() -> str:
    """Return the Markdown CLI reference: every command with its ``--help`` output."""
    runner = CliRunner()
    app = build_app()
    lines = [
        "# CLI reference",
        "",
        "Generated from the commands' `--help` by `make docs`; a test fails when it is stale.",
        "",
        "Exit codes: 0 success, 1 validation errors found, 2 usage or input error, "
        "3 permission refused, 4 conflict with a concurrent edit.",
        "",
    ]
    for path in _command_paths():
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "100", "NO_COLOR": "1"})
        lines += [
            f"## `{' '.join(['citykpi', *path])}`",
            "",
            "```text",
            result.output.rstrip(),
            "```",
            "",
        ]
    return "\n".join(lines)


__all__ = ["render_cli_reference"]
