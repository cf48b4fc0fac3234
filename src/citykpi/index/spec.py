"""The declarative index specification (YAML or dict), validated with pydantic.

A spec names each step and its parameters, in the order they run::

    name: F01_example_full
    steps:
      - step: denominate
      - step: impute
        method: mean_group
        group: EurAsia_group
      - step: screen
        dat_thresh: 0.9
        unit_screen: byNA
      - step: treat
        winmax: 5
      - step: normalise
        method: minmax
        lower: 0
        upper: 100
      - step: aggregate
        method: amean

An unknown step, or an unknown parameter of a step, is a :class:`~citykpi.errors.SpecError`
listing the allowed names: nothing falls back silently to a default. ``docs/index-spec.md``
documents every step and parameter.

COINr's own names are accepted as aliases, so a COINr call can be copied almost verbatim:
method values ``n_minmax``, ``a_amean``, ``i_mean_grp`` ... (the ``n_``/``a_``/``i_`` prefix is
dropped and ``_grp`` becomes ``_group``), and the parameters ``f_n``/``f_ag``/``f_i`` (the
method), ``l_u: [l, u]`` (minmax lower/upper), ``m_sd: [m, s]`` (zscore mean/sd) and
``use_group`` (group). An alias and its citykpi name given together is an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from citykpi.errors import SpecError
from citykpi.index.aggregate import AGGREGATION_METHODS
from citykpi.index.normalise import NORMALISATION_METHODS


class _Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DenominateStep(_Step):
    """Divide indicators by the unit column named in iMeta's ``Denominator`` (or ``by``)."""

    step: Literal["denominate"] = "denominate"
    by: dict[str, str] | None = None
    scale: float = 1.0


class ImputeStep(_Step):
    """Impute missing values (see :mod:`citykpi.index.impute`)."""

    step: Literal["impute"] = "impute"
    method: Literal[
        "mean", "median", "mean_group", "median_group", "row_mean", "row_median", "em"
    ] = "mean"
    group: str | None = None
    level: int | None = 2
    by_block: bool = True
    normalise_first: bool = True
    max_iter: int = Field(1000, ge=1)
    tol: float = Field(1e-10, gt=0)


class ScreenStep(_Step):
    """Remove units (and optionally indicators) with too little data."""

    step: Literal["screen"] = "screen"
    dat_thresh: float = Field(0.66, ge=0, le=1)
    unit_screen: Literal["byNA", "byNZ", "byBoth", "none"] = "byNA"
    nonzero_thresh: float = Field(0.05, ge=0, le=1)
    indicator_thresh: float | None = Field(None, ge=0, le=1)
    force_include: list[str] = Field(default_factory=list)
    force_exclude: list[str] = Field(default_factory=list)


class TreatOverride(_Step):
    """Per-indicator treatment parameters."""

    winmax: int | None = None
    skew_thresh: float | None = None
    kurt_thresh: float | None = None
    f2: Literal["log_CT", "log_CT_plus", "log_CT_orig", "boxcox", "none"] | None = None
    combine_treat: bool | None = None
    force_win: bool | None = None
    boxcox_lambda: float | None = None


class TreatStep(_Step):
    """Treat outliers with the JRC/COINr rule (winsorise, then a log fallback)."""

    step: Literal["treat"] = "treat"
    winmax: int | None = Field(5, ge=0)
    skew_thresh: float = 2.0
    kurt_thresh: float = 3.5
    f2: Literal["log_CT", "log_CT_plus", "log_CT_orig", "boxcox", "none"] = "log_CT"
    combine_treat: bool = False
    force_win: bool = False
    boxcox_lambda: float = 1.0
    skip: list[str] = Field(default_factory=list)
    indicators: dict[str, TreatOverride] = Field(default_factory=dict)


class NormaliseOverride(_Step):
    """Per-indicator normalisation: a method and its parameters."""

    method: str
    lower: float | None = None
    upper: float | None = None
    mean: float | None = None
    sd: float | None = None
    scale: float | None = None
    target: float | None = None
    trunc: bool = True
    cap_max: bool = False
    percentile: float = 2.5
    zero_variance: Literal["error", "nan"] = "error"


