"""The document model of the city reports: what each report says, arranged from the assessment.

A report never computes a result of its own: values come from the KPI table, targets, shares
of target, points and bands from :func:`citykpi.assess.assess_table`, dimension and
sub-dimension scores from its ``scores`` table, SDG colours from its ``sdg`` table. Two things
are arranged here:

* a category cell of the benchmarking wheel is one (dimension, sub-dimension, category) of the
  framework; ``assess`` rolls categories up by name, and a few category names occur in two
  dimensions (e.g. "Water and Sanitation"), so the wheel scores each cell with the library's
  own rule (:func:`citykpi.assess.score_percent` over the points of its data points, banded
  by :class:`citykpi.assess.BandScheme`);
* the gaps: a KPI none of whose data points has a usable value is *not reported*; one with
  some but not all is *partial* and names the missing data points; a value whose inputs were
  unusable is *invalid*; a value whose verification state is neither verified nor published
  (a draft report, or a file with no verification record) is *not verified*.

An SDG goal is *on track* when its colour is green, *not on track* when red, orange or yellow,
and *not assessed* when grey (no scored data point).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Final

import pandas as pd

from citykpi.assess import Assessment, BandScheme, assess_table, score_percent
from citykpi.assess.targets import TargetSet
from citykpi.catalogue import Kpi, load_catalogue
from citykpi.errors import InputError
from citykpi.model import CityProfile
from citykpi.report.inputs import ReportInputs
from citykpi.report.strings import check_language

__all__ = [
    "BANDS",
    "LEGEND",
    "Band",
    "CityDocument",
    "DimensionBlock",
    "Gap",
    "KpiLine",
    "ReportKind",
    "ScoreLine",
    "SdgLine",
    "WheelCell",
    "band",
    "build_documents",
]


class ReportKind(StrEnum):
    """The four U4SSC documents of a city."""

    VERIFICATION = "verification"
    SNAPSHOT = "snapshot"
    FACTSHEET = "factsheet"
    CERTIFICATE = "certificate"


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark for translation only"
    """Mark ``message`` for the ``report`` catalogue; the template translates it."""
    return message


@dataclass(frozen=True, slots=True)
class Band:
    """A U4SSC band, with the text and symbol that carry it besides its colour."""

    key: str
    css: str
    colour: str
    symbol: str
    label: str  # English source text; templates translate it


#: The four bands, best first, and ``""``: not scored.
BANDS: Final[dict[str, Band]] = {
    "95+": Band(
        "95+", "band-a", "#1a7f37", "\u25cf\u25cf\u25cf\u25cf", N_("95 % or more of target")
    ),
    "66-95": Band(
        "66-95", "band-b", "#8fbf3f", "\u25cf\u25cf\u25cf\u25cb", N_("66-95 % of target")
    ),
    "33-66": Band(
        "33-66", "band-c", "#e6a700", "\u25cf\u25cf\u25cb\u25cb", N_("33-66 % of target")
    ),
    "0-33": Band(
        "0-33", "band-d", "#c62828", "\u25cf\u25cb\u25cb\u25cb", N_("less than 33 % of target")
    ),
    "": Band("", "band-none", "#bdbdbd", "\u2013", N_("not scored")),
}
#: The four scored bands, best first (the legend's order).
LEGEND: Final[tuple[Band, ...]] = tuple(BANDS[k] for k in ("95+", "66-95", "33-66", "0-33"))


def band(key: object) -> Band:
    """Return the band of an assessment band key; anything else is "not scored"."""
    return BANDS.get(key if isinstance(key, str) else "", BANDS[""])


@dataclass(frozen=True, slots=True)
class KpiLine:
    """One reported data point with its assessment and verification state."""

    code: str
    data_point: str
    name: str  # KPI name, with the data point's name when the KPI has several
    dimension: str
    sub_dimension: str
    category: str
    value: float | None
    unit: str
    target: float | None
    achievement: float | None  # share of target, %
    points: int | None
    band: Band
    sdg_targets: tuple[str, ...]
    quality: str
    target_source: str
    state: str  # "published", "verified", "submitted", ... or "" when unknown (a file)
    note: str


@dataclass(frozen=True, slots=True)
class ScoreLine:
    """A dimension, sub-dimension or category score (points / maximum points, in %)."""

    level: str
    name: str
    score: float | None
    points: int
    max_points: int
    band: Band


@dataclass(frozen=True, slots=True)
class WheelCell:
    """One category of the framework in the benchmarking wheel."""

    dimension: str
    sub_dimension: str
    category: str
    score: float | None
    scored: int
    band: Band


@dataclass(frozen=True, slots=True)
class Gap:
    """A KPI not reported, partly reported, invalid or not verified."""

    kind: str  # {"not_reported", "partial", "invalid", "not_verified"}
    code: str
    name: str
    dimension: str
    missing: tuple[str, ...]  # partial: names of the data points not reported
    reason: str


@dataclass(frozen=True, slots=True)
class SdgLine:
    """One SDG goal: how many data points link to it, how many are scored, its colour."""

    goal: int
    linked: int
    scored: int
    colour: str  # {"green", "yellow", "orange", "red", "grey"}

    @property
    def on_track(self) -> bool | None:
        """Return True when green, False when another colour, None when not assessed."""
        return None if self.colour == "grey" else self.colour == "green"


@dataclass(frozen=True, slots=True)
class DimensionBlock:
    """A dimension with its score, its sub-dimension scores and its KPI lines."""

    name: str
    score: ScoreLine | None
    sub_dimensions: tuple[ScoreLine, ...]
    kpis: tuple[KpiLine, ...]


@dataclass(frozen=True, slots=True)
class CityDocument:
    """Everything one report of one city-year says; the templates only lay it out."""

    kind: ReportKind
    lang: str
    city: CityProfile
    year: int
    draft: bool
    origin: str  # {"store", "file"}
    where: str
    dimensions: tuple[DimensionBlock, ...]
    wheel: tuple[WheelCell, ...]
    gaps: tuple[Gap, ...]
    sdg: tuple[SdgLine, ...]
    weakest: tuple[KpiLine, ...]
    target_set: str
    target_sources: tuple[str, ...]
    catalogue_version: str
    verifiers: tuple[str, ...]
    published_on: date | None
    made_on: date
    total_data_points: int
    total_kpis: int

    @property
    def kpis(self) -> tuple[KpiLine, ...]:
        """Return every reported data point, dimension by dimension."""
        return tuple(k for d in self.dimensions for k in d.kpis)

    @property
    def scored(self) -> tuple[KpiLine, ...]:
        """Return the data points that have a band."""
        return tuple(k for k in self.kpis if k.band.key)

    def gaps_of(self, kind: str) -> tuple[Gap, ...]:
        """Return the gaps of one kind (``"not_reported"``, ``"partial"``, ...)."""
        return tuple(g for g in self.gaps if g.kind == kind)

    @property
    def verified(self) -> bool:
        """Return True when every value of the document is verified or published."""
        return (
            self.origin == "store"
            and not self.draft
            and all(k.state in ("verified", "published") for k in self.kpis)
        )

    def band_counts(self) -> dict[str, int]:
        """Return how many data points fall in each band (keys of :data:`BANDS`)."""
        counts = dict.fromkeys(BANDS, 0)
        for k in self.kpis:
            counts[k.band.key] += 1
        return counts


def _number(value: object) -> float | None:
    if value is None or value is pd.NA:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def build_documents(
    inputs: ReportInputs,
    *,
    kind: ReportKind | str,
    lang: str = "en",
    city_years: Sequence[tuple[str, int]] | None = None,
    targets: TargetSet | None = None,
    made_on: date | None = None,
) -> list[CityDocument]:
    """Arrange the documents of some city-years, the whole table assessed once.

    Parameters
    ----------
    inputs
        What the reports read (:func:`~citykpi.report.read_store_inputs` or
        :func:`~citykpi.report.read_file_inputs`).
    kind : {"verification", "snapshot", "factsheet", "certificate"}
        Which document.
    lang : {"en", "fr", "es"}
        Language of the fixed text.
    city_years
        The (city, year) pairs to make documents for; default every pair of the table.
    targets
        Target set; default :func:`citykpi.assess.default_targets`.
    made_on
        The date printed as the date of the document; default today.

    Returns
    -------
    list of CityDocument
        One per city-year, in the order asked.

    Raises
    ------
    InputError
        If the kind or language is unknown, or a city-year has no value in the table.
    """
    report_kind = _kind(kind)
    check_language(lang)
    pairs = list(city_years) if city_years is not None else inputs.city_years()
    have = set(inputs.city_years())
    for city, year in pairs:
        if (city, year) not in have:
            known = sorted({c for c, _ in have})
            years = sorted({y for c, y in have if c == city})
            hint = (
                f"its years are {', '.join(map(str, years))}"
                if years
                else f"the cities are {', '.join(map(repr, known[:10]))}"
                + (" ..." if len(known) > 10 else "")
            )
            msg = f"{inputs.where!r} holds no KPI value for {city!r} in {year}; {hint}."
            raise InputError(msg)
    table = inputs.table
    wanted = {c for c, _ in pairs}
    assessment = assess_table(table[table["city"].isin(wanted)], targets=targets)
    kpis_by = _by_city_year(assessment.kpis.groupby(["city", "year"], sort=False))
    scores_by = _by_city_year(assessment.scores.groupby(["city", "year"], sort=False))
    sdg_by = _by_city_year(assessment.sdg.groupby(["city", "year"], sort=False))
    raw_by = _by_city_year(table.groupby(["city", "year"], sort=False))
    empty = assessment.kpis.iloc[0:0]
    day = made_on or date.today()
    return [
        _document(
            report_kind,
            lang,
            inputs,
            assessment,
            city,
            year,
            raw=raw_by[(city, year)],
            scored=kpis_by.get((city, year), empty),
            scores=scores_by.get((city, year), assessment.scores.iloc[0:0]),
            sdg=sdg_by.get((city, year), assessment.sdg.iloc[0:0]),
            made_on=day,
        )
        for city, year in pairs
    ]


def _by_city_year(
    groups: Iterable[tuple[Any, pd.DataFrame]],
) -> dict[tuple[str, int], pd.DataFrame]:
    """Return the frames of a ``groupby(["city", "year"])`` by (city, year)."""
    return {(str(k[0]), int(k[1])): g for k, g in groups}


def _kind(kind: ReportKind | str) -> ReportKind:
    try:
        return ReportKind(kind)
    except ValueError as e:
        kinds = ", ".join(k.value for k in ReportKind)
        msg = f"Unknown report kind {kind!r}; use one of {kinds}."
        raise InputError(msg) from e


def _document(
    kind: ReportKind,
    lang: str,
    inputs: ReportInputs,
    assessment: Assessment,
    city: str,
    year: int,
    *,
    raw: pd.DataFrame,
    scored: pd.DataFrame,
    scores: pd.DataFrame,
    sdg: pd.DataFrame,
    made_on: date,
) -> CityDocument:
    cat = load_catalogue()
    quality = dict(zip(raw["data_point"].astype(str), raw["quality"], strict=True))
    status = dict(zip(raw["data_point"].astype(str), raw["status"].astype(str), strict=True))
    reason = dict(zip(raw["data_point"].astype(str), raw["reason"], strict=True))
    rows = {str(r["data_point"]): r for r in scored.to_dict("records")}
    lines: list[KpiLine] = []
    gaps: list[Gap] = []
    for kpi in cat.kpis:
        missing: list[str] = []
        for dp in kpi.data_points:
            name = kpi.name if len(kpi.data_points) == 1 else f"{kpi.name} - {dp.name}"
            r = rows.get(dp.id)
            st = status.get(dp.id, "")
            if r is None or st == "not_reported" or _number(r["value"]) is None:
                if st == "invalid":
                    why = str(reason.get(dp.id) or "")
                    gaps.append(Gap("invalid", kpi.code, name, kpi.dimension, (), why))
                else:
                    missing.append(dp.name if len(kpi.data_points) > 1 else kpi.name)
                continue
            state = inputs.states.get((city, year, dp.id), "")
            line = KpiLine(
                code=kpi.code,
                data_point=dp.id,
                name=name,
                dimension=kpi.dimension,
                sub_dimension=kpi.sub_dimension,
                category=kpi.category,
                value=_number(r["value"]),
                unit=dp.unit,
                target=_number(r["target"]),
                achievement=_number(r["achievement"]),
                points=int(r["points"]) if _number(r["points"]) is not None else None,
                band=band(r["band"]),
                sdg_targets=tuple(kpi.sdg_targets),
                quality=str(quality.get(dp.id) or ""),
                target_source=str(r["target_source"] or ""),
                state=state,
                note=str(r["note"] or ""),
            )
            lines.append(line)
            if state not in ("verified", "published"):
                why = "no verification record (file)" if inputs.origin == "file" else state
                gaps.append(Gap("not_verified", kpi.code, name, kpi.dimension, (), why))
        if missing and len(missing) == len(kpi.data_points):
            gaps.append(Gap("not_reported", kpi.code, kpi.name, kpi.dimension, (), ""))
        elif missing:
            gaps.append(Gap("partial", kpi.code, kpi.name, kpi.dimension, tuple(missing), ""))
    score_rows = {
        (str(r["level"]), str(r["name"])): ScoreLine(
            level=str(r["level"]),
            name=str(r["name"]),
            score=_number(r["score"]),
            points=int(r["points"]),
            max_points=int(r["max_points"]),
            band=band(r["band"]),
        )
        for r in scores.to_dict("records")
    }
    structure = _structure(cat.kpis)
    dimensions = []
    for dim, subs in structure.items():
        dimensions.append(
            DimensionBlock(
                name=dim,
                score=score_rows.get(("dimension", dim)),
                sub_dimensions=tuple(
                    score_rows.get(("sub_dimension", s))
                    or ScoreLine("sub_dimension", s, None, 0, 0, BANDS[""])
                    for s in subs
                ),
                kpis=tuple(k for k in lines if k.dimension == dim),
            )
        )
    sdg_lines = tuple(
        SdgLine(int(r["goal"]), int(r["linked"]), int(r["scored"]), str(r["colour"]))
        for r in sdg.sort_values("goal").to_dict("records")
    )
    ranked = sorted(
        (k for k in lines if k.achievement is not None), key=lambda k: (k.achievement, k.code)
    )
    sources = sorted({k.target_source for k in lines if k.target_source})
    tsets = sorted({str(s) for s in scored["target_set"] if s}) or [assessment.targets.name]
    return CityDocument(
        kind=kind,
        lang=lang,
        city=inputs.profile(city),
        year=year,
        draft=inputs.draft,
        origin=inputs.origin,
        where=inputs.where,
        dimensions=tuple(dimensions),
        wheel=_wheel(cat.kpis, lines),
        gaps=tuple(gaps),
        sdg=sdg_lines,
        weakest=tuple(ranked[:5]),
        target_set="; ".join(tsets),
        target_sources=tuple(sources),
        catalogue_version=cat.version,
        verifiers=inputs.verifiers.get((city, year), ()),
        published_on=inputs.published_on.get((city, year)),
        made_on=made_on,
        total_data_points=sum(len(k.data_points) for k in cat.kpis),
        total_kpis=len(cat.kpis),
    )


def _structure(kpis: Iterable[Kpi]) -> dict[str, list[str]]:
    """Return the framework's dimensions with their sub-dimensions, in catalogue order."""
    out: dict[str, list[str]] = {}
    for k in kpis:
        subs = out.setdefault(k.dimension, [])
        if k.sub_dimension not in subs:
            subs.append(k.sub_dimension)
    return out


def _wheel(kpis: Iterable[Kpi], lines: Sequence[KpiLine]) -> tuple[WheelCell, ...]:
    scheme = BandScheme()
    cells: dict[tuple[str, str, str], list[int]] = {}
    for k in kpis:
        cells.setdefault((k.dimension, k.sub_dimension, k.category), [])
    for line in lines:
        if line.points is not None:
            cells[(line.dimension, line.sub_dimension, line.category)].append(line.points)
    out = []
    for (dim, sub, catg), points in cells.items():
        score = score_percent(points) if points else None
        out.append(
            WheelCell(
                dimension=dim,
                sub_dimension=sub,
                category=catg,
                score=score,
                scored=len(points),
                band=band(scheme.band(score)) if score is not None else BANDS[""],
            )
        )
    return tuple(out)
