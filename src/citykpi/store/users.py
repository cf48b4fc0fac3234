"""Users, roles, the permission matrix, passwords and API tokens.

Roles (issue 3): ``admin`` does everything; ``city_editor`` imports, edits, answers and submits
the data of the cities she is assigned to; ``verifier`` reviews (verify, query, exclude),
corrects single values (the verification manual has verifiers fix entries such as a numerator
given without its denominator; the four-eyes rule then keeps her from verifying her own fix)
and publishes; ``analyst`` reads everything; ``public`` reads published values only. The matrix
is :data:`PERMISSIONS`. Passwords are hashed with argon2 (argon2-cffi) and have a minimum
length (setting ``password_min_length``). User names are normalised and unique by
:mod:`citykpi.store.names`. Authentication (tokens, logins, the single-person store) is
:mod:`citykpi.store.auth`; an :class:`Actor` carries how it was authenticated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citykpi.errors import InputError, NotFound, PermissionDenied
from citykpi.store.audit import ActorRef, record
from citykpi.store.names import check_unique, has_refused_characters, name_key, normalise_name
from citykpi.store.schema import City, User, UserCity

#: The longest user name (the column's length).
USER_NAME_MAX: Final = 100
#: The default of the setting ``password_min_length``.
PASSWORD_MIN_LENGTH: Final = 12


class Role(StrEnum):
    """The five roles of the store."""

    ADMIN = "admin"
    CITY_EDITOR = "city_editor"
    VERIFIER = "verifier"
    ANALYST = "analyst"
    PUBLIC = "public"


class Action(StrEnum):
    """Everything a role may or may not do."""

    MANAGE_USERS = "manage_users"  # user add/list/disable, tokens for others
    MANAGE_CITIES = "manage_cities"  # city add
    READ_CITIES = "read_cities"  # city list/show (profiles)
    EDIT_DATA = "edit_data"  # import, answer a query, attach evidence
    EDIT_VALUE = "edit_value"  # set or retract one value
    SUBMIT = "submit"  # submit a city's year for verification
    REVIEW = "review"  # start review, verify, query, exclude
    PUBLISH = "publish"
    READ_DATA = "read_data"  # history, review list, export of any status, findings
    READ_PUBLISHED = "read_published"  # export --status published
    READ_AUDIT = "read_audit"
    COMMENT = "comment"


#: Actions a city editor may only take on her own cities.
CITY_SCOPED: Final = frozenset(
    {
        Action.EDIT_DATA,
        Action.EDIT_VALUE,
        Action.SUBMIT,
        Action.READ_DATA,
        Action.READ_AUDIT,
        Action.COMMENT,
    }
)

#: The permission matrix: role -> actions allowed.
PERMISSIONS: Final[dict[Role, frozenset[Action]]] = {
    Role.ADMIN: frozenset(Action),
    Role.CITY_EDITOR: frozenset(
        {
            Action.READ_CITIES,
            Action.EDIT_DATA,
            Action.EDIT_VALUE,
            Action.SUBMIT,
            Action.READ_DATA,
            Action.READ_PUBLISHED,
            Action.READ_AUDIT,
            Action.COMMENT,
        }
    ),
    Role.VERIFIER: frozenset(
        {
            Action.READ_CITIES,
            Action.EDIT_VALUE,
            Action.REVIEW,
            Action.PUBLISH,
            Action.READ_DATA,
            Action.READ_PUBLISHED,
            Action.READ_AUDIT,
            Action.COMMENT,
        }
    ),
    Role.ANALYST: frozenset(
        {Action.READ_CITIES, Action.READ_DATA, Action.READ_PUBLISHED, Action.READ_AUDIT}
    ),
    Role.PUBLIC: frozenset({Action.READ_CITIES, Action.READ_PUBLISHED}),
}

#: The argon2 hasher of every password.
password_hasher: Final = PasswordHasher()


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated user a command runs as.

    ``auth`` is how she was authenticated (:class:`citykpi.store.auth.Auth`); an actor built
    directly in Python (library use, tests) is ``"system"``.
    """

    id: int
    name: str
    role: Role
    city_ids: frozenset[int] = frozenset()
    auth: str = "system"

    @property
    def ref(self) -> ActorRef:
        """Return the reference recorded in audit events."""
        return ActorRef(self.id, self.name, self.auth)

    def may(self, action: Action, *, city_id: int | None = None) -> bool:
        """Return whether this actor may take ``action`` (on ``city_id`` when given)."""
        if action not in PERMISSIONS[self.role]:
            return False
        if self.role is Role.CITY_EDITOR and action in CITY_SCOPED and city_id is not None:
            return city_id in self.city_ids
        return True

    def require(self, action: Action, *, city_id: int | None = None, city: str = "") -> None:
        """Raise :class:`PermissionDenied` unless this actor may take ``action``."""
        if self.may(action, city_id=city_id):
            return
        if action in PERMISSIONS[self.role]:
            msg = (
                f"User {self.name!r} (city editor) may not {_verb(action)} for city {city!r}: "
                "she is not assigned to it. Ask an admin to add the city to her account."
            )
        else:
            allowed = sorted(r.value for r, acts in PERMISSIONS.items() if action in acts)
            msg = (
                f"User {self.name!r} has role {self.role.value!r}, which may not "
                f"{_verb(action)}; that needs one of the roles {', '.join(allowed)}."
            )
        raise PermissionDenied(msg)


