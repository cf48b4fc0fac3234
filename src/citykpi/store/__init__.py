"""The store: cities, submissions, values as revisions, the verification workflow and audit.

SQLite by default (a file, WAL mode, busy timeout), PostgreSQL by URL
(``postgresql+psycopg://...``); the schema is created and migrated by the Alembic migrations
shipped in :mod:`citykpi.store.migrations` (``citykpi db upgrade``). Every change runs in one
transaction (:meth:`Store.transaction`) and writes an audit event; the session refuses to
commit a change without one. See ``docs/store.md`` for the workflow and the permission matrix.

The names below are imported when first used (:pep:`562`), not when the package is: a command
that lists cities does not pay for the importer, the migrations or the workflow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from citykpi.lazy import lazy_exports

if TYPE_CHECKING:
    from citykpi.store.audit import AUDIT_COLUMNS, AuditRow, query_events
    from citykpi.store.auth import actor_by_token, create_token
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
        add_user,
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

#: Public name -> the module that defines it (a test keeps this, the imports above and
#: ``__all__`` equal).
_EXPORTS: dict[str, str] = {
    "AUDIT_COLUMNS": "citykpi.store.audit",
    "Action": "citykpi.store.users",
    "Actor": "citykpi.store.users",
    "AuditRow": "citykpi.store.audit",
    "CityProfile": "citykpi.store.cities",
    "DemoSummary": "citykpi.store.demo",
    "EXPORT_COLUMNS": "citykpi.store.listings",
    "HISTORY_COLUMNS": "citykpi.store.listings",
    "PERMISSIONS": "citykpi.store.users",
    "Role": "citykpi.store.users",
    "Store": "citykpi.store.engine",
    "ValueInput": "citykpi.store.values",
    "ValueState": "citykpi.store.states",
    "actor_by_name": "citykpi.store.users",
    "actor_by_password": "citykpi.store.users",
    "actor_by_token": "citykpi.store.auth",
    "add_city": "citykpi.store.cities",
    "add_comment": "citykpi.store.workflow",
    "add_user": "citykpi.store.users",
    "answer": "citykpi.store.workflow",
    "city_profile": "citykpi.store.cities",
    "create_token": "citykpi.store.auth",
    "disable_user": "citykpi.store.users",
    "downgrade": "citykpi.store.migrate",
    "edit_value": "citykpi.store.edits",
    "exclude": "citykpi.store.workflow",
    "export_values": "citykpi.store.listings",
    "head_revision": "citykpi.store.migrate",
    "history": "citykpi.store.listings",
    "list_cities": "citykpi.store.cities",
    "list_users": "citykpi.store.users",
    "load_demo": "citykpi.store.demo",
    "make_engine": "citykpi.store.engine",
    "open_store": "citykpi.store.engine",
    "publish": "citykpi.store.workflow",
    "query": "citykpi.store.workflow",
    "query_events": "citykpi.store.audit",
    "recompute_kpis": "citykpi.store.edits",
    "retract_value": "citykpi.store.edits",
    "start_review": "citykpi.store.workflow",
    "submit": "citykpi.store.workflow",
    "upgrade": "citykpi.store.migrate",
    "verify": "citykpi.store.workflow",
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())


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
