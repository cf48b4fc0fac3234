"""Target sets: the default set's completeness and the user file readers."""

from __future__ import annotations

from pathlib import Path

import pytest
from _hand_made import META

from citykpi.assess.targets import (
    TargetKind,
    TargetSet,
    default_targets,
    load_targets,
    with_city_target,
)
from citykpi.errors import InputError
from citykpi.model import Direction


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_target_file_is_read_with_optional_direction(tmp_path: Path) -> None:
    f = _write(
        tmp_path / "t.csv",
        "code,data_point,target,direction\n"
        "SC: EH: ED: 4C,literacy,98,\n"
        "EN: EN: AQ: 1C,pm25,10,lower\n"
        "EC: ICT: ICT: 5C,,no benchmark,\n"
        "SC: EH: ED: 3C,degrees,top5,\n",
    )
    ts = load_targets(f, meta=META)
    assert ts.name == "t.csv"
    got = {t.data_point: (t.kind, t.value, t.direction, t.set_name) for t in ts}
    assert got == {
        "literacy": (TargetKind.VALUE, 98.0, None, "t.csv"),
        "pm25": (TargetKind.VALUE, 10.0, Direction.LOWER, "t.csv"),
        "wifi": (TargetKind.NO_BENCHMARK, None, None, "t.csv"),
        "degrees": (TargetKind.TOP_FIVE_MEAN, None, None, "t.csv"),
    }


def test_codes_and_ids_in_a_target_file_may_use_any_spacing_or_case(tmp_path: Path) -> None:
    f = _write(
        tmp_path / "t.csv",
        "code,data_point,target\nsc:eh:ed:4c, Literacy ,98\nEN:EN:AQ:1C,PM25,10\n",
    )
    got = {(t.code, t.data_point, t.value) for t in load_targets(f, meta=META)}
    assert got == {("SC: EH: ED: 4C", "literacy", 98.0), ("EN: EN: AQ: 1C", "pm25", 10.0)}


def test_city_entries_take_precedence_for_their_city(tmp_path: Path) -> None:
    f = _write(
        tmp_path / "t.csv",
        "code,data_point,target,city,target_year\n"
        "SC: EH: ED: 4C,literacy,98,,\n"
        "SC: EH: ED: 4C,literacy,90,Oslo,2028\n",
    )
    ts = load_targets(f, meta=META)
    oslo, other = ts.lookup("literacy", "Oslo"), ts.lookup("literacy", "Bergen")
    assert oslo is not None
    assert other is not None
    assert (oslo.value, oslo.target_year, other.value, other.target_year) == (
        90.0,
        2028,
        98.0,
        None,
    )


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (
            "code,data_point,target\nXX: 1,literacy,5\n",
            r"t\.csv, row 2, column 'code': unknown KPI code 'XX: 1'",
        ),
        (
            "code,data_point,target\nSC: EH: ED: 4C,literacy,ninety\n",
            r"row 2, column 'target': 'ninety' is not a number",
        ),
        (
            "code,data_point,target\nSC: EH: ED: 4C,pm25,5\n",
            r"row 2, column 'data_point': 'pm25' is not a data point of KPI",
        ),
        ("code,target\nSC: EH: ED: 4C,5\n", r"lacks the column\(s\) 'data_point'"),
        (
            "code,data_point,target,direction\nSC: EH: ED: 4C,literacy,5,up\n",
            r"column 'direction': unknown direction 'up'",
        ),
        (
            "code,data_point,target\nEN: EN: AQ: 1C,,5\n",
            r"has several data points; name one of 'pm25', 'pm10'",
        ),
        (
            "code,data_point,target\nSC: EH: ED: 4C,literacy,5\nSC: EH: ED: 4C,literacy,6\n",
            r"row 3, column 'data_point': 'literacy' already has a target in row 2",
        ),
        (
            "code,data_point,target,target_year\nSC: EH: ED: 4C,literacy,5,soon\n",
            r"column 'target_year': 'soon' is not a number",
        ),
    ],
)
def test_bad_target_files_name_file_row_field_and_fix(
    tmp_path: Path, body: str, match: str
) -> None:
    f = _write(tmp_path / "t.csv", body)
    with pytest.raises(InputError, match=match):
        load_targets(f, meta=META)


def test_a_target_in_another_unit_is_converted_to_the_catalogue_unit(tmp_path: Path) -> None:
    f = _write(
        tmp_path / "t.csv",
        "code,data_point,target,unit\nEN: EN: AQ: 1C,pm25,0.008,mg/m3\n",
    )
    t = load_targets(f, meta=META).lookup("pm25")
    assert t is not None
    assert (t.value, t.unit) == (pytest.approx(8.0), "ug/m**3")


