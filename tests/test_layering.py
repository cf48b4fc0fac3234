"""The layers import only downwards, no module imports itself back, and the engine does no I/O.

The picture (docs/architecture.md): the shared modules sit at the bottom; the stages follow in
data-flow order, each importing only the shared modules and earlier stages; the top layers sit
above every stage, each importing only the layers below it. Every import counts, including those
inside functions and ``if TYPE_CHECKING:`` blocks: a deferred import hides a circle, it does not
remove it.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Collection, Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "citykpi"
#: Shared modules: the vocabulary every layer uses; they import no stage and no top layer.
SHARED = {"errors", "lazy", "model", "settings", "reasons", "tables", "catalogue", "__init__"}
#: Each stage, in data-flow order; a stage may import the shared modules and earlier stages.
#: ``observe`` rolls sensor and meter observations up into raw inputs, before ``ingest``.
#: ``frameworks`` composes ``assess`` and the ``index`` engine into named indices (U4SSC).
STAGES = ["observe", "ingest", "sample", "validate", "compute", "assess", "index", "frameworks"]
#: The top layers, lowest first: each may import every stage and the top layers before it.
#: ``i18n`` holds the translated strings and locale formatting; ``views`` the read models of
#: published data (one JSON shape for the web API, the reports and the static site); ``report``
#: the city documents; ``opendata`` the exports and the static site; ``api`` is the documented
#: Python API (re-exported by the package's ``__init__``); ``web`` and ``cli`` are the shells.
TOP_ORDER = [
    "io",
    "i18n",
    "store",
    "sources",
    "pipeline",
    "views",
    "report",
    "opendata",
    "api",
    "web",
    "cli",
]
#: Top layer -> the top layers allowed to import it (those after it).
TOP = {layer: set(TOP_ORDER[i + 1 :]) for i, layer in enumerate(TOP_ORDER)}


# ------------------------------------------------------------------------ reading the imports
def _imports(tree: ast.AST) -> Iterator[tuple[str, str | None, int]]:
    """Yield ``(module, imported name or None, level)`` for every import statement of ``tree``.

    ``ast.walk`` visits every node, so imports inside functions, classes and ``if
    TYPE_CHECKING:`` blocks count like top-level ones.
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, 0
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                yield node.module or "", alias.name, node.level


def _imported_citykpi_modules(path: Path) -> set[str]:
    """Return the top-level parts of citykpi (``"assess"``, ``"store"``, ...) ``path`` imports."""
    found: set[str] = set()
    for module, name, level in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        if level:
            continue  # relative imports stay inside their own part
        parts = module.split(".")
        if parts[0] == "citykpi" and len(parts) > 1:
            found.add(parts[1])
        elif parts[0] == "citykpi" and name is not None:
            found.add(name)
    return found


