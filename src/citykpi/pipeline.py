"""The one place that runs the stages in order: read -> validate -> compute -> assess -> index
-> store.

Each public function is a short, explicit sequence of stage calls; a stage never calls the next.

* :func:`check` reads files and validates them (``citykpi validate``);
* :func:`compute_files` also computes the KPIs (``citykpi compute``);
* :func:`run` runs every stage: read, validate and compute (writing ``raw.csv``,
  ``validation.csv`` and ``kpis.csv``), assess every city against the default targets (the
  ``assessment/`` folder) and build the U4SSC index of the latest year (the ``index/`` folder;
  skipped, with the reason, when fewer than 2 cities have enough data);
* :func:`run_demo` generates the bundled fictional sample data, runs :func:`run` on it (with
  rank intervals for the index), summarises one city and loads a fresh demo store with one
  submit/verify/publish cycle (``citykpi demo``, ``make demo``).

A file that cannot be read at all (unsupported format, empty, unreadable, not a table) is an
:class:`~citykpi.errors.InputError`: nothing useful can be validated from it, and the command
line reports it as a usage/input error (exit code 2). Problems *inside* a readable file are
validation issues (exit code 1).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Final

import pandas as pd

from citykpi.catalogue import Catalogue, load_catalogue
from citykpi.compute import compute
from citykpi.errors import InputError
from citykpi.ingest import read_files
from citykpi.model import Issue, KpiStatus, Severity
from citykpi.settings import Settings
from citykpi.validate import ValidationResult, validate

if TYPE_CHECKING:  # the later stages load only when they run: 'validate' starts faster
    from citykpi.assess import Assessment, CitySummary, TargetSet
    from citykpi.frameworks.u4ssc import U4sscIndex
    from citykpi.index.uncertainty_result import UncertaintyResult
    from citykpi.io import OutputFolder
    from citykpi.store.demo import DemoSummary

#: File names written by :func:`run`.
RAW_CSV: Final = "raw.csv"
VALIDATION_CSV: Final = "validation.csv"
KPIS_CSV: Final = "kpis.csv"
#: Subfolders written by :func:`run`'s later stages.
ASSESSMENT_DIR: Final = "assessment"
INDEX_DIR: Final = "index"
#: The stages :func:`run` may run after read -> validate -> compute, in order.
LATER_STAGES: Final[tuple[str, ...]] = ("assess", "index")

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
    assessment: Assessment | None = None  # None when the assess stage did not run
    assessment_dir: Path | None = None
    index: U4sscIndex | None = None  # None when the index stage did not run or was skipped
    index_dir: Path | None = None
    uncertainty: UncertaintyResult | None = None  # rank intervals, with ``replications``
    index_skipped: str = ""  # why the index was not built, "" when it was (or not asked for)


def write_outputs(
    checked: ValidationResult,
    kpis: pd.DataFrame,
    out_dir: Path,
    *,
    force: bool = False,
    notes: Sequence[str] = (),
) -> tuple[Path, Path, Path]:
    """Write ``raw.csv``, ``validation.csv``, ``kpis.csv`` and a README into ``out_dir``.

    The KPI table's provenance goes to ``kpis.provenance.jsonl`` beside it
    (:func:`citykpi.io.add_kpi_table`). Every file is written atomically.

    Parameters
    ----------
    checked, kpis
        The validated raw table with its report, and the KPI table.
    out_dir
        The folder (created if needed); other files in it are left alone.
    force
        Replace files of the same names; without it they are refused.
    notes
        Paragraphs added to the folder's README.

    Returns
    -------
    tuple of Path
        ``raw.csv``, ``validation.csv`` and ``kpis.csv``.

    Raises
    ------
    OutputExistsError
        If one of the files exists and ``force`` is false; every such file is named and
        nothing is written.
    """
    from citykpi.io import OutputFolder
    from citykpi.io.kpi_tables import add_kpi_table, kpi_table_names

    names = [RAW_CSV, VALIDATION_CSV, *kpi_table_names(KPIS_CSV)]
    folder = OutputFolder(out_dir, force=force, names=names, title="citykpi run", notes=notes)
    with folder:
        raw_path = folder.table(
            RAW_CSV,
            checked.frame,
            "The raw inputs as read and checked: one row per value, converted to catalogue "
            "units, with the file and row each came from.",
        )
        validation_path = folder.table(
            VALIDATION_CSV,
            checked.report.to_frame(),
            "Every validation issue: severity, reason code, location (file, row, city, year, "
            "code), the offending value and the message.",
        )
        kpis_path = add_kpi_table(folder, kpis, name=KPIS_CSV)[0]
    return raw_path, validation_path, kpis_path


def run(
    paths: Sequence[str | Path],
    *,
    out_dir: str | Path,
    strict: bool = False,
    on_step: Step = _quiet,
    stages: Collection[str] = LATER_STAGES,
    cities: str | Path | pd.DataFrame | None = None,
    targets: TargetSet | None = None,
    replications: int = 0,
    force: bool = False,
) -> PipelineResult:
    """Run every stage on ``paths`` and write each stage's outputs to ``out_dir``.

    Steps, in order: read and validate; compute the KPIs; write ``raw.csv``,
    ``validation.csv`` and ``kpis.csv``; assess every city against the targets (``assessment/``:
    ``kpis.csv``, ``scores.csv``, ``sdg.csv`` and a README); build the U4SSC index of the
    latest year (``index/``, with a README), unless fewer than 2 cities have enough data, in
    which case :attr:`PipelineResult.index_skipped` says why.

    Parameters
    ----------
    paths
        Raw-input files (CSV, XLSX, JSON).
    out_dir
        Folder for the outputs (created if needed).
    strict
        Turn validation warnings into errors.
    on_step
        Called with a short description before each step (for progress display).
    stages : collection of {"assess", "index"}
        The stages to run after compute; ``()`` stops at the KPI table.
    cities
        City profile table (``cities.csv`` path or frame): peer groups for the index's
        imputation.
    targets
        Target set of the assessment and the index bounds; default the bundled set.
    replications
        Monte Carlo replications of the index's uncertainty analysis (rank intervals, written
        to ``index/``); 0 for none.
    force
        Replace the assessment and index files of an earlier run instead of refusing them.

    Returns
    -------
    PipelineResult
        The frames, the summary, each stage's result and the paths written.

    Raises
    ------
    InputError
        If a file cannot be read, ``stages`` names an unknown stage, or an output file exists
        and ``force`` is false.
    """
    unknown = sorted(set(stages) - set(LATER_STAGES))
    if unknown:
        msg = f"Unknown stage(s) {', '.join(map(repr, unknown))}; choose from assess, index."
        raise InputError(msg)
    out = Path(out_dir)
    cat = load_catalogue()
    on_step("Reading and validating the raw inputs")
    checked = check(paths, strict=strict, catalogue=cat)
    on_step("Computing the KPIs")
    kpis = compute(checked, catalogue=cat)
    assessment = None
    if "assess" in stages:
        from citykpi.assess import assess_table

        on_step("Assessing every city against the targets")
        assessment = assess_table(kpis, targets=targets)
    index, ua, skipped = None, None, ""
    if "index" in stages:
        on_step("Building the U4SSC index")
        index, skipped = _build_index(kpis, cities=cities, targets=targets)
        if index is not None and replications > 0:
            on_step(f"Running {replications} uncertainty replications")
            ua = index.uncertainty(seed=1).run(replications, seed=1)
    on_step("Writing the outputs")
    # each folder refuses existing files before it stages one; a refusal anywhere (or any
    # failure) removes what was staged, so a run writes all its outputs or none
    folders: list[OutputFolder] = []
    try:
        if assessment is not None:
            folders.append(_assessment_folder(assessment, out, force=force))
        if index is not None:
            folders.append(_index_folder(index, ua, out, force=force))
        raw_path, validation_path, kpis_path = write_outputs(
            checked, kpis, out, force=force, notes=[skipped] if skipped else ()
        )
    except BaseException:
        for folder in folders:
            folder.abort()
        raise
    for folder in folders:
        folder.close()
    return PipelineResult(
        out_dir=out,
        raw_path=raw_path,
        validation_path=validation_path,
        kpis_path=kpis_path,
        checked=checked,
        kpis=kpis,
        summary=summarise(checked, kpis),
        input_paths=tuple(Path(p) for p in paths),
        assessment=assessment,
        assessment_dir=None if assessment is None else out / ASSESSMENT_DIR,
        index=index,
        index_dir=None if index is None else out / INDEX_DIR,
        uncertainty=ua,
        index_skipped=skipped,
    )


def _assessment_folder(assessment: Assessment, out: Path, *, force: bool) -> OutputFolder:
    """Return ``assessment/`` with the three tables staged (written when closed)."""
    from citykpi.assess.assessment import ASSESSMENT_TABLES
    from citykpi.io import OutputFolder

    folder = OutputFolder(
        out / ASSESSMENT_DIR,
        force=force,
        names=[f"{n}.csv" for n in ASSESSMENT_TABLES],
        title="Assessment",
        notes=[f"Target set: {assessment.targets.name}; SDG goal colour rule: {assessment.rule}."],
    ).open()
    tables = assessment.tables()
    for name, (_, description) in ASSESSMENT_TABLES.items():
        folder.table(f"{name}.csv", tables[name], description)
    return folder


def _build_index(
    kpis: pd.DataFrame,
    *,
    cities: str | Path | pd.DataFrame | None,
    targets: TargetSet | None,
) -> tuple[U4sscIndex | None, str]:
    """Return the U4SSC index of the latest year, or None and why it cannot be built."""
    from citykpi.frameworks.u4ssc import build_u4ssc_index
    from citykpi.io import read_profiles

    latest = kpis[kpis["year"] == kpis["year"].max()] if len(kpis) else kpis
    reporting = sorted(set(latest.loc[latest["value"].notna(), "city"]))
    if len(reporting) < 2:
        names = ", ".join(map(repr, reporting)) or "none"
        msg = (
            f"No U4SSC index: an index ranks at least 2 cities, and {len(reporting)} city "
            f"({names}) has KPI values in the latest year; add other cities' files."
        )
        return None, msg
    profiles = read_profiles(cities) if isinstance(cities, str | Path) else cities
    try:
        return build_u4ssc_index(kpis, cities=profiles, targets=targets), ""
    except InputError as e:
        return None, f"No U4SSC index: {e}"


def _index_folder(
    index: U4sscIndex, ua: UncertaintyResult | None, out: Path, *, force: bool
) -> OutputFolder:
    """Return ``index/`` with the index (and rank intervals) staged (written when closed)."""
    from citykpi.io import OutputFolder
    from citykpi.io.index_outputs import (
        UNCERTAINTY_FILES,
        add_u4ssc,
        add_uncertainty_tables,
        u4ssc_names,
    )

    names = [*u4ssc_names(index), *(UNCERTAINTY_FILES if ua is not None else ())]
    folder = OutputFolder(out / INDEX_DIR, force=force, names=names, title="U4SSC city index")
    folder.open()
    add_u4ssc(folder, index)
    if ua is not None:
        add_uncertainty_tables(folder, ua)
    return folder


#: Monte Carlo replications of the demo's uncertainty analysis (rank intervals).
DEMO_REPLICATIONS: Final = 500
#: File name of the demo store (an SQLite database) in the output folder.
DEMO_DATABASE: Final = "citykpi-demo.db"


@dataclass(frozen=True, slots=True)
class DemoResult:
    """Everything :func:`run_demo` produced, stage by stage."""

    pipeline: PipelineResult
    city: CitySummary | None
    index: U4sscIndex
    index_dir: Path
    rank_stats: pd.DataFrame
    store: DemoSummary
    kept_database: Path | None  # an earlier demo database, moved aside rather than overwritten


def _demo_city(kpis: pd.DataFrame) -> str:
    """Return the city with the most computed or reported data points in its latest year."""
    usable = kpis[kpis["status"].isin([KpiStatus.COMPUTED.value, KpiStatus.REPORTED.value])]
    latest = usable[usable["year"] == usable["year"].max()]
    counts = latest.groupby("city").size()
    best = counts[counts == counts.max()]
    return str(sorted(best.index)[0])


def _fresh_database(path: Path) -> Path | None:
    """Move an earlier demo database aside (never delete it) and return where it went."""
    if not path.exists():
        return None
    kept = path.with_name(f"{path.stem}.previous{path.suffix}")
    n = 1
    while kept.exists():
        kept = path.with_name(f"{path.stem}.previous-{n}{path.suffix}")
        n += 1
    path.rename(kept)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(kept.with_name(kept.name + suffix))
    return kept


def run_demo(
    out_dir: str | Path,
    *,
    seed: int | None = None,
    on_step: Step = _quiet,
    replications: int = DEMO_REPLICATIONS,
    database_url: str | None = None,
) -> DemoResult:
    """Run every stage on the bundled fictional sample cities.

    Steps, in order: generate the sample data (:func:`citykpi.io.write_sample`) into
    ``out_dir/sample``; :func:`run` (read, validate, compute; write ``raw.csv``,
    ``validation.csv``, ``kpis.csv``; assess every city into ``out_dir/assessment``; build the
    U4SSC index of the latest year with a Monte Carlo uncertainty analysis into
    ``out_dir/index``); summarise the best-reported city (dimension scores, weakest data points
    with trend arrows, one feasible target); load a fresh store
    (``out_dir/citykpi-demo.db`` unless ``database_url`` names another) with one
    submit/verify/publish cycle.

    Parameters
    ----------
    out_dir
        Folder for the outputs; the sample data go to its ``sample/`` subfolder.
    seed
        Seed of the sample generator; None for the generator's documented default.
    on_step
        Called with a short description before each step (for progress display).
    replications
        Monte Carlo replications for the index's rank intervals.
    database_url
        Database for the store step; None for a fresh SQLite file in ``out_dir``. An earlier
        demo database there is moved aside, never overwritten.

    Returns
    -------
    DemoResult
        The pipeline result (with ``sample_dir`` set) and each later stage's result.
    """
    from citykpi.assess import peers_of, summarise_city
    from citykpi.io import read_profiles, write_sample
    from citykpi.store.demo import load_demo

    if replications < 1:
        msg = (
            f"The demo shows rank intervals, which need uncertainty replications; give "
            f"--replications 1 or more, not {replications}."
        )
        raise InputError(msg)
    out = Path(out_dir)
    sample_dir = out / "sample"
    on_step("Generating the sample cities")
    sample = write_sample(sample_dir, seed=seed, force=True)  # the demo's own folder
    profiles = read_profiles(sample.cities)
    # the demo folder is citykpi's own output: a second demo replaces the first one's files
    result = run(
        [sample.raw_inputs],
        out_dir=out,
        on_step=on_step,
        cities=profiles,
        replications=replications,
        force=True,
    )
    result = replace(result, sample_dir=sample_dir, extra={"known_errors": sample.known_errors})
    if result.index is None or result.index_dir is None:
        raise InputError(result.index_skipped or "The demo's U4SSC index was not built.")

    on_step("Summarising one city against the default targets")
    city = _demo_city(result.kpis)
    peers = peers_of(profiles, city, cities=sorted(set(result.kpis["city"])))
    city_summary = summarise_city(result.kpis, city, peers=peers)

    on_step("Loading the demo store")
    kept = None
    if database_url is None:
        db_path = (out / DEMO_DATABASE).resolve()
        kept = _fresh_database(db_path)
        database_url = f"sqlite:///{db_path}"
    store = load_demo(database_url, sample_dir, on_step=on_step)
    return DemoResult(
        pipeline=result,
        city=city_summary,
        index=result.index,
        index_dir=result.index_dir,
        rank_stats=result.uncertainty.rank_stats() if result.uncertainty else pd.DataFrame(),
        store=store,
        kept_database=kept,
    )


__all__ = [
    "ASSESSMENT_DIR",
    "DEMO_REPLICATIONS",
    "INDEX_DIR",
    "KPIS_CSV",
    "LATER_STAGES",
    "RAW_CSV",
    "VALIDATION_CSV",
    "ComputeRun",
    "DemoResult",
    "PipelineResult",
    "Summary",
    "check",
    "compute_files",
    "run",
    "run_demo",
    "summarise",
    "write_outputs",
]
