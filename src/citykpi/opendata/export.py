"""Write one open-data format to a file or folder, through :mod:`citykpi.io`'s overwrite policy.

Formats (:data:`EXPORT_FORMATS`): ``sdmx-csv`` (SDMX-CSV 2.0, one file), ``sdmx-ml`` (a folder
with ``structure.xml`` and ``data.xml``, or one data file when PATH ends in ``.xml``, with the
structure beside it as ``<name>.structure.xml``), ``ngsi-ld`` (a JSON array of entities),
``datapackage`` (a folder: ``datapackage.json`` and its CSV files), ``csv`` and ``parquet``
(the value table).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from citykpi.opendata.dataset import OpenData
from citykpi.opendata.ngsild import Form

EXPORT_FORMATS: Final[tuple[str, ...]] = (
    "sdmx-csv",
    "sdmx-ml",
    "ngsi-ld",
    "datapackage",
    "csv",
    "parquet",
)


def export_files(data: OpenData, fmt: str, *, form: Form = "keyvalues") -> dict[str, str | bytes]:
    """Return the files of format ``fmt`` by name (one name for single-file formats: ``""``)."""
    # each writer on first use: sdmx1 and pyarrow are slow to import
    from citykpi.opendata.ngsild import entities_json
    from citykpi.opendata.sdmx_files import sdmx_files
    from citykpi.opendata.tabular import datapackage, values_csv, values_parquet

    if fmt == "sdmx-csv":
        return {"": sdmx_files(data, parts=("data.csv",))["data.csv"]}
    if fmt == "sdmx-ml":
        return sdmx_files(data, parts=("structure.xml", "data.xml"))
    if fmt == "ngsi-ld":
        return {"": entities_json(data, form=form)}
    if fmt == "datapackage":
        return datapackage(data)
    if fmt == "csv":
        return {"": values_csv(data)}
    if fmt == "parquet":
        return {"": values_parquet(data)}
    msg = f"Unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}."
    raise ValueError(msg)


def export_open_data(
    data: OpenData, fmt: str, out: str | Path, *, force: bool = False, form: Form = "keyvalues"
) -> list[Path]:
    """Write ``data`` in format ``fmt`` to ``out`` and return the paths written.

    Parameters
    ----------
    data
        What to write (:func:`~citykpi.opendata.dataset.read_open_data`).
    fmt
        One of :data:`EXPORT_FORMATS`.
    out
        The file (single-file formats, ``sdmx-ml`` ending in ``.xml``) or folder.
    force
        Replace files that exist; without it an existing file is refused before anything is
        written (:class:`~citykpi.errors.OutputExistsError`).
    form : {"keyvalues", "normalized"}
        The NGSI-LD form.
    """
    from citykpi.io import write_bytes, write_text
    from citykpi.io.writing import check_all_writable

    files = export_files(data, fmt, form=form)
    target = Path(out)
    if fmt == "sdmx-ml" and target.suffix.lower() == ".xml":
        paths = {
            "data.xml": target,
            "structure.xml": target.with_name(target.stem + ".structure.xml"),
        }
    else:
        paths = {name: (target / name if name else target) for name in files}
    check_all_writable(paths.values(), force=force)
    written: list[Path] = []
    for name, content in files.items():
        path = paths[name]
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            written.append(write_bytes(content, path, force=force))
        else:
            written.append(write_text(content, path, force=force))
    return written


__all__ = ["EXPORT_FORMATS", "export_files", "export_open_data"]
