"""Property-based test of the REST API against its own OpenAPI document, on a running server.

A real uvicorn server on 127.0.0.1 (a free port, in a thread) serves the whole application over
a copy of the demo store. Schemathesis reads ``/api/v1/openapi.json`` and sends each operation
examples generated from its parameters and body, signed in as the admin (so the signed-in
routes are reached, not only refused), and checks every answer: no server error, a status the
document declares, and a body that matches the declared schema (the one error shape for
errors). The run is bounded: a few examples per operation and a deadline per example.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
import uvicorn
from conftest import Demo, api_app, open_copy
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from citykpi.store import Store
from citykpi.store.auth import create_token
from citykpi.store.users import actor_by_name
from citykpi.web.api import router

#: Examples per operation and generation mode.
EXAMPLES = 10
#: The checks every answer must pass.
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    store = open_copy(demo, Path(tmp_path_factory.mktemp("api-property")))
    port = _free_port()
    config = uvicorn.Config(api_app(store), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("The uvicorn server did not start within 20 s.")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", store
    running.should_exit = True
    thread.join(timeout=10)
    store.dispose()


@pytest.fixture(scope="module")
def admin_headers(server: tuple[str, Store]) -> dict[str, str]:
    _, store = server
    with store.transaction() as s:
        token = create_token(s, actor_by_name(s, "demo-admin"), name="property-test")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def api_schema(server: tuple[str, Store]) -> schemathesis.BaseSchema:
    base, _ = server
    return schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")


def _operations() -> list[tuple[str, str]]:
    """Return (method, path) of every API operation, as the OpenAPI document names them."""
    bare = FastAPI()
    bare.include_router(router)
    paths = bare.openapi()["paths"]
    return [(m.upper(), p) for p, ops in sorted(paths.items()) for m in sorted(ops)]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize(("method", "path"), _operations())
def test_every_operation_keeps_its_documented_promises(
    api_schema: schemathesis.BaseSchema,
    server: tuple[str, Store],
    admin_headers: dict[str, str],
    method: str,
    path: str,
    mode: GenerationMode,
) -> None:
    base, _ = server
    operation = api_schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,  # the request's own timeout bounds each example
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        # raises, naming the check, when a response breaks the document
        response = case.call_and_validate(
            base_url=base, headers=admin_headers, checks=CHECKS, timeout=10
        )
        answered.append(response.status_code)

    answered: list[int] = []
    try:
        check()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise
        pytest.skip(f"{method} {path} accepts every value its parameters can take: none invalid")
    assert answered, f"no example of {method} {path} reached the server"
    assert all(status < 500 for status in answered)
