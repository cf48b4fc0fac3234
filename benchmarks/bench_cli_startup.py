"""Benchmark (c): how long ``citykpi`` takes to answer ``--version``, ``--help`` and a work command.

Run: ``.venv/bin/python benchmarks/bench_cli_startup.py [--runs 7]``.

Each command runs ``--runs`` times in a fresh interpreter (``python -m citykpi ...``, the same
interpreter as this script); the report gives the median wall time of each and its ratio to
two baselines measured in the same run: an empty interpreter (``python -c pass``) and one that
only imports Typer (``python -c "import typer"``), the floor any Typer command pays. A command
that imports only what it needs lands close to the Typer baseline.

The work command is ``citykpi index build`` of COINr's ASEM example with the F01 spec, a whole
process (target: under 0.6 s; COINr's ``Rscript`` took 0.80 s for the same build here).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
_COINR = _ROOT / "tests" / "index" / "data" / "coinr"
_OUT = Path(tempfile.mkdtemp(prefix="citykpi-bench-startup-"))

#: label: interpreter arguments. The first two are the baselines.
CASES: dict[str, list[str]] = {
    "python -c pass": ["-c", "pass"],
    "python -c 'import typer'": ["-c", "import typer"],
    "citykpi --version": ["-m", "citykpi", "--version"],
    "citykpi --help": ["-m", "citykpi", "--help"],
    "citykpi index build (ASEM)": [
        "-m", "citykpi", "index", "build",
        "--data", str(_COINR / "asem_idata.csv"), "--meta", str(_COINR / "asem_imeta.csv"),
        "--spec", str(_ROOT / "examples" / "index" / "F01_example_full.yaml"),
        "-o", str(_OUT), "--force",
    ],
}  # fmt: skip


def wall_time(args: list[str]) -> float:
    """Return the seconds one run of ``python ARGS`` takes; fail loudly if it fails."""
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        msg = f"python {' '.join(args)} exited with {done.returncode}: {done.stderr.strip()}"
        raise RuntimeError(msg)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    """Time every case, interleaved so that a busy moment hits them all alike; print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each command (median)")
    args = parser.parse_args(argv)
    for case in CASES.values():  # warm the file-system cache and .pyc files once
        wall_time(case)
    times: dict[str, list[float]] = {label: [] for label in CASES}
    for _ in range(args.runs):
        for label, case in CASES.items():
            times[label].append(wall_time(case))
    medians = {label: statistics.median(ts) for label, ts in times.items()}
    bare, typer_only = medians["python -c pass"], medians["python -c 'import typer'"]
    print(f"CLI start-up, median of {args.runs} runs ({sys.executable})")
    print(f"{'command':<30}{'median s':>10}{'min s':>9}{'x bare':>9}{'x typer':>9}")
    for label, median in medians.items():
        print(
            f"{label:<30}{median:>10.3f}{min(times[label]):>9.3f}"
            f"{median / bare:>9.1f}{median / typer_only:>9.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
