"""The store's tables as SQLAlchemy 2 typed models.

Modelling assumptions:

* A **submission** is one city and one reporting year. Its **values** are slots, one per raw
  input (``kind == "input"``) or KPI data point (``kind == "kpi"``); a slot carries the
  verification state and a ``version`` column for optimistic locking.
* A slot's content lives in **revisions** that are only ever inserted: an import or an edit
  adds revision ``n + 1``; a retraction is a revision with ``retracted = True``. Triggers
  created by the migration refuse ``UPDATE`` and ``DELETE`` on revisions and audit events.
* Every change writes an **audit event** in the same transaction (enforced at commit by
  :mod:`citykpi.store.audit`). Each model names the audit entity it belongs to through
  :meth:`Base.audit_key`.
* Evidence files are stored once per content hash (SHA-256) and linked to a value or a
  submission under their original name.
* User and city names are unique by their ``name_key`` (:func:`citykpi.store.names.name_key`:
  NFKC, trimmed, case-folded), set from the name by a validator whenever the name is set.
* Tokens have a name, an expiry, a last-used time and a revocation time; ``login_attempts``
  records every password check for rate limiting; ``store_settings`` holds store-wide
  key/value settings such as ``single_person``.

The Alembic migrations in ``store/migrations`` create exactly these tables; a test compares
them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    ColumnElement,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from citykpi.store.names import name_key


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of every store table."""

    def audit_key(self) -> tuple[str, str]:
        """Return the ``(entity_type, entity_id)`` an audit event must name for this row."""
        raise NotImplementedError


class FrameworkVersion(Base):
    """A catalogue version that KPI values were computed with."""

    __tablename__ = "framework_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def audit_key(self) -> tuple[str, str]:
        return ("framework", self.version)


class City(Base):
    """A city and its profile (the context a verifier checks values against)."""

    __tablename__ = "cities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    name_key: Mapped[str] = mapped_column(String(200), index=True, unique=True, server_default="")
    country: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    population_class: Mapped[str] = mapped_column(String(40), default="")
    population: Mapped[float | None] = mapped_column(Float, nullable=True)
    area_km2: Mapped[float | None] = mapped_column(Float, nullable=True)
    gdp_per_capita: Mapped[float | None] = mapped_column(Float, nullable=True)
    income_group: Mapped[str] = mapped_column(String(40), default="")
    coastal: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @validates("name")
    def _set_name_key(self, key: str, name: str) -> str:
        del key
        self.name_key = name_key(name)
        return name

    def audit_key(self) -> tuple[str, str]:
        return ("city", str(self.id))


class User(Base):
    """A person or service account with one role."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    name_key: Mapped[str] = mapped_column(String(100), index=True, unique=True, server_default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    cities: Mapped[list[UserCity]] = relationship(
        back_populates="user", cascade="all", lazy="selectin"
    )

    @validates("name")
    def _set_name_key(self, key: str, name: str) -> str:
        del key
        self.name_key = name_key(name)
        return name

    def audit_key(self) -> tuple[str, str]:
        return ("user", str(self.id))


class UserCity(Base):
    """A city a city editor may edit."""

    __tablename__ = "user_cities"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"), primary_key=True)

    user: Mapped[User] = relationship(back_populates="cities")

    def audit_key(self) -> tuple[str, str]:
        return ("user", str(self.user_id))


class ApiToken(Base):
    """An API token; only its SHA-256 hash is stored.

    ``name`` identifies it to its owner (``token list``/``token revoke``); ``label`` is the
    name's former column, kept equal to it for older readers. A token is refused after
    ``expires_at`` or once ``revoked_at`` is set; ``last_used_at`` is bookkeeping updated on use.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    def audit_key(self) -> tuple[str, str]:
        return ("token", str(self.id))


