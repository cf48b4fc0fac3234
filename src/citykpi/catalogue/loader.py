"""Load the catalogue from YAML and check it, collecting every problem before reporting.

:func:`load_catalogue` reads ``framework.yaml``, ``inputs.yaml`` and ``kpis/*.yaml`` from a
catalogue directory (the bundled one by default, cached) and checks:

* each file against its schema (:mod:`citykpi.catalogue.schema`);
* unique KPI codes, slugs, data point ids and input ids;
* each KPI's dimension, sub-dimension, category and tier against the framework and its code;
* every formula: parses in the safe language, reads only declared inputs, calls only
  registered functions, and its units reduce to the data point's declared unit;
* every declared input is read by at least one formula.

All problems are gathered into one :class:`~citykpi.errors.CatalogueError` whose message lists
each with its file, KPI and field.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, TypeVar

import pint
import yaml
from pydantic import BaseModel, ValidationError

from citykpi.catalogue.codes import normalise_code
from citykpi.catalogue.formula import check_inputs, check_units, parse_formula
from citykpi.catalogue.schema import DataPoint, Framework, InputDef, Kpi
from citykpi.catalogue.units import parse_unit
from citykpi.errors import CatalogueError, FormulaError, UnitError

#: libyaml's safe loader when PyYAML was built with it (10x faster), else the pure-Python one.
_SAFE_LOADER: Final[type[yaml.SafeLoader]] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

M = TypeVar("M", bound=BaseModel)

#: Directory of the bundled catalogue.
DATA_DIR: Final = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True, slots=True)
class _Problem:
    file: str
    kpi: str  # the KPI code, or the input id when ``owner`` is "input"
    field: str
    message: str
    owner: str = "KPI"

    def line(self) -> str:
        where = [self.file]
        if self.kpi:
            where.append(f"{self.owner} {self.kpi!r}")
        if self.field:
            where.append(f"field {self.field!r}")
        return f"{', '.join(where)}: {self.message}"


class Catalogue:
    """The loaded, checked U4SSC catalogue.

    Attributes
    ----------
    version
        Catalogue version (``framework.yaml``), recorded with every computed value.
    framework
        Dimensions, sub-dimensions and categories.
    kpis
        The KPIs in code order (the order of the published framework).
    inputs
        The raw-input registry, by input id.
    derived
        Views derived from the catalogue and kept with it (the
        :func:`~citykpi.catalogue.index.catalogue_index`), so they live as long as it does.
    """

    def __init__(
        self,
        *,
        framework: Framework,
        kpis: tuple[Kpi, ...],
        inputs: Mapping[str, InputDef],
        root: Path,
    ) -> None:
        self.framework: Final = framework
        self.version: Final[str] = framework.version
        self.kpis: Final[tuple[Kpi, ...]] = kpis
        self.inputs: Final[Mapping[str, InputDef]] = MappingProxyType(dict(inputs))
        self.root: Final[Path] = root
        self.derived: Final[dict[str, object]] = {}
        self._by_key: dict[str, Kpi] = {}
        for k in kpis:
            self._by_key[normalise_code(k.code)] = k
            self._by_key[normalise_code(k.slug)] = k
        self._points: dict[str, tuple[Kpi, DataPoint]] = {
            dp.id: (k, dp) for k in kpis for dp in k.data_points
        }

    def __repr__(self) -> str:
        return (
            f"Catalogue(version={self.version!r}, kpis={len(self.kpis)}, root={str(self.root)!r})"
        )

    def kpi(self, code_or_slug: str) -> Kpi:
        """Return the KPI with this official code (spacing and case ignored) or slug.

        Raises
        ------
        CatalogueError
            When no KPI matches; the message names the closest codes.
        """
        found = self._by_key.get(normalise_code(code_or_slug))
        if found is not None:
            return found
        candidates = [k.code for k in self.kpis] + [k.slug for k in self.kpis]
        words = code_or_slug.strip().lower()
        by_name = [k.code for k in self.kpis if len(words) >= 3 and words in k.name.lower()]
        hint = _did_you_mean(code_or_slug, candidates, also=by_name)
        msg = f"Unknown KPI code {code_or_slug!r}.{hint} See 'citykpi catalogue' for every code."
        raise CatalogueError(msg)

    def data_point(self, dp_id: str) -> DataPoint:
        """Return the data point with id ``dp_id``.

        Raises
        ------
        CatalogueError
            When no data point has that id; the message names the closest ids.
        """
        return self._point(dp_id)[1]

    def kpi_of(self, dp_id: str) -> Kpi:
        """Return the KPI that data point ``dp_id`` belongs to."""
        return self._point(dp_id)[0]

    def _point(self, dp_id: str) -> tuple[Kpi, DataPoint]:
        try:
            return self._points[dp_id]
        except KeyError:
            hint = _did_you_mean(dp_id, self._points)
            msg = (
                f"Unknown data point id {dp_id!r}.{hint} See 'citykpi catalogue --format json' "
                "for every data point."
            )
            raise CatalogueError(msg) from None

    def has_data_point(self, dp_id: str) -> bool:
        """Return whether ``dp_id`` is a data point id of the catalogue."""
        return dp_id in self._points

    def iter_data_points(self) -> Iterator[tuple[Kpi, DataPoint]]:
        """Yield every (KPI, data point) pair in code order."""
        for k in self.kpis:
            for dp in k.data_points:
                yield k, dp

    def input(self, input_id: str) -> InputDef:
        """Return the registry entry of ``input_id``.

        Raises
        ------
        CatalogueError
            When the id is not declared; the message names the closest ids.
        """
        try:
            return self.inputs[input_id]
        except KeyError:
            hint = _did_you_mean(input_id, self.inputs)
            msg = f"Unknown input id {input_id!r}.{hint} See 'citykpi inputs' for every input."
            raise CatalogueError(msg) from None


def _did_you_mean(word: str, choices: Iterable[str], *, also: Sequence[str] = ()) -> str:
    """Return ``" Did you mean 'a', 'b'?"`` naming the choices close to ``word``, or ``""``."""
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)
    hints = list(dict.fromkeys([*close, *also]))[:5]
    return f" Did you mean {', '.join(map(repr, hints))}?" if hints else ""


def _read_yaml(path: Path, problems: list[_Problem]) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        problems.append(_Problem(str(path), "", "", f"cannot be read ({e.strerror or e})."))
        return None
    try:
        data = yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError as e:
        where = ""
        mark = getattr(e, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        problems.append(_Problem(str(path), "", "", f"is not valid YAML{where}: {e}."))
        return None
    if data is None:
        problems.append(_Problem(str(path), "", "", "is empty; it must hold the catalogue data."))
    return data


def _schema_problems(
    path: Path, error: ValidationError, item: Any, *, owner: str, kind: str = "KPI"
) -> list[_Problem]:
    """Turn a pydantic error about one item into problems naming its owner and field."""
    found: list[_Problem] = []
    for err in error.errors():
        loc: list[str | int] = list(err["loc"])
        if len(loc) >= 2 and loc[0] == "data_points" and isinstance(loc[1], int):
            dps = item.get("data_points") if isinstance(item, dict) else None
            index = loc[1]
            if isinstance(dps, list) and index < len(dps) and isinstance(dps[index], dict):
                loc[1] = str(dps[index].get("id", index))
        field = ".".join(str(p) for p in loc)
        value = err.get("input")
        shown = f" (got {value!r})" if not isinstance(value, dict | list) else ""
        found.append(_Problem(str(path), owner, field, f"{err['msg']}{shown}.", kind))
    return found


def _validate_items(
    path: Path, raw: Any, model: type[M], *, label: str, problems: list[_Problem]
) -> tuple[list[M], bool]:
    """Validate each item of a YAML list on its own, so one bad item hides no other problem.

    Returns the valid items and whether every item was valid.
    """
    if not isinstance(raw, list):
        problems.append(_Problem(str(path), "", "", "must be a YAML list of entries."))
        return [], False
    valid: list[M] = []
    for n, item in enumerate(raw, start=1):
        owner = str(item.get(label) or f"entry {n}") if isinstance(item, dict) else f"entry {n}"
        try:
            valid.append(model.model_validate(item))
        except ValidationError as e:
            kind = "input" if model is InputDef else "KPI"
            problems.extend(_schema_problems(path, e, item, owner=owner, kind=kind))
    return valid, len(valid) == len(raw)


def _check_kpi(kpi: Kpi, framework: Framework, file: str, problems: list[_Problem]) -> None:
    def add(field: str, message: str) -> None:
        problems.append(_Problem(file, kpi.code, field, message))

    dims = {d.name: d for d in framework.dimensions}
    dim = dims.get(kpi.dimension)
    if dim is None:
        add("dimension", f"{kpi.dimension!r} is not a dimension of the framework {sorted(dims)}.")
        return
    parts = [p.strip() for p in kpi.code.split(":")]
    if parts[0] != dim.code:
        add(
            "code",
            f"starts with {parts[0]!r} but the dimension {dim.name!r} has code {dim.code!r}.",
        )
    subs = {s.name: s for s in dim.sub_dimensions}
    sub = subs.get(kpi.sub_dimension)
    if sub is None:
        add("sub_dimension", f"{kpi.sub_dimension!r} is not a sub-dimension of {dim.name!r}.")
        return
    if parts[1] != sub.code:
        add("code", f"has sub-dimension code {parts[1]!r}, expected {sub.code!r}.")
    cats = {c.name: c for c in sub.categories}
    anomalies = {(a.code, a.category) for a in framework.code_anomalies}
    if kpi.category not in cats:
        add("category", f"{kpi.category!r} is not a category of {sub.name!r} {sorted(cats)}.")
    elif parts[2] != cats[kpi.category].code and (kpi.code, kpi.category) not in anomalies:
        add(
            "code",
            f"has category code {parts[2]!r} but category {kpi.category!r} has code "
            f"{cats[kpi.category].code!r}; fix one, or list the code under code_anomalies "
            "in framework.yaml if it is published that way.",
        )
    if not parts[3].endswith(kpi.tier_letter):
        add("tier", f"is {kpi.tier!r} but the code ends in {parts[3][-1]!r}.")
    if len(kpi.data_points) == 1 and kpi.data_points[0].unit != kpi.unit:
        add(
            "unit",
            f"is {kpi.unit!r} but its only data point is in {kpi.data_points[0].unit!r}; "
            "use the same unit.",
        )
    elif kpi.unit not in {dp.unit for dp in kpi.data_points}:
        add("unit", f"{kpi.unit!r} is the unit of none of its data points.")
    for field, unit in [("unit", kpi.unit)] + [
        (f"data_points.{dp.id}.unit", dp.unit) for dp in kpi.data_points
    ]:
        try:
            parse_unit(unit)
        except UnitError as e:
            add(field, str(e))


def _check_formula(
    kpi: Kpi,
    dp: DataPoint,
    inputs: Mapping[str, InputDef],
    file: str,
    problems: list[_Problem],
) -> DataPoint:
    """Check one data point's formula; return the data point with inputs and function set."""
    field = f"data_points.{dp.id}.formula"

    def add(message: str, where: str = field) -> None:
        problems.append(_Problem(file, kpi.code, where, message))

    try:
        parsed = parse_formula(dp.formula)
        check_inputs(parsed, inputs)
    except FormulaError as e:
        add(str(e))
        return dp
    called = parsed.functions[0] if parsed.functions else None
    if dp.function is not None and dp.function != called:
        add(
            f"function is {dp.function!r} but the formula calls {called!r}; make them agree.",
            f"data_points.{dp.id}.function",
        )
    if called == "share_of_total":
        names = [a.id if hasattr(a, "id") else "" for a in getattr(parsed.tree, "args", [])]
        if names and names[0] not in names[1:]:
            add(f"share_of_total's first argument {names[0]!r} must also be one of the components.")
    if called == "yes_no":
        for name in parsed.inputs:
            if inputs[name].kind != "boolean":
                add(f"yes_no() reads {name!r}, which is not a boolean input.")
    try:
        check_units(parsed, {n: inputs[n].unit for n in parsed.inputs}, dp.unit)
    except (FormulaError, UnitError) as e:
        add(str(e))
    return dp.model_copy(update={"inputs": parsed.inputs, "function": called})


