"""Rebuilds: only what changed is rendered, and the result is byte for byte a clean build's;
a killed build leaves the previous site whole."""

from __future__ import annotations

import datetime as dt
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import linli.build as build_module
from linli import db, deps
from linli import models as m
from linli.build import CACHE_DIR, STAGING, build, inputs
from linli.build.commit import load_manifest
from linli.build.freeze import PageFreezer
from linli.home import Home
from linli.publicity import public
from tests.conftest import NOW

pytestmark = pytest.mark.sqlite_only(reason="SQLite's change log, and clean builds in copies of the SQLite file")


def site_bytes(site: Path) -> dict:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def clean_build(home: Home, tmp_path: Path, at: dt.datetime) -> dict:
    """The site a build from nothing makes of ``home``'s content now (in a copy of the home)."""
    copy = tmp_path / f"clean-{time.monotonic_ns()}"
    shutil.copytree(home.root, copy, ignore=shutil.ignore_patterns("site", CACHE_DIR, STAGING, ".site-old"))
    other = Home.open(copy)
    db.connect(other.database_url)
    try:
        build(other, now=at)
        return site_bytes(other.site_dir)
    finally:
        db.connect(home.database_url)


def assert_same_as_clean(home, tmp_path, at, clean: dict | None = None) -> dict:
    """The site is byte for byte ``clean`` (by default, the clean build of the content now);
    returns ``clean``, for a later check of the same content at the same moment."""
    built = site_bytes(home.site_dir)
    clean = clean_build(home, tmp_path, at) if clean is None else clean
    assert built.keys() == clean.keys()
    assert [name for name in built if built[name] != clean[name]] == []
    return clean


@pytest.fixture
def demo(text_demo_site, copy_home, tmp_path):
    """A copy of the session's built demo (no photos) of this test's own, bound (its first
    build rendered every page: see tests/conftest.py)."""
    home = copy_home(text_demo_site, tmp_path / "home")
    db.connect(home.database_url)
    yield home
    db.database.close()


def notice(title):
    return m.Notice.get(m.Notice.title == title)


def test_unchanged_rebuild_renders_nothing(demo, tmp_path):
    before = site_bytes(demo.site_dir)
    result = build(demo, now=NOW)
    assert not result.full and result.rendered == 0 and result.written == 0
    assert site_bytes(demo.site_dir) == before
    # Later the same day: nothing either (no file carries the moment it was made: a calendar
    # stamps each event with its own last change).
    result = build(demo, now=NOW + dt.timedelta(minutes=5))
    assert not result.full and result.rendered == result.written == 0
    assert_same_as_clean(demo, tmp_path, NOW + dt.timedelta(minutes=5))


def test_edits_new_deleted_unpublished_and_moved_items(demo, tmp_path):
    live = list(public(m.Notice, NOW).order_by(m.Notice.id))
    edited = live[3]
    edited.title = "改过的标题：东院加装电梯意见征集"
    edited.body = "## 新的正文\n\n请**各位居民**留意。"
    edited.save()
    result = build(demo, now=NOW)
    assert not result.full and 0 < result.rendered < result.pages / 3
    assert (demo.site_dir / "notices" / edited.slug / "index.html").read_text(encoding="utf-8").count("新的正文")
    assert_same_as_clean(demo, tmp_path, NOW)

    trashed, removed, unpublished, moved = live[0], live[1], live[2], live[4]
    trashed.deleted_at = NOW - dt.timedelta(minutes=1)
    trashed.save()
    m.Notice.delete_by_id(removed.id)
    unpublished.status = m.DRAFT
    unpublished.save()
    moved.category = "全新分类"
    moved.save()
    for i in range(25):  # a new page of the notice list
        m.Notice.create(title=f"新通知第{i}号", status=m.PUBLISHED, body=f"第{i}号通知的正文。", category="社区通知")
    result = build(demo, now=NOW)
    assert not result.full and result.removed >= 3
    for gone in (trashed, removed, unpublished):
        assert not (demo.site_dir / "notices" / gone.slug).exists()
    assert (demo.site_dir / "notices" / "category" / "全新分类" / "index.html").is_file()
    assert_same_as_clean(demo, tmp_path, NOW)


