"""The ``demo`` command: the whole pipeline on the bundled fictional sample cities."""

from __future__ import annotations

from pathlib import Path

import typer

from citykpi.cli._common import console, guarded
from citykpi.cli.data_cmds import summary_lines
from citykpi.pipeline import run_demo


@guarded
def demo_cmd(
    out: Path = typer.Option(
        Path("demo-output"), "--out", help="Folder for the sample data and the outputs."
    ),
) -> None:
    """Generate the sample cities, validate and compute their KPIs, and summarise the run."""
    with console.status("Starting the demo...") as status:
        result = run_demo(out, on_step=lambda step: status.update(f"{step}..."))
    console.print(
        "citykpi demo: fictional sample cities, raw inputs -> KPIs", highlight=False, soft_wrap=True
    )
    for line in summary_lines(result.summary):
        console.print(line, highlight=False, soft_wrap=True, markup=False)
    console.print(
        f"Outputs in {result.out_dir}/: {result.raw_path.name} (raw inputs, checked), "
        f"{result.validation_path.name} (validation report), {result.kpis_path.name} (KPIs); "
        f"sample data in {result.sample_dir}/.",
        highlight=False,
        soft_wrap=True,
        markup=False,
    )


def register(app: typer.Typer) -> None:
    """Add ``demo`` to ``app``."""
    app.command("demo")(demo_cmd)


__all__ = ["demo_cmd", "register"]