def _verb(action: Action) -> str:
    return {
        Action.MANAGE_USERS: "manage users",
        Action.MANAGE_CITIES: "add or change cities",
        Action.READ_CITIES: "read city profiles",
        Action.EDIT_DATA: "import data, answer queries or attach evidence",
        Action.EDIT_VALUE: "edit or retract values",
        Action.SUBMIT: "submit data for verification",
        Action.REVIEW: "review (verify, query or exclude) values",
        Action.PUBLISH: "publish a submission",
        Action.READ_DATA: "read unpublished data",
        Action.READ_PUBLISHED: "read published data",
        Action.READ_AUDIT: "read the audit trail",
        Action.COMMENT: "comment on values",
    }[action]


def _parse_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError as e:
        msg = f"Unknown role {role!r}; use one of {', '.join(r.value for r in Role)}."
        raise InputError(msg) from e


def _actor_of(user: User) -> Actor:
    return Actor(
        user.id, user.name, Role(user.role), frozenset(link.city_id for link in user.cities)
    )


def find_user(session: Session, name: str) -> User:
    """Return the user called ``name``: exactly so, else the one with its name key.

    Raises
    ------
    NotFound
        No such user.
    """
    user = None
    if not has_refused_characters(name):  # e.g. NUL, which PostgreSQL refuses in a query
        user = session.scalar(select(User).where(User.name == name))
        if user is None:
            user = session.scalar(select(User).where(User.name_key == name_key(name)))
    if user is None:
        msg = f"No user named {name!r}; see 'citykpi user list' or add one with 'citykpi user add'."
        raise NotFound(msg)
    return user


def active_actor(user: User) -> Actor:
    """Return ``user`` as an :class:`Actor` (``auth`` still to be set by the caller).

    Raises
    ------
    PermissionDenied
        The user is disabled.
    """
    if not user.active:
        msg = f"User {user.name!r} is disabled; an admin can add a new account."
        raise PermissionDenied(msg)
    return _actor_of(user)


def actor_by_name(session: Session, name: str) -> Actor:
    """Return the active user ``name`` as an :class:`Actor`, without authenticating her.

    For library use and tests, where the caller is trusted code; commands authenticate through
    :mod:`citykpi.store.auth` (:func:`~citykpi.store.auth.local_actor` for ``--as``).

    Raises
    ------
    NotFound
        No such user.
    PermissionDenied
        The user is disabled.
    """
    return active_actor(find_user(session, name))


def actor_by_password(session: Session, name: str, password: str) -> Actor:
    """Return the active user ``name`` if ``password`` matches her argon2 hash.

    Raises
    ------
    PermissionDenied
        Unknown user, no password set, or wrong password (one message for all three).
    """
    msg = f"Wrong user name or password for {name!r}."
    try:
        user = find_user(session, name)
    except NotFound as e:
        raise PermissionDenied(msg) from e
    if not user.password_hash:
        raise PermissionDenied(msg)
    try:
        password_hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError) as e:
        raise PermissionDenied(msg) from e
    return replace(active_actor(user), auth="password")


def check_password_rules(password: str, *, min_length: int = PASSWORD_MIN_LENGTH) -> None:
    """Refuse a password shorter than ``min_length`` characters, saying so.

    Raises
    ------
    InputError
        The password is too short.
    """
    if len(password) < min_length:
        msg = (
            f"A password needs at least {min_length} characters; this one has "
            f"{len(password)}. Choose a longer one, e.g. a few words (setting "
            "CITYKPI_PASSWORD_MIN_LENGTH)."
        )
        raise InputError(msg)


def _city_ids(session: Session, names: Sequence[str]) -> list[int]:
    ids: list[int] = []
    for name in names:
        city_id = None
        if not has_refused_characters(name):
            city_id = session.scalar(select(City.id).where(City.name == name))
            if city_id is None:
                city_id = session.scalar(select(City.id).where(City.name_key == name_key(name)))
        if city_id is None:
            msg = f"No city named {name!r}; add it first with 'citykpi city add'."
            raise NotFound(msg)
        ids.append(city_id)
    return ids


def user_count(session: Session) -> int:
    """Return how many users exist (0 on a fresh database)."""
    return session.scalar(select(func.count()).select_from(User)) or 0


