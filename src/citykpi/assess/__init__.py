"""Assessment of KPI values: targets and U4SSC bands, SDG roll-up, trends, peers, plans.

Works on the KPI long table written by ``citykpi compute`` (:data:`citykpi.model.KPI_COLUMNS`).
The modules, in the order a reader meets them:

* :mod:`~citykpi.assess.targets`: target sets as data (the default set and users' files);
* :mod:`~citykpi.assess.scoring`: share of target, points 1-4, category to dimension scores;
* :mod:`~citykpi.assess.sdg`: SDG roll-up and goal colours;
  :mod:`~citykpi.assess.assessment`: all three in one call (:func:`assess_table`);
* :mod:`~citykpi.assess.trends` and :mod:`~citykpi.assess.projection`: SDSN arrows, the
  Statistics Canada progress measure, 2030 projections; :mod:`~citykpi.assess.series` puts
  them in one table;
* :mod:`~citykpi.assess.peers` and :mod:`~citykpi.assess.plan`: peer groups and feasible
  targets; :mod:`~citykpi.assess.summary`: the one-city summary of the demo.
"""

from citykpi.assess.assessment import Assessment, assess_table
from citykpi.assess.meta import DataPointMeta, catalogue_meta, meta_from_catalogue
from citykpi.assess.peers import (
    PeerReport,
    learn_from,
    peer_group,
    peer_report,
    peers_of,
    percentiles,
)
from citykpi.assess.plan import PlanResult, PlanThresholds, plan_target, suggest_target
from citykpi.assess.projection import Projection, project, year_target_reached
from citykpi.assess.scoring import (
    BAND_LABELS,
    BandScheme,
    ScoringOptions,
    achievement,
    aggregate_scores,
    score_kpis,
    score_percent,
)
from citykpi.assess.sdg import GoalRule, sdg_goal, sdg_rollup, sdg_trends
from citykpi.assess.series import TrendOptions, assess_trends
from citykpi.assess.summary import CitySummary, DimensionScore, WeakPoint, summarise_city
from citykpi.assess.targets import (
    Target,
    TargetKind,
    TargetSet,
    default_targets,
    load_targets,
    with_city_target,
)
from citykpi.assess.trends import (
    ProgressResult,
    ProgressStatus,
    SdsnResult,
    SdsnTrend,
    progress_measure,
    sdsn_trend,
)
from citykpi.tables import population_class  # re-exported: peers group by it

__all__ = [
    "BAND_LABELS",
    "Assessment",
    "BandScheme",
    "CitySummary",
    "DataPointMeta",
    "DimensionScore",
    "GoalRule",
    "PeerReport",
    "PlanResult",
    "PlanThresholds",
    "ProgressResult",
    "ProgressStatus",
    "Projection",
    "ScoringOptions",
    "SdsnResult",
    "SdsnTrend",
    "Target",
    "TargetKind",
    "TargetSet",
    "TrendOptions",
    "WeakPoint",
    "achievement",
    "aggregate_scores",
    "assess_table",
    "assess_trends",
    "catalogue_meta",
    "default_targets",
    "learn_from",
    "load_targets",
    "meta_from_catalogue",
    "peer_group",
    "peer_report",
    "peers_of",
    "percentiles",
    "plan_target",
    "population_class",
    "progress_measure",
    "project",
    "score_kpis",
    "score_percent",
    "sdg_goal",
    "sdg_rollup",
    "sdg_trends",
    "sdsn_trend",
    "suggest_target",
    "summarise_city",
    "with_city_target",
    "year_target_reached",
]
