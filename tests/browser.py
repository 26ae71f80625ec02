"""Shared pieces of the browser tests: Debian's Chromium through Playwright, and a preview
server (public site + admin) running on loopback in a thread."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def require_chromium() -> None:
    """Skip browser tests where Chromium is missing, except in CI, where that is a failure."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            raise RuntimeError("CI must install Debian's chromium (scripts/test.sh does)")
        pytest.skip("Debian's chromium is not installed", allow_module_level=True)


def require_node() -> str:
    """Node, for the tests that run the search client's own code; skipped where it is missing,
    except in CI, where that is a failure."""
    node = shutil.which("node")
    if not node:
        if os.environ.get("CI"):
            raise RuntimeError("CI must install Debian's nodejs (scripts/test.sh does)")
        pytest.skip("node is not installed")
    return node


class LiveServer:
    """Serves a WSGI app on 127.0.0.1 on a free port until stopped."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)



def shows(page, text: str, selector: str = "body", *, exact: bool = False, timeout: float = 15_000) -> None:
    """Wait until the first `selector` on the page contains `text` (is exactly `text` if `exact`),
    failing after `timeout` ms.

    After a click that submits a form or follows a link, the next page may still be loading:
    reading its text at once can see the last page or half of the next (a saved notice's list,
    its nav parsed and its flash not yet)."""
    from playwright.sync_api import expect

    located = expect(page.locator(selector).first)
    if exact:
        located.to_have_text(text, timeout=timeout)
    else:
        located.to_contain_text(text, timeout=timeout)
