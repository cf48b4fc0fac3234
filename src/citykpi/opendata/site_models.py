"""The JSON documents of the static site (``api/v1/...json``), as plain data.

Each document carries ``schema_version`` (:data:`citykpi.opendata.site.SCHEMA_VERSION`) and
the release (licence, citation, versions). Values are numbers or ``null`` (never NaN); every
text is data, escaped where the HTML pages show it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Final

from citykpi.opendata.dataset import OpenData, iter_rows

SCHEMA_VERSION: Final = "1.0"

#: The documented path scheme of version 1 (``{id}`` is the city id, ``{dp}`` a data point).
PATHS: Final[dict[str, str]] = {
    "index.html": "Home: the cities and KPIs.",
    "cities/{id}.html": "One city's published values, by year.",
    "kpis/{dp}.html": "One KPI data point across the cities.",
    "sdg/index.html": "The SDGs the KPIs track; sdg/{goal}.html one goal.",
    "ranking.html": "The U4SSC city index ranking.",
    "downloads.html": "The open-data downloads.",
    "changelog.html": "What changed in the data, build by build.",
    "api/v1/meta.json": "Schema version, release (licence, citation, versions), this scheme.",
    "api/v1/cities.json": "List of cities: id, name, country, population, years, values.",
    "api/v1/cities/{id}.json": "One city: profile and values per year.",
    "api/v1/kpis.json": "List of KPI data points.",
    "api/v1/kpis/{dp}.json": "One data point: catalogue facts and values per city and year.",
    "api/v1/sdg.json": "SDG goals with their data points.",
    "api/v1/ranking.json": "Index ranking: year, rows of city, score, rank.",
    "api/v1/changelog.json": "Data changelog, newest build first.",
    "downloads/sdmx/structure.xml": "SDMX-ML 2.1 structure (DSD, code lists).",
    "downloads/sdmx/data.xml": "SDMX-ML 2.1 data.",
    "downloads/sdmx/data.csv": "SDMX-CSV 2.0 data.",
    "downloads/ngsi-ld.jsonld": "NGSI-LD KeyPerformanceIndicator entities (key-values).",
    "downloads/datapackage/datapackage.json": "Frictionless data package and its CSV files.",
    "downloads/values.csv": "The value table as CSV.",
    "downloads/values.parquet": "The value table as Parquet.",
}


def _num(value: float) -> float | None:
    return None if value != value else float(value)


def _ranking(data: OpenData) -> dict[str, Any]:
    """Return the U4SSC index ranking of the latest year, or a note why there is none."""
    from citykpi.errors import CityKpiError
    from citykpi.frameworks.u4ssc import build_u4ssc_index
    from citykpi.model import KPI_COLUMNS

    table = data.values.rename(columns={"kpi": "code"})
    table = table.assign(provenance="", reason=table["reason"])[list(KPI_COLUMNS)]
    try:
        index = build_u4ssc_index(table)
    except (CityKpiError, ValueError) as e:
        return {"year": None, "rows": [], "note": str(e)}
    result = index.result
    top = max(result.hierarchy.codes, key=lambda code: result.hierarchy.node(code).level)
    scores = {str(c): float(v) for c, v in result.scores[top].items()}
    ranks = {str(c): float(v) for c, v in result.ranks[top].items()}
    rows = [
        {
            "city": city,
            "city_id": data.city_ids.get(city, ""),
            "score": scores[city],
            "rank": int(ranks[city]),
        }
        for city in sorted(scores, key=lambda c: (ranks[c], c))
    ]
    return {"year": int(index.year), "rows": rows, "note": ""}


def site_documents(data: OpenData, history: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Return every JSON document of the site by its path (``api/v1/...``)."""
    from citykpi.catalogue import load_catalogue

    release = data.release.as_dict()
    head = {"schema_version": SCHEMA_VERSION, "release": release}
    values = data.values
    docs: dict[str, dict[str, Any]] = {}
    cities = []
    for name in sorted(values["city"].unique()):
        rows = values[values["city"] == name]
        profile = data.profiles.get(name)
        city_id = data.city_ids[name]
        item = {
            "id": city_id,
            "name": name,
            "country": profile.country if profile else "",
            "population": profile.population if profile else None,
            "years": sorted(int(y) for y in rows["year"].unique()),
            "values": len(rows),
        }
        cities.append(item)
        years = []
        for year, year_rows in rows.groupby("year", sort=True):
            years.append(
                {
                    "year": int(year),
                    "values": [
                        {
                            "kpi": r.kpi,
                            "data_point": r.data_point,
                            "name": r.name,
                            "value": _num(r.value),
                            "unit": r.unit,
                            "status": r.status,
                            "obs_status": r.obs_status,
                            "quality": r.quality,
                        }
                        for r in iter_rows(year_rows)
                    ],
                }
            )
        docs[f"api/v1/cities/{city_id}.json"] = {
            **head,
            **item,
            "profile": profile.as_dict() if profile else {},
            "years": years,
        }
    docs["api/v1/cities.json"] = {**head, "cities": cities}
    by_dp: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in iter_rows(values):
        by_dp[r.data_point].append(
            {
                "city": r.city,
                "city_id": r.city_id,
                "year": int(r.year),
                "value": _num(r.value),
                "obs_status": r.obs_status,
            }
        )
    kpis = []
    goals: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for kpi, dp in load_catalogue().iter_data_points():
        item = {
            "kpi": kpi.code,
            "data_point": dp.id,
            "name": dp.name,
            "dimension": kpi.dimension,
            "sub_dimension": kpi.sub_dimension,
            "category": kpi.category,
            "unit": dp.unit,
            "sdg_targets": list(kpi.sdg_targets),
        }
        kpis.append(item)
        rows = by_dp.get(dp.id, [])
        docs[f"api/v1/kpis/{dp.id}.json"] = {
            **head,
            **item,
            "formula": dp.formula or "",
            "values": rows,
        }
        reported = len({r["city"] for r in rows if r["value"] is not None})
        for goal in sorted({t.split(".")[0] for t in kpi.sdg_targets}):
            goals[goal].append({**item, "reported": reported})
    docs["api/v1/kpis.json"] = {**head, "kpis": kpis}
    docs["api/v1/sdg.json"] = {
        **head,
        "goals": [
            {"goal": g, "data_points": goals[g]} for g in sorted(goals, key=lambda x: int(x))
        ],
    }
    docs["api/v1/ranking.json"] = {**head, **_ranking(data)}
    docs["api/v1/changelog.json"] = {**head, "builds": history}
    docs["api/v1/meta.json"] = {**head, "paths": PATHS}
    return docs


__all__ = ["PATHS", "SCHEMA_VERSION", "site_documents"]
