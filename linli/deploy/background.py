"""Deploys as runs of kind "deploy" (:mod:`linli.runs`): started from the admin's publish page,
or inside a publish (:mod:`linli.publisher`), one for each automatic target.

The work is :func:`linli.deploy.deploy_target`'s; :mod:`linli.runs` holds the home's lock for
it from the click until its result is recorded (so no build and no other deploy runs meanwhile),
keeps the row with its target, progress (files sent of files to send) and result, audit-logs it
(``deploy_requested``, ``deploy_succeeded``, ``deploy_failed``) and marks a deploy whose
process died as interrupted.
"""

from __future__ import annotations

from linli import models as m
from linli import runs
from linli.deploy import Target, deploy_target
from linli.home import Home


def start(target: Target, username: str, *, address: str = "") -> m.Run:
    """Send ``target.home``'s built site to ``target`` in a background thread; its run, at once.

    LinliError (``runs.KINDS["deploy"].busy``) when a build or a deploy of the home is going."""
    return runs.start(target.home, runs.DEPLOY, deploy_work(target), username, target=target.name,
                      detail=detail(target), address=address)  # fmt: skip


def detail(target: Target) -> str:
    """What the ``deploy_requested`` audit event says about where the site goes."""
    return f"{target.name} → {target.where}"


def deploy_work(target: Target, progress=None) -> runs.Work:
    """The work of a deploy run; ``progress(done, total)`` is also told the files sent."""

    def work(running: runs.Running) -> runs.Outcome:
        def report(done: int, total: int, path: str) -> None:
            running.progress(done, total)
            if progress:
                progress(done, total)

        result = deploy_target(target, progress=report, lock=running.lock)
        sent = len(result.uploaded) + len(result.deleted)
        return runs.Outcome(result.summary(), done=sent, files=len(result.uploaded))

    return work


def status(home: Home) -> m.Run | None:
    """The newest deploy (None before the first), an interrupted one marked failed."""
    return runs.latest(home, runs.DEPLOY)


def last_per_target(home: Home, names) -> dict[str, m.Run]:
    """The newest deploy to each target of ``names`` that has one."""
    found = {name: runs.latest(home, runs.DEPLOY, name) for name in names}
    return {name: run for name, run in found.items() if run is not None}


def last_success_per_target(names) -> dict[str, m.Run]:
    """The newest successful deploy to each target of ``names`` that has one (by hand or in a
    publish): when what residents read there was last brought up to date."""
    found = {name: runs.last_success(runs.DEPLOY, name) for name in names}
    return {name: run for name, run in found.items() if run is not None}
