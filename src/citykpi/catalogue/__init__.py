"""The U4SSC KPI catalogue as data: YAML files, their schema, the loader and its checks.

>>> cat = load_catalogue()
>>> cat.kpi("EC: ICT: ICT: 1C").name
'Household Internet Access'
>>> evaluate(cat.data_point("household_internet_access"),
...          {"households_with_internet": 450.0, "households": 1000.0})
45.0
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from citykpi.errors import FormulaError
from citykpi.lazy import lazy_exports

if TYPE_CHECKING:
    from citykpi.catalogue import units
    from citykpi.catalogue.codes import normalise_code
    from citykpi.catalogue.formula import Formula, parse_formula
    from citykpi.catalogue.functions import FUNCTIONS
    from citykpi.catalogue.index import CatalogueIndex, DataPointMeta, catalogue_index
    from citykpi.catalogue.loader import DATA_DIR, Catalogue, load_catalogue
    from citykpi.catalogue.schema import DataPoint, InputDef, Kpi

#: Public name -> the module that defines it, imported on first use (:pep:`562`): the store
#: normalises codes with :func:`normalise_code` without loading pint, YAML and the loader.
_EXPORTS: dict[str, str] = {
    "DATA_DIR": "citykpi.catalogue.loader",
    "FUNCTIONS": "citykpi.catalogue.functions",
    "Catalogue": "citykpi.catalogue.loader",
    "CatalogueIndex": "citykpi.catalogue.index",
    "DataPoint": "citykpi.catalogue.schema",
    "DataPointMeta": "citykpi.catalogue.index",
    "Formula": "citykpi.catalogue.formula",
    "InputDef": "citykpi.catalogue.schema",
    "Kpi": "citykpi.catalogue.schema",
    "catalogue_index": "citykpi.catalogue.index",
    "load_catalogue": "citykpi.catalogue.loader",
    "normalise_code": "citykpi.catalogue.codes",
    "parse_formula": "citykpi.catalogue.formula",
}


__getattr__, __dir__ = lazy_exports(
    __name__, {**_EXPORTS, "units": "citykpi.catalogue.units"}, globals()
)


def evaluate(dp: DataPoint, values: Mapping[str, float]) -> float:
    """Return the value of data point ``dp`` from input values in catalogue units.

    Parameters
    ----------
    dp
        A data point of the catalogue.
    values
        Input values by input id, in the units of the inputs registry; extra keys are ignored.

    Returns
    -------
    float
        The value in ``dp.unit``.

    Raises
    ------
    FormulaError
        With a sentence naming the data point, when an input is missing or NaN, a denominator
        is zero, or a yes/no input is neither 0 nor 1.
    """
    from citykpi.catalogue.formula import evaluate_formula

    try:
        return evaluate_formula(dp.formula, values)
    except FormulaError as e:
        msg = f"Data point {dp.id!r}: {e}"
        raise FormulaError(msg) from e


__all__ = [
    "DATA_DIR",
    "FUNCTIONS",
    "Catalogue",
    "CatalogueIndex",
    "DataPoint",
    "DataPointMeta",
    "Formula",
    "InputDef",
    "Kpi",
    "catalogue_index",
    "evaluate",
    "load_catalogue",
    "normalise_code",
    "parse_formula",
    "units",
]
