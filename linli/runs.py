"""Runs of a home's publishing work, one at a time, each recorded as a :class:`~linli.models.Run`.

A run is a build of the public site, a publish (a build, then a deploy to each automatic
target: :mod:`linli.publisher`) or a deploy of the built site to one target
(:mod:`linli.deploy.background`). This module owns what every run shares: the home's
lock, the Run row with its kind, target, state, progress, log and result message, the audit
events ``<kind>_requested`` / ``<kind>_succeeded`` / ``<kind>_failed``, running the work in a
background thread (:func:`start`) or in the caller's (:func:`run_now`), a run recorded inside
another that holds the lock (:func:`run_inside`: a publish's deploys), and marking runs whose
process died as failed. The work itself is a function that takes a :class:`Running` and returns
an :class:`Outcome`, or raises LinliError with the message for staff.

The lock is an exclusive ``flock`` on ``.build.lock`` in the home, held from before a run is
recorded until after its result is: whoever can take the lock knows no run is going, so a row
still marked "running" then belongs to a process that died.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import peewee

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
BUILD, DEPLOY, PUBLISH = "build", "deploy", "publish"
RUNNING, SUCCEEDED, FAILED = "running", "succeeded", "failed"
STATE_LABELS = {RUNNING: "正在发布", SUCCEEDED: "成功", FAILED: "失败"}
PROGRESS_INTERVAL = 0.3  # seconds between two progress writes to the database
CLI_USER = "命令行"
SCHEDULER_USER = "自动发布"  # who requested the runs the service starts by itself (linli.scheduler)


@dataclass(frozen=True)
class Kind:
    """What staff read about one kind of run (what a run does is its work's business)."""

    begun: str  # the log's first line: {who} asked, {target} is where to
    failed: str  # the log's last line when it fails: {message}
    crashed: str  # the message of an unexpected error: {error}, {target}
    busy: str  # the refusal while another run holds the home's lock
    interrupted: str  # the result of a run whose process died


KINDS = {
    BUILD: Kind(
        begun="{who} 开始发布网站。",
        failed="发布失败：{message}",
        crashed="网站发布失败：{error}。请把这段说明发给网站管理员。",
        busy="网站正在发布中，请等这次完成后再试。",
        interrupted="上次发布被中断，网站保持原样。",
    ),
    DEPLOY: Kind(
        begun="{who} 开始上传到“{target}”。",
        failed="上传失败：{message}",
        crashed="上传到“{target}”失败：{error}。请把这段说明发给网站管理员。",
        busy="网站正在生成或上传中，请等这次完成后再试。",
        interrupted="上次上传被中断。已上传的文件已记录，再上传一次会接着传剩下的。",
    ),
    "backup": Kind(  # linli.backup.scheduled_backup
        begun="{who} 开始备份。",
        failed="备份失败：{message}",
        crashed="备份失败：{error}。请把这段说明发给网站管理员。",
        busy="网站正在发布、上传或备份中，请等这次完成后再试。",
        interrupted="上次备份被中断，没有完成；以前的备份不受影响。",
    ),
    PUBLISH: Kind(
        begun="{who} 开始发布网站。",
        failed="发布失败：{message}",
        crashed="网站发布失败：{error}。请把这段说明发给网站管理员。",
        busy="网站正在发布中，请等这次完成后再试。",
        interrupted="上次发布被中断，网站保持原样。",
    ),
}

logger = logging.getLogger(__name__)
_threads: dict[int, threading.Thread] = {}
_threads_lock = threading.Lock()


# --- the lock ---------------------------------------------------------------------------------


class HomeLock:
    """An exclusive, non-blocking lock on ``home.root / LOCK_FILE``.

    ``flock`` locks belong to an open file, so two ``HomeLock`` objects exclude each other
    even inside one process; the operating system drops the lock when its process dies. The file
    itself is never removed (removing lock files reopens the race they close). ``name``: another
    lock file of the home (the scheduler's, :mod:`linli.scheduler`)."""

    def __init__(self, home: Home, name: str = LOCK_FILE):
        self.path = home.root / name
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

    def acquire(self, busy: str, wait: float = 0.5) -> None:
        """Take the lock, trying for ``wait`` seconds (a status check may hold it for a moment);
        LinliError ``busy`` when a run holds it."""
        deadline = time.monotonic() + wait
        while not self.try_acquire():
            if time.monotonic() >= deadline:
                raise LinliError(busy)
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


def is_busy(home: Home) -> bool:
    """Whether a run of ``home`` holds the lock right now (in any process)."""
    lock = HomeLock(home)
    if lock.try_acquire():
        lock.release()
        return False
    return True


# --- what the work is given and gives back ----------------------------------------------------


@dataclass
class Running:
    """What a run's work is handed."""

    home: Home
    run: m.Run  # the row as it was when the run began
    lock: HomeLock  # held by the run from before it began until its result is recorded
    progress: Callable[[int, int], None]  # (done, total): kept on the row, written now and then


@dataclass
class Outcome:
    """What a run's work returns when it succeeds."""

    message: str  # the result staff read
    done: int  # pages rendered or files sent: the run's progress at its end
    files: int = 0
    log: tuple[str, ...] = ()  # lines for the log before the message
    seconds: float | None = None  # how long the work took, when the message says so


Work = Callable[[Running], Outcome]


# --- starting runs ----------------------------------------------------------------------------


def start(home: Home, kind: str, work: Work, username: str, *, target: str = "", detail: str = "",
          address: str = "", now: dt.datetime | None = None) -> m.Run:  # fmt: skip
    """Start ``work`` as a run of ``kind`` in a background thread; its row, at once.

    Raises LinliError (the kind's ``busy``) if another run of the home is going. ``detail``
    goes into the ``<kind>_requested`` audit event. The database must be connected
    (:func:`linli.db.connect`); the thread opens its own connection."""
    lock = HomeLock(home)
    lock.acquire(KINDS[kind].busy)
    try:
        run = _begin(kind, target, username, detail, address, now)
        thread = threading.Thread(
            target=_thread_main, args=(home, run.id, work, lock), name=f"linli-{kind}-{run.id}", daemon=True
        )
        with _threads_lock:
            _threads[run.id] = thread
        thread.start()
    except BaseException:
        lock.release()
        raise
    return run


def run_now(home: Home, kind: str, work: Work, username: str = CLI_USER, *, target: str = "", detail: str = "",
            address: str = "", now: dt.datetime | None = None, lock: HomeLock | None = None) -> m.Run:  # fmt: skip
    """Run ``work`` as a run of ``kind`` in this thread, recorded like one started with
    :func:`start`; the finished row (its state says whether it succeeded). ``lock``: the home's
    lock when the caller holds it already (it decided under the lock that the run is wanted);
    it stays held afterwards."""
    own = lock is None or not lock.held
    if own:
        lock = HomeLock(home)
        lock.acquire(KINDS[kind].busy)
    try:
        run = _begin(kind, target, username, detail, address, now)
        return _execute(home, run.id, work, lock)
    finally:
        if own:
            lock.release()


def run_inside(running: Running, kind: str, work: Work, *, target: str = "", detail: str = "") -> m.Run:
    """Run ``work`` as a run of ``kind`` of its own, inside the run ``running`` (whose lock it
    shares), requested by the same person: recorded, audit-logged and marked interrupted like any
    run. The finished row; its failure is the caller's to report."""
    run = _begin(kind, target, running.run.requested_by, detail, "", None)
    return _execute(running.home, run.id, work, running.lock)


def wait(run_id: int, timeout: float | None = None) -> m.Run:
    """Wait for a run started by :func:`start` in this process; its row afterwards."""
    with _threads_lock:
        thread = _threads.get(run_id)
    if thread is not None:
        thread.join(timeout)
        if not thread.is_alive():
            with _threads_lock:
                _threads.pop(run_id, None)
    return m.Run.get_by_id(run_id)


def _begin(kind: str, target: str, username: str, detail: str, address: str, now: dt.datetime | None) -> m.Run:
    at = (now or m.now()).replace(microsecond=0)
    who = username or CLI_USER
    begun = KINDS[kind].begun.format(who=who, target=target)
    run = m.Run.create(kind=kind, target=target[:100], started_at=at, requested_by=who[:64], state=RUNNING,
                       log=_line(begun))  # fmt: skip
    audit.log(f"{kind}_requested", who, run, detail=detail, address=address)
    return run


def _thread_main(home: Home, run_id: int, work: Work, lock: HomeLock) -> None:
    database.connect(reuse_if_open=True)
    try:
        _execute(home, run_id, work, lock)
    except Exception:  # the row could not be finished; a status read will call it interrupted
        logger.exception("run %s could not be recorded", run_id)
    finally:
        lock.release()
        with _threads_lock:
            _threads.pop(run_id, None)
        _fresh_connection()


# --- running one ------------------------------------------------------------------------------


def _execute(home: Home, run_id: int, work: Work, lock: HomeLock) -> m.Run:
    """Do ``work``, keeping row ``run_id`` up to date; never raises for failed work."""
    run = m.Run.get_by_id(run_id)
    kind = KINDS[run.kind]
    started = time.perf_counter()
    reporter = _Reporter(home, run_id)
    outcome, failure = None, None
    try:
        outcome = work(Running(home, run, lock, reporter))
    except LinliError as exc:
        failure = str(exc)
    except Exception as exc:  # the work turns what staff can act on into LinliError; this is the rest
        logger.exception("%s %s failed", run.kind, run_id)
        failure = kind.crashed.format(error=f"{type(exc).__name__}: {exc}", target=run.target)
    finally:
        reporter.close()
        _fresh_connection()
    seconds = time.perf_counter() - started
    if failure is None:
        lines = "".join(_line(text) for text in (*outcome.log, outcome.message))
        result = {"state": SUCCEEDED, "done": outcome.done, "total": outcome.done, "files": outcome.files,
                  "message": outcome.message, "log": run.log + lines}  # fmt: skip
        seconds = seconds if outcome.seconds is None else outcome.seconds
    else:
        result = {"state": FAILED, "message": failure, "log": run.log + _line(kind.failed.format(message=failure))}
    _record_result(run_id, finished_at=m.now(), seconds=round(seconds, 2), **result)
    action = f"{run.kind}_succeeded" if failure is None else f"{run.kind}_failed"
    audit.log(action, run.requested_by, run, detail=result["message"])
    return m.Run.get_by_id(run_id)


def _record_result(run_id: int, **fields) -> None:
    """Write a run's result, trying again if the database is busy for a while: a result
    that is not recorded would later be reported as an interrupted run."""
    for attempt in range(3):
        try:
            _update(run_id, **fields)
            return
        except peewee.OperationalError:
            if attempt == 2:
                raise
            logger.warning("could not record the result of run %s; trying again", run_id, exc_info=True)
            _fresh_connection()
            time.sleep(1)


class _Reporter:
    """A run's ``progress(done, total)``: writes them at most every PROGRESS_INTERVAL.

    It writes through a connection of its own. A build's connection is in the middle of
    reading (the page lists come from open queries), and with SQLite's WAL a
    connection holding an old read snapshot may not write once others have written since.
    Progress is only for show: a failed write is logged, never a reason to fail the run."""

    def __init__(self, home: Home, run_id: int):
        self.home, self.run_id, self.total = home, run_id, 0
        self.last = time.monotonic()
        self.database: peewee.Database | None = None

    def __call__(self, done: int, total: int) -> None:
        first = not self.total
        self.total = max(total, done)
        if time.monotonic() - self.last < PROGRESS_INTERVAL and not first:
            return
        query = m.Run.update(done=done, total=self.total).where(m.Run.id == self.run_id)
        try:
            if self.database is None:
                self.database = _separate_database(self.home.database_url)
            self.database.execute(query)
        except Exception:
            logger.warning("could not record the progress of run %s", self.run_id, exc_info=True)
        self.last = time.monotonic()

    def close(self) -> None:
        if self.database is not None and not self.database.is_closed():
            self.database.close()


def _separate_database(url: str) -> peewee.Database:
    """A second connection to the home's database, not bound to the models."""
    if url.startswith("sqlite:///"):
        return peewee.SqliteDatabase(url.removeprefix("sqlite:///"), pragmas=SQLITE_PRAGMAS)
    # (imported here: SQLite homes do not need it)
    from playhouse.db_url import connect as connect_url

    return connect_url(url)


def _fresh_connection() -> None:
    """Close this thread's connection (after the work, so that recording its result starts from
    a current snapshot rather than one the work's queries may have left open)."""
    try:
        if not database.is_closed():
            database.close()
    except Exception:  # e.g. a transaction the failed work left open: drop it with the connection
        logger.warning("could not close the run's connection", exc_info=True)


def _update(run_id: int, **fields) -> None:
    m.Run.update(**fields).where(m.Run.id == run_id).execute()


def _line(text: str) -> str:
    return f"[{m.now():%H:%M:%S}] {text}\n"


# --- reading the state ------------------------------------------------------------------------


def _kinds(kind: str | tuple[str, ...]) -> tuple[str, ...]:
    return (kind,) if isinstance(kind, str) else tuple(kind)


def latest(home: Home, kind: str | tuple[str, ...], target: str | None = None) -> m.Run | None:
    """The newest run of ``kind`` (or of any of several kinds; to ``target``, if given), after
    marking interrupted runs."""
    recover_interrupted(home)
    query = m.Run.select().where(m.Run.kind.in_(_kinds(kind)))
    if target is not None:
        query = query.where(m.Run.target == target)
    return query.order_by(m.Run.id.desc()).first()


def recent(home: Home, kind: str | tuple[str, ...], limit: int = 10) -> list[m.Run]:
    """The newest ``limit`` runs of ``kind`` (or of several kinds), after marking interrupted runs."""
    recover_interrupted(home)
    return list(m.Run.select().where(m.Run.kind.in_(_kinds(kind))).order_by(m.Run.id.desc()).limit(limit))


def last_success(kind: str | tuple[str, ...], target: str | None = None) -> m.Run | None:
    """The newest run of ``kind`` (to ``target``, if given) that succeeded."""
    query = m.Run.select().where(m.Run.kind.in_(_kinds(kind)) & (m.Run.state == SUCCEEDED))
    if target is not None:
        query = query.where(m.Run.target == target)
    return query.order_by(m.Run.id.desc()).first()


def recover_interrupted(home: Home) -> int:
    """Mark 'running' rows failed when no run holds the lock (their process died)."""
    running = m.Run.select().where(m.Run.state == RUNNING)
    if not running.exists():
        return 0
    lock = HomeLock(home)
    if not lock.try_acquire():
        return 0  # a run is going
    try:
        stale = list(running)  # read again: rows finished while we took the lock are not stale
        for run in stale:
            kind = KINDS.get(run.kind, KINDS[BUILD])
            _update(run.id, state=FAILED, finished_at=m.now(), message=kind.interrupted,
                    log=run.log + _line(kind.failed.format(message=kind.interrupted)))  # fmt: skip
            audit.log(f"{run.kind}_failed", run.requested_by, run, detail=kind.interrupted)
        return len(stale)
    finally:
        lock.release()


def as_dict(run: m.Run | None) -> dict:
    """A run for ``status.json`` and templates."""
    if run is None:
        return {"state": "none", "state_label": "还没有发布过", "running": False, "done": 0, "total": 0,
                "percent": 0, "message": "", "log": ""}  # fmt: skip
    if run.state == SUCCEEDED:
        percent = 100
    elif run.total:
        percent = min(100, run.done * 100 // run.total)
    else:
        percent = 0
    return {
        "id": run.id,
        "kind": run.kind,
        "target": run.target,
        "state": run.state,
        "state_label": STATE_LABELS.get(run.state, run.state),
        "running": run.state == RUNNING,
        "done": run.done,
        "total": run.total,
        "percent": percent,
        "files": run.files,
        "seconds": run.seconds,
        "message": run.message,
        "log": run.log,
        "requested_by": run.requested_by,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }
