"""A small catalogue for the reader tests, so expected frames do not move with the bundled data.

It has the shape of :class:`citykpi.ingest.CatalogueView`: a few inputs (one yes/no), a
single-point KPI and a multi-point KPI, on two dimension sheets plus "General".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Input:
    id: str
    name: str
    unit: str
    description: str
    kind: str
    sheet: str
    feeds: tuple[str, ...] = ()


@dataclass(frozen=True)
class Point:
    id: str
    name: str
    unit: str
    inputs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Kpi:
    code: str
    slug: str
    name: str
    dimension: str
    data_points: tuple[Point, ...]


@dataclass(frozen=True)
class Catalogue:
    version: str
    kpis: Sequence[Kpi]
    inputs: Mapping[str, Input] = field(default_factory=dict)


def small_catalogue() -> Catalogue:
    """Return the test catalogue: 4 inputs, 2 KPIs, 3 data points."""
    inputs = (
        Input(
            "population",
            "Population",
            "count",
            "Residents on 1 January.",
            "count",
            "General",
            ("household_internet_access",),
        ),
        Input(
            "households",
            "Households",
            "count",
            "Private households.",
            "count",
            "General",
            ("household_internet_access",),
        ),
        Input(
            "households_with_internet",
            "Households with Internet",
            "count",
            "Households with Internet access at home.",
            "count",
            "Economy",
            ("household_internet_access",),
        ),
        Input(
            "pm25_concentration",
            "PM2.5 annual mean",
            "ug/m**3",
            "Annual mean of PM2.5.",
            "quantity",
            "Environment",
            ("air_pollution_pm25",),
        ),
        Input(
            "open_data_portal",
            "Open data portal",
            "dimensionless",
            "Is there a portal?",
            "boolean",
            "Economy",
            (),
        ),
    )
    kpis = (
        Kpi(
            "EC: ICT: ICT: 1C",
            "household_internet_access",
            "Household Internet Access",
            "Economy",
            (
                Point(
                    "household_internet_access",
                    "Household Internet Access",
                    "percent",
                    ("households_with_internet", "households"),
                ),
            ),
        ),
        Kpi(
            "EN: EN: AQ: 1C",
            "air_pollution",
            "Air Pollution",
            "Environment",
            (
                Point("air_pollution_pm25", "PM2.5", "ug/m**3", ("pm25_concentration",)),
                Point("air_pollution_pm10", "PM10", "ug/m**3"),
            ),
        ),
    )
    return Catalogue("test-1", kpis, {i.id: i for i in inputs})
