"""Deploy over SSH against a real OpenSSH server on loopback (our own sshd on a free port, a
temporary host key and client key): SFTP with paramiko, rsync with the OpenSSH client. Needs
root (sshd checks users and key files as root); skipped with that reason otherwise."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

import linli.deploy.core
from linli.deploy import deploy
from linli.deploy.core import site_manifest
from linli.errors import LinliError
from tests.deploy_servers import add_target, exercise, make_site, resume_after_ctrl_c, start_sshd, stop, touch_pages, tree_hashes


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    server = start_sshd(tmp_path_factory.mktemp("sshd"))
    yield server
    stop(server.process)


@pytest.fixture
def site_home(home):
    make_site(home)
    return home


def ssh_target(home, sshd, name, kind, remote, **extra):
    options = dict(kind=kind, host="127.0.0.1", port=sshd.port, user=sshd.user, path=str(remote),
                   key=str(sshd.client_key), known_hosts=str(sshd.known_hosts))  # fmt: skip
    options.update(extra)
    return add_target(home, name, **{k: v for k, v in options.items() if v is not None})


# --- SFTP -------------------------------------------------------------------------------------


def test_sftp_changed_only_and_deletions(site_home, sshd, tmp_path):
    remote = tmp_path / "www"
    home = ssh_target(site_home, sshd, "host", "sftp", remote)
    exercise(home, "host", lambda: tree_hashes(remote))
    assert not (remote / "pages" / "p5").exists()
    resume_after_ctrl_c(home, "host", lambda: tree_hashes(remote))


def test_sftp_dropped_connection_resumes_on_the_next_run(site_home, sshd, tmp_path, monkeypatch):
    monkeypatch.setattr(linli.deploy.core, "CHECKPOINT_FILES", 1)
    remote = tmp_path / "www"
    home = ssh_target(site_home, sshd, "host", "sftp", remote, retries=0)
    deploy(home, "host")
    changed = touch_pages(home, "drop")

    def progress(done, total, path):
        if done == 5:
            assert sshd.drop_connections() >= 1  # the server side of our connection dies

    with pytest.raises(LinliError, match="连接中断.*再运行一次 linli deploy 会接着上传"):
        deploy(home, "host", progress=progress)
    rerun = deploy(home, "host")
    # the 5th file landed but its manifest entry could not be written before the drop
    assert len(rerun.uploaded) == len(changed) - 4
    assert tree_hashes(remote) == site_manifest(home.site_dir)


def test_sftp_reconnects_by_itself_after_a_drop(site_home, sshd, tmp_path):
    remote = tmp_path / "www"
    home = ssh_target(site_home, sshd, "host", "sftp", remote, retries=2)
    dropped = []

    def progress(done, total, path):
        if done == 7 and not dropped:
            dropped.append(sshd.drop_connections())

    result = deploy(home, "host", progress=progress)
    assert dropped and result.reconnects == 1
    assert tree_hashes(remote) == site_manifest(home.site_dir)


def test_sftp_wrong_password_unknown_host_key_and_closed_port(site_home, sshd, tmp_path, monkeypatch):
    remote = tmp_path / "www"
    home = ssh_target(site_home, sshd, "pw", "sftp", remote, key=None)
    with pytest.raises(LinliError, match="缺少部署目标“pw”的密码"):
        deploy(home, "pw")
    monkeypatch.setenv("LINLI_DEPLOY_PW_PASSWORD", "not-the-password")
    with pytest.raises(LinliError, match=f"登录 127.0.0.1:{sshd.port} 失败：用户名“{sshd.user}”、密码或密钥不对"):
        deploy(home, "pw")
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    home = ssh_target(home, sshd, "stranger", "sftp", remote, known_hosts=str(empty))
    with pytest.raises(LinliError, match="不认识 .* 的主机密钥，已拒绝连接"):
        deploy(home, "stranger")
    closed = sshd.port + 1 if sshd.port < 65535 else sshd.port - 1
    home = add_target(home, "closed", kind="sftp", host="127.0.0.1", port=closed, user="u", path="/x",
                      key=str(sshd.client_key))  # fmt: skip
    with pytest.raises(LinliError, match=f"连不上 127.0.0.1:{closed}"):
        deploy(home, "closed")
    assert not remote.exists()


# --- rsync ------------------------------------------------------------------------------------


def test_rsync_changed_only_and_deletions(site_home, sshd, tmp_path):
    remote = tmp_path / "www"
    home = ssh_target(site_home, sshd, "box", "rsync", remote)
    exercise(home, "box", lambda: tree_hashes(remote))


def rsync_children() -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            name = stat.read_text().split("(", 1)[1].rsplit(")", 1)[0]
        except OSError:
            continue
        if name == "rsync" and int(fields[1]) == os.getpid():
            found.append(int(stat.parent.name))
    return found


def test_rsync_interrupted_transfer_resumes(site_home, sshd, tmp_path):
    """rsync killed mid-transfer (slowed down by bwlimit so it is caught in the act): the
    deploy says the connection broke, and the rerun sends only what had not arrived."""
    remote = tmp_path / "www"
    home = ssh_target(site_home, sshd, "box", "rsync", remote, bwlimit=100, retries=0)
    home = ssh_target(home, sshd, "fast", "rsync", remote)  # the same folder, at full speed
    deploy(home, "fast")
    pages = touch_pages(home, "slow")
    for page in pages:
        (home.site_dir / page).write_bytes(page.encode() * 800)
    outcome = {}

    def run():
        try:
            outcome["result"] = deploy(home, "box")
        except LinliError as exc:
            outcome["error"] = str(exc)

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        arrived = [p for p in pages if (remote / p).read_bytes() == (home.site_dir / p).read_bytes()]
        if len(arrived) >= 5:
            break
        time.sleep(0.02)
    for pid in rsync_children():
        os.kill(pid, signal.SIGKILL)
    thread.join(30)
    assert "连接中断。再运行一次 linli deploy 会接着上传" in outcome.get("error", ""), outcome
    rerun = deploy(home, "fast")
    assert 0 < len(rerun.uploaded) <= len(pages) - 5
    assert tree_hashes(remote) == site_manifest(home.site_dir)


def test_rsync_errors_are_explained(site_home, sshd, tmp_path):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    home = ssh_target(site_home, sshd, "stranger", "rsync", tmp_path / "www", known_hosts=str(empty))
    with pytest.raises(LinliError, match="不认识 .* 的主机密钥"):
        deploy(home, "stranger")
    other_key = tmp_path / "other_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other_key)], check=True)
    home = ssh_target(home, sshd, "wrongkey", "rsync", tmp_path / "www", key=str(other_key))
    with pytest.raises(LinliError, match="登录 .* 失败：用户名.*或密钥不对"):
        deploy(home, "wrongkey")