def test_a_rebuild_with_page_workers_holds_the_last_entries_aside_meanwhile(demo, tmp_path, monkeypatch):
    """A rebuild that forks page workers holds the last build's page entries and dependency
    values pickled while they freeze, and puts them back for the new manifest: its entries name
    the site's files with their hashes, and the rebuild after it finds nothing to render."""
    import hashlib

    from linli.build import commit, freeze

    held = []
    real = commit.set_aside
    monkeypatch.setattr(commit, "set_aside", lambda manifest: held.append(len(manifest.pages)) or real(manifest))
    monkeypatch.setattr(freeze, "PARALLEL_FROM", 1)  # (workers for any number of pages)
    edited = list(public(m.Notice, NOW).order_by(m.Notice.id))[3]
    edited.title = "改过的标题：西院路灯维修"
    edited.save()
    result = build(demo, now=NOW)
    assert held and held[0] == result.pages and 0 < result.rendered < result.pages / 3
    assert_same_as_clean(demo, tmp_path, NOW)
    manifest = load_manifest(demo)
    assert len(manifest.pages) == result.pages and manifest.deps
    for entry in manifest.pages.values():
        data = (demo.site_dir / entry.file).read_bytes()
        assert hashlib.blake2b(data, digest_size=16).digest() == entry.hash, entry.file
    again = build(demo, now=NOW)
    assert not again.full and again.rendered == 0


def test_time_passing_expires_and_publishes(demo, tmp_path):
    soon = m.Notice.create(title="一小时后过期", status=m.PUBLISHED, expires_at=NOW + dt.timedelta(hours=1),
                           keep_after_expiry=True, body="过期后进入往期通知。")  # fmt: skip
    gone = m.Notice.create(title="过期后撤下", status=m.PUBLISHED, expires_at=NOW + dt.timedelta(hours=1),
                           keep_after_expiry=False)  # fmt: skip
    later = m.Notice.create(title="两小时后发布", status=m.PUBLISHED, publish_at=NOW + dt.timedelta(hours=2))
    build(demo, now=NOW)
    assert (demo.site_dir / "notices" / gone.slug / "index.html").is_file()
    assert not (demo.site_dir / "notices" / later.slug).exists()
    at = NOW + dt.timedelta(hours=3)  # the same day: only time-dependent pages change
    result = build(demo, now=at)
    assert not result.full and result.rendered < result.pages / 2
    assert not (demo.site_dir / "notices" / gone.slug).exists()
    assert (demo.site_dir / "notices" / later.slug / "index.html").is_file()
    assert "往期" in (demo.site_dir / "notices" / soon.slug / "index.html").read_text(encoding="utf-8")
    assert_same_as_clean(demo, tmp_path, at)


def test_settings_photos_theme_and_config_changes(demo, tmp_path):
    settings = m.SiteSettings.get_current()
    settings.name = "和平里社区"
    settings.save()
    album = m.Album.select().first()
    m.Photo.create(album=album, file="photos/none.jpg", caption="新照片")
    result = build(demo, now=NOW)
    assert not result.full and result.rendered > 0.9 * result.pages  # the name is on every page (not robots.txt)
    assert_same_as_clean(demo, tmp_path, NOW)

    override = demo.root / "themes" / "default" / "templates" / "404.html"
    override.parent.mkdir(parents=True)
    override.write_text("{% extends 'base.html' %}{% block main %}<h1>走错啦</h1>{% endblock %}", encoding="utf-8")
    result = build(demo, now=NOW)
    assert result.full and "走错啦" in (demo.site_dir / "404.html").read_text(encoding="utf-8")
    assert result.written < result.pages  # every page rendered, only changed bytes written
    assert_same_as_clean(demo, tmp_path, NOW)

    settings_file = demo.root / "linli.toml"
    settings_file.write_text(settings_file.read_text(encoding="utf-8").replace("page_size = 20", "page_size = 7"))
    demo = Home.open(demo.root)
    result = build(demo, now=NOW)
    assert result.full and (demo.site_dir / "notices" / "page" / "3" / "index.html").is_file()
    assert_same_as_clean(demo, tmp_path, NOW)


