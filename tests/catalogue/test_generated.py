"""Generated files (docs/kpis.md, the JSON Schema) must match the catalogue."""

from __future__ import annotations

import json
from pathlib import Path

from citykpi.catalogue import DATA_DIR, load_catalogue
from citykpi.catalogue.reference import render_kpi_reference
from citykpi.catalogue.schema import json_schema

DOCS = Path(__file__).resolve().parents[2] / "docs"
FIX = "run `python scripts/gen_kpi_docs.py`"


def test_kpi_reference_is_current() -> None:
    text = (DOCS / "kpis.md").read_text(encoding="utf-8")
    assert text == render_kpi_reference(), f"docs/kpis.md is stale: {FIX}."


def test_json_schema_is_current() -> None:
    on_disk = json.loads((DATA_DIR / "schema.json").read_text(encoding="utf-8"))
    assert on_disk == json_schema(), f"catalogue/data/schema.json is stale: {FIX}."


def test_json_schema_describes_the_three_file_kinds() -> None:
    schema = json_schema()
    assert set(schema["properties"]) == {"framework", "inputs", "kpis"}
    kpi = schema["properties"]["kpis"]["$defs"]["Kpi"]
    assert {"code", "tier", "direction", "provenance", "data_points"} <= set(kpi["required"])


def test_every_kpi_and_data_point_is_documented() -> None:
    text = render_kpi_reference()
    missing = [
        f"{kpi.code} / {dp.id}"
        for kpi, dp in load_catalogue().iter_data_points()
        if f"`{kpi.code}`" not in text or f"`{dp.id}`" not in text
    ]
    assert missing == []


def test_every_input_is_documented() -> None:
    text = render_kpi_reference()
    assert all(f"| `{i}` |" in text for i in load_catalogue().inputs)
