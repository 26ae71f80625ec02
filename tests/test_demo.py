"""The demo community: enough of every kind of content, the right mix of states, fresh dates,
nothing staff-only in public fields, photos without GPS, and the same result every time."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import time

import peewee as pw
import pytest
from PIL import Image

from linli import db, registry
from linli import models as m
import linli.demo_photos
from linli.demo import CONTENT, fill_demo, fill_in, relative_time
from linli.errors import LinliError
from linli.home import Home
from linli.media import store_image
from linli.publicity import EXPIRED, LIVE, visibility

NOW = dt.datetime(2025, 3, 20, 10, 15)
# Dates across the year, so that seasonal anchors (heating, festivals) are exercised.
OTHER_NOWS = [
    dt.datetime(2026, 11, 25, 10, 0),
    dt.datetime(2025, 2, 1, 0, 30),
    dt.datetime(2027, 6, 12, 23, 50),
    dt.datetime(2024, 8, 31, 8, 0),
]
PRIVATE_FIELDS = registry.private_fields() | {"password_hash"}
MINIMUMS = {kind.model.__name__: kind.demo for kind in registry.TYPES} | {"GridMember": 8, "SiteSettings": 1}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One demo home with photos, filled once; (home, counts, seconds)."""
    home = Home.create(tmp_path_factory.mktemp("demo") / "home")
    db.connect(home.database_url)
    started = time.perf_counter()
    counts = fill_demo(home, NOW)
    seconds = time.perf_counter() - started
    db.database.close()
    return home, counts, seconds


@pytest.fixture
def filled(demo):
    home, _, _ = demo
    db.connect(home.database_url)
    yield home
    db.database.close()


def fresh(root, now, *, photos=False) -> tuple[Home, dict[str, int]]:
    home = Home.create(root)
    db.connect(home.database_url)
    return home, fill_demo(home, now, photos=photos)


def text_fields(row):
    for name, field in row._meta.fields.items():
        if isinstance(field, (pw.CharField, pw.TextField)) and name not in PRIVATE_FIELDS:
            yield name, getattr(row, name) or ""


# --- counts and speed -----------------------------------------------------------------------


def test_counts_meet_the_minimums_and_match_the_database(demo, filled):
    _, counts, _ = demo
    for name, minimum in MINIMUMS.items():
        assert counts[name] >= minimum, name
    for model in m.ALL_MODELS:
        if model is not m.User:
            assert counts[model.__name__] == model.select().count(), model.__name__
    assert counts["Photo"] >= 3 * 5
    assert counts["Attachment"] >= 1


# --- notices --------------------------------------------------------------------------------


def check_notice_mix(now: dt.datetime) -> None:
    notices = list(m.Notice.select())
    by_status = {s: [n for n in notices if n.status == s] for s, _ in m.STATUS_CHOICES}
    seen = {n: visibility(n, now) for n in notices}
    assert len(by_status[m.DRAFT]) >= 3
    assert len(by_status[m.REVIEW]) >= 2
    assert len(by_status[m.ARCHIVED]) >= 1
    scheduled = [n for n in by_status[m.PUBLISHED] if n.publish_at and n.publish_at > now]
    assert len(scheduled) == 1
    urgent = [n for n in notices if n.urgent]
    assert len(urgent) == 2 and all(seen[n] == LIVE for n in urgent)
    pinned = [n for n in notices if n.pinned]
    assert len(pinned) == 2 and all(seen[n] == LIVE for n in pinned)
    expiring = [n for n in notices if seen[n] == LIVE and n.expires_at and n.expires_at <= now + dt.timedelta(days=7)]
    assert len(expiring) >= 3  # some are gone next week
    archived = [n for n in notices if seen[n] == EXPIRED]
    assert len(archived) >= 4 and all(n.expires_at < now and n.keep_after_expiry for n in archived)
    dropped = [n for n in by_status[m.PUBLISHED] if n.expires_at and n.expires_at < now and not n.keep_after_expiry]
    assert len(dropped) == 1 and seen[dropped[0]] is None
    published = [n for n in by_status[m.PUBLISHED] if n.publish_at and n.publish_at <= now]
    assert len(published) >= 24
    oldest = min(n.publish_at for n in published)
    assert now - dt.timedelta(days=560) <= oldest <= now - dt.timedelta(days=360)
    assert {"停水停电", "供暖", "卫生防疫", "选举", "安全提示", "政策通知", "社区通知", "费用收缴"} <= {
        n.category for n in notices
    }
    for n in notices:
        assert n.created_at <= now and n.updated_at <= now, n.title
        assert n.created_at <= n.updated_at, n.title
        assert n.slug and not re.search(r"[a-f0-9]{8}", n.slug), n.slug  # from the Chinese title


