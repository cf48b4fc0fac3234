"""Denominate: divide indicators by a unit attribute (population, area, GDP, ...).

As COINr's ``Denominate``: each indicator with a denominator is divided by that column of the unit
data; the others are left unchanged. A missing denominator gives a missing value; a zero
denominator is an error naming the unit and the denominator (dividing by zero has no meaning).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from citykpi.errors import IndexComputationError
from citykpi.index.records import FloatArray, StepOutput, StepRecord, as_float_array


def denominate(
    x: FloatArray,
    denominators: FloatArray,
    *,
    scale: float = 1.0,
    codes: Sequence[str] | None = None,
    units: Sequence[str] | None = None,
    denominator_names: Sequence[str | None] | None = None,
) -> StepOutput:
    """Divide each column of ``x`` by the matching column of ``denominators``.

    Parameters
    ----------
    x
        ``[units, indicators]`` data.
    denominators
        ``[units, indicators]`` divisors; a column of ones leaves an indicator unchanged.
    scale
        Multiplier applied after dividing (e.g. 1000 for "per 1,000 inhabitants").
    codes, units, denominator_names
        Indicator codes, unit codes and denominator names, for messages and the record.

    Returns
    -------
    StepOutput
        The denominated data and a record listing the denominated indicators.
    """
    arr = as_float_array(x)
    den = as_float_array(denominators, what="denominators")
    if den.shape != arr.shape:
        msg = f"Denominators have shape {den.shape} but the data has shape {arr.shape}."
        raise IndexComputationError(msg)
    zero = den == 0
    if zero.any():
        u, j = (int(v) for v in np.argwhere(zero)[0])
        unit = units[u] if units is not None else f"row {u + 1}"
        code = codes[j] if codes is not None else f"column {j + 1}"
        by = denominator_names[j] if denominator_names is not None else "its denominator"
        msg = (
            f"Cannot denominate {code!r} for unit {unit!r}: {by!r} is 0; correct the unit data "
            "or remove the Denominator of this indicator in iMeta."
        )
        raise IndexComputationError(msg)
    out = arr / den * scale
    changed = [
        (codes[j] if codes is not None else str(j))
        for j in range(arr.shape[1])
        if not np.all(den[:, j] == 1.0)
    ]
    record = StepRecord(
        "denominate",
        "divide",
        {"scale": scale},
        {
            "denominated": changed,
            "by": {
                (codes[j] if codes is not None else str(j)): denominator_names[j]
                for j in range(arr.shape[1])
                if denominator_names is not None and denominator_names[j] is not None
            },
        },
    )
    return StepOutput(out, record)


__all__ = ["denominate"]
