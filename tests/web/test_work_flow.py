"""A city-year's whole way through the web app: upload with an error, fix, submit, query,
answer, verify, publish, read in public; and the upload checks."""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi import FastAPI

from citykpi.errors import InputError
from citykpi.settings import load_settings
from citykpi.web import create_app
from citykpi.web.demo import DemoSite, prepare_demo
from citykpi.web.pages.submit import check_upload

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

KEY = "w" * 40
YEAR = 2025


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> DemoSite:
    return prepare_demo(tmp_path_factory.mktemp("flow"), n_cities=8, years=1)


@pytest.fixture(scope="module")
def app(site: DemoSite) -> Iterator[FastAPI]:
    built = create_app(load_settings(database_url=site.database_url, secret_key=KEY))
    yield built
    built.state.store.dispose()


def _sign_in(app: FastAPI, site: DemoSite, name: str) -> tuple[TestClient, str]:
    client = TestClient(app, base_url="http://127.0.0.1")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token is not None
    data = {"name": name, "password": site.passwords[name], "csrf_token": token.group(1)}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 303
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/my/upload").text)
    assert found is not None
    return client, found.group(1)


def _clean_city_rows(site: DemoSite) -> tuple[str, list[dict[str, str]]]:
    """Return a published city and its rows of the latest year, re-dated to :data:`YEAR`."""
    city = site.summary.published[0][0]
    sample = Path(site.database_url.removeprefix("sqlite:///")).parent / "sample"
    with (sample / "raw_inputs.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["city"] == city]
    latest = max(r["year"] for r in rows)
    return city, [{**r, "year": str(YEAR)} for r in rows if r["year"] == latest]


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def test_a_city_year_goes_from_upload_to_the_public_page(app: FastAPI, site: DemoSite) -> None:
    city, rows = _clean_city_rows(site)
    editor, token = _sign_in(app, site, "demo-editor")
    form = {"city": city, "year": str(YEAR), "csrf_token": token}

    # 1. A file with an error imports nothing and says where the error is.
    spoiled = [dict(r) for r in rows]
    bad_row = next(i for i, r in enumerate(spoiled) if r["code"] == "households")
    spoiled[bad_row]["value"] = "about 13000"
    answer = editor.post(
        "/my/upload", data=form, files={"file": ("inputs 2025.csv", _csv(spoiled), "text/csv")}
    )
    assert answer.status_code == 422
    table = re.search(r'<table class="issues" id="upload-issues">(.*?)</table>', answer.text, re.S)
    assert table is not None
    assert "inputs 2025.csv" in table.group(1)
    assert f"<td>{bad_row + 2}</td>" in table.group(1)  # the spreadsheet row (header is 1)
    assert "<td>value</td>" in table.group(1)
    assert editor.get(f"/values?city={quote(city)}&year={YEAR}").status_code in {403, 404, 200}

    # 2. The fixed file imports.
    fixed = editor.post(
        "/my/upload", data=form, files={"file": ("inputs 2025.csv", _csv(rows), "text/csv")}
    )
    assert fixed.status_code == 200, fixed.text
    assert f"for {city} {YEAR}" in fixed.text

    # 3. Submit.
    submitted = editor.post("/my/submit", data=form)
    assert submitted.status_code == 200
    n = re.search(r"(\d+) value\(s\) submitted for verification", submitted.text)
    assert n is not None
    assert int(n.group(1)) > 50

    # 4. The verifier queries one value; the editor may not verify (403) and answers.
    verifier, vtoken = _sign_in(app, site, "demo-verifier")
    review = f"/review/submission?city={quote(city)}&year={YEAR}"
    codes = re.findall(
        r'name="codes" value="([^"]+)" data-state="submitted"', verifier.get(review).text
    )
    asked = next(c for c in codes if c.startswith("input:"))
    vform = {"city": city, "year": str(YEAR), "csrf_token": vtoken}
    queried = verifier.post(
        "/review/submission",
        data={**vform, "action": "query", "codes": [asked], "comment": "Source?"},
    )
    assert "1 value(s) queried." in queried.text
    refused = editor.post(
        "/review/submission", data={**form, "action": "verify", "codes": [codes[0]]}
    )
    assert refused.status_code == 403
    values = editor.get(f"/values?city={quote(city)}&year={YEAR}").text
    assert "Queries from the verifier" in values
    answered = editor.post("/my/answer", data={**form, "code": asked, "comment": "Register 2025."})
    assert answered.status_code == 200
    assert "answered" in answered.text
    resubmitted = editor.post("/my/submit", data=form)  # the answered value goes back
    assert "1 value(s) submitted for verification" in resubmitted.text

    # 5. The verifier verifies everything waiting; the admin publishes; the public sees it.
    waiting = re.findall(
        r'name="codes" value="([^"]+)" data-state="(?:submitted|answered)"',
        verifier.get(review).text,
    )
    assert asked in waiting
    done = verifier.post("/review/submission", data={**vform, "action": "verify", "codes": waiting})
    assert f"{len(waiting)} value(s) verified." in done.text, re.findall(
        r"<div class=\"message.*?</div>", done.text, re.S
    )
    admin, atoken = _sign_in(app, site, "demo-admin")
    early = editor.post("/admin/publish", data=form)
    assert early.status_code == 403
    published = admin.post(
        "/admin/publish",
        data={"city": city, "year": str(YEAR), "csrf_token": atoken},
        follow_redirects=False,
    )
    assert published.status_code == 303, published.text
    public = TestClient(app).get(f"/cities/{quote(city, safe='')}")
    assert public.status_code == 200
    assert str(YEAR) in public.text


def test_uploads_of_the_wrong_kind_are_refused_with_the_fix(app: FastAPI, site: DemoSite) -> None:
    city, rows = _clean_city_rows(site)
    editor, token = _sign_in(app, site, "demo-editor")
    form = {"city": city, "year": "2026", "csrf_token": token}
    cases = {
        ("<script>x</script>.exe", b"MZ\x90\x00"): "is not a workbook, CSV or JSON file",
        ("fake.xlsx", b"city,year\n"): "is not an Excel workbook",
        ("latin.csv", "Québec".encode("latin-1")): "is not UTF-8 text",
        ("nul.csv", b"city\x00,year\n"): "NUL bytes",
        ("empty.csv", b""): "is empty",
    }
    for (name, content), expected in cases.items():
        answer = editor.post("/my/upload", data=form, files={"file": (name, content, "text/csv")})
        assert answer.status_code == 422, name
        assert expected in answer.text
        assert "<script>x</script>" not in answer.text
    forged = editor.post(
        "/my/upload",
        data={**form, "csrf_token": "forged"},
        files={"file": ("a.csv", _csv(rows), "text/csv")},
    )
    assert forged.status_code == 403


def test_upload_names_are_made_safe() -> None:
    assert check_upload("../../etc/passwd.csv", b"a", 10) == "passwd.csv"
    assert check_upload("C:\\Users\\x\\data 2025.xlsx", b"PK\x03\x04", 10) == "data 2025.xlsx"
    with pytest.raises(InputError, match="larger than 10 bytes"):
        check_upload("big.csv", b"x" * 11, 10)


def test_a_published_city_year_has_its_documents_and_others_none(
    app: FastAPI, site: DemoSite
) -> None:
    city, year, _n = site.summary.published[-1]
    client = TestClient(app)
    page = client.get(f"/cities/{quote(city, safe='')}").text
    assert "/reports?city=" in page
    url = f"/reports?city={quote(city, safe='')}&year={year}&kind=snapshot"
    pdf = client.get(url)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert client.get(url).content == pdf.content  # kept until the next write
    html = client.get(url + "&format=html")
    assert html.status_code == 200
    assert city in html.text
    assert "script-src" not in html.headers["content-security-policy"]
    assert "default-src 'none'" in html.headers["content-security-policy"]
    missing = client.get(f"/reports?city={quote(city, safe='')}&year=1999")
    assert missing.status_code in {404, 422}  # refused with the reason, never a server error
    assert "1999" in missing.text
