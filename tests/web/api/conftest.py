"""A demo store whose first published city has a hostile name, served by the API router.

The store is built once per test session and copied for each test module, so a module's
workflow actions never reach another module's store.
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from fastapi import FastAPI, Request, Response
from starlette.middleware.base import RequestResponseEndpoint

from citykpi.io import write_sample
from citykpi.settings import Settings
from citykpi.store import Store, open_store
from citykpi.store.auth import local_actor
from citykpi.store.demo import load_demo
from citykpi.web.api import router
from citykpi.web.errors import install_error_handlers

with warnings.catch_warnings():
    # starlette 1.x asks for httpx2 and warns once, on import, when it finds httpx instead.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

#: Markup, a formula, a bbcode-like tag, a slash and right-to-left text in one city name.
HOSTILE = (
    '<script>alert("x")</script>[/y]=HYPERLINK("http://e.x")\u0645\u062f\u064a\u0646\u0629'
)


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
    """Return an application serving the API router over ``store``.

    A request names its demo user in the ``x-test-user`` header, standing in for the
    application core's session and bearer token.
    """
    app = FastAPI(openapi_url="/api/v1/openapi.json")
    app.state.store = store
    install_error_handlers(app)

    @app.middleware("http")
    async def as_user(request: Request, call_next: RequestResponseEndpoint) -> Response:
        name = request.headers.get("x-test-user")
        request.state.actor = None
        if name:
            with store.reading() as s:
                request.state.actor = local_actor(s, name)
        return await call_next(request)

    app.include_router(router)
    return app


@pytest.fixture(scope="module")
def store(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    opened = open_copy(demo, tmp_path_factory.mktemp("api-store"))
    yield opened
    opened.dispose()


@pytest.fixture(scope="module")
def client(store: Store) -> Iterator[TestClient]:
    with TestClient(api_app(store), base_url="http://127.0.0.1") as c:
        yield c


def as_user(name: str) -> dict[str, str]:
    """Return the headers of a request by demo user ``name``."""
    return {"x-test-user": name}
