"""The one canonical form of a code, and what a code written in a file stands for.

Every stage spells codes one way, the way :func:`normalise_code` writes them:

* an official KPI code (a text with a colon) in the spaced, upper-case form of the U4SSC
  documents: ``"ec:ict:ict:1c"`` -> ``"EC: ICT: ICT: 1C"``;
* any other code (input id, data point id, KPI slug) trimmed, lower case, with runs of spaces
  and hyphens turned into one underscore: ``" Total Population "`` -> ``"total_population"``.

:class:`CodeResolver` decides what a ``code`` in a file means. In order:

1. a raw input id of the registry -> ``kind == "input"``;
2. a data point id -> ``kind == "kpi"`` (a KPI result reported directly);
3. an official KPI code (any spacing or case) or a KPI slug -> ``kind == "kpi"``, with the data
   point taken from the ``data_point`` column, or the only data point of a single-point KPI.

A code that is none of these is kept (normalised) for validation to report as unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from citykpi.catalogue.schema import Kpi

_SPACES: Final = re.compile(r"\s+")
_ID_SEPARATORS: Final = re.compile(r"[\s\-]+")


def normalise_code(text: str) -> str:
    """Return the canonical form of an input id, data point id, KPI slug or official KPI code.

    A text with a colon is taken as an official KPI code and written in the spaced, upper-case
    form of the U4SSC documents (``"ec:ict:ict:1c"`` -> ``"EC: ICT: ICT: 1C"``); anything
    else is an id: trimmed, lower case, runs of spaces and hyphens turned into one underscore
    (``" Total Population "`` -> ``"total_population"``).

    Parameters
    ----------
    text
        The code as written in a file or typed by a user.

    Returns
    -------
    str
        The normalised code; ``""`` for a blank text.
    """
    stripped = text.strip()
    if ":" in stripped:
        parts = [_SPACES.sub("", part).upper() for part in stripped.split(":")]
        return ": ".join(parts)
    return _ID_SEPARATORS.sub("_", stripped.lower())


@dataclass(frozen=True, slots=True)
class Resolved:
    """What a code in a file stands for: the ``kind`` and ``code`` of the raw table."""

    kind: str
    code: str


class CodeError(Exception):
    """A code that names a KPI but not which of its data points; carries the reason and fix.

    Attributes
    ----------
    reason
        ``{"ambiguous_kpi_code", "unknown_data_point"}``, the ingest reason to report.
    message
        A full sentence naming the code and the fix.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class CodeResolver:
    """Look-up tables that resolve codes written in files, built once per catalogue.

    Parameters
    ----------
    input_ids
        The ids of the raw-input registry.
    kpis
        The KPIs with their data points, in catalogue order.
    """

    def __init__(self, input_ids: Iterable[str], kpis: Iterable[Kpi]) -> None:
        self.input_ids: frozenset[str] = frozenset(input_ids)
        dp_ids: set[str] = set()
        points: dict[str, tuple[str, ...]] = {}
        by_slug: dict[str, str] = {}
        for kpi in kpis:
            ids = tuple(dp.id for dp in kpi.data_points)
            dp_ids.update(ids)
            points[normalise_code(kpi.code)] = ids
            by_slug[normalise_code(kpi.slug)] = normalise_code(kpi.code)
        self.dp_ids: frozenset[str] = frozenset(dp_ids)
        self.kpi_points: Mapping[str, tuple[str, ...]] = points
        self.kpi_code_of_slug: Mapping[str, str] = by_slug
        # Files repeat the same few hundred codes thousands of times: resolve each once.
        self._memo: dict[tuple[str, str, str], Resolved | tuple[str, str]] = {}

    def kpi_code(self, code_or_slug: str) -> str | None:
        """Return the canonical official code of the KPI named by a code or slug, else None."""
        norm = normalise_code(code_or_slug)
        if norm in self.kpi_points:
            return norm
        return self.kpi_code_of_slug.get(norm)

    def resolve(self, code: str, *, data_point: str = "", kind: str = "") -> Resolved:
        """Return the kind and the normalised code of the raw table for a code in a file.

        Parameters
        ----------
        code
            Input id, data point id, official KPI code or KPI slug, as written.
        data_point
            The ``data_point`` column, when the file has one.
        kind
            The ``kind`` column, when the file has one (``{"input", "kpi"}``); an unknown kind
            is kept as written for validation to report.

        Returns
        -------
        Resolved
            The kind and code.

        Raises
        ------
        CodeError
            When the code names a KPI with several data points and none (or a foreign one) is
            given.
        """
        key = (code, data_point, kind)
        found = self._memo.get(key)
        if found is None:
            try:
                found = self._resolve(code, data_point, kind)
            except CodeError as e:
                found = (e.reason, e.message)
            self._memo[key] = found
        if isinstance(found, tuple):
            raise CodeError(*found)
        return found

    def _resolve(self, code: str, data_point: str, kind: str) -> Resolved:
        norm = normalise_code(code)
        dp = normalise_code(data_point)
        lowered = kind.strip().lower()
        # An unknown kind is kept as written, for validation to report.
        given = lowered if lowered in {"input", "kpi"} else kind.strip()
        if norm in self.input_ids and not dp:
            return Resolved(given or "input", norm)
        if norm in self.dp_ids:
            return Resolved(given or "kpi", norm)
        kpi_code = norm if norm in self.kpi_points else self.kpi_code_of_slug.get(norm, "")
        if kpi_code:
            return Resolved(given or "kpi", self._point_of(kpi_code, dp, written=code))
        if dp:
            return Resolved(given or "kpi", dp)
        return Resolved(given or ("kpi" if ":" in norm else "input"), norm)

    def _point_of(self, kpi_code: str, dp: str, *, written: str) -> str:
        points = self.kpi_points[kpi_code]
        if dp in points:
            return dp
        choices = ", ".join(repr(p) for p in points)
        if dp:
            msg = (
                f"Data point {dp!r} does not belong to KPI {kpi_code!r}; use one of {choices} "
                "in the data_point column."
            )
            raise CodeError("unknown_data_point", msg)
        if len(points) == 1:
            return points[0]
        msg = (
            f"Code {written!r} names KPI {kpi_code!r}, which has {len(points)} data points; "
            f"add a data_point column naming one of {choices}, or use the data point id as code."
        )
        raise CodeError("ambiguous_kpi_code", msg)


__all__ = ["CodeError", "CodeResolver", "Resolved", "normalise_code"]
