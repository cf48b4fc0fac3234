"""Peer groups, a city's percentile within its group, and whom to learn from.

Cities are grouped by any field of a profile table (``city``, ``population``, ``region``,
``income_group``, ...; the sample generator's ``cities.csv`` names the city column ``name``,
which is accepted too) or by ``population_class``, derived from ``population`` with the classes
of :data:`citykpi.tables.POPULATION_CLASSES`. Without a profile table every city in the data is
a peer.

Each city is represented by its latest value of each data point. The percentile is the COINr
percentile rank, direction-aware: ``100 * (rank - 1) / (n - 1)`` with ties at the lowest rank,
so the best city of a group scores 100 and the worst 0; target-range data points rank by
distance to their target; data points without a direction are not ranked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import pandas as pd

from citykpi.assess.meta import MetaMap, catalogue_meta
from citykpi.assess.scoring import resolve_target, score_kpis, top_five_means, usable_rows
from citykpi.assess.targets import TargetSet, default_targets
from citykpi.errors import InputError
from citykpi.model import Direction
from citykpi.tables import POPULATION_CLASSES, population_class

PERCENTILE_COLUMNS: Final[tuple[str, ...]] = (
    "city",
    "code",
    "data_point",
    "year",
    "value",
    "group_size",
    "rank",
    "percentile",
    "best_city",
    "best_value",
)
LEARN_COLUMNS: Final[tuple[str, ...]] = (
    "code",
    "data_point",
    "value",
    "points",
    "peer",
    "peer_value",
    "peer_points",
)


def peer_group(profiles: pd.DataFrame | None, city: str, *, by: str = "population_class") -> str:
    """Return the label of ``city``'s group by field ``by`` (``"all"`` without profiles)."""
    if profiles is None:
        return "all"
    if by not in profiles.columns:
        fields = ", ".join(c for c in profiles.columns if c != "city")
        msg = f"Profile field {by!r} does not exist; group by one of: {fields}."
        raise InputError(msg)
    match = profiles.loc[profiles["city"] == city, by]
    if match.empty:
        msg = f"City {city!r} is not in the profile table; add a row for it."
        raise InputError(msg)
    return str(match.iloc[0])


def peers_of(
    profiles: pd.DataFrame | None, city: str, *, by: str = "population_class", cities: Sequence[str]
) -> list[str]:
    """Return the cities of ``city``'s group (itself included) among ``cities``."""
    if profiles is None:
        return sorted(set(cities))
    label = peer_group(profiles, city, by=by)
    members = set(profiles.loc[profiles[by].astype(str) == label, "city"])
    return sorted(c for c in set(cities) if c in members)


def _goodness(values: pd.Series, direction: Direction, target: float | None) -> pd.Series | None:
    if direction is Direction.HIGHER:
        return values
    if direction is Direction.LOWER:
        return -values
    if direction is Direction.TARGET_RANGE and target is not None:
        return -(values - target).abs()
    return None


def percentiles(
    kpis: pd.DataFrame,
    city: str,
    *,
    peers: Sequence[str],
    targets: TargetSet | None = None,
    meta: MetaMap | None = None,
) -> pd.DataFrame:
    """Return ``city``'s percentile within ``peers`` for every data point it has a value for.

    Parameters
    ----------
    kpis
        KPI long table.
    city
        The city to place.
    peers
        The group, ``city`` included.
    targets
        Target set, used only for target-range data points; defaults to the bundled set.
    meta
        Data point metadata; defaults to the bundled catalogue.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PERCENTILE_COLUMNS`; ``percentile`` is NaN when the group has one city
        or the data point has no direction.
    """
    info = catalogue_meta(meta)
    tset = targets if targets is not None else default_targets(meta=info)
    ok = usable_rows(kpis)
    ok = ok[ok["city"].isin(set(peers))]
    latest = ok.sort_values("year").groupby(["data_point", "city"], as_index=False).last()
    computed = top_five_means(kpis, meta=info, targets=tset)
    rows: list[dict[str, object]] = []
    for dp, g in latest.groupby("data_point", sort=True):
        if city not in set(g["city"]):
            continue
        dp = str(dp)
        res = resolve_target(dp, city, targets=tset, meta=info, computed=computed)
        good = _goodness(g["value"].astype(float), res.direction, res.value)
        mine = g[g["city"] == city].iloc[0]
        row: dict[str, object] = {
            "city": city,
            "code": str(mine["code"]),
            "data_point": dp,
            "year": int(mine["year"]),
            "value": float(mine["value"]),
            "group_size": len(g),
            "rank": None,
            "percentile": math.nan,
            "best_city": "",
            "best_value": math.nan,
        }
        if good is not None:
            ranks = good.rank(method="min", ascending=True)
            my_rank = int(ranks[g["city"] == city].iloc[0])
            best = g.iloc[int(good.to_numpy().argmax())]
            row["rank"] = len(g) + 1 - int(good.rank(method="max")[g["city"] == city].iloc[0])
            if len(g) > 1:
                row["percentile"] = 100.0 * (my_rank - 1) / (len(g) - 1)
            row["best_city"] = str(best["city"])
            row["best_value"] = float(best["value"])
        rows.append(row)
    out = pd.DataFrame(rows, columns=list(PERCENTILE_COLUMNS))
    out["rank"] = out["rank"].astype("Int64")
    return out


