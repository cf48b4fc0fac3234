"""The values as a plain table (CSV, Parquet) and as a Frictionless data package.

The CSV files neutralise every text cell a spreadsheet would run as a formula
(:mod:`citykpi.io.cells`); the data package (``datapackage.json`` beside ``values.csv``,
``cities.csv`` and ``kpis.csv``) declares a table schema per file: field types, the unit of
each value (a ``unit`` column, described in the schema), missing values (empty cells),
primary keys and the foreign keys from the values to the cities and KPI data points; plus the
licence, the citation and the sources.
"""

from __future__ import annotations

import io
import json
from typing import Any, Final

import pandas as pd

from citykpi.opendata.dataset import OpenData

#: Frictionless field types of the value table's columns.
_VALUE_TYPES: Final[dict[str, str]] = {"year": "integer", "value": "number"}
_DESCRIPTIONS: Final[dict[str, str]] = {
    "city": "City name, as the store holds it.",
    "city_id": "Identifier of the city (SDMX REF_AREA code).",
    "country": "Country of the city.",
    "year": "Reporting year.",
    "kpi": "Official U4SSC KPI code.",
    "data_point": "Catalogue id of the KPI data point.",
    "name": "Name of the data point.",
    "value": "The value, in the unit of the 'unit' column; empty when not reported.",
    "unit": "Unit of the value (catalogue unit).",
    "status": "computed, reported, not_reported or invalid.",
    "obs_status": "R reported, NR not reported, NV not verified.",
    "quality": "U4SSC data-quality option of the inputs.",
    "verification": "Verification state in the store.",
    "sdg_targets": "SDG targets the KPI tracks, space-separated.",
    "reason": "Why a value is missing.",
}


def release_columns(data: OpenData) -> dict[str, str]:
    """Return the release's licence, citation and versions as extra columns."""
    rel = data.release
    return {
        "licence": rel.licence,
        "citation": rel.citation,
        "catalogue_version": rel.catalogue_version,
        "target_set": rel.target_set,
    }


def values_frame(data: OpenData) -> pd.DataFrame:
    """Return the value table with the release columns appended (licence, citation, versions)."""
    frame = data.values.copy()
    for name, text in release_columns(data).items():
        frame[name] = text
    return frame


def safe_csv(frame: pd.DataFrame) -> str:
    """Return ``frame`` as CSV text with every formula-like text cell neutralised."""
    from citykpi.io.cells import csv_quoting, frame_cells, neutralise_frame

    safe = neutralise_frame(frame)
    buffer = io.StringIO()
    safe.to_csv(buffer, index=False, quoting=csv_quoting(frame_cells(safe)), lineterminator="\n")
    return buffer.getvalue()


def values_csv(data: OpenData) -> str:
    """Return the value table as CSV (with the licence and citation columns)."""
    return safe_csv(values_frame(data))


def values_parquet(data: OpenData) -> bytes:
    """Return the value table as Parquet, the release in the file's key-value metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(values_frame(data), preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"citykpi.release"] = json.dumps(data.release.as_dict()).encode()
    buffer = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(meta), buffer)
    return buffer.getvalue()


def cities_frame(data: OpenData) -> pd.DataFrame:
    """Return one row per city: id, name and profile."""
    rows = []
    for name, city_id in sorted(data.city_ids.items()):
        profile = data.profiles.get(name)
        row: dict[str, Any] = {"city_id": city_id, "city": name}
        if profile is not None:
            row.update({k: v for k, v in profile.as_dict().items() if k != "name"})
        rows.append(row)
    return pd.DataFrame(rows)


def kpis_frame() -> pd.DataFrame:
    """Return one row per catalogue data point: code, names, unit, formula, SDG targets."""
    from citykpi.catalogue import load_catalogue

    rows = [
        {
            "data_point": dp.id,
            "kpi": kpi.code,
            "name": dp.name,
            "kpi_name": kpi.name,
            "dimension": kpi.dimension,
            "sub_dimension": kpi.sub_dimension,
            "category": kpi.category,
            "unit": dp.unit,
            "direction": str(dp.direction),
            "formula": dp.formula or "",
            "sdg_targets": " ".join(kpi.sdg_targets),
        }
        for kpi, dp in load_catalogue().iter_data_points()
    ]
    return pd.DataFrame(rows)


def _schema(frame: pd.DataFrame, primary: list[str], types: dict[str, str]) -> dict[str, Any]:
    fields = []
    for col in frame.columns:
        kind = types.get(col)
        if kind is None:
            dtype = frame[col].dtype
            kind = "number" if pd.api.types.is_float_dtype(dtype) else "string"
            if pd.api.types.is_integer_dtype(dtype):
                kind = "integer"
            if pd.api.types.is_bool_dtype(dtype) or col == "coastal":
                kind = "boolean"
        field: dict[str, Any] = {"name": col, "type": kind}
        if col in _DESCRIPTIONS:
            field["description"] = _DESCRIPTIONS[col]
        if col in primary:
            field["constraints"] = {"required": True}
        fields.append(field)
    return {"fields": fields, "missingValues": [""], "primaryKey": primary}


def datapackage(data: OpenData) -> dict[str, str | bytes]:
    """Return the files of the data package: ``datapackage.json`` and its three CSV files."""
    rel = data.release
    values, cities, kpis = values_frame(data), cities_frame(data), kpis_frame()
    values_schema = _schema(values, ["city", "year", "data_point"], _VALUE_TYPES)
    values_schema["foreignKeys"] = [
        {"fields": "city", "reference": {"resource": "cities", "fields": "city"}},
        {"fields": "data_point", "reference": {"resource": "kpis", "fields": "data_point"}},
    ]
    cities_schema = _schema(cities, ["city"], {"coastal": "boolean"})
    descriptor = {
        "name": "citykpi-u4ssc",
        "title": "U4SSC Key Performance Indicators of smart sustainable cities",
        "description": (
            f"{rel.status.capitalize()} KPI values of the citykpi store; catalogue "
            f"{rel.catalogue_version}, target set {rel.target_set}. Cite as: {rel.citation}."
        ),
        "version": rel.created.strftime("%Y.%m.%d"),
        "created": rel.created.isoformat().replace("+00:00", "Z"),
        "licenses": [{"name": rel.licence, "path": rel.licence_url, "title": rel.licence}],
        "sources": [
            {
                "title": "ITU-T Y.4903 / U4SSC Key Performance Indicators",
                "path": "https://u4ssc.itu.int/",
            },
            {"title": f"{rel.publisher}: verified city submissions"},
        ],
        "contributors": [{"title": rel.publisher, "role": "publisher"}],
        "citation": rel.citation,
        "resources": [
            _resource("values", "values.csv", values_schema),
            _resource("cities", "cities.csv", cities_schema),
            _resource("kpis", "kpis.csv", _schema(kpis, ["data_point"], {})),
        ],
    }
    return {
        "datapackage.json": json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n",
        "values.csv": safe_csv(values),
        "cities.csv": safe_csv(cities),
        "kpis.csv": safe_csv(kpis),
    }


def _resource(name: str, path: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "path": path,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": schema,
    }


__all__ = [
    "cities_frame",
    "datapackage",
    "kpis_frame",
    "safe_csv",
    "values_csv",
    "values_frame",
    "values_parquet",
]
