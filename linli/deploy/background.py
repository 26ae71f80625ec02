"""Deploys started from the admin's publish page: one at a time per home, in a background thread.

A deploy holds the build lock (:class:`linli.publisher.BuildLock`) from the click until its
result is recorded, so no build and no other deploy runs meanwhile; the work itself is
:func:`linli.deploy.deploy_target`'s. The state staff see (target, who, when, files done,
result) is one small JSON file in the home, :data:`STATUS_FILE`, written whole and renamed
into place, so every process serving the admin reads the same; the audit log keeps every
deploy (``deploy_requested``, ``deploy_succeeded``, ``deploy_failed``). A state still
"running" while nobody holds the lock belongs to a process that died: it reads as interrupted.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path

from linli import audit
from linli import models as m
from linli.db import database
from linli.deploy import Target, deploy_target
from linli.errors import LinliError
from linli.home import Home
from linli.publisher import FAILED, PROGRESS_INTERVAL, RUNNING, SUCCEEDED, BuildLock

STATUS_FILE = ".deploy-status.json"
BUSY = "网站正在生成或上传中，请等这次完成后再试。"
INTERRUPTED = "上次上传被中断。已上传的文件已记录，再上传一次会接着传剩下的。"

logger = logging.getLogger(__name__)
_threads: dict[Path, threading.Thread] = {}
_threads_lock = threading.Lock()


def start(target: Target, username: str, *, address: str = "") -> dict:
    """Send ``target.home``'s built site to ``target`` in a background thread; its first state.

    LinliError :data:`BUSY` when a build or a deploy of the home is running. The database
    must be connected; the thread opens its own connection for the audit log."""
    home = target.home
    lock = BuildLock(home)
    if not lock.try_acquire():
        raise LinliError(BUSY)
    try:
        state = {"target": target.name, "kind": target.kind, "where": target.where, "requested_by": username,
                 "started_at": f"{m.now():%Y-%m-%d %H:%M}", "state": RUNNING, "done": 0, "total": 0,
                 "message": ""}  # fmt: skip
        _write(home, state)
        audit.log("deploy_requested", username, detail=f"{target.name} → {target.where}", address=address)
        thread = threading.Thread(target=_thread_main, args=(target, dict(state), lock, address),
                                  name=f"linli-deploy-{target.name}", daemon=True)  # fmt: skip
        with _threads_lock:
            _threads[home.root] = thread
        thread.start()
    except BaseException:
        lock.release()
        raise
    return state


def _thread_main(target: Target, state: dict, lock: BuildLock, address: str) -> None:
    home = target.home
    last = time.monotonic()

    def progress(done: int, total: int, path: str) -> None:
        nonlocal last
        if time.monotonic() - last >= PROGRESS_INTERVAL:
            state.update(done=done, total=total)
            _write(home, state)
            last = time.monotonic()

    try:
        try:
            result = deploy_target(target, progress=progress, lock=lock)
        except LinliError as exc:
            state.update(state=FAILED, message=str(exc))
        except Exception as exc:  # a bug or an unexpected error of a tool: staff still get an answer
            logger.exception("deploy to %s failed", target.name)
            state.update(state=FAILED, message=f"上传到“{target.name}”失败：{type(exc).__name__}: {exc}。请把这段说明发给网站管理员。")
        else:
            done = len(result.uploaded) + len(result.deleted)
            state.update(state=SUCCEEDED, done=done, total=done, message=result.summary())
        _write(home, state)
        database.connect(reuse_if_open=True)
        action = "deploy_succeeded" if state["state"] == SUCCEEDED else "deploy_failed"
        audit.log(action, state["requested_by"], detail=state["message"], address=address)
    except Exception:  # the result could not be recorded; a status read will call it interrupted
        logger.exception("deploy to %s could not be recorded", target.name)
    finally:
        lock.release()
        with _threads_lock:
            _threads.pop(home.root, None)
        if not database.is_closed():
            database.close()


def status(home: Home) -> dict | None:
    """The last deploy started from the admin (None before the first), an interrupted one marked failed."""
    state = _read(home)
    if state is None or state.get("state") != RUNNING:
        return state
    lock = BuildLock(home)
    if not lock.try_acquire():
        return state  # still running
    try:
        state = _read(home)  # finished while the lock was taken?
        if state is not None and state.get("state") == RUNNING:
            state.update(state=FAILED, message=INTERRUPTED)
            _write(home, state)
            audit.log("deploy_failed", state.get("requested_by", ""), detail=INTERRUPTED)
        return state
    finally:
        lock.release()


def wait(home: Home, timeout: float | None = None) -> dict | None:
    """Wait for the deploy this process started for ``home``; its state afterwards."""
    with _threads_lock:
        thread = _threads.get(home.root)
    if thread is not None:
        thread.join(timeout)
    return _read(home)


def _read(home: Home) -> dict | None:
    try:
        state = json.loads((home.root / STATUS_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (ValueError, UnicodeDecodeError):
        logger.warning("unreadable %s; treated as no deploy yet", STATUS_FILE)
        return None
    return state if isinstance(state, dict) else None


def _write(home: Home, state: dict) -> None:
    path = home.root / STATUS_FILE
    partial = path.with_name(f"{STATUS_FILE}.{os.getpid()}.{threading.get_ident()}")
    partial.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, path)
