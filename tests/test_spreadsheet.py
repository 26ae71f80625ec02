"""Excel in and out (linli/spreadsheet.py): a generated .xlsx round-trips with no changes, edits
and new rows are previewed then written, a bad row is refused with its sheet, row number and
reason and nothing is written; the CLI and the admin page (editors only) do the same."""

from __future__ import annotations

import datetime as dt
import re
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner

from admin import create_admin_app
from linli import accounts, db, limits, spreadsheet
from linli import models as m
from linli.cli import cli
from linli.errors import LinliError

PASSWORD = "correct-horse-1"
SERVICES, PLACES, HOTLINES, MEMBERS = (sheet.title for sheet in spreadsheet.SHEETS)


@pytest.fixture
def content(home):
    grid = m.Grid.create(title="第一网格", slug="grid-1", status=m.PUBLISHED)
    m.GridMember.create(grid=grid, name="张三", role="leader", work_phone="13800000001", private_phone="13900000001")
    m.Service.create(title="办理居住证", slug="juzhuzheng", documents="身份证\n近期照片", home_visit=True, position=2,
                     steps="1. 取号\n2. 交材料", status=m.PUBLISHED, publish_at=dt.datetime(2026, 11, 1, 9, 30, 15, 123456))  # fmt: skip
    m.Place.create(title="=1+1 大药房", slug="pharmacy", latitude=39.9042, longitude=116.4074, walking_minutes=5,
                   internal_note="老板姓王")  # fmt: skip
    m.Hotline.create(title="报警", slug="police", category="emergency", numbers="110", status=m.PUBLISHED)
    m.Hotline.create(title="物业", slug="property", category="property", numbers="010-8765-4388\n13800004388（夜间）")
    return home


def sheet_rows(path, title):
    return list(openpyxl.load_workbook(path)[title].iter_rows(values_only=True))


def edit(path, title, changes: dict[tuple[int, str], object] | None = None, append: dict | None = None):
    """Set cells by (row, field name); append a row given by field names."""
    book = openpyxl.load_workbook(path)
    ws = book[title]
    names = [cell.value for cell in ws[2]]
    for (row, name), value in (changes or {}).items():
        ws.cell(row, names.index(name) + 1, value)
    if append is not None:
        ws.append([append.get(name) for name in names])
    book.save(path)


def counts():
    return [model.select().count() for model in (m.Service, m.Place, m.Hotline, m.GridMember)]


def test_export_has_chinese_headers_a_hidden_name_row_and_round_trips(content, tmp_path):
    path = tmp_path / "社区.xlsx"
    assert spreadsheet.export_xlsx(path) == {SERVICES: 1, PLACES: 1, HOTLINES: 2, MEMBERS: 1}
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["办事指南", "便民设施", "常用电话", "网格员"]
    ws = book[HOTLINES]
    assert [c.value for c in ws[1]][:4] == ["网址名", "名称", "分类", "电话号码"]  # the admin's labels
    assert [c.value for c in ws[2]][:4] == ["slug", "title", "category", "numbers"]
    assert ws.row_dimensions[2].hidden
    assert [c.value for c in book[MEMBERS][1]][:3] == ["所属网格", "姓名", "职务"]
    police = [c.value for c in ws[3]]
    assert police[:4] == ["police", "报警", "紧急求助", "110"] and "已发布" in police  # choices as their labels
    place = book[PLACES]["B3"]
    assert place.value == "=1+1 大药房" and place.data_type == "s"  # text, never a formula
    assert "photo" not in [c.value for c in book[PLACES][2]]  # media paths stay out of sheets

    preview = spreadsheet.read_xlsx(path)
    assert (preview.new, preview.changed, preview.refused, preview.same) == (0, 0, 0, 5), preview.problems()
    assert spreadsheet.apply(preview) == []


