"""Health: ``linli status`` and the admin's status page (admins only) tell versions, sizes, the
last build and deploys, the next scheduled publish, backups and whether the scheduler runs; the
dashboard shows the age of the last good backup, red after two days. Runs on SQLite and
PostgreSQL (where Linli does not back up: the pages say so instead of showing red)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
from click.testing import CliRunner

from admin import create_admin_app
from linli import __version__, accounts, backup, clock, health, migrations, runs
from linli import models as m
from linli.cli import cli
from linli.deploy import background, deploy, targets
from linli.errors import LinliError
from linli.home import Home
from linli.publisher import run_build
from tests.deploy_servers import add_target, make_site
from tests.test_admin_i18n import chinese_left

PASSWORD = "correct-horse-1"
SITE_ZONE = clock.zone_named("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 25, 10, 0, 0)  # site time


@pytest.fixture
def app(home, site_clock):
    accounts.add_user("admin", PASSWORD, role="admin")
    accounts.add_user("editor", PASSWORD, role="editor")
    accounts.add_user("contributor", PASSWORD, role="contributor")
    accounts.add_user("ann", PASSWORD, role="admin")
    m.User.update(language="en").where(m.User.username == "ann").execute()
    app = create_admin_app(home)
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def login(app, username):
    client = app.test_client()
    assert client.post("/login/", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def page(client, url="/") -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def backup_paragraph(html: str) -> str:
    return re.search(r'<p class="([^"]*)" id="backup-state">(.*?)</p>', html, re.S).group(0)


# --- the heartbeat --------------------------------------------------------------------------


def test_heartbeat_says_alive_for_two_minutes(home, site_clock):
    assert health.read_heartbeat(home) is None and not health.scheduler_alive(home)
    health.write_heartbeat(home)
    assert health.read_heartbeat(home) == NOW.replace(tzinfo=SITE_ZONE)
    assert (home.root / ".scheduler-heartbeat").read_text() == "2026-11-25T02:00:00+00:00"
    site_clock.at = NOW + dt.timedelta(minutes=2)
    assert health.scheduler_alive(home)
    site_clock.at = NOW + dt.timedelta(minutes=2, seconds=1)
    assert not health.scheduler_alive(home)
    (home.root / ".scheduler-heartbeat").write_text("not a time")
    assert health.read_heartbeat(home) is None and not health.scheduler_alive(home)


# --- linli status ---------------------------------------------------------------------------


def test_linli_status_lists_every_field(home, site_clock, tmp_path):
    m.Notice.create(title="明早停水", status="published", publish_at=NOW + dt.timedelta(hours=20))
    m.Notice.create(title="草稿不算", status="draft", publish_at=NOW + dt.timedelta(hours=1))
    site_clock.at = NOW - dt.timedelta(hours=1)
    run_build(home)
    home = add_target(home, "usb", kind="folder", path=str(tmp_path / "usb"))
    home = add_target(home, "nas", kind="folder", path=str(tmp_path / "nas"))
    deployed = runs.wait(background.start(targets(home)["usb"], "admin").id, timeout=60)
    assert deployed.state == runs.SUCCEEDED, deployed.message
    site_clock.at = NOW
    health.write_heartbeat(home)
    result = CliRunner().invoke(cli, ["--home", str(home.root), "status"])
    assert result.exit_code == 0, result.output
    fields = dict(line.split("：", 1) for line in result.output.splitlines())
    assert list(fields) == ["版本", "数据库结构版本", "数据库", "媒体文件", "网站文件", "磁盘剩余空间", "最近发布网站",
                            "上传到“usb”", "上传到“nas”", "下一次定时发布", "最近备份",
                            *(["自动备份"] if backup.supported(home) else []), "定时服务"]  # fmt: skip
    assert fields["版本"] == f"Linli {__version__}" and fields["数据库结构版本"] == str(migrations.CURRENT)
    assert re.fullmatch(r"(SQLite|PostgreSQL)，[\d.]+ (B|KB|MB)", fields["数据库"])
    assert re.match(r"[\d.]+ (B|KB|MB)（.*site）", fields["网站文件"]) and fields["网站文件"] != "0 B"
    assert re.fullmatch(r"[\d.]+ (MB|GB)", fields["磁盘剩余空间"])
    assert fields["最近发布网站"].startswith("2026-11-25 09:00，成功")
    assert fields["上传到“usb”"].startswith("2026-11-25 09:00，成功（admin）") and fields["上传到“usb”"].endswith(str(tmp_path / "usb"))
    assert fields["上传到“nas”"].startswith("还没有上传过")
    assert fields["下一次定时发布"] == "2026-11-26 06:00"
    assert fields["定时服务"] == "在运行（最近一次 2026-11-25 10:00:00）"
    if backup.supported(home):
        assert fields["最近备份"].startswith("还没有备份")
        assert "每天 02:30" in fields["自动备份"] and "现有 0 个备份" in fields["自动备份"]
    else:
        assert "pg_dump" in fields["最近备份"]
    site_clock.at = NOW + dt.timedelta(minutes=3)
    result = CliRunner().invoke(cli, ["--home", str(home.root), "status"])
    assert "定时服务：没有运行（最近一次 2026-11-25 10:00:00）" in result.output


def test_linli_status_without_targets_or_schedule(home):
    result = CliRunner().invoke(cli, ["--home", str(home.root), "status"])
    assert result.exit_code == 0, result.output
    assert "发布目标：没有设置（网站只在这台电脑的 site/ 里）" in result.output
    assert "下一次定时发布：没有定时发布或到期的内容" in result.output
    assert "最近发布网站：还没有发布过" in result.output and "定时服务：没有运行（从未运行过）" in result.output


# --- the admin's status page ----------------------------------------------------------------


def test_status_page_is_for_admins_only(app):
    assert "/login/" in app.test_client().get("/status/").headers["Location"]
    for role in ("editor", "contributor"):
        client = login(app, role)
        assert client.get("/status/").status_code == 403
        assert 'href="/status/"' not in page(client)  # not in their menu
    html = page(login(app, "admin"), "/status/")
    for label in ("版本", "数据库结构版本", "数据库", "媒体文件", "网站文件", "磁盘剩余空间", "最近发布网站",
                  "发布目标", "下一次定时发布", "备份", "定时服务"):  # fmt: skip
        assert f'<th scope="row">{label}</th>' in html, label
    assert "没有运行" in html and 'href="/status/"' in html


def test_status_page_in_english(app, home, tmp_path):
    add_target(home, "usb", kind="folder", path=str(tmp_path / "usb"))
    app.config["LINLI_HOME"] = Home.open(home.root)
    m.Notice.create(title="n", status="published", expires_at=NOW + dt.timedelta(days=1))
    health.write_heartbeat(home)
    html = page(login(app, "ann"), "/status/")
    assert not chinese_left(html), chinese_left(html)
    for label in ("Version", "Schema version", "Free disk space", "Last publish", "Upload to “usb”",
                  "Not uploaded yet.", "Next scheduled publish", "2026-11-26 10:00", "Scheduler", "Running"):  # fmt: skip
        assert label in html, label


# --- the dashboard's backup -----------------------------------------------------------------


def test_dashboard_shows_the_age_of_the_last_backup_red_after_two_days(app, home, site_clock, monkeypatch):
    if not backup.supported(home):
        pytest.skip("PostgreSQL: test_dashboard_on_postgresql_says_pg_dump_not_red")
    admin, editor = login(app, "admin"), login(app, "editor")
    html = page(admin)
    assert "text-danger" in backup_paragraph(html) and "还没有备份。" in html and "linli backup" in html
    site_clock.at = NOW - dt.timedelta(days=1, hours=20)
    backup.scheduled_backup(home)
    site_clock.at = NOW
    for client in (admin, editor):
        paragraph = backup_paragraph(page(client))
        assert 'class="text-success"' in paragraph and "最近备份：1 天前" in paragraph, paragraph
    site_clock.at = NOW + dt.timedelta(hours=5)  # 2 days and 1 hour
    html = page(admin)
    assert "text-danger" in backup_paragraph(html) and "最近备份：2 天前" in backup_paragraph(html)
    site_clock.at = NOW + dt.timedelta(days=1, hours=5)
    html = page(admin)
    assert "text-danger" in backup_paragraph(html) and "最近备份：3 天前" in backup_paragraph(html)
    assert "现在就备份：在服务器上运行 linli backup" in html
    english = page(login(app, "ann"))
    assert "Last backup: 3 days ago" in english and "To make one now, run linli backup" in english
    site_clock.at = NOW + dt.timedelta(days=1, hours=6)
    backup.scheduled_backup(home)
    assert "最近备份：刚刚" in backup_paragraph(page(admin))


def test_a_failed_backup_shows_on_the_dashboard(app, home, site_clock, tmp_path):
    if not backup.supported(home):
        pytest.skip("Linli backs up SQLite homes only")
    make_site(home)
    home = add_target(home, "www", kind="folder", path=str(tmp_path / "www"))
    deploy(home, "www")
    with home.settings_path.open("a", encoding="utf-8") as handle:
        handle.write('\n[backup]\ncopy_to = "www"\n')
    home = Home.open(home.root)
    app.config["LINLI_HOME"] = home
    with pytest.raises(LinliError):
        backup.scheduled_backup(home)
    html = page(login(app, "admin"))
    assert "最近一次备份失败：" in html and "放着网站" in html
    assert 'class="text-success"' in backup_paragraph(html)  # the archive itself was made


def test_dashboard_on_postgresql_says_pg_dump_not_red(app, home):
    if backup.supported(home):  # on SQLite: the same home, as if its database were PostgreSQL's
        settings = {**home.settings, "database_url": "postgresql://linli@db.example/linli"}
        app.config["LINLI_HOME"] = dataclasses.replace(home, settings=settings)
    html = page(login(app, "admin"))
    assert "这个站点使用 PostgreSQL 数据库" in html and "pg_dump" in html
    assert "text-danger" not in backup_paragraph(html) and "还没有备份" not in html
    english = page(login(app, "ann"))
    assert "Linli does not back it up" in english
    status = page(login(app, "admin"), "/status/")
    assert "pg_dump" in status and "每天 02:30" not in status
