"""Helpers of the hostile-input tests: run the CLI in-process under a time limit."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from typer.testing import CliRunner

from citykpi.cli.main import build_app

#: Every hostile input must be answered within this many seconds (issue 9).
LIMIT_SECONDS = 10.0


class TookTooLong(Exception):
    """Raised in the test when a command runs past the limit."""


@contextmanager
def time_limit(seconds: float = LIMIT_SECONDS) -> Iterator[None]:
    """Fail the test with :class:`TookTooLong` once ``seconds`` have passed (Python code only)."""

    def _expired(signum: int, frame: object) -> None:
        raise TookTooLong(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    start = time.perf_counter()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.perf_counter() - start < seconds


@dataclass(frozen=True)
class Outcome:
    """What one CLI run gave."""

    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(*args: str, env: dict[str, str] | None = None) -> Outcome:
    """Run ``citykpi ARGS`` in-process within :data:`LIMIT_SECONDS`."""
    with time_limit():
        result = CliRunner().invoke(build_app(), list(args), env={"COLUMNS": "250", **(env or {})})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"citykpi {args} raised {result.exception!r}") from result.exception
    return Outcome(result.exit_code, result.stdout, result.stderr)


def assert_clean_refusal(outcome: Outcome, *, expect: str | tuple[str, ...]) -> None:
    """Assert exit 1 or 2, ``expect`` (or one of them) shown, no internal error or traceback."""
    assert outcome.code in (1, 2), outcome.output
    assert "Internal error" not in outcome.output
    assert "Traceback" not in outcome.output
    wanted = (expect,) if isinstance(expect, str) else expect
    assert any(text in outcome.output for text in wanted), outcome.output
