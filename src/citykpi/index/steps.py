"""The step registry of :func:`citykpi.index.build_index`: one runner per spec step type.

Each step of a spec (:mod:`citykpi.index.spec`) is run by the function registered for its model
class with :func:`register`. A runner takes the step and the :class:`BuildState` (the data
entering the step, the structure, the units, the unit columns, the weights and what earlier steps
fitted) and returns a :class:`StepOutcome`: the new state and the log records. The registry also
says which data set a step writes (:data:`DATASET_OF_STEP`). Adding a step means a spec model in
``spec.py`` and one registered runner here; adding a normalisation method touches
``normalise.py`` only (its formula, its name and its iMeta parameters, :data:`META_PARAMS`).

Editions (:class:`FrozenParams`): when the state carries frozen parameters, ``treat`` and
``normalise`` apply them instead of fitting, ``screen`` keeps every indicator, and ``aggregate``
uses the edition's weights. No file is read or written here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from pydantic import BaseModel

from citykpi.errors import SpecError
from citykpi.index.aggregate import aggregate
from citykpi.index.denominate import denominate
from citykpi.index.hierarchy import Hierarchy
from citykpi.index.impute import impute
from citykpi.index.normalise import META_PARAMS, TARGET_METHODS, NormParams, normalise
from citykpi.index.records import FloatArray, StepRecord
from citykpi.index.screen import screen
from citykpi.index.spec import (
    AggregateStep,
    DenominateStep,
    ImputeStep,
    NormaliseOverride,
    NormaliseStep,
    ScreenStep,
    TreatStep,
    WeightsSpec,
)
from citykpi.index.treat import TreatParams, treat
from citykpi.index.weights import equal_weights, optimise_weights, pca_weights


@dataclass(frozen=True)
class FrozenParams:
    """Parameters fixed by an edition: treatment, normalisation and weights.

    When given to :func:`~citykpi.index.build_index`, the treat, normalise and aggregate steps
    apply these instead of fitting them to the data (see :class:`citykpi.index.Edition`);
    indicator screening is skipped so that the indicators stay those of the edition.
    """

    norm_params: NormParams
    weights: dict[str, float]
    treat_params: dict[str, TreatParams] = field(default_factory=dict)


@dataclass(frozen=True)
class BuildState:
    """The state of a build between two steps.

    Attributes
    ----------
    x
        The data entering the next step, ``[units, indicators]``.
    hierarchy
        The structure (indicators removed by screening are gone).
    units
        Unit codes, in row order of :attr:`x`.
    unit_data
        The non-indicator columns of iData for :attr:`units`, indexed by ``uCode``.
    weights
        The weights by code (those of iMeta until ``aggregate`` resolves them).
    frozen
        Edition parameters, or ``None`` when every step fits to the data.
    treat_points
        Treated-points table, once ``treat`` ran.
    norm_params
        Fitted normalisation, once ``normalise`` ran (``None`` when rank-based).
    treat_params
        Treatment per indicator, once ``treat`` ran.
    """

    x: FloatArray
    hierarchy: Hierarchy
    units: tuple[str, ...]
    unit_data: pd.DataFrame
    weights: dict[str, float]
    frozen: FrozenParams | None = None
    treat_points: pd.DataFrame | None = None
    norm_params: NormParams | None = None
    treat_params: dict[str, TreatParams] = field(default_factory=dict)


@dataclass(frozen=True)
class StepOutcome:
    """What a step returns: the new state, its log records and, for ``aggregate``, the scores.

    Attributes
    ----------
    state
        The state after the step.
    records
        The log records, in order.
    scores
        ``[units, nodes]`` scores in ``hierarchy.codes`` order when the step aggregates; ``None``
        when the step's data set is :attr:`BuildState.x` over the indicators.
    """

    state: BuildState
    records: tuple[StepRecord, ...]
    scores: FloatArray | None = None


S = TypeVar("S", bound=BaseModel)
Runner = Callable[[S, BuildState], StepOutcome]


@dataclass(frozen=True)
class RegisteredStep:
    """A step type of the registry: its spec model, the data set it writes and its runner."""

    model: type[BaseModel]
    dataset: str
    run: Callable[[Any, BuildState], StepOutcome]

    @property
    def name(self) -> str:
        """Return the step's name in a spec (the ``step`` field of its model)."""
        return str(self.model.model_fields["step"].default)