def _kind_problem(item: InputDef, unit: pint.Unit) -> str:
    """Return why ``item.kind`` does not fit its unit, or "" when it does."""
    is_yes_no = str(unit) == "yes_no"
    if (item.kind == "boolean") != is_yes_no:
        return (
            f"is {item.kind!r} with unit {item.unit!r}; boolean inputs, and only they, use "
            "'yes_no'."
        )
    counted = {"", "[population]", "[household]"}
    dims = "" if unit.dimensionless else str(unit.dimensionality)
    if item.kind == "count" and dims not in counted:
        return (
            f"is 'count' but unit {item.unit!r} measures {dims}; counts are in 'count', "
            "'inhabitant' or 'household', otherwise use kind 'quantity'."
        )
    return ""


def _read_inputs(path: Path, problems: list[_Problem]) -> tuple[dict[str, InputDef], bool]:
    raw = _read_yaml(path, problems)
    if raw is None:
        return {}, False
    items, complete = _validate_items(path, raw, InputDef, label="id", problems=problems)
    inputs: dict[str, InputDef] = {}
    for item in items:
        if item.id in inputs:
            problems.append(_Problem(str(path), item.id, "id", "is declared twice.", "input"))
        inputs[item.id] = item
        try:
            unit = parse_unit(item.unit)
        except UnitError as e:
            problems.append(_Problem(str(path), item.id, "unit", str(e), "input"))
            continue
        problem = _kind_problem(item, unit)
        if problem:
            problems.append(_Problem(str(path), item.id, "kind", problem, "input"))
    return inputs, complete


