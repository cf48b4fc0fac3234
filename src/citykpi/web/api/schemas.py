"""The typed documents of the REST API: what each endpoint answers, and its one error shape.

Input and output schemas are separate classes (``...In`` for request bodies). Every document
answered carries ``ok``: ``true`` for a result, ``false`` for an :class:`ApiError`. Lists share
one envelope, :class:`Page`: ``{"ok": true, "items": [...], "total": N, "limit": L, "offset": O}``.
Numbers the store does not hold are ``null``, never ``NaN``.
"""

from __future__ import annotations

from typing import Any, Final, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, JsonValue

__all__ = [
    "ERROR_RESPONSES",
    "ActionIn",
    "ActionOut",
    "ApiError",
    "ApiProblem",
    "AuditEventOut",
    "BandOut",
    "CityDetail",
    "CityOut",
    "DimensionOut",
    "EditOut",
    "FindingOut",
    "KpiOut",
    "Page",
    "RevisionOut",
    "ScoreOut",
    "SdgCityBand",
    "SdgDetail",
    "SdgGoalOut",
    "SdgKpiOut",
    "SubmissionOut",
    "TrendOut",
    "TrendPoint",
    "ValueEditIn",
    "ValueOut",
    "error_responses",
]

T = TypeVar("T")


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, ser_json_inf_nan="null")


class ApiProblem(_Out):
    """One of several problems of a request (an invalid field, a conflicting value)."""

    loc: str = Field("", description="Where: a dotted path such as 'body.codes.0'.")
    msg: str = Field(description="What is wrong there and how to fix it.")


class ApiError(_Out):
    """The one error shape of every ``/api`` answer that is not a success."""

    ok: Literal[False] = False
    error: str = Field(description="One sentence saying what went wrong and how to fix it.")
    errors: list[ApiProblem] = Field(default_factory=list)
    status: int = Field(description="The HTTP status, repeated for clients that lose it.")


def _error(description: str) -> dict[str, Any]:
    return {"model": ApiError, "description": description}


