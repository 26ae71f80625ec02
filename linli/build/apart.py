"""A build asked for beside other threads (the admin service's) goes in a new process of its own.

The build forks its page workers (and the admin index's writers) so that they share what it
read. Forking copies every lock as it is at that instant, and a lock another thread holds then
(SQLite's own mutexes while a request of the admin's service reads the database, for one) is
never released in the child: the worker waits forever, and so do the build and the home's lock.
So the admin's publish button and the service's scheduler, which run a build in a thread beside
the server's, have it built in a process forked by multiprocessing's fork server: a process
started fresh the first time (one thread, nothing held; the build's modules imported once), so
that each build forks from it at once (0.1 s more than in place, the first 1 s) and forks its
workers safely, sending its progress and result back. The command line, alone in its process,
builds in place.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading

from linli.build.context import BuildResult
from linli.errors import LinliError
from linli.home import Home

log = logging.getLogger(__name__)
DIED = "网站生成失败：生成网站的进程意外退出。原来的网站没有改动。"  # (as linli.workers says of a page worker)
WAIT = 0.5  # seconds between two looks at whether the process still runs
#: What the fork server imports once, so that each build it forks starts at once.
PRELOAD = ["linli.cli", "linli.build", "linli.app"]


def build(home: Home, *, now=None, progress=None) -> BuildResult:
    """:func:`linli.build.build` of ``home``: here when asked for by the process's main thread (the
    command line's), else in a process of its own (same arguments, same result, LinliError with
    the same messages). A service's main thread only serves; its builds run in threads beside
    the request threads (the publish button's, the scheduler's)."""
    if threading.current_thread() is threading.main_thread():
        from linli.build import build as build_here

        return build_here(home, now=now, progress=progress)
    return _build_apart(home, now, progress)


def _build_apart(home: Home, now, progress) -> BuildResult:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    receiving, sending = context.Pipe(duplex=False)
    process = context.Process(target=_main, args=(home, home.database_url, now, sending), name="linli-build")
    process.start()
    sending.close()  # (this end is the child's: when it ends, reading says so)
    ended = False
    try:
        while True:
            try:
                if not receiving.poll(WAIT):
                    if process.is_alive():
                        continue
                    raise EOFError
                kind, *message = receiving.recv()
            except EOFError:  # (it ended without saying how: killed, out of memory)
                process.join()
                log.error("the build's process ended with exit code %s", process.exitcode)
                raise LinliError(DIED) from None
            if kind == "progress":
                if progress:
                    progress(*message)
            elif kind == "done":
                ended = True
                return message[0]
            else:  # "failed"
                ended = True
                raise LinliError(message[0])
    finally:
        receiving.close()
        process.join(timeout=10 if ended else 0)
        if process.is_alive():  # (this thread failed while it built: the journal keeps the site whole)
            process.kill()
            process.join()


def _main(home: Home, database_url: str, now, sending) -> None:
    """The build's own process (not a daemon: it forks its workers): open the home's database,
    build, send progress and the result. (``database_url``: the one the parent's home names;
    the fork server's environment is as it was when it started.)"""
    from linli import cli, db
    from linli.workers import die_with_parent

    die_with_parent()  # (the service ends: so does its build; the site stays as it was)
    with cli.long_lived():
        from linli.build import build as build_here
    os.environ["DATABASE_URL"] = database_url  # (what Home.database_url answers first, here too)
    db.connect(database_url, home.settings["timezone"])
    try:
        result = build_here(home, now=now, progress=lambda *step: sending.send(("progress", *step)))
    except LinliError as exc:
        sending.send(("failed", str(exc)))
    else:
        sending.send(("done", result))
    finally:
        sending.close()
        cli.end_quickly()
