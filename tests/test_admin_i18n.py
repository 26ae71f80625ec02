"""The staff admin speaks each account's language (User.language: zh-Hans or en): its own
wording through the "admin" gettext domain (msgids are the Chinese text), the scripts' wording
through the JSON of _i18n.html, linli/'s Chinese labels translated where they are shown; the
English catalogue is complete and in step with the code."""

from __future__ import annotations

import json
import re

import pytest

from admin import create_admin_app
from admin.i18n import WORDS
from admin.views import ContentView
from linli import accounts, media, registry, runs
from linli import models as m
from linli.deploy import config as deploy_config
from linli.home import PROJECT_ROOT

ADMIN = PROJECT_ROOT / "admin"
PO = ADMIN / "translations" / "en" / "LC_MESSAGES" / "admin.po"
KEYWORDS = {"_gettext": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2), "_ngettext": (1, 2),
            "_l": None, "_": None, "N_": None, "Names": (1,)}  # fmt: skip  (as scripts/translations.sh passes them)
DECLARATIONS = [PROJECT_ROOT / "linli" / "registry.py", PROJECT_ROOT / "linli" / "models.py"]  # (also extracted)
FIX = f"Run scripts/translations.sh, translate the new or changed entries in {PO.relative_to(PROJECT_ROOT)} and run it again."
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
PASSWORD = "correct-horse-1"
TITLE, BODY = "停水通知", "明天上午 8 点到 12 点停水。"
CATEGORY = "社区通知"  # the notice's category: free text staff type (models.Notice's default)
COMMUNITY = "阳光社区"  # SiteSettings.name: content, shown as typed in either language
from tests import catalogues


