"""The built site: complete, self-contained, relative, and free of anything private."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from PIL import Image

from linli import db
from linli import models as m
from linli.build import STAGING, build
from linli.check import check_site
from linli.errors import LinliError
from linli.home import PROJECT_ROOT, Home
from linli.public import ROOT_FILES
from linli.publicity import is_public
from tests.conftest import NOW


@pytest.fixture
def demo_home(demo_site) -> Home:
    """The session's built demo (with photos), shared: tests here only read it."""
    return demo_site


@pytest.fixture
def demo_db(demo_site):
    db.connect(demo_site.database_url)
    yield demo_site
    db.database.close()


@pytest.fixture
def own_demo(demo_site, copy_home, tmp_path):
    """A copy of the built demo of this test's own, bound: for the tests that build again."""
    home = copy_home(demo_site, tmp_path / "home")
    db.connect(home.database_url)
    yield home
    db.database.close()


def site_files(site: Path):
    return [p for p in sorted(site.rglob("*")) if p.is_file()]


def test_every_link_and_asset_resolves_inside_site(demo_home):
    report = check_site(demo_home.site_dir)
    assert report.problems == []
    assert report.pages > 80 and report.links > 2000


def test_private_content_never_reaches_site(demo_db):
    home = demo_db
    secrets = {"内部"}  # the demo writes this word only into staff-only notes
    for model in m.CONTENT_MODELS:
        for item in model.select():
            if not is_public(item, NOW):
                secrets.add(item.title)
            if item.internal_note:
                secrets.add(item.internal_note[:12])
    secrets |= {w.beneficiary_private.splitlines()[0][:8] for w in m.Wish.select() if w.beneficiary_private}
    secrets |= {w.adopter for w in m.Wish.select() if w.adopter and not w.adopter_public}
    secrets |= {g.private_phone for g in m.GridMember.select() if g.private_phone}
    secrets |= {u.password_hash for u in m.User.select()}
    # A private title can be a word of a public one; look only for the longer ones.
    secrets = {s for s in secrets if len(s) >= 4 or s == "内部"}
    assert len(secrets) > 10
    leaks = []
    for path in site_files(home.site_dir):
        data = path.read_bytes()
        leaks += [f"{path.name}: {s}" for s in secrets if s.encode() in data]
    assert leaks == []


def test_only_public_photos_are_copied_and_none_carries_exif(demo_db):
    site = demo_db.site_dir
    public_albums = [a for a in m.Album.select() if is_public(a, NOW)]
    shown = [p for a in public_albums for p in a.photos if not p.hidden]
    hidden = [p for p in m.Photo.select() if p.hidden or p not in shown]
    assert shown and hidden
    for photo in shown:
        assert (site / "media" / photo.file).is_file()
    for photo in hidden:
        assert not (site / "media" / photo.file).exists()
    jpegs = list((site / "media").rglob("*.jpg"))
    assert jpegs
    for path in jpegs:
        with Image.open(path) as image:
            exif = image.getexif()
            assert not exif.get_ifd(0x8825) and 0x8825 not in exif, path


def test_pages_are_chinese_titled_and_described(demo_home):
    site = demo_home.site_dir
    for path in [site / "index.html", *list((site / "notices").glob("*/index.html"))[:5]]:
        html = path.read_text(encoding="utf-8")
        assert '<html lang="zh-CN">' in html
        assert re.search(r"<title>[^<]+</title>", html)
        description = re.search(r'<meta name="description" content="([^"]*)"', html)
        assert description and len(description.group(1)) > 5
        # The site works without JavaScript: the one inline script only remembers large text
        # (tests/test_residents.py switches large text on without it); an item page's share
        # block loads one small script that shows its copy button (the text stays selectable).
        scripts = re.findall(r"<script[^>]*>(.*?)</script>", html, re.S)
        assert "linli-elder" in scripts[0] and not any(s.strip() for s in scripts[1:])
        assert re.findall(r"<script src=[^>]*>", html) == (
            ['<script src="../../static/js/share.js" defer>'] if path.parent.parent.name == "notices" else []
        )


def test_failed_build_leaves_previous_site_whole(own_demo):
    home = own_demo
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in site_files(home.site_dir)}
    override = home.root / "themes" / "default" / "templates" / "notice.html"
    override.parent.mkdir(parents=True)
    override.write_text("{% extends 'base.html' %}{% block main %}{{ item.no_such_field() }}{% endblock %}")
    try:
        with pytest.raises(LinliError, match="原来的网站没有改动"):
            build(home, now=NOW)
    finally:
        override.unlink()
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in site_files(home.site_dir)}
    assert after == before
    assert not (home.root / STAGING).exists()


