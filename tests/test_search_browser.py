"""Search in real Chromium on the built demo site, served over http from 127.0.0.1 (and opened
from disk): the header form, highlighted results, type filters kept in the URL, the keyboard,
and the page without JavaScript."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.browser import require_chromium, shows

pytestmark = pytest.mark.sqlite_only(reason="Chromium over built files: the database queries behind them run in tests/test_build.py on both")

require_chromium()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def site(text_demo_site) -> Path:
    """The session's built demo (no photos), served and opened from disk, never written."""
    return text_demo_site.site_dir


@pytest.fixture(scope="module")
def server(site):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.requests = []
    page.errors = []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def wait_for_results(page, shown: int | None = None):
    selector = "#search-app[data-shown]" if shown is None else f'#search-app[data-shown="{shown}"]'
    page.wait_for_selector(selector, state="attached", timeout=10_000)


def result_titles(page) -> list[str]:
    return page.locator("#search-results .row-title").all_inner_texts()


def test_header_search_shows_highlighted_results(phone, server):
    phone.goto(server + "notices/index.html")
    assert phone.locator("script[src]").count() == 0  # the search client loads on the search page only
    phone.get_by_role("search").first.get_by_role("searchbox").fill("低保")
    phone.keyboard.press("Enter")
    phone.wait_for_url("**/search/index.html?q=*")
    wait_for_results(phone)
    assert result_titles(phone)[0] == "最低生活保障申请"
    assert phone.locator("#search-results mark").count() >= 3
    assert phone.locator("#search-results mark").first.inner_text() == "低保"
    assert phone.get_by_role("status").inner_text().startswith("找到")
    assert phone.title().startswith("低保 - 搜索")
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert all(url.startswith(server) for url in phone.requests), phone.requests
    clients = [url for url in phone.requests if "/search/search-" in url]
    assert len(clients) == 1, clients  # the client (with its fold table) is loaded once
    assert phone.errors == []


def test_traditional_query_shows_what_simplified_shows(phone, server):
    phone.goto(server + "search/index.html?q=" + quote("社區 網格員"))
    wait_for_results(phone)
    traditional = result_titles(phone)
    phone.goto(server + "search/index.html?q=" + quote("社区 网格员"))
    wait_for_results(phone)
    assert traditional and result_titles(phone) == traditional


def test_type_filter_lives_in_the_url_and_a_shared_link_keeps_it(phone, server):
    phone.goto(server + "search/index.html?q=" + quote("老人"))
    wait_for_results(phone)
    everything = int(phone.locator('[data-count=""]').inner_text())
    places = int(phone.locator('[data-count="place"]').inner_text())
    assert everything > places > 0
    phone.locator("label", has_text="便民设施").click()
    phone.wait_for_url("**type=place")
    wait_for_results(phone)
    metas = phone.locator("#search-results .row-meta").all_inner_texts()
    assert metas and all(meta.startswith("便民设施") for meta in metas)
    # A shared link opens on the same filtered results.
    shared = phone.url
    phone.goto(server + "index.html")
    phone.goto(shared)
    wait_for_results(phone)
    assert phone.locator("#search-results .row-meta").all_inner_texts() == metas
    assert phone.locator("input[name=type][value=place]").is_checked()
    assert len(metas) == min(places, 6)


def test_keyboard_search_and_more_results(phone, server):
    phone.goto(server + "search/index.html")
    assert phone.locator("#search-results li").count() == 0
    phone.locator("#search-q").focus()
    phone.keyboard.type("老人")
    phone.keyboard.press("Enter")
    phone.wait_for_url("**?q=*")
    wait_for_results(phone, shown=6)
    more = phone.get_by_role("button", name="显示更多结果")
    assert more.is_visible()
    more.focus()
    phone.keyboard.press("Enter")
    wait_for_results(phone, shown=12)
    focused = phone.evaluate("document.activeElement.closest('#search-results li') !== null")
    assert focused  # focus moves to the first new result
    assert phone.locator("#search-results li").count() == 12
    assert phone.get_by_role("list", name="搜索结果").count() == 1
    phone.go_back()
    assert phone.locator("#search-q").input_value() == ""


def test_a_word_that_is_nowhere_says_so(phone, server):
    phone.goto(server + "search/index.html?q=xyzzy")
    phone.wait_for_function("document.getElementById('search-status').textContent.includes('没有找到')")
    assert phone.locator("#search-results li").count() == 0


def test_search_works_opened_from_disk(phone, site):
    phone.goto((site / "search" / "index.html").as_uri() + "?q=" + quote("托老站"))
    wait_for_results(phone)
    assert result_titles(phone)[0] == "幸福里日间照料中心"
    assert all(url.startswith("file://") for url in phone.requests)
    phone.locator("#search-results .row-title").first.click()
    shows(phone, "幸福里日间照料中心", "article h1", exact=True)


def test_without_javascript_the_page_offers_categories_and_titles(browser, server):
    context = browser.new_context(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "search/index.html?q=" + quote("低保"))
    assert "需要启用 JavaScript" in page.locator("main").inner_text()
    page.get_by_role("navigation", name="标题索引").get_by_role("link", name="办事指南").click()
    shows(page, "办事指南：全部标题", "h1", exact=True)
    page.get_by_role("link", name="最低生活保障申请").click()
    shows(page, "最低生活保障申请", "article h1", exact=True)
    context.close()
