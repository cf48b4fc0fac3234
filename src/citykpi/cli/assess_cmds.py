"""The ``assess``, ``trends``, ``peers`` and ``plan`` commands over a KPI table.

Each reads its KPI table through :func:`citykpi.sources.load_kpi_table` (the CSV written by
``citykpi compute``, or the store's values with ``--from-store [--status ...]``), calls one
library function of :mod:`citykpi.assess` and prints the result as a table, CSV or JSON. Exit
code 2 for bad input (a missing or malformed KPI, target or profile file; an unknown city, code
or data point; an output file that exists without ``--force``). The commands import
:mod:`citykpi.assess` (and with it pandas and SciPy) when they run, not when the command line is
built.
"""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from citykpi.cli._common import Cell, OutputFormat, console, emit_rows, err_console, guarded
from citykpi.cli._store_session import AS_USER, TOKEN
from citykpi.cli._years import parse_year
from citykpi.errors import InputError
from citykpi.settings import load_settings

if TYPE_CHECKING:
    import pandas as pd

    from citykpi.assess import TargetSet
    from citykpi.assess.sdg import GoalRule

KPIS = typer.Argument(
    None, help="KPI table written by 'citykpi compute' (CSV); leave out with --from-store."
)
FROM_STORE = typer.Option(
    False, "--from-store", help="Read the KPI values of the store (CITYKPI_DATABASE_URL)."
)
STATUS = typer.Option(
    "published",
    "--status",
    help="With --from-store: published, verified (or published) or any (current values; "
    "verified and any need --as or --token).",
)
TARGETS = typer.Option(
    None,
    "--targets",
    help="Your target set (.csv with code, data_point, target[, direction, city, target_year] "
    "or .yaml); it is layered over the default set.",
)
NO_DEFAULTS = typer.Option(
    False, "--no-defaults", help="Use only the --targets file, not the default target set."
)
FORMAT = typer.Option(OutputFormat.table, "--format", help="Output format.")
CITIES = typer.Option(
    None, "--cities", help="City profile table (cities.csv: city or name, population, ...)."
)
BY = typer.Option(
    "population_class",
    "--by",
    help="Profile field that defines the peer group (population_class, region, income_group...).",
)


class Show(StrEnum):
    """Which table ``assess`` prints."""

    scores = "scores"
    kpis = "kpis"
    sdg = "sdg"


def _cell(value: object) -> Cell:
    import pandas as pd

    if value is None or value is pd.NA:
        return None
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return None if isinstance(value, float) and math.isnan(value) else value
    if hasattr(value, "item"):  # numpy scalars
        return _cell(value.item())
    return str(value)


def _rows(frame: pd.DataFrame) -> list[dict[str, Cell]]:
    return [{str(k): _cell(v) for k, v in r.items()} for r in frame.to_dict(orient="records")]


def read_kpis(
    kpis: Path | None, *, from_store: bool, status: str, as_user: str, token: str
) -> pd.DataFrame:
    """Return the KPI table of ``kpis`` or of the store (:func:`citykpi.sources.load_kpi_table`)."""
    from citykpi.sources import load_kpi_table

    return load_kpi_table(kpis, from_store=from_store, status=status, as_user=as_user, token=token)


def _target_set(targets: Path | None, no_defaults: bool) -> TargetSet:
    from citykpi.assess import default_targets, load_targets

    if targets is None:
        if no_defaults:
            msg = "--no-defaults needs --targets FILE: give your own target set."
            raise InputError(msg)
        return default_targets()
    mine = load_targets(targets)
    return mine if no_defaults else default_targets().overlay(mine)


def _goal_rule(rule: str | None) -> GoalRule:
    from citykpi.assess.sdg import GOAL_RULES

    chosen = rule or load_settings().sdg_goal_rule
    if chosen == "sdr":
        return "sdr"
    if chosen == "us_cities":
        return "us_cities"
    msg = f"Unknown SDG goal colour rule {chosen!r}; use one of {', '.join(GOAL_RULES)}."
    raise InputError(msg)


