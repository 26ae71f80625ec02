"""The admin: accounts, roles on every URL, CSRF, throttling, no lost work (conflicts,
revisions, trash), audit log. Real admin app, real SQLite file."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape as html_unescape

import pytest
from click.testing import CliRunner

from admin import create_admin_app
from linli import accounts, limits, validation
from linli import models as m
from linli.app import create_public_app
from linli.cli import cli

PASSWORD = "correct-horse-1"


@pytest.fixture
def app(home):
    for role in ("admin", "editor", "contributor"):
        accounts.add_user(role, PASSWORD, role=role)
    accounts.add_user("contributor2", PASSWORD, role="contributor")
    app = create_admin_app(home)
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def login(app, username, password=PASSWORD, address="10.0.0.1"):
    client = app.test_client()
    response = client.post("/login/", data={"username": username, "password": password},
                           environ_base={"REMOTE_ADDR": address})  # fmt: skip
    return client, response


def flashes(response) -> str:
    html = response.get_data(as_text=True)
    return " ".join(re.findall(r'class="(?:alert|flash)[^"]*"[^>]*>(.*?)</(?:div|p)>', html, re.S))


# Open to anyone on purpose: the login page and the monitoring probe's one word (admin/health.py).
PUBLIC_ENDPOINTS = ("static", "auth.login", "health.healthz")


def get_urls(app):
    """Every admin page without URL arguments, as GET."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and rule.endpoint not in PUBLIC_ENDPOINTS
        and not rule.rule.startswith("/static") and not rule.rule.endswith(".json") and "/ajax/" not in rule.rule
    )  # fmt: skip


def test_anonymous_is_sent_to_login_everywhere(app):
    client = app.test_client()
    urls = get_urls(app)
    assert len(urls) > 30
    for url in urls:
        response = client.get(url)
        assert response.status_code in (302, 401), url
        if response.status_code == 302:
            assert "/login/" in response.headers["Location"], url
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and not rule.arguments and rule.endpoint != "auth.login":
            assert client.post(rule.rule).status_code in (302, 401, 403), rule.rule


@pytest.mark.parametrize(
    "role, forbidden",
    [("contributor", ("/users/", "/settings/", "/audit/", "/status/", "/publish/site.zip", "/spreadsheet/")),
     ("editor", ("/users/", "/settings/", "/audit/", "/status/")), ("admin", ())],
)  # fmt: skip
def test_each_role_sees_what_it_may(app, role, forbidden):
    client, _ = login(app, role)
    for url in get_urls(app):
        response = client.get(url)
        if url.startswith(forbidden) and forbidden:
            assert response.status_code == 403, (role, url)
        else:
            assert response.status_code in (200, 302), (role, url, response.status_code)
            if response.status_code == 302:
                assert "/login/" not in response.headers["Location"], (role, url)


def test_login_messages_do_not_reveal_accounts_and_failures_lock(app):
    _, wrong = login(app, "editor", "nope-nope-nope")
    _, unknown = login(app, "nobody", "nope-nope-nope")
    assert accounts.WRONG_LOGIN in flashes(wrong) and accounts.WRONG_LOGIN in flashes(unknown)
    for _ in range(4):
        login(app, "editor", "still-wrong")
    client, locked = login(app, "editor")  # the right password, but too late
    assert "锁定" in flashes(locked)
    assert client.get("/").status_code == 302
    # Another account from another address is not affected.
    client, _ = login(app, "admin", address="10.0.0.2")
    assert client.get("/").status_code == 200
    # The operator's way out: reset the password on the command line.
    assert m.AuditEvent.select().where(m.AuditEvent.action == "login_failed").count() == 7


def test_many_accounts_from_one_address_lock_that_address(app):
    for n in range(accounts.MAX_FAILURES_PER_ADDRESS):
        login(app, f"guess{n}", "wrong-password", address="10.9.9.9")
    _, response = login(app, "admin", address="10.9.9.9")
    assert "锁定" in flashes(response)
    client, _ = login(app, "admin", address="10.9.9.10")
    assert client.get("/").status_code == 200


def test_password_change_ends_other_sessions(app):
    client, _ = login(app, "editor")
    assert client.get("/").status_code == 200
    accounts.set_password(m.User.get(m.User.username == "editor"), "a-new-password")
    assert client.get("/").status_code == 302
    fresh, _ = login(app, "editor", "a-new-password")
    assert fresh.get("/").status_code == 200


def test_csrf_token_is_required(home, app):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    assert client.post("/login/", data={"username": "editor", "password": PASSWORD}).status_code == 400
    page = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login/", data={"username": "editor", "password": PASSWORD, "csrf_token": token})
    assert client.get("/").status_code == 200
    response = client.post("/notice/new/", data={"title": "伪造的通知", "status": "published"})
    assert response.status_code == 400 and "没有执行" in response.get_data(as_text=True)
    assert m.Notice.select().count() == 0


