"""Open data: the published values as SDMX, NGSI-LD, a Frictionless data package, CSV and
Parquet, and the static open-data site (``citykpi export``, ``citykpi site build``).

Everything is written from one :class:`~citykpi.opendata.dataset.OpenData`, read from the
store by :func:`~citykpi.opendata.dataset.read_open_data` with the store's permission rules
(published values are public). Every format carries the licence, citation and publisher of
the ``CITYKPI_DATA_*`` settings (or the store's settings table), and the catalogue and target
set versions. See ``docs/opendata.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from citykpi.lazy import lazy_exports

if TYPE_CHECKING:
    from citykpi.opendata.dataset import OPEN_COLUMNS, OpenData, Release, read_open_data
    from citykpi.opendata.export import EXPORT_FORMATS, export_open_data
    from citykpi.opendata.site import SiteBuild, build_site

_EXPORTS = {
    "OPEN_COLUMNS": "citykpi.opendata.dataset",
    "OpenData": "citykpi.opendata.dataset",
    "Release": "citykpi.opendata.dataset",
    "read_open_data": "citykpi.opendata.dataset",
    "EXPORT_FORMATS": "citykpi.opendata.export",
    "export_open_data": "citykpi.opendata.export",
    "SiteBuild": "citykpi.opendata.site",
    "build_site": "citykpi.opendata.site",
}

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())

__all__ = [
    "EXPORT_FORMATS",
    "OPEN_COLUMNS",
    "OpenData",
    "Release",
    "SiteBuild",
    "build_site",
    "export_open_data",
    "read_open_data",
]
