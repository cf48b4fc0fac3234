"""Run every benchmark, each in its own process (so peak memory is measured per benchmark).

Run: ``make bench`` or ``.venv/bin/python benchmarks/run_all.py [--quick]``. ``--quick`` runs
smaller sizes (N = 200 for the ASEM UA, 200 cities x 1,000 replications for the scale run, one
run of each store command, 8 cities, 40 city-years and 20,000 rows for the bulk writes) to
check that the benchmarks work; the reported numbers come from the full run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

BENCHMARKS: dict[str, tuple[list[str], list[str]]] = {
    # name: (full arguments, quick arguments)
    "bench_asem_ua.py": ([], ["--n", "200", "--loop", "5"]),
    "bench_scale.py": ([], ["--cities", "200", "--n", "1000", "--loop", "2"]),
    "bench_cli_startup.py": ([], ["--runs", "3"]),
    "bench_store.py": ([], ["--runs", "1"]),
    "bench_import.py": (
        [],
        ["--cities", "8", "--city-years", "40", "--rows", "20000", "--loop", "1"],
    ),
    "bench_web.py": ([], ["--duration", "2"]),
    "bench_observations.py": ([], ["--stations", "50", "--no-spark"]),
    "bench_opendata.py": ([], ["--cities", "8", "--loop", "1"]),
    "bench_reports.py": ([], ["--cities", "8", "--loop", "1"]),
}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks one after the other; return non-zero if one failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, to check they run")
    args = parser.parse_args(argv)
    failed: list[str] = []
    for script, (full, quick) in BENCHMARKS.items():
        t0 = time.perf_counter()
        cmd = [sys.executable, str(HERE / script), *(quick if args.quick else full)]
        print(f"$ {' '.join(cmd[1:])}", flush=True)
        code = subprocess.run(cmd, check=False).returncode
        print(f"  ({script}: exit {code}, {time.perf_counter() - t0:.1f} s in total)\n", flush=True)
        if code != 0:
            failed.append(script)
    if failed:
        print(f"Failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
