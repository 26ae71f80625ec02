"""Publishing on time without a click, and the nightly backup: what the running service does by
the clock.

The public site changes by itself at moments nobody saves anything: a published item's
``publish_at`` comes, its ``expires_at`` passes, an event ends (it moves from upcoming to
past: :func:`linli.public.upcoming_events` keeps it while its end, or its start when it has no
end, is not yet past). :func:`next_change` finds the next such moment with SQL over
:data:`linli.models.CONTENT_MODELS`. A publish (:func:`linli.publisher.run_publish`: a build,
then a deploy to each ``auto = true`` target) is *due* (:func:`publish_due`) when

- such a moment has come since the last publish began (a publish started at S shows the site
  as of S, so it covers every moment up to S — the Run rows record what was published);
- the daily time (``[publish] time`` in linli.toml, default 04:00; the build's inputs include
  the day) has come since then;
- the last publish failed and its retry time has come: after each of ``[publish]
  retry_minutes`` in turn (default 1, 5, 15, 60, then every 60) counted over the failures since
  the last success; a publish whose process died is retried at once.

Nothing is due before the site has been published (or built) once: staff choose when a new site
first goes out. :func:`publish_if_due` decides and publishes under the home's lock, so neither a
staff publish nor a second process nor ``linli publish --if-due`` from cron publishes the same
moment twice.

:class:`Scheduler` is the service's thread: it sleeps until :meth:`Scheduler.next_wake` (or a
poll interval, to notice what staff schedule meanwhile), publishes when due and makes the
nightly backup (``linli.backup.scheduled_backup`` at ``[backup] time``, once per day, recorded
in the audit log). Of several processes serving one home only the one holding the home's
``.scheduler.lock`` acts; the others wait and take over if it dies.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import peewee as pw

from linli import audit, runs
from linli import models as m
from linli.db import database
from linli.errors import LinliError
from linli.home import SETTINGS_FILE, Home

SCHEDULER_LOCK = ".scheduler.lock"
DAILY_TIME = "04:00"
RETRY_MINUTES = (1, 5, 15, 60)
POLL_SECONDS = 30.0  # the longest sleep: what staff schedule meanwhile is seen this soon
BUSY_SECONDS = 2.0  # the sleep when something is still due after a round (a staff publish is going)
GOING_SECONDS = 5.0  # the sleep while a run of the home is going (its end may make a publish due)
BACKUP_DONE, BACKUP_FAILED = "scheduled_backup_succeeded", "scheduled_backup_failed"
SECOND = dt.timedelta(seconds=1)

logger = logging.getLogger(__name__)


# --- settings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishSettings:
    """``[publish]`` of linli.toml."""

    time: dt.time | None  # the daily publish; None: none
    retry: tuple[dt.timedelta, ...]  # waits after the 1st, 2nd, … failure in a row

    @classmethod
    def of(cls, home: Home) -> "PublishSettings":
        """The home's settings, checked; LinliError naming the mistake."""
        table = home.settings.get("publish", {})
        where = f"{SETTINGS_FILE} 的 [publish]"
        if not isinstance(table, dict):
            raise LinliError(f"{SETTINGS_FILE} 里的 publish 应写成 [publish] 表，例如 time = \"{DAILY_TIME}\"。")
        unknown = set(table) - {"time", "retry_minutes"}
        if unknown:
            raise LinliError(f"{where} 里有不认识的设置项：{'、'.join(sorted(unknown))}（可用：time、retry_minutes）")
        daily = table.get("time", DAILY_TIME)
        retry = table.get("retry_minutes", list(RETRY_MINUTES))
        if not isinstance(retry, list) or not retry or not all(
            isinstance(n, (int, float)) and not isinstance(n, bool) and n > 0 for n in retry
        ):
            raise LinliError(f"{where} 的 retry_minutes 应是正数的列表，例如 [1, 5, 15, 60]，现在是 {retry!r}。")
        return cls(parse_time(daily, f"{where} 的 time") if daily else None,
                   tuple(dt.timedelta(minutes=n) for n in retry))  # fmt: skip


