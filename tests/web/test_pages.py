"""The public pages on a demo store whose first published city has a hostile name."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pytest
from fastapi import FastAPI, Request, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.middleware.base import RequestResponseEndpoint

from citykpi.io import write_sample
from citykpi.model import CityProfile
from citykpi.settings import Settings
from citykpi.store import Store, open_store
from citykpi.store.auth import local_actor
from citykpi.store.cities import add_city
from citykpi.store.demo import load_demo
from citykpi.store.workflow import publish, submit, verify
from citykpi.web.pages import router
from citykpi.web.pages.published import BANDS
from citykpi.web.templating import STATIC_DIR, STATIC_PREFIX

with warnings.catch_warnings():
    # starlette 1.x asks for httpx2 and warns once, on import, when it finds httpx instead.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

#: Markup, a formula, a bbcode-like tag and right-to-left text in one city name.
HOSTILE = '<script>alert("x")</script>[/y]=HYPERLINK("http://e.x")\u0645\u062f\u064a\u0646\u0629'


def _hostile_sample(folder: Path) -> str:
    """Write the sample and rename its first city to :data:`HOSTILE`; return the old name."""
    write_sample(folder, n_cities=8, years=range(2022, 2025))
    cities = pd.read_csv(folder / "cities.csv", dtype=str, keep_default_na=False)
    old = str(cities.loc[0, "name"])
    cities.loc[0, "name"] = HOSTILE
    cities.to_csv(folder / "cities.csv", index=False)
    raw = pd.read_csv(folder / "raw_inputs.csv", dtype=str, keep_default_na=False)
    raw.loc[raw["city"] == old, "city"] = HOSTILE
    raw.to_csv(folder / "raw_inputs.csv", index=False)
    return old


#: Cities the demo imported but did not publish (filled by the fixture).
_unpublished: list[str] = []


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("pages")
    _hostile_sample(root / "sample")
    url = f"sqlite:///{root / 'demo.db'}"
    summary = load_demo(url, root / "sample")
    assert HOSTILE in {city for city, _year, _n in summary.published}
    store = open_store(url, settings=Settings(database_url=url))
    published = {city for city, _year, _n in summary.published}
    _unpublished.extend(c for c, _y in summary.imported if c not in published)
    app = FastAPI()
    app.state.store = store

    @app.middleware("http")
    async def as_user(request: Request, call_next: RequestResponseEndpoint) -> Response:
        # Stands in for the application core's session: the header names a demo user.
        name = request.headers.get("x-test-user")
        request.state.actor = None
        if name:
            with store.reading() as s:
                request.state.actor = local_actor(s, name)
        request.state.csrf_token = "test-token"
        return await call_next(request)

    app.mount(STATIC_PREFIX, StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(router)
    with TestClient(app) as c:
        yield c
    store.dispose()


def _unescaped(html: str) -> list[str]:
    """Return the raw hostile fragments that appear outside JSON data blocks."""
    outside = re.sub(
        r'<script type="application/json"[^>]*>.*?</script>', "", html, flags=re.DOTALL
    )
    return [frag for frag in ('<script>alert("x")', "</script>[/y]") if frag in outside]


def test_city_list_links_every_published_city_escaped(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.text
    assert _unescaped(html) == []
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;[/y]=HYPERLINK" in html
    assert f'href="/cities/{quote(HOSTILE, safe="")}"' in html
    assert html.count('<tr><td><a href="/cities/') == 3  # the demo publishes three cities


def test_city_page_shows_scores_bands_and_kpis(client: TestClient) -> None:
    response = client.get(f"/cities/{quote(HOSTILE, safe='')}")
    assert response.status_code == 200
    html = response.text
    assert _unescaped(html) == []
    assert "<caption>Dimensions</caption>" in html
    for dimension in ("Economy", "Environment", "Society and Culture"):
        assert f"<td>{dimension}</td>" in html
    # Every band shown carries its text and symbol, not only a colour.
    shown = [b for b in BANDS.values() if f'class="band {b.css}"' in html]
    assert shown, "no band on the page"
    for b in shown:
        assert f'<span aria-hidden="true">{b.symbol}</span> {b.label}' in html
    assert "EC: I: ES: 3C" in html  # access to electricity
    assert 'href="/sdg/7"' in html
    # The chart spec travels as JSON that cannot close its block.
    block = re.search(
        r'<script type="application/json" id="spec-dimensions">(.*?)</script>',
        html,
        flags=re.DOTALL,
    )
    assert block is not None
    assert "<" not in block.group(1)


def test_unknown_city_is_404_page(client: TestClient) -> None:
    response = client.get("/cities/Nowhere%3Cb%3E")
    assert response.status_code == 404
    assert "No published data for city &#39;Nowhere&lt;b&gt;&#39;" in response.text


def test_vendored_assets_are_served(client: TestClient) -> None:
    for path in (
        "vendor/htmx/htmx.min.js",
        "vendor/leaflet/leaflet.js",
        "vendor/vega/vega-embed.min.js",
        "js/charts.js",
        "css/site.css",
    ):
        response = client.get(f"{STATIC_PREFIX}/{path}")
        assert response.status_code == 200, path
        assert len(response.content) > 100, path


def test_sdg_page_lists_linked_kpis_with_a_band_per_city(client: TestClient) -> None:
    listing = client.get("/sdg")
    assert listing.status_code == 200
    assert 'href="/sdg/17"' in listing.text
    response = client.get("/sdg/7")
    assert response.status_code == 200
    html = response.text
    assert _unescaped(html) == []
    assert "EC: I: ES: 3C" in html  # access to electricity serves SDG 7.1
    assert "7.1" in html
    assert html.count('<th scope="col"><a href="/cities/') == 3
    assert client.get("/sdg/18").status_code == 404


def test_compare_puts_two_to_five_cities_side_by_side(client: TestClient) -> None:
    names = list(re.findall(r'name="city" value="([^"]*)"', client.get("/compare").text))
    assert len(names) == 3
    query = "&".join(f"city={quote(n, safe='')}" for n in (HOSTILE, *_published_names(client)))
    response = client.get(f"/compare?{query}")
    assert response.status_code == 200
    assert _unescaped(response.text) == []
    assert response.text.count("<caption>Dimension scores side by side</caption>") == 1
    assert '<th scope="row">Economy</th>' in response.text
    one = client.get(f"/compare?city={quote(HOSTILE, safe='')}")
    assert one.status_code == 422
    assert "Choose 2 to 5 different cities to compare; 1 given." in one.text


def _published_names(client: TestClient) -> list[str]:
    html = client.get("/").text
    return [n for n in re.findall(r'<a href="/cities/[^"]*">([^<]*)</a>', html) if "&" not in n]


def test_work_pages_need_a_sign_in_and_the_right_role(client: TestClient) -> None:
    anonymous = client.get("/my", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/login?next=/my"
    refused = client.get("/review", headers={"x-test-user": "demo-editor"})
    assert refused.status_code == 403
    assert "review" in refused.text.lower()
    assert client.get("/my", headers={"x-test-user": "demo-public"}).status_code == 403


def test_editor_sees_completion_per_dimension_of_her_cities(client: TestClient) -> None:
    response = client.get("/my", headers={"x-test-user": "demo-editor"})
    assert response.status_code == 200
    html = response.text
    assert _unescaped(html) == []
    assert "Signed in as demo-editor (city_editor)" in html
    assert re.search(
        r"<h2 id=\"cy-\d+\"><a href=\"/values\?city=[^\"]+\">&lt;script&gt;.* 2024</a></h2>", html
    )
    completion = re.findall(r"<td>Economy</td><td class=\"num\">(\d+) / (\d+)</td>", html)
    assert completion
    assert all(0 < int(done) <= int(total) for done, total in completion)
    assert "published: " in html
    assert "draft: " in html


def test_review_queue_lists_a_submitted_city(client: TestClient) -> None:
    verifier = {"x-test-user": "demo-verifier"}
    city = _unpublished[-1]
    assert f">{city}</a></td>" not in client.get("/review", headers=verifier).text
    store: Store = client.app.state.store  # type: ignore[attr-defined]
    with store.transaction() as s:
        submitted = submit(s, local_actor(s, "demo-editor"), city, 2024)
    html = client.get("/review", headers=verifier).text
    row = re.search(rf'>{re.escape(city)}</a></td><td>2024</td><td class="num">(\d+)</td>', html)
    assert row is not None
    assert 0 < int(row.group(1)) <= submitted  # its KPI values; submit counts inputs too


def test_audit_trail_filters_and_exports_safe_csv(client: TestClient) -> None:
    admin = {"x-test-user": "demo-admin"}
    store: Store = client.app.state.store  # type: ignore[attr-defined]
    formula = '=HYPERLINK("http://e.x","y")'
    with store.transaction() as s:
        add_city(s, local_actor(s, "demo-admin"), CityProfile(name=formula, country="X"))
    page = client.get("/admin/audit?action=city.add", headers=admin)
    assert page.status_code == 200
    assert _unescaped(page.text) == []
    assert "<td>city.add</td>" in page.text
    assert "<td>publish</td>" not in page.text
    csv = client.get("/admin/audit?action=city.add&format=csv", headers=admin)
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert "'=HYPERLINK" in csv.text  # neutralised: a spreadsheet shows it as text
    assert ',"=HYPERLINK' not in csv.text
    assert ",=HYPERLINK" not in csv.text
    assert client.get("/admin/audit", follow_redirects=False).status_code == 303
    assert client.get("/admin/audit", headers={"x-test-user": "demo-public"}).status_code == 403


#: A value for each path parameter of the page routes.
_PARAMS = {"name": quote(HOSTILE, safe=""), "goal": "7"}


def _routes(of: object) -> list[APIRoute]:
    """Return the API routes of a router, through the routers it includes."""
    found: list[APIRoute] = []
    for route in getattr(of, "routes", []):
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):  # FastAPI keeps included routers nested
            found.extend(_routes(route.original_router))
    return found


def _page_paths() -> list[str]:
    paths = []
    for route in _routes(router):
        if "GET" in (route.methods or set()):
            path = route.path
            for key, value in _PARAMS.items():
                path = path.replace(f"{{{key}:path}}", value).replace(f"{{{key}}}", value)
            assert "{" not in path, f"give _PARAMS a value for {route.path}"
            paths.append(path)
    return paths


@pytest.mark.parametrize("user", ["", "demo-admin", "demo-editor", "demo-verifier"])
def test_every_page_shows_hostile_names_escaped(client: TestClient, user: str) -> None:
    headers = {"x-test-user": user} if user else {}
    paths = _page_paths()
    assert len(paths) >= 7
    for path in [*paths, f"/compare?city={_PARAMS['name']}&city=Nowhere"]:
        response = client.get(path, headers=headers, follow_redirects=False)
        assert response.status_code in {200, 303, 403, 404, 422}, path
        assert _unescaped(response.text) == [], path
        assert "Traceback" not in response.text


def test_value_edit_saves_and_a_stale_form_shows_both_values(client: TestClient) -> None:
    editor = {"x-test-user": "demo-editor"}
    city = _unpublished[-2]
    listing = client.get(f"/values?city={quote(city)}&year=2024", headers=editor)
    assert listing.status_code == 200
    code = "households"
    assert f"code={code}" in listing.text
    form_page = client.get(f"/values/edit?city={quote(city)}&year=2024&code={code}", headers=editor)
    assert form_page.status_code == 200
    version = int(re.search(r'name="version" value="(\d+)"', form_page.text).group(1))  # type: ignore[union-attr]
    form = {
        "city": city,
        "year": "2024",
        "code": code,
        "version": str(version),
        "unit": "",
        "source": "Census 2024",
        "csrf_token": "test-token",
    }
    broken = client.post(
        "/values/edit", headers=editor, data={**form, "value": "13300", "reason": "Typo."}
    )
    assert broken.status_code == 422
    assert "nothing was saved" in broken.text
    listed = broken.text.split('class="problems"')[1].split("</ul>")[0]
    problems = re.findall(r"<li>(.*?)</li>", listed)
    assert len(problems) >= 2  # every check that fails, each located
    assert all("field &#39;value&#39;" in p and "year 2024" in p for p in problems)
    saved = client.post(
        "/values/edit",
        headers=editor,
        data={**form, "value": "13300000", "reason": "Corrected count."},
    )
    assert saved.status_code == 200
    assert "Saved: the value now has version" in saved.text
    assert "Census 2024" in saved.text
    assert "Corrected count." in saved.text  # the history shows the note
    stale = client.post(
        "/values/edit",
        headers={"x-test-user": "demo-verifier"},
        data={**form, "value": "99", "reason": "Other edit."},
    )
    assert stale.status_code == 409
    assert "changed since you read it" in stale.text
    assert "Someone else saved this value first" in stale.text
    assert re.search(
        r"<td class=\"num\">13300000(\.0)?</td>.*demo-editor", stale.text, flags=re.DOTALL
    )
    assert '<td class="num">99.0</td>' in stale.text
    forged = client.post(
        "/values/edit",
        headers=editor,
        data={**form, "value": "1", "reason": "x", "csrf_token": "forged"},
    )
    assert forged.status_code == 403
    anonymous = client.post(
        "/values/edit", data={**form, "value": "1", "reason": "x"}, follow_redirects=False
    )
    assert anonymous.status_code == 303
    word = client.post(
        "/values/edit",
        headers=editor,
        data={**form, "version": str(version + 1), "value": "lots", "reason": "x"},
    )
    assert word.status_code == 422
    assert "is not a number" in word.text


def test_verifier_queries_one_value_verifies_the_rest_and_sees_four_eyes_refusals(
    client: TestClient,
) -> None:
    verifier = {"x-test-user": "demo-verifier"}
    city = _unpublished[-1]  # submitted by the queue test
    url = f"/review/submission?city={quote(city)}&year=2024"
    page = client.get(url, headers=verifier)
    assert page.status_code == 200
    assert _unescaped(page.text) == []
    codes = re.findall(r'name="codes" value="([^"]+)"', page.text)
    assert len(codes) > 10
    token = {"csrf_token": "test-token", "city": city, "year": "2024"}
    queried = client.post(
        "/review/submission",
        headers=verifier,
        data={**token, "action": "query", "codes": [codes[0]], "comment": "Source?"},
    )
    assert queried.status_code == 200, re.findall(r"<p[^>]*>[^<]*</p>", queried.text)[:5]
    assert "1 value(s) queried." in queried.text
    no_comment = client.post(
        "/review/submission",
        headers=verifier,
        data={**token, "action": "query", "codes": [codes[1]]},
    )
    assert no_comment.status_code == 422
    assert "A query needs a comment" in no_comment.text
    # The admin edits a value, then may not verify it: the store's four-eyes rule, explained.
    admin = {"x-test-user": "demo-admin"}
    edited = next(c for c in codes[1:] if c.startswith("input:"))
    code = edited.split(":", 1)[1]
    form = client.get(f"/values/edit?city={quote(city)}&year=2024&code={code}", headers=admin)
    version = re.search(r'name="version" value="(\d+)"', form.text)
    assert version is not None
    current = re.search(
        r'id="v-value" name="value" inputmode="decimal" required value="([^"]*)"', form.text
    )
    assert current is not None
    client.post(
        "/values/edit",
        headers=admin,
        data={
            **token,
            "code": code,
            "version": version.group(1),
            "value": current.group(1),
            "unit": "",
            "source": "Checked again",
            "reason": "Source named.",
        },
    )
    refused = client.post(
        "/review/submission", headers=admin, data={**token, "action": "verify", "codes": [edited]}
    )
    assert refused.status_code == 403
    assert "four-eyes" in refused.text.lower() or "authorship" in refused.text.lower()
    # The verifier, who wrote none of them, verifies every submitted value left (not the
    # queried one, nor the drafts never submitted).
    again = client.get(url, headers=verifier).text
    rest = re.findall(r'name="codes" value="([^"]+)" data-state="submitted"', again)
    assert edited in rest
    assert codes[0] not in rest
    assert 10 < len(rest) < len(codes) - 1
    verified = client.post(
        "/review/submission", headers=verifier, data={**token, "action": "verify", "codes": rest}
    )
    assert verified.status_code == 200, re.findall(r"<p[^>]*>[^<]*</p>", verified.text)[:3]
    assert f"{len(rest)} value(s) verified." in verified.text
    forged = client.post(
        "/review/submission",
        headers=verifier,
        data={**token, "csrf_token": "x", "action": "verify", "codes": rest},
    )
    assert forged.status_code == 403


def test_a_publish_reaches_the_cached_city_list_at_once(client: TestClient) -> None:
    """Runs last in this module: it publishes a fourth city."""
    first = client.get("/").text
    assert client.get("/").text == first  # served from the cache, unchanged
    city = _unpublished[0]
    assert city != _unpublished[-1]
    assert f">{city}</a>" not in first
    store: Store = client.app.state.store  # type: ignore[attr-defined]
    with store.transaction() as s:
        submit(s, local_actor(s, "demo-editor"), city, 2024)
    with store.transaction() as s:
        verify(s, local_actor(s, "demo-verifier"), city, 2024, [], comment="Checked.")
    with store.transaction() as s:
        publish(s, local_actor(s, "demo-verifier"), city, 2024, reason="Test.")
    after = client.get("/").text
    assert f">{city}</a>" in after
    assert after.count('<tr><td><a href="/cities/') == 4
    assert client.get(f"/cities/{quote(city, safe='')}").status_code == 200
