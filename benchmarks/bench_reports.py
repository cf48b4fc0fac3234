"""Benchmark: the city reports of the demo store, one verification report and all snapshots.

Run: ``.venv/bin/python benchmarks/bench_reports.py [--cities 40] [--loop 3]``.

The demo store (:func:`citykpi.store.load_demo`, the latest year of ``--cities`` sample cities
imported and every cleanly imported city published) is built in a temporary folder. Then, with
:func:`citykpi.report.make_reports` as ``citykpi report`` calls it (read the store, assess,
lay out, print, write), best of ``--loop`` runs:

- one verification report PDF, target < 3 s;
- the snapshot PDF of every published city-year (``--all``), target < 60 s for 40 cities;
- the verification report PDF of every published city-year.

Baselines measured in the same run: reading the published values from the store and assessing
them (what a report costs before any layout), and WeasyPrint printing a one-line page (the
engine's fixed cost per document); each line prints its ratio to both. Wall and CPU times are
shown: on a shared machine the wall time grows, the CPU time does not.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from citykpi.assess import assess_table
from citykpi.io import write_sample
from citykpi.report import make_reports, read_store_inputs
from citykpi.settings import Settings
from citykpi.store import load_demo

TARGET_ONE_S, TARGET_ALL_SNAPSHOTS_S = 3.0, 60.0


def best(fn: Callable[[int], object], loop: int) -> tuple[float, float]:
    """Return the best wall time of ``loop`` calls and the CPU time of that call."""
    runs = []
    for n in range(loop):
        t0, c0 = time.perf_counter(), time.process_time()
        fn(n)
        runs.append((time.perf_counter() - t0, time.process_time() - c0))
    return min(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", type=int, default=40)
    parser.add_argument("--loop", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_sample(root / "sample", n_cities=args.cities)
        url = f"sqlite:///{root / 'demo.db'}"
        summary = load_demo(url, root / "sample", cycle_cities=args.cities)
        settings = Settings(database_url=url)
        city, year, _n = summary.published[0]
        n_pub = len(summary.published)
        print(f"demo store: {n_pub} published city-years of {args.cities} sample cities")

        def read(_: int = 0) -> object:
            return assess_table(read_store_inputs(settings=settings).table)

        def engine(n: int) -> None:
            from weasyprint import HTML

            HTML(string="<html lang=en><title>x</title><p>One line.</p>").write_pdf(pdf_tags=True)

        t_read, c_read = best(read, args.loop)
        t_eng, c_eng = best(engine, args.loop)
        print(
            f"baseline  read + assess, all cities          {t_read:6.2f} s  (CPU {c_read:5.2f} s)"
        )
        print(f"baseline  WeasyPrint, one-line page           {t_eng:6.2f} s  (CPU {c_eng:5.2f} s)")
        failed = False

        def line(label: str, wall: float, cpu: float, target: float | None) -> None:
            nonlocal failed
            verdict = ""
            if target is not None:
                ok = wall < target
                failed |= not ok
                verdict = f"  target < {target:.0f} s: {'met' if ok else 'MISSED'}"
            print(
                f"{label:44s}{wall:6.2f} s  (CPU {cpu:5.2f} s; {wall / t_read:5.1f}x the read, "
                f"{wall / t_eng:6.1f}x the one-line page){verdict}"
            )

        def one(n: int) -> None:
            make_reports(city, year, out=root / f"one{n}.pdf", settings=settings)

        line("report    one verification PDF", *best(one, args.loop), TARGET_ONE_S)

        def snapshots(n: int) -> None:
            made = make_reports(
                out=root / f"snap{n}", kind="snapshot", every=True, settings=settings
            )
            assert made.documents == n_pub

        target = TARGET_ALL_SNAPSHOTS_S if args.cities >= 40 else None
        line(f"report    {n_pub} snapshot PDFs (--all)", *best(snapshots, 1), target)

        def verifications(n: int) -> None:
            make_reports(out=root / f"ver{n}", every=True, settings=settings)

        line(f"report    {n_pub} verification PDFs (--all)", *best(verifications, 1), None)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
