"""Deterministic sample data for the demo: fictional cities and their raw inputs, 2015-2024.

>>> tables = build_sample(n_cities=8, years=[2024])    # in memory  # doctest: +SKIP
>>> from citykpi.io import write_sample
>>> data = write_sample("demo-output/sample")          # written     # doctest: +SKIP
>>> data.raw_inputs, data.cities, data.known_errors  # doctest: +SKIP

See :mod:`citykpi.sample.generator` for the modelling assumptions and
:mod:`citykpi.sample.deliberate` for the deliberate errors. Writing the files is the
input/output layer's job (:func:`citykpi.io.write_sample`), like every other output.
"""

from citykpi.sample.deliberate import KnownError
from citykpi.sample.generator import (
    DEFAULT_SEED,
    RAW_FILE_COLUMNS,
    SAMPLE_FILES,
    SampleData,
    SampleTables,
    build_sample,
)

__all__ = [
    "DEFAULT_SEED",
    "RAW_FILE_COLUMNS",
    "SAMPLE_FILES",
    "KnownError",
    "SampleData",
    "SampleTables",
    "build_sample",
]
