"""Hostile city names (markup, 300 characters, right-to-left text) render without breaking."""

from __future__ import annotations

import io
from dataclasses import replace

import pypdf
import pytest
from conftest import DAY, Demo, flat

from citykpi.report import OfflineFetcher, build_documents, render_html, render_pdf

SCRIPT = '<script>alert("x")</script><img src="http://evil.example/x.png">'
LONG = "Saint-" + "x" * 294
RTL = "\u0627\u0644\u0642\u062f\u0633 \u202e\u202dcity"


@pytest.mark.parametrize("name", [SCRIPT, LONG, RTL], ids=["script", "long", "rtl"])
def test_hostile_name(demo: Demo, name: str) -> None:
    city, year = demo.published[0]
    table = demo.inputs.table.copy()
    table["city"] = table["city"].replace({city: name})
    profile = replace(demo.inputs.profile(city), name=name)
    inputs = replace(
        demo.inputs,
        table=table,
        profiles={name: profile},
        states={(name if c == city else c, y, d): s for (c, y, d), s in demo.inputs.states.items()},
    )
    plain = build_documents(demo.inputs, kind="snapshot", city_years=[(city, year)], made_on=DAY)[0]
    doc = build_documents(inputs, kind="snapshot", city_years=[(name, year)], made_on=DAY)[0]
    html = render_html(doc)
    assert "<script>" not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in html or name != SCRIPT
    assert f"<bdi>{name}</bdi>" in html or name == SCRIPT
    pdf = render_pdf(doc, html=html)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    normal = pypdf.PdfReader(io.BytesIO(render_pdf(plain)))
    # the layout holds: a long or hostile name adds no page to the snapshot
    assert len(reader.pages) == len(normal.pages)
    text = flat("".join(p.extract_text() for p in reader.pages))
    if name == LONG:
        assert "x" * 200 in text  # the heading keeps the whole name, wrapped
    if name == SCRIPT:
        assert flat("alert") in text


def test_offline_fetcher_refuses_everything_but_data() -> None:
    fetcher = OfflineFetcher()
    with pytest.raises(ValueError, match="refused"):
        fetcher("http://evil.example/x.png")
    with pytest.raises(ValueError, match="refused"):
        fetcher("file:///etc/passwd")
    assert fetcher.refused == ["http://evil.example/x.png", "file:///etc/passwd"]
    assert fetcher("data:text/plain,ok") is not None
