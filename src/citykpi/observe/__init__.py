"""Observations (sensors and meters) rolled up into KPI inputs, with data-capture rules.

The first stage: a tidy observation table (CSV, Parquet, SensorThings or NGSI-LD JSON) ->
roll-up spec (YAML data, :mod:`.spec`) -> SQL run by DuckDB or Spark -> one raw-table row per
city-year and a coverage table. See ``docs/observations.md``.
"""

from __future__ import annotations

from citykpi.lazy import lazy_exports

_EXPORTS = {
    "RollupResult": "citykpi.observe.rollup",
    "RollupSpec": "citykpi.observe.spec",
    "COVERAGE_COLUMNS": "citykpi.observe.rollup",
    "load_spec": "citykpi.observe.spec",
    "shipped_specs": "citykpi.observe.spec",
    "rollup": "citykpi.observe.rollup",
    "read_json_observations": "citykpi.observe.readers",
    "synthetic_observations": "citykpi.observe.synthetic",
    "demo_air_quality": "citykpi.observe.synthetic",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
__all__ = sorted(_EXPORTS)