def parse_time(value, where: str) -> dt.time:
    """``"04:00"`` as a time of day; LinliError naming ``where`` otherwise."""
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        hours, minutes = value.split(":")
        return dt.time(int(hours), int(minutes))
    except ValueError:
        raise LinliError(f"{where} 应写成 24 小时制的“时:分”，例如 \"04:00\"，现在是 {value!r}。") from None


def last_slot(now: dt.datetime, at: dt.time) -> dt.datetime:
    """The latest moment at time of day ``at`` not after ``now``."""
    today = dt.datetime.combine(now.date(), at)
    return today if today <= now else today - dt.timedelta(days=1)


def next_slot(now: dt.datetime, at: dt.time) -> dt.datetime:
    """The first moment at time of day ``at`` after ``now``."""
    today = dt.datetime.combine(now.date(), at)
    return today if today > now else today + dt.timedelta(days=1)


# --- what changes the public site, and when ---------------------------------------------------


PUBLISHES, EXPIRES, ENDS, DAILY, RETRY, INTERRUPTED = "publish_at", "expires_at", "ends", "daily", "retry", "interrupted"


@dataclass(frozen=True)
class Change:
    """A moment at which a publish is wanted, and why: an item's (``label``: its type, ``title``)
    scheduled publish, expiry or end; the daily time; a retry (``title``: when the failed
    publish began)."""

    at: dt.datetime
    why: str  # PUBLISHES, EXPIRES, ENDS, DAILY, RETRY, INTERRUPTED
    label: str = ""
    title: str = ""

    @property
    def reason(self) -> str:
        """In words, for the run's log and the audit event."""
        return {
            PUBLISHES: f"{self.label}“{self.title}”定时公开（{self.at:%m-%d %H:%M}）",
            EXPIRES: f"{self.label}“{self.title}”到期（{self.at:%m-%d %H:%M}）",
            ENDS: f"{self.label}“{self.title}”已结束（{self.at - SECOND:%m-%d %H:%M}）",
            DAILY: f"每日定时发布（{self.at:%H:%M}）",
            RETRY: f"重试：{self.title} 的发布失败了",
            INTERRUPTED: "上次发布被中断，重新发布",
        }[self.why]


def next_change(after: dt.datetime) -> Change | None:
    """The first moment strictly after ``after`` at which a published item becomes public, expires
    or (an event) ends. An event leaves the upcoming list one second after its end (its start,
    when it has no end), as :func:`linli.public.upcoming_events` compares."""
    found = []
    for model in m.CONTENT_MODELS:
        published = (model.status == m.PUBLISHED) & model.deleted_at.is_null()
        for field in (model.publish_at, model.expires_at):
            item = model.select().where(published & (field > after)).order_by(field, model.id).first()
            if item is not None:
                found.append(Change(getattr(item, field.name), field.name, model.type_label, item.title))
    ends = pw.fn.COALESCE(m.Event.ends_at, m.Event.starts_at)
    published = (m.Event.status == m.PUBLISHED) & m.Event.deleted_at.is_null()
    event = m.Event.select().where(published & (ends > after - SECOND)).order_by(ends, m.Event.id).first()
    if event is not None:
        found.append(Change((event.ends_at or event.starts_at) + SECOND, ENDS, m.Event.type_label, event.title))
    return min(found, key=lambda change: change.at, default=None)


# --- when a publish is due --------------------------------------------------------------------


@dataclass(frozen=True)
class Outlook:
    """What the publish runs say about the next publish at a moment ``now``."""

    due: Change | None  # why a publish is due now; None: not now
    next: Change | None = None  # if not now, when the next one will be and why (None: nothing known)

    @property
    def next_at(self) -> dt.datetime | None:
        return self.next.at if self.next else None


