"""Forked worker processes of one job: the build's page freezing and the admin index's segments.

A job starts workers from a process whose objects they share (forked, with the collector's
objects frozen so that collection does not copy them), collects what they send with a check that
none died without sending it, and ends them all when it ends, however it ends. Each worker:

- dies with the process that started it (Linux: ``PR_SET_PDEATHSIG``), so a killed service
  leaves no worker behind holding the home's lock;
- opens a database connection of its own. The parent's connection is neither used nor closed
  there: closing a PostgreSQL connection tells the server to end the session the parent is
  still using (so the worker keeps a reference to it until it exits).
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import queue
import signal
from collections.abc import Callable, Iterator

from linli import db
from linli.errors import LinliError

MOST = 8  # workers of one job at most


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def per_core() -> int:
    """How many workers a job starts: one per core, at most :data:`MOST`."""
    return min(os.cpu_count() or 1, MOST)


class Workers:
    """Forked workers and the queue they send to. ``died``: the message (LinliError) when a
    worker ended without sending what was expected of it. Use as a context manager."""

    def __init__(self, died: str):
        self.context = multiprocessing.get_context("fork")
        self.results = self.context.Queue()
        self.died = died
        self.processes: list = []

    def start(self, target: Callable, *args) -> None:
        """Fork a worker running ``target(*args, results)`` (``results``: the queue to send to)."""
        if not self.processes:
            gc.freeze()  # objects of this process stay shared with the workers, not copied on collection
        worker = self.context.Process(target=_main, args=(target, args, self.results), daemon=True)
        worker.start()
        self.processes.append(worker)

    def next(self, given_up: Callable[[], bool] | None = None):
        """The next thing a worker sent; LinliError(``died``) when one died, or all ended,
        without sending it; None when ``given_up()`` says so (asked every second)."""
        while True:
            try:
                return self.results.get(timeout=1.0)
            except queue.Empty:
                if any(p.exitcode for p in self.processes) or not any(p.is_alive() for p in self.processes):
                    raise LinliError(self.died) from None
                if given_up is not None and given_up():
                    return None

    def join(self) -> None:
        for worker in self.processes:
            worker.join()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc) -> None:
        if self.processes:
            gc.unfreeze()
        for worker in self.processes:
            if worker.is_alive():
                worker.kill()
                worker.join()
        self.results.close()


def in_child(job: Callable[[], object], died: str):
    """What ``job()`` returns (it must pickle), run in a forked process whose memory goes with
    it (a build's other work while its page workers freeze: what it took would stay the build
    process's, beside them, to the end); what it raises is raised here. LinliError(``died``)
    when the process ends without an answer. Where processes cannot fork, ``job()`` here."""
    if not can_fork():
        return job()
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(target=_main, args=(_answer, (job,), writer), daemon=True)
    process.start()
    writer.close()
    try:
        while not reader.poll(1.0):
            if not process.is_alive():
                raise LinliError(died)
        try:
            done, outcome = reader.recv()
        except EOFError:  # (it died while answering)
            raise LinliError(died) from None
        process.join()
    finally:
        reader.close()
        if process.is_alive():
            process.kill()
            process.join()
    if not done:
        raise outcome
    return outcome


def _answer(job: Callable[[], object], writer) -> None:
    try:
        answer = (True, job())
    except BaseException as exc:  # noqa: BLE001 (raised in the parent)
        answer = (False, exc)
    try:
        writer.send(answer)
    except Exception as exc:  # an exception that does not pickle: its text
        writer.send((False, LinliError(f"{type(exc).__name__}: {exc}")))
    writer.close()


_inherited: list = []  # in a worker: what the parent goes on using (its database connection), kept


def keep(parents: object) -> None:
    """In a worker: keep the parent's ``parents`` (holding a connection or a file the parent goes
    on using) referenced until the worker exits, neither used nor closed here."""
    _inherited.append(parents)


def taken_in_turn(taken, count: int) -> Iterator[int]:
    """In a worker: the numbers below ``count`` that no worker sharing ``taken`` (a ``Value("i")``
    of :attr:`Workers.context`, from 0) took before, one at a time: each number to one worker."""
    while True:
        with taken.get_lock():
            number, taken.value = taken.value, taken.value + 1
        if number >= count:
            return
        yield number


def _main(target: Callable, args: tuple, results) -> None:
    die_with_parent()
    database = db.database.obj
    keep(database._state.conn)
    database._state.reset()
    database.connect()
    target(*args, results)


def die_with_parent() -> None:
    """Linux: the kernel ends this worker when the process that started it dies (on other
    systems: nothing)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def release_free_memory() -> None:
    """Give the memory the C allocator holds free back to the system (glibc's ``malloc_trim``;
    elsewhere nothing). Python's big objects come from it, and it gives back on its own only
    what is free at the top of its heap: after a step that made and dropped many (the static
    search index's shards, a build's records), most of it stays the process's, in a build
    process beside its workers or forked with the admin index's writer (the shards of 10,000
    notices: 27 MB)."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim.argtypes = [ctypes.c_size_t]
    trim(0)
