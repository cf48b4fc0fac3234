"""The part of the catalogue that ingest relies on, and the index used to resolve codes.

Ingest needs only a read-only view of :mod:`citykpi.catalogue`: the inputs registry and the KPIs
with their data points. The protocols below name exactly that, so the readers work with the
bundled catalogue (:func:`default_catalogue`) or any other catalogue loaded from YAML.

Code resolution (:class:`CodeIndex`) decides what a ``code`` in a file means. In order:

1. a raw input id of the registry -> ``kind == "input"``;
2. a data point id -> ``kind == "kpi"`` (a KPI result reported directly);
3. an official KPI code (any spacing or case) or a KPI slug -> ``kind == "kpi"``, with the data
   point taken from the ``data_point`` column, or the only data point of a single-point KPI.

A code that is none of these is kept (normalised) for validation to report as unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from citykpi.catalogue import load_catalogue


class InputView(Protocol):
    """A raw input of the registry, as ingest and the template use it."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def feeds(self) -> Sequence[str]: ...
    @property
    def sheet(self) -> str: ...


class DataPointView(Protocol):
    """A KPI data point, as ingest and the template use it."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def inputs(self) -> Sequence[str]: ...


class KpiView(Protocol):
    """A KPI, as ingest and the template use it."""

    @property
    def code(self) -> str: ...
    @property
    def slug(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def dimension(self) -> str: ...
    @property
    def data_points(self) -> Sequence[DataPointView]: ...


class CatalogueView(Protocol):
    """The catalogue, as ingest, the template and the sample generator use it."""

    @property
    def version(self) -> str: ...
    @property
    def kpis(self) -> Sequence[KpiView]: ...
    @property
    def inputs(self) -> Mapping[str, InputView]: ...


def default_catalogue() -> CatalogueView:
    """Return the bundled catalogue (loaded once, then cached, by :mod:`citykpi.catalogue`)."""
    return load_catalogue()


_SPACES = re.compile(r"\s+")
_ID_SEPARATORS = re.compile(r"[\s\-]+")


def normalise_code(text: str) -> str:
    """Return the canonical form of an input id, data point id or official KPI code.

    A text with a colon is taken as an official KPI code and written in the spaced, upper-case
    form of the U4SSC documents (``"ec:ict:ict:1c"`` -> ``"EC: ICT: ICT: 1C"``); anything
    else is an id: trimmed, lower case, runs of spaces and hyphens turned into one underscore
    (``" Total Population "`` -> ``"total_population"``).

    Parameters
    ----------
    text
        The code as written in a file.

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
    """Internal: a code that names a KPI but not which of its data points (carries the fix)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class CodeIndex:
    """Look-up tables from the catalogue that resolve codes written in files."""

    def __init__(self, catalogue: CatalogueView) -> None:
        self.catalogue = catalogue
        self.input_ids: frozenset[str] = frozenset(catalogue.inputs)
        dp_ids: set[str] = set()
        self.kpi_points: dict[str, tuple[str, ...]] = {}
        self.kpi_code_of_slug: dict[str, str] = {}
        for kpi in catalogue.kpis:
            points = tuple(dp.id for dp in kpi.data_points)
            dp_ids.update(points)
            self.kpi_points[normalise_code(kpi.code)] = points
            self.kpi_code_of_slug[kpi.slug] = normalise_code(kpi.code)
        self.dp_ids: frozenset[str] = frozenset(dp_ids)
        # Files repeat the same few hundred codes thousands of times: resolve each once.
        self._memo: dict[tuple[str, str, str], Resolved | tuple[str, str]] = {}

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

    def iter_kpi_points(self) -> Iterator[tuple[KpiView, DataPointView]]:
        """Yield every KPI with each of its data points, in catalogue order."""
        for kpi in self.catalogue.kpis:
            for dp in kpi.data_points:
                yield kpi, dp


__all__ = [
    "CatalogueView",
    "CodeIndex",
    "DataPointView",
    "InputView",
    "KpiView",
    "Resolved",
    "default_catalogue",
    "normalise_code",
]
