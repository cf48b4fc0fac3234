"""SDG roll-up: from scored data points to the share per band and an SDSN-style goal colour.

Each KPI's SDG targets (``"11.6"``) map to goals (11); a data point counts towards every goal
its KPI serves. Indicator colours follow the U4SSC bands: 4 points green, 3 yellow, 2 orange,
1 red. Two published goal rules are available (methods.md §2):

* ``"sdr"`` (national SDR and Africa editions): average the ratings of the two worst data
  points on the 0-4 scale, [0, 1) red, [1, 2) orange, [2, 3) yellow, [3, 4] green; red only if
  both are red, green only if every data point is green. The rating is piecewise linear in the
  achievement: 0 % -> 0, 33 % -> 1, 66 % -> 2, 95 % -> 3, 100 % -> 4 (project choice, the
  SDSN rescaling with our band edges as thresholds).
* ``"us_cities"`` (SDSN US Cities 2019): colours on 0-3 (red 0 ... green 3), averaged over all
  data points and rounded to the nearest colour, halves rounding up (project choice: the
  cut-offs are unpublished); red if more than a third of the data points are red.

:func:`sdg_trends` rolls the SDSN trend arrows of the series up to goals the same way.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Final, Literal

import pandas as pd

from citykpi.assess.meta import MetaMap, catalogue_meta
from citykpi.assess.scoring import BAND_LABELS, BandScheme

GoalRule = Literal["sdr", "us_cities"]
GOAL_RULES: Final[tuple[str, ...]] = ("sdr", "us_cities")
#: Colour of each point value (1-4).
COLOURS: Final[tuple[str, str, str, str]] = ("red", "orange", "yellow", "green")
SDG_COLUMNS: Final[tuple[str, ...]] = (
    "city",
    "year",
    "goal",
    "linked",
    "scored",
    *(f"share_{label}" for label in BAND_LABELS),
    "colour",
    "rule",
    "target_set",
)


def sdg_goal(target: str) -> int:
    """Return the goal number of an SDG target or indicator such as ``"11.6"`` or ``"17.8.1"``."""
    head = target.strip().split(".")[0]
    if not head.isdigit() or not 1 <= int(head) <= 17:
        msg = f"SDG target {target!r} does not start with a goal number 1-17, e.g. '11.6'."
        raise ValueError(msg)
    return int(head)


def rating(achievement: float, *, bands: BandScheme | None = None) -> float:
    """Return the 0-4 SDSN rating of an achievement in % of target (piecewise linear)."""
    edges = (0.0, *(bands or BandScheme()).edges, 100.0)
    a = min(max(achievement, 0.0), 100.0)
    for i in range(4):
        lo, hi = edges[i], edges[i + 1]
        if a < hi or i == 3:
            return i + (a - lo) / (hi - lo)
    return 4.0  # pragma: no cover - the loop always returns


def goal_colour_sdr(ratings: Sequence[float]) -> str:
    """Return the goal colour by the SDR two-worst rule from indicator ratings on 0-4."""
    if not ratings:
        return "grey"
    worst = sorted(ratings)[:2]
    avg = sum(worst) / len(worst)
    if min(ratings) >= 3:
        return "green"
    if all(r < 1 for r in worst):
        return "red"
    if avg < 2:
        return "orange"
    return "yellow"


def goal_colour_us_cities(points: Sequence[int]) -> str:
    """Return the goal colour by the US Cities 2019 rule from indicator points 1-4."""
    if not points:
        return "grey"
    if sum(p == 1 for p in points) > len(points) / 3:
        return "red"
    mean = sum(p - 1 for p in points) / len(points)
    return COLOURS[min(math.floor(mean + 0.5), 3)]


def sdg_rollup(
    scored: pd.DataFrame,
    *,
    meta: MetaMap | None = None,
    rule: GoalRule = "sdr",
    bands: BandScheme | None = None,
) -> pd.DataFrame:
    """Roll scored data points up to SDGs, per city and year.

    Parameters
    ----------
    scored
        The output of :func:`citykpi.assess.scoring.score_kpis`.
    meta
        Data point metadata (SDG targets); defaults to the bundled catalogue.
    rule
        {"sdr", "us_cities"}: the goal colour rule.
    bands
        Band edges used for the ratings of the ``"sdr"`` rule.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SDG_COLUMNS`: the number of linked and scored data points, the share of
        scored ones in each band, and the goal colour (``"grey"`` when none is scored).
    """
    if rule not in GOAL_RULES:
        msg = f"Unknown SDG goal colour rule {rule!r}; use one of {', '.join(GOAL_RULES)}."
        raise ValueError(msg)
    info = catalogue_meta(meta)
    goals = {dp: sorted({sdg_goal(t) for t in m.sdg_targets}) for dp, m in info.items()}
    groups: dict[tuple[object, int, int], list[tuple[int | None, float]]] = {}
    sets: dict[tuple[object, int, int], set[str]] = {}
    for city, year, dp, pts, ach, tset in zip(
        scored["city"],
        scored["year"],
        scored["data_point"].astype(str),
        scored["points"],
        scored["achievement"],
        scored["target_set"].astype(str),
        strict=True,
    ):
        point = None if pd.isna(pts) else int(pts)
        for goal in goals.get(dp, ()):
            key = (city, int(year), goal)
            groups.setdefault(key, []).append((point, float(ach)))
            if point is not None and tset:
                sets.setdefault(key, set()).add(tset)
    rows: list[dict[str, object]] = []
    for (city, year, goal), members in sorted(groups.items(), key=lambda kv: str(kv[0])):
        ok = [(p, a) for p, a in members if p is not None]
        pts = [p for p, _ in ok]
        row: dict[str, object] = {
            "city": city,
            "year": year,
            "goal": goal,
            "linked": len(members),
            "scored": len(pts),
        }
        for i, label in enumerate(BAND_LABELS, start=1):
            row[f"share_{label}"] = sum(p == i for p in pts) / len(pts) if pts else math.nan
        if rule == "sdr":
            row["colour"] = goal_colour_sdr([rating(a, bands=bands) for _, a in ok])
        else:
            row["colour"] = goal_colour_us_cities(pts)
        row["rule"] = rule
        row["target_set"] = "; ".join(sorted(sets.get((city, year, goal), ())))
        rows.append(row)
    out = pd.DataFrame(rows, columns=list(SDG_COLUMNS))
    return out.sort_values(["city", "year", "goal"], ignore_index=True)


GOAL_TREND_COLUMNS: Final[tuple[str, ...]] = (
    "city",
    "goal",
    "linked",
    "with_trend",
    "trend_score",
    "trend",
)
#: Minimum share of a goal's data points with a trend before the goal gets one (SDSN).
GOAL_TREND_COVERAGE: Final = 0.75
_TREND_BANDS: Final = ("decreasing", "stagnating", "moderately_improving", "on_track")


def trend_score(q: float) -> float:
    """Return the 0-4 trend score of an SDSN ratio ``q = r_obs / r_req``.

    Piecewise linear (project choice; SDSN does not publish the map): q <= -1 -> 0, q = 0 -> 1,
    q = 0.5 -> 2, q = 1 -> 3, q >= 2 -> 4.
    """
    points = ((-1.0, 0.0), (0.0, 1.0), (0.5, 2.0), (1.0, 3.0), (2.0, 4.0))
    if q <= points[0][0]:
        return 0.0
    for (q0, s0), (q1, s1) in itertools.pairwise(points):
        if q <= q1:
            return s0 + (q - q0) / (q1 - q0) * (s1 - s0)
    return 4.0


def sdg_trends(trends: pd.DataFrame, *, meta: MetaMap | None = None) -> pd.DataFrame:
    """Roll series trends up to SDGs, per city (SDSN goal-level trend, methods.md §3).

    Each data point with a target linked to the goal counts. Its trend score is
    :func:`trend_score` of its ratio; ``maintaining`` and ``on_track`` without a ratio (the
    latest value meets the target) count as exactly 3. The goal trend is the mean score, banded
    [0, 1) decreasing, [1, 2) stagnating, [2, 3) moderately improving, [3, 4] on track, and
    ``maintaining`` only if every data point is maintaining. A goal whose trends cover less
    than 75 % of its data points gets ``insufficient_data``.

    Parameters
    ----------
    trends
        The output of :func:`citykpi.assess.series.assess_trends`.
    meta
        Data point metadata (SDG targets); defaults to the bundled catalogue.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`GOAL_TREND_COLUMNS`, one row per city and goal.
    """
    info = catalogue_meta(meta)
    groups: dict[tuple[str, int], list[tuple[str, float]]] = {}
    for city, dp, status, ratio, target in zip(
        trends["city"].astype(str),
        trends["data_point"].astype(str),
        trends["sdsn_trend"].astype(str),
        trends["sdsn_ratio"],
        trends["target"],
        strict=True,
    ):
        m = info.get(dp)
        if m is None or pd.isna(target):
            continue
        for goal in sorted({sdg_goal(t) for t in m.sdg_targets}):
            groups.setdefault((city, goal), []).append((status, float(ratio)))
    rows: list[dict[str, object]] = []
    for (city, goal), members in sorted(groups.items()):
        scores: list[float] = []
        statuses: list[str] = []
        for status, ratio in members:
            if status in ("maintaining", "on_track") and math.isnan(ratio):
                scores.append(3.0)
            elif not math.isnan(ratio):
                scores.append(trend_score(ratio))
            else:
                continue
            statuses.append(status)
        mean = sum(scores) / len(scores) if scores else math.nan
        if not scores or len(scores) < GOAL_TREND_COVERAGE * len(members):
            trend = "insufficient_data"
        elif all(st == "maintaining" for st in statuses):
            trend = "maintaining"
        else:
            trend = _TREND_BANDS[min(int(mean), 3)]
        rows.append(
            {
                "city": city,
                "goal": goal,
                "linked": len(members),
                "with_trend": len(scores),
                "trend_score": mean,
                "trend": trend,
            }
        )
    return pd.DataFrame(rows, columns=list(GOAL_TREND_COLUMNS))


__all__ = [
    "COLOURS",
    "GOAL_RULES",
    "GOAL_TREND_COLUMNS",
    "GOAL_TREND_COVERAGE",
    "SDG_COLUMNS",
    "GoalRule",
    "goal_colour_sdr",
    "goal_colour_us_cities",
    "rating",
    "sdg_goal",
    "sdg_rollup",
    "sdg_trends",
    "trend_score",
]