def notice_form(**fields):
    data = {"title": "停水通知", "category": "停水停电", "summary": "", "body": "明天停水", "status": "draft",
            "slug": "", "internal_note": "", "edit_version": "", "keep_after_expiry": "y"}  # fmt: skip
    data.update(fields)
    return data


def test_contributor_writes_drafts_and_submits_but_cannot_publish(app):
    client, _ = login(app, "contributor")
    response = client.post("/notice/new/", data=notice_form(status="published"), follow_redirects=True)
    assert "没有保存" in flashes(response) and "不是有效的选择" in response.get_data(as_text=True)
    assert m.Notice.select().count() == 0
    client.post("/notice/new/", data=notice_form())
    notice = m.Notice.get()
    assert notice.author == "contributor" and notice.status == "draft"
    client.post(f"/notice/edit/?id={notice.id}", data=notice_form(status="review", edit_version="1", slug=notice.slug))
    assert m.Notice.get_by_id(notice.id).status == "review"

    editor, _ = login(app, "editor")
    editor.post(f"/notice/edit/?id={notice.id}", data=notice_form(status="published", edit_version="2", slug=notice.slug))
    assert m.Notice.get_by_id(notice.id).status == "published"
    assert m.AuditEvent.select().where(m.AuditEvent.action == "publish").count() == 1
    page = create_public_app(home_of(app)).test_client().get("/notices/").get_data(as_text=True)
    assert "停水通知" in page

    # Published now: the contributor can no longer change or delete it.
    response = client.get(f"/notice/edit/?id={notice.id}")
    assert response.status_code == 302 and "details" in response.headers["Location"]
    client.post(f"/notice/edit/?id={notice.id}", data=notice_form(title="改掉", edit_version="3", slug=notice.slug))
    client.post("/notice/delete/", data={"id": notice.id})
    client.post("/notice/action/", data={"action": "delete", "rowid": [notice.id]})
    kept = m.Notice.get_by_id(notice.id)
    assert kept.title == "停水通知" and kept.deleted_at is None


def home_of(app):
    return app.config["LINLI_HOME"]


def test_contributor_cannot_touch_another_contributors_draft(app):
    other, _ = login(app, "contributor2")
    other.post("/notice/new/", data=notice_form(title="别人的草稿"))
    draft = m.Notice.get()
    client, _ = login(app, "contributor")
    client.post(f"/notice/edit/?id={draft.id}", data=notice_form(title="我改的", edit_version="1", slug=draft.slug))
    client.post("/notice/delete/", data={"id": draft.id})
    assert m.Notice.get_by_id(draft.id).title == "别人的草稿" and m.Notice.get_by_id(draft.id).deleted_at is None


def test_second_of_two_concurrent_edits_is_refused_and_keeps_its_text(app):
    first, _ = login(app, "editor")
    second, _ = login(app, "admin")
    first.post("/notice/new/", data=notice_form(title="原标题"))
    notice = m.Notice.get()
    for client in (first, second):  # both open the form at version 1
        assert 'name="edit_version" type="hidden" value="1"' in client.get(f"/notice/edit/?id={notice.id}").get_data(as_text=True)
    first.post(f"/notice/edit/?id={notice.id}", data=notice_form(title="第一位的修改", edit_version="1", slug=notice.slug))
    response = second.post(f"/notice/edit/?id={notice.id}",
                           data=notice_form(title="第二位的修改", body="第二位辛苦写的正文", edit_version="1", slug=notice.slug))  # fmt: skip
    assert response.status_code == 200
    assert "没有保存" in flashes(response) and "editor" in flashes(response)
    html = response.get_data(as_text=True)
    assert "第二位辛苦写的正文" in html and "第二位的修改" in html  # their text is still in the form
    saved = m.Notice.get_by_id(notice.id)
    assert saved.title == "第一位的修改" and saved.version == 2


def test_every_save_is_a_revision_that_can_be_restored(app):
    client, _ = login(app, "editor")
    client.post("/notice/new/", data=notice_form(title="第一版", body="第一版正文"))
    notice = m.Notice.get()
    client.post(f"/notice/edit/?id={notice.id}", data=notice_form(title="第二版", body="第二版正文", edit_version="1", slug=notice.slug))
    history = client.get(f"/notice/history/?id={notice.id}").get_data(as_text=True)
    assert "恢复此版本" in history and "标题" in history
    first = m.Revision.get((m.Revision.target_id == notice.id) & (m.Revision.version == 1))
    client.post("/notice/restore/", data={"id": notice.id, "revision": first.id})
    restored = m.Notice.get_by_id(notice.id)
    assert (restored.title, restored.body, restored.version) == ("第一版", "第一版正文", 3)
    assert m.Revision.select().where(m.Revision.target_id == notice.id).count() == 3


