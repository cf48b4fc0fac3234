"""Deterministic sample data for the demo: fictional cities and their raw inputs, 2015-2024.

>>> data = generate("demo-output/sample")          # doctest: +SKIP
>>> data.raw_inputs, data.cities, data.known_errors  # doctest: +SKIP

See :mod:`citykpi.sample.generator` for the modelling assumptions and
:mod:`citykpi.sample.deliberate` for the deliberate errors.
"""

from citykpi.sample.deliberate import KnownError
from citykpi.sample.generator import RAW_FILE_COLUMNS, SampleData, generate

__all__ = ["RAW_FILE_COLUMNS", "KnownError", "SampleData", "generate"]