class NormaliseStep(_Step):
    """Normalise indicators; ``use_meta`` reads per-indicator parameters from iMeta columns."""

    step: Literal["normalise"] = "normalise"
    method: str = "minmax"
    lower: float | None = None
    upper: float | None = None
    mean: float | None = None
    sd: float | None = None
    scale: float | None = None
    trunc: bool = True
    cap_max: bool = False
    percentile: float = Field(2.5, ge=0, le=100)
    zero_variance: Literal["error", "nan"] = "error"
    use_meta: bool = True
    indicators: dict[str, NormaliseOverride] = Field(default_factory=dict)


class WeightsSpec(_Step):
    """How weights are obtained when they are not a plain mapping."""

    method: Literal["original", "equal", "pca", "optimise"] = "original"
    level: int | None = None
    target: Literal["balance", "infomax"] = "balance"
    maxiter: int = Field(500, ge=1)
    reltol: float = Field(0.1, gt=0)


class AggregateStep(_Step):
    """Aggregate level by level; ``method``, ``p`` and ``dat_thresh`` may be per level."""

    step: Literal["aggregate"] = "aggregate"
    method: str | list[str] = "amean"
    p: float | list[float] = 1.0
    dat_thresh: float | list[float | None] | None = None
    weights: str | dict[str, float] | WeightsSpec = "original"
    copeland_variant: Literal["sign", "rowsum"] = "sign"


AnyStep = Annotated[
    DenominateStep | ImputeStep | ScreenStep | TreatStep | NormaliseStep | AggregateStep,
    Field(discriminator="step"),
]

STEP_MODELS: dict[str, type[_Step]] = {
    "denominate": DenominateStep,
    "impute": ImputeStep,
    "screen": ScreenStep,
    "treat": TreatStep,
    "normalise": NormaliseStep,
    "aggregate": AggregateStep,
}


