"""Deploy over SFTP (paramiko): the shared manifest sync, each file uploaded beside its place
and renamed into it, so visitors never get half a file.

Host keys are checked: against ``known_hosts`` (a file) when set, else the system's and the
user's ``~/.ssh/known_hosts``; an unknown or changed host key is refused. Log in with ``key``
(a private key file, optionally with the secret ``key_passphrase``) or the secret ``password``.
"""

from __future__ import annotations

import errno
import functools
import posixpath
import socket
from pathlib import Path

import paramiko

from linli.deploy.config import Target
from linli.deploy.core import ConnectionLost, Transport, sync
from linli.errors import LinliError

PERMANENT_ERRNOS = {errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.ENOTDIR, errno.EISDIR}


def ssh_connect_error(target: Target, exc: BaseException) -> LinliError:
    """The staff message for a failed SSH login or connection (also used by rsync)."""
    host, port = target.get("host"), target.get("port", 22)
    where = f"{host}:{port}"
    if isinstance(exc, socket.gaierror):
        return LinliError(f"找不到主机 {host}：请检查发布目标“{target.name}”的 host 是否写对、网络是否连通。")
    if isinstance(exc, paramiko.BadHostKeyException):
        return LinliError(f"{where} 的主机密钥与记录的不一致，已拒绝连接（服务器可能被冒充，或刚重装过）。请向空间服务商确认。")
    if isinstance(exc, paramiko.PasswordRequiredException):
        return LinliError(f"私钥 {target.get('key')} 有口令：请设置 {target.env_name('key_passphrase')}。")
    if isinstance(exc, paramiko.AuthenticationException):
        return LinliError(f"登录 {where} 失败：用户名“{target.get('user')}”、密码或密钥不对。")
    if isinstance(exc, paramiko.SSHException) and "known_hosts" in str(exc):
        return LinliError(
            f"不认识 {where} 的主机密钥，已拒绝连接。请先在这台电脑上运行 ssh -p {port} {target.get('user')}@{host} "
            "确认一次，或在 known_hosts 设置里指定记录主机密钥的文件。"
        )
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return LinliError(f"连接 {where} 超时：服务器没有响应。请检查地址、端口和网络。")
    if isinstance(exc, OSError):
        return LinliError(f"连不上 {where}（{exc.strerror or exc}）：请检查地址、端口，以及服务器是否开着。")
    return LinliError(f"连接 {where} 失败：{exc}")


def _guard(method):
    """Map transfer errors: a dropped connection may be retried, a refusal may not."""

    @functools.wraps(method)
    def wrapper(self, *args):
        try:
            return method(self, *args)
        except OSError as exc:
            if exc.errno in PERMANENT_ERRNOS:
                raise LinliError(f"服务器拒绝写入 {posixpath.join(self.root, args[0])}：没有权限或空间不足（{exc}）。") from exc
            raise ConnectionLost(str(exc) or type(exc).__name__) from exc
        except (EOFError, paramiko.SSHException) as exc:
            raise ConnectionLost(str(exc) or type(exc).__name__) from exc

    return wrapper


class SFTPTransport(Transport):
    def __init__(self, target: Target):
        self.target = target
        self.root = target.get("path").rstrip("/") or "/"
        self.where = f"sftp://{target.get('user')}@{target.get('host')}:{target.get('port', 22)}{self.root}"
        key = target.local_path("key")
        self.key = str(key) if key else None
        self.password = target.secret("password", required=key is None)
        self.passphrase = target.secret("key_passphrase", required=False)
        self.client: paramiko.SSHClient | None = None
        self.sftp: paramiko.SFTPClient | None = None
        self.dirs: set[str] = set()
        self.emptied: set[str] = set()

    def connect(self) -> None:
        client = paramiko.SSHClient()
        known_hosts = self.target.local_path("known_hosts")
        try:
            if known_hosts:
                client.load_host_keys(str(known_hosts))
            else:
                client.load_system_host_keys()
        except OSError as exc:
            raise LinliError(f"读不了 known_hosts 文件 {known_hosts}：{exc.strerror or exc}") from exc
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        timeout = self.target.get("timeout", 20)
        try:
            client.connect(
                self.target.get("host"), port=self.target.get("port", 22), username=self.target.get("user"),
                password=self.password, key_filename=self.key, passphrase=self.passphrase,
                timeout=timeout, banner_timeout=timeout, auth_timeout=timeout,
                allow_agent=False, look_for_keys=False,
            )  # fmt: skip
            self.sftp = client.open_sftp()
        except (OSError, paramiko.SSHException, EOFError) as exc:
            client.close()
            raise ssh_connect_error(self.target, exc) from exc
        self.sftp.get_channel().settimeout(timeout)
        self.client = client
        self.dirs = set()

    def close(self) -> None:
        if self.client:
            self.client.close()
        self.client = self.sftp = None

    def _remote(self, path: str) -> str:
        return posixpath.join(self.root, path)

    def _makedirs(self, folder: str) -> None:
        if folder in self.dirs or folder in ("", "/"):
            return
        try:
            self.sftp.stat(folder)
        except FileNotFoundError:
            self._makedirs(posixpath.dirname(folder))
            self.sftp.mkdir(folder)
        self.dirs.add(folder)

    @_guard
    def read(self, path: str) -> bytes | None:
        try:
            with self.sftp.open(self._remote(path), "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            return None

    @_guard
    def write(self, path: str, source: Path) -> None:
        remote = self._remote(path)
        self._makedirs(posixpath.dirname(remote))
        self.sftp.put(str(source), remote + ".linli-part", confirm=True)
        self.sftp.posix_rename(remote + ".linli-part", remote)

    @_guard
    def write_bytes(self, path: str, data: bytes) -> None:
        remote = self._remote(path)
        self._makedirs(posixpath.dirname(remote))
        with self.sftp.open(remote + ".linli-part", "wb") as handle:
            handle.write(data)
        self.sftp.posix_rename(remote + ".linli-part", remote)

    @_guard
    def delete(self, path: str) -> None:
        try:
            self.sftp.remove(self._remote(path))
        except FileNotFoundError:
            pass
        self.emptied.add(posixpath.dirname(self._remote(path)))

    def finish(self) -> None:
        """Remove folders that deletions left empty (a folder still in use refuses)."""
        for folder in sorted(self.emptied, key=len, reverse=True):
            while folder.startswith(self.root + "/"):
                try:
                    self.sftp.rmdir(folder)
                except OSError:
                    break
                folder = posixpath.dirname(folder)


def deploy(target: Target, site: Path, progress=None):
    return sync(target.name, site, SFTPTransport(target), retries=target.retries, progress=progress)
