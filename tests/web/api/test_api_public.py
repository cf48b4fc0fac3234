"""The public API: JSON twins of the public pages, published values only, hostile names exact."""

from __future__ import annotations

import json
from urllib.parse import quote

from conftest import HOSTILE, Demo, Headers

from citykpi.store import Store
from citykpi.store.users import actor_by_name
from citykpi.store.workflow import publish, submit, verify
from citykpi.web.pages.published import BANDS, city_page, published_cities

BAND_KEYS = set(BANDS)


def _path(name: str) -> str:
    return f"/api/v1/cities/{quote(name, safe='')}"


def test_city_list_names_every_published_city_exactly(client, demo: Demo) -> None:
    answer = client.get("/api/v1/cities")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    body = answer.json()
    assert body["ok"] is True
    assert (body["total"], body["limit"], body["offset"]) == (len(demo.published), 100, 0)
    names = [c["name"] for c in body["items"]]
    assert names == sorted(demo.published)
    hostile = next(c for c in body["items"] if c["name"] == HOSTILE)
    assert hostile["url"] == f"/cities/{quote(HOSTILE, safe='')}"
    assert hostile["api_url"] == _path(HOSTILE)
    assert hostile["latest_year"] == max(hostile["years"]) == 2024
    assert set(hostile) >= {"country", "latitude", "longitude", "population"}
    assert not set(names) & set(demo.unpublished)


def test_city_list_pages_with_limit_and_offset(client, demo: Demo) -> None:
    page = client.get("/api/v1/cities?limit=1&offset=1").json()
    assert (page["total"], page["limit"], page["offset"]) == (len(demo.published), 1, 1)
    assert [c["name"] for c in page["items"]] == [sorted(demo.published)[1]]
    for bad in ("limit=0", "limit=1001", "offset=-1", "limit=x"):
        refused = client.get(f"/api/v1/cities?{bad}")
        assert refused.status_code == 422, bad
        body = refused.json()
        assert body["ok"] is False
        assert body["status"] == 422
        assert body["errors"][0]["loc"].startswith("query.")


def test_city_document_is_the_twin_of_the_page(client, store: Store) -> None:
    answer = client.get(_path(HOSTILE))
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    page = city_page(store, HOSTILE)
    assert doc["ok"] is True
    assert doc["city"]["name"] == HOSTILE
    assert doc["year"] == page.year == 2024
    assert len(doc["kpis"]) == len(page.kpis) > 50
    assert [k["code"] for k in doc["kpis"]] == [k.code for k in page.kpis]
    assert [k["value"] for k in doc["kpis"]] == [k.value for k in page.kpis]
    levels = {s["level"] for s in doc["scores"]}
    assert levels == {"dimension", "sub_dimension", "category"}
    dims = {s["name"]: s for s in doc["scores"] if s["level"] == "dimension"}
    assert set(dims) == {"Economy", "Environment", "Society and Culture"}
    for s in doc["scores"]:
        assert s["band"]["key"] in BAND_KEYS
        assert s["band"]["label"] == BANDS[s["band"]["key"]].label
    electricity = next(k for k in doc["kpis"] if k["code"] == "EC: I: ES: 3C")
    assert 7 in electricity["sdg_goals"]
    assert "7.1" in electricity["sdg_targets"]
    assert electricity["band"]["key"] in BAND_KEYS
    assert electricity["unit"]


def test_each_kpi_carries_its_published_series_and_trend(client) -> None:
    doc = client.get(_path(HOSTILE)).json()
    statuses = {k["trend"]["status"] for k in doc["kpis"]}
    assert statuses
    assert statuses <= {
        "decreasing",
        "stagnating",
        "moderately_improving",
        "on_track",
        "maintaining",
        "insufficient_data",
        "no_target",
    }
    with_series = [k for k in doc["kpis"] if k["value"] is not None]
    assert with_series
    for k in with_series:
        points = k["trend"]["points"]
        years = [p["year"] for p in points]
        assert years == sorted(years)
        assert years[-1] == doc["year"]
        assert points[-1]["value"] == k["value"]
    # Two published years (2022, 2024): each series has both, and a projection to 2030.
    assert any(len(k["trend"]["points"]) == 2 for k in with_series)
    assert all(k["trend"]["projection_year"] == 2030 for k in with_series)
    # Two points are too few to judge or project: the library says so, and so does the API.
    short = [k["trend"] for k in with_series if len(k["trend"]["points"]) == 2]
    assert {t["status"] for t in short} <= {"insufficient_data", "no_target"}
    assert all(t["projection"] is None for t in short)