class IndexSpec(BaseModel):
    """A whole index specification: a name, optional level names and the ordered steps."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "index"
    description: str = ""
    level_names: list[str] = Field(default_factory=list)
    steps: list[AnyStep]


_NESTED: dict[tuple[str, str], type[_Step]] = {
    ("treat", "indicators"): TreatOverride,
    ("normalise", "indicators"): NormaliseOverride,
}


_METHOD_KEYS = {"normalise": "f_n", "aggregate": "f_ag", "impute": "f_i"}
_PAIR_ALIASES = {"l_u": ("lower", "upper"), "m_sd": ("mean", "sd")}


def _coinr_method(value: object) -> object:
    if isinstance(value, list):
        return [_coinr_method(v) for v in value]
    if not isinstance(value, str):
        return value
    for prefix in ("n_", "a_", "i_"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
            break
    return value.replace("_grp", "_group")


def _step_aliases(i: int, step: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(step)
    name = str(out.get("step"))

    def move(alias: str, target: str, value: Any) -> None:
        if target in out:
            msg = f"Step {i} ({name}) gives both {alias!r} (COINr's name) and {target!r}; keep one."
            raise SpecError(msg)
        out[target] = value

    key = _METHOD_KEYS.get(name)
    if key is not None and key in out:
        move(key, "method", out.pop(key))
    for alias, (first, second) in _PAIR_ALIASES.items():
        if alias in out:
            pair = out.pop(alias)
            if not isinstance(pair, list) or len(pair) != 2:
                msg = f"Step {i} ({name}): {alias!r} must be a list of two numbers; got {pair!r}."
                raise SpecError(msg)
            move(alias, first, pair[0])
            move(alias, second, pair[1])
    if "use_group" in out:
        move("use_group", "group", out.pop("use_group"))
    if "method" in out and name in _METHOD_KEYS:
        out["method"] = _coinr_method(out["method"])
    return out


def _with_aliases(raw: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(raw)
    steps = out.get("steps")
    if isinstance(steps, list):
        out["steps"] = [
            _step_aliases(i, s) if isinstance(s, Mapping) else s
            for i, s in enumerate(steps, start=1)
        ]
    return out


def _check_names(raw: Mapping[str, Any]) -> None:
    allowed_top = set(IndexSpec.model_fields)
    extra = sorted(set(raw) - allowed_top)
    if extra:
        msg = f"Unknown spec key(s) {extra!r}; allowed: {', '.join(sorted(allowed_top))}."
        raise SpecError(msg)
    steps = raw.get("steps")
    if not isinstance(steps, list) or not steps:
        msg = "The spec needs 'steps': a non-empty list of steps such as {step: normalise}."
        raise SpecError(msg)
    for i, step in enumerate(steps, start=1):
        if not isinstance(step, Mapping):
            msg = f"Step {i} of the spec is {step!r}; each step is a mapping with a 'step' key."
            raise SpecError(msg)
        name = step.get("step")
        if name not in STEP_MODELS:
            msg = (
                f"Step {i} has unknown step name {name!r}; allowed steps: {', '.join(STEP_MODELS)}."
            )
            raise SpecError(msg)
        model = STEP_MODELS[str(name)]
        extra = sorted(set(step) - set(model.model_fields))
        if extra:
            msg = (
                f"Step {i} ({name}) has unknown parameter(s) {extra!r}; allowed parameters: "
                f"{', '.join(sorted(model.model_fields))}."
            )
            raise SpecError(msg)
        nested = _NESTED.get((str(name), "indicators"))
        per = step.get("indicators")
        if nested is not None and isinstance(per, Mapping):
            for code, params in per.items():
                if isinstance(params, Mapping):
                    bad = sorted(set(params) - set(nested.model_fields))
                    if bad:
                        msg = (
                            f"Step {i} ({name}), indicator {code!r}: unknown parameter(s) "
                            f"{bad!r}; allowed: {', '.join(sorted(nested.model_fields))}."
                        )
                        raise SpecError(msg)
        if name == "aggregate" and isinstance(step.get("weights"), Mapping):
            w = step["weights"]
            if "method" in w:
                bad = sorted(set(w) - set(WeightsSpec.model_fields))
                if bad:
                    msg = (
                        f"Step {i} (aggregate), weights: unknown parameter(s) {bad!r}; allowed: "
                        f"{', '.join(sorted(WeightsSpec.model_fields))}."
                    )
                    raise SpecError(msg)


def _check_methods(spec: IndexSpec) -> None:
    for i, step in enumerate(spec.steps, start=1):
        if isinstance(step, NormaliseStep):
            for m in [step.method, *(o.method for o in step.indicators.values())]:
                if m not in NORMALISATION_METHODS:
                    msg = (
                        f"Step {i} (normalise): unknown method {m!r}; allowed: "
                        f"{', '.join(NORMALISATION_METHODS)}."
                    )
                    raise SpecError(msg)
        if isinstance(step, AggregateStep):
            methods = step.method if isinstance(step.method, list) else [step.method]
            for m in methods:
                if m not in AGGREGATION_METHODS:
                    msg = (
                        f"Step {i} (aggregate): unknown method {m!r}; allowed: "
                        f"{', '.join(AGGREGATION_METHODS)}."
                    )
                    raise SpecError(msg)
            if isinstance(step.weights, str) and step.weights not in {"original", "equal"}:
                msg = (
                    f"Step {i} (aggregate): weights {step.weights!r} is not a weight set; use "
                    "'original', 'equal', a mapping {code: weight} or {method: pca|optimise}."
                )
                raise SpecError(msg)
    names = [s.step for s in spec.steps]
    if (
        "aggregate" in names
        and "normalise" in names
        and names.index("aggregate") < names.index("normalise")
    ):
        msg = "The aggregate step must come after the normalise step."
        raise SpecError(msg)


def parse_spec(raw: Mapping[str, Any] | IndexSpec) -> IndexSpec:
    """Validate a spec given as a mapping (e.g. loaded from YAML).

    Raises
    ------
    SpecError
        Unknown step or parameter names (listing the allowed ones), wrong types or values.
    """
    if isinstance(raw, IndexSpec):
        return raw
    if not isinstance(raw, Mapping):
        msg = f"An index spec must be a mapping with 'steps'; got {type(raw).__name__}."
        raise SpecError(msg)
    raw = _with_aliases(raw)
    _check_names(raw)
    try:
        spec = IndexSpec.model_validate(raw)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()
        )
        msg = f"The index spec is invalid: {problems}."
        raise SpecError(msg) from e
    _check_methods(spec)
    return spec


def spec_to_dict(spec: IndexSpec) -> dict[str, Any]:
    """Return ``spec`` as a plain mapping (only the values that differ from the defaults)."""
    out = spec.model_dump(exclude_defaults=True)
    out["steps"] = [
        {"step": s.step, **s.model_dump(exclude_defaults=True, exclude={"step"})}
        for s in spec.steps
    ]
    return out


__all__ = [
    "STEP_MODELS",
    "AggregateStep",
    "DenominateStep",
    "ImputeStep",
    "IndexSpec",
    "NormaliseOverride",
    "NormaliseStep",
    "ScreenStep",
    "TreatOverride",
    "TreatStep",
    "WeightsSpec",
    "parse_spec",
    "spec_to_dict",
]
