"""Builds of the public site, run as :mod:`linli.runs` of kind "build", and what changed since
the last one.

:func:`start_build` (the admin: a background thread) and :func:`run_build` (the command line:
this thread) run :func:`linli.build.build` as a run, so each build is a :class:`~linli.models.Run`
row with its progress, log and result, audit-logged, one at a time per home; this module says
what a build reports (pages, files, time) and answers "what changed since the site was last
published" (:func:`changes_since_last_build`).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from linli import models as m
from linli import runs
from linli.errors import LinliError
from linli.home import Home


def start_build(home: Home, username: str, *, address: str = "", now: dt.datetime | None = None) -> m.Run:
    """Start a build of ``home`` in a background thread and return its run at once.

    Raises LinliError (``runs.KINDS["build"].busy``) if a run of the home is going."""
    return runs.start(home, runs.BUILD, _build(), username, address=address, now=now)


def run_build(
    home: Home, username: str = runs.CLI_USER, progress=None, *, address: str = "", now: dt.datetime | None = None
) -> m.Run:
    """Build ``home`` now, in this thread, recorded like a build from the admin.

    ``progress(done, url, total)`` is called as pages are done. Returns the finished run; when the
    build fails, records that and raises LinliError with the message for staff."""
    run = runs.run_now(home, runs.BUILD, _build(progress), username, address=address, now=now)
    if run.state != runs.SUCCEEDED:
        raise LinliError(run.message)
    return run


def _build(progress=None) -> runs.Work:
    """The work of a build run: :func:`linli.build.build` at the run's start time."""

    def work(running: runs.Running) -> runs.Outcome:
        from linli.build import build

        def report(done: int, url: str, total: int) -> None:
            if progress:
                progress(done, url, max(total, done))
            running.progress(done, total)

        started = time.perf_counter()
        result = build(running.home, now=running.run.started_at, progress=report)
        seconds = time.perf_counter() - started
        return runs.Outcome(
            f"网站已更新：{result.pages} 个页面，用时 {seconds:.1f} 秒",
            done=result.pages,
            files=result.files,
            seconds=seconds,
            log=(f"共有 {result.pages} 个页面要生成。", f"已生成 {result.pages} 个页面，复制 {result.files} 个文件。"),
        )

    return work


def status(home: Home) -> m.Run | None:
    """The newest build (None before the first), after marking interrupted runs as failed."""
    return runs.latest(home, runs.BUILD)


def recent(home: Home, limit: int = 10) -> list[m.Run]:
    return runs.recent(home, runs.BUILD, limit)


def last_success() -> m.Run | None:
    return (
        m.Run.select()
        .where((m.Run.kind == runs.BUILD) & (m.Run.state == runs.SUCCEEDED))
        .order_by(m.Run.started_at.desc(), m.Run.id.desc())
        .first()
    )


@dataclass
class Changes:
    """What the public site does not show yet because it changed after the last build."""

    since: dt.datetime | None  # start of the last successful build; None: never built
    items: list = field(default_factory=list)
    settings: bool = False  # the community's facts (SiteSettings) were edited

    @property
    def count(self) -> int:
        return len(self.items) + int(self.settings)


def changes_since_last_build(now: dt.datetime | None = None) -> Changes:
    """Items whose public page changes with the next build: published or taken offline
    (archived, trashed while published) after the last successful build, and published items
    whose scheduled publish or expiry time has come since. Drafts and items in review are not
    counted: publishing the site does not put them online."""
    last = last_success()
    if last is None:
        return Changes(None)
    since, now = last.started_at, now or m.now()
    items = []
    for model in m.CONTENT_MODELS:
        edited = (model.updated_at > since) & model.status.in_([m.PUBLISHED, m.ARCHIVED])
        scheduled = (
            (model.status == m.PUBLISHED)
            & model.deleted_at.is_null()
            & (
                ((model.publish_at > since) & (model.publish_at <= now))
                | ((model.expires_at > since) & (model.expires_at <= now))
            )
        )
        items += list(model.select().where(edited | scheduled).order_by(model.updated_at.desc()))
    items.sort(key=lambda item: item.updated_at, reverse=True)
    settings = m.SiteSettings.select().where(m.SiteSettings.updated_at > since).exists()
    return Changes(since, items, settings)
