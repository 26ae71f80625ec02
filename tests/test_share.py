"""Sharing in WeChat (linli/share.py): every item with a page has a ready message for a group
chat and a share poster (a phone-sized PNG whose QR code opens the page), made by the build from
what the page shows; long titles and Traditional text stay inside the poster's margins; posters
are cached and rebuilt only when what they show changes; without a Chinese font the site is
still built, with the message and without posters. Real homes, real builds, real QR decoding."""

from __future__ import annotations

import html
import io
import os
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from PIL import Image, ImageChops, ImageDraw, ImageFont

from linli import db, registry, share
from linli import models as m
from linli.app import create_public_app
from linli.build import build
from linli.cli import cli
from linli.errors import LinliError
from linli.home import Home
from linli.publicity import include_for, public
from tests.conftest import NOW, admin_client

zxingcpp = pytest.importorskip("zxingcpp")

BASE = "https://xingfuli.example.org/shequ/"
FONT = share.find_font().path
if not FONT and os.environ.get("CI"):
    raise RuntimeError("CI must install a Chinese font (scripts/test.sh installs fonts-wqy-microhei)")
needs_font = pytest.mark.skipif(not FONT, reason="no Chinese font on this machine (apt install fonts-noto-cjk)")
LONG_TITLE = ("关于二〇二六年冬季供暖期间东院、西院和北院各楼栋分时段检修暖气管道并临时停止供暖的通知，"
              "请各位居民提前做好保暖准备，家中有老人和孩子的住户请特别留意，如有困难请联系网格员。") * 2  # fmt: skip
TRADITIONAL_TITLE = "關於鄰里互助「愛心銀行」積分兌換與志願服務時數登記的說明：歡迎長者、身心障礙者及其家屬踴躍參與，" * 3


def set_settings(home: Home, **lines) -> Home:
    """``home`` with these settings lines of linli.toml replaced (and reopened)."""
    path = home.settings_path
    text = path.read_text(encoding="utf-8")
    for key, value in lines.items():
        text = re.sub(rf"^{key} = .*$", f"{key} = {value}", text, count=1, flags=re.M)
    path.write_text(text, encoding="utf-8")
    return Home.open(home.root)


@pytest.fixture(scope="module")
def site(demo_content, copy_home, tmp_path_factory) -> Home:
    """The demo community with a base URL and the Traditional tree, built at NOW (read it)."""
    home = copy_home(demo_content, tmp_path_factory.mktemp("share") / "home", built=False)
    home = set_settings(home, base_url=f'"{BASE}"', languages='["zh-Hans", "zh-Hant"]')
    db.connect(home.database_url)
    build(home, now=NOW)
    yield home
    db.database.close()


@pytest.fixture
def own(site, copy_home, tmp_path) -> Home:
    """A copy of :func:`site` of this test's own, bound."""
    home = copy_home(site, tmp_path / "home")
    db.connect(home.database_url)
    yield home
    db.database.close()


def public_items(kind):
    return list(public(kind.model, NOW, include=include_for(kind.model)).order_by(kind.model.id))


def folder_of(home: Home, item, tree: str = "") -> Path:
    return home.site_dir / tree / item.url_prefix / item.slug


def message_of(page: Path) -> str:
    found = re.search(r'<textarea id="wechat-message"[^>]*>(.*?)</textarea>', page.read_text(encoding="utf-8"), re.S)
    assert found, page
    return html.unescape(found.group(1))


def address_of(item, tree: str = "") -> str:
    return f"{BASE}{tree}{item.url_prefix}/{quote(item.slug)}/"


def decoded(poster: Path) -> list[str]:
    with Image.open(poster) as image:
        return [result.text for result in zxingcpp.read_barcodes(image.convert("L"))]


def check_poster(poster: Path, address: str) -> Image.Image:
    data = poster.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    assert image.size == (share.WIDTH, share.HEIGHT)
    assert decoded(poster) == [address], poster
    return image.convert("L")


# --- every type with pages ---------------------------------------------------------------------


