"""``linli deploy``: copy the built ``site/`` to where residents read it.

Targets are configured per home as ``[deploy.NAME]`` tables in ``linli.toml``
(:mod:`linli.deploy.config`, secrets outside it). Kinds, one module each: ``folder``,
``zip`` (:mod:`zip_archive`), ``rsync``, ``sftp``, ``ftp`` (also FTPS), ``s3`` and ``git``
(:mod:`git_branch`). All but zip and git keep a manifest of content hashes on the target and
send only what changed (:mod:`linli.deploy.core`). A deploy holds the home's lock
(:mod:`linli.runs`), so a build never swaps ``site/`` out from under it.
"""

from __future__ import annotations

import importlib
from contextlib import contextmanager

from linli.deploy.config import KIND_LABELS, SECRETS_FILE, Target, choose, targets
from linli.deploy.core import MANIFEST, DeployResult
from linli.home import Home

MODULES = {"folder": "folder", "zip": "zip_archive", "rsync": "rsync", "sftp": "sftp", "ftp": "ftp", "s3": "s3",
           "git": "git_branch"}  # fmt: skip

__all__ = ["KIND_LABELS", "MANIFEST", "SECRETS_FILE", "DeployResult", "Target", "deploy", "deploy_target", "site_unchanging", "targets"]


@contextmanager
def site_unchanging(home: Home, lock=None):
    """Hold the home's lock while ``site/`` is read, so no build swaps it meanwhile. ``lock``: a
    :class:`~linli.runs.HomeLock` the caller already holds (and keeps holding afterwards)."""
    from linli.runs import HomeLock

    if lock is not None and lock.held:
        yield home.site_dir
        return
    lock = HomeLock(home)
    lock.acquire("正在生成网站，请等生成完成后再上传或下载。")
    try:
        yield home.site_dir
    finally:
        lock.release()


def deploy_target(target: Target, progress=None, *, lock=None) -> DeployResult:
    """Send ``target.home``'s built site to ``target``. ``progress(done, total, path)``;
    ``lock``: the home's lock when the caller holds it already (:func:`site_unchanging`)."""
    module = importlib.import_module(f"linli.deploy.{MODULES[target.kind]}")
    with site_unchanging(target.home, lock) as site:
        return module.deploy(target, site, progress=progress)


def deploy(home: Home, name: str | None = None, progress=None) -> DeployResult:
    """Deploy ``home``'s site to its target ``name`` (or its only target)."""
    return deploy_target(choose(home, name), progress=progress)
