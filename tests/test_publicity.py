"""The one public-ness rule, in Python and in SQL, and that pages obey it."""

from __future__ import annotations

import datetime as dt
import itertools

from linli import models as m
from linli.app import create_public_app
from linli.publicity import EXPIRED, LIVE, is_public, public, public_photos, visibility

DAY = dt.timedelta(days=1)


def test_visibility_rules(home, now):
    def notice(**fields):
        return m.Notice(title="t", **fields)

    assert visibility(notice(status="published"), now) == LIVE
    for status in ("draft", "review", "archived"):
        assert visibility(notice(status=status), now) is None
    assert visibility(notice(status="published", deleted_at=now - DAY), now) is None  # in the trash
    assert visibility(notice(status="published", publish_at=now + DAY), now) is None
    assert visibility(notice(status="published", publish_at=now), now) == LIVE
    assert visibility(notice(status="published", expires_at=now - DAY), now) == EXPIRED
    assert visibility(notice(status="published", expires_at=now - DAY, keep_after_expiry=False), now) is None
    assert visibility(notice(status="published", expires_at=now + DAY), now) == LIVE
    # Only notices have an archive: any other expired item leaves the site.
    assert visibility(m.Event(title="e", status="published", starts_at=now, expires_at=now - DAY), now) is None


def test_sql_agrees_with_python_for_every_combination(home, now):
    times = [None, now - DAY, now + DAY]
    statuses = ["draft", "review", "published", "archived"]
    combos = itertools.product(statuses, times, times, [True, False], [None, now - DAY])
    for status, publish_at, expires_at, keep, deleted_at in combos:
        m.Notice.create(
            title=f"{status}-{publish_at}-{expires_at}-{keep}-{deleted_at}",
            status=status,
            publish_at=publish_at,
            expires_at=expires_at,
            keep_after_expiry=keep,
            deleted_at=deleted_at,
        )
        m.Event.create(title=f"{status}-{publish_at}-{expires_at}-{keep}-{deleted_at}", status=status,
                       publish_at=publish_at, expires_at=expires_at, starts_at=now, deleted_at=deleted_at)  # fmt: skip
    for model in (m.Notice, m.Event):
        for include, wanted in ((LIVE, {LIVE}), (EXPIRED, {EXPIRED}), ("all", {LIVE, EXPIRED})):
            in_sql = {item.id for item in public(model, now, include=include)}
            in_python = {item.id for item in model.select() if visibility(item, now) in wanted}
            assert in_sql == in_python, (model, include)
    # published × not deleted × (no or past publish_at) × (no or future expiry) × keep either way
    assert public(m.Notice, now).count() == 8


def test_photos_follow_their_album_and_can_be_taken_down(home, now):
    album = m.Album.create(title="重阳节", status="published")
    draft_album = m.Album.create(title="草稿相册", status="draft")
    shown = m.Photo.create(album=album, file="a.jpg")
    m.Photo.create(album=album, file="b.jpg", hidden=True)
    m.Photo.create(album=draft_album, file="c.jpg")
    assert [p.id for p in public_photos(now)] == [shown.id]
    assert not is_public(m.Photo.get(m.Photo.file == "b.jpg"), now)


def test_pages_show_only_public_items(home, now):
    m.Notice.create(title="公开通知", status="published", publish_at=now - DAY)
    m.Notice.create(title="草稿通知", status="draft")
    m.Notice.create(title="待审通知", status="review")
    m.Notice.create(title="定时通知", status="published", publish_at=now + DAY)
    m.Notice.create(title="过期通知", status="published", expires_at=now - DAY)
    m.Notice.create(title="过期下线通知", status="published", expires_at=now - DAY, keep_after_expiry=False)
    client = create_public_app(home, now=now).test_client()

    listing = client.get("/notices/").get_data(as_text=True)
    assert "公开通知" in listing
    for hidden in ("草稿通知", "待审通知", "定时通知", "过期通知", "过期下线通知"):
        assert hidden not in listing
    archive = client.get("/notices/archive/").get_data(as_text=True)
    assert "过期通知" in archive and "过期下线通知" not in archive and "公开通知" not in archive

    for title in ("草稿通知", "待审通知", "定时通知", "过期下线通知"):
        slug = m.Notice.get(m.Notice.title == title).slug
        assert client.get(f"/notices/{slug}/").status_code == 404
    expired = client.get(f"/notices/{m.Notice.get(m.Notice.title == '过期通知').slug}/")
    assert expired.status_code == 200 and "已过有效期" in expired.get_data(as_text=True)


def test_urgent_banner_on_every_page_until_it_expires(home, now):
    m.Notice.create(title="紧急停水", status="published", urgent=True, expires_at=now + DAY)
    m.Service.create(title="低保申请", status="published")
    client = create_public_app(home, now=now).test_client()
    for url in ("/", "/services/", "/about/"):
        assert "紧急停水" in client.get(url).get_data(as_text=True), url
    later = create_public_app(home, now=now + 2 * DAY).test_client()
    assert "紧急停水" not in later.get("/").get_data(as_text=True)


def test_a_nul_character_pasted_by_staff_is_dropped_on_save(home):
    notice = m.Notice.create(title="停水\x00通知", body="正文\x00", status=m.DRAFT)
    stored = m.Notice.get_by_id(notice.id)
    assert (stored.title, stored.body) == ("停水通知", "正文")


def test_next_change_is_the_next_moment_the_site_changes_by_the_clock(home, now):
    from linli.app import create_public_app
    from linli.public import upcoming_events
    from linli.publicity import next_change

    hour = dt.timedelta(hours=1)
    notice = m.Notice.create(title="停水", status="published", publish_at=now + 2 * hour, expires_at=now + 5 * hour,
                             keep_after_expiry=False)  # fmt: skip
    event = m.Event.create(title="义诊", status="published", starts_at=now + hour, ends_at=now + 3 * hour)
    m.Service.create(title="草稿", status="draft", publish_at=now + hour / 2)  # not published: a save publishes it
    m.Place.create(title="回收站里", status="published", expires_at=now + hour / 2, deleted_at=now)
    m.Story.create(title="早已上线", status="published", publish_at=now - hour)
    moments = []
    at = now
    while (at := next_change(at)) is not None:
        moments.append(at)
    assert moments == [now + 2 * hour, now + 3 * hour + dt.timedelta(seconds=1), now + 5 * hour]
    second = dt.timedelta(seconds=1)
    assert not is_public(notice, moments[0] - second) and is_public(notice, moments[0])
    assert is_public(notice, moments[2] - second) and not is_public(notice, moments[2])
    app = create_public_app(home)
    for at, upcoming in ((moments[1] - second, [event.id]), (moments[1], [])):
        with app.test_request_context():
            app.config["LINLI_NOW"] = at
            assert [e.id for e in upcoming_events()] == upcoming
