"""Deploy to a local folder (a USB stick, a mounted share, a web server's document root on this
machine): the shared manifest sync, each file written beside its place and renamed into it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from linli.deploy.config import Target
from linli.deploy.core import Transport, sync
from linli.errors import LinliError


class FolderTransport(Transport):
    def __init__(self, root: Path):
        self.root = root
        self.where = str(root)

    def connect(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LinliError(f"无法使用文件夹 {self.root}：{exc.strerror or exc}。U 盘是否已插好？") from exc

    def close(self) -> None:
        pass

    def _path(self, path: str) -> Path:
        return self.root.joinpath(*path.split("/"))

    def read(self, path: str) -> bytes | None:
        target = self._path(path)
        return target.read_bytes() if target.is_file() else None

    def write(self, path: str, source: Path) -> None:
        target = self._path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".linli-part")
        shutil.copyfile(source, partial)
        os.replace(partial, target)

    def write_bytes(self, path: str, data: bytes) -> None:
        target = self._path(path)
        partial = target.with_name(target.name + ".linli-part")
        partial.write_bytes(data)
        os.replace(partial, target)

    def delete(self, path: str) -> None:
        target = self._path(path)
        target.unlink(missing_ok=True)
        parent = target.parent
        while parent != self.root and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


def deploy(target: Target, site: Path, progress=None):
    root = target.local_path("path").resolve()
    home = target.home.root.resolve()
    if root == home or root.is_relative_to(site.resolve()) or site.resolve().is_relative_to(root) \
            or root.is_relative_to(home / "content"):  # fmt: skip
        raise LinliError(f"发布目标“{target.name}”的文件夹 {root} 不能是站点目录本身、site/ 或 content/ 里面。")
    try:
        return sync(target.name, site, FolderTransport(root), retries=0, progress=progress)
    except OSError as exc:
        raise LinliError(f"写入文件夹 {root} 失败：{exc.strerror or exc}（空间不够或 U 盘被拔出？）。"
                         "再运行一次 linli deploy 会接着写。") from exc  # fmt: skip
