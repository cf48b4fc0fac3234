"""Files in and out of the index engine, for the command line (the engine itself does no I/O).

* :func:`read_imeta`, :func:`read_idata`: COINr-style CSV files. Every problem is an
  :class:`~citykpi.errors.InputError` or :class:`~citykpi.errors.SpecError` naming the file, the
  row as a spreadsheet shows it (header = row 1), the column and the fix.
* :func:`read_spec`, :func:`read_uncertainty_spec`: a YAML (or JSON) index or uncertainty spec,
  validated by :func:`citykpi.index.spec.parse_spec` or
  :func:`citykpi.index.uncertainty_spec.parse_uncertainty_spec`.
* :func:`write_result`: every data set of an :class:`~citykpi.index.IndexResult` as CSV (numbers
  with 17 significant digits, so they read back exactly; ``NA`` for missing), the treated points
  and ``log.json``. A non-empty output folder is refused unless ``force``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import yaml

from citykpi.errors import InputError, SpecError
from citykpi.index.edition import Edition
from citykpi.index.hierarchy import Hierarchy
from citykpi.index.imeta import hierarchy_from_meta
from citykpi.index.pipeline import IndexResult
from citykpi.index.spec import IndexSpec, parse_spec
from citykpi.frameworks.u4ssc import U4sscIndex
from citykpi.index.uncertainty_spec import UncertaintySpec, parse_uncertainty_spec

_T = TypeVar("_T")

#: Files written by :func:`write_result`, by data set name.
OUTPUT_FILES: dict[str, str] = {
    "raw": "raw.csv",
    "denominated": "denominated.csv",
    "imputed": "imputed.csv",
    "screened": "screened.csv",
    "treated": "treated.csv",
    "normalised": "normalised.csv",
    "aggregated": "aggregated.csv",
}
_NA = ["", "NA", "N/A", "NaN", "nan"]


def _read_csv(path: Path, what: str) -> pd.DataFrame:
    if not path.is_file():
        msg = f"{what} file {str(path)!r} does not exist; check the path."
        raise InputError(msg)
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[])
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as e:
        msg = f"{path}: cannot be read as CSV ({e}); save it as UTF-8 comma-separated values."
        raise InputError(msg) from e


def read_imeta(path: Path, *, level_names: Sequence[str] = ()) -> Hierarchy:
    """Read a COINr-style iMeta CSV and return the checked :class:`Hierarchy`."""
    frame = _read_csv(path, "iMeta")
    frame = frame.replace(dict.fromkeys(_NA, math.nan))
    try:
        return hierarchy_from_meta(frame, level_names=level_names)
    except SpecError as e:
        msg = f"{path}: {e}"
        raise SpecError(msg) from e


def read_idata(path: Path, hierarchy: Hierarchy) -> pd.DataFrame:
    """Read a COINr-style iData CSV: ``uCode``, groups, denominators and indicator columns.

    Indicator and denominator cells must be numbers (or empty / ``NA`` for missing).

    Raises
    ------
    InputError
        Naming the file, row, column and offending value.
    """
    frame = _read_csv(path, "iData")
    if "uCode" not in frame.columns:
        msg = (
            f"{path}: there is no 'uCode' column (found {', '.join(frame.columns[:8])}); add a "
            "column named uCode with a unique code per unit."
        )
        raise InputError(msg)
    seen: dict[str, int] = {}
    for i, code in enumerate(frame["uCode"], start=2):
        text = str(code).strip()
        if not text or text in _NA:
            msg = f"{path} row {i}, column 'uCode': the unit code is empty; give every unit one."
            raise InputError(msg)
        if text in seen:
            msg = (
                f"{path} row {i}, column 'uCode': {text!r} already appears in row {seen[text]}; "
                "give every unit a unique code."
            )
            raise InputError(msg)
        seen[text] = i
    missing = [c for c in hierarchy.indicators if c not in frame.columns]
    if missing:
        msg = (
            f"{path}: no column for the indicator(s) {missing!r} listed in iMeta; add the "
            "columns or remove those rows from iMeta."
        )
        raise InputError(msg)
    numeric = [*hierarchy.indicators, *(d for d in hierarchy.denominators if d in frame.columns)]
    out = frame.copy()
    for col in numeric:
        values: list[float] = []
        for i, raw in enumerate(frame[col], start=2):
            text = str(raw).strip()
            if text in _NA:
                values.append(math.nan)
                continue
            try:
                values.append(float(text))
            except ValueError as e:
                msg = (
                    f"{path} row {i}, column {col!r}: {text!r} is not a number; write a "
                    "number with a dot as decimal separator, or leave the cell empty (or NA) "
                    "when the value is missing."
                )
                raise InputError(msg) from e
        out[col] = values
    return out


def _read_yaml(path: Path, parse: Callable[[Any], _T], *, what: str, fix: str) -> _T:
    """Return ``parse`` of the YAML (or JSON) document at ``path``, naming the file on error."""
    if not path.is_file():
        msg = f"{what} {str(path)!r} does not exist; {fix}."
        raise InputError(msg)
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        msg = f"{path}: not valid YAML ({e}); fix the syntax."
        raise SpecError(msg) from e
    try:
        return parse(raw)
    except SpecError as e:
        msg = f"{path}: {e}"
        raise SpecError(msg) from e


def read_spec(path: Path) -> IndexSpec:
    """Read and validate a YAML or JSON index spec."""
    return _read_yaml(path, parse_spec, what="Spec file", fix="check the path")


def read_uncertainty_spec(path: Path, *, fix: str = "check the path") -> UncertaintySpec:
    """Read and validate a YAML or JSON uncertainty spec (``UA.yaml``).

    Parameters
    ----------
    path
        The file.
    fix
        What the message for a missing file tells the user to do (a command names its option).

    Raises
    ------
    InputError
        If the file does not exist.
    SpecError
        If it is not valid YAML or not a valid uncertainty spec; the message names the file.
    """
    return _read_yaml(path, parse_uncertainty_spec, what="Uncertainty spec file", fix=fix)


def check_out_dir(out_dir: Path, *, force: bool) -> None:
    """Create ``out_dir``, refusing a file or (without ``force``) a folder that is not empty.

    Raises
    ------
    InputError
        If ``out_dir`` is a file, or a non-empty folder and ``force`` is false.
    """
    if out_dir.exists() and not out_dir.is_dir():
        msg = f"Output {str(out_dir)!r} exists and is not a folder; choose another -o."
        raise InputError(msg)
    if out_dir.is_dir() and any(out_dir.iterdir()) and not force:
        msg = (
            f"Output folder {str(out_dir)!r} is not empty; choose an empty folder or pass "
            "--force to overwrite its files."
        )
        raise InputError(msg)
    out_dir.mkdir(parents=True, exist_ok=True)


def write_frame(frame: pd.DataFrame, path: Path, *, index: bool = True) -> None:
    """Write ``frame`` as CSV with exact numbers (``%.17g``) and ``NA`` for missing values."""
    frame.to_csv(path, float_format="%.17g", na_rep="NA", index=index)


def write_result(result: IndexResult, out_dir: Path, *, force: bool = False) -> list[Path]:
    """Write every data set, the ranks, treated points and the log into ``out_dir``.

    Returns
    -------
    list of Path
        The files written.
    """
    check_out_dir(out_dir, force=force)
    written: list[Path] = []
    for name, frame in result.datasets.items():
        path = out_dir / OUTPUT_FILES.get(name, f"{name}.csv")
        write_frame(frame, path)
        written.append(path)
    path = out_dir / "ranks.csv"
    write_frame(result.ranks, path)
    written.append(path)
    if result.treat_points is not None:
        path = out_dir / "treat_points.csv"
        result.treat_points.to_csv(path)
        written.append(path)
    path = out_dir / "weights.csv"
    pd.DataFrame({"iCode": list(result.weights), "Weight": list(result.weights.values())}).to_csv(
        path, index=False, float_format="%.17g"
    )
    written.append(path)
    path = out_dir / "log.json"
    path.write_text(
        json.dumps(result.log_dicts(), indent=2, ensure_ascii=False, default=str) + "\n",
        encoding="utf-8",
    )
    written.append(path)
    return written


__all__ = [
    "OUTPUT_FILES",
    "check_out_dir",
    "load_edition",
    "read_idata",
    "read_imeta",
    "read_spec",
    "read_uncertainty_spec",
    "save_edition",
    "write_frame",
    "write_result",
    "write_u4ssc",
]


def save_edition(edition: Edition, path: Path) -> None:
    """Write ``edition`` as YAML (``.yaml``/``.yml``) or JSON (any other suffix)."""
    text = edition.to_yaml() if path.suffix.lower() in {".yaml", ".yml"} else edition.to_json()
    path.write_text(text, encoding="utf-8")


def load_edition(path: Path) -> Edition:
    """Read an edition saved by :func:`save_edition`."""
    if not path.is_file():
        msg = f"Edition file {str(path)!r} does not exist; check the path."
        raise InputError(msg)
    try:
        return Edition.from_text(path.read_text(encoding="utf-8"))
    except SpecError as e:
        msg = f"{path}: {e}"
        raise SpecError(msg) from e


def write_u4ssc(index: U4sscIndex, out_dir: Path, *, force: bool = False) -> list[Path]:
    """Write a U4SSC index: every data set (as :func:`write_result`), plus ``scores.csv`` (one
    row per city and node, with names and ranks), ``excluded_cities.csv`` and
    ``dropped_data_points.csv``."""
    written = write_result(index.result, out_dir, force=force)
    path = out_dir / "scores.csv"
    index.scores_long().to_csv(path, index=False, float_format="%.17g", na_rep="NA")
    written.append(path)
    path = out_dir / "excluded_cities.csv"
    pd.DataFrame(
        {"city": list(index.excluded_cities), "share_missing": list(index.excluded_cities.values())}
    ).to_csv(path, index=False)
    written.append(path)
    path = out_dir / "dropped_data_points.csv"
    pd.DataFrame(
        {
            "data_point": list(index.dropped_data_points),
            "reason": list(index.dropped_data_points.values()),
        }
    ).to_csv(path, index=False)
    written.append(path)
    return written