@needs_font
def test_every_type_with_pages_has_its_message_and_poster(site):
    kinds = registry.with_pages()
    assert {kind.key for kind in kinds} >= {"notice", "event", "service", "place", "hotline"}
    for kind in kinds:  # the registry's list: a new type is covered as it is declared
        items = public_items(kind)
        assert items, f"the demo has no public {kind.key}"
        for item in items:
            folder = folder_of(site, item)
            text = message_of(folder / "index.html")
            assert text.startswith(f"【{item.title}】\n") and text.endswith("\n" + address_of(item)), text
            assert (folder / share.POSTER).is_file(), folder
        first = items[0]
        check_poster(folder_of(site, first) / share.POSTER, address_of(first))
        # The Traditional tree: its own message and poster, whose QR code opens the Traditional page.
        hant = folder_of(site, first, "zh-hant")
        assert message_of(hant / "index.html").endswith("\n" + address_of(first, "zh-hant/"))
        check_poster(hant / share.POSTER, address_of(first, "zh-hant/"))
    posters = sorted(site.site_dir.rglob(share.POSTER))
    pages = sum(len(public_items(kind)) for kind in kinds)
    assert len(posters) == 2 * pages  # one per public item and tree, and no other


@needs_font
def test_messages_say_when_and_where_and_sum_up(site):
    event = public_items(registry.by_key("event"))[0]
    text = message_of(folder_of(site, event) / "index.html")
    assert f"时间：{event.starts_at.year}年{event.starts_at.month}月{event.starts_at.day}日" in text
    assert f"{event.starts_at:%H:%M}" in text and f"地点：{event.location}" in text
    assert share.summary(event, share.MESSAGE_SUMMARY_LIMIT) in text and event.summary[:20] in text
    service = next(s for s in public_items(registry.by_key("service")) if s.location)
    assert f"办理地点：{service.location}" in message_of(folder_of(site, service) / "index.html")
    notice = public_items(registry.by_key("notice"))[0]
    assert f"发布日期：{notice.date.year}年" in message_of(folder_of(site, notice) / "index.html")
    # The page's share description is the same summary.
    page = (folder_of(site, notice) / "index.html").read_text(encoding="utf-8")
    assert f'<meta property="og:description" content="{html.escape(share.summary(notice), quote=True)}">' in page
    # The share block: selectable text, a copy button shown by the script, the poster only linked.
    assert 'data-copy="wechat-message"' in page and "hidden>复制到微信群</button>" in page
    assert '<a class="share-poster" href="poster.png">分享海报</a>' in page and '<img src="poster.png"' not in page
    assert '<script src="../../static/js/share.js" defer></script>' in page
    assert (site.site_dir / "static/js/share.js").is_file()


@needs_font
def test_long_and_traditional_titles_stay_inside_the_poster(own):
    long = m.Notice.create(title=LONG_TITLE[:200], summary=LONG_TITLE, status="published", slug="long-title")
    hant = m.Notice.create(title=TRADITIONAL_TITLE[:200], summary=TRADITIONAL_TITLE, status="published", slug="hant")
    build(own, now=NOW)
    for item in (long, hant):
        image = check_poster(folder_of(own, item) / share.POSTER, address_of(item))
        # Nothing drawn in the side margins between the band and the QR code.
        width, margin = share.WIDTH, share.MARGIN
        for box in ((0, 151, margin - 2, share.QR_TOP), (width - margin + 2, 151, width, share.QR_TOP)):
            assert image.crop(box).getextrema() == (255, 255), (item.slug, box)
        text = message_of(folder_of(own, item) / "index.html")
        assert text.startswith(f"【{item.title}】") and len(text.splitlines()[-2]) <= share.MESSAGE_SUMMARY_LIMIT


