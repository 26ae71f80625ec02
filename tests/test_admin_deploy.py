"""Deploy targets on the admin's publish page: listed without secrets, a button each that sends
the built site in the background (one at a time per home), the result or the clear error for
staff in their language, audit events, and no way in for contributors. Real admin app, real
SQLite file, a real build, a real folder target; FTP errors against a closed loopback port."""

from __future__ import annotations

import re

import pytest

from admin import create_admin_app
from linli import accounts, publisher
from linli import models as m
from linli.deploy import background
from linli.deploy.config import targets
from linli.deploy.core import MANIFEST
from linli.publisher import BuildLock
from tests.deploy_servers import add_target, free_port, make_site, tree_hashes

PASSWORD = "correct-horse-1"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def make_app(home):
    app = create_admin_app(home)
    app.config["WTF_CSRF_ENABLED"] = False
    return app


@pytest.fixture
def staff(home):
    for role in ("editor", "contributor"):
        accounts.add_user(role, PASSWORD, role=role)
    accounts.add_user("ann", PASSWORD, role="editor")
    m.User.update(language="en").where(m.User.username == "ann").execute()
    return home


def login(app, username):
    client = app.test_client()
    assert client.post("/login/", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def page(client) -> str:
    response = client.get("/publish/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def deploy_section(html: str) -> str:
    return re.search(r'<section id="deploy".*?</section>', html, re.S).group(0)


def site_files(home) -> dict:
    return {p.relative_to(home.site_dir).as_posix(): p.read_bytes() for p in home.site_dir.rglob("*") if p.is_file()}


def test_editor_builds_then_sends_the_site_to_a_folder(staff, tmp_path):
    usb = tmp_path / "usb"
    home = add_target(staff, "usb", kind="folder", path=str(usb))
    client = login(make_app(home), "editor")
    section = deploy_section(page(client))
    assert "usb" in section and "本地文件夹" in section and str(usb) in section
    assert "还没有生成网站" in section and re.search(r"<button[^>]*disabled[^>]*>上传到这里", section)

    client.post("/publish/start")
    assert publisher.wait(m.BuildRun.get().id, timeout=120).state == publisher.SUCCEEDED
    assert re.search(r"<button[^>]*btn-sm\">上传到这里", deploy_section(page(client)))
    response = client.post("/publish/deploy/usb", follow_redirects=True)
    assert "已开始上传到“usb”" in response.get_data(as_text=True)
    state = background.wait(home, timeout=60)
    assert state["state"] == publisher.SUCCEEDED and state["done"] > 0

    built = site_files(home)
    assert (usb / MANIFEST).is_file() and (usb / "index.html").read_bytes() == built["index.html"]
    copied = {p.relative_to(usb).as_posix(): p.read_bytes() for p in usb.rglob("*") if p.is_file()}
    assert {path: data for path, data in copied.items() if path != MANIFEST} == built
    section = deploy_section(page(client))
    assert "最近一次上传" in section and "成功" in section and f"已发布到“usb”：上传 {len(built)} 个文件" in section
    actions = [e.action for e in m.AuditEvent.select().where(m.AuditEvent.action.startswith("deploy_"))]
    assert actions == ["deploy_requested", "deploy_succeeded"]
    assert m.AuditEvent.get(m.AuditEvent.action == "deploy_requested").username == "editor"

    # Again: nothing changed, nothing uploaded.
    client.post("/publish/deploy/usb")
    assert "已是最新" in background.wait(home, timeout=60)["message"]


def test_contributor_gets_403_and_nothing_is_sent(staff, tmp_path):
    make_site(staff)
    home = add_target(staff, "usb", kind="folder", path=str(tmp_path / "usb"))
    client = login(make_app(home), "contributor")
    assert client.post("/publish/deploy/usb").status_code == 403
    assert "usb" not in page(client) and "只有编辑和管理员可以发布网站" in page(client)
    assert not (tmp_path / "usb").exists() and background.status(home) is None
    assert not m.AuditEvent.select().where(m.AuditEvent.action.startswith("deploy_")).exists()


def test_missing_secret_and_unreachable_host_are_said_plainly_site_untouched(staff, monkeypatch):
    make_site(staff)
    port = free_port()  # nothing listens there
    home = add_target(staff, "cheap-host", kind="ftp", host="127.0.0.1", port=port, user="u", path="/www", timeout=5)
    (home.root / "deploy-secrets.toml").write_text('[other]\npassword = "s3cret-in-file"\n', encoding="utf-8")
    monkeypatch.delenv("LINLI_DEPLOY_CHEAP_HOST_PASSWORD", raising=False)
    before = tree_hashes(home.site_dir)
    client = login(make_app(home), "editor")
    section = deploy_section(page(client))
    assert f"ftp://u@127.0.0.1:{port}/www" in section and "FTP/FTPS" in section

    client.post("/publish/deploy/cheap-host")
    state = background.wait(home, timeout=60)
    assert state["state"] == publisher.FAILED
    assert "缺少部署目标“cheap-host”的密码" in state["message"] and "LINLI_DEPLOY_CHEAP_HOST_PASSWORD" in state["message"]
    section = deploy_section(page(client))
    assert "缺少部署目标“cheap-host”的密码" in section and "失败" in section and "alert-danger" in section
    assert m.AuditEvent.get(m.AuditEvent.action == "deploy_failed").detail == state["message"]

    monkeypatch.setenv("LINLI_DEPLOY_CHEAP_HOST_PASSWORD", "hunter22-env")
    client.post("/publish/deploy/cheap-host")
    state = background.wait(home, timeout=60)
    assert state["state"] == publisher.FAILED and f"连不上 FTP 服务器 127.0.0.1:{port}" in state["message"]
    html = page(client)
    assert "连不上 FTP 服务器" in html
    assert "hunter22-env" not in html and "s3cret-in-file" not in html  # secrets never shown
    assert tree_hashes(home.site_dir) == before
    assert not BuildLock(home).held and not publisher.is_building(home)  # the lock was given back


def test_one_at_a_time_and_a_broken_setting_is_named(staff, tmp_path):
    make_site(staff)
    home = add_target(staff, "usb", kind="folder", path=str(tmp_path / "usb"))
    client = login(make_app(home), "editor")
    lock = BuildLock(home)
    assert lock.try_acquire()  # a build (or another deploy) is running
    try:
        response = client.post("/publish/deploy/usb", follow_redirects=True)
        assert background.BUSY in response.get_data(as_text=True)
    finally:
        lock.release()
    assert not (tmp_path / "usb").exists() and background.status(home) is None
    response = client.post("/publish/deploy/nas", follow_redirects=True)
    assert "没有名为“nas”的发布目标" in response.get_data(as_text=True)

    home.settings_path.write_text(home.settings_path.read_text() + '\n[deploy.bad]\nkind = "dropbox"\n')
    client = login(make_app(type(home).open(home.root)), "editor")
    html = page(client)
    assert "kind 应为 folder" in deploy_section(html) and "发布网站" in html  # builds still offered


def test_an_interrupted_deploy_reads_as_interrupted(staff, tmp_path):
    home = add_target(staff, "usb", kind="folder", path=str(tmp_path / "usb"))
    background._write(home, {"target": "usb", "state": publisher.RUNNING, "requested_by": "editor",
                             "started_at": "2026-11-25 10:00", "done": 3, "total": 9, "message": ""})  # fmt: skip
    state = background.status(home)
    assert state["state"] == publisher.FAILED and state["message"] == background.INTERRUPTED
    assert m.AuditEvent.get(m.AuditEvent.action == "deploy_failed").detail == background.INTERRUPTED


def test_where_never_shows_a_token(staff):
    home = add_target(staff, "pages", kind="git", repo="https://bot:tok3n@example.com/site.git", branch="pages")
    assert targets(home)["pages"].where == "https://example.com/site.git → pages"


def test_english_account_sees_english(staff, tmp_path):
    home = add_target(staff, "usb", kind="folder", path=str(tmp_path / "usb"))
    client = login(make_app(home), "ann")
    section = deploy_section(page(client))
    assert "Send to a deploy target" in section and "Local folder" in section and "Send here" in section
    assert not CJK.search(section), CJK.findall(section)
    make_site(home)
    response = client.post("/publish/deploy/usb", follow_redirects=True)
    assert "Started sending the site to “usb”" in response.get_data(as_text=True)
    assert background.wait(home, timeout=60)["state"] == publisher.SUCCEEDED
    section = deploy_section(page(client))
    assert "Last upload" in section and "Succeeded" in section
