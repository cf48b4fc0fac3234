"""The end-to-end commands: ``run`` (every stage on your files), ``sample`` and ``demo``.

``run`` is :func:`citykpi.pipeline.run` on the command line: read, validate, compute, assess
every city and build the U4SSC index, each stage's files in ``-o`` with a README (exit code 1
when validation found errors: the outputs are written, the data points they touch are
``invalid``). ``sample`` writes the sample data (``raw_inputs.csv``, ``cities.csv``,
``known_errors.csv``) for the README's tour; ``demo`` runs every stage on it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Final

import typer

from citykpi.cli._common import EXIT_VALIDATION, console, err_console, guarded
from citykpi.cli.data_cmds import summary_lines

if TYPE_CHECKING:
    from citykpi.pipeline import DemoResult

#: ``citykpi.pipeline.DEMO_REPLICATIONS``, repeated here because ``--help`` shows it as the
#: default and must not import the pipeline (a test keeps the two equal).
DEMO_REPLICATIONS: Final = 500


def _say(text: str) -> None:
    console.print(text, highlight=False, soft_wrap=True, markup=False)


def _index_lines(result: DemoResult, *, top: int = 5) -> list[str]:
    stats = result.rank_stats.sort_values(["nominal", "unit"]).head(top)
    lines = [
        f"U4SSC index {result.index.year}: {len(result.rank_stats)} cities ranked, "
        f"{len(result.index.excluded_cities)} without a score (too many data points missing); "
        "rank and 5-95 % interval over the uncertainty analysis:"
    ]
    lines += [
        f"  {float(r['nominal']):>2.0f}. {r['unit']} "
        f"(rank interval {float(r['q5']):.0f}-{float(r['q95']):.0f})"
        for r in stats.to_dict(orient="records")
    ]
    lines.append(f"  Scores, ranks, audit-ready data sets in {result.index_dir}/.")
    return lines


@guarded
def demo_cmd(
    out: Path = typer.Option(
        Path("demo-output"), "--out", help="Folder for the sample data and the outputs."
    ),
    replications: int = typer.Option(
        DEMO_REPLICATIONS, "--replications", help="Uncertainty replications for rank intervals."
    ),
) -> None:
    """Run every stage on the sample cities: KPIs, assessment, index, verification store."""
    from citykpi.pipeline import run_demo

    with console.status("Starting the demo...") as status:
        result = run_demo(
            out,
            replications=replications,
            on_step=lambda step: status.update(f"{step}..."),
        )
    pipeline = result.pipeline
    _say("citykpi demo: fictional sample cities, raw inputs -> KPIs -> assessment -> index")
    for line in summary_lines(pipeline.summary):
        _say(line)
    _say(
        f"Outputs in {pipeline.out_dir}/: {pipeline.raw_path.name} (raw inputs, checked), "
        f"{pipeline.validation_path.name} (validation report), {pipeline.kpis_path.name} "
        f"(KPIs); sample data in {pipeline.sample_dir}/."
    )
    if pipeline.assessment_dir is not None:
        _say(
            f"Assessment of every city against the default targets in {pipeline.assessment_dir}/: "
            "kpis.csv (scored values), scores.csv (dimension scores), sdg.csv (SDG colours); "
            "README.md says what each file is."
        )
    if result.city is not None:
        _say("")
        for line in result.city.lines():
            _say(line)
    _say("")
    for line in _index_lines(result):
        _say(line)
    _say("")
    for line in result.store.lines():
        _say(line)
    if result.kept_database is not None:
        _say(f"The previous demo database was kept as {result.kept_database}.")
    with console.status("Publishing the open data...") as status:
        lines = _open_data(result, out, on_step=lambda step: status.update(f"{step}..."))
    _say("")
    for line in lines:
        _say(line)


def _open_data(result: DemoResult, out: Path, *, on_step: Callable[[str], None]) -> list[str]:
    """Roll sensor readings up into an input, export the published values, build the site."""
    from citykpi.io import OutputFolder
    from citykpi.observe.synthetic import demo_air_quality
    from citykpi.opendata import build_site, export_open_data, read_open_data
    from citykpi.store import open_store

    on_step("Rolling a year of hourly PM2.5 readings up into a KPI input")
    city, year = _OBSERVED
    obs = demo_air_quality(city, year, seed=15)
    with OutputFolder(out / "observations", names=list(_OBSERVATION_FILES), force=True) as folder:
        folder.table(
            "pm25_inputs.csv",
            obs.inputs_file(),
            "The annual PM2.5 mean of each city-year as a raw input, ready for 'citykpi import'.",
        )
        folder.table(
            "pm25_coverage.csv",
            obs.coverage,
            "Data capture of each station: hours valid, the EU rule applied, kept or excluded.",
        )
    on_step("Exporting the published values as open data")
    store = open_store(result.store.database_url, read_only=True)
    try:
        with store.reading() as session:
            data = read_open_data(session, None, status="published")
    finally:
        store.dispose()
    package = export_open_data(data, "datapackage", out / "opendata", force=True)
    on_step("Building the static open-data site")
    site = build_site(data, out / "site")
    return [
        f"Observations: a year of hourly PM2.5 readings of {city} rolled up under the EU "
        f"data-capture rules into {out / 'observations'}/ (inputs and station coverage).",
        f"Open data: {len(data.values)} published values as a Frictionless data package in "
        f"{package[0].parent}/ ('citykpi export --format sdmx-csv|sdmx-ml|ngsi-ld|parquet' "
        "writes the other formats).",
        f"Open-data site: {site.written + site.unchanged} files in {out / 'site'}/; "
        f"open {out / 'site' / 'index.html'}.",
    ]


#: The city-year of the demo's sensor roll-up, and the files it writes.
_OBSERVED: Final = ("Aldmoorvale", 2024)
_OBSERVATION_FILES: Final = ("pm25_inputs.csv", "pm25_coverage.csv")


@guarded
def run_cmd(
    files: list[Path] = typer.Argument(..., help="Raw-input files: .csv, .xlsx or .json."),
    out: Path = typer.Option(..., "-o", "--out", help="Folder for every stage's outputs."),
    cities: Path | None = typer.Option(
        None, "--cities", help="City profiles (cities.csv): peer groups for the index."
    ),
    replications: int = typer.Option(
        0, "--replications", help="Uncertainty replications for rank intervals (0 = none)."
    ),
    force: bool = typer.Option(False, "--force", help="Replace the files of an earlier run."),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
) -> None:
    """Run every stage: validate, compute, assess every city, build the U4SSC index; write all."""
    from citykpi.pipeline import run

    with console.status("Starting...") as status:
        result = run(
            files,
            out_dir=out,
            strict=strict,
            cities=cities,
            replications=replications,
            force=force,
            on_step=lambda step: status.update(f"{step}..."),
        )
    for line in summary_lines(result.summary):
        _say(line)
    _say(
        f"Outputs in {result.out_dir}/: {result.raw_path.name}, {result.validation_path.name}, "
        f"{result.kpis_path.name}; the assessment in {result.assessment_dir}/"
        + (f", the U4SSC index {result.index.year} in {result.index_dir}/" if result.index else "")
        + " (each folder's README.md says what each file is)."
    )
    if result.index_skipped:
        _say(result.index_skipped)
    if result.checked.errors:
        err_console.print(
            f"Validation found {len(result.checked.errors)} error(s); the data points they touch "
            f"are 'invalid'. See {result.validation_path}.",
            highlight=False,
        )
        raise typer.Exit(EXIT_VALIDATION)


@guarded
def sample_cmd(
    out: Path = typer.Option(Path("sample"), "-o", "--out", help="Folder for the sample files."),
    seed: int | None = typer.Option(None, "--seed", help="Seed (default: the documented one)."),
    n_cities: int = typer.Option(40, "--cities", help="Number of fictional cities (8 or more)."),
    force: bool = typer.Option(False, "--force", help="Replace sample files that exist in OUT."),
) -> None:
    """Write the fictional sample cities: raw inputs 2015-2024, profiles and deliberate errors."""
    from citykpi.io import write_sample

    with console.status("Generating the sample cities..."):
        data = write_sample(out, seed=seed, n_cities=n_cities, force=force)
    _say(
        f"Wrote {data.raw_inputs} ({data.rows} raw values), {data.cities} (city profiles: "
        f"--cities for peers and the index) and {data.known_errors} ({len(data.errors)} "
        "deliberate errors that 'citykpi validate' reports)."
    )


def register(app: typer.Typer) -> None:
    """Add ``run``, ``sample`` and ``demo`` to ``app``."""
    app.command("run")(run_cmd)
    app.command("sample")(sample_cmd)
    app.command("demo")(demo_cmd)


__all__ = ["demo_cmd", "register", "run_cmd", "sample_cmd"]
