"""Verifier findings from the U4SSC manual, each on a hand-made submission."""

from __future__ import annotations

import pytest
from storekit import Team, kpi_table, raw_table

from citykpi.settings import Settings
from citykpi.store import Store
from citykpi.store.findings import Finding, FindingKind, findings
from citykpi.store.importer import import_tables

MODE = "EC: I: T: 4A"
WASTE = "EN: EN: WA: 1C"
WASTEWATER = "EN: EN: WS: 4C"


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


def _found(store: Store, team: Team, year: int = 2024) -> list[Finding]:
    with store.transaction() as s:
        return findings(s, team.verifier, "Oslo", year, settings=Settings())


REPORTED = {(f"K{i}", f"k{i}"): 10.0 for i in range(8)}


@pytest.mark.parametrize(
    ("inputs", "kpis", "expected"),
    [
        pytest.param({"population": 700_000.0}, REPORTED, [], id="clean"),
        pytest.param(
            {"population": 760_000.0},
            REPORTED,
            [
                Finding(
                    FindingKind.DENOMINATOR_VARIES,
                    "population",
                    "Population 760000 differs by 8.6% from the city profile (700000); check "
                    "that both refer to the same year and area.",
                )
            ],
            id="population-vs-profile",
        ),
        pytest.param(
            {"population": 700_000.0},
            {**REPORTED, ("K8", "k8"): None, ("K9", "k9"): None, ("K10", "k10"): None},
            [
                Finding(
                    FindingKind.MANY_NOT_REPORTED,
                    "",
                    "3 of 11 KPIs (27%) are not reported, more than 20%; follow up with the "
                    "city (VM p32).",
                )
            ],
            id="coverage",
        ),
        pytest.param(
            {"population": 700_000.0, "households": -1.0},
            {**REPORTED, ("K1", "k1"): 120.0, ("EC: ICT: ICT: 2C", "fixed_broadband"): 130.0},
            [
                Finding(
                    FindingKind.OUT_OF_RANGE,
                    "households",
                    "households is negative (-1); none of these can be.",
                ),
                Finding(
                    FindingKind.OUT_OF_RANGE,
                    "k1",
                    "k1 is 120 %, above 100 %; check numerator and denominator.",
                ),
            ],
            id="ranges",
        ),
        pytest.param(
            {"population": 700_000.0},
            {
                **REPORTED,
                (MODE, "mode_car"): 60.0,
                (MODE, "mode_bus"): 30.0,
                (WASTE, "waste_landfill"): 50.0,
                (WASTE, "waste_recycled"): 51.0,
                (WASTEWATER, "wastewater_treatment_primary"): 80.0,
                (WASTEWATER, "wastewater_treatment_secondary"): 85.0,
                (WASTEWATER, "wastewater_treatment_tertiary"): 20.0,
            },
            [
                Finding(
                    FindingKind.SHARES_DO_NOT_SUM,
                    MODE,
                    f"The shares of {MODE} sum to 90 %, not 100 % (tolerance 2 points).",
                ),
                Finding(
                    FindingKind.WASTEWATER_NOT_NESTED,
                    WASTEWATER,
                    "Wastewater secondary treatment (85 %) exceeds primary treatment (80 %); "
                    "each level must nest in the one before.",
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
    expected: list[Finding],
) -> None:
    _load(store, team, 2024, inputs, kpis)
    assert _found(store, team) == expected


def test_a_denominator_jumping_from_last_year_is_a_finding(store: Store, team: Team) -> None:
    _load(store, team, 2023, {"households": 300_000.0}, REPORTED)
    _load(store, team, 2024, {"households": 330_000.0}, REPORTED)
    assert _found(store, team) == [
        Finding(
            FindingKind.DENOMINATOR_VARIES,
            "households",
            "Households 330000 differs by 10.0% from the previous year (300000); check the "
            "source and year of both.",
        )
    ]
