"""The registry of the few catalogue formulas that are not plain arithmetic.

A formula may call a function of this registry by name, e.g.
``share_of_total(trips_walking, trips_private_vehicles, trips_walking, ...)``. Each function
evaluates floats (the value used by :mod:`citykpi.compute`) and pint quantities (used once, at
load time, to check that the formula's unit reduces to the declared unit). A test checks that
the catalogue uses every registered function and nothing else.

Modelling assumptions
---------------------
* **Yes/no aspects** (Urban Development and Spatial Planning, Resilience Plans) are inputs of
  kind ``boolean`` holding 1.0 for yes and 0.0 for no; ``yes_no`` passes them through after
  checking they are exactly 0 or 1, so a data point's value is 1 (yes) or 0 (no).
* **Shares that must sum to 100** (transportation mode share, solid waste treatment) are
  computed from amounts, each as a percentage of the *sum of all components*, so computed
  shares sum to exactly 100 by construction. Shares reported directly as KPI results are
  checked against the 100 +- 2 rule by :mod:`citykpi.validate`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from citykpi.catalogue.units import Quantity, registry
from citykpi.errors import FormulaError


@dataclass(frozen=True, slots=True)
class FormulaFunction:
    """One non-arithmetic function a formula may call.

    Attributes
    ----------
    name
        Name used in formulas.
    summary
        One sentence for the KPI reference.
    min_args, max_args
        Number of arguments accepted (``max_args`` None: unbounded).
    evaluate
        Function of the argument values (floats in catalogue units) returning the result.
    quantity
        The same computation over pint quantities, used to check units at load time.
    """

    name: str
    summary: str
    min_args: int
    max_args: int | None
    evaluate: Callable[[Sequence[float]], float]
    quantity: Callable[[Sequence[Quantity]], Quantity]


def _yes_no(args: Sequence[float]) -> float:
    (value,) = args
    if value not in (0.0, 1.0):
        msg = f"A yes/no input must be 1 (yes) or 0 (no), not {value!r}; answer yes or no."
        raise FormulaError(msg)
    return float(value)


def _yes_no_quantity(args: Sequence[Quantity]) -> Quantity:
    (value,) = args
    if not value.dimensionless:
        msg = f"yes_no() needs a yes/no input, but got a value in {value.units!s}."
        raise FormulaError(msg)
    return registry().Quantity(float(value.to("dimensionless").magnitude), "yes_no")


def _share_of_total(args: Sequence[float]) -> float:
    part, components = args[0], args[1:]
    negative = [c for c in components if c < 0]
    if negative or part < 0:
        msg = (
            f"Amounts of a share cannot be negative, but got {negative or [part]!r}; "
            "correct the amounts."
        )
        raise FormulaError(msg)
    total = math.fsum(components)
    if total == 0:
        msg = (
            "Division by zero: the components of the share sum to 0, so no share can be "
            "computed; report at least one non-zero amount."
        )
        raise FormulaError(msg)
    if part > total:
        msg = f"The part {part!r} exceeds the sum of all components {total!r}."
        raise FormulaError(msg)
    return part / total * 100.0


def _share_of_total_quantity(args: Sequence[Quantity]) -> Quantity:
    first = args[0]
    for q in args[1:]:
        if q.units != first.units:
            msg = (
                f"share_of_total() needs all components in the same unit, but got "
                f"{first.units!s} and {q.units!s}; declare the inputs in one unit."
            )
            raise FormulaError(msg)
    value = _share_of_total([float(a.magnitude) for a in args])
    return registry().Quantity(value, "percent")


_FUNCTIONS: Final[dict[str, FormulaFunction]] = {
    f.name: f
    for f in (
        FormulaFunction(
            name="yes_no",
            summary="A yes/no answer: 1 for yes, 0 for no.",
            min_args=1,
            max_args=1,
            evaluate=_yes_no,
            quantity=_yes_no_quantity,
        ),
        FormulaFunction(
            name="share_of_total",
            summary=(
                "The first argument as a percentage of the sum of the others (all components "
                "of the total), so shares computed this way sum to 100."
            ),
            min_args=3,
            max_args=None,
            evaluate=_share_of_total,
            quantity=_share_of_total_quantity,
        ),
    )
}

#: Every registered function, by name.
FUNCTIONS: Final = MappingProxyType(_FUNCTIONS)


def get_function(name: str) -> FormulaFunction:
    """Return the registered function ``name``.

    Raises
    ------
    FormulaError
        When no function of that name is registered.
    """
    try:
        return FUNCTIONS[name]
    except KeyError:
        msg = (
            f"Unknown function {name!r} in a formula; the functions available are "
            f"{sorted(FUNCTIONS)}."
        )
        raise FormulaError(msg) from None


__all__ = ["FUNCTIONS", "FormulaFunction", "get_function"]
