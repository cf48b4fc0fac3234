"""Authentication: who may act as an account, tokens, logins and the single-person store.

Rules (``docs/store.md`` states them for users):

* An account that has a password or a live token (neither expired nor revoked) is acted as
  only by presenting one of them: a token (:func:`actor_by_token`) or a password, exchanged by
  :func:`login` for a short-lived login token.
* Naming an account without a credential (:func:`local_actor`, ``--as NAME``) is accepted only
  for an account with neither, and only on a **single-person store**: an SQLite store whose
  ``store_settings.single_person`` is ``"1"`` (``citykpi db upgrade --single-person``). A
  PostgreSQL store is never single-person: a server is shared by nature.
* Tokens are random (256 bits); only their SHA-256 is stored, with a name, an expiry, the time
  they were last used (updated at most every :data:`TOUCH_EVERY`, bookkeeping that is not
  audited) and the time they were revoked. Login tokens are named ``login-...``.
* Password logins are rate-limited per account: after ``login_attempt_limit`` failures within
  ``login_attempt_window_minutes`` (since the last success) the account refuses logins until the
  oldest of them leaves the window. Every attempt is a row of ``login_attempts``; rows older
  than a day (or the window, if longer) are deleted at the next login.

Every :class:`~citykpi.store.users.Actor` carries how it was authenticated (:class:`Auth`);
each audit event records it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Final

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from citykpi.errors import InputError, NotFound, PermissionDenied
from citykpi.store.audit import ActorRef, as_utc, record
from citykpi.store.names import has_refused_characters, name_key
from citykpi.store.schema import ApiToken, LoginAttempt, StoreSetting, User, utcnow
from citykpi.store.users import Action, Actor, active_actor, find_user, password_hasher

if TYPE_CHECKING:
    from citykpi.settings import Settings
    from citykpi.store.engine import Store

TOKEN_PREFIX: Final = "ck_"
LOGIN_PREFIX: Final = "login-"
SINGLE_PERSON: Final = "single_person"
#: The last-used time of a token is written at most this often.
TOUCH_EVERY: Final = timedelta(minutes=5)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Return a hash no password matches, made on first use: only a login pays for hashing."""
    return password_hasher.hash("a password nobody has, for constant-time refusals")


class Auth(StrEnum):
    """How an actor was authenticated (the ``auth`` column of audit events)."""

    PASSWORD = "password"  # a password, checked in this transaction (citykpi login)
    TOKEN = "token"  # an API token
    SESSION = "session"  # a login token (citykpi login), used by later commands
    LOCAL = "local"  # named without a credential: single-person store, or the first admin
    SYSTEM = "system"  # the program itself (demo loader, library use in Python)


def _digest(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


# --- the single-person store --------------------------------------------------------------


def store_setting(session: Session, key: str) -> str:
    """Return the store setting ``key`` (``""`` when unset)."""
    return session.scalar(select(StoreSetting.value).where(StoreSetting.key == key)) or ""


def is_single_person(session: Session) -> bool:
    """Return whether the store is single-person: SQLite with ``single_person = "1"``."""
    if session.get_bind().dialect.name != "sqlite":
        return False
    return store_setting(session, SINGLE_PERSON) == "1"


def make_single_person(session: Session) -> None:
    """Mark the store single-person (``citykpi db upgrade --single-person``).

    Raises
    ------
    InputError
        On PostgreSQL, or when the store already has an account with a password or a token
        (it is then used by more than one person, or meant to be protected).
    """
    if session.get_bind().dialect.name != "sqlite":
        msg = (
            "A PostgreSQL store cannot be single-person: a database server is shared. Log in "
            "with 'citykpi login USER' instead, or use an SQLite file for one person."
        )
        raise InputError(msg)
    if is_single_person(session):
        return
    protected = session.scalar(select(User.name).where(User.password_hash != "").limit(1))
    if protected is not None:
        msg = (
            f"This store has accounts with passwords (e.g. {protected!r}); it cannot become "
            "single-person. Log in with 'citykpi login USER' instead."
        )
        raise InputError(msg)
    row = StoreSetting(key=SINGLE_PERSON, value="1")
    session.add(row)
    session.flush()
    record(
        session,
        ActorRef(None, "system", Auth.SYSTEM),
        "store.setting",
        row.audit_key(),
        after={SINGLE_PERSON: "1"},
    )


def _has_live_token(session: Session, user_id: int) -> bool:
    now = utcnow()
    rows = session.execute(
        select(ApiToken.expires_at).where(
            ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None)
        )
    )
    return any(as_utc(expires) > now for (expires,) in rows)


