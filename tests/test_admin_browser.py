"""Staff journeys through the admin in real Chromium, against a preview server on loopback."""

from __future__ import annotations

import time

import pytest

from linli import accounts, db
from linli import models as m
from linli.serve import create_preview_app
from tests.browser import LiveServer, require_chromium, shows

pytestmark = pytest.mark.sqlite_only(reason="Chromium driving the admin: the same views run on both in tests/test_admin.py and tests/test_uploads.py")

require_chromium()
sync_api = pytest.importorskip("playwright.sync_api")
PASSWORD = "a-strong-password"


@pytest.fixture(scope="module")
def site(tmp_path_factory, text_demo_site, copy_home):
    """A copy of the session's built demo (no photos) with two staff accounts, served with the
    admin on loopback: the journeys here write to it (and publish: incremental builds, the
    first build of the content having been made in the session)."""
    home = copy_home(text_demo_site, tmp_path_factory.mktemp("admin-browser") / "home")
    db.connect(home.database_url)
    for role in ("editor", "contributor"):
        accounts.add_user(role, PASSWORD, role=role, display_name={"editor": "王主任", "contributor": "小李"}[role])
    server = LiveServer(create_preview_app(home))
    yield home, server.url
    server.stop()


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
        shows(page, "用户名或密码不正确", "main")
    log_in(page, url, "editor")  # right password, too late
    shows(page, "锁定", "main")
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
    shows(first, "已保存")
    second.fill("#body", "第二位同事写了很久的正文，不能丢。")
    second.click("input[type=submit][value='保存']")
    shows(second, "没有保存")
    assert second.input_value("#body") == "第二位同事写了很久的正文，不能丢。"
    db.connect(home.database_url)
    assert m.Notice.get_by_id(notice.id).title == "第一位同事改的标题"


def publish(page, url, home):
    """Press 发布网站, wait until that build has finished, and see the page say so."""
    db.connect(home.database_url)
    last = m.Run.select(m.Run.id).order_by(m.Run.id.desc()).scalar() or 0
    page.goto(f"{url}/admin/publish/")
    page.click("button:has-text('发布网站')")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run = m.Run.select().where(m.Run.id > last).order_by(m.Run.id.desc()).first()
        if run and run.state != "running":
            break
        time.sleep(0.2)
    assert run and run.state == "succeeded", run and run.message
    # The page's script reloads it once the build is over (a reload of our own would race it).
    shows(page, "网站已更新", timeout=30_000)


def make_jpeg(path, colour):
    from PIL import Image

    Image.new("RGB", (1200, 800), colour).save(path, "JPEG")
    return path


def test_notice_with_image_goes_from_contributor_to_editor_to_built_site(site, new_page, tmp_path):
    home, url = site
    writer = new_page()
    log_in(writer, url, "contributor")
    writer.goto(f"{url}/admin/notice/new/")
    writer.fill("#title", "关于7号楼电梯更换的通知")
    writer.fill("#category", "社区通知")
    writer.fill("#body", "7号楼电梯将于下周一开始更换，工期约两周。\n\n")
    with writer.expect_file_chooser() as chooser:
        writer.click("button:has-text('插入图片')")
    chooser.value.set_files(str(make_jpeg(tmp_path / "电梯.jpg", (200, 120, 40))))
    writer.wait_for_function("document.querySelector('#body').value.includes('/media/photos/')")
    writer.select_option("#status", "review")
    writer.click("input[type=submit][value='保存']")
    shows(writer, "已保存")

    editor = new_page()
    log_in(editor, url, "editor")
    shows(editor, "关于7号楼电梯更换的通知", "main, body")  # in the dashboard's review list
    editor.click("a:has-text('关于7号楼电梯更换的通知')")
    editor.select_option("#status", "published")
    editor.click("input[type=submit][value='保存']")
    shows(editor, "已保存")

    publish(editor, url, home)

    db.connect(home.database_url)
    notice = m.Notice.get(m.Notice.title == "关于7号楼电梯更换的通知")
    assert notice.author == "contributor" and notice.status == "published"
    resident = new_page()
    resident.goto((home.site_dir / "notices" / notice.slug / "index.html").as_uri())
    assert resident.locator("article h1").inner_text().endswith("关于7号楼电梯更换的通知")
    image = resident.locator("article .prose img")
    image.scroll_into_view_if_needed()
    assert image.evaluate("img => img.complete && img.naturalWidth") > 0


def test_album_upload_of_several_photos_reaches_the_site(site, new_page, tmp_path):
    home, url = site
    db.connect(home.database_url)
    album = m.Album.select().where(m.Album.status == "published").first()
    before = album.photos.count()
    page = new_page()
    log_in(page, url, "editor")
    page.goto(f"{url}/admin/album/{album.id}/photos/")
    files = [str(make_jpeg(tmp_path / f"活动{i}.jpg", (40 * i, 100, 160))) for i in range(1, 4)]
    page.set_input_files("#linli-photo-input", files)
    wanted = before + 3
    page.wait_for_function(
        f"document.querySelectorAll('li.linli-photo[data-id]:not([data-id=\"\"])').length >= {wanted}", timeout=30_000
    )
    db.connect(home.database_url)
    assert m.Album.get_by_id(album.id).photos.count() == before + 3
    publish(page, url, home)
    html = (home.site_dir / "albums" / album.slug / "index.html").read_text(encoding="utf-8")
    assert html.count("<figure>") == before + 3


def test_english_account_gets_english_editor_and_album_scripts(site, new_page, tmp_path):
    """The scripts' wording comes from the page in the account's language (admin/i18n.py)."""
    home, url = site
    db.connect(home.database_url)
    if not m.User.select().where(m.User.username == "ann").exists():
        accounts.add_user("ann", PASSWORD, role="editor")
        m.User.update(language="en").where(m.User.username == "ann").execute()
    page = new_page()
    log_in(page, url, "ann")
    page.goto(f"{url}/admin/notice/new/")
    toolbar = page.locator(".linli-md-toolbar").first
    assert [toolbar.locator("button").nth(i).inner_text() for i in range(5)] == [
        "Heading", "Bold", "List", "Link", "Insert image"]  # fmt: skip
    page.fill("#body", "")
    toolbar.locator("button:has-text('Bold')").click()
    assert page.input_value("#body") == "**bold text**"
    page.wait_for_function("document.querySelector('.linli-md-preview strong')")
    assert "Preview (as it looks on the site)" in page.inner_text(".linli-md-preview-pane")

    album = m.Album.select().first()
    page.goto(f"{url}/admin/album/{album.id}/photos/")
    huge = tmp_path / "huge.jpg"
    huge.write_bytes(b"\xff\xd8" + b"0" * (41 * 1024 * 1024))  # over every limit: refused before sending
    page.set_input_files("#linli-photo-input", str(huge))
    page.wait_for_function(
        "document.querySelector('#linli-upload-summary .linli-summary-text').textContent.includes('Failed')"
    )
    summary = page.inner_text("#linli-upload-summary")
    assert "Upload finished: 1 in total" in summary and "“huge.jpg” is too large" in summary
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in summary)
