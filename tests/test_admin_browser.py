"""Staff journeys through the admin in real Chromium, against a preview server on loopback."""

from __future__ import annotations

import pytest

from linli import accounts, db
from linli import models as m
from linli.demo import fill_demo
from linli.home import Home
from linli.serve import create_preview_app
from tests.browser import CHROMIUM, CHROMIUM_ARGS, LiveServer, require_chromium
from tests.conftest import NOW

require_chromium()
sync_api = pytest.importorskip("playwright.sync_api")
PASSWORD = "a-strong-password"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    home = Home.create(tmp_path_factory.mktemp("admin-browser") / "home")
    db.connect(home.database_url)
    fill_demo(home, NOW, photos=False)
    for role in ("editor", "contributor"):
        accounts.add_user(role, PASSWORD, role=role, display_name={"editor": "王主任", "contributor": "小李"}[role])
    server = LiveServer(create_preview_app(home))
    yield home, server.url
    server.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        return page

    yield make
    for context in contexts:
        context.close()


def log_in(page, url, username, password=PASSWORD):
    page.goto(f"{url}/admin/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")


def test_wrong_password_is_throttled(site, new_page):
    home, url = site
    page = new_page()
    for _ in range(accounts.MAX_FAILURES_PER_ACCOUNT):
        log_in(page, url, "editor", "not-the-password")
        assert "用户名或密码不正确" in page.inner_text("main")
    log_in(page, url, "editor")  # right password, too late
    assert "锁定" in page.inner_text("main")
    assert "/admin/login/" in page.url
    db.connect(home.database_url)
    m.LoginAttempt.delete().execute()  # let the other journeys log in


def test_contributor_cannot_choose_published(site, new_page):
    home, url = site
    page = new_page()
    log_in(page, url, "contributor")
    page.goto(f"{url}/admin/notice/new/")
    options = page.locator("#status option").all_inner_texts()
    assert options == ["草稿", "待审核"]


def test_concurrent_edit_is_refused_without_losing_text(site, new_page):
    home, url = site
    db.connect(home.database_url)
    notice = m.Notice.select().where(m.Notice.status == "published").first()
    first, second = new_page(), new_page()
    log_in(first, url, "editor")
    log_in(second, url, "editor")
    for page in (first, second):
        page.goto(f"{url}/admin/notice/edit/?id={notice.id}")
    first.fill("#title", "第一位同事改的标题")
    first.click("input[type=submit][value='保存']")
    assert "已保存" in first.inner_text("body")
    second.fill("#body", "第二位同事写了很久的正文，不能丢。")
    second.click("input[type=submit][value='保存']")
    assert "没有保存" in second.inner_text("body")
    assert second.input_value("#body") == "第二位同事写了很久的正文，不能丢。"
    db.connect(home.database_url)
    assert m.Notice.get_by_id(notice.id).title == "第一位同事改的标题"