@needs_font
@pytest.mark.parametrize("text", [LONG_TITLE[:200], TRADITIONAL_TITLE[:200], "Linli community WiFi: " * 12])
def test_wrapped_lines_fit_and_end_with_an_ellipsis(text):
    assert share.covers(FONT)
    font = ImageFont.truetype(FONT, 54)
    width = share.WIDTH - 2 * share.MARGIN
    lines = share.wrap(text, font, width, share.TITLE_LINES)
    assert len(lines) == share.TITLE_LINES and lines[-1].endswith("…")
    assert all(font.getlength(line) <= width for line in lines), [font.getlength(line) for line in lines]
    assert all(line[0] not in share.NOT_FIRST for line in lines[1:]), lines
    assert all(line[-1] not in share.NOT_LAST for line in lines), lines
    assert "".join(lines)[:-1].replace(" ", "") == re.sub(r"\s+", "", text)[: len("".join(lines)) - 1 - "".join(lines).count(" ")]
    if text.startswith("Linli"):  # Latin words are not cut
        assert all(re.fullmatch(r"(\S+ )*\S+…?", line) for line in lines) and "Li nli" not in " ".join(lines)
    short = share.wrap("夏夜露天电影", font, width, share.TITLE_LINES)
    assert short == ["夏夜露天电影"]


@needs_font
@pytest.mark.database_free
@pytest.mark.parametrize("line", ["社区通知：明天（周二）上午停水", "關於鄰里互助「愛心銀行」", "WiFi: HappyHome2026, tel 010-8765"])
def test_lettering_draws_as_pillow_does(line):
    """Characters rasterized once and pasted (share.Lettering) give the picture Pillow's own
    drawing of the line gives (a grey step apart at most, where two glyphs' edges meet), and the
    width wrap() measures is the width drawn."""
    for size in (30, 54):
        font = share._font(FONT, size)
        ours, pillows = Image.new("L", (700, 2 * size)), Image.new("L", (700, 2 * size))
        share.lettering(font).draw(ours, (3, 5), line, 15)
        ImageDraw.Draw(pillows).text((3, 5), line, font=font, fill=15)
        assert ours.getbbox() == pillows.getbbox()
        assert ImageChops.difference(ours, pillows).getextrema()[1] <= 1, (line, size)
        assert share.lettering(font).width(line) == font.getlength(line)


@needs_font
@pytest.mark.database_free
def test_a_poster_is_a_4_bit_png_of_the_drawing():
    text = share.PosterText("幸福里社区", "通知公告", "冬季供暖检修安排", (("发布日期", "2026年11月25日"),),
                            "东院各楼栋下周二上午停暖。", "/notices/heating/", "详情请看社区网站")  # fmt: skip
    data = share.draw_poster(text, FONT)
    image = Image.open(io.BytesIO(data))
    image.load()  # (checks every chunk's CRC and the deflate stream)
    assert (image.mode, image.size, data[24:26]) == ("P", (share.WIDTH, share.HEIGHT), bytes([4, 3]))  # (IHDR: 4 bits, palette)
    assert image.getpalette()[: len(share.GREYS)] == share.GREYS
    greys = image.convert("L")
    assert greys.getpixel((10, 10)) == 255 - 13 * 17 and greys.getpixel((10, 400)) == 255  # the band, the margin
    assert 0 < len(data) < 40_000


# --- builds -------------------------------------------------------------------------------------


@needs_font
def test_an_edit_redraws_its_poster_and_no_other(own, monkeypatch):
    notices = public_items(registry.by_key("notice"))
    edited, other = notices[0], notices[1]
    poster, other_poster = folder_of(own, edited) / share.POSTER, folder_of(own, other) / share.POSTER
    before, other_before = poster.read_bytes(), other_poster.read_bytes()
    other_stat = other_poster.stat()
    edited.title = "明天上午停水，请提前储水"
    edited.save()
    frozen: list[str] = []
    build(own, now=NOW, progress=lambda done, url, total: frozen.append(url))
    assert poster.read_bytes() != before
    check_poster(poster, address_of(edited))
    assert f"/notices/{edited.slug}/{share.POSTER}" in {quote_free(url) for url in frozen}
    assert not any(quote_free(url).endswith(f"/{other.slug}/{share.POSTER}") for url in frozen)
    assert other_poster.read_bytes() == other_before and other_poster.stat().st_mtime_ns == other_stat.st_mtime_ns
    # An unrelated edit (another notice's body) leaves this poster alone too.
    other.body += "\n\n补充说明。"
    other.save()
    frozen.clear()
    build(own, now=NOW, progress=lambda done, url, total: frozen.append(url))
    assert not any(quote_free(url).endswith(f"/{edited.slug}/{share.POSTER}") for url in frozen)


