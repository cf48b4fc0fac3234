"""Readers of raw inputs (CSV, XLSX, JSON, the data-collection template) into one long table.

:func:`read_files` returns an :class:`IngestResult`: the raw table of
:data:`citykpi.model.RAW_COLUMNS` and the structural issues found (reason codes in
:class:`citykpi.reasons.Reason`). Ids are normalised here, once (:func:`normalise_code`);
values keep their raw text next to the parsed float. The XLSX workbook a city fills in is built
by :mod:`citykpi.ingest.template` (written by :func:`citykpi.io.write_template`), and
:func:`read_files` reads it back without loss.

Formats, by extension:

``.csv``
    Long layout (one row per value: ``city, year, code, value`` and optional ``unit, source,
    quality, kind, data_point``) or wide layout (one row per city and year, one column per
    code). Delimiter ``,``, ``;`` or tab; UTF-8.
``.xlsx``
    The data-collection template, or any workbook whose sheets use the long or wide layout.
``.json``
    An array of long-layout records, or ``{"city": .., "year": .., "values": [records]}``.

``code`` may be an input id, a data point id (a KPI result reported directly), an official KPI
code in any spacing (``"EC:ICT:ICT:1C"``) with a ``data_point`` column, or alone when the KPI
has one data point.
"""

from citykpi.catalogue import normalise_code
from citykpi.ingest.readers import read_file, read_files
from citykpi.ingest.table import IngestResult
from citykpi.ingest.values import normalise_quality, parse_value

__all__ = [
    "IngestResult",
    "normalise_code",
    "normalise_quality",
    "parse_value",
    "read_file",
    "read_files",
]
