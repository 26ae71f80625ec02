"""转发到微信群 in real Chromium: the copy button copies the message (clipboard of a secure
context), without JavaScript the message is still there to select, and the poster is not
loaded with the page."""

from __future__ import annotations

import re

import pytest
from werkzeug.middleware.shared_data import SharedDataMiddleware

from linli import registry
from tests.browser import LiveServer, require_chromium

pytestmark = pytest.mark.sqlite_only(reason="Chromium over built files: tests/test_share.py checks them on both")

require_chromium()
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def served(text_demo_site):
    """The session's built demo served from disk on loopback (a secure context for the clipboard)."""

    def not_found(environ, start_response):
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    server = LiveServer(SharedDataMiddleware(not_found, {"/": str(text_demo_site.site_dir)}))
    yield server.url
    server.stop()


def event_path(site_dir) -> str:
    prefix = registry.by_key("event").prefix
    folder = sorted(p for p in (site_dir / prefix).iterdir() if (p / "poster.png").is_file())[0]
    return f"/{prefix}/{folder.name}/index.html"  # (the static middleware serves files, not folders)


def test_copy_button_copies_the_message(browser, served, text_demo_site):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(served + event_path(text_demo_site.site_dir))
    assert not [url for url in requests if url.endswith("poster.png")]  # only linked
    page.get_by_text("转发到微信群").click()
    message = page.locator("#wechat-message").input_value()
    assert message.startswith("【") and re.search(r"\n时间：\d{4}年", message)
    button = page.get_by_role("button", name="复制到微信群")
    button.click()
    page.get_by_text("已复制，去微信群里粘贴").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == message
    assert page.get_by_role("link", name="分享海报").get_attribute("href") == "poster.png"
    context.close()


def test_without_javascript_the_message_is_there_to_select(browser, served, text_demo_site):
    context = browser.new_context(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    page = context.new_page()
    page.goto(served + event_path(text_demo_site.site_dir))
    assert not page.get_by_role("button", name="复制到微信群").is_visible()  # nothing that cannot work
    page.get_by_text("转发到微信群").click()
    box = page.locator("#wechat-message")
    assert box.is_visible() and box.get_attribute("readonly") is not None
    assert box.input_value().startswith("【")
    context.close()
