"""U4SSC benchmark scoring: share of target, points 1-4, and category to dimension scores.

Rules (methods.md §0, U4SSC reference §2):

* Each data point is compared with its target; the **achievement** (share of target, in %)
  earns 1 point below 33 %, 2 from 33 %, 3 from 66 % and 4 from 95 %. A value exactly on an
  edge falls in the upper band (project choice; ``BandScheme(edge_goes_up=False)`` reverses it).
* Higher is better: achievement = value / target. Lower is better: target / value, and 100 %
  once the value is at or below the target (project choice: the U4SSC rule is unpublished).
  When a target entry has a ``worst`` value, the achievement is instead linear between
  ``worst`` (0 %) and the target (100 %); lower-is-better targets of 0 need one. Target range
  (closer is better): ``"ratio"`` = min(value, target) / max(value, target) (default) or
  ``"distance"`` = 1 - |value - target| / |target|.
* Achievement is clipped to [0, 100] by default, so a city beyond its target shows 100 %.
* A category, sub-dimension or dimension score is points / (4 x scored data points), in %,
  placed in the same bands. Not-reported, invalid and no-benchmark data points are left out of
  numerator and maximum.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import pandas as pd

from citykpi.assess.meta import MetaMap, catalogue_meta
from citykpi.assess.targets import Target, TargetKind, TargetSet, default_targets
from citykpi.errors import SpecError
from citykpi.model import Direction, KpiStatus

#: Band labels, from the lowest (1 point) to the highest (4 points).
BAND_LABELS: Final[tuple[str, str, str, str]] = ("0-33", "33-66", "66-95", "95+")
#: Levels of the framework that scores are aggregated to.
LEVELS: Final[tuple[str, str, str]] = ("category", "sub_dimension", "dimension")
TOP_FIVE_MIN_CITIES: Final = 5

RangeMethod = Literal["ratio", "distance"]

KPI_RESULT_COLUMNS: Final[tuple[str, ...]] = (
    "city",
    "year",
    "code",
    "data_point",
    "value",
    "unit",
    "direction",
    "target",
    "target_kind",
    "target_year",
    "achievement",
    "points",
    "band",
    "target_set",
    "target_source",
    "note",
)
SCORE_COLUMNS: Final[tuple[str, ...]] = (
    "city",
    "year",
    "level",
    "name",
    "points",
    "max_points",
    "scored",
    "score",
    "band",
    "target_set",
)


@dataclass(frozen=True, slots=True)
class BandScheme:
    """The four U4SSC bands: lower edges of bands 2, 3 and 4, in % of target."""

    edges: tuple[float, float, float] = (33.0, 66.0, 95.0)
    edge_goes_up: bool = True

    def points(self, achievement: float) -> int:
        """Return the points 1-4 for an achievement in % of target."""
        if math.isnan(achievement):
            msg = "Cannot give points to a missing achievement; score only reported values."
            raise ValueError(msg)
        if self.edge_goes_up:
            return 1 + sum(achievement >= e for e in self.edges)
        return 1 + sum(achievement > e for e in self.edges)

    def band(self, percent: float) -> str:
        """Return the band label (one of :data:`BAND_LABELS`) of a percentage."""
        return BAND_LABELS[self.points(percent) - 1]


@dataclass(frozen=True, slots=True)
class ScoringOptions:
    """Project choices of the scoring, all documented in docs/assessment.md."""

    bands: BandScheme = BandScheme()
    range_method: RangeMethod = "ratio"
    cap: float = 100.0


def achievement(
    value: float,
    target: float,
    direction: Direction,
    *,
    worst: float | None = None,
    range_method: RangeMethod = "ratio",
    cap: float = 100.0,
) -> float:
    """Return the share of ``target`` achieved by ``value``, in %, within [0, ``cap``].

    Parameters
    ----------
    value
        The data point value.
    target
        The value that counts as 100 %.
    direction
        {``HIGHER``, ``LOWER``, ``TARGET_RANGE``}.
    worst
        Optional value that counts as 0 %; the achievement is then linear between the two.
    range_method
        {"ratio", "distance"}: how target-range values are scored.
    cap
        Upper clip of the result.

    Returns
    -------
    float
        The achievement in %.

    Raises
    ------
    SpecError
        If the target cannot be scored that way (e.g. a lower-is-better target of 0 without
        ``worst``, or ``direction`` ``NONE``).
    """
    if worst is not None and direction in (Direction.HIGHER, Direction.LOWER):
        if worst == target:
            msg = f"Target {target!r} equals its worst value {worst!r}; they must differ."
            raise SpecError(msg)
        share = (value - worst) / (target - worst)
    elif direction is Direction.HIGHER:
        if target <= 0:
            msg = (
                f"Higher-is-better target {target!r} must be positive to score value / target; "
                "give a positive target or a 'worst' value."
            )
            raise SpecError(msg)
        share = value / target
    elif direction is Direction.LOWER:
        if target <= 0:
            msg = (
                f"Lower-is-better target {target!r} cannot be scored as target / value; add a "
                "'worst' value (the value scoring 0 %) or use a positive target."
            )
            raise SpecError(msg)
        share = 1.0 if value <= target else target / value
    elif direction is Direction.TARGET_RANGE:
        if range_method == "ratio":
            if target <= 0 or value <= 0:
                share = 0.0 if target > 0 else math.nan
            else:
                share = min(value, target) / max(value, target)
        else:
            share = 1.0 - abs(value - target) / abs(target) if target else math.nan
        if math.isnan(share):
            msg = f"Target-range target {target!r} must be positive to be scored."
            raise SpecError(msg)
    else:
        msg = (
            f"Cannot score against target {target!r} without a direction; set 'direction' to "
            "higher, lower or target_range in the target set."
        )
        raise SpecError(msg)
    return min(max(100.0 * share, 0.0), cap)


def score_percent(points: Sequence[int]) -> float:
    """Return the U4SSC score of a group: points / (4 x number of scored data points), in %.

    Parameters
    ----------
    points
        The points (1-4) of the scored data points in the group.

    Returns
    -------
    float
        The score in %, NaN for an empty group.

    Examples
    --------
    >>> score_percent([1, 3, 4, 1])
    56.25
    """
    if not points:
        return math.nan
    return 100.0 * sum(points) / (4 * len(points))


def _latest_values(kpis: pd.DataFrame) -> pd.DataFrame:
    ok = kpis[kpis["value"].notna()]
    return ok.sort_values("year").groupby(["data_point", "city"], as_index=False).last()


def top_five_means(
    kpis: pd.DataFrame, *, meta: MetaMap, targets: TargetSet
) -> dict[str, float | str]:
    """Return, for each ``top_five_mean`` data point, the target computed from the data.

    The target is the mean of the five best cities' latest values (direction-aware). A data
    point with fewer than five cities gets a note (a ``str``) instead of a number.
    """
    latest = _latest_values(usable_rows(kpis))
    out: dict[str, float | str] = {}
    for t in targets:
        if t.kind is not TargetKind.TOP_FIVE_MEAN or t.data_point in out:
            continue
        direction = t.direction or meta[t.data_point].direction
        values = latest.loc[latest["data_point"] == t.data_point, "value"].astype(float)
        if direction not in (Direction.HIGHER, Direction.LOWER):
            out[t.data_point] = "top-five mean needs a higher or lower direction"
        elif len(values) < TOP_FIVE_MIN_CITIES:
            out[t.data_point] = (
                f"top-five mean needs {TOP_FIVE_MIN_CITIES} cities with data, found {len(values)}"
            )
        else:
            best = values.nlargest(5) if direction is Direction.HIGHER else values.nsmallest(5)
            out[t.data_point] = float(best.mean())
    return out


def usable_rows(kpis: pd.DataFrame) -> pd.DataFrame:
    """Return the rows of a KPI table whose value was computed or reported."""
    if "status" in kpis.columns:
        ok = kpis["status"].isin([KpiStatus.COMPUTED.value, KpiStatus.REPORTED.value, ""])
        kpis = kpis[ok | kpis["status"].isna()]
    return kpis[kpis["value"].notna()]


@dataclass(frozen=True, slots=True)
class ResolvedTarget:
    """A target with its number worked out (for ``top_five_mean``) or the reason it is missing."""

    target: Target | None
    value: float | None
    direction: Direction
    note: str = ""


def resolve_target(
    data_point: str,
    city: str,
    *,
    targets: TargetSet,
    meta: MetaMap,
    computed: Mapping[str, float | str],
) -> ResolvedTarget:
    """Return the target that applies to ``data_point`` for ``city``, with its number."""
    t = targets.lookup(data_point, city)
    m = meta.get(data_point)
    catalogue_direction = m.direction if m is not None else Direction.NONE
    if t is None:
        return ResolvedTarget(None, None, catalogue_direction, f"no entry in {targets.name!r}")
    direction = t.direction or catalogue_direction
    if t.kind is TargetKind.NO_BENCHMARK:
        return ResolvedTarget(t, None, direction, "no benchmark")
    if t.kind is TargetKind.TOP_FIVE_MEAN:
        found = computed.get(data_point, "top-five mean not computed")
        if isinstance(found, str):
            return ResolvedTarget(t, None, direction, found)
        if direction is Direction.LOWER and found <= 0 and t.worst is None:
            return ResolvedTarget(
                t, None, direction, "top-five mean is 0; target / value undefined"
            )
        return ResolvedTarget(t, found, direction, "top-five mean of the data")
    if direction is Direction.NONE:
        return ResolvedTarget(t, None, direction, "no direction: reported, not scored")
    return ResolvedTarget(t, t.value, direction)


def score_kpis(
    kpis: pd.DataFrame,
    *,
    targets: TargetSet | None = None,
    meta: MetaMap | None = None,
    options: ScoringOptions | None = None,
) -> pd.DataFrame:
    """Score every row of a KPI long table against its target.

    Parameters
    ----------
    kpis
        A table with at least the columns ``city``, ``year``, ``code``, ``data_point`` and
        ``value`` (``status`` too, as written by ``citykpi compute``).
    targets
        The target set; defaults to :func:`~citykpi.assess.targets.default_targets`.
    meta
        Data point metadata; defaults to the bundled catalogue.
    options
        Band edges and scoring choices.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`KPI_RESULT_COLUMNS`, one row per input row. ``points`` and ``band`` are
        empty (``<NA>`` / ``""``) for rows that are not scored; ``note`` says why.
    """
    info = catalogue_meta(meta)
    tset = targets if targets is not None else default_targets(meta=info)
    opts = options or ScoringOptions()
    computed = top_five_means(kpis, meta=info, targets=tset)
    usable = kpis.index.isin(usable_rows(kpis).index)
    cache: dict[tuple[str, str], ResolvedTarget] = {}
    has_unit = "unit" in kpis.columns
    statuses = kpis["status"] if "status" in kpis.columns else pd.Series("", index=kpis.index)
    rows: list[dict[str, object]] = []
    for ok, city, year, code, dp, raw_value, unit, status in zip(
        usable,
        kpis["city"].astype(str),
        kpis["year"],
        kpis["code"].astype(str),
        kpis["data_point"].astype(str),
        kpis["value"],
        kpis["unit"] if has_unit else statuses,
        statuses,
        strict=True,
    ):
        key = (city, dp)
        res = cache.get(key)
        if res is None:
            res = resolve_target(dp, city, targets=tset, meta=info, computed=computed)
            cache[key] = res
        t = res.target
        value = float(raw_value) if pd.notna(raw_value) else math.nan
        ach = math.nan
        points: int | None = None
        band = ""
        note = res.note
        if not ok:
            note = f"not scored: {status if isinstance(status, str) and status else 'no value'}"
        elif res.value is not None:
            try:
                ach = achievement(
                    value,
                    res.value,
                    res.direction,
                    worst=t.worst if t is not None else None,
                    range_method=opts.range_method,
                    cap=opts.cap,
                )
            except SpecError as e:
                where = t.set_name if t is not None else tset.name
                msg = f"Target of {dp!r} in target set {where!r} cannot be used: {e}"
                raise SpecError(msg) from e
            points = opts.bands.points(ach)
            band = BAND_LABELS[points - 1]
        rows.append(
            {
                "city": city,
                "year": int(year),
                "code": code,
                "data_point": dp,
                "value": value,
                "unit": str(unit) if has_unit and isinstance(unit, str) else "",
                "direction": res.direction.value,
                "target": math.nan if res.value is None else res.value,
                "target_kind": "" if t is None else t.kind.value,
                "target_year": None if t is None else t.target_year,
                "achievement": ach,
                "points": points,
                "band": band,
                "target_set": "" if t is None else t.set_name,
                "target_source": "" if t is None else t.source,
                "note": note,
            }
        )
    out = pd.DataFrame(rows, columns=list(KPI_RESULT_COLUMNS))
    out["points"] = out["points"].astype("Int64")
    out["target_year"] = out["target_year"].astype("Int64")
    return out


def aggregate_scores(
    scored: pd.DataFrame,
    *,
    meta: MetaMap | None = None,
    options: ScoringOptions | None = None,
) -> pd.DataFrame:
    """Roll data point points up to category, sub-dimension and dimension scores.

    Parameters
    ----------
    scored
        The output of :func:`score_kpis`.
    meta
        Data point metadata (framework position); defaults to the bundled catalogue.
    options
        Band edges used to place each score in a band.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SCORE_COLUMNS`: one row per city, year, level (``category``,
        ``sub_dimension``, ``dimension``) and name with at least one scored data point;
        ``target_set`` lists the target sets the group's targets came from.
    """
    info = catalogue_meta(meta)
    opts = options or ScoringOptions()
    ok = scored[scored["points"].notna()].copy()
    rows: list[dict[str, object]] = []
    if not ok.empty:
        for level in LEVELS:
            ok["name"] = [getattr(info[dp], level) for dp in ok["data_point"]]
            grouped = ok.groupby(["city", "year", "name"], sort=True)
            for (city, year, name), group in grouped:
                values = [int(p) for p in group["points"]]
                score = score_percent(values)
                sets = "; ".join(sorted({str(x) for x in group["target_set"] if x}))
                rows.append(
                    {
                        "city": city,
                        "year": int(str(year)),
                        "level": level,
                        "name": name,
                        "points": sum(values),
                        "max_points": 4 * len(values),
                        "scored": len(values),
                        "score": score,
                        "band": opts.bands.band(score),
                        "target_set": sets,
                    }
                )
    return pd.DataFrame(rows, columns=list(SCORE_COLUMNS))


__all__ = [
    "BAND_LABELS",
    "KPI_RESULT_COLUMNS",
    "LEVELS",
    "SCORE_COLUMNS",
    "BandScheme",
    "ResolvedTarget",
    "ScoringOptions",
    "achievement",
    "aggregate_scores",
    "resolve_target",
    "score_kpis",
    "score_percent",
    "top_five_means",
    "usable_rows",
]
