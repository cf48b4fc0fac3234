"""Plain records of the catalogue, for JSON, CSV and table output.

``kpi_records`` gives one nested object per KPI (the shape of ``citykpi catalogue --format
json``); ``data_point_rows`` flattens them to one row per data point for CSV and tables;
``input_rows`` lists the raw-input registry.
"""

from __future__ import annotations

from typing import TypeAlias

from citykpi.catalogue.loader import Catalogue
from citykpi.catalogue.schema import DataPoint, InputDef, Kpi
from citykpi.catalogue.units import unit_label

JsonValue: TypeAlias = str | int | float | bool | list["JsonValue"] | dict[str, "JsonValue"] | None
Cell: TypeAlias = str | int | float | bool | None

#: Columns of the flat, one-row-per-data-point form.
DATA_POINT_COLUMNS: tuple[str, ...] = (
    "code",
    "name",
    "dimension",
    "sub_dimension",
    "category",
    "tier",
    "type",
    "data_point",
    "data_point_name",
    "unit",
    "direction",
    "provenance",
    "formula",
    "inputs",
    "sdg_targets",
)

#: Columns of the inputs registry listing.
INPUT_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "unit",
    "kind",
    "sheet",
    "substance",
    "min",
    "max",
    "feeds",
    "description",
)


def _data_point_record(dp: DataPoint) -> dict[str, JsonValue]:
    return {
        "id": dp.id,
        "name": dp.name,
        "unit": dp.unit,
        "unit_label": unit_label(dp.unit),
        "formula": dp.formula,
        "inputs": list(dp.inputs),
        "direction": dp.direction.value,
        "provenance": dp.provenance,
        "function": dp.function,
        "notes": dp.notes,
    }


def kpi_record(kpi: Kpi) -> dict[str, JsonValue]:
    """Return ``kpi`` as a JSON-ready object with its data points nested."""
    return {
        "code": kpi.code,
        "slug": kpi.slug,
        "name": kpi.name,
        "dimension": kpi.dimension,
        "sub_dimension": kpi.sub_dimension,
        "category": kpi.category,
        "tier": kpi.tier,
        "type": kpi.type,
        "unit": kpi.unit,
        "unit_label": unit_label(kpi.unit),
        "direction": kpi.direction.value,
        "provenance": kpi.provenance,
        "definition": kpi.definition,
        "sdg_targets": list(kpi.sdg_targets),
        "related_standards": list(kpi.related_standards),
        "notes": kpi.notes,
        "data_points": [_data_point_record(dp) for dp in kpi.data_points],
    }


def _selected(cat: Catalogue, code: str | None) -> tuple[Kpi, ...]:
    if code is None:
        return cat.kpis
    if cat.has_data_point(code.strip()):
        # A data point id names its KPI unambiguously; accept it for convenience.
        return (cat.kpi_of(code.strip()),)
    return (cat.kpi(code),)


def kpi_records(cat: Catalogue, *, code: str | None = None) -> list[dict[str, JsonValue]]:
    """Return one JSON-ready object per KPI (only the KPI ``code`` if given).

    ``code`` may be an official code (any spacing), a KPI slug or a data point id.

    Raises
    ------
    CatalogueError
        When ``code`` is not a KPI code or slug.
    """
    return [kpi_record(k) for k in _selected(cat, code)]


def data_point_rows(cat: Catalogue, *, code: str | None = None) -> list[dict[str, Cell]]:
    """Return one flat row per data point (columns :data:`DATA_POINT_COLUMNS`)."""
    rows: list[dict[str, Cell]] = []
    for k in _selected(cat, code):
        for dp in k.data_points:
            rows.append(
                {
                    "code": k.code,
                    "name": k.name,
                    "dimension": k.dimension,
                    "sub_dimension": k.sub_dimension,
                    "category": k.category,
                    "tier": k.tier,
                    "type": k.type or "",
                    "data_point": dp.id,
                    "data_point_name": dp.name,
                    "unit": dp.unit,
                    "direction": dp.direction.value,
                    "provenance": dp.provenance,
                    "formula": dp.formula,
                    "inputs": ";".join(dp.inputs),
                    "sdg_targets": ";".join(k.sdg_targets),
                }
            )
    return rows


def _input_row(item: InputDef) -> dict[str, Cell]:
    bounds = item.bounds
    return {
        "id": item.id,
        "name": item.name,
        "unit": item.unit,
        "kind": item.kind,
        "sheet": item.sheet,
        "substance": item.substance or "",
        "min": bounds.min if bounds else None,
        "max": bounds.max if bounds else None,
        "feeds": ";".join(item.feeds),
        "description": item.description,
    }


def input_rows(cat: Catalogue) -> list[dict[str, Cell]]:
    """Return one row per declared input (columns :data:`INPUT_COLUMNS`), in registry order."""
    return [_input_row(i) for i in cat.inputs.values()]


__all__ = [
    "DATA_POINT_COLUMNS",
    "INPUT_COLUMNS",
    "data_point_rows",
    "input_rows",
    "kpi_record",
    "kpi_records",
]
