"""What the assessment needs to know about each KPI data point, taken from the catalogue.

The assessment works on the KPI long table (:data:`citykpi.model.KPI_COLUMNS`); everything else
it needs (where a data point sits in the framework, which way is better, which SDG targets it
serves) comes from the catalogue through :class:`DataPointMeta`. Functions accept an explicit
``meta`` mapping so that they can run on hand-made frames; when it is omitted they build it
from the bundled catalogue with :func:`catalogue_meta`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from citykpi.model import Direction

if TYPE_CHECKING:
    from citykpi.catalogue import Catalogue


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


MetaMap = Mapping[str, DataPointMeta]


def meta_from_catalogue(catalogue: Catalogue) -> dict[str, DataPointMeta]:
    """Return the metadata of every data point of ``catalogue``, by data point id.

    Parameters
    ----------
    catalogue
        A loaded catalogue (see :func:`citykpi.catalogue.load_catalogue`).

    Returns
    -------
    dict of str to DataPointMeta
        One entry per data point, in catalogue order.
    """
    out: dict[str, DataPointMeta] = {}
    for kpi, dp in catalogue.iter_data_points():
        name = kpi.name if dp.name == kpi.name else f"{kpi.name} ({dp.name})"
        out[dp.id] = DataPointMeta(
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
    return out


@cache
def _bundled_meta() -> dict[str, DataPointMeta]:
    from citykpi.catalogue import load_catalogue

    return meta_from_catalogue(load_catalogue())


def catalogue_meta(meta: MetaMap | None = None) -> MetaMap:
    """Return ``meta`` if given, else the metadata of the bundled catalogue (cached)."""
    if meta is not None:
        return meta
    return _bundled_meta()


__all__ = ["DataPointMeta", "MetaMap", "catalogue_meta", "meta_from_catalogue"]
