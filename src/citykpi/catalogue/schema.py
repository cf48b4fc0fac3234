"""Pydantic models of the catalogue's YAML files, and their JSON Schema.

Three kinds of file make up the catalogue (``catalogue/data/``):

* ``framework.yaml``: version, dimensions, sub-dimensions and categories with their codes
  (:class:`Framework`);
* ``inputs.yaml``: the registry of raw inputs, each declared once (:class:`InputDef`);
* ``kpis/<dimension>.yaml``: the KPIs of one dimension with their data points (:class:`Kpi`).

Every model is frozen and forbids unknown fields, so a misspelt key is an error rather than a
silently ignored line. Fields the loader derives (``DataPoint.inputs``, ``DataPoint.function``,
``InputDef.feeds``) may be left out of the YAML.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

from citykpi.model import Direction

Tier = Literal["core", "advanced"]
KpiType = Literal["smart", "sustainable", "structural"]
Provenance = Literal["official", "derived"]
PartsRule = Literal["sum_to_100", "nested"]
InputKind = Literal["quantity", "count", "boolean"]

_CODE = re.compile(r"^(EC|EN|SC): [A-Z]+: [A-Z]+: \d+[CA]$")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_SDG = re.compile(r"^\d{1,2}\.[0-9a-z]{1,2}$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Category(_Frozen):
    """A category of the framework, e.g. ``ICT`` = ICT Infrastructure."""

    code: str = Field(pattern=r"^[A-Z]+$")
    name: str


class SubDimension(_Frozen):
    """A sub-dimension with its categories, e.g. ``ICT`` of Economy."""

    code: str = Field(pattern=r"^[A-Z]+$")
    name: str
    categories: tuple[Category, ...]


class Dimension(_Frozen):
    """A dimension (Economy, Environment, Society and Culture) and the file holding its KPIs."""

    code: Literal["EC", "EN", "SC"]
    name: str
    file: str = Field(description="File under kpis/ that holds this dimension's KPIs.")
    sub_dimensions: tuple[SubDimension, ...]


class CodeAnomaly(_Frozen):
    """A published code whose category part differs from its category's code."""

    code: str
    category: str
    note: str = ""


class Framework(_Frozen):
    """The framework file: version and hierarchy of dimensions, sub-dimensions, categories."""

    version: str = Field(description="Catalogue version, recorded with every computed value.")
    title: str
    source: str = ""
    dimensions: tuple[Dimension, ...]
    code_anomalies: tuple[CodeAnomaly, ...] = Field(
        default=(),
        description="Published codes kept as printed although their category part differs.",
    )


class Bounds(_Frozen):
    """Plausible range of an input, used by validation (either end may be open)."""

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Bounds:
        if self.min is not None and self.max is not None and self.min > self.max:
            msg = f"bounds min {self.min!r} is above max {self.max!r}; swap them."
            raise ValueError(msg)
        return self


class InputDef(_Frozen):
    """One raw input of the registry, asked for once in the data-collection template.

    Attributes
    ----------
    id
        Identifier used in formulas and input files (``lower_snake_case``).
    unit
        Catalogue unit in pint syntax; values in other convertible units are converted to it.
    kind
        ``{"quantity", "count", "boolean"}``: booleans hold 1 (yes) or 0 (no).
    sheet
        Dimension whose template sheet asks for it (``{"Economy", "Environment",
        "Society and Culture", "General"}``).
    substance
        Gas of a concentration (``{"NO2", "SO2", "O3"}``) for the ppm/ppb factors.
    feeds
        Data point ids that read this input (filled by the loader).
    """

    id: str = Field(pattern=_ID.pattern)
    name: str
    unit: str
    description: str
    kind: InputKind
    sheet: Literal["General", "Economy", "Environment", "Society and Culture"]
    substance: Literal["NO2", "SO2", "O3"] | None = None
    bounds: Bounds | None = None
    feeds: tuple[str, ...] = ()


class TypicalRange(_Frozen):
    """Values seen in real cities, from a poorly to a well performing one, in the point's unit.

    Order-of-magnitude ranges from the U4SSC benchmarks, verification reports and international
    statistics (WHO, World Bank, OECD). The sample generator draws from them; they are neither
    targets of the assessment nor validation bounds.
    """

    low: float
    high: float
    per_100k_inhabitants: bool = Field(
        default=False,
        description=(
            "The range is per 100,000 inhabitants of a count that grows with the city (scale "
            "it by population / 100,000)."
        ),
    )

    @model_validator(mode="after")
    def _ordered(self) -> TypicalRange:
        if self.low > self.high:
            msg = f"typical_range low {self.low!r} is above high {self.high!r}; swap them"
            raise ValueError(msg)
        return self


class DataPoint(_Frozen):
    """One reportable value of a KPI (most KPIs have exactly one).

    ``direction`` and ``provenance`` default to the KPI's; ``inputs`` and ``function`` are
    derived from the formula by the loader.
    """

    id: str = Field(pattern=_ID.pattern)
    name: str
    unit: str
    formula: str
    inputs: tuple[str, ...] = ()
    direction: Direction = Direction.NONE
    provenance: Provenance = "derived"
    function: str | None = None
    may_exceed_100: bool = Field(
        default=False,
        description="A percentage above 100 is legitimate (e.g. gross school enrolment).",
    )
    typical_range: TypicalRange | None = Field(
        default=None,
        description="Values seen in real cities, in the data point's unit (sample generator).",
    )
    nests_in: str | None = Field(
        default=None,
        description=(
            "Id of the data point of the same KPI that this one lies within (only on a KPI "
            "with 'parts: nested'), e.g. secondary wastewater treatment nests in primary."
        ),
    )
    notes: str = ""


