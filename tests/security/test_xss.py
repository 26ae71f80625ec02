"""Nothing executes: every payload of the corpus (tests/security/xss_payloads.py) in every field
staff type — titles, Markdown, plain fields, categories, captions, attachment titles (from file
names), grid members, settings, slugs made from titles — built, and every page of the site opened
in real Chromium with the Content-Security-Policy switched off, so that escaping and sanitising
alone are tested. A sentinel ``__xss(n)`` records any payload that runs; dialogs and page errors
are caught; the DOM is then searched for anything that could run on a click (event handler
attributes, ``javascript:``/``data:`` links, script, frames, objects). A second pass with the
policy on checks that the site's own files (stylesheet, search scripts) still work under it.
"""

from __future__ import annotations

import json

import io
import itertools
import math
from html import unescape
from pathlib import Path

import peewee as pw
import pytest
from PIL import Image

from linli import media
from linli import models as m
from linli.build import build
from linli.errors import LinliError
from linli.headers import CONTENT_SECURITY_POLICY, LARGE_TEXT_SCRIPT, nginx_snippet
from linli.slugs import check_slug
from tests.browser import require_chromium
from tests.conftest import NOW
from tests.security.xss_payloads import BARE_URLS, payloads

pytestmark = pytest.mark.sqlite_only(reason="Chromium over built files: the database queries behind them run in tests/test_build.py on both")

require_chromium()
sync_api = pytest.importorskip("playwright.sync_api")

PAYLOADS = payloads()
CHUNK = 10  # payloads per Markdown/text field
SKIPPED_FIELDS = {"slug", "status", "author", "internal_note", "beneficiary_private", "wish_status"}
WORD = "zqxpay"  # in every title, so that one search finds every item

SENTINEL = """
window.__hits = [];
window.__xss = function (n) { window.__hits.push(n); };
"""
AUDIT_DOM = """() => {
  const LARGE_TEXT_SCRIPT = %s;
  const bad = [];
  const own = (url) => !/^(javascript|data|vbscript):/i.test(url.trim());
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (['iframe', 'frame', 'object', 'embed', 'base', 'applet', 'form', 'svg', 'math'].includes(tag)
        && !el.closest('header, #search-form')) bad.push(tag);
    const theirs = !el.src && el.textContent === LARGE_TEXT_SCRIPT;  // the site's own, allowed by hash
    if (tag === 'script' && !theirs && (!el.src || !el.src.startsWith(location.protocol))) bad.push('script:' + el.src);
    if (tag === 'meta' && (el.httpEquiv || '').toLowerCase() === 'refresh') bad.push('meta refresh');
    if (tag === 'link' && el.closest('body')) bad.push('link in body');
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) bad.push(tag + '[' + name + ']');
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'srcdoc', 'data', 'background', 'poster', 'srcset']
          .includes(name) && !own(attr.value)) bad.push(tag + '[' + name + '=' + attr.value.slice(0, 40) + ']');
      if (name === 'style' && /url\\(|expression|javascript/i.test(attr.value)) bad.push(tag + '[style]');
    }
  }
  return bad;
}""" % json.dumps(str(LARGE_TEXT_SCRIPT))


def text_fields(model) -> tuple[list[str], list[str]]:
    """(short text fields, long text fields) of ``model`` that staff type and residents may see."""
    short, long = [], []
    for name, field in model._meta.fields.items():
        if name in SKIPPED_FIELDS:
            continue
        if isinstance(field, pw.TextField):
            long.append(name)
        elif isinstance(field, pw.CharField):
            short.append(name)
    return short, long


def short(payload: str, field) -> str:
    return payload[: field.max_length or 200]