def test_home_theme_overrides_a_template(own_demo, tmp_path):
    home = own_demo
    override = home.root / "themes" / "default" / "templates" / "404.html"
    override.parent.mkdir(parents=True, exist_ok=True)
    override.write_text("{% extends 'base.html' %}{% block main %}<h1>走错啦</h1>{% endblock %}", encoding="utf-8")
    try:
        build(home, now=NOW)
        assert "走错啦" in (home.site_dir / "404.html").read_text(encoding="utf-8")
    finally:
        override.unlink()
        build(home, now=NOW)


def test_the_themes_icons_are_at_the_sites_root_and_a_home_replaces_them(home, now):
    m.Notice.create(title="停水通知", status="published")
    theme = PROJECT_ROOT / "themes" / "default" / "static"
    site = home.site_dir

    def served(name: str) -> bytes:
        assert (site / name).read_bytes() == (site / "static" / name).read_bytes()
        return (site / name).read_bytes()

    build(home, now=now)
    assert [served(name) for name in ROOT_FILES] == [(theme / name).read_bytes() for name in ROOT_FILES]
    build(home, now=now)  # a rebuild with the same theme keeps them
    assert [served(name) for name in ROOT_FILES] == [(theme / name).read_bytes() for name in ROOT_FILES]
    override = home.root / "themes" / "default" / "static" / "favicon.ico"
    override.parent.mkdir(parents=True)
    override.write_bytes((theme / "favicon.ico").read_bytes()[:6] + b"our own icon")
    build(home, now=now)
    assert served("favicon.ico") == override.read_bytes()
    assert served("apple-touch-icon.png") == (theme / "apple-touch-icon.png").read_bytes()
    override.unlink()
    build(home, now=now)
    assert served("favicon.ico") == (theme / "favicon.ico").read_bytes()
    assert check_site(site, well_formed=True).problems == []


def test_scheduled_notice_appears_once_its_time_comes(own_demo):
    home = own_demo
    scheduled = next(n for n in m.Notice.select() if n.status == "published" and n.publish_at and n.publish_at > NOW)
    page = home.site_dir / "notices" / scheduled.slug / "index.html"
    assert not page.exists()
    build(home, now=scheduled.publish_at)
    assert page.exists()
    build(home, now=NOW)
    assert not page.exists()


def test_awkward_names_from_staff_still_build_and_link(home, now):
    for category in ("停水/停电", "..", "?#&", "  ", "A B", "社區通知", "社区/通知"):
        m.Notice.create(title=f"通知 {category!r}", status="published", category=category)
        m.Service.create(title=f"服务 {category!r}", status="published", category=category)
        m.Place.create(title=f"设施 {category!r}", status="published", category=category)
    m.Notice.create(title="../../etc/passwd", status="published", body="[x](/media/../../linli.toml)")
    m.Notice.create(title="<script>alert(1)</script>", status="published")
    result = build(home, now=now)
    report = check_site(home.site_dir)
    # The staff's dead link is reported by the checker, and nothing outside media is copied.
    assert report.problems == ["notices/etc-passwd/index.html: ../../linli.toml does not exist"]
    assert not (home.site_dir / "linli.toml").exists()
    assert result.pages > 20
    built = {p.relative_to(home.site_dir).as_posix() for p in home.site_dir.rglob("*")}
    assert not any(".." in p.split("/") for p in built)
    assert not (home.site_dir / "media").exists()
    for html in home.site_dir.rglob("*.html"):
        assert "<script>alert" not in html.read_text(encoding="utf-8")


def test_numbered_list_pages_have_the_url_maps_addresses(demo_db, monkeypatch):
    """Numbered pages' URLs are made from one URL per list: each is the one the URL map makes."""
    from flask import url_for

    from linli.app import create_public_app
    from linli.build.pages import PAGE_GENERATORS, NumberedPages
    from linli.search import web

    monkeypatch.setattr(web, "PER_PAGE", 2)  # the title index has numbered pages too
    app = create_public_app(demo_db, build=True, now=NOW)
    numbered = NumberedPages()
    checked = 0
    with app.test_request_context():
        for generator in PAGE_GENERATORS:
            for entry in generator():
                if isinstance(entry, tuple):
                    assert numbered.url(entry[0], entry[1]) == url_for(entry[0], **entry[1])
                    checked += "page" in entry[1]
        for page in (1, 2, 10, 123):  # page 1 is the list itself
            assert numbered.url("public.notices", {"page": page}) == url_for("public.notices", page=page)
    assert checked > 5 and len(numbered.templates) > 2