# ------------------------------------------------------------------------------ layer order
def _owner(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def _forbidden_for(owner: str) -> set[str]:
    if owner in STAGES:
        later = set(STAGES[STAGES.index(owner) + 1 :])
        return later | set(TOP)
    if owner in SHARED - {"catalogue", "__init__"}:
        return set(STAGES) | set(TOP) | {"catalogue"}
    if owner == "catalogue":
        return set(STAGES) | set(TOP)
    return TOP.get(owner, set())  # the package's __init__ and __main__ sit above everything


FILES = sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_module_imports_only_earlier_stages(path: Path) -> None:
    owner = _owner(path)
    bad = _imported_citykpi_modules(path) & _forbidden_for(owner)
    assert not bad, f"{path.relative_to(SRC)} ({owner}) imports later layers {sorted(bad)}"


def test_every_part_of_the_package_has_a_place_in_the_layers() -> None:
    parts = {_owner(p) for p in FILES} - {"__main__"}
    assert parts <= SHARED | set(STAGES) | set(TOP), sorted(parts - SHARED - set(STAGES) - set(TOP))


def test_the_layering_rule_catches_a_backward_import(tmp_path: Path) -> None:
    fake = tmp_path / "validate_mod.py"
    fake.write_text("from citykpi.assess import scoring\nimport citykpi.store\n", encoding="utf-8")
    assert _imported_citykpi_modules(fake) & _forbidden_for("validate") == {"assess", "store"}


@pytest.mark.parametrize(
    ("owner", "imported", "allowed"),
    [
        ("index", "frameworks", False),
        ("frameworks", "index", True),
        ("frameworks", "io", False),
        ("io", "frameworks", True),
        ("io", "store", False),
        ("store", "io", True),
        ("sources", "store", True),
        ("store", "sources", False),
        ("pipeline", "sources", True),
        ("cli", "pipeline", True),
        ("pipeline", "cli", False),
        ("api", "pipeline", True),
        ("pipeline", "api", False),
        ("tables", "catalogue", False),
        ("reasons", "validate", False),
    ],
)
def test_the_layer_order(owner: str, imported: str, allowed: bool) -> None:
    assert (imported not in _forbidden_for(owner)) is allowed


# ------------------------------------------------------------------------------ import circles
def _module_names(root: Path) -> dict[str, Path]:
    """Return every module of the package at ``root`` by dotted name (``pkg.sub.mod``)."""
    out: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue  # Alembic loads these scripts by path; nothing imports them
        parts = [root.name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _resolve(
    importer: str, is_package: bool, module: str, name: str | None, level: int, known: set[str]
) -> str | None:
    """Return the known module an import statement loads (the most specific one), or None."""
    if level:
        base = importer.split(".") if is_package else importer.split(".")[:-1]
        base = base[: len(base) - (level - 1)]
        module = ".".join([*base, *([module] if module else [])])
    candidates = [f"{module}.{name}"] if name is not None and name != "*" else []
    parts = module.split(".")
    candidates += [".".join(parts[:k]) for k in range(len(parts), 0, -1)]
    return next((c for c in candidates if c in known), None)


def import_graph(root: Path) -> dict[str, set[str]]:
    """Return, for every module of the package at ``root``, the package modules it imports.

    An edge goes to the most specific module named (``from pkg.a import b`` imports ``pkg.a.b``
    when that is a module, else ``pkg.a``); importing a submodule is not counted as importing
    its package's ``__init__`` too, so a package re-exporting its submodules is no circle.
    """
    modules = _module_names(root)
    known = set(modules)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        targets = {
            _resolve(name, is_package, module, imported, level, known)
            for module, imported, level in _imports(tree)
        }
        graph[name] = {t for t in targets if t is not None and t != name}
    return graph


def _components(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected components of ``graph`` with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            members: list[str] = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                members.append(w)
                if w == v:
                    break
            if len(members) > 1:
                found.append(sorted(members))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def _shortest_cycle(graph: dict[str, set[str]], members: list[str]) -> list[str]:
    """Return the shortest circle through the first of ``members``, staying inside them."""
    start, inside = members[0], set(members)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        v = queue.popleft()
        for w in sorted(graph[v] & inside):
            if w == start:
                path = [v]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if w not in came_from:
                came_from[w] = v
                queue.append(w)
    return members  # unreachable for a strongly connected component


def find_cycles(root: Path) -> list[str]:
    """Return one line per import circle of the package at ``root``: its modules and a path."""
    graph = import_graph(root)
    return [
        f"{' -> '.join(_shortest_cycle(graph, members))} (circle of {len(members)} modules: "
        f"{', '.join(members)})"
        for members in _components(graph)
    ]


def test_no_module_imports_a_module_that_imports_it_back() -> None:
    cycles = find_cycles(SRC)
    assert not cycles, "Import circles (move the shared concept down):\n" + "\n".join(cycles)


def test_the_circle_detector_finds_circles_in_a_fake_package(tmp_path: Path) -> None:
    pkg = tmp_path / "fakepkg"
    (pkg / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "from fakepkg.a import thing\n",
        "a.py": "def thing():\n    from fakepkg import b\n    return b\n",
        "b.py": (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from fakepkg.a import thing\n"
        ),
        "c.py": "import fakepkg.a\n",
        "sub/__init__.py": "from . import d\n",
        "sub/d.py": "from .e import E\n",
        "sub/e.py": "from ..sub import d\nE = 1\n",
    }
    for name, text in files.items():
        (pkg / name).write_text(text, encoding="utf-8")
    assert find_cycles(pkg) == [
        "fakepkg.a -> fakepkg.b -> fakepkg.a (circle of 2 modules: fakepkg.a, fakepkg.b)",
        "fakepkg.sub.d -> fakepkg.sub.e -> fakepkg.sub.d "
        "(circle of 2 modules: fakepkg.sub.d, fakepkg.sub.e)",
    ]
    (pkg / "b.py").write_text("import json\n", encoding="utf-8")
    (pkg / "sub/e.py").write_text("E = 1\n", encoding="utf-8")
    assert find_cycles(pkg) == []


# ---------------------------------------------------------------------------- a pure engine
ENGINE = SRC / "index"
#: Modules the engine may not import (nor any of their submodules): file system, databases,
#: the input/output layer and the assessment.
ENGINE_BANNED_IMPORTS = (
    "pathlib",
    "os",
    "io",
    "shutil",
    "sqlite3",
    "sqlalchemy",
    "citykpi.io",
    "citykpi.store",
    "citykpi.assess",
)
#: The engine's exceptions, by file. ``workers.py`` asks ``os.cpu_count()`` for the default
#: number of worker processes of the uncertainty analysis; that is no file access.
ENGINE_ALLOWED_IMPORTS = {"workers.py": {"os"}}
#: Calls that read or write files: ``open(...)`` and these methods or functions.
IO_CALLS = {
    "open",
    "read_text",
    "write_text",
    "read_bytes",
    "write_bytes",
    "to_csv",
    "read_csv",
    "to_parquet",
    "read_parquet",
    "read_excel",
    "to_excel",
}


def engine_io(path: Path, *, allowed: Collection[str] = ()) -> list[str]:
    """Return every I/O import and call of the module at ``path`` as ``"line N: ..."``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if node.level == 0
                else []
            )
            for name in names:
                for banned in ENGINE_BANNED_IMPORTS:
                    if (name == banned or name.startswith(banned + ".")) and banned not in allowed:
                        found.append((node.lineno, f"imports {name}"))
        elif isinstance(node, ast.Call):
            func = node.func
            called = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else None
            )
            if called in IO_CALLS:
                found.append((node.lineno, f"calls {called}()"))
    return [f"line {line}: {what}" for line, what in sorted(found)]


ENGINE_FILES = sorted(ENGINE.rglob("*.py"))


@pytest.mark.parametrize("path", ENGINE_FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_the_engine_does_no_io(path: Path) -> None:
    allowed = ENGINE_ALLOWED_IMPORTS.get(path.name, set())
    found = engine_io(path, allowed=allowed)
    assert not found, (
        f"{path.relative_to(SRC)} does I/O, which belongs in citykpi.io (the engine takes and "
        "returns arrays and frames): " + "; ".join(found)
    )


def test_the_io_rule_fires_on_a_fake_engine_module(tmp_path: Path) -> None:
    fake = tmp_path / "fake.py"
    fake.write_text(
        "import os.path\n"
        "from pathlib import Path\n"
        "import sqlalchemy.orm as orm\n"
        "from citykpi.assess.scoring import usable_rows\n"
        "from citykpi.index.spec import parse_spec\n"
        "import numpy as np\n"
        "def save(frame, p):\n"
        "    from citykpi.store import engine\n"
        "    with open(p) as f:\n"
        "        f.read()\n"
        "    frame.to_csv(p)\n"
        "    return pd.read_csv(Path(p).read_text())\n",
        encoding="utf-8",
    )
    assert engine_io(fake) == [
        "line 1: imports os.path",
        "line 2: imports pathlib",
        "line 3: imports sqlalchemy.orm",
        "line 4: imports citykpi.assess.scoring",
        "line 8: imports citykpi.store",
        "line 9: calls open()",
        "line 11: calls to_csv()",
        "line 12: calls read_csv()",
        "line 12: calls read_text()",
    ]
    assert engine_io(fake, allowed={"os", "pathlib"})[:2] == [
        "line 3: imports sqlalchemy.orm",
        "line 4: imports citykpi.assess.scoring",
    ]
