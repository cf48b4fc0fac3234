"""Commands: observations (sensor and meter roll-ups into raw inputs).

``citykpi observations rollup SPEC OBS... -o INPUTS.csv [--coverage COVERAGE.csv]`` runs one
roll-up spec (a YAML file or a shipped id) over observation files with DuckDB or Spark and
writes the raw inputs ``citykpi import`` and ``compute`` read; ``citykpi observations specs``
lists the shipped specs. Both are shells over :func:`citykpi.observe.rollup`.
"""

from __future__ import annotations

from pathlib import Path

import typer

from citykpi.cli._common import OutputFormat, console, emit_rows, guarded
from citykpi.cli._years import parse_year
from citykpi.errors import InputError

observations_app = typer.Typer(
    help="Roll sensor and meter observations up into KPI inputs, with their coverage.",
    no_args_is_help=True,
)


@guarded
def rollup_cmd(
    spec: str = typer.Argument(..., help="Roll-up spec: a YAML file or a shipped id."),
    observations: list[Path] = typer.Argument(
        ..., help="Observation files: tidy CSV/Parquet, SensorThings or NGSI-LD JSON."
    ),
    out: Path = typer.Option(..., "-o", "--out", help="Write the KPI inputs (CSV) here."),
    coverage: Path | None = typer.Option(
        None, "--coverage", help="Write the coverage table (per station and step) here."
    ),
    engine: str = typer.Option("duckdb", "--engine", help="Engine: duckdb or spark."),
    year: list[int] = typer.Option(
        [], "--year", help="Only this local year (repeatable).", parser=parse_year
    ),
    city: str = typer.Option("", "--city", help="City of stations whose rows name none."),
    stations: Path | None = typer.Option(
        None, "--stations", help="CSV 'station,weight' (e.g. population) for a weighted mean."
    ),
    spark_master: str = typer.Option(
        "local[2]", "--spark-master", help="Spark master URL (with --engine spark)."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite existing output files."),
) -> None:
    """Roll observations up into one KPI input per city-year, with coverage."""
    import pandas as pd

    from citykpi.io import write_table
    from citykpi.observe.rollup import rollup
    from citykpi.observe.spec import load_spec

    if engine not in ("duckdb", "spark"):
        msg = f"Unknown engine {engine!r}; use duckdb or spark."
        raise InputError(msg)
    for target in (out, coverage):
        if target is not None and target.exists() and not force:
            msg = f"{target} exists; add --force to overwrite it."
            raise InputError(msg)
    the_spec = load_spec(spec)
    weights = None
    if stations is not None:
        try:
            weights = pd.read_csv(stations, dtype=str, keep_default_na=False)
        except (OSError, ValueError, UnicodeDecodeError) as e:
            msg = f"Cannot read the station table {stations} ({e})."
            raise InputError(msg) from e
    with console.status("Starting the roll-up...") as status:
        result = rollup(
            the_spec,
            observations,
            engine=engine,
            years=tuple(year),
            city=city,
            stations=weights,
            spark_master=spark_master,
            on_step=lambda text: status.update(text + "..."),
        )
    write_table(result.inputs_file(), out, force=force)
    if coverage is not None:
        write_table(result.coverage, coverage, force=force)
    for row in result.inputs.to_dict(orient="records"):
        console.print(
            f"{row['city']} {row['year']} {row['code']}: {row['raw_value']} {row['unit']} "
            f"({row['coverage']})",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    console.print(f"Wrote {out}" + (f" and {coverage}" if coverage else "") + ".", markup=False)


@guarded
def specs_cmd(
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="Output format."),
) -> None:
    """List the shipped roll-up specs."""
    from citykpi.observe.spec import shipped_specs

    rows = [
        {
            "id": s.id,
            "input": s.input,
            "unit": s.unit,
            "steps": " -> ".join(f"{st.aggregate} per {st.period}" for st in s.steps),
            "title": s.title,
        }
        for s in shipped_specs().values()
    ]
    emit_rows(rows, columns=["id", "input", "unit", "steps", "title"], fmt=fmt)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    observations_app.command("rollup")(rollup_cmd)
    observations_app.command("specs")(specs_cmd)
    app.add_typer(observations_app, name="observations")
