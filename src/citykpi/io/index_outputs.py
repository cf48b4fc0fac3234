"""The files a composite-index build and its analyses write, into an :class:`OutputFolder`.

Numbers are written with 17 significant digits (``%.17g``), so they read back exactly, and
missing values as ``NA`` (what COINr and R read). Each ``add_*`` function adds its files to an
open folder (so one command can put an index, its audit and its uncertainty analysis into one
folder with one README); each ``write_*`` function writes a folder of its own. Like every
output, a file that exists is refused unless ``force``; other files in the folder are left alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Final

import pandas as pd

from citykpi.io.folders import OutputFolder
from citykpi.io.writing import write_table

if TYPE_CHECKING:
    from citykpi.frameworks.u4ssc import U4sscIndex
    from citykpi.index.audit_report import AuditReport
    from citykpi.index.pipeline import IndexResult
    from citykpi.index.uncertainty import UncertaintyResult

#: Files written by :func:`add_result`, by data set name.
OUTPUT_FILES: Final[dict[str, str]] = {
    "raw": "raw.csv",
    "denominated": "denominated.csv",
    "imputed": "imputed.csv",
    "screened": "screened.csv",
    "treated": "treated.csv",
    "normalised": "normalised.csv",
    "aggregated": "aggregated.csv",
}
_DATASET_TEXT: Final[dict[str, str]] = {
    "raw": "The indicator values as read (one row per unit).",
    "denominated": "The indicators divided by their denominators.",
    "imputed": "The indicators with missing values imputed.",
    "screened": "The units and indicators kept by screening.",
    "treated": "The indicators after outlier treatment.",
    "normalised": "The normalised indicators.",
    "aggregated": "The normalised indicators and every aggregate score up to the index.",
}
#: The tables of an :class:`~citykpi.index.audit_report.AuditReport`, in file order.
AUDIT_TABLES: Final[dict[str, str]] = {
    "stats": "Indicator statistics with the JRC flags.",
    "correlations": "Correlations between every pair of nodes.",
    "cronbach": "Cronbach's alpha of each group.",
    "pca": "Explained variance and loadings of each group's principal components.",
    "flags": "Every flag the audit raised.",
    "strengths": "Strengths and weaknesses of each unit.",
}
#: Exact numbers: 17 significant digits read back to the same float.
EXACT: Final = "%.17g"


def write_frame(
    frame: pd.DataFrame, path: str | Path, *, index: bool = True, force: bool = False
) -> Path:
    """Write ``frame`` as one CSV file with exact numbers (``%.17g``) and ``NA`` for missing.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``force`` is false.
    """
    return write_table(frame, path, force=force, float_format=EXACT, na_rep="NA", index=index)


def add_frame(
    folder: OutputFolder, name: str, frame: pd.DataFrame, description: str, *, index: bool = True
) -> Path:
    """Add ``frame`` to ``folder`` as ``name`` with exact numbers and ``NA`` for missing."""
    return folder.table(name, frame, description, float_format=EXACT, na_rep="NA", index=index)


def result_names(result: IndexResult) -> list[str]:
    """Return the names of the files :func:`add_result` writes for ``result``."""
    names = [OUTPUT_FILES.get(name, f"{name}.csv") for name in result.datasets]
    names.append("ranks.csv")
    if result.treat_points is not None:
        names.append("treat_points.csv")
    return [*names, "weights.csv", "log.json"]


def add_result(folder: OutputFolder, result: IndexResult) -> list[Path]:
    """Add every data set, the ranks, treated points, weights and the log to ``folder``.

    Returns
    -------
    list of Path
        Where the files will be once the folder is closed.
    """
    written: list[Path] = []
    for name, frame in result.datasets.items():
        text = _DATASET_TEXT.get(name, f"The {name} data set.")
        written.append(add_frame(folder, OUTPUT_FILES.get(name, f"{name}.csv"), frame, text))
    root = result.hierarchy.root
    written.append(
        add_frame(
            folder, "ranks.csv", result.ranks, f"Ranks of every column (1 = best; {root} last)."
        )
    )
    if result.treat_points is not None:
        written.append(
            folder.table(
                "treat_points.csv",
                result.treat_points,
                "Which points outlier treatment changed, per unit and indicator.",
                index=True,
            )
        )
    weights = pd.DataFrame({"iCode": list(result.weights), "Weight": list(result.weights.values())})
    written.append(
        folder.table(
            "weights.csv", weights, "The aggregation weight of every node.", float_format=EXACT
        )
    )
    log = json.dumps(result.log_dicts(), indent=2, ensure_ascii=False, default=str) + "\n"
    written.append(folder.text("log.json", log, "What each step did, in order (JSON)."))
    return written


def write_result(
    result: IndexResult, out_dir: str | Path, *, force: bool = False, command: str | None = None
) -> list[Path]:
    """Write every file of :func:`add_result` and a README into the folder ``out_dir``.

    Returns
    -------
    list of Path
        The files written (README last).

    Raises
    ------
    OutputExistsError
        If any of those files exists and ``force`` is false (nothing is written then).
    """
    return _write_folder(
        out_dir,
        result_names(result),
        lambda folder: add_result(folder, result),
        title="Index build",
        force=force,
        command=command,
    )


def _write_folder(
    out_dir: str | Path,
    names: list[str],
    add: Callable[[OutputFolder], object],
    *,
    title: str,
    force: bool,
    command: str | None,
) -> list[Path]:
    """Write one folder: refuse its ``names`` up front, ``add`` the files, then the README."""
    with OutputFolder(out_dir, force=force, names=names, command=command, title=title) as folder:
        add(folder)
    return folder.written


U4SSC_FILES: Final[dict[str, str]] = {
    "scores.csv": "One row per city and node: score, rank and names.",
    "excluded_cities.csv": "Cities left unscored and the share of scored data points they miss.",
    "dropped_data_points.csv": "Data points left out of the index and why.",
}


def u4ssc_names(index: U4sscIndex) -> list[str]:
    """Return the names of the files :func:`add_u4ssc` writes for ``index``."""
    return [*result_names(index.result), *U4SSC_FILES]


def add_u4ssc(folder: OutputFolder, index: U4sscIndex) -> list[Path]:
    """Add a U4SSC index to ``folder``: :func:`add_result`'s files, ``scores.csv``,
    ``excluded_cities.csv`` and ``dropped_data_points.csv``."""
    written = add_result(folder, index.result)
    scores = "scores.csv"
    written.append(
        folder.table(
            scores, index.scores_long(), U4SSC_FILES[scores], float_format=EXACT, na_rep="NA"
        )
    )
    excluded = pd.DataFrame(
        {"city": list(index.excluded_cities), "share_missing": list(index.excluded_cities.values())}
    )
    dropped = pd.DataFrame(
        {
            "data_point": list(index.dropped_data_points),
            "reason": list(index.dropped_data_points.values()),
        }
    )
    for name, frame in (("excluded_cities.csv", excluded), ("dropped_data_points.csv", dropped)):
        written.append(folder.table(name, frame, U4SSC_FILES[name]))
    return written


def write_u4ssc(
    index: U4sscIndex, out_dir: str | Path, *, force: bool = False, command: str | None = None
) -> list[Path]:
    """Write a U4SSC index (:func:`add_u4ssc`) and a README into the folder ``out_dir``.

    Returns
    -------
    list of Path
        The files written (README last).

    Raises
    ------
    OutputExistsError
        If any of those files exists and ``force`` is false (nothing is written then).
    """
    return _write_folder(
        out_dir,
        u4ssc_names(index),
        lambda folder: add_u4ssc(folder, index),
        title="U4SSC city index",
        force=force,
        command=command,
    )


def audit_names(*, prefix: str = "") -> list[str]:
    """Return the names of the files :func:`add_audit_tables` writes."""
    return [f"{prefix}{name}.csv" for name in AUDIT_TABLES]


def add_audit_tables(folder: OutputFolder, report: AuditReport, *, prefix: str = "") -> list[Path]:
    """Add the six tables of an audit report to ``folder`` as ``<prefix><table>.csv``."""
    return [
        add_frame(folder, f"{prefix}{name}.csv", getattr(report, name), text, index=False)
        for name, text in AUDIT_TABLES.items()
    ]


UNCERTAINTY_FILES: Final[dict[str, str]] = {
    "rank_stats.csv": "Per unit: nominal rank and the mean, median, 5 % and 95 % rank over "
    "the replications.",
    "score_stats.csv": "Per unit: nominal score and the mean, median, 5 % and 95 % score over "
    "the replications.",
    "replications.csv": "One row per Monte Carlo replication: the value drawn for each "
    "uncertain input (replayable).",
}


def add_uncertainty_tables(folder: OutputFolder, result: UncertaintyResult) -> list[Path]:
    """Add the rank and score statistics and the replications of an analysis to ``folder``."""
    frames = (result.rank_stats(), result.score_stats(), result.replications())
    return [
        add_frame(folder, name, frame, text, index=False)
        for (name, text), frame in zip(UNCERTAINTY_FILES.items(), frames, strict=True)
    ]


__all__ = [
    "AUDIT_TABLES",
    "OUTPUT_FILES",
    "U4SSC_FILES",
    "UNCERTAINTY_FILES",
    "add_audit_tables",
    "add_frame",
    "add_result",
    "add_u4ssc",
    "add_uncertainty_tables",
    "audit_names",
    "result_names",
    "u4ssc_names",
    "write_frame",
    "write_result",
    "write_u4ssc",
]