def local_actor(session: Session, name: str) -> Actor:
    """Return user ``name`` acting without a credential, where the rules allow it.

    Raises
    ------
    NotFound
        No such user.
    PermissionDenied
        The store is not single-person, or the account has a password or a live token; the
        message says how to log in.
    """
    user = find_user(session, name)
    login = (
        f"log in with 'citykpi login {user.name}' (the password is read from a prompt or "
        "--password-stdin), or give --token TOKEN (or set CITYKPI_TOKEN)"
    )
    if user.password_hash or _has_live_token(session, user.id):
        msg = (
            f"User {user.name!r} has a password or a token, so --as alone cannot act as her; "
            f"{login}."
        )
        raise PermissionDenied(msg)
    if not is_single_person(session):
        msg = (
            f"--as {user.name} without a password or token works only on a single-person SQLite "
            f"store ('citykpi db upgrade --single-person'); on this store {login}. An admin "
            f"can give {user.name!r} a password with 'citykpi user password {user.name}'."
        )
        raise PermissionDenied(msg)
    return replace(active_actor(user), auth=Auth.LOCAL)


# --- passwords and logins -----------------------------------------------------------------


def _retry_at(session: Session, key: str, settings: Settings) -> datetime | None:
    """Return until when logins of ``key`` are refused (``None``: they are allowed)."""
    window = timedelta(minutes=settings.login_attempt_window_minutes)
    since = utcnow() - window
    rows = session.execute(
        select(LoginAttempt.at, LoginAttempt.ok)
        .where(LoginAttempt.name_key == key, LoginAttempt.at >= since)
        .order_by(LoginAttempt.at)
    ).all()
    failures: list[datetime] = []
    for at, ok in rows:
        failures = [] if ok else [*failures, as_utc(at)]
    limit = settings.login_attempt_limit
    if limit <= 0 or len(failures) < limit:
        return None
    return failures[-limit] + window


def _check_login(session: Session, name: str, password: str, settings: Settings) -> Actor:
    if has_refused_characters(name):  # no account has such a name; PostgreSQL refuses NUL
        msg = f"Wrong user name or password for {name!r}."
        raise PermissionDenied(msg)
    key = name_key(name)
    retry = _retry_at(session, key, settings)
    if retry is not None:
        msg = (
            f"Too many failed logins for {name!r}: {settings.login_attempt_limit} within "
            f"{settings.login_attempt_window_minutes} minutes. Try again after "
            f"{retry.strftime('%Y-%m-%d %H:%M:%S')} UTC."
        )
        raise PermissionDenied(msg)
    try:
        user: User | None = find_user(session, name)
    except NotFound:
        user = None
    ok = False
    try:
        dummy = _dummy_hash()
        stored = user.password_hash if user is not None and user.password_hash else dummy
        password_hasher.verify(stored, password)
        ok = stored is not dummy
    except (VerificationError, InvalidHashError):
        ok = False
    now = utcnow()
    keep = max(timedelta(minutes=settings.login_attempt_window_minutes), timedelta(days=1))
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - keep))  # bounded table
    session.execute(insert(LoginAttempt).values(name_key=key, at=now, ok=ok))
    if not ok or user is None:
        msg = f"Wrong user name or password for {name!r}."
        raise PermissionDenied(msg)
    return replace(active_actor(user), auth=Auth.PASSWORD)


@dataclass(frozen=True, slots=True)
class Login:
    """A successful login: the login token (shown once) and when it expires."""

    user: str
    token: str
    expires_at: datetime


def login(store: Store, name: str, password: str) -> Login:
    """Check ``name``'s password (rate-limited) and create a login token for her.

    The attempt is recorded in its own transaction, so a failure counts even though the
    command fails.

    Raises
    ------
    PermissionDenied
        Wrong name or password, too many failed attempts (the message says when to retry), or
        a disabled account.
    """
    settings = store.settings
    failure: PermissionDenied | None = None
    with store.transaction() as session:
        try:
            actor = _check_login(session, name, password, settings)
        except PermissionDenied as e:
            failure = e
    if failure is not None:
        raise failure
    lifetime = timedelta(hours=settings.login_token_lifetime_hours)
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    with store.transaction() as session:
        token, expires = _new_token(
            session, actor, owner=actor.name, name=f"{LOGIN_PREFIX}{stamp}", lifetime=lifetime
        )
    return Login(actor.name, token, expires)


