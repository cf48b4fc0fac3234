"""The ``citykpi index`` command group: build, audit, uncertainty and the U4SSC city index.

``index build`` reads COINr-style iData/iMeta CSV files and a YAML spec, and writes every data
set (``--save-edition`` also freezes the build); ``index score`` scores another year's iData on
a saved edition; ``index u4ssc`` builds the Global Smart Sustainable City Index from the KPI
table of ``citykpi compute`` or from the store's values (``--from-store``). ``audit`` and
``uncertainty`` are registered by :mod:`citykpi.cli.index_analysis_cmds`. Exit codes: 0 success,
2 bad input (the message names the file, row, column and fix) or an output folder that is not
empty without ``--force``. The index engine (numpy, pandas, SciPy) is imported when a command
runs, not when the group is listed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from citykpi.cli import index_analysis_cmds
from citykpi.cli._common import Cell, OutputFormat, emit_rows, err_console, guarded
from citykpi.cli._store_session import AS_USER, TOKEN
from citykpi.cli._years import parse_year
from citykpi.cli.assess_cmds import FROM_STORE, KPIS, STATUS, read_kpis
from citykpi.cli.index_analysis_cmds import (
    DATA,
    FORCE,
    FORMAT,
    META,
    OUT,
    SPEC,
    write_audit_tables,
    write_uncertainty_tables,
)

if TYPE_CHECKING:
    from citykpi.frameworks.u4ssc import U4sscIndex
    from citykpi.index.pipeline import IndexResult
    from citykpi.io import OutputFolder

TOP = typer.Option(10, "--top", help="Units shown on screen (0 = all).")


def _summary_rows(result: IndexResult, limit: int) -> list[dict[str, Cell]]:
    root = result.hierarchy.root
    scores = result.scores[root] if "aggregated" in result.datasets else None
    rows: list[dict[str, Cell]] = []
    for unit in result.units:
        rows.append(
            {
                "uCode": unit,
                "score": None if scores is None else float(scores[unit]),
                "rank": None if scores is None else _int(result.ranks.loc[unit, root]),
            }
        )
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] if r["rank"] is not None else 0))
    return rows[:limit] if limit > 0 else rows


def _show(
    result: IndexResult, *, top: int, fmt: OutputFormat, name: str, written: list[Path], out: Path
) -> None:
    """Print the top units of a built or scored index, then where its files went."""
    emit_rows(
        _summary_rows(result, top),
        columns=("uCode", "score", "rank"),
        fmt=fmt,
        title=f"{name}: {result.hierarchy.root}",
    )
    err_console.print(f"Wrote {len(written)} files to {out}.", highlight=False)


def _int(value: object) -> int | None:
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if f != f else int(f)


@guarded
def build_cmd(
    data: Path = DATA,
    meta: Path = META,
    spec: Path = SPEC,
    out: Path = OUT,
    force: bool = FORCE,
    top: int = TOP,
    fmt: OutputFormat = FORMAT,
    edition: Path | None = typer.Option(
        None, "--save-edition", help="Also freeze this build as an edition (.json or .yaml)."
    ),
) -> None:
    """Build a composite index from iData/iMeta and a spec; write every data set to -o."""
    from citykpi.index.edition import Edition
    from citykpi.index.pipeline import build_index
    from citykpi.io import check_writable
    from citykpi.io.index_files import read_idata, read_imeta, read_spec, save_edition
    from citykpi.io.index_outputs import write_result

    if edition is not None:
        check_writable(edition, force=force)  # refuse an existing edition before building
    the_spec = read_spec(spec)
    hierarchy = read_imeta(meta, level_names=the_spec.level_names)
    idata = read_idata(data, hierarchy)
    with err_console.status("Building the index..."):
        result = build_index(idata, hierarchy, the_spec)
        frozen = Edition.from_result(result) if edition is not None else None  # fail before writing
        written = write_result(result, out, force=force)
        if edition is not None and frozen is not None:
            save_edition(frozen, edition, force=force)
    _show(result, top=top, fmt=fmt, name=the_spec.name, written=written, out=out)


@guarded
def score_cmd(
    edition: Path = typer.Option(..., "--edition", help="Edition saved by --save-edition."),
    data: Path = typer.Option(..., "--data", help="iData CSV of the year to score."),
    out: Path = OUT,
    force: bool = FORCE,
    top: int = TOP,
    fmt: OutputFormat = FORMAT,
) -> None:
    """Score new data on a frozen edition's bounds, weights and method; write it to -o."""
    from citykpi.io.index_files import load_edition, read_idata
    from citykpi.io.index_outputs import write_result

    frozen = load_edition(edition)
    idata = read_idata(data, frozen.hierarchy)
    with err_console.status("Scoring on the edition's scale..."):
        result = frozen.score(idata)
        written = write_result(result, out, force=force)
    _show(result, top=top, fmt=fmt, name=frozen.name, written=written, out=out)


