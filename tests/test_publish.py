"""Publishing from the admin: one publish (a build, then the automatic deploy targets) at a time
in the background, its progress and result for staff, where the site is, a failed build that
leaves the site alone, interrupted runs, and previews of drafts in the real theme that never make
them public. Real admin app, real SQLite file, real builds."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import re
import signal
import threading
import time

import pytest
from click.testing import CliRunner
from markupsafe import escape

import linli.build
from admin import create_admin_app
from linli import accounts, db, publisher, runs
from linli import models as m
from linli.app import create_public_app
from linli.build import apart
from linli.cli import cli
from linli.errors import LinliError
from tests.conftest import NOW

PASSWORD = "correct-horse-1"
BUILT = pytest.mark.parametrize("home", ["built"], indirect=True)


@pytest.fixture
def home(request, copy_home, tmp_path):
    """A copy of the session's demo content (no photos, filled at NOW, never built) of this
    test's own, bound; ``@BUILT``: a copy of it as built at NOW (its next build is incremental),
    for the tests whose point is not the build itself."""
    shared = "text_demo_site" if getattr(request, "param", None) == "built" else "demo_content"
    home = copy_home(request.getfixturevalue(shared), tmp_path / "home")
    db.connect(home.database_url)
    yield home
    db.database.close()


@pytest.fixture
def app(home):
    for role in ("admin", "editor", "contributor"):
        accounts.add_user(role, PASSWORD, role=role)
    app = create_admin_app(home)
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def login(app, username):
    client = app.test_client()
    response = client.post("/login/", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


def site_bytes(home) -> dict:
    return {p.relative_to(home.site_dir): p.read_bytes() for p in sorted(home.site_dir.rglob("*")) if p.is_file()}


def only_run() -> m.Run:
    runs = list(m.Run.select())
    assert len(runs) == 1
    return runs[0]


def test_editor_publishes_in_the_background(app, home):
    client = login(app, "editor")
    assert "还没有成功发布过" in text(client.get("/"))
    response = client.post("/publish/start")
    assert response.status_code == 302 and response.headers["Location"].endswith("/publish/")
    run = runs.wait(only_run().id, timeout=120)
    assert run.state == "succeeded", run.message
    assert run.kind == runs.PUBLISH and run.requested_by == "editor" and run.finished_at and run.seconds > 0
    assert run.files > 0
    assert (home.site_dir / "index.html").is_file()
    assert not (home.root / linli.build.STAGING).exists()
    # the pages counted before the build are the pages it made
    assert f"共有 {run.done} 个页面要生成" in run.log
    assert run.total == run.done > 50
    status = client.get("/publish/status.json").get_json()
    assert status["state"] == "succeeded" and status["percent"] == 100 and not status["running"]
    assert status["done"] == status["total"] == run.done
    assert re.fullmatch(r"网站已更新：\d+ 个页面，用时 [\d.]+ 秒。只在这台电脑上（还没有设置上网目标）", status["message"])
    assert "开始发布网站" in status["log"] and status["message"] in status["log"]
    page = text(client.get("/publish/"))
    assert status["message"] in page and "发布记录" in page and 'http-equiv="refresh"' not in page
    dashboard = text(client.get("/"))
    assert "成功" in dashboard and "上次发布之后没有要发布的改动" in dashboard
    for html in (page, dashboard):  # no target: nothing says the site is online
        assert "网站现在在：<strong>只在这台电脑上（还没有设置上网目标）</strong>" in html
        assert "网上的网站" not in html and "上网目标）" in html
    actions = [e.action for e in m.AuditEvent.select().where(m.AuditEvent.target_type == "Run")]
    assert actions == ["publish_requested", "publish_succeeded"]


def test_progress_while_running_and_one_build_at_a_time(app, home, monkeypatch):
    real_build, gate, calls = apart.build, threading.Event(), []

    def slow_build(home, *, now=None, progress=None):
        for done in (1, 2, 3):
            progress(done, f"/p{done}/", 120)
        time.sleep(runs.PROGRESS_INTERVAL + 0.05)
        progress(4, "/p4/", 120)
        assert gate.wait(30)
        return real_build(home, now=now, progress=progress)

    def recording_database(url):  # progress goes through a connection of its own: count its writes
        database = separate_database(url)
        execute = database.execute
        database.execute = lambda query, **options: (calls.append(query), execute(query, **options))[1]
        return database

    separate_database = runs._separate_database
    monkeypatch.setattr(apart, "build", slow_build)
    monkeypatch.setattr(runs, "_separate_database", recording_database)
    client = login(app, "admin")
    client.post("/publish/start")
    run = only_run()
    try:
        deadline = time.monotonic() + 20
        while client.get("/publish/status.json").get_json()["done"] < 4:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        status = client.get("/publish/status.json").get_json()
        assert status["state"] == "running" and status["running"]
        assert 0 < status["percent"] < 100 and status["total"] > 50
        # the first report is written at once (it brings the number of pages); pages 2-3 came
        # faster than PROGRESS_INTERVAL: not written; page 4 came after it
        assert len(calls) == 2
        page = text(client.get("/publish/"))
        assert '<meta http-equiv="refresh" content="2">' in page and "<progress" in page and "status.json" in page
        assert "正在发布" in page
        # a second request while it runs is refused, from the admin and from anywhere else
        response = client.post("/publish/start", follow_redirects=True)
        assert runs.KINDS[runs.BUILD].busy in text(response)
        with pytest.raises(LinliError, match="正在发布中"):
            publisher.start_build(home, "editor")
        with pytest.raises(LinliError, match="正在发布中"):
            publisher.run_build(home, "editor")
        assert m.Run.select().count() == 1
        assert "disabled" in text(client.get("/")).split("发布网站</button>")[0][-200:]
    finally:
        gate.set()
        run = runs.wait(run.id, timeout=120)
    assert run.state == "succeeded", run.message
    # the row is not rewritten for every page of the real build either
    assert len(calls) < run.done / 3


def test_contributor_cannot_publish(app, home):
    client = login(app, "contributor")
    page = client.get("/publish/")
    assert "只有编辑和管理员可以发布网站" in text(page)
    assert client.post("/publish/start").status_code == 403
    assert client.get("/publish/status.json").status_code == 403
    dashboard = text(client.get("/"))
    assert "/publish/start" not in dashboard and "网站由编辑或管理员发布" in dashboard
    assert m.Run.select().count() == 0 and not home.site_dir.exists()


def test_anonymous_cannot_publish(app):
    client = app.test_client()
    for response in (client.get("/publish/"), client.post("/publish/start"), client.get("/publish/status.json")):
        assert response.status_code == 302 and "/login/" in response.headers["Location"]
    assert m.Run.select().count() == 0


def test_busy_lock_held_elsewhere_refuses_a_second_build(app, home):
    other = runs.HomeLock(home)  # as if another process were building
    assert other.try_acquire()
    try:
        client = login(app, "editor")
        response = client.post("/publish/start", follow_redirects=True)
        assert "网站正在发布中，请等这次完成后再试。" in text(response)
        assert m.Run.select().count() == 0
        assert runs.is_busy(home)
    finally:
        other.release()
    assert not runs.is_busy(home)


@BUILT
def test_failed_build_reports_the_page_and_leaves_the_site_alone(app, home):
    before = site_bytes(home)
    override = home.root / "themes" / "default" / "templates" / "notice.html"
    override.parent.mkdir(parents=True)
    override.write_text('{% extends "base.html" %}{% block main %}{{ item.nope() }}{% endblock %}', encoding="utf-8")
    client = login(app, "editor")
    client.post("/publish/start")
    run = runs.wait(m.Run.select().order_by(m.Run.id.desc()).first().id, timeout=120)
    assert run.state == "failed"
    assert run.message.startswith("网站生成失败（页面 /") and run.message.endswith("原来的网站没有改动。")
    assert "nope" in run.message
    assert site_bytes(home) == before
    assert not (home.root / linli.build.STAGING).exists()
    status = client.get("/publish/status.json").get_json()
    assert status["state"] == "failed" and status["message"] == run.message and "发布失败" in status["log"]
    assert str(escape(run.message)) in text(client.get("/publish/"))
    assert str(escape(run.message)) in text(client.get("/"))
    event = m.AuditEvent.select().order_by(m.AuditEvent.id.desc()).first()
    assert event.action == "publish_failed" and event.detail == run.message
    assert 'id="publish-failure"' in text(client.get("/"))  # until a later publish succeeds
    with pytest.raises(LinliError, match="原来的网站没有改动"):  # the CLI path raises it for staff
        publisher.run_build(home)
    assert site_bytes(home) == before


def in_a_thread(work):
    """``work()`` run in a thread beside this one (as the admin's builds are): its result or error."""
    outcome = {}

    def run():
        try:
            outcome["result"] = work()
        except Exception as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive()
    return outcome


def test_a_build_beside_other_threads_runs_in_a_process_of_its_own(home):
    """Forking the page workers from a process where other threads run copies the locks they hold
    at that instant (SQLite's, while the admin answers a request) into workers that may then wait
    forever: a build asked for beside other threads runs in a fresh process, which forks its own."""
    building = []

    def progress(done, url, total):
        building.append({p.name for p in multiprocessing.active_children()})

    outcome = in_a_thread(lambda: apart.build(home, now=NOW, progress=progress))
    assert "error" not in outcome, outcome
    result = outcome["result"]
    assert result.full and result.pages > 50 and (home.site_dir / "index.html").is_file()
    assert building and all("linli-build" in names for names in building)
    assert not multiprocessing.active_children()
    again = linli.build.build(home, now=NOW)  # this process, alone: what the child left is whole
    assert not again.full and again.rendered == 0


def test_a_build_process_that_dies_leaves_the_site_alone(home):
    def kill(done, url, total):
        for child in multiprocessing.active_children():
            if child.name == "linli-build":
                os.kill(child.pid, signal.SIGKILL)

    outcome = in_a_thread(lambda: apart.build(home, now=NOW, progress=kill))
    message = str(outcome["error"])
    assert message.startswith("网站生成失败：生成网站的进程意外退出") and message.endswith("原来的网站没有改动。")
    assert not home.site_dir.exists()
    assert linli.build.build(home, now=NOW).pages > 50  # the next build recovers


@BUILT
def test_interrupted_run_is_reported_once_its_lock_is_free(app, home):
    dead = m.Run.create(requested_by="editor", state="running", total=100, done=40)
    lock = runs.HomeLock(home)
    assert lock.try_acquire()  # still building somewhere: not stale
    try:
        assert publisher.status(home).state == "running"
    finally:
        lock.release()
    client = login(app, "editor")
    status = client.get("/publish/status.json").get_json()
    assert status["state"] == "failed" and status["message"] == "上次发布被中断，网站保持原样。"
    dead = m.Run.get_by_id(dead.id)
    assert dead.state == "failed" and dead.finished_at and "中断" in dead.log
    assert "上次发布被中断" in text(client.get("/"))
    # and a new build can start
    client.post("/publish/start")
    latest = m.Run.select().order_by(m.Run.id.desc()).first()
    assert runs.wait(latest.id, timeout=120).state == "succeeded"


def test_cli_build_is_recorded(app, home):
    result = CliRunner().invoke(cli, ["--home", str(home.root), "build"])
    assert result.exit_code == 0, result.output
    assert re.search(r"网站已生成：\d+ 个页面，\d+ 个文件，用时 [\d.]+ 秒", result.output)
    run = only_run()
    assert run.state == "succeeded" and run.requested_by == "命令行" and str(run.done) in result.output


@BUILT
def test_dashboard_counts_changes_since_the_last_build(app, home):
    publisher.run_build(home, "editor")
    client = login(app, "editor")
    assert "上次发布之后没有要发布的改动" in text(client.get("/"))
    later = m.now() + dt.timedelta(minutes=1)
    notice = m.Notice.select().where(m.Notice.status == m.PUBLISHED).first()
    m.Notice.update(updated_at=later, title="改过的通知").where(m.Notice.id == notice.id).execute()
    draft = m.Notice.create(title="还在写的草稿", status=m.DRAFT)
    m.Notice.update(updated_at=later).where(m.Notice.id == draft.id).execute()
    assert "有 1 条内容在上次发布后有改动，发布网站后才会出现在网站上" in text(client.get("/"))
    page = text(client.get("/publish/"))
    assert "有 1 条内容在上次发布后有改动" in page and "改过的通知" in page and "还在写的草稿" not in page


def test_builds_ignore_deploy_runs(app, home, tmp_path):
    """A deploy after the last build is a newer run, but not a build: "last published", the
    changes not yet online, the build history and the dashboard still go by builds."""
    from linli.deploy import background
    from linli.deploy.config import choose
    from tests.deploy_servers import add_target

    build = publisher.run_build(home, "editor")
    notice = m.Notice.select().where(m.Notice.status == m.PUBLISHED).first()
    edited = build.started_at + dt.timedelta(seconds=30)
    m.Notice.update(updated_at=edited, title="部署前改过的通知").where(m.Notice.id == notice.id).execute()
    home = add_target(home, "usb", kind="folder", path=str(tmp_path / "usb"))
    deploy = runs.wait(background.start(choose(home, "usb"), "editor").id, timeout=60)
    assert deploy.state == runs.SUCCEEDED and deploy.id > build.id
    m.Run.update(started_at=edited + dt.timedelta(seconds=30)).where(m.Run.id == deploy.id).execute()
    failed = m.Run.create(kind=runs.DEPLOY, target="usb", state=runs.FAILED, message="上传失败了",
                          started_at=edited + dt.timedelta(minutes=1))  # fmt: skip

    assert publisher.last_success().id == build.id
    assert publisher.status(home).id == build.id and [r.id for r in publisher.recent(home)] == [build.id]
    changes = publisher.changes_since_last_build()
    assert changes.since == build.started_at and [item.title for item in changes.items] == ["部署前改过的通知"]
    client = login(app, "editor")
    dashboard = text(client.get("/"))
    assert "有 1 条内容在上次发布后有改动" in dashboard and f"（{build.done} 个页面" in dashboard
    assert failed.message not in dashboard and failed.message in text(client.get("/publish/"))
    status = client.get("/publish/status.json").get_json()
    assert status["id"] == build.id and status["kind"] == "build"


# --- preview ------------------------------------------------------------------------------------


@pytest.fixture
def draft(app):
    return m.Notice.create(title="下周三停电检修（草稿）", status=m.DRAFT, body="全楼停电，**请提前准备**。")


def test_preview_of_a_draft_in_the_real_theme(app, draft):
    client = login(app, "contributor")  # contributors preview whatever they can see
    for type_name in ("notice", "notices"):
        response = client.get(f"/preview/{type_name}/{draft.id}/")
        assert response.status_code == 200
        html = text(response)
        assert "<h1>下周三停电检修（草稿）</h1>" in html and "<strong>请提前准备</strong>" in html
        assert 'class="preview-banner"' in html and "预览：这是草稿，尚未发布，居民看不到。" in html
        assert 'href="/static/css/site.css"' in html and 'href="/notices/"' in html  # root-relative
    published = m.Notice.select().where(m.Notice.status == m.PUBLISHED).first()
    assert "预览：此内容已发布" in text(client.get(f"/preview/notice/{published.id}/"))
    edit = text(login(app, "editor").get(f"/notice/edit/?id={draft.id}"))
    assert f'href="/preview/notices/{draft.id}/"' in edit and 'target="_blank"' in edit


def test_preview_needs_login_and_a_live_item(app, draft):
    anonymous = app.test_client().get(f"/preview/notice/{draft.id}/")
    assert anonymous.status_code == 302 and "/login/" in anonymous.headers["Location"]
    client = login(app, "editor")
    assert client.get(f"/preview/nothing/{draft.id}/").status_code == 404
    assert client.get("/preview/notice/999999/").status_code == 404
    m.Notice.update(deleted_at=m.now()).where(m.Notice.id == draft.id).execute()
    assert client.get(f"/preview/notice/{draft.id}/").status_code == 404


def test_review_list_links_to_previews(app):
    item = m.Service.create(title="老年人优待证办理（待审核）", status=m.REVIEW, author="contributor")
    html = text(login(app, "editor").get("/"))
    assert f'/preview/services/{item.id}/' in html


def test_preview_does_not_make_drafts_public(app, home, draft):
    login(app, "editor").get(f"/preview/notice/{draft.id}/")
    public = create_public_app(home).test_client()
    assert public.get(f"/notices/{draft.slug}/").status_code == 404
    html = text(public.get("/notices/"))
    assert "下周三停电检修" not in html and "preview-banner" not in html
    publisher.run_build(home, "editor")
    assert not (home.site_dir / "notices" / draft.slug).exists()
    assert not any("preview-banner" in p.read_text(encoding="utf-8") for p in home.site_dir.rglob("*.html"))
