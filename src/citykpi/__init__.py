"""citykpi: U4SSC Key Performance Indicators for Smart Sustainable Cities.

The package follows the data: raw inputs (:mod:`citykpi.ingest`) are validated
(:mod:`citykpi.validate`), turned into KPI values (:mod:`citykpi.compute`), assessed against
targets (:mod:`citykpi.assess`), combined into a composite index (:mod:`citykpi.index`) and
stored with their verification history (:mod:`citykpi.store`). :mod:`citykpi.pipeline` wires
the stages together; :mod:`citykpi.cli` is a thin shell over it.

The top-level functions are the Python API (``docs/api.md`` walks through them)::

    import citykpi
    sample = citykpi.generate_sample("sample")
    kpis = citykpi.compute_kpis(sample.raw_inputs)
    assessment = citykpi.assess_kpis(kpis)

They live in :mod:`citykpi.api` and are loaded on first use, so ``import citykpi`` (and with it
``citykpi --help``) loads neither pandas nor any stage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from citykpi.api import (
        assess_kpis,
        build_index,
        check,
        compute_kpis,
        generate_sample,
        load_catalogue,
        load_kpi_table,
        load_targets,
        open_store,
        peers,
        plan,
        read_profiles,
        run,
        trends,
    )

__all__ = [
    "__version__",
    "assess_kpis",
    "build_index",
    "check",
    "compute_kpis",
    "generate_sample",
    "load_catalogue",
    "load_kpi_table",
    "load_targets",
    "open_store",
    "peers",
    "plan",
    "read_profiles",
    "run",
    "trends",
]

#: The API functions, each loaded from :mod:`citykpi.api` on first use.
_API = frozenset(__all__) - {"__version__"}


def __getattr__(name: str) -> object:
    if name in _API:
        from citykpi import api

        value = getattr(api, name)
        globals()[name] = value  # later lookups skip this function
        return value
    msg = f"module 'citykpi' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
