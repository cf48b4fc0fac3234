"""Profiles of the fictional sample cities: size, region, income group, area, GDP, coast.

Every name is invented and written so that it cannot be taken for a real place; countries are
invented too, and ``cities.csv`` marks each city ``fictional=yes``. Regions and income groups use
the usual World Bank groupings so that peer-group analyses have something to group by.

Modelling assumptions: a city's *development score* (0 = least, 1 = most developed) follows its
income group with some spread; it positions the city's KPI values inside each realistic range
(:mod:`citykpi.sample.targets`). Household size, population growth and GDP growth follow the
income group too. City sizes follow :data:`SIZE_DESIGN`: a share of the cities in each
population class of :data:`citykpi.tables.POPULATION_CLASSES`, drawn log-uniformly inside a
range within the class.

Each city is a :class:`SampleCity`: the one :class:`~citykpi.tables.CityProfile` written to
``cities.csv`` plus the parameters the generator draws its values with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from citykpi.tables import CityProfile

#: Invented city names (checked against no gazetteer, chosen to sound unlike real places).
CITY_NAMES: Final[tuple[str, ...]] = (
    "Aldmoorvale",
    "Brassquill",
    "Cindermarch",
    "Dovenquay",
    "Emberlynd",
    "Fennowick Spire",
    "Glimmerholt",
    "Harrowgleam",
    "Ivoryreach",
    "Juniperfall",
    "Kestrelmoor",
    "Lanternhythe",
    "Marrowdeep",
    "Nettlecrown",
    "Orchidmere",
    "Pewtercliff",
    "Quillharbour",
    "Rookswallow",
    "Saffronvale",
    "Thistlebourne",
    "Umberlight",
    "Vellumport",
    "Wispercombe",
    "Xanthebridge",
    "Yarrowdune",
    "Zephyrholm",
    "Amberwhistle",
    "Bramblecourt",
    "Copperfen",
    "Driftlantern",
    "Eldergloam",
    "Foxglove Ward",
    "Gossamer Bay",
    "Hollowquartz",
    "Inkwell Heights",
    "Jasperling",
    "Kindlemoss",
    "Larkspur Rise",
    "Mistleharrow",
    "Nimbuswater",
)

#: Invented countries, by region, with the income groups their cities may have.
COUNTRIES: Final[tuple[tuple[str, str, tuple[str, ...]], ...]] = (
    ("Republic of Velmaria", "Europe and Central Asia", ("high", "upper-middle")),
    ("Ostravian Union", "Europe and Central Asia", ("high",)),
    ("Commonwealth of Pellucia", "North America", ("high",)),
    ("Serranova", "Latin America and Caribbean", ("upper-middle", "lower-middle")),
    ("Islas Corvinas", "Latin America and Caribbean", ("upper-middle", "high")),
    ("Kingdom of Tamarind", "East Asia and Pacific", ("upper-middle", "high")),
    ("Lowland Federation of Suvarna", "South Asia", ("lower-middle", "low")),
    ("Emirate of Qasirah", "Middle East and North Africa", ("high", "upper-middle")),
    ("Republic of Mbelani", "Sub-Saharan Africa", ("low", "lower-middle")),
    ("Zuberi Confederation", "Sub-Saharan Africa", ("lower-middle", "upper-middle")),
)


@dataclass(frozen=True, slots=True)
class SizeDesign:
    """How the sample draws the cities of one population class."""

    label: str  # a label of citykpi.tables.POPULATION_CLASSES
    low: int  # smallest population drawn (inhabitants)
    high: int  # populations are drawn below this
    share: float  # share of the sample's cities in the class


#: The sample's city sizes, one entry per population class of
#: :data:`citykpi.tables.POPULATION_CLASSES`, in the same order; each range lies in its class.
SIZE_DESIGN: Final[tuple[SizeDesign, ...]] = (
    SizeDesign("<100k", 25_000, 99_000, 0.2),
    SizeDesign("100k-500k", 100_000, 499_000, 0.3),
    SizeDesign("500k-1M", 500_000, 999_000, 0.2),
    SizeDesign("1M-5M", 1_000_000, 4_990_000, 0.2),
    SizeDesign(">5M", 5_000_000, 14_000_000, 0.1),
)

#: Per income group: GDP per capita (USD) range, development score range, household size.
INCOME: Final[dict[str, tuple[tuple[float, float], tuple[float, float], tuple[float, float]]]] = {
    "low": ((600.0, 1_100.0), (0.05, 0.3), (4.2, 5.5)),
    "lower-middle": ((1_200.0, 4_400.0), (0.2, 0.5), (3.4, 4.6)),
    "upper-middle": ((4_600.0, 13_800.0), (0.4, 0.7), (2.7, 3.6)),
    "high": ((14_500.0, 85_000.0), (0.6, 0.95), (1.9, 2.6)),
}


@dataclass(frozen=True, slots=True)
class SampleCity:
    """One fictional city: its profile (figures of the last sample year) and how it evolves."""

    profile: CityProfile  # every figure filled in
    score: float  # development score, 0..1
    household_size: float
    population_growth: float  # per year
    gdp_growth: float  # per year, per capita
    trend: str  # "improving", "stagnating" or "declining"

    @property
    def name(self) -> str:
        """Return the city's name."""
        return self.profile.name

    @property
    def population(self) -> int:
        """Return the population of the last sample year."""
        return int(self.profile.population or 0)

    @property
    def area_km2(self) -> float:
        """Return the land area in km2."""
        return float(self.profile.area_km2 or 0.0)

    @property
    def gdp_per_capita(self) -> float:
        """Return the GDP per capita (USD) of the last sample year."""
        return float(self.profile.gdp_per_capita or 0.0)

    def row(self) -> dict[str, str]:
        """Return the ``cities.csv`` row of this city."""
        p = self.profile
        return {
            "name": p.name,
            "country": p.country,
            "region": p.region,
            "population": str(self.population),
            "area_km2": f"{self.area_km2:.1f}",
            "gdp_per_capita": f"{self.gdp_per_capita:.0f}",
            "income_group": p.income_group,
            "coastal": "yes" if p.coastal else "no",
            "population_class": p.population_class,
            "fictional": "yes",
        }


