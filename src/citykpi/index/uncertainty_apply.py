"""Write a replication's drawn values into a build spec, by address, and check the addresses.

An address is ``"step"`` (the value is a mapping that replaces the step's parameters) or
``"step.parameter"``. The step must be present in the build spec (when a step appears more
than once, the first one is changed) and the parameter must be one the step accepts; anything
else is a :class:`~citykpi.errors.SpecError` naming the address and the allowed names. Values are
validated by :func:`citykpi.index.spec.parse_spec`, exactly as a hand-written spec would be.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

from citykpi.errors import SpecError
from citykpi.index.spec import STEP_MODELS, IndexSpec, parse_spec, spec_to_dict
from citykpi.index.uncertainty_spec import UncertaintySpec, Value


def split_address(address: str) -> tuple[str, str | None]:
    """Return ``(step, parameter)`` of an address (``parameter`` is ``None`` for a whole step)."""
    step, _, param = address.partition(".")
    return step, (param or None)


def check_address(spec: IndexSpec, address: str, *, name: str = "") -> None:
    """Raise SpecError unless ``address`` names a step of ``spec`` and one of its parameters.

    Parameters
    ----------
    spec
        The nominal build spec.
    address
        ``"step"`` or ``"step.parameter"``.
    name
        The uncertain input's name, for the message.
    """
    step, param = split_address(address)
    who = f"Uncertain input {name!r}: address {address!r}" if name else f"Address {address!r}"
    present = [s.step for s in spec.steps]
    if step not in STEP_MODELS:
        msg = f"{who} names an unknown step {step!r}; steps: {', '.join(STEP_MODELS)}."
        raise SpecError(msg)
    if step not in present:
        msg = (
            f"{who} names the step {step!r}, which the build spec does not run "
            f"(it runs {', '.join(present)}); add the step to the spec or fix the address."
        )
        raise SpecError(msg)
    if param is not None:
        fields = sorted(f for f in STEP_MODELS[step].model_fields if f != "step")
        if param not in fields:
            msg = f"{who}: step {step!r} has no parameter {param!r}; allowed: {', '.join(fields)}."
            raise SpecError(msg)


def apply_values(spec: IndexSpec, assignments: Iterable[tuple[str, Value]]) -> IndexSpec:
    """Return a copy of ``spec`` with each ``(address, value)`` written in, validated.

    Parameters
    ----------
    spec
        The nominal build spec.
    assignments
        Addresses and the values to write there, applied in order.

    Returns
    -------
    IndexSpec
        The changed, re-validated spec.
    """
    raw: dict[str, Any] = spec_to_dict(spec)
    steps: list[dict[str, Any]] = raw["steps"]
    changed = False
    for address, value in assignments:
        check_address(spec, address)
        step, param = split_address(address)
        pos = next(i for i, s in enumerate(steps) if s["step"] == step)
        if param is None:
            if not isinstance(value, Mapping):
                msg = f"Address {address!r} replaces a whole step, so its value must be a mapping."
                raise SpecError(msg)
            steps[pos] = {"step": step, **{str(k): v for k, v in value.items()}}
        else:
            steps[pos] = {**steps[pos], param: value}
        changed = True
    if not changed:
        return spec
    try:
        return parse_spec(raw)
    except SpecError as e:
        msg = f"Uncertain value(s) {list(assignments)!r} do not make a valid spec: {e}"
        raise SpecError(msg) from e


def check_uncertainty_spec(spec: IndexSpec, ua: UncertaintySpec, indicators: Iterable[str]) -> None:
    """Check every address and every alternative of ``ua`` against the build spec.

    Each discrete alternative and both ends of each continuous range are written into the spec
    and validated, so a bad value fails before any replication runs.

    Raises
    ------
    SpecError
        On an unknown address, parameter, value or excluded indicator.
    """
    known = list(indicators)
    names = [s.step for s in spec.steps]
    if "aggregate" not in names or names.index("aggregate") != len(names) - 1:
        msg = (
            "An uncertainty analysis needs a build spec whose last step is aggregate "
            f"(it runs {', '.join(names)}); move or add the aggregate step."
        )
        raise SpecError(msg)
    for inp in ua.inputs:
        if inp.kind in ("discrete", "continuous"):
            check_address(spec, inp.address, name=inp.name)
            values: list[Value] = (
                list(inp.values) if inp.kind == "discrete" else [inp.low, inp.high]
            )
            for v in values:
                try:
                    apply_values(spec, [(inp.address, v)])
                except SpecError as e:
                    msg = f"Uncertain input {inp.name!r}, value {v!r}: {e}"
                    raise SpecError(msg) from e
        elif inp.kind == "exclude":
            codes = [c for c in inp.values if c != ""]
            unknown = [c for c in codes if c not in known]
            if unknown:
                msg = (
                    f"Uncertain input {inp.name!r} excludes unknown indicator(s) {unknown!r}; "
                    f"use indicator codes such as {', '.join(known[:4])}."
                )
                raise SpecError(msg)


def value_text(value: Value) -> str:
    """Return ``value`` as text for ``replications.csv`` (mappings and lists as compact JSON).

    ``None`` and NaN (how a CSV reader returns an empty cell) become ``""``.
    """
    if isinstance(value, Mapping):
        return json.dumps(dict(value), sort_keys=True, separators=(",", ":"))
    if isinstance(value, list | tuple):
        return json.dumps(list(value), separators=(",", ":"))
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return "" if value is None else str(value)


__all__ = [
    "apply_values",
    "check_address",
    "check_uncertainty_spec",
    "split_address",
    "value_text",
]
