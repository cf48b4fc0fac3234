"""Who acts on a store from the command line: the token, the saved login, or ``--as``.

``citykpi login USER`` saves a short-lived login token in ``token`` in the user's config folder
(setting ``config_dir``; default ``platformdirs.user_config_dir("citykpi")``): a JSON file of
one login per database URL, file mode 0600 in a folder of mode 0700. A token file that others
could read is refused, not used. :func:`authenticate` decides who acts (first match wins):

1. ``--token`` / ``CITYKPI_TOKEN``: the token's owner;
2. ``--as NAME`` when the saved login of this store is NAME's: that login;
3. ``--as NAME`` otherwise: :func:`citykpi.store.auth.local_actor` (a single-person store and an
   account with neither password nor token; refused with how to log in elsewhere);
4. nothing named: the saved login of this store, if any.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session

from citykpi.errors import InputError, PermissionDenied
from citykpi.settings import Settings
from citykpi.store.auth import actor_by_token, local_actor
from citykpi.store.names import name_key
from citykpi.store.users import Actor

TOKEN_FILE: Final = "token"

HOW_TO_LOG_IN: Final = (
    "Say who you are: log in with 'citykpi login USER', or give --token TOKEN (or set "
    "CITYKPI_TOKEN); --as USER alone works only on a single-person store, for an account "
    "without a password or token."
)


@dataclass(frozen=True, slots=True)
class SavedLogin:
    """The login token saved for one store."""

    url: str
    user: str
    token: str
    expires_at: str


def config_dir(settings: Settings) -> Path:
    """Return the folder of the login token file."""
    if settings.config_dir:
        return Path(settings.config_dir).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("citykpi"))


def token_path(settings: Settings) -> Path:
    """Return the path of the login token file."""
    return config_dir(settings) / TOKEN_FILE


def store_key(url: str) -> str:
    """Return the key a store's login is saved under: its URL, password hidden, paths absolute."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        database = parsed.database or ""
        if not database.startswith("file:"):
            parsed = parsed.set(database=str(Path(database).resolve()))
    return parsed.render_as_string(hide_password=True)


def _read_all(settings: Settings) -> dict[str, dict[str, str]]:
    path = token_path(settings)
    try:
        info = path.lstat()  # a symbolic link is refused, not followed
    except FileNotFoundError:
        return {}
    if not stat.S_ISREG(info.st_mode):
        msg = f"The login token file {path} is not a regular file; remove it and log in again."
        raise InputError(msg)
    if info.st_mode & 0o077 or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
        msg = (
            f"The login token file {path} can be read or changed by others (mode "
            f"{stat.S_IMODE(info.st_mode):o}); it is not used. Remove it and log in again with "
            "'citykpi login USER' (the new file gets mode 600)."
        )
        raise PermissionDenied(msg)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        msg = f"The login token file {path} cannot be read ({e}); remove it and log in again."
        raise InputError(msg) from e
    logins = data.get("logins") if isinstance(data, dict) else None
    if not isinstance(logins, dict):
        return {}
    return {
        str(k): {str(f): str(v) for f, v in entry.items()}
        for k, entry in logins.items()
        if isinstance(entry, dict)
    }


def saved_login(settings: Settings, url: str) -> SavedLogin | None:
    """Return the login saved for the store at ``url`` (``None`` if there is none)."""
    key = store_key(url)
    entry = _read_all(settings).get(key)
    if not entry or not entry.get("token"):
        return None
    return SavedLogin(key, entry.get("user", ""), entry["token"], entry.get("expires_at", ""))


def _write_all(settings: Settings, logins: dict[str, dict[str, str]]) -> Path:
    path = token_path(settings)
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    if not logins:
        path.unlink(missing_ok=True)
        return path
    tmp = folder / f".{TOKEN_FILE}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"version": 1, "logins": logins}, handle, indent=2, sort_keys=True)
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return path


def save_login(
    settings: Settings, url: str, *, user: str, token: str, expires_at: datetime
) -> Path:
    """Save the login token of ``user`` for the store at ``url``; return the file's path."""
    try:
        logins = _read_all(settings)
    except (InputError, PermissionDenied):
        logins = {}  # an unusable file is replaced by a safe one
    logins[store_key(url)] = {"user": user, "token": token, "expires_at": expires_at.isoformat()}
    return _write_all(settings, logins)


def forget_login(settings: Settings, url: str) -> SavedLogin | None:
    """Remove the login saved for the store at ``url``; return it (``None`` if none)."""
    found = saved_login(settings, url)
    if found is not None:
        logins = _read_all(settings)
        logins.pop(found.url, None)
        _write_all(settings, logins)
    return found


def presented_token(*, as_user: str, token: str, settings: Settings, url: str) -> str:
    """Return the token :func:`authenticate` checks: ``token``, else the saved login's, or ``""``.

    ``""`` means ``--as`` names an account without a saved login (the single-person path), or
    nobody is named or logged in.
    """
    if token:
        return token
    saved = saved_login(settings, url)
    if saved is None:
        return ""
    if as_user and name_key(saved.user) != name_key(as_user):
        return ""
    return saved.token


def authenticate(
    session: Session,
    *,
    as_user: str,
    token: str,
    settings: Settings,
    url: str,
    touch: bool = True,
) -> Actor | None:
    """Return who acts (see the module doc); ``None`` when nobody is named or logged in.

    ``touch=False`` leaves the token's last-used time alone (a reader records it afterwards,
    see :func:`citykpi.store.auth.touch_due`).
    """
    chosen = presented_token(as_user=as_user, token=token, settings=settings, url=url)
    if chosen:
        return actor_by_token(session, chosen, touch=touch)
    if as_user:
        return local_actor(session, as_user)
    return None


__all__ = [
    "HOW_TO_LOG_IN",
    "TOKEN_FILE",
    "SavedLogin",
    "authenticate",
    "config_dir",
    "forget_login",
    "presented_token",
    "save_login",
    "saved_login",
    "store_key",
    "token_path",
]
