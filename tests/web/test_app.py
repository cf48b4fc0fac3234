"""The application core on a demo store with passwords: sessions, CSRF, headers, error shapes."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from citykpi.errors import InputError
from citykpi.settings import Settings, load_settings
from citykpi.store.auth import actor_by_token, create_token, login
from citykpi.web import create_app
from citykpi.web.app import CSP
from citykpi.web.demo import DemoSite, prepare_demo
from citykpi.web.login import safe_next
from citykpi.web.sessions import COOKIE, SessionCodec, SessionData

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

KEY = "k" * 40


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> DemoSite:
    return prepare_demo(tmp_path_factory.mktemp("site"), n_cities=8, years=1)


@pytest.fixture(scope="module")
def app(site: DemoSite) -> Iterator[FastAPI]:
    built = create_app(load_settings(database_url=site.database_url, secret_key=KEY))
    yield built
    built.state.store.dispose()


def _client(app: FastAPI) -> TestClient:
    return TestClient(app, base_url="http://127.0.0.1")


def _csrf(client: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert found is not None
    return found.group(1)


def _signed_in(app: FastAPI, site: DemoSite, name: str) -> TestClient:
    client = _client(app)
    token = _csrf(client)
    data = {"name": name, "password": site.passwords[name], "csrf_token": token}
    answer = client.post("/login", data=data, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return client


def test_a_signing_key_is_required_outside_the_demo(site: DemoSite) -> None:
    for key in ("", "short"):
        with pytest.raises(InputError, match="CITYKPI_SECRET_KEY"):
            create_app(Settings(database_url=site.database_url, secret_key=key))


def test_every_response_carries_the_security_headers(app: FastAPI) -> None:
    client = _client(app)
    for path in ("/", "/login", "/static/css/site.css", "/nowhere", "/api/v1/nowhere"):
        answer = client.get(path)
        assert answer.headers["content-security-policy"] == CSP, path
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert "'unsafe-inline'" not in CSP
    cookie = _client(app).get("/").headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http on loopback; https sets it (next test)
    secure = TestClient(app, base_url="https://127.0.0.1").get("/")
    assert "Secure" in secure.headers["set-cookie"]
    assert secure.headers["strict-transport-security"].startswith("max-age=")


def test_errors_have_one_shape_under_api_and_a_page_elsewhere(app: FastAPI) -> None:
    client = _client(app)
    answer = client.get("/api/v1/nowhere")
    assert answer.status_code == 404
    body = answer.json()
    assert set(body) == {"ok", "error", "errors", "status"}
    assert body["ok"] is False
    assert body["status"] == 404
    page = client.get("/nowhere")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Error 404" in page.text


def test_login_starts_a_session_for_the_role_and_logout_revokes_it(
    app: FastAPI, site: DemoSite
) -> None:
    client = _client(app)
    assert client.get("/review", follow_redirects=False).headers["location"].startswith("/login")
    token = _csrf(client)
    for name, password in (("demo-verifier", "wrong password"), ("nobody", "wrong password")):
        refused = client.post(
            "/login", data={"name": name, "password": password, "csrf_token": token}
        )
        assert refused.status_code == 401
        assert "Signed in as" not in refused.text
    verifier = _signed_in(app, site, "demo-verifier")
    old_cookie = verifier.cookies[COOKIE]
    queue = verifier.get("/review")
    assert queue.status_code == 200
    assert "Signed in as demo-verifier (verifier)" in queue.text
    assert queue.headers["cache-control"] == "no-store"
    new_token = re.search(r'name="csrf_token" value="([^"]+)"', queue.text)
    assert new_token is not None
    assert new_token.group(1) != token  # a new session, not the visitor's
    out = verifier.post("/logout", data={"csrf_token": new_token.group(1)}, follow_redirects=False)
    assert out.status_code == 303
    replay = _client(app)
    replay.cookies.set(COOKIE, old_cookie)
    again = replay.get("/review", follow_redirects=False)
    assert again.status_code == 303  # the revoked login token no longer signs anyone in


def test_forms_without_the_session_token_are_refused(app: FastAPI, site: DemoSite) -> None:
    client = _client(app)
    data = {"name": "demo-verifier", "password": site.passwords["demo-verifier"]}
    for token in ("", "forged"):
        answer = client.post("/login", data={**data, "csrf_token": token})
        assert answer.status_code in {401, 422}
        assert COOKIE in client.cookies
        assert "Signed in as" not in client.get("/").text
    editor = _signed_in(app, site, "demo-editor")
    assert editor.post("/logout", data={"csrf_token": "forged"}).status_code == 403


def test_login_goes_back_only_to_this_site() -> None:
    assert safe_next("/review?x=1") == "/review?x=1"
    for hostile in ("//evil.example/", "https://evil.example/", "/\\evil", "/a\nb", "review"):
        assert safe_next(hostile) == ""


def test_bearer_tokens_sign_api_clients_in_and_bad_ones_get_401(
    app: FastAPI, site: DemoSite
) -> None:
    client = _client(app)
    bad = client.get("/review", headers={"Authorization": "Bearer ck_nope"})
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"] == "Bearer"
    malformed = client.get("/api/v1/cities", headers={"Authorization": "Basic abc"})
    assert malformed.status_code == 401
    assert malformed.json()["status"] == 401
    done = login(app.state.store, "demo-verifier", site.passwords["demo-verifier"])
    with app.state.store.transaction() as s:
        verifier = actor_by_token(s, done.token)
        token = create_token(s, verifier, name="api-test")
    good = _client(app).get("/review", headers={"Authorization": f"Bearer {token}"})
    assert good.status_code == 200
    assert "Signed in as demo-verifier" in good.text


def test_api_writes_by_cookie_need_the_csrf_header(app: FastAPI, site: DemoSite) -> None:
    editor = _signed_in(app, site, "demo-editor")
    refused = editor.post("/api/v1/anything", json={})
    assert refused.status_code == 403
    assert "x-csrf-token" in refused.json()["error"]
    page = editor.get("/my").text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    passed = editor.post("/api/v1/anything", json={}, headers={"X-CSRF-Token": found.group(1)})
    assert passed.status_code in {404, 405}  # past the CSRF check, to the router


def test_oversized_bodies_are_refused_before_reading(site: DemoSite) -> None:
    settings = load_settings(database_url=site.database_url, secret_key=KEY, upload_max_bytes=1000)
    small = create_app(settings)
    client = _client(small)
    answer = client.post("/api/v1/anything", content=b"x" * 5000)
    assert answer.status_code == 413
    assert answer.json()["status"] == 413
    assert "CITYKPI_UPLOAD_MAX_BYTES" in answer.json()["error"]
    page = client.post("/login", content=b"x" * 5000)
    assert page.status_code == 413
    assert page.headers["content-type"].startswith("text/html")
    small.state.store.dispose()


def test_an_unexpected_failure_shows_an_incident_never_a_traceback(site: DemoSite) -> None:
    broken = create_app(load_settings(database_url=site.database_url, secret_key=KEY))

    @broken.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("secret internals /etc/passwd")

    @broken.get("/boom")
    def boom_page() -> None:
        raise RuntimeError("secret internals /etc/passwd")

    client = TestClient(broken, raise_server_exceptions=False)
    for path in ("/api/v1/boom", "/boom"):
        answer = client.get(path)
        assert answer.status_code == 500
        assert "incident" in answer.text
        assert "secret internals" not in answer.text
        assert "Traceback" not in answer.text
        assert answer.headers["content-security-policy"] == CSP
    broken.state.store.dispose()


def test_language_from_the_query_is_remembered(app: FastAPI) -> None:
    client = _client(app)
    assert '<html lang="en"' in client.get("/").text
    assert '<html lang="fr"' in client.get("/?lang=fr").text
    assert '<html lang="fr"' in client.get("/").text  # the cookie remembers it
    assert '<html lang="es"' in _client(app).get("/", headers={"Accept-Language": "es-MX"}).text
    assert '<html lang="en"' in _client(app).get("/?lang=<x>").text


def test_session_cookies_cannot_be_forged_or_kept_forever(tmp_path: Path) -> None:
    codec = SessionCodec(KEY, 60)
    value = codec.dumps(SessionData("c" * 20, "ck_token"))
    assert codec.loads(value) == SessionData("c" * 20, "ck_token")
    assert SessionCodec("other" * 10, 60).loads(value) is None
    assert codec.loads(value[:-2] + "xx") is None
    assert codec.loads("x" * 5000) is None
    assert SessionCodec(KEY, -1).loads(value) is None  # older than the lifetime
