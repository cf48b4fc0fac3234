"""The registry of non-arithmetic formula functions matches the catalogue one to one."""

from __future__ import annotations

import pytest

from citykpi.catalogue import FUNCTIONS, load_catalogue
from citykpi.catalogue.functions import get_function
from citykpi.errors import FormulaError


def test_catalogue_and_registry_match_one_to_one() -> None:
    used = {dp.function for _, dp in load_catalogue().iter_data_points() if dp.function}
    assert used == set(FUNCTIONS)


@pytest.mark.parametrize(
    ("function", "data_points"),
    [
        ("yes_no", 6),  # five spatial-planning aspects and resilience plans
        ("share_of_total", 11),  # five transport modes and six waste treatments
    ],
)
def test_which_data_points_use_each_function(function: str, data_points: int) -> None:
    users = [dp.id for _, dp in load_catalogue().iter_data_points() if dp.function == function]
    assert len(users) == data_points


def test_unknown_function_names_the_available_ones() -> None:
    with pytest.raises(
        FormulaError, match=r"Unknown function 'sqrt'.*\['share_of_total', 'yes_no'\]"
    ):
        get_function("sqrt")


@pytest.mark.parametrize(
    ("args", "expected"),
    [([2.0, 2.0, 6.0], 25.0), ([0.0, 0.0, 5.0], 0.0), ([5.0, 5.0, 0.0], 100.0)],
)
def test_share_of_total(args: list[float], expected: float) -> None:
    assert FUNCTIONS["share_of_total"].evaluate(args) == expected


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ([-1.0, -1.0, 3.0], r"cannot be negative, but got \[-1\.0\]"),
        ([9.0, 1.0, 2.0], r"The part 9\.0 exceeds the sum of all components 3\.0"),
    ],
)
def test_share_of_total_refuses_impossible_amounts(args: list[float], match: str) -> None:
    with pytest.raises(FormulaError, match=match):
        FUNCTIONS["share_of_total"].evaluate(args)
