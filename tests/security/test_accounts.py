"""Accounts hold, beyond tests/test_admin.py (roles on argument-free pages, throttling, a
password changed in code): identical answers whatever the account, a password changed by an
admin in the admin ending the other sessions, and every admin URL *with* arguments, as each
role and anonymously, against real items."""

from __future__ import annotations

import re

import pytest

from linli import accounts
from linli import models as m
from tests.test_admin import PASSWORD, app, login  # noqa: F401 - the fixture is used by name
from tests.conftest import PRODUCTION_PASSWORD_METHOD

CSRF = re.compile(r'name="csrf_token"[^>]*value="[^"]*"')


@pytest.fixture(autouse=True)
def real_password_hash(monkeypatch):
    """Accounts here are hashed as in production (the rest of the suite hashes cheaply)."""
    monkeypatch.setattr(accounts, "PASSWORD_METHOD", PRODUCTION_PASSWORD_METHOD)


def test_passwords_are_hashed_with_full_cost_scrypt(app):
    full_cost = "scrypt:32768:8:1$"  # werkzeug's scrypt: N = 2**15, r = 8, p = 1
    users = list(m.User.select())
    assert len(users) == 4 and all(u.password_hash.startswith(full_cost) for u in users)
    accounts.set_password(users[0], "another-password-1")
    assert users[0].password_hash.startswith(full_cost)
    assert accounts._dummy_hash(accounts.PASSWORD_METHOD).startswith(full_cost)  # same work for no account
    client, response = login(app, users[0].username, "another-password-1")
    assert response.status_code == 302 and client.get("/").status_code == 200


def login_page(app, username, password, address):
    _, response = login(app, username, password, address=address)
    html = response.get_data(as_text=True)
    return response.status_code, CSRF.sub("", html).replace(username, "<name>")


def test_login_answers_are_identical_for_any_account(app):
    m.User.update(active=False).where(m.User.username == "contributor2").execute()
    answers = {
        "wrong password": login_page(app, "editor", "wrong-password-1", "10.0.1.1"),
        "no such account": login_page(app, "nobody", "wrong-password-1", "10.0.1.2"),
        "deactivated, right password": login_page(app, "contributor2", PASSWORD, "10.0.1.3"),
    }
    assert len(set(answers.values())) == 1, answers
    # Locked: the same sentence whether or not the account exists.
    for _ in range(accounts.MAX_FAILURES_PER_ACCOUNT):
        login(app, "editor", "wrong", address="10.0.2.1")
        login(app, "ghost", "wrong", address="10.0.2.2")
    locked_real = login_page(app, "editor", PASSWORD, "10.0.2.3")
    locked_ghost = login_page(app, "ghost", PASSWORD, "10.0.2.4")
    assert locked_real == locked_ghost and accounts.LOCKED in locked_real[1]


def test_password_set_by_an_admin_ends_that_accounts_sessions(app):
    editor, _ = login(app, "editor")
    other_tab, _ = login(app, "editor", address="10.0.0.5")
    assert editor.get("/").status_code == 200 and other_tab.get("/").status_code == 200
    admin, _ = login(app, "admin")
    user = m.User.get(m.User.username == "editor")
    response = admin.post(f"/users/edit/?id={user.id}", data={"username": "editor", "display_name": "editor", "role": "editor",
                          "active": "y", "language": "zh-Hans", "new_password": "brand-new-pass-1"})  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert editor.get("/").status_code == 302 and other_tab.get("/").status_code == 302
    assert "/login/" in editor.get("/").headers["Location"]
    assert admin.get("/").status_code == 200  # the admin's own session goes on
    fresh, _ = login(app, "editor", "brand-new-pass-1")
    assert fresh.get("/").status_code == 200


def url_for_rule(rule, ids: dict) -> str:
    url = rule.rule
    for name in rule.arguments:
        url = url.replace(f"<int:{name}>", str(ids.get(name, 1))).replace(f"<{name}>", str(ids.get(name, 1)))
        url = url.replace(f"<path:{name}>", "photos/aa/none.jpg")
    return url


@pytest.fixture
def items(app):
    notice = m.Notice.create(title="编辑发布的通知", status="published", author="editor")
    album = m.Album.create(title="编辑的相册", status="published", author="editor")
    photo = m.Photo.create(album=album, file="photos/aa/none.jpg", caption="原说明")
    attachment = m.Attachment.create(notice=notice, title="原附件", file="files/aa/none.pdf")
    return {"notice_id": notice.id, "album_id": album.id, "photo_id": photo.id, "attachment_id": attachment.id,
            "id": notice.id}  # fmt: skip


def snapshot():
    return [(mm.__name__, [tuple(r.values()) for r in mm.select().dicts()])
            for mm in (m.Notice, m.Album, m.Photo, m.Attachment, m.User, m.SiteSettings)]  # fmt: skip


def test_every_url_with_arguments_needs_a_login_and_changes_nothing(app, items):
    # static files and the theme's icons are public by design (tests/test_serve.py serves them)
    rules = [r for r in app.url_map.iter_rules() if r.arguments and r.endpoint not in ("static", "theme_icon")
             and not r.rule.startswith("/static")]  # fmt: skip
    assert len(rules) >= 10
    before = snapshot()
    client = app.test_client()
    for rule in rules:
        url = url_for_rule(rule, items)
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = client.open(url, method=method, data={"caption": "匿名改的", "title": "匿名改的"})
            assert response.status_code in (302, 401, 403), (method, url, response.status_code)
            if response.status_code == 302:
                assert "/login/" in response.headers["Location"], (method, url)
    assert snapshot() == before


def test_a_contributor_cannot_change_an_editors_published_work_by_any_url(app, items):
    client, _ = login(app, "contributor")
    before = snapshot()
    rules = [r for r in app.url_map.iter_rules() if "POST" in r.methods and r.endpoint not in ("static", "auth.login",
             "auth.logout") and not r.rule.startswith(("/static", "/login"))]  # fmt: skip
    tried = 0
    for rule in rules:
        url = url_for_rule(rule, items)
        if "?" not in url and rule.endpoint.endswith((".edit_view", ".history", ".restore", ".delete_view", ".details_view")):
            url += f"?id={items['id']}"
        body = {"id": items["id"], "caption": "投稿人改的", "title": "投稿人改的", "ids": str(items["photo_id"]),
                "type": "Notice", "name": "投稿人改的", "new_password": "hijack-pass-1", "role": "admin"}  # fmt: skip
        client.post(url, data=body)
        tried += 1
    assert tried >= 15
    after = dict(snapshot())
    before = dict(before)
    for name in ("Notice", "Album", "Photo", "Attachment", "User", "SiteSettings"):
        if name in ("Notice", "Album"):  # drafts the contributor may create are theirs; the editor's items are unchanged
            kept = [row for row in after[name] if row in before[name]]
            assert len(kept) == len(before[name]), name
        else:
            assert after[name] == before[name], name