#: The error answers endpoints may give, for the OpenAPI document.
ERROR_RESPONSES: Final[dict[int, dict[str, Any]]] = {
    400: _error("The request body is not JSON."),
    401: _error("Nobody is signed in (or the bearer token is unknown, expired or revoked)."),
    403: _error("The signed-in user may not do this (role, city or four-eyes rule)."),
    404: _error("No such city, submission, value or goal."),
    409: _error("Someone else changed the value first; the message says who, and both values."),
    422: _error("The request's parameters or body are not valid."),
    503: _error("The store could not complete the request (e.g. a publish blocked by values)."),
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Return the OpenAPI ``responses`` of an endpoint that may answer ``statuses``."""
    return {status: ERROR_RESPONSES[status] for status in statuses}


class Page(_Out, Generic[T]):
    """One page of a list: the items from ``offset``, at most ``limit`` of ``total``."""

    ok: Literal[True] = True
    items: list[T]
    total: int = Field(ge=0, description="How many items the whole list has.")
    limit: int = Field(ge=1, description="The most items one page holds.")
    offset: int = Field(ge=0, description="How many items come before this page.")


# --- public, published values only -------------------------------------------------------------


class BandOut(_Out):
    """A U4SSC band, with the text and symbol that carry it besides colour."""

    key: Literal["95+", "66-95", "33-66", "0-33", ""] = Field(
        description="The band key; '' when not scored."
    )
    label: str
    symbol: str


class CityOut(_Out):
    """A city with published values."""

    name: str
    country: str
    population: float | None
    latest_year: int = Field(description="The latest year with published values.")
    years: list[int] = Field(description="Every year with published values, ascending.")
    latitude: float | None
    longitude: float | None
    url: str = Field(description="The path of the city's public page.")
    api_url: str = Field(description="The path of this city's document in the API.")


class ScoreOut(_Out):
    """A dimension, sub-dimension or category score of a city-year."""

    level: str = Field(description="'dimension', 'sub_dimension' or 'category'.")
    name: str
    score: float | None = Field(description="Percent of the maximum points; null if unscored.")
    points: int
    max_points: int
    band: BandOut


class TrendPoint(_Out):
    """One published value of a series."""

    year: int
    value: float | None


class TrendOut(_Out):
    """A KPI's published values over the years, its trend statuses and its projection."""

    status: str = Field(
        description=(
            "SDSN trend: decreasing, stagnating, moderately_improving, on_track, maintaining, "
            "insufficient_data or no_target."
        )
    )
    arrow: str = Field(description="The SDSN arrow of the status; '' without one.")
    progress: str = Field(description="The Statistics Canada / Open SDG progress status.")
    target_year: int | None = Field(description="The year the target is due; null: no target.")
    projection_year: int | None
    projection: float | None = Field(description="The projected value in projection_year.")
    projection_low: float | None
    projection_high: float | None
    points: list[TrendPoint]


class KpiOut(_Out):
    """One published KPI data point of a city's latest year, with its assessment."""

    code: str = Field(description="The official KPI code, e.g. 'EC: ICT: ICT: 1C'.")
    name: str
    dimension: str
    sub_dimension: str
    category: str
    value: float | None
    unit: str
    target: float | None
    band: BandOut
    sdg_targets: list[str] = Field(description="SDG targets such as '7.1'.")
    sdg_goals: list[int] = Field(description="The goals of those targets, each 1-17.")
    quality: str = Field(description="The data-quality flag; '' when none was given.")
    trend: TrendOut


class CityDetail(_Out):
    """The JSON twin of a city's public page: its latest published year, scored."""

    ok: Literal[True] = True
    city: CityOut
    year: int
    scores: list[ScoreOut]
    kpis: list[KpiOut]


class SdgGoalOut(_Out):
    """A goal with how many published KPI values of the latest years link to it."""

    goal: int = Field(ge=1, le=17)
    kpis: int = Field(ge=0)
    url: str
    api_url: str


class SdgCityBand(_Out):
    """A KPI's band in one city; ``band`` is null when the city published no value."""

    city: str
    band: BandOut | None


class SdgKpiOut(_Out):
    """A KPI linked to the goal, with its band in each city."""

    code: str
    name: str
    targets: list[str]
    cities: list[SdgCityBand]


class SdgDetail(_Out):
    """The JSON twin of a goal's page: every linked KPI's band in every city."""

    ok: Literal[True] = True
    goal: int = Field(ge=1, le=17)
    cities: list[str]
    kpis: list[SdgKpiOut]


# --- signed in ---------------------------------------------------------------------------------


class DimensionOut(_Out):
    """How many of a dimension's KPI data points have a value."""

    dimension: str
    reported: int
    total: int
    percent: float


class SubmissionOut(_Out):
    """A city-year the reader may read, with completion and verification states."""

    city: str
    year: int
    dimensions: list[DimensionOut]
    states: dict[str, int] = Field(description="How many KPI values are in each state.")
    to_review: int = Field(description="How many values wait for a verifier.")
    values_url: str = Field(description="The API path of its values.")


ValueKind = Literal["input", "kpi"]


class ValueOut(_Out):
    """The current revision of one stored value, with its verification state."""

    kind: ValueKind
    code: str
    kpi_code: str
    value: float | None
    unit: str
    status: str
    state: str
    revision: int
    source: str
    quality: str
    framework_version: str
    version: int = Field(description="Send it back as 'expect_version' to edit the value.")


class RevisionOut(_Out):
    """One revision of a value, oldest first."""

    kind: ValueKind
    code: str
    kpi_code: str
    revision: int
    current: bool
    value: float | None
    unit: str
    status: str
    retracted: bool
    source: str
    quality: str
    author: str
    time: str
    note: str
    state: str
    version: int


class FindingOut(_Out):
    """One of the verification manual's findings on a submission."""

    reason: str
    severity: str
    message: str
    city: str
    year: int | None
    code: str
    field: str
    value: str
    data_points: list[str]


class ActionIn(BaseModel):
    """A workflow action on values of a submission."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["submit", "verify", "query", "exclude", "publish"]
    codes: list[str] = Field(
        default_factory=list,
        max_length=1000,
        description=(
            "Values to act on, as codes ('households') or kind:code ('input:households'); "
            "empty verifies every submitted value. Submit and publish take none."
        ),
    )
    comment: str = Field(
        "", max_length=2000, description="Required for query; the reason for exclude."
    )


class ActionOut(_Out):
    """What a workflow action did."""

    ok: Literal[True] = True
    action: str
    city: str
    year: int
    count: int = Field(description="How many values changed state.")
    message: str


class ValueEditIn(BaseModel):
    """A new value for one stored value, with the version it was read at."""

    model_config = ConfigDict(extra="forbid")

    value: float = Field(allow_inf_nan=False)
    reason: str = Field(min_length=1, max_length=2000, description="Why the value changes.")
    expect_version: int = Field(ge=0, description="The 'version' the value was read at.")
    unit: str | None = Field(None, max_length=100, description="Null keeps the current unit.")
    source: str | None = Field(None, max_length=500, description="Null keeps the source.")


class EditOut(_Out):
    """The value after an edit."""

    ok: Literal[True] = True
    value: ValueOut


class AuditEventOut(_Out):
    """One audit event."""

    id: int
    time: str
    actor: str
    action: str
    entity_type: str
    entity_id: str
    city: str
    year: int | None
    before: dict[str, JsonValue] | None
    after: dict[str, JsonValue] | None
    reason: str
    auth: str