class Submission(Base):
    """One city's data for one reporting year."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("city_id", "year", name="uq_submission_city_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="open")
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    city: Mapped[City] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def audit_key(self) -> tuple[str, str]:
        return ("submission", str(self.id))


class ImportRun(Base):
    """One imported file (the revisions it created point to it)."""

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(String(64), default="")
    rows: Mapped[int] = mapped_column(Integer, default=0)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def audit_key(self) -> tuple[str, str]:
        return ("import", str(self.id))


class Value(Base):
    """A value slot: one raw input or KPI data point of one submission, with its state."""

    __tablename__ = "kpi_values"
    __table_args__ = (UniqueConstraint("submission_id", "kind", "code", name="uq_value_slot"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(120))
    kpi_code: Mapped[str] = mapped_column(String(40), default="")
    state: Mapped[str] = mapped_column(String(20), default="draft")
    current_revision: Mapped[int] = mapped_column(Integer, default=0)
    excluded_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    submission: Mapped[Submission] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def audit_key(self) -> tuple[str, str]:
        return ("value", str(self.id))


class ValueRevision(Base):
    """One revision of a value slot; never updated, never deleted."""

    __tablename__ = "value_revisions"
    __table_args__ = (UniqueConstraint("value_id", "number", name="uq_revision_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value_id: Mapped[int] = mapped_column(ForeignKey("kpi_values.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    raw_value: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str] = mapped_column(String(60), default="")
    status: Mapped[str] = mapped_column(String(20), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    quality: Mapped[str] = mapped_column(String(60), default="")
    provenance: Mapped[str] = mapped_column(Text, default="")
    retracted: Mapped[bool] = mapped_column(Boolean, default=False)
    framework_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("framework_versions.id"), nullable=True
    )
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"), nullable=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def audit_key(self) -> tuple[str, str]:
        return ("value", str(self.value_id))


class Comment(Base):
    """A verifier's query, a city's answer, or a note on a value."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value_id: Mapped[int] = mapped_column(ForeignKey("kpi_values.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def audit_key(self) -> tuple[str, str]:
        return ("value", str(self.value_id))


class EvidenceBlob(Base):
    """The bytes of an evidence file, stored once per SHA-256."""

    __tablename__ = "evidence_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    content_type: Mapped[str] = mapped_column(String(100), default="", server_default="")

    def audit_key(self) -> tuple[str, str]:
        return ("evidence", self.sha256)


class EvidenceFile(Base):
    """An evidence file attached to a submission (and optionally one value)."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    value_id: Mapped[int | None] = mapped_column(ForeignKey("kpi_values.id"), nullable=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("evidence_blobs.sha256"))
    original_name: Mapped[str] = mapped_column(String(500))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def audit_key(self) -> tuple[str, str]:
        return ("evidence", self.sha256)


class AuditEvent(Base):
    """One append-only audit event: who did what to which entity, from what to what, and why."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    actor_name: Mapped[str] = mapped_column(String(100))
    #: How the actor was authenticated: "password", "token", "session", "local" or "system"
    #: ("" on events recorded before migration 0002).
    auth: Mapped[str] = mapped_column(String(20), default="", server_default="")
    action: Mapped[str] = mapped_column(String(40))
    entity_type: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[str] = mapped_column(String(100))
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id"), nullable=True, index=True)
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    before: Mapped[str] = mapped_column(Text, default="")
    after: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")

    def audit_key(self) -> tuple[str, str]:
        return (self.entity_type, self.entity_id)


class LoginAttempt(Base):
    """One password check for an account (by its name key), for rate limiting logins."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_key_at", "name_key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name_key: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)

    def audit_key(self) -> tuple[str, str]:
        return ("login", self.name_key)


class StoreSetting(Base):
    """A store-wide setting, e.g. ``single_person = "1"`` for a single-person SQLite store."""

    __tablename__ = "store_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")

    def audit_key(self) -> tuple[str, str]:
        return ("setting", self.key)


def on_current_revision() -> ColumnElement[bool]:
    """Return the join condition that pairs each value slot with its current revision only."""
    return (ValueRevision.value_id == Value.id) & (ValueRevision.number == Value.current_revision)


__all__ = [
    "ApiToken",
    "AuditEvent",
    "Base",
    "City",
    "Comment",
    "EvidenceBlob",
    "EvidenceFile",
    "FrameworkVersion",
    "ImportRun",
    "LoginAttempt",
    "StoreSetting",
    "Submission",
    "User",
    "UserCity",
    "Value",
    "ValueRevision",
    "on_current_revision",
    "utcnow",
]
