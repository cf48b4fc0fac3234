"""One declarative, typed table of settings, read from the environment (prefix ``CITYKPI_``).

Settings are built by :func:`load_settings`, never at import time, so tests and commands can
construct their own. Every setting is listed in :data:`SETTINGS` with its type, default and
help text; ``docs/settings.md`` is generated from that table.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from citykpi.errors import SpecError

ENV_PREFIX: Final = "CITYKPI_"


@dataclass(frozen=True, slots=True)
class SettingSpec:
    """Declaration of one setting."""

    name: str
    type: type
    default: str | int | float | bool
    help: str


#: Every setting citykpi reads. ``database_url`` may be empty: the store then uses
#: ``./citykpi.db``.
SETTINGS: Final[tuple[SettingSpec, ...]] = (
    SettingSpec(
        "database_url",
        str,
        "",
        "SQLAlchemy URL of the store, e.g. 'sqlite:///citykpi.db' or "
        "'postgresql+psycopg://user@host/db'. Empty: an SQLite file ./citykpi.db.",
    ),
    SettingSpec(
        "evidence_max_bytes",
        int,
        20 * 1024 * 1024,
        "Largest evidence file accepted by the store, in bytes.",
    ),
    SettingSpec(
        "denominator_tolerance",
        float,
        0.05,
        "Relative difference above which the same denominator (population, households) within "
        "one submission is flagged (U4SSC verification manual: 5 %).",
    ),
    SettingSpec(
        "share_sum_tolerance",
        float,
        2.0,
        "Percentage points by which shares that must sum to 100 (mode share, waste treatment) "
        "may deviate.",
    ),
    SettingSpec(
        "sdg_goal_rule",
        str,
        "sdr",
        "SDSN goal colour rule of the SDG roll-up: 'sdr' (two worst data points, national SDR) "
        "or 'us_cities' (mean of all, red if over a third are red; US Cities 2019).",
    ),
    SettingSpec(
        "workers",
        int,
        0,
        "Worker processes for parallel work such as uncertainty analysis; 0 means one per core.",
    ),
    SettingSpec(
        "token_lifetime_days",
        int,
        90,
        "Days an API token made by 'citykpi token create' stays valid (unless --days is given).",
    ),
    SettingSpec(
        "login_token_lifetime_hours",
        int,
        12,
        "Hours the token that 'citykpi login' stores stays valid; log in again after that.",
    ),
    SettingSpec(
        "password_min_length",
        int,
        12,
        "Fewest characters a password may have.",
    ),
    SettingSpec(
        "login_attempt_limit",
        int,
        5,
        "Failed logins of one account within the window after which its logins are refused "
        "until the window has passed; 0 disables the limit.",
    ),
    SettingSpec(
        "login_attempt_window_minutes",
        int,
        15,
        "Minutes over which failed logins are counted for the login attempt limit.",
    ),
    SettingSpec(
        "config_dir",
        str,
        "",
        "Folder where 'citykpi login' keeps its token (owner-only permissions). Empty: the "
        "user's config folder, e.g. ~/.config/citykpi on Linux.",
    ),
    # the open-data block: what every export and the static site say about reuse
    SettingSpec(
        "data_licence",
        str,
        "CC-BY-4.0",
        "Licence of the published data, as an SPDX identifier, written into every open-data "
        "export and the static site (a 'data_licence' row of the store's settings wins).",
    ),
    SettingSpec(
        "data_licence_url",
        str,
        "https://creativecommons.org/licenses/by/4.0/",
        "Address of the licence text of the published data (store setting 'data_licence_url').",
    ),
    SettingSpec(
        "data_citation",
        str,
        "",
        "How to cite the published data, written into every export (store setting "
        "'data_citation'). Empty: '<publisher>, U4SSC KPIs of the published cities (<year>)'.",
    ),
    SettingSpec(
        "data_publisher",
        str,
        "citykpi",
        "Who publishes the data: the SDMX agency name, the NGSI-LD provider and the data "
        "package's contributor (store setting 'data_publisher').",
    ),
    # the web application ('citykpi serve')
    SettingSpec(
        "web_host",
        str,
        "127.0.0.1",
        "Address 'citykpi serve' listens on; loopback by default. Use 0.0.0.0 only behind a "
        "TLS-terminating proxy.",
    ),
    SettingSpec("web_port", int, 8000, "Port 'citykpi serve' listens on."),
    SettingSpec(
        "secret_key",
        str,
        "",
        "Key that signs the web sessions, at least 32 characters; required by 'citykpi serve' "
        "(except --demo, which makes a throwaway one). Changing it signs everyone out.",
    ),
    SettingSpec(
        "session_lifetime_minutes",
        int,
        480,
        "Minutes a web session lasts after sign-in; sign in again after that.",
    ),
    SettingSpec(
        "behind_proxy",
        bool,
        False,
        "Trust the X-Forwarded-Proto/-For headers of a reverse proxy (HTTPS detection for the "
        "Secure cookie flag and HSTS). Leave off when clients reach the server directly.",
    ),
    SettingSpec(
        "upload_max_bytes",
        int,
        10 * 1024 * 1024,
        "Largest file a browser may upload (workbooks, CSV, evidence), in bytes.",
    ),
)


@dataclass(frozen=True, slots=True)
class Settings:
    """Resolved settings; build with :func:`load_settings`."""

    database_url: str = ""
    evidence_max_bytes: int = 20 * 1024 * 1024
    denominator_tolerance: float = 0.05
    share_sum_tolerance: float = 2.0
    sdg_goal_rule: str = "sdr"
    workers: int = 0
    token_lifetime_days: int = 90
    login_token_lifetime_hours: int = 12
    password_min_length: int = 12
    login_attempt_limit: int = 5
    login_attempt_window_minutes: int = 15
    config_dir: str = ""
    data_licence: str = "CC-BY-4.0"
    data_licence_url: str = "https://creativecommons.org/licenses/by/4.0/"
    data_citation: str = ""
    data_publisher: str = "citykpi"
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    secret_key: str = field(default="", repr=False)
    session_lifetime_minutes: int = 480
    behind_proxy: bool = False
    upload_max_bytes: int = 10 * 1024 * 1024

    def resolved_database_url(self) -> str:
        """Return the database URL, defaulting to an SQLite file in the working directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{Path.cwd() / 'citykpi.db'}"


