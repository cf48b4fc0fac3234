"""The bundled catalogue holds the complete U4SSC framework (U4SSC.md section 1.2)."""

from __future__ import annotations

from collections import Counter

import pytest

from citykpi.catalogue import load_catalogue
from citykpi.model import Direction


def test_catalogue_has_91_kpis_and_112_data_points() -> None:
    cat = load_catalogue()
    assert len(cat.kpis) == 91
    assert len(list(cat.iter_data_points())) == 112


@pytest.mark.parametrize(
    ("dimension", "total", "core", "advanced"),
    [
        ("Economy", 45, 24, 21),
        ("Environment", 17, 12, 5),
        ("Society and Culture", 29, 19, 10),
    ],
)
def test_counts_per_dimension_match_the_reference(
    dimension: str, total: int, core: int, advanced: int
) -> None:
    kpis = [k for k in load_catalogue().kpis if k.dimension == dimension]
    tiers = Counter(k.tier for k in kpis)
    assert (len(kpis), tiers["core"], tiers["advanced"]) == (total, core, advanced)


def test_core_and_advanced_totals() -> None:
    assert Counter(k.tier for k in load_catalogue().kpis) == {"core": 55, "advanced": 36}


def test_the_26_high_confidence_kpis_are_the_only_official_ones() -> None:
    official = [k.code for k in load_catalogue().kpis if k.provenance == "official"]
    assert len(official) == 26
    assert "EC: ICT: ES: 2A" not in official  # numerator seen, denominator not: derived


def test_bundled_catalogue_is_cached() -> None:
    assert load_catalogue() is load_catalogue()


def test_unknown_directions_are_decided_with_a_rationale() -> None:
    cat = load_catalogue()
    assert cat.data_point("transportation_mode_share_private_vehicles").direction is Direction.LOWER
    assert cat.data_point("transportation_mode_share_cycling").direction is Direction.HIGHER
    assert cat.data_point("solid_waste_treatment_recycled").direction is Direction.HIGHER
    assert cat.data_point("solid_waste_treatment_open_dump").direction is Direction.LOWER
    for code in ("EC: P: EM: 3A", "SC: SH: SA: 6C", "SC: SH: SA: 7C"):
        assert "Direction" in cat.kpi(code).notes
