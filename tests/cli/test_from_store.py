"""Analysis commands read the store's values (--from-store) exactly as they read a file.

One demo store (sample cities, three published city-years) is built per module in tmp_path.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from typer.testing import CliRunner

from citykpi.cli.main import build_app
from citykpi.io import write_sample
from citykpi.model import KPI_COLUMNS
from citykpi.store.demo import load_demo


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("demo-store")
    write_sample(root / "sample")
    url = f"sqlite:///{root / 'demo.db'}"
    load_demo(url, root / "sample")
    return url


def _run(url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(build_app(), list(args), env={"CITYKPI_DATABASE_URL": url})
    return result.exit_code, result.stdout, result.stderr


def _exported_kpi_csv(url: str, path: Path, *args: str, fmt: str = "csv") -> Path:
    """Export the store's values with 'citykpi export' and keep the KPI rows as a KPI table."""
    code, out, err = _run(url, "export", "--format", fmt, *args)
    assert code == 0, err
    if fmt == "json":
        frame = pd.DataFrame(json.loads(out))
    else:
        frame = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
    frame = frame[frame["kind"] == "kpi"]
    frame = frame.rename(columns={"code": "data_point", "kpi_code": "code"})
    frame = frame.assign(reason="", provenance="")[list(KPI_COLUMNS)]
    frame.to_csv(path, index=False)
    return path


def _assessed(folder: Path) -> dict[str, pd.DataFrame]:
    return {n: pd.read_csv(folder / f"{n}.csv") for n in ("kpis", "scores", "sdg")}


def test_assess_from_store_equals_assess_of_the_exported_csv(demo_url: str, tmp_path: Path) -> None:
    exported = _exported_kpi_csv(
        demo_url, tmp_path / "published.csv", "--status", "published", "--as", "demo-public"
    )
    code, _, err = _run(demo_url, "assess", str(exported), "-o", str(tmp_path / "file"))
    assert code == 0, err
    code, _, err = _run(
        demo_url, "assess", "--from-store", "--status", "published", "-o", str(tmp_path / "db")
    )
    assert code == 0, err
    from_file, from_store = _assessed(tmp_path / "file"), _assessed(tmp_path / "db")
    assert_frame_equal(from_store["scores"], from_file["scores"])
    assert_frame_equal(from_store["sdg"], from_file["sdg"])
    # the three published demo city-years, and every score level of each
    scores = from_store["scores"]
    assert sorted(set(scores["city"])) == ["Aldmoorvale", "Brassquill", "Cindermarch"]
    assert set(scores["year"]) == {2024}
    assert set(scores["level"]) == {"category", "sub_dimension", "dimension"}


def test_every_scored_value_from_the_store_equals_the_exported_one(
    demo_url: str, tmp_path: Path
) -> None:
    # the CSV export prints 6 significant digits; JSON carries the values exactly
    exported = _exported_kpi_csv(
        demo_url,
        tmp_path / "published.csv",
        "--status",
        "published",
        "--as",
        "demo-public",
        fmt="json",
    )
    assert _run(demo_url, "assess", str(exported), "-o", str(tmp_path / "file"))[0] == 0
    assert _run(demo_url, "assess", "--from-store", "-o", str(tmp_path / "db"))[0] == 0
    from_file, from_store = _assessed(tmp_path / "file"), _assessed(tmp_path / "db")
    kept = [c for c in from_file["kpis"].columns if c not in ("reason", "provenance")]
    assert_frame_equal(from_store["kpis"][kept], from_file["kpis"][kept])
    assert_frame_equal(from_store["scores"], from_file["scores"])


def test_verified_needs_a_reader_with_read_access(demo_url: str) -> None:
    code, _, err = _run(demo_url, "assess", "--from-store", "--status", "verified")
    assert code == 3
    assert "need a user with read access; add --as USER" in " ".join(err.split())
    code, _, err = _run(
        demo_url, "assess", "--from-store", "--status", "any", "--as", "demo-public"
    )
    assert code == 3
    assert "may not read unpublished data" in " ".join(err.split())


