"""Many at once on the command line: ``city add --from FILE`` and ``import FILE`` of many cities."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from citykpi.cli.main import build_app

CITIES = """name,country,population
Oslo,Norway,700000
Bergen,Norway,290000
"""
TWO_CITIES = """city,year,code,value,unit,source,quality
Oslo,2024,population,700000,,SSB,accurate_measurement
Oslo,2024,households,320000,,SSB,accurate_measurement
Oslo,2024,households_with_internet,300000,,SSB,accurate_measurement
Bergen,2023,population,290000,,SSB,accurate_measurement
Bergen,2023,households,130000,,SSB,accurate_measurement
Bergen,2024,population,291000,,SSB,accurate_measurement
"""


class Cli:
    """Run ``citykpi`` against one single-person SQLite store in ``tmp_path``."""

    def __init__(self, tmp_path: Path) -> None:
        self.env = {
            "CITYKPI_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
            "CITYKPI_CONFIG_DIR": str(tmp_path / "config"),
            "COLUMNS": "200",
        }
        self.tmp = tmp_path

    def __call__(self, *args: str) -> Result:
        return CliRunner().invoke(build_app(), list(args), env=self.env)

    def ok(self, *args: str) -> Result:
        result = self(*args)
        assert result.exit_code == 0, result.output
        return result

    def file(self, name: str, text: str) -> str:
        path = self.tmp / name
        path.write_text(text, encoding="utf-8")
        return str(path)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    run = Cli(tmp_path)
    run.ok("db", "upgrade", "--single-person")
    run.ok("user", "add", "root", "--role", "admin")
    return run


def test_city_add_from_a_profile_table_adds_every_city(cli: Cli) -> None:
    result = cli.ok("city", "add", "--from", cli.file("cities.csv", CITIES), "--as", "root")
    assert "Added 2 cities from cities.csv." in result.stdout
    listed = cli.ok("city", "list", "--format", "csv", "--as", "root").stdout
    assert [line.split(",")[0] for line in listed.splitlines()[1:]] == ["Bergen", "Oslo"]


def test_city_add_wants_a_name_or_a_file_not_both(cli: Cli) -> None:
    neither = cli("city", "add", "--as", "root")
    assert neither.exit_code == 2
    assert "Give the city's name, or --from FILE" in neither.output
    both = cli("city", "add", "Oslo", "--from", cli.file("c.csv", CITIES), "--as", "root")
    assert both.exit_code == 2
    assert "Give either a city name ('Oslo') or --from FILE, not both." in both.output


def test_import_without_city_and_year_imports_every_city_year_of_the_file(cli: Cli) -> None:
    cli.ok("city", "add", "--from", cli.file("cities.csv", CITIES), "--as", "root")
    result = cli.ok("import", cli.file("two.csv", TWO_CITIES), "--as", "root")
    assert "Imported two.csv: 3 city-year(s) of 2 cities, 6 input(s) stored" in result.stdout
    history = cli.ok("history", "Bergen", "2023", "--format", "csv", "--as", "root").stdout
    assert "population" in history
    assert "households" in history


def test_import_with_only_one_of_city_and_year_is_a_usage_error(cli: Cli) -> None:
    file = cli.file("two.csv", TWO_CITIES)
    result = cli("import", file, "--city", "Oslo", "--as", "root")
    assert result.exit_code == 2
    assert "Give both --city and --year, or neither" in result.output


def test_a_multi_city_file_naming_an_unknown_city_imports_nothing(cli: Cli) -> None:
    cli.ok("city", "add", "Oslo", "--as", "root")
    result = cli("import", cli.file("two.csv", TWO_CITIES), "--as", "root")
    assert result.exit_code == 2
    assert "No city named 'Bergen'" in result.output
    empty = cli("history", "Oslo", "2024", "--as", "root")
    assert empty.exit_code == 2
    assert "has no data for 2024" in empty.output