CITY_COLUMNS: Final[tuple[str, ...]] = (
    "name",
    "country",
    "region",
    "population",
    "area_km2",
    "gdp_per_capita",
    "income_group",
    "coastal",
    "population_class",
    "fictional",
)


def _name(i: int) -> str:
    base = CITY_NAMES[i % len(CITY_NAMES)]
    return base if i < len(CITY_NAMES) else f"{base} {i // len(CITY_NAMES) + 1}"


def _classes(n: int) -> list[int]:
    """Return the population class index of each of ``n`` cities, in the shares above."""
    counts = [round(d.share * n) for d in SIZE_DESIGN]
    while sum(counts) > n:
        counts[counts.index(max(counts))] -= 1
    while sum(counts) < n:
        counts[1] += 1
    return [k for k, c in enumerate(counts) for _ in range(c)]


def make_profiles(n_cities: int, rng: np.random.Generator) -> list[SampleCity]:
    """Return ``n_cities`` fictional city profiles drawn with ``rng``.

    Parameters
    ----------
    n_cities
        Number of cities, at least 1.
    rng
        The generator; the same state gives the same profiles.

    Returns
    -------
    list of SampleCity
        In name order of the invented names list.
    """
    classes = _classes(n_cities)
    rng.shuffle(classes)
    profiles: list[SampleCity] = []
    for i, cls in enumerate(classes):
        design = SIZE_DESIGN[cls]
        label, low, high = design.label, design.low, design.high
        country, region, groups = COUNTRIES[i % len(COUNTRIES)]
        income = groups[int(rng.integers(len(groups)))]
        (g_lo, g_hi), (s_lo, s_hi), (h_lo, h_hi) = INCOME[income]
        population = int(np.exp(rng.uniform(np.log(low), np.log(high))))
        density = rng.uniform(1_500.0, 9_000.0) if income != "high" else rng.uniform(900, 5_000)
        developing = income in {"low", "lower-middle"}
        trend_draw = rng.random()
        trend = (
            "improving" if trend_draw < 0.75 else "stagnating" if trend_draw < 0.85 else "declining"
        )
        profile = CityProfile(
            name=_name(i),
            country=country,
            region=region,
            population=population,
            area_km2=round(population / density, 1),
            gdp_per_capita=round(float(np.exp(rng.uniform(np.log(g_lo), np.log(g_hi))))),
            income_group=income,
            coastal=bool(rng.random() < 0.4),
            population_class=label,
        )
        profiles.append(
            SampleCity(
                profile=profile,
                score=float(rng.uniform(s_lo, s_hi)),
                household_size=float(rng.uniform(h_lo, h_hi)),
                population_growth=float(
                    rng.uniform(0.01, 0.035) if developing else rng.uniform(-0.005, 0.015)
                ),
                gdp_growth=float(
                    rng.uniform(0.02, 0.05) if developing else rng.uniform(0.0, 0.025)
                ),
                trend=trend,
            )
        )
    return profiles


__all__ = [
    "CITY_COLUMNS",
    "CITY_NAMES",
    "COUNTRIES",
    "SIZE_DESIGN",
    "SampleCity",
    "SizeDesign",
    "make_profiles",
]
