"""Identity: names are normalised and unique, tokens expire and are revoked, logins are
rate-limited, ``--as`` alone acts only on a single-person SQLite store, and every audit event
records how its actor was authenticated (issue 9, scope 1 and the names of scope 5)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import insert, select, update
from storekit import ENGINES, Team

from citykpi.errors import InputError, NotFound, PermissionDenied
from citykpi.store import CityProfile, Store, add_city, add_user, create_token
from citykpi.store.auth import (
    Auth,
    actor_by_token,
    is_single_person,
    list_tokens,
    local_actor,
    login,
    make_single_person,
    revoke_secret,
    revoke_token,
)
from citykpi.store.cities import find_city
from citykpi.store.names import name_key, normalise_name, skeleton
from citykpi.store.schema import ApiToken, AuditEvent, LoginAttempt, User, utcnow
from citykpi.store.users import find_user, set_password

PASSWORD = "correct horse battery"


# --- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Vera", "A user named 'vera' already exists"),
        ("VERA", "A user named 'vera' already exists"),
        ("vera ", "A user named 'vera' already exists"),
        ("  vera\u00a0", "A user named 'vera' already exists"),
        ("ｖｅｒａ", "A user named 'vera' already exists"),  # fullwidth: NFKC makes it 'vera'
        ("vеrа", "looks like the existing user 'vera'"),  # Cyrillic е and а
        ("νera", "looks like the existing user 'vera'"),  # Greek nu
        ("ver\x00a", "cannot contain U+0000"),
        ("vera\nroot", "cannot contain U+000A"),
        ("ve\u200bra", "cannot contain U+200B (ZERO WIDTH SPACE)"),
        ("\u202eares", "cannot contain U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ("   ", "A user name cannot be empty"),
        ("x" * 101, "at most 100 characters"),
        ("ß" * 60, "has 120 (counted as compared, ignoring case)"),  # the key would not fit
    ],
)
def test_a_user_name_that_reads_as_an_existing_one_or_hides_characters_is_refused(
    store: Store, team: Team, name: str, message: str
) -> None:
    with pytest.raises(InputError, match=re.escape(message)), store.transaction() as s:
        add_user(s, team.admin, name, role="analyst")
    with store.transaction() as s:
        assert s.scalar(select(User.id).where(User.name == name)) is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("oslo", "A city named 'Oslo' already exists"),
        ("Oslo ", "A city named 'Oslo' already exists"),
        ("Оslo", "looks like the existing city 'Oslo'"),  # Cyrillic capital О
        ("Os\x00lo", "cannot contain U+0000"),
        ("Bergen\n", "cannot contain U+000A"),
    ],
)
def test_a_city_name_that_reads_as_an_existing_one_is_refused(
    store: Store, team: Team, name: str, message: str
) -> None:
    with pytest.raises(InputError, match=re.escape(message)), store.transaction() as s:
        add_city(s, team.admin, CityProfile(name))


def test_names_are_stored_normalised_and_found_by_their_key(store: Store, team: Team) -> None:
    with store.transaction() as s:
        added = add_user(s, team.admin, "  Anne\u00a0  Marie ", role="analyst")
        city = add_city(s, team.admin, CityProfile("ﬁnse"))  # the ligature ﬁ is NFKC 'fi'
    assert added.name == "Anne Marie"
    assert city.name == "finse"
    with store.transaction() as s:
        assert find_user(s, "anne marie").name == "Anne Marie"
        assert find_city(s, "FINSE ").name == "finse"
        keys = dict(s.execute(select(User.name, User.name_key)).all())
    assert keys["Anne Marie"] == "anne marie"


def test_the_name_key_and_skeleton() -> None:
    assert name_key(" Straße ") == "strasse"
    assert skeleton("раура1") == skeleton("paypal")  # Cyrillic р а у, digit 1
    assert skeleton("Ålesund") != skeleton("Alesund")  # accents are real letters
    assert normalise_name("Tromsø", what="city", max_length=200, example="x") == "Tromsø"


# --- passwords, tokens and logins -------------------------------------------------------------


def test_a_short_password_is_refused_with_the_minimum(store: Store, team: Team) -> None:
    with (
        pytest.raises(InputError, match="at least 12 characters; this one has 5"),
        store.transaction() as s,
    ):
        add_user(s, team.admin, "carla", role="analyst", password="short")
    with pytest.raises(InputError, match="at least 30 characters"), store.transaction() as s:
        set_password(s, team.analyst, "ana", PASSWORD, password_min_length=30)


@ENGINES
def test_tokens_have_a_name_an_expiry_and_a_last_use_and_can_be_revoked(
    store: Store, team: Team
) -> None:
    with store.transaction() as s:
        token = create_token(s, team.analyst, name="laptop", lifetime=timedelta(days=1))
    with store.transaction() as s:
        assert actor_by_token(s, token).auth == Auth.TOKEN
    with store.transaction() as s:
        (info,) = list_tokens(s, team.analyst)
    assert (info.name, info.user, info.state) == ("laptop", "ana", "active")
    assert info.last_used_at is not None
    assert timedelta(hours=23) < info.expires_at - utcnow() <= timedelta(days=1)
    with (
        pytest.raises(InputError, match="already has a live token named 'laptop'"),
        store.transaction() as s,
    ):
        create_token(s, team.analyst, name="laptop")
    with store.transaction() as s:
        revoke_token(s, team.analyst, "laptop")
    with (
        pytest.raises(PermissionDenied, match="The token 'laptop' was revoked at "),
        store.transaction() as s,
    ):
        actor_by_token(s, token)
    with store.transaction() as s:
        assert [t.state for t in list_tokens(s, team.analyst)] == ["revoked"]


@ENGINES
def test_an_expired_token_is_refused_saying_so(store: Store, team: Team) -> None:
    with store.transaction() as s:
        token = create_token(s, team.analyst, name="old")
        s.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(minutes=1)))
    with (
        pytest.raises(PermissionDenied, match=r"The token .old. expired at .* create a new one"),
        store.transaction() as s,
    ):
        actor_by_token(s, token)


@ENGINES
def test_only_admins_list_and_revoke_the_tokens_of_others(store: Store, team: Team) -> None:
    with store.transaction() as s:
        create_token(s, team.analyst, name="mine")
        create_token(s, team.verifier, name="hers")
    with store.transaction() as s:
        assert [t.name for t in list_tokens(s, team.analyst)] == ["mine"]
        assert [t.name for t in list_tokens(s, team.admin)] == ["mine", "hers"]
        hers = list_tokens(s, team.admin)[1].id
    with pytest.raises(PermissionDenied, match="may not manage users"), store.transaction() as s:
        revoke_token(s, team.analyst, str(hers))
    with pytest.raises(NotFound, match="No live token 'hers'"), store.transaction() as s:
        revoke_token(s, team.analyst, "hers")
    with store.transaction() as s:
        assert revoke_token(s, team.admin, "hers", user="vera").state == "revoked"


@ENGINES
def test_a_login_gives_a_session_token_and_is_audited(store: Store, team: Team) -> None:
    with store.transaction() as s:
        set_password(s, team.admin, "vera", PASSWORD)
    done = login(store, "Vera", PASSWORD)
    assert done.user == "vera"
    assert timedelta(hours=11) < done.expires_at - utcnow() <= timedelta(hours=12)
    with store.transaction() as s:
        assert actor_by_token(s, done.token).auth == Auth.SESSION
        event = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event is not None
        assert (event.action, event.actor_name, event.auth) == ("token.create", "vera", "password")
        assert revoke_secret(s, done.token) is not None
    with (
        pytest.raises(PermissionDenied, match="log in again with 'citykpi login USER'"),
        store.transaction() as s,
    ):
        actor_by_token(s, done.token)


@ENGINES
def test_failed_logins_are_rate_limited_per_account(store: Store, team: Team) -> None:
    with store.transaction() as s:
        set_password(s, team.admin, "vera", PASSWORD)
    for _ in range(5):
        with pytest.raises(PermissionDenied, match="Wrong user name or password for 'vera'"):
            login(store, "vera", "not her password")
    with pytest.raises(PermissionDenied, match=r"Too many failed logins for 'vera': 5 within 15"):
        login(store, "vera", PASSWORD)  # even the right password, for the rest of the window
    with pytest.raises(PermissionDenied, match="Try again after 20"):
        login(store, "VERA ", PASSWORD)  # the same account by its name key
    with store.transaction() as s:
        attempts = s.scalars(select(LoginAttempt.ok).order_by(LoginAttempt.id)).all()
        assert attempts == [False] * 5  # refused attempts are not checked, so not recorded
        # the window passes: move the failures back by 16 minutes
        s.execute(update(LoginAttempt).values(at=utcnow() - timedelta(minutes=16)))
    assert login(store, "vera", PASSWORD).user == "vera"
    with store.transaction() as s:
        s.execute(insert(LoginAttempt).values(name_key="ana", at=utcnow(), ok=False))
    with pytest.raises(PermissionDenied, match="Wrong user name or password for 'ana'"):
        login(store, "ana", PASSWORD)  # a password-less account cannot log in
    with store.transaction() as s:
        s.execute(update(LoginAttempt).values(at=utcnow() - timedelta(days=2)))
    login(store, "vera", PASSWORD)
    with store.transaction() as s:  # attempts older than a day are deleted: the table stays small
        assert s.scalars(select(LoginAttempt.ok)).all() == [True]


def test_a_login_of_an_unknown_user_says_the_same_as_a_wrong_password(
    store: Store, team: Team
) -> None:
    with pytest.raises(PermissionDenied, match=r"^Wrong user name or password for .nobody.\.$"):
        login(store, "nobody", PASSWORD)


# --- who may act without a credential ---------------------------------------------------------


def test_as_alone_acts_only_on_a_single_person_store_for_an_account_without_credentials(
    store: Store, team: Team
) -> None:
    with (
        pytest.raises(PermissionDenied, match="works only on a single-person SQLite store"),
        store.transaction() as s,
    ):
        local_actor(s, "eva")
    with store.transaction() as s:
        make_single_person(s)
        assert is_single_person(s)
    with store.transaction() as s:
        assert local_actor(s, "eva").auth == Auth.LOCAL
        set_password(s, team.admin, "vera", PASSWORD)
        create_token(s, team.analyst, name="ci")
    for name in ("vera", "ana"):
        with (
            pytest.raises(PermissionDenied, match=f"log in with 'citykpi login {name}'"),
            store.transaction() as s,
        ):
            local_actor(s, name)


def test_a_store_with_passwords_cannot_become_single_person(store: Store, team: Team) -> None:
    with store.transaction() as s:
        set_password(s, team.admin, "vera", PASSWORD)
    with pytest.raises(InputError, match="accounts with passwords"), store.transaction() as s:
        make_single_person(s)


@pytest.mark.parametrize("fresh_url", ["postgresql"], indirect=True)
def test_a_postgresql_store_is_never_single_person(store: Store, team: Team) -> None:
    with (
        pytest.raises(InputError, match="A PostgreSQL store cannot be single-person"),
        store.transaction() as s,
    ):
        make_single_person(s)
    with store.transaction() as s:  # not even when the setting is written by hand
        from citykpi.store.schema import StoreSetting

        s.execute(insert(StoreSetting).values(key="single_person", value="1"))
    with pytest.raises(PermissionDenied, match="single-person"), store.transaction() as s:
        local_actor(s, "eva")


@ENGINES
def test_every_event_records_how_its_actor_was_authenticated(store: Store, team: Team) -> None:
    with store.transaction() as s:
        token = create_token(s, team.admin, name="ops")
    with store.transaction() as s:
        add_user(s, actor_by_token(s, token), "tove", role="analyst")
        add_city(s, replace(team.admin, auth=Auth.LOCAL), CityProfile("Tromsø"))
    with store.transaction() as s:
        auth = dict(s.execute(select(AuditEvent.action, AuditEvent.auth)).all())
    assert auth["user.add"] == "token"
    assert auth["city.add"] == "local"
    assert auth["token.create"] == "system"  # the team is made in Python, not by a person
