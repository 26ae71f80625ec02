"""What residents get from a built site: feeds, sitemap, calendars, share metadata, QR codes for
printed notices, tap-to-call numbers, photo sizes and the Traditional-character tree.

The demo community is built once (with a base URL and ``languages = ["zh-Hans", "zh-Hant"]``);
a small home without a base URL shows what is left out then.
"""

from __future__ import annotations

import datetime as dt
import gzip
import html as html_lib
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote, urljoin

import icalendar
import pytest
import segno

from linli import db, qr
from linli import models as m
from linli.build import build
from linli.check import check_site
from linli.errors import LinliError
from linli.home import PROJECT_ROOT, Home
from linli.markup import PHONE, link_phones, render_markdown
from linli.traditional import html_to_traditional, to_traditional
from tests.conftest import NOW

BASE = "https://xingfuli.example.org/shequ/"
ATOM = "{http://www.w3.org/2005/Atom}"


def configure(home: Home, base_url: str = "", languages: str = '["zh-Hans"]') -> Home:
    text = home.settings_path.read_text(encoding="utf-8")
    text = text.replace('base_url = ""', f'base_url = "{base_url}"').replace('languages = ["zh-Hans"]', f"languages = {languages}")
    home.settings_path.write_text(text, encoding="utf-8")
    return Home.open(home.root)


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory, demo_site, copy_home) -> Home:
    """The session's demo content (with photos) in a home of its own, never built before,
    configured, then built."""
    home = copy_home(demo_site, tmp_path_factory.mktemp("residents") / "home", built=False)
    home = configure(home, BASE, '["zh-Hans", "zh-Hant"]')
    db.connect(home.database_url)
    build(home, now=NOW)
    return home


@pytest.fixture
def demo(demo_home) -> Home:
    """The built demo, its database bound (other tests bind their own)."""
    db.connect(demo_home.database_url)
    yield demo_home
    db.database.close()


@pytest.fixture
def small(home) -> Home:
    """A home without base URL: two live notices in two categories, a draft, an event."""
    m.SiteSettings.create(name="小园社区", main_phone="0571-8888 6666")
    published = dict(status=m.PUBLISHED, publish_at=NOW - dt.timedelta(days=1))
    m.Notice.create(slug="water", title="停水通知", category="停水停电", body="电话 13900001311", **published)
    m.Notice.create(slug="fee", title="收费通知", category="费用收缴", **published)
    m.Notice.create(slug="secret", title="草稿通知", category="停水停电", status=m.DRAFT)
    m.Event.create(slug="fair", title="庙会", starts_at=NOW + dt.timedelta(days=3), **published)
    build(home, now=NOW)
    return home


def page(home: Home, path: str) -> str:
    return (home.site_dir / path).read_text(encoding="utf-8")


def html_files(site: Path, tree: str = "") -> list[str]:
    files = sorted(str(p.relative_to(site)) for p in site.rglob("*.html"))
    if tree:
        return [f for f in files if f.startswith(tree)]
    return [f for f in files if not f.startswith("zh-hant/")]


def public_notices(at=NOW):
    from linli.publicity import public

    return list(public(m.Notice, at))


# --- feeds -----------------------------------------------------------------------------------


def test_atom_feed_lists_the_live_notices_with_absolute_links(demo):
    feed = ET.parse(demo.site_dir / "feeds" / "notices.xml").getroot()
    entries = feed.findall(f"{ATOM}entry")
    live = public_notices()
    assert len(entries) == min(30, len(live)) > 5
    titles = {e.find(f"{ATOM}title").text.removeprefix("【紧急】") for e in entries}
    assert titles == {n.title for n in live}
    for entry in entries:
        link = entry.find(f"{ATOM}link").get("href")
        assert link.startswith(BASE + "notices/")
        assert (demo.site_dir / unquote(link[len(BASE):]) / "index.html").is_file()
    self_link = [ln.get("href") for ln in feed.findall(f"{ATOM}link") if ln.get("rel") == "self"]
    assert self_link == [BASE + "feeds/notices.xml"]
    urgent = [n for n in live if n.urgent]
    assert urgent and all(f"【紧急】{n.title}" in ET.tostring(feed, encoding="unicode") for n in urgent)