def test_an_edited_cell_and_a_new_row_are_previewed_then_written(content, tmp_path):
    path = tmp_path / "a.xlsx"
    spreadsheet.export_xlsx(path)
    edit(path, HOTLINES, {(3, "numbers"): "110\n12110（短信报警）"},
         append={"title": "燃气抢修", "category": "水电气暖维修", "numbers": 96777, "position": 3})  # fmt: skip
    preview = spreadsheet.read_xlsx(path)
    assert (preview.new, preview.changed, preview.refused) == (1, 1, 0)
    changed, new = preview.of(spreadsheet.CHANGED)[0], preview.of(spreadsheet.NEW)[0]
    assert (changed.number, changed.changed_labels) == (3, ["电话号码"])
    assert (new.number, new.name) == (5, "燃气抢修")
    assert counts() == [1, 1, 2, 1]  # the preview wrote nothing

    spreadsheet.apply(preview, "editor")
    police = m.Hotline.get(m.Hotline.slug == "police")
    assert police.numbers == "110\n12110（短信报警）" and police.version == 2
    gas = m.Hotline.get(m.Hotline.title == "燃气抢修")
    assert (gas.category, gas.numbers, gas.position, gas.status, gas.author) == ("utilities", "96777", 3, m.DRAFT, "editor")
    assert gas.slug  # made from the title
    assert m.Revision.select().where(m.Revision.target_id == police.id, m.Revision.target_type == "Hotline").exists()
    again = spreadsheet.read_xlsx(path)  # the same file again: matched by title now, nothing to do
    assert (again.new, again.changed, again.refused) == (0, 0, 0)


def test_rows_match_by_title_without_a_slug_and_members_by_grid_and_name(content, tmp_path):
    path = tmp_path / "a.xlsx"
    spreadsheet.export_xlsx(path)
    edit(path, SERVICES, {(3, "slug"): None, (3, "fee"): "10元"})
    edit(path, MEMBERS, {(3, "duties"): "走访"}, append={"grid": "第一网格", "name": "李四", "role": "网格员"})
    preview = spreadsheet.read_xlsx(path)
    assert (preview.new, preview.changed, preview.refused) == (1, 2, 0), preview.problems()
    spreadsheet.apply(preview)
    assert m.Service.get(m.Service.slug == "juzhuzheng").fee == "10元"
    assert [(x.name, x.role, x.duties) for x in m.GridMember.select().order_by(m.GridMember.id)] == [
        ("张三", "leader", "走访"), ("李四", "worker", "")]  # fmt: skip


def test_a_bad_row_is_refused_with_its_number_and_nothing_is_written(content, tmp_path):
    path = tmp_path / "a.xlsx"
    spreadsheet.export_xlsx(path)
    edit(path, HOTLINES, {(3, "numbers"): "999"}, append={"title": "", "numbers": "120", "category": "紧急求助"})
    edit(path, HOTLINES, append={"title": "热线", "numbers": "12345", "category": "热线电话"})
    edit(path, MEMBERS, append={"grid": "没有这个网格", "name": "王五"})
    edit(path, SERVICES, append={"title": "新服务", "home_visit": "也许"})
    preview = spreadsheet.read_xlsx(path)
    assert (preview.changed, preview.refused) == (1, 4)
    problems = preview.problems()
    assert problems[0] == "“办事指南”第 4 行：可上门办理：应为“是”或“否”，实际为 “也许”。"
    assert problems[1] == "“常用电话”第 5 行：名称：不能为空。"
    assert problems[2].startswith("“常用电话”第 6 行：分类：应为 emergency（紧急求助）、") and "实际为 “热线电话”" in problems[2]
    assert problems[3] == "“网格员”第 4 行：所属网格：找不到网格 “没有这个网格”（请填写已有网格的网址名或名称）。"
    with pytest.raises(LinliError, match="有 4 行有问题，没有导入任何内容"):
        spreadsheet.apply(preview)
    assert counts() == [1, 1, 2, 1] and m.Hotline.get(m.Hotline.slug == "police").numbers == "110"


