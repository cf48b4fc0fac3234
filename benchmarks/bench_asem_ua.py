"""Benchmark (a): the ASEM example pipeline and an uncertainty analysis with N = 1,000.

Run: ``.venv/bin/python benchmarks/bench_asem_ua.py [--n 1000] [--workers 1] [--loop 50]``.

Measures, in one process: (1) one plain build of COINr's full example pipeline (denominate,
impute by group, screen, treat, normalise, aggregate), best of 10; (2) the batched UA with N
replications over the four uncertain choices of COINr's sensitivity guide (winsorisation limit
1-5, min-max(1,100) vs z-score(10,2), 100 noisy weight sets at +-25 % on levels 2-3, arithmetic
vs geometric mean), best of 3 on a cold cache; (3) the plain per-replication rebuild loop on the
first ``--loop`` of the same replications, extrapolated to N. Prints wall times, peak memory
and the speed-up. Target: UA under 1 s (COINr: about 200 s).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from citykpi.index import build_index
from citykpi.index.uncertainty import UncertaintyAnalysis
from common import (
    F01_SPEC,
    asem,
    guide_inputs,
    peak_rss_mib,
    rebuild_loop,
    timed,
    timed_cpu,
)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="UA replications")
    parser.add_argument("--workers", type=int, default=1, help="worker processes")
    parser.add_argument("--loop", type=int, default=50, help="replications of the plain loop")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    data, h = asem()
    t_build, _ = timed(lambda: build_index(data, h, F01_SPEC), repeat=10)
    analysis = UncertaintyAnalysis(data, h, F01_SPEC, guide_inputs(), seed=args.seed)

    def cold_run() -> object:
        analysis._cache.clear()
        analysis._stages.clear()
        return analysis.run(args.n, seed=args.seed, workers=args.workers)

    t_ua, cpu_ua, result = timed_cpu(cold_run, repeat=3)
    draws = list(result.draws[: args.loop])
    t_loop, loop_scores = timed(lambda: rebuild_loop(analysis, draws))
    same = all(
        np.allclose(s, result.scores[i], rtol=1e-12, equal_nan=True)
        for i, s in enumerate(loop_scores)
    )
    t_loop_n = t_loop / len(draws) * args.n
    print("benchmark (a): ASEM example, 51 units x 49 indicators, 4 levels")
    print(f"  full pipeline build (6 steps), best of 10:   {t_build * 1000:8.1f} ms")
    print(
        f"  UA N={args.n} (4 uncertain choices), batched, workers={args.workers}, best of 3: "
        f"{t_ua:6.3f} s  [target < 1 s; COINr ~200 s]"
    )
    print(f"    CPU time of that run in this process: {cpu_ua:6.3f} s")
    print(
        f"  plain rebuild loop: {len(draws)} replications in {t_loop:.3f} s "
        f"-> extrapolated to N={args.n}: {t_loop_n:.1f} s"
    )
    print(f"  speed-up of the batched UA over the plain loop: {t_loop_n / t_ua:6.1f}x")
    print(f"  loop and batched scores agree (rtol 1e-12): {same}")
    print(f"  peak resident memory (process): {peak_rss_mib():.0f} MiB")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