@pytest.mark.parametrize("one_by_one", [0, 20], ids=["lists-read-whole", "slices-first"])
def test_a_list_template_of_the_home_that_shows_bodies(demo, tmp_path, monkeypatch, one_by_one):
    """Lists are read without the items' Markdown (no theme list shows it); a home's list
    template that shows it still gets it, and its pages follow the bodies' edits."""
    monkeypatch.setattr(deps, "ONE_BY_ONE", one_by_one)  # 0: every list is read whole at its first page
    override = demo.root / "themes" / "default" / "templates" / "notice_list.html"
    override.parent.mkdir(parents=True)
    override.write_text("{% extends 'base.html' %}{% block main %}{% for notice in pagination.items %}"
                        "<p>{{ notice.title }}：{{ notice.body|truncate(40) }}</p>{% endfor %}{% endblock %}",
                        encoding="utf-8")  # fmt: skip
    assert build(demo, now=NOW).full
    first = public(m.Notice, NOW).order_by(m.Notice.pinned.desc(), m.Notice.publish_at.desc()).first()
    assert first.body[:10] in (demo.site_dir / "notices" / "index.html").read_text(encoding="utf-8")
    edited = m.Notice.select().where(m.Notice.id == first.id).get()  # (read as a whole row)
    edited.body = "改过的正文，列表里也看得到。\n\n" + edited.body
    edited.save()
    result = build(demo, now=NOW)
    assert not result.full
    assert "改过的正文" in (demo.site_dir / "notices" / "index.html").read_text(encoding="utf-8")
    assert_same_as_clean(demo, tmp_path, NOW)


def test_lists_forgotten_and_read_again(demo, text_demo_site, tmp_path, monkeypatch):
    """A build process keeps only the lists it used last, and a window of a long list (a big
    home's would hold every row of every list): with none kept besides the one in use, a list
    asked for again is read again, and the site is the same byte for byte, made whole or after
    an edit."""
    monkeypatch.setattr(deps, "ONE_BY_ONE", 0)
    monkeypatch.setattr(deps, "LIST_ROWS_KEPT", 0)
    monkeypatch.setattr(deps, "LIST_WINDOW", 7)  # (a page's rows at least: a list longer is read a window at a time)
    reads = tmp_path / "reads"
    real = deps.ordered_list

    def counted(query, shape=None, *args):
        from flask import current_app

        kept = len(current_app.extensions.get("linli_lists", {}))
        found = real(query, shape, *args)
        with open(reads, "a") as f:  # (from every build process)
            f.write(f"{kept} {found[0].start} {shape!r}\n")
        return found

    monkeypatch.setattr(deps, "ordered_list", counted)
    assert build(demo, now=NOW, full=True).full
    assert site_bytes(demo.site_dir) == site_bytes(text_demo_site.site_dir)
    asked = [line.split(" ", 2) for line in reads.read_text().splitlines()]
    assert {kept for kept, _, _ in asked} == {"0", "1"}  # (each list forgotten for the next one)
    assert {start for _, start, _ in asked} > {"0"}  # (a long list's later window)
    assert len({shape for _, _, shape in asked}) > 10
    edited = public(m.Notice, NOW).order_by(m.Notice.publish_at.desc()).first()
    edited.title = "改过的标题：临时停水"
    edited.save()
    assert not build(demo, now=NOW).full
    assert_same_as_clean(demo, tmp_path, NOW)


KILLED = """
import datetime, os, sys, time
sys.path.insert(0, {root!r})
import linli.build as b
from linli import db
from linli.build.freeze import PageFreezer
from linli.home import Home

mode = sys.argv[1]
if mode == "render":  # stop for good in the middle of freezing: the parent kills us here
    real = PageFreezer._build_one
    def slow(self, url, last_modified=None):
        out = real(self, url, last_modified)
        open({marker!r}, "w").close()
        time.sleep(60)
        return out
    PageFreezer._build_one = slow
else:  # die after moving two files into site/: after the commit point
    real_replace, moved = os.replace, []
    def dying(src, dst):
        real_replace(src, dst)
        if "/site/" in str(dst):
            moved.append(dst)
            if len(moved) == 2:
                os._exit(9)
    os.replace = dying
home = Home.open({home!r})
db.connect(home.database_url)
b.build(home, now=datetime.datetime(2026, 11, 25, 10, 0, 0))
"""


