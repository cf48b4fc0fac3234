"""The permission matrix: every role x every action, allowed or refused as issue 3 specifies."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from storekit import Team, kpi_table, raw_table

from citykpi.errors import CityKpiError, PermissionDenied
from citykpi.settings import Settings
from citykpi.store import (
    CityProfile,
    Store,
    add_city,
    add_comment,
    add_user,
    answer,
    city_profile,
    create_token,
    disable_user,
    edit_value,
    exclude,
    export_values,
    history,
    list_cities,
    list_users,
    publish,
    query,
    retract_value,
    start_review,
    submit,
    verify,
)
from citykpi.store.evidence import attach_evidence
from citykpi.store.findings import findings
from citykpi.store.importer import import_tables
from citykpi.store.trail import read_audit
from citykpi.store.users import Actor

Op = Callable[[Session, Actor, Path], object]

#: action -> (operation, allowed for admin, own city editor, other city's editor, verifier,
#: analyst, public). Written from the issue, not derived from the code's matrix.
MATRIX: dict[str, tuple[Op, str]] = {
    "user add": (lambda s, a, p: add_user(s, a, "newbie", role="analyst"), "Y....."),
    "user list": (lambda s, a, p: list_users(s, a), "Y....."),
    "user disable": (lambda s, a, p: disable_user(s, a, "zed"), "Y....."),
    "token for self": (lambda s, a, p: create_token(s, a), "YYYYYY"),
    "token for another": (lambda s, a, p: create_token(s, a, user="zed"), "Y....."),
    "city add": (lambda s, a, p: add_city(s, a, CityProfile("Tromsø")), "Y....."),
    "city list": (lambda s, a, p: list_cities(s, a), "YYYYYY"),
    "city show": (lambda s, a, p: city_profile(s, a, "Oslo"), "YYYYYY"),
    "import": (
        lambda s, a, p: import_tables(
            s,
            a,
            "Oslo",
            2024,
            raw_table("Oslo", 2024, {"population": 1.0}),
            kpi_table("Oslo", 2024, {}),
            file_name="x.csv",
        ),
        "YY....",
    ),
    "edit": (
        lambda s, a, p: edit_value(s, a, "Oslo", 2024, "population", value=1.0, reason="r"),
        "YY.Y..",
    ),
    "retract": (
        lambda s, a, p: retract_value(s, a, "Oslo", 2024, "population", reason="r"),
        "YY.Y..",
    ),
    "answer": (lambda s, a, p: answer(s, a, "Oslo", 2024, "households", comment="c"), "YY...."),
    "evidence": (
        lambda s, a, p: attach_evidence(s, a, "Oslo", 2024, p, max_bytes=1000),
        "YY....",
    ),
    "submit": (lambda s, a, p: submit(s, a, "Oslo", 2024), "YY...."),
    "review start": (lambda s, a, p: start_review(s, a, "Oslo", 2024), "Y..Y.."),
    "verify": (lambda s, a, p: verify(s, a, "Oslo", 2024, ["population"]), "Y..Y.."),
    "query": (lambda s, a, p: query(s, a, "Oslo", 2024, ["population"], comment="c"), "Y..Y.."),
    "exclude": (lambda s, a, p: exclude(s, a, "Oslo", 2024, ["population"], reason="r"), "Y..Y.."),
    "publish": (lambda s, a, p: publish(s, a, "Oslo", 2024), "Y..Y.."),
    "comment": (
        lambda s, a, p: add_comment(s, a, "Oslo", 2024, "population", text="t"),
        "YY.Y..",
    ),
    "history": (lambda s, a, p: history(s, a, "Oslo", 2024), "YY.YY."),
    "findings": (lambda s, a, p: findings(s, a, "Oslo", 2024, settings=Settings()), "YY.YY."),
    "export all states": (lambda s, a, p: export_values(s, a), "YYYYY."),
    "export published": (lambda s, a, p: export_values(s, a, state="published"), "YYYYYY"),
    "audit of Oslo": (lambda s, a, p: read_audit(s, a, city="Oslo"), "YY.YY."),
    "audit of all": (lambda s, a, p: read_audit(s, a), "YYYYY."),
}
ROLES = ("admin", "editor", "other_editor", "verifier", "analyst", "public")


class _Rollback(Exception):
    """Raised to undo an operation after it ran."""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, Team, Path]:
    """Oslo 2024 imported, submitted, and 'households' queried; one user per role, a public
    user 'zed' and a second Oslo editor 'eli' who never touches a value."""
    from storekit import make_team

    from citykpi.store import open_store, upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('matrix') / 'm.db'}"
    upgrade(url)
    store = open_store(url, settings=Settings(database_url=url))
    team = make_team(store)
    with store.transaction() as s:
        add_user(s, team.admin, "zed", role="public")
        add_user(s, team.admin, "eli", role="city_editor", cities=["Oslo"])  # authors nothing
    with store.transaction() as s:
        import_tables(
            s,
            team.editor,
            "Oslo",
            2024,
            raw_table("Oslo", 2024, {"population": 7.0, "households": 3.0}),
            kpi_table("Oslo", 2024, {}),
            file_name="oslo.csv",
        )
    with store.transaction() as s:
        submit(s, team.editor, "Oslo", 2024)
    with store.transaction() as s:
        query(s, team.verifier, "Oslo", 2024, ["households"], comment="Which year?")
    evidence = tmp_path_factory.mktemp("ev") / "proof.pdf"
    evidence.write_bytes(b"%PDF-1.4 proof")
    return store, team, evidence


def _outcome(store: Store, actor: Actor, op: Op, evidence: Path) -> str:
    try:
        with store.transaction() as s:
            op(s, actor, evidence)
            raise _Rollback
    except PermissionDenied:
        return "."
    except (_Rollback, CityKpiError):
        # Any other refusal (wrong state, nothing to publish) means the role was allowed.
        return "Y"


@pytest.mark.parametrize("action", sorted(MATRIX))
def test_every_role_is_allowed_or_refused_as_specified(
    world: tuple[Store, Team, Path], action: str
) -> None:
    store, team, evidence = world
    op, expected = MATRIX[action]
    got = "".join(_outcome(store, getattr(team, role), op, evidence) for role in ROLES)
    assert got == expected, f"{action}: roles {ROLES}"


def test_a_refusal_names_the_user_the_role_and_who_may() -> None:
    from citykpi.store.users import Action, Role

    analyst = Actor(5, "ana", Role.ANALYST)
    with pytest.raises(
        PermissionDenied,
        match=r"User 'ana' has role 'analyst', which may not publish a submission; "
        r"that needs one of the roles admin, verifier\.",
    ):
        analyst.require(Action.PUBLISH)
    editor = Actor(2, "eva", Role.CITY_EDITOR, frozenset({1}))
    with pytest.raises(PermissionDenied, match=r"may not import data, .* for city 'Bergen'"):
        editor.require(Action.EDIT_DATA, city_id=2, city="Bergen")


def test_a_disabled_user_cannot_act(world: tuple[Store, Team, Path]) -> None:
    from citykpi.store import actor_by_name

    store, team, _ = world
    with store.transaction() as s:
        disable_user(s, team.admin, "vic", reason="left the team")
    with pytest.raises(PermissionDenied, match="User 'vic' is disabled"), store.transaction() as s:
        actor_by_name(s, "vic")


#: The review actions, which a city editor may not take even on values she never touched.
REVIEW_OPS: dict[str, Op] = {
    name: MATRIX[name][0] for name in ("review start", "verify", "query", "exclude", "publish")
}


@pytest.mark.parametrize("action", sorted(REVIEW_OPS))
def test_a_city_editor_who_authored_nothing_still_may_not_review(
    world: tuple[Store, Team, Path], action: str
) -> None:
    """The refusal comes from her role, not from the four-eyes rule."""
    from citykpi.store import actor_by_name

    store, _, evidence = world
    with store.transaction() as s:
        eli = actor_by_name(s, "eli")
    with (
        pytest.raises(PermissionDenied, match=r"User 'eli' has role 'city_editor', which may not"),
        store.transaction() as s,
    ):
        REVIEW_OPS[action](s, eli, evidence)
