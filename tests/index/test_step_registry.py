"""The step registry of build_index, the weight noise of batches and the worker pool."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
import pytest
from pydantic import BaseModel

from citykpi.errors import SpecError
from citykpi.index import Node, make_hierarchy
from citykpi.index import steps as steps_mod
from citykpi.index.imeta import PARAM_COLUMNS
from citykpi.index.normalise import META_PARAMS, NORMALISATION_METHODS, TARGET_METHODS
from citykpi.index.records import StepRecord
from citykpi.index.spec import STEP_MODELS
from citykpi.index.steps import (
    DATASET_OF_STEP,
    STEPS,
    BuildState,
    StepOutcome,
    register,
    registered,
    run_step,
)
from citykpi.index.uncertainty_batch import WeightNoise
from citykpi.index.workers import default_workers, pool_map


def test_every_spec_step_type_has_exactly_one_runner() -> None:
    assert set(STEPS) == set(STEP_MODELS.values())
    assert {e.name: e.model for e in STEPS.values()} == STEP_MODELS
    assert DATASET_OF_STEP == {
        "denominate": "denominated",
        "impute": "imputed",
        "screen": "screened",
        "treat": "treated",
        "normalise": "normalised",
        "aggregate": "aggregated",
    }


def test_normalisation_meta_parameters_name_known_methods_and_imeta_columns() -> None:
    assert set(META_PARAMS) <= set(NORMALISATION_METHODS)
    assert TARGET_METHODS.issubset(NORMALISATION_METHODS)
    columns = {col for params in META_PARAMS.values() for col in params.values()}
    assert columns <= set(PARAM_COLUMNS)
    assert "Target" in PARAM_COLUMNS


class _DoubleStep(BaseModel):
    step: Literal["double"] = "double"


def _state() -> BuildState:
    h = make_hierarchy([Node("a", "a", 1, "I", 1.0), Node("I", "I", 2, None, 1.0)])
    units = pd.DataFrame(index=pd.Index(["u1", "u2"], name="uCode"))
    return BuildState(np.array([[1.0], [2.0]]), h, ("u1", "u2"), units, {"a": 1.0, "I": 1.0})


def test_a_registered_step_runs_and_an_unregistered_one_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(SpecError, match="No runner is registered for the step type '_DoubleStep'"):
        registered(_DoubleStep())
    monkeypatch.setattr(steps_mod, "STEPS", dict(STEPS))

    @register(_DoubleStep, dataset="doubled")
    def _double(step: _DoubleStep, state: BuildState) -> StepOutcome:
        new = BuildState(state.x * 2, state.hierarchy, state.units, state.unit_data, state.weights)
        return StepOutcome(new, (StepRecord("double", "x2"),))

    entry, outcome = run_step(_DoubleStep(), _state())
    assert (entry.name, entry.dataset) == ("double", "doubled")
    np.testing.assert_array_equal(outcome.state.x, [[2.0], [4.0]])
    assert [r.step for r in outcome.records] == ["double"]
    assert _DoubleStep not in STEPS  # the real registry is untouched


def test_weight_noise_multiplies_the_chosen_sets_of_every_input() -> None:
    noise = WeightNoise(
        ("a", "b", "I"),
        {
            "w1": np.array([[1.0, 2.0, 1.0], [0.5, 1.0, 1.0]]),
            "w2": np.array([[3.0, 1.0, 1.0], [1.0, 1.0, 4.0]]),
        },
    )
    factor = noise.factor([{"w1": 0, "w2": 1}, {"w1": 1, "w2": 0}], ["b", "a"])
    # row 1: b = 2 * 1, a = 1 * 1; row 2: b = 1 * 1, a = 0.5 * 3
    np.testing.assert_array_equal(factor, [[2.0, 1.0], [1.0, 1.5]])


def test_pool_map_keeps_the_task_order() -> None:
    assert list(pool_map(str, [3, 1, 2], workers=2)) == ["3", "1", "2"]
    assert default_workers(3) == 3
    assert default_workers(0) >= 1
