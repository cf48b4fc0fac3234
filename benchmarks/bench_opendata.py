"""Benchmark: open-data exports and the static site from the demo store.

Run: ``.venv/bin/python benchmarks/bench_opendata.py [--cities 40] [--loop 3]``.

The demo store (:func:`citykpi.store.load_demo`, the latest year of ``--cities`` sample
cities imported and every cleanly imported city published) is built in a temporary folder.
Then, best of ``--loop`` runs each:

- every export format (read the published values from the store, then write the format to a
  fresh path), target < 10 s each;
- the static site into an empty folder (read + build), target < 30 s;
- the incremental rebuild after one city's value changed (read + build over the previous
  site; the change is made to the values read, as a new publication would), target < 3 s.

Baselines measured in the same run: reading the values from the store alone, and writing them
with a bare ``DataFrame.to_csv``; each line prints its ratio to the read.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from citykpi.io import write_sample
from citykpi.opendata import OpenData, build_site, export_open_data, read_open_data
from citykpi.settings import Settings
from citykpi.store import load_demo, open_store

TARGET_EXPORT_S, TARGET_SITE_S, TARGET_REBUILD_S = 10.0, 30.0, 3.0


def best(fn: Callable[[int], object], loop: int) -> float:
    times = []
    for n in range(loop):
        t0 = time.perf_counter()
        fn(n)
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", type=int, default=40)
    parser.add_argument("--loop", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_sample(root / "sample", n_cities=args.cities)
        url = f"sqlite:///{root / 'demo.db'}"
        load_demo(url, root / "sample", cycle_cities=args.cities)
        store = open_store(url, settings=Settings(database_url=url))

        def read(_: int = 0) -> OpenData:
            with store.transaction() as session:
                return read_open_data(session, None)

        data = read()
        n_values, n_cities = len(data.values), len(data.profiles)
        print(f"demo store: {n_cities} published cities, {n_values} published KPI values")
        t_read = best(read, args.loop)
        t_csv = best(lambda n: data.values.to_csv(root / f"bare{n}.csv", index=False), args.loop)
        print(f"baseline  read from the store        {t_read:6.2f} s")
        print(f"baseline  DataFrame.to_csv           {t_csv:6.2f} s")
        failed = False
        for fmt in ("sdmx-csv", "sdmx-ml", "ngsi-ld", "datapackage", "csv", "parquet"):
            t = best(lambda n, f=fmt: export_open_data(read(), f, root / f"{f}-{n}.out"), args.loop)
            ok = t < TARGET_EXPORT_S
            failed |= not ok
            print(
                f"export    {fmt:12s}               {t:6.2f} s  ({t / t_read:4.1f}x the read)"
                f"  target < {TARGET_EXPORT_S:.0f} s: {'met' if ok else 'MISSED'}"
            )
        t_site = best(lambda n: build_site(read(), root / f"site{n}"), args.loop)
        ok = t_site < TARGET_SITE_S
        failed |= not ok
        print(
            f"site      full build ({n_cities} cities)     {t_site:6.2f} s  "
            f"({t_site / t_read:4.1f}x the read)  target < {TARGET_SITE_S:.0f} s: "
            f"{'met' if ok else 'MISSED'}"
        )
        city = sorted(data.profiles)[0]

        def rebuild(n: int) -> None:
            fresh = read()
            values = fresh.values.copy()
            row = values.index[(values["city"] == city) & values["value"].notna()][0]
            values.loc[row, "value"] = values.loc[row, "value"] + 1.0 + n
            result = build_site(replace(fresh, values=values), root / "site0")
            assert result.changes, "the change was not seen"

        t_inc = best(rebuild, args.loop)
        ok = t_inc < TARGET_REBUILD_S
        failed |= not ok
        print(
            f"site      rebuild, one city changed   {t_inc:6.2f} s  "
            f"({t_inc / t_read:4.1f}x the read)"
            f"  target < {TARGET_REBUILD_S:.0f} s: {'met' if ok else 'MISSED'}"
        )
        store.dispose()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
