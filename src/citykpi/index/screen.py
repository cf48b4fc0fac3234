"""Screen units (and optionally indicators) by data availability, as COINr's ``Screen``.

For each unit, ``Dat_Avail`` is the share of indicators with a value and ``Non_Zero`` the share
of indicators with a non-zero value. With ``unit_screen = "byNA"`` a unit is kept when
``Dat_Avail >= dat_thresh``; ``"byNZ"`` keeps it when ``Non_Zero >= 1 - nonzero_thresh``;
``"byBoth"`` needs both; ``"none"`` keeps every unit. ``force_include`` / ``force_exclude``
override the rule for named units.
Indicators can be screened the same way (``indicator_thresh``: minimum share of units with a
value); the caller removes them from the hierarchy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal, NamedTuple

import numpy as np

from citykpi.errors import SpecError
from citykpi.index.records import BoolArray, Detail, FloatArray, StepRecord, as_float_array

#: Unit screening rules.
UNIT_SCREENS: Final[tuple[str, ...]] = ("byNA", "byNZ", "byBoth", "none")


class ScreenOutput(NamedTuple):
    """Screened data (kept rows and columns only), the record and the keep masks."""

    data: FloatArray
    record: StepRecord
    kept_units: BoolArray
    kept_indicators: BoolArray


def screen(
    x: FloatArray,
    *,
    dat_thresh: float = 0.66,
    unit_screen: Literal["byNA", "byNZ", "byBoth", "none"] = "byNA",
    nonzero_thresh: float = 0.05,
    indicator_thresh: float | None = None,
    force_include: Sequence[str] = (),
    force_exclude: Sequence[str] = (),
    units: Sequence[str] | None = None,
    codes: Sequence[str] | None = None,
) -> ScreenOutput:
    """Remove units (rows) and optionally indicators (columns) with too little data.

    Parameters
    ----------
    x
        ``[units, indicators]`` data.
    dat_thresh
        Minimum share of available indicators for a unit to be kept.
    unit_screen
        {"byNA", "byNZ", "byBoth", "none"}, see the module docstring.
    nonzero_thresh
        For "byNZ"/"byBoth": a unit is dropped when its non-zero share is below
        ``1 - nonzero_thresh``.
    indicator_thresh
        Minimum share of units with a value for an indicator to be kept (``None``: keep all).
    force_include, force_exclude
        Unit codes always kept / always removed.
    units, codes
        Unit and indicator codes (needed for ``force_*``, used in the record).

    Returns
    -------
    ScreenOutput
        ``(data, record, kept_units, kept_indicators)``.
    """
    if unit_screen not in UNIT_SCREENS:
        msg = f"Unknown unit_screen {unit_screen!r}; allowed: {', '.join(UNIT_SCREENS)}."
        raise SpecError(msg)
    arr = as_float_array(x)
    n_units, n_ind = arr.shape
    unit_names = list(units) if units is not None else [str(i + 1) for i in range(n_units)]
    ind_names = list(codes) if codes is not None else [str(j + 1) for j in range(n_ind)]
    unknown = sorted((set(force_include) | set(force_exclude)) - set(unit_names))
    if unknown:
        msg = f"Screening names unknown units {unknown!r}; use unit codes (uCode)."
        raise SpecError(msg)
    present = ~np.isnan(arr)
    dat_avail = present.sum(axis=1) / n_ind
    non_zero = (present & (arr != 0)).sum(axis=1) / n_ind
    low_data = dat_avail < dat_thresh
    low_nz = non_zero < (1.0 - nonzero_thresh)
    if unit_screen == "byNA":
        flag = low_data
    elif unit_screen == "byNZ":
        flag = low_nz
    elif unit_screen == "byBoth":
        flag = low_data | low_nz
    else:
        flag = np.zeros(n_units, dtype=bool)
    keep_u = ~flag
    for u in force_include:
        keep_u[unit_names.index(u)] = True
    for u in force_exclude:
        keep_u[unit_names.index(u)] = False
    keep_i = np.ones(n_ind, dtype=bool)
    if indicator_thresh is not None:
        share = present[keep_u].sum(axis=0) / max(int(keep_u.sum()), 1)
        keep_i = share >= indicator_thresh
    out = arr[keep_u][:, keep_i]
    summary: list[Detail] = [
        {
            "unit": unit_names[i],
            "dat_avail": float(dat_avail[i]),
            "non_zero": float(non_zero[i]),
            "included": bool(keep_u[i]),
        }
        for i in range(n_units)
    ]
    record = StepRecord(
        "screen",
        unit_screen,
        {
            "dat_thresh": dat_thresh,
            "nonzero_thresh": nonzero_thresh,
            "indicator_thresh": indicator_thresh,
        },
        {
            "removed_units": [unit_names[i] for i in range(n_units) if not keep_u[i]],
            "removed_indicators": [ind_names[j] for j in range(n_ind) if not keep_i[j]],
            "units": summary,
        },
    )
    return ScreenOutput(out, record, keep_u, keep_i)


__all__ = ["UNIT_SCREENS", "ScreenOutput", "screen"]
