"""Run an index specification over COINr-style data: :func:`build_index`.

``build_index(data, meta, spec)`` takes the unit table (``iData``: one row per unit with
``uCode``, optionally ``uName``, unit-group columns, denominator columns and one column per
indicator), the structure (an ``iMeta`` table or a :class:`~citykpi.index.Hierarchy`) and a spec
(:mod:`citykpi.index.spec`), runs the steps in the order given and returns an
:class:`IndexResult` holding every intermediate data set, the ranks and the log. Units are
sorted by ``uCode`` first (as COINr's ``new_coin`` does). Each step is run by the runner its
spec type registered in :mod:`citykpi.index.steps`. No file is read or written here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from citykpi.errors import InputError
from citykpi.index.hierarchy import Hierarchy
from citykpi.index.imeta import check_columns, hierarchy_from_meta
from citykpi.index.normalise import NormParams
from citykpi.index.ranks import rank_scores
from citykpi.index.records import FloatArray, StepRecord
from citykpi.index.spec import IndexSpec, parse_spec
from citykpi.index.steps import DATASET_OF_STEP, BuildState, FrozenParams, run_step
from citykpi.index.treat import TreatParams


@dataclass(frozen=True)
class IndexResult:
    """Everything a build produced.

    Attributes
    ----------
    hierarchy
        The structure used (without indicators removed by screening).
    spec
        The validated spec.
    units
        Unit codes of the final data sets, sorted.
    datasets
        Data sets by name: ``raw`` and then, as the steps ran, ``denominated``, ``imputed``,
        ``screened``, ``treated``, ``normalised``, ``aggregated`` (the last has every node's
        column); each indexed by ``uCode``.
    ranks
        Ranks of every column of the last data set (1 = best, ties "min").
    treat_points
        Treated-points table (``uCode`` x indicators, "" where untreated), if ``treat`` ran.
    log
        One :class:`~citykpi.index.records.StepRecord` per step (and per weight computation).
    weights
        The weights used for aggregation, by code.
    norm_params
        Fitted normalisation (``None`` when rank-based or no normalisation ran).
    treat_params
        Frozen treatment per indicator (empty when ``treat`` did not run).
    unit_data
        The non-indicator columns of iData for the final units (uName, groups, denominators).
    """

    hierarchy: Hierarchy
    spec: IndexSpec
    units: tuple[str, ...]
    datasets: dict[str, pd.DataFrame]
    ranks: pd.DataFrame
    treat_points: pd.DataFrame | None
    log: tuple[StepRecord, ...]
    weights: dict[str, float]
    norm_params: NormParams | None = None
    treat_params: dict[str, TreatParams] = field(default_factory=dict)
    unit_data: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def scores(self) -> pd.DataFrame:
        """Return the aggregated data set (indicators and every aggregate)."""
        return self.datasets["aggregated"]

    def log_dicts(self) -> list[dict[str, Any]]:
        """Return the log as JSON-serialisable dictionaries."""
        return [dict(r.as_dict()) for r in self.log]


def prepare_units(data: pd.DataFrame, hierarchy: Hierarchy) -> pd.DataFrame:
    """Return ``data`` checked (uCode present and unique, indicators present) and sorted."""
    if "uCode" not in data.columns:
        msg = "iData has no 'uCode' column; add one with a unique code per unit."
        raise InputError(msg)
    codes = data["uCode"].astype(str)
    dup = codes[codes.duplicated()].tolist()
    if dup:
        msg = f"iData has duplicate uCode values {sorted(set(dup))!r}; make each unit unique."
        raise InputError(msg)
    check_columns(hierarchy, data.columns)
    out = data.copy()
    out["uCode"] = codes
    return out.sort_values("uCode", kind="stable").reset_index(drop=True)


def _frame(values: FloatArray, units: list[str], columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(values, index=pd.Index(units, name="uCode"), columns=list(columns))


def build_index(
    data: pd.DataFrame,
    meta: pd.DataFrame | Hierarchy,
    spec: Mapping[str, Any] | IndexSpec,
    *,
    frozen: FrozenParams | None = None,
) -> IndexResult:
    """Build a composite index from COINr-style data, structure and a spec.

    Parameters
    ----------
    data
        iData: ``uCode``, optional ``uName``, unit groups, denominators, one column per
        indicator (float, ``NaN`` for missing).
    meta
        iMeta table or a ready :class:`~citykpi.index.Hierarchy`.
    spec
        A spec mapping (e.g. from YAML) or :class:`~citykpi.index.spec.IndexSpec`.
    frozen
        Edition parameters to apply instead of fitting treatment, normalisation and weights.

    Returns
    -------
    IndexResult
        Every intermediate data set, ranks, the log, weights and fitted parameters.
    """
    the_spec = parse_spec(spec)
    h = (
        meta
        if isinstance(meta, Hierarchy)
        else hierarchy_from_meta(meta, level_names=the_spec.level_names)
    )
    frame = prepare_units(data, h)
    units = frame["uCode"].tolist()
    try:
        x = frame[list(h.indicators)].to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as e:
        msg = f"iData indicator columns must be numeric: {e}."
        raise InputError(msg) from e
    other_cols = [c for c in frame.columns if c not in set(h.indicators)]
    state = BuildState(
        x=x,
        hierarchy=h,
        units=tuple(units),
        unit_data=frame[other_cols].set_index("uCode"),
        weights={c: float(w) for c, w in zip(h.codes, h.weights(), strict=True)},
        frozen=frozen,
    )
    datasets: dict[str, pd.DataFrame] = {"raw": _frame(x, units, h.indicators)}
    log: list[StepRecord] = []
    last_name = "raw"
    aggregated_cols: tuple[str, ...] = h.indicators
    for step in the_spec.steps:
        entry, outcome = run_step(step, state)
        state = outcome.state
        log.extend(outcome.records)
        last_name = entry.dataset
        units = list(state.units)
        if outcome.scores is None:
            datasets[last_name] = _frame(state.x, units, state.hierarchy.indicators)
        else:
            datasets[last_name] = _frame(outcome.scores, units, state.hierarchy.codes)
            aggregated_cols = state.hierarchy.codes
    final = datasets[last_name]
    ranks = pd.DataFrame(
        rank_scores(final.to_numpy(dtype=np.float64)),
        index=final.index,
        columns=list(aggregated_cols if last_name == "aggregated" else final.columns),
    )
    return IndexResult(
        hierarchy=state.hierarchy,
        spec=the_spec,
        units=state.units,
        datasets=datasets,
        ranks=ranks,
        treat_points=state.treat_points,
        log=tuple(log),
        weights=state.weights,
        norm_params=state.norm_params,
        treat_params=state.treat_params,
        unit_data=state.unit_data,
    )


__all__ = [
    "DATASET_OF_STEP",
    "FrozenParams",
    "IndexResult",
    "build_index",
    "prepare_units",
]
