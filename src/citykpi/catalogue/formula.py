"""A small, safe arithmetic language for catalogue formulas, and its unit check.

A formula is a Python-like expression over **input ids** (names of the inputs registry),
numbers, ``+ - * /``, unary minus, parentheses and calls to the functions of
:mod:`citykpi.catalogue.functions`. It is parsed with :mod:`ast` and only a whitelist of
nodes is accepted; nothing is ever passed to ``eval``. Anything else (attribute access,
subscripts, ``**``, comparisons, unknown names or functions, keyword arguments) is a
:class:`~citykpi.errors.FormulaError`.

Units
-----
The value of a formula is in the data point's declared unit. A trailing numeric multiplier
(``* 100``, ``* 100000``) is read as the conversion from the unit the inputs give to the
declared unit: ``households_with_internet / households * 100`` gives a pure number that the
``* 100`` expresses in ``percent``. :func:`check_units` evaluates the formula without that
multiplier over pint quantities and requires (1) the same dimensionality as the declared unit
and (2) that converting to the declared unit multiplies by exactly the multiplier written.
Both a missing ``* 100`` and a megawatt-hour input under a kWh unit are therefore caught.
"""

from __future__ import annotations

import ast
import difflib
import math
import operator
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import pint

from citykpi.catalogue.functions import FUNCTIONS, get_function
from citykpi.catalogue.units import Quantity, parse_unit, registry
from citykpi.errors import FormulaError

_BINARY: Final[dict[type[ast.operator], Callable[[float, float], float]]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


@dataclass(frozen=True, slots=True)
class Formula:
    """A parsed, checked formula.

    Attributes
    ----------
    text
        The formula as written.
    inputs
        Input ids the formula reads, in order of first appearance.
    functions
        Registry functions it calls, in order of first appearance.
    """

    text: str
    inputs: tuple[str, ...]
    functions: tuple[str, ...]
    tree: ast.expr


def _describe(node: ast.AST) -> str:
    names = {
        ast.Attribute: "attribute access",
        ast.Subscript: "subscripts",
        ast.Compare: "comparisons",
        ast.BoolOp: "'and'/'or'",
        ast.Lambda: "lambda",
        ast.IfExp: "conditional expressions",
    }
    for kind, label in names.items():
        if isinstance(node, kind):
            return label
    if isinstance(node, ast.BinOp):
        return f"the operator {type(node.op).__name__}"
    return type(node).__name__


def _validate(node: ast.AST, text: str, names: list[str], funcs: list[str]) -> None:
    """Walk ``node`` and raise FormulaError on anything outside the whitelist."""
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            op = {ast.Pow: "**", ast.Mod: "%", ast.FloorDiv: "//"}.get(type(node.op), "")
            msg = (
                f"Formula {text!r} uses the operator {op or type(node.op).__name__!r}; only "
                "+, -, * and / are allowed."
            )
            raise FormulaError(msg)
        _validate(node.left, text, names, funcs)
        _validate(node.right, text, names, funcs)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub | ast.UAdd):
            msg = f"Formula {text!r} uses a unary operator other than '-'; remove it."
            raise FormulaError(msg)
        _validate(node.operand, text, names, funcs)
    elif isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            msg = (
                f"Formula {text!r} contains the constant {node.value!r}; only numbers are allowed."
            )
            raise FormulaError(msg)
    elif isinstance(node, ast.Name):
        if node.id not in names:
            names.append(node.id)
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.keywords:
            msg = (
                f"Formula {text!r} calls {ast.unparse(node.func)!r} in a way that is not "
                f"allowed; only plain calls of {sorted(FUNCTIONS)} with positional arguments are."
            )
            raise FormulaError(msg)
        spec = get_function(node.func.id)
        if any(isinstance(a, ast.Starred) for a in node.args):
            msg = f"Formula {text!r} uses '*' unpacking in a call; list the arguments."
            raise FormulaError(msg)
        n = len(node.args)
        if n < spec.min_args or (spec.max_args is not None and n > spec.max_args):
            most = "any number of" if spec.max_args is None else f"at most {spec.max_args}"
            msg = (
                f"Formula {text!r} calls {spec.name}() with {n} argument(s); it needs at least "
                f"{spec.min_args} and {most}."
            )
            raise FormulaError(msg)
        if spec.name not in funcs:
            funcs.append(spec.name)
        for arg in node.args:
            _validate(arg, text, names, funcs)
    else:
        msg = f"Formula {text!r} uses {_describe(node)}, which formulas may not contain."
        raise FormulaError(msg)


