"""What the assessment needs to know about each KPI data point, taken from the catalogue index.

The assessment works on the KPI long table (:data:`citykpi.model.KPI_COLUMNS`); everything else
it needs (where a data point sits in the framework, which way is better, which SDG targets it
serves) comes from the catalogue as :class:`~citykpi.catalogue.DataPointMeta`, held by the one
catalogue index (:meth:`citykpi.catalogue.CatalogueIndex.meta`). Functions accept an explicit
``meta`` mapping so that they can run on hand-made frames; when it is omitted they use the
bundled catalogue's, through :func:`catalogue_meta`.
"""

from __future__ import annotations

from collections.abc import Mapping

from citykpi.catalogue import Catalogue, DataPointMeta, catalogue_index

#: Data point metadata by data point id, as the assessment functions accept it.
MetaMap = Mapping[str, DataPointMeta]


def meta_from_catalogue(catalogue: Catalogue) -> MetaMap:
    """Return the metadata of every data point of ``catalogue``, by data point id.

    Parameters
    ----------
    catalogue
        A loaded catalogue (see :func:`citykpi.catalogue.load_catalogue`).

    Returns
    -------
    Mapping of str to DataPointMeta
        One entry per data point, in catalogue order (read-only; from the catalogue's index).
    """
    return catalogue_index(catalogue).metas


def catalogue_meta(meta: MetaMap | None = None) -> MetaMap:
    """Return ``meta`` if given, else the metadata of the bundled catalogue (cached)."""
    if meta is not None:
        return meta
    return catalogue_index().metas


__all__ = ["DataPointMeta", "MetaMap", "catalogue_meta", "meta_from_catalogue"]
