"""Deploy over FTP or FTPS (``tls = true``: explicit TLS, data channel protected) with ftplib:
the shared manifest sync, each file uploaded beside its place and renamed into it.

FTP is often the only way into cheap shared hosting. ``ca_file`` names a certificate (PEM) to
trust for hosts whose certificate is self-signed; otherwise the system's trusted roots apply.
"""

from __future__ import annotations

import ftplib
import functools
import io
import posixpath
import socket
import ssl
from pathlib import Path

from linli.deploy.config import Target
from linli.deploy.core import ConnectionLost, Transport, sync
from linli.errors import LinliError


def _guard(method):
    @functools.wraps(method)
    def wrapper(self, *args):
        try:
            return method(self, *args)
        except ftplib.error_perm as exc:
            raise LinliError(f"服务器拒绝了对 {posixpath.join(self.root, args[0])} 的操作：{exc}（没有权限或空间不足？）") from exc
        except (OSError, EOFError, ftplib.error_temp, ftplib.error_reply) as exc:
            raise ConnectionLost(str(exc) or type(exc).__name__) from exc

    return wrapper


class FTPTransport(Transport):
    def __init__(self, target: Target):
        self.target = target
        self.tls = target.get("tls", False)
        self.port = target.get("port", 21)
        self.root = target.get("path").rstrip("/") or "/"
        self.user = target.get("user", "anonymous")
        scheme = "ftps" if self.tls else "ftp"
        self.where = f"{scheme}://{self.user}@{target.get('host')}:{self.port}{self.root}"
        self.password = target.secret("password", required=self.user != "anonymous") or ""
        self.ftp: ftplib.FTP | None = None
        self.dirs: set[str] = set()
        self.emptied: set[str] = set()

    def _context(self) -> ssl.SSLContext:
        ca_file = self.target.local_path("ca_file")
        try:
            return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
        except (OSError, ssl.SSLError) as exc:
            raise LinliError(f"读不了证书文件 {ca_file}：{exc}") from exc

    def connect(self) -> None:
        host, timeout = self.target.get("host"), self.target.get("timeout", 30)
        ftp = ftplib.FTP_TLS(context=self._context(), timeout=timeout) if self.tls else ftplib.FTP(timeout=timeout)
        where = f"{host}:{self.port}"
        try:
            ftp.connect(host, self.port)
            ftp.login(self.user, self.password)
            if self.tls:
                ftp.prot_p()
        except socket.gaierror as exc:
            raise LinliError(f"找不到主机 {host}：请检查发布目标“{self.target.name}”的 host 是否写对、网络是否连通。") from exc
        except ftplib.error_perm as exc:
            ftp.close()
            if str(exc).startswith("530"):
                raise LinliError(f"登录 {where} 失败：用户名“{self.user}”或密码不对。") from exc
            raise LinliError(f"FTP 服务器 {where} 拒绝登录：{exc}") from exc
        except ssl.SSLError as exc:
            ftp.close()
            raise LinliError(
                f"与 {where} 建立加密连接失败（{exc.reason or exc}）：证书不受信任时，用 ca_file 指定服务器的证书。"
            ) from exc
        except (socket.timeout, TimeoutError) as exc:
            ftp.close()
            raise LinliError(f"连接 {where} 超时：服务器没有响应。请检查地址、端口和网络。") from exc
        except (OSError, EOFError, ftplib.Error) as exc:
            ftp.close()
            raise LinliError(f"连不上 FTP 服务器 {where}（{exc}）：请检查地址、端口，以及服务器是否开着。") from exc
        self.ftp = ftp
        self.dirs = set()

    def close(self) -> None:
        if self.ftp:
            try:
                self.ftp.quit()
            except (OSError, EOFError, ftplib.Error):
                self.ftp.close()
        self.ftp = None

    def _remote(self, path: str) -> str:
        return posixpath.join(self.root, path)

    def _makedirs(self, folder: str) -> None:
        if folder in self.dirs or folder in ("", "/", "."):
            return
        self._makedirs(posixpath.dirname(folder))
        try:
            self.ftp.mkd(folder)
        except ftplib.error_perm:
            pass  # it exists (servers word this differently); a real refusal shows on upload
        self.dirs.add(folder)

    def _replace(self, partial: str, remote: str) -> None:
        try:
            self.ftp.rename(partial, remote)
        except ftplib.error_perm:  # some servers will not rename over an existing file
            self.ftp.delete(remote)
            self.ftp.rename(partial, remote)

    @_guard
    def read(self, path: str) -> bytes | None:
        buffer = io.BytesIO()
        try:
            self.ftp.retrbinary(f"RETR {self._remote(path)}", buffer.write)
        except ftplib.error_perm as exc:
            if str(exc).startswith("550"):
                return None
            raise
        return buffer.getvalue()

    @_guard
    def write(self, path: str, source: Path) -> None:
        remote = self._remote(path)
        self._makedirs(posixpath.dirname(remote))
        with source.open("rb") as handle:
            self.ftp.storbinary(f"STOR {remote}.linli-part", handle)
        self._replace(remote + ".linli-part", remote)

    @_guard
    def write_bytes(self, path: str, data: bytes) -> None:
        remote = self._remote(path)
        self._makedirs(posixpath.dirname(remote))
        self.ftp.storbinary(f"STOR {remote}.linli-part", io.BytesIO(data))
        self._replace(remote + ".linli-part", remote)

    @_guard
    def delete(self, path: str) -> None:
        try:
            self.ftp.delete(self._remote(path))
        except ftplib.error_perm as exc:
            if not str(exc).startswith("550"):
                raise
        self.emptied.add(posixpath.dirname(self._remote(path)))

    def finish(self) -> None:
        for folder in sorted(self.emptied, key=len, reverse=True):
            while folder.startswith(self.root + "/"):
                try:
                    self.ftp.rmd(folder)
                except (ftplib.Error, OSError):
                    break
                folder = posixpath.dirname(folder)


def deploy(target: Target, site: Path, progress=None):
    return sync(target.name, site, FTPTransport(target), retries=target.retries, progress=progress)