def test_notices_have_the_status_mix(filled):
    check_notice_mix(NOW)


@pytest.mark.parametrize("now", OTHER_NOWS, ids=str)
def test_dates_follow_now(tmp_path, now):
    fresh(tmp_path / "home", now)
    try:
        check_notice_mix(now)
        events = list(m.Event.select())
        upcoming = [e for e in events if now < e.starts_at <= now + dt.timedelta(days=30)]
        past = [e for e in events if e.starts_at < now]
        assert len(upcoming) >= 3 and len(past) >= 4
        for album in m.Album.select():
            assert album.event.starts_at < now and album.taken_on == album.event.starts_at.date()
            assert album.publish_at <= now
        for model in m.CONTENT_MODELS:
            for row in model.select():
                assert row.created_at <= now and row.updated_at <= now, row.title
    finally:
        db.database.close()


def test_notice_bodies_read_like_real_notices(filled):
    notices = list(m.Notice.select())
    for n in notices:
        assert 100 <= len(n.body) <= 600, (n.title, len(n.body))
        assert n.summary, n.title
        assert len(re.findall(r"[\u4e00-\u9fff]", n.body)) >= 60, n.title
    assert sum("| --- |" in n.body for n in notices) >= 3  # tables
    assert sum(bool(re.search(r"^(- |1\. )", n.body, re.M)) for n in notices) >= 10  # lists
    # Pasted from Word: a line break in the middle of a Chinese sentence.
    wrapped = [n for n in notices if re.search(r"[\u4e00-\u9fff，、]\n[\u4e00-\u9fff]", n.body)]
    assert len(wrapped) >= 3
    assert all(re.search(r"010-8765-\d{4}", n.body) for n in notices if n.status == m.PUBLISHED and n.urgent)


# --- the other types ------------------------------------------------------------------------


def test_services_cover_the_service_hall(filled):
    services = list(m.Service.select())
    assert {"民政", "社保", "医保", "计生", "就业", "残联", "法律援助", "证明开具", "养老"} <= {s.category for s in services}
    titles = " ".join(s.title for s in services)
    for word in ["低保", "高龄", "临时救助", "生育登记", "失业登记", "就业困难", "残疾人证", "法律援助", "居住证明"]:
        assert word in titles or any(word in s.title + s.summary for s in services), word
    for s in services:
        if s.status != m.PUBLISHED:
            continue
        assert s.summary and s.who_qualifies and s.location and s.hours and s.phone and s.fee and s.time_limit, s.title
        assert len(s.document_list) >= 1 and s.steps.lstrip().startswith("1. "), s.title
    assert sum(bool(s.online_url) for s in services) >= 8
    assert all(re.match(r"https://[\w.]+\.example\.gov\.cn/", s.online_url) for s in services if s.online_url)
    assert sum(s.home_visit for s in services) >= 3
    assert len({s.position for s in services}) == len(services)


def test_places_of_the_fifteen_minute_circle(filled):
    places = list(m.Place.select())
    assert len({p.category for p in places}) >= 6
    assert all(p.address and p.hours and p.walking_minutes for p in places)
    assert sum(p.latitude is not None and p.longitude is not None for p in places) >= 3
    with_photo = [p for p in places if p.photo]
    assert len(with_photo) >= 3
    for p in with_photo:
        assert (filled.media_dir / p.photo).is_file()


def test_teams_stories_and_wishes(filled):
    assert m.VolunteerTeam.select().count() >= 4
    stories = list(m.Story.select())
    assert sum(s.status == m.PUBLISHED for s in stories) >= 8
    assert sum(s.status == m.DRAFT for s in stories) >= 1
    assert all(s.team is not None for s in stories)
    assert sum(bool(s.cover) for s in stories) >= 2
    wishes = list(m.Wish.select())
    assert {w.wish_status for w in wishes} == {m.WISH_OPEN, m.WISH_ADOPTED, m.WISH_FULFILLED}
    assert {w.adopter_public for w in wishes if w.adopter} == {True, False}
    for w in wishes:
        full_name = w.beneficiary_private.split("，")[0]
        assert len(full_name) >= 2
        for name, value in text_fields(w):
            assert full_name not in value, (w.title, name)
        if w.wish_status != m.WISH_OPEN:
            assert w.adopter and w.adopted_at
        if w.wish_status == m.WISH_FULFILLED:
            assert w.fulfilled_at and w.fulfilled_at >= w.adopted_at


