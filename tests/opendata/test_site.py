"""The static site: pages and JSON on disk, escaped, offline, rebuilt incrementally."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from citykpi.opendata import OpenData, build_site
from citykpi.opendata.site import MANIFEST

if TYPE_CHECKING:
    from conftest import Cli


def test_cli_builds_index_and_cities_json(cli: Cli, out: Path) -> None:
    code, stdout, err = cli("site", "build", "-o", str(out / "site"))
    assert code == 0, err
    assert "index.html" in stdout
    cities = json.loads((out / "site" / "api" / "v1" / "cities.json").read_text("utf-8"))
    assert cities["schema_version"] == "1.0"
    index = (out / "site" / "index.html").read_text("utf-8")
    for city in cities["cities"]:
        assert f'href="cities/{city["id"]}.html"' in index
        assert (out / "site" / "cities" / f"{city['id']}.html").is_file()
        assert (out / "site" / "api" / "v1" / "cities" / f"{city['id']}.json").is_file()
    for path in (
        "downloads/sdmx/data.csv",
        "downloads/ngsi-ld.jsonld",
        "ranking.html",
        "sdg/index.html",
    ):
        assert (out / "site" / path).is_file(), path


def test_hostile_names_are_escaped_and_nothing_is_fetched(
    hostile: OpenData, hostile_name: str, out: Path
) -> None:
    build_site(hostile, out)
    pages = list(out.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        html = page.read_text("utf-8")
        assert "<script" not in html, page
        assert not re.search(r'(src|href)="(https?:)?//(?!creativecommons)', html), page
    assert "&lt;script&gt;" in (out / "index.html").read_text("utf-8")
    cities = json.loads((out / "api" / "v1" / "cities.json").read_text("utf-8"))
    assert hostile_name in {c["name"] for c in cities["cities"]}


def test_a_rebuild_rewrites_only_what_changed(published: OpenData, out: Path) -> None:
    first = build_site(published, out)
    assert first.written > 50
    assert first.removed == 0
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    again = build_site(published, out)
    assert again.written == 0
    assert again.changes == ()
    # one city's value changes: its pages, the lists and the downloads change, no other city's
    city = sorted(published.profiles)[0]
    values = published.values.copy()
    row = values.index[(values["city"] == city) & values["value"].notna()][0]
    values.loc[row, "value"] = values.loc[row, "value"] + 1.0
    later = replace(published.release, created=published.release.created.replace(year=2099))
    changed = build_site(replace(published, values=values, release=later), out)
    assert changed.changes == (
        {
            "change": "changed",
            "city": city,
            "year": int(values.loc[row, "year"]),
            "values": int((values["city"] == city).sum()),
        },
    )
    rewritten = {p for p, t in stamps.items() if p.stat().st_mtime_ns != t}
    city_id = published.city_ids[city]
    others = [published.city_ids[c] for c in published.profiles if c != city]
    assert out / "cities" / f"{city_id}.html" in rewritten
    assert all(out / "cities" / f"{o}.html" not in rewritten for o in others)
    assert out / MANIFEST in rewritten
    assert changed.written == len(rewritten)
    log = json.loads((out / "api" / "v1" / "changelog.json").read_text("utf-8"))["builds"]
    assert log[0]["changes"][0]["city"] == city
    assert len(log) == 2


def test_a_file_the_site_did_not_write_is_refused(published: OpenData, out: Path) -> None:
    (out / "index.html").write_text("my page", encoding="utf-8")
    with pytest.raises(ValueError, match="--force"):
        build_site(published, out)
    assert (out / "index.html").read_text("utf-8") == "my page"
