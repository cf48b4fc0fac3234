"""The facts about the catalogue that the validation rules need, looked up once.

The rules ask the same questions for every row (is this code known, in which unit, is it a
count or a share, which substance for a ppm conversion), so :class:`CatalogueView` answers them
from dictionaries built once per :func:`~citykpi.validate.validate` call.

Modelling assumptions, each from the U4SSC verification manual (VM p32) or the KPI definitions:

* a value whose catalogue unit is a percentage is a share and lies in 0-100, except the data
  points the catalogue marks ``may_exceed_100`` (School Enrollment, which the verification
  manual (p118) says may exceed 100 %, and Fixed Broadband Subscriptions per household);
* a percentage data point whose formula is ``numerator / denominator * 100`` over two inputs in
  the same unit is a part of a whole, so its numerator may not exceed its denominator;
* an input that is the denominator of some formula (population, households, ...) must be the
  same wherever it is given for one city and year;
* the data points of a KPI marked ``parts: sum_to_100`` in the catalogue (Transportation Mode
  Share, Solid Waste Treatment) are shares of one whole and sum to 100; the levels of a KPI
  marked ``parts: nested`` (Wastewater Treatment) nest (tertiary within secondary within
  primary), identified by the words primary/secondary/tertiary in their ids.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Final

from citykpi.catalogue import Catalogue, DataPoint, InputDef, Kpi
from citykpi.catalogue.units import is_percent

#: The levels of a nested KPI (Wastewater Treatment), found by these words in data point ids.
WASTEWATER_LEVELS: Final = ("primary", "secondary", "tertiary")


@dataclass(frozen=True, slots=True)
class Fraction:
    """A percentage data point of the form ``numerator / denominator * 100``."""

    data_point: str
    numerator: str
    denominator: str


def _names(node: ast.AST) -> list[str]:
    return [n.id for n in ast.walk(node) if isinstance(n, ast.Name)]


def _top_division(formula: str) -> tuple[list[str], list[str]] | None:
    """Return the input names above and below the outermost division of ``formula``.

    Only parses (never evaluates) the expression; formulas that are not Python-like arithmetic
    are skipped by returning None.
    """
    try:
        tree = ast.parse(formula, mode="eval")
    except (SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return _names(node.left), _names(node.right)
    return None


@dataclass(slots=True)
class CatalogueView:
    """Lookup tables over one catalogue for the validation rules."""

    catalogue: Catalogue
    inputs: dict[str, InputDef] = field(init=False)
    data_points: dict[str, DataPoint] = field(init=False)
    kpi_of: dict[str, Kpi] = field(init=False)
    substance_of_dp: dict[str, str | None] = field(init=False)
    denominators: frozenset[str] = field(init=False)
    fractions: tuple[Fraction, ...] = field(init=False)
    sum_to_100: tuple[str, ...] = field(init=False)  # KPI codes with parts: sum_to_100
    nested: tuple[str, ...] = field(init=False)  # KPI codes with parts: nested

    def __post_init__(self) -> None:
        cat = self.catalogue
        self.sum_to_100 = tuple(k.code for k in cat.kpis if k.parts == "sum_to_100")
        self.nested = tuple(k.code for k in cat.kpis if k.parts == "nested")
        self.inputs = dict(cat.inputs)
        self.data_points = {}
        self.kpi_of = {}
        self.substance_of_dp = {}
        denominators: set[str] = set()
        fractions: list[Fraction] = []
        for kpi, dp in cat.iter_data_points():
            self.data_points[dp.id] = dp
            self.kpi_of[dp.id] = kpi
            substances = {self.inputs[i].substance for i in dp.inputs if i in self.inputs}
            self.substance_of_dp[dp.id] = substances.pop() if len(substances) == 1 else None
            if dp.function is not None:
                continue
            split = _top_division(dp.formula)
            if split is None:
                continue
            above, below = split
            denominators.update(n for n in below if n in self.inputs)
            if (
                is_percent(dp.unit)
                and not dp.may_exceed_100
                and len(above) == 1
                and len(below) == 1
                and above[0] in self.inputs
                and below[0] in self.inputs
                and self.inputs[above[0]].unit == self.inputs[below[0]].unit
            ):
                fractions.append(Fraction(dp.id, above[0], below[0]))
        self.denominators = frozenset(denominators)
        self.fractions = tuple(fractions)

    def unit_of(self, kind: str, code: str) -> str:
        """Return the catalogue unit of an input (``kind == "input"``) or a data point."""
        if kind == "input":
            return self.inputs[code].unit
        return self.data_points[code].unit

    def substance_of(self, kind: str, code: str) -> str | None:
        """Return the substance whose molar mass a ppm/ppb conversion of ``code`` needs."""
        if kind == "input":
            return self.inputs[code].substance
        return self.substance_of_dp.get(code)

    def is_yes_no(self, kind: str, code: str) -> bool:
        """Return True for a yes/no input or a yes/no data point (1 = yes, 0 = no)."""
        if kind == "input":
            return self.inputs[code].kind == "boolean"
        return self.data_points[code].unit == "yes_no"

    def may_exceed_100(self, kind: str, code: str) -> bool:
        """Return True when a percentage above 100 is legitimate for ``code``."""
        return kind == "kpi" and self.data_points[code].may_exceed_100

    def group(self, kpi_code: str) -> tuple[DataPoint, ...]:
        """Return the data points of the KPI ``kpi_code`` (empty if the catalogue lacks it)."""
        return tuple(
            dp for dp_id, dp in self.data_points.items() if self.kpi_of[dp_id].code == kpi_code
        )


__all__ = [
    "WASTEWATER_LEVELS",
    "CatalogueView",
    "Fraction",
]
