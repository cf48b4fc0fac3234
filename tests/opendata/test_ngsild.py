"""NGSI-LD: every entity valid against the FIWARE schema, resolved offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from citykpi.opendata import OpenData
from citykpi.opendata.ngsild import entities, key_values, validate_entities

if TYPE_CHECKING:
    from conftest import Cli


def test_cli_writes_a_json_array_of_valid_entities(cli: Cli, out: Path) -> None:
    code, _, err = cli("export", "--format", "ngsi-ld", "-o", str(out / "x.jsonld"))
    assert code == 0, err
    items = json.loads((out / "x.jsonld").read_text("utf-8"))
    assert isinstance(items, list)
    assert len(items) == cli.count() > 0
    assert validate_entities(items) == []
    assert all(e["type"] == "KeyPerformanceIndicator" and e["@context"] for e in items)
    assert len({e["id"] for e in items}) == len(items)


def test_both_forms_of_hostile_cities_validate_and_agree(
    hostile: OpenData, hostile_name: str
) -> None:
    kv = entities(hostile)
    normalised = entities(hostile, form="normalized")
    assert validate_entities(kv) == []
    assert validate_entities(normalised) == []
    assert [key_values(e) for e in normalised] == kv
    assert all(e["kpiValue"]["type"] == "Property" for e in normalised if "kpiValue" in e)
    mine = [e for e in kv if e["organization"] == hostile_name]
    assert mine
    assert all(e["id"].startswith("urn:ngsi-ld:KeyPerformanceIndicator:") for e in mine)
    first = hostile.values.iloc[0]
    entity = kv[0]
    assert entity["calculationPeriod"] == {
        "from": f"{first.year}-01-01",
        "to": f"{first.year}-12-31",
    }
    assert entity["kpiValue"] == first.value


def test_an_invalid_entity_is_reported_with_its_field(hostile: OpenData) -> None:
    bad = dict(entities(hostile)[0], calculationFrequency="every leap year")
    problems = validate_entities([bad])
    assert len(problems) == 1
    assert "calculationFrequency" in problems[0]
