"""``linli backup`` and ``linli restore``: the whole content of a home in one verified archive.

An archive (``.tar.gz``) holds ``content/linli.db`` — copied with SQLite's online backup API, so
staff can keep working while it is made — every file of ``content/media/``, the home's
``linli.toml``, and ``MANIFEST.json``: the SHA-256 and size of every file, the schema version
and when it was made. An archive is written under a temporary name, read back and checked
(every checksum, the database's ``integrity_check``) and only then given its name.

Restoring checks the archive the same way before touching anything, unpacks it beside the home,
then moves the current ``content/`` aside to ``content.before-restore-<time>/`` (kept, never
deleted) and puts the restored one in its place. ``linli.toml`` of the home is kept; the
archive's copy is restored as ``linli.toml.from-backup`` for the operator to compare.

**Backups that happen** (:func:`scheduled_backup`): the running service makes one every night
(:mod:`linli.scheduler`, at ``[backup] time``), and ``linli backup`` makes one the same way: a
verified archive in the configured folder (``[backup] folder``, default ``backups/`` in the
home), then the folder is rotated (:func:`to_keep`: the newest archive of each of the last
``keep_daily`` days that have one, and the newest of each of the ``keep_weekly`` ISO weeks
before those; only files named like Linli's archives are ever deleted, the newest never), then
the archive is copied to ``[backup] copy_to``, a deploy target (:func:`copy_archive`). Each is
a run of kind "backup" (:mod:`linli.runs`: a row, the audit log, one at a time with builds and
deploys), which the dashboard and ``linli status`` read with :func:`backup_state`.

PostgreSQL databases are backed up with the server's own tools (``pg_dump``); these commands say so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import io
import json
import re
import shutil
import sqlite3
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from linli import clock, runs
from linli import models as m
from linli.deploy.core import file_hash
from linli.errors import LinliError
from linli.home import BACKUP_DEFAULTS, Home

MANIFEST = "MANIFEST.json"
FORMAT = 1


def _stamp(home: Home) -> str:
    return clock.stamp(home.zone)


def supported(home: Home) -> bool:
    """Whether Linli backs up this home itself (SQLite); PostgreSQL has pg_dump."""
    return home.database_url.startswith("sqlite:///")


def _require_sqlite(home: Home) -> Path:
    if not supported(home):
        raise LinliError("这个站点使用 PostgreSQL 数据库：请用 pg_dump 备份数据库，并另外复制 content/media/ 目录。")
    return Path(home.database_url.removeprefix("sqlite:///"))


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (the online backup API; WAL included)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        dst.close()
        src.close()


def check_database(path: Path) -> None:
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = connection.execute("PRAGMA integrity_check").fetchone()[0]
            connection.execute('SELECT count(*) FROM "user"').fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise LinliError(f"备份里的数据库打不开（{exc}），这个备份不能使用。") from exc
    if result != "ok":
        raise LinliError(f"备份里的数据库已损坏（{result}），这个备份不能使用。")


def create_backup(home: Home, output: Path | None = None) -> tuple[Path, dict]:
    """Write and verify a backup archive of ``home``; returns its path and manifest."""
    database = _require_sqlite(home)
    if not database.is_file():
        raise LinliError(f"找不到数据库文件 {database}，没有可备份的内容。")
    target = Path(output) if output else backup_settings(home).folder / f"linli-backup-{_stamp(home)}.tar.gz"
    if target.is_dir():
        target = target / f"linli-backup-{_stamp(home)}.tar.gz"
    target.parent.mkdir(parents=True, exist_ok=True)
    work = target.with_name(f".{target.name}.work")
    shutil.rmtree(work, ignore_errors=True)
    partial = target.with_name(f".{target.name}.partial")
    try:
        copy_database(database, work / "content" / "linli.db")
        check_database(work / "content" / "linli.db")
        files = {"content/linli.db": work / "content" / "linli.db"}
        for path in sorted(home.media_dir.rglob("*")) if home.media_dir.is_dir() else []:
            if path.is_file() and not path.name.startswith("."):
                files[f"content/media/{path.relative_to(home.media_dir).as_posix()}"] = path
        if home.settings_path.is_file():
            files["linli.toml"] = home.settings_path
        manifest = {
            "format": FORMAT,
            "created_at": clock.now(home.zone).isoformat(timespec="seconds"),
            "schema_version": stored_version_of(work / "content" / "linli.db"),
            "files": {name: {"sha256": file_hash(path), "size": path.stat().st_size} for name, path in files.items()},
        }
        with tarfile.open(partial, "w:gz") as archive:
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
            for name, path in files.items():
                archive.add(path, arcname=name, recursive=False)
        verify_backup(partial)
        partial.replace(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        partial.unlink(missing_ok=True)
    return target, manifest


def stored_version_of(database: Path) -> int:
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        row = connection.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0]) if row and row[0] is not None else 1
    except sqlite3.OperationalError:  # made before versions were recorded: the first schema
        return 1
    finally:
        connection.close()


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def verify_backup(path: Path, extract_to: Path | None = None) -> dict:
    """Check an archive: readable, safe names, every file present with its checksum, a sound
    database. Returns the manifest; with ``extract_to``, also unpacks the checked files there."""
    path = Path(path)
    if not path.is_file():
        raise LinliError(f"找不到备份文件 {path}。")
    try:
        with tarfile.open(path, "r:gz") as archive:
            members = {m.name: m for m in archive.getmembers()}
            if MANIFEST not in members:
                raise LinliError(f"{path.name} 不是 Linli 备份（缺少 {MANIFEST}）。")
            manifest = json.loads(archive.extractfile(members[MANIFEST]).read())
            listed = manifest.get("files", {})
            if "content/linli.db" not in listed:
                raise LinliError(f"{path.name} 里没有数据库，不是完整的 Linli 备份。")
            extra = set(members) - set(listed) - {MANIFEST}
            for name in [*listed, *extra]:
                member = members.get(name)
                if not _safe_member(name) or member is None or not member.isfile():
                    raise LinliError(f"备份 {path.name} 不完整或被改动过（{name}），不能使用。")
            for name, expected in listed.items():
                digest = hashlib.sha256()
                source = archive.extractfile(members[name])
                target = None
                if extract_to is not None:
                    target = Path(extract_to) / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    out = target.open("wb")
                for block in iter(lambda: source.read(1 << 20), b""):
                    digest.update(block)
                    if target is not None:
                        out.write(block)
                if target is not None:
                    out.close()
                if digest.hexdigest() != expected["sha256"]:
                    raise LinliError(f"备份 {path.name} 已损坏：{name} 的校验和不符，不能使用。")
    except (tarfile.TarError, OSError, EOFError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise LinliError(f"备份文件 {path.name} 已损坏或不完整（{exc}），不能使用。") from exc
    if extract_to is not None:
        check_database(Path(extract_to) / "content" / "linli.db")
    else:
        _check_database_inside(path)
    return manifest


def _check_database_inside(path: Path) -> None:
    scratch = path.with_name(f".{path.name}.check")
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        with tarfile.open(path, "r:gz") as archive:
            member = archive.getmember("content/linli.db")
            scratch.mkdir(parents=True)
            with archive.extractfile(member) as source, (scratch / "linli.db").open("wb") as out:
                shutil.copyfileobj(source, out)
        check_database(scratch / "linli.db")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def restore_backup(home: Home, archive: Path) -> tuple[Path, dict]:
    """Replace ``home``'s content by the archive's, after checking it; the current content is
    moved aside (returned) and kept."""
    _require_sqlite(home)
    staging = home.root / f".restore-{_stamp(home)}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        manifest = verify_backup(archive, extract_to=staging)
        aside = home.root / f"content.before-restore-{_stamp(home)}"
        (staging / "content" / "media").mkdir(parents=True, exist_ok=True)
        if home.content_dir.exists():
            home.content_dir.rename(aside)
        (staging / "content").rename(home.content_dir)
        if (staging / "linli.toml").is_file():
            (staging / "linli.toml").replace(home.root / "linli.toml.from-backup")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return aside, manifest


# --- backups that happen: the folder, rotation, a copy elsewhere, the record -------------------

KIND = "backup"  # the kind of run (runs.KINDS)
ARCHIVE_NAME = re.compile(r"^linli-backup-(\d{8}-\d{6})\.tar\.gz$")  # what create_backup names
SCRATCH_NAME = re.compile(r"^\.linli-backup-\d{8}-\d{6}\.tar\.gz\.(partial|work|check)$")  # and its leftovers
SCRATCH_AGE = dt.timedelta(days=1)  # leftovers this old belong to a backup that died
MAX_AGE = dt.timedelta(days=2)  # a last backup older than this shows red
COPY_FOLDER = "backups"  # where copies go on a target
COPY_KINDS = {"folder": ("folder", "FolderTransport"), "sftp": ("sftp", "SFTPTransport"),
              "ftp": ("ftp", "FTPTransport"), "s3": ("s3", "S3Transport")}  # fmt: skip


@dataclass(frozen=True)
class Settings:
    """``[backup]`` of linli.toml (checked by :func:`linli.home.load_settings`)."""

    folder: Path
    time: dt.time  # every day at this time of the site's clock
    keep_daily: int
    keep_weekly: int
    copy_to: str  # a [deploy.NAME] target, or ""


def backup_settings(home: Home) -> Settings:
    table = {**BACKUP_DEFAULTS, **home.settings.get("backup", {})}
    folder = Path(table["folder"]).expanduser()
    return Settings(
        folder=folder if folder.is_absolute() else home.root / folder,
        time=dt.datetime.strptime(table["time"], "%H:%M").time(),
        keep_daily=table["keep_daily"],
        keep_weekly=table["keep_weekly"],
        copy_to=table["copy_to"],
    )


def archives(folder: Path) -> list[tuple[dt.datetime, Path]]:
    """Linli's archives in ``folder`` (by their name), oldest first, with the site time each was made."""
    found = []
    for path in folder.iterdir() if folder.is_dir() else ():
        match = ARCHIVE_NAME.match(path.name)
        if match and path.is_file():
            try:
                found.append((dt.datetime.strptime(match[1], "%Y%m%d-%H%M%S"), path))
            except ValueError:  # not a time: not Linli's name
                continue
    return sorted(found)


