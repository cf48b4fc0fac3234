"""Target sets: the value that counts as 100 % for each KPI data point, as data.

A :class:`TargetSet` is a named collection of :class:`Target` entries. citykpi ships a default
set (``assess/data/targets_default.yaml``) where every target carries its source and rationale;
users load their own sets from YAML or CSV (columns ``code``, ``data_point``, ``target`` and
optionally ``direction``, ``city``, ``target_year``, ``unit``, ``worst``, ``limit``, ``source``,
``rationale``). A user set is layered over the default set with :meth:`TargetSet.overlay`, so
its entries win and every other data point keeps its default; each entry remembers the set it
came from and that name is written next to every result.

Modelling choices
-----------------
* A target is one of three kinds (:class:`TargetKind`): a fixed ``value``; ``top_five_mean``,
  the mean of the five best cities in the data being assessed (latest year of each city,
  direction-aware), used where no external target exists (SDSN upper-bound rule 5); or
  ``no_benchmark``, which leaves the data point out of scoring, as U4SSC reports do.
* A city may have its own targets and target years: an entry with ``city`` set applies to that
  city only and takes precedence over the general entry of the same set.
* ``direction`` left empty means the catalogue direction of the data point.
* ``unit`` (optional) is the unit the target is written in; it is converted to the catalogue
  unit of the data point, and every target is stored in that unit.
* ``worst`` (optional) is the value that scores 0 % of target; lower-is-better targets of 0 need
  it, because target / value is then 0 whatever the value (see :mod:`citykpi.assess.scoring`).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Final

import yaml

from citykpi.assess.meta import MetaMap, catalogue_meta
from citykpi.catalogue import normalise_code, units
from citykpi.errors import InputError, SpecError, UnitError
from citykpi.model import Direction

DEFAULT_SET_NAME: Final = "citykpi-default"

#: Spellings accepted in the ``target`` cell for the two non-numeric kinds.
_NO_BENCHMARK: Final = frozenset({"no_benchmark", "no benchmark", "n/a", "na", "none"})
_TOP_FIVE: Final = frozenset({"top_five_mean", "top5", "top 5", "top_five", "top five"})
_DIRECTIONS: Final = {
    "higher": Direction.HIGHER,
    "higher_better": Direction.HIGHER,
    "lower": Direction.LOWER,
    "lower_better": Direction.LOWER,
    "target_range": Direction.TARGET_RANGE,
    "range": Direction.TARGET_RANGE,
}
REQUIRED_COLUMNS: Final = ("code", "data_point", "target")
OPTIONAL_COLUMNS: Final = (
    "direction",
    "city",
    "target_year",
    "unit",
    "worst",
    "limit",
    "source",
    "rationale",
)


class TargetKind(StrEnum):
    """How a target value is obtained."""

    VALUE = "value"
    TOP_FIVE_MEAN = "top_five_mean"
    NO_BENCHMARK = "no_benchmark"


@dataclass(frozen=True, slots=True)
class Target:
    """The target of one data point (for every city, or for one city).

    ``value`` is ``None`` unless ``kind`` is :attr:`TargetKind.VALUE`; ``direction`` ``None``
    means the catalogue direction applies.
    """

    data_point: str
    code: str
    kind: TargetKind
    value: float | None = None
    unit: str = ""
    direction: Direction | None = None
    source: str = ""
    rationale: str = ""
    target_year: int | None = None
    city: str = ""
    worst: float | None = None
    limit: float | None = None
    set_name: str = ""


@dataclass(frozen=True, slots=True)
class TargetSet:
    """A named set of targets; look entries up with :meth:`lookup`."""

    name: str
    targets: tuple[Target, ...] = ()
    _index: dict[tuple[str, str], Target] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        for t in self.targets:
            self._index[(t.data_point, t.city)] = t

    def __iter__(self) -> Iterator[Target]:
        return iter(self.targets)

    def __len__(self) -> int:
        return len(self.targets)

    def lookup(self, data_point: str, city: str = "") -> Target | None:
        """Return the target of ``data_point`` for ``city`` (its own entry first), or ``None``."""
        found = self._index.get((data_point, city)) if city else None
        return found if found is not None else self._index.get((data_point, ""))

    def overlay(self, other: TargetSet) -> TargetSet:
        """Return a set where the entries of ``other`` replace those of this set.

        Parameters
        ----------
        other
            The set that wins, typically the user's own targets.

        Returns
        -------
        TargetSet
            Named ``"<other> over <self>"``; each entry keeps the name of the set it came from.
        """
        merged = {(t.data_point, t.city): t for t in self.targets}
        merged.update({(t.data_point, t.city): t for t in other.targets})
        return TargetSet(name=f"{other.name} over {self.name}", targets=tuple(merged.values()))


def _location(file: str, row: int | None, column: str) -> str:
    where = file
    if row is not None:
        where += f", row {row}"
    return f"{where}, column {column!r}"


def _parse_float(raw: object, *, file: str, row: int | None, column: str) -> float | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        number = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        msg = (
            f"{_location(file, row, column)}: {raw!r} is not a number; write a number such as "
            "95 (decimal point, no unit or % sign) or leave the cell empty."
        )
        raise InputError(msg)
    return number


def _parse_entry(
    raw: Mapping[str, object], *, meta: MetaMap, file: str, row: int | None, set_name: str
) -> Target:
    by_code: dict[str, list[str]] = {}
    for m in meta.values():
        by_code.setdefault(m.code, []).append(m.data_point)
    # Codes and ids in any spacing or case, as in input files (one canonical form).
    code = normalise_code(str(raw.get("code") or ""))
    dp = normalise_code(str(raw.get("data_point") or ""))
    if dp and dp in meta and not code:
        code = meta[dp].code
    if code not in by_code:
        near = sorted(c for c in by_code if code and code.split(":")[0] == c.split(":")[0])[:3]
        hint = f" Close codes: {', '.join(map(repr, near))}." if near else ""
        msg = (
            f"{_location(file, row, 'code')}: unknown KPI code {code!r}; use an official code "
            f"such as 'EC: ICT: ICT: 1C' (list them with 'citykpi catalogue').{hint}"
        )
        raise InputError(msg)
    if not dp:
        if len(by_code[code]) != 1:
            msg = (
                f"{_location(file, row, 'data_point')}: KPI {code!r} has several data points; "
                f"name one of {', '.join(map(repr, by_code[code]))}."
            )
            raise InputError(msg)
        dp = by_code[code][0]
    if dp not in by_code[code]:
        msg = (
            f"{_location(file, row, 'data_point')}: {dp!r} is not a data point of KPI {code!r}; "
            f"use one of {', '.join(map(repr, by_code[code]))}."
        )
        raise InputError(msg)
    cell = raw.get("target")
    text = "" if cell is None else str(cell).strip()
    value: float | None = None
    if text.lower() in _NO_BENCHMARK:
        kind = TargetKind.NO_BENCHMARK
    elif text.lower() in _TOP_FIVE:
        kind = TargetKind.TOP_FIVE_MEAN
    elif not text:
        msg = (
            f"{_location(file, row, 'target')}: the target of {dp!r} is empty; write a number, "
            "'no_benchmark' or 'top_five_mean'."
        )
        raise InputError(msg)
    else:
        kind = TargetKind.VALUE
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            msg = (
                f"{_location(file, row, 'target')}: {text!r} is not a number; write a number "
                "such as 95 (no unit or % sign), 'no_benchmark' or 'top_five_mean'."
            )
            raise InputError(msg)
    direction_text = str(raw.get("direction") or "").strip().lower()
    direction: Direction | None = None
    if direction_text:
        if direction_text not in _DIRECTIONS:
            msg = (
                f"{_location(file, row, 'direction')}: unknown direction {direction_text!r}; "
                "use 'higher', 'lower' or 'target_range', or leave it empty for the catalogue's."
            )
            raise InputError(msg)
        direction = _DIRECTIONS[direction_text]
    year = _parse_float(raw.get("target_year"), file=file, row=row, column="target_year")
    if year is not None and (year != int(year) or not 2000 <= year <= 2100):
        msg = (
            f"{_location(file, row, 'target_year')}: {raw.get('target_year')!r} is not a year "
            "between 2000 and 2100; write a whole year such as 2030."
        )
        raise InputError(msg)
    unit = str(raw.get("unit") or "").strip()
    wanted = meta[dp].unit
    worst = _parse_float(raw.get("worst"), file=file, row=row, column="worst")
    if unit and units.normalise_unit(unit) != units.normalise_unit(wanted):
        # a target written in another unit (e.g. mg/m3) is converted to the catalogue unit
        try:
            value = None if value is None else units.convert(value, unit, wanted)
            worst = None if worst is None else units.convert(worst, unit, wanted)
        except (UnitError, TypeError, ValueError) as e:  # pint raises TypeError subclasses
            msg = (
                f"{_location(file, row, 'unit')}: {unit!r} cannot be converted to {wanted!r}, "
                f"the unit of {dp!r}; write the target in {wanted!r} or leave the unit empty."
            )
            raise InputError(msg) from e
    return Target(
        data_point=dp,
        code=code,
        kind=kind,
        value=value,
        unit=wanted,
        direction=direction,
        source=str(raw.get("source") or "").strip(),
        rationale=str(raw.get("rationale") or "").strip(),
        target_year=None if year is None else int(year),
        city=str(raw.get("city") or "").strip(),
        worst=worst,
        limit=_parse_float(raw.get("limit"), file=file, row=row, column="limit"),
        set_name=set_name,
    )


def _entries_to_set(
    rows: Iterable[tuple[int | None, Mapping[str, object]]],
    *,
    name: str,
    meta: MetaMap,
    file: str,
) -> TargetSet:
    seen: dict[tuple[str, str], int | None] = {}
    targets: list[Target] = []
    for row, raw in rows:
        t = _parse_entry(raw, meta=meta, file=file, row=row, set_name=name)
        key = (t.data_point, t.city)
        if key in seen:
            first = f"row {seen[key]}" if seen[key] is not None else "an earlier entry"
            who = f" for city {t.city!r}" if t.city else ""
            msg = (
                f"{_location(file, row, 'data_point')}: {t.data_point!r}{who} already has a "
                f"target in {first}; keep one of the two."
            )
            raise InputError(msg)
        seen[key] = row
        targets.append(t)
    return TargetSet(name=name, targets=tuple(targets))


def _read_csv(path: Path, *, meta: MetaMap) -> TargetSet:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            msg = (
                f"{path}: the target file lacks the column(s) {', '.join(map(repr, missing))}; "
                f"its header must include {', '.join(REQUIRED_COLUMNS)} (optional: "
                f"{', '.join(OPTIONAL_COLUMNS)})."
            )
            raise InputError(msg)
        reader.fieldnames = header
        rows = [
            (i, r)
            for i, r in enumerate(reader, start=2)
            if any((v or "").strip() for v in r.values() if isinstance(v, str))
        ]
    return _entries_to_set(rows, name=path.name, meta=meta, file=str(path))


def _read_yaml(text: str, *, file: str, default_name: str, meta: MetaMap) -> TargetSet:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        msg = f"{file}: not valid YAML ({e}); fix the syntax or write the targets as CSV."
        raise InputError(msg) from e
    if isinstance(doc, list):
        doc = {"targets": doc}
    if not isinstance(doc, dict) or not isinstance(doc.get("targets"), list):
        msg = (
            f"{file}: a YAML target set must be a list of entries or a mapping with a "
            "'targets' list (each entry with code, data_point and target)."
        )
        raise InputError(msg)
    rows: list[tuple[int | None, Mapping[str, object]]] = []
    for i, entry in enumerate(doc["targets"], start=1):
        if not isinstance(entry, dict):
            msg = f"{file}: entry {i} of 'targets' is not a mapping; give code, data_point, target."
            raise InputError(msg)
        rows.append((None, {str(k).lower(): v for k, v in entry.items()}))
    name = str(doc.get("name") or default_name)
    return _entries_to_set(rows, name=name, meta=meta, file=file)


def load_targets(path: str | Path, *, meta: MetaMap | None = None) -> TargetSet:
    """Read a user's target set from a CSV or YAML file.

    Parameters
    ----------
    path
        A ``.csv`` file (columns ``code``, ``data_point``, ``target``, optional ``direction``,
        ``city``, ``target_year``, ``unit``, ``worst``, ``limit``, ``source``, ``rationale``) or
        a ``.yaml``/``.yml`` file (a ``targets`` list of entries with the same keys).
    meta
        Data point metadata used to check codes and ids; defaults to the bundled catalogue.

    Returns
    -------
    TargetSet
        Named after the file (or the YAML ``name`` key).

    Raises
    ------
    InputError
        If the file is missing, lacks a column, names an unknown code or data point, or holds a
        target that is not a number; the message names the file, row and column.
    """
    p = Path(path)
    known = catalogue_meta(meta)
    if not p.is_file():
        msg = f"Target file {str(p)!r} does not exist; check the path given to --targets."
        raise InputError(msg)
    suffix = p.suffix.lower()
    if suffix == ".csv":
        return _read_csv(p, meta=known)
    if suffix in {".yaml", ".yml"}:
        return _read_yaml(
            p.read_text(encoding="utf-8"), file=str(p), default_name=p.name, meta=known
        )
    msg = f"Target file {str(p)!r} has suffix {suffix!r}; use a .csv, .yaml or .yml file."
    raise InputError(msg)


def default_targets(*, meta: MetaMap | None = None) -> TargetSet:
    """Return the default target set shipped with citykpi.

    Every entry has a source and a rationale; ``no_benchmark`` entries say why none exists.

    Parameters
    ----------
    meta
        Data point metadata used to check ids; defaults to the bundled catalogue.

    Returns
    -------
    TargetSet
        Named :data:`DEFAULT_SET_NAME` plus the file's version.
    """
    text = (
        resources.files("citykpi.assess")
        .joinpath("data/targets_default.yaml")
        .read_text(encoding="utf-8")
    )
    try:
        return _read_yaml(
            text,
            file="targets_default.yaml",
            default_name=DEFAULT_SET_NAME,
            meta=catalogue_meta(meta),
        )
    except InputError as e:
        msg = f"The bundled default target set is inconsistent with the catalogue: {e}"
        raise SpecError(msg) from e


def with_city_target(
    targets: TargetSet,
    *,
    city: str,
    data_point: str,
    value: float,
    target_year: int | None = None,
    source: str = "city's own target",
) -> TargetSet:
    """Return ``targets`` plus a city's own target for one data point.

    Parameters
    ----------
    targets
        The set to extend.
    city
        The city the target applies to.
    data_point
        Catalogue id of the data point.
    value
        The target value, in the catalogue unit.
    target_year
        The year by which the city wants to reach it.
    source
        Recorded as the entry's source.

    Returns
    -------
    TargetSet
        A new set with the same name.
    """
    base = targets.lookup(data_point)
    if base is None:
        msg = (
            f"Data point {data_point!r} has no entry in target set {targets.name!r}; "
            "add a general entry for it before setting a city target."
        )
        raise SpecError(msg)
    own = replace(
        base,
        kind=TargetKind.VALUE,
        value=value,
        city=city,
        target_year=target_year,
        source=source,
        rationale=f"Target set by {city}.",
        set_name=f"{targets.name}+{city}",
    )
    return TargetSet(name=targets.name, targets=(*targets.targets, own))


__all__ = [
    "DEFAULT_SET_NAME",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "Target",
    "TargetKind",
    "TargetSet",
    "default_targets",
    "load_targets",
    "with_city_target",
]
