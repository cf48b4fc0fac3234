"""The catalogue agrees with the reference table of the 91 U4SSC KPIs.

``data/u4ssc_kpis.csv`` is a copy of the project's reference table (one row per KPI, compiled
from the U4SSC Collection Methodology, Verification Manual and verification reports).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from citykpi.catalogue import load_catalogue
from citykpi.catalogue.schema import Kpi

_CSV = (Path(__file__).parent / "data" / "u4ssc_kpis.csv").read_text(encoding="utf-8")
ROWS = {r["code"]: r for r in csv.DictReader(io.StringIO(_CSV))}
DIRECTIONS = {"higher_better": "higher", "lower_better": "lower", "target_range": "target_range"}


def _kpi(code: str) -> Kpi:
    return load_catalogue().kpi(code)


def test_same_codes_in_the_same_order() -> None:
    assert [k.code for k in load_catalogue().kpis] == list(ROWS)


@pytest.mark.parametrize("code", list(ROWS))
def test_kpi_matches_its_reference_row(code: str) -> None:
    row, kpi = ROWS[code], _kpi(code)
    assert (kpi.name, kpi.dimension, kpi.sub_dimension, kpi.category, kpi.tier) == (
        row["name"],
        row["dimension"],
        row["sub_dimension"],
        row["category"],
        row["type"],
    )
    official = bool(row["numerator"]) and row["confidence"] == "high"
    assert kpi.provenance == ("official" if official else "derived")
    assert {dp.provenance for dp in kpi.data_points} == {kpi.provenance}
    if row["direction"] in DIRECTIONS:
        assert kpi.direction.value == DIRECTIONS[row["direction"]]
    published = re.findall(r"(?:^|; )(\d{1,2}\.[0-9a-z])\b", row["sdg_targets"])
    assert set(published) <= set(kpi.sdg_targets)


@pytest.mark.parametrize(
    ("kind", "codes"),
    [
        ("smart", ["EC: ICT: ICT: 1C", "EC: ICT: PS: 3A", "EC: I: B: 2A", "SC: EH: ED: 5A"]),
        ("structural", ["EC: P: IN: 3A", "SC: SH: HO: 1C", "SC: SH: SA: 9C"]),
        ("sustainable", ["EC: I: WS: 5C", "EN: EN: AQ: 2C", "SC: SH: FS: 1A"]),
    ],
)
def test_known_types(kind: str, codes: list[str]) -> None:
    assert {_kpi(c).type for c in codes} == {kind}


def test_types_only_where_confirmed() -> None:
    kinds = [k.type for k in load_catalogue().kpis]
    assert (kinds.count("smart"), kinds.count("structural"), kinds.count("sustainable")) == (
        15,
        14,
        10,
    )


def test_every_derived_kpi_says_so_in_its_notes() -> None:
    silent = [
        k.code
        for k in load_catalogue().kpis
        if k.provenance == "derived" and "derived by citykpi" not in k.notes
    ]
    assert silent == []


@pytest.mark.parametrize(
    ("dp_id", "direction"),
    [
        ("transportation_mode_share_private_vehicles", "lower"),
        ("transportation_mode_share_public_transport", "higher"),
        ("transportation_mode_share_walking", "higher"),
        ("transportation_mode_share_cycling", "higher"),
        ("transportation_mode_share_para_transport", "none"),
        ("solid_waste_treatment_landfill", "lower"),
        ("solid_waste_treatment_burnt", "lower"),
        ("solid_waste_treatment_incinerated", "none"),
        ("solid_waste_treatment_open_dump", "lower"),
        ("solid_waste_treatment_recycled", "higher"),
        ("solid_waste_treatment_other", "none"),
        ("tourism_sector_employment", "none"),
        ("police_service", "higher"),
        ("fire_service", "higher"),
    ],
)
def test_directions_decided_for_the_five_unknown_kpis(dp_id: str, direction: str) -> None:
    cat = load_catalogue()
    dp = cat.data_point(dp_id)
    assert dp.direction.value == direction
    assert dp.notes or cat.kpi_of(dp_id).notes, "a decided direction carries its rationale"


@pytest.mark.parametrize(
    ("substance_input", "gas"),
    [("no2_concentration", "NO2"), ("so2_concentration", "SO2"), ("o3_concentration", "O3")],
)
def test_gas_inputs_carry_their_substance(substance_input: str, gas: str) -> None:
    assert load_catalogue().inputs[substance_input].substance == gas


@pytest.mark.parametrize(
    "shared", ["population", "households", "labour_force", "city_gdp", "city_area"]
)
def test_shared_inputs_are_declared_once_on_the_general_sheet(shared: str) -> None:
    item = load_catalogue().inputs[shared]
    assert item.sheet == "General"
    assert len(item.feeds) >= 2