def run_killable(home: Home, tmp_path: Path, mode: str) -> tuple[subprocess.Popen, Path]:
    marker = tmp_path / "rendering"
    script = KILLED.format(root=str(Path(__file__).resolve().parent.parent), marker=str(marker), home=str(home.root))
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(script), mode]), marker


def test_killed_build_leaves_the_site_whole(demo, tmp_path):
    before = site_bytes(demo.site_dir)
    for item in m.Notice.select().limit(5):
        item.title += "（更新）"
        item.save()
    process, marker = run_killable(demo, tmp_path, "render")
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    assert [path.name for path in (demo.root / STAGING).iterdir()] == [".pages"]  # (one folder: see staged_page)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert site_bytes(demo.site_dir) == before
    build(demo, now=NOW)  # the next build drops the killed one's staging and builds
    assert not (demo.root / STAGING).exists()
    assert_same_as_clean(demo, tmp_path, NOW)


def test_build_killed_after_its_commit_is_completed_by_the_next(demo, tmp_path):
    for item in m.Notice.select().limit(5):
        item.title += "（再次更新）"
        item.save()
    process, _ = run_killable(demo, tmp_path, "commit")
    assert process.wait(timeout=120) == 9
    assert (demo.root / STAGING / ".commit").is_file()
    build_module.recover(demo)  # rolled forward: the killed build's site, whole
    clean = assert_same_as_clean(demo, tmp_path, NOW)
    result = build(demo, now=NOW)  # the manifest came after the files: it may not say what site/ is
    assert result.full
    assert_same_as_clean(demo, tmp_path, NOW, clean)  # (the same content at the same moment)


def test_title_index_by_first_letter_changes_one_letter_at_a_time(demo, tmp_path, monkeypatch):
    from linli.search import web

    monkeypatch.setattr(web, "PER_PAGE", 2)  # the demo's notices are then many: one page per letter
    packed = []  # a full build's workers render the title pages from what it packed before forking them
    real_pack = web.pack_title_pages
    monkeypatch.setattr(web, "pack_title_pages", lambda app, urls: real_pack(app, urls) or packed.extend(app.extensions[web.PACKED_TITLES]))
    build(demo, now=NOW, full=True)
    assert "notice" in packed  # (the incremental builds below render some of them unpacked: the same bytes)
    rendered = []
    real = PageFreezer._build_one
    monkeypatch.setattr(PageFreezer, "_build_one", lambda self, url, *args: rendered.append(url) or real(self, url, *args))
    titles = demo.site_dir / "search" / "titles" / "notice"
    index = (titles / "index.html").read_text(encoding="utf-8")
    assert "按标题首字查看" in index and 'href="' in index and "class=\"row-title\"" not in index
    live = list(public(m.Notice, NOW).where(m.Notice.urgent == False).order_by(m.Notice.id))  # noqa: E712
    letter_pages = sorted(p.relative_to(titles).as_posix() for p in titles.rglob("index.html") if p.parent != titles)
    assert letter_pages and any("/page/2/" in p for p in letter_pages)

    body_only = live[0]
    body_only.body += "\n\n补充一句。"
    body_only.save()
    result = build(demo, now=NOW)
    assert not result.full and rendered and not any("/search/titles/" in url for url in rendered)
    assert_same_as_clean(demo, tmp_path, NOW)

    moved = live[1]  # to another letter: its old and new letter pages and the index's counts change
    moved.title = "Zebra crossing 斑马线重新划线"
    moved.save()
    m.Notice.create(title="Apple 苹果采摘活动", status=m.PUBLISHED, body="新通知。")
    rendered.clear()
    result = build(demo, now=NOW)
    assert not result.full and 0 < sum("/search/titles/" in url for url in rendered) <= 5
    assert (titles / "z" / "index.html").read_text(encoding="utf-8").count("Zebra crossing")
    assert "Apple 苹果采摘活动" in (titles / "a" / "index.html").read_text(encoding="utf-8")
    assert_same_as_clean(demo, tmp_path, NOW)

    kept = live[2]  # renamed within its letter: that letter's pages change, no other's
    kept.title = kept.title[0] + "同一首字的新标题"
    kept.save()
    rendered.clear()
    result = build(demo, now=NOW)
    assert not result.full and 0 < sum("/search/titles/" in url for url in rendered) <= 5
    head_pages = [p for p in titles.rglob("index.html") if "同一首字的新标题" in p.read_text(encoding="utf-8")]
    assert len(head_pages) == 1
    assert_same_as_clean(demo, tmp_path, NOW)

    monkeypatch.setattr(web, "PER_PAGE", 200)  # back to one page of every title (a full build: other code)
    build(demo, now=NOW, full=True)
    assert not (titles / "z").exists() and "Zebra crossing" in (titles / "index.html").read_text(encoding="utf-8")
    assert_same_as_clean(demo, tmp_path, NOW)


