"""Write one output file safely: the one overwrite policy and the one atomic write.

Every file citykpi writes goes through :func:`write_bytes`, :func:`write_text`,
:func:`write_table` or :func:`write_jsonl` (folders through :class:`citykpi.io.OutputFolder`,
which uses the same functions). Two rules hold everywhere:

* **Never half-written.** The content goes to a temporary file in the destination folder
  (``.NAME.XXXXXXXX.tmp``) which is then renamed into place with :func:`os.replace`, an atomic
  operation on one file system. If writing fails, the temporary file is removed and an earlier
  file of that name is left as it was.
* **Never overwrite silently.** A path that exists is refused with
  :class:`~citykpi.errors.OutputExistsError` unless ``force=True``; with ``force`` the earlier
  file is replaced atomically. The message names the file and says to add ``--force``.

Every CSV table is written through :func:`csv_text` or :func:`table_writer`, which neutralise
text cells a spreadsheet would execute (:func:`citykpi.io.cells.neutralise_frame`); JSON Lines
keep the text as it is.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pandas as pd

from citykpi.errors import InputError, OutputExistsError
from citykpi.io.cells import csv_quoting, frame_cells, neutralise_frame

#: Table formats :func:`write_table` writes, chosen from the file suffix unless given.
TableFormat = Literal["csv", "jsonl"]


def refusal(paths: Sequence[Path], *, folder: Path | None = None) -> OutputExistsError:
    """Return the error refusing to overwrite ``paths`` (every one named in the message).

    Parameters
    ----------
    paths
        The existing files, at least one.
    folder
        The output folder they are in, when a whole folder was being written.
    """
    names = [str(p) for p in paths]
    if folder is not None:
        listed = ", ".join(p.name for p in paths)
        one = len(paths) == 1
        msg = (
            f"Output folder {str(folder)!r} already holds {listed}, which this command would "
            f"overwrite; choose another folder or add --force to replace {'it' if one else 'them'}."
        )
    elif len(paths) == 1:
        msg = (
            f"Output file {names[0]!r} already exists; choose another file or add --force to "
            "replace it."
        )
    else:
        msg = (
            f"Output files {', '.join(map(repr, names))} already exist; choose other files or "
            "add --force to replace them."
        )
    return OutputExistsError(msg, paths=tuple(names))


def check_writable(path: Path, *, force: bool) -> None:
    """Refuse ``path`` if it is a folder, or if it exists and ``force`` is false.

    Raises
    ------
    OutputExistsError
        If the file exists and ``force`` is false.
    InputError
        If ``path`` is a folder.
    """
    if path.is_dir():
        msg = f"Output {str(path)!r} is a folder; give a file name for this output."
        raise InputError(msg)
    if path.exists() and not force:
        raise refusal([path])


def check_all_writable(paths: Iterable[str | Path], *, force: bool) -> None:
    """Refuse, in one error naming every one, those of ``paths`` that exist (unless ``force``).

    Use it before a long computation whose outputs are known, so nothing is computed for a
    write that will be refused.

    Raises
    ------
    OutputExistsError
        If any of the files exists and ``force`` is false.
    InputError
        If one of the paths is a folder.
    """
    dests = [Path(p) for p in paths]
    for dest in dests:
        if dest.is_dir():
            msg = f"Output {str(dest)!r} is a folder; give a file name for this output."
            raise InputError(msg)
    existing = [d for d in dests if d.exists()]
    if existing and not force:
        raise refusal(existing)


def temporary_path(path: Path) -> Path:
    """Return an unused temporary name beside ``path`` (same folder, so renaming is atomic)."""
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")


def stage(path: Path, write: Callable[[Path], object]) -> Path:
    """Write a temporary file beside ``path`` with ``write`` and return its name.

    The caller renames it into place (:func:`os.replace`) or removes it. If ``write`` raises,
    the temporary file is removed and the exception propagates.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(path)
    try:
        write(tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_with(path: str | Path, write: Callable[[Path], object], *, force: bool = False) -> Path:
    """Write ``path`` atomically with ``write``, which writes the file it is given.

    Parameters
    ----------
    path
        The destination.
    write
        Called with a temporary path in the same folder; it must write the whole content there.
    force
        Replace an existing file (atomically) instead of refusing it.

    Returns
    -------
    Path
        The destination.

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``force`` is false.
    """
    dest = Path(path)
    check_writable(dest, force=force)
    tmp = stage(dest, write)
    try:
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dest


def write_bytes(data: bytes, path: str | Path, *, force: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically; refuse an existing file unless ``force``.

    Returns
    -------
    Path
        The destination.

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``force`` is false.
    """
    return write_with(path, lambda tmp: tmp.write_bytes(data), force=force)


def write_text(text: str, path: str | Path, *, force: bool = False) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; refuse an existing file unless ``force``.

    Returns
    -------
    Path
        The destination.

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``force`` is false.
    """
    return write_bytes(text.encode("utf-8"), path, force=force)


def table_writer(
    frame: pd.DataFrame,
    *,
    fmt: TableFormat = "csv",
    float_format: str | None = None,
    index: bool = False,
    na_rep: str = "",
    **csv_options: Any,
) -> Callable[[Path], object]:
    """Return the function that writes ``frame`` to a given path in format ``fmt``.

    Parameters
    ----------
    frame
        The table.
    fmt : {"csv", "jsonl"}
        CSV (UTF-8, comma-separated) or JSON Lines (one object per row; missing values as null).
    float_format, index, na_rep, csv_options
        Passed to :meth:`pandas.DataFrame.to_csv` (CSV only; ``index`` also for JSON Lines).
    """
    if fmt == "jsonl":
        data = frame.reset_index() if index else frame

        def write_jsonl_frame(tmp: Path) -> None:
            data.to_json(tmp, orient="records", lines=True, force_ascii=False)

        return write_jsonl_frame

    safe = neutralise_frame(frame)
    csv_options.setdefault("quoting", csv_quoting(frame_cells(safe)))

    def write_csv(tmp: Path) -> None:
        safe.to_csv(tmp, index=index, float_format=float_format, na_rep=na_rep, **csv_options)

    return write_csv


def csv_text(frame: pd.DataFrame, *, index: bool = False, **csv_options: Any) -> str:
    """Return ``frame`` as CSV text, text cells neutralised as in every CSV citykpi writes.

    Parameters
    ----------
    frame
        The table.
    index, csv_options
        Passed to :meth:`pandas.DataFrame.to_csv`.
    """
    safe = neutralise_frame(frame)
    csv_options.setdefault("quoting", csv_quoting(frame_cells(safe)))
    text: str = safe.to_csv(index=index, **csv_options)
    return text


def table_format(path: PurePath, fmt: TableFormat | None) -> TableFormat:
    """Return ``fmt``, or the format the suffix of ``path`` names (``.jsonl`` or else CSV)."""
    if fmt is not None:
        return fmt
    return "jsonl" if path.suffix.lower() in {".jsonl", ".ndjson"} else "csv"


def write_table(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    force: bool = False,
    float_format: str | None = None,
    index: bool = False,
    na_rep: str = "",
    fmt: TableFormat | None = None,
    **csv_options: Any,
) -> Path:
    """Write ``frame`` to ``path`` atomically; refuse an existing file unless ``force``.

    Parameters
    ----------
    frame
        The table.
    path
        The destination; ``.jsonl`` writes JSON Lines, any other suffix CSV.
    force
        Replace an existing file (atomically) instead of refusing it.
    float_format
        ``printf`` format of floats in CSV, e.g. ``"%.17g"`` for numbers that read back exactly.
    index
        Write the frame's index as the first column(s).
    na_rep
        How missing values appear in CSV.
    fmt : {"csv", "jsonl"}, optional
        Override the format the suffix implies.
    **csv_options
        Further :meth:`pandas.DataFrame.to_csv` options (e.g. ``columns``).

    Returns
    -------
    Path
        The destination.

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``force`` is false.
    """
    dest = Path(path)
    writer = table_writer(
        frame,
        fmt=table_format(dest, fmt),
        float_format=float_format,
        index=index,
        na_rep=na_rep,
        **csv_options,
    )
    return write_with(dest, writer, force=force)


def jsonl_text(records: Iterable[Mapping[str, Any]]) -> str:
    """Return ``records`` as JSON Lines: one compact JSON object per line, keys in given order."""
    return "".join(
        json.dumps(dict(r), ensure_ascii=False, default=str, allow_nan=False) + "\n"
        for r in records
    )


def write_jsonl(
    records: Iterable[Mapping[str, Any]], path: str | Path, *, force: bool = False
) -> Path:
    """Write ``records`` as JSON Lines (one object per line) atomically.

    Returns
    -------
    Path
        The destination.

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``force`` is false.
    """
    return write_text(jsonl_text(records), path, force=force)


__all__ = [
    "TableFormat",
    "check_all_writable",
    "check_writable",
    "csv_text",
    "jsonl_text",
    "refusal",
    "write_bytes",
    "write_jsonl",
    "write_table",
    "write_text",
    "write_with",
]