@lru_cache(maxsize=1024)
def parse_formula(text: str) -> Formula:
    """Parse and check ``text``.

    Raises
    ------
    FormulaError
        When the text is not an expression of the formula language.
    """
    if not text.strip():
        msg = "The formula is empty; write an expression over input ids such as 'a / b * 100'."
        raise FormulaError(msg)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        msg = f"Formula {text!r} is not a valid expression ({e.msg}); check brackets and operators."
        raise FormulaError(msg) from e
    names: list[str] = []
    funcs: list[str] = []
    _validate(tree.body, text, names, funcs)
    return Formula(text=text, inputs=tuple(names), functions=tuple(funcs), tree=tree.body)


def check_inputs(formula: str | Formula, declared: Collection[str]) -> None:
    """Check that every name ``formula`` reads is one of the ``declared`` input ids.

    Raises
    ------
    FormulaError
        Naming each undeclared input and the closest declared ids.
    """
    parsed = formula if isinstance(formula, Formula) else parse_formula(formula)
    unknown = [n for n in parsed.inputs if n not in declared]
    if unknown:
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name, list(declared), n=3)
            hints.append(
                f"{name!r} (did you mean {', '.join(map(repr, close))}?)" if close else repr(name)
            )
        msg = (
            f"Formula {parsed.text!r} reads undeclared input(s) {', '.join(hints)}; declare "
            "them in the inputs registry (data/inputs.yaml) or fix the spelling."
        )
        raise FormulaError(msg)


def _number(node: ast.Constant) -> float:
    value = node.value
    if isinstance(value, int | float):
        return float(value)
    msg = f"The constant {value!r} is not a number."  # pragma: no cover - rejected at parse
    raise FormulaError(msg)  # pragma: no cover


def _eval(node: ast.expr, values: Mapping[str, float], text: str) -> float:
    if isinstance(node, ast.Constant):
        return _number(node)
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.UnaryOp):
        v = _eval(node.operand, values, text)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp):
        left = _eval(node.left, values, text)
        right = _eval(node.right, values, text)
        if isinstance(node.op, ast.Div) and right == 0:
            msg = (
                f"Division by zero in formula {text!r}: the denominator "
                f"{ast.unparse(node.right)!r} is 0; check that value."
            )
            raise FormulaError(msg)
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        args = [_eval(a, values, text) for a in node.args]
        return get_function(node.func.id).evaluate(args)
    msg = f"Formula {text!r} contains an expression that cannot be evaluated."  # pragma: no cover
    raise FormulaError(msg)  # pragma: no cover


def evaluate_formula(formula: str | Formula, values: Mapping[str, float]) -> float:
    """Evaluate ``formula`` with the input values ``values`` (floats in catalogue units).

    Raises
    ------
    FormulaError
        When an input is missing or NaN, a denominator is zero, or the result is not finite.
    """
    parsed = formula if isinstance(formula, Formula) else parse_formula(formula)
    missing = [n for n in parsed.inputs if n not in values or math.isnan(values[n])]
    if missing:
        msg = f"Formula {parsed.text!r} cannot be evaluated: missing input(s) {missing!r}."
        raise FormulaError(msg)
    try:
        result = _eval(parsed.tree, {n: float(values[n]) for n in parsed.inputs}, parsed.text)
    except OverflowError:  # math.fsum and ** raise instead of returning inf
        result = math.inf
    if not math.isfinite(result):
        msg = f"Formula {parsed.text!r} gave {result!r}; check the input values for extremes."
        raise FormulaError(msg)
    return result


def _split_multiplier(node: ast.expr) -> tuple[ast.expr, float]:
    """Return the formula without its trailing numeric multiplier, and that multiplier."""
    if isinstance(node, ast.BinOp) and isinstance(node.right, ast.Constant):
        if isinstance(node.op, ast.Mult):
            return node.left, _number(node.right)
        if isinstance(node.op, ast.Div) and node.right.value != 0:
            return node.left, 1.0 / _number(node.right)
    if (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Mult)
        and isinstance(node.left, ast.Constant)
    ):
        return node.right, _number(node.left)
    return node, 1.0


