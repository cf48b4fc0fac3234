"""``citykpi index audit``, ``citykpi index uncertainty`` and ``citykpi index sensitivity``.

Each command reads COINr-style iData/iMeta CSV files and an index spec (as ``index build``),
builds the index with the plain engine, runs one analysis and writes its tables as CSV files
(numbers with 17 significant digits, ``NA`` for missing) into ``-o DIR`` with a ``README.md``
saying what each file is (:class:`citykpi.io.OutputFolder`). Files of those names already in the
folder are refused, all named at once and before the analysis runs, unless ``--force``. Exit
codes: 0 success, 2 bad input (the message names the file and the fix).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from citykpi.cli._common import Cell, OutputFormat, emit_rows, err_console, guarded
from citykpi.errors import SpecError
from citykpi.settings import load_settings

if TYPE_CHECKING:
    import pandas as pd

    from citykpi.index.audit_report import AuditReport
    from citykpi.index.hierarchy import Hierarchy
    from citykpi.index.sampling import DesignMethod
    from citykpi.index.spec import IndexSpec
    from citykpi.index.uncertainty import UncertaintyAnalysis, UncertaintyResult
    from citykpi.index.uncertainty_spec import UncertaintySpec
    from citykpi.io import OutputFolder

#: Replications from which a progress bar is shown.
PROGRESS_FROM = 200

# Options shared with ``index build`` (and ``score``, ``u4ssc`` for the output folder).
DATA = typer.Option(..., "--data", help="COINr-style iData CSV (uCode, ... indicators).")
META = typer.Option(..., "--meta", help="COINr-style iMeta CSV (Level, iCode, ...).")
SPEC = typer.Option(..., "--spec", help="Index spec (YAML); see docs/index-spec.md.")
OUT = typer.Option(..., "-o", "--out", help="Output folder for the CSV files.")
FORCE = typer.Option(False, "--force", help="Replace files of the same names in the folder.")
FORMAT = typer.Option(OutputFormat.table, "--format", help="Screen output format.")

# Options shared by ``uncertainty`` and ``sensitivity``.
UA_DATA = typer.Option(..., "--data", help="COINr-style iData CSV.")
UA_META = typer.Option(..., "--meta", help="COINr-style iMeta CSV.")
UA_SPEC = typer.Option(..., "--spec", help="Nominal index spec (YAML).")
UA_FILE = typer.Option(
    None,
    "--ua",
    help="Uncertain inputs (YAML; see docs/index-analysis.md). Default: weights +-25 % on "
    "every level below the index.",
)
TARGET = typer.Option(None, "--target", help="Node to analyse (default: index).")
WORKERS = typer.Option(
    0, "--workers", min=0, help="Worker processes (0: CITYKPI_WORKERS, else one per core)."
)


def _inputs(data: Path, meta: Path, spec: Path) -> tuple[pd.DataFrame, Hierarchy, IndexSpec]:
    from citykpi.io.index_files import read_idata, read_imeta, read_spec

    the_spec = read_spec(spec)
    hierarchy = read_imeta(meta, level_names=the_spec.level_names)
    return read_idata(data, hierarchy), hierarchy, the_spec


def _read_ua(path: Path) -> UncertaintySpec:
    from citykpi.io.index_files import read_uncertainty_spec

    return read_uncertainty_spec(path, fix="check the --ua path")


def _out_dir(out: Path, names: list[str], *, force: bool, title: str) -> OutputFolder:
    """Open the output folder, refusing (before any work) files of ``names`` already there."""
    from citykpi.io import OutputFolder

    return OutputFolder(out, force=force, names=names, title=title).open()


@contextmanager
def _progress(total: int, label: str) -> Iterator[Callable[[int, int], None] | None]:
    if total < PROGRESS_FROM:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )
    with bar:
        task = bar.add_task(label, total=total)

        def tick(done: int, _total: int) -> None:
            bar.update(task, completed=done)

        yield tick


def write_audit_tables(
    report: AuditReport, out: Path | OutputFolder, *, prefix: str = "", force: bool = False
) -> list[Path]:
    """Write the six tables of an audit report as ``<prefix><table>.csv``; return them.

    ``out`` is an open :class:`~citykpi.io.OutputFolder` to add them to, or a folder to write
    them (and a README) into.
    """
    from citykpi.io import OutputFolder
    from citykpi.io.index_outputs import add_audit_tables, audit_names

    if isinstance(out, OutputFolder):
        return add_audit_tables(out, report, prefix=prefix)
    names = audit_names(prefix=prefix)
    with OutputFolder(out, force=force, names=names, title="Index audit") as folder:
        add_audit_tables(folder, report, prefix=prefix)
    return folder.written[: len(names)]


def write_uncertainty_tables(
    result: UncertaintyResult, out: Path | OutputFolder, *, force: bool = False
) -> list[Path]:
    """Write the rank and score statistics and the replications of an analysis; return them.

    ``out`` is an open :class:`~citykpi.io.OutputFolder` or a folder, as for
    :func:`write_audit_tables`.
    """
    from citykpi.io import OutputFolder
    from citykpi.io.index_outputs import UNCERTAINTY_FILES, add_uncertainty_tables

    if isinstance(out, OutputFolder):
        return add_uncertainty_tables(out, result)
    names = list(UNCERTAINTY_FILES)
    with OutputFolder(out, force=force, names=names, title="Uncertainty analysis") as folder:
        add_uncertainty_tables(folder, result)
    return folder.written[: len(names)]


@guarded
def audit_cmd(
    data: Path = DATA,
    meta: Path = META,
    spec: Path = SPEC,
    out: Path = OUT,
    dataset: str = typer.Option(
        "raw", "--dataset", help="Data set for the indicator statistics (raw, denominated, ...)."
    ),
    top: int = typer.Option(5, "--top", help="Strengths and weaknesses per unit."),
    force: bool = FORCE,
    fmt: OutputFormat = FORMAT,
) -> None:
    """Audit an index: statistics, correlations, Cronbach, PCA, flags, strengths; write to -o."""
    from citykpi.index.audit_report import audit_result
    from citykpi.index.pipeline import build_index
    from citykpi.io.index_outputs import audit_names

    idata, hierarchy, the_spec = _inputs(data, meta, spec)
    folder = _out_dir(out, audit_names(), force=force, title="Index audit")
    with folder:
        report = audit_result(build_index(idata, hierarchy, the_spec), dataset=dataset, top=top)
        write_audit_tables(report, folder)
    written = folder.written
    rows: list[dict[str, Cell]] = [
        {"kind": str(f.kind), "code": str(f.code), "other": str(f.other), "message": str(f.message)}
        for f in report.flags.itertuples(index=False)
    ]
    emit_rows(rows, columns=("kind", "code", "other", "message"), fmt=fmt, title="Audit flags")
    err_console.print(f"Wrote {len(written)} files to {out}.", highlight=False)


def _analysis(
    data: Path, meta: Path, spec: Path, ua: Path | None, target: str | None, seed: int
) -> UncertaintyAnalysis:
    from citykpi.index.uncertainty import UncertaintyAnalysis
    from citykpi.index.uncertainty_spec import default_uncertainty

    idata, hierarchy, the_spec = _inputs(data, meta, spec)
    inputs = _read_ua(ua) if ua is not None else default_uncertainty(hierarchy.n_levels)
    return UncertaintyAnalysis(idata, hierarchy, the_spec, inputs, target=target, seed=seed)


def _noise_frames(analysis: UncertaintyAnalysis) -> dict[str, pd.DataFrame]:
    """Return the weight noise draws of ``analysis`` by file name (``weights_<input>.csv``)."""
    import numpy as np
    import pandas as pd

    frames: dict[str, pd.DataFrame] = {}
    codes = analysis.hierarchy.codes
    for name, noise in analysis.noise_draws().items():
        frame = pd.DataFrame(noise, columns=list(codes))
        frame.insert(0, "set", np.arange(len(frame)))
        frames[f"weights_{name}.csv"] = frame
    return frames


def _noise_tables(folder: OutputFolder, frames: dict[str, pd.DataFrame]) -> list[Path]:
    from citykpi.io.index_outputs import add_frame

    return [
        add_frame(
            folder,
            name,
            frame,
            "One row per set of noise drawn for the weights of this input (set 0 first).",
            index=False,
        )
        for name, frame in frames.items()
    ]


@guarded
def uncertainty_cmd(
    data: Path = UA_DATA,
    meta: Path = UA_META,
    spec: Path = UA_SPEC,
    ua: Path | None = UA_FILE,
    n: int = typer.Option(1000, "--n", min=1, help="Number of Monte Carlo replications."),
    seed: int = typer.Option(1, "--seed", help="Random seed (same seed, same replications)."),
    target: str | None = TARGET,
    workers: int = WORKERS,
    out: Path = OUT,
    force: bool = FORCE,
    top: int = typer.Option(10, "--top", help="Units shown on screen (0 = all)."),
    fmt: OutputFormat = FORMAT,
) -> None:
    """Run a Monte Carlo uncertainty analysis; write rank and score statistics and replications."""
    from citykpi.index.uncertainty import default_workers
    from citykpi.io.index_outputs import UNCERTAINTY_FILES

    analysis = _analysis(data, meta, spec, ua, target, seed)
    noise = _noise_frames(analysis)
    names = [*UNCERTAINTY_FILES, *noise]
    n_workers = default_workers(workers or load_settings().workers)
    with _out_dir(out, names, force=force, title="Uncertainty analysis") as folder:
        with _progress(n, "Replications") as tick:
            result = analysis.run(n, seed=seed, workers=n_workers, progress=tick)
        write_uncertainty_tables(result, folder)
        _noise_tables(folder, noise)
    written = folder.written
    shown = result.rank_stats().sort_values(["nominal", "unit"])
    rows: list[dict[str, Cell]] = [
        {str(k): (str(v) if k == "unit" else float(v)) for k, v in r.items()}
        for r in shown.to_dict("records")
    ]
    emit_rows(
        rows[:top] if top > 0 else rows,
        columns=("unit", "nominal", "mean", "median", "q5", "q95"),
        fmt=fmt,
        title=f"Rank of {result.target} over {n} replications",
    )
    err_console.print(f"Wrote {len(written)} files to {out}.", highlight=False)


@guarded
def sensitivity_cmd(
    data: Path = UA_DATA,
    meta: Path = UA_META,
    spec: Path = UA_SPEC,
    ua: Path | None = UA_FILE,
    n: int = typer.Option(128, "--n", min=2, help="Base sample size N (N (d + 2) runs)."),
    seed: int = typer.Option(1, "--seed", help="Random seed of the design and bootstrap."),
    design: str = typer.Option("sobol", "--design", help="Design: sobol (SALib) or random."),
    output: str = typer.Option(
        "mean_abs_rank_shift",
        "--output",
        help="Scalar output: mean_abs_rank_shift, rank:<unit> or score:<unit>.",
    ),
    n_boot: int = typer.Option(1000, "--n-boot", min=0, help="Bootstrap resamples."),
    target: str | None = TARGET,
    workers: int = WORKERS,
    out: Path = OUT,
    force: bool = FORCE,
    fmt: OutputFormat = FORMAT,
) -> None:
    """Compute first-order and total Sobol indices of the uncertain inputs; write them to -o."""
    if design not in ("sobol", "random"):
        msg = f"Unknown design {design!r}; use --design sobol or --design random."
        raise SpecError(msg)
    from citykpi.index.sensitivity import sensitivity_analysis
    from citykpi.index.uncertainty import default_workers
    from citykpi.io.index_outputs import add_frame

    method: DesignMethod = "sobol" if design == "sobol" else "random"
    analysis = _analysis(data, meta, spec, ua, target, seed)
    noise = _noise_frames(analysis)
    names = ["sobol.csv", "runs.csv", *noise]
    n_workers = default_workers(workers or load_settings().workers)
    total = n * (len(analysis.uncertainty.inputs) + 2)
    with _out_dir(out, names, force=force, title="Sensitivity analysis") as folder:
        with _progress(total, "Runs") as tick:
            res = sensitivity_analysis(
                analysis,
                n,
                seed=seed,
                design=method,
                output=output,
                n_boot=n_boot,
                workers=n_workers,
                progress=tick,
            )
        table = res.table()
        add_frame(
            folder,
            "sobol.csv",
            table,
            f"First-order and total Sobol indices of {output}, with bootstrap intervals.",
            index=False,
        )
        add_frame(folder, "runs.csv", res.runs(), "The output of every model run.", index=False)
        _noise_tables(folder, noise)
    written = folder.written
    rows: list[dict[str, Cell]] = [
        {str(k): (str(v) if k == "input" else float(v)) for k, v in r.items()}
        for r in table.to_dict("records")
    ]
    emit_rows(rows, columns=list(table.columns), fmt=fmt, title=f"Sobol indices of {output}")
    for warning in res.indices.warnings:
        err_console.print(warning, highlight=False)
    err_console.print(f"Wrote {len(written)} files to {out}.", highlight=False)


def register_index(group: typer.Typer) -> None:
    """Add ``audit``, ``uncertainty`` and ``sensitivity`` to the ``index`` group."""
    group.command("audit")(audit_cmd)
    group.command("uncertainty")(uncertainty_cmd)
    group.command("sensitivity")(sensitivity_cmd)
