"""The one input/output layer: every table citykpi reads from or writes to a file.

One overwrite policy holds for every writer: an existing file is refused with
:class:`~citykpi.errors.OutputExistsError` unless ``force=True`` (``--force`` on the command
line), and every file is written to a temporary name in its folder and renamed into place, so an
output is never half-written. :class:`OutputFolder` writes several files together and adds a
``README.md`` saying what each one is.

Modules, each named for what it owns:

* :mod:`~citykpi.io.writing`: :func:`write_table`, :func:`write_text`, :func:`write_bytes`,
  :func:`write_jsonl`, :func:`csv_text` (one file, atomically, with the overwrite policy);
* :mod:`~citykpi.io.cells`: :func:`~citykpi.io.cells.neutralise`, the one rule by which every
  CSV and XLSX cell a spreadsheet would execute (``=``, ``+``, ``-``, ``@``...) is quoted;
* :mod:`~citykpi.io.folders`: :class:`OutputFolder` (several files and a README);
* :mod:`~citykpi.io.kpi_tables`: :func:`read_kpi_table`, :func:`write_kpi_table` (``kpis.csv``
  and its provenance side file ``kpis.provenance.jsonl``);
* :mod:`~citykpi.io.profiles`: :func:`read_profiles` (the city profile table);
* :mod:`~citykpi.io.templates`: :func:`write_template` (the XLSX data-collection workbook);
* :mod:`~citykpi.io.samples`: :func:`write_sample` (the fictional sample cities);
* :mod:`~citykpi.io.index_files`: the index engine's inputs (iData, iMeta, specs, editions);
* :mod:`~citykpi.io.index_outputs`: the files an index build and its analyses write.

``io`` sits on top of the stages (it may import them; no stage imports it). The KPI, profile
and index parts load on first use, so ``from citykpi.io import write_text`` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from citykpi.errors import OutputExistsError
from citykpi.io.folders import README, OutputFolder
from citykpi.io.writing import (
    check_all_writable,
    check_writable,
    csv_text,
    write_bytes,
    write_jsonl,
    write_table,
    write_text,
)
from citykpi.lazy import lazy_exports

if TYPE_CHECKING:
    from citykpi.io.index_files import (
        load_edition,
        read_idata,
        read_imeta,
        read_spec,
        read_uncertainty_spec,
        save_edition,
    )
    from citykpi.io.index_outputs import (
        add_audit_tables,
        add_result,
        add_u4ssc,
        add_uncertainty_tables,
        write_frame,
        write_result,
        write_u4ssc,
    )
    from citykpi.io.kpi_tables import (
        add_kpi_table,
        provenance_path,
        read_kpi_table,
        read_provenance,
        write_kpi_table,
    )
    from citykpi.io.profiles import read_city_profiles, read_profiles
    from citykpi.io.samples import write_sample
    from citykpi.io.templates import write_template

_LAZY: dict[str, str] = {
    **dict.fromkeys(
        (
            "load_edition",
            "read_idata",
            "read_imeta",
            "read_spec",
            "read_uncertainty_spec",
            "save_edition",
        ),
        "index_files",
    ),
    **dict.fromkeys(
        (
            "add_audit_tables",
            "add_result",
            "add_u4ssc",
            "add_uncertainty_tables",
            "write_frame",
            "write_result",
            "write_u4ssc",
        ),
        "index_outputs",
    ),
    **dict.fromkeys(
        (
            "add_kpi_table",
            "provenance_path",
            "read_kpi_table",
            "read_provenance",
            "write_kpi_table",
        ),
        "kpi_tables",
    ),
    **dict.fromkeys(("read_city_profiles", "read_profiles"), "profiles"),
    "write_template": "templates",
    "write_sample": "samples",
}


__getattr__, __dir__ = lazy_exports(
    __name__, {name: f"citykpi.io.{module}" for name, module in _LAZY.items()}, globals()
)


__all__ = [
    "README",
    "OutputExistsError",
    "OutputFolder",
    "add_audit_tables",
    "add_kpi_table",
    "add_result",
    "add_u4ssc",
    "add_uncertainty_tables",
    "check_all_writable",
    "check_writable",
    "csv_text",
    "load_edition",
    "provenance_path",
    "read_city_profiles",
    "read_idata",
    "read_imeta",
    "read_kpi_table",
    "read_profiles",
    "read_provenance",
    "read_spec",
    "read_uncertainty_spec",
    "save_edition",
    "write_bytes",
    "write_frame",
    "write_jsonl",
    "write_kpi_table",
    "write_result",
    "write_sample",
    "write_table",
    "write_template",
    "write_text",
    "write_u4ssc",
]
