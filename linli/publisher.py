"""Publishing the site: one build at a time, recorded as a :class:`~linli.models.BuildRun`.

This module owns everything around :func:`linli.build.build` that staff see: the lock that lets
only one build of a home run at a time (across processes too), the BuildRun row with its state,
progress, log and result message, the audit events ``build_requested`` / ``build_succeeded`` /
``build_failed``, recovery of a run whose process died, and the question "what changed since
the site was last published". The admin starts builds in a background thread with
:func:`start_build`; the command line runs them in the foreground with :func:`run_build`.

The lock is an exclusive ``flock`` on ``.build.lock`` in the home, held from before the run is
recorded until after its result is: whoever can take the lock knows no build is running, so a
row still marked "running" then belongs to a process that died.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from dataclasses import dataclass, field

import peewee
from playhouse.db_url import connect as connect_url

from linli import audit
from linli import models as m
from linli.db import SQLITE_PRAGMAS, database
from linli.errors import LinliError
from linli.home import Home

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None
    import msvcrt

LOCK_FILE = ".build.lock"
RUNNING, SUCCEEDED, FAILED = "running", "succeeded", "failed"
STATE_LABELS = {RUNNING: "正在发布", SUCCEEDED: "成功", FAILED: "失败"}
BUSY = "网站正在发布中，请等这次完成后再试。"
INTERRUPTED = "上次发布被中断，网站保持原样。"
PROGRESS_INTERVAL = 0.3  # seconds between two progress writes to the database
CLI_USER = "命令行"

logger = logging.getLogger(__name__)
_threads: dict[int, threading.Thread] = {}
_threads_lock = threading.Lock()


# --- the lock ---------------------------------------------------------------------------------


class BuildLock:
    """An exclusive, non-blocking lock on ``home.root / LOCK_FILE``.

    ``flock`` locks belong to an open file, so two ``BuildLock`` objects exclude each other
    even inside one process; the operating system drops the lock when its process dies. The file
    itself is never removed (removing lock files reopens the race they close)."""

    def __init__(self, home: Home):
        self.path = home.root / LOCK_FILE
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            else:  # pragma: no cover - Windows
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def acquire(self, wait: float = 0.5) -> None:
        """Take the lock, trying for ``wait`` seconds (a status check may hold it for a moment);
        LinliError :data:`BUSY` when a build holds it."""
        deadline = time.monotonic() + wait
        while not self.try_acquire():
            if time.monotonic() >= deadline:
                raise LinliError(BUSY)
            time.sleep(0.05)

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)
            else:  # pragma: no cover - Windows
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        finally:
            os.close(fd)


def is_building(home: Home) -> bool:
    """Whether a build of ``home`` holds the lock right now (in any process)."""
    lock = BuildLock(home)
    if lock.try_acquire():
        lock.release()
        return False
    return True


# --- starting builds ----------------------------------------------------------------------------


def start_build(home: Home, username: str, *, address: str = "", now: dt.datetime | None = None) -> m.BuildRun:
    """Start a build of ``home`` in a background thread and return its BuildRun at once.

    Raises LinliError :data:`BUSY` if a build is already running. The database must be
    connected (:func:`linli.db.connect`); the thread opens its own connection."""
    lock = BuildLock(home)
    lock.acquire()
    try:
        run = _begin(username, address, now)
        thread = threading.Thread(
            target=_thread_main, args=(home, run.id, lock), name=f"linli-build-{run.id}", daemon=True
        )
        with _threads_lock:
            _threads[run.id] = thread
        thread.start()
    except BaseException:
        lock.release()
        raise
    return run


def run_build(
    home: Home, username: str = CLI_USER, progress=None, *, address: str = "", now: dt.datetime | None = None
) -> m.BuildRun:
    """Build ``home`` now, in this thread, recorded like a build from the admin.

    ``progress(done, url, total)`` is called as pages are done. Returns the finished BuildRun; when the
    build fails, records that and raises LinliError with the message for staff."""
    lock = BuildLock(home)
    lock.acquire()
    try:
        run = _begin(username, address, now)
        run = _execute(home, run.id, progress)
    finally:
        lock.release()
    if run.state != SUCCEEDED:
        raise LinliError(run.message)
    return run


def wait(run_id: int, timeout: float | None = None) -> m.BuildRun:
    """Wait for a build started by :func:`start_build` in this process; its row afterwards."""
    with _threads_lock:
        thread = _threads.get(run_id)
    if thread is not None:
        thread.join(timeout)
        if not thread.is_alive():
            with _threads_lock:
                _threads.pop(run_id, None)
    return m.BuildRun.get_by_id(run_id)


def _begin(username: str, address: str, now: dt.datetime | None) -> m.BuildRun:
    at = (now or m.now()).replace(microsecond=0)
    who = username or CLI_USER
    run = m.BuildRun.create(
        started_at=at, requested_by=who[:64], state=RUNNING, log=_line(f"{who} 开始发布网站。")
    )
    audit.log("build_requested", who, run, address=address)
    return run


def _thread_main(home: Home, run_id: int, lock: BuildLock) -> None:
    database.connect(reuse_if_open=True)
    try:
        _execute(home, run_id)
    except Exception:  # the row could not be finished; a status read will call it interrupted
        logger.exception("build %s could not be recorded", run_id)
    finally:
        lock.release()
        with _threads_lock:
            _threads.pop(run_id, None)
        _fresh_connection()


# --- running one build ------------------------------------------------------------------------


def _execute(home: Home, run_id: int, progress=None) -> m.BuildRun:
    """Build, keeping row ``run_id`` up to date; never raises for a failed build."""
    from linli.build import build

    run = m.BuildRun.get_by_id(run_id)
    at = run.started_at
    started = time.perf_counter()
    log = run.log
    reporter = _Reporter(home, run_id, progress)
    result, failure = None, None
    try:
        result = build(home, now=at, progress=reporter)
    except LinliError as exc:
        failure = str(exc)
    except Exception as exc:  # build() turns page and copy errors into LinliError; this is the rest
        logger.exception("build failed")
        failure = f"网站发布失败：{type(exc).__name__}: {exc}。请把这段说明发给网站管理员。"
    finally:
        reporter.close()
        _fresh_connection()
    if failure is not None:
        return _finish_failed(run, log, started, failure)
    seconds = time.perf_counter() - started
    message = f"网站已更新：{result.pages} 个页面，用时 {seconds:.1f} 秒"
    log += _line(f"共有 {result.pages} 个页面要生成。")
    log += _line(f"已生成 {result.pages} 个页面，复制 {result.files} 个文件。") + _line(message)
    _record_result(
        run_id,
        state=SUCCEEDED,
        finished_at=m.now(),
        pages_done=result.pages,
        pages_total=result.pages,
        files=result.files,
        seconds=round(seconds, 2),
        message=message,
        log=log,
    )
    audit.log("build_succeeded", run.requested_by, run, detail=message)
    return m.BuildRun.get_by_id(run_id)


def _finish_failed(run: m.BuildRun, log: str, started: float, message: str) -> m.BuildRun:
    _record_result(
        run.id,
        state=FAILED,
        finished_at=m.now(),
        seconds=round(time.perf_counter() - started, 2),
        message=message,
        log=log + _line(f"发布失败：{message}"),
    )
    audit.log("build_failed", run.requested_by, run, detail=message)
    return m.BuildRun.get_by_id(run.id)


def _record_result(run_id: int, **fields) -> None:
    """Write a build's result, trying again if the database is busy for a while: a result
    that is not recorded would later be reported as an interrupted build."""
    for attempt in range(3):
        try:
            _update(run_id, **fields)
            return
        except peewee.OperationalError:
            if attempt == 2:
                raise
            logger.warning("could not record the result of build %s; trying again", run_id, exc_info=True)
            _fresh_connection()
            time.sleep(1)


class _Reporter:
    """The build's ``progress`` callback: writes pages_done at most every PROGRESS_INTERVAL.

    It writes through a connection of its own. The build's connection is in the middle of
    reading (the page lists come from open queries), and with SQLite's WAL a
    connection holding an old read snapshot may not write once others have written since.
    Progress is only for show: a failed write is logged, never a reason to fail the build."""

    def __init__(self, home: Home, run_id: int, progress=None):
        self.home, self.run_id, self.total, self.progress = home, run_id, 0, progress
        self.last = time.monotonic()
        self.database: peewee.Database | None = None

    def __call__(self, done: int, url: str, total: int) -> None:
        first = not self.total
        self.total = max(total, done)
        if self.progress:
            self.progress(done, url, self.total)
        if time.monotonic() - self.last < PROGRESS_INTERVAL and not first:
            return
        query = m.BuildRun.update(pages_done=done, pages_total=self.total).where(m.BuildRun.id == self.run_id)
        try:
            if self.database is None:
                self.database = _separate_database(self.home.database_url)
            self.database.execute(query)
        except Exception:
            logger.warning("could not record the progress of build %s", self.run_id, exc_info=True)
        self.last = time.monotonic()

    def close(self) -> None:
        if self.database is not None and not self.database.is_closed():
            self.database.close()


def _separate_database(url: str) -> peewee.Database:
    """A second connection to the home's database, not bound to the models."""
    if url.startswith("sqlite:///"):
        return peewee.SqliteDatabase(url.removeprefix("sqlite:///"), pragmas=SQLITE_PRAGMAS)
    return connect_url(url)


