"""An output folder: several files written together, with a README saying what each one is.

:class:`OutputFolder` follows the same overwrite policy as the single-file writers
(:mod:`citykpi.io.writing`), applied to the files it writes, not to the folder: other files in
the folder are left alone, and a folder that merely is not empty is not refused.

How a folder is written
-----------------------
1. On entry the folder is created. The file names declared with ``names=`` (and ``README.md``)
   are checked at once: if any of them exists and ``force`` is false, every one of them is named
   in a single :class:`~citykpi.errors.OutputExistsError` and nothing is written.
2. Each ``.table`` / ``.text`` / ``.bytes`` call writes a complete temporary file in the folder
   (a name not declared up front is checked when it is written).
3. On a successful exit (or :meth:`OutputFolder.close`) ``README.md`` is staged too, then every
   temporary file is renamed into place. On an exception every temporary file is removed: the
   folder keeps its earlier files, unchanged, and no partial output remains.

The README says what each file is, who wrote the folder and when, which files of the same names
it replaced (with ``force``) and which other files the folder holds.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePath
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    import pandas as pd

from citykpi.errors import InputError
from citykpi.io.writing import (
    TableFormat,
    refusal,
    stage,
    table_format,
    table_writer,
)

README = "README.md"


def current_command() -> str | None:
    """Return the ``citykpi ...`` command line running now, or None outside the command line.

    The README of a folder names the command that wrote it; a library caller (a notebook, a
    test) is not a command, and its README says only "Written by citykpi".
    """
    program = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if program is None:
        return None
    if program.name == "citykpi" or program.parts[-2:] == ("citykpi", "__main__.py"):
        return shlex.join(["citykpi", *sys.argv[1:]])
    return None


@dataclass(frozen=True)
class _Staged:
    name: str
    description: str
    tmp: Path


class OutputFolder:
    """Write files into ``path`` together, with a ``README.md`` describing each of them.

    Parameters
    ----------
    path
        The folder; created (with its parents) if missing.
    force
        Replace files of the same names (atomically) instead of refusing them.
    names
        The file names that will be written, when known: they are all checked before anything
        is written, so a refusal names every one and leaves the folder untouched.
    title
        The README heading; defaults to the folder name.
    command
        The command that wrote the folder (e.g. ``"citykpi run data.csv -o out"``), stated in
        the README; by default the running ``citykpi`` command line (:func:`current_command`).
    notes
        Paragraphs added at the end of the README.
    readme
        Write ``README.md`` (the default).

    Examples
    --------
    >>> with OutputFolder(out, names=["kpis.csv"]) as folder:  # doctest: +SKIP
    ...     folder.table("kpis.csv", kpis, "The KPI long table.")
    """

    def __init__(
        self,
        path: str | Path,
        *,
        force: bool = False,
        names: Iterable[str] = (),
        title: str | None = None,
        command: str | None = None,
        notes: Iterable[str] = (),
        readme: bool = True,
    ) -> None:
        self.path = Path(path)
        self.force = force
        self.title = title
        self.command = command if command is not None else current_command()
        self.notes = list(notes)
        self.readme = readme
        self._declared = [_check_name(n) for n in names]
        self._staged: dict[str, _Staged] = {}
        self._open = False
        self._closed = False
        self.written: list[Path] = []

    # -- opening and closing -------------------------------------------------------------------

    def open(self) -> Self:
        """Create the folder and check the declared names (done by ``with`` on entry).

        Raises
        ------
        OutputExistsError
            If a declared file (or ``README.md``) exists and ``force`` is false; every such
            file is named.
        InputError
            If ``path`` is a file.
        """
        if self._open:
            return self
        if self.path.exists() and not self.path.is_dir():
            msg = f"Output {str(self.path)!r} exists and is not a folder; choose another folder."
            raise InputError(msg)
        names = [*self._declared, *([README] if self.readme else [])]
        self._refuse_existing(names)
        self.path.mkdir(parents=True, exist_ok=True)
        self._open = True
        return self

    def __enter__(self) -> Self:
        return self.open()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def close(self) -> list[Path]:
        """Write the README and move every staged file into place.

        Returns
        -------
        list of Path
            The files written, in the order they were added (README last).
        """
        if self._closed:
            return self.written
        self.open()
        try:
            if self.readme:
                self._stage(README, "This file: what each file in the folder is.", self._readme)
            for item in self._staged.values():
                os.replace(item.tmp, self.path / item.name)
                self.written.append(self.path / item.name)
        except BaseException:
            self.abort()
            raise
        self._closed = True
        return self.written

    def abort(self) -> None:
        """Remove every staged temporary file; the folder keeps its earlier files."""
        for item in self._staged.values():
            item.tmp.unlink(missing_ok=True)
        self._staged.clear()
        self._closed = True

    # -- adding files --------------------------------------------------------------------------

    def table(
        self,
        name: str,
        frame: pd.DataFrame,
        description: str,
        *,
        float_format: str | None = None,
        index: bool = False,
        na_rep: str = "",
        fmt: TableFormat | None = None,
        **csv_options: Any,
    ) -> Path:
        """Add ``frame`` as the file ``name`` (CSV, or JSON Lines for ``.jsonl``).

        Parameters
        ----------
        name
            The file name inside the folder.
        frame
            The table.
        description
            One sentence for the README saying what the file is.
        float_format, index, na_rep, fmt, csv_options
            As for :func:`citykpi.io.write_table`.

        Returns
        -------
        Path
            Where the file will be once the folder is closed.
        """
        writer = table_writer(
            frame,
            fmt=table_format(PurePath(name), fmt),
            float_format=float_format,
            index=index,
            na_rep=na_rep,
            **csv_options,
        )
        return self._stage(name, description, writer)

    def text(self, name: str, text: str, description: str) -> Path:
        """Add ``text`` (UTF-8) as the file ``name``; see :meth:`table`."""
        data = text.encode("utf-8")
        return self._stage(name, description, lambda tmp: tmp.write_bytes(data))

    def bytes(self, name: str, data: bytes, description: str) -> Path:
        """Add ``data`` as the file ``name``; see :meth:`table`."""
        return self._stage(name, description, lambda tmp: tmp.write_bytes(data))

    # -- internals -----------------------------------------------------------------------------

    def _refuse_existing(self, names: Iterable[str]) -> None:
        if self.force:
            return
        existing = [self.path / n for n in names if (self.path / n).exists()]
        if existing:
            raise refusal(existing, folder=self.path)

    def _stage(self, name: str, description: str, write: Callable[[Path], object]) -> Path:
        name = _check_name(name)
        if self._closed:
            msg = f"Output folder {str(self.path)!r} is already closed; cannot add {name!r}."
            raise RuntimeError(msg)
        if name in self._staged:
            msg = f"{name!r} is written twice into {str(self.path)!r}; give each file one name."
            raise ValueError(msg)
        self.open()
        dest = self.path / name
        if dest.is_dir():
            msg = f"{str(dest)!r} is a folder; this command needs to write a file of that name."
            raise InputError(msg)
        if name not in self._declared and name != README:
            self._refuse_existing([name])
        self._staged[name] = _Staged(name, description, stage(dest, write))
        return dest

    def _readme(self, tmp: Path) -> None:
        tmp.write_text(self.readme_text(), encoding="utf-8")

    def readme_text(self) -> str:
        """Return the README: a heading, who wrote the folder and when, and one row per file."""
        when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        by = f" by `{self.command}`" if self.command else " by citykpi"
        lines = [f"# {self.title or self.path.name or 'citykpi output'}", ""]
        lines += [f"Written{by} on {when}.", ""]
        lines += ["| File | What it is |", "| --- | --- |"]
        for item in self._staged.values():
            lines.append(f"| `{item.name}` | {_cell(item.description)} |")
        lines.append(f"| `{README}` | This file: what each file in the folder is. |")
        replaced = [n for n in [*self._staged, README] if (self.path / n).exists()]
        if replaced:  # only possible with force: say so, the earlier files are gone
            lines += [
                "",
                "Replaced files of the same names from an earlier run (force): "
                + ", ".join(f"`{n}`" for n in replaced)
                + ".",
            ]
        ours = {*self._staged, README}
        others = sorted(
            f"{p.name}/" if p.is_dir() else p.name
            for p in self.path.iterdir()
            if p.name not in ours and not p.name.startswith(".") and not p.name.endswith(".tmp")
        )
        if others:
            lines += [
                "",
                "Also in this folder, not described here: "
                + ", ".join(f"`{n}`" for n in others)
                + ".",
            ]
        for note in self.notes:
            lines += ["", note]
        return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _check_name(name: str) -> str:
    """Return ``name`` if it is a plain file name (no folder part), else raise ValueError."""
    if not name or PurePath(name).name != name or name in {".", ".."}:
        msg = f"{name!r} is not a plain file name; an output folder holds files, not subfolders."
        raise ValueError(msg)
    return name


__all__ = ["README", "OutputFolder", "current_command"]
