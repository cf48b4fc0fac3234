"""How the generator fills in every raw input of the catalogue so that the KPIs look realistic.

The plan is worked out once per catalogue, from the catalogue alone, so that a KPI or input added
to the YAML is generated without touching this package:

* **Base inputs** are sized from the city profile by what their unit measures: inhabitants from
  the population, households from the household size, money from GDP, areas from the city area,
  lengths, masses, energies and volumes per inhabitant, and plain counts as a fixed fraction of
  the population (the same fraction in every city). The input of each kind that feeds the most
  data points is the city total itself (population, households, city area, GDP).
* **Free inputs**: each data point gets one input of its own (preferably a numerator that feeds
  nothing else), whose value is *solved* so that the data point lands on the city's target value,
  drawn from the data point's ``typical_range`` in the catalogue (:mod:`citykpi.sample.targets`).
  Formulas are evaluated with the catalogue's own evaluator; the solver handles formulas linear
  in the free input or in its inverse, which covers every ratio, share and rate of the
  catalogue; otherwise the input is sized like a base input.
* Data points are solved in dependency order (a data point whose formula reads another data
  point's free input comes after it). Yes/no inputs take 1 or 0 directly; shares of a whole
  computed by ``share_of_total`` are filled jointly from the targets of the group.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

from citykpi.catalogue import Catalogue, DataPoint, evaluate, units
from citykpi.errors import FormulaError, UnitError
from citykpi.sample.targets import FALLBACK_PERCENT, Range, typical_range

#: Canonical unit of each kind of base input, and its size per inhabitant of the city.
_PER_INHABITANT: Final[tuple[tuple[str, float], ...]] = (
    ("inhabitant", 1.0),
    ("household", 1.0),  # divided by the household size
    ("LCU", 1.0),  # multiplied by GDP per capita
    ("km**2", 1.0),  # city area, not per inhabitant
    ("km", 0.002),
    ("tonne", 0.45),
    ("kWh", 6_000.0),
    ("m**3", 80.0),
    ("minute", 0.0),  # durations: a fixed 30 minutes
    ("count", 1.0),
)


_PER: Final = dict(_PER_INHABITANT)


@lru_cache(maxsize=512)
def factor(from_unit: str, to_unit: str) -> float | None:
    """Return the factor converting ``from_unit`` to ``to_unit``, or None if impossible."""
    try:
        return units.convert(1.0, from_unit, to_unit)
    except UnitError:
        return None


@lru_cache(maxsize=512)
def canonical(unit: str) -> str | None:
    """Return the canonical base-input unit measuring the same thing as ``unit``, if any."""
    for name, _ in _PER_INHABITANT:
        if factor(name, unit) is not None:
            return name
    return None


def stable_fraction(key: str, low: float, high: float) -> float:
    """Return a number in [low, high] fixed by ``key`` (log-uniform), the same in every run."""
    share = (zlib.crc32(key.encode("utf-8")) % 10_000) / 9_999
    return float(math.exp(math.log(low) + share * (math.log(high) - math.log(low))))


@dataclass(frozen=True, slots=True)
class Sizer:
    """How to size one input that is not solved from a target."""

    input_id: str
    unit: str
    kind: str
    canonical: str | None
    fraction: float  # of the city total of its kind (1.0 for the total itself)


@dataclass(frozen=True, slots=True)
class PointPlan:
    """How one data point is generated."""

    kpi_code: str
    dp: DataPoint
    free: str | None  # the input solved so that the data point hits its target
    target: Range | None  # realistic range, already in the data point's unit
    boolean: bool
    better: int  # +1 higher is better, -1 lower is better, 0 no direction
    shared_whole: bool  # computed by share_of_total: filled jointly with its group
    mode: str | None = None  # how the formula depends on the free input (see solve)


@dataclass
class Plan:
    """The generation plan of a catalogue (see the module docstring)."""

    catalogue: Catalogue
    points: list[PointPlan] = field(default_factory=list)
    sizers: dict[str, Sizer] = field(default_factory=dict)
    population_input: str | None = None
    by_kpi: dict[str, list[PointPlan]] = field(default_factory=dict)


def _target(dp: DataPoint) -> Range | None:
    known = typical_range(dp)
    if known is not None:
        return known
    if factor("percent", dp.unit) is not None and dp.unit.strip() not in {"", "dimensionless"}:
        return Range(*FALLBACK_PERCENT, dp.unit)
    return None


def _better(direction: str) -> int:
    return {"higher": 1, "target_range": 1, "lower": -1}.get(direction, 0)


def _totals(catalogue: Catalogue) -> dict[str, str]:
    """Return, per canonical unit, the city total: a General input feeding the most points."""
    best: dict[str, tuple[bool, int, str]] = {}
    for item in catalogue.inputs.values():
        kind = canonical(item.unit) if item.kind != "boolean" else None
        if kind is None or kind in {"count", "km", "minute", "tonne", "kWh", "m**3"}:
            continue
        score = (item.sheet == "General", len(item.feeds), item.id)
        if kind not in best or score > best[kind]:
            best[kind] = score
    return {kind: score[2] for kind, score in best.items()}


def _choose_free(catalogue: Catalogue, base: set[str]) -> dict[str, str]:
    """Give each data point one input of its own to solve, preferring unshared numerators."""
    candidates: dict[str, list[str]] = {}
    for _, dp in catalogue.iter_data_points():
        candidates[dp.id] = [i for i in dp.inputs if i not in base]
    free: dict[str, str] = {}
    taken: set[str] = set()
    pending = list(candidates)
    while pending:
        pending.sort(key=lambda d: len([i for i in candidates[d] if i not in taken]))
        dp_id = pending.pop(0)
        left = [i for i in candidates[dp_id] if i not in taken]
        if not left:
            continue
        feeds = {i: len(catalogue.inputs[i].feeds) for i in left}
        choice = min(left, key=lambda i: (feeds[i], left.index(i)))
        free[dp_id] = choice
        taken.add(choice)
    return free


def _ordered(points: list[PointPlan]) -> list[PointPlan]:
    """Return the points so that each comes after those whose free input it reads."""
    owner = {p.free: p.dp.id for p in points if p.free is not None}
    done: set[str] = set()
    out: list[PointPlan] = []
    remaining = list(points)
    while remaining:
        ready = [
            p
            for p in remaining
            if all(owner.get(i) in (None, p.dp.id) or owner.get(i) in done for i in p.dp.inputs)
        ]
        batch = ready or remaining[:1]  # a cycle: take the first and let the solver cope
        for p in batch:
            out.append(p)
            done.add(p.dp.id)
            remaining.remove(p)
    return out


def make_plan(catalogue: Catalogue) -> Plan:
    """Work out how to generate every input of ``catalogue`` (see the module docstring)."""
    plan = Plan(catalogue)
    totals = _totals(catalogue)
    plan.population_input = totals.get("inhabitant")
    base = set(totals.values()) | {i.id for i in catalogue.inputs.values() if i.sheet == "General"}
    free = _choose_free(catalogue, base)
    total_ids = set(totals.values())
    for item in catalogue.inputs.values():
        kind = canonical(item.unit)
        fraction = 1.0 if item.id in total_ids else stable_fraction(item.id, 0.002, 0.5)
        plan.sizers[item.id] = Sizer(item.id, item.unit, item.kind, kind, fraction)
    points: list[PointPlan] = []
    for kpi, dp in catalogue.iter_data_points():
        free_input = free.get(dp.id)
        boolean = free_input is not None and catalogue.inputs[free_input].kind == "boolean"
        point = PointPlan(
            kpi_code=kpi.code,
            dp=dp,
            free=free_input,
            target=_target(dp),
            boolean=boolean or dp.function == "yes_no",
            better=_better(str(dp.direction)),
            shared_whole=dp.function == "share_of_total",
            mode=_linearity(dp, free_input) if free_input and not boolean else None,
        )
        points.append(point)
        plan.by_kpi.setdefault(kpi.code, []).append(point)
    plan.points = _ordered(points)
    return plan


@dataclass(frozen=True, slots=True)
class CityYear:
    """What sizes a city in one year."""

    population: float
    households: float
    area_km2: float
    gdp: float


def size(sizer: Sizer, city: CityYear, jitter: float) -> float:
    """Return the value of a base input for ``city``, in the input's unit.

    ``jitter`` (around 1) varies the fraction from city to city; totals are not jittered.
    """
    if sizer.kind == "boolean":
        return 1.0
    share = sizer.fraction if sizer.fraction == 1.0 else sizer.fraction * jitter
    per = _PER
    kind = sizer.canonical
    if kind == "inhabitant":
        value = city.population * share
    elif kind == "household":
        value = city.households * share
    elif kind == "LCU":
        value = city.gdp * share
    elif kind == "km**2":
        value = city.area_km2 * share
    elif kind == "minute":
        value = 30.0 * jitter
    elif kind in per and kind != "count":
        value = city.population * per[kind] * jitter
    else:
        value = city.population * share
    scale = factor(kind, sizer.unit) if kind is not None else 1.0
    return value * (scale if scale is not None else 1.0)


def _linearity(dp: DataPoint, free: str) -> str | None:
    """Return how ``dp`` depends on ``free``: ``{"ratio", "linear", "inverse"}`` or None.

    Worked out once per data point on sample values, so that solving for a city-year needs
    only one or two evaluations of the formula.
    """
    known = {i: 3.0 for i in dp.inputs if i != free}
    for inverse in (False, True):
        try:
            f1, f2, f4 = (
                evaluate(dp, {**known, free: 1.0 / u if inverse else u}) for u in (1.0, 2.0, 4.0)
            )
        except FormulaError:
            continue
        slope = f2 - f1
        intercept = f1 - slope
        if slope == 0 or not math.isclose(f4, intercept + 4 * slope, rel_tol=1e-9, abs_tol=1e-9):
            continue
        if inverse:
            return "inverse"
        return "ratio" if math.isclose(intercept, 0.0, abs_tol=1e-12) else "linear"
    return None


def solve(
    dp: DataPoint, free: str, values: Mapping[str, float], target: float, *, mode: str | None
) -> float:
    """Return the value of ``free`` that gives ``dp`` the value ``target``; NaN if not found.

    The other inputs of ``dp`` are taken from ``values``; ``mode`` is how the formula depends on
    ``free`` (see :func:`_linearity`).
    """
    if mode is None:
        return math.nan
    known = {i: values[i] for i in dp.inputs if i != free and i in values}

    def at(x: float) -> float:
        return evaluate(dp, {**known, free: x})

    try:
        if mode == "ratio":
            slope, intercept = at(1.0), 0.0
        else:
            f1, f2 = (at(1.0), at(0.5)) if mode == "inverse" else (at(1.0), at(2.0))
            slope, intercept = f2 - f1, 2 * f1 - f2
    except FormulaError:
        return math.nan
    if slope == 0:
        return math.nan
    u = (target - intercept) / slope
    if not math.isfinite(u) or u < 0 or (mode == "inverse" and u == 0):
        return math.nan
    return 1.0 / u if mode == "inverse" else u


__all__ = ["CityYear", "Plan", "PointPlan", "Sizer", "make_plan", "size", "solve"]