def test_a_feed_per_notice_category(demo):
    feeds = sorted((demo.site_dir / "feeds" / "notices").glob("*.xml"))
    categories = {n.category for n in public_notices()}
    assert len(feeds) == len(categories)
    for path in feeds:
        entries = ET.parse(path).getroot().findall(f"{ATOM}entry")
        terms = {e.find(f"{ATOM}category").get("term") for e in entries}
        assert len(terms) == 1 and terms <= categories
    listing = page(demo, f"notices/category/{feeds[0].stem}/index.html")
    assert f'../../../feeds/notices/{quote(feeds[0].stem)}.xml' in listing


def test_without_base_url_feeds_link_relative_and_there_is_no_sitemap(small):
    site = small.site_dir
    feed = ET.parse(site / "feeds" / "notices.xml").getroot()
    titles = [e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry")]
    assert sorted(titles) == ["停水通知", "收费通知"]  # the draft is not there
    for entry in feed.findall(f"{ATOM}entry"):
        assert entry.find(f"{ATOM}id").text.startswith("urn:uuid:")
        href = entry.find(f"{ATOM}link").get("href")
        target = urljoin("http://x/feeds/notices.xml", href)
        assert (site / unquote(target[len("http://x/"):])).is_file(), href
    assert "草稿" not in "".join(p.read_text(encoding="utf-8") for p in (site / "feeds").rglob("*.xml"))
    assert not (site / "sitemap.xml").exists()
    assert (site / "robots.txt").read_text() == "User-agent: *\nAllow: /\n"
    home_page = page(small, "index.html")
    assert 'property="og:url"' not in home_page and 'property="og:image"' not in home_page
    assert "<svg" not in page(small, "notices/water/index.html")  # no address for a QR code


def test_invisible_control_characters_pasted_by_staff_do_not_break_the_feed(home):
    published = dict(status=m.PUBLISHED, publish_at=NOW - dt.timedelta(days=1))
    m.SiteSettings.create(name="小园\x1b社区")
    m.Notice.create(slug="ctl", title="停水\x0b通知\x01", category="停水\x08停电", summary="摘\x1f要",
                    body="正文\x0c内容", **published)  # fmt: skip
    build(home, now=NOW)
    entry = ET.parse(home.site_dir / "feeds" / "notices.xml").getroot().find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == "停水通知"
    assert entry.find(f"{ATOM}summary").text == "摘要"


def test_sitemap_lists_every_page_of_both_trees(demo):
    root = ET.parse(demo.site_dir / "sitemap.xml").getroot()
    locs = {loc.text for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    expected = set()
    for rel in html_files(demo.site_dir) + html_files(demo.site_dir, "zh-hant/"):
        if rel.endswith("index.html"):
            expected.add(BASE + quote(rel[: -len("index.html")]))
    assert locs == expected
    assert (demo.site_dir / "robots.txt").read_text().endswith(f"Sitemap: {BASE}sitemap.xml\n")


def test_share_metadata_for_wechat(demo):
    place = m.Place.get(m.Place.photo != "")
    html = page(demo, f"places/{place.slug}/index.html")
    meta = dict(re.findall(r'<meta property="(og:[a-z_]+)" content="([^"]*)"', html))
    assert meta["og:title"] == place.title and meta["og:type"] == "article"
    assert meta["og:url"] == BASE + f"places/{quote(place.slug)}/"
    assert meta["og:image"].startswith(BASE + "media/photos/") and meta["og:image"].endswith("-960.jpg")
    assert (demo.site_dir / meta["og:image"][len(BASE):]).is_file()
    assert meta["og:description"]


# --- calendars ---------------------------------------------------------------------------------


def test_calendar_of_upcoming_events_and_one_per_event(demo):
    from linli.publicity import public

    events = sorted(public(m.Event, NOW), key=lambda e: (e.starts_at, e.id))
    upcoming = [e for e in events if (e.ends_at or e.starts_at) >= NOW]
    past = [e for e in events if (e.ends_at or e.starts_at) < NOW]
    assert upcoming
    calendar = icalendar.Calendar.from_ical((demo.site_dir / "events" / "calendar.ics").read_bytes())
    events = calendar.walk("VEVENT")
    assert [str(e["summary"]) for e in events] == [e.title for e in upcoming]
    shanghai = dt.timezone(dt.timedelta(hours=8))
    for entry, event in zip(events, upcoming):
        assert entry["dtstart"].dt == event.starts_at.replace(tzinfo=shanghai)
        assert str(entry["url"]) == BASE + f"events/{quote(event.slug)}/"
        one = icalendar.Calendar.from_ical((demo.site_dir / "events" / event.slug / "calendar.ics").read_bytes())
        assert [str(e["uid"]) for e in one.walk("VEVENT")] == [str(entry["uid"])]
        assert "加入手机日历" in page(demo, f"events/{event.slug}/index.html")
    assert past and not (demo.site_dir / "events" / past[0].slug / "calendar.ics").exists()
    assert "加入手机日历" not in page(demo, f"events/{past[0].slug}/index.html")


# --- print ------------------------------------------------------------------------------------


def test_notice_carries_a_qr_code_of_its_own_address(demo):
    notice = public_notices()[0]
    html = page(demo, f"notices/{notice.slug}/index.html")
    address = BASE + f"notices/{quote(notice.slug)}/"
    expected = segno.make(address, error="m", micro=False, mask=qr.MASK).svg_inline(scale=1, border=2, omitsize=True)
    path = re.search(r'<path[^>]* d="([^"]+)"', expected).group(1)
    figure = re.search(r'<figure class="print-qr">(.*?)</figure>', html, re.S).group(1)
    assert f'd="{path}"' in figure and "手机扫码查看本通知" in figure
    assert "<title>本通知网页的二维码</title>" in figure


# --- tap to call ------------------------------------------------------------------------------


def test_phone_numbers_in_text_become_tel_links():
    html = str(render_markdown("值班 010-8765-4300，手机 139 0000 1311。\n\n`010-8765-4300` 和 [电话](tel:110)"))
    assert '<a href="tel:01087654300" rel="noopener noreferrer">010-8765-4300</a>' in html
    assert 'href="tel:13900001311"' in html
    assert "<code>010-8765-4300</code>" in html and html.count("tel:") == 3
    assert str(link_phones("8765-4300 或 13900001311")).count('class="phone" href="tel:') == 2
    assert str(link_phones("<b>无</b>")) == "&lt;b&gt;无&lt;/b&gt;"
    assert not PHONE.search("面积 120 平方米，2026-11-25 出生于 1950 年")


class _TextOutsideLinks(HTMLParser):
    def __init__(self):
        super().__init__()
        # (a textarea holds text to copy, e.g. the WeChat message: a link cannot be in it)
        self.depth = {"a": 0, "script": 0, "style": 0, "title": 0, "code": 0, "textarea": 0}
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.depth:
            self.depth[tag] += 1

    def handle_endtag(self, tag):
        if tag in self.depth:
            self.depth[tag] -= 1

    def handle_data(self, data):
        if not any(self.depth.values()):
            self.text.append(data)


def test_every_phone_number_on_every_page_is_a_tel_link(demo):
    checked = 0
    for rel in html_files(demo.site_dir):
        parser = _TextOutsideLinks()
        parser.feed(page(demo, rel))
        found = PHONE.findall(" ".join(parser.text))
        assert not found, f"{rel}: {found} not linked"
        checked += 1
    assert checked > 100
    assert page(demo, "grids/index.html").count('href="tel:') >= 8


def test_photos_have_sizes_srcset_and_lazy_loading(demo):
    images = 0
    for rel in html_files(demo.site_dir):
        for tag in re.findall(r"<img [^>]*>", page(demo, rel)):
            images += 1
            assert 'loading="lazy"' in tag and re.search(r' width="\d+" height="\d+"', tag), (rel, tag)
            if "/media/photos/" in tag:
                assert "srcset=" in tag and " 480w" in tag, (rel, tag)
    assert images > 30


def test_photos_in_markdown_bodies_get_sizes_and_renditions(home):
    import io

    from PIL import Image

    from linli import media

    buffer = io.BytesIO()
    Image.new("RGB", (1200, 800), (200, 120, 40)).save(buffer, "JPEG")
    stored = media.store_image(home.media_dir, buffer.getvalue(), "photo.jpg")
    m.SiteSettings.create(name="小园社区")
    m.Notice.create(slug="pic", title="有图", body=f"![现场](/media/{stored.path})", status=m.PUBLISHED)
    build(home, now=NOW)
    tag = re.search(r"<img [^>]*>", page(home, "notices/pic/index.html")).group(0)
    assert 'width="1200" height="800"' in tag and 'loading="lazy"' in tag
    assert "-480.jpg 480w" in tag and "-960.jpg 960w" in tag and 'sizes="' in tag


# --- Traditional characters -------------------------------------------------------------------


def test_traditional_tree_mirrors_every_page(demo):
    site = demo.site_dir
    simplified = html_files(site)
    traditional = [f[len("zh-hant/"):] for f in html_files(site, "zh-hant/")]
    assert traditional == simplified
    notice = page(demo, "zh-hant/index.html")
    assert '<html lang="zh-Hant">' in notice
    assert "幸福里社區" in notice and "通知公告" in notice and "辦事指南" in notice and "社区" not in notice
    assert check_site(site).problems == []
    search = page(demo, "zh-hant/search/index.html")  # shares the Simplified tree's index
    base = re.search(r'data-base="([^"]+)"', search).group(1)
    manifest = json.loads(html_lib.unescape(re.search(r'data-manifest="([^"]+)"', search).group(1)))
    assert (site / "zh-hant" / "search" / base / manifest["dir"]).resolve().is_dir()


def test_every_page_switches_to_the_same_page_in_the_other_script(demo):
    site = demo.site_dir
    for rel in html_files(site)[::7]:
        for here, there in ((rel, "zh-hant/" + rel), ("zh-hant/" + rel, rel)):
            html = page(demo, here)
            href = re.search(r'<a class="script-switch" href="([^"]+)"', html).group(1)
            target = (site / here).parent / unquote(href)
            assert target.resolve() == (site / there).resolve(), (here, href)


def test_conversion_is_by_phrase_and_never_touches_addresses():
    assert to_traditional("头发") == "頭髮" and to_traditional("发现问题") == "發現問題"
    assert to_traditional("社区软件") == "社區軟件"  # mainland words stay
    html = '<a href="/notices/停水-东院/" title="停水通知" id="停水">停水</a><img src="/media/发.jpg" alt="头发">'
    out = html_to_traditional(html)
    assert out == '<a href="/notices/停水-东院/" title="停水通知" id="停水">停水</a><img src="/media/发.jpg" alt="頭髮">'


def test_every_page_of_both_trees_links_the_icons_which_the_sites_root_has(demo, server):
    from urllib.request import urlopen

    site = demo.site_dir
    theme = PROJECT_ROOT / "themes" / "default" / "static"
    pages = html_files(site) + html_files(site, "zh-hant/")
    assert len(pages) > 150 and "zh-hant/index.html" in pages
    for rel in pages:
        head = page(demo, rel).split("</head>", 1)[0]
        links = dict(re.findall(r'<link rel="(icon|apple-touch-icon)" href="([^"]+)">', head))
        targets = {kind: ((site / rel).parent / unquote(href)).resolve() for kind, href in links.items()}
        assert targets == {"icon": site / "static" / "favicon.ico", "apple-touch-icon": site / "static" / "apple-touch-icon.png"}, rel
    # Browsers also ask the host's root, whatever the page links: a static host answers from site/.
    for name in ("favicon.ico", "apple-touch-icon.png"):
        with urlopen(f"{server}/{name}") as response:
            assert response.status == 200 and response.read() == (theme / name).read_bytes()
    assert (site / "favicon.ico").read_bytes() == (site / "static" / "favicon.ico").read_bytes()


def test_no_traditional_tree_unless_asked(small):
    assert not (small.site_dir / "zh-hant").exists()
    assert "script-switch" not in page(small, "index.html")


def test_unknown_language_setting_is_refused(home):
    for languages, message in (('["zh-TW"]', "zh-TW"), ('["zh-Hant", "zh-Hans"]', "zh-Hant")):
        text = home.settings_path.read_text(encoding="utf-8")
        home.settings_path.write_text(re.sub(r"languages = .*", f"languages = {languages}", text), encoding="utf-8")
        with pytest.raises(LinliError, match=message):
            Home.open(home.root)


# --- in real Chromium: weight, origin, accessibility, large text, print ----------------------

#: As tests/test_browser.py: Chromium reads the built files, whose making (and the queries behind
#: it) the tests above check on both passes.
IN_CHROMIUM = pytest.mark.sqlite_only(reason="Chromium over built files: their making is checked on both")
AXE_VERSION = "4.14.1"
WEIGHT_LIMIT = 30 * 1024  # gzipped HTML + CSS + JS of one page, photos excluded


@pytest.fixture(scope="module")
def server(demo_home):
    """The built demo site served as a static host would (the files as they are)."""
    from werkzeug.exceptions import NotFound
    from werkzeug.middleware.shared_data import SharedDataMiddleware

    from tests.browser import LiveServer

    live = LiveServer(SharedDataMiddleware(NotFound(), {"/": str(demo_home.site_dir)}))
    yield live.url
    live.stop()


@pytest.fixture(scope="module")
def axe_source() -> str:
    """axe-core from the npm registry, installed once into a cache folder."""
    cache = Path(os.environ.get("LINLI_TEST_CACHE") or Path.home() / ".cache" / "linli-tests") / f"axe-{AXE_VERSION}"
    script = cache / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file():
        npm = shutil.which("npm")
        if not npm:
            if os.environ.get("CI"):
                raise RuntimeError("CI must have npm to install axe-core (scripts/test.sh installs it)")
            pytest.skip("npm is not installed")
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--prefix", str(cache), f"axe-core@{AXE_VERSION}", "--no-save", "--no-audit",
             "--no-fund", "--no-package-lock", "--loglevel=error"],
            check=True, stdin=subprocess.DEVNULL, timeout=300,
        )  # fmt: skip
    return script.read_text(encoding="utf-8")