class Kpi(_Frozen):
    """One U4SSC KPI with its data points."""

    code: str = Field(description="Official code exactly as published, e.g. 'EC: ICT: ICT: 1C'.")
    slug: str = Field(pattern=_ID.pattern)
    name: str
    dimension: str
    sub_dimension: str
    category: str
    tier: Tier
    type: KpiType | None = None
    unit: str
    direction: Direction
    provenance: Provenance
    definition: str
    sdg_targets: tuple[str, ...] = ()
    related_standards: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    notes: str = ""
    parts: PartsRule | None = Field(
        default=None,
        description=(
            "How the data points relate: 'sum_to_100' (shares of one whole, VM p32) or 'nested' "
            "(levels within one another, each inner level naming its outer one in 'nests_in', "
            "VM p32)."
        ),
    )
    data_points: tuple[DataPoint, ...] = Field(min_length=1)

    @field_validator("code")
    @classmethod
    def _code_form(cls, value: str) -> str:
        if not _CODE.match(value):
            msg = (
                f"code {value!r} is not in the spaced form 'XX: XX: XX: nX' "
                "(e.g. 'EC: ICT: ICT: 1C')"
            )
            raise ValueError(msg)
        return value

    @field_validator("sdg_targets")
    @classmethod
    def _sdg_form(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [t for t in value if not _SDG.match(t)]
        if bad:
            msg = f"SDG targets {bad!r} are not in the form '11.6' or '16.b'"
            raise ValueError(msg)
        return value

    @model_validator(mode="after")
    def _nesting(self) -> Kpi:
        """Check that ``nests_in`` names another data point of this nested KPI, without a loop."""
        outer_of = {dp.id: dp.nests_in for dp in self.data_points if dp.nests_in is not None}
        if self.parts != "nested":
            if outer_of:
                msg = (
                    f"data point(s) {sorted(outer_of)!r} state nests_in but the KPI is not "
                    "'parts: nested'; add 'parts: nested' or remove nests_in"
                )
                raise ValueError(msg)
            return self
        ids = [dp.id for dp in self.data_points]
        if not outer_of:
            msg = (
                "is 'parts: nested' but no data point states nests_in; give each inner level "
                "the id of the level it lies within"
            )
            raise ValueError(msg)
        for inner, outer in outer_of.items():
            if outer == inner or outer not in ids:
                msg = (
                    f"data point {inner!r} nests_in {outer!r}, which is not another data point "
                    f"of this KPI; use one of {[i for i in ids if i != inner]!r}"
                )
                raise ValueError(msg)
        for start in outer_of:
            seen = {start}
            step: str | None = outer_of[start]
            while step is not None:
                if step in seen:
                    msg = f"the nests_in of data point {start!r} lead round in a loop; break it"
                    raise ValueError(msg)
                seen.add(step)
                step = outer_of.get(step)
        return self

    @model_validator(mode="before")
    @classmethod
    def _inherit(cls, data: Any) -> Any:
        """Give data points the KPI's direction and provenance where they state none."""
        if not isinstance(data, dict) or not isinstance(data.get("data_points"), list):
            return data
        points = []
        for dp in data["data_points"]:
            if isinstance(dp, dict):
                dp = dict(dp)
                for key in ("direction", "provenance"):
                    if dp.get(key) is None and key in data:
                        dp[key] = data[key]
            points.append(dp)
        return {**data, "data_points": points}

    @property
    def tier_letter(self) -> str:
        """Return ``"C"`` for core and ``"A"`` for advanced, as in the code suffix."""
        return "C" if self.tier == "core" else "A"


KPI_FILE: TypeAdapter[list[Kpi]] = TypeAdapter(list[Kpi])
INPUTS_FILE: TypeAdapter[list[InputDef]] = TypeAdapter(list[InputDef])


def json_schema() -> dict[str, Any]:
    """Return the JSON Schema of the three catalogue file kinds, as one document."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "citykpi catalogue",
        "description": (
            "Schemas of the citykpi catalogue files: framework.yaml, inputs.yaml and "
            "kpis/<dimension>.yaml. Generated from citykpi.catalogue.schema; do not edit."
        ),
        "properties": {
            "framework": Framework.model_json_schema(),
            "inputs": INPUTS_FILE.json_schema(),
            "kpis": KPI_FILE.json_schema(),
        },
    }


__all__ = [
    "INPUTS_FILE",
    "KPI_FILE",
    "Bounds",
    "Category",
    "CodeAnomaly",
    "DataPoint",
    "Dimension",
    "Framework",
    "InputDef",
    "InputKind",
    "Kpi",
    "KpiType",
    "Provenance",
    "SubDimension",
    "Tier",
    "TypicalRange",
    "json_schema",
]
