"""The top-level Python API: one short function per step of the tour, for notebooks and scripts.

Every function here is re-exported by :mod:`citykpi` (``citykpi.check``, ``citykpi.compute_kpis``,
...), loaded only when first used so that ``import citykpi`` and ``citykpi --help`` stay fast.
Each delegates to one library function and returns its result unchanged; ``docs/api.md`` walks
through them in order, and a test runs that page.

The names avoid those of citykpi's subpackages (``citykpi.compute``, ``citykpi.assess``,
``citykpi.index``), which Python binds on the package once they are imported.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from citykpi.assess import Assessment, PeerReport, PlanResult, TargetSet
    from citykpi.assess.sdg import GoalRule
    from citykpi.catalogue import Catalogue
    from citykpi.frameworks.u4ssc import U4sscIndex
    from citykpi.pipeline import PipelineResult
    from citykpi.sample import SampleData
    from citykpi.settings import Settings
    from citykpi.store import Store
    from citykpi.validate import ValidationResult


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Return the KPI catalogue: the bundled U4SSC framework, or the one at ``path``.

    Parameters
    ----------
    path
        Folder of another catalogue's YAML files; None for the bundled one (cached).

    Returns
    -------
    Catalogue
        The 91 KPIs, their data points, inputs, units and formulas.
    """
    from citykpi.catalogue import load_catalogue as load

    return load() if path is None else load(path)


def generate_sample(
    out_dir: str | Path,
    *,
    seed: int | None = None,
    n_cities: int = 40,
    years: Iterable[int] = range(2015, 2025),
) -> SampleData:
    """Write the fictional sample cities (``raw_inputs.csv``, ``cities.csv``) to ``out_dir``.

    Parameters
    ----------
    out_dir
        Folder to write to (created if needed).
    seed
        Seed of the generator; None for its documented default.
    n_cities
        Number of cities (at least 8: one per kind of deliberate error).
    years
        Reporting years.

    Returns
    -------
    SampleData
        The paths written: ``raw_inputs``, ``cities``, ``known_errors``.
    """
    from citykpi.io import write_sample

    return write_sample(out_dir, seed=seed, n_cities=n_cities, years=years)


def check(paths: str | Path | Sequence[str | Path], *, strict: bool = False) -> ValidationResult:
    """Read raw-input files and validate them (``citykpi validate``).

    Parameters
    ----------
    paths
        One or several CSV, XLSX (the template) or JSON files.
    strict
        Turn validation warnings into errors.

    Returns
    -------
    ValidationResult
        Every row read, and ``.report`` with every issue (``.report.ok``, ``.issues``).
    """
    from citykpi.pipeline import check as check_files

    return check_files(_paths(paths), strict=strict)


def compute_kpis(paths: str | Path | Sequence[str | Path], *, strict: bool = False) -> pd.DataFrame:
    """Read, validate and compute the KPIs of raw-input files (``citykpi compute``).

    Parameters
    ----------
    paths
        One or several CSV, XLSX or JSON files.
    strict
        Turn validation warnings into errors.

    Returns
    -------
    pandas.DataFrame
        The KPI long table (:data:`citykpi.model.KPI_COLUMNS`).
    """
    from citykpi.pipeline import compute_files

    return compute_files(_paths(paths), strict=strict).kpis