def test_events_albums_and_photos(filled):
    categories = {e.category for e in m.Event.select()}
    assert len(categories) >= 5
    assert all(e.location and e.organiser and e.how_to_join for e in m.Event.select())
    albums = list(m.Album.select())
    assert len(albums) >= 3
    hidden = 0
    for album in albums:
        photos = list(album.photos)
        assert 5 <= len(photos) <= 8, album.title
        assert sum(p.is_cover for p in photos) == 1
        assert album.event is not None and album.taken_on
        for p in photos:
            assert p.caption and p.width and p.height
            with Image.open(filled.media_dir / p.file) as image:
                assert image.size == (p.width, p.height)
        hidden += sum(p.hidden for p in photos)
    assert hidden == 1
    assert any(p.height > p.width for p in m.Photo.select())  # some portrait photos


def test_grids_and_pages(filled):
    grids = list(m.Grid.select())
    assert len(grids) >= 4
    for grid in grids:
        assert grid.building_list and grid.area
        roles = [member.role for member in grid.members]
        assert roles.count("leader") == 1 and 1 <= len(roles) - 1 <= 2
        assert all(member.work_phone and member.private_phone for member in grid.members)
        assert all(member.work_phone != member.private_phone for member in grid.members)
    pages = {p.slug: p for p in m.Page.select()}
    assert pages["about"].in_menu and pages["contact"].in_menu
    assert len(pages) >= 3


def test_site_settings(filled):
    settings = m.SiteSettings.get_current()
    assert m.SiteSettings.select().count() == 1
    assert settings.name == "幸福里社区" and settings.district and settings.street
    assert len(m.lines(settings.office_hours)) >= 2
    assert settings.main_phone and settings.address and settings.area
    assert settings.population and settings.households and settings.buildings
    assert len(settings.intro.split("\n\n")) >= 3
    assert len(settings.honour_list) >= 3


# --- privacy --------------------------------------------------------------------------------


def test_staff_only_word_appears_only_in_staff_only_fields(filled):
    rows = [m.SiteSettings.get_current(), *m.Photo.select(), *m.GridMember.select(), *m.Attachment.select()]
    for model in m.CONTENT_MODELS:
        rows += list(model.select())
    for row in rows:
        for name, value in text_fields(row):
            assert "内部" not in value, (type(row).__name__, getattr(row, "title", row.id), name)
    notes = [row.internal_note for row in rows if getattr(row, "internal_note", "")]
    assert len(notes) >= 5 and all("内部" in note for note in notes)


def test_private_phones_appear_in_no_public_field(filled):
    private = {g.private_phone for g in m.GridMember.select()}
    private |= set(re.findall(r"1\d{10}", " ".join(w.beneficiary_private for w in m.Wish.select())))
    assert private
    for model in m.CONTENT_MODELS:
        for row in model.select():
            for name, value in text_fields(row):
                assert not any(phone in value for phone in private), (row.title, name)


def test_stored_photos_carry_no_exif_or_gps(filled):
    files = list((filled.media_dir / "photos").rglob("*.jpg"))
    referenced = {p.file for p in m.Photo.select()} | {p.photo for p in m.Place.select() if p.photo}
    referenced |= {s.cover for s in m.Story.select() if s.cover}
    assert len(referenced) >= 20
    assert {f.relative_to(filled.media_dir).as_posix() for f in files} >= referenced
    for path in files:
        with Image.open(path) as image:
            exif = image.getexif()
            assert 0x8825 not in exif and not exif.get_ifd(0x8825), path
            assert len(exif) == 0, path


# --- determinism ----------------------------------------------------------------------------


def snapshot() -> list[tuple]:
    rows = []
    for model in m.CONTENT_MODELS:
        for row in model.select().order_by(model.id):
            rows.append((model.__name__, row.title, row.slug, row.status, row.publish_at, row.expires_at, row.author))
    return rows