def fill(home) -> dict[str, int]:
    """Every payload into every staff field of every type; returns how many values were written."""
    written = {"fields": 0}
    rotation = itertools.cycle(PAYLOADS)
    photo = media.store_image(home.media_dir, jpeg(), "x.jpg").path
    items_per_type = math.ceil(len(PAYLOADS) / CHUNK)
    for model in m.CONTENT_MODELS:
        short_fields, long_fields = text_fields(model)
        for i in range(items_per_type):
            values = {}
            for name in short_fields:
                if name == "title":
                    values[name] = f"{WORD} {next(rotation)}"[:200]
                elif name == "online_url":
                    values[name] = PAYLOADS[i % len(BARE_URLS)]
                elif name in ("photo", "cover"):
                    values[name] = photo
                else:
                    values[name] = short(next(rotation), model._meta.fields[name])
            chunk = "\n\n".join(PAYLOADS[i * CHUNK:(i + 1) * CHUNK])
            values.update({name: chunk for name in long_fields})
            extra = {"starts_at": NOW + (i - 5) * dt_day()} if model is m.Event else {}
            if model is m.Notice:
                extra = {"urgent": i == 0, "pinned": i == 1, "expires_at": NOW - dt_day() if i == 2 else None}
            if model is m.Wish:
                extra = {"adopter_public": True, "wish_status": ("open", "adopted", "fulfilled")[i % 3]}
            if model is m.Page:
                extra = {"in_menu": i < 3}
            model.create(status="published", **values, **extra)
            written["fields"] += len(values)
    # Slugs staff type are checked; slugs made from titles are words.
    for payload in PAYLOADS:
        try:
            assert check_slug(payload) == payload and payload.replace("-", "").isalnum()
        except LinliError:
            pass
    album = m.Album.get()
    notice = m.Notice.get()
    grid = m.Grid.get()
    for n, payload in enumerate(PAYLOADS):
        m.Photo.create(album=album, file=photo, caption=short(payload, m.Photo.caption), position=n)
        title = media.safe_display_name(payload + ".pdf")  # as an uploaded file name becomes a title
        m.Attachment.create(notice=notice, title=title, file="files/aa/x.pdf", position=2 * n)
        m.Attachment.create(notice=notice, title=short(payload, m.Attachment.title), file="files/aa/x.pdf",
                            position=2 * n + 1)  # as staff retitle it  # fmt: skip
        m.GridMember.create(grid=grid, name=short(payload, m.GridMember.name), duties=short(payload, m.GridMember.duties),
                            work_phone=short(payload, m.GridMember.work_phone), position=n)  # fmt: skip
        written["fields"] += 6
    (home.media_dir / "files" / "aa").mkdir(parents=True)
    (home.media_dir / "files" / "aa" / "x.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    settings = m.SiteSettings()
    for name, field in m.SiteSettings._meta.fields.items():
        if isinstance(field, pw.CharField | pw.TextField) and name != "logo":
            settings.__data__[name] = short(next(rotation), field) if isinstance(field, pw.CharField) else (
                "\n".join(PAYLOADS[:CHUNK]))  # fmt: skip
            written["fields"] += 1
    settings.save()
    return written


def dt_day():
    import datetime as dt

    return dt.timedelta(days=1)


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 400), (30, 120, 200)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from linli import db
    from linli.home import Home

    home = Home.create(tmp_path_factory.mktemp("xss") / "home")
    home.settings_path.write_text(home.settings_path.read_text().replace("page_size = 20", "page_size = 500"))
    home = Home.open(home.root)
    db.connect(home.database_url)
    written = fill(home)
    build(home, now=NOW)
    return home.site_dir, written


class Watched:
    """One tab that records dialogs, page errors and console errors of each page it opens."""

    def __init__(self, context):
        self.page = context.new_page()
        self.events: list[str] = []
        self.page.on("dialog", lambda dialog: (self.events.append(f"dialog {dialog.message}"), dialog.dismiss()))
        self.page.on("pageerror", lambda error: self.events.append(f"error {error}"))
        self.page.on("console", lambda msg: self.events.append(f"console {msg.text}") if msg.type == "error" else None)

    def open(self, url: str):
        self.events.clear()
        # search.html never fires "load" (its loader asks for the client file a second time)
        self.page.goto(url, wait_until="domcontentloaded")
        self.page.wait_for_timeout(20)  # autofocus, animation and media error handlers fire by now
        return self.page

    def search_results(self, minimum: int) -> int:
        self.page.wait_for_function(f"document.querySelectorAll('#search-results li').length >= {minimum}",
                                    timeout=5000)  # fmt: skip
        return self.page.locator("#search-results li").count()