def outlook(home: Home, now: dt.datetime) -> Outlook:
    """Whether a publish is due at ``now``, and if not, when the next is (see the module's
    docstring). Reads the Run rows: the caller should have marked interrupted runs
    (:func:`linli.runs.recover_interrupted`)."""
    settings = PublishSettings.of(home)
    last = m.Run.select().where(m.Run.kind == runs.PUBLISH).order_by(m.Run.id.desc()).first()
    if last is not None and last.state == runs.RUNNING:
        return Outlook(None)  # one is going (its end is seen at the next poll)
    if last is not None:
        since = last.started_at
    else:  # sites built before publishing ran as one run, or only with `linli build`
        built = runs.last_success(runs.BUILD)
        if built is None:
            return Outlook(None)  # never published: staff publish a new site the first time
        since = built.started_at
    retry = None
    if last is not None and last.state == runs.FAILED:
        if last.message == runs.KINDS[runs.PUBLISH].interrupted:
            return Outlook(Change(now, INTERRUPTED))
        retry = Change(_retry_at(last, settings), RETRY, title=f"{last.started_at:%m-%d %H:%M}")
        if retry.at <= now:
            return Outlook(retry)
    change = next_change(since)
    if change is not None and change.at <= now:
        return Outlook(change)
    if settings.time is not None and last_slot(now, settings.time) > since:
        return Outlook(Change(last_slot(now, settings.time), DAILY))
    upcoming = [next_change(now), retry]
    if settings.time is not None:
        upcoming.append(Change(next_slot(now, settings.time), DAILY))
    return Outlook(None, min((c for c in upcoming if c is not None), key=lambda c: c.at, default=None))


def _retry_at(failed: m.Run, settings: PublishSettings) -> dt.datetime:
    """When to try again after ``failed``: the wait grows with the failures since the last success."""
    succeeded = runs.last_success(runs.PUBLISH)
    query = m.Run.select().where((m.Run.kind == runs.PUBLISH) & (m.Run.state == runs.FAILED))
    if succeeded is not None:
        query = query.where(m.Run.id > succeeded.id)
    failures = max(query.count(), 1)
    wait = settings.retry[min(failures, len(settings.retry)) - 1]
    return (failed.finished_at or failed.started_at) + wait


def publish_due(home: Home, now: dt.datetime | None = None) -> Change | None:
    """Why a publish is due at ``now`` (default: the site's clock now), or None."""
    runs.recover_interrupted(home)
    return outlook(home, now or m.now()).due


@dataclass
class Attempt:
    """What :func:`publish_if_due` did."""

    due: Change | None  # why it published; None: nothing was due
    run: m.Run | None = None  # the publish, when it ran
    busy: bool = False  # another run held the home's lock: nothing was decided


def publish_if_due(home: Home, now: dt.datetime | None = None, *, username: str = runs.SCHEDULER_USER,
                   progress=None) -> Attempt:  # fmt: skip
    """Publish ``home`` if a publish is due, deciding under the home's lock (so a publish that
    just ended is seen); a run going elsewhere makes this a no-op (``busy``)."""
    runs.recover_interrupted(home)
    lock = runs.HomeLock(home)
    if not lock.try_acquire():
        return Attempt(None, busy=True)
    try:
        moment = now or m.now()
        due = outlook(home, moment).due
        if due is None:
            return Attempt(None)
        from linli.publisher import run_publish

        run = run_publish(home, username, progress, lock=lock, reason=due.reason, now=now)
        return Attempt(due, run)
    finally:
        lock.release()


def is_running(home: Home) -> bool:
    """Whether a scheduler acts for ``home`` right now (in this process or another)."""
    lock = runs.HomeLock(home, SCHEDULER_LOCK)
    if lock.try_acquire():
        lock.release()
        return False
    return True


# --- the nightly backup -----------------------------------------------------------------------


BACKUP_WAIT = 30  # seconds the backup waits for a run that took the home's lock meanwhile


def backup_time(home: Home) -> dt.time | None:
    """Today's backup time (``[backup] time``), or None where Linli does not back up itself
    (PostgreSQL: pg_dump)."""
    from linli import backup

    return backup.backup_settings(home).time if backup.supported(home) else None


def backup_due(home: Home, now: dt.datetime) -> bool:
    """Whether today's backup (the latest ``[backup] time`` up to ``now``) has not been tried yet."""
    at = backup_time(home)
    if at is None:
        return False
    slot = last_slot(now, at)
    return not m.AuditEvent.select().where(
        m.AuditEvent.action.in_([BACKUP_DONE, BACKUP_FAILED]) & (m.AuditEvent.at >= slot)
    ).exists()