# --- the change log (SQLite) ----------------------------------------------------------------------


def rows_in_scanned_tables() -> int:
    return sum(model.select().count() for model in build_module.SCANNED)


def test_the_check_fingerprints_list_rows_by_their_ids(demo, monkeypatch):
    """Lists are read without the items' Markdown; checking them after an edit asks the database
    for their ids and takes each row's fingerprint from the scan, rather than reading and
    fingerprinting every row of every list again (at 10,000 notices, most of an edit's check)."""
    from linli import deps

    build(demo, now=NOW)
    notice = public(m.Notice, NOW).order_by(m.Notice.id).first()
    notice.title = "改过的标题：电梯检修"
    notice.save()
    hashed = []
    hash_rows = deps.Scan.hash_rows
    monkeypatch.setattr(deps.Scan, "hash_rows", lambda self, rows: hashed.append(len(rows)) or hash_rows(self, rows))
    result = build(demo, now=NOW)
    assert result.rendered > 0 and not result.full
    assert sum(hashed) < public(m.Notice, NOW).count(), hashed


def test_a_rebuild_reads_only_the_rows_the_change_log_names(demo, tmp_path):
    """Writes from any connection (here the sqlite3 module, as the sqlite3 shell would), child rows
    (their parent's search text changes), deletions and time passing: the scan made from the log
    is the full scan's, and the site a clean build's."""
    import sqlite3

    from linli import deps
    from linli.search import static as search_static

    total = rows_in_scanned_tables()
    result = build(demo, now=NOW)
    assert result.rows_read == 0 and result.rendered == 0
    live = list(public(m.Notice, NOW).order_by(m.Notice.id))
    grid = m.Grid.select().join(m.GridMember).first()
    member = grid.members.first()
    soon = m.Notice.create(title="一小时后过期", status=m.PUBLISHED, expires_at=NOW + dt.timedelta(hours=1),
                           keep_after_expiry=True, body="过期后进入往期通知。")  # fmt: skip
    build(demo, now=NOW)
    connection = sqlite3.connect(demo.database_url.removeprefix("sqlite:///"))
    with connection:
        connection.execute("UPDATE notice SET title = ?, body = ? WHERE id = ?", ("外部改写的标题：停水通知", "水箱清洗。", live[0].id))
        connection.execute("INSERT INTO attachment (notice_id, title, file, size, position) VALUES (?, ?, ?, 0, 0)",
                           (live[1].id, "报名表格（稀有词：榫卯）", "x.pdf"))  # fmt: skip
        connection.execute("UPDATE grid_member SET duties = ? WHERE id = ?", ("负责楼道稀有词：斗拱", member.id))
        connection.execute("DELETE FROM notice WHERE id = ?", (live[2].id,))
    connection.close()
    at = NOW + dt.timedelta(hours=2)  # and the soon-to-expire notice moves to the archive
    result = build(demo, now=at)
    assert not result.full and 0 < result.rows_read < total / 4
    made = load_manifest(demo).scan
    whole = deps.scan(db.database.obj, build_module.SCANNED, at)
    assert made.by_id == whole.by_id and made.lean == whole.lean
    assert "往期" in (demo.site_dir / "notices" / soon.slug / "index.html").read_text(encoding="utf-8")
    assert not (demo.site_dir / "notices" / live[2].slug).exists()
    shown = [p.read_text(encoding="utf-8") for p in (demo.site_dir / "search" / "i" / "d").glob("*.js")]
    assert any("外部改写的标题" in text for text in shown)
    assert_same_as_clean(demo, tmp_path, at)  # the search index too: the attachment and the grid member's words
    state = search_static.State(demo.root / CACHE_DIR / "search.db")
    try:  # the index kept item by item equals one made from nothing
        fresh = search_static.build_static_index(at)
        kept = search_static.build_static_index(at, state=state)
        assert kept.hashes == fresh.hashes
    finally:
        state.close()


