"""Deploy with rsync over SSH (the OpenSSH client, a key or the SSH agent; no passwords).

The remote manifest is fetched first and compared with the site, exactly as for the other
targets; one rsync run then sends the changed files and deletes the removed ones
(``--files-from`` + ``--delete-missing-args``), each file written under a temporary name and
renamed into place, partly sent files kept for the next run (``--partial``), and the new
manifest goes up last. ``bwlimit`` (KB/s) keeps a deploy from filling a slow office line. Folders emptied by deletions stay (rsync would remove a folder with its contents).
A run cut off before the manifest is sent is simply run again: rsync's own check (size
and time) skips whatever already arrived, so only the rest is sent.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from linli.deploy.config import Target
from linli.deploy.core import MANIFEST, DeployResult, decode_manifest, encode_manifest, site_manifest
from linli.errors import LinliError

DROPPED = {12, 30, 35, 255}  # rsync's codes for a protocol stream cut, timeouts, ssh failure


def ssh_command(target: Target, control: Path | None = None) -> list[str]:
    """The ssh command rsync runs; with ``control`` (a socket path), one login serves every run."""
    command = ["ssh", "-p", str(target.get("port", 22)), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
               "-o", "ConnectTimeout=20", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=2"]  # fmt: skip
    if control:
        command += ["-o", "ControlMaster=auto", "-o", f"ControlPath={control}", "-o", "ControlPersist=60"]
    known_hosts = target.local_path("known_hosts")
    if known_hosts:
        command += ["-o", f"UserKnownHostsFile={known_hosts}"]
    key = target.local_path("key")
    if key:
        command += ["-i", str(key), "-o", "IdentitiesOnly=yes"]
    return command


def explain(target: Target, code: int, stderr: str) -> str:
    """A staff message for a failed ssh/rsync run, from its exit code and error output."""
    host, port, user = target.get("host"), target.get("port", 22), target.get("user")
    where = f"{host}:{port}"
    if "Could not resolve hostname" in stderr:
        return f"找不到主机 {host}：请检查发布目标“{target.name}”的 host 是否写对、网络是否连通。"
    if re.search(r"Connection refused|Connection timed out|No route to host|Network is unreachable", stderr):
        return f"连不上 {where}：请检查地址、端口，以及服务器是否开着。"
    if "REMOTE HOST IDENTIFICATION HAS CHANGED" in stderr:
        return f"{where} 的主机密钥与记录的不一致，已拒绝连接（服务器可能被冒充，或刚重装过）。请向空间服务商确认。"
    if "Host key verification failed" in stderr or "No ED25519 host key is known" in stderr:
        return (f"不认识 {where} 的主机密钥，已拒绝连接。请先在这台电脑上运行 ssh -p {port} {user}@{host} 确认一次，"
                "或在 known_hosts 设置里指定记录主机密钥的文件。")  # fmt: skip
    if re.search(r"Permission denied \((publickey|password|keyboard)", stderr) or ("Permission denied" in stderr and code == 255):
        return f"登录 {where} 失败：用户名“{user}”或密钥不对（rsync 目标只能用密钥登录，用 key 指定私钥文件）。"
    if "command not found" in stderr or code == 127:
        return f"服务器 {where} 上没有安装 rsync：请改用 sftp 目标。"
    if code in DROPPED or code < 0 or "connection unexpectedly closed" in stderr:
        return f"与 {where} 的连接中断。再运行一次 linli deploy 会接着上传剩下的文件。"
    last = stderr.strip().splitlines()[-1] if stderr.strip() else f"退出码 {code}"
    return f"rsync 上传到 {where} 失败：{last}"


def deploy(target: Target, site: Path, progress=None) -> DeployResult:
    if shutil.which("rsync") is None or shutil.which("ssh") is None:
        raise LinliError("这台电脑没有安装 rsync 或 ssh：请先安装（Debian/Ubuntu：apt install rsync openssh-client），或改用 sftp 目标。")
    started = time.perf_counter()
    root = target.get("path").rstrip("/") or "/"
    remote = f"{target.get('user')}@{target.get('host')}:{root}/"
    result = DeployResult(target.name, where=f"rsync://{target.get('user')}@{target.get('host')}:{target.get('port', 22)}{root}")
    local = site_manifest(site)
    with tempfile.TemporaryDirectory(prefix="linli-rsync-") as tmp:
        tmp = Path(tmp)
        ssh = ssh_command(target, control=tmp / "ssh")
        base = ["rsync", "--protect-args", "-e", shlex.join(ssh), "--timeout=60"]
        try:
            _sync(target, site, local, base, remote, tmp, result, progress)
        finally:  # end the shared ssh connection
            subprocess.run(ssh + ["-O", "exit", "-q", f"{target.get('user')}@{target.get('host')}"],
                           capture_output=True, stdin=subprocess.DEVNULL)  # fmt: skip
    result.unchanged = len(local) - len(result.uploaded)
    result.seconds = time.perf_counter() - started
    return result


def _sync(target: Target, site: Path, local: dict, base: list[str], remote: str, tmp: Path, result, progress) -> None:
    attempt = 0
    while True:
        try:
            remote_manifest = _fetch_manifest(base, remote, tmp, target)
            changed = sorted(p for p, digest in local.items() if remote_manifest.get(p) != digest)
            removed = sorted(p for p in remote_manifest if p not in local)
            if changed or removed:
                _transfer(base, site, remote, tmp, changed + removed, result, target, progress)
                (tmp / MANIFEST).write_bytes(encode_manifest(local))
                _run(base + ["--times", str(tmp / MANIFEST), remote], target)
            break
        except _Dropped as exc:
            attempt += 1
            if attempt > target.retries:
                raise LinliError(str(exc)) from None
            time.sleep(min(0.5 * attempt, 3))


class _Dropped(Exception):
    pass


def _run(command: list[str], target: Target, *, ok=(0,)) -> subprocess.CompletedProcess:
    proc = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if proc.returncode not in ok:
        message = explain(target, proc.returncode, proc.stderr)
        if "连接中断" in message:
            raise _Dropped(message)
        raise LinliError(message)
    return proc


def _fetch_manifest(base: list[str], remote: str, tmp: Path, target: Target) -> dict[str, str]:
    copy = tmp / "remote-manifest.json"
    copy.unlink(missing_ok=True)
    proc = _run(base + [remote + MANIFEST, str(copy)], target, ok=(0, 23))
    if proc.returncode == 23:  # a partial transfer: here, a manifest that does not exist yet
        if "No such file or directory" not in proc.stderr:
            raise LinliError(explain(target, 23, proc.stderr))
        return {}
    return decode_manifest(copy.read_bytes(), remote)


def _transfer(base, site: Path, remote: str, tmp: Path, paths: list[str], result: DeployResult, target, progress):
    listing = tmp / "files"
    listing.write_text("".join(p + "\n" for p in paths), encoding="utf-8")
    command = base + ["--times", "--links", "--partial", f"--files-from={listing}",
                      "--delete-missing-args", "--out-format=%o %n", f"{site}/", remote]  # fmt: skip
    if target.get("bwlimit"):
        command.insert(1, f"--bwlimit={target.get('bwlimit')}")
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    for line in proc.stdout:
        operation, _, path = line.rstrip("\n").partition(" ")
        if path.endswith("/"):
            continue  # a folder made on the way
        if operation == "send":
            result.uploaded.append(path)
        elif operation == "del.":
            result.deleted.append(path)
        else:
            continue
        if progress:
            progress(len(result.uploaded) + len(result.deleted), len(paths), path)
    stderr = proc.stderr.read()
    code = proc.wait()
    # 24, "vanished": the folders of deleted files, implied by --files-from, are gone from the
    # site; the site itself cannot change meanwhile (the build lock is held).
    if code not in (0, 24):
        message = explain(target, code, stderr)
        if "连接中断" in message:
            raise _Dropped(message)
        raise LinliError(message)
