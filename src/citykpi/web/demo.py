"""A throwaway demo store for ``citykpi serve --demo``, with a password for each demo account.

:func:`prepare_demo` writes the sample cities into a folder, loads them into a fresh SQLite
store (:func:`citykpi.store.demo.load_demo`: every city imported, the first three published),
and gives every demo account a random password, so the web application is signed into exactly
as a real one is. The passwords are returned once, to be printed; the store keeps only their
argon2 hashes.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from citykpi.io import write_sample
from citykpi.settings import Settings
from citykpi.store import open_store
from citykpi.store.auth import local_actor
from citykpi.store.demo import DEMO_USERS, DemoSummary, load_demo
from citykpi.store.users import set_password

__all__ = ["DemoSite", "prepare_demo"]


@dataclass(frozen=True, slots=True)
class DemoSite:
    """The demo store and how to sign in to it."""

    database_url: str
    summary: DemoSummary
    passwords: dict[str, str]


def prepare_demo(
    folder: str | Path,
    *,
    n_cities: int = 40,
    years: int = 3,
    on_step: Callable[[str], None] | None = None,
) -> DemoSite:
    """Build the demo store in ``folder`` and set a random password on every demo account.

    Parameters
    ----------
    folder
        An empty or new folder; the sample files and ``demo.db`` are written into it.
    n_cities
        Sample cities (at least 8).
    years
        Latest reporting years imported per city (trends need more than one).
    on_step
        Called with a description of each step.

    Returns
    -------
    DemoSite
        The store's URL, what was loaded, and each account's password.
    """
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    last = 2024
    write_sample(root / "sample", n_cities=n_cities, years=range(last - years + 1, last + 1))
    url = f"sqlite:///{root / 'demo.db'}"
    summary = load_demo(url, root / "sample", years=years, on_step=on_step)
    store = open_store(url, settings=Settings(database_url=url))
    passwords = {name: secrets.token_urlsafe(12) for name in DEMO_USERS}
    try:
        with store.transaction() as s:
            admin = local_actor(s, "demo-admin")
            for name in (*[n for n in DEMO_USERS if n != "demo-admin"], "demo-admin"):
                set_password(s, admin, name, passwords[name])
    finally:
        store.dispose()
    return DemoSite(url, summary, passwords)