def test_a_database_replaced_or_restored_is_scanned_whole(demo, tmp_path):
    """A backup put back (its log is behind the site) or another database: every row is read."""
    import sqlite3

    def copy(source: Path, target: Path) -> None:
        with sqlite3.connect(source) as read, sqlite3.connect(target) as write:
            read.backup(write)

    path = Path(demo.database_url.removeprefix("sqlite:///"))
    backup = tmp_path / "backup.db"
    copy(path, backup)  # taken right after a build
    edited = public(m.Notice, NOW).order_by(m.Notice.id).first()
    edited.title = "备份之后改的标题"
    edited.save()
    build(demo, now=NOW)
    copy(backup, path)  # restored: the edit is gone, the log shows an older build
    other = public(m.Notice, NOW).order_by(m.Notice.id.desc()).first()
    other.title = "恢复之后改的标题"
    other.save()
    result = build(demo, now=NOW)
    assert result.rows_read == rows_in_scanned_tables()
    page = (demo.site_dir / "notices" / edited.slug / "index.html").read_text(encoding="utf-8")
    assert "备份之后改的标题" not in page
    assert_same_as_clean(demo, tmp_path, NOW)
    assert build(demo, now=NOW).rows_read == 0  # and from there on the log is used again


def test_a_database_that_cannot_take_the_log_is_read_whole(demo, tmp_path, monkeypatch):
    import sqlite3

    from linli import changes

    def refused(*args, **kwargs):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(changes, "install", refused)
    edited = public(m.Notice, NOW).order_by(m.Notice.id).first()
    edited.title = "只读数据库旁的改动"
    edited.save()
    result = build(demo, now=NOW)
    assert result.rows_read == rows_in_scanned_tables() and not result.full
    assert "只读数据库旁的改动" in (demo.site_dir / "notices" / edited.slug / "index.html").read_text(encoding="utf-8")
    assert_same_as_clean(demo, tmp_path, NOW)


def test_a_build_that_renders_every_page_reads_every_row(demo, monkeypatch):
    """New code (or theme, settings, day) may fingerprint rows otherwise: the log is not used."""
    monkeypatch.setattr(inputs, "code_fingerprint", lambda: b"other code")
    result = build(demo, now=NOW)
    assert result.full and result.rows_read == rows_in_scanned_tables()
    monkeypatch.undo()
    assert build(demo, now=NOW).rows_read == rows_in_scanned_tables()  # the code changed back: all again
    assert build(demo, now=NOW).rows_read == 0


