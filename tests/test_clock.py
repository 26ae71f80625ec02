"""One clock: the site's time zone decides what is public, whatever the server's own zone.

Each scenario runs with the process in several time zones (``TZ``) and the real instant fixed
(:func:`linli.clock.utc_now`): expired and scheduled items are public exactly when the site's
wall clock (Asia/Shanghai here, the default) says so, on every page, list, feed, calendar and
search file, in the admin's dashboard, and in the times Linli stamps itself.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time

import pytest

from linli import clock, db, migrations
from linli import models as m
from linli.build import build
from linli.home import Home

PROCESS_ZONES = ["UTC", "Asia/Tokyo", "America/Los_Angeles", "Asia/Shanghai"]
# 05:00 on 25 November in the community (Asia/Shanghai, UTC+8) is 21:00 UTC the day before.
INSTANT = dt.datetime(2026, 11, 24, 21, 0, tzinfo=dt.timezone.utc)
SITE_NOW = dt.datetime(2026, 11, 25, 5, 0)


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, 25, hour, minute)


@pytest.fixture
def process_zone(request, monkeypatch):
    """The process's own time zone set to ``request.param``, and the real instant fixed."""
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    monkeypatch.setattr(clock, "utc_now", lambda: INSTANT)
    yield request.param
    monkeypatch.undo()
    time.tzset()


PUBLIC = {
    "今早六点才到期的停电通知": {"expires_at": at(6)},
    "四点已定时发布的通知": {"publish_at": at(4)},
}
PRIVATE = {
    "凌晨一点已到期的停水通知": {"expires_at": at(1), "keep_after_expiry": False},
    "六点才定时发布的通知": {"publish_at": at(6)},
}


def site_text(home: Home) -> str:
    """Every text file of the built site, with JSON-style escapes undone."""
    parts = []
    for path in home.site_dir.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json", ".js", ".ics", ".txt"):
            text = path.read_text(encoding="utf-8", errors="replace")
            parts.append(text)
            if "\\u" in text:
                parts.append(text.encode("latin-1", "backslashreplace").decode("unicode_escape", "replace"))
    return "\n".join(parts)


@pytest.mark.parametrize("process_zone", PROCESS_ZONES, indirect=True)
def test_public_exactly_when_the_sites_clock_says(process_zone, home):
    assert m.now() == SITE_NOW  # the site's wall clock, not the process's
    for title, times in {**PUBLIC, **PRIVATE}.items():
        m.Notice.create(title=title, body=f"{title}的正文。", status=m.PUBLISHED, **times)
    m.Event.create(title="四点半已开始的活动", starts_at=at(4, 30), status=m.PUBLISHED)
    m.Event.create(title="六点半开始的活动", starts_at=at(6, 30), status=m.PUBLISHED)
    notice = m.Notice.get(m.Notice.title == "四点已定时发布的通知")
    assert notice.created_at == SITE_NOW and notice.updated_at == SITE_NOW  # stamps on the site's clock

    result = build(home)  # no moment given: the build reads the clock
    assert result.pages > 0
    text = site_text(home)
    for title in PUBLIC:
        assert title in text, (process_zone, title)
        assert (home.site_dir / "notices" / m.Notice.get(m.Notice.title == title).slug / "index.html").is_file()
    for title in PRIVATE:
        assert title not in text, (process_zone, title)
        assert not (home.site_dir / "notices" / m.Notice.get(m.Notice.title == title).slug).exists()
    calendar = (home.site_dir / "events" / "calendar.ics").read_text(encoding="utf-8")
    assert "六点半开始的活动" in calendar and "四点半已开始的活动" not in calendar
    assert "DTSTART:20261124T223000Z" in calendar  # 06:30 in the community is 22:30 UTC


