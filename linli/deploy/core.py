"""The sync shared by every file-by-file deploy target: a manifest of content hashes kept on the
target, changed-only uploads, removal of what the site no longer has, and resuming.

A target stores ``.linli-manifest.json`` (``{"files": {path: sha256}}``) beside the site's files.
It lists what Linli put there, so a deploy uploads only files whose hash differs from the
manifest's, deletes only files the manifest names and the site no longer has (anything else
on the target is never touched), and writes the manifest again as files land: every few files
and at the end. A run cut off by a dropped connection or Ctrl+C leaves a manifest that is
true for every file it names, so the next run continues where this one stopped. A dropped
connection is first retried in the same run (reconnect, continue).

Assets go up before pages and deletions come last, so a visitor never gets a page whose
stylesheet or photo is not there yet. A :class:`Transport` is the few primitives one kind of
target has (read/write one file, delete one file); :func:`sync` does the rest.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from linli.errors import LinliError

MANIFEST = ".linli-manifest.json"
MANIFEST_VERSION = 1
# The manifest is rewritten on the target after this many uploads or seconds, whichever first.
CHECKPOINT_FILES = 25
CHECKPOINT_SECONDS = 5.0


class ConnectionLost(Exception):
    """Raised by a transport when the connection dropped and reconnecting may help."""


@dataclass
class DeployResult:
    target: str
    uploaded: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    reconnects: int = 0
    seconds: float = 0.0
    where: str = ""
    message: str = ""  # a target's own summary, when the counts above do not fit it

    def summary(self) -> str:
        if self.message:
            return self.message
        if not self.uploaded and not self.deleted:
            return f"“{self.target}”已是最新（{self.unchanged} 个文件未变），没有上传。→ {self.where}"
        return (
            f"已发布到“{self.target}”：上传 {len(self.uploaded)} 个文件，删除 {len(self.deleted)} 个，"
            f"{self.unchanged} 个未变，用时 {self.seconds:.1f} 秒。→ {self.where}"
        )


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes, in hex (also the backup manifest's checksum)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def site_manifest(site: Path) -> dict[str, str]:
    """``{posix path: sha256}`` of every file under ``site`` (the manifest file itself excluded)."""
    if not (site / "index.html").is_file():
        raise LinliError(f"还没有生成网站（{site} 里没有 index.html）：请先运行 linli build 或在后台点“发布网站”。")
    files = {}
    for path in sorted(site.rglob("*")):
        if path.is_file() and not path.is_symlink():
            rel = path.relative_to(site).as_posix()
            if rel != MANIFEST:
                files[rel] = file_hash(path)
    return files


def encode_manifest(files: dict[str, str]) -> bytes:
    body = {"generator": "linli", "version": MANIFEST_VERSION, "files": dict(sorted(files.items()))}
    return json.dumps(body, ensure_ascii=False, indent=0).encode("utf-8")


def decode_manifest(data: bytes | None, where: str) -> dict[str, str]:
    """The files of a manifest read from a target; ``{}`` when there is none yet."""
    if data is None:
        return {}
    try:
        body = json.loads(data.decode("utf-8"))
        files = body["files"]
        if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
            raise ValueError("files")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise LinliError(
            f"{where} 上的 {MANIFEST} 已损坏，无法判断哪些文件需要更新。删除这个文件后再运行一次会重新上传全部文件。"
        ) from exc
    return {path: digest for path, digest in files.items() if _safe_path(path)}


def _safe_path(path: str) -> bool:
    """A manifest from a target is not trusted to name files outside the site's folder."""
    parts = PurePosixPath(path).parts
    return bool(parts) and not path.startswith("/") and ".." not in parts and "\\" not in path


def upload_order(paths) -> list[str]:
    """Assets before pages, so a page never arrives before what it loads."""
    return sorted(paths, key=lambda p: (p.endswith(".html"), p))