def _coerce(spec: SettingSpec, raw: str) -> str | int | float | bool:
    try:
        if spec.type is bool:
            lowered = raw.strip().lower()
            if lowered in {"1", "true", "yes", "on"}:
                return True
            if lowered in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
        if spec.type is int:
            return int(raw)
        if spec.type is float:
            return float(raw)
    except ValueError as e:
        msg = (
            f"Setting {ENV_PREFIX}{spec.name.upper()}={raw!r} is not a valid "
            f"{spec.type.__name__}; {spec.help}"
        )
        raise SpecError(msg) from e
    return raw


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Build the settings from the environment, then apply explicit overrides.

    Parameters
    ----------
    environ
        Mapping to read ``CITYKPI_*`` variables from; defaults to :data:`os.environ`.
    **overrides
        Values that take precedence over the environment, by setting name.

    Returns
    -------
    Settings
        The resolved, immutable settings.
    """
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    known = {s.name: s for s in SETTINGS}
    for spec in SETTINGS:
        raw = env.get(ENV_PREFIX + spec.name.upper())
        if raw is not None:
            values[spec.name] = _coerce(spec, raw)
    for name, value in overrides.items():
        if name not in known:
            msg = f"Unknown setting {name!r}; known settings: {', '.join(sorted(known))}."
            raise SpecError(msg)
        values[name] = value
    return Settings(**values)  # type: ignore[arg-type]


def render_settings_reference() -> str:
    """Return the Markdown reference of every setting (docs/settings.md)."""
    lines = [
        "# Settings",
        "",
        "Read from environment variables; generated from `citykpi.settings.SETTINGS`.",
        "",
        "| variable | type | default | meaning |",
        "|---|---|---|---|",
    ]
    for spec in SETTINGS:
        default = repr(spec.default) if spec.default != "" else "(empty)"
        variable = f"`{ENV_PREFIX}{spec.name.upper()}`"
        lines.append(f"| {variable} | {spec.type.__name__} | {default} | {spec.help} |")
    return "\n".join(lines) + "\n"


__all__ = [
    "ENV_PREFIX",
    "SETTINGS",
    "SettingSpec",
    "Settings",
    "load_settings",
    "render_settings_reference",
]
