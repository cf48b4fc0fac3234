"""The store commands on an SQLite file given by CITYKPI_DATABASE_URL, as a user runs them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from citykpi.cli.main import build_app

GOOD = """city,year,code,value,unit,source,quality
Oslo,2024,population,700000,,SSB,accurate_measurement
Oslo,2024,households,320000,,SSB,accurate_measurement
Oslo,2024,households_with_internet,300000,,SSB,accurate_measurement
"""
SECOND = GOOD.replace("300000", "310000")
ONE_BAD_ROW = GOOD.replace("300000", "lots")


class Cli:
    """Run ``citykpi`` against one database file."""

    def __init__(self, tmp_path: Path) -> None:
        self.env = {
            "CITYKPI_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
            "CITYKPI_CONFIG_DIR": str(tmp_path / "config"),
            "COLUMNS": "200",
        }
        self.tmp = tmp_path

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(build_app(), list(args), env={**self.env, **(env or {})})

    def ok(self, *args: str) -> Result:
        result = self(*args)
        assert result.exit_code == 0, result.output
        return result

    def json(self, *args: str) -> list[dict[str, object]]:
        rows: list[dict[str, object]] = json.loads(self.ok(*args, "--format", "json").stdout)
        return rows

    def file(self, name: str, text: str) -> str:
        path = self.tmp / name
        path.write_text(text, encoding="utf-8")
        return str(path)


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated single-person database (so --as acts for these password-less accounts) with
    Oslo, Bergen, an admin, two city editors, two verifiers and a public user, built once
    through the CLI and copied for each test."""
    folder = tmp_path_factory.mktemp("template")
    run = Cli(folder)
    assert "is at revision 0002" in run.ok("db", "upgrade", "--single-person").stdout
    run.ok("user", "add", "root", "--role", "admin")
    run.ok("city", "add", "Oslo", "--country", "Norway", "--population", "700000", "--as", "root")
    run.ok("city", "add", "Bergen", "--as", "root")
    run.ok("user", "add", "eva", "--role", "city_editor", "--city", "Oslo", "--as", "root")
    run.ok("user", "add", "bo", "--role", "city_editor", "--city", "Bergen", "--as", "root")
    run.ok("user", "add", "vera", "--role", "verifier", "--as", "root")
    run.ok("user", "add", "vic", "--role", "verifier", "--as", "root")
    run.ok("user", "add", "pat", "--role", "public", "--as", "root")
    return folder / "cli.db"


@pytest.fixture
def cli(tmp_path: Path, template_db: Path) -> Cli:
    """A copy of the template database (every engine was disposed: no WAL left behind)."""
    shutil.copyfile(template_db, tmp_path / "cli.db")
    return Cli(tmp_path)


def _input_history(cli: Cli, code: str) -> list[tuple[object, ...]]:
    rows = cli.json("history", "Oslo", "2024", "--code", code, "--as", "vera")
    return [(r["revision"], r["value"], r["current"], r["author"], r["note"]) for r in rows]


def test_import_submit_verify_publish_export_and_audit(cli: Cli) -> None:
    good = cli.file("oslo.csv", GOOD)
    out = cli.ok("import", good, "--city", "Oslo", "--year", "2024", "--as", "eva").stdout
    assert (
        "Imported oslo.csv for Oslo 2024: 3 input(s) stored (3 new, 0 revised, 0 unchanged); "
        in out
    )
    assert "; 112 KPI value(s) recomputed (catalogue " in out
    assert (
        "Submitted 4 value(s) of Oslo 2024"
        in cli.ok("submit", "Oslo", "2024", "--as", "eva").stdout
    )
    assert (
        "Verified 4 value(s)"
        in cli.ok("review", "verify", "Oslo", "2024", "--all", "--as", "vera").stdout
    )
    assert (
        "Published Oslo 2024: 4 value(s)."
        in cli.ok("publish", "Oslo", "2024", "--as", "vera").stdout
    )
    published = cli.json("export", "--status", "published", "--as", "pat")
    assert [(r["kind"], r["code"], r["value"]) for r in published] == [
        ("input", "households", 320000.0),
        ("input", "households_with_internet", 300000.0),
        ("input", "population", 700000.0),
        ("kpi", "household_internet_access", pytest.approx(93.75)),
    ]
    events = cli.json("audit", "--city", "Oslo", "--as", "root")
    actions = [e["action"] for e in events]
    assert actions[0] == "city.add"
    assert actions.count("value.import") == 3 + 112  # every input and KPI data point
    assert actions.count("value.submit") == actions.count("value.verify") == 4
    assert actions.count("value.publish") == 4
    assert actions[-1] == "submission.publish"
    assert {e["city"] for e in events} == {"Oslo"}
    assert all(e["actor"] for e in events)


