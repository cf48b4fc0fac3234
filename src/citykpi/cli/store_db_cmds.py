"""The database commands that need no user: ``db check`` (``db upgrade`` is registered beside).

``db check`` only reads: whoever can open the database can read every row anyway, so it runs
without ``--as``. It prints every violation of the store's invariants
(:mod:`citykpi.store.check`) and exits 1 if there is one, 0 on a consistent store.
"""

from __future__ import annotations

import typer

from citykpi.cli._common import EXIT_VALIDATION, OutputFormat, emit_rows, guarded
from citykpi.cli._store_session import FORMAT, done, opened

_COLUMNS = ("city", "year", "code", "problem", "fix")


@guarded
def db_check_cmd(fmt: OutputFormat = FORMAT) -> None:
    """Check the store's invariants: no stale KPI, complete audit trail and revisions, four eyes.

    Exits 1 naming each violation (city, year, code, what is wrong, what to do), 0 when the
    store is consistent.
    """
    from citykpi.store.check import check_store

    with opened() as store:
        report = check_store(store)
        url = store.url
    if report.ok:
        if fmt is OutputFormat.table:
            done(
                f"The store at {url} is consistent: {report.submissions} submission(s) and "
                f"{report.values} value(s) checked."
            )
        else:
            emit_rows([], columns=_COLUMNS, fmt=fmt)
        return
    emit_rows(
        [v.as_dict() for v in report.violations],
        columns=_COLUMNS,
        fmt=fmt,
        title=f"{len(report.violations)} violation(s) in {url}",
    )
    typer.echo(
        f"The store at {url} breaks {len(report.violations)} invariant(s); see each fix above.",
        err=True,
    )
    raise typer.Exit(EXIT_VALIDATION)


__all__ = ["db_check_cmd"]