def test_delete_goes_to_trash_and_comes_back(app):
    client, _ = login(app, "editor")
    client.post("/notice/new/", data=notice_form(title="要删除的通知", status="published"))
    notice = m.Notice.get()
    client.post("/notice/delete/", data={"id": notice.id})
    assert m.Notice.get_by_id(notice.id).deleted_at is not None
    assert "要删除的通知" not in client.get("/notice/").get_data(as_text=True)
    public_client = create_public_app(home_of(app)).test_client()
    assert public_client.get(f"/notices/{notice.slug}/").status_code == 404
    assert "要删除的通知" in client.get("/trash/").get_data(as_text=True)
    assert client.post("/trash/purge/", data={"type": "Notice", "id": notice.id}).status_code == 403
    client.post("/trash/restore/", data={"type": "Notice", "id": notice.id})
    assert m.Notice.get_by_id(notice.id).deleted_at is None
    assert public_client.get(f"/notices/{notice.slug}/").status_code == 200
    admin, _ = login(app, "admin")
    admin.post("/notice/delete/", data={"id": notice.id})
    admin.post("/trash/purge/", data={"type": "Notice", "id": notice.id})
    assert m.Notice.get_or_none(m.Notice.id == notice.id) is None
    actions = [e.action for e in m.AuditEvent.select().order_by(m.AuditEvent.id)]
    assert {"create", "delete", "undelete", "purge"} <= set(actions)


@pytest.mark.parametrize("bad_id", ["abc", "99999", "", "1 OR 1=1"])
def test_missing_or_bad_ids_never_raise(app, bad_id):
    client, _ = login(app, "editor")
    for path in ("/notice/edit/", "/notice/details/", "/notice/history/"):
        assert client.get(f"{path}?id={bad_id}").status_code in (302, 404), path


def test_chinese_search_and_filters_in_lists(app):
    client, _ = login(app, "editor")
    for title in ("东院停水通知", "西院停电通知", "疫苗接种安排"):
        client.post("/notice/new/", data=notice_form(title=title))
    page = client.get("/notice/?search=停水").get_data(as_text=True)
    assert "东院停水通知" in page and "疫苗接种安排" not in page


