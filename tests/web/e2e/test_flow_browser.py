"""The verification cycle in headless chromium, each person signed in through the login form.

A city editor uploads a workbook with an error, reads the located problem, uploads the fixed
workbook and submits; a verifier queries one value and verifies the rest; the editor answers
and submits again; the verifier verifies the answered value; an admin publishes; a visitor
opens the public city page and finds the new year. A screenshot of each step is kept.
"""

from __future__ import annotations

import csv
from pathlib import Path

from conftest import Served, open_page, screenshot, sign_in
from openpyxl import Workbook
from playwright.sync_api import Browser, Page

YEAR = 2025


def _rows(served: Served, city: str) -> list[dict[str, str]]:
    with (served.root / "sample" / "raw_inputs.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["city"] == city]
    latest = max(r["year"] for r in rows)
    return [{**r, "year": str(YEAR)} for r in rows if r["year"] == latest]


def _clean_city(served: Served) -> str:
    """Return a city of plain name whose latest sample year has none of the deliberate errors."""
    folder = served.root / "sample"
    with (folder / "known_errors.csv").open(encoding="utf-8") as f:
        errors = list(csv.DictReader(f))
    latest = max(r["year"] for r in errors)
    spoiled = {r["city"] for r in errors if r["year"] == latest}
    with (folder / "cities.csv").open(encoding="utf-8") as f:
        names = [r["name"] for r in csv.DictReader(f)]
    return next(n for n in names if n.isascii() and n.isalpha() and n not in spoiled)


def _workbook(path: Path, rows: list[dict[str, str]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    columns = list(rows[0])
    sheet.append(columns)
    for r in rows:
        sheet.append([float(r[c]) if c == "value" and _number(r[c]) else r[c] for c in columns])
    book.save(path)
    return path


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _verify_all_submitted(page: Page, base: str, city: str) -> str:
    page.goto(f"{base}/review/submission?city={city}&year={YEAR}")
    page.evaluate(
        """() => document.querySelectorAll('input[name=codes][data-state=submitted]')
                  .forEach(e => { e.checked = true; })"""
    )
    page.check("#act-verify")
    page.click("form[action='/review/submission'] button[type=submit]")
    return page.locator(".message").first.inner_text()


def test_editor_verifier_admin_and_public_in_the_browser(
    served: Served, browser: Browser, tmp_path: Path
) -> None:
    city = _clean_city(served)
    rows = _rows(served, city)
    spoiled = [dict(r) for r in rows]
    bad = next(i for i, r in enumerate(spoiled) if r["code"] == "households")
    spoiled[bad]["value"] = "about 13000"

    editor, editor_context = open_page(browser)
    e = editor.page
    sign_in(e, served.url, "demo-editor")
    e.goto(f"{served.url}/my/upload")
    e.fill("#up-city", city)
    e.fill("#up-year", str(YEAR))
    e.set_input_files("#up-file", str(_workbook(tmp_path / "inputs-2025.xlsx", spoiled)))
    e.click("form.upload button[type=submit]")
    problems = e.locator("#upload-issues").inner_text()
    assert "inputs-2025.xlsx" in problems
    assert f"F{bad + 2}" in problems  # the cell of the value, as the spreadsheet names it
    screenshot(e, "flow-1-editor-upload-error")

    e.fill("#up-city", city)
    e.fill("#up-year", str(YEAR))
    e.set_input_files("#up-file", str(_workbook(tmp_path / "inputs-2025.xlsx", rows)))
    e.click("form.upload button[type=submit]")
    assert f"for {city} {YEAR}" in e.locator("#upload-message").inner_text()
    e.click("text=See the values and submit them")
    e.click("#submit-form button")
    assert "submitted for verification" in e.locator("#action-message").inner_text()
    screenshot(e, "flow-2-editor-submitted")

    verifier, verifier_context = open_page(browser)
    v = verifier.page
    sign_in(v, served.url, "demo-verifier")
    v.goto(f"{served.url}/review/submission?city={city}&year={YEAR}")
    first = v.locator("input[name=codes][data-state=submitted][value^='input:']").first
    asked = str(first.get_attribute("value"))
    first.check()
    v.check("#act-query")
    v.fill("#act-comment", "Which register is the source?")
    v.click("form[action='/review/submission'] button[type=submit]")
    assert "1 value(s) queried." in v.locator(".message").first.inner_text()
    assert "value(s) verified." in _verify_all_submitted(v, served.url, city)
    screenshot(v, "flow-3-verifier-queried-and-verified")

    e.goto(f"{served.url}/values?city={city}&year={YEAR}")
    e.fill("form.answer textarea", "The population register of 2025.")
    e.click("form.answer button")
    assert f"Query on {asked} answered." in e.locator("#action-message").inner_text()
    e.click("#submit-form button")
    assert "1 value(s) submitted" in e.locator("#action-message").inner_text()
    assert "1 value(s) verified." in _verify_all_submitted(v, served.url, city)

    admin, admin_context = open_page(browser)
    a = admin.page
    sign_in(a, served.url, "demo-admin")
    a.goto(f"{served.url}/values?city={city}&year={YEAR}")
    a.fill("#pub-reason", "Verified in the browser.")
    a.click("#publish-form button")
    a.wait_for_url("**/cities/**")
    screenshot(a, "flow-4-admin-published")

    visitor, visitor_context = open_page(browser)
    p = visitor.page
    p.goto(f"{served.url}/")
    p.click(f"a:text-is('{city}')")
    assert str(YEAR) in p.locator("h1").inner_text() + p.locator("main").inner_text()
    screenshot(p, "flow-5-public-city")
    # The refused upload answers 422, which chromium logs; nothing else may be reported.
    expected = "the server responded with a status of 422"
    for watched in (editor, verifier, admin, visitor):
        assert [m for m in watched.errors if expected not in m] == []
    for context in (editor_context, verifier_context, admin_context, visitor_context):
        context.close()