@guarded
def u4ssc_cmd(
    kpis: Path | None = KPIS,
    cities: Path | None = typer.Option(
        None, "--cities", help="City profiles (city/name, population, ...): peer groups."
    ),
    spec: Path | None = typer.Option(
        None, "--spec", help="Spec replacing the default method (see docs/index-spec.md)."
    ),
    year: int | None = typer.Option(
        None, "--year", help="Year to score (default: latest).", parser=parse_year
    ),
    out: Path = OUT,
    force: bool = FORCE,
    top: int = typer.Option(10, "--top", help="Cities shown on screen (0 = all)."),
    fmt: OutputFormat = FORMAT,
    uncertainty: int = typer.Option(
        0, "--uncertainty", help="Monte Carlo replications for rank intervals (0 = none)."
    ),
    seed: int = typer.Option(1, "--seed", help="Seed of the uncertainty analysis."),
    audit: bool = typer.Option(False, "--audit", help="Also write the statistical audit."),
    from_store: bool = FROM_STORE,
    status: str = STATUS,
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Build the U4SSC Global Smart Sustainable City Index from KPI values; write it to -o."""
    from citykpi.frameworks.u4ssc import build_u4ssc_index
    from citykpi.io import OutputFolder, read_profiles
    from citykpi.io.index_files import read_spec
    from citykpi.io.index_outputs import UNCERTAINTY_FILES, add_u4ssc, audit_names, u4ssc_names

    the_spec = read_spec(spec) if spec is not None else None
    with err_console.status("Reading the KPI table and building the index..."):
        table = read_kpis(kpis, from_store=from_store, status=status, as_user=as_user, token=token)
        profiles = read_profiles(cities) if cities is not None else None
        index = build_u4ssc_index(table, cities=profiles, spec=the_spec, year=year)
    names = [
        *u4ssc_names(index),
        *(audit_names(prefix="audit_") if audit else []),
        *(UNCERTAINTY_FILES if uncertainty > 0 else []),
    ]
    # One folder, one README: the index, and the audit and uncertainty tables when asked for.
    with OutputFolder(out, force=force, names=names, title="U4SSC city index") as folder:
        add_u4ssc(folder, index)
        if audit:
            with err_console.status("Auditing..."):
                _write_audit(index, folder)
        if uncertainty > 0:
            _write_uncertainty(index, folder, n=uncertainty, seed=seed)
    written = folder.written
    rows = [{**r, "city": r.pop("uCode")} for r in _summary_rows(index.result, top)]
    emit_rows(rows, columns=("city", "score", "rank"), fmt=fmt, title=f"GSSCI {index.year}")
    for city, share in index.excluded_cities.items():
        err_console.print(
            f"No score for {city!r}: {share:.0%} of the scored data points are missing.",
            highlight=False,
        )
    err_console.print(
        f"Wrote {len(written)} files to {out}; {len(index.dropped_data_points)} data point(s) "
        "left out (see dropped_data_points.csv).",
        highlight=False,
    )


def _write_audit(index: U4sscIndex, out: OutputFolder) -> list[Path]:
    from citykpi.index.audit_report import audit_result

    return write_audit_tables(audit_result(index.result), out, prefix="audit_")


def _write_uncertainty(index: U4sscIndex, out: OutputFolder, *, n: int, seed: int) -> list[Path]:
    from rich.progress import Progress

    analysis = index.uncertainty(seed=seed)
    with Progress(console=err_console, transient=True) as bar:
        task = bar.add_task("Uncertainty analysis", total=n)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = analysis.run(n, seed=seed, progress=advance)
    return write_uncertainty_tables(result, out)


def register(app: typer.Typer) -> None:
    """Add the ``index`` group to ``app``."""
    group = typer.Typer(help="Build and analyse composite indices (COINr-compatible).")
    group.command("build")(build_cmd)
    group.command("score")(score_cmd)
    group.command("u4ssc")(u4ssc_cmd)
    index_analysis_cmds.register_index(group)
    app.add_typer(group, name="index")
