"""NGSI-LD: one FIWARE ``KeyPerformanceIndicator`` entity per city, KPI data point and year.

Each entity is written in the key-value form (the form the FIWARE schema describes and
:func:`validate_entities` checks) or the normalised form (every attribute a ``Property`` with
its ``value``; :func:`normalise` turns the one into the other). Attributes:
``kpiValue`` (the value; ``null`` is never written: a not-reported point has no ``kpiValue``),
``calculationPeriod`` (1 January to 31 December of the year), ``calculationFrequency``
(``yearly``), ``category`` (``quantitative``), ``organization`` (the city), ``process`` (the
KPI's dimension / sub-dimension / category), ``calculationMethod`` (``automatic`` for a value
the catalogue formula computed, ``manual`` for one reported directly), ``calculationFormula``
(the catalogue formula), ``provider`` (the publisher), ``dateModified`` (the release time),
``address`` (city and country), ``location`` only when the profile has coordinates, plus
``name``, ``description``, ``dataProvider`` and ``source`` (the citation and licence).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import TYPE_CHECKING, Any, Final, Literal

from citykpi.opendata.dataset import OpenData, iter_rows

if TYPE_CHECKING:
    from referencing import Registry

CONTEXT: Final[tuple[str, ...]] = (
    "https://raw.githubusercontent.com/smart-data-models/dataModel.KeyPerformanceIndicator/"
    "master/context.jsonld",
    "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld",
)
COMMON_SCHEMA_URL: Final = "https://smart-data-models.github.io/data-models/common-schema.json"
Form = Literal["keyvalues", "normalized"]
_KEEP_AS_IS: Final = frozenset({"id", "type", "@context"})


def _data_file(name: str) -> str:
    return resources.files("citykpi.opendata").joinpath("data", "ngsi-ld", name).read_text("utf-8")


def entity_id(city_id: str, data_point: str, year: int) -> str:
    """Return the URN of one entity, e.g. ``urn:ngsi-ld:KeyPerformanceIndicator:OSLO:x:2024``."""
    return f"urn:ngsi-ld:KeyPerformanceIndicator:{city_id}:{data_point}:{year}"


def entities(data: OpenData, *, form: Form = "keyvalues") -> list[dict[str, Any]]:
    """Return one entity per row of ``data.values`` in the key-value or normalised form."""
    from citykpi.catalogue import catalogue_index

    idx = catalogue_index()
    rel = data.release
    modified = rel.created.strftime("%Y-%m-%dT%H:%M:%SZ")
    out: list[dict[str, Any]] = []
    for rec in iter_rows(data.values):
        dp = idx.data_points[rec.data_point]
        profile = data.profiles.get(rec.city)
        entity: dict[str, Any] = {
            "id": entity_id(rec.city_id, rec.data_point, rec.year),
            "type": "KeyPerformanceIndicator",
            "name": f"{rec.kpi} {rec.name}",
            "description": f"{rec.name} of {rec.city} in {rec.year} ({rec.unit}).",
            "category": ["quantitative"],
            "calculationPeriod": {"from": f"{rec.year}-01-01", "to": f"{rec.year}-12-31"},
            "calculationFrequency": "yearly",
            "organization": rec.city,
            "process": f"{rec.dimension} / {rec.sub_dimension} / {rec.category}",
            "calculationMethod": "manual" if rec.status == "reported" else "automatic",
            "calculationFormula": dp.formula or "",
            "provider": rel.publisher,
            "dataProvider": rel.publisher,
            "source": f"{rel.citation}; licence {rel.licence} {rel.licence_url}",
            "dateModified": modified,
            "address": {"addressLocality": rec.city},
        }
        if rec.value == rec.value:  # not NaN
            entity["kpiValue"] = float(rec.value)
        if profile is not None and profile.country:
            entity["address"]["addressCountry"] = profile.country
        lat, lon = getattr(profile, "latitude", None), getattr(profile, "longitude", None)
        if isinstance(lat, float) and isinstance(lon, float):
            entity["location"] = {"type": "Point", "coordinates": [lon, lat]}
        entity["@context"] = list(CONTEXT)
        out.append(normalise(entity) if form == "normalized" else entity)
    return out


def normalise(entity: Mapping[str, Any]) -> dict[str, Any]:
    """Return the normalised form of a key-value entity (``location`` a ``GeoProperty``)."""
    out: dict[str, Any] = {}
    for key, value in entity.items():
        if key in _KEEP_AS_IS:
            out[key] = value
        elif key == "location":
            out[key] = {"type": "GeoProperty", "value": value}
        else:
            out[key] = {"type": "Property", "value": value}
    return out


def key_values(entity: Mapping[str, Any]) -> dict[str, Any]:
    """Return the key-value form of a normalised entity (the inverse of :func:`normalise`)."""
    return {k: v if k in _KEEP_AS_IS else v["value"] for k, v in entity.items()}


def entities_json(data: OpenData, *, form: Form = "keyvalues") -> str:
    """Return the entities as one JSON array (UTF-8 text, one entity per line)."""
    items = entities(data, form=form)
    body = ",\n".join(json.dumps(e, ensure_ascii=False, sort_keys=True) for e in items)
    return f"[\n{body}\n]\n" if items else "[]\n"


def schema_registry() -> Registry:
    """Return a ``referencing`` registry resolving the FIWARE common schema offline."""
    from referencing import Registry, Resource

    common = Resource.from_contents(json.loads(_data_file("common-schema.json")))
    registry: Registry = Registry().with_resource(COMMON_SCHEMA_URL, common)
    return registry


def kpi_schema() -> dict[str, Any]:
    """Return the FIWARE ``KeyPerformanceIndicator`` JSON schema (vendored, CC BY 4.0)."""
    schema: dict[str, Any] = json.loads(_data_file("KeyPerformanceIndicator.schema.json"))
    return schema


def validate_entities(items: Iterable[Mapping[str, Any]]) -> list[str]:
    """Return one message per entity that breaks the FIWARE schema (none: all valid).

    Key-value entities are checked as they are; normalised ones after :func:`key_values`.
    Formats (``date``, ``date-time``, ``uri``) are checked too.
    """
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(
        kpi_schema(),
        registry=schema_registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    problems: list[str] = []
    for n, entity in enumerate(items):
        normalised = isinstance(entity.get("type"), str) and any(
            isinstance(v, dict) and v.get("type") == "Property" for v in entity.values()
        )
        kv = key_values(entity) if normalised else dict(entity)
        for error in validator.iter_errors(kv):
            where = "/".join(str(p) for p in error.absolute_path) or "(entity)"
            problems.append(f"entity {n} ({entity.get('id')!r}), {where}: {error.message}")
    return problems


__all__ = [
    "CONTEXT",
    "Form",
    "entities",
    "entities_json",
    "entity_id",
    "key_values",
    "kpi_schema",
    "normalise",
    "schema_registry",
    "validate_entities",
]
