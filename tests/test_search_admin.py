"""Search in the admin: the 搜索 page (public items from the Whoosh index, the rest matched in
memory), and the index kept current by every save, delete, restore and photo caption in the
admin, and by the build."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from admin import create_admin_app
from linli import accounts
from linli import models as m
from linli.build import build
from linli.search import engine, search
from tests.test_admin import PASSWORD, login, notice_form

LATER = m.now() + dt.timedelta(days=3)


@pytest.fixture
def app(home):
    for role in ("editor", "contributor", "admin"):
        accounts.add_user(role, PASSWORD, role=role)
    app = create_admin_app(home)
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def titles(home, query) -> list[str]:
    return [hit.title for hit in search(home, query)]


def sections(html: str) -> tuple[str, str]:
    """The 已公开 and 未公开 sections of the admin search page."""
    public = html.split('id="h-public"', 1)[1].split('id="h-others"', 1)[0]
    others = html.split('id="h-others"', 1)[1]
    return public, others


def strip_marks(html: str) -> str:
    return re.sub(r"</?mark>", "", html)


def test_saving_in_the_admin_puts_an_item_into_search_and_deleting_takes_it_out(app, home):
    editor, _ = login(app, "editor")
    editor.post("/notice/new/", data=notice_form(title="幸福里社区活动中心暂停开放", body="因维修，活动中心暂停开放三天。",
                                                 status="published"))  # fmt: skip
    notice = m.Notice.get()
    assert titles(home, "社區活動") == ["幸福里社区活动中心暂停开放"]  # Traditional finds Simplified

    html = editor.get("/search/?q=社區活動").get_data(as_text=True)
    public, others = sections(html)
    assert f"/notice/edit/?id={notice.id}" in public and "<mark>社区活动</mark>" in public
    assert "幸福里社区活动中心暂停开放" in strip_marks(public) and "幸福里社区活动中心" not in strip_marks(others)

    editor.post(f"/notice/edit/?id={notice.id}", data=notice_form(title="活动中心恢复开放", body="维修完成。",
                                                                  status="published", edit_version="1", slug=notice.slug))  # fmt: skip
    assert titles(home, "暂停") == [] and titles(home, "恢复开放") == ["活动中心恢复开放"]

    editor.post("/notice/delete/", data={"id": notice.id})
    assert titles(home, "恢复开放") == []
    assert "活动中心恢复开放" not in strip_marks(editor.get("/search/?q=恢复开放").get_data(as_text=True))
    editor.post("/trash/restore/", data={"type": "Notice", "id": notice.id})
    assert titles(home, "恢复开放") == ["活动中心恢复开放"]

    admin, _ = login(app, "admin")
    admin.post("/notice/delete/", data={"id": notice.id})
    editor.post("/trash/restore/", data={"type": "Notice", "id": notice.id})
    admin.post("/notice/delete/", data={"id": notice.id})
    admin.post("/trash/purge/", data={"type": "Notice", "id": notice.id})
    assert titles(home, "恢复开放") == []


def test_drafts_are_found_by_staff_but_never_indexed(app, home):
    contributor, _ = login(app, "contributor")
    contributor.post("/notice/new/", data=notice_form(title="草稿：西院雨污分流改造", body="施工方案还在商量。"))
    draft = m.Notice.get()
    html = contributor.get("/search/?q=雨汙分流").get_data(as_text=True)  # 汙: a Traditional form of 污
    public, others = sections(html)
    assert "草稿：西院雨污分流改造" not in strip_marks(public)
    assert "草稿：西院雨污分流改造" in strip_marks(others) and "<mark>" in others and "草稿" in others
    assert f"/notice/edit/?id={draft.id}" in others and f"/preview/notices/{draft.id}" in others
    assert titles(home, "雨污分流") == []
    data = b"".join(p.read_bytes() for p in home.search_index_dir.rglob("*") if p.is_file())
    assert "雨污".encode() not in data and "施工方案".encode() not in data

    # Published by an editor: it moves to the public section; taken offline: it moves back.
    editor, _ = login(app, "editor")
    editor.post(f"/notice/edit/?id={draft.id}", data=notice_form(title=draft.title, body=draft.body,
                                                                 status="published", edit_version="1", slug=draft.slug))  # fmt: skip
    public, others = sections(editor.get("/search/?q=雨污分流").get_data(as_text=True))
    assert draft.title in strip_marks(public) and draft.title not in strip_marks(others)
    editor.post(f"/notice/edit/?id={draft.id}", data=notice_form(title=draft.title, body=draft.body,
                                                                 status="draft", edit_version="2", slug=draft.slug))  # fmt: skip
    assert titles(home, "雨污分流") == []
    public, others = sections(editor.get("/search/?q=雨污分流").get_data(as_text=True))
    assert draft.title not in strip_marks(public) and draft.title in strip_marks(others)


def test_type_filter_and_empty_or_unknown_queries(app, home):
    editor, _ = login(app, "editor")
    editor.post("/notice/new/", data=notice_form(title="老年人助餐服务通知", status="published"))
    assert titles(home, "助餐") == ["老年人助餐服务通知"]  # the first search builds the index
    place = m.Place.create(title="长者食堂", body="为老年人提供助餐服务。", status="published", author="editor")
    html = editor.get("/search/?q=助餐").get_data(as_text=True)
    assert "长者食堂" not in strip_marks(html)  # written outside the admin: the next build indexes it
    engine.index_item(home, place)
    assert editor.get("/search/").status_code == 200
    html = editor.get("/search/?q=助餐&type=place").get_data(as_text=True)
    assert "长者食堂" in strip_marks(html) and "老年人助餐服务通知" not in strip_marks(html)
    html = editor.get("/search/?q=助餐&type=nonsense").get_data(as_text=True)  # unknown type: all types
    assert "长者食堂" in strip_marks(html) and "老年人助餐服务通知" in strip_marks(html)
    html = editor.get("/search/?q=xyzzy").get_data(as_text=True)
    assert "已公开的内容里没有找到“xyzzy”" in html and "未公开的内容里没有找到“xyzzy”" in html
    assert "&lt;b&gt;" in editor.get("/search/?q=<b>").get_data(as_text=True)  # escaped, never markup


def test_photo_captions_update_their_album(app, home):
    album = m.Album.create(title="重阳节活动", author="editor", status="published")
    photo = m.Photo.create(album=album, file="a.jpg", width=10, height=10)
    editor, _ = login(app, "editor")
    assert editor.post(f"/photo/{photo.id}/caption", json={"caption": "志愿者为老人量血压"}).status_code == 200
    assert titles(home, "量血压") == ["重阳节活动"]


def test_a_failing_index_never_loses_a_save(app, home, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(engine, "index_item", broken)
    editor, _ = login(app, "editor")
    response = editor.post("/notice/new/", data=notice_form(title="停电通知", status="published"), follow_redirects=True)
    assert response.status_code == 200
    assert m.Notice.get().title == "停电通知"


def test_the_build_brings_the_index_in_line_with_time(app, home):
    editor, _ = login(app, "editor")
    editor.post("/notice/new/", data=notice_form(title="元旦游园会报名", status="published",
                                                 publish_at=LATER.strftime("%Y-%m-%d %H:%M:%S")))  # fmt: skip
    assert m.Notice.get().publish_at is not None
    assert titles(home, "游园会") == []  # scheduled: not public yet
    m.Place.create(title="社区图书室", body="借书还书。", status="published", author="editor")  # not via the admin
    build(home, now=LATER + dt.timedelta(minutes=1))
    assert [hit.title for hit in search(home, "游园会", at=LATER + dt.timedelta(minutes=1))] == ["元旦游园会报名"]
    assert titles(home, "图书室") == ["社区图书室"]


def test_an_english_account_reads_the_search_page_in_english(app, home):
    m.User.update(language="en").where(m.User.username == "editor").execute()
    editor, _ = login(app, "editor")
    editor.post("/notice/new/", data=notice_form(title="停水通知", status="published"))
    editor.post("/notice/new/", data=notice_form(title="停水通知草稿", status="draft"))
    html = editor.get("/search/?q=停水").get_data(as_text=True)
    for english in ("Search", "All types", "Public", "Not public", "Draft", "Notice"):
        assert english in html, english
    text = re.sub(r"<[^>]+>", "", html.split('id="h-public"', 1)[0].split("<body", 1)[1])
    text = text.replace("停水", "").replace(m.SiteSettings.get_current().name, "")  # content, and the community's name
    assert not re.search(r"[\u3400-\u9fff]", text), text


def stored(home) -> dict:
    ix = engine.open_index(home)
    with ix.searcher() as searcher:
        found = {fields["key"]: fields["stamp"] for fields in searcher.all_stored_fields()}
    ix.close()
    return found


def test_a_rebuild_looks_only_at_the_rows_that_changed(app, home, monkeypatch):
    for name in "甲乙丙":
        m.Notice.create(title=f"{name}栋停水通知", body="正文。", status="published", author="editor")
    build(home, now=LATER)
    looked = []
    real = engine._sync_items
    monkeypatch.setattr(engine, "_sync_items", lambda ix, at, changed: looked.append(changed) or real(ix, at, changed))
    first, second, third = m.Notice.select().order_by(m.Notice.id)
    first.title = "电梯维修通知"  # changed outside the admin: the index does not know yet
    first.save()
    second.status = m.DRAFT
    second.save()
    build(home, now=LATER)
    assert looked == [{"notices": {first.slug, second.slug}}]
    assert titles(home, "电梯维修") == ["电梯维修通知"] and titles(home, "乙栋") == []
    looked.clear()
    build(home, now=LATER)  # nothing changed: nothing looked at
    assert looked == [{}]
    m.Notice.delete_by_id(third.id)  # a row left: the type is compared whole
    build(home, now=LATER)
    assert titles(home, "丙栋") == [] and looked == [{}]
    after = stored(home)
    engine.rebuild_index(home, LATER)
    assert stored(home) == after
