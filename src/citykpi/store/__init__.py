"""The store: cities, submissions, values as revisions, the verification workflow and audit.

SQLite by default (a file, WAL mode, busy timeout), PostgreSQL by URL
(``postgresql+psycopg://...``); the schema is created and migrated by the Alembic migrations
shipped in :mod:`citykpi.store.migrations` (``citykpi db upgrade``). Every change runs in one
transaction (:meth:`Store.transaction`) and writes an audit event; the session refuses to
commit a change without one. See ``docs/store.md`` for the workflow and the permission matrix.
"""

from citykpi.store.audit import AUDIT_COLUMNS, AuditRow, query_events
from citykpi.store.cities import CityProfile, add_city, city_profile, list_cities
from citykpi.store.demo import DemoSummary, load_demo
from citykpi.store.edits import edit_value, recompute_kpis, retract_value
from citykpi.store.engine import Store, make_engine, open_store
from citykpi.store.listings import EXPORT_COLUMNS, HISTORY_COLUMNS, export_values, history
from citykpi.store.migrate import downgrade, head_revision, upgrade
from citykpi.store.states import ValueState
from citykpi.store.users import (
    PERMISSIONS,
    Action,
    Actor,
    Role,
    actor_by_name,
    actor_by_password,
    actor_by_token,
    add_user,
    create_token,
    disable_user,
    list_users,
)
from citykpi.store.values import ValueInput
from citykpi.store.workflow import (
    add_comment,
    answer,
    exclude,
    publish,
    query,
    start_review,
    submit,
    verify,
)

__all__ = [
    "AUDIT_COLUMNS",
    "EXPORT_COLUMNS",
    "HISTORY_COLUMNS",
    "PERMISSIONS",
    "Action",
    "Actor",
    "AuditRow",
    "CityProfile",
    "DemoSummary",
    "Role",
    "Store",
    "ValueInput",
    "ValueState",
    "actor_by_name",
    "actor_by_password",
    "actor_by_token",
    "add_city",
    "add_comment",
    "add_user",
    "answer",
    "city_profile",
    "create_token",
    "disable_user",
    "downgrade",
    "edit_value",
    "exclude",
    "export_values",
    "head_revision",
    "history",
    "list_cities",
    "list_users",
    "load_demo",
    "make_engine",
    "open_store",
    "publish",
    "query",
    "query_events",
    "recompute_kpis",
    "retract_value",
    "start_review",
    "submit",
    "upgrade",
    "verify",
]
