"""A zip archive of ``site/``: for hosts whose only way in is a web upload panel. The same
archive is written by ``linli deploy`` to a file and streamed by the admin's publish page.

Entries are sorted, so the archive lists the site in a stable order.
"""

from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path

from linli.deploy.config import Target
from linli.deploy.core import DeployResult, site_manifest
from linli.errors import LinliError


def write_zip(site: Path, out) -> int:
    """Write ``site``'s files into the zip file ``out`` (a path or a binary file object);
    returns the number of files."""
    files = site_manifest(site)  # also refuses a site that was never built
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for rel in files:
            source = site / rel
            info = zipfile.ZipInfo(rel, date_time=time.localtime(max(source.stat().st_mtime, 315532800))[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with source.open("rb") as src, archive.open(info, "w") as dst:
                while chunk := src.read(1 << 16):
                    dst.write(chunk)
    return len(files)


def deploy(target: Target, site: Path, progress=None) -> DeployResult:
    path = target.local_path("path")
    if not path.name.lower().endswith(".zip"):
        path = path.with_name(path.name + ".zip")
    if path.resolve().is_relative_to(site.resolve()):
        raise LinliError(f"压缩包 {path} 不能放在 site/ 里面。")
    started = time.perf_counter()
    partial = path.with_name(path.name + ".linli-part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        count = write_zip(site, partial)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise LinliError(f"无法写入压缩包 {path}：{exc.strerror or exc}") from exc
    seconds = time.perf_counter() - started
    size = path.stat().st_size / 1e6
    message = f"已写入压缩包 {path}：{count} 个文件，{size:.1f} MB，用时 {seconds:.1f} 秒。把它上传到空间的网页管理面板并解压即可。"
    return DeployResult(target.name, where=str(path), seconds=seconds, message=message)
