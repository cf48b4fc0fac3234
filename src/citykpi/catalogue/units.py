"""The project's one pint unit registry, and unit conversion of raw values.

Modelling choices
-----------------
* **Inhabitants and households have their own dimensions** (``[population]`` and
  ``[household]``), so that the classic mistakes of U4SSC submissions (a household count used
  where inhabitants are needed, or the reverse) fail the dimensional check of a formula instead
  of producing a plausible wrong number. ``inhabitant`` (aliases ``capita``, ``person``) and
  ``household`` are their units.
* **Every other count is dimensionless** (``count``): meters, subscriptions, stops, data sets,
  patents, beds, deaths, trips, staff... Counting them in their own dimensions would only force
  every formula to spell out conversions between identical units.
* Rates per 100,000 inhabitants have the unit ``per_100k_inhabitants`` (``1e-5 / inhabitant``);
  proportions of the population expressed per 100,000 (e.g. degree holders among inhabitants)
  are dimensionless and use ``per_100k`` (``1e-5``).
* Money is counted in ``LCU`` (local currency unit, dimension ``[currency]``); a KPI only ever
  divides money by money of the same city, so exchange rates are never needed.
* ``tCO2e`` is a tonne of CO2-equivalent mass; ``ekWh`` (equivalent kWh) is a kWh.
* Annual totals are given per year by convention; the year is not part of the units.

Concentrations of NO2, SO2 and O3 reported in ppm or ppb convert to ug/m3 with the factors
published in the U4SSC Verification Manual (p95), not with an ideal-gas calculation, so that
converted values match what verifiers compute.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final, TypeAlias

from citykpi.catalogue.unit_grammar import canonical_unit
from citykpi.errors import UnitError

if TYPE_CHECKING:  # pint (and numpy with it) is imported when a unit is first parsed
    import pint
    from pint.facets.plain import PlainQuantity

_DEFINITIONS: Final[tuple[str, ...]] = (
    "inhabitant = [population] = capita = person = inhabitants",
    "household = [household] = households",
    "LCU = [currency] = local_currency_unit",
    "per_100k = 1e-5 = per_hundred_thousand",
    "per_100k_inhabitants = 1e-5 / inhabitant",
    "tCO2e = metric_ton = tonne_CO2e",
    "kgCO2e = kilogram",
    "ekWh = kilowatt_hour",
    "yes_no = [] = yesno",
    "ppb = 1e-9 = parts_per_billion",
)

#: Published conversion factors from ppm to ug/m3 (U4SSC Verification Manual p95).
PPM_TO_UGM3: Final[dict[str, float]] = {"NO2": 1900.0, "SO2": 2620.0, "O3": 1960.0}
#: Published conversion factors from ppb to ug/m3 (the same page; a thousandth of the above).
PPB_TO_UGM3: Final[dict[str, float]] = {"NO2": 1.9, "SO2": 2.62, "O3": 1.96}

#: Spellings accepted for common units in user files, mapped to pint strings.
_ALIASES: Final[dict[str, str]] = {
    "%": "percent",
    "": "dimensionless",
    "1": "dimensionless",
    "number": "count",
    "yes/no": "yes_no",
    "per 100,000 inhabitants": "per_100k_inhabitants",
    "per 100000 inhabitants": "per_100k_inhabitants",
}

_CONCENTRATION: Final = "microgram / meter ** 3"


#: A pint quantity of the project's registry.
Quantity: TypeAlias = "PlainQuantity[Any]"


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry:  # type: ignore[type-arg]
    """Return the project's unit registry (built once, on first use)."""
    import pint

    ureg: pint.UnitRegistry = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)  # type: ignore[type-arg]
    for line in _DEFINITIONS:
        ureg.define(line)
    return ureg


_POWER = re.compile(r"(?<=[A-Za-z])([23²³])(?!\w)")


