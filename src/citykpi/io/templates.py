"""Write the XLSX data-collection template a city fills in (``citykpi template``).

The workbook is built in memory by :func:`citykpi.ingest.template.template_bytes` and written
here like every other output: atomically, and never over an existing file unless ``force``.
"""

from __future__ import annotations

from pathlib import Path

from citykpi.catalogue import Catalogue
from citykpi.errors import InputError, OutputExistsError
from citykpi.ingest.template import check_template_arguments, template_bytes
from citykpi.io.writing import write_bytes


def _exists(target: Path) -> OutputExistsError:
    msg = (
        f"File {str(target)!r} already exists and was left untouched; choose another path, or "
        "replace it on purpose with --force (force=True in Python)."
    )
    return OutputExistsError(msg, paths=(str(target),))


def write_template(
    city: str,
    year: int,
    path: str | Path,
    *,
    catalogue: Catalogue | None = None,
    force: bool = False,
) -> Path:
    """Write the data-collection workbook for one city and year.

    Parameters
    ----------
    city
        The city's name, written on the cover sheet (the city may correct it there).
    year
        The reporting year, from 1900 to 2100.
    path
        Where to write the workbook; must end in ``.xlsx``, in a folder that exists.
    catalogue
        The catalogue whose inputs and data points the workbook asks for; the bundled one by
        default.
    force
        Replace an existing file at ``path`` (atomically); by default it is never touched.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    OutputExistsError
        If the file exists and ``force`` is false.
    InputError
        If the city is blank, the year out of range, the suffix not ``.xlsx`` or the folder
        missing.
    """
    target = Path(path)
    check_template_arguments(city, year)
    if target.suffix.lower() != ".xlsx":
        msg = f"Template path {str(target)!r} does not end in '.xlsx'; name the file '*.xlsx'."
        raise InputError(msg)
    if target.exists() and not force:
        raise _exists(target)
    if not target.parent.is_dir():
        msg = f"Folder {str(target.parent)!r} does not exist; create it or choose another path."
        raise InputError(msg)
    data = template_bytes(city, year, catalogue=catalogue)
    try:
        return write_bytes(data, target, force=force)
    except OutputExistsError as e:  # created while the workbook was being built
        raise _exists(target) from e


__all__ = ["write_template"]
