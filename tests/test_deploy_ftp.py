"""Deploy over FTP and FTPS against a real pyftpdlib server on loopback, run in its own process
so that killing it drops the connection the way a flaky shared host does."""

from __future__ import annotations

import pytest

import linli.deploy.core
from linli.deploy import deploy
from linli.deploy.core import site_manifest
from linli.errors import LinliError
from tests.deploy_servers import (FtpServer, add_target, ftp,  # noqa: F401 - the fixture is used by name
                                  exercise, free_port, make_site, resume_after_ctrl_c,
                                  self_signed_cert, touch_pages, tree_hashes)  # fmt: skip


@pytest.fixture
def site_home(home, monkeypatch):
    make_site(home)
    monkeypatch.setenv("LINLI_DEPLOY_HOST_PASSWORD", "ftp-secret-1")
    return home


def ftp_target(home, server, name="host", **extra):
    return add_target(home, name, kind="ftp", host="127.0.0.1", port=server.port, user="linli", path="/www", **extra)


def test_ftp_changed_only_deletions_and_ctrl_c(site_home, ftp):
    home = ftp_target(site_home, ftp)
    exercise(home, "host", lambda: tree_hashes(ftp.root / "www"))
    assert not (ftp.root / "www" / "pages" / "p5").exists()
    resume_after_ctrl_c(home, "host", lambda: tree_hashes(ftp.root / "www"))


def test_ftp_server_gone_mid_upload_then_back(site_home, ftp, monkeypatch):
    monkeypatch.setattr(linli.deploy.core, "CHECKPOINT_FILES", 1)
    home = ftp_target(site_home, ftp, retries=1)
    deploy(home, "host")
    changed = touch_pages(home, "drop")

    def progress(done, total, path):
        if done == 5:
            ftp.kill()

    with pytest.raises(LinliError, match="连不上 FTP 服务器.*重连失败.*再运行一次 linli deploy 会接着上传"):
        deploy(home, "host", progress=progress)
    ftp.start()
    rerun = deploy(home, "host")
    assert len(rerun.uploaded) == len(changed) - 4  # the 5th file's manifest entry never got written
    assert tree_hashes(ftp.root / "www") == site_manifest(home.site_dir)


def test_ftp_wrong_password_missing_password_and_no_server(site_home, ftp, monkeypatch):
    home = ftp_target(site_home, ftp)
    monkeypatch.setenv("LINLI_DEPLOY_HOST_PASSWORD", "wrong")
    with pytest.raises(LinliError, match=f"登录 127.0.0.1:{ftp.port} 失败：用户名“linli”或密码不对"):
        deploy(home, "host")
    monkeypatch.delenv("LINLI_DEPLOY_HOST_PASSWORD")
    with pytest.raises(LinliError, match="缺少部署目标“host”的密码.*LINLI_DEPLOY_HOST_PASSWORD"):
        deploy(home, "host")
    monkeypatch.setenv("LINLI_DEPLOY_GONE_PASSWORD", "x")
    home = add_target(home, "gone", kind="ftp", host="127.0.0.1", port=free_port(), user="linli", path="/")
    with pytest.raises(LinliError, match="连不上 FTP 服务器 127.0.0.1:\\d+"):
        deploy(home, "gone")


def test_ftps_with_the_servers_certificate(site_home, tmp_path, monkeypatch):
    pytest.importorskip("OpenSSL", reason="pyftpdlib's FTPS needs pyopenssl (requirements-dev.txt)")
    ca, pem = self_signed_cert(tmp_path)
    root = tmp_path / "ftps-root"
    root.mkdir()
    server = FtpServer(root, free_port(), str(pem)).start()
    try:
        home = ftp_target(site_home, server, name="untrusted", tls=True)
        home = ftp_target(home, server, tls=True, ca_file=str(ca))
        exercise(home, "host", lambda: tree_hashes(root / "www"))
        monkeypatch.setenv("LINLI_DEPLOY_UNTRUSTED_PASSWORD", "ftp-secret-1")
        with pytest.raises(LinliError, match="建立加密连接失败.*ca_file"):
            deploy(home, "untrusted")
        home = ftp_target(home, server, name="plain")  # the server requires TLS: a plain login is refused
        monkeypatch.setenv("LINLI_DEPLOY_PLAIN_PASSWORD", "ftp-secret-1")
        with pytest.raises(LinliError, match="FTP 服务器 .* 拒绝登录"):
            deploy(home, "plain")
    finally:
        server.kill()