def test_same_now_gives_the_same_demo(tmp_path):
    _, first_counts = fresh(tmp_path / "a", NOW)
    first = snapshot()
    db.database.close()
    _, second_counts = fresh(tmp_path / "b", NOW)
    second = snapshot()
    db.database.close()
    assert first == second and first_counts == second_counts
    assert first_counts["Photo"] == 0 and first_counts["Attachment"] == 0


def test_photos_do_not_change_the_text_and_are_deterministic(filled, tmp_path, monkeypatch):
    with_photos = snapshot()
    photo_files = [p.file for p in m.Photo.select().order_by(m.Photo.id)]
    fresh(tmp_path / "a", NOW)
    try:
        assert snapshot() == with_photos
        assert all(not p.photo for p in m.Place.select()) and all(not s.cover for s in m.Story.select())
        assert m.Photo.select().count() == 0
    finally:
        db.database.close()
    # Watch what the demo hands to store_image: one upload comes with GPS, as from a phone.
    uploads = []

    def recording_store_image(media_dir, data):
        uploads.append(data)
        return store_image(media_dir, data)

    monkeypatch.setattr(linli.demo_photos, "store_image", recording_store_image)
    fresh(tmp_path / "b", NOW, photos=True)
    try:
        assert [p.file for p in m.Photo.select().order_by(m.Photo.id)] == photo_files
    finally:
        db.database.close()
    with_gps = []
    for data in uploads:
        with Image.open(io.BytesIO(data)) as image:
            if image.getexif().get_ifd(0x8825):
                with_gps.append(data)
    assert len(with_gps) == 1
    stored = store_image(tmp_path / "media", with_gps[0])
    with Image.open(tmp_path / "media" / stored.path) as image:
        assert 0x8825 not in image.getexif()


# --- the demo as content --------------------------------------------------------------------


def readme_examples(heading: str) -> list[tuple[str, str]]:
    """(written, result) of the examples under ``heading`` in demo_content/README.md: the rows of
    its "Written" table (first and last cells), or its "- `written` → result" lines."""
    text = (CONTENT / "README.md").read_text(encoding="utf-8")
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    if "| Written |" in section:
        rows = section.split("| Written |", 1)[1].splitlines()[2:]
        return [(re.match(r"\| `(.+?)`", row)[1], row.strip(" |").rsplit("|", 1)[1].strip())
                for row in rows if row.startswith("| `")]  # fmt: skip
    return re.findall(r"^- `(.+)` → (.+)$", section, re.MULTILINE)


README_NOW = dt.datetime(2026, 11, 25, 10, 40)  # "now" in the README's examples


def test_relative_dates_do_what_the_readme_says():
    examples = readme_examples("## 1. Relative dates")
    assert len(examples) >= 8
    for written, result in examples:
        at = relative_time(written, README_NOW)
        assert at.isoformat(" ", "minutes") == result or at.date().isoformat() == result, (written, at)
    assert relative_time("now", dt.datetime(2026, 1, 1, 9, 8, 7)) == dt.datetime(2026, 1, 1, 9, 8, 7)
    assert relative_time("<=02-29", dt.datetime(2027, 3, 1)) == dt.datetime(2024, 2, 29)
    assert relative_time("now +1y", dt.datetime(2028, 2, 29, 12)) == dt.datetime(2029, 2, 28, 12)
    assert relative_time("now >=mon", dt.datetime(2026, 11, 30, 8)) == dt.datetime(2026, 11, 30, 8)  # a Monday


def test_dates_in_text_do_what_the_readme_says():
    examples = readme_examples("## 2. Dates inside text")
    assert len(examples) >= 5
    for written, result in examples:
        assert fill_in(written, README_NOW) == result, written
    assert fill_in("没有日期的文字 {不是占位} }}", README_NOW) == "没有日期的文字 {不是占位} }}"


@pytest.mark.parametrize(
    "written, problem",
    [
        ("-3x 09:00", "不认识 “-3x”"),
        ("+1d now", "“now” 只能写在最前面"),
        ("24:00", "不是一天里的时间"),
        ("<=02-30", "不是日历上的日子"),
        ("", "是空的"),
    ],
)
def test_bad_relative_dates_are_explained(written, problem):
    with pytest.raises(ValueError, match=re.escape(problem)):
        relative_time(written, NOW)


