"""The ``assess``, ``trends``, ``peers`` and ``plan`` commands over a KPI table.

Each reads the KPI table written by ``citykpi compute``, calls one library function of
:mod:`citykpi.assess` and prints the result as a table, CSV or JSON. Exit code 2 for bad input
(a missing or malformed KPI, target or profile file; an unknown city, code or data point; an
output file that exists without ``--force``). The commands import :mod:`citykpi.assess` (and
with it pandas and SciPy) when they run, not when the command line is built.
"""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from citykpi.cli._common import Cell, OutputFormat, console, emit_rows, err_console, fail, guarded
from citykpi.errors import InputError
from citykpi.settings import load_settings

if TYPE_CHECKING:
    import pandas as pd

    from citykpi.assess import TargetSet
    from citykpi.assess.sdg import GoalRule

KPIS = typer.Argument(..., help="KPI table written by 'citykpi compute' (CSV).")
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
    kpis: Path = KPIS,
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
) -> None:
    """Score KPI values against targets in the four U4SSC bands, rolled up to dimensions."""
    from citykpi.assess import aggregate_scores, read_kpi_table, score_kpis, sdg_rollup
    from citykpi.assess.scoring import KPI_RESULT_COLUMNS, SCORE_COLUMNS
    from citykpi.assess.sdg import SDG_COLUMNS

    rule = _goal_rule(goal_rule)
    names = ("kpis.csv", "scores.csv", "sdg.csv")
    if out is not None and not force:
        taken = [n for n in names if (out / n).exists()]
        if taken:
            fail(
                f"{', '.join(str(out / n) for n in taken)} already exist(s); choose another "
                "directory or add --force to overwrite."
            )
    table = read_kpi_table(kpis)
    tset = _target_set(targets, no_defaults)
    scored = score_kpis(table, targets=tset)
    scores = aggregate_scores(scored)
    sdg = sdg_rollup(scored, rule=rule)
    frames = {"kpis": (scored, KPI_RESULT_COLUMNS), "scores": (scores, SCORE_COLUMNS)}
    frames["sdg"] = (sdg, SDG_COLUMNS)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for name, (frame, _) in frames.items():
            frame.to_csv(out / f"{name}.csv", index=False)
        err_console.print(
            f"Wrote {', '.join(str(out / n) for n in names)} (target set: {tset.name}).",
            highlight=False,
        )
    frame, columns = frames[show.value]
    emit_rows(_rows(frame), columns=columns, fmt=fmt, title=f"{show.value} ({tset.name})")


@guarded
def trends_cmd(
    kpis: Path = KPIS,
    targets: Path | None = TARGETS,
    no_defaults: bool = NO_DEFAULTS,
    base_year: int = typer.Option(2015, "--base-year", help="Base year of the trend methods."),
    year: int = typer.Option(2030, "--year", help="Year to project to."),
    city: str | None = typer.Option(None, "--city", help="Only this city."),
    out: Path | None = typer.Option(None, "-o", "--out", help="Also write the table to this CSV."),
    force: bool = typer.Option(False, "--force", help="Overwrite OUT if it exists."),
    by_goal: bool = typer.Option(
        False, "--by-goal", help="Roll the SDSN arrows up to SDGs per city instead."
    ),
    fmt: OutputFormat = FORMAT,
) -> None:
    """Show SDSN trend arrows, progress status and score, 2030 projections per series."""
    from citykpi.assess import assess_trends, read_kpi_table
    from citykpi.assess.sdg import GOAL_TREND_COLUMNS, sdg_trends
    from citykpi.assess.series import TREND_COLUMNS, TrendOptions

    if out is not None and out.exists() and not force:
        fail(f"{str(out)!r} already exists; choose another file or add --force to overwrite it.")
    table = read_kpi_table(kpis)
    tset = _target_set(targets, no_defaults)
    opts = TrendOptions(base_year=base_year, projection_year=year)
    if city is not None and city not in set(table["city"]):
        msg = f"City {city!r} is not in {str(kpis)!r}; check the spelling."
        raise InputError(msg)
    only = None if city is None else [city]
    trends = assess_trends(table, targets=tset, options=opts, cities=only)
    columns = TREND_COLUMNS
    if by_goal:
        trends, columns = sdg_trends(trends), GOAL_TREND_COLUMNS
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        trends.to_csv(out, index=False)
    emit_rows(_rows(trends), columns=columns, fmt=fmt, title=f"Trends ({tset.name})")


PEER_COLUMNS = (
    "city",
    "code",
    "data_point",
    "year",
    "value",
    "points",
    "group_size",
    "rank",
    "percentile",
    "best_city",
    "best_value",
    "learn_from",
)


@guarded
def peers_cmd(
    kpis: Path = KPIS,
    city: str = typer.Option(..., "--city", help="The city to place among its peers."),
    cities: Path | None = CITIES,
    by: str = BY,
    targets: Path | None = TARGETS,
    fmt: OutputFormat = FORMAT,
) -> None:
    """Show a city's percentile in its peer group per data point, and whom to learn from."""
    import pandas as pd

    from citykpi.assess import (
        learn_from,
        peer_group,
        peers_of,
        percentiles,
        read_kpi_table,
        read_profiles,
        score_kpis,
    )

    table = read_kpi_table(kpis)
    if city not in set(table["city"]):
        msg = f"City {city!r} is not in {str(kpis)!r}; check the spelling."
        raise InputError(msg)
    profiles = read_profiles(cities) if cities is not None else None
    group = peer_group(profiles, city, by=by)
    members = peers_of(profiles, city, by=by, cities=list(set(table["city"])))
    tset = _target_set(targets, False)
    ranks = percentiles(table, city, peers=members, targets=tset)
    scored = score_kpis(table, targets=tset)
    latest_points = (
        scored[scored["city"] == city].sort_values("year").groupby("data_point")["points"].last()
    )
    teachers = learn_from(scored, city, peers=members)
    advice = {
        str(dp): "; ".join(f"{r.peer} ({r.peer_value:.4g})" for r in g.itertuples(index=False))
        for dp, g in teachers.groupby("data_point")
    }
    ranks["points"] = [latest_points.get(dp, pd.NA) for dp in ranks["data_point"]]
    ranks["learn_from"] = [advice.get(dp, "") for dp in ranks["data_point"]]
    title = f"{city}: {by} = {group} ({len(members)} cities)"
    if fmt is OutputFormat.table:
        err_console.print(title, highlight=False)
    emit_rows(_rows(ranks), columns=PEER_COLUMNS, fmt=fmt, title=title)


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
    kpis: Path = KPIS,
    city: str = typer.Option(..., "--city", help="The planning city."),
    code: str = typer.Option(..., "--code", help="KPI code, e.g. 'EN: EN: AQ: 1C'."),
    data_point: str | None = typer.Option(
        None, "--data-point", help="Data point id, needed when the KPI has several."
    ),
    target: float = typer.Option(..., "--target", help="Target value, in the catalogue unit."),
    year: int = typer.Option(2030, "--year", help="Year the target should be reached."),
    cities: Path | None = CITIES,
    by: str = BY,
    fmt: OutputFormat = FORMAT,
) -> None:
    """Check whether a target is feasible by a year, against the city's trend and its peers."""
    from citykpi.assess import catalogue_meta, peers_of, plan_target, read_kpi_table, read_profiles

    info = catalogue_meta()
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
    table = read_kpi_table(kpis)
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