def to_keep(times, keep_daily: int, keep_weekly: int) -> set[dt.datetime]:
    """Which of the backups made at ``times`` a rotation keeps.

    Daily: the newest backup of each of the ``keep_daily`` most recent calendar days that have
    one. Weekly: among the backups older than those days, the newest of each of the
    ``keep_weekly`` most recent ISO weeks (Monday to Sunday) that have one; a week the daily
    backups reach into counts with its older days only. Days without a backup are not counted,
    so a machine that was off for a week loses nothing to it. The newest backup is always kept."""
    newest_first = sorted(set(times), reverse=True)
    keep: set[dt.datetime] = set()
    days: list[dt.date] = []
    for at in newest_first:
        if at.date() not in days:
            if len(days) == max(keep_daily, 1):
                break
            days.append(at.date())
            keep.add(at)
    weeks: list[tuple[int, int]] = []
    for at in newest_first:
        week = tuple(at.isocalendar())[:2]
        if at.date() >= days[-1] or week in weeks:
            continue
        if len(weeks) == keep_weekly:
            break
        weeks.append(week)
        keep.add(at)
    return keep


def rotate(folder: Path, keep_daily: int, keep_weekly: int, *, newest: Path | None = None) -> list[Path]:
    """Delete the archives of ``folder`` that :func:`to_keep` does not keep (never ``newest``, the
    one just made, whatever the clock did) and leftovers of backups that died; the deleted archives."""
    found = archives(folder)
    keep = to_keep([at for at, _ in found], keep_daily, keep_weekly)
    removed = []
    for at, path in found:
        if at not in keep and path != newest:
            path.unlink(missing_ok=True)
            removed.append(path)
    cutoff = time.time() - SCRATCH_AGE.total_seconds()
    for path in folder.iterdir() if folder.is_dir() else ():
        if SCRATCH_NAME.match(path.name) and path.lstat().st_mtime < cutoff:
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    return removed