def _read_kpis(
    root: Path, framework: Framework, problems: list[_Problem]
) -> tuple[list[tuple[Kpi, str]], bool]:
    """Return every valid KPI with its file, and whether every KPI was valid."""
    found: list[tuple[Kpi, str]] = []
    complete = True
    for dim in framework.dimensions:
        path = root / "kpis" / dim.file
        raw = _read_yaml(path, problems)
        if raw is None:
            complete = False
            continue
        kpis, ok = _validate_items(path, raw, Kpi, label="code", problems=problems)
        complete = complete and ok
        for k in kpis:
            if k.dimension != dim.name:
                problems.append(
                    _Problem(
                        str(path),
                        k.code,
                        "dimension",
                        f"is {k.dimension!r} but this file holds the KPIs of {dim.name!r}.",
                    )
                )
            found.append((k, str(path)))
    return found, complete


def _check_unique(kpis: list[tuple[Kpi, str]], problems: list[_Problem]) -> None:
    seen: dict[str, str] = {}
    for k, file in kpis:
        keys = [("code", k.code), ("slug", k.slug)] + [
            ("data point id", dp.id) for dp in k.data_points
        ]
        for kind, key in keys:
            tag = f"{kind}:{key}"
            if tag in seen:
                message = f"{key!r} is also used by {seen[tag]!r}; each {kind} must be unique."
                problems.append(_Problem(file, k.code, kind, message))
            seen[tag] = k.code