#: The registry: spec model class -> its entry. Filled by :func:`register` at import.
STEPS: dict[type[BaseModel], RegisteredStep] = {}


def register(model: type[S], *, dataset: str) -> Callable[[Runner[S]], Runner[S]]:
    """Register the decorated function as the runner of the spec steps of type ``model``.

    Parameters
    ----------
    model
        The step's spec model class (with a ``step`` literal field).
    dataset
        Name of the data set the step writes in :attr:`IndexResult.datasets`.
    """

    def decorate(run: Runner[S]) -> Runner[S]:
        STEPS[model] = RegisteredStep(model, dataset, run)
        return run

    return decorate


def registered(step: BaseModel) -> RegisteredStep:
    """Return the registry entry of ``step``; SpecError if its type has no runner."""
    entry = STEPS.get(type(step))
    if entry is None:
        known = ", ".join(e.name for e in STEPS.values())
        msg = (
            f"No runner is registered for the step type {type(step).__name__!r}; known steps: "
            f"{known}. Register one with citykpi.index.steps.register."
        )
        raise SpecError(msg)
    return entry


def run_step(step: BaseModel, state: BuildState) -> tuple[RegisteredStep, StepOutcome]:
    """Run one spec step on ``state``; return its registry entry and its outcome."""
    entry = registered(step)
    return entry, entry.run(step, state)


# ---------------------------------------------------------------------------------- denominate
@register(DenominateStep, dataset="denominated")
def _denominate(step: DenominateStep, state: BuildState) -> StepOutcome:
    h, codes = state.hierarchy, state.hierarchy.indicators
    names: list[str | None] = [(step.by or {}).get(c, h.node(c).denominator) for c in codes]
    den = np.ones_like(state.x)
    for j, name in enumerate(names):
        if name is None:
            continue
        if name not in state.unit_data.columns:
            msg = (
                f"Indicator {codes[j]!r} is to be divided by {name!r}, but iData has no "
                f"column {name!r}; add it or change the Denominator."
            )
            raise SpecError(msg)
        den[:, j] = pd.to_numeric(state.unit_data[name], errors="coerce").to_numpy(float)
    res = denominate(
        state.x,
        den,
        scale=step.scale,
        codes=codes,
        units=list(state.units),
        denominator_names=names,
    )
    return StepOutcome(replace(state, x=res.data), (res.record,))


# -------------------------------------------------------------------------------------- impute
@register(ImputeStep, dataset="imputed")
def _impute(step: ImputeStep, state: BuildState) -> StepOutcome:
    h, codes = state.hierarchy, state.hierarchy.indicators
    groups = None
    if step.method in {"mean_group", "median_group"}:
        if step.group is None or step.group not in state.unit_data.columns:
            msg = (
                f"Impute method {step.method!r} needs 'group', the name of a unit-group "
                f"column of iData; got {step.group!r}. Available columns: "
                f"{', '.join(map(str, state.unit_data.columns))}."
            )
            raise SpecError(msg)
        groups = state.unit_data[step.group].tolist()
    blocks = None
    if step.level is not None and (step.method != "em" or step.by_block):
        blocks = [_ancestor(h, c, step.level) for c in codes]
    res = impute(
        state.x,
        method=step.method,
        groups=groups,
        blocks=blocks,
        directions=h.directions(),
        normalise_first=step.normalise_first,
        max_iter=step.max_iter,
        tol=step.tol,
        codes=codes,
    )
    return StepOutcome(replace(state, x=res.data), (res.record,))


def _ancestor(h: Hierarchy, code: str, level: int) -> str:
    node = h.node(code)
    while node.level < level and node.parent is not None:
        node = h.node(node.parent)
    return node.code if node.level == level else code


