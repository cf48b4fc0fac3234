"""Hand-made metadata and KPI frames for the assessment tests (no catalogue needed).

Imported by name (``from _hand_made import META``): pytest puts this folder on ``sys.path``.
"""

from __future__ import annotations

import pandas as pd

from citykpi.assess.meta import DataPointMeta
from citykpi.model import Direction


def _m(
    dp: str,
    code: str,
    category: str,
    sub: str,
    dim: str,
    direction: Direction,
    sdg: tuple[str, ...],
    unit: str = "percent",
) -> DataPointMeta:
    return DataPointMeta(
        data_point=dp,
        code=code,
        name=dp.replace("_", " "),
        unit=unit,
        dimension=dim,
        sub_dimension=sub,
        category=category,
        direction=direction,
        sdg_targets=sdg,
    )


UG = "ug/m**3"
META = {
    m.data_point: m
    for m in (
        _m("literacy", "SC: EH: ED: 4C", "Education", "EHC", "Society", Direction.HIGHER, ("4.6",)),
        _m("enrol", "SC: EH: ED: 2C", "Education", "EHC", "Society", Direction.HIGHER, ("4.1",)),
        _m("ict", "SC: EH: ED: 1C", "Education", "EHC", "Society", Direction.HIGHER, ("4.a",)),
        _m("degrees", "SC: EH: ED: 3C", "Education", "EHC", "Society", Direction.HIGHER, ()),
        _m("beds", "SC: EH: H: 4A", "Health", "EHC", "Society", Direction.HIGHER, ("3.8",)),
        _m(
            "pm25",
            "EN: EN: AQ: 1C",
            "Air Quality",
            "Env",
            "Environment",
            Direction.LOWER,
            ("11.6",),
            UG,
        ),
        _m(
            "pm10",
            "EN: EN: AQ: 1C",
            "Air Quality",
            "Env",
            "Environment",
            Direction.LOWER,
            ("11.6", "3.9"),
            UG,
        ),
        _m(
            "gender",
            "SC: SH: SI: 1C",
            "Social Inclusion",
            "SH",
            "Society",
            Direction.TARGET_RANGE,
            ("5.1",),
        ),
        _m(
            "wifi", "EC: ICT: ICT: 5C", "ICT Infrastructure", "ICT", "Economy", Direction.HIGHER, ()
        ),
        _m("tourism", "EC: P: EM: 3A", "Employment", "Productivity", "Economy", Direction.NONE, ()),
        _m("compact", "EC: I: UP: 2A", "Planning", "I", "Economy", Direction.HIGHER, (), "yes_no"),
    )
}


def kpi_frame(rows: list[tuple[str, int, str, float]]) -> pd.DataFrame:
    """Build a KPI long table from ``(city, year, data_point, value)`` tuples."""
    return pd.DataFrame(
        [
            {
                "city": c,
                "year": y,
                "code": META[dp].code,
                "data_point": dp,
                "value": v,
                "unit": "%",
                "status": "computed" if v == v else "not_reported",
                "reason": "",
                "provenance": "{}",
                "quality": "",
            }
            for c, y, dp, v in rows
        ]
    )
