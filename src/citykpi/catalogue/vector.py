"""Formulas of the safe formula language compiled to numpy: one call over whole columns.

:func:`compile_vector` turns a parsed :class:`~citykpi.catalogue.formula.Formula` into a
function of input columns (float arrays of one length) that returns the formula's values and a
mask of the positions the scalar evaluator would refuse or that need its message: a zero
denominator, a yes/no input other than 0 or 1, a negative share amount, components summing to
0, a part above the total, or a non-finite result. The values elsewhere are bit-for-bit those
of :func:`~citykpi.catalogue.formula.evaluate_formula` (the same IEEE operations in the same
order; ``share_of_total`` sums its components with :func:`math.fsum` as the scalar one does).

numpy is imported here only, so commands that never compute do not load it through the
catalogue.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from functools import lru_cache

import numpy as np

from citykpi.catalogue.formula import Formula
from citykpi.errors import FormulaError

Columns = Mapping[str, np.ndarray]
#: A compiled formula: input columns -> (values, positions to evaluate one by one).
VectorFormula = Callable[[Columns], tuple[np.ndarray, np.ndarray]]
_Node = Callable[[Columns, np.ndarray], np.ndarray]


def _share_of_total(args: list[np.ndarray], flagged: np.ndarray) -> np.ndarray:
    part, components = args[0], np.column_stack(args[1:])
    flagged |= (part < 0) | (components < 0).any(axis=1)
    total = np.array([math.fsum(row) for row in components.tolist()], dtype="float64")
    flagged |= (total == 0) | (part > total)
    with np.errstate(all="ignore"):
        return np.asarray(part / total * 100.0)


def _compile(node: ast.expr, text: str) -> _Node:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        number = float(node.value)
        return lambda cols, flagged: np.full(len(flagged), number)
    if isinstance(node, ast.Name):
        name = node.id
        return lambda cols, flagged: np.asarray(cols[name], dtype="float64")
    if isinstance(node, ast.UnaryOp):
        operand = _compile(node.operand, text)
        if isinstance(node.op, ast.USub):
            return lambda cols, flagged: -operand(cols, flagged)
        return operand
    if isinstance(node, ast.BinOp):
        left, right = _compile(node.left, text), _compile(node.right, text)
        op = type(node.op)

        def binary(cols: Columns, flagged: np.ndarray) -> np.ndarray:
            a, b = left(cols, flagged), right(cols, flagged)
            with np.errstate(all="ignore"):
                if op is ast.Add:
                    return a + b
                if op is ast.Sub:
                    return a - b
                if op is ast.Mult:
                    return a * b
                flagged |= b == 0
                return np.asarray(a / b)

        return binary
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        args = [_compile(a, text) for a in node.args]
        name = node.func.id

        def call(cols: Columns, flagged: np.ndarray) -> np.ndarray:
            values = [a(cols, flagged) for a in args]
            if name == "yes_no":
                flagged |= (values[0] != 0.0) & (values[0] != 1.0)
                return values[0].astype("float64")
            if name == "share_of_total":
                return _share_of_total(values, flagged)
            msg = f"Formula {text!r} calls {name!r}, which has no column form."
            raise FormulaError(msg)

        if name not in ("yes_no", "share_of_total"):
            msg = f"Formula {text!r} calls {name!r}, which has no column form."
            raise FormulaError(msg)
        return call
    msg = f"Formula {text!r} contains an expression without a column form."  # pragma: no cover
    raise FormulaError(msg)  # pragma: no cover


@lru_cache(maxsize=1024)
def compile_vector(formula: Formula) -> VectorFormula:
    """Return ``formula`` as a function over input columns.

    Parameters
    ----------
    formula
        A parsed formula (:func:`~citykpi.catalogue.formula.parse_formula`).

    Returns
    -------
    callable
        ``f(columns) -> (values, flagged)``: ``columns`` maps every input id the formula reads
        to a float array (all of one length); ``values`` are the results, ``flagged`` is True
        where the scalar evaluator must decide (it raises there, or the result is not finite).

    Raises
    ------
    FormulaError
        If the formula calls a function without a column form.
    """
    body = _compile(formula.tree, formula.text)
    first = formula.inputs[0] if formula.inputs else None

    def run(columns: Columns) -> tuple[np.ndarray, np.ndarray]:
        n = len(columns[first]) if first is not None else 0
        flagged = np.zeros(n, dtype=bool)
        values = np.asarray(body(columns, flagged), dtype="float64")
        flagged |= ~np.isfinite(values)
        return values, flagged

    return run


__all__ = ["VectorFormula", "compile_vector"]