def _load(root: Path) -> Catalogue:
    if not root.is_dir():
        msg = (
            f"Catalogue directory {str(root)!r} does not exist; pass a directory holding "
            "framework.yaml, inputs.yaml and kpis/."
        )
        raise CatalogueError(msg)
    problems: list[_Problem] = []
    framework_path = root / "framework.yaml"
    raw_framework = _read_yaml(framework_path, problems)
    framework: Framework | None = None
    if raw_framework is not None:
        try:
            framework = Framework.model_validate(raw_framework)
        except ValidationError as e:
            problems.extend(_schema_problems(framework_path, e, raw_framework, owner=""))
    inputs_path = root / "inputs.yaml"
    inputs, inputs_complete = _read_inputs(inputs_path, problems)
    if framework is None:
        raise CatalogueError(_message(root, problems))
    kpis, kpis_complete = _read_kpis(root, framework, problems)
    _check_unique(kpis, problems)

    checked: list[Kpi] = []
    feeds: dict[str, list[str]] = {i: [] for i in inputs}
    for k, file in kpis:
        _check_kpi(k, framework, file, problems)
        if not inputs_complete:
            checked.append(k)  # formulas cannot be checked against a broken registry
            continue
        points = tuple(_check_formula(k, dp, inputs, file, problems) for dp in k.data_points)
        for dp in points:
            for name in dp.inputs:
                feeds.setdefault(name, []).append(dp.id)
        checked.append(k.model_copy(update={"data_points": points}))
    if inputs_complete and kpis_complete:
        # Only meaningful when every KPI was read: a broken KPI would leave its inputs unused.
        for input_id, used_by in feeds.items():
            if not used_by and input_id in inputs:
                message = "is declared but no formula reads it; use it in a formula or remove it."
                problems.append(_Problem(str(inputs_path), input_id, "", message, "input"))
    if problems:
        raise CatalogueError(_message(root, problems))
    final_inputs = {
        i: d.model_copy(update={"feeds": tuple(feeds.get(i, ()))}) for i, d in inputs.items()
    }
    return Catalogue(framework=framework, kpis=tuple(checked), inputs=final_inputs, root=root)


def _message(root: Path, problems: list[_Problem]) -> str:
    lines = "\n".join(f"  - {p.line()}" for p in problems)
    return (
        f"The catalogue in {str(root)!r} has {len(problems)} problem(s); fix each of them:\n{lines}"
    )


@lru_cache(maxsize=1)
def _bundled() -> Catalogue:
    from citykpi.catalogue.cache import cached_parts

    def build() -> tuple[Framework, tuple[Kpi, ...], Mapping[str, InputDef]]:
        c = _load(DATA_DIR)
        return c.framework, c.kpis, c.inputs

    framework, kpis, inputs = cached_parts(DATA_DIR, build)
    return Catalogue(framework=framework, kpis=kpis, inputs=inputs, root=DATA_DIR)


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load and check a catalogue.

    Parameters
    ----------
    path
        Catalogue directory holding ``framework.yaml``, ``inputs.yaml`` and ``kpis/``;
        None for the bundled U4SSC catalogue (loaded once, then cached).

    Returns
    -------
    Catalogue
        The checked catalogue.

    Raises
    ------
    CatalogueError
        Listing every problem found, each with its file, KPI and field.
    """
    if path is None:
        return _bundled()
    return _load(Path(path))


__all__ = ["DATA_DIR", "Catalogue", "load_catalogue"]
