"""The whole application over a demo store whose first published city has a hostile name.

The store is built once per test session and copied for each test module, so a module's
workflow actions never reach another module's store.
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from fastapi import FastAPI

from citykpi.io import write_sample
from citykpi.settings import Settings
from citykpi.store import Store, open_store
from citykpi.store.auth import create_token
from citykpi.store.demo import load_demo
from citykpi.store.users import actor_by_name
from citykpi.web import create_app

with warnings.catch_warnings():
    # starlette 1.x asks for httpx2 and warns once, on import, when it finds httpx instead.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

#: Markup, a formula, a bbcode-like tag, a slash and right-to-left text in one city name.
HOSTILE = '<script>alert("x")</script>[/y]=HYPERLINK("http://e.x")\u0645\u062f\u064a\u0646\u0629'


@dataclass(frozen=True)
class Demo:
    """The demo database file and what the demo did with each city."""

    path: Path
    published: tuple[str, ...]
    unpublished: tuple[str, ...]


def _hostile_sample(folder: Path) -> None:
    write_sample(folder, n_cities=8, years=range(2022, 2025))
    cities = pd.read_csv(folder / "cities.csv", dtype=str, keep_default_na=False)
    old = str(cities.loc[0, "name"])
    cities.loc[0, "name"] = HOSTILE
    cities.to_csv(folder / "cities.csv", index=False)
    raw = pd.read_csv(folder / "raw_inputs.csv", dtype=str, keep_default_na=False)
    raw.loc[raw["city"] == old, "city"] = HOSTILE
    raw.to_csv(folder / "raw_inputs.csv", index=False)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    root = tmp_path_factory.mktemp("api-demo")
    _hostile_sample(root / "sample")
    path = root / "demo.db"
    summary = load_demo(f"sqlite:///{path}", root / "sample", years=3, cycle_cities=9)
    published = tuple(sorted({c for c, _y, _n in summary.published}))
    assert HOSTILE in published
    unpublished = tuple(sorted({c for c, _y in summary.imported} - set(published)))
    return Demo(path, published, unpublished)


def open_copy(demo: Demo, folder: Path) -> Store:
    """Return the demo store copied into ``folder``, open."""
    path = folder / "demo.db"
    shutil.copyfile(demo.path, path)
    url = f"sqlite:///{path}"
    return open_store(url, settings=Settings(database_url=url))


def api_app(store: Store) -> FastAPI:
    """Return the whole application (pages, API, sessions, CSRF, error shapes) over ``store``."""
    return create_app(store.settings, store=store, demo=True)


@pytest.fixture(scope="module")
def store(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    opened = open_copy(demo, tmp_path_factory.mktemp("api-store"))
    yield opened
    opened.dispose()


@pytest.fixture(scope="module")
def client(store: Store) -> Iterator[TestClient]:
    with TestClient(api_app(store), base_url="http://127.0.0.1") as c:
        yield c


Headers = Callable[[str], dict[str, str]]


@pytest.fixture(scope="module")
def as_user(store: Store) -> Headers:
    """Return a function giving the headers of a request by a demo user (a bearer token)."""
    tokens: dict[str, str] = {}

    def headers(name: str) -> dict[str, str]:
        if name not in tokens:
            with store.transaction() as s:
                tokens[name] = create_token(s, actor_by_name(s, "demo-admin"), user=name)
        return {"Authorization": f"Bearer {tokens[name]}"}

    return headers