# --- tokens -------------------------------------------------------------------------------


def _new_token(
    session: Session, actor: Actor, *, owner: str, name: str, lifetime: timedelta
) -> tuple[str, datetime]:
    user = find_user(session, owner)
    active_actor(user)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = utcnow() + lifetime
    row = ApiToken(
        user_id=user.id,
        token_hash=_digest(token),
        label=name,
        name=name,
        expires_at=expires,
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor.ref,
        "token.create",
        row.audit_key(),
        after={"user": user.name, "name": name, "expires_at": expires.isoformat()},
    )
    return token, expires


def create_token(
    session: Session,
    actor: Actor,
    *,
    user: str = "",
    name: str = "",
    label: str = "",
    lifetime: timedelta | None = None,
) -> str:
    """Create an API token for ``user`` (default: the actor) and return it, once.

    Parameters
    ----------
    session
        The transaction's session.
    actor
        Who creates it; creating one for another user needs an admin.
    user
        The token's owner; default the actor.
    name
        What the token is for, unique among the owner's live tokens (default ``token-N``);
        ``label`` is its former name.
    lifetime
        How long it is valid; default 90 days (the CLI passes ``token_lifetime_days``).

    Returns
    -------
    str
        The token; only its SHA-256 is stored.
    """
    target = find_user(session, user).name if user else actor.name
    if target != actor.name:
        actor.require(Action.MANAGE_USERS)
    chosen = (name or label).strip()
    if chosen.startswith(LOGIN_PREFIX):
        msg = f"Token names starting with {LOGIN_PREFIX!r} are kept for logins; choose another."
        raise InputError(msg)
    owner = find_user(session, target)
    live = {t.name for t in _tokens_of(session, owner.id) if t.state == "active"}
    if not chosen:
        chosen = next(f"token-{n}" for n in range(1, len(live) + 2) if f"token-{n}" not in live)
    if chosen in live:
        msg = (
            f"{target!r} already has a live token named {chosen!r}; choose another name or "
            f"revoke it first with 'citykpi token revoke {chosen}'."
        )
        raise InputError(msg)
    token, _ = _new_token(
        session, actor, owner=target, name=chosen, lifetime=lifetime or timedelta(days=90)
    )
    return token


def _touch(session: Session, row: ApiToken, now: datetime) -> None:
    last = row.last_used_at
    if last is not None and now - as_utc(last) < TOUCH_EVERY:
        return
    from citykpi.store.engine import is_read_only

    if is_read_only(session.get_bind().engine.url):
        return
    try:
        # Core, not the ORM: bookkeeping that the audit guard does not ask an event for.
        session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
    except OperationalError:  # pragma: no cover - a locked or read-only file: skip it
        return


def actor_by_token(session: Session, token: str, *, touch: bool = True) -> Actor:
    """Return the active user who owns ``token``, authenticated by it.

    Raises
    ------
    PermissionDenied
        The token is unknown, expired or revoked (each said plainly), or its user disabled.
    """
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None:
        msg = (
            "The token is not valid for this store; log in with 'citykpi login USER' or "
            "create a token with 'citykpi token create'."
        )
        raise PermissionDenied(msg)
    now = utcnow()
    login_token = row.name.startswith(LOGIN_PREFIX)
    again = "log in again with 'citykpi login USER'" if login_token else "create a new one"
    if row.revoked_at is not None:
        when = as_utc(row.revoked_at).strftime("%Y-%m-%d %H:%M")
        msg = f"The token {row.name!r} was revoked at {when} UTC; {again}."
        raise PermissionDenied(msg)
    if as_utc(row.expires_at) <= now:
        when = as_utc(row.expires_at).strftime("%Y-%m-%d %H:%M")
        msg = f"The token {row.name!r} expired at {when} UTC; {again}."
        raise PermissionDenied(msg)
    actor = active_actor(session.get_one(User, row.user_id))
    if touch:
        _touch(session, row, now)
    return replace(actor, auth=Auth.SESSION if login_token else Auth.TOKEN)


def touch_due(session: Session, token: str) -> bool:
    """Return whether ``token``'s last-used time is older than :data:`TOUCH_EVERY` (or unset).

    A reader authenticates with ``actor_by_token(..., touch=False)`` in its read-only session
    and, only when this is true, records the use afterwards with :func:`touch_token` in a
    short writing transaction: most reads never take the write lock.
    """
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None:
        return False
    last = row.last_used_at
    return last is None or utcnow() - as_utc(last) >= TOUCH_EVERY


