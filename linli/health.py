"""How a home is doing, for ``linli status`` and the admin's status page: versions, sizes, the
last build, deploys and backup, the next scheduled publish, and whether the scheduler runs.

The scheduler (:mod:`linli.scheduler`) proves it is alive with a heartbeat: on every tick it
calls :func:`write_heartbeat`, which puts the current instant (ISO 8601, UTC) into
``.scheduler-heartbeat`` in the home. A heartbeat fresher than :data:`HEARTBEAT_FRESH` means the
scheduler runs; an older one, or none, that it does not.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import peewee as pw

from linli import __version__, backup, clock, migrations, runs
from linli import models as m
from linli.db import database
from linli.errors import LinliError
from linli.home import Home
from linli.publicity import next_change

HEARTBEAT_FILE = ".scheduler-heartbeat"
HEARTBEAT_FRESH = dt.timedelta(minutes=2)


# --- the scheduler's heartbeat ----------------------------------------------------------------


def write_heartbeat(home: Home) -> None:
    """Record that the scheduler is alive now (written beside and renamed, never half a file)."""
    path = home.root / HEARTBEAT_FILE
    partial = path.with_name(path.name + ".part")
    partial.write_text(clock.utc_now().isoformat(timespec="seconds"), encoding="utf-8")
    os.replace(partial, path)


def read_heartbeat(home: Home) -> dt.datetime | None:
    """The instant (aware, UTC) of the scheduler's last tick; None if it never ticked here or
    the file cannot be read."""
    try:
        text = (home.root / HEARTBEAT_FILE).read_text(encoding="utf-8").strip()
        at = dt.datetime.fromisoformat(text)
    except (OSError, ValueError):
        return None
    return at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)


def scheduler_alive(home: Home) -> bool:
    """Whether the scheduler ticked within the last :data:`HEARTBEAT_FRESH`."""
    at = read_heartbeat(home)
    return at is not None and clock.utc_now() - at <= HEARTBEAT_FRESH


# --- the whole picture ------------------------------------------------------------------------


@dataclass
class Deployed:
    """A deploy target of the home and its newest deploy run (None before the first)."""

    name: str
    where: str
    run: m.Run | None


@dataclass
class Status:
    version: str
    schema_version: int | None  # as stored in the database
    schema_current: int  # what this version of Linli writes
    database_kind: str  # "SQLite" or "PostgreSQL"
    database_bytes: int | None  # None when the server does not say
    media_bytes: int
    site_bytes: int
    free_bytes: int  # free space on the disk of the home
    last_build: m.Run | None
    deploys: list[Deployed] = field(default_factory=list)
    deploy_error: str = ""  # a mistake in linli.toml's [deploy.NAME] tables
    next_change: dt.datetime | None = None  # site time
    backup: backup.BackupState | None = None
    heartbeat: dt.datetime | None = None  # site time of the scheduler's last tick
    scheduler_alive: bool = False


def status(home: Home, now: dt.datetime | None = None) -> Status:
    """The state of ``home`` (its database connected) at ``now`` (site time)."""
    from linli.deploy import targets

    now = now or m.now()
    try:
        deploys = [Deployed(t.name, t.where, runs.latest(home, runs.DEPLOY, t.name)) for t in targets(home).values()]
        deploy_error = ""
    except LinliError as exc:
        deploys, deploy_error = [], str(exc)
    beat = read_heartbeat(home)
    sqlite = home.database_url.startswith("sqlite:///")
    return Status(
        version=__version__,
        schema_version=migrations.stored_version(database.obj),
        schema_current=migrations.CURRENT,
        database_kind="SQLite" if sqlite else "PostgreSQL",
        database_bytes=_database_bytes(home) if sqlite else _postgres_bytes(),
        media_bytes=folder_bytes(home.media_dir),
        site_bytes=folder_bytes(home.site_dir),
        free_bytes=shutil.disk_usage(home.root).free,
        last_build=runs.latest(home, runs.BUILD),
        deploys=deploys,
        deploy_error=deploy_error,
        next_change=next_change(now),
        backup=backup.backup_state(home, now),
        heartbeat=clock.to_stored(beat, home.zone) if beat else None,
        scheduler_alive=scheduler_alive(home),
    )


def folder_bytes(folder: Path) -> int:
    """The size of the files under ``folder`` (0 when it does not exist)."""
    total = 0
    for path in folder.rglob("*") if folder.is_dir() else ():
        try:
            if path.is_file() and not path.is_symlink():
                total += path.stat().st_size
        except OSError:  # removed meanwhile (a build swapping site/)
            pass
    return total


def _database_bytes(home: Home) -> int:
    """The SQLite file with its write-ahead log."""
    database_file = Path(home.database_url.removeprefix("sqlite:///"))
    files = (database_file, database_file.with_name(database_file.name + "-wal"))
    return sum(path.stat().st_size for path in files if path.is_file())


def _postgres_bytes() -> int | None:
    try:
        return int(database.execute_sql("SELECT pg_database_size(current_database())").fetchone()[0])
    except pw.DatabaseError:  # no right to ask: the size is left out
        return None


def human_size(size: int | None) -> str:
    """``1.5 MB``: a size for people."""
    if size is None:
        return "—"
    if size < 1024:
        return f"{size} B"
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024 or unit == "GB":
            return f"{size:.1f} {unit}"


def age_text(age: dt.timedelta) -> str:
    """``3 天前``: how long ago, for ``linli status`` (the admin words it in the account's language)."""
    minutes = int(age.total_seconds() // 60)
    if minutes < 1:
        return "刚刚"
    if minutes < 60:
        return f"{minutes} 分钟前"
    if minutes < 24 * 60:
        return f"{minutes // 60} 小时前"
    return f"{minutes // (24 * 60)} 天前"


# --- in words, for ``linli status`` -----------------------------------------------------------


def status_lines(home: Home, now: dt.datetime | None = None) -> list[tuple[str, str]]:
    """``[(label, value)]`` of :func:`status`, in Chinese, one line each."""
    now = now or m.now()
    state = status(home, now)
    schema = str(state.schema_version)
    if state.schema_version != state.schema_current:
        schema += f"（这个版本的 Linli 用 {state.schema_current}）"
    lines = [
        ("版本", f"Linli {state.version}"),
        ("数据库结构版本", schema),
        ("数据库", f"{state.database_kind}，{human_size(state.database_bytes)}"),
        ("媒体文件", f"{human_size(state.media_bytes)}（{home.media_dir}）"),
        ("网站文件", f"{human_size(state.site_bytes)}（{home.site_dir}）"),
        ("磁盘剩余空间", human_size(state.free_bytes)),
        ("最近发布网站", run_text(state.last_build, "还没有发布过")),
    ]
    if state.deploy_error:
        lines.append(("发布目标", f"设置有误：{state.deploy_error}"))
    elif not state.deploys:
        lines.append(("发布目标", "没有设置（网站只在这台电脑的 site/ 里）"))
    for deployed in state.deploys:
        lines.append((f"上传到“{deployed.name}”", run_text(deployed.run, "还没有上传过") + f" → {deployed.where}"))
    lines.append(("下一次定时发布", f"{state.next_change:%Y-%m-%d %H:%M}" if state.next_change else "没有定时发布或到期的内容"))
    lines += backup_lines(state.backup, now)
    if state.scheduler_alive:
        running = f"在运行（最近一次 {state.heartbeat:%Y-%m-%d %H:%M:%S}）"
    elif state.heartbeat:
        running = f"没有运行（最近一次 {state.heartbeat:%Y-%m-%d %H:%M:%S}）"
    else:
        running = "没有运行（从未运行过）"
    lines.append(("定时服务", running))
    return lines


def backup_lines(state: backup.BackupState, now: dt.datetime) -> list[tuple[str, str]]:
    settings = state.settings
    if not state.supported:
        return [("最近备份", "这个站点使用 PostgreSQL 数据库，Linli 不做备份：请用 pg_dump 备份数据库，并另外复制 content/media/ 目录。")]
    if state.at is None:
        last = "还没有备份。请运行 linli backup，或让 Linli 服务一直运行（每晚自动备份）。"
    else:
        last = f"{state.at:%Y-%m-%d %H:%M}（{age_text(state.age)}）{state.path}"
        if state.overdue:
            last += f"。已超过 {backup.MAX_AGE.days} 天，请尽快备份：linli backup"
    lines = [("最近备份", last)]
    if state.failure:
        lines.append(("最近一次备份失败", state.failure))
    plan = f"每天 {settings.time:%H:%M}（服务运行时）备份到 {settings.folder}，保留最近 {settings.keep_daily} 天和此前 {settings.keep_weekly} 周各一个"
    if settings.copy_to:
        plan += f"，并复制到“{settings.copy_to}”"
    lines.append(("自动备份", f"{plan}；现有 {state.count} 个备份"))
    return lines


def run_text(run: m.Run | None, never: str) -> str:
    """A build or deploy run in one line."""
    if run is None:
        return never
    text = f"{run.started_at:%Y-%m-%d %H:%M}，{runs.STATE_LABELS.get(run.state, run.state)}（{run.requested_by}）"
    return text + (f"：{run.message}" if run.state == runs.FAILED else "")