def copy_archive(home: Home, archive: Path, name: str) -> str:
    """Upload ``archive`` to ``backups/`` of the deploy target ``name``; where it went.

    Only that one file is written (the target's own code puts it beside its place and renames
    it): nothing is deleted there. A target that holds a built site is refused, since whatever
    is beside a public site may be downloaded by anyone, and a backup holds every account and draft."""
    from linli.deploy import targets
    from linli.deploy.core import MANIFEST, ConnectionLost

    target = targets(home).get(name)
    if target is None or target.kind not in COPY_KINDS:
        raise LinliError(f"[backup] 的 copy_to = “{name}” 不是可以放备份的发布目标（{'、'.join(COPY_KINDS)}）。")
    saved = f"本机的备份已做好并校验：{archive}。"
    module, class_name = COPY_KINDS[target.kind]
    transport_class = getattr(importlib.import_module(f"linli.deploy.{module}"), class_name)
    if target.kind == "folder":
        root = target.local_path("path").resolve()
        if any(root.is_relative_to(folder.resolve()) for folder in (home.content_dir, home.site_dir)):
            raise LinliError(f"备份不能复制到 content/ 或 site/ 里面（发布目标“{name}”的文件夹 {root}）。{saved}")
        transport = transport_class(root)
    else:
        try:
            transport = transport_class(target)  # reads the target's secrets
        except LinliError as exc:
            raise LinliError(f"复制备份到“{name}”失败：{exc}{saved}") from exc
    path = f"{COPY_FOLDER}/{archive.name}"
    for attempt in range(target.retries + 1):
        try:
            transport.connect()
            if attempt == 0 and transport.read(MANIFEST) is not None:
                raise LinliError(
                    f"发布目标“{name}”（{transport.where}）上放着网站，放在那里的备份会被任何人下载。"
                    f"请为备份另设一个发布目标（另一个文件夹、路径或存储桶），写在 [backup] 的 copy_to。{saved}"
                )
            transport.write(path, archive)
            return f"{transport.where.rstrip('/')}/{path}"
        except ConnectionLost as exc:
            if attempt == target.retries:
                raise LinliError(f"复制备份到“{name}”（{transport.where}）时连接中断（{exc}）。{saved}") from exc
            time.sleep(min(1 + attempt, 5))
        except OSError as exc:  # a folder: a stick pulled out, a full disk
            raise LinliError(f"复制备份到“{name}”（{transport.where}）失败：{exc.strerror or exc}。{saved}") from exc
        except LinliError as exc:
            raise LinliError(f"复制备份到“{name}”失败：{exc}" + ("" if saved in str(exc) else saved)) from exc
        finally:
            try:
                transport.close()
            except Exception:  # closing a dropped connection is best effort
                pass
    raise AssertionError("unreachable")  # pragma: no cover