def test_user_commands(home):
    runner = CliRunner()
    root = str(home.root)
    result = runner.invoke(cli, ["--home", root, "user", "add", "xiaoli", "--role", "contributor", "--name", "小李"],
                           input="a-good-password\na-good-password\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["--home", root, "user", "list"])
    assert "xiaoli\t投稿人\t小李\t从未登录" in result.output
    for _ in range(accounts.MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(Exception):
            accounts.log_in("xiaoli", "wrong-password", "10.1.1.1")
    result = runner.invoke(cli, ["--home", root, "user", "passwd", "xiaoli"], input="another-password\nanother-password\n")
    assert result.exit_code == 0 and "锁定已解除" in result.output
    assert accounts.log_in("xiaoli", "another-password", "10.1.1.1").username == "xiaoli"
    result = runner.invoke(cli, ["--home", root, "user", "passwd", "nobody"], input="another-password\nanother-password\n")
    assert result.exit_code == 1 and "没有名为" in result.stderr


def test_staff_wording_replaces_flask_admin_messages(app):
    client, _ = login(app, "editor")
    client.post("/notice/new/", data=notice_form(title="要删的"))
    notice = m.Notice.get()
    response = client.post("/notice/delete/", data={"id": notice.id}, follow_redirects=True)
    assert "已移入回收站" in flashes(response) and "%(count)s" not in response.get_data(as_text=True)
    response = client.post("/notice/new/", data=notice_form(title=""), follow_redirects=True)
    assert "没有保存" in flashes(response)


# --- what a form takes: linli.validation, the same words as the import ----------------------------


def field_errors(response) -> list[str]:
    """The messages the form shows under its fields."""
    html = response.get_data(as_text=True)
    lists = re.findall(r'<ul class="form-text text-danger[^"]*">(.*?)</ul>', html, re.S)
    return [html_unescape(" ".join(item.split())) for found in lists for item in re.findall(r"<li>(.*?)</li>", found, re.S)]


def test_a_body_over_the_limit_is_refused_under_its_field_and_kept_in_the_form(app):
    client, _ = login(app, "editor")
    body = "第一段。\n\n" + "长" * limits.TEXT_CHARS  # 600 KB: more than a form field held before
    response = client.post("/notice/new/", data=notice_form(title="很长的通知", body=body), content_type="multipart/form-data")
    assert response.status_code == 200
    assert "没有保存" in flashes(response)
    assert validation.too_long(len(body), limits.TEXT_CHARS) in field_errors(response)
    assert "太长：最多 200,000 个字，实际 200,006 个字。请删去多余的内容，或拆成几篇。" in field_errors(response)
    assert body in html_unescape(response.get_data(as_text=True))  # the staff's text is still in the form
    assert m.Notice.select().count() == 0

    client.post("/notice/new/", data=notice_form(title="短通知"))
    notice = m.Notice.get()
    response = client.post(f"/notice/edit/?id={notice.id}", data=notice_form(title="短通知", body=body, edit_version="1", slug=notice.slug),
                           content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 200 and "没有保存" in flashes(response)
    kept = m.Notice.get_by_id(notice.id)
    assert (kept.body, kept.version) == ("明天停水", 1)
    assert m.Revision.select().count() == 1


def test_a_body_pasted_by_accident_gets_an_answer_not_a_bare_error(app):
    client, _ = login(app, "editor")
    body = "长" * (3 * 1024 * 1024)  # 9 MB: an accident, still answered by the form
    response = client.post("/notice/new/", data=notice_form(body=body), content_type="multipart/form-data")
    assert response.status_code == 200
    assert f"太长：最多 200,000 个字，实际 {len(body):,} 个字。请删去多余的内容，或拆成几篇。" in field_errors(response)
    absurd = "长" * (limits.FORM_FIELD_BYTES // 3 + 1)  # over what the admin reads of one field
    response = client.post("/notice/new/", data=notice_form(body=absurd), content_type="multipart/form-data")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert page.startswith("提交的内容太大了，没有保存：正文等每段文字最多 200,000 个字。") and "返回" in page
    assert m.Notice.select().count() == 0


def test_forms_refuse_with_the_words_of_the_import(app):
    client, _ = login(app, "editor")
    cases = [
        (notice_form(title="长" * 201), "太长：最多 200 个字，实际 201 个字。"),
        (notice_form(title=" \x00 "), "不能为空。"),
        (notice_form(summary="要" * 301), "太长：最多 300 个字，实际 301 个字。"),
        (notice_form(slug="关于 我们"), "网址名 “关于 我们” 只能包含文字、数字和连字符“-”，且不能以“-”开头或结尾。"),
        (notice_form(publish_at="0001-01-01 00:00:00"), "超出范围：年份应在 1900 到 2999 之间，实际为 0001-01-01T00:00:00。"),
    ]
    for form, words in cases:
        response = client.post("/notice/new/", data=form)
        assert words in field_errors(response), (form, field_errors(response))
        # The import says the same after the file and the field's name.
        values = {k: v for k, v in form.items() if k in ("title", "summary", "slug")}
        if "publish_at" in form and form["publish_at"]:
            values["publish_at"] = dt.datetime.fromisoformat(form["publish_at"])
        assert words in [problem.message for problem in validation.check(m.Notice, values)[1]]
    grid = {"title": "第一网格", "buildings": "\n".join(f"{n}号楼" for n in range(1, 102)), "area": "", "body": "",
            "position": "0", "status": "draft", "slug": "", "internal_note": "", "edit_version": ""}  # fmt: skip
    response = client.post("/grid/new/", data=grid)
    assert "太多了：每个网格最多 100 个楼栋（一行一个），这里有 101 行。" in field_errors(response)
    assert m.Notice.select().count() == m.Grid.select().count() == 0


def test_forms_drop_control_characters_as_the_import_does(app):
    client, _ = login(app, "editor")
    typed = {"title": "停水\x00通知\x1b[1m", "summary": "明天\t停水\r\n请储水\x07", "body": "第一段\x00\r\n\r\n\x0c第二段\t缩进\x85完"}
    client.post("/notice/new/", data=notice_form(**typed))
    notice = m.Notice.get()
    assert (notice.title, notice.summary, notice.body) == ("停水通知[1m", "明天 停水 请储水", "第一段\r\n\r\n第二段\t缩进完")
    assert {k: getattr(notice, k) for k in typed} == validation.clean(m.Notice, typed)


def test_site_settings_are_checked_as_site_md_is(app):
    client, _ = login(app, "admin")
    fields = {"name": "幸福里社区", "intro": "长" * (limits.TEXT_CHARS + 1), "main_phone": "1" * 51}
    response = client.post("/settings/", data=fields)
    assert "社区概况（Markdown）：太长：最多 200,000 个字，实际 200,001 个字。" in flashes(response)
    assert "社区电话：太长：最多 50 个字，实际 51 个字。" in flashes(response)
    assert "长" * (limits.TEXT_CHARS + 1) in response.get_data(as_text=True)  # kept in the form
    assert m.SiteSettings.select().count() == 0
    client.post("/settings/", data={"name": "幸福里\x00社区", "intro": "社区\x07概况"})
    assert (m.SiteSettings.get().name, m.SiteSettings.get().intro) == ("幸福里社区", "社区概况")