def quote_free(url: str) -> str:
    from urllib.parse import unquote

    return unquote(url)


@needs_font
def test_a_full_rebuild_without_the_site_draws_no_poster(own, monkeypatch):
    """Posters are cached by what they show: site/ removed, a full build reads them all back."""
    import shutil

    cached = sorted((own.root / ".build-cache/posters").glob("*.png"))
    assert len(cached) == len(list(own.site_dir.rglob(share.POSTER)))
    shutil.rmtree(own.site_dir)

    def no_drawing(*args):
        raise AssertionError("a poster was drawn again")

    monkeypatch.setattr(share, "draw_poster", no_drawing)  # (build workers are forked: they see it too)
    result = build(own, now=NOW, full=True)
    assert result.full and result.notes == ()
    assert len(list(own.site_dir.rglob(share.POSTER))) == len(cached)


@needs_font
def test_the_site_links_the_cached_posters_else_has_their_bytes(own, tmp_path):
    """A build links each cached poster into the site rather than writing its bytes again; with
    the cache on another filesystem (no link can be made), it writes the same bytes."""
    import shutil
    import tempfile

    cache = share.poster_cache(own)
    shutil.rmtree(own.site_dir)
    assert build(own, now=NOW, full=True).full
    cached = {(path.stat().st_dev, path.stat().st_ino): path.read_bytes() for path in cache.glob("*.png")}
    posters = list(own.site_dir.rglob(share.POSTER))
    assert len(posters) == len(cached) > 10
    assert {(path.stat().st_dev, path.stat().st_ino) for path in posters} == cached.keys()
    elsewhere = Path(tempfile.mkdtemp(dir="/dev/shm")) if os.path.isdir("/dev/shm") else None
    if elsewhere is None or os.stat(elsewhere).st_dev == os.stat(own.root).st_dev:
        pytest.skip("no other filesystem (/dev/shm) to put the cache on")
    try:
        shutil.move(cache, elsewhere / "posters")
        cache.symlink_to(elsewhere / "posters")
        shutil.rmtree(own.site_dir)
        assert build(own, now=NOW, full=True).full
        posters = list(own.site_dir.rglob(share.POSTER))
        assert all(path.stat().st_nlink == 1 for path in posters)
        assert sorted(path.read_bytes() for path in posters) == sorted(cached.values())
    finally:
        shutil.rmtree(elsewhere)


@needs_font
def test_a_full_build_prunes_the_cached_posters_no_page_shows(own):
    """Deleted items' and changed texts' posters stay cached through rebuilds (which ask only for
    some posters), and a full build, which asks for every poster, deletes them."""
    cache = share.poster_cache(own)
    gone = m.Notice.create(title="下周二东院停电检修", summary="东院各楼栋下周二上午停电。", status="published", slug="power-cut")
    edited = public_items(registry.by_key("notice"))[0]
    build(own, now=NOW)
    gone_posters = {folder_of(own, gone, tree).joinpath(share.POSTER).read_bytes() for tree in ("", "zh-hant")}
    edited_before = folder_of(own, edited).joinpath(share.POSTER).read_bytes()
    gone.delete_instance()
    edited.title = "明天上午停水，请提前储水"
    edited.save()
    build(own, now=NOW)  # incremental: the old posters stay cached
    cached = {path.read_bytes() for path in cache.glob("*.png")}
    assert gone_posters | {edited_before} <= cached
    result = build(own, now=NOW, full=True)
    assert result.full
    left = sorted(path.read_bytes() for path in cache.glob("*.png"))
    assert left == sorted(path.read_bytes() for path in own.site_dir.rglob(share.POSTER))  # the site's, and no other
    assert not (gone_posters | {edited_before}) & set(left)
    # The next full build draws none of them again, and leaves the site's posters their times
    # (a deploy that dates files by them, as the zip archive does, sees them unchanged).
    times = {path: path.stat().st_mtime_ns for path in own.site_dir.rglob(share.POSTER)}
    assert build(own, now=NOW, full=True).full
    assert sorted(path.read_bytes() for path in cache.glob("*.png")) == left
    assert {path: path.stat().st_mtime_ns for path in own.site_dir.rglob(share.POSTER)} == times


