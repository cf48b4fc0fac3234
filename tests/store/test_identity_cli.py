"""The command line's login flow on SQLite and PostgreSQL: nobody acts as an account that has
a password or a token without presenting it (issue 9's interface checks), the README tour with
``citykpi login``, the token file's permissions, and ``token list|revoke``."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from storekit import ENGINES
from typer.testing import CliRunner, Result

from citykpi.cli.main import build_app

GOOD = """city,year,code,value,unit,source,quality
Oslo,2024,population,700000,,SSB,accurate_measurement
Oslo,2024,households,320000,,SSB,accurate_measurement
Oslo,2024,households_with_internet,300000,,SSB,accurate_measurement
"""
PASSWORDS = {
    "root": "root's long password",
    "eva": "eva's long password",
    "vera": "vera's long password",
}


class Cli:
    """Run ``citykpi`` against one database, with its own config folder (the login file)."""

    def __init__(self, url: str, tmp: Path) -> None:
        self.tmp = tmp
        self.config = tmp / "config"
        self.env = {
            "CITYKPI_DATABASE_URL": url,
            "CITYKPI_CONFIG_DIR": str(self.config),
            "COLUMNS": "200",
        }

    def __call__(self, *args: str, stdin: str | None = None, **env: str) -> Result:
        return CliRunner().invoke(build_app(), list(args), env={**self.env, **env}, input=stdin)

    def ok(self, *args: str, stdin: str | None = None, **env: str) -> Result:
        result = self(*args, stdin=stdin, **env)
        assert result.exit_code == 0, result.output
        return result

    def login(self, user: str) -> None:
        self.ok("login", user, "--password-stdin", stdin=PASSWORDS[user] + "\n")

    def add(self, user: str, *args: str) -> None:
        self.ok("user", "add", user, *args, "--password-stdin", stdin=PASSWORDS[user] + "\n")

    def json(self, *args: str, **env: str) -> list[dict[str, object]]:
        rows: list[dict[str, object]] = json.loads(self.ok(*args, "--format", "json", **env).stdout)
        return rows


@pytest.fixture
def cli(fresh_url: str, tmp_path: Path) -> Cli:
    """A shared store (not single-person): root, Oslo, eva (editor of Oslo) and vera (a
    verifier), each with a password; Oslo 2024 imported and submitted by eva, who is logged in."""
    run = Cli(fresh_url, tmp_path)
    run.ok("db", "upgrade")
    run.add("root", "--role", "admin")
    run.login("root")
    run.ok("city", "add", "Oslo", "--population", "700000")
    run.add("eva", "--role", "city_editor", "--city", "Oslo")
    run.add("vera", "--role", "verifier")
    run.login("eva")
    path = tmp_path / "oslo.csv"
    path.write_text(GOOD, encoding="utf-8")
    run.ok("import", str(path), "--city", "Oslo", "--year", "2024")
    run.ok("submit", "Oslo", "2024")
    return run


def _trail(cli: Cli) -> list[dict[str, object]]:
    token = cli.ok("token", "create", "--name", "reader").stdout.strip()
    events = cli.json("audit", CITYKPI_TOKEN=token)
    cli.ok("token", "revoke", "reader")
    return [e for e in events if str(e["action"]).startswith(("value.", "submission."))]


@ENGINES
def test_verifying_as_a_verifier_with_a_password_without_it_exits_3_and_changes_nothing(
    cli: Cli,
) -> None:
    before = _trail(cli)
    refused = cli("review", "verify", "Oslo", "2024", "--all", "--as", "vera")
    assert refused.exit_code == 3, refused.output
    said = " ".join(refused.output.split())
    assert "User 'vera' has a password or a token, so --as alone cannot act as her" in said
    assert "log in with 'citykpi login vera'" in said
    assert cli("publish", "Oslo", "2024", "--as", "vera").exit_code == 3
    assert _trail(cli) == before
    states = {r["code"]: r["state"] for r in cli.json("review", "list", "Oslo", "2024")}
    assert states["population"] == "submitted"
    assert "verified" not in states.values()


@ENGINES
def test_adding_an_admin_as_root_with_a_password_without_it_exits_3(cli: Cli) -> None:
    refused = cli("user", "add", "x", "--role", "admin", "--as", "root")
    assert refused.exit_code == 3, refused.output
    assert "log in with 'citykpi login root'" in " ".join(refused.output.split())
    cli.ok("logout")
    assert cli("user", "add", "x", "--role", "admin", "--as", "root").exit_code == 3
    nobody = cli("user", "add", "x", "--role", "admin")
    assert nobody.exit_code == 3
    assert "Say who you are: log in with 'citykpi login USER'" in " ".join(nobody.output.split())
    cli.login("root")
    assert "x" not in [u["name"] for u in cli.json("user", "list")]


@ENGINES
def test_the_readme_tour_with_logins(cli: Cli) -> None:
    cli.login("vera")
    verified = cli.ok("review", "verify", "Oslo", "2024", "--all").stdout
    assert "Verified 4 value(s)" in verified
    cli.login("root")
    assert "Published Oslo 2024" in cli.ok("publish", "Oslo", "2024").stdout
    events = cli.json("audit", "--as", "root")  # --as the logged-in user uses her login
    auth = {(e["actor"], e["action"]): e["auth"] for e in events}
    assert auth[("root", "user.add")] in {"local", "session"}
    assert auth[("eva", "value.import")] == "session"
    assert auth[("vera", "value.verify")] == "session"
    assert auth[("root", "submission.publish")] == "session"
    assert auth[("vera", "token.create")] == "password"  # her login
    cli.ok("logout")
    assert cli("history", "Oslo", "2024").exit_code == 3


@ENGINES
def test_the_first_admin_of_a_shared_store_needs_a_password(fresh_url: str, tmp_path: Path) -> None:
    run = Cli(fresh_url, tmp_path)
    run.ok("db", "upgrade")
    bare = run("user", "add", "admin", "--role", "admin")
    assert bare.exit_code == 2
    assert "--password-stdin" in bare.output
    short = run("user", "add", "admin", "--role", "admin", "--password-stdin", stdin="short\n")
    assert short.exit_code == 2
    assert "A password needs at least 12 characters; this one has 5" in short.output
    run.ok("user", "add", "admin", "--role", "admin", "--password-stdin", stdin="a" * 12 + "\n")


@pytest.mark.parametrize("fresh_url", ["postgresql"], indirect=True)
def test_db_upgrade_single_person_is_refused_on_postgresql(fresh_url: str, tmp_path: Path) -> None:
    refused = Cli(fresh_url, tmp_path)("db", "upgrade", "--single-person")
    assert refused.exit_code == 2
    assert "A PostgreSQL store cannot be single-person" in refused.output


def test_a_single_person_store_lets_as_act_for_accounts_without_credentials(
    tmp_path: Path,
) -> None:
    run = Cli(f"sqlite:///{tmp_path / 'mine.db'}", tmp_path)
    assert "single-person store" in run.ok("db", "upgrade", "--single-person").stdout
    run.ok("user", "add", "me", "--role", "admin")
    run.ok("city", "add", "Oslo", "--as", "me")
    run.ok("user", "add", "vera", "--role", "verifier", "--as", "me")
    run.ok("user", "password", "vera", "--password-stdin", "--as", "me", stdin="v" * 12 + "\n")
    refused = run("city", "list", "--as", "vera")
    assert refused.exit_code == 3
    assert "log in with 'citykpi login vera'" in " ".join(refused.output.split())
    events = run.json("audit", "--as", "me")
    assert {e["auth"] for e in events if e["actor"] == "me"} == {"local"}


@ENGINES
def test_the_login_file_is_private_and_a_readable_one_is_refused(cli: Cli) -> None:
    path = cli.config / "token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(cli.config.stat().st_mode) == 0o700
    assert "ck_" in path.read_text(encoding="utf-8")
    path.chmod(0o644)
    refused = cli("history", "Oslo", "2024")
    assert refused.exit_code == 3
    said = " ".join(refused.output.split())
    assert "can be read or changed by others (mode 644); it is not used" in said
    cli.login("eva")  # a new login replaces the file with a private one
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert cli("history", "Oslo", "2024").exit_code == 0


@ENGINES
def test_logout_revokes_the_token_and_deletes_it(cli: Cli) -> None:
    saved = json.loads((cli.config / "token").read_text(encoding="utf-8"))
    (entry,) = saved["logins"].values()
    assert "Logged out 'eva'" in cli.ok("logout").stdout
    assert not (cli.config / "token").exists()
    stolen = cli("history", "Oslo", "2024", "--token", entry["token"])
    assert stolen.exit_code == 3
    assert "was revoked at" in stolen.output
    assert "not logged in" in cli.ok("logout").stdout


@ENGINES
def test_token_list_and_revoke(cli: Cli) -> None:
    ci = cli.ok("token", "create", "--name", "ci", "--days", "7").stdout.strip()
    listed = cli.json("token", "list")
    assert [(t["user"], t["state"]) for t in listed] == [("eva", "active"), ("eva", "active")]
    assert {str(t["name"]).split("-")[0] for t in listed} == {"login", "ci"}
    assert cli.ok("city", "list", "--token", ci)
    assert "Revoked token 'ci'" in cli.ok("token", "revoke", "ci").stdout
    refused = cli("city", "list", "--token", ci)
    assert refused.exit_code == 3
    assert "The token 'ci' was revoked at" in refused.output
    cli.login("root")
    everyone = cli.json("token", "list")
    assert {t["user"] for t in everyone} == {"root", "eva"}
    missing = cli("token", "revoke", "nope")
    assert missing.exit_code == 2
    assert "No live token 'nope'; see 'citykpi token list'." in missing.output


@ENGINES
def test_five_wrong_passwords_lock_the_account_for_the_window(cli: Cli) -> None:
    for _ in range(5):
        wrong = cli("login", "vera", "--password-stdin", stdin="not the password\n")
        assert wrong.exit_code == 3
        assert "Wrong user name or password for 'vera'." in wrong.output
    locked = cli("login", "vera", "--password-stdin", stdin=PASSWORDS["vera"] + "\n")
    assert locked.exit_code == 3
    assert "Too many failed logins for 'vera'" in locked.output
    assert "Try again after" in locked.output


def test_a_token_file_that_is_a_link_is_refused(tmp_path: Path) -> None:
    run = Cli(f"sqlite:///{tmp_path / 'mine.db'}", tmp_path)
    run.ok("db", "upgrade", "--single-person")
    run.ok("user", "add", "me", "--role", "admin")
    elsewhere = tmp_path / "planted.json"
    elsewhere.write_text('{"logins": {}}', encoding="utf-8")
    elsewhere.chmod(0o600)
    run.config.mkdir(mode=0o700)
    (run.config / "token").symlink_to(elsewhere)
    refused = run("city", "list")
    assert refused.exit_code == 2
    assert "is not a regular file; remove it and log in again" in " ".join(refused.output.split())


@ENGINES
@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("login", "ve\x00ra", "--password-stdin"), 3, "Wrong user name or password for"),
        (("city", "list", "--as", "ve\x00ra"), 2, "No user named 've\\x00ra'"),
        (("history", "Os\x00lo", "2024"), 2, "No city named 'Os\\x00lo'"),
        (("user", "add", "ma\x00l", "--role", "analyst"), 2, "cannot contain U+0000"),
        (("user", "add", "Vera ", "--role", "analyst"), 2, "A user named 'vera' already exists"),
        (("city", "add", "Оslo"), 2, "looks like the existing city 'Oslo'"),
    ],
)
def test_hostile_names_end_in_a_message_on_both_engines(
    cli: Cli, args: tuple[str, ...], code: int, message: str
) -> None:
    cli.login("root")
    result = cli(*args, stdin=PASSWORDS["vera"] + "\n")
    assert result.exit_code == code, result.output
    assert message in " ".join(result.output.split())
