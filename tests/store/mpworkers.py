"""The worker processes of ``test_multiprocess``: importers and editors of one submission.

A module of its own (not the test module) so that ``multiprocessing``'s forkserver imports it
once, with the store and the catalogue (the children fork from it with both loaded: eight
interpreters importing pandas and SQLAlchemy on two cores would take longer than the test).
Each worker runs every round's two phases: it waits at the barrier with the other workers and
the test, does the phase's work, reports what it committed on the queue, and waits at the
barrier again while the test runs ``db check``.
"""

from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass
from typing import Any

from citykpi.catalogue import catalogue_index, load_catalogue
from citykpi.settings import Settings
from citykpi.store import edit_value, open_store
from citykpi.store.importer import import_file
from citykpi.store.users import actor_by_name

catalogue_index(load_catalogue())  # parsed once, in the forkserver

#: Seconds a worker waits at a barrier before giving up.
WAIT = 60.0


@dataclass(frozen=True)
class Job:
    """One worker's rounds: a first import, then a re-import or edits, per round.

    ``firsts[r]`` is the file the worker imports in round ``r``'s first phase (every worker
    imports one part of a new city-year); in the second phase it imports ``seconds[r]`` (its
    part again, one input revised) or sets ``code`` to each of ``values[r]`` in turn.
    """

    url: str
    user: str
    city: str
    years: tuple[int, ...]
    firsts: tuple[str, ...]
    seconds: tuple[str, ...] = ()
    code: str = ""
    values: tuple[tuple[float, ...], ...] = ()


def _import(store: Any, job: Job, year: int, path: str, queue: Any) -> None:
    with store.transaction() as s:
        actor = actor_by_name(s, job.user)
    import_file(store, actor, path, city=job.city, year=year)
    queue.put(("import", year, path, 0.0))


def _edit(store: Any, job: Job, year: int, value: float, queue: Any) -> None:
    with store.transaction() as s:
        actor = actor_by_name(s, job.user)
        edit_value(s, actor, job.city, year, job.code, value=value, reason="mp edit")
    queue.put(("edit", year, job.code, value))


def run(job: Job, barrier: Any, queue: Any) -> None:
    """Run ``job``'s rounds; put ``("error", ...)`` on ``queue`` and break the barrier on failure.

    Each phase starts and ends at the barrier (the test runs ``db check`` in between).
    """
    try:
        store = open_store(job.url, settings=Settings(database_url=job.url))
        for index, year in enumerate(job.years):
            barrier.wait(WAIT)
            _import(store, job, year, job.firsts[index], queue)
            barrier.wait(WAIT)
            barrier.wait(WAIT)
            if job.seconds:
                _import(store, job, year, job.seconds[index], queue)
            for value in job.values[index] if job.values else ():
                _edit(store, job, year, value, queue)
            barrier.wait(WAIT)
        store.dispose()
    except threading.BrokenBarrierError:
        pass  # another worker failed and said so
    except Exception:  # noqa: BLE001 - reported to the test, which fails naming it
        queue.put(("error", 0, traceback.format_exc(), 0.0))
        barrier.abort()
