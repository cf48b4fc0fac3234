"""What a code in a file stands for: input, data point, KPI code or slug."""

from __future__ import annotations

import pytest

from citykpi.catalogue import Catalogue, catalogue_index
from citykpi.catalogue.codes import CodeError, Resolved


@pytest.mark.parametrize(
    ("code", "data_point", "kind", "expected"),
    [
        ("population", "", "", Resolved("input", "population")),
        (" Households With Internet ", "", "", Resolved("input", "households_with_internet")),
        ("household_internet_access", "", "", Resolved("kpi", "household_internet_access")),
        ("EC:ICT:ICT:1C", "", "", Resolved("kpi", "household_internet_access")),
        ("ec: ict: ict: 1c", "", "", Resolved("kpi", "household_internet_access")),
        ("EN:EN:AQ:1C", "air_pollution_pm10", "", Resolved("kpi", "air_pollution_pm10")),
        ("air_pollution", "Air_Pollution_PM25", "", Resolved("kpi", "air_pollution_pm25")),
        ("air_pollution_pm25", "", "", Resolved("kpi", "air_pollution_pm25")),
        ("no_such_input", "", "", Resolved("input", "no_such_input")),
        ("XX: YY: ZZ: 9C", "", "", Resolved("kpi", "XX: YY: ZZ: 9C")),
        ("population", "", "KPI", Resolved("kpi", "population")),
        ("population", "", "measured", Resolved("measured", "population")),
    ],
)
def test_resolve(
    catalogue: Catalogue, code: str, data_point: str, kind: str, expected: Resolved
) -> None:
    assert catalogue_index(catalogue).resolve(code, data_point=data_point, kind=kind) == expected


@pytest.mark.parametrize(
    ("code", "data_point", "reason", "match"),
    [
        (
            "EN: EN: AQ: 1C",
            "",
            "ambiguous_kpi_code",
            r"names KPI 'EN: EN: AQ: 1C', which has 2 data points; add a data_point column naming "
            r"one of 'air_pollution_pm25', 'air_pollution_pm10'",
        ),
        (
            "EN: EN: AQ: 1C",
            "household_internet_access",
            "unknown_data_point",
            r"Data point 'household_internet_access' does not belong to KPI 'EN: EN: AQ: 1C'",
        ),
    ],
)
def test_resolve_refuses_a_kpi_code_without_its_data_point(
    catalogue: Catalogue, code: str, data_point: str, reason: str, match: str
) -> None:
    with pytest.raises(CodeError, match=match) as caught:
        catalogue_index(catalogue).resolve(code, data_point=data_point)
    assert caught.value.reason == reason
