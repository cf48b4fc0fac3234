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
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from citykpi.io import write_sample
from citykpi.settings import Settings
from citykpi.store import Store, open_store
from citykpi.store.auth import local_actor
from citykpi.store.demo import DEMO_USERS, load_demo
from citykpi.store.users import set_password
from citykpi.web import create_app

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


@dataclass(frozen=True)
class Served:
    """The running server: its base URL and store."""

    url: str
    store: Store
    root: Path  # the sample files are in root / "sample"


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


#: The password of every demo account in the end-to-end store.
PASSWORD = "correct horse battery staple"


def _with_passwords(store: Store) -> None:
    """Give every demo account :data:`PASSWORD`, so the browser signs in through the form."""
    with store.transaction() as s:
        admin = local_actor(s, "demo-admin")
        for name in (*[n for n in DEMO_USERS if n != "demo-admin"], "demo-admin"):
            set_password(s, admin, name, PASSWORD)


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("e2e")
    _hostile_sample(root / "sample")
    url = f"sqlite:///{root / 'demo.db'}"
    load_demo(url, root / "sample")
    settings = Settings(database_url=url, secret_key="e2e-" + "k" * 40)
    store = open_store(url, settings=settings)
    _with_passwords(store)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, store=store), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("The uvicorn server did not start within 20 s.")
        time.sleep(0.05)
    yield Served(f"http://127.0.0.1:{port}", store, root)
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
def page(browser: Browser, served: Served, user: str) -> Iterator[Watched]:
    watched, context = open_page(browser)
    if user:
        sign_in(watched.page, served.url, user)
    yield watched
    context.close()


def open_page(browser: Browser) -> tuple[Watched, BrowserContext]:
    """Open a page in a new browser context (its own cookies), recording its errors."""
    context = browser.new_context()
    context.set_default_timeout(15_000)
    p = context.new_page()
    errors: list[str] = []
    p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.on("dialog", lambda d: errors.append(f"dialog opened: {d.message}"))
    return Watched(p, errors), context


def sign_in(page: Page, base: str, user: str) -> None:
    """Sign in as ``user`` through the login form, as a person would."""
    page.goto(base + "/login")
    page.fill("#login-name", user)
    page.fill("#login-password", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_selector(".who")
    assert f"Signed in as {user}" in page.locator(".who").inner_text()


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under :data:`ARTEFACTS` and return its path."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
