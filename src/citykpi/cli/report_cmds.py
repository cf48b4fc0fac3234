"""Commands: report (city documents: verification report, snapshot, factsheet, certificate).

``citykpi report CITY YEAR --kind verification --format pdf -o r.pdf`` makes one document from
the published values of the store; ``--all -o DIR`` one per published city-year; ``--draft``
the current values whatever their state, marked DRAFT on every page; ``--from kpis.csv`` a KPI
table file instead of the store. Everything is :func:`citykpi.report.make_reports`.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from citykpi.cli._common import console, guarded
from citykpi.cli._store_session import AS_USER, TOKEN, done
from citykpi.cli._years import parse_year


class Kind(StrEnum):
    """The report kinds."""

    verification = "verification"
    snapshot = "snapshot"
    factsheet = "factsheet"
    certificate = "certificate"


class Format(StrEnum):
    """The report file formats."""

    pdf = "pdf"
    html = "html"


class Lang(StrEnum):
    """The report languages."""

    en = "en"
    fr = "fr"
    es = "es"


@guarded
def report_cmd(
    city: str | None = typer.Argument(None, help="City name, as in 'citykpi city list'."),
    year: int | None = typer.Argument(None, help="Reporting year.", parser=parse_year),
    kind: Kind = typer.Option(Kind.verification, "--kind", help="Which document."),
    fmt: Format = typer.Option(
        Format.pdf, "--format", help="pdf (tagged, for print) or html (one self-contained file)."
    ),
    lang: Lang = typer.Option(Lang.en, "--lang", help="Language of the fixed text."),
    out: Path = typer.Option(..., "-o", "--out", help="The file to write; with --all, the folder."),
    every: bool = typer.Option(
        False, "--all", help="One report per published city-year (per city-year of --from)."
    ),
    draft: bool = typer.Option(
        False,
        "--draft",
        help="Report the current values, verified or not, marked DRAFT on every page (needs a "
        "user who may read them: --as or --token).",
    ),
    from_file: Path | None = typer.Option(
        None, "--from", help="Read this KPI table file (citykpi compute) instead of the store."
    ),
    profiles: Path | None = typer.Option(
        None, "--profiles", help="City profile table (cities.csv) to go with --from."
    ),
    as_user: str = AS_USER,
    token: str = TOKEN,
    force: bool = typer.Option(False, "--force", help="Overwrite existing files."),
) -> None:
    """Make a city's U4SSC document (verification report, snapshot, factsheet, certificate)
    as PDF or HTML."""
    from citykpi.report import make_reports

    with console.status("Reading the values...") as status:
        made = make_reports(
            city,
            year,
            out=out,
            kind=kind.value,
            fmt=fmt.value,
            lang=lang.value,
            every=every,
            draft=draft,
            from_file=from_file,
            profiles=profiles,
            as_user=as_user,
            token=token,
            force=force,
            on_document=lambda c, y: status.update(f"Making the {kind.value} of {c} {y}..."),
        )
    what = f"draft {kind.value}" if made.draft else kind.value
    if every:
        done(f"Wrote {made.documents} {what} reports ({fmt.value}) to {out}.")
    else:
        done(f"Wrote the {what} report of {city} {year} to {made.paths[0]}.")


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("report")(report_cmd)
