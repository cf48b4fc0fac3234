"""Every main page in headless chromium: no script error or policy violation, every form field
labelled, the main content reachable by keyboard; a screenshot of each."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from conftest import HOSTILE, Served, Watched, screenshot

PAGES = [
    ("", "/sdg", "public-sdgs"),
    ("", "/sdg/11", "public-sdg-11"),
    ("", "/compare", "public-compare-form"),
    ("demo-editor", "/my", "editor-my-cities"),
    ("demo-verifier", "/review", "verifier-review-queue"),
    ("demo-admin", "/admin/audit", "admin-audit"),
]


@pytest.mark.parametrize(("user", "path", "shot"), PAGES, ids=[p[2] for p in PAGES])
def test_page_is_clean_labelled_and_keyboard_reachable(
    served: Served, page: Watched, user: str, path: str, shot: str
) -> None:
    p = page.page
    response = p.goto(served.url + path)
    assert response is not None
    assert response.status == 200
    unlabelled = p.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
              .filter(e => e.labels === null || e.labels.length === 0).map(e => e.name)"""
    )
    assert unlabelled == []
    if user:
        assert f"Signed in as {user}" in p.locator(".who").inner_text()
    p.keyboard.press("Tab")
    p.keyboard.press("Enter")
    assert p.evaluate("document.activeElement.id") == "main"
    screenshot(p, shot)
    assert page.errors == []


def test_compare_chosen_by_keyboard_shows_both_cities(served: Served, page: Watched) -> None:
    p = page.page
    p.goto(served.url + "/compare")
    boxes = p.locator("input[name=city]")
    assert boxes.count() == 3
    boxes.nth(0).focus()
    p.keyboard.press("Space")
    boxes.nth(1).focus()
    p.keyboard.press("Space")
    p.locator("form button[type=submit]").press("Enter")
    p.wait_for_url("**/compare?city=*")
    headers = p.locator("table.compare thead th").all_inner_texts()
    assert len(headers) == 3  # the dimension column and two cities
    assert any(h.startswith(HOSTILE) for h in headers)
    assert quote(HOSTILE, safe="") in p.url or "%3Cscript%3E" in p.url
    screenshot(p, "public-compare")
    assert page.errors == []