def scheduled_backup(home: Home, username: str = runs.CLI_USER, *, wait: float = 600) -> Path:
    """Make a verified backup into the configured folder, rotate the folder, copy the archive
    to ``copy_to`` if set; recorded as a run of kind "backup". Returns the archive.

    Waits up to ``wait`` seconds for a build or deploy that holds the home's lock. LinliError
    when it fails: on PostgreSQL (before any run is recorded), when the home is still busy, or
    with the run's message when the backup or its copy failed (a failed copy leaves the archive
    made and the rotation done)."""
    _require_sqlite(home)
    settings = backup_settings(home)
    deadline = time.monotonic() + wait
    while runs.is_busy(home) and time.monotonic() < deadline:
        time.sleep(1)
    made: list[Path] = []

    def work(running: runs.Running) -> runs.Outcome:
        archive, manifest = create_backup(home, settings.folder / f"linli-backup-{_stamp(home)}.tar.gz")
        made.append(archive)
        size = archive.stat().st_size / 1024 / 1024
        message = f"备份完成并已校验：{archive}（{len(manifest['files'])} 个文件，{size:.1f} MB）。"
        removed = rotate(settings.folder, settings.keep_daily, settings.keep_weekly, newest=archive)
        log = [f"按保留规则删除了旧备份：{path.name}" for path in removed]
        message += f"现有 {len(archives(settings.folder))} 个备份" + (f"，删除了 {len(removed)} 个旧的。" if removed else "。")
        if settings.copy_to:
            message += f"已复制到“{settings.copy_to}”：{copy_archive(home, archive, settings.copy_to)}"
        return runs.Outcome(message, done=1, files=len(manifest["files"]), log=tuple(log))

    detail = f"{settings.folder}" + (f" → {settings.copy_to}" if settings.copy_to else "")
    run = runs.run_now(home, KIND, work, username, detail=detail)
    if run.state != runs.SUCCEEDED:
        raise LinliError(run.message)
    return made[0]


def last_good_backup(home: Home) -> tuple[Path, dt.datetime] | None:
    """The newest archive in the configured folder and when it was made (site time); None if
    there is none. Every archive there under its final name was checked before it got that name."""
    found = archives(backup_settings(home).folder)
    return (found[-1][1], found[-1][0]) if found else None


@dataclass
class BackupState:
    """What the dashboard and ``linli status`` say about backups."""

    supported: bool  # False on PostgreSQL: pg_dump's job
    settings: Settings
    path: Path | None = None  # the last good backup
    at: dt.datetime | None = None
    age: dt.timedelta | None = None
    count: int = 0  # archives in the folder
    last_run: m.Run | None = None  # the newest backup run, whatever its result

    @property
    def overdue(self) -> bool:
        """No backup, or the last good one is older than :data:`MAX_AGE` (shown red)."""
        return self.supported and (self.age is None or self.age > MAX_AGE)

    @property
    def failure(self) -> str:
        """The message of the newest backup run when it failed after the last good backup."""
        run = self.last_run
        if run is None or run.state != runs.FAILED or (self.at is not None and run.started_at < self.at):
            return ""
        return run.message


def backup_state(home: Home, now: dt.datetime | None = None) -> BackupState:
    """The backups of ``home`` at ``now`` (site time); reads the runs, so the database is connected."""
    settings = backup_settings(home)
    if not supported(home):
        return BackupState(False, settings)
    found = archives(settings.folder)
    state = BackupState(True, settings, count=len(found), last_run=runs.latest(home, KIND))
    if found:
        state.at, state.path = found[-1]
        state.age = max((now or m.now()) - state.at, dt.timedelta(0))
    return state
