"""Submissions through the API: who may read and act, the workflow, four eyes and conflicts.

Requests authenticate with bearer tokens through the application core; roles, city scopes
and the four-eyes rule are the store's, and every refusal comes back in the one error shape.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from conftest import HOSTILE, Demo, Headers

from citykpi.store import Store
from citykpi.store.states import ValueState, state_after_edit
from citykpi.store.users import actor_by_name, add_user

#: A city editor assigned to one city only (added by the fixture).
ONE = "editor-one"


@pytest.fixture(scope="module")
def one_city(store: Store, demo: Demo) -> str:
    """Add :data:`ONE`, editor of the first unpublished city only; return that city."""
    city = demo.unpublished[0]
    with store.transaction() as s:
        add_user(s, actor_by_name(s, "demo-admin"), ONE, role="city_editor", cities=[city])
    return city


def _sub(city: str, year: int = 2024) -> str:
    return f"/api/v1/submissions/{quote(city, safe='')}/{year}"


def _is_error(answer, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"ok", "error", "errors", "status"}
    assert body["ok"] is False
    assert body["status"] == status
    assert isinstance(body["error"], str)
    assert body["error"]
    return body


def test_nobody_signed_in_gets_401_in_the_one_shape(client, demo: Demo) -> None:
    city = demo.unpublished[0]
    for method, path, body in (
        ("GET", "/api/v1/submissions", None),
        ("GET", f"{_sub(city)}/values", None),
        ("GET", f"{_sub(city)}/findings", None),
        ("GET", "/api/v1/audit", None),
        ("POST", f"{_sub(city)}/actions", {"action": "verify"}),
        ("POST", f"{_sub(city)}/actions", {"action": "nonsense"}),
        ("PUT", f"{_sub(city)}/values/input/households", {"value": 1}),
    ):
        answer = client.request(method, path, json=body)
        error = _is_error(answer, 401)
        assert "Sign in first" in error["error"], path
        assert answer.headers["www-authenticate"] == "Bearer"


def test_the_public_role_may_not_read_submissions(client, as_user: Headers) -> None:
    error = _is_error(client.get("/api/v1/submissions", headers=as_user("demo-public")), 403)
    assert "'demo-public' has role 'public'" in error["error"]


def test_an_editor_lists_her_city_years_and_a_verifier_her_queue(
    client, demo: Demo, one_city: str, as_user: Headers
) -> None:
    everyone = client.get("/api/v1/submissions", headers=as_user("demo-editor")).json()
    cities = {i["city"] for i in everyone["items"]}
    assert HOSTILE in cities
    assert set(demo.unpublished) <= cities
    mine = client.get("/api/v1/submissions", headers=as_user(ONE)).json()
    assert {i["city"] for i in mine["items"]} == {one_city}
    first = mine["items"][0]
    assert first["values_url"] == f"{_sub(one_city, first['year'])}/values"
    assert {d["dimension"] for d in first["dimensions"]} == {
        "Economy",
        "Environment",
        "Society and Culture",
    }
    assert all(0 < d["reported"] <= d["total"] for d in first["dimensions"])
    assert first["states"] == {"draft": sum(first["states"].values())}
    # Nothing was submitted for review yet: the verifier's queue is empty, her full list is not.
    queue = client.get("/api/v1/submissions", headers=as_user("demo-verifier")).json()
    assert queue["items"] == []
    assert queue["total"] == 0
    every = client.get("/api/v1/submissions?waiting=false", headers=as_user("demo-verifier"))
    assert every.json()["total"] == everyone["total"]


def test_an_editor_cannot_read_another_citys_unpublished_values(
    client, demo: Demo, one_city: str, as_user: Headers
) -> None:
    other = demo.unpublished[1]
    for path in (f"{_sub(other)}/values", f"{_sub(other)}/findings"):
        error = _is_error(client.get(path, headers=as_user(ONE)), 403)
        assert f"'{ONE}' (city editor) may not" in error["error"]
        assert "not assigned to it" in error["error"]
    revisions = client.get(f"{_sub(other)}/values/input/households/revisions", headers=as_user(ONE))
    _is_error(revisions, 403)
    own = client.get(f"{_sub(one_city)}/values", headers=as_user(ONE))
    assert own.status_code == 200
    assert own.json()["total"] > 100


def test_values_filter_by_kind_and_state_and_page(client, one_city: str, as_user: Headers) -> None:
    base = f"{_sub(one_city)}/values"
    editor = as_user(ONE)
    every = client.get(f"{base}?limit=1000", headers=editor).json()
    kinds = {v["kind"] for v in every["items"]}
    assert kinds == {"input", "kpi"}
    kpis = client.get(f"{base}?kind=kpi&limit=1000", headers=editor).json()
    assert kpis["total"] == sum(v["kind"] == "kpi" for v in every["items"])
    assert {v["kind"] for v in kpis["items"]} == {"kpi"}
    drafts = client.get(f"{base}?state=draft", headers=editor).json()
    assert drafts["total"] == every["total"]
    assert client.get(f"{base}?state=published", headers=editor).json()["total"] == 0
    page = client.get(f"{base}?limit=5&offset=10", headers=editor).json()
    assert (page["limit"], page["offset"], page["total"]) == (5, 10, every["total"])
    assert page["items"] == every["items"][10:15]
    _is_error(client.get(f"{base}?state=lost", headers=editor), 422)
    _is_error(client.get(f"{base}?kind=both", headers=editor), 422)
    _is_error(client.get(f"{_sub(one_city, 1999)}/values", headers=editor), 404)
    _is_error(client.get(f"{_sub('Nowhere<b>')}/values", headers=editor), 404)


def test_a_hostile_city_comes_back_exact_in_every_submission_document(
    client, as_user: Headers
) -> None:
    admin = as_user("demo-admin")
    values = client.get(f"{_sub(HOSTILE)}/values?limit=3", headers=admin)
    assert values.status_code == 200, values.text
    assert values.json()["items"]
    assert all(v["state"] == "published" for v in values.json()["items"])
    listed = client.get("/api/v1/submissions", headers=admin).json()["items"]
    row = next(i for i in listed if i["city"] == HOSTILE and i["year"] == 2024)
    assert row["values_url"] == f"{_sub(HOSTILE)}/values"
    assert client.get(row["values_url"], headers=admin).status_code == 200


def test_an_editor_may_not_verify_and_a_query_needs_a_comment(
    client, one_city: str, as_user: Headers
) -> None:
    actions = f"{_sub(one_city)}/actions"
    submitted = client.post(actions, headers=as_user(ONE), json={"action": "submit"})
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["count"] > 100
    assert submitted.json()["message"] == f"{submitted.json()['count']} value(s) submitted."
    refused = _is_error(client.post(actions, headers=as_user(ONE), json={"action": "verify"}), 403)
    assert "has role 'city_editor', which may not" in refused["error"]
    verifier = as_user("demo-verifier")
    bare = client.post(actions, headers=verifier, json={"action": "query", "codes": ["households"]})
    assert "A query needs a comment" in _is_error(bare, 422)["error"]
    extra = client.post(actions, headers=verifier, json={"action": "verify", "oops": 1})
    assert _is_error(extra, 422)["errors"][0]["loc"] == "body.oops"
    codes = client.post(actions, headers=as_user(ONE), json={"action": "submit", "codes": ["x"]})
    assert "send no 'codes'" in _is_error(codes, 422)["error"]
    queue = client.get("/api/v1/submissions", headers=verifier).json()["items"]
    assert [(i["city"], i["year"]) for i in queue] == [(one_city, 2024)]


def test_a_stale_edit_is_a_409_naming_who_changed_it_and_both_values(
    client, one_city: str, as_user: Headers
) -> None:
    value = f"{_sub(one_city)}/values/input/households"
    editor, verifier = as_user(ONE), as_user("demo-verifier")
    history = client.get(f"{value}/revisions", headers=editor).json()
    current = next(r for r in history["items"] if r["current"])
    version = current["version"]
    new = round(current["value"] * 1.01)
    saved = client.put(
        value,
        headers=verifier,
        json={"value": new, "reason": "Census figure.", "expect_version": version},
    )
    assert saved.status_code == 200, saved.text
    after = saved.json()["value"]
    assert after["value"] == new
    assert after["version"] > version
    assert after["state"] == state_after_edit(ValueState.SUBMITTED).value
    stale = client.put(
        value, headers=editor, json={"value": 99, "reason": "Mine.", "expect_version": version}
    )
    error = _is_error(stale, 409)
    assert "changed since you read it" in error["error"]
    assert f"demo-verifier saved {float(new)!r}" in error["error"]
    assert "yours: 99.0" in error["error"]
    assert [e["loc"] for e in error["errors"]] == ["stored", "body.value"]
    assert [e["value"] for e in error["errors"]] == [new, 99]
    revisions = client.get(f"{value}/revisions", headers=editor).json()
    assert revisions["total"] == history["total"] + 1
    assert revisions["items"][-1]["author"] == "demo-verifier"
    assert revisions["items"][-1]["note"] == "Census figure."
    for bad in ({"value": "lots"}, {"value": 1, "reason": "", "expect_version": 1}):
        _is_error(client.put(value, headers=editor, json=bad), 422)
    unknown = client.put(
        f"{_sub(one_city)}/values/input/no_such_input",
        headers=editor,
        json={"value": 1, "reason": "x", "expect_version": 1},
    )
    _is_error(unknown, 404)


def test_a_verifier_may_not_verify_her_own_edit_four_eyes(
    client, one_city: str, as_user: Headers
) -> None:
    """Runs after the stale-edit test, in which the verifier corrected 'households'."""
    actions = f"{_sub(one_city)}/actions"
    verifier = as_user("demo-verifier")
    refused = client.post(
        actions, headers=verifier, json={"action": "verify", "codes": ["input:households"]}
    )
    error = _is_error(refused, 403)
    assert "four-eyes rule" in error["error"]
    assert "User 'demo-verifier' cannot verify" in error["error"]
    # The KPIs recomputed from her input are in her chain too: the store names who may.
    kpis = _is_error(client.post(actions, headers=verifier, json={"action": "verify"}), 403)
    assert "they authored them or inputs they are computed from" in kpis["error"]
    assert "Someone outside the chain must do it: demo-admin." in kpis["error"]
    # The admin, outside the chain, verifies them all; the verifier then publishes.
    admin = as_user("demo-admin")
    done = client.post(
        actions, headers=admin, json={"action": "verify", "codes": ["input:households"]}
    )
    assert done.status_code == 200, done.text
    assert done.json()["count"] == 1
    rest = client.post(actions, headers=admin, json={"action": "verify", "comment": "OK."})
    assert rest.status_code == 200, rest.text
    assert rest.json()["count"] > 100
    findings = client.get(f"{_sub(one_city)}/findings?limit=1000", headers=verifier)
    assert findings.status_code == 200
    for f in findings.json()["items"]:
        assert f["severity"] in {"error", "warning", "info"}
        assert f["message"]
    published = client.post(actions, headers=verifier, json={"action": "publish", "comment": "OK"})
    assert published.status_code == 200, published.text
    assert published.json()["action"] == "publish"
    cities = [c["name"] for c in client.get("/api/v1/cities").json()["items"]]
    assert one_city in cities
    again = client.post(actions, headers=verifier, json={"action": "verify"})
    assert "is published and final" in _is_error(again, 409)["error"]


def test_audit_events_newest_first_filtered_and_scoped(
    client, one_city: str, as_user: Headers
) -> None:
    admin = as_user("demo-admin")
    every = client.get("/api/v1/audit?limit=5", headers=admin).json()
    assert every["total"] > 100
    ids = [e["id"] for e in every["items"]]
    assert ids == sorted(ids, reverse=True)
    published = client.get("/api/v1/audit?action=publish&limit=1000", headers=admin).json()
    assert published["items"]
    assert all("publish" in e["action"] for e in published["items"])
    by_user = client.get("/api/v1/audit?user=demo-verifier&limit=1000", headers=admin).json()
    assert {e["actor"] for e in by_user["items"]} == {"demo-verifier"}
    hostile = client.get(
        f"/api/v1/audit?city={quote(HOSTILE, safe='')}&limit=1000", headers=admin
    ).json()
    assert hostile["items"]
    assert {e["city"] for e in hostile["items"]} == {HOSTILE}
    mine = client.get("/api/v1/audit?limit=1000", headers=as_user(ONE)).json()
    assert mine["items"]
    assert {e["city"] for e in mine["items"]} == {one_city}
    edits = [e for e in mine["items"] if e["action"] == "value.edit"]
    assert edits
    assert isinstance(edits[0]["after"], dict)
    _is_error(client.get("/api/v1/audit", headers=as_user("demo-public")), 403)
    _is_error(client.get("/api/v1/audit?since=yesterday", headers=admin), 422)
