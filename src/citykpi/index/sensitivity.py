"""Variance-based sensitivity analysis of a composite index (first-order and total Sobol indices).

The uncertain inputs are those of an :class:`~citykpi.index.uncertainty.UncertaintyAnalysis`;
the runs of a Saltelli design (:func:`citykpi.index.sampling.sobol_design`, ``N (d + 2)`` runs)
go through the same batched evaluation as the uncertainty analysis, and each run is reduced to
one number, the *output*:

* ``"mean_abs_rank_shift"`` (default, COINr's choice): the mean over units of
  ``|rank - nominal rank|``;
* ``"rank:<unit>"``: the rank of one unit (e.g. ``"rank:AUT"``);
* ``"score:<unit>"``: the score of one unit.

The indices and their bootstrap intervals come from
:func:`citykpi.index.sensitivity_estimators.sobol_indices`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from citykpi.errors import SpecError
from citykpi.index.records import FloatArray
from citykpi.index.sampling import DesignMethod, SobolDesign, sobol_design
from citykpi.index.sensitivity_estimators import SobolIndices, sobol_indices
from citykpi.index.uncertainty import Progress, UncertaintyAnalysis
from citykpi.index.uncertainty_apply import value_text
from citykpi.index.uncertainty_spec import Value

#: Columns of :meth:`SensitivityResult.table`.
SOBOL_COLUMNS = ("input", "first", "first_q5", "first_q95", "total", "total_q5", "total_q95")


@dataclass(frozen=True)
class SensitivityResult:
    """Sobol indices of each uncertain input and the runs behind them.

    Attributes
    ----------
    indices
        First-order and total indices with their bootstrap intervals.
    output
        The scalar output analysed (see the module docstring).
    design
        The ``A``, ``B``, ``AB_i`` matrices.
    y
        Output of every run, in the order of :meth:`SobolDesign.runs`.
    draws
        The values of every run.
    """

    indices: SobolIndices
    output: str
    design: SobolDesign
    y: FloatArray
    draws: tuple[dict[str, Value], ...]

    def table(self) -> pd.DataFrame:
        """Return one row per input with its indices (columns :data:`SOBOL_COLUMNS`)."""
        return pd.DataFrame(self.indices.rows(), columns=list(SOBOL_COLUMNS))

    def runs(self) -> pd.DataFrame:
        """Return one row per run: its block (``A``, ``B``, ``AB_<input>``), values and output."""
        n, names = self.design.n, self.indices.names
        blocks = ["A"] * n + ["B"] * n + [f"AB_{name}" for name in names for _ in range(n)]
        rows = [
            {
                "run": i + 1,
                "block": blocks[i],
                **{k: value_text(v) for k, v in d.items()},
                "output": float(self.y[i]),
            }
            for i, d in enumerate(self.draws)
        ]
        return pd.DataFrame(rows, columns=["run", "block", *names, "output"])


def _reduce(
    output: str, scores: FloatArray, ranks: FloatArray, analysis: UncertaintyAnalysis
) -> FloatArray:
    if output == "mean_abs_rank_shift":
        out: FloatArray = np.nanmean(np.abs(ranks - analysis.nominal_ranks[None, :]), axis=1)
        return out
    kind, _, unit = output.partition(":")
    if kind not in ("rank", "score") or unit not in analysis.units:
        shown = ", ".join(analysis.units[:5])
        msg = (
            f"Unknown sensitivity output {output!r}; use 'mean_abs_rank_shift', "
            f"'rank:<unit>' or 'score:<unit>' with a unit code such as {shown}."
        )
        raise SpecError(msg)
    col = analysis.units.index(unit)
    values = ranks if kind == "rank" else scores
    return np.asarray(values[:, col], dtype=np.float64)


def sensitivity_analysis(
    analysis: UncertaintyAnalysis,
    n: int,
    *,
    seed: int,
    design: DesignMethod = "sobol",
    output: str = "mean_abs_rank_shift",
    n_boot: int = 1000,
    workers: int = 1,
    progress: Progress | None = None,
) -> SensitivityResult:
    """Return first-order and total Sobol indices of the analysis' uncertain inputs.

    Parameters
    ----------
    analysis
        The index and its uncertain inputs.
    n
        Base sample size ``N``; the analysis runs ``N (d + 2)`` builds (batched). A power of 2
        for the ``"sobol"`` design.
    seed
        Seed of the design and of the bootstrap.
    design : {"sobol", "random"}
        Quasi-random SALib design, or COINr's pseudo-random one.
    output
        ``"mean_abs_rank_shift"``, ``"rank:<unit>"`` or ``"score:<unit>"``.
    n_boot
        Bootstrap resamples for the 5-95 % intervals.
    workers
        Processes for the batched evaluation.
    progress
        Called with ``(runs done, total)``.

    Returns
    -------
    SensitivityResult
        The indices, the design and every run.
    """
    empty = np.zeros((0, len(analysis.units)))
    _reduce(output, empty, empty, analysis)  # refuse an unknown output before any run
    names = analysis.uncertainty.names
    plan = sobol_design(n, len(names), seed=seed, method=design)
    scores, ranks, draws = analysis.evaluate(plan.runs(), workers=workers, progress=progress)
    y = _reduce(output, scores, ranks, analysis)
    y_a, y_b, y_ab = plan.split(y)
    indices = sobol_indices(y_a, y_b, y_ab, names=names, n_boot=n_boot, seed=seed)
    return SensitivityResult(indices=indices, output=output, design=plan, y=y, draws=draws)


__all__ = ["SOBOL_COLUMNS", "SensitivityResult", "sensitivity_analysis"]
