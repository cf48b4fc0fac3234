"""The deliberate errors of the sample data, each of a kind validation must catch.

One error of each kind is put into a different city (never one of the cities that report
little), in a year after the first three, and listed in ``known_errors.csv`` with the reason code
validation reports for it (:class:`citykpi.reasons.Reason` values) and the row of
``raw_inputs.csv`` where it is:

================================ ==========================================================
reason                            what was done
================================ ==========================================================
``non_numeric``                   a value written ``about 41200``
``share_out_of_range``            a percentage KPI result reported as 112.5
``shares_do_not_sum``             transport mode shares reported directly, summing to 88
``wastewater_not_nested``         wastewater treated to secondary level above primary level
``denominator_inconsistent``      population given twice, 8 % apart
``unknown_code``                  a code the catalogue does not have
``duplicate_conflict``            the same input given twice with different values
``unit_converted``                an NO2 concentration in ppm (validation converts it)
================================ ==========================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

import numpy as np

from citykpi.catalogue import catalogue_index
from citykpi.sample.cities import SampleCity
from citykpi.sample.plan import Plan, PointPlan

Row = dict[str, str]
Blocks = dict[tuple[str, int], list[Row]]

ERROR_COLUMNS: Final[tuple[str, ...]] = ("reason", "city", "year", "code", "row", "description")
#: A code that is in no catalogue, for the unknown-code error.
UNKNOWN_CODE: Final = "public_benches_per_km"
#: The shares-of-a-whole KPI that gets the "does not sum to 100" error.
MODE_SHARE: Final = "EC: I: T: 4A"


@dataclass(frozen=True)
class KnownError:
    """One deliberate error: what validation should report, and where."""

    reason: str
    city: str
    year: int
    code: str
    description: str
    row: Row  # the offending row of the raw table (identity used to number it)
    line: int = 0  # row number in raw_inputs.csv (header = 1)

    def with_row(self, line: int) -> KnownError:
        """Return this error located at row ``line`` of the raw file."""
        return replace(self, line=line)

    def as_row(self) -> dict[str, str]:
        """Return the ``known_errors.csv`` row."""
        return {
            "reason": self.reason,
            "city": self.city,
            "year": str(self.year),
            "code": self.code,
            "row": str(self.line),
            "description": self.description,
        }


def _find(block: list[Row], code: str) -> Row | None:
    return next((r for r in block if r["code"] == code and r["kind"] == "input"), None)


def _input_row(plan: Plan, block: list[Row], city: str, year: int, code: str) -> Row:
    """Return the row of input ``code``, adding it (from another year's shape) if absent."""
    found = _find(block, code)
    if found is not None:
        return found
    item = plan.catalogue.inputs[code]
    row = {
        "city": city,
        "year": str(year),
        "kind": "input",
        "code": code,
        "data_point": "",
        "value": "1" if item.kind != "boolean" else "yes",
        "unit": item.unit,
        "source": "City statistics office",
        "quality": "accurate_measurement",
    }
    block.append(row)
    return row


def _kpi_row(point: PointPlan, city: str, year: int, value: str) -> Row:
    return {
        "city": city,
        "year": str(year),
        "kind": "kpi",
        "code": point.kpi_code,
        "data_point": point.dp.id,
        "value": value,
        "unit": point.dp.unit,
        "source": "City KPI report",
        "quality": "estimated_on_stated_assumptions",
    }


def _report_directly(
    block: list[Row], points: Sequence[PointPlan], city: str, year: int, values: Sequence[float]
) -> Row:
    """Replace the inputs of ``points`` by KPI results ``values``; return the first new row."""
    frees = {p.free for p in points}
    block[:] = [r for r in block if not (r["kind"] == "input" and r["code"] in frees)]
    block[:] = [
        r
        for r in block
        if not (r["kind"] == "kpi" and r["data_point"] in {p.dp.id for p in points})
    ]
    rows = [_kpi_row(p, city, year, f"{v:g}") for p, v in zip(points, values, strict=True)]
    block.extend(rows)
    return rows[0]


def _numeric_single_input(plan: Plan) -> tuple[PointPlan, str]:
    """Return a data point computed from one numeric input that is no denominator, and it."""
    return next(
        (p, p.free)
        for p in plan.points
        if len(p.dp.inputs) == 1 and p.free is not None and not p.boolean and p.target
    )


def add_errors(
    blocks: Blocks, plan: Plan, profiles: Sequence[SampleCity], rng: np.random.Generator
) -> list[KnownError]:
    """Put one error of each kind into ``blocks`` (rows by city and year); return them."""
    years = sorted({year for _, year in blocks})
    late = years[3:] or years
    eligible = [p.name for k, p in enumerate(profiles) if k % 10 != 7]
    # With very few cities, the sparse ones take errors too, so that every kind is present.
    eligible += [p.name for k, p in enumerate(profiles) if k % 10 == 7][: 8 - len(eligible)]
    chosen = [eligible[int(i)] for i in rng.permutation(len(eligible))[:8]]
    places = [(city, int(rng.choice(late))) for city in chosen]
    errors: list[KnownError] = []
    index = catalogue_index(plan.catalogue)
    with_parts = {*index.sum_to_100, *index.nested}
    nested = next(iter(index.nested), "")

    def note(reason: str, place: tuple[str, int], code: str, text: str, row: Row) -> None:
        errors.append(KnownError(reason, place[0], place[1], code, text, row))

    # Shares bounded by 100 (not subscriptions or enrolment ratios, which may exceed it).
    bounded = [
        (p, p.free)
        for p in plan.points
        if p.free
        and not p.boolean
        and p.target
        and p.target.unit == "percent"
        and p.kpi_code not in with_parts
        and not p.dp.may_exceed_100
        and not p.shared_whole
    ]
    # 1. A value that is not a number.
    place = places[0]
    point, free = bounded[0]
    row = _input_row(plan, blocks[place], *place, free)
    row["value"] = f"about {row['value']}"
    note("non_numeric", place, free, f"Value written {row['value']!r} instead of a number.", row)
    # 2. A percentage above 100.
    place = places[1]
    point, _ = bounded[1]
    row = _report_directly(blocks[place], [point], *place, [112.5])
    note("share_out_of_range", place, point.dp.id, "KPI result 112.5 % reported directly.", row)
    # 3. Mode shares that do not sum to 100.
    place = places[2]
    modes = plan.by_kpi.get(MODE_SHARE, [])
    if modes:
        shares = [88.0 * w / sum(range(1, len(modes) + 1)) for w in range(len(modes), 0, -1)]
        row = _report_directly(blocks[place], modes, *place, [round(s, 1) for s in shares])
        note(
            "shares_do_not_sum",
            place,
            MODE_SHARE,
            "Transportation mode shares reported directly, summing to 88 %.",
            row,
        )
    # 4. Wastewater treated to secondary level above the primary level.
    place = places[3]
    levels = plan.by_kpi.get(nested, [])
    if len(levels) >= 2:
        values = [62.0, 71.5, 20.0][: len(levels)]
        values += [10.0] * (len(levels) - len(values))
        row = _report_directly(blocks[place], levels, *place, values)
        note(
            "wastewater_not_nested",
            place,
            levels[1].dp.id,
            "Secondary treatment 71.5 % reported above primary treatment 62 %.",
            row,
        )
    # 5. Population differing by more than 5 % within a submission.
    place = places[4]
    if plan.population_input is not None:
        original = _input_row(plan, blocks[place], *place, plan.population_input)
        copy = {
            **original,
            "value": str(round(float(original["value"]) * 1.08)),
            "source": "National census projection",
        }
        blocks[place].insert(blocks[place].index(original) + 1, copy)
        note(
            "denominator_inconsistent",
            place,
            plan.population_input,
            "Population given twice in the submission, the second 8 % above the first.",
            copy,
        )
    # 6. A code the catalogue does not know.
    place = places[5]
    row = {
        **blocks[place][0],
        "kind": "input",
        "code": UNKNOWN_CODE,
        "data_point": "",
        "value": "14",
        "unit": "count",
    }
    blocks[place].append(row)
    note("unknown_code", place, UNKNOWN_CODE, "Code not in the catalogue.", row)
    # 7. The same input twice with different values.
    place = places[6]
    _, single_input = _numeric_single_input(plan)
    original = _input_row(plan, blocks[place], *place, single_input)
    value = float(original["value"]) if original["value"] not in {"n/a", ""} else 10.0
    copy = {**original, "value": f"{value * 1.3:.4g}"}
    blocks[place].insert(blocks[place].index(original) + 1, copy)
    note(
        "duplicate_conflict",
        place,
        single_input,
        "The same input given twice, the second value 30 % above the first.",
        copy,
    )
    # 8. An NO2 concentration in ppm, which validation converts with the published factor.
    place = places[7]
    no2 = [i.id for i in plan.catalogue.inputs.values() if i.substance == "NO2"]
    if no2:
        row = _input_row(plan, blocks[place], *place, no2[0])
        ugm3 = float(row["value"])
        row["value"] = f"{ugm3 / 1900.0:.4g}"
        row["unit"] = "ppm"
        note(
            "unit_converted",
            place,
            no2[0],
            f"NO2 given in ppm ({row['value']} ppm = {ugm3:g} ug/m3 at 1900 ug/m3 per ppm).",
            row,
        )
    return errors


__all__ = ["ERROR_COLUMNS", "UNKNOWN_CODE", "KnownError", "add_errors"]