def test_unknown_city_is_a_404_in_the_one_shape(client) -> None:
    answer = client.get(_path("Nowhere<b>/x"))
    assert answer.status_code == 404
    assert answer.json() == {
        "ok": False,
        "error": "No published data for city 'Nowhere<b>/x'; see the list of cities at '/'.",
        "errors": [],
        "status": 404,
    }


def test_an_unpublished_city_is_not_shown_even_to_its_editor(
    client, demo: Demo, as_user: Headers
) -> None:
    city = demo.unpublished[0]
    for headers in ({}, as_user("demo-editor"), as_user("demo-admin")):
        assert client.get(_path(city), headers=headers).status_code == 404


def test_sdg_list_and_goal(client, demo: Demo) -> None:
    goals = client.get("/api/v1/sdg").json()
    assert goals["ok"] is True
    by_goal = {g["goal"]: g for g in goals["items"]}
    assert 7 in by_goal
    assert by_goal[7]["kpis"] > 0
    assert by_goal[7]["api_url"] == "/api/v1/sdg/7"
    doc = client.get("/api/v1/sdg/7").json()
    assert doc["goal"] == 7
    assert doc["cities"] == sorted(demo.published)
    row = next(r for r in doc["kpis"] if r["code"] == "EC: I: ES: 3C")
    assert all(t.startswith("7.") for t in row["targets"])
    assert [c["city"] for c in row["cities"]] == doc["cities"]
    for bad in ("0", "18"):
        refused = client.get(f"/api/v1/sdg/{bad}")
        assert refused.status_code == 404
        assert refused.json()["error"] == f"There is no SDG {bad}; the goals are numbered 1 to 17."
    assert client.get("/api/v1/sdg/seven").status_code == 422


def test_compare_takes_two_to_five_cities_in_order(client, demo: Demo) -> None:
    chosen = [demo.published[1], HOSTILE]
    query = "&".join(f"city={quote(n, safe='')}" for n in chosen)
    answer = client.get(f"/api/v1/compare?{query}")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [d["city"]["name"] for d in body["items"]] == chosen
    assert body["total"] == 2
    one = client.get(f"/api/v1/compare?city={quote(HOSTILE, safe='')}")
    assert one.status_code == 422
    assert one.json()["error"] == "Choose 2 to 5 different cities to compare; 1 given."
    missing = client.get(f"/api/v1/compare?city={quote(HOSTILE, safe='')}&city=Nowhere")
    assert missing.status_code == 404
    assert client.get("/api/v1/compare").status_code == 422


def test_hostile_strings_travel_as_json_text(client) -> None:
    raw = client.get(_path(HOSTILE)).content.decode()
    # The name is JSON text: parsed back exactly, and never markup to a browser.
    assert json.loads(raw)["city"]["name"] == HOSTILE
    assert client.get(_path(HOSTILE)).headers["content-type"] == "application/json"


def test_a_publish_reaches_the_cached_documents_at_once(client, store: Store, demo: Demo) -> None:
    """Runs last in this module: it publishes another city."""
    first = client.get(_path(HOSTILE)).content
    assert client.get(_path(HOSTILE)).content == first  # the cached bytes
    city = demo.unpublished[0]
    assert client.get(_path(city)).status_code == 404
    with store.transaction() as s:
        submit(s, actor_by_name(s, "demo-editor"), city, 2024)
    with store.transaction() as s:
        verify(s, actor_by_name(s, "demo-verifier"), city, 2024, [], comment="Checked.")
    with store.transaction() as s:
        publish(s, actor_by_name(s, "demo-verifier"), city, 2024, reason="Test.")
    assert client.get(_path(city)).status_code == 200
    names = [c["name"] for c in client.get("/api/v1/cities").json()["items"]]
    assert city in names
    assert len(names) == len(published_cities(store)) == len(demo.published) + 1
