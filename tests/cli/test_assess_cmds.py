"""The assess, trends, peers and plan commands on KPI tables written in tmp_path."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from citykpi.cli.main import build_app
from citykpi.model import KPI_COLUMNS

CITIES = ("Ash", "Birch", "Cedar", "Dogwood", "Elm", "Fir")
YEARS = range(2015, 2021)
POINTS = {
    # data point: (code, value of city i in year y)
    "air_pollution_pm25": ("EN: EN: AQ: 1C", lambda i, y: 20.0 - i - (y - 2015) * 0.5 * i),
    "household_internet_access": ("EC: ICT: ICT: 1C", lambda i, y: 50.0 + 8 * i + (y - 2015)),
    "adult_literacy": ("SC: EH: ED: 4C", lambda i, y: 20.0 + 15 * i),
    "higher_education_degrees": ("SC: EH: ED: 3C", lambda i, y: 1000.0 * (i + 1)),
    "availability_of_wifi_in_public_areas": ("EC: ICT: ICT: 5C", lambda i, y: 10.0 * i),
}


def _kpis(path: Path) -> Path:
    rows = []
    for i, city in enumerate(CITIES):
        for y in YEARS:
            for dp, (code, f) in POINTS.items():
                rows.append(
                    {
                        "city": city,
                        "year": y,
                        "code": code,
                        "data_point": dp,
                        "value": f(i, y),
                        "unit": "",
                        "status": "computed",
                        "reason": "",
                        "provenance": "{}",
                        "quality": "",
                    }
                )
    rows.append({**rows[-1], "year": 2021, "value": None, "status": "not_reported"})
    pd.DataFrame(rows, columns=list(KPI_COLUMNS)).to_csv(path, index=False)
    return path


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(build_app(), list(args))
    return result.exit_code, result.stdout, result.stderr


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_assess_with_a_targets_csv_writes_kpis_scores_and_sdg(tmp_path: Path) -> None:
    kpis = _kpis(tmp_path / "kpis.csv")
    targets = tmp_path / "targets.csv"
    targets.write_text(
        "code,data_point,target,direction\n"
        "EN: EN: AQ: 1C,air_pollution_pm25,10,lower\n"
        "SC: EH: ED: 4C,adult_literacy,80,\n",
        encoding="utf-8",
    )
    code, _out, err = _run(
        "assess", str(kpis), "--targets", str(targets), "-o", str(tmp_path / "o")
    )
    assert code == 0, err
    result = pd.read_csv(tmp_path / "o" / "kpis.csv")
    for column in (
        "city",
        "year",
        "code",
        "data_point",
        "value",
        "target",
        "achievement",
        "points",
    ):
        assert column in result.columns
    ash = result[(result["city"] == "Ash") & (result["year"] == 2015)].set_index("data_point")
    # PM2.5 20 against the user's 10 (lower is better): 10/20 = 50 % -> 2 points
    assert ash.loc["air_pollution_pm25", ["target", "achievement", "points"]].tolist() == [
        10.0,
        50.0,
        2,
    ]
    assert ash.loc["air_pollution_pm25", "target_set"] == "targets.csv"
    # literacy 20 against 80: 25 % -> 1 point; internet keeps the default 100 %: 50 % -> 2
    assert ash.loc["adult_literacy", "points"] == 1
    assert ash.loc["household_internet_access", "target_set"].startswith("citykpi-default")
    assert pd.isna(ash.loc["availability_of_wifi_in_public_areas", "points"])
    scores = pd.read_csv(tmp_path / "o" / "scores.csv")
    assert list(scores.columns)[:6] == ["city", "year", "level", "name", "points", "max_points"]
    assert set(scores["level"]) == {"category", "sub_dimension", "dimension"}
    edu = scores[
        (scores["city"] == "Ash") & (scores["year"] == 2015) & (scores["name"] == "Education")
    ]
    # literacy 1 point, degrees 1000 against the top-five mean 4000: 25 % -> 1 point
    assert edu[["points", "max_points", "score", "band"]].values.tolist() == [[2, 8, 25.0, "0-33"]]
    # every score says which target sets its data points were scored against
    assert edu["target_set"].tolist() == ["citykpi-default-2026.1; targets.csv"]
    sdg = pd.read_csv(tmp_path / "o" / "sdg.csv")
    assert {"goal", "colour", "rule", "target_set"} <= set(sdg.columns)
    assert "scores.csv" in "".join(err.split())  # rich may wrap long paths


def test_assess_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    kpis = _kpis(tmp_path / "kpis.csv")
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "scores.csv").write_text("mine\n", encoding="utf-8")
    code, _, err = _run("assess", str(kpis), "-o", str(tmp_path / "o"))
    assert code == 2
    assert "add --force" in " ".join(err.split())
    assert (tmp_path / "o" / "scores.csv").read_text(encoding="utf-8") == "mine\n"
    code, _, err = _run("assess", str(kpis), "-o", str(tmp_path / "o"), "--force")
    assert code == 0, err


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "code,data_point,target\nXX: 9,air_pollution_pm25,5\n",
            "row 2, column 'code': unknown KPI code 'XX: 9'",
        ),
        (
            "code,data_point,target\nEN: EN: AQ: 1C,air_pollution_pm25,five\n",
            "row 2, column 'target': 'five' is not a number",
        ),
        ("code,target\nEN: EN: AQ: 1C,5\n", "lacks the column(s) 'data_point'"),
    ],
)
def test_bad_target_files_exit_2_with_file_row_and_field(
    tmp_path: Path, body: str, message: str
) -> None:
    kpis = _kpis(tmp_path / "kpis.csv")
    targets = tmp_path / "bad.csv"
    targets.write_text(body, encoding="utf-8")
    code, out, err = _run("assess", str(kpis), "--targets", str(targets))
    assert code == 2
    assert "bad.csv" in "".join(err.split())  # rich may fold a long path mid-word
    assert message in " ".join(err.split())
    assert "Traceback" not in err + out


def test_bad_kpi_table_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "k.csv"
    bad.write_text(
        "city,year,code,data_point,value\nAsh,2020,EN: EN: AQ: 1C,air_pollution_pm25,lots\n",
        encoding="utf-8",
    )
    code, _, err = _run("trends", str(bad))
    assert code == 2
    assert "row 2, column 'value': 'lots' is not a number" in " ".join(err.split())


def test_trends_csv_has_the_interface_columns(tmp_path: Path) -> None:
    kpis = _kpis(tmp_path / "kpis.csv")
    code, out, err = _run("trends", str(kpis), "--format", "csv")
    assert code == 0, err
    rows = _csv(out)
    for column in (
        "city",
        "code",
        "data_point",
        "sdsn_trend",
        "progress_status",
        "projection_2030",
        "projection_low",
        "projection_high",
        "year_target_reached",
    ):
        assert column in rows[0]
    pm = {r["city"]: r for r in rows if r["data_point"] == "air_pollution_pm25"}
    # Ash: PM2.5 flat at 20 against 5: stagnating, never reached
    assert (pm["Ash"]["sdsn_trend"], pm["Ash"]["year_target_reached"]) == ("stagnating", "never")
    # Fir: 15 falling 2.5 a year from 2015 reaches 5 in 2019
    assert (pm["Fir"]["sdsn_trend"], pm["Fir"]["year_target_reached"]) == ("on_track", "achieved")
    assert float(pm["Ash"]["projection_2030"]) == pytest.approx(20.0)


def test_trends_json_for_one_city(tmp_path: Path) -> None:
    kpis = _kpis(tmp_path / "kpis.csv")
    code, out, err = _run("trends", str(kpis), "--city", "Elm", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert {r["city"] for r in data} == {"Elm"}
    assert len(data) == len(POINTS)


def test_peers_by_population_class(tmp_path: Path) -> None:
    kpis = _kpis(tmp_path / "kpis.csv")
    cities = tmp_path / "cities.csv"
    pops = [50_000, 60_000, 70_000, 80_000, 200_000, 300_000]
    cities.write_text(
        "name,population,region\n"
        + "".join(f"{c},{p},R\n" for c, p in zip(CITIES, pops, strict=True)),
        encoding="utf-8",
    )
    code, out, err = _run(
        "peers", str(kpis), "--city", "Birch", "--cities", str(cities), "--format", "csv"
    )
    assert code == 0, err
    rows = {r["data_point"]: r for r in _csv(out)}
    # the <100k group is Ash, Birch, Cedar, Dogwood; Birch ranks 3rd of 4 on literacy
    lit = rows["adult_literacy"]
    assert (lit["group_size"], lit["rank"], lit["percentile"], lit["best_city"]) == (
        "4",
        "3",
        "33.333333333333336",  # 100 * 1/3, written exactly: CSV output never rounds
        "Dogwood",
    )
    assert lit["learn_from"].startswith("Dogwood (")
    code, out, err = _run(
        "peers", str(kpis), "--city", "Birch", "--cities", str(cities), "--by", "colour"
    )
    assert code == 2
    assert "Profile field 'colour' does not exist" in " ".join(err.split())


def test_plan_reports_required_pace_and_peers(tmp_path: Path) -> None:
    kpis = _kpis(tmp_path / "kpis.csv")
    code, out, err = _run(
        "plan",
        str(kpis),
        "--city",
        "Ash",
        "--code",
        "EC: ICT: ICT: 1C",
        "--target",
        "65",
        "--year",
        "2030",
        "--format",
        "json",
    )
    assert code == 0, err
    (plan,) = json.loads(out)
    # Ash: 55 in 2020, +1 a year; 65 by 2030 needs +1 a year: its own trend suffices
    assert plan["required_rate"] == pytest.approx(1.0)
    assert plan["observed_rate"] == pytest.approx(1.0)
    assert (plan["peers_with_data"], plan["peers_achieving"]) == (5, 5)
    assert plan["classification"] == "feasible"
    assert "5 of 5 peers achieved that pace in any 3-year window" in plan["message"]
    code, _, err = _run(
        "plan", str(kpis), "--city", "Ash", "--code", "EN: EN: AQ: 1C", "--target", "5"
    )
    assert code == 2
    assert "has several data points; add --data-point" in " ".join(err.split())


def test_assess_with_a_yaml_target_set_only(tmp_path: Path) -> None:
    kpis = _kpis(tmp_path / "kpis.csv")
    targets = tmp_path / "plan.yaml"
    targets.write_text(
        "name: city plan\ntargets:\n"
        "- {code: 'EC: ICT: ICT: 1C', data_point: household_internet_access, target: 60}\n",
        encoding="utf-8",
    )
    code, out, err = _run(
        "assess",
        str(kpis),
        "--targets",
        str(targets),
        "--no-defaults",
        "--show",
        "kpis",
        "--format",
        "json",
    )
    assert code == 0, err
    rows = json.loads(out)
    scored = {r["data_point"] for r in rows if r["points"] is not None}
    assert scored == {"household_internet_access"}
    ash = next(r for r in rows if r["city"] == "Ash" and r["year"] == 2015 and r["points"])
    assert (ash["target"], ash["achievement"], ash["points"], ash["target_set"]) == (
        60.0,
        pytest.approx(250 / 3),
        3,
        "city plan",
    )


def test_no_defaults_needs_a_target_file(tmp_path: Path) -> None:
    code, _, err = _run("assess", str(_kpis(tmp_path / "kpis.csv")), "--no-defaults")
    assert code == 2
    assert "--no-defaults needs --targets FILE" in " ".join(err.split())


def test_trends_output_file_is_not_overwritten_without_force(tmp_path: Path) -> None:
    kpis = _kpis(tmp_path / "kpis.csv")
    out = tmp_path / "trends.csv"
    out.write_text("keep\n", encoding="utf-8")
    code, _, err = _run("trends", str(kpis), "-o", str(out), "--format", "csv")
    assert code == 2
    assert out.read_text(encoding="utf-8") == "keep\n"
    code, _, err = _run("trends", str(kpis), "-o", str(out), "--format", "csv", "--force")
    assert code == 0, err
    assert pd.read_csv(out)["sdsn_trend"].notna().all()


def test_trends_by_goal(tmp_path: Path) -> None:
    kpis = _kpis(tmp_path / "kpis.csv")
    code, out, err = _run("trends", str(kpis), "--by-goal", "--city", "Ash", "--format", "csv")
    assert code == 0, err
    rows = {r["goal"]: r for r in _csv(out)}
    # Ash's PM2.5 is flat at 20 against 5 (q = 0, score 1): goal 11 is stagnating
    assert (rows["11"]["trend_score"], rows["11"]["trend"]) == ("1", "stagnating")
    assert set(rows) == {"4", "11", "17"}
