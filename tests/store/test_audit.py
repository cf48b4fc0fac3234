"""No code path changes data without an audit event; the trail reads back and filters."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from storekit import ENGINES, Team, kpi_table, raw_table

from citykpi.errors import CityKpiError, StoreError
from citykpi.settings import Settings
from citykpi.store import (
    CityProfile,
    Store,
    add_city,
    add_comment,
    add_user,
    answer,
    create_token,
    disable_user,
    edit_value,
    exclude,
    publish,
    query,
    retract_value,
    start_review,
    submit,
    verify,
)
from citykpi.store import auth as auth_mod
from citykpi.store import cities as cities_mod
from citykpi.store import edits as edits_mod
from citykpi.store import evidence as evidence_mod
from citykpi.store import importer as importer_mod
from citykpi.store import listings as listings_mod
from citykpi.store import users as users_mod
from citykpi.store import values as values_mod
from citykpi.store import workflow as workflow_mod
from citykpi.store.audit import ActorRef, record
from citykpi.store.evidence import attach_evidence
from citykpi.store.importer import import_tables
from citykpi.store.schema import AuditEvent, Base, City
from citykpi.store.trail import read_audit
from citykpi.store.users import Actor

Mutation = Callable[[Session, Team, Path], object]


def _create_and_revoke(s: Session, t: Team) -> object:
    create_token(s, t.analyst, name="to revoke")
    return auth_mod.revoke_token(s, t.analyst, "to revoke")


#: Every public function of the store that changes data, called as a user would.
MUTATIONS: dict[str, Mutation] = {
    "add_user": lambda s, t, p: add_user(s, t.admin, "newbie", role="analyst"),
    "disable_user": lambda s, t, p: disable_user(s, t.admin, "pat", reason="left"),
    "set_password": lambda s, t, p: users_mod.set_password(s, t.admin, "pat", "a long password"),
    "create_token": lambda s, t, p: create_token(s, t.analyst, label="laptop"),
    "revoke_token": lambda s, t, p: _create_and_revoke(s, t),
    "revoke_secret": lambda s, t, p: auth_mod.revoke_secret(s, create_token(s, t.analyst)),
    "add_city": lambda s, t, p: add_city(s, t.admin, CityProfile("Tromsø", population=77_000.0)),
    "get_or_create_submission": lambda s, t, p: cities_mod.get_or_create_submission(
        s, t.editor, cities_mod.find_city(s, "Oslo"), 2030
    ),
    "import_tables": lambda s, t, p: import_tables(
        s,
        t.editor,
        "Oslo",
        2024,
        raw_table("Oslo", 2024, {"population": 1.0, "new_input": 2.0}),
        kpi_table("Oslo", 2024, {("EC: ICT: ICT: 1C", "household_internet_access"): 50.0}),
        file_name="again.csv",
        catalogue_version="v2",
    ),
    "write_values": lambda s, t, p: values_mod.write_values(
        s,
        t.editor,
        cities_mod.find_submission(s, cities_mod.find_city(s, "Oslo"), 2024),
        [values_mod.ValueInput("input", "extra", 5.0)],
        action="value.import",
    ),
    "framework_version": lambda s, t, p: values_mod.framework_version(s, t.editor, "v9"),
    "edit_value": lambda s, t, p: edit_value(
        s, t.editor, "Oslo", 2024, "households", value=9.0, reason="r"
    ),
    "retract_value": lambda s, t, p: retract_value(
        s, t.editor, "Oslo", 2024, "households", reason="r"
    ),
    "recompute_kpis": lambda s, t, p: edits_mod.recompute_kpis(
        s,
        t.editor,
        cities_mod.find_submission(s, cities_mod.find_city(s, "Oslo"), 2024),
        because="a test",
    ),
    "submit": lambda s, t, p: submit(s, t.editor, "Oslo", 2024),
    "start_review": lambda s, t, p: start_review(s, t.verifier, "Bergen", 2024),
    "verify": lambda s, t, p: verify(s, t.verifier, "Bergen", 2024, ["population"]),
    "query": lambda s, t, p: query(s, t.verifier, "Bergen", 2024, ["population"], comment="?"),
    "answer": lambda s, t, p: answer(s, t.editor, "Oslo", 2024, "population", comment="ok"),
    "exclude": lambda s, t, p: exclude(s, t.verifier, "Bergen", 2024, ["population"], reason="r"),
    "add_comment": lambda s, t, p: add_comment(s, t.verifier, "Oslo", 2024, "population", text="t"),
    "publish": lambda s, t, p: publish(s, t.verifier, "Bergen", 2024),
    "attach_evidence": lambda s, t, p: attach_evidence(
        s, t.editor, "Oslo", 2024, p, max_bytes=100, code="population"
    ),
}
#: Public functions that only read (or, for import_file/import_raw, delegate to import_tables).
READERS = {
    "actor_by_name",
    "actor_by_password",
    "actor_by_token",
    "active_actor",
    "check_password_rules",
    "find_user",
    "require_on_city",
    "list_users",
    "user_count",
    "city_profile",
    "find_city",
    "find_submission",
    "list_cities",
    "population_class",
    "ensure_not_published",
    "export_values",
    "find_slot",
    "history",
    "publish_blockers",
    "evidence_content",
    "list_evidence",
    "read_evidence_file",  # reads a file, not the store
    "sniff_content_type",  # looks at bytes only
    "import_file",
    "import_raw",
    "issues_message",
    "stored_raw_frame",
    "submission_issues",
    "current_revision",
    "kpi_items",
    "local_actor",
    "is_single_person",
    "store_setting",
    "list_tokens",
    "touch_due",
}
#: Bookkeeping that is not an audited change: a token's last-used time (set at most every
#: auth.TOUCH_EVERY, tested in tests/cli/test_store_reading.py).
BOOKKEEPING = {"touch_token"}
#: Public functions that change data but cannot be called as above: ``login`` opens its own
#: transactions on a Store, ``make_single_person`` refuses PostgreSQL. Both are audited, as
#: tests/store/test_identity.py checks.
ELSEWHERE = {"login", "make_single_person"}


def _public_functions() -> set[str]:
    found: set[str] = set()
    for module in (
        users_mod,
        auth_mod,
        cities_mod,
        values_mod,
        listings_mod,
        edits_mod,
        workflow_mod,
        evidence_mod,
        importer_mod,
    ):
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                found.add(name)
    return found


def test_every_public_store_function_is_classified() -> None:
    assert _public_functions() == set(MUTATIONS) | READERS | ELSEWHERE | BOOKKEEPING


def _snapshot(store: Store) -> dict[str, set[tuple[object, ...]]]:
    with store.engine.connect() as conn:
        return {
            table.name: {tuple(r) for r in conn.execute(table.select())}
            for table in Base.metadata.sorted_tables
            if table.name != "audit_events"
        }


def _prepare(store: Store, team: Team) -> None:
    with store.transaction() as s:
        for city in ("Oslo", "Bergen"):
            import_tables(
                s,
                team.editor if city == "Oslo" else team.other_editor,
                city,
                2024,
                raw_table(city, 2024, {"population": 7.0, "households": 3.0}),
                kpi_table(city, 2024, {}),
                file_name=f"{city}.csv",
            )
    with store.transaction() as s:
        submit(s, team.other_editor, "Bergen", 2024)
        submit(s, team.editor, "Oslo", 2024)
    with store.transaction() as s:
        query(s, team.verifier, "Oslo", 2024, ["population"], comment="Which year?")
    with store.transaction() as s:
        exclude(s, team.verifier, "Bergen", 2024, ["households"], reason="not traceable")


@ENGINES
@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_no_code_path_changes_data_without_an_audit_event(
    store: Store, team: Team, tmp_path: Path, name: str
) -> None:
    _prepare(store, team)
    if name == "publish":
        with store.transaction() as s:
            verify(s, team.verifier, "Bergen", 2024, ["population"])
    if name == "submit":
        with store.transaction() as s:
            answer(s, team.editor, "Oslo", 2024, "population", comment="Register of 2024.")
    proof = tmp_path / "proof.txt"
    proof.write_text("evidence", encoding="utf-8")
    before = _snapshot(store)
    with store.transaction() as s:
        events_before = s.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    with store.transaction() as s:
        MUTATIONS[name](s, team, proof)
    after = _snapshot(store)
    changed = {t for t in after if after[t] != before[t]}
    assert changed, f"{name} changed nothing; the table of mutations is wrong"
    with store.transaction() as s:
        new_events = list(s.scalars(select(AuditEvent).where(AuditEvent.id > events_before)))
    assert new_events, f"{name} changed {sorted(changed)} without an audit event"
    assert all(e.actor_name for e in new_events)


@ENGINES
def test_a_change_without_an_event_is_refused_and_rolled_back(store: Store, team: Team) -> None:
    with (
        pytest.raises(StoreError, match="without an audit event for: city 1"),
        store.transaction() as s,
    ):
        s.scalars(select(City).where(City.name == "Oslo")).one().country = "Sweden"
    with store.transaction() as s:
        assert s.scalars(select(City).where(City.name == "Oslo")).one().country == "Norway"


def test_an_event_for_the_changed_entity_lets_the_change_through(store: Store, team: Team) -> None:
    with store.transaction() as s:
        oslo = s.scalars(select(City).where(City.name == "Oslo")).one()
        oslo.region = "Viken"
        record(s, ActorRef(1, "ada"), "city.edit", oslo.audit_key(), after={"region": "Viken"})
    with store.engine.connect() as conn:
        assert (
            conn.execute(text("SELECT region FROM cities WHERE name = 'Oslo'")).scalar() == "Viken"
        )


def test_the_trail_records_before_after_actor_and_reason(store: Store, team: Team) -> None:
    _prepare(store, team)
    with store.transaction() as s:
        edit_value(s, team.editor, "Oslo", 2024, "population", value=8.0, reason="2024 register")
    with store.transaction() as s:
        last = [e for e in read_audit(s, team.analyst, city="Oslo") if e.action == "value.edit"][-1]
    assert (last.actor, last.action, last.entity_type, last.reason, last.year) == (
        "eva",
        "value.edit",
        "value",
        "2024 register",
        2024,
    )
    assert json.loads(last.before)["value"] == 7.0
    assert json.loads(last.before)["state"] == "queried"
    assert json.loads(last.after) == {
        "quality": "accurate_measurement",
        "retracted": False,
        "revision": 2,
        "source": "statistics office",
        "state": "corrected",
        "status": "reported",
        "unit": "",
        "value": 8.0,
    }


def test_the_trail_filters_by_city_and_time_and_scopes_editors(store: Store, team: Team) -> None:
    _prepare(store, team)
    with store.transaction() as s:
        everything = read_audit(s, team.analyst)
        oslo = read_audit(s, team.analyst, city="Oslo")
        own = read_audit(s, team.editor)
        future = read_audit(s, team.analyst, since=datetime.now(UTC) + timedelta(hours=1))
        past = read_audit(s, team.analyst, since=datetime.now(UTC) - timedelta(hours=1))
    oslo_id = oslo[0].city_id
    assert oslo
    assert all(e.city_id == oslo_id for e in oslo)
    assert [e.id for e in own] == [e.id for e in oslo]
    assert len(everything) > len(oslo)
    assert future == []
    assert [e.id for e in past] == [e.id for e in everything]


def test_an_actor_reads_nothing_she_may_not() -> None:
    with pytest.raises(CityKpiError):
        Actor(9, "pat", users_mod.Role.PUBLIC).require(users_mod.Action.READ_AUDIT)


def test_settings_default_is_used_for_evidence_limit() -> None:
    assert Settings().evidence_max_bytes == 20 * 1024 * 1024
