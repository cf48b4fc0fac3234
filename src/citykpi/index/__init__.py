"""Composite-index engine on numpy arrays: COINr-compatible steps, pipeline, editions.

``citykpi.index`` reads and writes no file, touches no database and imports no assessment:
data arrive as numpy arrays (``[units, indicators]`` float64, ``NaN`` for missing) or pandas
frames, and leave the same way (``tests/test_layering.py`` enforces this). Reading and writing
the engine's files is the input/output layer's job (:mod:`citykpi.io`); the U4SSC city index,
which feeds the engine from the assessment, is :mod:`citykpi.frameworks.u4ssc`.

Public API (stable; the audit and uncertainty modules build on it)
------------------------------------------------------------------

Structure::

    h = hierarchy_from_meta(imeta_frame)          # Hierarchy; SpecError on cycle, dangling
    h.codes, h.indicators, h.n_levels, h.root     # parent, empty group, duplicate code
    h.directions() -> [n_ind] (+1/-1);  h.weights() -> [n_nodes] aligned with h.codes
    h.children(code), h.level_codes(level), h.membership(level), h.with_weights({...})

Steps: pure functions ``f(x, *, ...) -> (data, record, ...)`` (NamedTuples; ``record`` is a
:class:`StepRecord`)::

    denominate(x, denominators, *, scale=1.0, codes=None, units=None)        -> StepOutput
    screen(x, *, dat_thresh=0.66, unit_screen="byNA", ...)                  -> ScreenOutput
    impute(x, *, method="mean"|"median"|"mean_group"|"median_group"|"row_mean"|"em",
           groups=None, blocks=None, directions=None)                      -> StepOutput
    treat(x, *, winmax=5, skew_thresh=2, kurt_thresh=3.5, f2="log_CT", ...)  -> TreatOutput
                                               # .points: "winhi"/"winlo"/"...+log_CT" table
    normalise(x, *, method="minmax", directions=None, lower=, upper=, mean=, sd=, scale=,
              targets=, trunc=True, cap_max=False, zero_variance="error")   -> NormaliseOutput
    fit_normalisation(x, *, method=..., ...) -> NormParams;  NormParams.apply(x)
    aggregate(x[..., units, ind], h, *, weights=None | {code: w} | w[..., nodes],
              method="amean"|"gmean"|"hmean"|"genmean"|"copeland" (or one per level),
              p=1.0, dat_thresh=None)                                      -> AggregateOutput
                                               # .data[..., units, nodes] in h.codes order
    rank_scores(scores[..., units, cols]) -> ranks (1 = best, ties "min", NaN kept)
    pca_weights(x, h, *, level=1), optimise_weights(x, h, *, level=2, target="balance")

``normalise`` and ``aggregate`` accept leading batch axes: ``aggregate(X[B, U, I],
h, weights=W[B, N])`` aggregates B replications in one vectorised call.

Pipeline and editions::

    result = build_index(idata_frame, imeta_frame_or_hierarchy, spec_mapping)  # IndexResult
    result.datasets["raw"|"denominated"|"imputed"|"screened"|"treated"|"normalised"
                    |"aggregated"], result.ranks, result.treat_points, result.log
    edition = Edition.from_result(result); edition.score(later_idata) -> IndexResult
    edition.to_json() / edition.to_yaml() / Edition.from_text(text)   (text, no file)

Each step of ``build_index`` is registered once in :mod:`citykpi.index.steps` (spec model class
-> runner); a new step or method touches that registry and the spec model only.

Outside the engine (they import it, it never imports them)::

    citykpi.frameworks.build_u4ssc_index(kpi_long_table, *, cities=None, ...)  # U4sscIndex
    citykpi.io: reading iData/iMeta/spec files, writing results, saving editions

Modelling assumptions: direction is applied by multiplying each indicator by +1/-1 before
normalisation (COINr); lower-is-better indicators therefore score high when small. Missing
children are dropped with their weights when aggregating. See ``docs/index-spec.md``.
"""

from __future__ import annotations

from citykpi.index.aggregate import AGGREGATION_METHODS, AggregateOutput, aggregate, weight_vector
from citykpi.index.denominate import denominate
from citykpi.index.edition import Edition
from citykpi.index.hierarchy import Hierarchy, Node, make_hierarchy
from citykpi.index.imeta import hierarchy_from_meta
from citykpi.index.impute import IMPUTATION_METHODS, impute
from citykpi.index.normalise import (
    NORMALISATION_METHODS,
    NormaliseOutput,
    NormParams,
    fit_normalisation,
    normalise,
)
from citykpi.index.pipeline import FrozenParams, IndexResult, build_index
from citykpi.index.ranks import min_rank, rank_scores
from citykpi.index.records import FloatArray, StepOutput, StepRecord
from citykpi.index.screen import ScreenOutput, screen
from citykpi.index.spec import IndexSpec, parse_spec
from citykpi.index.treat import TreatOutput, TreatParams, treat
from citykpi.index.weights import equal_weights, optimise_weights, pca_weights

__all__ = [
    "AGGREGATION_METHODS",
    "IMPUTATION_METHODS",
    "NORMALISATION_METHODS",
    "AggregateOutput",
    "Edition",
    "FloatArray",
    "FrozenParams",
    "Hierarchy",
    "IndexResult",
    "IndexSpec",
    "Node",
    "NormParams",
    "NormaliseOutput",
    "ScreenOutput",
    "StepOutput",
    "StepRecord",
    "TreatOutput",
    "TreatParams",
    "aggregate",
    "build_index",
    "denominate",
    "equal_weights",
    "fit_normalisation",
    "hierarchy_from_meta",
    "impute",
    "make_hierarchy",
    "min_rank",
    "normalise",
    "optimise_weights",
    "parse_spec",
    "pca_weights",
    "rank_scores",
    "screen",
    "treat",
    "weight_vector",
]
