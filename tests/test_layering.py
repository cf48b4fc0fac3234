"""The stages import only the shared modules and the stages before them (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "citykpi"
SHARED = {"model", "errors", "settings", "catalogue", "__init__"}
#: Each stage, in data-flow order; a stage may import the shared modules and earlier stages.
STAGES = ["ingest", "sample", "validate", "compute", "assess", "index"]
#: Layers on top: they may import every stage, but not each other except as listed.
TOP = {"store": {"pipeline", "cli"}, "pipeline": {"cli"}, "cli": set()}


def _imported_citykpi_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "citykpi" and len(parts) > 1:
                found.add(parts[1])
            elif parts[0] == "citykpi" and isinstance(node, ast.ImportFrom):
                found.update(a.name for a in node.names)
    return found


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
    return TOP.get(owner, set())


FILES = sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_module_imports_only_earlier_stages(path: Path) -> None:
    owner = _owner(path)
    bad = _imported_citykpi_modules(path) & _forbidden_for(owner)
    assert not bad, f"{path.relative_to(SRC)} ({owner}) imports later layers {sorted(bad)}"


def test_the_layering_rule_catches_a_backward_import(tmp_path: Path) -> None:
    fake = tmp_path / "validate_mod.py"
    fake.write_text("from citykpi.assess import scoring\nimport citykpi.store\n", encoding="utf-8")
    assert _imported_citykpi_modules(fake) & _forbidden_for("validate") == {"assess", "store"}