@pytest.mark.parametrize("process_zone", ["UTC", "America/Los_Angeles"], indirect=True)
def test_the_dashboard_and_labels_follow_the_sites_clock(process_zone, home):
    from admin import create_admin_app
    from linli import accounts

    accounts.add_user("admin", "correct-horse-1", role="admin")
    for title, times in {**PUBLIC, **PRIVATE}.items():
        m.Notice.create(title=title, status=m.PUBLISHED, **times)
    app = create_admin_app(home)
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    client.post("/login/", data={"username": "admin", "password": "correct-horse-1"})
    dashboard = client.get("/").get_data(as_text=True)
    expiring = dashboard.split("今早六点才到期的停电通知")
    assert len(expiring) == 2  # expiring this week: the one still online
    assert "凌晨一点已到期的停水通知" not in dashboard
    audit = m.AuditEvent.select().order_by(m.AuditEvent.id.desc()).first()
    assert audit is not None and audit.at == SITE_NOW  # the login, stamped on the site's clock


def test_a_zone_linli_does_not_know_is_refused_with_a_clear_message(tmp_path):
    from linli.errors import LinliError

    home = Home.create(tmp_path / "home")
    text = home.settings_path.read_text(encoding="utf-8").replace('"Asia/Shanghai"', '"Asia/Beijing"')
    home.settings_path.write_text(text, encoding="utf-8")
    with pytest.raises(LinliError, match="不认识的时区"):
        Home.open(home.root)


def as_version_2() -> None:
    """Record the open database as schema version 2, the last one before the site's clock."""
    db.database.obj.execute_sql("DELETE FROM schema_version")
    db.database.obj.execute_sql("INSERT INTO schema_version (version, applied_at, backup) VALUES (2, '2026-11-01', '')")


@pytest.fixture
def sqlite_only(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)


@pytest.mark.parametrize("process_zone", ["UTC"], indirect=True)
def test_upgrade_moves_times_linli_stamped_on_the_servers_clock(process_zone, sqlite_only, tmp_path):
    """Version 3: times Linli wrote with a UTC server's clock become the site's wall-clock time;
    times staff typed (already meant in the site's zone) stay; a backup is made first."""
    home = Home.create(tmp_path / "home")
    db.connect(home.database_url)
    notice = m.Notice.create(title="旧通知", status=m.PUBLISHED, publish_at=at(9), expires_at=at(18))
    m.Notice.update(created_at=at(1), updated_at=at(2), deleted_at=None).where(m.Notice.id == notice.id).execute()
    m.AuditEvent.create(action="save", at=at(1, 30))
    as_version_2()
    db.database.close()
    db._bound_url = None

    db.connect(home.database_url, "Asia/Shanghai")
    notice = m.Notice.get_by_id(notice.id)
    assert (notice.created_at, notice.updated_at) == (at(9), at(10))  # 01:00 UTC = 09:00 in Shanghai
    assert (notice.publish_at, notice.expires_at) == (at(9), at(18))  # typed by staff: unchanged
    assert m.AuditEvent.get().at == at(9, 30)
    copies = list((home.content_dir / "backups").glob("linli-before-v*.db"))
    assert len(copies) == 1
    with sqlite3.connect(copies[0]) as connection:
        assert connection.execute("SELECT created_at FROM notice").fetchone()[0] == "2026-11-25 01:00:00"
    db.database.close()
    db._bound_url = None
    db.connect(home.database_url, "Asia/Shanghai")  # a second start changes nothing
    assert m.Notice.get_by_id(notice.id).created_at == at(9)
    assert [v for v, in db.database.obj.execute_sql("SELECT version FROM schema_version")][-1] == migrations.CURRENT


@pytest.mark.parametrize("process_zone", ["Asia/Shanghai"], indirect=True)
def test_upgrade_on_a_server_in_the_sites_zone_changes_nothing(process_zone, sqlite_only, tmp_path):
    home = Home.create(tmp_path / "home")
    db.connect(home.database_url)
    notice = m.Notice.create(title="旧通知", status=m.PUBLISHED)
    m.Notice.update(created_at=at(1)).where(m.Notice.id == notice.id).execute()
    as_version_2()
    db.database.close()
    db._bound_url = None
    db.connect(home.database_url, "Asia/Shanghai")
    assert m.Notice.get_by_id(notice.id).created_at == at(1)