def learn_from(
    scored: pd.DataFrame, city: str, *, peers: Sequence[str], top: int = 3, max_points: int = 2
) -> pd.DataFrame:
    """Return, for each data point ``city`` scores ``max_points`` or less on, its best peers.

    Parameters
    ----------
    scored
        The output of :func:`citykpi.assess.scoring.score_kpis`.
    city
        The city looking for examples.
    peers
        Its group.
    top
        How many peers to list per data point.
    max_points
        Data points with at most this many points (latest year) count as low.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LEARN_COLUMNS`: up to ``top`` rows per low data point, the peers with a
        higher achievement than the city, best first (by points, then achievement).
    """
    ok = scored[scored["points"].notna() & scored["city"].isin(set(peers))]
    latest = ok.sort_values("year").groupby(["data_point", "city"], as_index=False).last()
    rows: list[dict[str, object]] = []
    for dp, g in latest.groupby("data_point", sort=True):
        mine = g[g["city"] == city]
        if mine.empty or int(mine["points"].iloc[0]) > max_points:
            continue
        own = mine.iloc[0]
        better = g[(g["city"] != city) & (g["achievement"] > own["achievement"])]
        better = better.sort_values(
            ["points", "achievement", "city"], ascending=[False, False, True]
        )
        for b in better.head(top).itertuples(index=False):
            rows.append(
                {
                    "code": str(own["code"]),
                    "data_point": str(dp),
                    "value": float(own["value"]),
                    "points": int(own["points"]),
                    "peer": str(b.city),
                    "peer_value": float(b.value),
                    "peer_points": int(b.points),
                }
            )
    return pd.DataFrame(rows, columns=list(LEARN_COLUMNS))


#: Columns of :attr:`PeerReport.table`: the percentiles with the city's points and teachers.
PEER_REPORT_COLUMNS: Final[tuple[str, ...]] = (
    *PERCENTILE_COLUMNS[:5],
    "points",
    *PERCENTILE_COLUMNS[5:],
    "learn_from",
)


@dataclass(frozen=True, slots=True)
class PeerReport:
    """A city's peer group, its percentiles and the peers to learn from."""

    city: str
    by: str
    group: str
    members: tuple[str, ...]
    percentiles: pd.DataFrame  # columns PERCENTILE_COLUMNS
    learn_from: pd.DataFrame  # columns LEARN_COLUMNS
    table: pd.DataFrame  # columns PEER_REPORT_COLUMNS: one row per data point, for display

    @property
    def title(self) -> str:
        """Return e.g. ``"Birch: population_class = <100k (4 cities)"``."""
        return f"{self.city}: {self.by} = {self.group} ({len(self.members)} cities)"


def peer_report(
    kpis: pd.DataFrame,
    city: str,
    *,
    profiles: pd.DataFrame | None = None,
    by: str = "population_class",
    targets: TargetSet | None = None,
    meta: MetaMap | None = None,
) -> PeerReport:
    """Place ``city`` among its peers: group, percentile per data point, whom to learn from.

    Parameters
    ----------
    kpis
        KPI long table.
    city
        The city to place.
    profiles
        City profile table (:func:`citykpi.io.read_profiles`); without it every city of
        ``kpis`` is a peer.
    by
        Profile field that defines the group (``population_class``, ``region``, ...).
    targets
        Target set for target-range data points and the points; defaults to the bundled set.
    meta
        Data point metadata; defaults to the bundled catalogue.

    Returns
    -------
    PeerReport
        The group, :func:`percentiles`, :func:`learn_from`, and both merged in ``table`` with
        the city's latest points per data point and its teachers as ``"Peer (value); ..."``.

    Raises
    ------
    InputError
        If ``city`` has no value in ``kpis``, or the profiles lack it or the field ``by``.
    """
    names = sorted(set(kpis["city"]))
    if city not in names:
        shown = ", ".join(map(repr, names[:5])) + (" ..." if len(names) > 5 else "")
        msg = f"City {city!r} is not in the KPI table (it has {shown}); check the spelling."
        raise InputError(msg)
    info = catalogue_meta(meta)
    tset = targets if targets is not None else default_targets(meta=info)
    group = peer_group(profiles, city, by=by)
    members = peers_of(profiles, city, by=by, cities=names)
    ranks = percentiles(kpis, city, peers=members, targets=tset, meta=info)
    scored = score_kpis(kpis, targets=tset, meta=info)
    mine = scored[scored["city"] == city].sort_values("year")
    latest_points = mine.groupby("data_point")["points"].last()
    teachers = learn_from(scored, city, peers=members)
    advice = {
        str(dp): "; ".join(f"{r.peer} ({r.peer_value:.4g})" for r in g.itertuples(index=False))
        for dp, g in teachers.groupby("data_point")
    }
    table = ranks.copy()
    table["points"] = [latest_points.get(dp, pd.NA) for dp in table["data_point"]]
    table["learn_from"] = [advice.get(dp, "") for dp in table["data_point"]]
    return PeerReport(
        city=city,
        by=by,
        group=group,
        members=tuple(members),
        percentiles=ranks,
        learn_from=teachers,
        table=table[list(PEER_REPORT_COLUMNS)],
    )


__all__ = [
    "LEARN_COLUMNS",
    "PEER_REPORT_COLUMNS",
    "PERCENTILE_COLUMNS",
    "POPULATION_CLASSES",
    "PeerReport",
    "learn_from",
    "peer_group",
    "peer_report",
    "peers_of",
    "percentiles",
    "population_class",
]
