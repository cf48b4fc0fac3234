"""Every route of the application x every role, allowed or refused as the permission matrix says.

:data:`ROUTES` names, for each route of the app, the store action it needs (``None``: public;
:data:`SIGNED_IN`: any signed-in user) and a request for it. The expected outcome comes from the
store's own :data:`citykpi.store.users.PERMISSIONS`, not from a second table: a role that holds
the action is never refused (401/403, or a redirect to the login form), one that lacks it is
refused with 403, and a visitor is sent to sign in (pages) or answered 401 (API). A city editor
of another city is refused every city-scoped action on this city. A route added to the app and
missing from :data:`ROUTES` fails the test, so none goes unclassified.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote

import pytest
from fastapi import FastAPI

from citykpi.settings import load_settings
from citykpi.store.auth import actor_by_token, login
from citykpi.store.users import CITY_SCOPED, PERMISSIONS, Action, Role, add_user, set_password
from citykpi.web import create_app
from citykpi.web.demo import DemoSite, prepare_demo

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

KEY = "m" * 40
YEAR = 2024
SIGNED_IN: Final = "signed in"
OTHER_EDITOR: Final = "other-editor"
PASSWORD: Final = "a long enough password"


@dataclass(frozen=True)
class Call:
    """One route: what it needs and how to call it (``{city}``/``{year}`` filled in)."""

    method: str
    template: str
    needs: Action | str | None
    url: str
    form: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    lists: bool = False  # lists what the actor may see: a city editor gets her cities only


_SUB = "/api/v1/submissions/{qcity}/{year}"
ROUTES: Final = (
    Call("GET", "/", None, "/"),
    Call("GET", "/cities/{name:path}", None, "/cities/{qcity}"),
    Call("GET", "/sdg", None, "/sdg"),
    Call("GET", "/sdg/{goal}", None, "/sdg/11"),
    Call("GET", "/compare", None, "/compare"),
    Call("GET", "/reports", None, "/reports?city={qpub}&year={pubyear}&kind=certificate"),
    Call("GET", "/login", None, "/login"),
    Call("GET", "/my", Action.EDIT_DATA, "/my", lists=True),
    Call("GET", "/review", Action.REVIEW, "/review"),
    Call("GET", "/admin/audit", Action.READ_AUDIT, "/admin/audit", lists=True),
    Call("GET", "/values", Action.READ_DATA, "/values?city={qcity}&year={year}"),
    Call(
        "GET",
        "/values/edit",
        Action.READ_DATA,
        "/values/edit?city={qcity}&year={year}&code=population",
    ),
    Call(
        "GET", "/review/submission", Action.READ_DATA, "/review/submission?city={qcity}&year={year}"
    ),
    Call("GET", "/my/upload", SIGNED_IN, "/my/upload"),
    Call(
        "POST",
        "/values/edit",
        Action.EDIT_VALUE,
        "/values/edit",
        {"code": "input:nonexistent", "value": "1", "version": "0", "reason": "matrix"},
    ),
    Call(
        "POST",
        "/review/submission",
        Action.REVIEW,
        "/review/submission",
        {"action": "verify", "codes": ["input:nonexistent"]},
    ),
    Call("POST", "/my/upload", Action.EDIT_DATA, "/my/upload"),
    Call("POST", "/my/submit", Action.SUBMIT, "/my/submit"),
    Call(
        "POST",
        "/my/answer",
        Action.EDIT_DATA,
        "/my/answer",
        {"code": "input:nonexistent", "comment": "x"},
    ),
    Call("POST", "/admin/publish", Action.PUBLISH, "/admin/publish"),
    Call("GET", "/api/v1/openapi.json", None, "/api/v1/openapi.json"),
    Call("GET", "/api/v1/cities", None, "/api/v1/cities"),
    Call("GET", "/api/v1/cities/{name:path}", None, "/api/v1/cities/{qcity}"),
    Call("GET", "/api/v1/sdg", None, "/api/v1/sdg"),
    Call("GET", "/api/v1/sdg/{goal}", None, "/api/v1/sdg/11"),
    Call("GET", "/api/v1/compare", None, "/api/v1/compare?city={qcity}&city={qcity2}"),
    Call("GET", "/api/v1/submissions", Action.READ_DATA, "/api/v1/submissions", lists=True),
    Call(
        "GET", "/api/v1/submissions/{city:path}/{year}/values", Action.READ_DATA, _SUB + "/values"
    ),
    Call(
        "GET",
        "/api/v1/submissions/{city:path}/{year}/values/{kind}/{code}/revisions",
        Action.READ_DATA,
        _SUB + "/values/input/population/revisions",
    ),
    Call(
        "GET",
        "/api/v1/submissions/{city:path}/{year}/findings",
        Action.READ_DATA,
        _SUB + "/findings",
    ),
    Call(
        "POST",
        "/api/v1/submissions/{city:path}/{year}/actions",
        Action.REVIEW,
        _SUB + "/actions",
        body={"action": "verify", "codes": ["input:nonexistent"], "comment": ""},
    ),
    Call(
        "PUT",
        "/api/v1/submissions/{city:path}/{year}/values/{kind}/{code}",
        Action.EDIT_VALUE,
        _SUB + "/values/input/nonexistent",
        body={"value": 1, "reason": "matrix", "expect_version": 0},
    ),
    Call("GET", "/api/v1/audit", Action.READ_AUDIT, "/api/v1/audit", lists=True),
)
#: Routes that are the session itself: every visitor may use them.
SESSION_ROUTES: Final = {("POST", "/login"), ("POST", "/logout")}
ROLES: Final = ("demo-admin", "demo-editor", "demo-verifier", "demo-analyst", "demo-public")
_ROLE_OF: Final = {
    "demo-admin": Role.ADMIN,
    "demo-editor": Role.CITY_EDITOR,
    "demo-verifier": Role.VERIFIER,
    "demo-analyst": Role.ANALYST,
    "demo-public": Role.PUBLIC,
    OTHER_EDITOR: Role.CITY_EDITOR,
}


def _routes(app: FastAPI) -> set[tuple[str, str]]:
    def walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
        for r in routes:
            if hasattr(r, "original_router"):
                ctx = getattr(r, "include_context", None)
                yield from walk(
                    r.original_router.routes, prefix + (getattr(ctx, "prefix", "") or "")
                )
            elif hasattr(r, "routes") and not hasattr(r, "methods"):
                continue  # the static files mount
            elif getattr(r, "methods", None):
                for method in r.methods - {"HEAD"}:
                    yield method, prefix + r.path

    return set(walk(list(app.routes)))


@dataclass
class World:
    app: FastAPI
    site: DemoSite
    city: str  # imported, not published
    other: str  # a second city
    passwords: dict[str, str]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    site = prepare_demo(tmp_path_factory.mktemp("matrix"), n_cities=16, years=1)
    published = {c for c, _y, _n in site.summary.published}
    pending = [c for c, y in site.summary.imported if c not in published and y == YEAR]
    city = pending[0]
    other = next(c for c, _y in site.summary.imported if c != city)
    app = create_app(load_settings(database_url=site.database_url, secret_key=KEY))
    # a city editor of the other city only, signed in with a password like everyone
    done = login(app.state.store, "demo-admin", site.passwords["demo-admin"])
    with app.state.store.transaction() as s:
        admin_actor = actor_by_token(s, done.token)
        add_user(s, admin_actor, OTHER_EDITOR, role="city_editor", cities=[other])
        set_password(s, admin_actor, OTHER_EDITOR, PASSWORD)
    passwords = {**site.passwords, OTHER_EDITOR: PASSWORD}
    yield World(app, site, city, other, passwords)
    app.state.store.dispose()


def _client(world: World, user: str) -> tuple[TestClient, str]:
    client = TestClient(world.app, base_url="http://127.0.0.1")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token is not None
    if user:
        data = {"name": user, "password": world.passwords[user], "csrf_token": token.group(1)}
        assert client.post("/login", data=data, follow_redirects=False).status_code == 303
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/my/upload").text)
        assert token is not None
    return client, token.group(1)


def _send(client: TestClient, csrf: str, call: Call, world: World) -> tuple[int, str, str]:
    values = {
        "qcity": quote(world.city, safe=""),
        "qcity2": quote(world.other, safe=""),
        "qpub": quote(world.site.summary.published[0][0], safe=""),
        "pubyear": world.site.summary.published[0][1],
        "year": YEAR,
    }
    url = call.url.format(**values)
    headers = {"X-CSRF-Token": csrf}
    if call.method == "GET":
        r = client.get(url, follow_redirects=False)
    elif call.body is not None:
        r = client.request(
            call.method, url, json=call.body, headers=headers, follow_redirects=False
        )
    else:
        form = {"city": world.city, "year": str(YEAR), "csrf_token": csrf, **call.form}
        files = {"file": ("matrix.csv", b"city,year\n", "text/csv")} if "upload" in url else None
        r = client.post(url, data=form, files=files, follow_redirects=False)
    return r.status_code, r.headers.get("location", ""), r.text


def _allowed(user: str, needs: Action | str | None, *, scoped_elsewhere: bool) -> bool:
    if needs is None or needs == SIGNED_IN:
        return True
    assert isinstance(needs, Action)
    if needs not in PERMISSIONS[_ROLE_OF[user]]:
        return False
    return not (scoped_elsewhere and needs in CITY_SCOPED)


def test_every_route_is_in_the_matrix(world: World) -> None:
    listed = {(c.method, c.template) for c in ROUTES} | SESSION_ROUTES
    assert _routes(world.app) == listed


@pytest.mark.parametrize("user", ["", *ROLES, OTHER_EDITOR])
def test_each_role_is_allowed_or_refused_as_the_permissions_say(world: World, user: str) -> None:
    client, csrf = _client(world, user)
    wrong: list[str] = []
    for call in ROUTES:
        status, location, text = _send(client, csrf, call, world)
        to_login = status == 303 and location.startswith("/login")
        what = f"{call.method} {call.template} as {user or 'visitor'}: {status} {location}"
        if status >= 500:
            wrong.append(f"{what} (server error)")
        elif not user:
            if call.needs is None:
                if status in {401, 403} or to_login:
                    wrong.append(f"{what} (public route refused)")
            elif not (to_login or status == 401):
                wrong.append(f"{what} (a visitor must sign in first)")
        elif _allowed(user, call.needs, scoped_elsewhere=user == OTHER_EDITOR and not call.lists):
            if status in {401, 403} or to_login:
                wrong.append(f"{what} (allowed by the permissions, refused)")
            elif user == OTHER_EDITOR and call.lists and world.city in text:
                wrong.append(f"{what} (lists a city she does not edit)")
        elif status != 403:
            wrong.append(f"{what} (refused by the permissions, not answered 403)")
    assert wrong == [], "\n".join(wrong)