def test_a_query_compiled_once_per_build_reads_and_records_as_compiled_each_time(demo):
    """deps.bound_rows: the SQL of one query shape is compiled once per build process, each
    use binds its ids; rows and recorded dependencies are those of the query compiled anew."""
    from linli import deps
    from linli.app import create_public_app
    from linli.public import child_rows

    app = create_public_app(demo, build=True, now=NOW)
    children = m.Notice.kind.children
    notices = list(public(m.Notice, NOW).order_by(m.Notice.id).limit(3))
    for number, (item, position) in enumerate([(notices[0], 2), (notices[0], 1), (notices[1], 0)]):
        m.Attachment.create(notice=item, title=f"附件{number}", file=f"f{number}.pdf", position=position)
    ids = [item.id for item in notices] + [987654321]  # (two with attachments, two without)

    def make(parent):
        return child_rows(children, [parent])

    with app.app_context():
        deps.install(db.database.obj)
        for parent in ids:
            with deps.recording(NOW) as fresh:
                expected = [(row.id, row.title) for row in make(parent)]
            with deps.recording(NOW) as bound:
                got = [(row.id, row.title) for row in deps.bound_rows(("children", "Notice"), make, parent)]
            assert got == expected and bound.deps == fresh.deps and len(bound.deps) == 1
        with deps.recording(NOW):
            assert [len(deps.bound_rows(("children", "Notice"), make, i)) for i in ids] == [2, 1, 0, 0]
        assert list(app.extensions["linli_bound_sql"]) == [("children", "Notice")]  # compiled once
        # A query whose SQL text holds the id (not a parameter) is compiled at each use.
        def inline(parent):
            return m.Notice.select().where(m.Notice.id == m.pw.SQL(str(parent)))

        with deps.recording(NOW):
            assert [n.id for n in deps.bound_rows(("inline",), inline, ids[0])] == [ids[0]]
            assert deps.bound_rows(("inline",), inline, 987654321) == []
        assert app.extensions["linli_bound_sql"][("inline",)].slots is None


def test_media_named_by_unchanged_types_are_the_last_builds(demo, tmp_path, monkeypatch):
    """A rebuild reads again the media named by the types whose tables changed, and when only a
    type's own table changed (not its children's), by the rows that changed; the others' are
    the last build's. Whether a named file is stored is looked at by every build."""
    from linli.build import outputs

    read = []
    real = outputs.media_named_by_item

    def media_named_by_item(model, ids=None):
        read.append((model.__name__, "all" if ids is None else sorted(ids)))
        return real(model, ids)

    monkeypatch.setattr(outputs, "media_named_by_item", media_named_by_item)
    (demo.media_dir / "files").mkdir(parents=True, exist_ok=True)
    (demo.media_dir / "files" / "plan.pdf").write_bytes(b"%PDF-1.4 plan")
    linking, later = list(public(m.Notice, NOW).order_by(m.Notice.id).limit(2))
    linking.body += "\n\n[楼层平面图](/media/files/plan.pdf)"
    linking.save()
    later.body += "\n\n[稍后上传](/media/files/later.pdf)"
    later.save()
    result = build(demo, now=NOW)
    assert not result.full and read == [("Notice", sorted([linking.id, later.id]))]
    assert (demo.site_dir / "media" / "files" / "plan.pdf").is_file()
    assert not (demo.site_dir / "media" / "files" / "later.pdf").exists()
    assert_same_as_clean(demo, tmp_path, NOW)

    read.clear()
    (demo.media_dir / "files" / "later.pdf").write_bytes(b"%PDF-1.4 later")  # stored afterwards: no row written
    result = build(demo, now=NOW)
    assert not result.full and read == []
    assert (demo.site_dir / "media" / "files" / "later.pdf").is_file()
    assert_same_as_clean(demo, tmp_path, NOW)

    linking.status = m.DRAFT  # the file is no longer named by a public notice
    linking.save()
    read.clear()
    result = build(demo, now=NOW)
    assert not result.full and read == [("Notice", [linking.id])]
    assert not (demo.site_dir / "media" / "files" / "plan.pdf").exists()
    assert_same_as_clean(demo, tmp_path, NOW)

    m.Notice.delete_by_id(later.id)  # a row deleted: what it named goes with it
    read.clear()
    result = build(demo, now=NOW)
    assert not result.full and read == [("Notice", [later.id])]
    assert not (demo.site_dir / "media" / "files" / "later.pdf").exists()
    assert_same_as_clean(demo, tmp_path, NOW)