def first(site: Path, folder: str) -> str:
    """The first item page under ``folder`` (e.g. "notices/<slug>/index.html")."""
    for child in sorted((site / folder).iterdir()):
        if child.is_dir() and child.name not in ("category", "archive", "page", "titles") and (child / "index.html").is_file():
            return f"{folder}/{quote(child.name)}/index.html"
    raise AssertionError(f"no item page under {folder}")


def typical_notice(site: Path) -> str:
    """A notice of ordinary length: the median of the live notices by body length."""
    notices = sorted(public_notices(), key=lambda n: (len(n.body), n.id))
    return f"notices/{quote(notices[len(notices) // 2].slug)}/index.html"


def page_types(site: Path) -> list[str]:
    pages = ["index.html", "404.html", "about/index.html", "search/index.html", "search/titles/notice/index.html",
             "notices/index.html", "notices/archive/index.html", typical_notice(site)]  # fmt: skip
    for folder in ("notices/category", "services/category", "places/category"):
        pages.append(first(site, folder))
    for folder in ("services", "places", "stories", "teams", "wishes", "events", "albums", "grids"):
        pages += [f"{folder}/index.html", first(site, folder)]
    pages += [first(site, "pages"), "zh-hant/index.html", "zh-hant/" + typical_notice(site)]
    return pages


