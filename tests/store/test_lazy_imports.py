"""The store and the catalogue import their public names on first use (PEP 562).

A store command pays only for what it uses: listing cities or reading the audit trail loads no
pandas, no migrations and no catalogue loader. The lazy tables of ``citykpi.store`` and
``citykpi.catalogue`` must name exactly the public API (``__all__``) and the module that
defines each name, as the ``if TYPE_CHECKING:`` imports that type checkers read do.
"""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

import citykpi.catalogue
import citykpi.store

#: Packages whose import takes long; none may load to list cities or read the audit trail.
HEAVY = ("pandas", "numpy", "alembic", "pint", "yaml", "openpyxl", "scipy")


def _type_checking_imports(package: ModuleType) -> dict[str, str]:
    """Return name -> module of the ``if TYPE_CHECKING:`` imports of ``package``'s __init__."""
    tree = ast.parse(Path(str(package.__file__)).read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom)
                for alias in stmt.names:
                    module = stmt.module or ""
                    # "from citykpi.catalogue import units" imports a submodule
                    found[alias.name] = module if module != package.__name__ else alias.name
    return found


@pytest.mark.parametrize("package", [citykpi.store, citykpi.catalogue], ids=lambda p: p.__name__)
def test_the_lazy_table_names_the_public_api_and_its_modules(package: ModuleType) -> None:
    exports: dict[str, str] = package._EXPORTS
    typed = _type_checking_imports(package)
    eager = {n for n in package.__all__ if n in vars(package) and n not in exports}
    assert set(exports) | eager | ({"units"} & set(package.__all__)) == set(package.__all__)
    assert {n: m for n, m in typed.items() if n in exports} == exports


@pytest.mark.parametrize("package", [citykpi.store, citykpi.catalogue], ids=lambda p: p.__name__)
def test_every_lazy_name_is_the_object_its_module_defines(package: ModuleType) -> None:
    for name, module in package._EXPORTS.items():
        assert getattr(package, name) is getattr(importlib.import_module(module), name), name


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'no_such_thing'"):
        _ = citykpi.store.no_such_thing


_PROBE = textwrap.dedent(
    """
    import json, sys
    names = json.loads(sys.argv[1])
    exec(names)
    print(json.dumps(sorted(sys.modules)))
    """
)


def _modules_after(code: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(code)],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "code",
    [
        "from citykpi.store import open_store, list_cities, city_profile, actor_by_name",
        "from citykpi.store import query_events, list_users, actor_by_token",
        "from citykpi.store import history, export_values",
        "from citykpi.catalogue import normalise_code",
        "from citykpi.catalogue.units import is_percent, normalise_unit; is_percent('%')",
    ],
)
def test_reading_the_store_loads_no_heavy_package(code: str) -> None:
    modules = _modules_after(code)
    assert "sqlalchemy" in modules or "catalogue" in code  # the probe sees what loads
    assert sorted(m for m in modules if m.split(".")[0] in HEAVY) == []


def test_the_importer_still_loads_what_it_needs() -> None:
    # Guards the test above: a lazy table that loaded nothing would pass it too.
    modules = _modules_after("from citykpi.store import load_demo")
    assert {"pandas", "alembic", "citykpi.store.importer"} <= modules


def test_pint_loads_when_a_unit_is_first_parsed() -> None:
    # The units module defers pint (and numpy) to the first parse, not to its import.
    modules = _modules_after("from citykpi.catalogue.units import convert; convert(1.0, 'km', 'm')")
    assert "pint" in modules
