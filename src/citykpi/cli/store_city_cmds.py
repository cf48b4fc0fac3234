"""A city's data: ``city add|list|show``, ``import`` and the ``value`` group.

A file is imported as new revisions in one transaction (a file with errors imports nothing);
``value`` edits, retracts, answers, comments on or attaches evidence to one value. The commands
are registered by :func:`citykpi.cli.store_cmds.register`.
"""

from __future__ import annotations

from pathlib import Path

import typer

from citykpi.cli._common import Cell, OutputFormat, console, emit_rows, guarded, warn
from citykpi.cli._store_session import (
    AS_USER,
    CITY,
    CODE,
    FORMAT,
    TOKEN,
    YEAR,
    acting,
    done,
    opened,
    reading_as,
    session_as,
)
from citykpi.cli._years import parse_year
from citykpi.errors import InputError

PROFILE_COLUMNS = (
    "name",
    "country",
    "region",
    "population",
    "population_class",
    "area_km2",
    "gdp_per_capita",
    "income_group",
    "coastal",
)


@guarded
def city_add_cmd(
    name: str = typer.Argument("", help="City name (omit with --from)."),
    from_file: Path | None = typer.Option(
        None,
        "--from",
        help="Profile table (CSV with a city column, like the sample's cities.csv): add "
        "every city in it, in one transaction.",
    ),
    country: str = typer.Option("", "--country"),
    region: str = typer.Option("", "--region"),
    population: float | None = typer.Option(None, "--population", help="Inhabitants."),
    area: float | None = typer.Option(None, "--area", help="Area in km²."),
    gdp: float | None = typer.Option(None, "--gdp-per-capita", help="GDP per capita (USD)."),
    income_group: str = typer.Option("", "--income-group"),
    coastal: bool | None = typer.Option(None, "--coastal/--inland"),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Add a city with its profile, or every city of a profile table (admins only)."""
    from citykpi.store import CityProfile, add_city

    if from_file is not None:
        _add_cities_from(from_file, name, as_user, token)
        return
    if not name:
        msg = "Give the city's name, or --from FILE to add every city of a profile table."
        raise InputError(msg)
    profile = CityProfile(
        name,
        country=country,
        region=region,
        population=population,
        area_km2=area,
        gdp_per_capita=gdp,
        income_group=income_group,
        coastal=coastal,
    )
    with session_as(as_user, token) as (session, actor):
        stored = add_city(session, actor, profile)
    done(f"Added city {stored.name!r} ({stored.population_class or 'size unknown'}).")


def _add_cities_from(file: Path, name: str, as_user: str, token: str) -> None:
    from citykpi.io import read_city_profiles
    from citykpi.store.bulk import add_cities

    if name:
        msg = f"Give either a city name ({name!r}) or --from FILE, not both."
        raise InputError(msg)
    profiles = read_city_profiles(file)
    with session_as(as_user, token) as (session, actor):
        stored = add_cities(session, actor, profiles)
    done(f"Added {len(stored)} cities from {file.name}.")


@guarded
def city_list_cmd(as_user: str = AS_USER, token: str = TOKEN, fmt: OutputFormat = FORMAT) -> None:
    """List every city with its profile."""
    from citykpi.store import list_cities

    with reading_as(as_user, token) as (session, actor):
        rows = [c.as_dict() for c in list_cities(session, actor)]
    emit_rows(rows, columns=PROFILE_COLUMNS, fmt=fmt, title="Cities")


@guarded
def city_show_cmd(
    name: str = CITY, as_user: str = AS_USER, token: str = TOKEN, fmt: OutputFormat = FORMAT
) -> None:
    """Show one city's profile."""
    from citykpi.store import city_profile

    with reading_as(as_user, token) as (session, actor):
        row = city_profile(session, actor, name).as_dict()
    emit_rows([row], columns=PROFILE_COLUMNS, fmt=fmt, title=name)


@guarded
def import_cmd(
    file: Path = typer.Argument(..., help="CSV, XLSX (the template) or JSON file."),
    city: str = typer.Option(
        "",
        "--city",
        help="City the file is for; omit both --city and --year to import "
        "every city and year of the file's city and year columns.",
    ),
    year: int | None = typer.Option(
        None, "--year", help="Reporting year the file is for.", parser=parse_year
    ),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Import a file as new revisions, in one transaction: a file with errors imports nothing."""
    from citykpi.store.importer import import_file

    if not city and year is None:
        _import_many(file, as_user, token)
        return
    if not city or year is None:
        msg = "Give both --city and --year, or neither to take them from the file's columns."
        raise InputError(msg)
    with opened() as store:
        with store.transaction() as session:
            actor = acting(session, as_user, token)
        with console.status(f"Importing {file.name}..."):
            summary = import_file(store, actor, file, city=city, year=year)
    done(
        f"Imported {summary.file} for {summary.city} {summary.year}: {summary.entered} "
        f"input(s) stored ({summary.inputs.created} new, {summary.inputs.revised} revised, "
        f"{summary.inputs.unchanged} unchanged); {summary.recomputed} KPI value(s) recomputed "
        f"(catalogue {summary.catalogue_version})."
    )
    for issue in summary.warnings:
        warn(f"{issue.location.describe()}: {issue.message}")


def _import_many(file: Path, as_user: str, token: str) -> None:
    from citykpi.store.bulk import import_many

    with opened() as store:
        with store.transaction() as session:
            actor = acting(session, as_user, token)
        with console.status(f"Importing {file.name}...") as status:
            summary = import_many(
                store, actor, file, progress=lambda part: status.update(f"Importing {part}...")
            )
    done(
        f"Imported {summary.file}: {len(summary.parts)} city-year(s) of {summary.cities} "
        f"cities, {summary.entered} input(s) stored; {summary.recomputed} KPI value(s) "
        "recomputed."
    )
    for issue in summary.warnings:
        warn(f"{issue.location.describe()}: {issue.message}")


@guarded
def value_set_cmd(
    city: str = CITY,
    year: int = YEAR,
    code: str = CODE,
    value: float = typer.Argument(..., help="The new value."),
    reason: str = typer.Option(..., "--reason", help="Why the value changes."),
    unit: str | None = typer.Option(None, "--unit", help="Unit; default the current one."),
    source: str | None = typer.Option(None, "--source", help="Source; default the current one."),
    expect_version: int | None = typer.Option(
        None, "--expect-version", help="Version you read; refuse if someone saved since."
    ),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Set a value as a new revision (a verified value returns to submitted)."""
    from citykpi.store import edit_value

    with session_as(as_user, token) as (session, actor):
        version = edit_value(
            session,
            actor,
            city,
            year,
            code,
            value=value,
            reason=reason,
            unit=unit,
            source=source,
            expected_version=expect_version,
        )
    done(f"Saved {code!r} of {city} {year} = {value:g} (version {version}).")


@guarded
def value_retract_cmd(
    city: str = CITY,
    year: int = YEAR,
    code: str = CODE,
    reason: str = typer.Option(..., "--reason", help="Why the value is retracted."),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Retract a value: a recorded revision without a value; history keeps the old ones."""
    from citykpi.store import retract_value

    with session_as(as_user, token) as (session, actor):
        retract_value(session, actor, city, year, code, reason=reason)
    done(f"Retracted {code!r} of {city} {year}.")


@guarded
def value_answer_cmd(
    city: str = CITY,
    year: int = YEAR,
    code: str = typer.Argument(..., help="The queried value."),
    comment: str = typer.Option(..., "--comment", help="Answer to the verifier's query."),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Answer a verifier's query without changing the value."""
    from citykpi.store import answer

    with session_as(as_user, token) as (session, actor):
        answer(session, actor, city, year, code, comment=comment)
    done(f"Answered the query on {code!r}; resubmit with 'citykpi submit {city!r} {year}'.")


@guarded
def value_comment_cmd(
    city: str = CITY,
    year: int = YEAR,
    code: str = CODE,
    comment: str = typer.Option(..., "--comment", help="The note."),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Add a note to a value."""
    from citykpi.store import add_comment

    with session_as(as_user, token) as (session, actor):
        add_comment(session, actor, city, year, code, text=comment)
    done(f"Noted on {code!r}.")


@guarded
def value_attach_cmd(
    city: str = CITY,
    year: int = YEAR,
    file: Path = typer.Argument(..., help="Evidence file (stored by content hash)."),
    code: str = typer.Option("", "--code", help="Value the file supports; default all."),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Attach an evidence file to a submission or one value."""
    from citykpi.store.evidence import attach_evidence

    with opened() as store, store.transaction() as session:
        actor = acting(session, as_user, token)
        info = attach_evidence(
            session,
            actor,
            city,
            year,
            file,
            max_bytes=store.settings.evidence_max_bytes,
            code=code,
        )
    done(
        f"Attached {info.original_name!r} ({info.size} bytes, {info.content_type}, "
        f"sha256 {info.sha256[:12]}...)."
    )


@guarded
def value_evidence_cmd(
    city: str = CITY,
    year: int = YEAR,
    as_user: str = AS_USER,
    token: str = TOKEN,
    fmt: OutputFormat = FORMAT,
) -> None:
    """List the evidence files attached to a submission."""
    from citykpi.store.evidence import list_evidence

    with session_as(as_user, token) as (session, actor):
        found = list_evidence(session, actor, city, year)
    rows: list[dict[str, Cell]] = [
        {
            "id": e.id,
            "file": e.original_name,
            "size": e.size,
            "type": e.content_type,
            "sha256": e.sha256,
            "code": e.code,
        }
        for e in found
    ]
    columns = ("id", "file", "size", "type", "sha256", "code")
    emit_rows(rows, columns=columns, fmt=fmt, title="Evidence")
