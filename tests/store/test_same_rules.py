"""One rule set: ``validate`` on a file and the store's findings on the same values agree.

The same submission (a negative count, a share above 100, mode shares that do not sum to 100,
wastewater levels that do not nest, most KPIs not reported, a population away from the city
profile and households away from last year) is validated from a CSV file with its context, and
imported into a real SQLite store whose findings are then read. Both report the same issues
(reason, code and message) for the rules both apply.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from storekit import Team, kpi_table, raw_table

from citykpi.catalogue import catalogue_index
from citykpi.ingest import read_files
from citykpi.model import KPI_COLUMNS, Issue
from citykpi.reasons import Reason
from citykpi.settings import Settings
from citykpi.store import Store
from citykpi.store.findings import findings
from citykpi.store.importer import import_tables
from citykpi.validate import RuleContext, validate

MODE = "EC: I: T: 4A"

#: The 2024 submission: raw inputs and KPI data points reported directly.
INPUTS = {"population": 760_000.0, "households": 330_000.0, "public_wifi_hotspots": -1.0}
REPORTED = {
    "household_internet_access": 120.0,
    "transportation_mode_share_private_vehicles": 60.0,
    "transportation_mode_share_public_transport": 30.0,
    "transportation_mode_share_walking": 0.0,
    "transportation_mode_share_cycling": 0.0,
    "transportation_mode_share_para_transport": 0.0,
    "wastewater_treatment_primary": 80.0,
    "wastewater_treatment_secondary": 85.0,
    "wastewater_treatment_tertiary": 20.0,
}
#: The context: the city profile (storekit's Oslo) and the 2023 submission.
PROFILE_POPULATION = 700_000.0
PREVIOUS = {"households": 300_000.0}

#: The (reason, code) of every issue both must report.
EXPECTED = {
    (Reason.DENOMINATOR_VARIES, "population"),  # 8.6 % from the profile
    (Reason.DENOMINATOR_VARIES, "households"),  # 10 % from 2023
    (Reason.NEGATIVE_COUNT, "public_wifi_hotspots"),
    (Reason.SHARE_OUT_OF_RANGE, "household_internet_access"),
    (Reason.SHARES_DO_NOT_SUM, MODE),
    (Reason.WASTEWATER_NOT_NESTED, "wastewater_treatment_secondary"),
    (Reason.TOO_MANY_NOT_REPORTED, ""),
}
#: The rules the store's findings apply (validation also checks the rows themselves).
SHARED = {
    Reason.DENOMINATOR_VARIES,
    Reason.TOO_MANY_NOT_REPORTED,
    Reason.NEGATIVE_COUNT,
    Reason.OUT_OF_BOUNDS,
    Reason.SHARE_OUT_OF_RANGE,
    Reason.NUMERATOR_ABOVE_DENOMINATOR,
    Reason.SHARES_DO_NOT_SUM,
    Reason.WASTEWATER_NOT_NESTED,
}


def _csv(tmp_path: Path) -> Path:
    lines = ["city,year,kind,code,value"]
    lines += [f"Oslo,2024,input,{code},{value:g}" for code, value in INPUTS.items()]
    lines += [f"Oslo,2024,kpi,{code},{value:g}" for code, value in REPORTED.items()]
    path = tmp_path / "oslo-2024.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _validated(path: Path) -> list[Issue]:
    read = read_files([path])
    assert read.issues == ()
    context = RuleContext(
        profile={"population": PROFILE_POPULATION}, previous=PREVIOUS, previous_year=2023
    )
    checked = validate(read.frame, settings=Settings(), contexts={("Oslo", 2024): context})
    return [i for i in checked.issues if i.reason in SHARED]


def _reported_table() -> pd.DataFrame:
    index = catalogue_index()
    table = kpi_table("Oslo", 2024, {(index.kpi_of[dp].code, dp): v for dp, v in REPORTED.items()})
    return table.assign(status="reported", unit="percent")[list(KPI_COLUMNS)]


def _found(store: Store, team: Team) -> list[Issue]:
    with store.transaction() as s:
        import_tables(
            s,
            team.editor,
            "Oslo",
            2023,
            raw_table("Oslo", 2023, PREVIOUS),
            kpi_table("Oslo", 2023, {}),
            file_name="oslo-2023.csv",
        )
        import_tables(
            s,
            team.editor,
            "Oslo",
            2024,
            raw_table("Oslo", 2024, INPUTS),
            _reported_table(),
            file_name="oslo-2024.csv",
        )
    with store.transaction() as s:
        return findings(s, team.verifier, "Oslo", 2024, settings=Settings())


def test_validate_and_the_store_findings_report_the_same_issues(
    tmp_path: Path, store: Store, team: Team
) -> None:
    validated = _validated(_csv(tmp_path))
    found = _found(store, team)
    assert {(i.reason, i.location.code) for i in validated} == EXPECTED
    assert {(i.reason, i.location.code) for i in found} == EXPECTED
    assert sorted((i.reason, i.location.code, i.message) for i in validated) == sorted(
        (i.reason, i.location.code, i.message) for i in found
    )


def test_an_import_is_validated_against_the_city_profile_and_the_previous_year(
    store: Store, team: Team
) -> None:
    # Oslo's profile says 700,000 inhabitants: an import giving half that is warned about on
    # import, as the verifier's findings warn about it, and so is a year that differs from
    # the previous stored one by half.
    from citykpi.store.importer import import_raw

    first = import_raw(
        store,
        team.editor,
        raw_table("Oslo", 2023, {"population": 350_000.0}),
        city="Oslo",
        year=2023,
        file_name="oslo-2023.csv",
    )
    varies = [w for w in first.warnings if w.reason is Reason.DENOMINATOR_VARIES]
    assert len(varies) == 1
    assert "700" in varies[0].message  # it names the profile's figure
    second = import_raw(
        store,
        team.editor,
        raw_table("Oslo", 2024, {"population": 700_000.0}),
        city="Oslo",
        year=2024,
        file_name="oslo-2024.csv",
    )
    varies = [w for w in second.warnings if w.reason is Reason.DENOMINATOR_VARIES]
    assert len(varies) == 1  # against 2023's 350,000; it matches the profile
    assert "previous year (350000)" in varies[0].message
