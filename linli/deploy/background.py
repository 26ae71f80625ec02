"""Deploys started from the admin's publish page: each a run of kind "deploy" (:mod:`linli.runs`).

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
    return runs.start(target.home, runs.DEPLOY, _deploy(target), username, target=target.name,
                      detail=f"{target.name} → {target.where}", address=address)  # fmt: skip


def _deploy(target: Target) -> runs.Work:
    def work(running: runs.Running) -> runs.Outcome:
        def progress(done: int, total: int, path: str) -> None:
            running.progress(done, total)

        result = deploy_target(target, progress=progress, lock=running.lock)
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