# -------------------------------------------------------------------------------------- screen
@register(ScreenStep, dataset="screened")
def _screen(step: ScreenStep, state: BuildState) -> StepOutcome:
    codes = state.hierarchy.indicators
    scr = screen(
        state.x,
        dat_thresh=step.dat_thresh,
        unit_screen=step.unit_screen,
        nonzero_thresh=step.nonzero_thresh,
        # an edition keeps its indicators: no indicator screening when parameters are frozen
        indicator_thresh=None if state.frozen is not None else step.indicator_thresh,
        force_include=step.force_include,
        force_exclude=step.force_exclude,
        units=list(state.units),
        codes=codes,
    )
    units = [u for u, k in zip(state.units, scr.kept_units, strict=True) if k]
    dropped = [c for c, k in zip(codes, scr.kept_indicators, strict=True) if not k]
    h = state.hierarchy.without(dropped) if dropped else state.hierarchy
    new = replace(
        state,
        x=scr.data,
        hierarchy=h,
        units=tuple(units),
        unit_data=state.unit_data.loc[units],
        weights={c: w for c, w in state.weights.items() if c in h.codes},
    )
    return StepOutcome(new, (scr.record,))


# --------------------------------------------------------------------------------------- treat
@register(TreatStep, dataset="treated")
def _treat(step: TreatStep, state: BuildState) -> StepOutcome:
    codes = state.hierarchy.indicators
    if state.frozen is not None:
        x = state.x.copy()
        for j, code in enumerate(codes):
            if code in state.frozen.treat_params:
                x[:, j] = state.frozen.treat_params[code].apply(x[:, j])
        record = StepRecord("treat", "frozen", {}, {"edition": True})
        new = replace(state, x=x, treat_params=dict(state.frozen.treat_params))
        return StepOutcome(new, (record,))
    overrides = {c: o.model_dump(exclude_none=True) for c, o in step.indicators.items()}
    tr = treat(
        state.x,
        winmax=step.winmax,
        skew_thresh=step.skew_thresh,
        kurt_thresh=step.kurt_thresh,
        f2=step.f2,
        combine_treat=step.combine_treat,
        force_win=step.force_win,
        boxcox_lambda=step.boxcox_lambda,
        skip=step.skip,
        overrides=overrides,
        codes=codes,
    )
    points = pd.DataFrame(tr.points, index=pd.Index(state.units, name="uCode"), columns=codes)
    new = replace(
        state,
        x=tr.data,
        treat_points=points,
        treat_params=dict(zip(codes, tr.params, strict=True)),
    )
    return StepOutcome(new, (tr.record,))


# ----------------------------------------------------------------------------------- normalise
@register(NormaliseStep, dataset="normalised")
def _normalise(step: NormaliseStep, state: BuildState) -> StepOutcome:
    if state.frozen is not None:
        params = state.frozen.norm_params
        record = StepRecord(
            "normalise", "frozen", {}, {"edition": True, "parameters": params.as_dict()}
        )
        return StepOutcome(replace(state, x=params.apply(state.x), norm_params=params), (record,))
    x, record, norm_params = _fit_normalise(state.x, step, state.hierarchy)
    return StepOutcome(replace(state, x=x, norm_params=norm_params), (record,))


def _meta_param(h: Hierarchy, name: str, fallback: float | None) -> FloatArray | None:
    arr = h.indicator_param(name)
    if fallback is not None:
        arr = np.where(np.isnan(arr), fallback, arr)
    if np.all(np.isnan(arr)):
        return None
    return arr


def _normalise_args(
    step: NormaliseStep | NormaliseOverride, h: Hierarchy, method: str, use_meta: bool
) -> dict[str, Any]:
    args: dict[str, Any] = {
        "lower": step.lower,
        "upper": step.upper,
        "mean": step.mean,
        "sd": step.sd,
        "scale": step.scale,
        "trunc": step.trunc,
        "cap_max": step.cap_max,
        "percentile": step.percentile,
        "zero_variance": step.zero_variance,
    }
    if isinstance(step, NormaliseOverride) and step.target is not None:
        args["targets"] = step.target
    if not use_meta:
        return args
    for arg, col in META_PARAMS.get(method, {}).items():
        fallback = args[arg]
        value = _meta_param(h, col, None if fallback is None else float(fallback))
        if value is not None:
            args[arg] = value
    if method in TARGET_METHODS and "targets" not in args:
        args["targets"] = _meta_param(h, "Target", None)
    return args