def test_a_verifier_verifying_her_own_edit_is_refused(cli: Cli) -> None:
    cli.ok("import", cli.file("oslo.csv", GOOD), "--city", "Oslo", "--year", "2024", "--as", "eva")
    cli.ok("submit", "Oslo", "2024", "--as", "eva")
    cli.ok(
        "value",
        "set",
        "Oslo",
        "2024",
        "households",
        "321000",
        "--reason",
        "register total",
        "--as",
        "vera",
    )
    refused = cli("review", "verify", "Oslo", "2024", "households", "--as", "vera")
    assert refused.exit_code == 3
    assert "'vera' cannot verify 'households'" in refused.output
    assert "four-eyes" in refused.output
    assert (
        "Verified 1 value(s)"
        in cli.ok("review", "verify", "Oslo", "2024", "households", "--as", "vic").stdout
    )


def test_an_import_of_a_file_with_one_bad_row_changes_nothing(cli: Cli) -> None:
    cli.ok("import", cli.file("oslo.csv", GOOD), "--city", "Oslo", "--year", "2024", "--as", "eva")
    before_history = cli.json("history", "Oslo", "2024", "--as", "vera")
    before_audit = cli.json("audit", "--as", "root")
    bad = cli.file("bad.csv", ONE_BAD_ROW)
    result = cli("import", bad, "--city", "Oslo", "--year", "2024", "--as", "eva")
    assert result.exit_code == 1
    assert "nothing was imported" in result.output
    message = " ".join(result.output.split())
    assert "'bad.csv' has 1 error(s); nothing was imported." in message
    assert "bad.csv, row 4, field 'value'" in message
    assert "'lots'" in message
    assert cli.json("history", "Oslo", "2024", "--as", "vera") == before_history
    assert cli.json("audit", "--as", "root") == before_audit


def test_a_file_for_another_city_imports_nothing_and_names_the_rows(cli: Cli) -> None:
    wrong = cli.file("bergen.csv", GOOD.replace("Oslo,", "Bergen,", 1))
    result = cli("import", wrong, "--city", "Oslo", "--year", "2024", "--as", "eva")
    assert result.exit_code == 1
    assert "row 2" in result.output
    assert "is for city 'Bergen', but the import is for 'Oslo'" in result.output
    missing = cli("history", "Oslo", "2024", "--as", "vera")
    assert missing.exit_code == 2
    assert "has no data for 2024" in missing.output


def test_a_second_import_keeps_the_first_revision_in_history(cli: Cli) -> None:
    cli.ok("import", cli.file("first.csv", GOOD), "--city", "Oslo", "--year", "2024", "--as", "eva")
    out = cli.ok(
        "import", cli.file("second.csv", SECOND), "--city", "Oslo", "--year", "2024", "--as", "eva"
    ).stdout
    assert ": 3 input(s) stored (0 new, 1 revised, 2 unchanged); 112 KPI value(s)" in out
    assert _input_history(cli, "households_with_internet") == [
        (1, 300000.0, False, "eva", "import first.csv"),
        (2, 310000.0, True, "eva", "import second.csv"),
    ]
    kpi = cli.json("history", "Oslo", "2024", "--code", "EC: ICT: ICT: 1C", "--as", "vera")
    assert [(r["revision"], r["value"]) for r in kpi] == [(1, 93.75), (2, 96.875)]


