"""The verification workflow: ``submit``, the ``review`` group and ``publish``.

A city submits its values; a verifier takes them into review, then verifies, queries or
excludes each; a submission is published once every reported value is verified or excluded.
The commands are registered by :func:`citykpi.cli.store_cmds.register`.
"""

from __future__ import annotations

from collections.abc import Sequence

import typer

from citykpi.cli._common import OutputFormat, emit_rows, err_console, guarded
from citykpi.cli._store_session import (
    AS_USER,
    CITY,
    CODES,
    FORMAT,
    TOKEN,
    YEAR,
    done,
    reading_as,
    session_as,
)
from citykpi.errors import InputError
from citykpi.settings import load_settings

REVIEW_COLUMNS = ("kind", "code", "kpi_code", "value", "unit", "state", "revision", "version")


@guarded
def submit_cmd(
    city: str = CITY, year: int = YEAR, as_user: str = AS_USER, token: str = TOKEN
) -> None:
    """Submit a city's draft, corrected and answered values for verification."""
    from citykpi.store import submit

    with session_as(as_user, token) as (session, actor):
        n = submit(session, actor, city, year)
    done(f"Submitted {n} value(s) of {city} {year} for verification.")


@guarded
def review_list_cmd(
    city: str = CITY,
    year: int = YEAR,
    state: str = typer.Option("", "--state", help="Only values in this state."),
    as_user: str = AS_USER,
    token: str = TOKEN,
    fmt: OutputFormat = FORMAT,
) -> None:
    """List a submission's values with their state, then the verifier findings."""
    from citykpi.store import export_values
    from citykpi.store.findings import FINDING_COLUMNS, findings

    with reading_as(as_user, token) as (session, actor):
        rows = export_values(session, actor, state=state, city=city, year=year)
        found = findings(session, actor, city, year, settings=load_settings())
    emit_rows(rows, columns=REVIEW_COLUMNS, fmt=fmt, title=f"{city} {year}")
    if found:
        if fmt is OutputFormat.table:
            emit_rows(
                [f.as_dict() for f in found], columns=FINDING_COLUMNS, fmt=fmt, title="Findings"
            )
        else:
            err_console.print(
                f"{len(found)} finding(s); see them with --format table.", highlight=False
            )


@guarded
def review_start_cmd(
    city: str = CITY,
    year: int = YEAR,
    codes: list[str] | None = CODES,
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Take submitted values into review."""
    from citykpi.store import start_review

    with session_as(as_user, token) as (session, actor):
        n = start_review(session, actor, city, year, codes or [])
    done(f"{n} value(s) of {city} {year} are in review.")


def _codes_or_all(codes: Sequence[str] | None, every: bool) -> list[str]:
    if codes and every:
        msg = "Give value codes or --all, not both."
        raise InputError(msg)
    if not codes and not every:
        msg = "Name the values to verify, or pass --all for every submitted or in-review value."
        raise InputError(msg)
    return list(codes or [])


@guarded
def review_verify_cmd(
    city: str = CITY,
    year: int = YEAR,
    codes: list[str] | None = CODES,
    every: bool = typer.Option(False, "--all", help="Verify every submitted or in-review value."),
    comment: str = typer.Option("", "--comment", help="Note kept with the verification."),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Verify values (a verifier cannot verify what she submitted or edited)."""
    from citykpi.store import verify

    wanted = _codes_or_all(codes, every)
    with session_as(as_user, token) as (session, actor):
        n = verify(session, actor, city, year, wanted, comment=comment)
    done(f"Verified {n} value(s) of {city} {year}.")


@guarded
def review_query_cmd(
    city: str = CITY,
    year: int = YEAR,
    codes: list[str] | None = CODES,
    comment: str = typer.Option("", "--comment", help="What the city should check."),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Query values: send them back to the city with a comment."""
    from citykpi.store import query

    with session_as(as_user, token) as (session, actor):
        n = query(session, actor, city, year, codes or [], comment=comment)
    done(f"Queried {n} value(s) of {city} {year}.")


@guarded
def review_exclude_cmd(
    city: str = CITY,
    year: int = YEAR,
    codes: list[str] | None = CODES,
    reason: str = typer.Option("", "--reason", help="Why the value is not verified."),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Exclude values from publication with a reason (U4SSC 'KPIs not verified')."""
    from citykpi.store import exclude

    with session_as(as_user, token) as (session, actor):
        n = exclude(session, actor, city, year, codes or [], reason=reason)
    done(f"Excluded {n} value(s) of {city} {year}.")


@guarded
def publish_cmd(
    city: str = CITY,
    year: int = YEAR,
    reason: str = typer.Option("", "--reason", help="Note for the audit trail."),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Publish a submission once every reported value is verified or excluded."""
    from citykpi.store import publish

    with session_as(as_user, token) as (session, actor):
        n = publish(session, actor, city, year, reason=reason)
    done(f"Published {city} {year}: {n} value(s).")
