"""Word in: a .docx made here with python-docx becomes a title, clean Markdown and stored photos,
through linli.word, ``linli import FILE.docx`` and the admin's 从Word新建 / 从Word导入."""

from __future__ import annotations

import io
import re
import zipfile

import docx
import pytest
from click.testing import CliRunner
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from PIL import Image

from admin import create_admin_app
from linli import accounts, limits, media, word
from linli import models as m
from linli.cli import cli
from linli.errors import LinliError
from tests.conftest import admin_client

PASSWORD = "correct-horse-1"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
PHOTO = re.compile(r"/media/(photos/[0-9a-f]{2}/[0-9a-f]{24}\.jpg)")


def phone_jpeg(size=(2000, 1000)) -> bytes:
    """Left quarter blue, rest red; sideways by EXIF (orientation 6), with camera and GPS tags."""
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((20, 20, 220), (0, 0, size[0] // 4, size[1]))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.5), 3: "E", 4: (116.0, 23.0, 1.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def add_link(paragraph, url: str, text: str) -> None:
    r_id = paragraph.part.relate_to(
        url, "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink", is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), r_id)
    run, t = OxmlElement("w:r"), OxmlElement("w:t")
    t.text = text
    run.append(t)
    link.append(run)
    paragraph._p.append(link)


def notice_docx(*, picture: bytes | None = None, extra_picture: bytes | None = None) -> bytes:
    """A street office's notice as Word makes it: a heading, a red 16 pt bold run in 黑体, empty
    paragraphs, full-width indentation, lists, a table, a link and a photo."""
    document = docx.Document()
    document.add_heading("关于3号楼停水的通知", level=1)
    paragraph = document.add_paragraph("\u3000\u3000因管道检修，")
    run = paragraph.add_run("3号楼明天停水")
    run.bold = True
    run.font.color.rgb = RGBColor(255, 0, 0)
    run.font.size = Pt(16)
    run.font.name = "黑体"
    paragraph.add_run("，请提前储水。")
    document.add_paragraph("")
    document.add_paragraph("\u3000 ")
    document.add_heading("停水安排", level=2)
    document.add_paragraph("早上8点关闸", style="List Bullet")
    document.add_paragraph("下午5点恢复", style="List Bullet")
    document.add_paragraph("准备水桶", style="List Number")
    document.add_paragraph("关好水龙头", style="List Number")
    table = document.add_table(rows=3, cols=2)
    for i, row in enumerate([("楼栋", "时间"), ("3号楼", "8:00–17:00"), ("5号楼", "9:00–12:00")]):
        for j, value in enumerate(row):
            table.cell(i, j).text = value
    add_link(document.add_paragraph("详情见"), "https://www.example.gov.cn/notice", "街道办网站")
    document.add_picture(io.BytesIO(picture or phone_jpeg()))
    if extra_picture:
        document.add_picture(io.BytesIO(extra_picture))
    document.add_paragraph("居委会 2026年12月5日")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


EXPECTED = """因管道检修，**3号楼明天停水**，请提前储水。

## 停水安排

- 早上8点关闸
- 下午5点恢复

1. 准备水桶
2. 关好水龙头

| 楼栋 | 时间 |
| --- | --- |
| 3号楼 | 8:00–17:00 |
| 5号楼 | 9:00–12:00 |

详情见[街道办网站](https://www.example.gov.cn/notice)

![](/media/PHOTO)

居委会 2026年12月5日"""


def media_files(home) -> set[str]:
    return {p.relative_to(home.media_dir).as_posix() for p in home.media_dir.rglob("*") if p.is_file()}


def assert_photo_upright_and_clean(home, path: str) -> None:
    """The document's photo: stored as JPEG 1000×2000 (turned upright), no EXIF, renditions."""
    stem = path.rpartition(".")[0]
    files = {p for p in media_files(home) if p.startswith(stem)}
    assert files == {path, f"{stem}-480.jpg", f"{stem}-480.webp", f"{stem}-960.jpg", f"{stem}-960.webp"}
    for rel in files:
        raw = (home.media_dir / rel).read_bytes()
        assert b"PhoneMaker" not in raw and b"Exif" not in raw
        with Image.open(home.media_dir / rel) as image:
            assert not image.getexif()
            width, height = image.size
            assert height == 2 * width
            top = image.convert("RGB").getpixel((width // 2, 2))
            assert top[2] > 150 and top[0] < 80, (rel, top)  # the blue quarter on top: upright


def test_a_docx_becomes_clean_markdown_and_photos(home):
    converted = word.convert(notice_docx(), home.media_dir, "停水通知.docx")
    assert converted.title == "关于3号楼停水的通知"
    photo = PHOTO.search(converted.markdown).group(1)
    assert converted.markdown == EXPECTED.replace("PHOTO", photo)
    assert [image.path for image in converted.images] == [photo] and converted.notes == []
    assert_photo_upright_and_clean(home, photo)
    for junk in ("黑体", "FF0000", "color", "font", "<", "\u3000"):
        assert junk not in converted.markdown


def test_a_picture_linli_cannot_show_is_left_out_with_a_note(home):
    bmp = io.BytesIO()
    Image.new("RGB", (40, 20), (0, 128, 0)).save(bmp, "BMP")
    converted = word.convert(notice_docx(extra_picture=bmp.getvalue()), home.media_dir, "x.docx")
    assert len(converted.images) == 1 and converted.markdown.count("![") == 1
    assert len(converted.notes) == 1 and "1 张图片" in converted.notes[0]


def test_a_document_without_a_heading_takes_its_first_short_paragraph_as_title(home):
    document = docx.Document()
    document.add_paragraph("社区义诊活动通知")
    document.add_paragraph("本周六上午在社区服务中心举办义诊。")
    out = io.BytesIO()
    document.save(out)
    converted = word.convert(out.getvalue(), home.media_dir, "义诊.docx")
    assert (converted.title, converted.markdown) == ("社区义诊活动通知", "本周六上午在社区服务中心举办义诊。")


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(notice_docx())) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for entry in source.infolist():
            bomb.writestr(entry, source.read(entry))
        bomb.writestr("word/media/image9.png", b"\0" * (20 * 1024 * 1024))
    return out.getvalue()


def pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


BAD = {
    "pdf renamed .docx": (pdf, "通知.docx", "PDF"),
    "plain text": (lambda: "停水通知\n明天停水".encode(), "通知.docx", "纯文本"),
    "old .doc": (lambda: media.OLE2_MAGIC + "WordDocument".encode("utf-16-le") + b"\0\0" + b"\0" * 600, "通知.doc",
                 "旧版"),
    "password": (lambda: media.OLE2_MAGIC + "EncryptedPackage".encode("utf-16-le") + b"\0" * 600, "通知.docx", "密码"),
    "zip bomb": (zip_bomb, "通知.docx", "压缩炸弹"),
    "spreadsheet": (lambda: _xlsx(), "名单.xlsx", "不是 Word 文档"),
    "empty": (lambda: b"", "通知.docx", "空"),
}


def _xlsx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", b'<Types><Override ContentType="application/vnd.openxmlformats-'
                   b'officedocument.spreadsheetml.sheet.main+xml" PartName="/xl/workbook.xml"/></Types>')
        z.writestr("xl/workbook.xml", b"<workbook/>")
    return out.getvalue()


@pytest.mark.parametrize("make, filename, says", BAD.values(), ids=BAD.keys())
def test_bad_documents_are_refused_in_chinese_and_store_nothing(home, make, filename, says):
    with pytest.raises(LinliError) as refused:
        word.convert(make(), home.media_dir, filename)
    message = str(refused.value)
    assert CHINESE.search(message) and says in message, message
    assert media_files(home) == set()


def test_a_document_over_the_attachment_size_is_refused(home, monkeypatch):
    data = notice_docx()
    monkeypatch.setattr(limits, "ATTACHMENT_BYTES", len(data) - 1)
    with pytest.raises(LinliError, match="太大"):
        word.convert(data, home.media_dir, "通知.docx")
    assert media_files(home) == set()


def test_a_body_over_the_text_limit_is_refused_before_any_photo_is_stored(home, monkeypatch):
    monkeypatch.setattr(limits, "TEXT_CHARS", 50)
    with pytest.raises(LinliError, match="太长"):
        word.convert(notice_docx(), home.media_dir, "通知.docx")
    assert media_files(home) == set()


# --- linli import FILE.docx ------------------------------------------------------------------------


def test_cli_import_of_a_docx_makes_a_draft_notice(home, tmp_path):
    source = tmp_path / "停水通知.docx"
    source.write_bytes(notice_docx())
    result = CliRunner().invoke(cli, ["--home", str(home.root), "import", str(source)])
    assert result.exit_code == 0, result.output
    notice = m.Notice.get()
    assert (notice.title, notice.status, notice.slug) == ("关于3号楼停水的通知", m.DRAFT, "关于3号楼停水的通知")
    assert notice.body.startswith("因管道检修，**3号楼明天停水**") and notice.title in result.output
    assert_photo_upright_and_clean(home, PHOTO.search(notice.body).group(1))
    assert m.AuditEvent.get().action == "import_word" and m.Revision.select().count() == 1


def test_cli_import_of_a_bad_docx_says_why_in_one_line(home, tmp_path):
    source = tmp_path / "通知.docx"
    source.write_bytes(pdf())
    result = CliRunner().invoke(cli, ["--home", str(home.root), "import", str(source)])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("错误：") and "PDF" in lines[0], result.stderr
    assert m.Notice.select().count() == 0 and media_files(home) == set()


# --- admin ---------------------------------------------------------------------------------------


@pytest.fixture
def client(home):
    return admin_client(home, "contributor", role="contributor")


def post_file(client, url: str, data: bytes, filename: str, **kwargs):
    return client.post(url, data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data", **kwargs)


@pytest.mark.parametrize("endpoint, model", [("notice", m.Notice), ("story", m.Story), ("page", m.Page)])
def test_from_word_makes_a_draft_and_opens_its_edit_page(home, client, endpoint, model):
    assert "从Word新建" in client.get(f"/{endpoint}/new/").get_data(as_text=True)
    response = post_file(client, f"/from-word/{endpoint}", notice_docx(), "停水通知.docx")
    item = model.get()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/{endpoint}/edit/?id={item.id}")
    assert (item.title, item.status, item.author) == ("关于3号楼停水的通知", m.DRAFT, "contributor")
    photo = PHOTO.search(item.body).group(1)
    assert item.body == EXPECTED.replace("PHOTO", photo)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已从 Word 文档新建草稿" in page and "关于3号楼停水的通知" in page
    assert m.Revision.select().count() == 1 and m.AuditEvent.get(m.AuditEvent.action == "create").target_id == item.id


def test_from_word_is_offered_only_where_a_body_is(client):
    assert "从Word新建" not in client.get("/service/new/").get_data(as_text=True)
    assert client.post("/from-word/service").status_code == 404


def test_from_word_with_a_bad_file_goes_back_with_the_reason(home, client):
    response = post_file(client, "/from-word/notice", zip_bomb(), "通知.docx", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.request.path == "/notice/new/" and "压缩炸弹" in page
    assert m.Notice.select().count() == 0 and media_files(home) == set()
    response = client.post("/from-word/notice", data={}, follow_redirects=True)
    assert "没有收到文件" in response.get_data(as_text=True)


def test_from_word_needs_a_login(home):
    app = create_admin_app(home)
    app.config["WTF_CSRF_ENABLED"] = False
    response = post_file(app.test_client(), "/from-word/notice", notice_docx(), "通知.docx")
    assert response.status_code == 302 and "/login/" in response.headers["Location"]
    assert m.Notice.select().count() == 0 and media_files(home) == set()


def test_from_word_needs_the_csrf_token(home):
    accounts.add_user("editor", PASSWORD, role="editor")
    client = create_admin_app(home).test_client()
    login_page = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', login_page).group(1)
    client.post("/login/", data={"username": "editor", "password": PASSWORD, "csrf_token": token})
    response = post_file(client, "/from-word/notice", notice_docx(), "通知.docx")
    assert response.status_code == 400
    assert m.Notice.select().count() == 0 and media_files(home) == set()
    # The form on the create page carries the token.
    form = client.get("/notice/new/").get_data(as_text=True).partition('class="linli-from-word')[2]
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = client.post("/from-word/notice", data={"file": (io.BytesIO(notice_docx()), "通知.docx"),
                                                     "csrf_token": token}, content_type="multipart/form-data")
    assert response.status_code == 302 and m.Notice.select().count() == 1


def test_word_import_into_a_markdown_field(home, client):
    response = post_file(client, "/upload/word", notice_docx(), "停水通知.docx")
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer["title"] == "关于3号楼停水的通知"
    assert answer["markdown"] == EXPECTED.replace("PHOTO", answer["images"][0])
    assert 'data-word-url="/upload/word"' in client.get("/notice/new/").get_data(as_text=True)  # for editor.js
    refused = post_file(client, "/upload/word", pdf(), "通知.docx")
    assert refused.status_code == 400 and "PDF" in refused.get_json()["error"]


# --- pasting HTML into the editor ----------------------------------------------------------------

PASTED = """<html><head><style>p{color:red}</style><meta charset=utf-8></head><body>
<!--[if gte mso 9]><xml><w:WordDocument>x</w:WordDocument></xml><![endif]-->
<h1 style="font-family:黑体">重要通知</h1>
<p class=MsoNormal><span style='font-size:16pt;color:red'>\u3000\u3000明天<b>停水</b>。</span><o:p></o:p></p>
<p>&nbsp;</p><ul><li>一楼</li><li>二楼<ul><li>东单元</li></ul></li></ul>
<p><img src="https://mmbiz.qpic.cn/x.jpg"></p><script>alert(1)</script>
<table><tr><td>楼栋</td><td>时间</td></tr><tr><td>3号楼</td><td>8:00</td></tr></table>
<p><a href="javascript:alert(1)">坏链接</a> <a href="https://www.example.gov.cn/">好链接</a></p></body></html>"""

PASTED_MARKDOWN = """## 重要通知

明天**停水**。

- 一楼
- 二楼
    - 东单元

| 楼栋 | 时间 |
| --- | --- |
| 3号楼 | 8:00 |

坏链接 [好链接](https://www.example.gov.cn/)"""


def test_pasted_html_becomes_the_same_clean_markdown(client):
    assert word.html_to_markdown(PASTED) == PASTED_MARKDOWN
    response = client.post("/paste-html", json={"html": PASTED})
    assert response.status_code == 200 and response.get_json()["markdown"] == PASTED_MARKDOWN
    assert client.post("/paste-html", json={"html": ["x"]}).status_code == 400