class Transport:
    """One connection to one target. Paths are relative to the target's folder, with ``/``."""

    where = ""

    def connect(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def read(self, path: str) -> bytes | None:
        """A file's bytes, or None when it does not exist."""
        raise NotImplementedError  # pragma: no cover

    def write(self, path: str, source: Path) -> None:
        """Put ``source`` at ``path`` (creating folders), replacing any file there."""
        raise NotImplementedError  # pragma: no cover

    def write_bytes(self, path: str, data: bytes) -> None:
        raise NotImplementedError  # pragma: no cover

    def delete(self, path: str) -> None:
        """Remove a file; no error when it is already gone."""
        raise NotImplementedError  # pragma: no cover

    def finish(self) -> None:
        """Called once after a complete sync (e.g. remove folders left empty)."""


def sync(name: str, site: Path, transport: Transport, *, retries: int = 3, progress=None) -> DeployResult:
    """Make the target hold exactly ``site``'s files (besides files Linli never put there).

    ``progress(done, total, path)`` is called after each upload or deletion. A dropped
    connection (:class:`ConnectionLost`) is retried ``retries`` times after reconnecting."""
    started = time.perf_counter()
    local = site_manifest(site)
    result = DeployResult(name, where=transport.where)
    attempts = 0
    transport.connect()
    try:
        while True:
            try:
                _sync_once(site, local, transport, result, progress)
                break
            except ConnectionLost as exc:
                attempts += 1
                if attempts > retries:
                    raise LinliError(
                        f"与“{name}”（{transport.where}）的连接中断（{exc}）。这次已上传 {len(result.uploaded)} 个文件，"
                        "再运行一次 linli deploy 会接着上传剩下的。"
                    ) from exc
                result.reconnects += 1
                _close_quietly(transport)
                _reconnect(transport, attempts, retries)
        transport.finish()
    finally:
        _close_quietly(transport)
    result.unchanged = len(local) - len(set(result.uploaded))
    result.seconds = time.perf_counter() - started
    return result


def _reconnect(transport: Transport, attempt: int, retries: int) -> None:
    """Connect again after a drop, waiting a little longer each time; the last failure stands."""
    while True:
        time.sleep(min(0.5 * attempt, 3))
        try:
            transport.connect()
            return
        except LinliError as exc:
            attempt += 1
            if attempt > retries:
                raise LinliError(f"{exc}（连接中断后重连失败；已上传的文件已记录，恢复后再运行一次 linli deploy 会接着上传。）") from exc


def _close_quietly(transport: Transport) -> None:
    try:
        transport.close()
    except Exception:  # the connection may already be gone; closing is best effort
        pass


def _sync_once(site: Path, local: dict[str, str], transport: Transport, result: DeployResult, progress) -> None:
    remote = decode_manifest(transport.read(MANIFEST), transport.where)
    changed = upload_order(p for p, digest in local.items() if remote.get(p) != digest)
    removed = sorted(p for p in remote if p not in local)
    total = len(changed) + len(removed) + len(result.uploaded) + len(result.deleted)
    dirty = 0
    last_save = time.monotonic()

    def checkpoint(force: bool = False) -> None:
        nonlocal dirty, last_save
        if dirty and (force or dirty >= CHECKPOINT_FILES or time.monotonic() - last_save >= CHECKPOINT_SECONDS):
            transport.write_bytes(MANIFEST, encode_manifest(remote))
            dirty, last_save = 0, time.monotonic()

    try:
        for path in changed:
            # A file being replaced is forgotten first: if the upload breaks off halfway, the
            # manifest must not claim the old content is still there.
            if path in remote:
                del remote[path]
            transport.write(path, site / path)
            remote[path] = local[path]
            result.uploaded.append(path)
            dirty += 1
            if progress:
                progress(len(result.uploaded) + len(result.deleted), total, path)
            checkpoint()
        for path in removed:
            transport.delete(path)
            del remote[path]
            result.deleted.append(path)
            dirty += 1
            if progress:
                progress(len(result.uploaded) + len(result.deleted), total, path)
            checkpoint()
        checkpoint(force=True)
    except BaseException as exc:
        if isinstance(exc, ConnectionLost):
            raise
        # Ctrl+C or an error on one file: keep what has landed, so the next run resumes.
        try:
            checkpoint(force=True)
        except Exception:
            pass
        raise
