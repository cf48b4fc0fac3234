"""Small frozen types passed between stages, and the columns of the tidy long tables.

Two long tables travel between the stages:

* the **raw table** (output of :mod:`citykpi.ingest`, input of :mod:`citykpi.validate` and
  :mod:`citykpi.compute`), columns :data:`RAW_COLUMNS`: one row per city, year and raw input
  (or KPI data point reported directly, ``kind == "kpi"``);
* the **KPI table** (output of :mod:`citykpi.compute`, input of :mod:`citykpi.assess`,
  :mod:`citykpi.index` and :mod:`citykpi.store`), columns :data:`KPI_COLUMNS`: one row per
  city, year and KPI data point.

Identifiers are normalised once, at ingest: ``code`` is the official U4SSC code in its spaced
form (``"EC: ICT: ICT: 1C"``) and ``data_point`` is the catalogue id of the data point (unique
across the whole catalogue, e.g. ``"air_pollution_pm25"``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Final

from citykpi.reasons import Reason, Severity

#: Columns of the raw (input) long table, in order.
RAW_COLUMNS: Final[tuple[str, ...]] = (
    "city",  # city name as given by the submitter
    "year",  # reporting year (int)
    "kind",  # "input" for a raw input, "kpi" for a KPI data point reported directly
    "code",  # input id (kind == "input") or KPI data point id (kind == "kpi")
    "value",  # the value as a float (NaN when missing or not numeric); yes/no as 1.0 / 0.0
    "raw_value",  # the value exactly as written in the file (text), kept for error messages
    "unit",  # unit as given (may differ from the catalogue unit; converted at validation)
    "source",  # free text: where the value comes from
    "quality",  # DataQuality value, or "" when not stated
    "file",  # file the row came from
    "row",  # row number (1-based, as a spreadsheet shows it) or cell reference
)

#: Columns of the KPI long table written by ``citykpi compute``, in order.
KPI_COLUMNS: Final[tuple[str, ...]] = (
    "city",
    "year",
    "code",  # official KPI code, e.g. "EC: ICT: ICT: 1C"
    "data_point",  # catalogue data point id
    "value",  # float, NaN unless status is computed or reported
    "unit",  # catalogue unit of the data point
    "status",  # KpiStatus value
    "reason",  # why not computed (missing inputs, validation issue), else ""
    "provenance",  # JSON: inputs used with value, unit, source, quality; formula; catalogue version
    "quality",  # worst DataQuality among the inputs used ("" if unknown)
)


class DataQuality(StrEnum):
    """The six U4SSC data-quality options of the data-collection template (column T)."""

    ACCURATE = "accurate_measurement"
    SURVEY = "extrapolated_from_survey"
    HIGHER_LEVEL = "extrapolated_from_higher_level_data"
    ASSUMPTIONS = "estimated_on_stated_assumptions"
    PERSONAL = "personal_estimate"
    UNKNOWN = "unknown_method"

    @property
    def label(self) -> str:
        """Return the wording used in the U4SSC template drop-down."""
        return _QUALITY_LABELS[self]

    @property
    def rank(self) -> int:
        """Return 0 for the best quality (accurate measurement) up to 5 for unknown method."""
        return list(DataQuality).index(self)


_QUALITY_LABELS: Final[dict[DataQuality, str]] = {
    DataQuality.ACCURATE: "Based on accurate measurements",
    DataQuality.SURVEY: "Extrapolated from a survey of inhabitants",
    DataQuality.HIGHER_LEVEL: "Extrapolated from higher-level data",
    DataQuality.ASSUMPTIONS: "Estimated on stated assumptions",
    DataQuality.PERSONAL: "Personal estimate",
    DataQuality.UNKNOWN: "Unknown method / not traceable",
}


class KpiStatus(StrEnum):
    """Status of one KPI data point for one city and year."""

    COMPUTED = "computed"  # computed from raw inputs by the catalogue formula
    REPORTED = "reported"  # reported directly as a KPI result (template override)
    NOT_REPORTED = "not_reported"  # inputs missing; ``reason`` names them
    INVALID = "invalid"  # inputs present but unusable; ``reason`` says why


class Direction(StrEnum):
    """Which way is better for a KPI data point."""

    HIGHER = "higher"
    LOWER = "lower"
    TARGET_RANGE = "target_range"  # closer to a target value (or inside a range) is better
    NONE = "none"  # no preferred direction: reported, not scored


@dataclass(frozen=True, slots=True)
class Location:
    """Where a problem was found; every field is optional but as many as known are filled."""

    file: str = ""
    row: int | None = None  # 1-based row as a spreadsheet shows it
    cell: str = ""  # e.g. "Economy!D14" for workbooks
    field: str = ""  # column / field name
    city: str = ""
    year: int | None = None
    code: str = ""  # input id, data point id or KPI code

    def describe(self) -> str:
        """Return a short human-readable form such as ``"raw.csv row 14, field 'value'"``."""
        parts: list[str] = []
        if self.file:
            parts.append(self.file)
        if self.cell:
            parts.append(f"cell {self.cell}")
        elif self.row is not None:
            parts.append(f"row {self.row}")
        if self.field:
            parts.append(f"field {self.field!r}")
        if self.city:
            parts.append(f"city {self.city!r}")
        if self.year is not None:
            parts.append(f"year {self.year}")
        if self.code:
            parts.append(f"code {self.code!r}")
        return ", ".join(parts) if parts else "(no location)"


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in the input, with what to do about it.

    ``reason`` is a stable machine-readable code (a :class:`~citykpi.reasons.Reason`),
    ``message`` a full sentence that says what is wrong and how to fix it. ``data_points``
    names the KPI data points (catalogue ids) a rule over several values concerns, e.g. the
    shares that do not sum to 100; as an error, the issue makes them unusable for
    ``location.city`` and ``location.year``.
    """

    reason: Reason
    severity: Severity
    message: str
    location: Location = field(default_factory=Location)
    value: str = ""  # the offending value, as text
    data_points: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, str | int | None]:
        """Return a flat dictionary suitable for JSON or CSV output."""
        loc = self.location
        return {
            "reason": self.reason.value,
            "severity": self.severity.value,
            "file": loc.file,
            "row": loc.row,
            "cell": loc.cell,
            "field": loc.field,
            "city": loc.city,
            "year": loc.year,
            "code": loc.code,
            "value": self.value,
            "message": self.message,
        }


