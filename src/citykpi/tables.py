"""Declared column types of the tables passed between stages, coerced once at the boundary.

Three tables travel through citykpi: the **raw table** (:data:`RAW`, built by the readers), the
**KPI table** (:data:`KPI`, built by :func:`citykpi.compute.compute` or read back from a file)
and the **city profile table** (:data:`PROFILE`, ``cities.csv``). Each has a
:class:`TableSchema` whose :class:`Column` entries say the type of every column.
:func:`coerce` turns a frame into that shape once, where it enters the program (a reader, the
compute stage, a file read back); every later stage trusts the types and parses nothing.

Types after coercion (pandas dtypes in brackets):

``"str"``
    Python ``str`` (object); a missing cell is ``""``. Leading and trailing blanks are removed
    unless the column keeps the text exactly as written (``raw_value``).
``"int"``
    Whole numbers (``int64``; ``Int64`` with ``<NA>`` if the column may be empty).
``"float"``
    Numbers (``float64``); a missing cell (blank, ``nan``, ``NA``, ``n/a``) is NaN.
``"bool"``
    ``yes``/``no``, ``true``/``false``, ``1``/``0`` (``boolean``, ``<NA>`` when empty).
``"ref"``
    Where a value came from: a 1-based row number (``int``) or a cell reference such as
    ``"Economy!F7"`` (``str``); ``None`` when unknown.

A bad cell (text where a number belongs) is never silently turned into NaN: :func:`coerce`
collects every bad cell and raises one :class:`~citykpi.errors.InputError` naming the file, the
row as a spreadsheet shows it (the header is row 1), the column, the value and the fix.

The module also holds the one :class:`CityProfile` type and the one table of population
classes (:data:`POPULATION_CLASSES`, used for peer groups and by the sample generator).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

import numpy as np
import pandas as pd

from citykpi.errors import InputError
from citykpi.model import (  # the profile types live in model: no pandas to use them
    KPI_COLUMNS,
    POPULATION_CLASSES,
    RAW_COLUMNS,
    CityProfile,
    PopulationClass,
    population_class,
)

Dtype = Literal["str", "int", "float", "bool", "ref"]

#: Words read as a missing number (compared in lower case, after stripping blanks).
MISSING_WORDS: Final[frozenset[str]] = frozenset({"", "nan", "na", "n/a"})
#: Words read as yes and no in a ``"bool"`` column (lower case).
TRUE_WORDS: Final[frozenset[str]] = frozenset({"yes", "y", "true", "1"})
FALSE_WORDS: Final[frozenset[str]] = frozenset({"no", "n", "false", "0"})
#: How many bad cells an error message lists before it says how many more there are.
MAX_LISTED: Final = 10

_DEFAULT_WHAT: Final[dict[str, str]] = {
    "int": "a whole number",
    "float": "a number",
    "bool": "yes or no",
}
_DEFAULT_FIX: Final[dict[str, str]] = {
    "int": "write a whole number such as 12",
    "float": "write a plain number (decimal point, no unit) or leave it empty",
    "bool": "write yes or no",
}


@dataclass(frozen=True, slots=True)
class Column:
    """One declared column of a table.

    Attributes
    ----------
    name
        Column name, as the table and its files spell it.
    dtype
        One of ``{"str", "int", "float", "bool", "ref"}``; see the module docstring.
    required
        Whether the column must be present (:func:`coerce` raises otherwise).
    description
        One line on what the column holds, for documentation.
    nullable
        Whether a cell may be empty (NaN, ``""``, ``<NA>``); an empty cell of a column that may
        not be empty is a bad cell.
    aliases
        Other names accepted in a file for this column (renamed on coercion).
    what, fix
        How a bad cell's message names the expected value (``"a year"``) and the fix
        (``"write e.g. 2024"``); defaults follow the dtype.
    strip
        Whether text is stripped of leading and trailing blanks.
    """

    name: str
    dtype: Dtype
    required: bool = True
    description: str = ""
    nullable: bool = True
    aliases: tuple[str, ...] = ()
    what: str = ""
    fix: str = ""
    strip: bool = True

    @property
    def pandas_dtype(self) -> str:
        """Return the pandas dtype of the column after coercion."""
        if self.dtype == "int":
            return "Int64" if self.nullable else "int64"
        if self.dtype == "float":
            return "float64"
        if self.dtype == "bool":
            return "boolean"
        return "object"

    def spec(self) -> str:
        """Return ``"'city' (or 'name')"``: the name and its aliases, for messages."""
        if not self.aliases:
            return repr(self.name)
        others = " or ".join(repr(a) for a in self.aliases)
        return f"{self.name!r} (or {others})"

    def bad_cell_text(self, value: str) -> str:
        """Return ``"'x' is not a year; write e.g. 2024"`` for a bad cell holding ``value``."""
        what = self.what or _DEFAULT_WHAT.get(self.dtype, "a valid value")
        fix = self.fix or _DEFAULT_FIX.get(self.dtype, "correct it")
        return f"{value!r} is not {what}; {fix}"


@dataclass(frozen=True, slots=True)
class TableSchema:
    """The declared columns of one table, in order.

    Attributes
    ----------
    name
        Short name used in messages, e.g. ``"KPI table"``.
    columns
        The columns, in the order of the table.
    advice
        Text appended to a missing-column message, e.g. ``" (as written by 'citykpi compute')"``.
    """

    name: str
    columns: tuple[Column, ...]
    advice: str = ""
    _by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {c.name: c for c in self.columns})

    @property
    def names(self) -> tuple[str, ...]:
        """Return the column names, in order."""
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        """Return the names of the required columns, in order."""
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        """Return the column called ``name`` (KeyError if the schema has none)."""
        return self._by_name[name]

    def __iter__(self) -> Iterator[Column]:
        return iter(self.columns)

    def empty(self) -> pd.DataFrame:
        """Return an empty frame with every column of the schema, already coerced."""
        return pd.DataFrame({c.name: pd.Series([], dtype=c.pandas_dtype) for c in self.columns})


def _declare(order: Iterable[str], columns: Mapping[str, Column]) -> tuple[Column, ...]:
    # The column order stays in citykpi.model (one source); a name without a declaration here
    # fails at import, and tests/test_tables.py checks no declaration is left over.
    return tuple(columns[name] for name in order)


_RAW_COLUMNS: Final[dict[str, Column]] = {
    c.name: c
    for c in (
        Column("city", "str", description="City name as given by the submitter."),
        Column(
            "year",
            "int",
            nullable=False,
            description="Reporting year.",
            what="a year",
            fix="write the reporting year as four digits, e.g. 2024",
        ),
        Column("kind", "str", description='"input" for a raw input, "kpi" for a KPI reported.'),
        Column("code", "str", description="Input id, or KPI data point id for kind 'kpi'."),
        Column("value", "float", description="The value as a number; NaN when missing."),
        Column(
            "raw_value",
            "str",
            strip=False,
            description="The value exactly as written in the file.",
        ),
        Column("unit", "str", description="Unit as given (converted at validation)."),
        Column("source", "str", description="Where the value comes from (free text)."),
        Column("quality", "str", description='DataQuality value, or "" when not stated.'),
        Column("file", "str", description="File the row came from."),
        Column("row", "ref", description="1-based row number or cell reference in the file."),
    )
}

_KPI_COLUMNS: Final[dict[str, Column]] = {
    c.name: c
    for c in (
        Column("city", "str", description="City name."),
        Column(
            "year",
            "int",
            nullable=False,
            description="Reporting year.",
            what="a year",
            fix="write e.g. 2024",
        ),
        Column("code", "str", description='Official KPI code, e.g. "EC: ICT: ICT: 1C".'),
        Column("data_point", "str", description="Catalogue data point id."),
        Column("value", "float", description="Value; NaN unless computed or reported."),
        Column("unit", "str", required=False, description="Catalogue unit of the data point."),
        Column("status", "str", required=False, description="KpiStatus value."),
        Column("reason", "str", required=False, description='Why not computed, else "".'),
        Column(
            "provenance",
            "str",
            required=False,
            description="JSON: inputs used, formula, catalogue version.",
        ),
        Column(
            "quality", "str", required=False, description="Worst DataQuality of the inputs used."
        ),
    )
}

#: Columns of the city profile table, in order (``cities.csv`` of the sample, ``--cities``).
PROFILE_COLUMNS: Final[tuple[str, ...]] = (
    "city",
    "country",
    "region",
    "population",
    "area_km2",
    "gdp_per_capita",
    "income_group",
    "coastal",
    "population_class",
)

_PROFILE_COLUMNS: Final[dict[str, Column]] = {
    c.name: c
    for c in (
        Column(
            "city",
            "str",
            aliases=("name",),
            nullable=False,
            description="City name, as in the KPI table.",
            what="a city name",
            fix="write the city's name",
        ),
        Column("country", "str", required=False, description="Country."),
        Column("region", "str", required=False, description="Region (World Bank grouping)."),
        Column(
            "population",
            "float",
            required=False,
            description="Inhabitants.",
            what="a number of inhabitants",
            fix="write a number such as 250000",
        ),
        Column(
            "area_km2",
            "float",
            required=False,
            description="Land area in km2.",
            what="an area in km2",
            fix="write a number such as 120.5",
        ),
        Column(
            "gdp_per_capita",
            "float",
            required=False,
            description="GDP per capita, USD.",
            what="an amount in USD",
            fix="write a number such as 14500",
        ),
        Column("income_group", "str", required=False, description="World Bank income group."),
        Column("coastal", "bool", required=False, description="Whether the city is on a coast."),
        Column(
            "population_class",
            "str",
            required=False,
            description="Label of POPULATION_CLASSES; derived from population when known.",
        ),
    )
}

#: The raw long table built by the readers (columns :data:`citykpi.model.RAW_COLUMNS`).
RAW: Final = TableSchema(
    "raw table",
    _declare(RAW_COLUMNS, _RAW_COLUMNS),
    advice=" (build it with citykpi.ingest.read_files)",
)
#: The KPI long table (columns :data:`citykpi.model.KPI_COLUMNS`); the last five are optional.
KPI: Final = TableSchema(
    "KPI table",
    _declare(KPI_COLUMNS, _KPI_COLUMNS),
    advice=" (as written by 'citykpi compute')",
)
#: The city profile table; only ``city`` is required, other fields are kept as text.
PROFILE: Final = TableSchema("profile table", _declare(PROFILE_COLUMNS, _PROFILE_COLUMNS))


# --- coercion ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BadCell:
    """One cell that does not hold a value of its column's type."""

    row: int  # 1-based, as a spreadsheet shows it (the header is row 1)
    column: Column
    value: str  # the cell as text

    def describe(self) -> str:
        """Return ``"row 4, column 'year': 'x' is not a year; write e.g. 2024"``."""
        return (
            f"row {self.row}, column {self.column.name!r}: {self.column.bad_cell_text(self.value)}"
        )


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _as_text(value: object) -> str:
    """Return a cell as text: ``""`` when missing, whole floats without ``.0``."""
    if type(value) is str:
        return value
    if _missing(value):
        return ""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _text_column(series: pd.Series, col: Column) -> pd.Series:
    values = [_as_text(v) for v in series.tolist()]
    if col.strip:
        values = [v.strip() for v in values]
    return pd.Series(values, index=series.index, dtype=object)


