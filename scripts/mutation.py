"""Run mutation testing on the modules that protect users and print one table per module.

Each module listed in ``mutation/modules.toml`` is mutated on its own, against only the tests
that cover it, so a module takes minutes, not the whole suite's time:

- its function bodies by mutmut (in ``mutants/work/<module>/``, a work folder with its own
  ``[tool.mutmut]`` generated from the list; mutmut picks, per mutant, the tests that reach the
  mutated function);
- its rule tables (module-level sets, tuples and mappings, which mutmut leaves alone) by
  ``mutation/tables.py``, one pytest run per mutant that stops at the first failing test.

Mutants listed in ``mutation/equivalent.toml`` are left out of the score. The score is
``killed / (mutants - equivalent)``; a timed-out mutant counts as killed (the test noticed: it
hung), a mutant no test reaches counts as survived.

Usage::

    .venv/bin/python scripts/mutation.py                 # every module
    .venv/bin/python scripts/mutation.py states authorship
    .venv/bin/python scripts/mutation.py --ci            # the permission and four-eyes rules
    .venv/bin/python scripts/mutation.py --list          # modules and their tests

Exit code 0 when every module meets its target, 1 when one does not, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
import types
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "mutation" / "modules.toml"
EQUIVALENT = ROOT / "mutation" / "equivalent.toml"
WORK = ROOT / "mutants" / "work"
VENV_BIN = ROOT / ".venv" / "bin"
NICE = ["nice", "-n", "15"]
PYTEST_ARGS = ["-q", "-p", "no:xdist", "-p", "no:cacheprovider", "-p", "no:randomly"]


@dataclass
class Module:
    """One module under mutation testing, as ``mutation/modules.toml`` lists it."""

    name: str
    source: str
    tests: list[str]
    tables: list[str] = field(default_factory=list)
    target: float = 0.9
    ci: bool = False
    code: bool = True  # false: only the rule tables (no mutmut run)


@dataclass
class Outcome:
    """The result of one mutant: its id, where it sits, what it changes and its status."""

    id: str
    status: str
    where: str = ""
    change: str = ""


def load_modules() -> list[Module]:
    """Read the module list."""
    data = tomllib.loads(CONFIG.read_text("utf-8"))
    return [Module(**m) for m in data["module"]]


def load_equivalent() -> dict[str, str]:
    """Read the equivalent mutants: mutant id -> reason."""
    data = tomllib.loads(EQUIVALENT.read_text("utf-8"))
    return {e["mutant"]: e["reason"] for e in data.get("equivalent", [])}


def _base_pyproject() -> str:
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    # Drop the project's own [tool.mutmut] section; the work folder gets one per module.
    return re.sub(r"(?ms)^\[tool\.mutmut\]\n.*?(?=^\[|\Z)", "", text)


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def prepare(module: Module) -> Path:
    """Make (or refresh) the module's work folder and return it."""
    work = WORK / module.name
    work.mkdir(parents=True, exist_ok=True)
    for name in ("src", "tests"):
        link = work / name
        if not link.is_symlink():
            link.symlink_to(ROOT / name)
    section = (
        "\n[tool.mutmut]\n"
        'source_paths = ["src"]\n'
        f"only_mutate = {_toml_list([module.source])}\n"
        f"pytest_add_cli_args = {_toml_list(PYTEST_ARGS)}\n"
        f"pytest_add_cli_args_test_selection = {_toml_list(module.tests)}\n"
        "mutate_only_covered_lines = false\n"
        "use_git_change_detection = false\n"
    )
    (work / "pyproject.toml").write_text(_base_pyproject() + section, "utf-8")
    # Stale copies of the sources would hide today's code: mutmut copies src once.
    shutil.rmtree(work / "mutants" / "src", ignore_errors=True)
    return work


_FUNC = re.compile(r"^(?P<mod>[\w.]+?)\.x(?:ǁ(?P<cls>\w+)ǁ)?_?(?P<fn>\w+?)__mutmut_\d+$")


def _locate(module: Module, mutant: str, diff: str) -> tuple[str, str]:
    """Return ``file:line`` and ``- old / + new`` for a mutmut mutant from its diff."""
    removed = [
        ln[1:].strip()
        for ln in diff.splitlines()
        if ln.startswith("-") and not ln.startswith("---")
    ]
    added = [
        ln[1:].strip()
        for ln in diff.splitlines()
        if ln.startswith("+") and not ln.startswith("+++")
    ]
    change = f"{' | '.join(removed)}  ->  {' | '.join(added)}"
    m = _FUNC.match(mutant)
    path = ""
    line = 0
    if m:
        rel = m["mod"].replace(".", "/")
        for cand in (ROOT / "src" / f"{rel}.py", ROOT / "src" / rel / "__init__.py"):
            if cand.exists():
                path = str(cand.relative_to(ROOT))
                lines = cand.read_text("utf-8").splitlines()
                start = next(
                    (
                        i
                        for i, t in enumerate(lines)
                        if re.match(rf"\s*(async\s+)?def {m['fn']}\b", t)
                    ),
                    0,
                )
                target = removed[0] if removed else ""
                line = next(
                    (
                        i + 1
                        for i in range(start, len(lines))
                        if target and lines[i].strip() == target
                    ),
                    start + 1,
                )
                break
    return (f"{path}:{line}" if path else module.source), change


