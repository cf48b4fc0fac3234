"""Commands: serve (the web application and REST API).

``citykpi serve`` serves the store named by the settings (``CITYKPI_DATABASE_URL``) with the
signing key ``CITYKPI_SECRET_KEY``; ``--demo`` builds a fresh demo store in a temporary folder,
gives each demo account a random password and prints the address and the accounts. The server
listens on loopback unless told otherwise.
"""

from __future__ import annotations

import tempfile
from typing import Final

import typer

from citykpi.cli._common import console, err_console, guarded, warn

_LOOPBACK: Final = frozenset({"127.0.0.1", "::1", "localhost"})


def _say(text: str) -> None:
    console.print(text, highlight=False, soft_wrap=True, markup=False)


@guarded
def serve_cmd(
    demo: bool = typer.Option(
        False, "--demo", help="Serve a fresh demo store with demo accounts (printed)."
    ),
    host: str = typer.Option("", "--host", help="Address to listen on (default CITYKPI_WEB_HOST)."),
    port: int = typer.Option(
        0, "--port", help="Port (default CITYKPI_WEB_PORT).", min=0, max=65535
    ),
    cities: int = typer.Option(40, "--cities", help="Sample cities of the demo store.", min=8),
) -> None:
    """Serve the web application: public pages, work pages, the REST API under /api/v1."""
    import uvicorn

    from citykpi.settings import load_settings
    from citykpi.web import create_app

    settings = load_settings()
    bind = host or settings.web_host
    chosen = port or settings.web_port
    if bind not in _LOOPBACK and not settings.behind_proxy:
        warn(
            f"Listening on {bind}, beyond this machine, without CITYKPI_BEHIND_PROXY: serve "
            "through a TLS-terminating proxy, or session cookies travel in clear text."
        )
    with tempfile.TemporaryDirectory(prefix="citykpi-serve-") as tmp:
        if demo:
            from citykpi.web.demo import prepare_demo

            with err_console.status("Building the demo store...") as status:
                site = prepare_demo(
                    tmp, n_cities=cities, on_step=lambda s: status.update(f"{s}...")
                )
            settings = load_settings(database_url=site.database_url)
            published = ", ".join(f"{c} {y}" for c, y, _n in site.summary.published)
            _say(f"Demo store: {site.summary.cities} cities; published: {published}.")
            _say("Demo accounts (user name / password, valid while this server runs):")
            for name, password in site.passwords.items():
                _say(f"  {name} / {password}")
        app = create_app(settings, demo=demo)
        _say(f"Serving citykpi on http://{bind}:{chosen}/ (API: /api/v1, Ctrl-C stops)")
        uvicorn.run(
            app,
            host=bind,
            port=chosen,
            log_level="warning",
            proxy_headers=False,  # the app trusts X-Forwarded-* only with CITYKPI_BEHIND_PROXY
            server_header=False,
        )


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("serve")(serve_cmd)