def test_any_status_reads_every_imported_city(demo_url: str) -> None:
    code, out, err = _run(
        demo_url,
        "trends",
        "--from-store",
        "--status",
        "any",
        "--as",
        "demo-analyst",
        "--format",
        "csv",
    )
    assert code == 0, err
    cities = {line.split(",")[0] for line in out.splitlines()[1:]}
    assert len(cities) == 39  # 40 sample cities, one city-year rejected at import


def test_peers_and_index_read_the_store(demo_url: str, tmp_path: Path) -> None:
    code, out, err = _run(
        demo_url,
        "peers",
        "--from-store",
        "--status",
        "any",
        "--as",
        "demo-analyst",
        "--city",
        "Aldmoorvale",
        "--format",
        "json",
    )
    assert code == 0, err
    rows = json.loads(out)
    assert {r["city"] for r in rows} == {"Aldmoorvale"}
    assert {r["group_size"] for r in rows} <= set(range(1, 40))
    code, _, err = _run(
        demo_url,
        "index",
        "u4ssc",
        "--from-store",
        "--status",
        "any",
        "--as",
        "demo-analyst",
        "-o",
        str(tmp_path / "index"),
    )
    assert code == 0, err
    ranked = pd.read_csv(tmp_path / "index" / "scores.csv")
    assert len(ranked) >= 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["kpis.csv", "--from-store"], "Give either a KPI table file ('kpis.csv') or --from-store"),
        ([], "give the KPI table written by 'citykpi compute'"),
        (["--from-store", "--status", "draft"], "Unknown status 'draft'; use one of published"),
    ],
)
def test_bad_source_arguments_exit_2(demo_url: str, args: list[str], message: str) -> None:
    code, _, err = _run(demo_url, "assess", *args)
    assert code == 2
    assert message in " ".join(err.split())


def test_the_store_gives_the_same_typed_table_as_a_file(demo_url: str, tmp_path: Path) -> None:
    from citykpi.sources import load_kpi_table
    from citykpi.store import open_store

    store = open_store(demo_url)
    try:
        stored = load_kpi_table(from_store=True, store=store)
        mine = load_kpi_table(
            from_store=True, store=store, status="any", as_user="demo-editor", years=[2024]
        )
    finally:
        store.dispose()
    path = tmp_path / "stored.csv"
    stored.to_csv(path, index=False)
    from_file = load_kpi_table(path)
    assert list(stored.columns) == list(KPI_COLUMNS)
    assert stored.dtypes.to_dict() == from_file.dtypes.to_dict()
    assert len(stored) == 306  # the verified values of the three published city-years
    assert len(mine) == 39 * 112  # the editor of every city reads every current KPI value


def test_export_kpi_table_feeds_assess_unchanged(demo_url: str, tmp_path: Path) -> None:
    # the exported KPI table is read by 'assess' as it is: no column renamed, no value rounded
    out = tmp_path / "published.csv"
    code, _, err = _run(demo_url, "export", "--kpi-table", "--status", "published", "-o", str(out))
    assert code == 0, err
    assert out.with_name("published.provenance.jsonl").is_file()
    assert _run(demo_url, "assess", str(out), "-o", str(tmp_path / "file"))[0] == 0
    assert _run(demo_url, "assess", "--from-store", "-o", str(tmp_path / "db"))[0] == 0
    from_file, from_store = _assessed(tmp_path / "file"), _assessed(tmp_path / "db")
    for name in ("kpis", "scores", "sdg"):
        assert_frame_equal(from_store[name], from_file[name])
    # a second export to the same file is refused, and --force replaces it
    again = _run(demo_url, "export", "--kpi-table", "-o", str(out))
    assert again[0] == 2
    assert "--force" in again[2]
    assert _run(demo_url, "export", "--kpi-table", "-o", str(out), "--force")[0] == 0
