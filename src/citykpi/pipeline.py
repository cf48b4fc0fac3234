"""The one place that runs the stages in order: read -> validate -> compute (-> later stages).

Each public function is a short, explicit sequence of stage calls; later stages (assessment,
store, index) are added here as further steps, never by one stage calling the next.

* :func:`check` reads files and validates them (``citykpi validate``);
* :func:`compute_files` also computes the KPIs (``citykpi compute``);
* :func:`run` does both and writes ``raw.csv``, ``validation.csv`` and ``kpis.csv``;
* :func:`run_demo` first generates the bundled fictional sample data (``citykpi demo``).

A file that cannot be read at all (unsupported format, empty, unreadable, not a table) is an
:class:`~citykpi.errors.InputError`: nothing useful can be validated from it, and the command
line reports it as a usage/input error (exit code 2). Problems *inside* a readable file are
validation issues (exit code 1).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final

import pandas as pd

from citykpi.catalogue import Catalogue, load_catalogue
from citykpi.compute import compute
from citykpi.errors import InputError
from citykpi.ingest import read_files
from citykpi.model import Issue, KpiStatus, Severity
from citykpi.sample import generate
from citykpi.settings import Settings
from citykpi.validate import ValidationResult, validate

#: File names written by :func:`run`.
RAW_CSV: Final = "raw.csv"
VALIDATION_CSV: Final = "validation.csv"
KPIS_CSV: Final = "kpis.csv"

Step = Callable[[str], None]


def _quiet(step: str) -> None:
    del step


@dataclass(frozen=True, slots=True)
class Summary:
    """Counts that describe one run, for the command line's closing lines."""

    cities: int
    years: tuple[int, ...]
    rows: int
    statuses: dict[str, int]
    issues_by_severity: dict[str, int]
    issues_by_reason: dict[str, int]

    @property
    def year_span(self) -> str:
        """Return ``"2015-2024"``, ``"2024"`` or ``"-"`` when there is no year."""
        if not self.years:
            return "-"
        first, last = min(self.years), max(self.years)
        return str(first) if first == last else f"{first}-{last}"


def summarise(checked: ValidationResult, kpis: pd.DataFrame) -> Summary:
    """Return the counts of a run: cities, years, KPI statuses and issues by reason."""
    statuses = {s.value: 0 for s in KpiStatus}
    statuses.update({str(k): int(v) for k, v in kpis["status"].value_counts().items()})
    severities = {s.value: 0 for s in Severity}
    severities.update(Counter(i.severity.value for i in checked.issues))
    return Summary(
        cities=int(kpis["city"].nunique()),
        years=tuple(sorted(int(y) for y in kpis["year"].unique())),
        rows=len(checked.frame),
        statuses=statuses,
        issues_by_severity=severities,
        issues_by_reason=checked.report.counts_by_reason(),
    )


def _unreadable(issues: Iterable[Issue]) -> list[str]:
    """Return the messages of errors about whole files (no row or cell: nothing was read)."""
    return [
        i.message
        for i in issues
        if i.severity is Severity.ERROR and i.location.row is None and not i.location.cell
    ]


def check(
    paths: Sequence[str | Path],
    *,
    strict: bool = False,
    catalogue: Catalogue | None = None,
    settings: Settings | None = None,
) -> ValidationResult:
    """Read ``paths`` and validate them.

    Parameters
    ----------
    paths
        CSV, XLSX or JSON files of raw inputs (one submission may span several files).
    strict
        Turn validation warnings into errors.
    catalogue, settings
        Overrides of the bundled catalogue and of the environment's settings.

    Returns
    -------
    ValidationResult
        Every row read (converted, flagged) with the report of every issue, the readers'
        structural issues first.

    Raises
    ------
    InputError
        If a file does not exist, cannot be read at all, or holds no value.
    """
    cat = load_catalogue() if catalogue is None else catalogue
    ingested = read_files(paths)
    unreadable = _unreadable(ingested.issues)
    if unreadable:
        msg = " ".join(unreadable)
        raise InputError(msg)
    if ingested.frame.empty and not ingested.issues:
        names = ", ".join(str(p) for p in paths)
        msg = (
            f"No values found in {names}: the file(s) have a header but no value; fill in at "
            "least one value (or the template from 'citykpi template')."
        )
        raise InputError(msg)
    return validate(
        ingested.frame,
        catalogue=cat,
        settings=settings,
        extra_issues=ingested.issues,
        strict=strict,
    )


@dataclass(frozen=True, slots=True)
class ComputeRun:
    """The validated inputs and the KPI table computed from them."""

    checked: ValidationResult
    kpis: pd.DataFrame
    summary: Summary


