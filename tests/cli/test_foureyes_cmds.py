"""Issue 9's four-eyes bypass, as a verifier would try it from the command line.

Vera (a verifier, acting with her own token) sets an input, which recomputes the KPIs computed
from it, then tries to exclude the input, verify the recomputed KPI and verify everything: the
exclude, the first step that would let her own work through, exits 3 and changes nothing, and
so does every later step; vic, outside her chain, may verify her work, and then she may publish.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from citykpi.cli.main import build_app
from citykpi.settings import Settings
from citykpi.store import (
    CityProfile,
    add_city,
    add_user,
    create_token,
    open_store,
    submit,
    upgrade,
)
from citykpi.store.importer import import_file
from citykpi.store.schema import AuditEvent

OSLO = """city,year,code,value,unit,source,quality
Oslo,2024,households,320000,,SSB,accurate_measurement
Oslo,2024,households_with_internet,300000,,SSB,accurate_measurement
Oslo,2024,fixed_broadband_subscriptions,250000,,SSB,accurate_measurement
"""


def test_the_bypass_stops_at_the_exclude_with_exit_3_and_nothing_changed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    store = open_store(url, settings=Settings(database_url=url))
    with store.transaction() as s:
        ada = add_user(s, None, "ada", role="admin")
        add_city(s, ada, CityProfile("Oslo", country="Norway"))
        eva = add_user(s, ada, "eva", role="city_editor", cities=["Oslo"])
        verifiers = [add_user(s, ada, name, role="verifier") for name in ("vera", "vic")]
    data = tmp_path / "oslo.csv"
    data.write_text(OSLO, encoding="utf-8")
    import_file(store, eva, data, city="Oslo", year=2024)
    with store.transaction() as s:
        submit(s, eva, "Oslo", 2024)
        tokens = {a.name: create_token(s, a) for a in verifiers}

    def events() -> int:
        with store.transaction() as s:
            return s.scalar(select(func.count(AuditEvent.id))) or 0

    def run(user: str, *args: str) -> Result:
        env = {
            "CITYKPI_DATABASE_URL": url,
            "CITYKPI_TOKEN": tokens[user],
            "CITYKPI_CONFIG_DIR": str(tmp_path / "config"),
            "COLUMNS": "200",
        }
        return CliRunner().invoke(build_app(), list(args), env=env)

    edited = run("vera", "value", "set", "Oslo", "2024", "households_with_internet", "310000",
                 "--reason", "register total")  # fmt: skip
    assert edited.exit_code == 0, edited.output
    before = events()
    refused = run("vera", "review", "exclude", "Oslo", "2024", "households_with_internet",
                  "--reason", "cannot be traced")  # fmt: skip
    assert refused.exit_code == 3, refused.output
    assert "'vera' cannot exclude 'households_with_internet'" in refused.output
    assert "four-eyes rule" in refused.output
    assert "Someone outside the chain must do it: ada, vic." in refused.output
    for step in (
        ("review", "verify", "Oslo", "2024", "kpi:household_internet_access"),
        ("review", "verify", "Oslo", "2024", "--all"),
    ):
        again = run("vera", *step)
        assert again.exit_code == 3, again.output
        assert "four-eyes rule" in again.output
    assert events() == before
    assert run("vic", "review", "verify", "Oslo", "2024", "--all").exit_code == 0
    published = run("vera", "publish", "Oslo", "2024")
    assert published.exit_code == 0, published.output
    assert "Published Oslo 2024: 5 value(s)." in published.output
    store.dispose()
