"""The next day: no page shows the build's date, so a build a day later with nothing edited
renders only the pages whose content the time decides (an expiry, a publish time, an event
ending), writes only the files whose bytes changed, and a deploy after it uploads only those.
Settings of linli.toml that no page shows ([server], [backup], [publish], [deploy]) render nothing."""

from __future__ import annotations

import datetime as dt

import pytest

import linli.build.pages
from linli import db
from linli import models as m
from linli.build import build
from linli.deploy import deploy
from linli.home import Home
from linli.publicity import public
from tests.conftest import NOW
from tests.deploy_servers import add_target, ftp  # noqa: F401 - the fixture is used by name
from tests.test_incremental import assert_same_as_clean, site_bytes

pytestmark = pytest.mark.sqlite_only(reason="SQLite's change log, and clean builds in copies of the SQLite file")

#: Between this moment and a day later none of the demo's own dated items changes (its urgent
#: notice, on every page, expires on the first day after NOW): what changes is the test's own.
START = NOW + dt.timedelta(days=2)
NEXT_DAY = START + dt.timedelta(days=1)
#: The pages that show notices or events (lists, feeds, the home page, search): what a notice
#: expiring or an event ending may change. Every other page (services, places, hotlines, …) must
#: not be rendered.
NOTICE_AND_EVENT_PAGES = ("/notices/", "/events/", "/feeds/", "/search/")


@pytest.fixture
def demo(text_demo_site, copy_home, tmp_path):
    """A copy of the session's built demo (no photos), bound."""
    home = copy_home(text_demo_site, tmp_path / "home")
    db.connect(home.database_url)
    yield home
    db.database.close()


@pytest.fixture
def targets(demo, ftp, tmp_path, monkeypatch) -> Home:
    """The demo with a folder target ("usb") and an FTP target ("host"), built at START and
    deployed to both. Adding the targets to linli.toml renders no page."""
    monkeypatch.setenv("LINLI_DEPLOY_HOST_PASSWORD", "ftp-secret-1")
    home = add_target(demo, "usb", kind="folder", path=str(tmp_path / "usb"))
    home = add_target(home, "host", kind="ftp", host="127.0.0.1", port=ftp.port, user="linli", path="/www")
    return home


@pytest.fixture
def rendered(monkeypatch) -> list[set]:
    """The URLs each build renders, one set per build."""
    found = []
    real = linli.build.pages.choose

    def choose(context, given, site, index):
        out = real(context, given, site, index)
        found.append({*site.first, *site.last})
        return out

    monkeypatch.setattr(linli.build.pages, "choose", choose)
    return found


def deploy_both(home: Home) -> list[tuple[list, list]]:
    return [(sorted(result.uploaded), sorted(result.deleted)) for result in (deploy(home, "usb"), deploy(home, "host"))]


def test_next_day_with_nothing_edited_renders_writes_and_uploads_nothing(targets, rendered, tmp_path):
    home = targets
    result = build(home, now=START)
    assert not result.full  # ([deploy] tables were added to linli.toml)
    assert all(uploaded and not deleted for uploaded, deleted in deploy_both(home))
    before = site_bytes(home.site_dir)
    result = build(home, now=NEXT_DAY)
    assert not result.full and result.rendered == result.written == result.removed == 0 and rendered[-1] == set()
    assert site_bytes(home.site_dir) == before
    assert deploy_both(home) == [([], []), ([], [])]
    assert_same_as_clean(home, tmp_path, NEXT_DAY)
    # No page says when it was built: "updated" dates are a service's own and the hotline sheet's
    # (its hotlines' newest).
    dated = sorted(name for name, data in before.items() if "更新于".encode() in data)
    assert "hotlines/print/index.html" in dated and "index.html" not in dated
    assert all(name.startswith("services/") for name in dated if name != "hotlines/print/index.html")
    newest = max(hotline.updated_at for hotline in public(m.Hotline, NEXT_DAY))
    assert f"更新于 {newest.year}年{newest.month}月{newest.day}日" in before["hotlines/print/index.html"].decode()