def _ref(value: object) -> int | str | None:
    if _missing(value):
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return int(value) if float(value).is_integer() else str(value)
    text = str(value).strip()
    if not text:
        return None
    return int(text) if text.isdigit() else text


def _numbers(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return the cells as float64 numbers (NaN where missing or bad) and the missing mask."""
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        numbers = series.astype("float64")
        return numbers, numbers.isna()
    text = pd.Series(
        [_as_text(v).strip() for v in series.tolist()], index=series.index, dtype=object
    )
    missing = text.str.lower().isin(MISSING_WORDS)
    numbers = pd.to_numeric(text.where(~missing, None), errors="coerce").astype("float64")
    return numbers, missing


def _coerce_column(
    series: pd.Series, col: Column, rows: np.ndarray, bad: list[BadCell]
) -> pd.Series:
    if col.dtype == "str":
        out = _text_column(series, col)
        if not col.nullable:
            bad += [BadCell(int(r), col, "") for r in rows[(out == "").to_numpy()]]
        return out
    if col.dtype == "ref":
        return pd.Series([_ref(v) for v in series.tolist()], index=series.index, dtype=object)
    if col.dtype == "bool":
        text = pd.Series(
            [_as_text(v).strip().lower() for v in series.tolist()],
            index=series.index,
            dtype=object,
        )
        truth = text.isin(TRUE_WORDS)
        empty = text == ""
        wrong_cells = ~(truth | text.isin(FALSE_WORDS) | (empty & col.nullable))
        shown = [_as_text(v) for v in series.tolist()]
        bad += [BadCell(int(rows[i]), col, shown[i]) for i in np.flatnonzero(wrong_cells)]
        return pd.Series(truth, index=series.index, dtype="boolean").mask(empty)
    numbers, missing = _numbers(series)
    wrong = (numbers.isna() & ~missing).to_numpy(dtype=bool, copy=True)
    if col.dtype == "int":
        finite = numbers.where(np.isfinite(numbers))
        wrong = wrong | (numbers.notna() & (finite.isna() | (finite != finite.round()))).to_numpy()
    if not col.nullable:
        wrong = wrong | missing.to_numpy()
    if wrong.any():
        shown = series.tolist()
        bad += [
            BadCell(int(rows[i]), col, _as_text(shown[i]).strip()) for i in np.flatnonzero(wrong)
        ]
        numbers = numbers.where(~wrong)
    if col.dtype == "float":
        return numbers
    if col.nullable:
        return numbers.astype("Int64")
    return numbers.fillna(0).astype("int64")


def _rename_aliases(frame: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
    renames: dict[str, str] = {}
    present = set(frame.columns)
    for col in schema:
        if col.name in present:
            continue
        for alias in col.aliases:
            if alias in present:
                renames[alias] = col.name
                break
    return frame.rename(columns=renames) if renames else frame


def _where(file: str) -> str:
    return f"{file}: " if file else ""


def bad_cells_message(cells: list[BadCell], *, file: str = "", schema_name: str = "table") -> str:
    """Return one message listing up to :data:`MAX_LISTED` bad cells and how many more."""
    if len(cells) == 1:
        where = f"{file}, " if file else f"The {schema_name}, "
        return f"{where}{cells[0].describe()}."
    subject = file or f"The {schema_name}"
    lines = [f"{subject} has {len(cells)} bad cells; correct every one and try again:"]
    lines += [f"  - {c.describe()}." for c in cells[:MAX_LISTED]]
    if len(cells) > MAX_LISTED:
        lines.append(f"  ... and {len(cells) - MAX_LISTED} more.")
    return "\n".join(lines)


def coerce(frame: pd.DataFrame, schema: TableSchema, *, file: str = "") -> pd.DataFrame:
    """Return ``frame`` with every declared column converted once to its declared type.

    Parameters
    ----------
    frame
        The table; columns named as the schema names them (or by an alias of a column).
        Columns the schema does not declare are kept, after the declared ones, unchanged.
    schema
        One of :data:`RAW`, :data:`KPI`, :data:`PROFILE`.
    file
        The file the frame was read from, named in error messages.

    Returns
    -------
    pandas.DataFrame
        The declared columns present, in schema order and of the types of the module
        docstring, then the other columns; the index is kept.

    Raises
    ------
    InputError
        A required column is missing, or some cells do not hold a value of their column's type;
        the message names the file, every bad cell's row (the header is row 1) and column, the
        value and the fix (the first :data:`MAX_LISTED` cells and how many more).
    """
    frame = _rename_aliases(frame, schema)
    missing = [c for c in schema if c.required and c.name not in frame.columns]
    if missing:
        specs = ", ".join(c.spec() for c in missing)
        needs = (
            f"a {schema.columns[0].spec()} column"
            if len(schema.required) == 1
            else ", ".join(schema.required)
        )
        msg = (
            f"{_where(file)}the {schema.name} lacks the column(s) {specs}; it needs "
            f"{needs}{schema.advice}; add {'it' if len(missing) == 1 else 'them'}."
        )
        raise InputError(msg)
    rows = np.arange(2, len(frame) + 2)
    bad: list[BadCell] = []
    out: dict[str, pd.Series] = {}
    for col in schema:
        if col.name in frame.columns:
            out[col.name] = _coerce_column(frame[col.name], col, rows, bad)
    if bad:
        bad.sort(key=lambda c: (c.row, schema.names.index(c.column.name)))
        raise InputError(bad_cells_message(bad, file=file, schema_name=schema.name))
    extras = {c: frame[c] for c in frame.columns if c not in out}
    return pd.DataFrame({**out, **extras}, index=frame.index)


def is_coerced(frame: pd.DataFrame, schema: TableSchema) -> bool:
    """Return whether ``frame`` has every required column of ``schema``, each of its type.

    A cheap check for tests and assertions: dtypes are compared, and text and row-reference
    columns are checked to hold only ``str`` (or ``int``/``None`` for references).
    """
    for col in schema:
        if col.name not in frame.columns:
            if col.required:
                return False
            continue
        series = frame[col.name]
        if str(series.dtype) != col.pandas_dtype:
            return False
        if col.dtype == "str" and not all(type(v) is str for v in series.tolist()):
            return False
        if col.dtype == "ref" and not all(
            v is None or type(v) in (int, str) for v in series.tolist()
        ):
            return False
    return True


def _derived_classes(frame: pd.DataFrame, *, file: str) -> pd.Series:
    given = (
        frame["population_class"]
        if "population_class" in frame.columns
        else pd.Series([""] * len(frame), index=frame.index, dtype=object)
    )
    if "population" not in frame.columns:
        return given
    negative = np.flatnonzero((frame["population"] < 0).to_numpy())
    if negative.size:
        col = PROFILE.column("population")
        pops = frame["population"].tolist()
        cells = [BadCell(int(i) + 2, col, _as_text(pops[i])) for i in negative]
        raise InputError(bad_cells_message(cells, file=file, schema_name=PROFILE.name))
    labels = [
        given_label if math.isnan(pop) else population_class(pop)
        for pop, given_label in zip(frame["population"].tolist(), given.tolist(), strict=True)
    ]
    return pd.Series(labels, index=frame.index, dtype=object)


def profile_frame(frame: pd.DataFrame, *, file: str = "") -> pd.DataFrame:
    """Return a profile table coerced to :data:`PROFILE`, with ``population_class`` filled in.

    The class is derived from ``population`` where it is known (a class given in the file is
    kept only where the population is not); other fields are kept, as text, for grouping.

    Raises
    ------
    InputError
        No ``city`` (or ``name``) column, or bad cells (see :func:`coerce`).
    """
    typed = coerce(frame, PROFILE, file=file)
    typed["population_class"] = _derived_classes(typed, file=file)
    declared = [c for c in PROFILE.names if c in typed.columns]
    return typed[[*declared, *(c for c in typed.columns if c not in declared)]]


def profiles_from_frame(frame: pd.DataFrame, *, file: str = "") -> tuple[CityProfile, ...]:
    """Return one :class:`CityProfile` per row of a profile table, in table order.

    Raises
    ------
    InputError
        No ``city`` (or ``name``) column, or bad cells (see :func:`coerce`).
    """
    typed = profile_frame(frame, file=file)

    def text(row: Mapping[str, object], name: str) -> str:
        value = row.get(name, "")
        return value if isinstance(value, str) else ""

    def number(row: Mapping[str, object], name: str) -> float | None:
        value = row.get(name)
        return float(value) if isinstance(value, float | int) and not math.isnan(value) else None

    profiles: list[CityProfile] = []
    for row in typed.to_dict(orient="records"):
        rec: dict[str, object] = {str(k): v for k, v in row.items()}
        coastal = rec.get("coastal")
        profiles.append(
            CityProfile(
                name=text(rec, "city"),
                country=text(rec, "country"),
                region=text(rec, "region"),
                population=number(rec, "population"),
                area_km2=number(rec, "area_km2"),
                gdp_per_capita=number(rec, "gdp_per_capita"),
                income_group=text(rec, "income_group"),
                coastal=bool(coastal) if isinstance(coastal, bool | np.bool_) else None,
                population_class=text(rec, "population_class"),
            )
        )
    return tuple(profiles)


__all__ = [
    "FALSE_WORDS",
    "KPI",
    "MAX_LISTED",
    "MISSING_WORDS",
    "POPULATION_CLASSES",
    "PROFILE",
    "PROFILE_COLUMNS",
    "RAW",
    "TRUE_WORDS",
    "BadCell",
    "CityProfile",
    "Column",
    "PopulationClass",
    "TableSchema",
    "bad_cells_message",
    "coerce",
    "is_coerced",
    "population_class",
    "profile_frame",
    "profiles_from_frame",
]