def test_query_answer_and_resubmit(cli: Cli) -> None:
    cli.ok("import", cli.file("oslo.csv", GOOD), "--city", "Oslo", "--year", "2024", "--as", "eva")
    cli.ok("submit", "Oslo", "2024", "--as", "eva")
    no_comment = cli("review", "query", "Oslo", "2024", "population", "--as", "vera")
    assert no_comment.exit_code == 2
    assert "needs a comment" in no_comment.output
    cli.ok(
        "review", "query", "Oslo", "2024", "population", "--comment", "Which year?", "--as", "vera"
    )
    cli.ok(
        "value", "answer", "Oslo", "2024", "population", "--comment", "1 Jan 2024", "--as", "eva"
    )
    states = {
        r["code"]: r["state"] for r in cli.json("review", "list", "Oslo", "2024", "--as", "vera")
    }
    assert states["population"] == "answered"
    assert "Submitted 1 value(s)" in cli.ok("submit", "Oslo", "2024", "--as", "eva").stdout
    blocked = cli("publish", "Oslo", "2024", "--as", "vera")
    assert blocked.exit_code == 2
    assert "neither verified nor excluded" in blocked.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("city", "add", "Tromsø", "--as", "eva"),
            "'eva' has role 'city_editor', which may not add or change cities",
        ),
        (("user", "list", "--as", "vera"), "may not manage users"),
        (("export", "--as", "pat"), "'pat' has role 'public', which may not read unpublished data"),
        (("history", "Oslo", "2024", "--as", "pat"), "may not read unpublished data"),
        (
            ("submit", "Oslo", "2024", "--as", "bo"),
            "may not submit data for verification for city 'Oslo'",
        ),
        (("publish", "Oslo", "2024", "--as", "eva"), "may not publish a submission"),
        (("city", "list"), "Say who you are: log in with 'citykpi login USER'"),
        (("city", "list", "--token", "ck_not-a-token"), "The token is not valid for this store"),
    ],
)
def test_what_the_role_forbids_is_refused_with_exit_3(
    cli: Cli, args: tuple[str, ...], message: str
) -> None:
    cli.ok("import", cli.file("oslo.csv", GOOD), "--city", "Oslo", "--year", "2024", "--as", "eva")
    result = cli(*args)
    assert result.exit_code == 3, result.output
    assert message in " ".join(result.output.split())


def test_a_token_from_the_environment_identifies_the_user(cli: Cli) -> None:
    token = cli.ok("token", "create", "--label", "ci", "--as", "vera").stdout.strip()
    assert token.startswith("ck_")
    listed = cli("city", "list", "--format", "json", env={"CITYKPI_TOKEN": token})
    assert listed.exit_code == 0, listed.output
    assert [c["name"] for c in json.loads(listed.stdout)] == ["Bergen", "Oslo"]
    cli.ok("user", "disable", "vera", "--reason", "left", "--as", "root")
    disabled = cli("city", "list", env={"CITYKPI_TOKEN": token})
    assert disabled.exit_code == 3
    assert "User 'vera' is disabled" in disabled.output


def test_a_stale_edit_loses_with_exit_4(cli: Cli) -> None:
    cli.ok("import", cli.file("oslo.csv", GOOD), "--city", "Oslo", "--year", "2024", "--as", "eva")
    cli.ok(
        "value",
        "set",
        "Oslo",
        "2024",
        "population",
        "701000",
        "--reason",
        "a",
        "--expect-version",
        "1",
        "--as",
        "eva",
    )
    late = cli(
        "value",
        "set",
        "Oslo",
        "2024",
        "population",
        "702000",
        "--reason",
        "b",
        "--expect-version",
        "1",
        "--as",
        "root",
    )
    assert late.exit_code == 4
    assert "changed since you read it (version 1, now 2)" in " ".join(late.output.split())