def run_mutmut(module: Module) -> tuple[list[Outcome], str]:
    """Mutate the module's functions with mutmut; return the outcomes and any failure text."""
    work = prepare(module)
    env = {**os.environ, "PATH": f"{VENV_BIN}:{os.environ['PATH']}"}
    proc = subprocess.run(
        [*NICE, str(VENV_BIN / "mutmut"), "run", "--max-children", "1"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return [], (proc.stdout[-3000:] + proc.stderr[-3000:])
    listing = subprocess.run(
        [str(VENV_BIN / "mutmut"), "results", "--all", "true"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    outcomes = []
    for row in listing.stdout.splitlines():
        name, sep, status = row.strip().rpartition(": ")
        if not sep:
            continue
        outcome = Outcome(name, status)
        if status not in {"killed", "timeout"}:
            shown = subprocess.run(
                [str(VENV_BIN / "mutmut"), "show", name],
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            outcome.where, outcome.change = _locate(module, name, shown.stdout)
        outcomes.append(outcome)
    return outcomes, ""


def _pytest(tests: list[str], mutant: str | None, timeout: float) -> str:
    """Run the tests in a forked child with the table mutant applied; return its status.

    The parent has imported pytest and the package once; each child only applies its mutant
    and collects the tests, which keeps one table mutant to about a second.
    """
    pid = os.fork()
    if pid == 0:  # the child: apply, run, report by exit code, never return
        code = 3
        try:
            os.nice(15)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            import pytest

            if mutant:
                _tables_module().apply(mutant)
            code = int(pytest.main([*PYTEST_ARGS, "-x", *tests]))
        finally:
            os._exit(code)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            return "timeout"
        time.sleep(0.05)
    code = os.waitstatus_to_exitcode(status)
    if code == 0:
        return "survived"
    if code == 1:
        return "killed"
    return f"error (pytest exit {code})"


def _tables_module() -> types.ModuleType:
    # This script is itself named ``mutation``, so load the package's module by its path.
    spec = importlib.util.spec_from_file_location(
        "_mutation_tables", ROOT / "mutation" / "tables.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def run_tables(module: Module) -> tuple[list[Outcome], str]:
    """Mutate the module's rule tables; return the outcomes and any failure text."""
    if not module.tables:
        return [], ""
    table_mutants = _tables_module().table_mutants
    os.chdir(ROOT)
    import pytest  # noqa: F401  (imported once here, inherited by every forked run)

    for ref in module.tables:
        importlib.import_module(ref.partition(":")[0])

    start = time.monotonic()
    clean = _pytest(module.tests, None, timeout=900)
    if clean != "survived":
        return [], f"The tests of {module.name} fail without a mutant: {clean}"
    timeout = max(30.0, 10 * (time.monotonic() - start))
    outcomes = []
    for ref in module.tables:
        for mutant in table_mutants(ref):
            status = _pytest(module.tests, mutant.id, timeout)
            where = f"{module.source}: {ref.partition(':')[2]}"
            outcomes.append(Outcome(mutant.id, status, where, mutant.change))
    return outcomes, ""


def report(module: Module, outcomes: list[Outcome], equivalent: dict[str, str]) -> bool:
    """Print the module's table and survivors; return whether it meets its target."""
    counted = [o for o in outcomes if o.id not in equivalent]
    killed = sum(o.status == "killed" for o in counted)
    timeout = sum(o.status == "timeout" for o in counted)
    survived = [o for o in counted if o.status not in {"killed", "timeout"}]
    total = len(counted)
    score = (killed + timeout) / total if total else 1.0
    ok = score >= module.target
    print(
        f"{module.name:<16} {len(outcomes):>7} {len(outcomes) - total:>5} {killed:>6} "
        f"{len(survived):>8} {timeout:>7} {score:>7.1%} {module.target:>6.0%}  "
        f"{'ok' if ok else 'BELOW TARGET'}"
    )
    for o in survived:
        print(f"    {o.status:<9} {o.where}  {o.change}  [{o.id}]")
    return ok


def main(argv: list[str] | None = None) -> int:
    """Run the selected modules and print the table; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="module names from mutation/modules.toml")
    parser.add_argument("--ci", action="store_true", help="only the modules marked ci = true")
    parser.add_argument("--list", action="store_true", help="list the modules and stop")
    parser.add_argument("--tables-only", action="store_true", help="skip mutmut")
    args = parser.parse_args(argv)
    modules = load_modules()
    names = {m.name for m in modules}
    unknown = [n for n in args.modules if n not in names]
    if unknown:
        print(f"Unknown module(s) {unknown}; choose from {sorted(names)}.", file=sys.stderr)
        return 2
    if args.list:
        for m in modules:
            print(f"{m.name:<16} {m.source:<40} ci={m.ci} target={m.target:.0%} {m.tests}")
        return 0
    chosen = [
        m
        for m in modules
        if (m.name in args.modules) or (not args.modules and (m.ci or not args.ci))
    ]
    equivalent = load_equivalent()
    results: list[tuple[Module, list[Outcome]]] = []
    failures = []
    for m in chosen:
        started = time.monotonic()
        print(f"mutating {m.name} ({m.source}) ...", file=sys.stderr, flush=True)
        skip_code = args.tables_only or not m.code
        outcomes, error = ([], "") if skip_code else run_mutmut(m)
        table_outcomes, table_error = run_tables(m)
        if error or table_error:
            failures.append(f"{m.name}: {error}{table_error}")
        results.append((m, outcomes + table_outcomes))
        print(f"    {m.name} done in {time.monotonic() - started:.0f} s", file=sys.stderr)
    print()
    heads = ("mutants", "equiv", "killed", "survived", "timeout", "score", "target")
    widths = (7, 5, 6, 8, 7, 7, 6)
    print(f"{'module':<16} " + " ".join(f"{h:>{w}}" for h, w in zip(heads, widths, strict=True)))
    verdicts = [report(m, o, equivalent) for m, o in results]  # every table, then judge
    ok = all(verdicts)
    for f in failures:
        print(f"\nFAILED TO RUN {f}", file=sys.stderr)
    return 0 if ok and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