def test_corpus_is_big_enough(site):
    _, written = site
    assert len(PAYLOADS) >= 100
    assert written["fields"] > 1000


def test_no_payload_runs_on_any_page_without_the_policy(site, browser):
    root, _ = site
    pages = sorted(root.rglob("*.html"))
    assert len(pages) > 150
    context = browser.new_context(bypass_csp=True, java_script_enabled=True)
    context.add_init_script(SENTINEL)
    problems = {}
    try:
        urls = [p.as_uri() for p in pages] + [(root / "search" / "index.html").as_uri() + f"?q={WORD}"]
        tab = Watched(context)
        for url in urls:
            page = tab.open(url)
            hits, bad = page.evaluate(f"() => [window.__hits, ({AUDIT_DOM})()]")  # (one round trip)
            noise = [e for e in tab.events if "net::ERR_FILE_NOT_FOUND" not in e and "Failed to load resource" not in e]
            if hits or bad or noise:
                problems[url.removeprefix(root.as_uri())] = {"ran": hits, "dom": bad[:5], "events": noise[:5]}
    finally:
        context.close()
    assert problems == {}


def test_search_results_drawn_by_the_client_stay_inert(site, browser):
    root, _ = site
    context = browser.new_context(bypass_csp=True)
    context.add_init_script(SENTINEL)
    try:
        tab = Watched(context)
        page = tab.open((root / "search" / "index.html").as_uri() + f"?q={WORD}")
        tab.search_results(1)
        for _ in range(200):  # every result, page after page, is drawn and audited
            more = page.locator("#search-more")
            if not more.is_visible():
                break
            shown = page.locator("#search-results li").count()
            more.click()
            page.wait_for_function(f"document.querySelectorAll('#search-results li').length > {shown}", timeout=5000)
        assert page.locator("#search-results li").count() >= 20
        assert page.evaluate("window.__hits") == [] and page.evaluate(AUDIT_DOM) == []
    finally:
        context.close()


def test_the_policy_allows_the_sites_own_files(site, browser):
    root, _ = site
    context = browser.new_context()
    try:
        tab = Watched(context)
        page = tab.open((root / "search" / "index.html").as_uri() + f"?q={WORD}")
        page.wait_for_selector("#search-app[data-ready='1']", state="attached", timeout=5000)  # search.js ran
        assert page.locator(".site-header").evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
        assert not [e for e in tab.events if "Content Security Policy" in e or e.startswith("error")], tab.events
        policy = page_policy(root / "index.html")
        assert "script-src 'self'" in policy and "object-src 'none'" in policy and "base-uri 'none'" in policy
    finally:
        context.close()


def page_policy(path: Path) -> str:
    import re

    html = path.read_text(encoding="utf-8")
    match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert match, path
    return unescape(match.group(1))


def test_headers_for_hosts_that_take_them(site):
    root, _ = site
    headers = (root / "_headers").read_text(encoding="utf-8")
    assert headers.splitlines()[1] == "/*"
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"):
        assert f"  {name}: " in headers
    assert "frame-ancestors 'none'" in headers and CONTENT_SECURITY_POLICY in headers
    assert page_policy(root / "index.html") == CONTENT_SECURITY_POLICY
    docs = Path(__file__).resolve().parents[2] / "docs" / "nginx.conf"
    assert docs.read_text(encoding="utf-8") == nginx_snippet()  # the documented snippet is current


def test_the_policy_blocks_an_injected_inline_script(site, browser, tmp_path):
    """If a template ever let a script through, the policy is the second wall."""
    root, _ = site
    html = (root / "index.html").read_text(encoding="utf-8")
    planted = root / "planted.html"
    planted.write_text(html.replace("</main>", "<script>__xss(-1)</script><img src=x onerror=__xss(-2)></main>"))
    context = browser.new_context()
    context.add_init_script(SENTINEL)
    try:
        tab = Watched(context)
        page = tab.open(planted.as_uri())
        assert page.evaluate("window.__hits") == []
        assert any("Content Security Policy" in e for e in tab.events), tab.events
    finally:
        context.close()
        planted.unlink()
