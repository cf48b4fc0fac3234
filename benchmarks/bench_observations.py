"""Benchmark: hourly observations to annual means with the EU capture rules.

Cases: 1,000 stations x one year of hourly PM2.5 (8.76M rows; about 4 % of hours missing, a
tenth of the stations below 90 % capture) and, with ``--big``, 100M rows (11,416 stations).
Engines: DuckDB (the default engine), a plain pandas groupby baseline doing the same rules, and
Spark (``local[2]``) on the 8.8M case. Each engine runs in its own process, so peak memory
(max RSS) is its own. Wall time and rows/s count the roll-up itself; importing the engine,
loading the spec and starting Spark's JVM are shown apart as setup. The data are generated to
Parquet in a temporary folder first; the script checks that the engines agree on every
station's annual mean.

Run: ``.venv/bin/python benchmarks/bench_observations.py [--stations N] [--big] [--no-spark]``.
Targets: 100M rows in < 60 s with DuckDB, >= 10x the pandas throughput, peak < 4 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HOURS = 8760  # 2023


def generate(path: Path, stations: int, *, seed: int = 1) -> int:
    """Write ``stations`` x 2023 hourly readings to ``path`` (Parquet); return the rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    start = np.datetime64("2023-01-01T00:00:00", "us")
    hours = start + np.arange(HOURS).astype("timedelta64[h]")
    rows = 0
    chunk = 250
    schema = pa.schema(
        [
            ("station", pa.dictionary(pa.int32(), pa.string())),
            ("property", pa.dictionary(pa.int32(), pa.string())),
            ("time", pa.timestamp("us", tz="UTC")),
            ("value", pa.float64()),
            ("unit", pa.dictionary(pa.int32(), pa.string())),
        ]
    )
    with pq.ParquetWriter(path, schema, compression="snappy") as writer:
        for first in range(0, stations, chunk):
            count = min(chunk, stations - first)
            keep = rng.random((count, HOURS)) >= 0.04
            low = (np.arange(first, first + count) % 10) == 3  # a tenth below 90 %
            keep[low] &= rng.random((int(low.sum()), HOURS)) < 0.85
            st_idx, h_idx = np.nonzero(keep)
            n = len(st_idx)
            names = np.array([f"S{i:05d}" for i in range(first, first + count)])
            values = rng.gamma(4.0, 3.0, n)
            table = pa.table(
                {
                    "station": pa.DictionaryArray.from_arrays(
                        pa.array(st_idx.astype(np.int32)), pa.array(names)
                    ),
                    "property": pa.DictionaryArray.from_arrays(
                        pa.array(np.zeros(n, dtype=np.int32)), pa.array(["PM2.5"])
                    ),
                    "time": pa.array(hours[h_idx], type=pa.timestamp("us", tz="UTC")),
                    "value": pa.array(values),
                    "unit": pa.DictionaryArray.from_arrays(
                        pa.array(np.zeros(n, dtype=np.int32)), pa.array(["ug/m3"])
                    ),
                },
                schema=schema,
            )
            writer.write_table(table, row_group_size=1_000_000)
            rows += n
    return rows


def run_citykpi(path: str, engine: str) -> dict[str, object]:
    """Roll the file up with citykpi's engine; return the stations' annual means."""
    from citykpi.observe.rollup import rollup
    from citykpi.observe.spec import load_spec

    result = rollup(load_spec("pm25_annual_mean"), [path], engine=engine, city="Bench")
    final = result.coverage[result.coverage["passed"] != ""]
    return {
        "stations": dict(zip(final["station"], final["value"].astype(float), strict=True)),
        "passed": int((final["passed"] == "yes").sum()),
    }


def run_pandas(path: str) -> dict[str, object]:
    """The baseline: the same rules with a plain pandas groupby."""
    import pandas as pd

    frame = pd.read_parquet(path, columns=["station", "time", "value", "unit"])
    frame["value"] = frame["value"] * frame["unit"].map({"ug/m3": 1.0}).astype(float)
    frame["hour"] = frame["time"].dt.floor("h")
    hourly = frame.groupby(["station", "hour"], observed=True)["value"].agg(["mean", "count"])
    hourly = hourly[hourly["count"] * 60 >= 45].reset_index()
    yearly = hourly.groupby("station", observed=True)["mean"].agg(["mean", "count"])
    passed = yearly["count"] / HOURS >= 0.9
    return {
        "stations": {str(k): float(v) for k, v in yearly["mean"].items()},
        "passed": int(passed.sum()),
    }


