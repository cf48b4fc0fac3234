"""Process pools for the engine's heavy loops (uncertainty replications), and worker counts.

A job is any picklable-by-reference callable applied to many small tasks. :func:`pool_map` hands
the job to each worker process once, when the worker starts (``ProcessPoolExecutor``'s
``initializer``), and then sends only the tasks. Under the ``fork`` start method (Linux, and the
default here where available) the worker inherits the job with everything it holds (the data,
the upstream builds) instead of receiving a pickled copy; under ``spawn`` the job is pickled once
per worker. Nothing in this module reads or writes a file.
"""

from __future__ import annotations

import multiprocessing

# ``os`` only for ``os.cpu_count()`` (the default worker count), not for any file access; the
# engine's no-I/O test allows exactly this import in this module.
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# The job of *this* worker process, installed by the pool's initializer in the child process
# only; the parent process never sets it.
_worker_job: list[Callable[[Any], Any]] = []


def _install(job: Callable[[Any], Any]) -> None:
    _worker_job[:] = [job]


def _call(task: Any) -> Any:
    return _worker_job[0](task)


def worker_pool(workers: int, job: Callable[[T], R]) -> ProcessPoolExecutor:
    """Return a process pool whose workers each hold ``job`` (inherited under ``fork``)."""
    methods = multiprocessing.get_all_start_methods()
    # fork lets the workers inherit the job's data instead of receiving a pickled copy
    ctx = multiprocessing.get_context("fork") if "fork" in methods else None
    return ProcessPoolExecutor(workers, mp_context=ctx, initializer=_install, initargs=(job,))


def pool_map(
    job: Callable[[T], R], tasks: Sequence[T], *, workers: int, chunksize: int = 1
) -> Iterator[R]:
    """Apply ``job`` to every task in ``workers`` processes; results come in task order.

    Parameters
    ----------
    job
        The function to run; it travels to each worker once, not with every task.
    tasks
        The arguments, one call each.
    workers
        Number of worker processes.
    chunksize
        Tasks sent to a worker at a time (as :meth:`concurrent.futures.Executor.map`).

    Yields
    ------
    object
        ``job(task)`` for each task, in order, as they finish.
    """
    with worker_pool(workers, job) as pool:
        yield from pool.map(_call, tasks, chunksize=chunksize)


def default_workers(requested: int = 0) -> int:
    """Return the number of worker processes: ``requested``, or one per core when 0."""
    if requested > 0:
        return requested
    return max(1, os.cpu_count() or 1)


__all__ = ["default_workers", "pool_map", "worker_pool"]
