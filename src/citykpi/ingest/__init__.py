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

Limits, each refused with an issue naming the file (hostile files end there, never in a crash
or a hang): tables wider than a spreadsheet (16,384 columns, :data:`.tabular.MAX_COLUMNS`);
JSON files over 256 MiB or nested more than 32 deep (:mod:`.json_reader`); workbooks that
unpack to more than 512 MiB, declare a sheet beyond a spreadsheet's size, or hold more than
16 million cells (:mod:`.xlsx_limits`, checked before openpyxl parses anything). A year has at
most four digits; a number beyond a float stays text, for validation to report.
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