def make_backup(home: Home) -> str:
    """The scheduled backup, recorded in the audit log either way; what happened, in words."""
    from linli import backup

    try:
        archive = backup.scheduled_backup(home, runs.SCHEDULER_USER, wait=BACKUP_WAIT)
    except Exception as exc:  # a failed backup never stops the scheduler; the audit log says why
        logger.exception("scheduled backup failed")
        message = str(exc) if isinstance(exc, LinliError) else f"{type(exc).__name__}: {exc}"
        audit.log(BACKUP_FAILED, runs.SCHEDULER_USER, detail=message)
        return f"自动备份失败：{message}"
    audit.log(BACKUP_DONE, runs.SCHEDULER_USER, detail=str(archive))
    return f"已自动备份：{archive}"


# --- the service's thread ---------------------------------------------------------------------


class Scheduler:
    """The service's clock: publishes when due and backs up nightly, in a daemon thread.

    ``now`` (the site's wall-clock time, naive) and ``wait(seconds) -> stop requested`` may be
    given to move time in tests; ``poll``: the longest sleep."""

    def __init__(self, home: Home, *, now: Callable[[], dt.datetime] = m.now,
                 wait: Callable[[float], bool] | None = None, poll: float = POLL_SECONDS):  # fmt: skip
        PublishSettings.of(home)  # a mistake in linli.toml is said before the service starts
        backup_time(home)
        self.home, self.now, self.poll = home, now, poll
        self._stopping = threading.Event()
        self.wait = wait or self._stopping.wait
        self.lock = runs.HomeLock(home, SCHEDULER_LOCK)
        self.thread: threading.Thread | None = None

    # pure logic: what is due and when to look again

    def next_wake(self, now: dt.datetime) -> dt.datetime | None:
        """When there is next something to do: ``now`` if a publish or the backup is due, else
        the next change, daily publish, retry or backup time; None if nothing is known (the
        thread still polls)."""
        publishing = outlook(self.home, now)
        if publishing.due or backup_due(self.home, now):
            return now
        times = [publishing.next_at]
        at = backup_time(self.home)
        if at is not None:
            times.append(next_slot(now, at))
        return min((t for t in times if t is not None), default=None)

    def tick(self, now: dt.datetime | None = None) -> list[str]:
        """Do what is due at ``now``: publish, back up. What was done, in words."""
        now = now or self.now()
        done = []
        attempt = publish_if_due(self.home, now)
        if attempt.run is not None:
            done.append(f"{attempt.due.reason} → {attempt.run.message}")
        if backup_due(self.home, now) and not runs.is_busy(self.home):  # busy: the next round tries again
            done.append(make_backup(self.home))
        return done

    # the thread

    def start(self) -> "Scheduler":
        self.thread = threading.Thread(target=self._main, name="linli-scheduler", daemon=True)
        self.thread.start()
        return self

    def stop(self, timeout: float = 10) -> None:
        """Ask the thread to stop and wait for it (a publish going on is finished first, up to
        ``timeout``; a daemon thread does not keep the process alive after that)."""
        self._stopping.set()
        if self.thread is not None:
            self.thread.join(timeout)

    def _main(self) -> None:
        try:
            while not self._stopping.is_set():
                if self.wait(self._round()):
                    break
        finally:
            self.lock.release()

    def _round(self) -> float:
        """One round: act if this process is the home's scheduler; seconds to sleep."""
        if not self.lock.try_acquire():
            return self.poll  # another process's scheduler acts; take over if it goes away
        try:
            database.connect(reuse_if_open=True)
            for line in self.tick():
                logger.info("%s", line)
            now = self.now()
            wake = self.next_wake(now)
        except Exception:  # the service keeps running; the next round tries again
            logger.exception("scheduler round failed")
            return self.poll
        finally:
            if not database.is_closed():
                database.close()
        if wake is None:
            return min(self.poll, GOING_SECONDS) if runs.is_busy(self.home) else self.poll
        if wake <= now:  # still due: another run held the home's lock
            return min(self.poll, BUSY_SECONDS)
        return min(self.poll, (wake - now).total_seconds())