@IN_CHROMIUM
def test_page_weight_and_nothing_from_elsewhere(demo, browser, server):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    for path in ("index.html", typical_notice(demo.site_dir)):
        tab = context.new_page()
        responses, urls = [], []
        tab.on("request", lambda request: urls.append(request.url))
        tab.on("response", lambda response: responses.append(response))
        tab.goto(f"{server}/{path}", wait_until="load")
        tab.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # lazy photos load now
        tab.wait_for_timeout(300)
        text = [r for r in responses if r.request.resource_type in ("document", "stylesheet", "script", "font")]
        weight = sum(len(gzip.compress(r.body(), 6)) for r in text)
        print(f"{path}: {weight} bytes gzipped HTML+CSS+JS in {len(text)} responses; {len(urls)} requests")
        assert weight <= WEIGHT_LIMIT, f"{path} weighs {weight} bytes gzipped"
        assert urls and all(url.startswith(server + "/") for url in urls), urls
        tab.close()
    context.close()


@IN_CHROMIUM
def test_axe_finds_no_violations_on_any_page_type(demo, browser, server, axe_source):
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)  # axe is injected inline
    tab = context.new_page()
    problems, checked = [], 0
    for mode in ("", "elder"):
        for path in page_types(demo.site_dir) if not mode else ["index.html", typical_notice(demo.site_dir)]:
            # "domcontentloaded": the search page's load event does not fire (its script's doing).
            tab.goto(f"{server}/{path}", wait_until="domcontentloaded")
            tab.evaluate("mode => localStorage.setItem('linli-elder', mode ? '1' : '0')", mode)
            tab.reload(wait_until="domcontentloaded")
            tab.add_script_tag(content=axe_source)
            result = tab.evaluate("axe.run(document, {resultTypes: ['violations']})")
            checked += 1
            for violation in result["violations"]:
                targets = [", ".join(node["target"]) for node in violation["nodes"]][:3]
                problems.append(f"{path}{' (large text)' if mode else ''}: {violation['id']} {targets}")
    context.close()
    print(f"axe-core {AXE_VERSION}: {checked} pages, {len(problems)} violations")
    assert checked >= 30
    assert not problems, "\n".join(problems)


