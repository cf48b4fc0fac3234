"""Users: argon2 passwords, hashed tokens, the bootstrap admin, and input checks."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select
from storekit import ENGINES, Team

from citykpi.errors import InputError, NotFound, PermissionDenied
from citykpi.store import (
    Store,
    actor_by_password,
    actor_by_token,
    add_user,
    create_token,
    list_users,
)
from citykpi.store.schema import ApiToken, AuditEvent, User


def test_passwords_are_stored_as_argon2_hashes_and_checked(store: Store, team: Team) -> None:
    with store.transaction() as s:
        add_user(s, team.admin, "carla", role="analyst", password="correct horse")
    with store.transaction() as s:
        stored = s.scalars(select(User).where(User.name == "carla")).one().password_hash
        assert stored.startswith("$argon2id$")
        assert "correct horse" not in stored
        assert actor_by_password(s, "carla", "correct horse").name == "carla"
    with (
        pytest.raises(PermissionDenied, match="Wrong user name or password for 'carla'"),
        store.transaction() as s,
    ):
        actor_by_password(s, "carla", "wrong")
    with (
        pytest.raises(PermissionDenied, match="Wrong user name or password for 'nobody'"),
        store.transaction() as s,
    ):
        actor_by_password(s, "nobody", "x")


@ENGINES
def test_tokens_are_stored_hashed_and_identify_their_owner(store: Store, team: Team) -> None:
    with store.transaction() as s:
        token = create_token(s, team.analyst, label="laptop")
    with store.transaction() as s:
        row = s.scalars(select(ApiToken)).one()
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in row.token_hash
        assert actor_by_token(s, token).name == "ana"
        assert actor_by_token(s, f"  {token}\n").name == "ana"


def test_only_the_first_user_of_an_empty_store_needs_no_identity(store: Store) -> None:
    with (
        pytest.raises(PermissionDenied, match="only the first user of an empty store"),
        store.transaction() as s,
    ):
        add_user(s, None, "eve", role="analyst")
    with store.transaction() as s:
        add_user(s, None, "root", role="admin")
    with (
        pytest.raises(PermissionDenied, match="only the first user of an empty store"),
        store.transaction() as s,
    ):
        add_user(s, None, "root2", role="admin")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"name": "x", "role": "boss"}, InputError, "Unknown role 'boss'; use one of admin"),
        ({"name": "eva", "role": "analyst"}, InputError, "A user named 'eva' already exists"),
        ({"name": "y", "role": "city_editor"}, InputError, "A city editor needs at least one city"),
        (
            {"name": "y", "role": "analyst", "cities": ["Oslo"]},
            InputError,
            "Only city editors are scoped to cities",
        ),
        (
            {"name": "y", "role": "city_editor", "cities": ["Atlantis"]},
            NotFound,
            "No city named 'Atlantis'",
        ),
        ({"name": " ", "role": "analyst"}, InputError, "A user name cannot be empty"),
    ],
)
def test_bad_user_input_is_refused_with_the_fix(
    store: Store, team: Team, kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message), store.transaction() as s:
        add_user(s, team.admin, **kwargs)  # type: ignore[arg-type]


def test_users_are_listed_with_role_state_and_cities(store: Store, team: Team) -> None:
    with store.transaction() as s:
        listed = [(u.name, u.role, u.active, u.cities) for u in list_users(s, team.admin)]
    assert listed == [
        ("ada", "admin", True, ()),
        ("ana", "analyst", True, ()),
        ("bo", "city_editor", True, ("Bergen",)),
        ("eva", "city_editor", True, ("Oslo",)),
        ("pat", "public", True, ()),
        ("vera", "verifier", True, ()),
        ("vic", "verifier", True, ()),
    ]


def test_a_password_is_set_by_its_owner_or_an_admin_and_audited(store: Store, team: Team) -> None:
    from citykpi.store.users import set_password

    with store.transaction() as s:
        set_password(s, team.analyst, "ana", "ana's own long password")
        set_password(s, team.admin, "vera", "vera's new long password")
    with pytest.raises(PermissionDenied, match="may not manage users"), store.transaction() as s:
        set_password(s, team.analyst, "vera", "not hers to set at all")
    with store.transaction() as s:
        assert actor_by_password(s, "ana", "ana's own long password").auth == "password"
        assert actor_by_password(s, "Vera", "vera's new long password").name == "vera"
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.action == "user.password"))
        assert len(list(actions)) == 2
