"""Backups that happen: a month of nightly backups on a clock the test moves, rotated to 7 daily
and 4 weekly, the oldest kept one restored; copies to a folder and to S3-compatible storage that
never touch a site; the settings checked with clear messages."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import os
import subprocess
import time

import pytest
from click.testing import CliRunner
from PIL import Image

from linli import backup, clock, db, runs
from linli import models as m
from linli.cli import cli
from linli.errors import LinliError
from linli.home import PROJECT_ROOT, Home
from linli.media import store_image
from tests.conftest import SiteClock
from tests.deploy_servers import add_target, make_site, tree_hashes

SITE_ZONE = clock.zone_named("Asia/Shanghai")
NIGHT = dt.datetime(2026, 11, 1, 2, 30)  # a Sunday, site time: the first night of the month


@pytest.fixture(autouse=True)
def _sqlite(monkeypatch):
    """Linli backs up SQLite homes (PostgreSQL has pg_dump): these tests need one."""
    monkeypatch.delenv("DATABASE_URL", raising=False)


@pytest.fixture
def site_clock(monkeypatch):
    return SiteClock(monkeypatch, NIGHT - dt.timedelta(hours=3))


@pytest.fixture
def home(tmp_path):
    home = Home.create(tmp_path / "home")
    db.connect(home.database_url, home.settings["timezone"])
    yield home
    db.database.close()


def with_backup_settings(home: Home, **options) -> Home:
    lines = ["\n[backup]"] + [f"{key} = {value if isinstance(value, int) else repr(value)}" for key, value in options.items()]
    with home.settings_path.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines).replace("'", '"') + "\n")
    return Home.open(home.root)


def jpeg(colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG")
    return out.getvalue()


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_a_month_of_nightly_backups_keeps_7_daily_and_4_weekly_and_the_oldest_restores(home, site_clock):
    folder = home.root / "backups"
    folder.mkdir()
    strangers = {"notes.txt": b"the operator's notes", "linli-backup-manual.tar.gz": b"x", "old-site.tar.gz": b"y"}
    for name, data in strangers.items():  # files Linli did not make are never deleted
        (folder / name).write_bytes(data)
    photos = {}
    for day in range(31):
        night = NIGHT + dt.timedelta(days=day)
        site_clock.at = night - dt.timedelta(hours=10)  # staff's work in the afternoon before
        m.Notice.create(title=f"第 {day + 1} 天的通知", status="published")
        if day in (0, 19):
            photos[day] = store_image(home.media_dir, jpeg((day * 10, 80, 160)), f"day{day}.jpg").path
        site_clock.at = night
        archive = backup.scheduled_backup(home)
        assert archive.is_file() and backup.last_good_backup(home) == (archive, night)
        if night.day == 28:  # a second backup the same day: only the newest of a day is kept
            site_clock.at = night.replace(hour=15, minute=0)
            backup.scheduled_backup(home)
    kept = sorted(p.name for p in folder.iterdir() if p.name not in strangers)
    # Daily: the newest of each of the last 7 days (25 Nov – 1 Dec; on the 28th the afternoon's).
    # Weekly, before those: the newest of ISO weeks 48 (only Mon 23 – Tue 24 left), 47, 46, 45.
    assert kept == [
        "linli-backup-20261108-023000.tar.gz",  # week 45 (2 – 8 Nov): its Sunday
        "linli-backup-20261115-023000.tar.gz",  # week 46
        "linli-backup-20261122-023000.tar.gz",  # week 47
        "linli-backup-20261124-023000.tar.gz",  # week 48, the days before the daily ones
        "linli-backup-20261125-023000.tar.gz",
        "linli-backup-20261126-023000.tar.gz",
        "linli-backup-20261127-023000.tar.gz",
        "linli-backup-20261128-150000.tar.gz",
        "linli-backup-20261129-023000.tar.gz",
        "linli-backup-20261130-023000.tar.gz",
        "linli-backup-20261201-023000.tar.gz",
    ]
    assert {name: (folder / name).read_bytes() for name in strangers} == strangers
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no leftovers
    made = list(m.Run.select().where(m.Run.kind == "backup"))
    assert len(made) == 32 and {r.state for r in made} == {runs.SUCCEEDED}
    assert "删除了 1 个旧的" in made[-1].message
    assert m.AuditEvent.select().where(m.AuditEvent.action == "backup_succeeded").count() == 32

    # Restore the oldest kept backup: the content is what it was that night (8 notices, one photo).
    db.database.close()
    result = run("--home", home.root, "restore", folder / kept[0], "--yes")
    assert result.exit_code == 0, result.output
    db.connect(home.database_url, home.settings["timezone"])
    assert {n.title for n in m.Notice.select()} == {f"第 {day} 天的通知" for day in range(1, 9)}
    assert (home.media_dir / photos[0]).is_file() and not (home.media_dir / photos[19]).exists()
    assert m.Run.select().where(m.Run.kind == "backup").count() == 8  # the database of that night


def test_rotation_rule(site_clock):
    at = [NIGHT + dt.timedelta(days=d) for d in (0, 1, 2, 10, 30, 31)]  # the machine was off for weeks
    assert backup.to_keep(at, 7, 4) == set(at)  # days without a backup are not counted: nothing goes
    at = [NIGHT + dt.timedelta(days=d) for d in range(60)]
    assert backup.to_keep(at, 1, 0) == {at[-1]}  # the newest is always kept
    # 30 and 29 Dec daily; weekly, the newest before them: Mon 28 Dec, in the dailies' own week.
    assert backup.to_keep(at, 2, 1) == {at[-1], at[-2], dt.datetime(2026, 12, 28, 2, 30)}
    assert backup.to_keep(at, 2, 2) == {at[-1], at[-2], at[-3], dt.datetime(2026, 12, 27, 2, 30)}
    assert backup.to_keep([], 7, 4) == set()


def test_a_clock_set_back_never_loses_the_backup_just_made(home, site_clock, tmp_path):
    folder = home.root / "backups"
    folder.mkdir()
    for day in range(10):  # archives from a clock that ran ahead
        (folder / f"linli-backup-{NIGHT + dt.timedelta(days=40 + day):%Y%m%d-%H%M%S}.tar.gz").write_bytes(b"")
    site_clock.at = NIGHT
    archive = backup.scheduled_backup(home)
    assert archive.is_file()


def test_leftovers_of_a_backup_that_died_are_cleared_after_a_day(home, site_clock):
    folder = home.root / "backups"
    (folder / ".linli-backup-20261030-023000.tar.gz.work" / "content").mkdir(parents=True)
    (folder / ".linli-backup-20261030-023000.tar.gz.partial").write_bytes(b"half")
    (folder / ".linli-backup-20261031-150000.tar.gz.partial").write_bytes(b"a backup being made")
    (folder / "linli-backup-20261399-023000.tar.gz").write_bytes(b"not a time: not Linli's")
    day_old = time.time() - 25 * 3600
    for name in (".linli-backup-20261030-023000.tar.gz.work", ".linli-backup-20261030-023000.tar.gz.partial"):
        os.utime(folder / name, (day_old, day_old))
    site_clock.at = NIGHT
    archive = backup.scheduled_backup(home)
    assert sorted(p.name for p in folder.iterdir()) == [
        ".linli-backup-20261031-150000.tar.gz.partial", archive.name, "linli-backup-20261399-023000.tar.gz"]


def test_cli_backup_is_the_nightly_backup_and_output_is_a_one_off(home, site_clock, tmp_path):
    for day in range(3):
        site_clock.at = NIGHT + dt.timedelta(days=day)
        result = run("--home", home.root, "backup")
        assert result.exit_code == 0, result.output
        assert "备份完成并已校验" in result.output and "现有" in result.output
    home = with_backup_settings(home, keep_daily=2, keep_weekly=0, folder="nightly")
    for _ in range(3):
        site_clock.at += dt.timedelta(days=1)
        result = run("--home", home.root, "backup")
    assert "删除了 1 个旧的" in result.output, result.output
    assert len(list((home.root / "nightly").iterdir())) == 2
    assert len(list((home.root / "backups").iterdir())) == 3  # the old folder is not rotated any more
    result = run("--home", home.root, "backup", "-o", tmp_path / "aside.tar.gz")
    assert result.exit_code == 0 and (tmp_path / "aside.tar.gz").is_file()
    assert len(list((home.root / "nightly").iterdir())) == 2
    assert m.Run.select().where(m.Run.kind == "backup").count() == 6  # -o is not a nightly backup


def test_a_backup_waits_for_a_build_and_a_build_waits_for_it(home, site_clock):
    lock = runs.HomeLock(home)
    assert lock.try_acquire()  # a build holds the home
    try:
        with pytest.raises(LinliError, match="请等这次完成后再试"):
            backup.scheduled_backup(home, wait=0.2)
    finally:
        lock.release()
    assert not list((home.root / "backups").glob("*.tar.gz")) and not m.Run.select().exists()
    assert backup.scheduled_backup(home, wait=0.2).is_file()


# --- copies ------------------------------------------------------------------------------------


def test_copy_to_a_folder_target_only_adds_that_file(home, site_clock, tmp_path):
    home = add_target(home, "usb", kind="folder", path=str(tmp_path / "usb"))
    home = with_backup_settings(home, copy_to="usb", keep_daily=1, keep_weekly=0)
    archives = []
    for day in range(2):
        site_clock.at = NIGHT + dt.timedelta(days=day)
        archives.append(backup.scheduled_backup(home))
    copies = tmp_path / "usb" / "backups"
    assert sorted(p.name for p in copies.iterdir()) == [a.name for a in archives]  # the copy keeps them all
    assert (copies / archives[1].name).read_bytes() == archives[1].read_bytes()
    assert not archives[0].exists()  # rotated at home
    assert "已复制到“usb”" in runs.latest(home, "backup").message


def test_a_target_that_holds_the_site_gets_no_backup(home, site_clock, tmp_path):
    """Whatever is beside a public site may be downloaded by anyone; a backup holds every account."""
    from linli.deploy import MANIFEST, deploy

    make_site(home)
    home = add_target(home, "www", kind="folder", path=str(tmp_path / "www"))
    deploy(home, "www")
    before = tree_hashes(tmp_path / "www"), (tmp_path / "www" / MANIFEST).read_bytes()
    home = with_backup_settings(home, copy_to="www")
    with pytest.raises(LinliError, match="放着网站") as refused:
        backup.scheduled_backup(home)
    assert "本机的备份已做好并校验" in str(refused.value)
    assert (tree_hashes(tmp_path / "www"), (tmp_path / "www" / MANIFEST).read_bytes()) == before and not (tmp_path / "www" / "backups").exists()
    last = runs.latest(home, "backup")
    assert last.state == runs.FAILED and "放着网站" in last.message
    state = backup.backup_state(home)
    assert state.path is not None and state.path.is_file() and not state.overdue  # made and kept
    assert "放着网站" in state.failure


def test_an_unreachable_copy_target_fails_the_run_and_keeps_the_archive(home, site_clock, tmp_path, monkeypatch):
    from tests.deploy_servers import free_port

    monkeypatch.setenv("LINLI_DEPLOY_OSS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("LINLI_DEPLOY_OSS_SECRET_ACCESS_KEY", "test")
    home = add_target(home, "oss", kind="s3", bucket="b", endpoint_url=f"http://127.0.0.1:{free_port()}", retries=0)
    home = with_backup_settings(home, copy_to="oss")
    with pytest.raises(LinliError, match="本机的备份已做好并校验"):
        backup.scheduled_backup(home)
    assert len(list((home.root / "backups").glob("linli-backup-*.tar.gz"))) == 1


_buckets = itertools.count()


def test_copy_to_s3_compatible_storage(home, site_clock, monkeypatch):
    boto3 = pytest.importorskip("boto3")
    pytest.importorskip("moto.server", reason="moto[server] is in requirements-dev.txt")
    from tests.deploy_servers import S3Server

    server = S3Server().start()
    try:
        client = boto3.client("s3", endpoint_url=server.url, region_name="us-east-1", aws_access_key_id="test",
                              aws_secret_access_key="test")  # fmt: skip
        bucket = f"backups-{next(_buckets)}"
        client.create_bucket(Bucket=bucket)
        client.put_object(Bucket=bucket, Key="keep/me.txt", Body=b"not Linli's")
        monkeypatch.setenv("LINLI_DEPLOY_OSS_ACCESS_KEY_ID", "test")
        monkeypatch.setenv("LINLI_DEPLOY_OSS_SECRET_ACCESS_KEY", "test")
        home = add_target(home, "oss", kind="s3", bucket=bucket, prefix="linli", endpoint_url=server.url)
        home = with_backup_settings(home, copy_to="oss")
        archive = backup.scheduled_backup(home)
        body = client.get_object(Bucket=bucket, Key=f"linli/backups/{archive.name}")["Body"].read()
        assert body == archive.read_bytes()
        keys = sorted(item["Key"] for item in client.list_objects_v2(Bucket=bucket)["Contents"])
        assert keys == ["keep/me.txt", f"linli/backups/{archive.name}"]
    finally:
        server.stop()


# --- settings -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "table, message",
    [
        ('kepe_daily = 7', "不认识的设置项：kepe_daily"),
        ('time = "25:00"', "time 应写成 24 小时制"),
        ('time = 230', "time 应为文字"),
        ('keep_daily = 0', "keep_daily 至少是 1"),
        ('keep_daily = "7"', "keep_daily 应为整数"),
        ('keep_weekly = -1', "keep_weekly 不能小于 0"),
        ('folder = "content/backups"', "folder 不能在 content/ 里面"),
        ('folder = "site/old"', "folder 不能在 site/ 里面"),
        ('folder = ""', "folder 不能为空"),
        ('copy_to = "nas"', "没有 [deploy.nas] 这个发布目标"),
        ('copy_to = "zipped"', "备份只能复制到 folder、sftp、ftp、s3"),
    ],
)  # fmt: skip
def test_bad_backup_settings_are_named_in_one_line(home, table, message):
    add_target(home, "zipped", kind="zip", path="site.zip")
    with home.settings_path.open("a", encoding="utf-8") as handle:
        handle.write(f"\n[backup]\n{table}\n")
    with pytest.raises(LinliError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Home.open(home.root)
    result = run("--home", home.root, "backup")
    assert result.exit_code == 1 and result.stderr.startswith("错误：") and "[backup]" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_defaults_and_new_homes_ignore_backups(home):
    settings = backup.backup_settings(home)
    assert settings == backup.Settings(home.root / "backups", dt.time(2, 30), 7, 4, "")
    ignored = (home.root / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "/backups/" in ignored and "/.scheduler-heartbeat" in ignored
    for name in ("backups/linli-backup-20261101-023000.tar.gz", ".scheduler-heartbeat"):  # the demo home too
        assert subprocess.run(["git", "check-ignore", "-q", name], cwd=PROJECT_ROOT).returncode == 0, name
    assert "# [backup]" in home.settings_path.read_text(encoding="utf-8")  # documented, commented out