def _fit_normalise(
    x: FloatArray, step: NormaliseStep, h: Hierarchy
) -> tuple[FloatArray, StepRecord, NormParams | None]:
    codes = h.indicators
    d = h.directions()
    args = _normalise_args(step, h, step.method, step.use_meta)
    out = normalise(x, method=step.method, directions=d, codes=codes, **args)
    if not step.indicators:
        return out.data, out.record, out.params
    unknown = sorted(set(step.indicators) - set(codes))
    if unknown:
        msg = f"Normalise overrides name unknown indicator(s) {unknown!r}; use codes of iMeta."
        raise SpecError(msg)
    data = out.data.copy()
    params = out.params
    details: dict[str, Any] = {"base": dict(out.record.as_dict()), "overrides": {}}
    warnings = list(out.record.warnings)
    for code, override in step.indicators.items():
        j = codes.index(code)
        sub_args = _normalise_args(override, h, override.method, step.use_meta)
        for key in ("lower", "upper", "mean", "sd", "scale", "targets", "trunc", "cap_max"):
            if isinstance(sub_args.get(key), np.ndarray):
                sub_args[key] = sub_args[key][j : j + 1]
        sub = normalise(
            x[:, j : j + 1],
            method=override.method,
            directions=d[j : j + 1],
            codes=[code],
            **sub_args,
        )
        data[:, j] = sub.data[:, 0]
        details["overrides"][code] = dict(sub.record.as_dict())
        warnings.extend(sub.record.warnings)
        params = None if params is None or sub.params is None else _splice(params, sub.params, j)
    record = StepRecord("normalise", f"{step.method}+overrides", {}, details, tuple(warnings))
    return data, record, params


def _splice(base: NormParams, sub: NormParams, j: int) -> NormParams:
    fields = ("direction", "center", "divisor", "low", "high", "multiplier", "offset")
    new: dict[str, FloatArray] = {}
    for name in fields:
        arr = np.array(getattr(base, name), dtype=np.float64, copy=True)
        arr[j] = getattr(sub, name)[0]
        new[name] = arr
    return NormParams(method="mixed", **new)


# ----------------------------------------------------------------------------------- aggregate
@register(AggregateStep, dataset="aggregated")
def _aggregate(step: AggregateStep, state: BuildState) -> StepOutcome:
    h = state.hierarchy
    agg_args: dict[str, Any] = {
        "method": step.method,
        "p": step.p,
        "dat_thresh": step.dat_thresh,
        "copeland_variant": step.copeland_variant,
        "units": list(state.units),
    }
    wrecords: list[StepRecord] = []
    if state.frozen is not None:
        weights = dict(state.frozen.weights)
    else:
        weights, wrecords = _weights(step, state.x, h, agg_args)
    agg = aggregate(state.x, h, weights=weights, **agg_args)
    return StepOutcome(replace(state, weights=weights), (*wrecords, agg.record), agg.data)


def _weights(
    step: AggregateStep, x: FloatArray, h: Hierarchy, agg: dict[str, Any]
) -> tuple[dict[str, float], list[StepRecord]]:
    base = {c: float(w) for c, w in zip(h.codes, h.weights(), strict=True)}
    spec = step.weights
    if spec == "original":
        return base, []
    if spec == "equal":
        return equal_weights(h), [StepRecord("weights", "equal")]
    if isinstance(spec, dict):
        unknown = sorted(set(spec) - set(h.codes))
        if unknown:
            msg = (
                f"Weights name unknown code(s) {unknown!r}; use codes of iMeta such as "
                f"{', '.join(h.codes[:4])}."
            )
            raise SpecError(msg)
        return {**base, **spec}, [StepRecord("weights", "custom", {}, {"n": len(spec)})]
    assert isinstance(spec, WeightsSpec)
    if spec.method == "original":
        return base, []
    if spec.method == "equal":
        return equal_weights(h), [StepRecord("weights", "equal")]
    if spec.method == "pca":
        out = pca_weights(x, h, level=spec.level or 1, aggregation=agg)
        return out.weights, [out.record]
    res = optimise_weights(
        x,
        h,
        level=spec.level or 2,
        target=spec.target,
        maxiter=spec.maxiter,
        reltol=spec.reltol,
        aggregation=agg,
    )
    return res.weights, [res.record]


#: Name of the data set each step writes, by step name (from the registry).
DATASET_OF_STEP: dict[str, str] = {entry.name: entry.dataset for entry in STEPS.values()}


__all__ = [
    "DATASET_OF_STEP",
    "STEPS",
    "BuildState",
    "FrozenParams",
    "RegisteredStep",
    "StepOutcome",
    "register",
    "registered",
    "run_step",
]
