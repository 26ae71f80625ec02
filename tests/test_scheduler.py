"""Publishing on time without a click (linli/scheduler.py) and the one button that tells the truth.

The first part moves the site's clock (``linli.clock.utc_now``, the only read of the system
clock) and drives the scheduler's rounds, real builds and real deploy targets: what is due
and when to wake (pure logic over the database), a notice that appears and one that leaves at
their moments, an event that moves to the past, the daily publish, retries with back-off
against a target that refuses connections, one scheduler per home, no moment published twice,
the nightly backup, ``linli publish [--if-due]``. The second part runs the real service
(``python -m linli serve``) in its own process with short real waits and never sends it a
request: pages appear and leave on time in ``site/`` and on a folder target, a refused target
is retried and shown on the dashboard until it works again, and a service killed mid-publish
leaves the site whole and finishes the publish when it starts again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import linli.backup
import linli.clock
from linli import publisher, runs, scheduler
from linli import models as m
from linli.check import check_site
from linli.cli import cli
from linli.errors import LinliError
from linli.home import PROJECT_ROOT, Home
from linli.scheduler import DAILY, ENDS, EXPIRES, INTERRUPTED, PUBLISHES, Scheduler
from tests.conftest import admin_client
from tests.deploy_servers import FtpServer, free_port

MINUTE = dt.timedelta(minutes=1)
SECOND = dt.timedelta(seconds=1)
FTP_PASSWORD = "ftp-secret-1"  # the user tests/deploy_servers.py's FTP server knows


class Clock:
    """The system clock as Linli reads it (``linli.clock.utc_now``), moved by the test."""

    def __init__(self, start: dt.datetime):
        self.utc = start.replace(tzinfo=dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.utc

    def set(self, site_time: dt.datetime) -> dt.datetime:
        """Move to ``site_time`` (naive, the site's wall clock); returns it."""
        self.utc = site_time.replace(tzinfo=linli.clock.site_zone()).astimezone(dt.timezone.utc)
        return site_time

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        self.utc += delta
        return m.now()


@pytest.fixture
def clock(home, now, monkeypatch):
    moved = Clock(dt.datetime(2026, 11, 25, 2, 0))
    monkeypatch.setattr(linli.clock, "utc_now", moved)
    moved.set(now)  # 2026-11-25 10:00 on the site's clock
    return moved


@pytest.fixture
def backups_off(monkeypatch):
    """The scheduler's publishing alone: the home treated as one Linli does not back up itself
    (as a PostgreSQL home), so no nightly backup is due."""
    monkeypatch.setattr(linli.backup, "supported", lambda home: False)


def configure(home: Home, *, publish: str = 'time = ""', targets: str = "") -> Home:
    """The home with ``[publish]`` and ``[deploy.…]`` tables appended to linli.toml, reopened."""
    with home.settings_path.open("a", encoding="utf-8") as handle:
        handle.write(f"\n[publish]\n{publish}\n{targets}\n")
    return Home.open(home.root)


def folder_target(path: Path, name: str = "usb", url: str = "https://shequ.example.org/") -> str:
    return f'[deploy.{name}]\nkind = "folder"\npath = "{path}"\nauto = true\nurl = "{url}"\n'


def ftp_target(port: int, name: str = "cheap-host") -> str:
    return (f'[deploy.{name}]\nkind = "ftp"\nhost = "127.0.0.1"\nport = {port}\nuser = "linli"\npath = "/"\n'
            f'timeout = 3\nretries = 0\nauto = true\nurl = "https://cheap-host.example.org/"\n')  # fmt: skip


def notice_page(root: Path, notice: m.Notice) -> Path:
    return root / "notices" / notice.slug / "index.html"


def publishes() -> list[m.Run]:
    return list(m.Run.select().where(m.Run.kind == runs.PUBLISH).order_by(m.Run.id))


def text(response) -> str:
    return response.get_data(as_text=True)


# --- what is due, and when: pure logic over the database --------------------------------------


def test_next_change_finds_each_moment_that_changes_the_public_site(home, clock):
    t = m.now()
    m.Notice.create(title="草稿", status=m.DRAFT, publish_at=t + MINUTE)
    m.Notice.create(title="已删除", status=m.PUBLISHED, publish_at=t + MINUTE, deleted_at=t)
    m.Notice.create(title="早已公开", status=m.PUBLISHED, publish_at=t - MINUTE)
    m.Notice.create(title="停水通知", status=m.PUBLISHED, publish_at=t + 10 * MINUTE)
    m.Service.create(title="临时窗口", status=m.PUBLISHED, expires_at=t + 20 * MINUTE)
    m.Event.create(title="义诊", status=m.PUBLISHED, starts_at=t + 5 * MINUTE, ends_at=t + 30 * MINUTE)
    m.Event.create(title="讲座", status=m.PUBLISHED, starts_at=t + 40 * MINUTE)  # no end: it leaves at its start
    m.Event.create(title="草稿活动", status=m.DRAFT, starts_at=t + 2 * MINUTE)

    seen, after = [], t
    while (change := scheduler.next_change(after)) is not None:
        seen.append((change.at - t, change.why, change.label, change.title))
        after = change.at
    assert seen == [
        (10 * MINUTE, PUBLISHES, "通知公告", "停水通知"),
        (20 * MINUTE, EXPIRES, "办事指南", "临时窗口"),
        (30 * MINUTE + SECOND, ENDS, "社区活动", "义诊"),  # an event's start changes nothing
        (40 * MINUTE + SECOND, ENDS, "社区活动", "讲座"),
    ]
    assert scheduler.next_change(t + 10 * MINUTE - SECOND).at == t + 10 * MINUTE  # strictly after
    assert scheduler.next_change(t + 30 * MINUTE).why == ENDS  # at its end it is still upcoming
    assert scheduler.next_change(t + 30 * MINUTE).reason == "社区活动“义诊”已结束（11-25 10:30）"


def test_nothing_is_due_before_the_site_was_first_published(home, clock, backups_off):
    home = configure(home, publish='time = "04:00"')
    m.Notice.create(title="停水通知", status=m.PUBLISHED, publish_at=m.now() - MINUTE)
    assert scheduler.publish_due(home) is None
    assert Scheduler(home).next_wake(m.now()) is None
    assert Scheduler(home).tick() == [] and publishes() == [] and not home.site_dir.exists()
    # a site built before publishing was one run (or only with `linli build`) counts as published
    publisher.run_build(home)
    assert scheduler.publish_due(home) is None
    clock.advance(dt.timedelta(days=1))
    assert scheduler.publish_due(home).why == DAILY


def test_a_notice_goes_up_and_comes_down_on_time_once_each(home, clock, backups_off, tmp_path):
    usb = tmp_path / "usb"
    home = configure(home, targets=folder_target(usb))
    t0 = m.now()
    water = m.Notice.create(title="明天停水", status=m.PUBLISHED, publish_at=t0 + 10 * MINUTE,
                            expires_at=t0 + 30 * MINUTE, keep_after_expiry=False)  # fmt: skip
    first = publisher.run_publish(home, "editor")
    assert first.state == runs.SUCCEEDED, first.message
    assert "已更新并上传到“usb”" in first.message and (usb / "index.html").is_file()
    service = Scheduler(home)
    assert service.next_wake(t0) == t0 + 10 * MINUTE

    clock.set(t0 + 10 * MINUTE - SECOND)
    assert service.tick() == [] and not notice_page(home.site_dir, water).exists()
    clock.set(t0 + 10 * MINUTE)
    [done] = service.tick()
    assert done.startswith("通知公告“明天停水”定时公开（11-25 10:10） → 网站已更新并上传到“usb”")
    for root in (home.site_dir, usb):
        assert "明天停水" in notice_page(root, water).read_text(encoding="utf-8")
    run = publishes()[-1]
    assert run.requested_by == runs.SCHEDULER_USER and run.started_at == t0 + 10 * MINUTE
    assert "原因：通知公告“明天停水”定时公开" in run.log
    deploy = runs.last_success(runs.DEPLOY, "usb")
    assert deploy.id > run.id and deploy.requested_by == runs.SCHEDULER_USER  # the deploy inside it
    requested = m.AuditEvent.get((m.AuditEvent.action == "publish_requested") & (m.AuditEvent.target_id == run.id))
    assert requested.username == runs.SCHEDULER_USER and "定时公开" in requested.detail and "上传到：usb" in requested.detail
    # the same moment is never published twice, by this scheduler or by `linli publish --if-due`
    assert service.tick() == [] and len(publishes()) == 2
    result = CliRunner().invoke(cli, ["--home", str(home.root), "publish", "--if-due"])
    assert result.exit_code == 0 and "这次不发布" in result.output and len(publishes()) == 2
    assert service.next_wake(m.now()) == t0 + 30 * MINUTE

    clock.set(t0 + 30 * MINUTE)
    [done] = service.tick()
    assert done.startswith("通知公告“明天停水”到期（11-25 10:30）")
    assert not notice_page(home.site_dir, water).exists() and not notice_page(usb, water).exists()
    assert service.next_wake(m.now()) is None and len(publishes()) == 3


def test_an_event_moves_to_the_past_one_second_after_its_end(home, clock, backups_off):
    t0 = m.now()
    m.Event.create(title="重阳节茶话会", status=m.PUBLISHED, starts_at=t0 + MINUTE, ends_at=t0 + 2 * MINUTE)
    publisher.run_publish(home)
    home_page = home.site_dir / "index.html"
    assert "重阳节茶话会" in home_page.read_text(encoding="utf-8")  # the home page lists upcoming events
    assert Scheduler(home).next_wake(t0) == t0 + 2 * MINUTE + SECOND
    clock.set(t0 + 2 * MINUTE)
    assert scheduler.publish_due(home) is None  # still upcoming at its end
    clock.set(t0 + 2 * MINUTE + SECOND)
    assert scheduler.publish_due(home).why == ENDS
    Scheduler(home).tick()
    assert "重阳节茶话会" not in home_page.read_text(encoding="utf-8")
    assert "重阳节茶话会" in (home.site_dir / "events" / "index.html").read_text(encoding="utf-8")  # now past


def test_the_daily_publish(home, clock, backups_off):
    home = configure(home, publish='time = "04:00"')
    publisher.run_publish(home)  # 11-25 10:00
    service = Scheduler(home)
    assert service.next_wake(m.now()) == dt.datetime(2026, 11, 26, 4, 0)
    clock.set(dt.datetime(2026, 11, 26, 3, 59, 59))
    assert service.tick() == []
    clock.set(dt.datetime(2026, 11, 26, 4, 0))
    [done] = service.tick()
    assert done.startswith("每日定时发布（04:00） → 网站已更新")
    assert service.next_wake(m.now()) == dt.datetime(2026, 11, 27, 4, 0)
    # a service that was not running at 04:00 publishes when it starts (once)
    clock.set(dt.datetime(2026, 11, 27, 9, 0))
    assert len(service.tick()) == 1 and service.tick() == []


def test_a_target_that_refuses_connections_is_retried_with_back_off(home, clock, backups_off, tmp_path, monkeypatch):
    port = free_port()  # nothing listens there yet
    monkeypatch.setenv("LINLI_DEPLOY_CHEAP_HOST_PASSWORD", FTP_PASSWORD)
    home = configure(home, targets=ftp_target(port))
    publisher.run_build(home)  # published once (by hand, without the target)
    t0 = m.now()
    notice = m.Notice.create(title="疫苗接种", status=m.PUBLISHED, publish_at=t0 + MINUTE)
    service = Scheduler(home)
    holding = runs.HomeLock(home, scheduler.SCHEDULER_LOCK)  # as the service's scheduler would
    assert holding.try_acquire()
    try:
        clock.set(t0 + MINUTE)
        [done] = service.tick()
        assert "上传到“cheap-host”失败：连不上 FTP 服务器" in done
        failed = publishes()[-1]
        assert failed.state == runs.FAILED and failed.message.startswith("网站已在这台电脑上更新")
        assert notice_page(home.site_dir, notice).exists()  # built here, not online
        dashboard = text(admin_client(home).get("/"))
        assert 'id="publish-failure"' in dashboard and "连不上 FTP 服务器" in dashboard
        assert "将在 11-25 10:02 自动再试" in dashboard  # the scheduler runs: it says when

        waits = []
        for _ in range(5):
            wake = service.next_wake(m.now())
            waits.append(round((wake - publishes()[-1].finished_at) / MINUTE))
            clock.set(wake - SECOND)
            assert service.tick() == []
            clock.set(wake)
            [done] = service.tick()
            assert done.startswith("重试：") and "失败" in done
        assert waits == [1, 5, 15, 60, 60]
        assert m.AuditEvent.select().where(m.AuditEvent.action == "publish_failed").count() == 6

        # A new scheduled moment does not wait for the back-off.
        later = m.Notice.create(title="停电通知", status=m.PUBLISHED, publish_at=m.now() + 2 * MINUTE)
        assert service.next_wake(m.now()) == later.publish_at

        # The host comes back: the next retry sends the site, and the failure is gone.
        root = tmp_path / "ftp-root"
        root.mkdir()
        server = FtpServer(root, port, "").start()
        try:
            clock.set(service.next_wake(m.now()))
            [done] = service.tick()
        finally:
            server.kill()
        assert "网站已更新并上传到“cheap-host”" in done
        assert "疫苗接种" in notice_page(root, notice).read_text(encoding="utf-8")
        dashboard = text(admin_client(home).get("/"))
        assert 'id="publish-failure"' not in dashboard and "连不上" not in dashboard
        assert "上次成功上传：" in dashboard and "https://cheap-host.example.org/" in dashboard
    finally:
        holding.release()


def test_a_publish_whose_process_died_is_done_again_at_once(home, clock):
    publisher.run_publish(home)
    m.Run.create(kind=runs.PUBLISH, requested_by=runs.SCHEDULER_USER, state=runs.RUNNING, started_at=m.now())
    clock.advance(MINUTE)
    due = scheduler.publish_due(home)  # marks the dead run first
    assert due.why == INTERRUPTED and publishes()[-1].message == runs.KINDS[runs.PUBLISH].interrupted
    assert "上次发布被中断，重新发布" in Scheduler(home).tick()[0]
    assert publishes()[-1].state == runs.SUCCEEDED and scheduler.publish_due(home) is None


def test_one_scheduler_per_home_and_one_publish_at_a_time(home, clock, backups_off):
    publisher.run_publish(home)
    m.Notice.create(title="停水通知", status=m.PUBLISHED, publish_at=m.now() + MINUTE)
    clock.advance(MINUTE)
    first, second = Scheduler(home, poll=7), Scheduler(home, poll=7)
    staff = runs.HomeLock(home)  # a staff publish is going
    assert staff.try_acquire()
    try:
        assert scheduler.publish_if_due(home).busy
        assert first._round() == scheduler.BUSY_SECONDS  # still due: look again soon
        assert len(publishes()) == 1
    finally:
        staff.release()
    assert second._round() == 7 and len(publishes()) == 1  # the first holds the home's scheduler lock
    assert first._round() == 7 and len(publishes()) == 2  # it publishes; nothing else known: poll
    assert scheduler.is_running(home)
    first.lock.release()
    assert not scheduler.is_running(home)
    assert second._round() == 7 and len(publishes()) == 2  # takes over; nothing due
    second.lock.release()


def test_the_nightly_backup(home, clock, monkeypatch, tmp_path):
    made = []

    def scheduled_backup(home, username, wait):  # a double of linli.backup's: records the call
        made.append(m.now())
        if len(made) == 3:
            raise LinliError("备份目录已满")
        return tmp_path / f"backup-{len(made)}.tar.gz"

    monkeypatch.setattr(linli.backup, "scheduled_backup", scheduled_backup)
    monkeypatch.setattr(linli.backup, "supported", lambda home: True)  # the PostgreSQL pass too
    home.settings["backup"] = {"time": "03:00"}
    service = Scheduler(home)
    clock.set(dt.datetime(2026, 11, 26, 2, 59))
    # the first start: the last 03:00 (yesterday's) has no backup yet
    assert service.next_wake(m.now()) == m.now()
    assert service.tick() == [f"已自动备份：{tmp_path / 'backup-1.tar.gz'}"]
    assert service.tick() == [] and service.next_wake(m.now()) == dt.datetime(2026, 11, 26, 3, 0)
    clock.set(dt.datetime(2026, 11, 26, 3, 0))
    assert service.tick() == [f"已自动备份：{tmp_path / 'backup-2.tar.gz'}"]
    clock.set(dt.datetime(2026, 11, 26, 3, 30))
    assert service.tick() == [] and service.next_wake(m.now()) == dt.datetime(2026, 11, 27, 3, 0)
    clock.set(dt.datetime(2026, 11, 27, 8, 0))  # the service was down at 03:00: made when it is back
    assert service.tick() == ["自动备份失败：备份目录已满"]  # said, recorded, and the scheduler goes on
    assert service.tick() == [] and made == [dt.datetime(2026, 11, 26, 2, 59), dt.datetime(2026, 11, 26, 3, 0),
                                              dt.datetime(2026, 11, 27, 8, 0)]  # fmt: skip
    actions = [e.action for e in m.AuditEvent.select().order_by(m.AuditEvent.id)]
    assert actions == [scheduler.BACKUP_DONE, scheduler.BACKUP_DONE, scheduler.BACKUP_FAILED]


def test_the_nightly_backup_is_a_verified_archive_recorded_as_a_run(home, clock):
    if not linli.backup.supported(home):
        pytest.skip("PostgreSQL homes are backed up with pg_dump")
    clock.set(dt.datetime(2026, 11, 26, 2, 31))  # [backup] time defaults to 02:30
    assert Scheduler(home).tick() == [f"已自动备份：{linli.backup.last_good_backup(home)[0]}"]
    archives = list(linli.backup.backup_settings(home).folder.glob("linli-backup-*.tar.gz"))
    assert len(archives) == 1 and linli.backup.verify_backup(archives[0])
    run = m.Run.select().where(m.Run.kind == "backup").get()
    assert run.state == "succeeded" and run.requested_by == runs.SCHEDULER_USER


def test_the_thread_sleeps_until_the_moment(home, clock, tmp_path):
    """The service's loop with a clock the test moves: each wait moves it by as long as asked."""
    home = configure(home, targets=folder_target(tmp_path / "usb"))
    publisher.run_publish(home)
    t0 = m.now()
    notice = m.Notice.create(title="停水通知", status=m.PUBLISHED, publish_at=t0 + 3 * MINUTE)
    waits = []

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        clock.advance(dt.timedelta(seconds=seconds))
        return len(waits) >= 9

    service = Scheduler(home, wait=wait).start()
    service.thread.join(120)
    assert not service.thread.is_alive() and not scheduler.is_running(home)  # its lock is given back
    assert waits == [30.0] * 9  # polls (at most POLL_SECONDS) until the moment, publishes, polls on
    assert notice_page(tmp_path / "usb", notice).exists()
    run = publishes()[-1]
    assert run.started_at == t0 + 3 * MINUTE and run.state == runs.SUCCEEDED and len(publishes()) == 2


def test_bad_publish_settings_are_named(home, clock):
    for table, fragment in (({"time": "25:00"}, "[publish] 的 time 应写成"),
                            ({"retry_minutes": []}, "retry_minutes 应是正数的列表"),
                            ({"when": "04:00"}, "不认识的设置项：when")):  # fmt: skip
        with pytest.raises(LinliError) as refused:
            Scheduler(Home(home.root, {**home.settings, "publish": table}))
        assert fragment in str(refused.value)
    (home.root / "linli.toml").write_text(home.settings_path.read_text() + '\n[publish]\ntime = "4 点"\n')
    result = CliRunner().invoke(cli, ["--home", str(home.root), "serve", "--port", str(free_port())])
    assert result.exit_code == 1 and "[publish] 的 time 应写成 24 小时制" in result.stderr
    result = CliRunner().invoke(cli, ["--home", str(home.root), "publish", "--if-due"])
    assert result.exit_code == 1 and "[publish] 的 time" in result.stderr
    home.settings_path.write_text(home.settings_path.read_text().replace('"4 点"', '""')
                                  + '\n[deploy.x]\nkind = "folder"\npath = "/tmp/x"\nurl = "shequ.org"\n')  # fmt: skip
    result = CliRunner().invoke(cli, ["--home", str(home.root), "publish"])
    assert result.exit_code == 1 and "url 应是居民打开网站的网址" in result.stderr


def test_linli_publish_builds_then_sends_and_says_so(home, clock, tmp_path, monkeypatch):
    m.Notice.create(title="停水通知", status=m.PUBLISHED)
    result = CliRunner().invoke(cli, ["--home", str(home.root), "publish"])
    assert result.exit_code == 0, result.output
    assert "只在这台电脑上（还没有设置上网目标）" in result.output

    port = free_port()
    monkeypatch.delenv("LINLI_DEPLOY_CHEAP_HOST_PASSWORD", raising=False)
    usb = tmp_path / "usb"
    configure(home, targets=folder_target(usb) + ftp_target(port))
    result = CliRunner().invoke(cli, ["--home", str(home.root), "publish"])
    assert result.exit_code == 1
    assert "上传到“cheap-host”失败：缺少部署目标“cheap-host”的密码" in result.stderr
    assert "（已上传到“usb”）" in result.stderr and (usb / "index.html").is_file()  # every target is tried
    run = publishes()[-1]
    assert run.state == runs.FAILED and run.requested_by == runs.CLI_USER
    deploys = {r.target: r.state for r in m.Run.select().where((m.Run.kind == runs.DEPLOY) & (m.Run.id > run.id))}
    assert deploys == {"usb": runs.SUCCEEDED, "cheap-host": runs.FAILED}

    # --if-due: the failure is retried after a minute, not before (and exits 0 when not due)
    result = CliRunner().invoke(cli, ["--home", str(home.root), "publish", "--if-due"])
    assert result.exit_code == 0 and "这次不发布" in result.output
    clock.advance(MINUTE)
    settings = home.settings_path.read_text(encoding="utf-8")
    home.settings_path.write_text(settings.replace(ftp_target(port), ftp_target(port).replace("auto = true", "auto = false")),
                                  encoding="utf-8")  # fmt: skip  (the host is sent to by hand from now on)
    result = CliRunner().invoke(cli, ["--home", str(home.root), "publish", "--if-due"])
    assert result.exit_code == 0, result.output
    assert "发布原因：重试：" in result.output and "网站已更新并上传到“usb”" in result.output


# --- the real service, in its own process, with short real waits -----------------------------


class Service:
    """``python -m linli --home H serve --port P`` in a process group of its own."""

    def __init__(self, home: Home, tmp_path: Path, env: dict | None = None, *, sigint_ignored: bool = False):
        if scheduler.backup_due(home, m.now()):  # this night's backup made before: the service only publishes
            scheduler.make_backup(home)
        self.home, self.port = home, free_port()
        self.log = tmp_path / f"serve-{self.port}.log"
        environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "DATABASE_URL": home.database_url, **(env or {})}
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "linli", "--home", str(home.root), "serve", "--port", str(self.port)],
                stdout=out, stderr=subprocess.STDOUT, env=environment, start_new_session=True,
                preexec_fn=_ignore_sigint if sigint_ignored else None)  # fmt: skip

    def kill(self, *, group: bool = True) -> None:
        """SIGKILL to the service and every process it started (as systemd stops a unit), or
        (``group=False``) to the service's own process only, as the kernel's OOM killer does."""
        if self.process.poll() is None:
            (os.killpg if group else os.kill)(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        """Ctrl+C, as in a terminal. A service still running 30 s later (its scheduler gives a
        publish going on 10 s) prints its threads' stacks into the log (SIGUSR1) and is killed."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGUSR1)
                time.sleep(1)
                self.kill()

    def stopped_cleanly(self) -> bool:
        assert self.process.returncode == 0, f"the service did not end on Ctrl+C:\n{self.output()}"
        return True

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as `linli serve &` in a script inherits it


def until(condition, timeout: float, service: Service, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        assert service.process.poll() is None, f"the service exited:\n{service.output()}"
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout} s\n{service.output()}")


def test_the_service_publishes_and_unpublishes_on_time_without_a_request(home, tmp_path):
    usb = tmp_path / "usb"
    home = configure(home, targets=folder_target(usb))
    t0 = m.now()
    expiring = m.Notice.create(title="今晚停电", status=m.PUBLISHED, expires_at=t0 + 14 * SECOND,
                               keep_after_expiry=False)  # fmt: skip
    scheduled = m.Notice.create(title="明天停水", status=m.PUBLISHED, publish_at=t0 + 6 * SECOND)
    assert publisher.run_publish(home, "editor").state == runs.SUCCEEDED
    assert notice_page(usb, expiring).exists() and not notice_page(usb, scheduled).exists()
    service = Service(home, tmp_path)
    try:
        until(lambda: notice_page(usb, scheduled).exists(), 25, service, "the scheduled notice on the target")
        assert m.now() >= scheduled.publish_at and notice_page(home.site_dir, scheduled).exists()
        until(lambda: not notice_page(usb, expiring).exists(), 25, service, "the expired notice gone")
        assert m.now() >= expiring.expires_at and not notice_page(home.site_dir, expiring).exists()
        assert check_site(home.site_dir).problems == []
    finally:
        service.stop()
    automatic = [run for run in publishes() if run.requested_by == runs.SCHEDULER_USER]
    assert automatic and all(run.state == runs.SUCCEEDED for run in automatic)
    assert automatic[0].started_at >= scheduled.publish_at and automatic[-1].started_at >= expiring.expires_at
    assert len(automatic) <= 2  # one per moment at most (both, if the service started late)
    assert service.stopped_cleanly() and not scheduler.is_running(home)
    assert "Traceback" not in service.output()


def test_the_service_stops_on_ctrl_c_even_when_started_in_a_scripts_background(home, tmp_path):
    # A script's `linli serve &` (and CI's PostgreSQL pass, run so) inherits SIGINT ignored.
    service = Service(home, tmp_path, sigint_ignored=True)
    try:
        until(lambda: _answers(service.port), 25, service, "the service answering")
    finally:
        service.stop()
    assert service.stopped_cleanly()


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def test_the_service_retries_a_refused_target_and_the_dashboard_says_so(home, tmp_path):
    port = free_port()  # refuses connections until the FTP server starts
    home = configure(home, publish='time = ""\nretry_minutes = [0.05]', targets=ftp_target(port))  # 3 s
    publisher.run_build(home)
    notice = m.Notice.create(title="疫苗接种", status=m.PUBLISHED, publish_at=m.now() + 3 * SECOND)
    service = Service(home, tmp_path, env={"LINLI_DEPLOY_CHEAP_HOST_PASSWORD": FTP_PASSWORD})
    root = tmp_path / "ftp-root"
    root.mkdir()
    server = FtpServer(root, port, "")
    try:
        failures = lambda: [r for r in publishes() if r.state == runs.FAILED]  # noqa: E731
        until(lambda: len(failures()) >= 2, 25, service, "two failed attempts")
        assert "连不上 FTP 服务器" in failures()[0].message
        assert (failures()[1].started_at - failures()[0].finished_at).total_seconds() >= 2
        client = admin_client(home)
        dashboard = text(client.get("/"))
        assert 'id="publish-failure"' in dashboard and "连不上 FTP 服务器" in dashboard
        # the service's scheduler is alive: the page says when it tries again (between attempts)
        until(lambda: "自动再试" in text(client.get("/")), 15, service, "the retry time on the dashboard")
        server.start()
        until(lambda: notice_page(root, notice).exists(), 25, service, "the retry that works")
        until(lambda: publishes()[-1].state == runs.SUCCEEDED, 10, service, "the publish recorded")
        dashboard = text(admin_client(home).get("/"))
        assert 'id="publish-failure"' not in dashboard and "上次成功上传：" in dashboard
    finally:
        service.stop()
        if server.process is not None:
            server.kill()
    assert m.AuditEvent.select().where(m.AuditEvent.action == "publish_failed").count() == len(failures()) >= 2


def test_a_service_killed_mid_publish_leaves_the_site_whole_and_finishes_next_time(home, tmp_path):
    usb = tmp_path / "usb"
    home = configure(home, targets=folder_target(usb))
    assert publisher.run_publish(home, "editor").state == runs.SUCCEEDED
    before = {p.relative_to(home.site_dir).as_posix(): p.read_bytes() for p in home.site_dir.rglob("*") if p.is_file()}
    due = m.now() + 3 * SECOND
    with m.database.atomic():  # a batch of notices all due at once: a long build
        for n in range(400):
            m.Notice.create(title=f"第 {n} 号通知", body="请各位居民相互转告。" * 20, status=m.PUBLISHED, publish_at=due)
    service = Service(home, tmp_path)
    try:
        going = lambda: m.Run.select().where((m.Run.kind == runs.PUBLISH) & (m.Run.state == runs.RUNNING)  # noqa: E731
                                             & (m.Run.done >= 50)).first()  # fmt: skip
        run = until(going, 25, service, "the scheduled publish under way")
        assert run.done < publisher.PHASE  # still building
        service.kill(group=False)  # the build's worker processes are left to notice by themselves
    finally:
        service.kill()
    after = {p.relative_to(home.site_dir).as_posix(): p.read_bytes() for p in home.site_dir.rglob("*") if p.is_file()}
    assert after == before  # whole: the old site, untouched by the build that was cut off
    assert not notice_page(usb, m.Notice.get(m.Notice.title == "第 0 号通知")).exists()

    first = service
    service = Service(home, tmp_path)  # starts again: the interrupted publish is done at once
    try:
        until(lambda: publishes()[-1].state == runs.SUCCEEDED and publishes()[-1].id > run.id, 60, service,
              "the publish finished after the restart")  # fmt: skip
    finally:
        service.stop()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(first.process.pid, signal.SIGKILL)  # nothing should be left of it by now
    assert m.Run.get_by_id(run.id).message == runs.KINDS[runs.PUBLISH].interrupted
    for notice in m.Notice.select().where(m.Notice.title.startswith("第 ")):
        assert notice_page(home.site_dir, notice).exists() and notice_page(usb, notice).exists()
    assert check_site(home.site_dir).problems == []
