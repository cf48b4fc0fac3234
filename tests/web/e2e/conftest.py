"""A real uvicorn server on 127.0.0.1 over a demo store, and headless chromium driven by Playwright.

The demo store's first city is renamed to a hostile name (markup, a formula, a bbcode-like tag
and right-to-left text) before loading, so every page shows it. Screenshots go to
``tests/artefacts/web/`` (git-ignored).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from playwright.sync_api import Browser, Page, sync_playwright
from starlette.middleware.base import RequestResponseEndpoint

from citykpi.io import write_sample
from citykpi.settings import Settings
from citykpi.store import Store, open_store
from citykpi.store.auth import local_actor
from citykpi.store.demo import load_demo
from citykpi.web.pages import router
from citykpi.web.templating import STATIC_DIR, STATIC_PREFIX

HOSTILE = '<script>alert("x")</script>[/y]=HYPERLINK("http://e.x")\u0645\u062f\u064a\u0646\u0629'
ARTEFACTS = Path(__file__).resolve().parents[2] / "artefacts" / "web"
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: The policy the application core sends; the pages must work under it.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


@dataclass(frozen=True)
class Served:
    """The running server: its base URL and store."""

    url: str
    store: Store


def _hostile_sample(folder: Path) -> None:
    write_sample(folder, n_cities=8, years=range(2022, 2025))
    cities = pd.read_csv(folder / "cities.csv", dtype=str, keep_default_na=False)
    old = str(cities.loc[0, "name"])
    cities.loc[0, "name"] = HOSTILE
    cities.to_csv(folder / "cities.csv", index=False)
    raw = pd.read_csv(folder / "raw_inputs.csv", dtype=str, keep_default_na=False)
    raw.loc[raw["city"] == old, "city"] = HOSTILE
    raw.to_csv(folder / "raw_inputs.csv", index=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _app(store: Store) -> FastAPI:
    app = FastAPI()
    app.state.store = store

    @app.middleware("http")
    async def csp(request: Request, call_next: RequestResponseEndpoint) -> Response:
        # Stands in for the application core's session: the header names a demo user.
        name = request.headers.get("x-test-user")
        request.state.actor = None
        if name:
            with store.reading() as s:
                request.state.actor = local_actor(s, name)
        request.state.csrf_token = "test-token"
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        return response

    app.mount(STATIC_PREFIX, StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(router)
    return app


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("e2e")
    _hostile_sample(root / "sample")
    url = f"sqlite:///{root / 'demo.db'}"
    load_demo(url, root / "sample")
    store = open_store(url, settings=Settings(database_url=url))
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(_app(store), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("The uvicorn server did not start within 20 s.")
        time.sleep(0.05)
    yield Served(f"http://127.0.0.1:{port}", store)
    server.should_exit = True
    thread.join(timeout=10)
    store.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing; scripts/system-deps.sh installs Debian's chromium.")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@dataclass
class Watched:
    """A page and the console errors, CSP violations and dialogs (a run script) it reported."""

    page: Page
    errors: list[str]


@pytest.fixture
def user() -> str:
    """The demo user the page is signed in as (``""``: a visitor); override by parametrize."""
    return ""


@pytest.fixture
def page(browser: Browser, user: str) -> Iterator[Watched]:
    context = browser.new_context(extra_http_headers={"x-test-user": user} if user else {})
    context.set_default_timeout(15_000)
    p = context.new_page()
    errors: list[str] = []
    p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.on("dialog", lambda d: errors.append(f"dialog opened: {d.message}"))
    yield Watched(p, errors)
    context.close()


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under :data:`ARTEFACTS` and return its path."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
