"""Compute: catalogue formulas over validated inputs -> the KPI long table, with provenance.

See :func:`compute` and, for the statuses and the direct-report override,
:mod:`citykpi.compute.kpis`.
"""

from citykpi.compute.kpis import compute
from citykpi.compute.provenance import parse_quality, worst_quality

__all__ = ["compute", "parse_quality", "worst_quality"]
