"""Repeated values and denominators: one figure per submission, in line with its context.

Modelling assumptions (VM p31):

* the same input or data point given twice with the same value is a warning (the first copy
  is used); with different values, an error on every copy;
* an input that is the denominator of some formula (population, households, ...; derived from
  the catalogue formulas) must be the same wherever it is given for one city and year: copies
  within ``settings.denominator_tolerance`` (5 %) of each other are a warning and the first is
  used, beyond it an error;
* a denominator differing by more than that tolerance from the city profile (the profile's
  population) or from the previous year's submission is a warning for the verifier to follow
  up.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from citykpi.catalogue import CatalogueIndex
from citykpi.model import Issue
from citykpi.reasons import Reason
from citykpi.validate.rules.values import (
    Observed,
    RuleContext,
    SubmissionValues,
    format_value,
    where,
)


def _issue(reason: Reason, message: str, obs: Observed) -> Issue:
    return Issue(reason, reason.default_severity, message, obs.location, format_value(obs.value))


def check_copies(
    copies: Sequence[Observed], index: CatalogueIndex, *, tolerance: float
) -> list[Issue]:
    """Return one issue per repeated copy of one input or data point of one submission.

    Parameters
    ----------
    copies
        Every copy of the same code for the same city and year, in file order (the first is
        the one used).
    index
        The catalogue's facts (which inputs are denominators).
    tolerance
        Relative spread allowed between copies of a denominator
        (``settings.denominator_tolerance``).

    Returns
    -------
    list[Issue]
        Nothing for a single copy; otherwise one issue for each copy after the first, in
        order: ``duplicate_identical`` or ``denominator_varies`` (the first copy is used), or
        ``duplicate_conflict`` or ``denominator_inconsistent`` (no copy can be trusted).
    """
    if len(copies) < 2:
        return []
    first, rest = copies[0], copies[1:]
    loc = first.location
    city, year, kind, code = loc.city, loc.year, first.kind, first.code
    values = [c.value for c in copies]
    if all(math.isclose(v, first.value, rel_tol=1e-9, abs_tol=0.0) for v in values):
        return [
            _issue(
                Reason.DUPLICATE_IDENTICAL,
                f"{code!r} for {city!r} {year} is given again with the same value "
                f"{format_value(c.value)} (first at {where(loc)}); the first is used: "
                "delete the repeated row.",
                c,
            )
            for c in rest
        ]
    listing = ", ".join(f"{format_value(c.value)} ({where(c.location)})" for c in copies)
    low, high = min(values), max(values)
    if kind == "input" and code in index.denominators:
        spread = (high - low) / abs(low) if low != 0 else math.inf
        if spread <= tolerance:
            reason = Reason.DENOMINATOR_VARIES
            msg = (
                f"The denominator {code!r} for {city!r} {year} differs between rows: "
                f"{listing}, by {spread:.1%} (within the {tolerance:.0%} allowed); the "
                "first value is used: use one figure for the whole submission."
            )
        else:
            reason = Reason.DENOMINATOR_INCONSISTENT
            msg = (
                f"The denominator {code!r} for {city!r} {year} differs between rows: "
                f"{listing}, by {spread:.1%}, more than the {tolerance:.0%} the U4SSC "
                "verification manual allows; use one figure (same source and year) for the "
                "whole submission."
            )
    else:
        reason = Reason.DUPLICATE_CONFLICT
        msg = (
            f"{code!r} for {city!r} {year} is given more than once with different values: "
            f"{listing}; keep one row with the correct value."
        )
    return [_issue(reason, msg, c) for c in rest]


def _rel_diff(a: float, b: float) -> float:
    return abs(a - b) / abs(b) if b else math.inf if a else 0.0


def check_against_context(
    values: SubmissionValues,
    index: CatalogueIndex,
    context: RuleContext,
    *,
    tolerance: float,
) -> list[Issue]:
    """Return a warning for every denominator that differs from the profile or last year.

    Parameters
    ----------
    values
        The submission.
    index
        The catalogue's facts (which inputs are denominators, their names).
    context
        The city profile's figures and the previous year's inputs.
    tolerance
        Relative difference allowed (``settings.denominator_tolerance``).

    Returns
    -------
    list[Issue]
        ``denominator_varies`` issues, by input id; for each input the profile first, then
        the previous year.
    """
    found: list[Issue] = []
    for code in sorted(values.inputs):
        obs = values.inputs[code]
        if code not in index.denominators:
            continue
        name = index.inputs[code].name
        reference = context.profile.get(code)
        if reference:
            diff = _rel_diff(obs.value, reference)
            if diff > tolerance:
                msg = (
                    f"{name} {obs.value:g} differs by {diff:.1%} from the city profile "
                    f"({reference:g}); check that both refer to the same year and area."
                )
                found.append(_issue(Reason.DENOMINATOR_VARIES, msg, obs))
        old = context.previous.get(code)
        if old is not None:
            diff = _rel_diff(obs.value, old)
            if diff > tolerance:
                msg = (
                    f"{name} {obs.value:g} differs by {diff:.1%} from the previous year "
                    f"({old:g}); check the source and year of both."
                )
                found.append(_issue(Reason.DENOMINATOR_VARIES, msg, obs))
    return found


__all__ = ["check_against_context", "check_copies"]
