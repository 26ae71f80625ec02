"""Deploy targets on the admin's publish page: listed without secrets, a button each that sends
the built site in the background (one at a time per home), the result or the clear error for
staff in their language, audit events, and no way in for contributors. Each deploy is a run
(linli/runs.py): its row reads the same from another process, and a deploy whose process died
reads as interrupted. Real admin app, real database, a real build, a real folder target; FTP
errors against a closed loopback port; real processes, one killed mid-upload."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from admin import create_admin_app
from linli import accounts, publisher, runs
from linli import models as m
from linli.deploy import background
from linli.deploy.config import targets
from linli.deploy.core import MANIFEST
from linli.home import PROJECT_ROOT
from linli.runs import HomeLock
from tests.deploy_servers import PAGES, add_target, free_port, make_site, tree_hashes

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


def finished(home, timeout: float = 60) -> m.Run:
    """The newest deploy of ``home``, once its thread (started by a click) has finished."""
    return runs.wait(background.status(home).id, timeout)


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
    assert runs.wait(m.Run.get().id, timeout=120).state == runs.SUCCEEDED
    assert re.search(r"<button[^>]*btn-sm\">上传到这里", deploy_section(page(client)))
    response = client.post("/publish/deploy/usb", follow_redirects=True)
    assert "已开始上传到“usb”" in response.get_data(as_text=True)
    run = finished(home)
    assert run.state == runs.SUCCEEDED and run.kind == runs.DEPLOY and run.target == "usb"
    assert run.requested_by == "editor" and run.done == run.total == run.files > 0 and run.finished_at
    assert run.message in run.log and "editor 开始上传到“usb”" in run.log

    built = site_files(home)
    assert (usb / MANIFEST).is_file() and (usb / "index.html").read_bytes() == built["index.html"]
    copied = {p.relative_to(usb).as_posix(): p.read_bytes() for p in usb.rglob("*") if p.is_file()}
    assert {path: data for path, data in copied.items() if path != MANIFEST} == built
    section = deploy_section(page(client))
    assert "最近一次上传" in section and "成功" in section and f"已发布到“usb”：上传 {len(built)} 个文件" in section
    assert f"{run.started_at:%Y-%m-%d %H:%M}" in re.search(r'<td class="deploy-last">.*?</td>', section, re.S).group(0)
    events = list(m.AuditEvent.select().where(m.AuditEvent.action.startswith("deploy_")).order_by(m.AuditEvent.id))
    assert [e.action for e in events] == ["deploy_requested", "deploy_succeeded"]
    assert events[0].username == "editor" and {(e.target_type, e.target_id) for e in events} == {("Run", run.id)}

    # Again: nothing changed, nothing uploaded.
    client.post("/publish/deploy/usb")
    assert "已是最新" in finished(home).message
    # the publish's own record is untouched by the deploys
    assert publisher.status(home).kind == runs.PUBLISH and [r.kind for r in publisher.recent(home)] == [runs.PUBLISH]


def test_contributor_gets_403_and_nothing_is_sent(staff, tmp_path):
    make_site(staff)
    home = add_target(staff, "usb", kind="folder", path=str(tmp_path / "usb"))
    client = login(make_app(home), "contributor")
    assert client.post("/publish/deploy/usb").status_code == 403
    assert "usb" not in page(client) and "只有编辑和管理员可以发布网站" in page(client)
    assert not (tmp_path / "usb").exists() and background.status(home) is None and m.Run.select().count() == 0
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
    run = finished(home)
    assert run.state == runs.FAILED
    assert "缺少部署目标“cheap-host”的密码" in run.message and "LINLI_DEPLOY_CHEAP_HOST_PASSWORD" in run.message
    section = deploy_section(page(client))
    assert "缺少部署目标“cheap-host”的密码" in section and "失败" in section and "alert-danger" in section
    assert m.AuditEvent.get(m.AuditEvent.action == "deploy_failed").detail == run.message
    assert f"上传失败：{run.message}" in run.log

    monkeypatch.setenv("LINLI_DEPLOY_CHEAP_HOST_PASSWORD", "hunter22-env")
    client.post("/publish/deploy/cheap-host")
    run = finished(home)
    assert run.state == runs.FAILED and f"连不上 FTP 服务器 127.0.0.1:{port}" in run.message
    html = page(client)
    assert "连不上 FTP 服务器" in html
    assert "hunter22-env" not in html and "s3cret-in-file" not in html  # secrets never shown
    assert tree_hashes(home.site_dir) == before
    assert not runs.is_busy(home)  # the lock was given back


def test_one_at_a_time_and_a_broken_setting_is_named(staff, tmp_path):
    make_site(staff)
    home = add_target(staff, "usb", kind="folder", path=str(tmp_path / "usb"))
    client = login(make_app(home), "editor")
    lock = HomeLock(home)
    assert lock.try_acquire()  # a build (or another deploy) is running
    try:
        response = client.post("/publish/deploy/usb", follow_redirects=True)
        assert runs.KINDS[runs.DEPLOY].busy in response.get_data(as_text=True)
    finally:
        lock.release()
    assert not (tmp_path / "usb").exists() and background.status(home) is None
    response = client.post("/publish/deploy/nas", follow_redirects=True)
    assert "没有名为“nas”的发布目标" in response.get_data(as_text=True)

    home.settings_path.write_text(home.settings_path.read_text() + '\n[deploy.bad]\nkind = "dropbox"\n')
    client = login(make_app(type(home).open(home.root)), "editor")
    html = page(client)
    assert "kind 应为 folder" in deploy_section(html) and "发布网站" in html  # builds still offered


READER = """
import json, sys
from linli import db, runs
from linli.deploy import background
from linli.home import Home