def normalise_unit(unit: str) -> str:
    """Return the pint spelling of ``unit``, accepting the usual spellings of user files.

    ``m3``, ``km²`` and ``µg/m³`` become ``m**3``, ``km**2`` and ``ug/m**3``.
    """
    text = unit.strip()
    text = _ALIASES.get(text, _ALIASES.get(text.lower(), text))
    text = text.replace("µ", "u").replace("μ", "u")
    return _POWER.sub(lambda m: "**" + {"²": "2", "³": "3"}.get(m.group(1), m.group(1)), text)


@lru_cache(maxsize=1024)
def parse_unit(unit: str) -> pint.Unit:
    """Return the pint unit for ``unit``.

    The text is parsed by the project's bounded grammar (:mod:`.unit_grammar`) first; pint only
    ever sees the canonical spelling that grammar writes back.

    Raises
    ------
    UnitError
        When the text is not a unit of the grammar, or the registry does not know the unit.
    """
    import pint

    text = canonical_unit(normalise_unit(unit), written=unit)
    try:
        parsed: pint.Unit = registry().parse_units(text)
    # The grammar leaves pint only names, "1", products and small exponents; anything pint
    # still objects to is an unknown unit, never a crash.
    except (pint.errors.PintError, ArithmeticError, AttributeError, TypeError, ValueError) as e:
        msg = (
            f"Unknown unit {unit!r}; use a unit pint understands, such as 'percent', 'kWh', "
            "'ug/m3', 'inhabitant' or 'count'."
        )
        raise UnitError(msg) from e
    return parsed


def is_known_unit(unit: str) -> bool:
    """Return whether ``unit`` parses in the project's registry."""
    try:
        parse_unit(unit)
    except UnitError:
        return False
    return True


def _ppm_factor(src: pint.Unit, dst: pint.Unit, substance: str | None) -> float | None:
    """Return the factor from a ppm/ppb unit to a mass concentration, or None if not such a pair."""
    ureg = registry()
    concentration = ureg.parse_units(_CONCENTRATION)
    mixing = {ureg.parse_units("ppm"): PPM_TO_UGM3, ureg.parse_units("ppb"): PPB_TO_UGM3}
    if src not in mixing or dst.dimensionality != concentration.dimensionality:
        return None
    if substance is None:
        msg = (
            f"Cannot convert {src!s} to {dst!s} without knowing the gas; pass substance="
            f"one of {sorted(PPM_TO_UGM3)} or report the value in ug/m3."
        )
        raise UnitError(msg)
    key = substance.strip().upper()
    if key not in PPM_TO_UGM3:
        msg = (
            f"No published ppm/ppb to ug/m3 factor for substance {substance!r}; factors exist "
            f"for {sorted(PPM_TO_UGM3)} only, so report this value in ug/m3."
        )
        raise UnitError(msg)
    to_ugm3 = mixing[src][key]
    scale: float = ureg.Quantity(1.0, concentration).to(dst).magnitude
    return to_ugm3 if scale == 1.0 else to_ugm3 * scale


def convert(value: float, from_unit: str, to_unit: str, *, substance: str | None = None) -> float:
    """Convert ``value`` from ``from_unit`` to ``to_unit``.

    Parameters
    ----------
    value
        The number to convert.
    from_unit, to_unit
        Units in pint syntax or a usual spelling (``"%"``, ``"ug/m3"``, ``"MWh"``).
    substance
        Gas of a concentration, one of ``{"NO2", "SO2", "O3"}``; needed only to convert
        ppm or ppb to a mass concentration, with the published U4SSC factors
        (NO2 ppm x1900, SO2 ppm x2620, O3 ppm x1960; ppb factors are a thousandth).

    Returns
    -------
    float
        ``value`` expressed in ``to_unit``.

    Raises
    ------
    UnitError
        When a unit is unknown or the two units measure different things.
    """
    import pint

    if math.isnan(value):
        parse_unit(from_unit)
        parse_unit(to_unit)
        return value
    try:
        scale, offset = _affine(from_unit, to_unit, substance)
    except pint.errors.DimensionalityError as e:
        src, dst = parse_unit(from_unit), parse_unit(to_unit)
        msg = (
            f"Cannot convert {value!r} from {from_unit!r} to {to_unit!r}: the first measures "
            f"{src.dimensionality!s} and the second {dst.dimensionality!s}; report the value "
            f"in {to_unit!r} or a unit of the same kind."
        )
        raise UnitError(msg) from e
    return value * scale + offset