def load_kpi_table(
    path: str | Path | None = None,
    *,
    from_store: bool = False,
    status: str = "published",
    store: Store | None = None,
    as_user: str = "",
    token: str = "",
    cities: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """Return a KPI table from a file written by ``citykpi compute`` or from the store.

    See :func:`citykpi.sources.load_kpi_table` for the parameters; ``status`` is one of
    ``{"published", "verified", "any"}`` (the last two need ``as_user`` or ``token``).
    """
    from citykpi.sources import load_kpi_table as load

    return load(
        path,
        from_store=from_store,
        status=status,
        settings=settings,
        cities=cities,
        years=years,
        store=store,
        as_user=as_user,
        token=token,
    )


def load_targets(path: str | Path | None = None, *, defaults: bool = True) -> TargetSet:
    """Return a target set: the default one, a file's, or a file's layered over the default.

    Parameters
    ----------
    path
        Your targets (CSV or YAML, as for ``citykpi assess --targets``); None for the default.
    defaults
        Layer the file over the default set (False: the file's targets only).
    """
    from citykpi.assess import default_targets
    from citykpi.assess import load_targets as load

    if path is None:
        return default_targets()
    mine = load(path)
    return default_targets().overlay(mine) if defaults else mine


def assess_kpis(
    table: pd.DataFrame, *, targets: TargetSet | None = None, rule: GoalRule = "sdr"
) -> Assessment:
    """Score a KPI table against targets, roll up to dimensions and colour SDGs (``assess``).

    Parameters
    ----------
    table
        KPI long table (:func:`compute_kpis`, :func:`load_kpi_table`).
    targets
        Target set (:func:`load_targets`); the default set when None.
    rule : {"sdr", "us_cities"}
        SDG goal colour rule.

    Returns
    -------
    Assessment
        ``.kpis`` (scored values), ``.scores`` (per category, sub-dimension, dimension),
        ``.sdg`` (goal colours).
    """
    from citykpi.assess import assess_table

    return assess_table(table, targets=targets, rule=rule)


def trends(
    table: pd.DataFrame,
    *,
    targets: TargetSet | None = None,
    base_year: int = 2015,
    projection_year: int = 2030,
    cities: Collection[str] | None = None,
) -> pd.DataFrame:
    """Return SDSN trend arrows, progress status and projections per series (``trends``).

    Parameters
    ----------
    table
        KPI long table with several years.
    targets
        Target set; the default set when None.
    base_year, projection_year
        Base year of the trend methods and the year to project to.
    cities
        Only these cities (all when None).

    Returns
    -------
    pandas.DataFrame
        One row per city and data point (:data:`citykpi.assess.series.TREND_COLUMNS`).
    """
    from citykpi.assess import TrendOptions, assess_trends

    options = TrendOptions(base_year=base_year, projection_year=projection_year)
    return assess_trends(table, targets=targets, options=options, cities=cities)


def read_profiles(path: str | Path) -> pd.DataFrame:
    """Read a city profile table (``cities.csv``) with its ``population_class``."""
    from citykpi.io import read_profiles as read

    return read(path)


def peers(
    table: pd.DataFrame,
    city: str,
    *,
    profiles: pd.DataFrame | str | Path | None = None,
    by: str = "population_class",
    targets: TargetSet | None = None,
) -> PeerReport:
    """Place a city among its peers: percentile per data point, and whom to learn from.

    Parameters
    ----------
    table
        KPI long table.
    city
        The city to place.
    profiles
        City profiles (a frame or a ``cities.csv`` path); without them every city is a peer.
    by
        Profile field that defines the peer group.
    targets
        Target set; the default set when None.

    Returns
    -------
    PeerReport
        ``.group``, ``.members``, ``.percentiles``, ``.learn_from`` and the merged ``.table``.
    """
    from citykpi.assess import peer_report

    frame = read_profiles(profiles) if isinstance(profiles, str | Path) else profiles
    return peer_report(table, city, profiles=frame, by=by, targets=targets)


def plan(
    table: pd.DataFrame,
    *,
    city: str,
    data_point: str,
    target: float,
    year: int = 2030,
    peers: Sequence[str] | None = None,
) -> PlanResult:
    """Check whether ``city`` can bring ``data_point`` to ``target`` by ``year`` (``plan``).

    Parameters
    ----------
    table
        KPI long table.
    city, data_point, target, year
        The planning city, the catalogue data point id, the target (catalogue unit), the year.
    peers
        Cities to compare the pace with (default: every other city).

    Returns
    -------
    PlanResult
        Required and observed pace, peers achieving it, a classification and a message.
    """
    from citykpi.assess import plan_target

    return plan_target(
        table, city=city, data_point=data_point, target=target, year=year, peers=peers
    )


def build_index(
    table: pd.DataFrame,
    *,
    cities: pd.DataFrame | str | Path | None = None,
    year: int | None = None,
    spec: Mapping[str, Any] | None = None,
    targets: TargetSet | None = None,
) -> U4sscIndex:
    """Build the U4SSC Global Smart Sustainable City Index from a KPI table (``index u4ssc``).

    Parameters
    ----------
    table
        KPI long table with at least 2 cities in ``year``.
    cities
        City profiles (frame or ``cities.csv`` path): peer groups for the imputation.
    year
        Year to score; the latest when None.
    spec
        An index spec replacing the default method (see ``docs/index-spec.md``).
    targets
        Target set whose targets are the SDSN upper bounds; the default set when None.

    Returns
    -------
    U4sscIndex
        ``.scores_long()``, ``.result`` (every data set, ranks), cities and data points left out.
    """
    from citykpi.frameworks.u4ssc import build_u4ssc_index

    frame = read_profiles(cities) if isinstance(cities, str | Path) else cities
    return build_u4ssc_index(table, cities=frame, year=year, spec=spec, targets=targets)


def open_store(url: str | None = None) -> Store:
    """Open the store at ``url`` (default: ``CITYKPI_DATABASE_URL``, else ``./citykpi.db``).

    Run :func:`citykpi.store.upgrade` on a new database first; use the store's functions
    (:mod:`citykpi.store`: ``add_user``, ``add_city``, ``submit``, ``verify``, ``publish``, ...)
    inside ``with store.transaction() as session:``, and
    :func:`citykpi.store.importer.import_file` to import a city's file.
    """
    from citykpi.store import open_store as open_

    return open_(url)


def run(
    paths: str | Path | Sequence[str | Path],
    *,
    out_dir: str | Path,
    cities: str | Path | pd.DataFrame | None = None,
    stages: Collection[str] = ("assess", "index"),
    replications: int = 0,
    strict: bool = False,
    force: bool = False,
) -> PipelineResult:
    """Run every stage on raw-input files and write each stage's outputs to ``out_dir``.

    See :func:`citykpi.pipeline.run`: ``raw.csv``, ``validation.csv``, ``kpis.csv``, the
    ``assessment/`` and ``index/`` folders, each with a README. ``stages`` chooses what runs
    after compute (``()`` stops at the KPI table), ``replications`` adds rank intervals to the
    index, ``force`` replaces an earlier run's files.
    """
    from citykpi.pipeline import run as run_all

    return run_all(
        _paths(paths),
        out_dir=out_dir,
        cities=cities,
        stages=stages,
        replications=replications,
        strict=strict,
        force=force,
    )


def _paths(paths: str | Path | Sequence[str | Path]) -> list[str | Path]:
    return [paths] if isinstance(paths, str | Path) else list(paths)


__all__ = [
    "assess_kpis",
    "build_index",
    "check",
    "compute_kpis",
    "generate_sample",
    "load_catalogue",
    "load_kpi_table",
    "load_targets",
    "open_store",
    "peers",
    "plan",
    "read_profiles",
    "run",
    "trends",
]
