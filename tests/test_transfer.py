"""linli export / linli import: the Markdown round trip loses nothing, bad folders write nothing."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import peewee as pw
import pytest
from PIL import Image

from linli import db, limits, media
from linli import models as m
from linli.errors import LinliError
from linli.home import PROJECT_ROOT, Home
from linli.transfer import TYPES, export_site, import_site

T = dt.datetime


@pytest.fixture(autouse=True)
def _sqlite_only(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)


_open_dbs: list = []


@pytest.fixture(autouse=True)
def _close_databases():
    yield
    while _open_dbs:
        _open_dbs.pop().close()


def open_home(path: Path) -> Home:
    home = Home.create(path)
    _open_dbs.append(db.connect(home.database_url))
    return home


def jpeg(colour: str, size=(600, 400)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def build_site(home: Home) -> None:
    """Every type, with the values most likely to get lost in YAML."""
    logo = media.store_image(home.media_dir, jpeg("red", (300, 300)))
    photo1 = media.store_image(home.media_dir, jpeg("green"))
    photo2 = media.store_image(home.media_dir, jpeg("blue", (1200, 800)))
    pdf = media.store_file(home.media_dir, b"%PDF-1.4 fake pdf\n", ".PDF")
    doc = media.store_file(home.media_dir, b"PK\x03\x04 fake docx", ".docx")
    (home.media_dir / "unreferenced.txt").write_text("stray file, still backed up", encoding="utf-8")

    m.User.create(username="admin", display_name="管理员", password_hash="secret-hash", role="admin")

    site = m.SiteSettings.get_current()
    site.name = "幸福里社区"
    site.district = "浦东新区"
    site.street = "花木街道"
    site.address = "幸福路 1 号"
    site.office_hours = "周一至周五 9:00-17:00\n周六 9:00-12:00"
    site.main_phone = "021-12345678"
    site.logo = logo.path
    site.intro = "# 社区概况\n\n---\ntitle: 不是字段\n---\n\n幸福里社区成立于 1998 年。"
    site.area = "1.0"
    site.population = "yes"
    site.households = "null"
    site.buildings = "#12 栋"
    site.honours = "全国文明社区\n上海市平安社区\n"
    site.updated_at = T(2026, 1, 2, 3, 4, 5)
    site.save()

    notice = m.Notice.create(
        title="停水通知",
        status=m.PUBLISHED,
        publish_at=T(2026, 11, 25, 10, 0),
        expires_at=T(2026, 11, 27, 18, 30),
        author="王老师",
        internal_note=": 内部备注，以冒号开头",
        created_at=T(2026, 11, 24, 9, 0),
        updated_at=T(2026, 11, 24, 9, 30, 15, 123456),
        category="社区通知",
        summary="yes",
        body="---\ntitle: 假的字段\nstatus: draft\n---\n\n3号楼 **明日** 停水。\n\n---\n\n物业电话：12345",
        pinned=True,
        urgent=True,
        keep_after_expiry=False,
    )
    m.Attachment.create(notice=notice, title="停水范围", file=pdf, size=18, position=1)
    m.Attachment.create(notice=notice, title="#附件 二", file=doc, size=17, position=0)
    m.Notice.create(
        title="【旧】去年的通知",
        status=m.ARCHIVED,
        body="第一行\r\n第二行\r\n",  # line endings from a browser textarea
        summary="null",
        category="1.0",
        created_at=T(2025, 5, 1),
        updated_at=T(2025, 5, 2),
    )
    m.Notice.create(title="草稿：还没写完", status=m.DRAFT, body="", created_at=T(2026, 1, 1), updated_at=T(2026, 1, 1))

    m.Service.create(
        title="办理居住证",
        status=m.REVIEW,
        category="公安",
        summary="off",
        who_qualifies="  以空格开头的段落\n行尾有空格 \n",
        documents="身份证\n户口本\n近期照片 2 张",
        steps="1. 取号\n2. 提交材料\n3. 领证",
        location="一站式服务大厅 3 号窗口",
        hours="on",
        phone="0123",
        fee="1.0",
        time_limit="~",
        online_url="https://example.org/a?b=1&c=2#frag",
        home_visit=True,
        body="",
        position=3,
        created_at=T(2026, 2, 1),
        updated_at=T(2026, 2, 2),
    )
    m.Place.create(
        title="社区食堂",
        status=m.PUBLISHED,
        category="助餐点",
        address="幸福路 3 号",
        hours="11:00-13:00",
        phone="true",
        walking_minutes=5,
        latitude=31.2304,
        longitude=121.4737,
        photo=photo1.path,
        body="'单引号' \"双引号\" \\反斜杠 \t制表符 😀",
        created_at=T(2026, 3, 1),
        updated_at=T(2026, 3, 1),
    )
    m.Place.create(title="快递柜", walking_minutes=None, latitude=None, longitude=None, created_at=T(2026, 3, 2), updated_at=T(2026, 3, 2))

    team = m.VolunteerTeam.create(
        title="红马甲志愿服务队", leader="李大姐", phone="13800000000", members=12, body="Yes", created_at=T(2026, 4, 1), updated_at=T(2026, 4, 1)
    )
    m.VolunteerTeam.create(title="夕阳红", members=None, created_at=T(2026, 4, 2), updated_at=T(2026, 4, 2))
    m.Story.create(
        title="李大姐的一天",
        status=m.PUBLISHED,
        team=team,
        summary="- 不是列表",
        body="她早上六点出门。\n\n\n",
        cover=photo2.path,
        created_at=T(2026, 4, 3),
        updated_at=T(2026, 4, 4),
    )
    m.Story.create(title="无名英雄", team=None, body="...", created_at=T(2026, 4, 5), updated_at=T(2026, 4, 5))

    m.Wish.create(
        title="想要一台收音机",
        status=m.PUBLISHED,
        body="李阿姨喜欢听戏。",
        beneficiary="独居老人李阿姨",
        beneficiary_private="李某某\n幸福路 5 号 302 室\n身份证 310xxxxxxxxxxxx",
        wish_status=m.WISH_ADOPTED,
        adopter="张先生",
        adopter_public=True,
        adopted_at=T(2026, 5, 1, 8, 0),
        fulfilled_at=None,
        created_at=T(2026, 4, 30),
        updated_at=T(2026, 5, 1, 8, 0),
    )

    event = m.Event.create(
        title="重阳节敬老活动",
        status=m.PUBLISHED,
        starts_at=T(2026, 10, 18, 9, 0),
        ends_at=None,
        location="社区活动室",
        organiser="社区党委",
        how_to_join="> 报名请致电\n- 电话：12345\n- 或到居委会",
        body="",
        created_at=T(2026, 9, 1),
        updated_at=T(2026, 9, 2),
    )
    album = m.Album.create(
        title="重阳节相册", status=m.PUBLISHED, event=event, summary="null", taken_on=dt.date(2026, 10, 18), created_at=T(2026, 10, 19), updated_at=T(2026, 10, 19)
    )
    m.Photo.create(album=album, file=photo1.path, width=photo1.width, height=photo1.height, caption="合影", position=2, created_at=T(2026, 10, 19, 1))
    m.Photo.create(album=album, file=photo2.path, width=photo2.width, height=photo2.height, caption="yes", position=1, is_cover=True, created_at=T(2026, 10, 19, 2))
    m.Photo.create(album=album, file=photo2.path, width=1, height=1, caption="", position=1, hidden=True, created_at=T(2026, 10, 19, 3))
    m.Album.create(title="空相册", event=None, taken_on=None, created_at=T(2026, 10, 20), updated_at=T(2026, 10, 20))

    grid = m.Grid.create(title="第一网格", status=m.PUBLISHED, buildings="1号楼\n2号楼\n3号楼", area="幸福路以北", position=1, created_at=T(2026, 6, 1), updated_at=T(2026, 6, 1))
    m.GridMember.create(grid=grid, name="赵网格长", role="leader", work_phone="021-5555", private_phone="13900000000", duties="全面负责", position=0)
    m.GridMember.create(grid=grid, name="钱网格员", role="worker", work_phone="", private_phone="13911111111", duties="#巡查", position=1)

    m.LoveBankItem.create(title="大米一袋", status=m.PUBLISHED, points=50, in_stock=False, summary="5公斤", body="到爱心超市领取。")
    member = m.LoveBankMember.create(title="王建国", status=m.PUBLISHED, member_type="party", phone="13900001111", address="3号楼501", id_number="11010519500101123X", name_public=False, internal_note="独居")
    m.LoveBankRecord.create(member=member, record_type=m.DEED, date=dt.date(2026, 1, 3), description="扫雪", points=60, note="#东院")
    m.LoveBankRecord.create(member=member, record_type=m.EXCHANGE, date=dt.date(2026, 1, 9), description="大米一袋", points=50)

    m.Page.create(title="关于我们", status=m.PUBLISHED, body="联系我们：\n\n---\n\n地址见上。", in_menu=True, position=1, created_at=T(2026, 1, 5), updated_at=T(2026, 1, 6))
    m.Page.create(title="“引号” & <标签>: 测试 #1", status=m.REVIEW, body="x", created_at=T(2026, 1, 7), updated_at=T(2026, 1, 7))


EXPORTED_MODELS = [m.SiteSettings, *m.CONTENT_MODELS, *m.CHILD_MODELS]


def dump(with_ids: bool = False) -> dict:
    """Every row of every exported model as plain values; links by slug unless ``with_ids``."""
    out = {}
    for model in EXPORTED_MODELS:
        rows = []
        for row in model.select().order_by(model.id):
            data = {}
            for f in model._meta.sorted_fields:
                value = row.__data__.get(f.name)
                if f.name == "id" and not with_ids:
                    continue
                if isinstance(f, pw.ForeignKeyField) and value is not None and not with_ids:
                    value = f.rel_model.get_by_id(value).slug
                data[f.name] = value
            rows.append(data)
        if not with_ids:
            if "slug" in model._meta.fields:
                rows.sort(key=lambda r: r["slug"])
            elif model is not m.SiteSettings:
                parent = next(f.name for f in model._meta.sorted_fields if isinstance(f, pw.ForeignKeyField))
                rows.sort(key=lambda r: (r[parent], r["position"]))  # stable: creation order on ties
        out[model.__name__] = rows
    return out


def counts() -> dict[str, int]:
    return {model.__name__: model.select().count() for model in m.ALL_MODELS}


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------- round trip


def test_round_trip_loses_nothing(tmp_path):
    a = open_home(tmp_path / "a")
    build_site(a)
    before = dump()
    media_a = tree(a.media_dir)
    assert len(media_a) >= 8  # originals, renditions, files, the stray file

    result = export_site(a, tmp_path / "export1")
    assert result == {
        "site": 1,
        **dict.fromkeys(TYPES, 0),  # every declared type has its folder; these have items:
        "notices": 3,
        "services": 1,
        "places": 2,
        "teams": 2,
        "stories": 2,
        "wishes": 1,
        "events": 1,
        "albums": 2,
        "grids": 1,
        "pages": 2,
        "love-bank": 1,
        "love-bank-members": 1,
        "media": len(media_a),
    }
    assert tree(tmp_path / "export1" / "media") == media_a

    b = open_home(tmp_path / "b")
    imported = import_site(b, tmp_path / "export1")
    assert imported == result
    assert dump() == before
    assert tree(b.media_dir) == media_a
    assert m.User.select().count() == 0  # staff accounts are not exported

    export_site(b, tmp_path / "export2")
    assert tree(tmp_path / "export2") == tree(tmp_path / "export1")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left


def test_export_files_are_readable(tmp_path):
    a = open_home(tmp_path / "a")
    build_site(a)
    export_site(a, tmp_path / "out")
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == sorted(["site.md", "media", *TYPES])
    assert {"notices", "services", "places", "teams", "stories", "wishes", "events", "albums", "grids", "pages"} <= set(TYPES)
    assert not (out / "users").exists()
    text = (out / "notices" / "停水通知.md").read_text(encoding="utf-8")
    assert text.startswith("---\nslug: 停水通知\ntitle: 停水通知\nstatus: published\n")
    assert "publish_at: '2026-11-25T10:00:00'\n" in text
    assert "expires_at: '2026-11-27T18:30:00'\n" in text
    assert "summary: 'yes'\n" in text
    assert "pinned: true\n" in text
    assert "attachments:\n- title: '#附件 二'\n" in text  # in position order
    assert text.endswith("---\n\n物业电话：12345\n")
    assert "secret-hash" not in "".join(p.read_text(encoding="utf-8") for p in out.rglob("*.md"))
    story = (out / "stories" / "李大姐的一天.md").read_text(encoding="utf-8")
    assert "team: 红马甲志愿服务队\n" in story
    album = (out / "albums" / "重阳节相册.md").read_text(encoding="utf-8")
    assert "event: 重阳节敬老活动\n" in album and "taken_on: '2026-10-18'\n" in album
    assert album.endswith("---\n")  # albums have no body
    site = (out / "site.md").read_text(encoding="utf-8")
    assert "honours: |\n  全国文明社区\n  上海市平安社区\n" in site
    assert "intro" not in site.split("\n---\n")[0]


def test_import_is_idempotent(tmp_path):
    a = open_home(tmp_path / "a")
    build_site(a)
    export_site(a, tmp_path / "out")
    a_rows = dump(with_ids=True)
    import_site(a, tmp_path / "out")  # into the home it came from: nothing changes
    assert dump(with_ids=True) == a_rows

    b = open_home(tmp_path / "b")
    import_site(b, tmp_path / "out")
    once, media_once = dump(with_ids=True), tree(b.media_dir)
    import_site(b, tmp_path / "out")
    assert dump(with_ids=True) == once
    assert tree(b.media_dir) == media_once


def test_import_updates_existing_items_by_slug(tmp_path):
    a = open_home(tmp_path / "a")
    build_site(a)
    export_site(a, tmp_path / "out")
    path = tmp_path / "out" / "notices" / "停水通知.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace("title: 停水通知\n", "title: 停水通知（更新）\n")
    text = text.replace("updated_at: '2026-11-24T09:30:15.123456'", "updated_at: '2026-11-26T08:00:00'")
    text = text.replace("- title: 停水范围\n  file:", "- title: 改名的附件\n  file:")
    path.write_text(text, encoding="utf-8")
    before = counts()

    import_site(a, tmp_path / "out")
    assert counts() == before  # updated in place, no duplicates
    notice = m.Notice.get(m.Notice.slug == "停水通知")
    assert notice.title == "停水通知（更新）"
    assert notice.updated_at == T(2026, 11, 26, 8, 0)  # kept from the file
    assert notice.created_at == T(2026, 11, 24, 9, 0)
    assert [x.title for x in notice.attachments.order_by(m.Attachment.position)] == ["#附件 二", "改名的附件"]


def test_hand_written_files(tmp_path):
    folder = tmp_path / "hand"
    (folder / "teams").mkdir(parents=True)
    (folder / "events").mkdir()
    (folder / "stories").mkdir()
    (folder / "teams" / "巡逻队.md").write_text("---\ntitle: 巡逻队\n---\n晚上巡逻。\n", encoding="utf-8")
    # Unquoted YAML timestamps and dates, CRLF line endings, a BOM, no slug (taken from the file name).
    (folder / "events" / "消防演练.md").write_bytes(
        "\ufeff---\r\ntitle: 消防演练\r\nstarts_at: 2026-12-01 09:30:00\r\nends_at: 2026-12-01\r\nsummary:\r\n---\r\n演练正文\r\n".encode()
    )
    (folder / "stories" / "夜巡.md").write_text("---\ntitle: 夜巡\nteam: 巡逻队\n---\n", encoding="utf-8")
    home = open_home(tmp_path / "home")
    assert import_site(home, folder)["events"] == 1
    event = m.Event.get(m.Event.slug == "消防演练")
    assert (event.starts_at, event.ends_at, event.summary, event.body) == (T(2026, 12, 1, 9, 30), T(2026, 12, 1), "", "演练正文")
    assert event.status == m.DRAFT and event.category == "文化活动"  # model defaults
    assert m.Story.get(m.Story.slug == "夜巡").team.slug == "巡逻队"
    assert m.SiteSettings.select().count() == 0  # site.md is optional


def test_links_may_point_at_items_already_in_the_database(tmp_path):
    home = open_home(tmp_path / "home")
    m.VolunteerTeam.create(title="老队伍")
    (tmp_path / "in" / "stories").mkdir(parents=True)
    (tmp_path / "in" / "stories" / "s.md").write_text("---\ntitle: 故事\nteam: 老队伍\n---\n正文\n", encoding="utf-8")
    import_site(home, tmp_path / "in")
    assert m.Story.get(m.Story.slug == "s").team.title == "老队伍"


# --------------------------------------------------------------------------- export refusals


def test_export_refuses_a_folder_that_is_not_empty(tmp_path):
    a = open_home(tmp_path / "a")
    m.Notice.create(title="通知")
    target = tmp_path / "out"
    target.mkdir()
    (target / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(LinliError, match="不是空的"):
        export_site(a, target)
    assert tree(target) == {"keep.txt": b"mine"}
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(LinliError):
        export_site(a, tmp_path / "file")
    with pytest.raises(LinliError, match="媒体文件夹"):
        export_site(a, a.media_dir / "backup")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert export_site(a, empty)["notices"] == 1  # an empty folder is fine


def test_failed_export_leaves_nothing(tmp_path):
    a = open_home(tmp_path / "a")
    m.Notice.create(title="好的")
    m.Notice.insert(slug="../逃出去", title="坏网址名").execute()  # cannot come from the admin
    with pytest.raises(LinliError, match="坏网址名"):
        export_site(a, tmp_path / "out" / "new")
    assert not (tmp_path / "out" / "new").exists()
    assert list((tmp_path / "out").iterdir()) == []


# --------------------------------------------------------------------------- bad input


@pytest.fixture(scope="module")
def good_export(tmp_path_factory):
    base = tmp_path_factory.mktemp("good")
    a = Home.create(base / "a")
    database = db.connect(a.database_url)
    build_site(a)
    export_site(a, base / "export")
    database.close()
    return base / "export"


def edit(folder: Path, rel: str, old: str, new: str) -> None:
    path = folder / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def rename(folder: Path, old: str, new: str) -> None:
    (folder / old).rename(folder / new)


def add_attachments(folder: Path, count: int) -> None:
    rel = "notices/停水通知.md"
    file = re.search(r"file: (files/\S+)", (folder / rel).read_text(encoding="utf-8")).group(1)
    edit(folder, rel, "attachments:\n", "attachments:\n" + f"- title: 又一个\n  file: {file}\n" * count)


BAD = {
    "yaml": (lambda f: edit(f, "notices/停水通知.md", "category: 社区通知", "category: [社区通知"), "notices/停水通知.md：", "YAML"),
    "unknown field": (lambda f: edit(f, "pages/关于我们.md", "in_menu: true", "in_menu: true\ncolour: red"), "pages/关于我们.md：", "colour"),
    "id field": (lambda f: edit(f, "pages/关于我们.md", "in_menu: true", "in_menu: true\nid: 3"), "pages/关于我们.md：", "id"),
    "body in front matter": (lambda f: edit(f, "pages/关于我们.md", "in_menu: true", "in_menu: true\nbody: x"), "pages/关于我们.md：", "body"),
    "duplicate field": (lambda f: edit(f, "pages/关于我们.md", "in_menu: true", "in_menu: true\nin_menu: false"), "pages/关于我们.md：", "in_menu"),
    "boolean": (lambda f: edit(f, "notices/停水通知.md", "pinned: true", "pinned: maybe"), "notices/停水通知.md：", "字段 “pinned” 应为 是/否（true/false），实际为 “maybe”"),
    "boolean as quoted string": (lambda f: edit(f, "services/办理居住证.md", "home_visit: true", "home_visit: 'true'"), "services/办理居住证.md：", "home_visit"),
    "integer": (lambda f: edit(f, "teams/红马甲志愿服务队.md", "members: 12", "members: 十二"), "teams/红马甲志愿服务队.md：", "members"),
    "decimal": (lambda f: edit(f, "places/社区食堂.md", "latitude: 31.2304", "latitude: 北纬"), "places/社区食堂.md：", "latitude"),
    "text given a number": (lambda f: edit(f, "places/社区食堂.md", "phone: 'true'", "phone: 12345"), "places/社区食堂.md：", "phone"),
    "datetime": (lambda f: edit(f, "notices/停水通知.md", "'2026-11-25T10:00:00'", "'2026-13-45 25:00'"), "notices/停水通知.md：", "publish_at"),
    "datetime with zone": (lambda f: edit(f, "notices/停水通知.md", "'2026-11-25T10:00:00'", "'2026-11-25T10:00:00+08:00'"), "notices/停水通知.md：", "publish_at"),
    "date": (lambda f: edit(f, "albums/重阳节相册.md", "taken_on: '2026-10-18'", "taken_on: 重阳节"), "albums/重阳节相册.md：", "taken_on"),
    # Unquoted, so YAML itself resolves them as a date or an integer that Python cannot make:
    "impossible unquoted date": (lambda f: edit(f, "notices/停水通知.md", "publish_at: '2026-11-25T10:00:00'", "publish_at: 2026-13-45"), "notices/停水通知.md：", "字段 “publish_at” 应为日期时间（如 2026-11-25T10:00:00），实际为 “2026-13-45”"),
    "impossible unquoted date of a date field": (lambda f: edit(f, "albums/重阳节相册.md", "taken_on: '2026-10-18'", "taken_on: 2026-02-30"), "albums/重阳节相册.md：", "字段 “taken_on” 应为日期"),
    "integer too long for Python": (lambda f: edit(f, "teams/红马甲志愿服务队.md", "members: 12", "members: " + "9" * 5000), "teams/红马甲志愿服务队.md：", "字段 “members” 应为整数"),
    "integer too big for the database": (lambda f: edit(f, "teams/红马甲志愿服务队.md", "members: 12", "members: 99999999999"), "teams/红马甲志愿服务队.md：", "字段 “members” 超出范围"),
    "year out of range": (lambda f: edit(f, "notices/停水通知.md", "'2026-11-25T10:00:00'", "'0001-01-01T00:00:00'"), "notices/停水通知.md：", "字段 “publish_at” 超出范围"),
    "nested too deep": (lambda f: edit(f, "pages/关于我们.md", "in_menu: true", "in_menu: " + "[" * 5000), "pages/关于我们.md：", "YAML"),
    "body too long": (lambda f: (f / "pages" / "关于我们.md").write_text((f / "pages" / "关于我们.md").read_text(encoding="utf-8") + "长" * limits.TEXT_CHARS, encoding="utf-8"), "pages/关于我们.md：", "正文太长：最多 200,000 个字，实际 200,018 个字。请删去多余的内容，或拆成几篇。"),
    "site intro too long": (lambda f: (f / "site.md").write_text((f / "site.md").read_text(encoding="utf-8") + "长" * limits.TEXT_CHARS, encoding="utf-8"), "site.md：", "正文太长：最多 200,000 个字"),
    "summary too long": (lambda f: edit(f, "notices/停水通知.md", "summary: 'yes'", "summary: " + "长" * 301), "notices/停水通知.md：", "字段 “summary” 太长：最多 300 个字，实际 301 个字。"),
    "title of control characters only": (lambda f: edit(f, "pages/关于我们.md", "title: 关于我们\n", 'title: "\\0\\t\\a"\n'), "pages/关于我们.md：", "字段 “title” 不能为空。"),
    "too many buildings": (lambda f: edit(f, "grids/第一网格.md", "buildings: |-\n", "buildings: |-\n" + "".join(f"  {n}号楼\n" for n in range(4, 102))), "grids/第一网格.md：", "字段 “buildings” 太多了：每个网格最多 100 个楼栋（一行一个），这里有 101 行。"),
    "too many attachments": (lambda f: add_attachments(f, 49), "notices/停水通知.md：", "字段 “attachments” 太多了：每条通知最多 50 个附件，这里有 51 个附件。"),
    "too many grid members": (lambda f: edit(f, "grids/第一网格.md", "members:\n", "members:\n" + "- name: 孙协管员\n" * 49), "grids/第一网格.md：", "字段 “members” 太多了：每个网格最多 50 位网格员，这里有 51 位网格员。"),
    "child text too long": (lambda f: edit(f, "albums/重阳节相册.md", "caption: 合影", "caption: " + "合" * 301), "albums/重阳节相册.md：", "字段 “photos” 第 3 项的 “caption” 太长：最多 300 个字"),
    "status": (lambda f: edit(f, "stories/无名英雄.md", "status: draft", "status: deleted"), "stories/无名英雄.md：", "status"),
    "empty status": (lambda f: edit(f, "stories/无名英雄.md", "status: draft", "status:"), "stories/无名英雄.md：", "status"),
    "wish status": (lambda f: edit(f, "wishes/想要一台收音机.md", "wish_status: adopted", "wish_status: done"), "wishes/想要一台收音机.md：", "wish_status"),
    "missing title": (lambda f: edit(f, "pages/关于我们.md", "title: 关于我们\n", ""), "pages/关于我们.md：", "title"),
    "empty title": (lambda f: edit(f, "pages/关于我们.md", "title: 关于我们\n", "title: ''\n"), "pages/关于我们.md：", "title"),
    "missing starts_at": (lambda f: edit(f, "events/重阳节敬老活动.md", "starts_at: '2026-10-18T09:00:00'\n", ""), "events/重阳节敬老活动.md：", "starts_at"),
    "too long": (lambda f: edit(f, "pages/关于我们.md", "author: ''", "author: '" + "长" * 65 + "'"), "pages/关于我们.md：", "author"),
    "invalid slug": (
        lambda f: (edit(f, "pages/关于我们.md", "slug: 关于我们", "slug: 关于 我们"), rename(f, "pages/关于我们.md", "pages/关于 我们.md")),
        "pages/关于 我们.md：",
        "slug",
    ),
    "reserved slug": (
        lambda f: (edit(f, "pages/关于我们.md", "slug: 关于我们", "slug: archive"), rename(f, "pages/关于我们.md", "pages/archive.md")),
        "pages/archive.md：",
        "保留字",
    ),
    "slug differs from file name": (lambda f: edit(f, "pages/关于我们.md", "slug: 关于我们", "slug: 别的"), "pages/关于我们.md：", "slug"),
    "unknown team": (lambda f: edit(f, "stories/李大姐的一天.md", "team: 红马甲志愿服务队", "team: 不存在的队"), "stories/李大姐的一天.md：", "team"),
    "unknown event": (lambda f: edit(f, "albums/重阳节相册.md", "event: 重阳节敬老活动", "event: 不存在的活动"), "albums/重阳节相册.md：", "event"),
    "missing photo file": (lambda f: edit(f, "albums/重阳节相册.md", "file: photos/", "file: photos/00/missing"), "albums/重阳节相册.md：", "photos"),
    "missing place photo": (lambda f: edit(f, "places/社区食堂.md", "photo: photos/", "photo: photos/00/missing"), "places/社区食堂.md：", "photo"),
    "missing logo": (lambda f: edit(f, "site.md", "logo: photos/", "logo: photos/00/none"), "site.md：", "logo"),
    "media path escapes": (lambda f: edit(f, "notices/停水通知.md", "file: files/", "file: ../../files/"), "notices/停水通知.md：", "attachments"),
    "children not a list": (lambda f: edit(f, "grids/第一网格.md", "members:\n", "members: 赵网格长\nx:\n"), "grids/第一网格.md：", "members"),
    "child field type": (lambda f: edit(f, "notices/停水通知.md", "size: 18", "size: 很大"), "notices/停水通知.md：", "size"),
    "child unknown field": (lambda f: edit(f, "grids/第一网格.md", "  position: 0\n", "  position: 0\n  mobile: x\n"), "grids/第一网格.md：", "mobile"),
    "child missing field": (lambda f: edit(f, "grids/第一网格.md", "- name: 赵网格长\n  role:", "- role:"), "grids/第一网格.md：", "name"),
    "child role": (lambda f: edit(f, "grids/第一网格.md", "role: leader", "role: boss"), "grids/第一网格.md：", "role"),
    "album body": (lambda f: (f / "albums" / "空相册.md").write_text((f / "albums" / "空相册.md").read_text(encoding="utf-8") + "正文\n", encoding="utf-8"), "albums/空相册.md：", "正文"),
    "no front matter": (lambda f: (f / "pages" / "关于我们.md").write_text("只有正文\n", encoding="utf-8"), "pages/关于我们.md：", "---"),
    "front matter not closed": (lambda f: (f / "pages" / "关于我们.md").write_text("---\ntitle: x\n", encoding="utf-8"), "pages/关于我们.md：", "---"),
    "front matter not a mapping": (lambda f: (f / "pages" / "关于我们.md").write_text("---\n- a\n---\n", encoding="utf-8"), "pages/关于我们.md：", "名称"),
    "not utf-8": (lambda f: (f / "pages" / "关于我们.md").write_bytes("---\ntitle: 关于\n---\n".encode("gbk")), "pages/关于我们.md：", "UTF-8"),
    "site field": (lambda f: edit(f, "site.md", "name: 幸福里社区", "name: [1, 2]"), "site.md：", "name"),
    "unknown folder": (lambda f: (f / "notice").mkdir(), "notice/：", "不认识"),
    "stray file in a type folder": (lambda f: (f / "pages" / "notes.txt").write_text("x", encoding="utf-8"), "pages/notes.txt：", ".md"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_is_refused_and_writes_nothing(case, good_export, tmp_path):
    home = open_home(tmp_path / "home")
    import_site(home, good_export)  # the home already has content
    rows, files = dump(with_ids=True), tree(home.media_dir)
    before = counts()

    folder = tmp_path / "bad"
    shutil.copytree(good_export, folder)
    # Changes that would show if anything were written before the check failed:
    edit(folder, "teams/夕阳红.md", "title: 夕阳红", "title: 夕阳红（改）")
    (folder / "pages" / "新页面.md").write_text("---\ntitle: 新页面\n---\n", encoding="utf-8")
    (folder / "media" / "new").mkdir()
    (folder / "media" / "new" / "extra.bin").write_bytes(b"new")
    mutate, file, words = BAD[case]
    mutate(folder)

    with pytest.raises(LinliError) as caught:
        import_site(home, folder)
    message = str(caught.value)
    assert message.startswith(file), message
    assert words in message, message
    assert "\n" not in message
    assert counts() == before
    assert dump(with_ids=True) == rows
    assert tree(home.media_dir) == files


# Problems that only exist when the home does not already hold what the folder lacks.
BAD_IN_FRESH_HOME = {
    "boolean": (lambda f: edit(f, "wishes/想要一台收音机.md", "adopter_public: true", "adopter_public: 也许"), "wishes/想要一台收音机.md：字段 “adopter_public”"),
    "team removed from import": (lambda f: (f / "teams" / "红马甲志愿服务队.md").unlink(), "stories/李大姐的一天.md：字段 “team”"),
    "event removed from import": (lambda f: (f / "events" / "重阳节敬老活动.md").unlink(), "albums/重阳节相册.md：字段 “event”"),
    "deleted media": (lambda f: shutil.rmtree(f / "media" / "files"), "notices/停水通知.md：字段 “attachments” 第 1 项的 “file”"),
}


@pytest.mark.parametrize("case", BAD_IN_FRESH_HOME)
def test_bad_input_in_a_fresh_home_writes_nothing(case, good_export, tmp_path):
    home = open_home(tmp_path / "home")
    folder = tmp_path / "bad"
    shutil.copytree(good_export, folder)
    mutate, start = BAD_IN_FRESH_HOME[case]
    mutate(folder)
    with pytest.raises(LinliError) as caught:
        import_site(home, folder)
    assert str(caught.value).startswith(start), str(caught.value)
    assert all(n == 0 for n in counts().values())
    assert tree(home.media_dir) == {}


def test_import_of_a_missing_folder(tmp_path):
    home = open_home(tmp_path / "home")
    with pytest.raises(LinliError, match="找不到"):
        import_site(home, tmp_path / "nowhere")


# --------------------------------------------------------------------------- through the command line


def linli(*args) -> subprocess.CompletedProcess:
    """``python -m linli …`` in a process of its own, as staff run it."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "linli", *map(str, args)], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, env=env)  # fmt: skip


