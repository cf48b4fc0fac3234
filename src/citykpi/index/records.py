"""The log record every index step returns, and the array type the steps work on.

Each step of the engine is a pure function: it takes a ``units x indicators`` float64 array
(``NaN`` for a missing value) and returns a :class:`StepOutput`, the new array together with a
:class:`StepRecord` saying what it did. Records are plain data (JSON-serialisable through
:meth:`StepRecord.as_dict`) so that ``citykpi index build`` can write them to ``log.json``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, TypeAlias

import numpy as np
from numpy.typing import NDArray

#: A float64 array; data arrays are ``[..., units, indicators]`` with ``NaN`` for missing.
FloatArray: TypeAlias = NDArray[np.float64]
#: A boolean array (masks of kept units or indicators).
BoolArray: TypeAlias = NDArray[np.bool_]

#: Values a record may hold: JSON-like scalars, sequences and mappings of them.
Detail: TypeAlias = str | int | float | bool | Sequence["Detail"] | Mapping[str, "Detail"] | None


@dataclass(frozen=True, slots=True)
class StepRecord:
    """What one step did: its name, method, parameters, details and warnings.

    Attributes
    ----------
    step
        Step name, e.g. ``"normalise"``.
    method
        Method used within the step, e.g. ``"minmax"``.
    params
        Parameters the step ran with (after defaults were applied).
    details
        What happened, e.g. the number of imputed cells per indicator.
    warnings
        Full sentences about anything the user should look at (never silent).
    """

    step: str
    method: str
    params: Mapping[str, Detail] = field(default_factory=dict)
    details: Mapping[str, Detail] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Detail]:
        """Return the record as a JSON-serialisable dictionary (``NaN`` becomes ``None``)."""
        return {
            "step": self.step,
            "method": self.method,
            "params": _clean(self.params),
            "details": _clean(self.details),
            "warnings": list(self.warnings),
        }


class StepOutput(NamedTuple):
    """The result of a step: the new data array and the record of what was done."""

    data: FloatArray
    record: StepRecord


def _clean(value: Detail) -> Detail:
    if isinstance(value, float):
        return json_float(value)
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, str):
        return value
    if isinstance(value, Sequence):
        return [_clean(v) for v in value]
    return value


def as_float_array(x: object, *, what: str = "data") -> FloatArray:
    """Return ``x`` as a float64 array (a copy), refusing objects that are not numeric."""
    from citykpi.errors import IndexComputationError

    try:
        arr = np.array(x, dtype=np.float64)
    except (TypeError, ValueError) as e:
        msg = f"The {what} must be numeric (float64 with NaN for missing); got {type(x).__name__}."
        raise IndexComputationError(msg) from e
    return arr


def float_list(values: FloatArray) -> list[float | None]:
    """Return a 1-D array as a list with ``None`` for ``NaN`` (for records and JSON)."""
    return [None if math.isnan(v) else float(v) for v in np.asarray(values, dtype=float).ravel()]


def json_float(value: float) -> float | str | None:
    """Return ``value`` in a form JSON can hold; :func:`float_from_json` reads it back.

    ``NaN`` becomes ``None`` and the infinities ``"inf"`` and ``"-inf"``; a finite number is
    returned as it is.
    """
    if math.isnan(value):
        return None
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def float_from_json(value: object, *, default: float = math.nan, what: str) -> float:
    """Return a number written by :func:`json_float`; ``None`` gives ``default``.

    Parameters
    ----------
    value
        The saved value.
    default
        The number a ``None`` stands for.
    what
        What was saved, for the error message (e.g. ``"normalisation parameters"``).

    Raises
    ------
    SpecError
        If ``value`` is neither ``None``, a number nor a number's text.
    """
    from citykpi.errors import SpecError

    if value is None:
        return default
    if isinstance(value, str | int | float):
        return float(value)
    msg = f"Invalid number {value!r} in saved {what}."
    raise SpecError(msg)


__all__ = [
    "BoolArray",
    "Detail",
    "FloatArray",
    "StepOutput",
    "StepRecord",
    "as_float_array",
    "float_from_json",
    "float_list",
    "json_float",
]