@needs_font
def test_drafts_and_unpublished_items_have_no_message_or_poster(own):
    draft = m.Event.create(title="草稿活动", status="draft", starts_at=NOW, slug="draft-event")
    review = m.Story.create(title="待审核的故事", status="review", slug="review-story")
    build(own, now=NOW)
    for item in (draft, review):
        for tree in ("", "zh-hant"):
            assert not folder_of(own, item, tree).exists()
    pages = [p for p in own.site_dir.rglob("*.html") if p.is_file()]
    assert not [p for p in pages if "草稿活动" in p.read_text(encoding="utf-8") or "待审核的故事" in p.read_text(encoding="utf-8")]


# --- no font, a bad font ------------------------------------------------------------------------


def test_without_a_chinese_font_the_site_is_built_with_messages_and_no_posters(site, copy_home, tmp_path, monkeypatch):
    monkeypatch.setattr(share, "_fontconfig_choices", lambda: [])  # a machine without Chinese fonts
    monkeypatch.setattr(share, "KNOWN_FONTS", ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/nonexistent.ttc"))
    home = copy_home(site, tmp_path / "home")
    db.connect(home.database_url)
    try:
        result = CliRunner().invoke(cli, ["--home", str(home.root), "build"])
        assert result.exit_code == 0, result.output
        assert result.output.count("没有找到中文字体") == 1 and "apt install fonts-noto-cjk" in result.output
        assert "[share] font" in result.output
        assert not list(home.site_dir.rglob(share.POSTER))
        notice = public_items(registry.by_key("notice"))[0]
        page = (folder_of(home, notice) / "index.html").read_text(encoding="utf-8")
        assert message_of(folder_of(home, notice) / "index.html").endswith(address_of(notice))
        assert "分享海报" not in page
        run = m.Run.select().order_by(m.Run.id.desc()).get()
        assert run.message.count("没有找到中文字体") == 1
        # The admin shows the published message, and why there is no poster.
        client = admin_client(home)
        edit = client.get(f"/notice/edit/?id={notice.id}").get_data(as_text=True)
        assert html.escape(notice.title) in edit and "没有分享海报" in edit and "fonts-noto-cjk" in edit
    finally:
        db.database.close()


def test_a_share_font_that_cannot_draw_chinese_is_refused_clearly(own):
    home = own
    text = home.settings_path.read_text(encoding="utf-8")
    home.settings_path.write_text(text + '\n[share]\nfont = "/nonexistent/font.ttc"\n', encoding="utf-8")
    with pytest.raises(LinliError, match=r"\[share\] 的 font 指定的字体文件不存在：/nonexistent/font.ttc"):
        Home.open(home.root)
    home.settings_path.write_text(text + '\n[share]\nfont = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"\n',
                                  encoding="utf-8")  # fmt: skip
    if not Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").is_file():
        pytest.skip("no DejaVu font to try")
    before = {p: p.read_bytes() for p in home.site_dir.rglob("index.html")}
    with pytest.raises(LinliError, match="不能显示中文"):
        build(Home.open(home.root), now=NOW)
    assert {p: p.read_bytes() for p in home.site_dir.rglob("index.html")} == before
    home.settings_path.write_text(text + '\n[share]\nfonts = "x"\n', encoding="utf-8")
    with pytest.raises(LinliError, match="不认识的设置项：fonts"):
        Home.open(home.root)


# --- the admin ------------------------------------------------------------------------------------


@needs_font
def test_admin_copies_what_was_published(own):
    client = admin_client(own)
    event = public_items(registry.by_key("event"))[0]
    published = message_of(folder_of(own, event) / "index.html")
    event.title = "改了但还没发布的标题"
    event.save()
    page = client.get(f"/event/edit/?id={event.id}").get_data(as_text=True)
    assert '<textarea id="wechat-message" class="form-control mb-2" readonly' in page
    assert html.escape(published) in page and "改了但还没发布的标题】" not in page
    assert 'data-copy="wechat-message"' in page and "消息里的网址不完整" not in page
    poster = client.get(f"/preview/events/{event.id}/poster.png")
    assert poster.status_code == 200 and poster.mimetype == "image/png"
    assert poster.data == (folder_of(own, event) / share.POSTER).read_bytes()
    draft = m.Event.create(title="新草稿", status="draft", starts_at=NOW)
    page = client.get(f"/event/edit/?id={draft.id}").get_data(as_text=True)
    assert "发布网站后就可以复制微信群消息和分享海报" in page and 'id="wechat-message"' not in page
    assert client.get(f"/preview/events/{draft.id}/poster.png").status_code == 404
    assert client.get("/preview/nothing/1/poster.png").status_code == 404
    listing = client.get("/event/").get_data(as_text=True)  # each published row links to its WeChat block
    assert f'/event/edit/?id={event.id}#wechat-share"' in listing and "fa-weixin" in listing
    assert f'/event/edit/?id={draft.id}#wechat-share"' not in listing
    anonymous = client.application.test_client().get(f"/preview/events/{event.id}/poster.png")
    assert anonymous.status_code == 302 and "/login/" in anonymous.headers["Location"]


def test_without_base_url_the_message_has_the_path_and_the_admin_says_why(text_demo_site, copy_home, tmp_path):
    home = copy_home(text_demo_site, tmp_path / "home")
    db.connect(home.database_url)
    try:
        notice = public_items(registry.by_key("notice"))[0]
        text = message_of(folder_of(home, notice) / "index.html")
        assert text.endswith(f"\n/notices/{quote(notice.slug)}/")
        page = admin_client(home).get(f"/notice/edit/?id={notice.id}").get_data(as_text=True)
        assert "消息里的网址不完整" in page and "base_url" in page
        if FONT:  # a poster without an address has no QR code, but the page still links it
            with Image.open(folder_of(home, notice) / share.POSTER) as image:
                assert image.size == (share.WIDTH, share.HEIGHT)
            assert decoded(folder_of(home, notice) / share.POSTER) == []
    finally:
        db.database.close()


@needs_font
def test_without_base_url_the_summary_takes_the_room_of_the_qr_code(text_demo_site, copy_home, tmp_path):
    home = copy_home(text_demo_site, tmp_path / "home")
    db.connect(home.database_url)
    try:
        notice = m.Notice.create(title="冬季供暖检修安排", summary=(LONG_TITLE * 2)[:300], status="published", slug="heating")
        build(home, now=NOW)
        poster = folder_of(home, notice) / share.POSTER
        assert decoded(poster) == []
        with Image.open(poster) as image:
            image = image.convert("L")
        assert image.size == (share.WIDTH, share.HEIGHT)
        # Lines of summary where the QR code would be (its lower third is not blank), inside the margins.
        lower = image.crop((share.MARGIN, share.QR_TOP, share.WIDTH - share.MARGIN, share.QR_TOP + share.QR_SIZE))
        rows_with_ink = sum(1 for y in range(lower.height) if lower.crop((0, y, lower.width, y + 1)).getextrema()[0] < 128)
        assert rows_with_ink > 60  # (three lines and more)
        for box in ((0, 151, share.MARGIN - 2, share.HEIGHT), (share.WIDTH - share.MARGIN + 2, 151, share.WIDTH, share.HEIGHT)):
            assert image.crop(box).getextrema() == (255, 255), box
        with create_public_app(home).test_request_context():
            text = share.poster_text(m.Notice.get_by_id(notice.id), "/notices/heating/", "zh-Hans")
        assert text.caption == "详情请看社区网站" and len(text.summary) > share.SUMMARY_LIMIT
    finally:
        db.database.close()
