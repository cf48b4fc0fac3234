"""The public pages in headless chromium, under the application's Content-Security-Policy."""

from __future__ import annotations

from urllib.parse import quote

from conftest import HOSTILE, Served, Watched, screenshot


def test_city_list_shows_every_published_city_by_its_exact_name(
    served: Served, page: Watched
) -> None:
    p = page.page
    p.goto(served.url + "/")
    names = p.locator("table.cities tbody tr td:first-child a").all_inner_texts()
    assert len(names) == 3
    assert HOSTILE in names  # shown as text, not run as markup
    assert p.locator("script:not([src]):not([type='application/json'])").count() == 0
    screenshot(p, "public-cities")
    assert page.errors == []


def test_city_page_renders_its_chart_and_tables_without_policy_violations(
    served: Served, page: Watched
) -> None:
    p = page.page
    p.goto(f"{served.url}/cities/{quote(HOSTILE, safe='')}")
    assert p.locator("h1").inner_text().startswith(HOSTILE)
    chart = p.locator("#chart-dimensions")
    chart.locator("svg").first.wait_for()
    assert chart.get_attribute("data-rendered") == "true"
    # The chart's text names the dimensions and bands that the table next to it lists.
    svg_text = chart.locator("svg").first.text_content() or ""
    dimensions = p.locator("table.scores").first.locator("tbody td:first-child").all_inner_texts()
    assert dimensions
    for name in dimensions:
        assert name in svg_text
    bands = p.locator("table.kpis .band").all_inner_texts()
    assert bands
    assert all(any(word in b for word in ("target", "not scored")) for b in bands)
    # Keyboard: the skip link is the first stop and moves focus to the main content.
    p.keyboard.press("Tab")
    assert p.evaluate("document.activeElement.className") == "skip-link"
    p.keyboard.press("Enter")
    assert p.evaluate("document.activeElement.id") == "main"
    screenshot(p, "public-city")
    assert page.errors == []