@pytest.fixture
def app(home):
    accounts.add_user("ann", PASSWORD, role="admin")
    m.User.update(language="en").where(m.User.username == "ann").execute()
    accounts.add_user("wang", PASSWORD, role="admin")  # zh-Hans, the default
    m.Notice.create(title=TITLE, body=BODY, status=m.REVIEW, author="wang")
    m.SiteSettings.create(name=COMMUNITY)
    app = create_admin_app(home)
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def logged_in(app, username):
    client = app.test_client()
    response = client.post("/login/", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def chinese_left(page: str) -> list[str]:
    """CJK text of the page apart from content and the language choice "简体中文"."""
    page = re.sub(r"\\u([0-9a-fA-F]{4})", lambda match: chr(int(match.group(1), 16)), page)  # JSON in the page
    community = m.SiteSettings.get_current().name  # the header names the community: content
    for allowed in (TITLE, BODY, CATEGORY, COMMUNITY, community, "简体中文"):
        page = page.replace(allowed, "")
    return sorted({match for match in re.findall(r".{0,30}[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+.{0,10}", page)})


def script_wording(page: str) -> dict:
    data = re.search(r'<script type="application/json" id="linli-i18n">(.*?)</script>', page, re.S).group(1)
    return json.loads(data)


def test_english_account_sees_english(app):
    client = logged_in(app, "ann")
    notice = m.Notice.get()
    dashboard = html(client, "/")
    notices = html(client, "/notice/")
    edit = html(client, f"/notice/edit/?id={notice.id}")
    for page in (dashboard, notices, edit):
        assert not chinese_left(page), chinese_left(page)
        for menu in ("Dashboard", "Notices", "Service guide", "Photo albums", "Publish site", "Trash", "System",
                     "Accounts", "Audit log", f"{COMMUNITY} · Admin"):  # fmt: skip
            assert menu in page, menu
    assert "Waiting for review" not in dashboard and "In review" in dashboard and "Hello, " in dashboard
    assert "Notices expiring this week" in dashboard and "My drafts" in dashboard
    assert "Delete (move to trash)" in notices and "In review" in notices  # action, status column
    assert re.search(r'<label for="title"[^>]*>\s*Title\b', edit) and "Internal note (not public)" in edit
    assert "Leave empty for now." in edit and "The name in the web address" in edit  # help texts
    assert '<option selected value="review">In review</option>' in edit
    assert "Attachments" in edit and "History" in edit
    wording = script_wording(edit)
    assert wording["insertImage"] == "Insert image"
    assert not [text for text in wording.values() if CJK.search(text)]

    # Messages: Linli's own (a refused slug) and Flask-Admin's (saved), in English.
    m.Notice.create(title="另一条", slug="taken")
    response = client.post(f"/notice/edit/?id={notice.id}", follow_redirects=True, data={
        "title": TITLE, "body": BODY, "status": m.REVIEW, "slug": "taken", "edit_version": notice.version})  # fmt: skip
    assert "The URL name “taken” is already used by another item." in response.get_data(as_text=True)
    response = client.post(f"/notice/edit/?id={notice.id}", follow_redirects=True, data={
        "title": TITLE, "body": BODY, "status": m.REVIEW, "slug": "", "edit_version": notice.version})  # fmt: skip
    assert "Record was successfully saved." in response.get_data(as_text=True)
    response = client.post("/notice/action/", data={"action": "delete", "rowid": [notice.id]}, follow_redirects=True)
    assert "Items moved to the trash: 1." in response.get_data(as_text=True)
    trash = html(client, "/trash/")
    assert "Notices" in trash and "Restore" in trash and not chinese_left(trash)
    # JSON answers to the editor's scripts.
    response = client.post("/upload/attachment", data={})
    assert response.get_json()["error"] == "Save the notice first; attachments can be added after saving."


def test_chinese_account_sees_chinese(app):
    client = logged_in(app, "wang")
    notice = m.Notice.get()
    dashboard = html(client, "/")
    edit = html(client, f"/notice/edit/?id={notice.id}")
    for page in (dashboard, html(client, "/notice/"), edit):
        for menu in ("工作台", "通知公告", "发布网站", "回收站", "系统", f"{COMMUNITY} · 管理后台"):
            assert menu in page, menu
        for english in ("Dashboard", "Notices", "Publish site", "In review", "Admin"):
            assert english not in page, english
    assert "待审核" in dashboard and "本周到期的通知" in dashboard
    assert "内部备注（不公开）" in edit and "留空表示立即" in edit
    assert script_wording(edit)["insertImage"] == "插入图片"
    users = html(client, "/users/new/")
    assert ">姓名" in users and ">界面语言" in users and "Display Name" not in users
    response = client.post("/upload/attachment", data={})
    assert response.get_json()["error"] == "请先保存通知，保存后才能添加附件。"


def content_views(app) -> list[ContentView]:
    return [view for view in app.extensions["admin"][0]._views if isinstance(view, ContentView)]


def list_bar(page: str) -> tuple[str, str, list[str], str]:
    """The search box's placeholder, the page-size button, its menu and the header's name."""
    placeholder = re.search(r'<input[^>]*name="search"[^>]*placeholder="([^"]*)"', page, re.S).group(1)
    size_menu = re.search(r'<a class="nav-link dropdown-toggle"[^>]*>\s*(\d+ [^<]*?)\s*</a>\s*'
                          r'<div class="dropdown-menu">(.*?)</div>', page, re.S)  # fmt: skip
    options = [text.strip() for text in re.findall(r'<a class="dropdown-item[^"]*"[^>]*>([^<]*)</a>', size_menu.group(2))]
    brand = re.search(r'<a class="navbar-brand"[^>]*>([^<]*)</a>', page).group(1).strip()
    return placeholder, size_menu.group(1).strip(), options, brand


def test_list_search_box_page_size_and_header_speak_the_accounts_language(app):
    views = content_views(app)
    assert [view.endpoint for view in views] == [kind.key for kind in registry.by_position()]  # every type's list
    chinese, english = logged_in(app, "wang"), logged_in(app, "ann")
    for view in views:
        url, kind = f"/{view.endpoint}/", view.model.kind
        searched = "、".join(kind.label(name) for name in view.column_searchable_list)  # the columns' Chinese labels
        placeholder, size, options, brand = list_bar(html(chinese, url))
        assert placeholder == f"搜索：{searched}", (url, placeholder)
        assert size == "50 条/页" and options == ["20 条/页", "50 条/页", "100 条/页"], (url, size, options)
        assert brand == f"{COMMUNITY} · 管理后台"
        placeholder, size, options, brand = list_bar(html(english, url))
        assert placeholder.startswith("Search: ") and not CJK.search(placeholder), (url, placeholder)
        assert size == "50 items" and options == ["20 items", "50 items", "100 items"], (url, size, options)
        assert brand == f"{COMMUNITY} · Admin"
    assert list_bar(html(chinese, "/notice/"))[0] == "搜索：标题、摘要"  # notices: title and summary
    assert list_bar(html(english, "/notice/"))[0] == "Search: Title, Summary"
    # The header follows the settings as staff change them; a new home says what the default is.
    m.SiteSettings.update(name="幸福里社区").execute()
    assert "<title>工作台 - 幸福里社区 · 管理后台</title>" in html(chinese, "/")
    m.SiteSettings.delete().execute()
    assert list_bar(html(chinese, "/notice/"))[3] == "我们的社区 · 管理后台"


def test_login_page_language(app):
    client = app.test_client()
    page = html(client, "/login/")
    assert '<html lang="zh-CN">' in page and "用户名" in page
    page = html(client, "/login/?lang=en")
    assert '<html lang="en">' in page and ">Username<" in page and ">Log in<" in page
    assert not chinese_left(page), chinese_left(page)
    response = client.post("/login/?lang=en", data={"username": "ann", "password": "wrong"})
    assert "Wrong username or password." in response.get_data(as_text=True)
    response = client.post("/login/", data={"username": "ann", "password": "wrong"})
    assert "用户名或密码不正确。" in response.get_data(as_text=True)


def test_english_album_and_publish_pages(app):
    client = logged_in(app, "ann")
    album = m.Album.create(title="重阳节", author="ann")
    photos = html(client, f"/album/{album.id}/photos/")
    assert "Manage photos" in photos and "Choose photos" in photos and "Draft" in photos
    assert not [text for text in script_wording(photos).values() if CJK.search(text)]
    publish = html(client, "/publish/")
    assert "Publishing history" in publish and 'data-count-text="%(done)s / %(total)s pages built' in publish
    settings = html(client, "/settings/")
    assert "Community name" in settings and "Save" in settings
    users = html(client, "/users/new/")
    assert "Interface language" in users and ">Contributor<" in users
    preview = html(client, f"/preview/notice/{m.Notice.get().id}/")
    assert "Preview: this item is waiting for review and not published; residents cannot see it." in preview


# --- the catalogue ---------------------------------------------------------------------------


def test_english_catalogue_is_complete():
    messages = catalogues.assert_complete(PO, FIX)
    assert len(messages) > 300
    for message in messages:
        assert not CJK.search(message.string.replace("、", "")), message.id  # “、” is quoted in one help text


def test_english_catalogue_matches_code():
    in_source = catalogues.source_msgids(ADMIN, keywords=KEYWORDS, files=DECLARATIONS)
    catalogues.assert_matches_source(in_source, PO, FIX, "Admin")


def test_compiled_catalogue_is_up_to_date():
    catalogues.assert_compiled(PO, FIX)


def test_every_chinese_word_from_linli_has_an_entry():
    """admin.i18n.WORDS lists linli/'s labels for the extractor; it must follow linli/."""
    listed = {word._args[0] for word in WORDS}
    shown = {label for choices in (m.STATUS_CHOICES, m.WISH_STATUS_CHOICES, m.ROLE_CHOICES, m.MEMBER_ROLE_CHOICES)
             for _value, label in choices}  # fmt: skip
    shown |= set(runs.STATE_LABELS.values()) | {text for kind in runs.KINDS.values() for text in (kind.busy, kind.interrupted)}
    shown |= set(media.ATTACHMENT_KINDS.values()) | {accounts.WRONG_LOGIN, accounts.LOCKED}
    shown |= set(deploy_config.KIND_LABELS.values())
    assert shown <= listed, sorted(shown - listed)
    assert shown <= {message.id for message in catalogues.read_catalog(PO)}


def declared_names() -> set:
    """Every name the content types declare: theirs, their menu labels and search groups', and
    the labels of their fixed choices."""
    found = set()
    for kind in registry.TYPES:
        found |= {kind.names, kind.group.names} | ({kind.nav_label} if kind.nav_label else set())
        for field in kind.model._meta.fields.values():
            found |= {label for _, label in field.choices or () if isinstance(label, registry.Names)}
    return found


def test_declared_names_are_in_the_catalogue_in_their_declared_english():
    """The admin shows the types' names (menus, lists, the trash) through its catalogue; the
    declaration is what they say, in Chinese and in English."""
    english = {message.id: message.string for message in catalogues.read_catalog(PO) if message.id}
    names = declared_names()
    assert {str(name) for name in names} >= {"通知公告", "网格", "志愿服务", "网格服务"}
    assert {name: english.get(str(name)) for name in names} == {name: name.en for name in names}


def test_scripts_use_only_wording_the_page_gives_them():
    template = (ADMIN / "templates" / "linli_admin" / "_i18n.html").read_text(encoding="utf-8")
    given = set(re.findall(r'"(\w+)": _gettext\(', template))
    used = set()
    for name in ("common.js", "editor.js", "album.js"):
        js = (ADMIN / "static" / "linli" / name).read_text(encoding="utf-8")
        assert not CJK.search(re.sub(r"/\*.*?\*/|//[^\n]*", "", js, flags=re.S)), name  # wording comes from the page
        used |= set(re.findall(r'\bt\(\s*"(\w+)"', js))
        used |= set(re.findall(r'"((?:tooBig|photoCounts)\w*)"', js))
    assert used == given, (sorted(used - given), sorted(given - used))
