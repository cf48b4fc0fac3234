"""Monte Carlo uncertainty analysis of a composite index, batched by discrete choices.

:class:`UncertaintyAnalysis` draws ``N`` replications of the uncertain inputs of an
:class:`~citykpi.index.uncertainty_spec.UncertaintySpec` (one uniform number per input and
replication, ``Generator(PCG64(seed))``) and returns, per unit, the nominal, mean, median, 5th
and 95th percentile (numpy "linear", R type 7) of the rank and of the score of the target node
(the index by default).

**Batching.** A replication is determined by its *upstream* choices (every input addressing a
step other than ``aggregate``, and the excluded indicator), its *aggregation* choices (inputs
addressing ``aggregate``) and its weight set.

1. The steps before aggregation run once per distinct set of upstream choices, through the
   plain engine (:func:`citykpi.index.build_index`) one step at a time, so that a shared prefix
   (e.g. one outlier treatment under two normalisations) runs once.
2. Every replication sharing the structure, the units and the aggregation choices, whatever its
   upstream data and weights, is aggregated in one batched call of
   :func:`citykpi.index.aggregate` (data and weights with a leading batch axis), in chunks that
   bound memory. When the same arithmetic (or geometric) mean is used at every level without a
   data threshold and the data are complete, the index is the weighted mean of the indicators
   with their *effective* weights, and all replications reduce to one matrix product
   (:func:`closed_form_kind`, :func:`effective_weights`; tested equal to the engine's
   aggregation to 1e-13).

With ``workers > 1`` and a large enough problem (:data:`PARALLEL_BUILD_CELLS`,
:data:`PARALLEL_AGGREGATE_CELLS`) the upstream builds and the aggregation batches are spread over
a process pool; each is computed the same way whichever process runs it, so the results are
identical.

**Noisy weights.** The input picks one of ``sets`` noise draws ``e`` in ``[-1, 1]`` per node,
drawn once from the seed; a replication's weights are ``w (1 + e f_level)`` where ``w`` are the
weights the nominal build of its group resolved (so PCA or optimised weights are perturbed the
same way as iMeta weights). :meth:`UncertaintyAnalysis.replay` rebuilds any replication through
the plain engine with those weights written into the spec.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, Final, cast

import numpy as np
import pandas as pd

from citykpi.errors import IndexComputationError, SpecError
from citykpi.index.hierarchy import Hierarchy
from citykpi.index.imeta import hierarchy_from_meta
from citykpi.index.pipeline import DATASET_OF_STEP, IndexResult, build_index
from citykpi.index.ranks import rank_scores
from citykpi.index.records import FloatArray
from citykpi.index.sampling import uniform_sample
from citykpi.index.spec import AggregateStep, IndexSpec, WeightsSpec, parse_spec
from citykpi.index.uncertainty_apply import (
    apply_values,
    check_uncertainty_spec,
    split_address,
    value_text,
)
from citykpi.index.uncertainty_batch import (
    Batch,
    Upstream,
    WeightNoise,
    closed_form_kind,
    effective_weights,
)
from citykpi.index.uncertainty_result import STATS_COLUMNS, UncertaintyResult
from citykpi.index.uncertainty_spec import UncertaintySpec, Value, noise_multipliers
from citykpi.index.workers import default_workers, pool_map

#: Bytes one batched aggregation call may use for its output (chunks are sized from it).
CHUNK_BYTES: Final = 128 * 1024 * 1024

#: Worker processes pay off only on large problems: starting them, sending the upstream data
#: back and repeating shared step prefixes in each worker cost more than they save below these
#: sizes (measured: 1,000 cities x 112 indicators x 10,000 replications runs faster in one
#: process). The upstream builds go to the pool from this many data cells (units x indicators)
#: ...
PARALLEL_BUILD_CELLS: Final = 500_000
#: ... and the aggregation batches that need the engine (not the closed form) from this many
#: output cells (replications x units x nodes).
PARALLEL_AGGREGATE_CELLS: Final = 50_000_000

Progress = Callable[[int, int], None]


class UncertaintyAnalysis:
    """An uncertainty analysis of one index: data, structure, nominal spec and uncertain inputs.

    Parameters
    ----------
    data
        iData (as for :func:`citykpi.index.build_index`).
    meta
        iMeta table or :class:`~citykpi.index.Hierarchy`.
    spec
        The nominal build spec; its last step must be ``aggregate``.
    uncertainty
        The uncertain inputs.
    target
        Node whose score and rank are analysed (default: the index).
    seed
        Seed of the noisy weight sets: input ``k`` (0-based) draws its sets from
        ``Generator(PCG64(seed + 7919 (k + 1)))``; the replications take their own seed in
        :meth:`run`.
    """

    def __init__(
        self,
        data: pd.DataFrame,
        meta: pd.DataFrame | Hierarchy,
        spec: Mapping[str, Any] | IndexSpec,
        uncertainty: UncertaintySpec,
        *,
        target: str | None = None,
        seed: int = 0,
    ) -> None:
        self.data = data
        self.spec = parse_spec(spec)
        self.hierarchy = (
            meta
            if isinstance(meta, Hierarchy)
            else hierarchy_from_meta(meta, level_names=self.spec.level_names)
        )
        inputs = []
        for inp in uncertainty.inputs:
            if inp.kind == "exclude" and all(v == "" for v in inp.values):
                inp = replace(inp, values=(*inp.values, *self.hierarchy.indicators))
            inputs.append(inp)
        self.uncertainty = UncertaintySpec(tuple(inputs))
        check_uncertainty_spec(self.spec, self.uncertainty, self.hierarchy.indicators)
        self.nominal: IndexResult = build_index(data, self.hierarchy, self.spec)
        self.target = target or self.nominal.hierarchy.root
        if self.target not in self.nominal.scores.columns:
            msg = (
                f"Target {self.target!r} is not a node of the index; use one of "
                f"{', '.join(map(str, self.nominal.scores.columns[-5:]))}."
            )
            raise SpecError(msg)
        self.units: tuple[str, ...] = self.nominal.units
        self.nominal_scores = self.nominal.scores[self.target].to_numpy(dtype=np.float64)
        self.nominal_ranks = self.nominal.ranks[self.target].to_numpy(dtype=np.float64)
        levels = [n.level for n in self.hierarchy.nodes]
        multipliers: dict[str, FloatArray] = {}
        for k, inp in enumerate(self.uncertainty.inputs):
            if inp.kind == "noisy_weights":
                unknown = sorted(set(inp.noise) - set(levels))
                if unknown:
                    msg = (
                        f"Uncertain input {inp.name!r} adds noise to level(s) {unknown!r}, "
                        f"which the index does not have (levels 1-{self.hierarchy.n_levels})."
                    )
                    raise SpecError(msg)
                # each noisy-weights input has its own stream, derived from the seed
                multipliers[inp.name] = noise_multipliers(
                    levels, inp.noise, sets=inp.sets, seed=seed + 7919 * (k + 1)
                )
        self._noise = WeightNoise(self.hierarchy.codes, multipliers)
        self._cache: dict[tuple[str, ...], Upstream] = {}
        self._stages: dict[tuple[object, ...], tuple[pd.DataFrame, Hierarchy, tuple[str, ...]]]
        self._stages = {}

    def noise_draws(self) -> dict[str, FloatArray]:
        """Return, per noisy-weights input, the weight multipliers ``1 + e f`` of each set.

        Returns
        -------
        dict
            Input name -> array ``(sets, nodes)`` aligned with ``hierarchy.codes``.
        """
        return {name: m.copy() for name, m in self._noise.multipliers.items()}

    # ------------------------------------------------------------------ one replication
    def _split(
        self, draw: Mapping[str, Value]
    ) -> tuple[list[tuple[str, Value]], list[tuple[str, Value]]]:
        up: list[tuple[str, Value]] = []
        agg: list[tuple[str, Value]] = []
        for inp in self.uncertainty.inputs:
            if inp.kind in ("discrete", "continuous"):
                step, _ = split_address(inp.address)
                (agg if step == "aggregate" else up).append((inp.address, draw[inp.name]))
        return up, agg

    def _excluded(self, draw: Mapping[str, Value]) -> list[str]:
        inputs = self.uncertainty.inputs
        return [str(draw[i.name]) for i in inputs if i.kind == "exclude" and draw[i.name]]

    def _upstream(
        self, up: list[tuple[str, Value]], agg: list[tuple[str, Value]], excluded: list[str]
    ) -> Upstream:
        """Return the data entering aggregation for these choices (cached)."""
        spec = apply_values(self.spec, up + agg)
        step = spec.steps[-1]
        assert isinstance(step, AggregateStep)
        # fixed weights are read off the hierarchy; PCA, optimised or custom weights come
        # from a full build of the plain engine
        static = step.weights in ("original", "equal") or (
            isinstance(step.weights, WeightsSpec) and step.weights.method in ("original", "equal")
        )
        key = (
            *(f"{a}={value_text(v)}" for a, v in up),
            *(f"{a}={value_text(v)}" for a, v in agg if not static),
            *(f"exclude={c}" for c in excluded),
        )
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        h = self.hierarchy.without(excluded) if excluded else self.hierarchy
        frame, hr, units = self._staged(spec, h, tuple(excluded))
        x = frame.loc[:, list(hr.indicators)].to_numpy(dtype=np.float64)
        if static:
            equal = step.weights == "equal" or (
                isinstance(step.weights, WeightsSpec) and step.weights.method == "equal"
            )
            w = np.ones(len(hr.codes)) if equal else hr.weights()
        else:
            res = build_index(self.data, h, spec)
            w = np.array([res.weights[c] for c in hr.codes], dtype=np.float64)
        out = Upstream(x=x, hierarchy=hr, units=units, weights=w)
        self._cache[key] = out
        return out

    def _staged(
        self, spec: IndexSpec, h: Hierarchy, excluded: tuple[str, ...]
    ) -> tuple[pd.DataFrame, Hierarchy, tuple[str, ...]]:
        """Run the steps before aggregation one at a time, reusing every shared prefix.

        Each step is a pure function of the data, the structure and the unit columns, so
        running the steps in separate :func:`build_index` calls gives the same numbers as one
        call; replications that differ only in a late step (e.g. the normalisation) share
        the earlier ones (e.g. the outlier treatment).
        """
        steps = [s.model_dump(exclude_defaults=True) | {"step": s.step} for s in spec.steps[:-1]]
        texts = [value_text(st) for st in steps]
        state: tuple[pd.DataFrame, Hierarchy, tuple[str, ...]] | None = None
        done = 0
        for j in range(len(steps), 0, -1):
            state = self._stages.get((excluded, *texts[:j]))
            if state is not None:
                done = j
                break
        if state is None:
            frame = self.data.copy()
            frame["uCode"] = frame["uCode"].astype(str)
            state = (frame.sort_values("uCode", kind="stable").set_index("uCode"), h, ())
        for j in range(done, len(steps)):
            frame, hj, _ = state
            res = build_index(frame.reset_index(), hj, {"steps": [steps[j]]})
            name = DATASET_OF_STEP[spec.steps[j].step]
            cols = [c for c in res.unit_data.columns if c not in res.hierarchy.indicators]
            data = res.unit_data.loc[:, cols].join(res.datasets[name])
            state = (data, res.hierarchy, res.units)
            self._stages[(excluded, *texts[: j + 1])] = state
        frame, hr, units = state
        if not units:
            units = tuple(str(u) for u in frame.index)
        return frame, hr, units

    def _agg_step(self, agg: list[tuple[str, Value]]) -> AggregateStep:
        spec = apply_values(self.spec, agg)
        return next(s for s in spec.steps if isinstance(s, AggregateStep))

    def replay(self, draw: Mapping[str, object]) -> IndexResult:
        """Rebuild one replication through the plain engine (no batching, no cache).

        Parameters
        ----------
        draw
            A replication's values: an element of :attr:`UncertaintyResult.draws`, or a row of
            ``replications.csv`` (text values are parsed back).

        Returns
        -------
        IndexResult
            The replication's full build; its target column equals the batched result.
        """
        values = self.parse_draw(draw)
        up, agg = self._split(values)
        excluded = self._excluded(values)
        h = self.hierarchy.without(excluded) if excluded else self.hierarchy
        spec = apply_values(self.spec, up + agg)
        if self._noise.multipliers:
            probe = build_index(self.data, h, spec)
            codes = probe.hierarchy.codes
            w = np.array([probe.weights[c] for c in codes]) * self._noise.factor([values], codes)[0]
            noisy = dict(zip(codes, w.tolist(), strict=True))
            spec = apply_values(spec, [("aggregate.weights", noisy)])
        return build_index(self.data, h, spec)

    def parse_draw(self, draw: Mapping[str, object]) -> dict[str, Value]:
        """Return the typed values of a replication given as values or as CSV text."""
        out: dict[str, Value] = {}
        for inp in self.uncertainty.inputs:
            if inp.name not in draw:
                msg = f"The replication has no value for input {inp.name!r}; pass every input."
                raise SpecError(msg)
            raw = draw[inp.name]
            if inp.kind == "continuous":
                out[inp.name] = float(str(raw))
            elif inp.kind == "noisy_weights":
                out[inp.name] = int(str(raw))
            else:
                text = raw if isinstance(raw, str) else value_text(cast(Value, raw))
                match = [v for v in inp.values if value_text(v) == text]
                if not match:
                    msg = f"Input {inp.name!r} has no alternative {raw!r}; see the UA spec."
                    raise SpecError(msg)
                out[inp.name] = match[0]
        return out

    # ------------------------------------------------------------------ many replications
    def _draws(self, u: FloatArray) -> tuple[dict[str, Value], ...]:
        """Map a design to values column by column (the same map as ``UncertaintySpec.draw``)."""
        columns: list[list[Value]] = []
        for k, inp in enumerate(self.uncertainty.inputs):
            if inp.kind == "continuous":
                columns.append((inp.low + u[:, k] * (inp.high - inp.low)).tolist())
                continue
            idx = inp.index(u[:, k]).tolist()
            if inp.kind == "noisy_weights":
                columns.append(idx)
            else:
                columns.append([inp.values[i] for i in idx])
        names = self.uncertainty.names
        return tuple(dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True))

    def evaluate(
        self, u: FloatArray, *, workers: int = 1, progress: Progress | None = None
    ) -> tuple[FloatArray, FloatArray, tuple[dict[str, Value], ...]]:
        """Return the target's scores and ranks for each row of a design ``u`` (``M x d``).

        Parameters
        ----------
        u
            Uniform numbers, one column per uncertain input.
        workers
            Processes for the upstream builds and the batched aggregation (1: this process).
        progress
            Called with ``(replications done, total)`` as batches finish.

        Returns
        -------
        tuple
            ``(scores, ranks, draws)`` with ``scores`` and ``ranks`` of shape ``(M, units)``.
        """
        arr = np.asarray(u, dtype=np.float64)
        if arr.ndim != 2 or arr.shape[1] != len(self.uncertainty.inputs):
            msg = f"The design must have {len(self.uncertainty.inputs)} columns; got {arr.shape}."
            raise SpecError(msg)
        draws = self._draws(arr)
        # 1. one upstream build per distinct set of upstream (and aggregation) choices
        keys: dict[tuple[str, ...], int] = {}
        firsts: list[dict[str, Value]] = []
        base_of = np.empty(len(draws), dtype=np.int64)
        agg_of: list[tuple[str, ...]] = []
        for i, d in enumerate(draws):
            up, agg = self._split(d)
            key = (
                *(value_text(v) for _, v in up),
                *(value_text(v) for _, v in agg),
                *self._excluded(d),
            )
            if key not in keys:
                keys[key] = len(firsts)
                firsts.append(d)
            base_of[i] = keys[key]
            agg_of.append(tuple(value_text(v) for _, v in agg))
        size = len(self.units) * len(self.hierarchy.indicators)
        if workers > 1 and len(firsts) > 1 and size >= PARALLEL_BUILD_CELLS:
            # contiguous blocks of keys (in key order) keep shared step prefixes, such as
            # one treatment under several normalisations, in the same worker's cache
            order = sorted(range(len(firsts)), key=lambda k: list(keys)[k])
            chunk = -(-len(firsts) // workers)
            built = list(
                pool_map(
                    self._upstream_for,
                    [firsts[k] for k in order],
                    workers=workers,
                    chunksize=chunk,
                )
            )
            bases = [built[order.index(k)] for k in range(len(firsts))]
        else:
            bases = [self._upstream_for(d) for d in firsts]
        # 2. batched aggregation: every replication sharing structure, units and aggregation
        #    method, whatever its upstream data and weights, goes into one call
        classes: dict[tuple[object, ...], list[int]] = {}
        for i in range(len(draws)):
            b = bases[base_of[i]]
            classes.setdefault((agg_of[i], b.hierarchy.codes, b.units), []).append(i)
        batches: list[tuple[list[int], AggregateStep]] = []
        engine_cells = 0
        for rows in classes.values():
            b = bases[base_of[rows[0]]]
            step = self._agg_step(self._split(draws[rows[0]])[1])
            members = [bases[k] for k in sorted({int(base_of[i]) for i in rows})]
            if closed_form_kind(step, members, self.target) is not None:
                per = max(1, CHUNK_BYTES // (8 * (len(b.units) + len(b.hierarchy.codes)) * 4))
            else:
                per = max(1, CHUNK_BYTES // (8 * max(1, len(b.units)) * len(b.hierarchy.codes) * 4))
                engine_cells += len(rows) * len(b.units) * len(b.hierarchy.codes)
            batches.extend((rows[k : k + per], step) for k in range(0, len(rows), per))
        scores = np.full((arr.shape[0], len(self.units)), np.nan)
        state = Batch(bases, base_of, draws, self._noise, self.target, self.units)
        parallel = workers > 1 and len(batches) > 1 and engine_cells >= PARALLEL_AGGREGATE_CELLS
        results = (
            pool_map(state.run, batches, workers=workers)
            if parallel
            else (state.run(task) for task in batches)
        )
        done = 0
        for (rows, _), out in zip(batches, results, strict=True):
            scores[rows] = out
            done += len(rows)
            if progress is not None:
                progress(done, arr.shape[0])
        ranks = rank_scores(scores[..., None])[..., 0]
        return scores, ranks, draws

    def _upstream_for(self, draw: Mapping[str, Value]) -> Upstream:
        up, agg = self._split(draw)
        try:
            return self._upstream(up, agg, self._excluded(draw))
        except IndexComputationError as e:
            shown = {k: value_text(v) for k, v in draw.items()}
            msg = f"The replication with values {shown} cannot be built: {e}"
            raise IndexComputationError(msg) from e

    def run(
        self, n: int, *, seed: int, workers: int = 1, progress: Progress | None = None
    ) -> UncertaintyResult:
        """Run ``n`` Monte Carlo replications.

        Parameters
        ----------
        n
            Number of replications.
        seed
            Seed of the design (``Generator(PCG64(seed))``).
        workers
            Processes to use (``1``: this process; results are identical either way).
        progress
            Called with ``(replications done, total)``.

        Returns
        -------
        UncertaintyResult
            Per-replication scores, ranks and draws, and the statistics per unit.
        """
        u = uniform_sample(n, len(self.uncertainty.inputs), seed=seed)
        scores, ranks, draws = self.evaluate(u, workers=workers, progress=progress)
        return UncertaintyResult(
            units=self.units,
            target=self.target,
            nominal_scores=self.nominal_scores,
            nominal_ranks=self.nominal_ranks,
            scores=scores,
            ranks=ranks,
            draws=draws,
            names=self.uncertainty.names,
        )


__all__ = [
    "CHUNK_BYTES",
    "PARALLEL_AGGREGATE_CELLS",
    "PARALLEL_BUILD_CELLS",
    "STATS_COLUMNS",
    "UncertaintyAnalysis",
    "UncertaintyResult",
    "closed_form_kind",
    "default_workers",
    "effective_weights",
]
