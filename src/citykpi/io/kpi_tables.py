"""The KPI long table on disk: ``kpis.csv`` and its provenance side file.

In memory the KPI table (:data:`citykpi.model.KPI_COLUMNS`) carries each row's provenance as a
JSON text in the ``provenance`` column (see :mod:`citykpi.compute.provenance`). On disk that
JSON would be a large string inside a CSV cell, so :func:`write_kpi_table` splits it out:

* ``kpis.csv`` keeps every column, but its ``provenance`` cell holds only a short reference,
  ``kpis.provenance.jsonl:N`` (the side file and the 1-based line of that row);
* ``kpis.provenance.jsonl`` holds one JSON object per line:
  ``{"city": ..., "year": ..., "data_point": ..., "provenance": {...}}``, the provenance as a
  JSON object (``null`` when the row has none).

:func:`read_kpi_table` reads either form back: a table with full JSON cells, with references,
or without a ``provenance`` column at all; when the side file is next to the table (or named),
the provenance is re-attached by ``(city, year, data_point)`` as the same JSON text that
``compute`` produced, so a table written and read back equals the one computed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Final

import pandas as pd

from citykpi.assess.meta import MetaMap, catalogue_meta
from citykpi.errors import InputError
from citykpi.io.cells import restore_frame
from citykpi.io.folders import OutputFolder
from citykpi.io.writing import check_all_writable, csv_text, stage
from citykpi.tables import KPI, coerce

#: Suffix of the provenance side file: ``kpis.csv`` -> ``kpis.provenance.jsonl``.
PROVENANCE_SUFFIX: Final = ".provenance.jsonl"
#: The key of a provenance record: one row of the KPI table.
KEY: Final = ("city", "year", "data_point")

_Key = tuple[str, int, str]


def provenance_path(path: str | Path) -> Path:
    """Return the provenance side file of the KPI table ``path`` (``kpis.provenance.jsonl``)."""
    p = Path(path)
    return p.with_name(p.stem + PROVENANCE_SUFFIX)


def _provenance_object_text(text: object) -> str:
    """Return the JSON of one provenance cell as it goes into the side file."""
    if not isinstance(text, str) or not text.strip():
        return "null"
    stripped = text.strip()
    if stripped.startswith("{"):
        return stripped  # already JSON, written by compute.provenance
    return json.dumps(stripped, ensure_ascii=False)


def provenance_lines(kpis: pd.DataFrame) -> str:
    """Return the side file's text: one JSON object per row of ``kpis``, in row order."""
    if "provenance" not in kpis.columns:
        cells: list[object] = [None] * len(kpis)
    else:
        cells = kpis["provenance"].tolist()
    lines = []
    for city, year, dp, cell in zip(
        kpis["city"].tolist(),
        kpis["year"].tolist(),
        kpis["data_point"].tolist(),
        cells,
        strict=True,
    ):
        head = json.dumps({"city": str(city), "year": int(year), "data_point": str(dp)})
        lines.append(f'{head[:-1]}, "provenance": {_provenance_object_text(cell)}}}\n')
    return "".join(lines)


def split_provenance(kpis: pd.DataFrame, side_name: str) -> tuple[pd.DataFrame, str]:
    """Return the table as written to CSV (references in ``provenance``) and the side file text.

    Parameters
    ----------
    kpis
        The KPI table.
    side_name
        The side file's name, used in the references (``kpis.provenance.jsonl``).
    """
    table = kpis.copy()
    table["provenance"] = [f"{side_name}:{i}" for i in range(1, len(kpis) + 1)]
    return table, provenance_lines(kpis)


def write_kpi_table(kpis: pd.DataFrame, path: str | Path, *, force: bool = False) -> list[Path]:
    """Write ``kpis`` as CSV and its provenance as the JSON Lines side file beside it.

    Both files are written atomically and together: if either exists and ``force`` is false,
    both are named in one refusal and nothing is written.

    Returns
    -------
    list of Path
        The CSV and the side file.

    Raises
    ------
    OutputExistsError
        If either file exists and ``force`` is false.
    """
    dest = Path(path)
    side = provenance_path(dest)
    check_all_writable([dest, side], force=force)
    table, lines = split_provenance(kpis, side.name)
    staged = [
        (stage(dest, lambda tmp: tmp.write_text(csv_text(table), encoding="utf-8")), dest),
        (stage(side, lambda tmp: tmp.write_text(lines, encoding="utf-8")), side),
    ]
    try:
        for tmp, final in staged:
            os.replace(tmp, final)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
    return [dest, side]


def add_kpi_table(
    folder: OutputFolder, kpis: pd.DataFrame, *, name: str = "kpis.csv", description: str = ""
) -> list[Path]:
    """Add the KPI table and its provenance side file to ``folder``.

    Returns
    -------
    list of Path
        Where the CSV and the side file will be once the folder is closed.
    """
    side = provenance_path(name).name
    table, lines = split_provenance(kpis, side)
    text = description or (
        "The KPI long table: one row per city, year and data point with value, unit, status, "
        f"reason and quality; 'provenance' points to the line of {side} for that row."
    )
    return [
        folder.table(name, table, text),
        folder.text(
            side,
            lines,
            f"Provenance of each row of {name}, one JSON object per line (city, year, "
            "data_point, provenance: inputs used with value, unit, source, quality and row; "
            "formula; catalogue version).",
        ),
    ]


def kpi_table_names(name: str = "kpis.csv") -> list[str]:
    """Return the file names :func:`add_kpi_table` writes for ``name``."""
    return [name, provenance_path(name).name]


