"""Generate the sample data of the demo: fictional cities' raw inputs for 2015-2024.

Modelling assumptions:

* Each city has a development score (from its income group) that places each KPI data point
  inside its realistic range, plus city-specific noise; "higher is better" data points sit high
  for developed cities, "lower is better" ones low.
* Over the years most cities improve (four data points in five move towards the better end by
  0.5-3 % of their range a year), some stagnate and some decline (seven data points in ten move
  towards the worse end). Population and GDP grow at rates that follow the income group;
  yes/no answers, once yes, stay yes in improving cities.
* Raw inputs are then solved from these values by the catalogue's formulas (see
  :mod:`citykpi.sample.plan`), rounded as a statistics office would report them.
* Most cities leave 0-10 % of KPIs unreported (more in the first three years); a few leave 25-35 %
  unreported. About 1.5 % of data points are reported directly as KPI results (``kind`` kpi),
  as a city does when it only has the final figure.
* Deliberate errors are added last and listed in ``known_errors.csv`` (see
  :mod:`citykpi.sample.deliberate`).

Files: ``cities.csv`` (profiles), ``raw_inputs.csv`` (the long table: city, year, kind,
code, data_point, value, unit, source, quality) and ``known_errors.csv``. :func:`build_sample`
makes them in memory (:class:`SampleTables`); :func:`citykpi.io.write_sample` writes them.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np

from citykpi.catalogue import Catalogue, load_catalogue
from citykpi.errors import InputError
from citykpi.model import DataQuality
from citykpi.sample.cities import CITY_COLUMNS, SampleCity, make_profiles
from citykpi.sample.deliberate import ERROR_COLUMNS, KnownError, add_errors
from citykpi.sample.plan import CityYear, Plan, PointPlan, make_plan, size, solve

RAW_FILE_COLUMNS: Final[tuple[str, ...]] = (
    "city",
    "year",
    "kind",
    "code",
    "data_point",
    "value",
    "unit",
    "source",
    "quality",
)

_SOURCES: Final[dict[str, tuple[str, ...]]] = {
    "General": ("City statistics office", "National census", "Population register"),
    "Economy": (
        "City statistics office",
        "Utility operator records",
        "Telecom regulator",
        "Chamber of commerce",
        "City IT department",
    ),
    "Environment": (
        "Environmental monitoring network",
        "Water utility",
        "Energy utility",
        "Waste management department",
        "City planning department",
    ),
    "Society and Culture": (
        "Health department",
        "Education department",
        "Police records",
        "Household survey",
        "City statistics office",
    ),
}
_QUALITY_WEIGHTS: Final[tuple[float, ...]] = (0.6, 0.12, 0.12, 0.09, 0.04, 0.03)

Row = dict[str, str]


#: Seed of :func:`build_sample` unless another is given.
DEFAULT_SEED: Final = 20240601
#: The sample's files and what each holds (for the README of the sample folder).
SAMPLE_FILES: Final[dict[str, str]] = {
    "raw_inputs.csv": "The raw inputs of every city and year, one row per value (city, year, "
    "kind, code, data_point, value, unit, source, quality), with deliberate errors.",
    "cities.csv": "The city profiles (name, country, region, population, income group, ...): "
    "--cities for peer groups and the index.",
    "known_errors.csv": "The deliberate errors, each with its reason code and row in "
    "raw_inputs.csv: what 'citykpi validate' should report.",
}


@dataclass(frozen=True, slots=True)
class SampleTables:
    """The sample in memory: the rows of its three files, before anything is written."""

    cities: tuple[Row, ...]
    raw_inputs: tuple[Row, ...]
    errors: tuple[KnownError, ...]  # each with its row number in raw_inputs.csv

    def files(self) -> dict[str, str]:
        """Return the CSV text of each file of :data:`SAMPLE_FILES`, by name."""
        return {
            "raw_inputs.csv": csv_text(RAW_FILE_COLUMNS, self.raw_inputs),
            "cities.csv": csv_text(CITY_COLUMNS, self.cities),
            "known_errors.csv": csv_text(ERROR_COLUMNS, [e.as_row() for e in self.errors]),
        }


@dataclass(frozen=True, slots=True)
class SampleData:
    """Paths of the files :func:`citykpi.io.write_sample` wrote, and how many raw rows."""

    out_dir: Path
    cities: Path
    raw_inputs: Path
    known_errors: Path
    rows: int
    errors: tuple[KnownError, ...]


def build_sample(
    *,
    seed: int = DEFAULT_SEED,
    n_cities: int = 40,
    years: Iterable[int] = range(2015, 2025),
    catalogue: Catalogue | None = None,
) -> SampleTables:
    """Make the sample cities and their raw inputs, in memory.

    Parameters
    ----------
    seed
        Seed of the random generator: the same seed makes identical files.
    n_cities
        Number of fictional cities, from 8 (one per kind of deliberate error) upwards.
    years
        Reporting years.
    catalogue
        Catalogue whose inputs are generated; the bundled one by default.

    Returns
    -------
    SampleTables
        The rows of the three files and the deliberate errors (with their rows in
        ``raw_inputs.csv``); :func:`citykpi.io.write_sample` writes them.

    Raises
    ------
    InputError
        If ``n_cities`` is below 8 or ``years`` is empty.
    """
    year_list = sorted(set(years))
    if n_cities < 8 or not year_list:
        msg = (
            f"Cannot generate {n_cities!r} cities over years {year_list!r}; ask for at least 8 "
            "cities (one per kind of deliberate error) and at least one year."
        )
        raise InputError(msg)
    cat = catalogue if catalogue is not None else load_catalogue()
    plan = make_plan(cat)
    streams = np.random.SeedSequence(seed).spawn(n_cities + 2)
    profiles = make_profiles(n_cities, np.random.default_rng(streams[0]))
    blocks: dict[tuple[str, int], list[Row]] = {}
    for k, profile in enumerate(profiles):
        heavy = k % 10 == 7  # a few cities report little
        city = _CityGenerator(plan, profile, np.random.default_rng(streams[k + 2]), heavy=heavy)
        for year in year_list:
            blocks[(profile.name, year)] = city.rows(year, first=year_list[0], last=year_list[-1])
    errors = add_errors(blocks, plan, profiles, np.random.default_rng(streams[1]))
    rows = [row for block in blocks.values() for row in block]
    # the spreadsheet row number of each row object (the header is row 1)
    numbered = {id(row): number for number, row in enumerate(rows, start=2)}
    known = tuple(e.with_row(numbered[id(e.row)]) for e in errors)
    return SampleTables(tuple(p.row() for p in profiles), tuple(rows), known)


def csv_text(columns: Sequence[str], rows: Iterable[Row]) -> str:
    """Return ``rows`` as CSV text: a header of ``columns``, then one line per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([row[c] for c in columns] for row in rows)
    return buffer.getvalue()


