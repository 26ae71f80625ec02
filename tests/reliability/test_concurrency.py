"""Several staff saving at once while the site builds: every save lands exactly once, nobody
sees "database is locked", and concurrent edits of one item are refused rather than lost.

The real admin app serves on loopback, in a thread (werkzeug, threaded) or as the production
server in a process of its own (``linli serve --production``, waitress); each member of staff is
a thread with its own cookie session and CSRF token, creating notices and editing their own one
for a bounded time while builds run back to back in another thread.
"""

from __future__ import annotations

import http.cookiejar
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from admin import create_admin_app
from linli import accounts
from linli import models as m
from linli.build import build
from tests.browser import LiveServer
from tests.production import ProductionServer, free_port

PASSWORD = "correct-horse-1"
STAFF = 4
PRODUCTION_STAFF = 6  # an office: 3–10 staff
SECONDS = 4.0


class Staff:
    """One member of staff in their own browser session."""

    def __init__(self, base: str, username: str):
        self.base = base
        self.username = username
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  NoRedirect())  # fmt: skip
        page = self.get("/login/")
        self.token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page)
        self.token = next(g for g in self.token.groups() if g)
        status, _ = self.post("/login/", username=username, password=PASSWORD)
        assert status == 302

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.read().decode()

    def post(self, path: str, **fields) -> tuple[int, str]:
        data = urllib.parse.urlencode({"csrf_token": self.token, **fields}).encode()
        try:
            with self.opener.open(self.base + path, data=data, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def notice_form(**fields):
    data = {"title": "", "category": "社区通知", "summary": "", "body": "", "status": "published", "slug": "",
            "internal_note": "", "edit_version": "", "keep_after_expiry": "y"}  # fmt: skip
    data.update(fields)
    return data


def test_staff_save_while_the_site_builds(home):
    for n in range(STAFF):
        accounts.add_user(f"staff{n}", PASSWORD, role="editor")
    server = LiveServer(create_admin_app(home))
    try:
        staff_save_while_the_site_builds(home, server.url, STAFF)
    finally:
        server.stop()


def test_staff_save_over_the_production_server(home):
    """The same over ``linli serve --production`` in its own process: six staff of an office."""
    for n in range(PRODUCTION_STAFF):
        accounts.add_user(f"staff{n}", PASSWORD, role="editor")
    server = ProductionServer(home, free_port())
    try:
        staff_save_while_the_site_builds(home, server.url + "/admin", PRODUCTION_STAFF)
    finally:
        assert server.stop() == 0
    assert "Traceback" not in server.output() and "locked" not in server.output(), server.output()


def staff_save_while_the_site_builds(home, base: str, staff: int) -> None:
    """``staff`` members of staff create and edit notices at ``base`` for :data:`SECONDS` while
    builds run back to back here; then every save is checked against the database."""
    results: dict[str, list] = {"created": [], "edits": [], "failures": [], "builds": []}
    # The clock starts once everyone has logged in and made their own notice: on a loaded
    # machine a slow login must not leave someone no time to save.
    stop: list[float] = []
    started = threading.Barrier(staff + 1, action=lambda: stop.append(time.monotonic() + SECONDS))

    def work(n: int) -> None:
        try:
            member = Staff(base, f"staff{n}")
            status, _ = member.post("/notice/new/", **notice_form(title=f"staff{n}-own", body="0"))
            own = m.Notice.get(m.Notice.title == f"staff{n}-own")
            version, edits, count = own.version, 0, 0
            started.wait(timeout=120)
            while time.monotonic() < stop[0]:
                count += 1
                title = f"staff{n}-note{count}"
                status, body = member.post("/notice/new/", **notice_form(title=title, body=f"第{count}条"))
                (results["created"] if status == 302 else results["failures"]).append((title, status, body[:300]))
                status, body = member.post(f"/notice/edit/?id={own.id}", **notice_form(
                    title=f"staff{n}-own", body=str(edits + 1), edit_version=str(version), slug=own.slug))  # fmt: skip
                if status == 302:
                    edits, version = edits + 1, version + 1
                    results["edits"].append(n)
                else:
                    results["failures"].append((f"edit {n}", status, body[:300]))
            results[f"own{n}"] = edits
        except Exception as exc:  # noqa: BLE001 - any failure is reported by the assertions below
            started.abort()  # nobody waits for this one
            results["failures"].append((f"staff{n}", "exception", repr(exc)))

    def builder() -> None:
        try:
            started.wait(timeout=120)
        except threading.BrokenBarrierError:
            return  # a member of staff failed: reported above
        while time.monotonic() < stop[0]:
            try:
                results["builds"].append(build(home).pages)
            except Exception as exc:  # noqa: BLE001
                results["failures"].append(("build", "exception", repr(exc)))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(staff)] + [threading.Thread(target=builder)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert results["failures"] == []
    assert not [r for r in results["created"] if "locked" in r[2].lower()]
    assert len(results["builds"]) >= 1
    created = [title for title, _, _ in results["created"]]
    assert len(created) >= staff and len(results["edits"]) >= staff
    titles = [n.title for n in m.Notice.select(m.Notice.title)]
    for title in created:
        assert titles.count(title) == 1, title  # present exactly once
    assert len(titles) == len(created) + staff  # nothing else, nothing twice
    for n in range(staff):  # every edit of one's own notice kept: the last body is the edit count
        own = m.Notice.get(m.Notice.title == f"staff{n}-own")
        assert own.body == str(results[f"own{n}"]) and own.version == results[f"own{n}"] + 1
    revisions = m.Revision.select().where(m.Revision.target_type == "Notice").count()
    assert revisions == len(created) + staff + len(results["edits"])  # one revision per save
    print(f"concurrent writes checked: {len(created)} notices created, {len(results['edits'])} edits, "
          f"{len(results['builds'])} builds alongside")


def test_two_staff_editing_one_notice_at_once_never_lose_a_save(home):
    accounts.add_user("first", PASSWORD, role="editor")
    accounts.add_user("second", PASSWORD, role="editor")
    server = LiveServer(create_admin_app(home))
    try:
        first, second = Staff(server.url, "first"), Staff(server.url, "second")
        first.post("/notice/new/", **notice_form(title="共同编辑", body="原文"))
        notice = m.Notice.get()
        outcomes = []
        barrier = threading.Barrier(2)

        def save(staff, body):
            barrier.wait()
            status, _ = staff.post(f"/notice/edit/?id={notice.id}", **notice_form(
                title="共同编辑", body=body, edit_version="1", slug=notice.slug))  # fmt: skip
            outcomes.append((body, status))

        threads = [threading.Thread(target=save, args=(s, b)) for s, b in ((first, "甲的修改"), (second, "乙的修改"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.stop()
    saved = [body for body, status in outcomes if status == 302]
    refused = [body for body, status in outcomes if status == 200]
    assert len(saved) == 1 and len(refused) == 1  # one saved, the other told and keeps their text
    assert m.Notice.get().body == saved[0] and m.Notice.get().version == 2
