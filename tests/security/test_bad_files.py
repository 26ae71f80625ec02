"""Bad files are refused clearly, through the admin, with nothing half-stored.

tests/test_media.py checks each refusal of :mod:`linli.media` itself. Here every bad file of
that corpus, plus tricky names, goes through all three upload endpoints of the real admin
(a photo for a Markdown body, a photo for an album, an attachment of a notice): each answer is
a 400 with a Chinese sentence saying what to do, and afterwards no file is added anywhere in the
home (no temporary file either) and no database row is added.
"""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from admin import create_admin_app
from linli import accounts, db
from linli import models as m
from linli.home import Home
from tests.test_media import BAD_ATTACHMENTS, BAD_PHOTOS, pdf_bytes

PASSWORD = "correct-horse-1"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def jpeg(size=(320, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 30)).save(out, "JPEG")
    return out.getvalue()


def huge_jpeg_header() -> bytes:
    """A JPEG whose header claims 65000×65000 pixels (4.2 G), body cut short."""
    data = bytearray(jpeg((64, 64)))
    sof = data.find(b"\xff\xc0")
    data[sof + 5:sof + 9] = (65000).to_bytes(2, "big") + (65000).to_bytes(2, "big")
    return bytes(data)


def gif_bomb() -> bytes:
    """A GIF that claims 50000×50000 in its logical screen and its frame."""
    out = io.BytesIO()
    Image.new("P", (1, 1)).save(out, "GIF")
    data = bytearray(out.getvalue())
    data[6:10] = (50000).to_bytes(2, "little") * 2
    frame = data.find(b",")
    data[frame + 5:frame + 9] = (50000).to_bytes(2, "little") * 2
    return bytes(data)


TRICKY_NAMES = [
    "../../../../etc/passwd.jpg",
    "..\\..\\..\\Windows\\win.ini.jpg",
    "/etc/cron.d/evil.jpg",
    "C:\\Users\\张三\\身份证.jpg",
    "photo\x00.php.jpg",
    "照片\u202egpj.exe",
    "\u202e\u2066.jpg",
    "....jpg",
    "CON.jpg",
    "a" * 5000 + ".jpg",
    "%2e%2e%2fpasswd.jpg",
    "<script>alert(1)</script>.jpg",
]

#: (bytes, uploaded name, words the message must contain): photos
PHOTO_CASES = {name: (make, filename, says) for name, (make, filename, says) in BAD_PHOTOS.items()}
PHOTO_CASES.update({
    "65000x65000 JPEG header": (huge_jpeg_header, "big.jpg", "像素太多"),
    "gif bomb": (gif_bomb, "bomb.gif", "像素太多"),
    "svg with .svg name": (lambda: b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "logo.svg", "不是照片"),
    "html renamed .jpeg, BOM": (lambda: "\ufeff<html><script>x()</script></html>".encode(), "a.jpeg", "网页"),
    "zip bomb renamed .jpg": (BAD_ATTACHMENTS["zip bomb renamed .docx"][0], "photo.jpg", "压缩包"),
    **{f"html named {n[:24]!r}": ((lambda: b"<html><body>x</body></html>"), n, "网页") for n in TRICKY_NAMES[:6]},
})  # fmt: skip
ATTACHMENT_CASES = dict(BAD_ATTACHMENTS)
ATTACHMENT_CASES.update({
    "zero bytes, traversal name": (lambda: b"", "../../../../tmp/x.pdf", "空"),
    "html with NUL name": (lambda: b"<html><script>x()</script></html>", "a\x00.pdf", "网页"),
    "pdf named .pdf.html": (pdf_bytes, "通知.pdf.html", ".html"),
    "jpeg renamed .docx": (jpeg, "通知.docx", "图片"),
})  # fmt: skip


def editor_in(home: Home):
    """The admin of ``home`` with an editor logged in, a draft album and a draft notice."""
    accounts.add_user("editor", PASSWORD, role="editor")
    app = create_admin_app(home)
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    assert client.post("/login/", data={"username": "editor", "password": PASSWORD}).status_code == 302
    album = m.Album.create(title="重阳节", status="draft", author="editor")
    notice = m.Notice.create(title="停水通知", status="draft", author="editor")
    return client, home, album, notice


