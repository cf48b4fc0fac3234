"""Roll-up specs: how observations of one property become one KPI input per city-year.

A spec is YAML data (shipped in ``observe/data/specs/``, or a file of the user's), checked by
the pydantic models below; every problem is reported with the file and the field's path.

Modelling choices
-----------------
* A roll-up is a chain of **steps**, each grouping the values of the step before it (the first
  step groups the readings) into periods of ``hour``, ``day`` or ``year`` local time; the last
  step is always ``year``.
* A step's **validity rule** decides which of its periods count: ``min_minutes`` (first step of
  hours: minutes of valid readings, each reading standing for ``sampling_minutes``),
  ``min_share`` (share of the expected sub-periods that are valid; on the last step the
  expected count comes from the calendar, so leap years and daylight-saving days count what
  they hold) and ``seasons`` (the share must be met in each season separately: summer is April
  to September, winter the other months of the same calendar year).
* ``measure: cumulative`` reads meter registers: the first step takes the difference between
  consecutive readings of a datastream (a negative difference, a meter reset, is invalid);
  the difference belongs to the period of its later reading, so the interval that spans New
  Year belongs to the new year.
* Stations combine into a city value by ``mean`` (weighted by the stations' weights where a
  station table gives them, e.g. population) or ``sum`` (meters; every meter must pass, as a
  total with a meter missing is not the city's total).
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Final, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from citykpi.catalogue import catalogue_index
from citykpi.catalogue.units import is_known_unit
from citykpi.errors import InputError

Period = Literal["hour", "day", "year"]
Aggregate = Literal["mean", "sum", "max", "min"]

#: Nominal sub-periods of a period, for intermediate ``min_share`` rules (the last step
#: counts from the calendar instead).
NOMINAL_HOURS: Final[dict[str, int]] = {"hour": 1, "day": 24}
_ORDER: Final[dict[str, int]] = {"hour": 0, "day": 1, "year": 2}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(_Strict):
    """The validity rule of one step."""

    min_minutes: float | None = Field(default=None, gt=0, le=60)
    min_share: float | None = Field(default=None, gt=0, le=1)
    seasons: bool = False


class Step(_Strict):
    """One aggregation step: periods, aggregate, validity rule."""

    period: Period
    aggregate: Aggregate = "mean"
    valid_if: Rule = Rule()


class Combine(_Strict):
    """How the stations' values combine into the city value."""

    method: Literal["mean", "sum"] = "mean"
    min_stations: int = Field(default=1, ge=1)


class RollupSpec(_Strict):
    """One roll-up: observed property -> steps -> station values -> one KPI input."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    input: str
    properties: tuple[str, ...] = Field(min_length=1)
    unit: str
    substance: str | None = None
    measure: Literal["instant", "cumulative"] = "instant"
    sampling_minutes: float = Field(default=60, gt=0, le=1440)
    timezone: str = "UTC"
    steps: tuple[Step, ...] = Field(min_length=1)
    combine: Combine = Combine()
    reference: str = ""

    @model_validator(mode="after")
    def _check(self) -> RollupSpec:
        periods = [s.period for s in self.steps]
        if periods[-1] != "year":
            msg = "the last step must have period 'year' (a KPI input is an annual value)"
            raise ValueError(msg)
        if any(_ORDER[a] >= _ORDER[b] for a, b in itertools.pairwise(periods)):
            msg = f"steps must go to longer periods (hour -> day -> year), not {periods}"
            raise ValueError(msg)
        for i, step in enumerate(self.steps):
            if step.valid_if.min_minutes is not None and (i > 0 or step.period != "hour"):
                msg = "min_minutes applies only to a first step of period 'hour'"
                raise ValueError(msg)
            if step.valid_if.seasons and i != len(self.steps) - 1:
                msg = "seasons applies only to the last (year) step"
                raise ValueError(msg)
        if self.measure == "cumulative" and self.combine.method != "sum":
            msg = "a cumulative (meter) roll-up combines stations by 'sum'"
            raise ValueError(msg)
        odd = [p for p in self.properties if "'" in p or "\\" in p or not p.strip()]
        if odd:
            msg = f"property names may not be empty or hold quotes or backslashes: {odd!r}"
            raise ValueError(msg)
        if not is_known_unit(self.unit):
            msg = f"unknown unit {self.unit!r}"
            raise ValueError(msg)
        return self

    @property
    def property_keys(self) -> tuple[str, ...]:
        """Return the observed-property names matched, in lower case."""
        return tuple(p.strip().lower() for p in self.properties)


def _located(error: ValidationError, file: str) -> str:
    lines = [f"{file} is not a valid roll-up spec; correct every field below:"]
    for e in error.errors():
        where = ".".join(str(p) for p in e["loc"]) or "(top level)"
        lines.append(f"  - {where}: {e['msg']}")
    return "\n".join(lines)


def parse_spec(data: object, *, file: str = "spec") -> RollupSpec:
    """Return the spec held by ``data`` (a parsed YAML mapping).

    Raises
    ------
    InputError
        Naming ``file`` and the path of every bad field, or an input unknown to the catalogue.
    """
    try:
        spec = RollupSpec.model_validate(data)
    except ValidationError as e:
        raise InputError(_located(e, file)) from e
    index = catalogue_index()
    if spec.input not in index.inputs:
        msg = (
            f"{file}, field 'input': {spec.input!r} is not a raw input of the catalogue; "
            "see 'citykpi inputs' for the ids."
        )
        raise InputError(msg)
    return spec


def load_spec(path: str | Path) -> RollupSpec:
    """Return the spec in the YAML file ``path``, or the shipped spec of that id.

    Raises
    ------
    InputError
        The file is missing, not YAML, or not a valid spec (every bad field named).
    """
    text_path = str(path)
    shipped = shipped_specs()
    if text_path in shipped and not Path(text_path).exists():
        return shipped[text_path]
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        known = ", ".join(sorted(shipped))
        msg = (
            f"Cannot read the spec {text_path!r} ({e}); give a YAML file or a shipped id: {known}."
        )
        raise InputError(msg) from e
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        msg = f"{text_path} is not valid YAML ({e}); correct it."
        raise InputError(msg) from e
    return parse_spec(data, file=text_path)


@lru_cache(maxsize=1)
def shipped_specs() -> dict[str, RollupSpec]:
    """Return the specs shipped with citykpi, by id."""
    folder = resources.files("citykpi.observe") / "data" / "specs"
    specs: dict[str, RollupSpec] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            spec = parse_spec(yaml.safe_load(entry.read_text("utf-8")), file=entry.name)
            specs[spec.id] = spec
    return specs


__all__ = [
    "Combine",
    "RollupSpec",
    "Rule",
    "Step",
    "load_spec",
    "parse_spec",
    "shipped_specs",
]