def test_what_the_night_changes_is_rendered_and_uploaded_and_nothing_else(targets, rendered, tmp_path, site_clock):
    home = targets
    site_clock.at = START  # when staff write these
    night = START + dt.timedelta(hours=14)  # (START is 10:00)
    gone = m.Notice.create(title="今晚过期撤下的通知", status=m.PUBLISHED, category="停水停电", expires_at=night,
                           keep_after_expiry=False, body="过期后撤下。")  # fmt: skip
    archived = m.Notice.create(title="今晚过期进往期的通知", status=m.PUBLISHED, category="社区通知",
                               expires_at=night, keep_after_expiry=True, body="过期后进入往期通知。")  # fmt: skip
    scheduled = m.Notice.create(title="明早发布的通知", status=m.PUBLISHED, category="社区通知",
                                publish_at=night + dt.timedelta(hours=8), body="定时发布。")  # fmt: skip
    event = m.Event.create(title="今晚的电影放映", status=m.PUBLISHED, starts_at=night - dt.timedelta(hours=2),
                           ends_at=night, location="东院广场", body="露天电影。")  # fmt: skip
    build(home, now=START)
    deploy_both(home)
    before = site_bytes(home.site_dir)
    assert "今晚的电影放映" in before["events/calendar.ics"].decode()

    result = build(home, now=NEXT_DAY)
    urls = rendered[-1]
    after = site_bytes(home.site_dir)
    assert not result.full
    site = home.site_dir

    def text(path):
        return (site / path).read_text(encoding="utf-8")

    # The expired notice leaves every list, feed and its own page; the kept one moves to the archive.
    assert not (site / "notices" / gone.slug).exists()
    for page in ("index.html", "notices/index.html", "notices/category/停水停电/index.html", "feeds/notices.xml",
                 "feeds/notices/停水停电.xml", "search/titles/notice/index.html"):  # fmt: skip
        assert "今晚过期撤下的通知" not in text(page), page
        assert ("今晚过期进往期的通知" in text(page)) == (page.startswith("search/")), page  # (marked 往期 there)
        assert ("明早发布的通知" in text(page)) == ("停水停电" not in page), page
    assert "今晚过期进往期的通知" in text("notices/archive/index.html")
    assert "往期" in text(f"notices/{archived.slug}/index.html")
    assert "定时发布" in text(f"notices/{scheduled.slug}/index.html")
    when = scheduled.publish_at  # the home page's "last updated": the newest public notice's date
    assert f"最近更新：{when.year}年{when.month}月{when.day}日" in text("index.html")
    # The event is past: off the home page's upcoming events and out of the calendar file.
    assert "今晚的电影放映" not in text("index.html") and "今晚的电影放映" not in text("events/calendar.ics")
    assert not (site / "events" / event.slug / "calendar.ics").exists()
    assert "calendar.ics" not in text(f"events/{event.slug}/index.html")
    assert_same_as_clean(home, tmp_path, NEXT_DAY)

    # Rendered: only pages that show notices or events, and few of the site's.
    assert urls and all(url == "/" or url.startswith(NOTICE_AND_EVENT_PAGES) for url in urls), sorted(urls)
    assert len(urls) < result.pages / 5
    # Written, and uploaded: exactly the files whose bytes changed; deleted: those that went.
    changed = sorted(name for name in after if before.get(name) != after[name])
    removed = sorted(set(before) - set(after))
    assert changed and removed and result.written == len(changed) and result.removed == len(removed)
    assert deploy_both(home) == [(changed, removed), (changed, removed)]


def test_operational_settings_render_no_page(demo, rendered):
    settings = demo.root / "linli.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + '\n[server]\nport = 8123\nthreads = 4\n\n'
                        '[backup]\nkeep_daily = 3\ntime = "03:15"\n\n[publish]\ntime = "05:00"\n', encoding="utf-8")  # fmt: skip
    home = Home.open(demo.root)
    assert home.settings["server"]["port"] == 8123 and home.settings["backup"]["keep_daily"] == 3
    result = build(home, now=NOW)
    assert not result.full and result.rendered == result.written == 0


def test_a_page_that_shows_the_moment_is_made_again_the_next_day(demo, rendered, tmp_path):
    """A home's template that prints the build's ``now`` makes its own page depend on the moment
    (and only it); the love bank's totals are the year's, made again when the year turns."""
    override = demo.root / "themes" / "default" / "templates" / "404.html"
    override.parent.mkdir(parents=True)
    override.write_text("{% extends 'base.html' %}{% block main %}<p>今天是 {{ now|date }}</p>{% endblock %}",
                        encoding="utf-8")  # fmt: skip
    assert build(demo, now=START).full
    result = build(demo, now=NEXT_DAY)
    assert not result.full and rendered[-1] == {"/404.html"} and result.written == 1
    assert f"今天是 {NEXT_DAY.year}年{NEXT_DAY.month}月{NEXT_DAY.day}日" in (demo.site_dir / "404.html").read_text(encoding="utf-8")

    new_year = dt.datetime(NOW.year + 1, 1, 1, 0, 30)
    build(demo, now=new_year - dt.timedelta(hours=1))
    build(demo, now=new_year)
    assert "/love-bank/" in rendered[-1]
    assert f"{new_year.year} 年" in (demo.site_dir / "love-bank" / "index.html").read_text(encoding="utf-8")
    assert_same_as_clean(demo, tmp_path, new_year)
