"""One view of a catalogue for every stage: look-ups and derived facts, built once.

Ingest, validation, computation, the assessment, the sample generator and the store all ask
the same questions of the catalogue (is this code known, in which unit, is it a share, which
inputs are denominators, which data points sum to 100 or nest, where does a data point sit in
the framework). :class:`CatalogueIndex` answers them from tables built once per catalogue;
:func:`catalogue_index` returns the one index of a catalogue (the bundled one by default).

Modelling assumptions, each from the U4SSC verification manual (VM p32) or the KPI definitions:

* a value whose catalogue unit is a percentage is a share and lies in 0-100, except the data
  points the catalogue marks ``may_exceed_100`` (School Enrollment, which the verification
  manual (p118) says may exceed 100 %, and Fixed Broadband Subscriptions per household);
* a percentage data point whose formula is ``numerator / denominator * 100`` over two inputs in
  the same unit is a part of a whole (a :class:`Fraction`), so its numerator may not exceed its
  denominator;
* an input that is the denominator of some formula (population, households, ...) must be the
  same wherever it is given for one city and year;
* the data points of a KPI marked ``parts: sum_to_100`` are shares of one whole and sum to 100;
  the levels of a KPI marked ``parts: nested`` lie within one another as each data point's
  ``nests_in`` says (tertiary within secondary within primary wastewater treatment).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from citykpi.catalogue.codes import CodeError, CodeResolver, Resolved, normalise_code
from citykpi.catalogue.loader import Catalogue, load_catalogue
from citykpi.catalogue.schema import DataPoint, InputDef, Kpi
from citykpi.catalogue.units import is_percent
from citykpi.model import Direction


@dataclass(frozen=True, slots=True)
class Fraction:
    """A percentage data point of the form ``numerator / denominator * 100``."""

    data_point: str
    numerator: str
    denominator: str


@dataclass(frozen=True, slots=True)
class DataPointMeta:
    """Catalogue facts about one KPI data point that the assessment relies on."""

    data_point: str
    code: str
    name: str
    unit: str
    dimension: str
    sub_dimension: str
    category: str
    direction: Direction
    sdg_targets: tuple[str, ...] = ()


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


def _meta(kpi: Kpi, dp: DataPoint) -> DataPointMeta:
    name = kpi.name if dp.name == kpi.name else f"{kpi.name} ({dp.name})"
    return DataPointMeta(
        data_point=dp.id,
        code=kpi.code,
        name=name,
        unit=dp.unit,
        dimension=kpi.dimension,
        sub_dimension=kpi.sub_dimension,
        category=kpi.category,
        direction=Direction(dp.direction),
        sdg_targets=tuple(kpi.sdg_targets),
    )


class CatalogueIndex:
    """Look-up tables and derived facts over one catalogue; obtain it by :func:`catalogue_index`.

    Attributes
    ----------
    catalogue
        The catalogue indexed.
    inputs
        The raw-input registry, by input id.
    data_points
        Every data point, by id, in catalogue order.
    kpi_of
        The KPI of every data point, by data point id.
    denominators
        Input ids that are the denominator of some formula (population, households, ...).
    fractions
        The percentage data points that are a part over its whole.
    sum_to_100
        Codes of the KPIs marked ``parts: sum_to_100``.
    nested
        Codes of the KPIs marked ``parts: nested``.
    codes
        The tables that resolve codes written in files (:meth:`resolve`).
    """

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.inputs: Mapping[str, InputDef] = catalogue.inputs
        self.sum_to_100 = tuple(k.code for k in catalogue.kpis if k.parts == "sum_to_100")
        self.nested = tuple(k.code for k in catalogue.kpis if k.parts == "nested")
        points: dict[str, DataPoint] = {}
        kpi_of: dict[str, Kpi] = {}
        substance: dict[str, str | None] = {}
        metas: dict[str, DataPointMeta] = {}
        denominators: set[str] = set()
        fractions: list[Fraction] = []
        for kpi, dp in catalogue.iter_data_points():
            points[dp.id] = dp
            kpi_of[dp.id] = kpi
            metas[dp.id] = _meta(kpi, dp)
            gases = {self.inputs[i].substance for i in dp.inputs if i in self.inputs}
            substance[dp.id] = gases.pop() if len(gases) == 1 else None
            fraction = self._fraction(dp, denominators)
            if fraction is not None:
                fractions.append(fraction)
        self.data_points: Mapping[str, DataPoint] = MappingProxyType(points)
        self.kpi_of: Mapping[str, Kpi] = MappingProxyType(kpi_of)
        self.metas: Mapping[str, DataPointMeta] = MappingProxyType(metas)
        self._substance = substance
        self.denominators: frozenset[str] = frozenset(denominators)
        self.fractions: tuple[Fraction, ...] = tuple(fractions)
        self._groups: dict[str, tuple[DataPoint, ...]] = {
            normalise_code(k.code): k.data_points for k in catalogue.kpis
        }
        self.codes = CodeResolver(self.inputs, catalogue.kpis)

    def __repr__(self) -> str:
        return f"CatalogueIndex({self.catalogue!r})"

    def _fraction(self, dp: DataPoint, denominators: set[str]) -> Fraction | None:
        """Add ``dp``'s denominators to ``denominators``; return it as a Fraction if it is one."""
        if dp.function is not None:
            return None
        split = _top_division(dp.formula)
        if split is None:
            return None
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
            return Fraction(dp.id, above[0], below[0])
        return None

    # -- look-ups -------------------------------------------------------------------------------

    @property
    def version(self) -> str:
        """Return the catalogue version."""
        return self.catalogue.version

    def kpi(self, code_or_slug: str) -> Kpi:
        """Return the KPI with this official code (any spacing or case) or slug.

        Raises
        ------
        CatalogueError
            When no KPI matches; the message names the closest codes.
        """
        return self.catalogue.kpi(code_or_slug)

    def data_point(self, dp_id: str) -> DataPoint:
        """Return the data point ``dp_id``.

        Raises
        ------
        CatalogueError
            When no data point has that id; the message names the closest ids.
        """
        return self.catalogue.data_point(dp_id)

    def meta(self, dp_id: str) -> DataPointMeta:
        """Return the assessment's facts about data point ``dp_id`` (code, name, direction, ...).

        Raises
        ------
        CatalogueError
            When no data point has that id.
        """
        if dp_id not in self.metas:
            self.catalogue.data_point(dp_id)  # raises, naming the closest ids
        return self.metas[dp_id]

    def iter_data_points(self) -> Iterator[tuple[Kpi, DataPoint]]:
        """Yield every (KPI, data point) pair in catalogue order."""
        return self.catalogue.iter_data_points()

    def group(self, kpi_code: str) -> tuple[DataPoint, ...]:
        """Return the data points of the KPI ``kpi_code`` (empty if the catalogue lacks it)."""
        return self._groups.get(normalise_code(kpi_code), ())

    def nesting(self, kpi_code: str) -> tuple[tuple[str, str], ...]:
        """Return the ``(inner, outer)`` data point pairs of a nested KPI, as the YAML states.

        Each pair says that the inner level lies within the outer one (its value may not exceed
        the outer's); the pairs of a KPI that is not ``parts: nested`` are empty.
        """
        return tuple((dp.id, dp.nests_in) for dp in self.group(kpi_code) if dp.nests_in is not None)

    # -- facts per row --------------------------------------------------------------------------

    def unit_of(self, kind: str, code: str) -> str:
        """Return the catalogue unit of an input (``kind == "input"``) or a data point."""
        if kind == "input":
            return self.inputs[code].unit
        return self.data_points[code].unit

    def substance_of(self, kind: str, code: str) -> str | None:
        """Return the substance whose molar mass a ppm/ppb conversion of ``code`` needs."""
        if kind == "input":
            return self.inputs[code].substance
        return self._substance.get(code)

    def is_yes_no(self, kind: str, code: str) -> bool:
        """Return True for a yes/no input or a yes/no data point (1 = yes, 0 = no)."""
        if kind == "input":
            return self.inputs[code].kind == "boolean"
        return self.data_points[code].unit == "yes_no"

    def may_exceed_100(self, kind: str, code: str) -> bool:
        """Return True when a percentage above 100 is legitimate for ``code``."""
        return kind == "kpi" and self.data_points[code].may_exceed_100

    # -- codes ----------------------------------------------------------------------------------

    def resolve(self, code: str, *, data_point: str = "", kind: str = "") -> Resolved:
        """Return the raw-table kind and code for a code written in a file.

        See :meth:`citykpi.catalogue.codes.CodeResolver.resolve`.

        Raises
        ------
        CodeError
            When the code names a KPI with several data points and none (or a foreign one) is
            given.
        """
        return self.codes.resolve(code, data_point=data_point, kind=kind)


def catalogue_index(catalogue: Catalogue | CatalogueIndex | None = None) -> CatalogueIndex:
    """Return the index of ``catalogue``, built on first use and then kept with it.

    Parameters
    ----------
    catalogue
        A loaded catalogue, or its index (returned as is); None for the bundled catalogue.

    Returns
    -------
    CatalogueIndex
        The same object for every call with the same catalogue.
    """
    if isinstance(catalogue, CatalogueIndex):
        return catalogue
    cat = load_catalogue() if catalogue is None else catalogue
    found = cat.derived.get("index")
    if isinstance(found, CatalogueIndex):
        return found
    index = CatalogueIndex(cat)
    cat.derived["index"] = index
    return index


__all__ = [
    "CatalogueIndex",
    "CodeError",
    "DataPointMeta",
    "Fraction",
    "Resolved",
    "catalogue_index",
    "normalise_code",
]
