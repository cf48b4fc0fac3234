"""The declarative spec of an uncertainty or sensitivity analysis (``UA.yaml``).

An analysis lists its **uncertain inputs**. Each input is driven by one uniform number ``u`` in
``[0, 1)`` per replication (:mod:`citykpi.index.sampling`) and maps it to a value:

``discrete``
    ``address`` names a step parameter of the build spec (``"treat.winmax"``) or a whole step
    (``"normalise"``); ``values`` lists the alternatives, one is chosen with equal probability
    (``k = min(floor(u * n), n - 1)``). For a whole step each alternative is a mapping that
    *replaces* the step's parameters (``{method: zscore, mean: 10, sd: 2}``).
``continuous``
    ``address`` names a numeric step parameter; ``uniform: [low, high]`` gives
    ``low + u (high - low)``.
``noisy_weights``
    ``noise`` maps an aggregation level (2 = the level above the indicators) to a factor ``f``;
    ``sets`` noisy weight sets ``w' = w + U(-1, 1) f w`` (no renormalisation, as COINr's
    ``get_noisy_weights``) are drawn once from the seed, and the input picks one of them.
``exclude``
    drops one indicator (or none): the alternatives are ``""`` (none, unless
    ``include_none: false``) followed by each code of ``codes`` (default: every indicator).

COINr maps a discrete ``u`` with ``cut(u, n)`` over the range of the *sampled* ``u``; citykpi
uses equal intervals of ``[0, 1)`` so that a replication does not depend on the others. Names
must be unique; an unknown key, type, address or parameter is a :class:`~citykpi.errors.SpecError`
(never a silent default): addresses are checked against the build spec by the analysis.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

import numpy as np

from citykpi.errors import SpecError
from citykpi.index.records import FloatArray

InputKind = Literal["discrete", "continuous", "noisy_weights", "exclude"]
INPUT_KINDS: Final[tuple[str, ...]] = ("discrete", "continuous", "noisy_weights", "exclude")
Scalar = str | int | float | bool | None
Value = Scalar | Mapping[str, object]

_KEYS: Final[dict[str, frozenset[str]]] = {
    "discrete": frozenset({"name", "type", "address", "values"}),
    "continuous": frozenset({"name", "type", "address", "uniform"}),
    "noisy_weights": frozenset({"name", "type", "noise", "sets"}),
    "exclude": frozenset({"name", "type", "codes", "include_none"}),
}


@dataclass(frozen=True, slots=True)
class UncertainInput:
    """One uncertain input of the analysis (see the module docstring for each kind).

    Attributes
    ----------
    name
        Unique name; the column of ``replications.csv``.
    kind
        {"discrete", "continuous", "noisy_weights", "exclude"}.
    address
        ``"step"`` or ``"step.parameter"`` in the build spec (discrete and continuous).
    values
        The alternatives (discrete; for ``exclude``: ``""`` and the codes).
    low, high
        Range of a continuous input.
    noise
        Level -> noise factor (noisy weights).
    sets
        Number of noisy weight sets.
    """

    name: str
    kind: InputKind
    address: str = ""
    values: tuple[Value, ...] = ()
    low: float = math.nan
    high: float = math.nan
    noise: Mapping[int, float] = field(default_factory=dict)
    sets: int = 0

    @property
    def n_alternatives(self) -> int:
        """Return the number of discrete alternatives (0 for a continuous input)."""
        if self.kind == "continuous":
            return 0
        if self.kind == "noisy_weights":
            return self.sets
        return len(self.values)

    def index(self, u: FloatArray) -> np.ndarray:
        """Return the alternative chosen by each ``u`` (discrete kinds)."""
        n = self.n_alternatives
        return np.minimum(np.floor(np.asarray(u) * n).astype(np.int64), n - 1)

    def value(self, u: float) -> Value:
        """Return the value this input takes for the uniform number ``u``.

        For noisy weights this is the index of the weight set; for ``exclude`` the excluded
        code (``""`` for none).
        """
        if self.kind == "continuous":
            return self.low + float(u) * (self.high - self.low)
        k = int(self.index(np.array([u]))[0])
        if self.kind == "noisy_weights":
            return k
        return self.values[k]


@dataclass(frozen=True, slots=True)
class UncertaintySpec:
    """Every uncertain input of an analysis, in order (the columns of the design)."""

    inputs: tuple[UncertainInput, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Return the input names in design order."""
        return tuple(i.name for i in self.inputs)

    def draw(self, u_row: Sequence[float]) -> dict[str, Value]:
        """Return the value of every input for one row of the design."""
        return {inp.name: inp.value(u) for inp, u in zip(self.inputs, u_row, strict=True)}