home = Home.open(sys.argv[1])
db.connect(home.database_url)
print(json.dumps({"latest": runs.as_dict(background.status(home)),
                  "usb": runs.as_dict(background.last_per_target(home, ["usb"]).get("usb"))}))
"""

DEPLOYER = """
import sys, time
import linli.deploy.folder as folder
from linli import db
from linli.deploy import background
from linli.deploy.config import choose
from linli.home import Home

write = folder.FolderTransport.write

def slow_write(self, path, source):  # a slow USB stick: the parent sees the deploy going
    write(self, path, source)
    time.sleep(0.4)

folder.FolderTransport.write = slow_write
home = Home.open(sys.argv[1])
db.connect(home.database_url)
print(background.start(choose(home, "usb"), "editor").id, flush=True)
time.sleep(120)
"""


def another_process(home, script: str, *args) -> subprocess.Popen:
    """Linli in a process of its own, on the same home and database."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "DATABASE_URL": home.database_url}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(script), str(home.root), *args],
                            stdout=subprocess.PIPE, text=True, env=env)  # fmt: skip


def read_elsewhere(home) -> dict:
    process = another_process(home, READER)
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 0
    return json.loads(out)


def test_a_deploy_reads_the_same_from_another_process(staff, tmp_path):
    make_site(staff)
    home = add_target(staff, "usb", kind="folder", path=str(tmp_path / "usb"))
    client = login(make_app(home), "editor")
    client.post("/publish/deploy/usb")
    run = finished(home)
    assert run.state == runs.SUCCEEDED
    here = runs.as_dict(background.status(home))
    assert read_elsewhere(home) == {"latest": here, "usb": here}
    assert here["kind"] == "deploy" and here["target"] == "usb" and here["done"] == here["total"] > 0


def test_a_deploy_whose_process_died_reads_as_interrupted(staff, tmp_path):
    make_site(staff)
    usb = tmp_path / "usb"
    home = add_target(staff, "usb", kind="folder", path=str(usb))
    process = another_process(home, DEPLOYER)
    try:
        run_id = int(process.stdout.readline())
        deadline = time.monotonic() + 30
        while m.Run.get_by_id(run_id).done < 2:  # its progress, read through this process's connection
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.1)
        going = background.status(home)  # the other process holds the lock: still running
        assert going.id == run_id and going.state == runs.RUNNING and going.total > going.done >= 2
        assert runs.is_busy(home)
        client = login(make_app(home), "editor")
        html = page(client)
        assert "已上传" in deploy_section(html) and 'http-equiv="refresh"' in html
        assert "正在上传网站，请等上传完成。" in html
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        process.stdout.close()

    dead = background.status(home)  # the lock died with the process
    assert dead.id == run_id and dead.state == runs.FAILED and dead.message == runs.KINDS[runs.DEPLOY].interrupted
    assert dead.finished_at and "上传失败：上次上传被中断" in dead.log
    actions = [e.action for e in m.AuditEvent.select().where(m.AuditEvent.target_id == run_id).order_by(m.AuditEvent.id)]
    assert actions == ["deploy_requested", "deploy_failed"]
    section = deploy_section(page(client))
    assert "上次上传被中断" in section and "失败" in section and "alert-danger" in section
    assert background.status(home).state == runs.FAILED  # marked once
    assert m.AuditEvent.select().where(m.AuditEvent.action == "deploy_failed").count() == 1

    # cut off part way; the next deploy completes it
    assert 2 <= len([p for p in usb.rglob("*") if p.is_file() and p.name != MANIFEST]) < PAGES
    client.post("/publish/deploy/usb")
    assert finished(home).state == runs.SUCCEEDED
    assert {p.relative_to(usb).as_posix() for p in usb.rglob("*") if p.is_file()} - {MANIFEST} == set(site_files(home))


def test_an_old_deploy_status_file_is_ignored(staff, tmp_path):
    home = add_target(staff, "usb", kind="folder", path=str(tmp_path / "usb"))
    (home.root / ".deploy-status.json").write_text('{"target": "usb", "state": "running", "done": 3, "total": 9}')
    client = login(make_app(home), "editor")
    section = deploy_section(page(client))
    assert background.status(home) is None and "最近一次上传" not in section and "deploy-bar" not in section


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
    assert finished(home).state == runs.SUCCEEDED
    section = deploy_section(page(client))
    assert "Last upload" in section and "Succeeded" in section
    table = re.search(r"<table.*?</table>", section, re.S).group(0)  # with each target's last upload
    assert not CJK.search(table), CJK.findall(table)
