"""The roll-up as SQL text, written once for DuckDB and Spark SQL.

Only a handful of expressions differ between the two dialects (:class:`Dialect`); everything
else, and so every rule, is the same text. The query returns one row per station, city and
year: the value of the last step over its valid periods, and for every step ``i`` the number
of its inputs present (``n_i``) and valid (``nv_i``), with summer and winter counts of the last
step when its rule is seasonal. Period keys are integers (``year*1000000 + day-of-year*100 +
hour`` for hours, ``year*1000 + day-of-year`` for days), so no engine's timestamp type crosses
the boundary.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from citykpi.observe.readers import GOOD_FLAGS, ObservationFile
from citykpi.observe.spec import NOMINAL_HOURS, RollupSpec


def quote(text: str) -> str:
    """Return ``text`` as an SQL string literal (the same in both dialects).

    Only names the spec schema and the unit layer admit reach SQL; a quote or backslash, which
    the two dialects escape differently, is refused rather than escaped.
    """
    if "'" in text or "\\" in text:
        msg = f"{text!r} cannot be used in a roll-up query (quote or backslash)."
        raise ValueError(msg)
    return f"'{text}'"


def _ident(name: str, d: Dialect) -> str:
    if d.name == "spark":
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True, slots=True)
class Dialect:
    """The expressions that differ between engines."""

    name: str
    string: str
    to_time: Callable[[str], str]  # a text or timestamp column -> UTC timestamp
    local: Callable[[str, str], str]  # (UTC timestamp, zone) -> local wall-clock timestamp
    idiv: Callable[[str, int], str]
    epoch_us: Callable[[str], str]  # a timestamp -> microseconds since 1970 (BIGINT)
    from_us: Callable[[str], str]  # microseconds since 1970 -> timestamp
    try_double: Callable[[str], str]


DUCKDB = Dialect(
    name="duckdb",
    string="VARCHAR",
    to_time=lambda c: f"TRY_CAST({c} AS TIMESTAMPTZ)",
    local=lambda c, tz: f"CAST({c} AS TIMESTAMP)" if tz == "UTC" else f"timezone({quote(tz)}, {c})",
    idiv=lambda a, b: f"({a} // {b})",
    epoch_us=lambda c: f"epoch_us({c})",
    from_us=lambda c: f"make_timestamp({c})",
    try_double=lambda c: f"TRY_CAST({c} AS DOUBLE)",
)
SPARK = Dialect(
    name="spark",
    string="STRING",
    to_time=lambda c: f"try_to_timestamp(CAST({c} AS STRING))",
    local=lambda c, tz: c if tz == "UTC" else f"from_utc_timestamp({c}, {quote(tz)})",
    idiv=lambda a, b: f"({a} div {b})",
    epoch_us=lambda c: f"unix_micros({c})",
    from_us=lambda c: f"timestamp_micros({c})",
    try_double=lambda c: f"TRY_CAST({c} AS DOUBLE)",
)


def staged(files: Sequence[ObservationFile], sources: Sequence[str], d: Dialect) -> str:
    """Return one SELECT over every file, in the tidy columns with typed time and value."""
    parts: list[str] = []
    for file, source in zip(files, sources, strict=True):
        c = file.columns

        def col(name: str, default: str, c: Mapping[str, str] = c) -> str:
            return _ident(c[name], d) if name in c else default

        station = f"CAST({col('station', 'NULL')} AS {d.string})"
        parts.append(
            "SELECT "
            f"{station} AS station, "
            f"COALESCE(CAST({col('datastream', 'NULL')} AS {d.string}), {station}) AS datastream, "
            f"COALESCE(CAST({col('city', 'NULL')} AS {d.string}), '') AS city, "
            f"lower(trim(CAST({col('property', 'NULL')} AS {d.string}))) AS property, "
            f"{d.to_time(col('time', 'NULL'))} AS ts, "
            f"{d.try_double(col('value', 'NULL'))} AS value, "
            f"trim(CAST({col('unit', 'NULL')} AS {d.string})) AS unit, "
            f"lower(trim(COALESCE(CAST({col('quality', 'NULL')} AS {d.string}), ''))) AS quality "
            f"FROM {source}"
        )
    return " UNION ALL ".join(parts)


def _in(values: Sequence[str]) -> str:
    return "(" + ", ".join(quote(v) for v in values) + ")"


def profile_sql(spec: RollupSpec, stage: str) -> str:
    """Return the query listing (station, datastream, unit, readings, readable times)."""
    return (
        f"SELECT station, datastream, city, unit, count(*) AS n, count(ts) AS n_time "
        f"FROM ({stage}) s WHERE property IN {_in(spec.property_keys)} "
        "GROUP BY station, datastream, city, unit"
    )


#: Period keys: station index * KEY_SPAN + wall-clock hours (or days) since 1970.
KEY_SPAN = 16_777_216
_UNIT_HOURS = {"hour": 1, "day": 24}


def rollup_sql(
    spec: RollupSpec,
    stage: str,
    d: Dialect,
    *,
    factors: Mapping[str, tuple[float, float]],
    stations: str,
    years: Sequence[int] = (),
) -> str:
    """Return the roll-up query (see the module docstring for its columns).

    ``stations`` names a registered table ``(station, sid)`` giving each station a dense
    integer, so the hourly grouping hashes one integer instead of text and a time.
    """
    conv = " ".join(
        f"WHEN {quote(u)} THEN value * {a!r} + {b!r}" for u, (a, b) in sorted(factors.items())
    )
    good = _in(GOOD_FLAGS)
    local = d.local("ts", spec.timezone)
    base = (
        f"SELECT sid, datastream, ts, {local} AS t, CASE unit {conv} ELSE NULL END AS v, "
        f"(value IS NOT NULL AND quality IN {good}) AS ok "
        f"FROM ({stage}) s JOIN {stations} USING (station) "
        f"WHERE property IN {_in(spec.property_keys)} AND ts IS NOT NULL"
    )
    year_filter = f"WHERE year(t) IN ({', '.join(str(y) for y in years)})" if years else ""
    if spec.measure == "cumulative":
        lagged = (
            "SELECT sid, t, v - LAG(v) OVER (PARTITION BY datastream ORDER BY ts) AS dv, "
            "ok AND LAG(ok) OVER (PARTITION BY datastream ORDER BY ts) AS ok2 FROM base"
        )
        level0 = (
            "SELECT sid, t, dv AS v, COALESCE(ok2 AND dv >= 0, FALSE) AS ok "
            f"FROM lagged {year_filter}"
        )
        ctes = [f"base AS ({base})", f"lagged AS ({lagged})", f"l0 AS ({level0})"]
    else:
        ctes = [f"base AS ({base})", f"l0 AS (SELECT sid, t, v, ok FROM base {year_filter})"]
    seasonal = spec.steps[-1].valid_if.seasons
    carried: list[str] = []  # count columns carried up from earlier steps
    prev = "reading"
    for i, step in enumerate(spec.steps):
        last = i == len(spec.steps) - 1
        if prev == "reading":
            when = "t"
            if step.period == "year":
                key = "year(t)"
            else:
                micros = _UNIT_HOURS[step.period] * 3_600_000_000
                key = f"sid * {KEY_SPAN} + {d.idiv(d.epoch_us('t'), micros)}"
        else:
            units = f"(k % {KEY_SPAN})"
            when = d.from_us(f"{units} * {_UNIT_HOURS[prev] * 3_600_000_000}")
            if step.period == "year":
                key = f"year({when})"
            else:
                ratio = _UNIT_HOURS[step.period] // _UNIT_HOURS[prev]
                key = f"sid * {KEY_SPAN} + {d.idiv(units, ratio)}"
        agg = {"mean": "avg", "sum": "sum", "max": "max", "min": "min"}[step.aggregate]
        cols = [
            "sid",
            f"{key} AS k",
            f"count(*) AS n_{i}",
            f"count(CASE WHEN ok THEN 1 END) AS nv_{i}",
            f"{agg}(CASE WHEN ok THEN v END) AS v",
            *(f"sum({c}) AS {c}" for c in carried),
        ]
        if seasonal and last:
            summer = f"month({when}) BETWEEN 4 AND 9"
            cols += [
                f"count(CASE WHEN {summer} THEN 1 END) AS n_summer",
                f"count(CASE WHEN {summer} AND ok THEN 1 END) AS nv_summer",
                f"count(CASE WHEN NOT ({summer}) THEN 1 END) AS n_winter",
                f"count(CASE WHEN NOT ({summer}) AND ok THEN 1 END) AS nv_winter",
            ]
        if not last:
            cols.append(f"{_valid_expr(spec, i, prev)} AS ok")
        ctes.append(f"l{i + 1} AS (SELECT {', '.join(cols)} FROM l{i} GROUP BY sid, {key})")
        carried += [f"n_{i}", f"nv_{i}"]
        prev = step.period
    return f"WITH {', '.join(ctes)} SELECT * FROM l{len(spec.steps)} ORDER BY sid, k"


def _valid_expr(spec: RollupSpec, i: int, prev_period: str) -> str:
    """Return the SQL condition that an intermediate step's period is valid."""
    step = spec.steps[i]
    rule = step.valid_if
    valid = "count(CASE WHEN ok THEN 1 END)"
    if rule.min_minutes is not None:
        return f"({valid} * {spec.sampling_minutes!r} >= {rule.min_minutes!r})"
    if rule.min_share is None:
        return f"({valid} > 0)"
    hours = NOMINAL_HOURS[step.period]
    expected = hours * 60 / spec.sampling_minutes if prev_period == "reading" else hours
    return f"({valid} >= {rule.min_share * expected!r})"


__all__ = ["DUCKDB", "KEY_SPAN", "SPARK", "Dialect", "profile_sql", "quote", "rollup_sql", "staged"]
