"""Files the composite-index engine reads, for the command line (the engine itself does no I/O).

* :func:`read_imeta`, :func:`read_idata`: COINr-style CSV files. Every problem is an
  :class:`~citykpi.errors.InputError` or :class:`~citykpi.errors.SpecError` naming the file, the
  row as a spreadsheet shows it (header = row 1), the column and the fix.
* :func:`read_spec`, :func:`read_uncertainty_spec`: a YAML (or JSON) index or uncertainty spec,
  validated by :func:`citykpi.index.spec.parse_spec` or
  :func:`citykpi.index.uncertainty_spec.parse_uncertainty_spec`.
* :func:`save_edition`, :func:`load_edition`: a frozen edition as YAML or JSON.

The files an index build writes are in :mod:`citykpi.io.index_outputs`.
"""

from __future__ import annotations

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
from citykpi.index.spec import IndexSpec, parse_spec
from citykpi.index.uncertainty_spec import UncertaintySpec, parse_uncertainty_spec
from citykpi.io.writing import write_text

_T = TypeVar("_T")
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


def save_edition(edition: Edition, path: Path, *, force: bool = False) -> Path:
    """Write ``edition`` as YAML (``.yaml``/``.yml``) or JSON (any other suffix).

    Like every output, the file is written atomically and an existing one is refused unless
    ``force``.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``force`` is false.
    """
    text = edition.to_yaml() if path.suffix.lower() in {".yaml", ".yml"} else edition.to_json()
    return write_text(text, path, force=force)


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


__all__ = [
    "load_edition",
    "read_idata",
    "read_imeta",
    "read_spec",
    "read_uncertainty_spec",
    "save_edition",
]