def format_value(value: float, kind: str) -> str:
    """Return ``value`` as a statistics office would write it for an input of ``kind``."""
    if kind == "boolean":
        return "yes" if value >= 0.5 else "no"
    if kind == "count":
        return str(round(value))
    text = repr(float(f"{value:.5g}"))
    return text.removesuffix(".0")


class _CityGenerator:
    """The values of one city, year after year."""

    def __init__(
        self, plan: Plan, profile: SampleCity, rng: np.random.Generator, *, heavy: bool
    ) -> None:
        self.plan = plan
        self.profile = profile
        self.rng = rng
        cat = plan.catalogue
        self.jitter = {i: float(rng.lognormal(0.0, 0.15)) for i in cat.inputs}
        qualities = rng.choice(len(DataQuality), size=len(cat.inputs), p=_QUALITY_WEIGHTS)
        picks = rng.integers(0, 1_000, size=len(cat.inputs))
        names = [q.value for q in DataQuality]
        self.quality = {i: names[q] for i, q in zip(cat.inputs, qualities, strict=True)}
        self.source = {}
        for (i, item), pick in zip(cat.inputs.items(), picks, strict=True):
            options = _SOURCES.get(item.sheet, _SOURCES["General"])
            self.source[i] = options[int(pick) % len(options)]
        kpis = list(plan.by_kpi)
        share = rng.uniform(0.25, 0.35) if heavy else rng.uniform(0.0, 0.1)
        self.missing = {kpis[j] for j in rng.permutation(len(kpis))[: round(share * len(kpis))]}
        self.early_missing = {k for k in kpis if rng.random() < 0.08}
        self.level = {p.dp.id: self._level(p) for p in plan.points}
        self.step = {p.dp.id: self._step() for p in plan.points}
        self.yes_from = {p.dp.id: self._yes_from(p) for p in plan.points if p.boolean}

    def _level(self, point: PointPlan) -> float:
        """Return where the data point sits in its range in the last year (0 low, 1 high)."""
        position = self.profile.score if point.better >= 0 else 1 - self.profile.score
        if point.better == 0:
            position = 0.5
        return min(1.0, max(0.0, position + float(self.rng.normal(0.0, 0.15))))

    def _step(self) -> float:
        """Return the yearly change of position of one data point (positive: towards better).

        Improving cities improve on four data points in five, declining cities worsen on seven
        in ten; stagnating cities drift a little either way.
        """
        size_ = float(self.rng.uniform(0.005, 0.03))
        draw = float(self.rng.random())
        trend = self.profile.trend
        if trend == "improving":
            return size_ if draw < 0.8 else -size_
        if trend == "declining":
            return -size_ if draw < 0.7 else size_
        return size_ * (draw - 0.5) / 2

    def _yes_from(self, point: PointPlan) -> int:
        """Return the first year the answer is yes (far future: never)."""
        if self.rng.random() > 0.25 + 0.7 * self.profile.score:
            return 9999
        return int(self.rng.integers(2012, 2025))

    def _city_year(self, year: int, last: int) -> CityYear:
        p = self.profile
        population = p.population * (1 + p.population_growth) ** (year - last)
        gdp_pc = p.gdp_per_capita * (1 + p.gdp_growth) ** (year - last)
        return CityYear(population, population / p.household_size, p.area_km2, population * gdp_pc)

    def _targets(self, year: int, last: int, city: CityYear) -> dict[str, float]:
        targets: dict[str, float] = {}
        noise = self.rng.normal(0.0, 0.01, size=len(self.plan.points)).tolist()
        for point, jitter in zip(self.plan.points, noise, strict=True):
            dp_id = point.dp.id
            if point.boolean:
                declining = self.profile.trend == "declining" and year > last - 3
                targets[dp_id] = 1.0 if year >= self.yes_from[dp_id] and not declining else 0.0
                continue
            if point.target is None:
                continue
            direction = point.better if point.better != 0 else 1
            position = self.level[dp_id] - direction * self.step[dp_id] * (last - year)
            position = min(1.0, max(0.0, position + jitter))
            low, high = point.target.low, point.target.high
            value = low + position * (high - low)
            if point.target.per_pop:
                value *= city.population / 100_000
            targets[dp_id] = value
        self._shape_groups(targets)
        return targets

    def _shape_groups(self, targets: dict[str, float]) -> None:
        """Make shares of a whole sum to 100 and nested levels nest (catalogue ``parts``)."""
        for kpi in self.plan.catalogue.kpis:
            ids = [p.dp.id for p in self.plan.by_kpi.get(kpi.code, []) if p.dp.id in targets]
            if kpi.parts == "sum_to_100":
                total = sum(targets[i] for i in ids)
                for i in ids:
                    targets[i] = 100.0 * targets[i] / total if total > 0 else 100.0 / len(ids)
            elif kpi.parts == "nested":
                for outer, inner in itertools.pairwise(ids):
                    targets[inner] = min(targets[inner], targets[outer] * 0.95)

    def _values(self, city: CityYear, targets: dict[str, float]) -> dict[str, float]:
        values = {i: size(sizer, city, self.jitter[i]) for i, sizer in self.plan.sizers.items()}
        for points in self.plan.by_kpi.values():
            whole = [p for p in points if p.shared_whole]
            if whole:
                self._fill_shares(whole, values, targets)
        for point in self.plan.points:
            if point.free is None or point.shared_whole or point.dp.id not in targets:
                continue
            if point.boolean:
                values[point.free] = targets[point.dp.id]
                continue
            solved = solve(point.dp, point.free, values, targets[point.dp.id], mode=point.mode)
            if math.isfinite(solved):
                values[point.free] = solved
        return values

    def _fill_shares(
        self, points: list[PointPlan], values: dict[str, float], targets: dict[str, float]
    ) -> None:
        components = [p.free for p in points if p.free is not None]
        if not components:
            return
        whole = sum(values[c] for c in components)
        for point in points:
            if point.free is not None and point.dp.id in targets:
                values[point.free] = whole * targets[point.dp.id] / 100.0

    def rows(self, year: int, *, first: int, last: int) -> list[Row]:
        """Return the raw rows of this city for ``year``."""
        city = self._city_year(year, last)
        targets = self._targets(year, last, city)
        values = self._values(city, targets)
        missing = set(self.missing)
        if year < first + 3:
            missing |= self.early_missing
        withheld: set[str] = set()
        reported: list[PointPlan] = []
        draws = self.rng.random(len(self.plan.points)).tolist()
        for point, draw in zip(self.plan.points, draws, strict=True):
            if point.kpi_code in missing:
                withheld.update([point.free] if point.free else [])
            elif point.dp.id in targets and point.free and not point.shared_whole and draw < 0.015:
                withheld.add(point.free)
                reported.append(point)
        wanted = {i for p in self.plan.points if p.kpi_code not in missing for i in p.dp.inputs}
        out: list[Row] = []
        for input_id, item in self.plan.catalogue.inputs.items():
            if input_id in withheld or input_id not in wanted:
                continue
            out.append(
                {
                    "city": self.profile.name,
                    "year": str(year),
                    "kind": "input",
                    "code": input_id,
                    "data_point": "",
                    "value": format_value(values[input_id], item.kind),
                    "unit": item.unit,
                    "source": self.source[input_id],
                    "quality": self.quality[input_id],
                }
            )
        for point in reported:
            out.append(
                {
                    "city": self.profile.name,
                    "year": str(year),
                    "kind": "kpi",
                    "code": point.kpi_code,
                    "data_point": point.dp.id,
                    "value": format_value(targets[point.dp.id], "quantity"),
                    "unit": point.dp.unit,
                    "source": "City KPI report",
                    "quality": DataQuality.ASSUMPTIONS.value,
                }
            )
        return out


__all__ = [
    "DEFAULT_SEED",
    "RAW_FILE_COLUMNS",
    "SAMPLE_FILES",
    "SampleData",
    "SampleTables",
    "build_sample",
    "csv_text",
    "format_value",
]
