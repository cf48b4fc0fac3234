"""The outcome of an uncertainty analysis: every replication, and per-unit statistics of it.

:class:`UncertaintyResult` holds the scores and ranks of each replication of
:class:`~citykpi.index.uncertainty.UncertaintyAnalysis` with the values drawn for it. Its
statistics tables give per unit the nominal value, the mean, the median and the 5 % and 95 %
quantiles; a unit screened out of every replication gets ``NaN`` there, without a warning.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from citykpi.index.records import FloatArray
from citykpi.index.uncertainty_apply import value_text
from citykpi.index.uncertainty_spec import Value

#: Columns of the rank and score statistics tables.
STATS_COLUMNS: Final[tuple[str, ...]] = ("unit", "nominal", "mean", "median", "q5", "q95")


@dataclass(frozen=True)
class UncertaintyResult:
    """Outcome of a Monte Carlo uncertainty analysis.

    Attributes
    ----------
    units
        Unit codes (columns of ``scores`` and ``ranks``).
    target
        Code of the node analysed (the index by default).
    nominal_scores, nominal_ranks
        The nominal build's score and rank of each unit.
    scores, ranks
        ``(N, units)`` score and rank of each unit in each replication.
    draws
        The values drawn for each replication (input name -> value).
    names
        Input names, in spec order.
    """

    units: tuple[str, ...]
    target: str
    nominal_scores: FloatArray
    nominal_ranks: FloatArray
    scores: FloatArray
    ranks: FloatArray
    draws: tuple[dict[str, Value], ...]
    names: tuple[str, ...]

    def _stats(self, values: FloatArray, nominal: FloatArray) -> pd.DataFrame:
        # a unit screened out of every replication has no statistics: NaN, without a warning
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            if not values.size:
                q, mean = None, np.nan
            elif np.isnan(values).any():
                q = np.nanquantile(values, [0.5, 0.05, 0.95], axis=0)
                mean = np.nanmean(values, axis=0)
            else:  # the vectorised path; nanquantile loops over the units
                q = np.quantile(values, [0.5, 0.05, 0.95], axis=0)
                mean = np.mean(values, axis=0)
        frame = pd.DataFrame(
            {
                "unit": list(self.units),
                "nominal": nominal,
                "mean": mean,
                "median": q[0] if q is not None else np.nan,
                "q5": q[1] if q is not None else np.nan,
                "q95": q[2] if q is not None else np.nan,
            }
        )
        return frame.loc[:, list(STATS_COLUMNS)]

    def rank_stats(self) -> pd.DataFrame:
        """Return per unit: nominal, mean, median, q5 and q95 of the rank."""
        return self._stats(self.ranks, self.nominal_ranks)

    def score_stats(self) -> pd.DataFrame:
        """Return per unit: nominal, mean, median, q5 and q95 of the score."""
        return self._stats(self.scores, self.nominal_scores)

    def replications(self) -> pd.DataFrame:
        """Return one row per replication with its drawn values (text, replayable)."""
        rows = [
            {"replication": i + 1, **{n: value_text(d[n]) for n in self.names}}
            for i, d in enumerate(self.draws)
        ]
        return pd.DataFrame(rows, columns=["replication", *self.names])


__all__ = ["STATS_COLUMNS", "UncertaintyResult"]
