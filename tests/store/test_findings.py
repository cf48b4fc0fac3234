"""Verifier findings from the U4SSC manual, each on a hand-made submission.

The findings are the rules of :mod:`citykpi.validate.rules` over the stored values, so the
submissions use catalogue data points: coverage counts the catalogue's KPIs, and the shares and
levels are the catalogue's groups.
"""

from __future__ import annotations

import pytest
from storekit import Team, kpi_table, raw_table

from citykpi.catalogue import catalogue_index
from citykpi.model import Issue, Location, Severity
from citykpi.reasons import Reason
from citykpi.settings import Settings
from citykpi.store import Store
from citykpi.store.findings import findings
from citykpi.store.importer import import_tables

MODE = "EC: I: T: 4A"
WASTE = "EN: EN: WA: 1C"
WASTEWATER = "EN: EN: WS: 4C"
W, E = Severity.WARNING, Severity.ERROR


def _load(
    store: Store,
    team: Team,
    year: int,
    inputs: dict[str, float],
    kpis: dict[tuple[str, str], float | None],
) -> None:
    with store.transaction() as s:
        import_tables(
            s,
            team.editor,
            "Oslo",
            year,
            raw_table("Oslo", year, inputs),
            kpi_table("Oslo", year, kpis),
            file_name=f"{year}.csv",
        )


def _found(store: Store, team: Team, year: int = 2024) -> list[Issue]:
    with store.transaction() as s:
        return findings(s, team.verifier, "Oslo", year, settings=Settings())


def _at(code: str = "", year: int = 2024) -> Location:
    return Location(field="value" if code else "", city="Oslo", year=year, code=code)


#: One data point of every KPI of the catalogue, with a plausible value (1 = yes).
REPORTED: dict[tuple[str, str], float | None] = {
    (kpi.code, kpi.data_points[0].id): 1.0 if kpi.data_points[0].unit == "yes_no" else 10.0
    for kpi in catalogue_index().catalogue.kpis
}
N_KPIS = len(REPORTED)
#: The first 20 KPIs left unreported: more than 20 % of the 91.
UNREPORTED = dict.fromkeys(list(REPORTED)[:20])


@pytest.mark.parametrize(
    ("inputs", "kpis", "expected"),
    [
        pytest.param({"population": 700_000.0}, REPORTED, [], id="clean"),
        pytest.param(
            {"population": 760_000.0},
            REPORTED,
            [
                Issue(
                    Reason.DENOMINATOR_VARIES,
                    W,
                    "Population 760000 differs by 8.6% from the city profile (700000); check "
                    "that both refer to the same year and area.",
                    _at("population"),
                    "760000",
                )
            ],
            id="population-vs-profile",
        ),
        pytest.param(
            {"population": 700_000.0},
            {**REPORTED, **UNREPORTED},
            [
                Issue(
                    Reason.TOO_MANY_NOT_REPORTED,
                    W,
                    f"'Oslo' 2024 reports {N_KPIS - 20} of {N_KPIS} KPIs: 20 (22%) are not "
                    "reported, more than the 20% after which the U4SSC verification manual asks "
                    "to follow up; collect the missing inputs ('citykpi template' lists them).",
                    _at(),
                    "22%",
                )
            ],
            id="coverage",
        ),
        pytest.param(
            {"population": 700_000.0, "households": -1.0},
            {
                **REPORTED,
                ("EC: ICT: ICT: 1C", "household_internet_access"): 120.0,
                ("EC: ICT: ICT: 2C", "fixed_broadband_subscriptions"): 130.0,
            },
            [
                Issue(
                    Reason.NEGATIVE_COUNT,
                    E,
                    "The count 'households' is negative (-1); a number of things cannot be "
                    "below zero: correct the value.",
                    _at("households"),
                    "-1",
                ),
                Issue(
                    Reason.SHARE_OUT_OF_RANGE,
                    E,
                    "The share 'household_internet_access' is 120 %, but a percentage must be "
                    "between 0 and 100; correct the value (check that numerator and denominator "
                    "were not swapped).",
                    _at("household_internet_access"),
                    "120",
                ),
            ],
            id="ranges",
        ),
        pytest.param(
            {"population": 700_000.0},
            {
                **REPORTED,
                (MODE, "transportation_mode_share_private_vehicles"): 60.0,
                (MODE, "transportation_mode_share_public_transport"): 30.0,
                (MODE, "transportation_mode_share_walking"): 0.0,
                (MODE, "transportation_mode_share_cycling"): 0.0,
                (MODE, "transportation_mode_share_para_transport"): 0.0,
                (WASTE, "solid_waste_treatment_landfill"): 50.0,
                (WASTE, "solid_waste_treatment_burnt"): 0.0,
                (WASTE, "solid_waste_treatment_incinerated"): 0.0,
                (WASTE, "solid_waste_treatment_open_dump"): 0.0,
                (WASTE, "solid_waste_treatment_recycled"): 51.0,
                (WASTE, "solid_waste_treatment_other"): 0.0,
                (WASTEWATER, "wastewater_treatment_primary"): 80.0,
                (WASTEWATER, "wastewater_treatment_secondary"): 85.0,
                (WASTEWATER, "wastewater_treatment_tertiary"): 20.0,
            },
            [
                Issue(
                    Reason.SHARES_DO_NOT_SUM,
                    E,
                    "The Transportation Mode Share shares of 'Oslo' 2024 sum to 90 % "
                    "(transportation_mode_share_private_vehicles 60, "
                    "transportation_mode_share_public_transport 30, "
                    "transportation_mode_share_walking 0, transportation_mode_share_cycling 0, "
                    "transportation_mode_share_para_transport 0); they must add up to 100 ± 2: "
                    "correct the shares.",
                    Location(field="value", city="Oslo", year=2024, code=MODE),
                    "90",
                    data_points=(
                        "transportation_mode_share_private_vehicles",
                        "transportation_mode_share_public_transport",
                        "transportation_mode_share_walking",
                        "transportation_mode_share_cycling",
                        "transportation_mode_share_para_transport",
                    ),
                ),
                Issue(
                    Reason.WASTEWATER_NOT_NESTED,
                    E,
                    "Wastewater treated to the secondary level (85 %) exceeds the primary level "
                    "(80 %) for 'Oslo' 2024; secondary treatment is part of primary treatment, "
                    "so correct the levels so that secondary <= primary.",
                    _at("wastewater_treatment_secondary"),
                    "85",
                    data_points=("wastewater_treatment_secondary", "wastewater_treatment_primary"),
                ),
            ],
            id="shares-and-nesting",
        ),
    ],
)
def test_findings(
    store: Store,
    team: Team,
    inputs: dict[str, float],
    kpis: dict[tuple[str, str], float | None],
    expected: list[Issue],
) -> None:
    _load(store, team, 2024, inputs, kpis)
    assert _found(store, team) == expected


def test_a_denominator_jumping_from_last_year_is_a_finding(store: Store, team: Team) -> None:
    _load(store, team, 2023, {"households": 300_000.0}, REPORTED)
    _load(store, team, 2024, {"households": 330_000.0}, REPORTED)
    assert _found(store, team) == [
        Issue(
            Reason.DENOMINATOR_VARIES,
            W,
            "Households 330000 differs by 10.0% from the previous year (300000); check the "
            "source and year of both.",
            _at("households"),
            "330000",
        )
    ]