@pytest.mark.parametrize(
    "written, problem",
    [
        ("{{ +1d }}", "应写成"),
        ("{{ +1d | M月Q日 }}", "“Q” 不认识"),
        ("{{ +1d | M", "没有对应的"),
        ("{{ 明天 | M }}", "“{{ 明天 | M }}”：不认识 “明天”"),
    ],
)
def test_bad_dates_in_text_are_explained(written, problem):
    with pytest.raises(ValueError, match=re.escape(problem)):
        fill_in(written, NOW)


@pytest.fixture
def demo_copy(tmp_path):
    """A copy of the demo folder to break, and a fresh empty home to import it into."""
    folder = tmp_path / "demo_content"
    shutil.copytree(CONTENT, folder)
    home = Home.create(tmp_path / "home")
    db.connect(home.database_url)
    yield folder, home
    db.database.close()


def replace_in(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def refused(folder, home, *expected: str) -> str:
    """The one-line error for importing ``folder``; nothing has been written."""
    with pytest.raises(LinliError) as caught:
        fill_demo(home, NOW, photos=False, content=folder)
    message = str(caught.value)
    assert "\n" not in message and all(part in message for part in expected), message
    for model in [m.SiteSettings, *m.CONTENT_MODELS]:
        assert model.select().count() == 0, model.__name__
    return message


def test_a_copied_demo_folder_is_the_demo(demo_copy, tmp_path):
    folder, home = demo_copy
    counts = fill_demo(home, NOW, photos=False, content=folder)
    copied = snapshot()
    db.database.close()
    _, own_counts = fresh(tmp_path / "own", NOW)
    try:
        assert snapshot() == copied and own_counts == counts
    finally:
        db.database.close()
        db.connect(home.database_url)  # for the fixture to close
    assert counts["Notice"] == len(list((folder / "notices").glob("*.md")))


def test_a_broken_relative_date_names_the_file_and_the_field(demo_copy):
    folder, home = demo_copy
    replace_in(folder / "notices/城乡居民医保集中参保缴费开始啦.md", "publish_at: -10d 08:30", "publish_at: -10x 08:30")
    message = refused(folder, home, "notices/城乡居民医保集中参保缴费开始啦.md", "publish_at", "-10x", "README.md")
    assert message.startswith("notices/城乡居民医保集中参保缴费开始啦.md：")


def test_broken_dates_in_text_and_drawings_name_the_file_and_the_field(demo_copy):
    folder, home = demo_copy
    album = folder / "albums/新春庙会-舞狮和灯笼.md"
    replace_in(album, "drawn/15-street.jpg", "drawn/15-streets.jpg")
    refused(folder, home, "albums/新春庙会-舞狮和灯笼.md", "“photos” 第 4 项的 “file”", "drawn/15-streets.jpg")
    replace_in(album, "drawn/15-streets.jpg", "drawn/15-street.jpg")
    notice = folder / "notices/关于东院部分楼栋计划停电的通知.md"
    replace_in(notice, "title: 关于{{ +9d | M月D日 }}", "title: 关于{{ +9d | M月d日 }}")
    refused(folder, home, "notices/关于东院部分楼栋计划停电的通知.md", "字段 “title”", "“d” 不认识")


def test_everything_else_is_checked_by_the_import(demo_copy):
    """The resolved folder goes through linli import's own checks and messages."""
    folder, home = demo_copy
    story = folder / "stories/楼道里多了一排扶手.md"
    replace_in(story, "team: 小巧手便民维修队", "team: 没有这个队")
    refused(folder, home, "stories/楼道里多了一排扶手.md", "字段 “team” 指向的志愿服务队 “没有这个队” 不存在")
    replace_in(story, "team: 没有这个队", "team: 小巧手便民维修队\ncolour: red")
    refused(folder, home, "stories/楼道里多了一排扶手.md", "不认识的字段 “colour”")
    replace_in(story, "colour: red", "")
    (folder / "notices" / "note.txt").write_text("not an item", encoding="utf-8")
    refused(folder, home, "notices/note.txt", "只能放 .md 文件")


def test_a_slug_with_a_date_names_the_imported_file(demo_copy):
    folder, home = demo_copy
    fill_demo(home, NOW, photos=False, content=folder)
    cut = NOW.date() + dt.timedelta(days=9)
    notice = m.Notice.get(m.Notice.slug == f"关于{cut.month}月{cut.day}日东院部分楼栋计划停电的通知")
    assert notice.expires_at == dt.datetime.combine(cut, dt.time(17))
