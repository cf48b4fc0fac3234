"""``citykpi index audit``, ``citykpi index uncertainty`` and ``citykpi index sensitivity``.

Each command reads COINr-style iData/iMeta CSV files and an index spec (as ``index build``),
builds the index with the plain engine, runs one analysis and writes its tables as CSV files
(numbers with 17 significant digits, ``NA`` for missing) into ``-o DIR``. A non-empty output
folder is refused unless ``--force``. Exit codes: 0 success, 2 bad input (the message names the
file and the fix).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import typer
import yaml
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from citykpi.cli._common import Cell, OutputFormat, emit_rows, err_console, guarded
from citykpi.errors import InputError, SpecError
from citykpi.index.audit_report import audit_result
from citykpi.index.hierarchy import Hierarchy
from citykpi.index.io import read_idata, read_imeta, read_spec
from citykpi.index.pipeline import build_index
from citykpi.index.sampling import DesignMethod
from citykpi.index.sensitivity import sensitivity_analysis
from citykpi.index.spec import IndexSpec
from citykpi.index.uncertainty import UncertaintyAnalysis, default_workers
from citykpi.index.uncertainty_spec import (
    UncertaintySpec,
    default_uncertainty,
    parse_uncertainty_spec,
)
from citykpi.settings import load_settings

#: Replications from which a progress bar is shown.
PROGRESS_FROM = 200


def _inputs(data: Path, meta: Path, spec: Path) -> tuple[pd.DataFrame, Hierarchy, IndexSpec]:
    the_spec = read_spec(spec)
    hierarchy = read_imeta(meta, level_names=the_spec.level_names)
    return read_idata(data, hierarchy), hierarchy, the_spec


def _read_ua(path: Path) -> UncertaintySpec:
    if not path.is_file():
        msg = f"Uncertainty spec file {str(path)!r} does not exist; check the --ua path."
        raise InputError(msg)
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        msg = f"{path}: not valid YAML ({e}); fix the syntax."
        raise SpecError(msg) from e
    try:
        return parse_uncertainty_spec(raw)
    except SpecError as e:
        msg = f"{path}: {e}"
        raise SpecError(msg) from e


def _out_dir(out: Path, *, force: bool) -> None:
    if out.exists() and not out.is_dir():
        msg = f"Output {str(out)!r} exists and is not a folder; choose another -o."
        raise InputError(msg)
    if out.is_dir() and any(out.iterdir()) and not force:
        msg = (
            f"Output folder {str(out)!r} is not empty; choose an empty folder or pass --force "
            "to overwrite its files."
        )
        raise InputError(msg)
    out.mkdir(parents=True, exist_ok=True)


def _write(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False, float_format="%.17g", na_rep="NA")
    return path


@contextmanager
def _progress(total: int, label: str) -> Iterator[Any]:
    if total < PROGRESS_FROM:
        yield None
        return
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
        yield lambda done, _total: bar.update(task, completed=done)


@guarded
def audit_cmd(
    data: Path = typer.Option(..., "--data", help="COINr-style iData CSV (uCode, ... indicators)."),
    meta: Path = typer.Option(..., "--meta", help="COINr-style iMeta CSV (Level, iCode, ...)."),
    spec: Path = typer.Option(..., "--spec", help="Index spec (YAML); see docs/index-spec.md."),
    out: Path = typer.Option(..., "-o", "--out", help="Output folder for the CSV files."),
    dataset: str = typer.Option(
        "raw", "--dataset", help="Data set for the indicator statistics (raw, denominated, ...)."
    ),
    top: int = typer.Option(5, "--top", help="Strengths and weaknesses per unit."),
    force: bool = typer.Option(False, "--force", help="Overwrite files in a non-empty folder."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="Screen output format."),
) -> None:
    """Audit an index: statistics, correlations, Cronbach, PCA, flags, strengths; write to -o."""
    idata, hierarchy, the_spec = _inputs(data, meta, spec)
    report = audit_result(build_index(idata, hierarchy, the_spec), dataset=dataset, top=top)
    _out_dir(out, force=force)
    written = [
        _write(report.stats, out / "stats.csv"),
        _write(report.correlations, out / "correlations.csv"),
        _write(report.cronbach, out / "cronbach.csv"),
        _write(report.pca, out / "pca.csv"),
        _write(report.flags, out / "flags.csv"),
        _write(report.strengths, out / "strengths.csv"),
    ]
    rows: list[dict[str, Cell]] = [
        {"kind": str(f.kind), "code": str(f.code), "other": str(f.other), "message": str(f.message)}
        for f in report.flags.itertuples(index=False)
    ]
    emit_rows(rows, columns=("kind", "code", "other", "message"), fmt=fmt, title="Audit flags")
    err_console.print(f"Wrote {len(written)} files to {out}.", highlight=False)


def _analysis(
    data: Path, meta: Path, spec: Path, ua: Path | None, target: str | None, seed: int
) -> UncertaintyAnalysis:
    idata, hierarchy, the_spec = _inputs(data, meta, spec)
    inputs = _read_ua(ua) if ua is not None else default_uncertainty(hierarchy.n_levels)
    return UncertaintyAnalysis(idata, hierarchy, the_spec, inputs, target=target, seed=seed)


def _noise_tables(analysis: UncertaintyAnalysis, out: Path) -> list[Path]:
    written: list[Path] = []
    codes = analysis.hierarchy.codes
    for name, noise in analysis.noise_draws().items():
        frame = pd.DataFrame(noise, columns=list(codes))
        frame.insert(0, "set", np.arange(len(frame)))
        written.append(_write(frame, out / f"weights_{name}.csv"))
    return written


@guarded
def uncertainty_cmd(
    data: Path = typer.Option(..., "--data", help="COINr-style iData CSV."),
    meta: Path = typer.Option(..., "--meta", help="COINr-style iMeta CSV."),
    spec: Path = typer.Option(..., "--spec", help="Nominal index spec (YAML)."),
    ua: Path | None = typer.Option(
        None,
        "--ua",
        help="Uncertain inputs (YAML; see docs/index-analysis.md). Default: weights +-25 % on "
        "every level below the index.",
    ),
    n: int = typer.Option(1000, "--n", min=1, help="Number of Monte Carlo replications."),
    seed: int = typer.Option(1, "--seed", help="Random seed (same seed, same replications)."),
    target: str | None = typer.Option(None, "--target", help="Node to analyse (default: index)."),
    workers: int = typer.Option(
        0, "--workers", min=0, help="Worker processes (0: CITYKPI_WORKERS, else one per core)."
    ),
    out: Path = typer.Option(..., "-o", "--out", help="Output folder for the CSV files."),
    force: bool = typer.Option(False, "--force", help="Overwrite files in a non-empty folder."),
    top: int = typer.Option(10, "--top", help="Units shown on screen (0 = all)."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="Screen output format."),
) -> None:
    """Run a Monte Carlo uncertainty analysis; write rank and score statistics and replications."""
    analysis = _analysis(data, meta, spec, ua, target, seed)
    _out_dir(out, force=force)
    n_workers = default_workers(workers or load_settings().workers)
    with _progress(n, "Replications") as tick:
        result = analysis.run(n, seed=seed, workers=n_workers, progress=tick)
    ranks = result.rank_stats()
    written = [
        _write(ranks, out / "rank_stats.csv"),
        _write(result.score_stats(), out / "score_stats.csv"),
        _write(result.replications(), out / "replications.csv"),
        *_noise_tables(analysis, out),
    ]
    shown = ranks.sort_values(["nominal", "unit"])
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
    data: Path = typer.Option(..., "--data", help="COINr-style iData CSV."),
    meta: Path = typer.Option(..., "--meta", help="COINr-style iMeta CSV."),
    spec: Path = typer.Option(..., "--spec", help="Nominal index spec (YAML)."),
    ua: Path | None = typer.Option(
        None,
        "--ua",
        help="Uncertain inputs (YAML; see docs/index-analysis.md). Default: weights +-25 % on "
        "every level below the index.",
    ),
    n: int = typer.Option(128, "--n", min=2, help="Base sample size N (N (d + 2) runs)."),
    seed: int = typer.Option(1, "--seed", help="Random seed of the design and bootstrap."),
    design: str = typer.Option("sobol", "--design", help="Design: sobol (SALib) or random."),
    output: str = typer.Option(
        "mean_abs_rank_shift",
        "--output",
        help="Scalar output: mean_abs_rank_shift, rank:<unit> or score:<unit>.",
    ),
    n_boot: int = typer.Option(1000, "--n-boot", min=0, help="Bootstrap resamples."),
    target: str | None = typer.Option(None, "--target", help="Node to analyse (default: index)."),
    workers: int = typer.Option(
        0, "--workers", min=0, help="Worker processes (0: CITYKPI_WORKERS, else one per core)."
    ),
    out: Path = typer.Option(..., "-o", "--out", help="Output folder for the CSV files."),
    force: bool = typer.Option(False, "--force", help="Overwrite files in a non-empty folder."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="Screen output format."),
) -> None:
    """Compute first-order and total Sobol indices of the uncertain inputs; write them to -o."""
    if design not in ("sobol", "random"):
        msg = f"Unknown design {design!r}; use --design sobol or --design random."
        raise SpecError(msg)
    method: DesignMethod = "sobol" if design == "sobol" else "random"
    analysis = _analysis(data, meta, spec, ua, target, seed)
    _out_dir(out, force=force)
    n_workers = default_workers(workers or load_settings().workers)
    total = n * (len(analysis.uncertainty.inputs) + 2)
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
    written = [
        _write(table, out / "sobol.csv"),
        _write(res.runs(), out / "runs.csv"),
        *_noise_tables(analysis, out),
    ]
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
