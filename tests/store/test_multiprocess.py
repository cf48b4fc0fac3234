"""Eight processes import and edit one submission at once: no stale KPI, no lost edit.

Each round is a new city-year, in two phases. First the eight processes import complementary
parts of its inputs at once (eight first imports racing to create one submission); then four
re-import their part with one input revised while four set one input each, three times. A KPI's
inputs are spread over the parts, so a writer that computed KPIs from inputs read before
another's commit leaves a stale KPI. ``db check`` must pass after every phase, and every edit
a process committed must be in the history. Bounded: 3 rounds, every wait at most
:data:`mpworkers.WAIT` seconds.
"""

from __future__ import annotations

import multiprocessing
import os
import queue as queue_mod
import threading
import time
from pathlib import Path
from typing import Any

import mpworkers
import pandas as pd
import pytest
from storekit import ENGINES, Team

from citykpi.ingest import read_files
from citykpi.io import write_sample
from citykpi.sample import RAW_FILE_COLUMNS
from citykpi.store import Store, history
from citykpi.store.check import check_store
from citykpi.validate import validate

ROUNDS = 3
YEARS = tuple(2021 + r for r in range(ROUNDS))
WORKERS = 8
EDITORS = 4  # the other four re-import their part in the second phase
EDITS = 3
HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def city_inputs(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """Return the raw input rows of one sample city-year without a deliberate error."""
    out = tmp_path_factory.mktemp("sample")
    write_sample(out, seed=7, n_cities=9, years=[2024])
    errors = pd.read_csv(out / "known_errors.csv")
    raw = pd.read_csv(out / "raw_inputs.csv", keep_default_na=False)
    bad = set(errors["city"])
    city = sorted(set(raw["city"]) - bad)[0]
    rows = raw[(raw["city"] == city) & (raw["year"] == 2024) & (raw["kind"] == "input")]
    return rows.reset_index(drop=True)


def _safe_codes(rows: pd.DataFrame, tmp: Path) -> list[str]:
    """Return inputs that stay valid when all are raised by 1 %, feeding the most KPIs first."""
    from citykpi.catalogue import load_catalogue

    feeds = {i.id: len(i.feeds) for i in load_catalogue().inputs.values()}
    numeric = pd.to_numeric(rows["value"], errors="coerce")
    candidates = [
        c for c, v in zip(rows["code"], numeric, strict=True) if v > 0 and feeds.get(c, 0) >= 1
    ]
    candidates.sort(key=lambda c: (-feeds[c], c))

    def valid(codes: list[str]) -> bool:
        changed = rows.copy()
        mask = changed["code"].isin(codes)
        changed.loc[mask, "value"] = [str(float(v) * 1.01) for v in changed.loc[mask, "value"]]
        path = tmp / "probe.csv"
        changed[list(RAW_FILE_COLUMNS)].to_csv(path, index=False)
        result = read_files([path])
        return validate(result.frame, extra_issues=result.issues).report.ok

    chosen: list[str] = []
    for code in candidates:
        if valid([*chosen, code]):
            chosen.append(code)
        if len(chosen) == WORKERS:
            return chosen
    pytest.fail(f"The sample city has fewer than {WORKERS} inputs that can be raised by 1 %.")


def _write(rows: pd.DataFrame, year: int, path: Path) -> str:
    chunk = rows.copy()
    chunk["city"], chunk["year"] = "Oslo", year
    chunk[list(RAW_FILE_COLUMNS)].to_csv(path, index=False)
    return str(path)


def _raised(value: str, year: int) -> str:
    return repr(float(value) * (1 + (year - 2020) / 1000))


def _jobs(rows: pd.DataFrame, tmp: Path, safe: list[str], url: str) -> list[mpworkers.Job]:
    """Return the eight workers' jobs: parts of the inputs, re-imports and edits, per round."""
    revised, edited = safe[EDITORS:], safe[:EDITORS]
    others = sorted(set(rows["code"]) - set(revised))
    part_of = {c: i % WORKERS for i, c in enumerate(others)}
    part_of.update({c: i for i, c in enumerate(revised)})  # worker i revises its own part's
    firsts: dict[int, list[str]] = {w: [] for w in range(WORKERS)}
    seconds: dict[int, list[str]] = {w: [] for w in range(len(revised))}
    for year in YEARS:
        for w in range(WORKERS):
            part = rows[[part_of[c] == w for c in rows["code"]]]
            firsts[w].append(_write(part, year, tmp / f"oslo-{year}-part{w}.csv"))
            if w < len(revised):
                again = part.copy()
                mask = again["code"] == revised[w]
                again.loc[mask, "value"] = [_raised(v, year) for v in again.loc[mask, "value"]]
                seconds[w].append(_write(again, year, tmp / f"oslo-{year}-part{w}-again.csv"))
    base = {c: float(v) for c, v in zip(rows["code"], rows["value"], strict=True) if c in edited}
    jobs = [
        mpworkers.Job(url, "eva", "Oslo", YEARS, tuple(firsts[w]), seconds=tuple(seconds[w]))
        for w in range(len(revised))
    ]
    jobs += [
        mpworkers.Job(
            url,
            "eva",
            "Oslo",
            YEARS,
            tuple(firsts[len(revised) + i]),
            code=f"input:{code}",
            values=tuple(
                tuple(base[code] * (1 + (r * EDITS + k + 1) / 3000) for k in range(EDITS))
                for r in range(ROUNDS)
            ),
        )
        for i, code in enumerate(edited)
    ]
    return jobs


Got = list[tuple[str, int, str, float]]


def _drain(results: Any) -> Got:
    got: Got = []
    while True:
        try:
            got.append(results.get(timeout=0.2))
        except queue_mod.Empty:
            return got


def _phase(barrier: Any, results: Any, got: Got, store: Store, what: str) -> None:
    """Let the workers run one phase, then require every invariant to hold."""
    try:
        barrier.wait(mpworkers.WAIT)  # the phase starts
        barrier.wait(mpworkers.WAIT)  # every worker has finished it
    except threading.BrokenBarrierError:
        got += _drain(results)
        pytest.fail(f"{what}: a worker failed: {[g[2] for g in got if g[0] == 'error']}")
    got += _drain(results)
    report = check_store(store)
    assert report.violations == (), f"{what}: {report.violations[:5]}"


@ENGINES
def test_eight_processes_leave_no_stale_kpi_and_lose_no_edit(
    store: Store,
    team: Team,
    fresh_url: str,
    city_inputs: pd.DataFrame,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = time.monotonic()
    jobs = _jobs(city_inputs, tmp_path, _safe_codes(city_inputs, tmp_path), fresh_url)
    # Python 3.11's forkserver ignores the parent's sys.path: PYTHONPATH lets it preload this
    # folder's mpworkers (and with it the store and the parsed catalogue) once for all workers.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]))
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["mpworkers"])
    barrier = ctx.Barrier(WORKERS + 1)
    results = ctx.Queue()
    procs = [ctx.Process(target=mpworkers.run, args=(job, barrier, results)) for job in jobs]
    for proc in procs:
        proc.start()
    got: Got = []
    try:
        for year in YEARS:
            _phase(barrier, results, got, store, f"{year}, eight first imports")
            _phase(barrier, results, got, store, f"{year}, re-imports and edits")
    finally:
        for proc in procs:
            proc.join(timeout=mpworkers.WAIT)
            if proc.is_alive():
                proc.kill()
        got += _drain(results)
    assert [g for g in got if g[0] == "error"] == []
    assert [p.exitcode for p in procs] == [0] * WORKERS
    edits = [(year, code, value) for kind, year, code, value in got if kind == "edit"]
    imports = [g for g in got if g[0] == "import"]
    assert (len(edits), len(imports)) == (ROUNDS * EDITORS * EDITS, ROUNDS * (WORKERS + 4))
    with store.transaction() as s:
        for year, code, value in edits:
            rows = history(s, team.analyst, "Oslo", year, code=code.removeprefix("input:"))
            assert value in [r["value"] for r in rows if r["kind"] == "input"], (year, code)
        for year in YEARS:  # each round's submission holds every input of the eight parts
            stored = {r["code"] for r in history(s, team.analyst, "Oslo", year)}
            assert set(city_inputs["code"]) <= stored
    elapsed = time.monotonic() - started
    print(f"\n8 processes, {ROUNDS} rounds on {store.engine.dialect.name}: {elapsed:.1f} s")
