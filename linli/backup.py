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

PostgreSQL databases are backed up with the server's own tools (``pg_dump``); these commands say so.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3
import tarfile
from pathlib import Path, PurePosixPath

from linli import clock
from linli.deploy.core import file_hash
from linli.errors import LinliError
from linli.home import Home

MANIFEST = "MANIFEST.json"
FORMAT = 1


def _stamp(home: Home) -> str:
    return clock.stamp(home.zone)


def _require_sqlite(home: Home) -> Path:
    if not home.database_url.startswith("sqlite:///"):
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
    target = Path(output) if output else home.root / "backups" / f"linli-backup-{_stamp(home)}.tar.gz"
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
