"""Run a roll-up spec over observation files: KPI inputs per city-year and their coverage.

:func:`rollup` reads the files (:mod:`.readers`), checks their units through the project's unit
layer, runs the spec's SQL on the chosen engine (:mod:`.engines`, :mod:`.sql`) and applies the
last step's rule and the station combination here, in pandas, on a table of one row per
station and year, so both engines share every decision after the SQL.

Coverage rows describe each step's inputs for one station and year: ``expected`` (readings or
periods the calendar holds: leap years, and in a zone with daylight saving the wall-clock hours
a local year has), ``present`` (with any reading), ``valid`` (passing the quality flag and the
previous step's rule) and ``share = valid / expected``. The last step's row says whether the
station passed; a seasonal rule adds one row per season.

A city value is ``accurate_measurement`` when at least ``min_stations`` stations pass (every
meter for a sum); otherwise the row is written ``not reported``, its source naming the rule that
failed.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from citykpi.catalogue.units import conversion_factor, is_known_unit
from citykpi.errors import InputError, UnitError
from citykpi.model import DataQuality
from citykpi.observe.engines import DEFAULT_SPARK_MASTER, make_engine
from citykpi.observe.readers import open_observations
from citykpi.observe.spec import RollupSpec
from citykpi.observe.sql import profile_sql, rollup_sql, staged
from citykpi.tables import RAW, coerce

#: Columns of the coverage table, in order.
COVERAGE_COLUMNS: Final[tuple[str, ...]] = (
    "city",
    "station",
    "year",
    "step",
    "period",
    "expected",
    "present",
    "valid",
    "share",
    "required",
    "passed",
    "value",
    "unit",
    "datastreams",
)
#: Columns of the inputs file ``citykpi import`` and ``compute`` read (long layout).
INPUT_FILE_COLUMNS: Final[tuple[str, ...]] = (
    "city",
    "year",
    "kind",
    "code",
    "value",
    "unit",
    "source",
    "quality",
    "coverage",
)
NOT_REPORTED: Final = "not reported"
_LISTED: Final = 10
_STATIONS: Final = "citykpi_stations"


@dataclass(frozen=True, slots=True)
class RollupResult:
    """What a roll-up produced.

    Attributes
    ----------
    spec
        The spec run.
    inputs
        One raw-table row per city-year (:data:`citykpi.tables.RAW`, coerced), plus the column
        ``coverage`` (a sentence); ``raw_value`` is ``"not reported"`` where coverage failed.
    coverage
        The coverage table (:data:`COVERAGE_COLUMNS`).
    engine
        The engine that ran it.
    """

    spec: RollupSpec
    inputs: pd.DataFrame
    coverage: pd.DataFrame
    engine: str

    def inputs_file(self) -> pd.DataFrame:
        """Return the inputs in the file layout (:data:`INPUT_FILE_COLUMNS`), values as text."""
        frame = self.inputs.copy()
        frame["value"] = frame["raw_value"]
        return frame[list(INPUT_FILE_COLUMNS)].reset_index(drop=True)


def _zone(spec: RollupSpec) -> str:
    try:
        ZoneInfo(spec.timezone)
    except (ZoneInfoNotFoundError, ValueError) as e:
        msg = f"Spec {spec.id!r}: unknown time zone {spec.timezone!r}; use e.g. 'Europe/Oslo'."
        raise InputError(msg) from e
    return spec.timezone


@lru_cache(maxsize=256)
def calendar(year: int, zone: str) -> dict[str, float]:
    """Return what one local year holds: real minutes, wall-clock hours and days, by season.

    Keys: ``minutes``, ``hour``, ``day``, and each with ``_summer`` / ``_winter`` (summer is
    April to September).
    """
    tz = ZoneInfo(zone)
    start = pd.Timestamp(year=year, month=1, day=1, tz=tz).tz_convert("UTC")
    end = pd.Timestamp(year=year + 1, month=1, day=1, tz=tz).tz_convert("UTC")
    instants = pd.date_range(start, end, freq="h", inclusive="left")
    wall = instants.tz_convert(tz).tz_localize(None)
    summer = (wall.month >= 4) & (wall.month <= 9)
    out: dict[str, float] = {}
    for suffix, mask in (
        ("", np.ones(len(wall), dtype=bool)),
        ("_summer", summer),
        ("_winter", ~summer),
    ):
        part = wall[mask]
        out[f"minutes{suffix}"] = float(mask.sum() * 60)
        out[f"hour{suffix}"] = float(part.floor("h").nunique())
        out[f"day{suffix}"] = float(part.normalize().nunique())
    return out


def _expected(spec: RollupSpec, step: int, year: int, zone: str, suffix: str = "") -> float:
    cal = calendar(year, zone)
    if step == 0:
        return cal[f"minutes{suffix}"] / spec.sampling_minutes
    return cal[f"{spec.steps[step - 1].period}{suffix}"]


def _factors(spec: RollupSpec, profile: pd.DataFrame) -> dict[str, tuple[float, float]]:
    problems: list[str] = []
    factors: dict[str, tuple[float, float]] = {}
    for unit, part in profile.groupby("unit", dropna=False, sort=True):
        streams = ", ".join(sorted({str(s) for s in part["datastream"]})[:_LISTED])
        text = "" if unit is None or (isinstance(unit, float) and math.isnan(unit)) else str(unit)
        if not text or not is_known_unit(text):
            problems.append(
                f"datastream(s) {streams}: unknown unit {text!r}; write a unit such as "
                f"{spec.unit!r}."
            )
            continue
        try:
            factors[text] = (conversion_factor(text, spec.unit, substance=spec.substance), 0.0)
        except UnitError as e:
            problems.append(f"datastream(s) {streams}: {e}")
    if problems:
        msg = f"The readings of {spec.id!r} have unit problems; correct each:\n" + "\n".join(
            f"  - {p}" for p in problems
        )
        raise InputError(msg)
    return factors


def _check_profile(spec: RollupSpec, profile: pd.DataFrame, city: str) -> None:
    if profile.empty:
        props = ", ".join(repr(p) for p in spec.properties)
        msg = (
            f"No readings of {props} in the observation files; check the 'property' column "
            f"or choose another spec (citykpi observations specs)."
        )
        raise InputError(msg)
    bad_time = profile[profile["n_time"] < profile["n"]]
    problems = [
        f"datastream {r['datastream']!r}: {int(r['n']) - int(r['n_time'])} reading(s) have a time "
        "that is not ISO 8601 with an offset (e.g. 2024-01-01T00:00:00Z)"
        for r in bad_time.to_dict(orient="records")
    ]
    if not city and (profile["city"] == "").any():
        stations = sorted(set(profile.loc[profile["city"] == "", "station"].astype(str)))
        problems.append(
            f"station(s) {', '.join(stations[:_LISTED])} have no city; add a 'city' column or "
            "give the city (--city)"
        )
    if problems:
        raise InputError(
            "The observations cannot be rolled up:\n" + "\n".join(f"  - {p}" for p in problems)
        )


def _weights(stations: pd.DataFrame | None) -> dict[str, float]:
    if stations is None:
        return {}
    if "station" not in stations.columns or "weight" not in stations.columns:
        msg = "The station table needs the columns 'station' and 'weight' (e.g. population)."
        raise InputError(msg)
    weights: dict[str, float] = {}
    bad: list[str] = []
    for n, (station, weight) in enumerate(
        zip(stations["station"], stations["weight"], strict=True)
    ):
        try:
            w = float(str(weight).strip())
        except ValueError:
            w = math.nan
        if not (math.isfinite(w) and w >= 0):
            bad.append(
                f"row {n + 2}: weight {weight!r} of station {station!r} is not a number >= 0"
            )
            continue
        weights[str(station)] = float(w)
    if bad:
        raise InputError(
            "The station table has bad weights:\n" + "\n".join(f"  - {b}" for b in bad)
        )
    return weights


def _pct(share: float) -> str:
    return f"{share * 100:.1f} %"


def _station_rows(
    spec: RollupSpec, res: pd.DataFrame, streams: dict[str, list[str]], zone: str, city: str
) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    last = len(spec.steps) - 1
    for r in res.to_dict(orient="records"):
        year = int(r["k"])
        station = str(r["station"])
        town = str(r["city"]) or city
        listed = "; ".join(streams.get(station, []))
        for i, step in enumerate(spec.steps):
            rule = step.valid_if
            expected = _expected(spec, i, year, zone)
            valid = int(r[f"nv_{i}"])
            share = valid / expected if expected else 0.0
            base = {
                "city": town,
                "station": station,
                "year": year,
                "step": f"{i + 1}:{step.aggregate} per {step.period}",
                "expected": expected,
                "present": int(r[f"n_{i}"]),
                "valid": valid,
                "share": share,
                "unit": spec.unit,
                "datastreams": listed,
            }
            if i < last:
                need = (
                    f"each {step.period}: >= {rule.min_minutes:g} min"
                    if rule.min_minutes is not None
                    else f"each {step.period}: >= {rule.min_share:g} of its inputs"
                    if rule.min_share is not None
                    else ""
                )
                rows.append(
                    {**base, "period": "year", "required": need, "passed": "", "value": math.nan}
                )
                continue
            required = rule.min_share or 0.0
            passed = share >= required and valid > 0
            if rule.seasons:
                for season in ("summer", "winter"):
                    exp_s = _expected(spec, i, year, zone, f"_{season}")
                    val_s = int(r[f"nv_{season}"])
                    share_s = val_s / exp_s if exp_s else 0.0
                    ok_s = share_s >= required
                    passed = passed and ok_s
                    rows.append(
                        {
                            **base,
                            "period": season,
                            "expected": exp_s,
                            "present": int(r[f"n_{season}"]),
                            "valid": val_s,
                            "share": share_s,
                            "required": f">= {_pct(required)}",
                            "passed": "yes" if ok_s else "no",
                            "value": math.nan,
                        }
                    )
            value = float(r["v"]) if r["v"] is not None and not pd.isna(r["v"]) else math.nan
            rows.append(
                {
                    **base,
                    "period": "year",
                    "required": f">= {_pct(required)}"
                    + (" in each season" if rule.seasons else ""),
                    "passed": "yes" if passed else "no",
                    "value": value,
                }
            )
    return pd.DataFrame(rows, columns=list(COVERAGE_COLUMNS))


def _city_rows(
    spec: RollupSpec, coverage: pd.DataFrame, weights: dict[str, float], label: str
) -> list[dict[str, object]]:
    final = coverage[(coverage["period"] == "year") & (coverage["passed"] != "")]
    out: list[dict[str, object]] = []
    for (town, year), part in final.groupby(["city", "year"], sort=True):
        ok = part[part["passed"] == "yes"]
        failed = part[part["passed"] != "yes"]
        total = len(part)
        need = total if spec.combine.method == "sum" else spec.combine.min_stations
        share = float(ok["share"].mean()) if len(ok) else float(part["share"].mean())
        unit_steps = spec.steps[-1]
        coverage_text = (
            f"{len(ok)} of {total} stations valid; mean capture of the valid stations "
            f"{_pct(share)} ({unit_steps.valid_if.min_share or 0:.0%} required)"
        )
        excluded = ", ".join(
            f"{s} ({_pct(sh)})" for s, sh in zip(failed["station"], failed["share"], strict=True)
        )
        streams = sorted({d for ds in part["datastreams"] for d in str(ds).split("; ") if d})
        shown = ", ".join(streams[:_LISTED]) + (
            f" and {len(streams) - _LISTED} more" if len(streams) > _LISTED else ""
        )
        source = f"{label} roll-up {spec.id} of datastreams {shown}"
        if excluded:
            source += f"; excluded: {excluded}"
        if len(ok) >= need:
            values = ok["value"].to_numpy(dtype=float)
            if spec.combine.method == "sum":
                value = float(values.sum())
            elif weights:
                missing = [s for s in ok["station"] if s not in weights]
                if missing:
                    names = ", ".join(missing)
                    msg = f"The station table gives no weight for station(s) {names}; add them."
                    raise InputError(msg)
                w = np.array([weights[s] for s in ok["station"]])
                if w.sum() <= 0:
                    msg = (
                        f"The weights of the valid stations of {town} {year} sum to 0; "
                        "give positive weights."
                    )
                    raise InputError(msg)
                value = float((values * w).sum() / w.sum())
                coverage_text += "; weighted by the station table"
            else:
                value = float(values.mean())
            raw, quality = repr(value), DataQuality.ACCURATE.value
        else:
            value, raw, quality = math.nan, NOT_REPORTED, ""
            source += f"; not reported: {len(ok)} valid station(s), {need} needed"
        out.append(
            {
                "city": town,
                "year": int(str(year)),
                "kind": "input",
                "code": spec.input,
                "value": value,
                "raw_value": raw,
                "unit": spec.unit,
                "source": source,
                "quality": quality,
                "file": "",
                "row": None,
                "coverage": coverage_text,
            }
        )
    return out


def rollup(
    spec: RollupSpec,
    paths: Sequence[str | Path],
    *,
    engine: str = "duckdb",
    years: Sequence[int] = (),
    city: str = "",
    stations: pd.DataFrame | None = None,
    spark_master: str = DEFAULT_SPARK_MASTER,
    on_step: Callable[[str], None] = lambda _text: None,
) -> RollupResult:
    """Roll observations up into one KPI input per city-year, with the coverage table.

    Parameters
    ----------
    spec
        The roll-up (:func:`citykpi.observe.load_spec`).
    paths
        Observation files: tidy CSV or Parquet, SensorThings or NGSI-LD JSON.
    engine
        ``{"duckdb", "spark"}``.
    years
        Only these local years (all years present when empty).
    city
        City of stations whose rows name none.
    stations
        Optional table ``station, weight``: the mean of valid stations is weighted by it.
    spark_master
        Spark master URL for ``engine="spark"``.
    on_step
        Called with a short description before each step (progress display).

    Returns
    -------
    RollupResult

    Raises
    ------
    InputError
        Every problem of the files found, collected: missing columns, unreadable times, units
        that do not convert, stations without a city; exit code 2 on the command line.
    """
    zone = _zone(spec)
    weights = _weights(stations)
    with tempfile.TemporaryDirectory(prefix="citykpi-obs-") as tmp:
        on_step("Reading the observation files")
        files = open_observations(paths, workdir=Path(tmp))
        eng = make_engine(engine, spark_master=spark_master)
        stage = staged(files, eng.sources(files), eng.dialect)
        on_step(f"Checking datastreams and units ({engine})")
        profile = eng.query(profile_sql(spec, stage))
        _check_profile(spec, profile, city)
        factors = _factors(spec, profile)
        names = sorted({str(x) for x in profile["station"]})
        eng.register(_STATIONS, pd.DataFrame({"station": names, "sid": range(len(names))}))
        on_step(f"Rolling up {spec.id} ({engine})")
        sql = rollup_sql(spec, stage, eng.dialect, factors=factors, stations=_STATIONS, years=years)
        res = eng.query(sql)
        res["station"] = [names[int(i)] for i in res["sid"]]
        home = {str(a): str(b) for a, b in zip(profile["station"], profile["city"], strict=True)}
        res["city"] = [home.get(s, "") for s in res["station"]]
    streams: dict[str, list[str]] = {}
    for station, stream in sorted(
        {(str(a), str(b)) for a, b in zip(profile["station"], profile["datastream"], strict=True)}
    ):
        streams.setdefault(station, []).append(stream)
    coverage = _station_rows(spec, res, streams, zone, city)
    rows = _city_rows(spec, coverage, weights, "citykpi observations")
    frame = pd.DataFrame(rows, columns=[*RAW.names, "coverage"])
    inputs = coerce(frame, RAW)
    return RollupResult(spec=spec, inputs=inputs, coverage=coverage, engine=engine)


__all__ = [
    "COVERAGE_COLUMNS",
    "INPUT_FILE_COLUMNS",
    "NOT_REPORTED",
    "RollupResult",
    "calendar",
    "rollup",
]
