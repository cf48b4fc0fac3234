"""Trust: token names, expiry and revocation; unique name keys; how actors were authenticated.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04

Adds

* ``api_tokens.name``, ``expires_at``, ``last_used_at``, ``revoked_at``. Existing tokens get
  their label as name (``token-ID`` when the label is empty) and expire 90 days (the default
  ``token_lifetime_days``) after they were created;
* ``users.name_key`` and ``cities.name_key``, unique: the name in NFKC with white space
  collapsed, trimmed and case-folded (the same as :func:`citykpi.store.names.name_key`, copied
  here so the migration stays as it was written). Existing rows whose keys collide (e.g.
  ``Vera`` and ``vera ``, both accepted before) do not make the migration fail: the oldest row
  (lowest id) keeps the key, each later one gets ``KEY#ID``. Both stay reachable by their exact
  stored name; no new name that collides with either can be added;
* ``audit_events.auth`` (how the actor was authenticated; ``""`` on earlier events, which the
  append-only triggers keep as they were), ``evidence_blobs.content_type`` (``""`` until sniffed);
* the tables ``login_attempts`` (rate limiting) and ``store_settings`` (key/value).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TOKEN_LIFETIME = timedelta(days=90)
_SPACES = re.compile(r"\s+")


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _key(name: str) -> str:
    text = _SPACES.sub(" ", unicodedata.normalize("NFKC", name)).strip()
    return unicodedata.normalize("NFKC", text.casefold())


def _aware(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _backfill_name_keys(table_name: str, length: int) -> None:
    table = sa.table(
        table_name,
        sa.column("id", sa.Integer()),
        sa.column("name", sa.String(length)),
        sa.column("name_key", sa.String(length)),
    )
    bind = op.get_bind()
    seen: set[str] = set()
    for row_id, name in bind.execute(sa.select(table.c.id, table.c.name).order_by(table.c.id)):
        key = _key(name)
        if key in seen:
            key = f"{key}#{row_id}"
        seen.add(key)
        bind.execute(sa.update(table).where(table.c.id == row_id).values(name_key=key))


def _backfill_tokens() -> None:
    tokens = sa.table(
        "api_tokens",
        sa.column("id", sa.Integer()),
        sa.column("label", sa.String(100)),
        sa.column("name", sa.String(100)),
        sa.column("created_at", _ts()),
        sa.column("expires_at", _ts()),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(tokens.c.id, tokens.c.label, tokens.c.created_at)).all()
    for row_id, label, created in rows:
        bind.execute(
            sa.update(tokens)
            .where(tokens.c.id == row_id)
            .values(name=label or f"token-{row_id}", expires_at=_aware(created) + _TOKEN_LIFETIME)
        )


def upgrade() -> None:
    """Add the columns and tables, backfilling existing rows."""
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("name", sa.String(100), nullable=False, server_default=""))
        batch.add_column(sa.Column("expires_at", _ts(), nullable=True))
        batch.add_column(sa.Column("last_used_at", _ts(), nullable=True))
        batch.add_column(sa.Column("revoked_at", _ts(), nullable=True))
    _backfill_tokens()
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column("expires_at", existing_type=_ts(), nullable=False)
        batch.alter_column("name", existing_type=sa.String(100), server_default=None)

    for table_name, length in (("users", 100), ("cities", 200)):
        op.add_column(
            table_name,
            sa.Column("name_key", sa.String(length), nullable=False, server_default=""),
        )
        _backfill_name_keys(table_name, length)
        op.create_index(f"ix_{table_name}_name_key", table_name, ["name_key"], unique=True)

    op.add_column(
        "audit_events", sa.Column("auth", sa.String(20), nullable=False, server_default="")
    )
    op.add_column(
        "evidence_blobs",
        sa.Column("content_type", sa.String(100), nullable=False, server_default=""),
    )
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name_key", sa.String(100), nullable=False),
        sa.Column("at", _ts(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_login_attempts_key_at", "login_attempts", ["name_key", "at"])
    op.create_table(
        "store_settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )


def _drop_column(table: str, column: str) -> None:
    # SQLite (>= 3.35) and PostgreSQL both drop a column that no index or trigger uses.
    op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


def downgrade() -> None:
    """Drop what :func:`upgrade` added (names, expiry and auth methods are lost)."""
    op.drop_table("store_settings")
    op.drop_index("ix_login_attempts_key_at", table_name="login_attempts")
    op.drop_table("login_attempts")
    _drop_column("evidence_blobs", "content_type")
    _drop_column("audit_events", "auth")
    for table_name in ("cities", "users"):
        op.drop_index(f"ix_{table_name}_name_key", table_name=table_name)
        _drop_column(table_name, "name_key")
    with op.batch_alter_table("api_tokens") as batch:
        for column in ("revoked_at", "last_used_at", "expires_at", "name"):
            batch.drop_column(column)
