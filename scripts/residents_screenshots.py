"""Screenshots for the README's "For residents" section: a notice of the demo community in
large-text mode on a phone, and the same notice as printed on A4 (Chromium's PDF, turned into
a PNG by pdftoppm from Debian's poppler-utils).

    .venv/bin/python scripts/residents_screenshots.py   # writes docs/notice-large-text.png, docs/notice-print.png
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.exceptions import NotFound  # noqa: E402
from werkzeug.middleware.shared_data import SharedDataMiddleware  # noqa: E402

from linli import db  # noqa: E402
from linli import models as m  # noqa: E402
from linli.build import build  # noqa: E402
from linli.demo import fill_demo  # noqa: E402
from linli.home import Home  # noqa: E402
from tests.browser import CHROMIUM, CHROMIUM_ARGS, LiveServer  # noqa: E402

NOW = dt.datetime(2026, 11, 25, 10, 0)
NOTICE = "供水管道破裂"  # the demo's urgent water-cut notice


def main() -> None:
    docs = ROOT / "docs"
    with tempfile.TemporaryDirectory() as tmp:
        home = Home.create(Path(tmp) / "home")
        text = home.settings_path.read_text(encoding="utf-8")
        text = text.replace('base_url = ""', 'base_url = "https://xingfuli.example.org/"')
        home.settings_path.write_text(text.replace('["zh-Hans"]', '["zh-Hans", "zh-Hant"]'), encoding="utf-8")
        home = Home.open(home.root)
        db.connect(home.database_url)
        fill_demo(home, NOW)
        build(home, now=NOW)
        notice = m.Notice.get(m.Notice.title.contains(NOTICE))
        server = LiveServer(SharedDataMiddleware(NotFound(), {"/": str(home.site_dir)}))
        url = f"{server.url}/notices/{notice.slug}/index.html"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            phone = browser.new_page(viewport={"width": 390, "height": 1500}, device_scale_factor=1)
            phone.goto(url)
            phone.get_by_role("link", name="大字模式").click()
            phone.screenshot(path=str(docs / "notice-large-text.png"))
            paper = browser.new_page()
            paper.goto(url)
            pdf = Path(tmp) / "notice.pdf"
            paper.pdf(path=str(pdf), format="A4")
            browser.close()
        server.stop()
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf), str(docs / "notice-print")], check=True)
    print("wrote docs/notice-large-text.png and docs/notice-print.png")


if __name__ == "__main__":
    main()
