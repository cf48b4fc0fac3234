"""Numeric invariants of the catalogue formulas, checked with Hypothesis."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citykpi.catalogue import DataPoint, Kpi, evaluate, load_catalogue

_SHARE = re.compile(r"^(\w+) / (\w+) \* 100$")
_RATE = re.compile(r"^(\w+) / population \* 100000$")

POINTS = [dp for _, dp in load_catalogue().iter_data_points()]
SHARES = [dp for dp in POINTS if dp.unit == "percent" and _SHARE.match(dp.formula)]
RATES = [dp for dp in POINTS if _RATE.match(dp.formula)]
SPLITS = [
    k for k in load_catalogue().kpis if all(dp.function == "share_of_total" for dp in k.data_points)
]

positive = st.floats(min_value=1e-3, max_value=1e12, allow_nan=False, allow_infinity=False)
fraction = st.floats(min_value=0.0, max_value=1.0)


def test_the_families_are_the_expected_size() -> None:
    assert (len(SHARES), len(RATES), len(SPLITS)) == (57, 17, 2)


@pytest.mark.parametrize("dp", SHARES, ids=lambda dp: dp.id)
@settings(max_examples=10)
@given(whole=positive, part=fraction)
def test_a_percentage_is_the_fraction_times_100(dp: DataPoint, whole: float, part: float) -> None:
    match = _SHARE.match(dp.formula)
    assert match is not None
    num, den = match.groups()
    value = evaluate(dp, {num: part * whole, den: whole})
    assert value == pytest.approx(part * 100, rel=1e-9, abs=1e-9)
    assert 0.0 <= value <= 100.0 + 1e-9


@pytest.mark.parametrize("dp", RATES, ids=lambda dp: dp.id)
@settings(max_examples=10)
@given(count=st.floats(min_value=0, max_value=1e9), population=positive, k=positive)
def test_rates_per_100k_do_not_change_when_city_and_count_scale_together(
    dp: DataPoint, count: float, population: float, k: float
) -> None:
    name = dp.inputs[0]
    base = evaluate(dp, {name: count, "population": population})
    scaled = evaluate(dp, {name: count * k, "population": population * k})
    assert scaled == pytest.approx(base, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("kpi", SPLITS, ids=lambda k: k.code)
@settings(max_examples=10)
@given(data=st.data())
def test_shares_of_a_split_sum_to_100(kpi: Kpi, data: st.DataObject) -> None:
    inputs = sorted({i for dp in kpi.data_points for i in dp.inputs})
    amounts = {i: data.draw(st.floats(min_value=0, max_value=1e9), label=i) for i in inputs}
    amounts[inputs[0]] += 1.0  # at least one component is non-zero
    total = sum(evaluate(dp, amounts) for dp in kpi.data_points)
    assert total == pytest.approx(100.0, rel=1e-9)
