"""The built site in real Chromium: opened straight from disk, on a narrow phone screen,
with no request leaving the site folder and no horizontal scrolling at 320 px."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import require_chromium, shows

pytestmark = pytest.mark.sqlite_only(reason="Chromium over built files: the database queries behind them run in tests/test_build.py on both")

require_chromium()
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def site(demo_site) -> Path:
    """The session's built demo (with photos), opened from disk and never written."""
    return demo_site.site_dir


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.requests = requests
    yield page
    context.close()


def test_resident_walks_from_home_to_a_notice_without_javascript(phone, site):
    phone.goto((site / "index.html").as_uri())
    assert phone.title().endswith("幸福里社区") or "社区" in phone.title()
    header = phone.locator(".site-header")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"  # CSS loaded
    phone.get_by_role("navigation", name="主导航").get_by_role("link", name="通知公告").click()
    shows(phone, "通知公告", "h1", exact=True)
    first = phone.locator(".rows .row-title").first
    title = first.inner_text()
    first.click()
    shows(phone, title.replace("紧急", "").replace("置顶", "").strip(), "article h1")
    phone.go_back()
    phone.get_by_role("link", name="办事指南").first.click()
    phone.locator(".rows .row-title").first.click()
    assert phone.locator("text=所需材料").count() == 1
    assert all(url.startswith("file://") for url in phone.requests), phone.requests


@pytest.mark.parametrize("path", ["index.html", "notices/index.html", "services/index.html", "grids/index.html",
                                  "albums/index.html", "about/index.html"])  # fmt: skip
def test_no_sideways_scrolling_on_a_small_phone(phone, site, path):
    phone.goto((site / path).as_uri())
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px"
    # Tap targets of the main navigation are at least 44 px high.
    heights = phone.locator(".site-nav a").evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")
    assert min(heights) >= 44
    assert all(url.startswith("file://") for url in phone.requests)


def test_photos_load_from_renditions(phone, site):
    phone.goto((site / "albums" / "index.html").as_uri())
    phone.locator(".card h2 a").first.click()
    images = phone.locator(".album-photos img")
    assert images.count() >= 4
    natural = images.first.evaluate("img => img.complete && img.naturalWidth")
    assert natural and natural <= 960
