"""The sample-data generator: determinism, realism of the profiles, coverage and known errors."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from citykpi.catalogue import Catalogue, load_catalogue
from citykpi.compute import compute
from citykpi.errors import InputError
from citykpi.ingest import read_files
from citykpi.io import write_sample
from citykpi.sample import SampleData
from citykpi.sample.generator import format_value
from citykpi.validate import ValidationResult, validate


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue) -> SampleData:
    return write_sample(tmp_path_factory.mktemp("sample"), catalogue=catalogue)


@pytest.fixture(scope="module")
def raw(sample: SampleData) -> pd.DataFrame:
    return pd.read_csv(sample.raw_inputs, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def cities(sample: SampleData) -> list[dict[str, str]]:
    with sample.cities.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def known(sample: SampleData) -> list[dict[str, str]]:
    with sample.known_errors.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_same_seed_writes_identical_bytes(
    tmp_path: Path, sample: SampleData, catalogue: Catalogue
) -> None:
    again = write_sample(tmp_path / "again", catalogue=catalogue)
    for name in ("cities.csv", "raw_inputs.csv", "known_errors.csv"):
        assert (again.out_dir / name).read_bytes() == (sample.out_dir / name).read_bytes(), name


def test_another_seed_writes_other_data(
    tmp_path: Path, sample: SampleData, catalogue: Catalogue
) -> None:
    other = write_sample(tmp_path, seed=7, n_cities=8, years=[2024], catalogue=catalogue)
    assert other.raw_inputs.read_bytes() != sample.raw_inputs.read_bytes()
    assert len(other.errors) == 8


def test_files_are_small(sample: SampleData) -> None:
    total = sum(p.stat().st_size for p in (sample.cities, sample.raw_inputs, sample.known_errors))
    assert total < 6_000_000


def test_cities_are_fictional_and_varied(cities: list[dict[str, str]]) -> None:
    assert len(cities) == 40
    assert len({c["name"] for c in cities}) == 40
    assert {c["fictional"] for c in cities} == {"yes"}
    assert {c["population_class"] for c in cities} == {
        "<100k",
        "100k-500k",
        "500k-1M",
        "1M-5M",
        ">5M",
    }
    assert {c["income_group"] for c in cities} == {"low", "lower-middle", "upper-middle", "high"}
    assert len({c["region"] for c in cities}) >= 6
    assert {c["coastal"] for c in cities} == {"yes", "no"}
    bounds = {
        "<100k": (0, 1e5),
        "100k-500k": (1e5, 5e5),
        "500k-1M": (5e5, 1e6),
        "1M-5M": (1e6, 5e6),
        ">5M": (5e6, 1e8),
    }
    for c in cities:
        low, high = bounds[c["population_class"]]
        assert low <= int(c["population"]) < high, c


def test_raw_file_has_the_long_columns_and_every_year(raw: pd.DataFrame) -> None:
    assert list(raw.columns) == [
        "city",
        "year",
        "kind",
        "code",
        "data_point",
        "value",
        "unit",
        "source",
        "quality",
    ]
    assert sorted(raw["year"].unique()) == [str(y) for y in range(2015, 2025)]
    assert raw["city"].nunique() == 40
    assert set(raw["kind"]) == {"input", "kpi"}
    assert (raw["source"] != "").all()


def test_every_data_point_is_computable_somewhere(raw: pd.DataFrame, catalogue: Catalogue) -> None:
    inputs = raw[raw["kind"] == "input"]
    present = inputs.groupby(["city", "year"])["code"].agg(frozenset)
    for _, dp in catalogue.iter_data_points():
        needed = set(dp.inputs)
        assert any(needed <= codes for codes in present), dp.id


def test_some_kpi_results_are_reported_directly(raw: pd.DataFrame) -> None:
    reported = raw[raw["kind"] == "kpi"]
    assert len(reported) >= 100
    assert (reported["data_point"] != "").all()


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (12.0, "count", "12"),
        (11.6, "count", "12"),
        (1.0, "boolean", "yes"),
        (0.0, "boolean", "no"),
        (1031823456.7, "quantity", "1031800000"),
        (0.1250812, "quantity", "0.12508"),
        (24.2, "quantity", "24.2"),
    ],
)
def test_format_value(value: float, kind: str, text: str) -> None:
    assert format_value(value, kind) == text


def test_known_errors_are_each_of_a_different_kind_and_point_at_their_row(
    known: list[dict[str, str]], sample: SampleData
) -> None:
    assert [k["reason"] for k in known] == [
        "non_numeric",
        "share_out_of_range",
        "shares_do_not_sum",
        "wastewater_not_nested",
        "denominator_inconsistent",
        "unknown_code",
        "duplicate_conflict",
        "unit_converted",
    ]
    lines = sample.raw_inputs.read_text(encoding="utf-8").splitlines()
    for k in known:
        city, year, *_ = next(csv.reader([lines[int(k["row"]) - 1]]))
        assert (city, year) == (k["city"], k["year"]), k


@pytest.fixture(scope="module")
def checked(sample: SampleData) -> ValidationResult:
    result = read_files([sample.raw_inputs])
    assert result.issues == ()
    return validate(result.frame, extra_issues=result.issues)


@pytest.fixture(scope="module")
def kpis(checked: ValidationResult) -> pd.DataFrame:
    return compute(checked)


def test_validation_finds_every_known_error_and_nothing_else(
    checked: ValidationResult, known: list[dict[str, str]]
) -> None:
    found = {(i.reason, i.location.city, i.location.year) for i in checked.report.issues}
    for k in known:
        assert (k["reason"], k["city"], int(k["year"])) in found, k
    reasons = {i.reason for i in checked.report.issues}
    assert reasons - {k["reason"] for k in known} == {"too_many_not_reported"}


def test_a_few_cities_leave_more_than_a_fifth_of_kpis_unreported(kpis: pd.DataFrame) -> None:
    unreported = (
        kpis.assign(missing=kpis["status"] == "not_reported")
        .groupby(["city", "year", "code"])["missing"]
        .all()
        .groupby(["city", "year"])
        .mean()
    )
    late = unreported[unreported.index.get_level_values("year") >= 2018]
    sparse = {city for (city, _), share in late.items() if share > 0.2}
    assert 3 <= len(sparse) <= 6
    assert late.median() < 0.1


def test_most_cities_improve_and_some_decline(kpis: pd.DataFrame, catalogue: Catalogue) -> None:
    sign = {
        dp.id: {"higher": 1, "lower": -1}.get(str(dp.direction), 0)
        for _, dp in catalogue.iter_data_points()
    }
    done = kpis[kpis["status"] == "computed"]
    ends = (
        done[done["year"].isin([2015, 2024])]
        .pivot_table(index=["city", "data_point"], columns="year", values="value")
        .dropna()
    )
    ends = ends[[sign[dp] != 0 for _, dp in ends.index]]
    better = [sign[dp] * (row[2024] - row[2015]) > 0 for (_, dp), row in ends.iterrows()]
    share = pd.Series(better, index=ends.index).groupby(level="city").mean()
    assert (share > 0.6).mean() > 0.6
    assert (share < 0.4).sum() >= 2


def test_too_few_cities_are_refused(tmp_path: Path, catalogue: Catalogue) -> None:
    with pytest.raises(InputError, match=r"ask for at least 8 cities"):
        write_sample(tmp_path, n_cities=3, catalogue=catalogue)
