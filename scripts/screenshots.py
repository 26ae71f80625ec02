"""Take the README's admin screenshots (docs/admin-dashboard.png, docs/admin-notice-editor.png).

Builds a throwaway demo home in a temporary folder, serves preview + admin on loopback, logs in
as an editor in Debian's Chromium (Playwright) and photographs the dashboard and the notice
editor at an office PC's window size. Run: ``.venv/bin/python scripts/screenshots.py``.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from linli import accounts, db  # noqa: E402
from linli import models as m  # noqa: E402
from linli.demo import fill_demo  # noqa: E402
from linli.home import Home  # noqa: E402
from linli.serve import create_preview_app  # noqa: E402
from tests.browser import CHROMIUM, CHROMIUM_ARGS, LiveServer  # noqa: E402

NOW = dt.datetime(2026, 11, 25, 10, 0)
PASSWORD = "screenshot-password"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Home.create(Path(tmp) / "home")
        db.connect(home.database_url)
        fill_demo(home, NOW, photos=True)
        accounts.add_user("wang", PASSWORD, role="editor", display_name="王主任")
        notice = m.Notice.select().where(m.Notice.status == "published").order_by(m.Notice.id).first()
        server = LiveServer(create_preview_app(home))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
                page.goto(f"{server.url}/admin/login/")
                page.fill("input[name=username]", "wang")
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit], input[type=submit]")
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(ROOT / "docs" / "admin-dashboard.png"), full_page=True)
                page.goto(f"{server.url}/admin/notice/edit/?id={notice.id}")
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(ROOT / "docs" / "admin-notice-editor.png"), full_page=False)
                browser.close()
        finally:
            server.stop()
            db.database.close()
    print("docs/admin-dashboard.png, docs/admin-notice-editor.png")


if __name__ == "__main__":
    main()