@pytest.fixture
def admin(home):
    """A home of the test's own: for the uploads that are stored."""
    return editor_in(home)


@pytest.fixture(scope="module")
def _refusals_home(tmp_path_factory):
    home = Home.create(tmp_path_factory.mktemp("refusals") / "home")
    db.connect(home.database_url)
    yield editor_in(home)
    db.database.close()


@pytest.fixture
def refusing_admin(_refusals_home):
    """One home for all the refusals: each test checks that its upload left the home as it
    found it, files and rows (a refusal that stored anything fails there)."""
    client, home, album, notice = _refusals_home
    db.connect(home.database_url)
    return client, home, album, notice


def snapshot(home) -> tuple[set[str], dict[str, int]]:
    files = {p.relative_to(home.root).as_posix() for p in home.root.rglob("*") if p.is_file()}
    files = {f for f in files if not f.startswith("content/linli.db")}  # the database itself changes
    rows = {model.__name__: model.select().count() for model in (m.Photo, m.Attachment, m.Album, m.Notice)}
    return files, rows


def post(client, url, data: bytes, filename: str, **fields):
    filename = filename or "blob"  # what a browser sends for a pasted image without a name
    return client.post(url, data={**fields, "file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def assert_refused(response, says: str):
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    message = response.get_json()["error"]
    assert CHINESE.search(message) and says in message and message.endswith("。"), message
    assert "Traceback" not in message and "Error" not in message


@pytest.mark.parametrize("make, filename, says", PHOTO_CASES.values(), ids=PHOTO_CASES.keys())
def test_bad_photo_refused_by_both_photo_uploads(refusing_admin, make, filename, says):
    client, home, album, _ = refusing_admin
    before = snapshot(home)
    data = make()
    assert_refused(post(client, "/upload/image", data, filename), says)
    assert_refused(post(client, f"/upload/photo/{album.id}", data, filename), says)
    assert snapshot(home) == before


@pytest.mark.parametrize("make, filename, says", ATTACHMENT_CASES.values(), ids=ATTACHMENT_CASES.keys())
def test_bad_attachment_refused(refusing_admin, make, filename, says):
    client, home, _, notice = refusing_admin
    before = snapshot(home)
    assert_refused(post(client, "/upload/attachment", make(), filename, notice_id=notice.id), says)
    assert snapshot(home) == before


@pytest.mark.parametrize("filename", TRICKY_NAMES)
def test_tricky_names_of_good_files_never_reach_a_path(admin, filename):
    client, home, album, notice = admin
    outside_before = {p for p in home.root.rglob("*") if p.is_file() and not p.is_relative_to(home.media_dir)}
    photo = post(client, f"/upload/photo/{album.id}", jpeg(), filename)
    assert photo.status_code == 200
    stored = [photo.get_json()["photo"]["file"]]
    attachment = post(client, "/upload/attachment", pdf_bytes(), re.sub(r"\.jpg$", ".pdf", filename), notice_id=notice.id)
    if filename.endswith(".exe"):  # the name shows .exe once the RTL override is gone: refused for it
        assert_refused(attachment, ".exe")
        return
    assert attachment.status_code == 200
    stored.append(attachment.get_json()["file"])
    for path in stored:
        assert re.fullmatch(r"(photos|files)/[0-9a-f]{2}/[0-9a-f]{24}\.(jpg|pdf)", path), path
    outside = {p for p in home.root.rglob("*") if p.is_file() and not p.is_relative_to(home.media_dir)}
    assert {p.name for p in outside - outside_before} <= {"linli.db-wal", "linli.db-shm"}
    title = m.Attachment.get().title
    assert not re.search(r"[\x00-\x1f\u202a-\u202e\u2066-\u2069/\\]", title) and len(title) <= 80
    assert ".." not in title.split("/")


def test_count_of_bad_files(request):
    """The closing note quotes this figure."""
    names = set(TRICKY_NAMES)
    total = 2 * len(PHOTO_CASES) + len(ATTACHMENT_CASES)
    print(f"bad uploads tried through the admin: {total} ({len(PHOTO_CASES)} photos × 2 endpoints, "
          f"{len(ATTACHMENT_CASES)} attachments), tricky names of good files: {len(names)} × 2")
    assert total >= 80