def _eval_quantity(node: ast.expr, values: Mapping[str, Quantity], text: str) -> Quantity:
    ureg = registry()
    if isinstance(node, ast.Constant):
        return ureg.Quantity(_number(node), "dimensionless")
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.UnaryOp):
        v = _eval_quantity(node.operand, values, text)
        negated: Quantity = -v if isinstance(node.op, ast.USub) else v
        return negated
    if isinstance(node, ast.BinOp):
        left = _eval_quantity(node.left, values, text)
        right = _eval_quantity(node.right, values, text)
        if isinstance(node.op, ast.Add | ast.Sub):
            if left.units != right.units:
                msg = (
                    f"Formula {text!r} adds or subtracts {ast.unparse(node.left)!r} in "
                    f"{left.units!s} and {ast.unparse(node.right)!r} in {right.units!s}; "
                    "terms of a sum must be declared in the same unit."
                )
                raise FormulaError(msg)
            total: Quantity = left + right if isinstance(node.op, ast.Add) else left - right
            return total
        result: Quantity = left * right if isinstance(node.op, ast.Mult) else left / right
        return result
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        args = [_eval_quantity(a, values, text) for a in node.args]
        return get_function(node.func.id).quantity(args)
    msg = f"Formula {text!r} contains an expression without a unit."  # pragma: no cover
    raise FormulaError(msg)  # pragma: no cover


def _sample_values(inputs: tuple[str, ...], units: Mapping[str, str]) -> dict[str, float]:
    """Return distinct positive sample values (no difference or sum is accidentally 0).

    Yes/no inputs get 1 (yes), the only other value they may take besides 0.
    """
    primes = (3.0, 7.0, 11.0, 13.0, 17.0, 19.0, 23.0, 29.0, 31.0, 37.0, 41.0, 43.0, 47.0)
    yes_no = registry().parse_units("yes_no")
    return {
        name: 1.0
        if parse_unit(units[name]) == yes_no
        else primes[i % len(primes)] * (1 + i // len(primes))
        for i, name in enumerate(inputs)
    }


def infer_unit(formula: str | Formula, input_units: Mapping[str, str]) -> str:
    """Return the unit of ``formula`` without its trailing multiplier (``"count / inhabitant"``)."""
    parsed = formula if isinstance(formula, Formula) else parse_formula(formula)
    core, _ = _split_multiplier(parsed.tree)
    ureg = registry()
    sample = _sample_values(parsed.inputs, input_units)
    quantities = {n: ureg.Quantity(sample[n], parse_unit(input_units[n])) for n in parsed.inputs}
    return str(_eval_quantity(core, quantities, parsed.text).units)


def check_units(formula: str | Formula, input_units: Mapping[str, str], declared: str) -> None:
    """Check that ``formula`` over inputs in ``input_units`` gives values in unit ``declared``.

    Raises
    ------
    FormulaError
        When the dimensions differ, when the trailing multiplier is not the conversion factor
        to the declared unit, or when a sum mixes units.
    UnitError
        When a unit does not parse.
    """
    parsed = formula if isinstance(formula, Formula) else parse_formula(formula)
    target = parse_unit(declared)
    missing = [n for n in parsed.inputs if n not in input_units]
    if missing:
        msg = f"Formula {parsed.text!r} reads input(s) {missing!r} whose unit is not declared."
        raise FormulaError(msg)
    ureg = registry()
    sample = _sample_values(parsed.inputs, input_units)
    quantities = {n: ureg.Quantity(sample[n], parse_unit(input_units[n])) for n in parsed.inputs}
    core, multiplier = _split_multiplier(parsed.tree)
    try:
        natural = _eval_quantity(core, quantities, parsed.text)
        expected = evaluate_formula(parsed, sample)
    except ZeroDivisionError as e:  # pragma: no cover - sample values avoid it
        msg = f"Formula {parsed.text!r} divides by zero for every input value."
        raise FormulaError(msg) from e
    try:
        converted = float(natural.to(target).magnitude)
    except pint.errors.DimensionalityError as e:
        msg = (
            f"Formula {parsed.text!r} gives {natural.units!s} ({natural.dimensionality!s}), "
            f"which cannot be expressed in the declared unit {declared!r} "
            f"({target.dimensionality!s}); fix the formula, the inputs' units or the unit."
        )
        raise FormulaError(msg) from e
    if not math.isclose(converted, expected, rel_tol=1e-9, abs_tol=1e-12):
        factor = float(ureg.Quantity(1.0, natural.units).to(target).magnitude)
        msg = (
            f"Formula {parsed.text!r} gives {natural.units!s}; expressing that in {declared!r} "
            f"needs a multiplier of {factor:g}, but the formula multiplies by {multiplier:g}; "
            f"end the formula with '* {factor:g}' or change the units."
        )
        raise FormulaError(msg)


__all__ = [
    "Formula",
    "check_inputs",
    "check_units",
    "evaluate_formula",
    "infer_unit",
    "parse_formula",
]