def compute_files(
    paths: Sequence[str | Path],
    *,
    strict: bool = False,
    catalogue: Catalogue | None = None,
    settings: Settings | None = None,
) -> ComputeRun:
    """Read, validate and compute the KPIs of ``paths`` (see :func:`check`)."""
    cat = load_catalogue() if catalogue is None else catalogue
    checked = check(paths, strict=strict, catalogue=cat, settings=settings)
    kpis = compute(checked, catalogue=cat)
    return ComputeRun(checked=checked, kpis=kpis, summary=summarise(checked, kpis))


@dataclass(frozen=True, slots=True)
class PipelineResult:
    """Everything one pipeline run produced: the frames and where they were written."""

    out_dir: Path
    raw_path: Path
    validation_path: Path
    kpis_path: Path
    checked: ValidationResult
    kpis: pd.DataFrame
    summary: Summary
    input_paths: tuple[Path, ...] = ()
    sample_dir: Path | None = None
    extra: dict[str, Path] = field(default_factory=dict)


def write_outputs(
    checked: ValidationResult, kpis: pd.DataFrame, out_dir: Path
) -> tuple[Path, Path, Path]:
    """Write ``raw.csv`` (the checked raw table), ``validation.csv`` and ``kpis.csv``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    raw_path, validation_path, kpis_path = (
        out_dir / RAW_CSV,
        out_dir / VALIDATION_CSV,
        out_dir / KPIS_CSV,
    )
    checked.frame.to_csv(raw_path, index=False)
    checked.report.to_frame().to_csv(validation_path, index=False)
    kpis.to_csv(kpis_path, index=False)
    return raw_path, validation_path, kpis_path


def run(
    paths: Sequence[str | Path],
    *,
    out_dir: str | Path,
    strict: bool = False,
    on_step: Step = _quiet,
) -> PipelineResult:
    """Read, validate and compute ``paths``, then write the three tables to ``out_dir``.

    Parameters
    ----------
    paths
        Raw-input files (CSV, XLSX, JSON).
    out_dir
        Folder for ``raw.csv``, ``validation.csv`` and ``kpis.csv`` (created if needed;
        existing files of those names are replaced).
    strict
        Turn validation warnings into errors.
    on_step
        Called with a short description before each step (for progress display).

    Returns
    -------
    PipelineResult
        The frames, the summary and the paths written.
    """
    out = Path(out_dir)
    cat = load_catalogue()
    on_step("Reading and validating the raw inputs")
    checked = check(paths, strict=strict, catalogue=cat)
    on_step("Computing the KPIs")
    kpis = compute(checked, catalogue=cat)
    on_step("Writing the outputs")
    raw_path, validation_path, kpis_path = write_outputs(checked, kpis, out)
    return PipelineResult(
        out_dir=out,
        raw_path=raw_path,
        validation_path=validation_path,
        kpis_path=kpis_path,
        checked=checked,
        kpis=kpis,
        summary=summarise(checked, kpis),
        input_paths=tuple(Path(p) for p in paths),
    )


def run_demo(
    out_dir: str | Path, *, seed: int | None = None, on_step: Step = _quiet
) -> PipelineResult:
    """Generate the fictional sample cities, then :func:`run` the pipeline on them.

    Steps: generate the sample data (:func:`citykpi.sample.generate`) into ``out_dir/sample``;
    read and validate ``raw_inputs.csv``; compute the KPIs; write ``raw.csv``,
    ``validation.csv`` and ``kpis.csv`` to ``out_dir``.

    Parameters
    ----------
    out_dir
        Folder for the outputs; the sample data go to its ``sample/`` subfolder.
    seed
        Seed of the sample generator; None for the generator's documented default.
    on_step
        Called with a short description before each step (for progress display).

    Returns
    -------
    PipelineResult
        As :func:`run`, with ``sample_dir`` set.
    """
    out = Path(out_dir)
    sample_dir = out / "sample"
    on_step("Generating the sample cities")
    sample = generate(sample_dir) if seed is None else generate(sample_dir, seed=seed)
    result = run([sample.raw_inputs], out_dir=out, on_step=on_step)
    return replace(result, sample_dir=sample_dir, extra={"known_errors": sample.known_errors})


__all__ = [
    "KPIS_CSV",
    "RAW_CSV",
    "VALIDATION_CSV",
    "ComputeRun",
    "PipelineResult",
    "Summary",
    "check",
    "compute_files",
    "run",
    "run_demo",
    "summarise",
    "write_outputs",
]