def _body_px(tab) -> float:
    return tab.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")


@IN_CHROMIUM
def test_large_text_mode_persists_with_javascript(demo, browser, server):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    tab = context.new_page()
    tab.goto(f"{server}/index.html")
    assert _body_px(tab) < 18
    tab.get_by_role("link", name="大字模式").click()
    assert tab.evaluate("document.documentElement.classList.contains('elder')")
    assert _body_px(tab) >= 18
    tab.get_by_role("navigation", name="主导航").get_by_role("link", name="通知公告").click()
    tab.locator(".rows .row-title").first.click()
    assert _body_px(tab) >= 18, "large text did not carry over to the next page"
    assert tab.evaluate("document.documentElement.scrollWidth - innerWidth") <= 0
    minimum = tab.evaluate(
        "Math.min(...[...document.querySelectorAll('main p, main li, main dd')].map(e => parseFloat(getComputedStyle(e).fontSize)))"
    )
    assert minimum >= 16
    tab.get_by_role("link", name="标准字体").click()
    tab.reload()
    assert _body_px(tab) < 18
    context.close()


@IN_CHROMIUM
def test_large_text_mode_without_javascript(demo, browser, server):
    context = browser.new_context(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    tab = context.new_page()
    tab.goto(f"{server}/{typical_notice(demo.site_dir)}")
    assert tab.locator(".elder-off").is_hidden()
    tab.get_by_role("link", name="大字模式").click()
    assert tab.url.endswith("#elder")
    assert _body_px(tab) >= 18 and tab.locator(".elder-off").is_visible()
    tab.get_by_role("link", name="标准字体").click()
    assert _body_px(tab) < 18
    context.close()


@IN_CHROMIUM
def test_notice_prints_on_one_a4_page_with_name_date_and_qr(demo, browser, server):
    context = browser.new_context()
    tab = context.new_page()
    path = typical_notice(demo.site_dir)
    tab.goto(f"{server}/{path}")
    tab.emulate_media(media="print")
    assert tab.locator(".site-nav").is_hidden() and tab.locator(".tools").is_hidden()
    assert tab.locator(".print-qr svg").is_visible()
    assert tab.locator(".print-qr svg").bounding_box()["width"] >= 100  # about 30 mm
    header = tab.locator("article header").inner_text()
    assert "幸福里社区" in header and "发布日期" in header
    pdf = tab.pdf(format="A4")
    assert pdf_pages(pdf) == 1
    context.close()


def pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF written by Chromium (its page tree counts them)."""
    counts = re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf)
    counts += re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", pdf)
    assert counts, "no page tree found in the PDF"
    return max(int(c) for c in counts)