def touch_token(session: Session, token: str) -> None:
    """Record that ``token`` was used now (at most every :data:`TOUCH_EVERY`; bookkeeping)."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is not None:
        _touch(session, row, utcnow())


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token as listed by ``citykpi token list`` (never the secret)."""

    id: int
    user: str
    name: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    state: str  # "active", "expired" or "revoked"


def _info(row: ApiToken, user: str, now: datetime) -> TokenInfo:
    if row.revoked_at is not None:
        state = "revoked"
    elif as_utc(row.expires_at) <= now:
        state = "expired"
    else:
        state = "active"
    return TokenInfo(
        id=row.id,
        user=user,
        name=row.name,
        created_at=as_utc(row.created_at),
        expires_at=as_utc(row.expires_at),
        last_used_at=as_utc(row.last_used_at) if row.last_used_at else None,
        state=state,
    )


def _tokens_of(session: Session, user_id: int | None) -> list[TokenInfo]:
    stmt = select(ApiToken, User.name).join(User, User.id == ApiToken.user_id)
    if user_id is not None:
        stmt = stmt.where(ApiToken.user_id == user_id)
    now = utcnow()
    return [_info(row, user, now) for row, user in session.execute(stmt.order_by(ApiToken.id))]


def list_tokens(session: Session, actor: Actor) -> list[TokenInfo]:
    """Return the actor's tokens; an admin's list has every user's."""
    every = actor.may(Action.MANAGE_USERS)
    return _tokens_of(session, None if every else actor.id)


def revoke_token(session: Session, actor: Actor, which: str, *, user: str = "") -> TokenInfo:
    """Revoke a token by id or name; others' tokens need an admin.

    Parameters
    ----------
    session
        The transaction's session.
    actor
        Who revokes it.
    which
        The token's id (as listed) or name.
    user
        Whose token ``which`` names (default the actor; admins only for others).

    Raises
    ------
    NotFound
        No such token.
    InputError
        A name that several of the user's tokens have: give the id.
    """
    owner = find_user(session, user) if user else None
    if owner is not None and owner.id != actor.id:
        actor.require(Action.MANAGE_USERS)
    owner_id = owner.id if owner is not None else actor.id
    if which.strip().isdigit():
        row = session.get(ApiToken, int(which))
        if row is not None and row.user_id != actor.id:
            actor.require(Action.MANAGE_USERS)
        rows = [row] if row is not None else []
    else:
        rows = list(
            session.scalars(
                select(ApiToken).where(
                    ApiToken.user_id == owner_id,
                    ApiToken.name == which,
                    ApiToken.revoked_at.is_(None),
                )
            )
        )
    if not rows:
        msg = f"No live token {which!r}; see 'citykpi token list'."
        raise NotFound(msg)
    if len(rows) > 1:
        ids = ", ".join(str(r.id) for r in rows)
        msg = f"Several tokens are named {which!r} (ids {ids}); revoke one by its id."
        raise InputError(msg)
    return _revoke(session, actor.ref, rows[0])


def _revoke(session: Session, actor: ActorRef, row: ApiToken) -> TokenInfo:
    owner = session.get_one(User, row.user_id).name
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        record(
            session,
            actor,
            "token.revoke",
            row.audit_key(),
            before={"user": owner, "name": row.name, "revoked": False},
            after={"user": owner, "name": row.name, "revoked": True},
        )
    return _info(row, owner, utcnow())


def revoke_secret(session: Session, token: str) -> TokenInfo | None:
    """Revoke the token ``token`` itself (``citykpi logout``); ``None`` if it is unknown."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None:
        return None
    owner = session.get_one(User, row.user_id)
    auth = Auth.SESSION if row.name.startswith(LOGIN_PREFIX) else Auth.TOKEN
    return _revoke(session, ActorRef(owner.id, owner.name, auth), row)


__all__ = [
    "LOGIN_PREFIX",
    "SINGLE_PERSON",
    "TOKEN_PREFIX",
    "Auth",
    "Login",
    "TokenInfo",
    "actor_by_token",
    "create_token",
    "is_single_person",
    "list_tokens",
    "local_actor",
    "login",
    "make_single_person",
    "revoke_secret",
    "revoke_token",
    "store_setting",
    "touch_due",
    "touch_token",
]