def _fresh_connection() -> None:
    """Close this thread's connection (after a build, so that recording its result starts from
    a current snapshot rather than one the build's queries may have left open)."""
    try:
        if not database.is_closed():
            database.close()
    except Exception:  # e.g. a transaction the failed build left open: drop it with the connection
        logger.warning("could not close the build's connection", exc_info=True)


def _update(run_id: int, **fields) -> None:
    m.BuildRun.update(**fields).where(m.BuildRun.id == run_id).execute()


def _line(text: str) -> str:
    return f"[{m.now():%H:%M:%S}] {text}\n"


# --- reading the state ------------------------------------------------------------------------


def status(home: Home) -> m.BuildRun | None:
    """The newest BuildRun (None before the first), after marking interrupted runs as failed."""
    recover_interrupted(home)
    return m.BuildRun.select().order_by(m.BuildRun.id.desc()).first()


def recent(home: Home, limit: int = 10) -> list[m.BuildRun]:
    recover_interrupted(home)
    return list(m.BuildRun.select().order_by(m.BuildRun.id.desc()).limit(limit))


def recover_interrupted(home: Home) -> int:
    """Mark 'running' rows failed when no build holds the lock (their process died)."""
    running = m.BuildRun.select().where(m.BuildRun.state == RUNNING)
    if not running.exists():
        return 0
    lock = BuildLock(home)
    if not lock.try_acquire():
        return 0  # a build is running
    try:
        stale = list(running)  # read again: rows finished while we took the lock are not stale
        for run in stale:
            _update(
                run.id,
                state=FAILED,
                finished_at=m.now(),
                message=INTERRUPTED,
                log=run.log + _line(f"发布失败：{INTERRUPTED}"),
            )
            audit.log("build_failed", run.requested_by, run, detail=INTERRUPTED)
        return len(stale)
    finally:
        lock.release()


def last_success() -> m.BuildRun | None:
    return (
        m.BuildRun.select()
        .where(m.BuildRun.state == SUCCEEDED)
        .order_by(m.BuildRun.started_at.desc(), m.BuildRun.id.desc())
        .first()
    )


def as_dict(run: m.BuildRun | None) -> dict:
    """A run for ``status.json`` and templates."""
    if run is None:
        return {"state": "none", "state_label": "还没有发布过", "running": False, "pages_done": 0,
                "pages_total": 0, "percent": 0, "message": "", "log": ""}  # fmt: skip
    if run.state == SUCCEEDED:
        percent = 100
    elif run.pages_total:
        percent = min(100, run.pages_done * 100 // run.pages_total)
    else:
        percent = 0
    return {
        "id": run.id,
        "state": run.state,
        "state_label": STATE_LABELS.get(run.state, run.state),
        "running": run.state == RUNNING,
        "pages_done": run.pages_done,
        "pages_total": run.pages_total,
        "percent": percent,
        "files": run.files,
        "seconds": run.seconds,
        "message": run.message,
        "log": run.log,
        "requested_by": run.requested_by,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }


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