def kpi_table_paths(path: str | Path) -> list[Path]:
    """Return the files :func:`write_kpi_table` writes for ``path``: the CSV and side file."""
    return [Path(path), provenance_path(path)]


def read_provenance(path: str | Path) -> dict[_Key, str]:
    """Read a provenance side file: the provenance JSON text by ``(city, year, data_point)``.

    Raises
    ------
    InputError
        If the file is missing, or a line is not a JSON object with the key fields; the message
        names the file and line.
    """
    p = Path(path)
    if not p.is_file():
        msg = f"Provenance file {str(p)!r} does not exist; check the path."
        raise InputError(msg)
    found: dict[_Key, str] = {}
    with p.open(encoding="utf-8") as lines:
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                key = (str(rec["city"]), int(rec["year"]), str(rec["data_point"]))
                prov = rec.get("provenance")
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
                msg = (
                    f"{p}, line {n}: not a provenance record ({e}); each line must be a JSON "
                    "object with city, year, data_point and provenance, as 'citykpi compute' "
                    "writes it."
                )
                raise InputError(msg) from e
            found[key] = (
                ""
                if prov is None
                else prov
                if isinstance(prov, str)
                else json.dumps(prov, ensure_ascii=False, allow_nan=False)
            )
    return found


def attach_provenance(kpis: pd.DataFrame, provenance: dict[_Key, str]) -> pd.DataFrame:
    """Return ``kpis`` with its ``provenance`` column filled from a side file's records.

    Rows without a record keep their cell (``""`` when the table had no provenance column).
    """
    out = kpis.copy()
    current = out["provenance"].tolist() if "provenance" in out.columns else [""] * len(out)
    keys = zip(out["city"].tolist(), out["year"].tolist(), out["data_point"].tolist(), strict=True)
    filled = [
        provenance.get((str(c), int(y), str(d)), cell)
        for (c, y, d), cell in zip(keys, current, strict=True)
    ]
    out["provenance"] = pd.Series(filled, index=out.index, dtype=object)  # as coerce types text
    if "provenance" not in kpis.columns and "quality" in out.columns:
        cols = [c for c in out.columns if c != "provenance"]
        cols.insert(cols.index("quality"), "provenance")
        out = out[cols]
    return out


def read_kpi_table(
    path: str | Path,
    *,
    meta: MetaMap | None = None,
    provenance: str | Path | bool = True,
) -> pd.DataFrame:
    """Read and check a KPI long table (CSV), re-attaching its provenance when it is on disk.

    Parameters
    ----------
    path
        The CSV written by ``citykpi compute`` (or ``citykpi run``).
    meta
        Data point metadata used to check the ids; defaults to the bundled catalogue.
    provenance
        Where the provenance side file is: ``True`` (default) for ``kpis.provenance.jsonl``
        beside ``path`` when it exists, a path to name another, ``False`` not to read it.

    Returns
    -------
    pandas.DataFrame
        The table coerced to :data:`citykpi.tables.KPI` (``year`` int, ``value`` float, NaN
        when empty; an empty ``code`` filled in from the data point), with the full provenance
        JSON in ``provenance`` where the side file has it.

    Raises
    ------
    InputError
        If the file is missing, lacks a required column, or a row has a non-integer year, a
        non-numeric value, an unknown data point or a code that does not match it; or a named
        provenance file is missing or malformed.
    """
    p = Path(path)
    if not p.is_file():
        msg = f"KPI table {str(p)!r} does not exist; write it with 'citykpi compute'."
        raise InputError(msg)
    try:
        raw = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        msg = (
            f"{p}: not a readable CSV file ({e}); pass the KPI table written by 'citykpi compute'."
        )
        raise InputError(msg) from e
    raw.columns = [c.strip().lower() for c in raw.columns]
    frame = coerce(restore_frame(raw), KPI, file=str(p))  # undo what write_kpi_table quoted
    _check_ids(frame, p, catalogue_meta(meta))
    side = _side_file(p, provenance)
    if side is not None:
        frame = attach_provenance(frame, read_provenance(side))
    return frame


def _side_file(path: Path, provenance: str | Path | bool) -> Path | None:
    if provenance is False:
        return None
    if provenance is True:
        side = provenance_path(path)
        return side if side.is_file() else None
    return Path(provenance)


def _check_ids(frame: pd.DataFrame, p: Path, info: MetaMap) -> None:
    """Check every data point is in the catalogue and every code matches it; fill empty codes."""
    unknown = ~frame["data_point"].isin(set(info))
    if unknown.any():
        i = int(unknown.to_numpy().argmax())
        msg = (
            f"{p}, row {i + 2}, column 'data_point': unknown data point "
            f"{frame['data_point'].iloc[i]!r}; use a catalogue id such as 'air_pollution_pm25' "
            "(see 'citykpi catalogue')."
        )
        raise InputError(msg)
    expected = frame["data_point"].map({dp: m.code for dp, m in info.items()})
    codes = frame["code"].where(frame["code"] != "", expected)
    wrong = codes != expected
    if wrong.any():
        i = int(wrong.to_numpy().argmax())
        dp = frame["data_point"].iloc[i]
        msg = (
            f"{p}, row {i + 2}, column 'code': {codes.iloc[i]!r} does not match data point "
            f"{dp!r}, which belongs to {expected.iloc[i]!r}; correct the code."
        )
        raise InputError(msg)
    frame["code"] = codes


__all__ = [
    "KEY",
    "PROVENANCE_SUFFIX",
    "add_kpi_table",
    "attach_provenance",
    "kpi_table_names",
    "kpi_table_paths",
    "provenance_lines",
    "provenance_path",
    "read_kpi_table",
    "read_provenance",
    "split_provenance",
    "write_kpi_table",
]