def test_duplicate_rows_and_too_many_members_are_refused(content, tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MEMBERS_PER_GRID", 2)
    monkeypatch.setitem(spreadsheet.validation.ROW_LIMITS, m.GridMember, (2, "个网格", "位网格员"))
    path = tmp_path / "a.xlsx"
    spreadsheet.export_xlsx(path)
    edit(path, HOTLINES, append={"slug": "police", "title": "报警", "numbers": "110"})
    edit(path, MEMBERS, append={"grid": "grid-1", "name": "李四"})
    edit(path, MEMBERS, append={"grid": "grid-1", "name": "王五"})
    problems = spreadsheet.read_xlsx(path).problems()
    assert problems == ["“常用电话”第 5 行：与第 3 行是同一条，请删去其中一行。",
                        "“网格员”第 5 行：太多了：每个网格最多 2 位网格员，已经有 2 位网格员。"]  # fmt: skip


def test_the_template_is_empty_and_a_filled_template_imports(content, tmp_path):
    path = tmp_path / "t.xlsx"
    assert spreadsheet.export_xlsx(path, empty=True) == {SERVICES: 0, PLACES: 0, HOTLINES: 0, MEMBERS: 0}
    assert [len(sheet_rows(path, title)) for title in (SERVICES, PLACES, HOTLINES, MEMBERS)] == [2, 2, 2, 2]
    edit(path, PLACES, append={"title": "社区食堂", "walking_minutes": "8", "latitude": 39.9, "status": "草稿"})
    preview = spreadsheet.read_xlsx(path)
    assert (preview.new, preview.refused) == (1, 0)
    spreadsheet.apply(preview)
    canteen = m.Place.get(m.Place.title == "社区食堂")
    assert (canteen.walking_minutes, canteen.latitude) == (8, 39.9)
    with pytest.raises(LinliError, match="已存在"):
        spreadsheet.export_xlsx(path)


def test_bad_files_are_refused_with_a_clear_message(content, tmp_path, monkeypatch):
    text = tmp_path / "notes.xlsx"
    text.write_text("姓名,电话\n", encoding="utf-8")
    with pytest.raises(LinliError, match=r"notes.xlsx 不是 .xlsx 格式的 Excel 文件"):
        spreadsheet.read_xlsx(text)
    docx = tmp_path / "word.xlsx"
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(LinliError, match=r"不是 \.xlsx 格式"):
        spreadsheet.read_xlsx(docx)

    other = tmp_path / "other.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Sheet1"
    book.save(other)
    with pytest.raises(LinliError, match="不认识的工作表 “Sheet1”。可以导入的工作表有：办事指南、便民设施、常用电话、网格员"):
        spreadsheet.read_xlsx(other)

    path = tmp_path / "a.xlsx"
    spreadsheet.export_xlsx(path)
    edit(path, HOTLINES, {(2, "note"): "remark"})
    with pytest.raises(LinliError, match="工作表 “常用电话” 有不认识的列 “remark”"):
        spreadsheet.read_xlsx(path)
    book = openpyxl.load_workbook(path)
    book[HOTLINES].delete_rows(2)  # the hidden row lost: the headers are read
    book[HOTLINES].delete_cols(2)  # and the title column with it
    book.save(path)
    with pytest.raises(LinliError, match="工作表 “常用电话” 缺少 “名称” 列"):
        spreadsheet.read_xlsx(path)

    path = tmp_path / "b.xlsx"
    spreadsheet.export_xlsx(path)
    for n in range(3):
        edit(path, HOTLINES, append={"title": f"热线{n}", "numbers": "12345"})
    monkeypatch.setattr(limits, "XLSX_ROWS", 4)
    with pytest.raises(LinliError, match="工作表 “常用电话” 的行太多：最多 4 行"):
        spreadsheet.read_xlsx(path)
    monkeypatch.setattr(limits, "XLSX_BYTES", 1000)
    with pytest.raises(LinliError, match=r"b.xlsx 太大（\d+ KB），Excel 文件最多 1 KB"):
        spreadsheet.read_xlsx(path)
    assert counts() == [1, 1, 2, 1]


def test_apply_rechecks_its_matches(content, tmp_path):
    path = tmp_path / "a.xlsx"
    spreadsheet.export_xlsx(path)
    edit(path, HOTLINES, {(3, "numbers"): "999"}, append={"slug": "gas", "title": "燃气", "numbers": "96777"})
    preview = spreadsheet.read_xlsx(path)
    m.Hotline.create(title="别人刚加的", slug="gas")
    with pytest.raises(LinliError, match="网址名 “gas” 刚被另一条内容使用，没有导入任何内容"):
        spreadsheet.apply(preview)
    assert m.Hotline.get(m.Hotline.slug == "police").numbers == "110"  # rolled back


# --- the command line ---------------------------------------------------------------------


def run(*args, input=None):
    return CliRunner().invoke(cli, list(map(str, args)), input=input)


def test_cli_export_then_import_with_a_preview(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    root = tmp_path / "home"
    assert run("--home", root, "init", input="社区\nadmin\nsecret-pass\nsecret-pass\n").exit_code == 0
    db.connect(f"sqlite:///{root / 'content' / 'linli.db'}")
    m.Hotline.create(title="报警", slug="police", category="emergency", numbers="110")
    db.database.close()
    path = tmp_path / "电话.xlsx"
    result = run("--home", root, "export", path)
    assert result.exit_code == 0, result.output
    assert "常用电话 1 行" in result.output and path.is_file()

    edit(path, HOTLINES, {(3, "hours"): "24小时"}, append={"title": "火警", "numbers": "119", "category": "紧急求助"})
    result = run("--home", root, "import", path, input="n\n")  # the preview, then "no"
    assert result.exit_code == 1
    assert "新增 1 条，修改 1 条，没有变化 0 条，有问题 0 行" in result.output
    assert "修改 “常用电话”第 3 行：报警（服务时间）" in result.output and "新增 “常用电话”第 4 行：火警" in result.output
    db.connect(f"sqlite:///{root / 'content' / 'linli.db'}")
    assert m.Hotline.select().count() == 1
    db.database.close()
    result = run("--home", root, "import", path, input="y\n")
    assert result.exit_code == 0, result.output
    assert "已导入：新增 1 条，修改 1 条。" in result.output
    assert "没有需要导入的改动" in run("--home", root, "import", path).output

    edit(path, HOTLINES, {(4, "title"): ""})
    result = run("--home", root, "import", path, "--yes")
    assert result.exit_code == 1
    assert "有问题 “常用电话”第 4 行：名称：不能为空。" in result.output
    assert result.stderr.strip() == "错误：有 1 行有问题，没有导入任何内容。请改正这些行后再导入。"
    db.connect(f"sqlite:///{root / 'content' / 'linli.db'}")
    assert sorted(h.title for h in m.Hotline.select()) == ["报警", "火警"]
    db.database.close()


# --- the admin ------------------------------------------------------------------------------


@pytest.fixture
def app(content):
    for role in ("editor", "contributor"):
        accounts.add_user(role, PASSWORD, role=role)
    app = create_admin_app(content)
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def login(app, username):
    client = app.test_client()
    assert client.post("/login/", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_admin_editor_downloads_uploads_previews_and_confirms(app, content, tmp_path):
    client = login(app, "editor")
    page = client.get("/spreadsheet/").get_data(as_text=True)
    assert "Excel 导入导出" in page and "下载空白模板" in page
    response = client.get("/spreadsheet/export.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert "no-store" in response.headers["Cache-Control"]
    path = tmp_path / "下载.xlsx"
    path.write_bytes(response.data)
    template = tmp_path / "模板.xlsx"
    template.write_bytes(client.get("/spreadsheet/template.xlsx").data)
    assert len(sheet_rows(template, HOTLINES)) == 2 and len(sheet_rows(path, HOTLINES)) == 4

    edit(path, HOTLINES, {(3, "hours"): "24小时"}, append={"title": "火警", "numbers": "119", "category": "紧急求助"})
    with open(path, "rb") as fh:
        response = client.post("/spreadsheet/upload/", data={"file": (fh, "电话表.xlsx")}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "预览：电话表.xlsx" in page and "新增 1 条，修改 1 条，没有变化 4 条，有问题 0 行。" in page
    assert "确认导入" in page and "火警" in page
    assert m.Hotline.select().count() == 2  # nothing written yet
    uploads = list((content.root / ".linli-uploads").iterdir())
    assert len(uploads) == 1

    m.Hotline.update(hours="24小时").where(m.Hotline.slug == "police").execute()  # a colleague, meanwhile
    page = client.post("/spreadsheet/confirm/", follow_redirects=True).get_data(as_text=True)
    assert "预览之后网站上的内容有了变化，没有导入" in page and "新增 1 条，修改 0 条，没有变化 5 条" in page
    assert m.Hotline.select().count() == 2
    m.Hotline.update(hours="").where(m.Hotline.slug == "police").execute()
    client.get("/spreadsheet/")  # the preview seen again
    page = client.post("/spreadsheet/confirm/", follow_redirects=True).get_data(as_text=True)
    assert "已导入：新增 1 条，修改 1 条。" in page
    assert m.Hotline.get(m.Hotline.slug == "police").hours == "24小时"
    assert m.Hotline.get(m.Hotline.title == "火警").author == "editor"
    assert not uploads[0].exists()  # the upload is gone with the import
    assert m.AuditEvent.select().where(m.AuditEvent.action == "import_xlsx", m.AuditEvent.target_type == "").exists()
    page = client.post("/spreadsheet/confirm/", follow_redirects=True).get_data(as_text=True)
    assert "没有等待导入的文件" in page  # confirming twice writes once


def test_admin_shows_refused_rows_and_writes_nothing(app, tmp_path):
    client = login(app, "editor")
    path = tmp_path / "a.xlsx"
    path.write_bytes(client.get("/spreadsheet/export.xlsx").data)
    edit(path, HOTLINES, {(3, "hours"): "24小时"}, append={"title": "", "numbers": "119"})
    with open(path, "rb") as fh:
        page = client.post("/spreadsheet/upload/", data={"file": (fh, "a.xlsx")}, follow_redirects=True).get_data(as_text=True)
    assert "有问题 1 行" in page and "整个文件都没有导入" in page and "名称：不能为空。" in page
    assert re.search(r"<td>常用电话</td><td>5</td>", page)
    assert "确认导入" not in page
    page = client.post("/spreadsheet/confirm/", follow_redirects=True).get_data(as_text=True)
    assert "有 1 行有问题，没有导入任何内容" in page
    assert m.Hotline.get(m.Hotline.slug == "police").hours == "" and m.Hotline.select().count() == 2

    with open(__file__, "rb") as fh:  # not a workbook at all
        page = client.post("/spreadsheet/upload/", data={"file": (fh, "电话.xls")}, follow_redirects=True).get_data(as_text=True)
    assert "电话.xls 不是 .xlsx 格式的 Excel 文件" in page and "确认导入" not in page
    assert not list((app.config["LINLI_HOME"].root / ".linli-uploads").iterdir())


def test_admin_page_is_refused_to_contributors_and_needs_csrf(app, tmp_path):
    client = login(app, "contributor")
    for url in ("/spreadsheet/", "/spreadsheet/export.xlsx", "/spreadsheet/template.xlsx"):
        assert client.get(url).status_code == 403, url
    for url in ("/spreadsheet/upload/", "/spreadsheet/confirm/", "/spreadsheet/cancel/"):
        assert client.post(url).status_code == 403, url
    editor = login(app, "editor")
    app.config["WTF_CSRF_ENABLED"] = True
    path = tmp_path / "a.xlsx"
    spreadsheet.export_xlsx(path)
    with open(path, "rb") as fh:
        assert editor.post("/spreadsheet/upload/", data={"file": (fh, "a.xlsx")}).status_code == 400


def test_admin_page_in_english(app, tmp_path):
    from tests.test_admin_i18n import chinese_left

    m.User.update(language="en").where(m.User.username == "editor").execute()
    client = login(app, "editor")
    page = client.get("/spreadsheet/").get_data(as_text=True)
    assert "Excel import and export" in page and "Download empty template" in page
    page = page.replace(m.SiteSettings.get_current().name, "")  # the community's own name is content
    assert not chinese_left(page), chinese_left(page)
    path = tmp_path / "a.xlsx"
    spreadsheet.export_xlsx(path)
    edit(path, HOTLINES, {(3, "hours"): "24"})
    with open(path, "rb") as fh:
        page = client.post("/spreadsheet/upload/", data={"file": (fh, "a.xlsx")}, follow_redirects=True).get_data(as_text=True)
    assert "0 new, 1 changed, 4 unchanged, 0 rows with problems." in page
    assert "<td>Hotlines</td><td>3</td>" in page and "Changed: Hours" in page


def test_a_sheet_of_ones_own_empty_cells_and_the_trash(content, tmp_path):
    """A sheet typed by hand (headers only, no hidden row): data from row 2, by the headers.
    An empty cell of a field with a default keeps what is stored; a new row gets the default."""
    path = tmp_path / "own.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = HOTLINES
    ws.append(["名称", "电话号码", "状态", "网址名"])
    ws.append(["报警", "110", None, None])  # row 2: the police line, matched by its title
    ws.append(["急救", 120, None, None])
    ws.append(["旧号码", "123", None, "old"])
    book.save(path)
    m.Hotline.create(title="旧号码", slug="old", deleted_at=m.now())
    preview = spreadsheet.read_xlsx(path)
    assert [(row.number, row.action) for row in preview.rows] == [(2, "same"), (3, "new"), (4, "refused")]
    assert preview.problems() == ["“常用电话”第 4 行：网址名 “old” 属于回收站里的一条内容。请先在回收站恢复它，或换一个网址名。"]
    ws.delete_rows(4)
    book.save(path)
    spreadsheet.apply(spreadsheet.read_xlsx(path))
    assert m.Hotline.get(m.Hotline.slug == "police").status == m.PUBLISHED  # the empty cell kept it
    assert m.Hotline.get(m.Hotline.title == "急救").status == m.DRAFT  # a new one: the default
