"""Deploy as a commit on a git branch, for Pages-style hosting (GitHub/Gitee/GitLab Pages,
Codeberg, a self-hosted forge) or any repository: ``repo`` is a URL or a path, ``branch``
defaults to ``gh-pages``.

The branch's tip is fetched shallowly into a temporary repository whose work tree is
``site/`` itself; the index starts from that tip, so the commit records exactly what changed
and deleted, with the manifest and a ``.nojekyll`` (the site has folders Jekyll would hide)
beside the files. Nothing is committed when nothing changed. A push is all or nothing: an
interrupted one is simply run again. Credentials are git's own (SSH keys, credential helper);
git is never allowed to ask on the terminal.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from linli.deploy.config import Target
from linli.deploy.core import MANIFEST, DeployResult, encode_manifest, site_manifest
from linli.errors import LinliError

EXTRA = {".nojekyll": b""}


def _explain(target: Target, stderr: str) -> str:
    repo = target.get("repo")
    if re.search(r"Could not resolve host|Could not resolve hostname", stderr):
        return f"找不到 git 仓库 {repo} 的主机：请检查地址和网络。"
    if re.search(r"Connection refused|Connection timed out|No route to host|unable to access", stderr):
        return f"连不上 git 仓库 {repo}：请检查地址和网络。"
    if re.search(r"Authentication failed|Permission denied|could not read Username|terminal prompts disabled", stderr):
        return f"没有推送到 git 仓库 {repo} 的权限：请配置 SSH 密钥或 git 凭据（git 的用户名、令牌）。"
    if re.search(r"does not appear to be a git repository|not found|does not exist", stderr):
        return f"找不到 git 仓库 {repo}：请检查发布目标“{target.name}”的 repo 是否写对、仓库是否已创建。"
    if "rejected" in stderr or "non-fast-forward" in stderr:
        return f"git 仓库 {repo} 的分支在这期间被别处更新了：再运行一次 linli deploy 即可。"
    last = stderr.strip().splitlines()[-1] if stderr.strip() else ""
    return f"git 推送到 {repo} 失败：{last}"


def deploy(target: Target, site: Path, progress=None) -> DeployResult:
    if shutil.which("git") is None:
        raise LinliError("这台电脑没有安装 git：请先安装（Debian/Ubuntu：apt install git）。")
    started = time.perf_counter()
    repo, branch = target.get("repo"), target.get("branch", "gh-pages")
    if "://" not in repo and not re.match(r"^[\w.-]+@[\w.-]+:", repo):
        repo = str(target.local_path("repo"))  # a path, relative to the home
    local = site_manifest(site)
    result = DeployResult(target.name, where=f"{target.get('repo')} 的 {branch} 分支")
    with tempfile.TemporaryDirectory(prefix="linli-git-") as tmp:
        env = {**os.environ, "GIT_DIR": str(Path(tmp) / "git"), "GIT_WORK_TREE": str(site),
               "GIT_TERMINAL_PROMPT": "0", "GIT_SSH_COMMAND": os.environ.get("GIT_SSH_COMMAND", "ssh -o BatchMode=yes"),
               "GIT_AUTHOR_NAME": "Linli", "GIT_AUTHOR_EMAIL": "linli@localhost",
               "GIT_COMMITTER_NAME": "Linli", "GIT_COMMITTER_EMAIL": "linli@localhost"}  # fmt: skip

        def git(*args, data: bytes | None = None, check: bool = True) -> subprocess.CompletedProcess:
            proc = subprocess.run(["git", "-c", "core.autocrlf=false", "-c", "core.excludesFile=/dev/null", *args],
                                  cwd=site, env=env, input=data, capture_output=True)  # fmt: skip
            if check and proc.returncode != 0:
                raise LinliError(_explain(target, proc.stderr.decode("utf-8", "replace")))
            return proc

        git("init", "-q")
        heads = git("ls-remote", "--heads", repo, branch).stdout.decode()
        parent = None
        if f"refs/heads/{branch}" in heads:
            git("fetch", "-q", "--depth=1", "--no-tags", repo, f"refs/heads/{branch}")
            parent = git("rev-parse", "FETCH_HEAD").stdout.decode().strip()
            git("read-tree", parent)
        git("add", "--all", "--force", ".")
        for name, data in {**EXTRA, MANIFEST: encode_manifest(local)}.items():
            blob = git("hash-object", "-w", "--stdin", data=data).stdout.decode().strip()
            git("update-index", "--add", "--cacheinfo", f"100644,{blob},{name}")
        tree = git("write-tree").stdout.decode().strip()
        if parent:
            status = git("diff-index", "--cached", "--name-status", "-z", "--no-renames", parent).stdout.decode()
        else:
            status = git("ls-files", "-z", "--stage").stdout.decode()
            status = "\0".join(f"A\0{line.split(chr(9), 1)[1]}" for line in status.split("\0") if line)
        fields = [f for f in status.split("\0") if f]
        for kind, path in zip(fields[::2], fields[1::2]):
            if path in EXTRA or path == MANIFEST:
                continue
            (result.deleted if kind == "D" else result.uploaded).append(path)
        if parent and not result.uploaded and not result.deleted:
            result.unchanged = len(local)
            result.seconds = time.perf_counter() - started
            return result
        message = target.get("message") or f"Linli: {len(result.uploaded)} 个文件更新，{len(result.deleted)} 个删除"
        args = ["commit-tree", tree, "-m", message] + (["-p", parent] if parent else [])
        commit = git(*args).stdout.decode().strip()
        git("push", "-q", repo, f"{commit}:refs/heads/{branch}")
        if progress:
            progress(len(result.uploaded) + len(result.deleted), len(result.uploaded) + len(result.deleted), branch)
    result.unchanged = len(local) - len(result.uploaded)
    result.seconds = time.perf_counter() - started
    return result
