"""The whole assessment of a KPI table in one call: scores, roll-up to dimensions, SDG colours.

:func:`assess_table` chains :func:`~citykpi.assess.scoring.score_kpis` (each value against its
target, points 1-4), :func:`~citykpi.assess.scoring.aggregate_scores` (category,
sub-dimension and dimension scores) and :func:`~citykpi.assess.sdg.sdg_rollup` (goal colours),
so the command line, the pipeline and the Python API assess a table the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import pandas as pd

from citykpi.assess.meta import MetaMap, catalogue_meta
from citykpi.assess.scoring import (
    KPI_RESULT_COLUMNS,
    SCORE_COLUMNS,
    ScoringOptions,
    aggregate_scores,
    score_kpis,
)
from citykpi.assess.sdg import SDG_COLUMNS, GoalRule, sdg_rollup
from citykpi.assess.targets import TargetSet, default_targets

#: The tables of an assessment, with their columns and a one-sentence description.
ASSESSMENT_TABLES: Final[dict[str, tuple[tuple[str, ...], str]]] = {
    "kpis": (
        KPI_RESULT_COLUMNS,
        "Every KPI value with its target, achievement (% of target), points 1-4 and band.",
    ),
    "scores": (
        SCORE_COLUMNS,
        "U4SSC scores per city and year, rolled up to category, sub-dimension and dimension.",
    ),
    "sdg": (SDG_COLUMNS, "SDG roll-up per city and year: goal ratings and colours."),
}


@dataclass(frozen=True, slots=True)
class Assessment:
    """A KPI table assessed against a target set."""

    kpis: pd.DataFrame  # columns KPI_RESULT_COLUMNS: one scored row per KPI value
    scores: pd.DataFrame  # columns SCORE_COLUMNS
    sdg: pd.DataFrame  # columns SDG_COLUMNS
    targets: TargetSet
    rule: GoalRule

    def tables(self) -> dict[str, pd.DataFrame]:
        """Return the three tables by name (``kpis``, ``scores``, ``sdg``)."""
        return {"kpis": self.kpis, "scores": self.scores, "sdg": self.sdg}


def assess_table(
    table: pd.DataFrame,
    *,
    targets: TargetSet | None = None,
    rule: GoalRule = "sdr",
    meta: MetaMap | None = None,
    options: ScoringOptions | None = None,
) -> Assessment:
    """Score a KPI table against targets, roll the points up and colour the SDGs.

    Parameters
    ----------
    table
        KPI long table (:data:`citykpi.model.KPI_COLUMNS`), e.g. from
        :func:`citykpi.sources.load_kpi_table`.
    targets
        Target set; default :func:`citykpi.assess.default_targets`.
    rule : {"sdr", "us_cities"}
        SDG goal colour rule.
    meta
        Data point metadata; defaults to the bundled catalogue.
    options
        Band scheme and scoring options; the U4SSC defaults when None.

    Returns
    -------
    Assessment
        The scored values, the scores per level and the SDG roll-up.
    """
    info = catalogue_meta(meta)
    tset = targets if targets is not None else default_targets(meta=info)
    scored = score_kpis(table, targets=tset, meta=info, options=options)
    scores = aggregate_scores(scored, meta=info, options=options)
    bands = options.bands if options is not None else None
    sdg = sdg_rollup(scored, meta=info, rule=rule, bands=bands)
    return Assessment(kpis=scored, scores=scores, sdg=sdg, targets=tset, rule=rule)


__all__ = ["ASSESSMENT_TABLES", "Assessment", "assess_table"]