def _fail(where: str, problem: str) -> SpecError:
    return SpecError(f"Uncertainty spec, {where}: {problem}")


def _address(raw: object, where: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise _fail(where, "'address' must be 'step' or 'step.parameter', e.g. 'treat.winmax'.")
    parts = raw.strip().split(".")
    if len(parts) > 2 or not all(parts):
        msg = f"address {raw!r} must be 'step' or 'step.parameter', e.g. 'normalise.method'."
        raise _fail(where, msg)
    return raw.strip()


def parse_uncertainty_spec(raw: object) -> UncertaintySpec:
    """Return the :class:`UncertaintySpec` of a parsed ``UA.yaml`` document.

    Parameters
    ----------
    raw
        A mapping with one key ``inputs`` (a list of input mappings).

    Returns
    -------
    UncertaintySpec
        The checked inputs.

    Raises
    ------
    SpecError
        On an unknown key or type, a missing field, an empty list or a duplicate name.
    """
    if not isinstance(raw, Mapping):
        msg = f"the document must be a mapping with one key 'inputs'; got {type(raw).__name__}."
        raise _fail("top level", msg)
    extra = sorted(map(str, set(raw) - {"inputs"}))
    if extra:
        msg = f"the document must be a mapping with one key 'inputs'; unknown keys {extra!r}."
        raise _fail("top level", msg)
    items = raw.get("inputs")
    if not isinstance(items, list) or not items:
        raise _fail("top level", "'inputs' must be a non-empty list of uncertain inputs.")
    inputs: list[UncertainInput] = []
    for pos, item in enumerate(items, start=1):
        where = f"input {pos}"
        if not isinstance(item, Mapping):
            raise _fail(where, f"each input must be a mapping; got {item!r}.")
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise _fail(where, "every input needs a 'name' (the column of replications.csv).")
        where = f"input {pos} ({name!r})"
        kind = item.get("type", "discrete")
        if kind not in INPUT_KINDS:
            raise _fail(where, f"unknown type {kind!r}; allowed: {', '.join(INPUT_KINDS)}.")
        unknown = sorted(set(item) - _KEYS[kind])
        if unknown:
            allowed = ", ".join(sorted(_KEYS[kind]))
            raise _fail(where, f"unknown key(s) {unknown!r} for type {kind!r}; allowed: {allowed}.")
        inputs.append(_parse_input(item, name, kind, where))
    names = [i.name for i in inputs]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise _fail("inputs", f"names must be unique; repeated: {dupes!r}.")
    return UncertaintySpec(tuple(inputs))


def _parse_input(item: Mapping[str, object], name: str, kind: str, where: str) -> UncertainInput:
    if kind == "discrete":
        values = item.get("values")
        if not isinstance(values, list) or not values:
            raise _fail(where, "'values' must be a non-empty list of alternatives.")
        address = _address(item.get("address"), where)
        if "." not in address and not all(isinstance(v, Mapping) for v in values):
            msg = f"address {address!r} names a whole step, so each value must be a mapping."
            raise _fail(where, msg)
        return UncertainInput(name, "discrete", address=address, values=tuple(values))
    if kind == "continuous":
        address = _address(item.get("address"), where)
        if "." not in address:
            raise _fail(where, f"a continuous input needs 'step.parameter', not {address!r}.")
        bounds = item.get("uniform")
        if (
            not isinstance(bounds, list)
            or len(bounds) != 2
            or not all(isinstance(b, int | float) for b in bounds)
            or not float(bounds[0]) < float(bounds[1])
        ):
            raise _fail(where, f"'uniform' must be [low, high] with low < high; got {bounds!r}.")
        return UncertainInput(
            name, "continuous", address=address, low=float(bounds[0]), high=float(bounds[1])
        )
    if kind == "noisy_weights":
        noise = item.get("noise")
        if not isinstance(noise, Mapping) or not noise:
            raise _fail(where, "'noise' must map levels to factors, e.g. {2: 0.25, 3: 0.25}.")
        levels: dict[int, float] = {}
        for lev, f in noise.items():
            if not str(lev).isdigit() or int(str(lev)) < 1:
                raise _fail(where, f"noise level {lev!r} must be a level number >= 1.")
            if not isinstance(f, int | float) or not 0 <= float(f) <= 1:
                raise _fail(where, f"noise factor {f!r} of level {lev} must be within [0, 1].")
            levels[int(str(lev))] = float(f)
        sets = item.get("sets", 100)
        if not isinstance(sets, int) or isinstance(sets, bool) or sets < 1:
            raise _fail(where, f"'sets' must be a positive integer; got {sets!r}.")
        return UncertainInput(name, "noisy_weights", noise=levels, sets=sets)
    codes = item.get("codes", [])
    if not isinstance(codes, list) or not all(isinstance(c, str) and c for c in codes):
        raise _fail(where, "'codes' must be a list of indicator codes.")
    include_none = item.get("include_none", True)
    if not isinstance(include_none, bool):
        raise _fail(where, f"'include_none' must be true or false; got {include_none!r}.")
    return UncertainInput(
        name, "exclude", values=(("",) if include_none else ()) + tuple(codes), address=""
    )


def default_uncertainty(n_levels: int, *, noise: float = 0.25, sets: int = 100) -> UncertaintySpec:
    """Return the analysis used when no UA spec is given: noisy weights only.

    Every aggregation level below the index (levels 2 to ``n_levels - 1``; level 2 when the index
    sits directly on level 2) gets a noise factor of ``noise``, with ``sets`` weight sets. This
    is valid for any build spec, unlike choices of method that depend on the steps it runs.

    Parameters
    ----------
    n_levels
        Number of levels of the index (indicators are level 1).
    noise
        Noise factor ``f`` of ``w' = w + U(-1, 1) f w``.
    sets
        Number of noisy weight sets.
    """
    levels = list(range(2, n_levels)) or [2]
    return UncertaintySpec(
        (UncertainInput("weights", "noisy_weights", noise=dict.fromkeys(levels, noise), sets=sets),)
    )


def noise_multipliers(
    levels: Sequence[int], noise: Mapping[int, float], *, sets: int, seed: int
) -> FloatArray:
    """Return ``sets`` rows of weight multipliers ``1 + U(-1, 1) f`` (one per node).

    Parameters
    ----------
    levels
        Level of each node.
    noise
        Level -> noise factor ``f`` (nodes of other levels get multiplier 1).
    sets
        Number of sets.
    seed
        Seed of ``Generator(PCG64(seed))``; the uniform numbers fill the ``(sets, nodes)``
        matrix row by row.

    Returns
    -------
    numpy.ndarray
        Shape ``(sets, nodes)``.
    """
    from citykpi.index.sampling import rng_for

    missing = sorted(set(noise) - {int(lev) for lev in levels})
    if missing:
        msg = f"Noisy weights name level(s) {missing!r}, which the index does not have."
        raise SpecError(msg)
    f = np.array([noise.get(int(lev), 0.0) for lev in levels], dtype=np.float64)
    u = rng_for(seed).random((sets, f.size))
    out: FloatArray = 1.0 + (2.0 * u - 1.0) * f[None, :]
    return out


def noisy_weight_sets(
    weights: FloatArray, levels: Sequence[int], noise: Mapping[int, float], *, sets: int, seed: int
) -> FloatArray:
    """Return ``sets`` noisy copies of ``weights``: ``w + U(-1, 1) f w`` per node (COINr).

    Parameters
    ----------
    weights
        Node weights aligned with the hierarchy's codes.
    levels, noise, sets, seed
        As for :func:`noise_multipliers`.

    Returns
    -------
    numpy.ndarray
        Shape ``(sets, nodes)``; no renormalisation.
    """
    w = np.asarray(weights, dtype=np.float64)
    out: FloatArray = w[None, :] * noise_multipliers(levels, noise, sets=sets, seed=seed)
    return out


__all__ = [
    "INPUT_KINDS",
    "InputKind",
    "UncertainInput",
    "UncertaintySpec",
    "Value",
    "default_uncertainty",
    "noise_multipliers",
    "noisy_weight_sets",
    "parse_uncertainty_spec",
]
