"""Take the README's admin screenshots (docs/admin-*.png and docs/start-*.png).

Builds a throwaway demo home in a temporary folder (with a folder target standing in for a web
host, published once), serves preview + admin on loopback, logs in as an editor in Debian's
Chromium (Playwright) and photographs, at an office PC's window size: the dashboard, the notice
editor, and the steps of README's "Start your community" (community details, the notice list,
a new notice being written, the publish page). Each picture is saved as a small palette PNG
(Pillow). Run: ``.venv/bin/python scripts/screenshots.py``.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
sys.path.insert(0, str(ROOT))

from linli import accounts, db  # noqa: E402
from linli import models as m  # noqa: E402
from linli.demo import fill_demo  # noqa: E402
from linli.home import Home  # noqa: E402
from linli.publisher import run_publish  # noqa: E402
from linli.serve import create_preview_app  # noqa: E402
from tests.browser import CHROMIUM, CHROMIUM_ARGS, LiveServer  # noqa: E402

NOW = dt.datetime(2026, 11, 25, 10, 0)
PASSWORD = "screenshot-password"
TARGET = """
[deploy.web]
kind = "folder"
path = "online"
url = "https://xingfuli.example.org/"
auto = true
"""
NEW_NOTICE_TITLE = "本周六上午社区义诊"
NEW_NOTICE_BODY = (
    "## 时间地点\n\n11 月 28 日（周六）上午 8:30—11:30，社区服务中心一楼。\n\n"
    "## 服务内容\n\n- 免费量血压、测血糖\n- 家庭医生咨询\n\n请带上医保卡。"
)


def save(page, name: str, *, full_page: bool = False) -> None:
    """A screenshot of the page as a palette PNG, small enough for the README."""
    image = Image.open(io.BytesIO(page.screenshot(full_page=full_page))).convert("RGB")
    image = image.quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    path = DOCS / name
    image.save(path, optimize=True)
    print(f"docs/{name}: {path.stat().st_size // 1024} KB")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Home.create(Path(tmp) / "home")
        with home.settings_path.open("a", encoding="utf-8") as settings:
            settings.write(TARGET)
        home = Home.open(home.root)
        db.connect(home.database_url)
        fill_demo(home, NOW, photos=True)
        accounts.add_user("wang", PASSWORD, role="editor", display_name="王主任")
        accounts.add_user("li", PASSWORD, role="admin", display_name="李书记")
        run_publish(home, "wang")
        notice = m.Notice.select().where(m.Notice.status == "published").order_by(m.Notice.id).first()
        server = LiveServer(create_preview_app(home))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                admin = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
                log_in(admin, server.url, "li")
                admin.goto(f"{server.url}/admin/settings/")
                save(admin, "start-settings.png")
                editor = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
                log_in(editor, server.url, "wang")
                save(editor, "admin-dashboard.png", full_page=True)
                editor.goto(f"{server.url}/admin/notice/edit/?id={notice.id}")
                editor.wait_for_load_state("networkidle")
                save(editor, "admin-notice-editor.png")
                editor.set_viewport_size({"width": 1280, "height": 640})
                editor.goto(f"{server.url}/admin/notice/")
                save(editor, "start-list.png")
                editor.set_viewport_size({"width": 1280, "height": 900})
                editor.goto(f"{server.url}/admin/notice/new/")
                editor.fill("input[name=title]", NEW_NOTICE_TITLE)
                editor.fill("textarea[name=body]", NEW_NOTICE_BODY)
                editor.wait_for_timeout(1500)  # the live preview follows the text
                save(editor, "start-write.png")
                editor.goto(f"{server.url}/admin/publish/")
                editor.wait_for_load_state("networkidle")
                save(editor, "start-publish.png")
                browser.close()
        finally:
            server.stop()
            db.database.close()


def log_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_load_state("networkidle")


if __name__ == "__main__":
    main()