def conversion_factor(from_unit: str, to_unit: str, *, substance: str | None = None) -> float:
    """Return the factor that converts a value in ``from_unit`` to ``to_unit``.

    Raises
    ------
    UnitError
        As :func:`convert` does, and for units with an offset (such as degC), which no single
        factor converts.
    """
    import pint

    try:
        scale, offset = _affine(from_unit, to_unit, substance)
    except pint.errors.DimensionalityError as e:
        msg = f"Cannot convert {from_unit!r} to {to_unit!r}: they measure different things."
        raise UnitError(msg) from e
    if offset:
        msg = f"Converting {from_unit!r} to {to_unit!r} adds an offset; use convert()."
        raise UnitError(msg)
    return scale


@lru_cache(maxsize=4096)
def _affine(from_unit: str, to_unit: str, substance: str | None) -> tuple[float, float]:
    """Return (scale, offset) with ``to = from * scale + offset``; cached, as pint is slow.

    Every pint conversion is affine, so two points determine it exactly.
    """
    src = parse_unit(from_unit)
    dst = parse_unit(to_unit)
    factor = _ppm_factor(src, dst, substance)
    if factor is not None:
        return factor, 0.0
    if src == dst:
        return 1.0, 0.0
    ureg = registry()
    at_zero = float(ureg.Quantity(0.0, src).to(dst).magnitude)
    at_one = float(ureg.Quantity(1.0, src).to(dst).magnitude)
    return at_one - at_zero, at_zero


_LABELS: Final[dict[str, str]] = {
    "percent": "%",
    "dimensionless": "",
    "count": "number",
    "yes_no": "yes/no",
    "per_100k": "per 100,000",
    "per_100k_inhabitants": "per 100,000 inhabitants",
    "ug/m**3": "µg/m³",
    "m**2": "m²",
    "m**3": "m³",
    "km**2": "km²",
    "inhabitant": "inhabitants",
    "household": "households",
    "year": "years",
    "minute": "minutes",
}


_SINGULAR: Final = frozenset({"inhabitant", "household", "year", "minute", "hour"})


def unit_label(unit: str) -> str:
    """Return a short label for people, e.g. ``"km per 100,000 inhabitants"`` or ``"%"``.

    Catalogue units are pint strings; this gives the wording used in reports and templates.
    """
    text = unit.strip()
    if text in _LABELS:
        return _LABELS[text]
    if " * per_100k_inhabitants" in text:
        head = text.replace(" * per_100k_inhabitants", "")
        return f"{_LABELS.get(head, head)} per 100,000 inhabitants"
    if " / " in text:
        num, _, den = text.partition(" / ")
        # "per inhabitant", not "per inhabitants": the denominator stays singular.
        return f"{_LABELS.get(num, num)} per {den if den in _SINGULAR else _LABELS.get(den, den)}"
    return text


def dimensionality(unit: str) -> str:
    """Return what ``unit`` measures, e.g. ``"[mass] / [length] ** 3"``."""
    dim = str(parse_unit(unit).dimensionality)
    return dim if dim != "dimensionless" else "a pure number"


#: Spellings of "a percentage" in catalogue and user files.
PERCENT_UNITS: Final = frozenset({"%", "percent", "pct", "percentage"})


def is_percent(unit: str) -> bool:
    """Return True when ``unit`` spells a percentage (``%``, ``percent``, ``pct``, ...)."""
    return unit.strip().lower() in PERCENT_UNITS


__all__ = [
    "PERCENT_UNITS",
    "PPB_TO_UGM3",
    "PPM_TO_UGM3",
    "conversion_factor",
    "convert",
    "dimensionality",
    "is_known_unit",
    "is_percent",
    "normalise_unit",
    "parse_unit",
    "registry",
    "unit_label",
]