@guarded
def assess_cmd(
    kpis: Path | None = KPIS,
    targets: Path | None = TARGETS,
    out: Path | None = typer.Option(
        None, "-o", "--out", help="Directory to write kpis.csv, scores.csv and sdg.csv to."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite files that exist in OUT."),
    no_defaults: bool = NO_DEFAULTS,
    goal_rule: str | None = typer.Option(
        None, "--goal-rule", help="SDG goal colour rule: sdr or us_cities (default: setting)."
    ),
    show: Show = typer.Option(Show.scores, "--show", help="Which table to print."),
    fmt: OutputFormat = FORMAT,
    from_store: bool = FROM_STORE,
    status: str = STATUS,
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Score KPI values against targets in the four U4SSC bands, rolled up to dimensions."""
    from citykpi.assess import assess_table
    from citykpi.assess.assessment import ASSESSMENT_TABLES
    from citykpi.io import OutputFolder

    rule = _goal_rule(goal_rule)
    names = [f"{n}.csv" for n in ASSESSMENT_TABLES]
    folder = None if out is None else OutputFolder(out, force=force, names=names).open()
    table = read_kpis(kpis, from_store=from_store, status=status, as_user=as_user, token=token)
    tset = _target_set(targets, no_defaults)
    result = assess_table(table, targets=tset, rule=rule)
    frames = result.tables()
    if folder is not None:
        with folder:
            for name, (_, description) in ASSESSMENT_TABLES.items():
                folder.table(f"{name}.csv", frames[name], description)
        err_console.print(
            f"Wrote {', '.join(str(folder.path / n) for n in names)} (target set: {tset.name}).",
            highlight=False,
        )
    columns = ASSESSMENT_TABLES[show.value][0]
    emit_rows(
        _rows(frames[show.value]), columns=columns, fmt=fmt, title=f"{show.value} ({tset.name})"
    )


@guarded
def trends_cmd(
    kpis: Path | None = KPIS,
    targets: Path | None = TARGETS,
    no_defaults: bool = NO_DEFAULTS,
    base_year: int = typer.Option(
        2015, "--base-year", help="Base year of the trend methods.", parser=parse_year
    ),
    year: int = typer.Option(2030, "--year", help="Year to project to.", parser=parse_year),
    city: str | None = typer.Option(None, "--city", help="Only this city."),
    out: Path | None = typer.Option(None, "-o", "--out", help="Also write the table to this CSV."),
    force: bool = typer.Option(False, "--force", help="Overwrite OUT if it exists."),
    by_goal: bool = typer.Option(
        False, "--by-goal", help="Roll the SDSN arrows up to SDGs per city instead."
    ),
    fmt: OutputFormat = FORMAT,
    from_store: bool = FROM_STORE,
    status: str = STATUS,
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Show SDSN trend arrows, progress status and score, 2030 projections per series."""
    from citykpi.assess import assess_trends
    from citykpi.assess.sdg import GOAL_TREND_COLUMNS, sdg_trends
    from citykpi.assess.series import TREND_COLUMNS, TrendOptions
    from citykpi.io import check_writable, write_table

    if out is not None:
        check_writable(out, force=force)
    table = read_kpis(kpis, from_store=from_store, status=status, as_user=as_user, token=token)
    tset = _target_set(targets, no_defaults)
    opts = TrendOptions(base_year=base_year, projection_year=year)
    if city is not None and city not in set(table["city"]):
        where = "the store" if kpis is None else repr(str(kpis))
        msg = f"City {city!r} is not in {where}; check the spelling."
        raise InputError(msg)
    only = None if city is None else [city]
    trends = assess_trends(table, targets=tset, options=opts, cities=only)
    columns = TREND_COLUMNS
    if by_goal:
        trends, columns = sdg_trends(trends), GOAL_TREND_COLUMNS
    if out is not None:
        write_table(trends, out, force=force)
    emit_rows(_rows(trends), columns=columns, fmt=fmt, title=f"Trends ({tset.name})")


@guarded
def peers_cmd(
    kpis: Path | None = KPIS,
    city: str = typer.Option(..., "--city", help="The city to place among its peers."),
    cities: Path | None = CITIES,
    by: str = BY,
    targets: Path | None = TARGETS,
    fmt: OutputFormat = FORMAT,
    from_store: bool = FROM_STORE,
    status: str = STATUS,
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Show a city's percentile in its peer group per data point, and whom to learn from."""
    from citykpi.assess import peer_report
    from citykpi.assess.peers import PEER_REPORT_COLUMNS
    from citykpi.io import read_profiles

    table = read_kpis(kpis, from_store=from_store, status=status, as_user=as_user, token=token)
    profiles = read_profiles(cities) if cities is not None else None
    report = peer_report(table, city, profiles=profiles, by=by, targets=_target_set(targets, False))
    if fmt is OutputFormat.table:
        err_console.print(report.title, highlight=False)
    emit_rows(_rows(report.table), columns=PEER_REPORT_COLUMNS, fmt=fmt, title=report.title)


PLAN_COLUMNS = (
    "city",
    "code",
    "data_point",
    "unit",
    "latest_year",
    "latest_value",
    "target",
    "target_year",
    "required_rate",
    "observed_rate",
    "peers_with_data",
    "peers_achieving",
    "classification",
    "suggested_target",
    "message",
)


@guarded
def plan_cmd(
    kpis: Path | None = KPIS,
    city: str = typer.Option(..., "--city", help="The planning city."),
    code: str = typer.Option(..., "--code", help="KPI code, e.g. 'EN: EN: AQ: 1C'."),
    data_point: str | None = typer.Option(
        None, "--data-point", help="Data point id, needed when the KPI has several."
    ),
    target: float = typer.Option(..., "--target", help="Target value, in the catalogue unit."),
    year: int = typer.Option(
        2030, "--year", help="Year the target should be reached.", parser=parse_year
    ),
    cities: Path | None = CITIES,
    by: str = BY,
    fmt: OutputFormat = FORMAT,
    from_store: bool = FROM_STORE,
    status: str = STATUS,
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Check whether a target is feasible by a year, against the city's trend and its peers."""
    from citykpi.assess import catalogue_meta, peers_of, plan_target
    from citykpi.catalogue import normalise_code
    from citykpi.io import read_profiles

    info = catalogue_meta()
    code = normalise_code(code)
    points = [m.data_point for m in info.values() if m.code == code]
    if not points:
        msg = f"Unknown KPI code {code!r}; list the codes with 'citykpi catalogue'."
        raise InputError(msg)
    if data_point is None:
        if len(points) > 1:
            msg = f"KPI {code!r} has several data points; add --data-point with one of {points}."
            raise InputError(msg)
        data_point = points[0]
    elif data_point not in points:
        msg = f"{data_point!r} is not a data point of {code!r}; use one of {points}."
        raise InputError(msg)
    table = read_kpis(kpis, from_store=from_store, status=status, as_user=as_user, token=token)
    profiles = read_profiles(cities) if cities is not None else None
    peers = (
        peers_of(profiles, city, by=by, cities=list(set(table["city"])))
        if profiles is not None
        else None
    )
    result = plan_target(
        table, city=city, data_point=data_point, target=target, year=year, peers=peers
    )
    row: dict[str, Cell] = {c: _cell(getattr(result, c)) for c in PLAN_COLUMNS}
    if fmt is OutputFormat.table:
        # one plan has many fields: show them as a vertical table that fits a terminal
        fields = [{"field": c, "value": row[c]} for c in PLAN_COLUMNS if c != "message"]
        emit_rows(fields, columns=("field", "value"), fmt=fmt, title="Target plan")
        console.print(result.message, highlight=False)
    else:
        emit_rows([row], columns=PLAN_COLUMNS, fmt=fmt)


def register(app: typer.Typer) -> None:
    """Add ``assess``, ``trends``, ``peers`` and ``plan`` to ``app``."""
    app.command("assess")(assess_cmd)
    app.command("trends")(trends_cmd)
    app.command("peers")(peers_cmd)
    app.command("plan")(plan_cmd)


__all__ = ["assess_cmd", "peers_cmd", "plan_cmd", "register", "trends_cmd"]
