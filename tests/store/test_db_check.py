"""``citykpi db check``: 0 on a consistent store, 1 naming each broken invariant.

Each broken store is made by hand, with SQL that bypasses citykpi (the append-only triggers
dropped first where a revision or audit event must change), as a careless operator would.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from storekit import ENGINES, Team, raw_table
from typer.testing import CliRunner

from citykpi.cli.main import build_app
from citykpi.store import Store, edit_value, history, publish, retract_value, submit, verify
from citykpi.store.check import CheckReport, check_store
from citykpi.store.importer import import_raw

INPUTS = {"households": 320_000.0, "households_with_internet": 300_000.0}
#: household_internet_access = households_with_internet / households * 100 = 93.75.
HIA = "household_internet_access"


def _import(store: Store, team: Team) -> None:
    import_raw(
        store,
        team.editor,
        raw_table("Oslo", 2024, INPUTS),
        city="Oslo",
        year=2024,
        file_name="oslo.csv",
    )


def _sql(store: Store, *statements: str) -> None:
    with store.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


def _drop_revision_triggers(store: Store) -> None:
    if store.engine.dialect.name == "sqlite":
        _sql(
            store,
            "DROP TRIGGER value_revisions_no_update",
            "DROP TRIGGER value_revisions_no_delete",
        )
    else:
        _sql(store, "DROP TRIGGER value_revisions_append_only ON value_revisions")


def _problems(report: CheckReport) -> list[tuple[str, int | None, str, str]]:
    return [(v.city, v.year, v.code, v.problem) for v in report.violations]


@ENGINES
def test_a_store_written_through_citykpi_is_consistent(store: Store, team: Team) -> None:
    _import(store, team)
    with store.transaction() as s:
        edit_value(s, team.editor, "Oslo", 2024, "households", value=330_000.0, reason="census")
    with store.transaction() as s:
        submit(s, team.editor, "Oslo", 2024)
    with store.transaction() as s:
        verify(s, team.verifier, "Oslo", 2024, [])
    with store.transaction() as s:
        publish(s, team.admin, "Oslo", 2024)
    report = check_store(store)
    assert (report.ok, report.submissions, report.values) == (True, 1, 2 + 112)


@ENGINES
def test_a_stale_kpi_made_by_hand_is_named(store: Store, team: Team) -> None:
    _import(store, team)
    _drop_revision_triggers(store)
    # The input changes behind citykpi's back: the KPI computed from it is now stale.
    _sql(
        store,
        "UPDATE value_revisions SET value = 640000 WHERE value_id = "
        "(SELECT id FROM kpi_values WHERE code = 'households')",
    )
    report = check_store(store)
    assert _problems(report) == [
        (
            "Oslo",
            2024,
            HIA,
            "stale KPI: stored 93.75 (computed, revision 1), but the current inputs give "
            "46.875 (computed)",
        )
    ]
    assert "value set" in report.violations[0].fix


@ENGINES
def test_a_revision_without_audit_event_and_a_broken_chain_are_named(
    store: Store, team: Team
) -> None:
    _import(store, team)
    _drop_revision_triggers(store)
    _sql(
        store,
        # A second revision with the same value, inserted by hand: no audit event.
        "INSERT INTO value_revisions (value_id, number, value, raw_value, unit, status, reason,"
        " source, quality, provenance, retracted, note, created_at) SELECT value_id, 2, value,"
        " raw_value, unit, status, reason, source, quality, provenance, retracted, note,"
        " created_at FROM value_revisions WHERE value_id = "
        "(SELECT id FROM kpi_values WHERE code = 'households')",
        # The chain of the other input points past its newest revision.
        "UPDATE kpi_values SET current_revision = 3, version = version + 1 "
        "WHERE code = 'households_with_internet'",
    )
    problems = _problems(check_store(store))
    assert ("Oslo", 2024, "households", "2 revision(s) but 1 audit event(s) that write one") in (
        problems
    )
    assert (
        "Oslo",
        2024,
        "households",
        "revision chain broken: 2 revision(s) numbered 1..2, current revision 1",
    ) in problems
    assert (
        "Oslo",
        2024,
        "households_with_internet",
        "revision chain broken: 1 revision(s) numbered 1..1, current revision 3",
    ) in problems


@ENGINES
def test_a_value_published_without_a_second_persons_verification_is_named(
    store: Store, team: Team
) -> None:
    _import(store, team)
    with store.transaction() as s:
        submit(s, team.editor, "Oslo", 2024)
    # Published by hand, skipping the verifier.
    _sql(
        store,
        "UPDATE kpi_values SET state = 'published', version = version + 1 "
        "WHERE code = 'households'",
        "UPDATE submissions SET status = 'published', version = version + 1",
    )
    problems = _problems(check_store(store))
    assert ("Oslo", 2024, "households", "published value was never verified") in problems
    assert (
        "Oslo",
        2024,
        "households",
        "state 'published' but the audit trail's latest state is 'submitted'",
    ) in problems
    assert ("Oslo", 2024, "", "published submission has no 'submission.publish' audit event") in (
        problems
    )
    assert (
        "Oslo",
        2024,
        "households_with_internet",
        "published submission holds a reported value in state 'submitted'",
    ) in problems


@pytest.fixture
def cli_store(
    store: Store, team: Team, fresh_url: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[Store, str]:
    _import(store, team)
    monkeypatch.setenv("CITYKPI_DATABASE_URL", fresh_url)
    monkeypatch.setenv("COLUMNS", "300")
    return store, fresh_url


@ENGINES
def test_db_check_exits_0_on_a_consistent_store_and_1_on_a_stale_kpi(
    cli_store: tuple[Store, str],
) -> None:
    store, _ = cli_store
    ok = CliRunner().invoke(build_app(), ["db", "check"])
    assert ok.exit_code == 0, ok.output
    assert "is consistent: 1 submission(s) and 114 value(s) checked." in ok.stdout
    _drop_revision_triggers(store)
    _sql(
        store,
        "UPDATE value_revisions SET value = 640000 WHERE value_id = "
        "(SELECT id FROM kpi_values WHERE code = 'households')",
    )
    bad = CliRunner().invoke(build_app(), ["db", "check", "--format", "json"])
    assert bad.exit_code == 1, bad.output
    assert '"code": "household_internet_access"' in bad.stdout
    assert '"problem": "stale KPI: stored 93.75 (computed, revision 1)' in bad.stdout
    assert "breaks 1 invariant(s); see each fix above." in bad.stderr


@ENGINES
def test_retracting_every_input_leaves_no_kpi_holding_a_value(store: Store, team: Team) -> None:
    # open_data_number has one input: until it goes, the KPI is computed; when it goes last,
    # the submission has no input left and compute gives no row to replace the old value.
    single = "open_data_number"
    values = {"households": 320_000.0, "open_data_sets": 12.0}
    import_raw(
        store,
        team.editor,
        raw_table("Oslo", 2024, values),
        city="Oslo",
        year=2024,
        file_name="oslo.csv",
    )
    import_raw(  # another submission keeps inputs in the store
        store,
        team.other_editor,
        raw_table("Bergen", 2024, INPUTS),
        city="Bergen",
        year=2024,
        file_name="bergen.csv",
    )
    with store.transaction() as s:
        assert history(s, team.editor, "Oslo", 2024, code=single)[-1]["value"] == 12.0
    for code in values:  # open_data_sets last
        with store.transaction() as s:
            retract_value(s, team.editor, "Oslo", 2024, code, reason="withdrawn")
    report = check_store(store)
    assert report.ok, _problems(report)
    with store.transaction() as s:
        last = history(s, team.editor, "Oslo", 2024, code=single)[-1]
    assert last["value"] is None
    assert last["status"] == "not_reported"


@ENGINES
def test_a_kpi_holding_a_value_in_a_store_without_inputs_is_named(store: Store, team: Team) -> None:
    import_raw(
        store,
        team.editor,
        raw_table("Oslo", 2024, {"open_data_sets": 12.0}),
        city="Oslo",
        year=2024,
        file_name="oslo.csv",
    )
    _drop_revision_triggers(store)
    _sql(  # the only input retracted by hand: its KPI is not recomputed
        store,
        "UPDATE value_revisions SET retracted = true, value = NULL WHERE value_id = "
        "(SELECT id FROM kpi_values WHERE code = 'open_data_sets')",
    )
    problems = _problems(check_store(store))
    assert (
        "Oslo",
        2024,
        "open_data_number",
        "KPI holds 12.0 (computed) but the submission has no current input",
    ) in problems