def test_commands_on_a_database_without_schema_say_to_run_db_upgrade(tmp_path: Path) -> None:
    run = Cli(tmp_path)
    result = run("city", "list", "--as", "root")
    assert result.exit_code == 2
    assert "run 'citykpi db upgrade' first" in " ".join(result.output.split())


def test_audit_since_filters_and_rejects_a_bad_date(cli: Cli) -> None:
    assert cli.json("audit", "--since", "2999-01-01", "--as", "root") == []
    bad = cli("audit", "--since", "yesterday", "--as", "root")
    assert bad.exit_code == 2
    assert "--since 'yesterday' is not a date" in bad.output


def test_city_show_and_evidence_attach(cli: Cli) -> None:
    shown = cli.json("city", "show", "Oslo", "--as", "pat")
    assert shown == [
        {
            "name": "Oslo",
            "country": "Norway",
            "region": "",
            "population": 700000.0,
            "population_class": "500k-1M",
            "area_km2": None,
            "gdp_per_capita": None,
            "income_group": "",
            "coastal": None,
        }
    ]
    cli.ok("import", cli.file("oslo.csv", GOOD), "--city", "Oslo", "--year", "2024", "--as", "eva")
    proof = cli.file("register.txt", "population register extract")
    out = cli.ok(
        "value", "attach", "Oslo", "2024", proof, "--code", "population", "--as", "eva"
    ).stdout
    assert "Attached 'register.txt' (27 bytes" in out
    listed = cli.json("value", "evidence", "Oslo", "2024", "--as", "vera")
    assert [(e["file"], e["size"], e["code"]) for e in listed] == [
        ("register.txt", 27, "population")
    ]
    too_big = cli(
        "value",
        "attach",
        "Oslo",
        "2024",
        proof,
        "--as",
        "eva",
        env={"CITYKPI_EVIDENCE_MAX_BYTES": "10"},
    )
    assert too_big.exit_code == 2
    assert "is 27 bytes, more than the limit of 10" in too_big.output


def test_an_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    run = Cli(tmp_path)
    result = run(
        "city",
        "list",
        "--as",
        "root",
        env={"CITYKPI_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"},
    )
    assert result.exit_code == 2
    assert "Cannot open the database at 'postgresql+psycopg://nobody@127.0.0.1:1/none'" in (
        " ".join(result.output.split())
    )


def test_an_excluded_value_lets_the_submission_be_published(cli: Cli) -> None:
    cli.ok("import", cli.file("oslo.csv", GOOD), "--city", "Oslo", "--year", "2024", "--as", "eva")
    cli.ok("submit", "Oslo", "2024", "--as", "eva")
    assert (
        "4 value(s) of Oslo 2024 are in review."
        in cli.ok("review", "start", "Oslo", "2024", "--as", "vera").stdout
    )
    no_reason = cli("review", "exclude", "Oslo", "2024", "households", "--as", "vera")
    assert no_reason.exit_code == 2
    assert "needs a reason" in no_reason.output
    cli.ok(
        "review", "exclude", "Oslo", "2024", "households", "--reason", "no source", "--as", "vera"
    )
    cli.ok(
        "review",
        "verify",
        "Oslo",
        "2024",
        "population",
        "households_with_internet",
        "household_internet_access",
        "--as",
        "vera",
    )
    assert (
        "Published Oslo 2024: 3 value(s)."
        in cli.ok("publish", "Oslo", "2024", "--as", "vic").stdout
    )
    states = {r["code"]: r["state"] for r in cli.json("export", "--city", "Oslo", "--as", "vera")}
    assert states["households"] == "excluded"
    assert states["population"] == "published"
    late = cli(
        "import", cli.file("late.csv", SECOND), "--city", "Oslo", "--year", "2024", "--as", "eva"
    )
    assert late.exit_code == 2
    assert "is published and final" in " ".join(late.output.split())