# --- population classes and city profiles (re-exported by citykpi.tables) ------------------------


@dataclass(frozen=True, slots=True)
class PopulationClass:
    """A population class: label and bounds in inhabitants (lower inclusive, upper exclusive)."""

    label: str
    lower: float
    upper: float

    def __contains__(self, population: object) -> bool:
        return isinstance(population, int | float) and self.lower <= population < self.upper


#: The population classes of peer groups and of the sample cities, in increasing order.
POPULATION_CLASSES: Final[tuple[PopulationClass, ...]] = (
    PopulationClass("<100k", 0, 100_000),
    PopulationClass("100k-500k", 100_000, 500_000),
    PopulationClass("500k-1M", 500_000, 1_000_000),
    PopulationClass("1M-5M", 1_000_000, 5_000_000),
    PopulationClass(">5M", 5_000_000, math.inf),
)


def population_class(population: float) -> str:
    """Return the label of the population class of a city, e.g. ``"100k-500k"``.

    Raises
    ------
    ValueError
        If ``population`` is NaN or negative.
    """
    if math.isnan(population) or population < 0:
        msg = f"Population {population!r} is not a non-negative number."
        raise ValueError(msg)
    return next(c.label for c in POPULATION_CLASSES if population < c.upper)


@dataclass(frozen=True, slots=True)
class CityProfile:
    """A city's profile: one row of the profile table, and what the store keeps of a city.

    Unknown numbers are ``None``, unknown text ``""``; ``population_class`` is a label of
    :data:`POPULATION_CLASSES` (or a class given by the user).
    """

    name: str
    country: str = ""
    region: str = ""
    population: float | None = None
    area_km2: float | None = None
    gdp_per_capita: float | None = None
    income_group: str = ""
    coastal: bool | None = None
    population_class: str = ""

    def as_dict(self) -> dict[str, str | float | bool | None]:
        """Return the profile as a flat dictionary."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


__all__ = [
    "KPI_COLUMNS",
    "POPULATION_CLASSES",
    "RAW_COLUMNS",
    "CityProfile",
    "DataQuality",
    "Direction",
    "Issue",
    "KpiStatus",
    "Location",
    "PopulationClass",
    "Severity",
    "population_class",
]