def setup(engine: str) -> None:
    """Import the engine and load what does not depend on the rows (timed apart)."""
    if engine == "pandas":
        import pandas  # noqa: F401

        return
    from citykpi.catalogue.units import conversion_factor
    from citykpi.observe.engines import make_engine
    from citykpi.observe.spec import load_spec

    spec = load_spec("pm25_annual_mean")
    conversion_factor("ug/m3", spec.unit)
    make_engine(engine)  # starts the JVM for Spark; the session is cached


def child(engine: str, path: str, out: str) -> None:
    """Run one engine and write its result (setup and wall time, answer) to ``out``."""
    t0 = time.perf_counter()
    setup(engine)
    t1 = time.perf_counter()
    answer = run_pandas(path) if engine == "pandas" else run_citykpi(path, engine)
    wall = time.perf_counter() - t1
    result = {"wall": wall, "setup": t1 - t0, **answer}
    Path(out).write_text(json.dumps(result), encoding="utf-8")


def measure(engine: str, path: Path, tmp: Path) -> dict[str, object]:
    """Run ``engine`` in a child process; return its result with peak RSS in MiB."""
    out = tmp / f"{engine}.json"
    cmd = [sys.executable, __file__, "--child", engine, str(path), str(out)]
    proc = subprocess.Popen(cmd)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        msg = f"{engine} failed (status {status})"
        raise RuntimeError(msg)
    result: dict[str, object] = json.loads(out.read_text(encoding="utf-8"))
    result["peak_mib"] = usage.ru_maxrss / 1024  # KiB on Linux
    return result


def agree(a: dict[str, object], b: dict[str, object]) -> float:
    """Return the largest difference between two engines' station means (inf if unlike)."""
    sa, sb = a["stations"], b["stations"]
    if not isinstance(sa, dict) or not isinstance(sb, dict) or set(sa) != set(sb):
        return float("inf")
    return max(abs(float(sa[k]) - float(sb[k])) for k in sa)


def report(label: str, rows: int, engines: dict[str, dict[str, object]]) -> None:
    """Print one case's table."""
    base = engines.get("pandas")
    print(f"\n{label}: {rows:,} rows")
    head = ("engine", "setup s", "wall s", "rows/s", "peak MiB", "vs pandas")
    print(
        f"{head[0]:<8} "
        + " ".join(f"{h:>{w}}" for h, w in zip(head[1:], (8, 8, 14, 9, 10), strict=True))
    )
    for name, r in engines.items():
        wall = float(str(r["wall"]))
        ratio = f"{float(str(base['wall'])) / wall:.1f}x" if base else "n/a"
        peak = float(str(r["peak_mib"]))
        setup_s = float(str(r.get("setup", 0.0)))
        print(
            f"{name:<8} {setup_s:>8.2f} {wall:>8.2f} {rows / wall:>14,.0f} {peak:>9.0f} {ratio:>10}"
        )
    names = list(engines)
    for other in names[1:]:
        gap = agree(engines[names[0]], engines[other])
        print(f"  max |{names[0]} - {other}| over station means: {gap:.2e}")


def main(argv: list[str] | None = None) -> int:
    """Run the cases; return 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=1000, help="stations of the first case")
    parser.add_argument("--big", action="store_true", help="also the 100M-row case (minutes)")
    parser.add_argument(
        "--no-big-pandas",
        action="store_true",
        help="skip pandas on 100M rows (it needs about 14 GiB)",
    )
    parser.add_argument("--no-spark", action="store_true", help="skip the Spark engine")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    with tempfile.TemporaryDirectory(prefix="citykpi-bench-obs-") as tmp_text:
        tmp = Path(tmp_text)
        path = tmp / "obs.parquet"
        t0 = time.perf_counter()
        rows = generate(path, args.stations)
        print(f"generated {rows:,} rows in {time.perf_counter() - t0:.1f} s")
        engines = {"duckdb": measure("duckdb", path, tmp), "pandas": measure("pandas", path, tmp)}
        if not args.no_spark:
            engines["spark"] = measure("spark", path, tmp)
        report(f"{args.stations} stations x 1 year hourly", rows, engines)
        if args.big:
            big = tmp / "big.parquet"
            path.unlink()
            rows = generate(big, 11_416)
            print(f"generated {rows:,} rows")
            big_engines = {"duckdb": measure("duckdb", big, tmp)}
            if not args.no_big_pandas:
                big_engines["pandas"] = measure("pandas", big, tmp)
            report("100M rows (11,416 stations)", rows, big_engines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
