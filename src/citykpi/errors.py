"""Every exception citykpi raises on purpose.

Each subclasses a built-in so callers can catch broadly (``except ValueError``) or precisely
(``except CatalogueError``). Messages are full sentences that name the offending value and,
where possible, the fix.
"""

from __future__ import annotations


class CityKpiError(Exception):
    """Base class of every citykpi error."""


class CatalogueError(CityKpiError, ValueError):
    """The KPI catalogue (YAML data) is malformed or inconsistent."""


class FormulaError(CityKpiError, ValueError):
    """A formula cannot be parsed, is unsafe, or its units do not reduce to the KPI unit."""


class UnitError(CityKpiError, ValueError):
    """A unit is unknown or cannot be converted to the unit required."""


class InputError(CityKpiError, ValueError):
    """A user's input file cannot be read (missing, wrong format, wrong columns)."""


class OutputExistsError(InputError):
    """An output file exists and the caller did not ask to replace it (``force`` / ``--force``).

    ``paths`` lists every file that would have been overwritten.
    """

    def __init__(self, message: str, *, paths: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.paths = paths


class ValidationFailed(CityKpiError, ValueError):
    """Validation found errors; the message lists every one of them.

    ``issues`` holds the same problems as :class:`citykpi.model.Issue` objects (file, row,
    cell, field, fix), for callers that show them as a table, such as the upload page.
    """

    def __init__(self, message: str, *, issues: tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.issues = issues


class SpecError(CityKpiError, ValueError):
    """A method specification (index spec, target set, settings file) is invalid."""


class IndexComputationError(CityKpiError, ValueError):
    """An index step cannot run on the data it was given (e.g. a non-positive geometric mean)."""


class StoreError(CityKpiError, RuntimeError):
    """The database refused or failed an operation."""


class PermissionDenied(CityKpiError, PermissionError):
    """The acting user's role does not allow the operation."""


class ConflictError(StoreError):
    """A concurrent edit changed the value first (optimistic locking)."""


class NotFound(CityKpiError, LookupError):
    """A city, submission, value, user or other record does not exist."""


__all__ = [
    "CatalogueError",
    "CityKpiError",
    "ConflictError",
    "FormulaError",
    "IndexComputationError",
    "InputError",
    "NotFound",
    "OutputExistsError",
    "PermissionDenied",
    "SpecError",
    "StoreError",
    "UnitError",
    "ValidationFailed",
]