def add_user(
    session: Session,
    actor: Actor | None,
    name: str,
    *,
    role: str,
    password: str = "",
    cities: Sequence[str] = (),
    password_min_length: int = PASSWORD_MIN_LENGTH,
) -> Actor:
    """Create a user.

    Parameters
    ----------
    session
        The transaction's session.
    actor
        The admin adding the user; ``None`` only to create the first admin of an empty store.
    name
        Unique user name.
    role
        One of ``{"admin", "city_editor", "verifier", "analyst", "public"}``.
    password
        Optional password (hashed with argon2), at least ``password_min_length`` characters.
        Without one the account acts only through tokens, or by ``--as`` on a single-person
        store (:mod:`citykpi.store.auth`).
    cities
        Cities a city editor may edit (required for that role, refused for the others).
    password_min_length
        The shortest password accepted (setting ``password_min_length``).

    Returns
    -------
    Actor
        The new user.
    """
    parsed = _parse_role(role)
    if actor is None:
        if user_count(session) or parsed is not Role.ADMIN:
            msg = (
                "Say who you are: log in with 'citykpi login USER' or give --token; only the "
                "first user of an empty store (an admin) can be added without."
            )
            raise PermissionDenied(msg)
        ref = ActorRef(None, name, "local")
    else:
        actor.require(Action.MANAGE_USERS)
        ref = actor.ref
    name = normalise_name(name, what="user", max_length=USER_NAME_MAX, example="alice")
    check_unique(name, session.scalars(select(User.name)), what="user")
    if password:
        check_password_rules(password, min_length=password_min_length)
    if parsed is Role.CITY_EDITOR and not cities:
        msg = f"A city editor needs at least one city; add --city CITY for {name!r}."
        raise InputError(msg)
    if parsed is not Role.CITY_EDITOR and cities:
        msg = f"Only city editors are scoped to cities; drop --city for role {parsed.value!r}."
        raise InputError(msg)
    user = User(
        name=name,
        role=parsed.value,
        password_hash=password_hasher.hash(password) if password else "",
        active=True,
    )
    city_ids = _city_ids(session, cities)
    user.cities = [UserCity(city_id=c) for c in city_ids]
    session.add(user)
    session.flush()
    record(
        session,
        ref if ref.id is not None else ActorRef(user.id, name, ref.auth),
        "user.add",
        user.audit_key(),
        after={"name": name, "role": parsed.value, "cities": list(cities), "active": True},
    )
    return _actor_of(user)


@dataclass(frozen=True, slots=True)
class UserInfo:
    """A user as listed by ``citykpi user list``."""

    name: str
    role: str
    active: bool
    cities: tuple[str, ...]


def list_users(session: Session, actor: Actor) -> list[UserInfo]:
    """Return every user, by name (admins only)."""
    actor.require(Action.MANAGE_USERS)
    names = dict(session.execute(select(City.id, City.name)).all())
    return [
        UserInfo(u.name, u.role, u.active, tuple(sorted(names[c.city_id] for c in u.cities)))
        for u in session.scalars(select(User).order_by(User.name))
    ]


def disable_user(session: Session, actor: Actor, name: str, *, reason: str = "") -> None:
    """Disable user ``name``: she can no longer act; her history stays."""
    actor.require(Action.MANAGE_USERS)
    user = find_user(session, name)
    if user.id == actor.id:
        msg = f"User {name!r} cannot disable herself; ask another admin."
        raise InputError(msg)
    if not user.active:
        return
    user.active = False
    record(
        session,
        actor.ref,
        "user.disable",
        user.audit_key(),
        before={"active": True},
        after={"active": False},
        reason=reason,
    )


def set_password(
    session: Session,
    actor: Actor,
    name: str,
    password: str,
    *,
    password_min_length: int = PASSWORD_MIN_LENGTH,
) -> None:
    """Set the password of user ``name``: her own, or anyone's for an admin.

    Once an account has a password, ``--as`` alone no longer acts as it.
    """
    user = find_user(session, name)
    if user.id != actor.id:
        actor.require(Action.MANAGE_USERS)
    check_password_rules(password, min_length=password_min_length)
    had = bool(user.password_hash)
    user.password_hash = password_hasher.hash(password)
    record(
        session,
        actor.ref,
        "user.password",
        user.audit_key(),
        before={"password": "set" if had else "none"},
        after={"password": "set"},
    )


__all__ = [
    "CITY_SCOPED",
    "PASSWORD_MIN_LENGTH",
    "PERMISSIONS",
    "USER_NAME_MAX",
    "Action",
    "Actor",
    "Role",
    "UserInfo",
    "active_actor",
    "actor_by_name",
    "actor_by_password",
    "add_user",
    "check_password_rules",
    "disable_user",
    "find_user",
    "list_users",
    "password_hasher",
    "set_password",
    "user_count",
]
