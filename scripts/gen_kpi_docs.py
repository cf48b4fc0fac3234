"""Regenerate docs/kpis.md and the catalogue's JSON Schema from the catalogue.

Run ``python scripts/gen_kpi_docs.py`` after editing the YAML under
src/citykpi/catalogue/data; ``--check`` exits 1 (writing nothing) when a file is stale.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from citykpi.catalogue import DATA_DIR
from citykpi.catalogue.reference import render_kpi_reference
from citykpi.catalogue.schema import json_schema

ROOT = Path(__file__).resolve().parents[1]


def outputs() -> dict[Path, str]:
    """Return each generated file with its expected content."""
    return {
        ROOT / "docs" / "kpis.md": render_kpi_reference(),
        DATA_DIR / "schema.json": json.dumps(json_schema(), indent=2, sort_keys=True) + "\n",
    }


def main() -> int:
    """Write (or with --check, compare) the generated files; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="Only report stale files.")
    args = parser.parse_args()
    stale = []
    for path, text in outputs().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    verb = "Stale" if args.check else "Wrote"
    for path in stale:
        print(f"{verb}: {path.relative_to(ROOT)}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
