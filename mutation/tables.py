"""Mutants of rule tables: the module-level sets, tuples and mappings mutmut does not mutate.

The rules that protect users (the permission matrix, the state transitions, the authoring
actions of the four-eyes rule) are data, not code, so a mutation tool that changes function
bodies never touches them. This module makes one mutant per plausible mistake in such a table:

- a set or tuple loses one member;
- a mapping loses one entry;
- a mapping whose values are sets: one value loses a member, or gains a member another key has
  (a role granted an action it must not have);
- a mapping whose values are scalars: one value is swapped for another key's value.

It is also a pytest plugin: with ``CITYKPI_TABLE_MUTANT`` set to a mutant id (``module:NAME#n``)
the table is changed in place, and every module that bound the same object is rebound, before
the tests are collected.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

ENV = "CITYKPI_TABLE_MUTANT"


@dataclass(frozen=True)
class TableMutant:
    """One change of one table: its id, a description and the mutated value."""

    id: str
    change: str
    value: Any


def _show(x: object) -> str:
    return repr(getattr(x, "value", x))


def _ordered(values: Any) -> list[Any]:
    return sorted(values, key=_show)


def _rebuild(original: Any, members: list[Any]) -> Any:
    if isinstance(original, tuple):
        return tuple(members)
    if isinstance(original, frozenset):
        return frozenset(members)
    return set(members)


def table_mutants(ref: str) -> Iterator[TableMutant]:
    """Yield the mutants of the table ``module:NAME``, numbered in a stable order."""
    module_name, _, attr = ref.partition(":")
    table = getattr(importlib.import_module(module_name), attr)
    n = 0

    def make(change: str, value: Any) -> TableMutant:
        nonlocal n
        n += 1
        return TableMutant(f"{ref}#{n}", change, value)

    if isinstance(table, tuple | frozenset | set):
        members = list(table) if isinstance(table, tuple) else _ordered(table)
        for m in members:
            kept = [x for x in members if x != m]
            yield make(f"{attr}: remove {_show(m)}", _rebuild(table, kept))
        return
    if not isinstance(table, Mapping):
        msg = f"{ref} is a {type(table).__name__}, not a set, tuple or mapping."
        raise TypeError(msg)
    keys = list(table)
    for k in keys:
        yield make(f"{attr}: drop entry {_show(k)}", {x: v for x, v in table.items() if x != k})
    set_valued = all(isinstance(v, frozenset | set) for v in table.values())
    universe = _ordered(set().union(*table.values())) if set_valued and table else []
    for k in keys:
        value = table[k]
        if set_valued:
            for m in _ordered(value):
                yield make(
                    f"{attr}[{_show(k)}]: remove {_show(m)}",
                    {**table, k: _rebuild(value, [x for x in value if x != m])},
                )
            for m in universe:
                if m not in value:
                    yield make(
                        f"{attr}[{_show(k)}]: add {_show(m)}",
                        {**table, k: _rebuild(value, [*value, m])},
                    )
        else:
            others = [v for v in table.values() if v != value]
            if others:
                swap = others[0]
                yield make(
                    f"{attr}[{_show(k)}]: {_show(value)} -> {_show(swap)}", {**table, k: swap}
                )


def apply(mutant_id: str) -> None:
    """Change the table in place (and rebind every module-level name bound to it)."""
    ref = mutant_id.partition("#")[0]
    module_name, _, attr = ref.partition(":")
    module = importlib.import_module(module_name)
    original = getattr(module, attr)
    found = [m for m in table_mutants(ref) if m.id == mutant_id]
    if not found:
        msg = f"No table mutant {mutant_id!r}; list them with scripts/mutation.py --list."
        raise LookupError(msg)
    value = found[0].value
    if isinstance(original, dict):
        # Change the shared object in place so every importer sees the mutant.
        original.clear()
        original.update(value)
        return
    for other in list(sys.modules.values()):
        for name, bound in list(vars(other).items()):
            if bound is original:
                setattr(other, name, value)


def pytest_configure(config: Any) -> None:
    """Apply the mutant named in the environment before any test module is imported."""
    mutant = os.environ.get(ENV)
    if mutant:
        apply(mutant)
