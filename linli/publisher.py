"""Publishing the public site: builds and publishes, run as :mod:`linli.runs`, and what changed
since the last one.

A *publish* (run kind "publish") builds ``site/`` and then sends it to every deploy target
marked ``auto = true`` in linli.toml, each send a deploy run of its own inside it (so each
target keeps its history and its last successful deploy); one progress bar covers both phases.
It is what the admin's button (:func:`start_publish`, a background thread), ``linli publish``
(:func:`run_publish`, this thread) and the service's scheduler (:mod:`linli.scheduler`) do.
A *build* (run kind "build", ``linli build``: :func:`run_build`) only renders ``site/``.

Each is a :class:`~linli.models.Run` row with its progress, log and result, audit-logged, one at
a time per home. This module says what they report (pages, files, targets, time), where the
site is (:func:`whereabouts`) and answers "what changed since the site was last built"
(:func:`changes_since_last_build`).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from linli import models as m
from linli import runs
from linli.errors import LinliError
from linli.home import Home

#: Runs that render ``site/``: what "the last time the site was published" goes by.
SITE_KINDS = (runs.PUBLISH, runs.BUILD)
#: Progress units of each phase of a publish (the build, then each target): one bar for all.
PHASE = 1000
ONLY_HERE = "只在这台电脑上（还没有设置上网目标）"
NOTE = "。注意："  # before each note of a build that succeeded (BuildResult.notes) in its message


def start_publish(home: Home, username: str, *, address: str = "", now: dt.datetime | None = None) -> m.Run:
    """Start a publish of ``home`` in a background thread and return its run at once.

    Raises LinliError (``runs.KINDS["publish"].busy``) if a run of the home is going."""
    return runs.start(home, runs.PUBLISH, _publish(), username, detail=_targets_detail(home), address=address,
                      now=now)  # fmt: skip


def run_publish(home: Home, username: str = runs.CLI_USER, progress=None, *, lock: runs.HomeLock | None = None,
                reason: str = "", now: dt.datetime | None = None) -> m.Run:  # fmt: skip
    """Publish ``home`` now, in this thread: build, then send to each automatic target.

    ``progress(done, total, phase)`` as the run goes (``done`` of ``total`` units over both
    phases; ``phase``: what it is doing, for the person watching). ``lock``: the home's lock, when
    the caller holds it already. ``reason`` (why it runs now: the scheduler's) goes into the
    log and the audit event. Returns the finished run, whether it succeeded or not."""
    detail = "；".join(text for text in (reason, _targets_detail(home)) if text)
    return runs.run_now(home, runs.PUBLISH, _publish(progress, reason), username, detail=detail, lock=lock, now=now)


def _targets_detail(home: Home) -> str:
    from linli.deploy.config import automatic

    try:
        names = [target.name for target in automatic(home)]
    except LinliError:
        return ""
    return "上传到：" + "、".join(names) if names else ""


def _publish(progress=None, reason: str = "") -> runs.Work:
    """The work of a publish run: a build at the run's start time, then a deploy to each
    automatic target (each a deploy run inside this one). Fails, after trying every target, when
    any of them failed; the built site stays in ``site/`` either way."""

    def work(running: runs.Running) -> runs.Outcome:
        from linli.build.apart import build
        from linli.deploy import background
        from linli.deploy.config import automatic, targets

        home = running.home
        try:
            configured, sending, mistake = targets(home), automatic(home), ""
        except LinliError as exc:  # still build: the site on this computer is brought up to date
            configured, sending, mistake = {}, [], str(exc)
        total = PHASE * (1 + len(sending))

        def tell(done: int, phase: str) -> None:
            running.progress(done, total)
            if progress:
                progress(done, total, phase)

        def built(done: int, url: str, pages: int) -> None:
            tell(PHASE * done // max(pages, done, 1), "正在生成网页")

        started = time.perf_counter()
        log = [f"原因：{reason}"] if reason else []
        tell(0, "正在生成网页")
        result = build(home, now=running.run.started_at, progress=built)
        pages = f"{result.pages} 个页面"
        log += [f"共有 {result.pages} 个页面要生成。", f"已生成 {result.pages} 个页面，复制 {result.files} 个文件。"]
        sent, failed, uploaded = [], [], 0
        for number, target in enumerate(sending, start=1):
            phase = f"正在上传到“{target.name}”"
            tell(PHASE * number, phase)

            def sending_files(done: int, files: int, number=number, phase=phase) -> None:
                tell(PHASE * number + PHASE * done // max(files, done, 1), phase)

            deploy = runs.run_inside(running, runs.DEPLOY, background.deploy_work(target, sending_files),
                                     target=target.name, detail=background.detail(target))  # fmt: skip
            log.append(deploy.message)
            if deploy.state == runs.SUCCEEDED:
                sent.append(target.name)
                uploaded += deploy.files
            else:
                failed.append((target.name, deploy.message))
        seconds = time.perf_counter() - started
        named = lambda names: "、".join(f"“{name}”" for name in names)  # noqa: E731
        if mistake:
            raise LinliError(f"网站已在这台电脑上更新（{pages}），但没有上传：{mistake}")
        if failed:
            problems = "；".join(f"上传到“{name}”失败：{message}" for name, message in failed)
            also = f"（已上传到{named(sent)}）" if sent else ""
            raise LinliError(f"网站已在这台电脑上更新（{pages}），但{problems}{also}")
        if sent:
            message = f"网站已更新并上传到{named(sent)}：{pages}，上传 {uploaded} 个文件，用时 {seconds:.1f} 秒"
        elif configured:
            message = (f"网站已在这台电脑上更新：{pages}，用时 {seconds:.1f} 秒。没有自动上传的目标，网上的网站没有变："
                       "请在“发布网站”页上传，或在 linli.toml 的目标里写 auto = true")  # fmt: skip
        else:
            message = f"网站已更新：{pages}，用时 {seconds:.1f} 秒。{ONLY_HERE}"
        message += "".join(f"{NOTE}{note}" for note in result.notes)
        return runs.Outcome(message, done=result.pages, files=result.files, seconds=seconds, log=tuple(log))

    return work


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
        from linli.build.apart import build

        def report(done: int, url: str, total: int) -> None:
            if progress:
                progress(done, url, max(total, done))
            running.progress(done, total)

        started = time.perf_counter()
        result = build(running.home, now=running.run.started_at, progress=report)
        seconds = time.perf_counter() - started
        notes = [f"{NOTE}{note}" for note in result.notes]
        return runs.Outcome(
            f"网站已更新：{result.pages} 个页面，用时 {seconds:.1f} 秒" + "".join(notes),
            done=result.pages,
            files=result.files,
            seconds=seconds,
            log=(f"共有 {result.pages} 个页面要生成。", f"已生成 {result.pages} 个页面，复制 {result.files} 个文件。"),
        )

    return work


def status(home: Home) -> m.Run | None:
    """The newest publish or build (None before the first), after marking interrupted runs as failed."""
    return runs.latest(home, SITE_KINDS)


def recent(home: Home, limit: int = 10) -> list[m.Run]:
    return runs.recent(home, SITE_KINDS, limit)


def last_success() -> m.Run | None:
    """The newest publish or build that succeeded: when ``site/`` was last brought up to date."""
    return (
        m.Run.select()
        .where(m.Run.kind.in_(SITE_KINDS) & (m.Run.state == runs.SUCCEEDED))
        .order_by(m.Run.started_at.desc(), m.Run.id.desc())
        .first()
    )


def status_dict(run: m.Run | None) -> dict:
    """:func:`runs.as_dict` of a publish or build, with what a running publish is doing:
    ``phase`` "build" or "deploy", and ``sending_to`` (the target of its deploy)."""
    status = runs.as_dict(run)
    status["phase"], status["sending_to"] = "build", ""
    if run is not None and run.kind == runs.PUBLISH and run.state == runs.RUNNING:
        deploy = (m.Run.select().where((m.Run.kind == runs.DEPLOY) & (m.Run.id > run.id) & (m.Run.state == runs.RUNNING))
                  .order_by(m.Run.id.desc()).first())  # fmt: skip
        if deploy is not None:
            status["phase"], status["sending_to"] = "deploy", deploy.target
    return status


@dataclass
class Place:
    """One deploy target as staff see it on the dashboard and the publish page."""

    name: str
    label: str  # the kind, in words
    url: str  # the public address ("" when not set)
    where: str  # where the files go
    auto: bool
    last_success: m.Run | None  # the newest successful deploy there


@dataclass
class Whereabouts:
    """Where the site is: on this computer only, or also at these targets."""

    places: list[Place]
    error: str = ""  # a mistake in linli.toml's [deploy.NAME] tables

    @property
    def only_here(self) -> bool:
        return not self.places


def whereabouts(home: Home) -> Whereabouts:
    """Each configured deploy target with its public address and its last successful deploy."""
    from linli.deploy.background import last_success_per_target
    from linli.deploy.config import targets

    try:
        found = list(targets(home).values())
    except LinliError as exc:
        return Whereabouts([], str(exc))
    last = last_success_per_target([target.name for target in found])
    return Whereabouts([Place(t.name, t.label, t.url, t.where, t.auto, last.get(t.name)) for t in found])


def publish_failure(home: Home) -> m.Run | None:
    """The newest publish when it failed (it stays the news until a later publish succeeds)."""
    run = runs.latest(home, runs.PUBLISH)
    return run if run is not None and run.state == runs.FAILED else None


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
