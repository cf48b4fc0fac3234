"""The store and verification-workflow commands, registered from this one place.

Commands: db, user, token, city, import, value, submit, review, publish, history and audit
(``export`` is in :mod:`~citykpi.cli.opendata_cmds`). They live in one module per
responsibility: :mod:`~citykpi.cli.store_identity_cmds` (db, user, token),
:mod:`~citykpi.cli.store_city_cmds` (city, import, value),
:mod:`~citykpi.cli.store_workflow_cmds` (submit, review, publish) and
:mod:`~citykpi.cli.store_reading_cmds` (history, audit); what they share (who acts, the
checked database, the common options) is in :mod:`citykpi.cli._store_session`.

Every command except ``db upgrade`` and ``db check`` (:mod:`~citykpi.cli.store_db_cmds`) runs
as an authenticated user: the saved login of ``citykpi login``, ``--token`` /
``CITYKPI_TOKEN``, or ``--as USER`` alone on a single-person store only
(:mod:`citykpi.store.credentials`). The first admin of an empty store is created with
``citykpi user add NAME --role admin`` and no identity. Exit codes: 1 a file with errors
(nothing imported), 2 usage or input error, 3 the role forbids it, 4 a concurrent edit won.
"""

from __future__ import annotations

import typer

from citykpi.cli import (
    store_city_cmds,
    store_db_cmds,
    store_identity_cmds,
    store_reading_cmds,
    store_workflow_cmds,
)


def _group(help_text: str) -> typer.Typer:
    return typer.Typer(help=help_text, no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the store and workflow commands to ``app``."""
    identity, cities = store_identity_cmds, store_city_cmds
    workflow, reading = store_workflow_cmds, store_reading_cmds
    db_app = _group("Create or migrate the database schema, and check its invariants.")
    db_app.command("upgrade")(identity.db_upgrade_cmd)
    db_app.command("check")(store_db_cmds.db_check_cmd)
    user_app = _group("Manage users and their roles.")
    user_app.command("add")(identity.user_add_cmd)
    user_app.command("list")(identity.user_list_cmd)
    user_app.command("disable")(identity.user_disable_cmd)
    user_app.command("password")(identity.user_password_cmd)
    token_app = _group("Create, list and revoke API tokens.")
    token_app.command("create")(identity.token_create_cmd)
    token_app.command("list")(identity.token_list_cmd)
    token_app.command("revoke")(identity.token_revoke_cmd)
    app.command("login")(identity.login_cmd)
    app.command("logout")(identity.logout_cmd)
    city_app = _group("Add, list and show cities and their profiles.")
    city_app.command("add")(cities.city_add_cmd)
    city_app.command("list")(cities.city_list_cmd)
    city_app.command("show")(cities.city_show_cmd)
    value_app = _group("Edit, retract, answer, comment on and attach evidence to one value.")
    value_app.command("set")(cities.value_set_cmd)
    value_app.command("retract")(cities.value_retract_cmd)
    value_app.command("answer")(cities.value_answer_cmd)
    value_app.command("comment")(cities.value_comment_cmd)
    value_app.command("attach")(cities.value_attach_cmd)
    value_app.command("evidence")(cities.value_evidence_cmd)
    review_app = _group("The verifier's review: list, start, verify, query, exclude.")
    review_app.command("list")(workflow.review_list_cmd)
    review_app.command("start")(workflow.review_start_cmd)
    review_app.command("verify")(workflow.review_verify_cmd)
    review_app.command("query")(workflow.review_query_cmd)
    review_app.command("exclude")(workflow.review_exclude_cmd)
    app.add_typer(db_app, name="db")
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
    app.add_typer(city_app, name="city")
    app.command("import")(cities.import_cmd)
    app.add_typer(value_app, name="value")
    app.command("submit")(workflow.submit_cmd)
    app.add_typer(review_app, name="review")
    app.command("publish")(workflow.publish_cmd)
    app.command("history")(reading.history_cmd)
    app.command("audit")(reading.audit_cmd)


__all__ = ["register"]
