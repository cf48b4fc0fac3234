"""Benchmark (b): 1,000 synthetic cities x 112 KPI data points x 10,000 UA replications.

Run: ``.venv/bin/python benchmarks/bench_scale.py [--cities 1000] [--n 10000] [--workers 2]
[--loop 5]``.

The cities are fictional (:func:`common.synthetic_cities`) and scored on the 112 data points of
the U4SSC catalogue (categories -> sub-dimensions -> dimensions -> index). Pipeline: impute by
peer group, treat outliers, normalise, aggregate. The UA draws the four uncertain choices of
COINr's sensitivity guide (winsorisation limit 1-5, min-max(1,100) vs z-score(10,2), 100 noisy
weight sets at +-25 % on levels 2-3, arithmetic vs geometric mean). The plain per-replication
rebuild loop runs on the first ``--loop`` replications, extrapolated to N. Targets: under 60 s
within 4 GiB.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from citykpi.index import build_index
from citykpi.index import uncertainty as ua_mod
from citykpi.index.uncertainty import UncertaintyAnalysis
from common import (
    CITY_SPEC,
    guide_inputs,
    peak_rss_mib,
    rebuild_loop,
    synthetic_cities,
    timed,
    timed_cpu,
)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", type=int, default=1000)
    parser.add_argument("--n", type=int, default=10_000, help="UA replications")
    parser.add_argument(
        "--workers", type=int, default=2, help="worker processes of the comparison run"
    )
    parser.add_argument("--loop", type=int, default=5, help="replications of the plain loop")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    data, h = synthetic_cities(args.cities, seed=args.seed)
    t_build, _ = timed(lambda: build_index(data, h, CITY_SPEC), repeat=3)
    analysis = UncertaintyAnalysis(data, h, CITY_SPEC, guide_inputs(), seed=args.seed)

    def cold_run(workers: int) -> object:
        analysis._cache.clear()
        analysis._stages.clear()
        return analysis.run(args.n, seed=args.seed, workers=workers)

    t_ua, cpu_ua, result = timed_cpu(lambda: cold_run(1))
    rss_ua = peak_rss_mib()
    # the library keeps the pool off at this size (ua_mod.PARALLEL_*); force it to compare
    saved = (ua_mod.PARALLEL_BUILD_CELLS, ua_mod.PARALLEL_AGGREGATE_CELLS)
    ua_mod.PARALLEL_BUILD_CELLS, ua_mod.PARALLEL_AGGREGATE_CELLS = 0, 0  # type: ignore[misc]
    t_pool, cpu_pool, pooled = timed_cpu(lambda: cold_run(args.workers))
    ua_mod.PARALLEL_BUILD_CELLS, ua_mod.PARALLEL_AGGREGATE_CELLS = saved  # type: ignore[misc]
    identical = bool(
        np.array_equal(pooled.scores, result.scores, equal_nan=True)
        and np.array_equal(pooled.ranks, result.ranks, equal_nan=True)
    )
    draws = list(result.draws[: args.loop])
    t_loop, loop_scores = timed(lambda: rebuild_loop(analysis, draws))
    same = all(
        np.allclose(s, result.scores[i], rtol=1e-12, equal_nan=True)
        for i, s in enumerate(loop_scores)
    )
    t_loop_n = t_loop / len(draws) * args.n
    stats = result.rank_stats()
    width = float((stats["q95"] - stats["q5"]).median())
    print(
        f"benchmark (b): {args.cities} synthetic cities x {len(h.indicators)} KPI data points "
        f"x {args.n} replications ({len(h.codes)} nodes, {h.n_levels} levels)"
    )
    print(f"  plain build (impute, treat, normalise, aggregate), best of 3: {t_build:.3f} s")
    print(
        f"  UA N={args.n}, batched, one process: {t_ua:.2f} s wall "
        f"(CPU {cpu_ua:.2f} s)  [target < 60 s]"
    )
    print(
        f"  the same UA with a pool of {args.workers} worker processes forced on: "
        f"{t_pool:.2f} s wall (CPU in the main process {cpu_pool:.2f} s); "
        f"results identical: {identical}"
    )
    print(f"  peak resident memory after the UA: {rss_ua:.0f} MiB  [target < 4096 MiB]")
    print(
        f"  plain rebuild loop: {len(draws)} replications in {t_loop:.2f} s "
        f"-> extrapolated to N={args.n}: {t_loop_n:.0f} s ({t_loop_n / 3600:.2f} h)"
    )
    print(f"  speed-up of the batched UA over the plain loop: {t_loop_n / t_ua:.0f}x")
    print(f"  loop and batched scores agree (rtol 1e-12): {same}")
    print(f"  median width of the 5-95 % rank interval: {width:.0f} ranks")
    return 0 if same and identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