def one_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("错误："), result.stderr
    return lines[0]


def test_a_date_yaml_cannot_read_is_one_line_naming_the_field(good_export, tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(good_export, folder)
    edit(folder, "notices/停水通知.md", "publish_at: '2026-11-25T10:00:00'", "publish_at: 2026-13-45")
    home = open_home(tmp_path / "home")
    expected = "notices/停水通知.md：字段 “publish_at” 应为日期时间（如 2026-11-25T10:00:00），实际为 “2026-13-45”。"
    with pytest.raises(LinliError) as caught:
        import_site(home, folder)
    assert str(caught.value) == expected
    assert all(n == 0 for n in counts().values())
    assert one_error_line(linli("--home", home.root, "import", folder)) == "错误：" + expected
    assert all(n == 0 for n in counts().values())


def test_the_summary_names_each_type_as_staff_do(good_export, tmp_path):
    open_home(tmp_path / "home")
    result = linli("--home", tmp_path / "home", "import", good_export)
    assert result.returncode == 0, result.stderr
    media_count = len(tree(good_export / "media"))
    assert result.stdout.splitlines()[0] == (
        f"已从 {good_export} 导入：社区信息 1，通知公告 3，办事指南 1，便民设施 2，志愿服务队 2，志愿者故事 2，"
        f"微心愿 1，社区活动 1，活动相册 2，网格 1，页面 2，爱心银行兑换品 1，爱心银行成员 1，媒体文件 {media_count}"
    )
    # The names are the models' type_label, as the demo prints them (for every type with items).
    assert all(f"{model.type_label} " in result.stdout for model in m.CONTENT_MODELS
               if any((good_export / model.url_prefix).glob("*.md")))  # fmt: skip
    exported = linli("--home", tmp_path / "home", "export", tmp_path / "again")
    assert exported.returncode == 0, exported.stderr
    assert "，通知公告 3，" in exported.stdout and "notices" not in exported.stdout


def make_random_folder(folder: Path) -> None:
    (folder / "photos").mkdir(parents=True)
    (folder / "photos" / "IMG_0001.jpg").write_bytes(jpeg("red"))
    (folder / "readme.txt").write_text("my notes", encoding="utf-8")
    (folder / "notes.md").write_text("---\ntitle: 不是导出\n---\n", encoding="utf-8")


@pytest.mark.parametrize("make", [lambda folder: folder.mkdir(), make_random_folder], ids=["empty", "random"])
def test_a_folder_without_an_export_is_refused_saying_what_one_holds(make, tmp_path):
    folder = tmp_path / "in"
    make(folder)
    home = open_home(tmp_path / "home")
    with pytest.raises(LinliError) as caught:
        import_site(home, folder)
    message = str(caught.value)
    assert message.startswith(f"{folder} 里没有导出的内容，不能导入。")
    for part in ("site.md（社区信息）", "notices/ 通知公告", "albums/ 活动相册", "pages/ 页面", "media/（照片和附件）", ".md 文件"):
        assert part in message, part
    assert "\n" not in message
    line = one_error_line(linli("--home", home.root, "import", folder))
    assert line == "错误：" + message
    assert all(n == 0 for n in counts().values()) and tree(home.media_dir) == {}


def test_an_export_of_an_empty_home_imports_nothing_and_says_so(tmp_path):
    empty = open_home(tmp_path / "empty")
    export_site(empty, tmp_path / "out")
    result = linli("--home", tmp_path / "other", "import", tmp_path / "out")
    assert result.returncode == 1  # no home there yet
    open_home(tmp_path / "other")
    result = linli("--home", tmp_path / "other", "import", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"已从 {tmp_path / 'out'} 导入：没有任何内容")


# --------------------------------------------------------------------------- limits of the folder as a whole


def a_big_notice(folder: Path) -> str:
    (folder / "notices" / "长通知.md").write_text("---\ntitle: 长通知\n---\n" + "长" * 3000, encoding="utf-8")
    return "notices/长通知.md：文件太大（9 KB），一条内容的文件最多 5 KB。"


def the_biggest_media_file(folder: Path) -> str:
    rel, data = max(tree(folder / "media").items(), key=lambda kv: len(kv[1]))
    limits.IMPORT_MEDIA_FILE_BYTES = len(data) - 1
    return f"media/{rel}：文件太大（"


TOO_BIG = {  # case → (the limit made small, or a change returning the message's start)
    "an item file": (("IMPORT_ITEM_BYTES", 5000), a_big_notice),
    "all item files": (("IMPORT_TEXT_BYTES", 5000), lambda f: "导入目录里的 .md 文件合计太大（"),
    "too many files": (("IMPORT_FILES", 10), lambda f: "导入目录里的文件太多：最多 10 个"),
    "a media file": (None, the_biggest_media_file),
}


@pytest.mark.parametrize("case", TOO_BIG)
def test_limits_of_an_import_folder(case, good_export, tmp_path, monkeypatch):
    home = open_home(tmp_path / "home")
    folder = tmp_path / "in"
    shutil.copytree(good_export, folder)
    for name in ("IMPORT_ITEM_BYTES", "IMPORT_TEXT_BYTES", "IMPORT_FILES", "IMPORT_MEDIA_FILE_BYTES"):
        monkeypatch.setattr(limits, name, getattr(limits, name))  # put back after the test
    small, change = TOO_BIG[case]
    if small:
        setattr(limits, *small)
    start = change(folder)
    with pytest.raises(LinliError) as caught:
        import_site(home, folder)
    assert str(caught.value).startswith(start), str(caught.value)
    assert "\n" not in str(caught.value)
    assert all(n == 0 for n in counts().values()) and tree(home.media_dir) == {}


def test_an_import_that_would_fill_the_disk_is_refused(good_export, tmp_path, monkeypatch):
    home = open_home(tmp_path / "home")
    real = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage", lambda path: real(path)._replace(free=1000))
    with pytest.raises(LinliError, match="磁盘空间不够：要复制 .* 的媒体文件，站点所在的磁盘只剩 1 KB。没有导入任何内容。"):
        import_site(home, good_export)
    assert all(n == 0 for n in counts().values()) and tree(home.media_dir) == {}
    monkeypatch.undo()
    import_site(home, good_export)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: real(path)._replace(free=1000))
    import_site(home, good_export)  # the same files again: nothing to copy, nothing to refuse
