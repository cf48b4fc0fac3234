"""A small catalogue for the reader tests, so expected frames do not move with the bundled data.

It is a real :class:`citykpi.catalogue.Catalogue`, built from the schema models without the YAML
loader: a few inputs (one yes/no), a single-point KPI and a multi-point KPI, on two dimension
sheets plus "General".
"""

from __future__ import annotations

from pathlib import Path

from citykpi.catalogue import Catalogue, DataPoint, InputDef, Kpi
from citykpi.catalogue.schema import Category, Dimension, Framework, SubDimension
from citykpi.model import Direction


def _input(
    id: str, name: str, unit: str, description: str, kind: str, sheet: str, feeds: tuple[str, ...]
) -> InputDef:
    return InputDef.model_validate(
        {
            "id": id,
            "name": name,
            "unit": unit,
            "description": description,
            "kind": kind,
            "sheet": sheet,
            "feeds": feeds,
        }
    )


def _kpi(
    code: str, slug: str, name: str, dimension: str, unit: str, points: tuple[DataPoint, ...]
) -> Kpi:
    return Kpi(
        code=code,
        slug=slug,
        name=name,
        dimension=dimension,
        sub_dimension=dimension,
        category=name,
        tier="core",
        unit=unit,
        direction=Direction.HIGHER,
        provenance="derived",
        definition=name,
        data_points=points,
    )


def _framework() -> Framework:
    def dimension(code: str, name: str, category: str) -> Dimension:
        sub = SubDimension(code=code, name=name, categories=(Category(code=code, name=category),))
        return Dimension(code=code, name=name, file=f"{code}.yaml", sub_dimensions=(sub,))

    return Framework(
        version="test-1",
        title="Reader test catalogue",
        dimensions=(
            dimension("EC", "Economy", "Household Internet Access"),
            dimension("EN", "Environment", "Air Pollution"),
        ),
    )


def small_catalogue() -> Catalogue:
    """Return the test catalogue: 5 inputs, 2 KPIs, 3 data points."""
    inputs = (
        _input(
            "population",
            "Population",
            "count",
            "Residents on 1 January.",
            "count",
            "General",
            ("household_internet_access",),
        ),
        _input(
            "households",
            "Households",
            "count",
            "Private households.",
            "count",
            "General",
            ("household_internet_access",),
        ),
        _input(
            "households_with_internet",
            "Households with Internet",
            "count",
            "Households with Internet access at home.",
            "count",
            "Economy",
            ("household_internet_access",),
        ),
        _input(
            "pm25_concentration",
            "PM2.5 annual mean",
            "ug/m**3",
            "Annual mean of PM2.5.",
            "quantity",
            "Environment",
            ("air_pollution_pm25",),
        ),
        _input(
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
        _kpi(
            "EC: ICT: ICT: 1C",
            "household_internet_access",
            "Household Internet Access",
            "Economy",
            "percent",
            (
                DataPoint(
                    id="household_internet_access",
                    name="Household Internet Access",
                    unit="percent",
                    formula="households_with_internet / households * 100",
                    inputs=("households_with_internet", "households"),
                ),
            ),
        ),
        _kpi(
            "EN: EN: AQ: 1C",
            "air_pollution",
            "Air Pollution",
            "Environment",
            "ug/m**3",
            (
                DataPoint(
                    id="air_pollution_pm25",
                    name="PM2.5",
                    unit="ug/m**3",
                    formula="pm25_concentration",
                    inputs=("pm25_concentration",),
                ),
                DataPoint(id="air_pollution_pm10", name="PM10", unit="ug/m**3", formula="0"),
            ),
        ),
    )
    return Catalogue(
        framework=_framework(),
        kpis=kpis,
        inputs={i.id: i for i in inputs},
        root=Path(__file__).resolve().parent,
    )
