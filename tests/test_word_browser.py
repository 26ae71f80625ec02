"""Word in, in real Chromium: 从Word新建, the editor's 从Word导入 button and pasting HTML."""

from __future__ import annotations

import pytest

from linli import accounts, db
from linli import models as m
from linli.home import Home
from linli.serve import create_preview_app
from tests.browser import LiveServer, require_chromium, shows
from tests.test_word import PASTED, notice_docx

require_chromium()
pytest.importorskip("playwright.sync_api")
PASSWORD = "a-strong-password"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    home = Home.create(tmp_path_factory.mktemp("word-browser") / "home")
    db.connect(home.database_url)
    accounts.add_user("contributor", PASSWORD, role="contributor")
    server = LiveServer(create_preview_app(home))
    yield home, server.url
    server.stop()


@pytest.fixture
def page(browser, site):
    home, url = site
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{url}/admin/login/")
    page.fill("#username", "contributor")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    yield page
    context.close()


def test_word_import_button_fills_body_and_title(site, page, tmp_path):
    home, url = site
    source = tmp_path / "停水通知.docx"
    source.write_bytes(notice_docx())
    page.goto(f"{url}/admin/notice/new/")
    with page.expect_file_chooser() as chooser:
        page.click("button:has-text('从Word导入')")
    chooser.value.set_files(str(source))
    page.wait_for_function("document.querySelector('#body').value.includes('/media/photos/')")
    body = page.input_value("#body")
    assert body.startswith("因管道检修，**3号楼明天停水**") and "| 楼栋 | 时间 |" in body
    assert page.input_value("#title") == "关于3号楼停水的通知"
    page.wait_for_selector(".linli-md-preview table")  # the live preview shows the table


def test_pasting_html_gives_clean_markdown(site, page):
    home, url = site
    page.goto(f"{url}/admin/notice/new/")
    page.fill("#body", "开头\n\n")
    page.eval_on_selector("#body", """(ta, html) => {
        ta.focus(); ta.setSelectionRange(ta.value.length, ta.value.length);
        const data = new DataTransfer();
        data.setData('text/html', html);
        data.setData('text/plain', '重要通知 明天停水');
        ta.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
    }""", PASTED)
    page.wait_for_function("document.querySelector('#body').value.includes('**停水**')")
    body = page.input_value("#body")
    assert body.startswith("开头\n\n## 重要通知\n\n明天**停水**。") and "<" not in body and "mso" not in body


def test_new_from_word_opens_the_drafts_edit_page(site, page, tmp_path):
    home, url = site
    source = tmp_path / "停水通知.docx"
    source.write_bytes(notice_docx())
    page.goto(f"{url}/admin/story/new/")
    page.set_input_files("#linli-from-word-file", str(source))
    page.click("button:has-text('从Word新建')")
    page.wait_for_url("**/admin/story/edit/**")
    shows(page, "已从 Word 文档新建草稿")
    assert page.input_value("#title") == "关于3号楼停水的通知"
    assert "/media/photos/" in page.input_value("#body")
    db.connect(home.database_url)
    assert m.Story.get().status == m.DRAFT
