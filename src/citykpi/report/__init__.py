"""City reports: the U4SSC verification report, city snapshot, factsheet and certificate.

Read the values (:func:`read_store_inputs` for the published values of the store, or its
current values for a draft; :func:`read_file_inputs` for a KPI table file), arrange the
documents (:func:`build_documents`, the table assessed once by :mod:`citykpi.assess`), lay
them out as self-contained HTML (:func:`render_html`) and print them to tagged PDF
(:func:`render_pdf`, WeasyPrint, offline). :func:`make_reports` does all of it and writes the
files; ``citykpi report`` is a thin shell over it.
"""

from citykpi.report.document import (
    BANDS,
    LEGEND,
    Band,
    CityDocument,
    DimensionBlock,
    Gap,
    KpiLine,
    ReportKind,
    ScoreLine,
    SdgLine,
    WheelCell,
    build_documents,
)
from citykpi.report.inputs import ReportInputs, read_file_inputs, read_store_inputs
from citykpi.report.render import OfflineFetcher, render_html, render_pdf
from citykpi.report.strings import LANGUAGES, language_status
from citykpi.report.writing import FORMATS, Made, file_name, make_reports, render_document

__all__ = [
    "BANDS",
    "FORMATS",
    "LANGUAGES",
    "LEGEND",
    "Band",
    "CityDocument",
    "DimensionBlock",
    "Gap",
    "KpiLine",
    "Made",
    "OfflineFetcher",
    "ReportInputs",
    "ReportKind",
    "ScoreLine",
    "SdgLine",
    "WheelCell",
    "build_documents",
    "file_name",
    "language_status",
    "make_reports",
    "read_file_inputs",
    "read_store_inputs",
    "render_document",
    "render_html",
    "render_pdf",
]