def test_a_target_in_an_incompatible_unit_is_refused(tmp_path: Path) -> None:
    f = _write(tmp_path / "t.csv", "code,data_point,target,unit\nEN: EN: AQ: 1C,pm25,8,km\n")
    with pytest.raises(InputError, match=r"row 2, column 'unit': 'km' cannot be converted"):
        load_targets(f, meta=META)


def test_yaml_target_file(tmp_path: Path) -> None:
    f = _write(
        tmp_path / "mine.yaml",
        "name: city plan 2030\ntargets:\n"
        "- {code: 'EN: EN: AQ: 1C', data_point: pm10, target: 20, source: plan, rationale: why}\n",
    )
    ts = load_targets(f, meta=META)
    t = ts.lookup("pm10")
    assert ts.name == "city plan 2030"
    assert t is not None
    assert (t.value, t.source, t.set_name) == (20.0, "plan", "city plan 2030")


def test_missing_and_wrongly_named_files_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist; check the path given to --targets"):
        load_targets(tmp_path / "nope.csv", meta=META)
    with pytest.raises(InputError, match=r"suffix '\.txt'; use a \.csv, \.yaml or \.yml file"):
        load_targets(_write(tmp_path / "t.txt", "x"), meta=META)


def test_overlay_keeps_the_name_of_the_set_each_entry_came_from(tmp_path: Path) -> None:
    base = load_targets(
        _write(
            tmp_path / "a.csv",
            "code,data_point,target\nSC: EH: ED: 4C,literacy,100\nEN: EN: AQ: 1C,pm25,5\n",
        ),
        meta=META,
    )
    mine = load_targets(
        _write(tmp_path / "b.csv", "code,data_point,target\nEN: EN: AQ: 1C,pm25,8\n"), meta=META
    )
    both = base.overlay(mine)
    lit, pm = both.lookup("literacy"), both.lookup("pm25")
    assert both.name == "b.csv over a.csv"
    assert lit is not None
    assert pm is not None
    assert (lit.set_name, pm.set_name, pm.value) == ("a.csv", "b.csv", 8.0)


def test_with_city_target_adds_a_city_entry() -> None:
    ts = TargetSet("s", ())
    with pytest.raises(ValueError, match="has no entry in target set 's'"):
        with_city_target(ts, city="Oslo", data_point="pm25", value=6)


# --- the bundled default set ------------------------------------------------------------------


def _default() -> TargetSet:
    return default_targets()


def test_every_default_target_has_a_source_and_a_rationale() -> None:
    ts = _default()
    lacking = [t.data_point for t in ts if not t.source.strip() or not t.rationale.strip()]
    assert lacking == []


def test_default_set_names_only_catalogue_data_points_and_covers_them_all() -> None:
    from citykpi.catalogue import load_catalogue

    ts = _default()
    ids = [dp.id for _, dp in load_catalogue().iter_data_points()]
    assert sorted(t.data_point for t in ts) == sorted(ids)


def test_default_units_are_the_catalogue_units() -> None:
    from importlib import resources

    import yaml

    from citykpi.assess.meta import catalogue_meta
    from citykpi.catalogue.units import normalise_unit

    text = resources.files("citykpi.assess").joinpath("data/targets_default.yaml").read_text()
    meta = catalogue_meta()
    declared = {e["data_point"]: e["unit"] for e in yaml.safe_load(text)["targets"] if "unit" in e}
    wrong = {
        dp: (unit, meta[dp].unit)
        for dp, unit in declared.items()
        if normalise_unit(unit) != normalise_unit(meta[dp].unit)
    }
    assert wrong == {}
    assert len(declared) == 46


@pytest.mark.parametrize(
    ("data_point", "value"),
    [("air_pollution_pm25", 5.0), ("air_pollution_pm10", 15.0), ("air_pollution_no2", 10.0)],
)
def test_default_air_quality_targets_are_the_who_2021_guidelines(
    data_point: str, value: float
) -> None:
    t = _default().lookup(data_point)
    assert t is not None
    assert t.value == value
    assert "WHO" in t.source


@pytest.mark.parametrize(
    "data_point",
    [
        "availability_of_wifi_in_public_areas",
        "open_data_number",
        "e_government",
        "cultural_infrastructure",
    ],
)
def test_u4ssc_no_benchmark_data_points_have_no_benchmark(data_point: str) -> None:
    t = _default().lookup(data_point)
    assert t is not None
    assert t.kind is TargetKind.NO_BENCHMARK
