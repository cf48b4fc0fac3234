"""citykpi: U4SSC Key Performance Indicators for Smart Sustainable Cities.

The package follows the data: raw inputs (:mod:`citykpi.ingest`) are validated
(:mod:`citykpi.validate`), turned into KPI values (:mod:`citykpi.compute`), assessed against
targets (:mod:`citykpi.assess`), combined into a composite index (:mod:`citykpi.index`) and
stored with their verification history (:mod:`citykpi.store`). :mod:`citykpi.pipeline` wires
the stages together; :mod:`citykpi.cli` is a thin shell over it.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
