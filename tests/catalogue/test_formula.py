"""The safe formula language: what parses, what is refused, evaluation and unit checks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citykpi.catalogue.formula import (
    check_inputs,
    check_units,
    evaluate_formula,
    infer_unit,
    parse_formula,
)
from citykpi.errors import FormulaError

UNITS = {
    "a": "household",
    "b": "household",
    "p": "inhabitant",
    "n": "count",
    "e_mwh": "MWh",
    "e_kwh": "kWh",
    "yes": "yes_no",
    "t1": "count",
    "t2": "count",
}


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("a / b * 100", {"a": 1, "b": 4}, 25.0),
        ("(a - b) / a * 100", {"a": 8, "b": 6}, 25.0),
        ("-a + b", {"a": 2, "b": 5}, 3.0),
        ("a * 2 / (b + 1)", {"a": 3, "b": 2}, 2.0),
        ("share_of_total(t1, t1, t2)", {"t1": 1, "t2": 3}, 25.0),
        ("yes_no(yes)", {"yes": 1}, 1.0),
        ("yes_no(yes)", {"yes": 0}, 0.0),
    ],
)
def test_evaluate(text: str, values: dict[str, float], expected: float) -> None:
    assert evaluate_formula(text, values) == expected


def test_inputs_are_listed_in_order_of_first_appearance() -> None:
    parsed = parse_formula("share_of_total(t2, t1, t2)")
    assert parsed.inputs == ("t2", "t1")
    assert parsed.functions == ("share_of_total",)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("a.__class__", "uses attribute access"),
        ("a[0]", "uses subscripts"),
        ("a ** 2", "uses the operator '\\*\\*'"),
        ("a % 2", "uses the operator '%'"),
        ("a // 2", "uses the operator '//'"),
        ("open(a)", "Unknown function 'open'"),
        ("__import__('os')", "Unknown function '__import__'"),
        ("a.b(c)", "calls 'a.b' in a way that is not allowed"),
        ("yes_no(x=a)", "calls 'yes_no' in a way that is not allowed"),
        ("share_of_total(*a)", "unpacking"),
        ("yes_no(a, b)", "calls yes_no\\(\\) with 2 argument\\(s\\)"),
        ("a < b", "uses comparisons"),
        ("a and b", "'and'/'or'"),
        ("a if b else 1", "conditional expressions"),
        ("lambda: 1", "uses lambda"),
        ("'x'", "contains the constant 'x'"),
        ("True", "contains the constant True"),
        ("[a]", "uses List"),
        ("not a", "unary operator other than '-'"),
        ("a +", "is not a valid expression"),
        ("a = 1", "is not a valid expression"),
        ("  ", "The formula is empty"),
    ],
)
def test_unsafe_or_invalid_formulas_are_refused(text: str, match: str) -> None:
    with pytest.raises(FormulaError, match=match):
        parse_formula(text)


def test_undeclared_names_are_refused_with_a_suggestion() -> None:
    with pytest.raises(
        FormulaError,
        match=r"reads undeclared input\(s\) 'populaton' \(did you mean 'population'\?\)",
    ):
        check_inputs("n / populaton", {"n", "population"})


def test_division_by_zero_names_the_denominator() -> None:
    with pytest.raises(
        FormulaError, match=r"Division by zero in formula .*: the denominator 'b - n' is 0"
    ):
        evaluate_formula("a / (b - n) * 100", {"a": 1, "b": 2, "n": 2})


def test_share_of_zero_total_is_a_division_by_zero() -> None:
    with pytest.raises(FormulaError, match="components of the share sum to 0"):
        evaluate_formula("share_of_total(t1, t1, t2)", {"t1": 0, "t2": 0})


def test_yes_no_refuses_other_values() -> None:
    with pytest.raises(FormulaError, match=r"must be 1 \(yes\) or 0 \(no\), not 0\.5"):
        evaluate_formula("yes_no(yes)", {"yes": 0.5})


@pytest.mark.parametrize("values", [{"a": 1.0}, {"a": 1.0, "b": float("nan")}])
def test_missing_or_nan_inputs_are_named(values: dict[str, float]) -> None:
    with pytest.raises(FormulaError, match=r"missing input\(s\) \['b'\]"):
        evaluate_formula("a / b", values)


@pytest.mark.parametrize(
    ("text", "declared"),
    [
        ("a / b * 100", "percent"),
        ("n / p * 100000", "per_100k_inhabitants"),
        ("e_kwh / p", "kWh / inhabitant"),
        ("e_mwh / p * 1000", "kWh / inhabitant"),
        ("100 * a / b", "dimensionless"),
        ("share_of_total(t1, t1, t2)", "percent"),
        ("yes_no(yes)", "yes_no"),
    ],
)
def test_consistent_units_pass(text: str, declared: str) -> None:
    check_units(text, UNITS, declared)


@pytest.mark.parametrize(
    ("text", "declared", "match"),
    [
        ("a / b", "percent", r"needs a multiplier of 100, but the formula multiplies by 1"),
        ("a / p * 100", "percent", r"gives household / inhabitant .* cannot be expressed"),
        ("n / p * 1000", "per_100k_inhabitants", r"needs a multiplier of 100000"),
        ("e_mwh / p", "kWh / inhabitant", r"needs a multiplier of 1000"),
        ("e_kwh + e_mwh", "kWh", r"terms of a sum must be declared in the same unit"),
        ("share_of_total(a, a, n)", "percent", r"needs all components in the same unit"),
        ("yes_no(a)", "yes_no", r"yes_no\(\) needs a yes/no input"),
    ],
)
def test_inconsistent_units_are_refused(text: str, declared: str, match: str) -> None:
    with pytest.raises(FormulaError, match=match):
        check_units(text, UNITS, declared)


def test_infer_unit_gives_the_unit_before_the_multiplier() -> None:
    assert infer_unit("n / p * 100000", UNITS) == "count / inhabitant"


@given(
    st.floats(min_value=0, max_value=1e9),
    st.floats(min_value=0, max_value=1e9),
    st.floats(min_value=1e-3, max_value=1e9),
)
def test_shares_of_total_sum_to_100(x: float, y: float, z: float) -> None:
    values = {"x": x, "y": y, "z": z}
    total = sum(
        evaluate_formula(f"share_of_total({part}, x, y, z)", values) for part in ("x", "y", "z")
    )
    assert total == pytest.approx(100.0, rel=1e-9)


_VALUES = {"a": 3.0, "b": 7.0, "c": 0.5}
#: A random expression as (text, value), value None once a division by zero occurred.
Expr = tuple[str, float | None]
_leaf: st.SearchStrategy[Expr] = st.sampled_from(
    [("a", 3.0), ("b", 7.0), ("c", 0.5), ("2", 2.0), ("10", 10.0)]
)


def _combine(parts: tuple[Expr, str, Expr]) -> Expr:
    (lt, lv), op, (rt, rv) = parts
    text = f"({lt} {op} {rt})"
    if lv is None or rv is None or (op == "/" and rv == 0):
        return text, None
    value = {"+": lv + rv, "-": lv - rv, "*": lv * rv}.get(op, lv / rv if rv else 0.0)
    return text, value


_expr = st.recursive(
    _leaf,
    lambda inner: st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(_combine),
    max_leaves=8,
)


@given(_expr)
def test_random_arithmetic_matches_a_reference(expr: Expr) -> None:
    text, expected = expr
    if expected is None:
        with pytest.raises(FormulaError, match="Division by zero"):
            evaluate_formula(text, _VALUES)
    else:
        assert evaluate_formula(text, _VALUES) == pytest.approx(expected, rel=1e-12, abs=1e-12)
