"""The one input/output layer: every table citykpi reads from or writes to a file.

One overwrite policy holds for every writer: an existing file is refused with
:class:`~citykpi.errors.OutputExistsError` unless ``force=True`` (``--force`` on the command
line), and every file is written to a temporary name in its folder and renamed into place, so an
output is never half-written. :class:`OutputFolder` writes several files together and adds a
``README.md`` saying what each one is.

``io`` sits on top of the stages (it may import them; no stage imports it).
"""

from __future__ import annotations

from citykpi.errors import OutputExistsError
from citykpi.io.folders import README, OutputFolder
from citykpi.io.writing import (
    check_writable,
    write_bytes,
    write_jsonl,
    write_table,
    write_text,
)

__all__ = [
    "README",
    "OutputExistsError",
    "OutputFolder",
    "check_writable",
    "write_bytes",
    "write_jsonl",
    "write_table",
    "write_text",
]
