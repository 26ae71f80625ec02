"""Uploads in the admin: Markdown preview, photos for bodies and fields, notice attachments,
the album photo manager. Real admin app, real home in a temporary folder, real files."""

from __future__ import annotations

import io
import re

import pillow_heif
import pytest
from PIL import Image

from admin import create_admin_app
from linli import accounts, limits, validation
from linli import models as m
from linli.app import create_public_app
from linli.markup import render_markdown

PASSWORD = "correct-horse-1"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def app(home):
    for role in ("editor", "contributor"):
        accounts.add_user(role, PASSWORD, role=role)
    app = create_admin_app(home)
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def login(app, username="editor"):
    client = app.test_client()
    response = client.post("/login/", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302 and "/login/" not in response.headers["Location"]
    return client


def media_files(home) -> set[str]:
    return {p.relative_to(home.media_dir).as_posix() for p in home.media_dir.rglob("*") if p.is_file()}


def jpeg(color=(200, 30, 30), size=(64, 32), gps=True) -> bytes:
    """A phone-like JPEG: sideways by EXIF (orientation 6), with camera and GPS tags."""
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    exif[0x010F] = "PhoneMaker"
    if gps:
        exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.5), 3: "E", 4: (116.0, 23.0, 1.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def upload(client, url, data: bytes, filename: str, **fields):
    return client.post(url, data={**fields, "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")  # fmt: skip


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


# --- Markdown preview --------------------------------------------------------------------------


def test_preview_is_render_markdown_and_sanitised(app):
    client = login(app)
    text = "## 停水通知\n\n**3号楼**明天停水。\n\n<script>alert('x')</script>\n\n[链接](javascript:alert(1))"
    response = client.post("/preview-markdown", json={"text": text})
    assert response.status_code == 200
    html = response.get_json()["html"]
    assert html == str(render_markdown(text))
    assert "<strong>3号楼</strong>" in html
    assert "<script" not in html and "javascript:" not in html
    assert client.post("/preview-markdown", json={"text": ""}).get_json()["html"] == ""


# --- images -------------------------------------------------------------------------------------


def test_image_upload_is_upright_and_stripped_of_exif(app, home):
    client = login(app)
    response = upload(client, "/upload/image", jpeg(), "IMG_0001.jpg")
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.get_json()
    assert re.fullmatch(r"photos/[0-9a-f]{2}/[0-9a-f]{24}\.jpg", data["path"])
    assert data["url"] == f"/media/{data['path']}"
    assert data["markdown"] == f"![说明](/media/{data['path']})"
    assert (data["width"], data["height"]) == (32, 64)  # turned upright by its EXIF orientation
    stored = home.media_dir / data["path"]
    assert stored.is_file()
    with Image.open(stored) as image:
        assert image.size == (32, 64)
        assert not image.getexif()
        assert "exif" not in image.info
    assert b"PhoneMaker" not in stored.read_bytes()
    assert m.AuditEvent.select().where(m.AuditEvent.action == "upload_image").count() == 1
    # The admin shows stored media to staff for thumbnails.
    assert client.get(f"/media/{data['path']}").status_code == 200
    assert app.test_client().get(f"/media/{data['path']}").status_code == 401


@pytest.mark.parametrize(
    "payload, name",
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "photo.jpg"),
        (b"\xff\xd8\xff\xe0" + b"\0" * 200, "broken.jpg"),  # looks like JPEG, Pillow cannot verify it
        (b"", "empty.jpg"),
    ],
)
def test_image_upload_refusals_are_chinese_and_store_nothing(app, home, payload, name):
    client = login(app)
    before = media_files(home)
    response = upload(client, "/upload/image", payload, name)
    assert response.status_code == 400
    message = response.get_json()["error"]
    assert CHINESE.search(message) and "请" in message  # says what to do
    assert media_files(home) == before


def test_anonymous_uploads_are_refused_with_401(app, home):
    client = app.test_client()
    response = upload(client, "/upload/image", jpeg(), "a.jpg")
    assert response.status_code == 401
    assert CHINESE.search(response.get_json()["error"])
    assert client.post("/preview-markdown", json={"text": "x"}).status_code == 401
    assert media_files(home) == set()


def test_a_request_over_the_size_limit_gets_a_chinese_413(app, home):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    client = login(app)
    response = upload(client, "/upload/image", jpeg() + b"\0" * 20_000, "big.jpg")
    assert response.status_code == 413
    assert "太大" in response.get_json()["error"]
    assert media_files(home) == set()


def test_post_without_csrf_token_is_refused_and_stores_nothing(home):
    accounts.add_user("editor", PASSWORD, role="editor")
    app = create_admin_app(home)  # CSRF on, as in production
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login/").get_data(as_text=True)).group(1)
    client.post("/login/", data={"username": "editor", "password": PASSWORD, "csrf_token": token})
    response = upload(client, "/upload/image", jpeg(), "a.jpg")
    assert response.status_code == 400
    assert CHINESE.search(response.get_json()["error"])
    assert media_files(home) == set()
    assert m.AuditEvent.select().where(m.AuditEvent.action == "upload_image").count() == 0
    # The token in the X-CSRFToken header (as the editor's scripts send it) is accepted.
    response = client.post("/upload/image", data={"file": (io.BytesIO(jpeg()), "a.jpg")},
                           headers={"X-CSRFToken": token}, content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 200
    assert client.post("/preview-markdown", json={"text": "**x**"}, headers={"X-CSRFToken": token}).status_code == 200


def test_photo_fields_get_an_upload_control(app):
    client = login(app)
    place = m.Place.create(title="社区卫生服务站", author="editor")
    story = m.Story.create(title="好邻居王阿姨", author="editor")
    html = client.get(f"/place/edit/?id={place.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*data-upload="image"[^>]*name="photo"', html)
    html = client.get(f"/story/edit/?id={story.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*data-upload="image"[^>]*name="cover"', html)
    assert "linli/editor.js" in html


# --- notice attachments -------------------------------------------------------------------------


def test_attachments_pdf_accepted_renamed_html_refused(app, home):
    client = login(app)
    notice = m.Notice.create(title="关于停水的通知", author="editor", status="published")
    response = upload(client, "/upload/attachment", PDF, "停水 通知（盖章版）.pdf", notice_id=notice.id)
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.get_json()
    assert data["title"] == "停水 通知（盖章版）"
    assert re.fullmatch(r"files/[0-9a-f]{2}/[0-9a-f]{24}\.pdf", data["file"])
    assert (home.media_dir / data["file"]).read_bytes() == PDF
    attachment = m.Attachment.get_by_id(data["id"])
    assert (attachment.notice_id, attachment.size) == (notice.id, len(PDF))
    again = upload(client, "/upload/attachment", PDF, "copy.pdf", notice_id=notice.id).get_json()
    assert again["duplicate"] and again["id"] == data["id"] and notice.attachments.count() == 1

    before = media_files(home)
    html = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
    response = upload(client, "/upload/attachment", html, "通知.pdf", notice_id=notice.id)
    assert response.status_code == 400
    assert CHINESE.search(response.get_json()["error"])
    assert media_files(home) == before
    assert notice.attachments.count() == 1

    # The edit page lists it; title, order and removal are saved at once, and audited.
    page = client.get(f"/notice/edit/?id={notice.id}").get_data(as_text=True)
    assert "停水 通知（盖章版）" in page and 'id="linli-attachments"' in page
    second = upload(client, "/upload/attachment", PDF.replace(b"1.4", b"1.5"), "b.pdf", notice_id=notice.id).get_json()
    assert client.post(f"/attachment/{data['id']}/title", json={"title": "  停水通知  "}).get_json()["title"] == "停水通知"
    assert client.post(f"/attachment/{data['id']}/title", json={"title": " "}).status_code == 400
    response = client.post(f"/notice/{notice.id}/attachment-order", json={"ids": [second["id"], data["id"]]})
    assert [a["id"] for a in response.get_json()["attachments"]] == [second["id"], data["id"]]
    assert client.post(f"/attachment/{second['id']}/delete").status_code == 200
    assert [a.title for a in notice.attachments] == ["停水通知"]
    actions = {e.action for e in m.AuditEvent.select()}
    assert {"attachment_add", "attachment_title", "attachment_order", "attachment_remove"} <= actions


def test_new_notice_says_attachments_come_after_saving(app):
    client = login(app)
    assert "保存后可添加附件" in client.get("/notice/new/").get_data(as_text=True)
    response = upload(client, "/upload/attachment", PDF, "a.pdf")
    assert response.status_code == 400 and "保存" in response.get_json()["error"]


def test_contributor_cannot_attach_to_a_published_notice(app, home):
    notice = m.Notice.create(title="已发布", author="contributor", status="published")
    client = login(app, "contributor")
    response = upload(client, "/upload/attachment", PDF, "a.pdf", notice_id=notice.id)
    assert response.status_code == 403
    assert media_files(home) == set()


# --- albums -------------------------------------------------------------------------------------


def test_album_upload_reorder_caption_cover_hide_shows_on_public_page(app, home):
    album = m.Album.create(title="重阳节敬老活动", author="editor", status="published")
    client = login(app)
    page = client.get(f"/album/{album.id}/photos/")
    assert page.status_code == 200 and "选择照片" in page.get_data(as_text=True)
    assert f"/album/{album.id}/photos/" in client.get(f"/album/edit/?id={album.id}").get_data(as_text=True)

    ids = []
    for number, color in enumerate([(200, 0, 0), (0, 200, 0), (0, 0, 200)]):
        response = upload(client, f"/upload/photo/{album.id}", jpeg(color), f"IMG_{number}.jpg")
        assert response.status_code == 200, response.get_data(as_text=True)
        photo = response.get_json()["photo"]
        assert (photo["width"], photo["height"]) == (32, 64)
        ids.append(photo["id"])
    first, second, third = ids
    # The same photo again is not added twice.
    again = upload(client, f"/upload/photo/{album.id}", jpeg((200, 0, 0)), "copy.jpg").get_json()
    assert again["duplicate"] and album.photos.count() == 3
    # A refused photo does not stop the album: nothing stored, a sentence back.
    bad = upload(client, f"/upload/photo/{album.id}", b"<svg/>", "x.svg")
    assert bad.status_code == 400 and album.photos.count() == 3

    response = client.post(f"/album/{album.id}/photo-order", json={"ids": [third, first, second]})
    assert [p["id"] for p in response.get_json()["photos"]] == [third, first, second]
    assert client.post(f"/photo/{third}/caption", json={"caption": "志愿者为老人量血压"}).status_code == 200
    assert client.post(f"/photo/{first}/caption", json={"caption": "合影留念"}).status_code == 200
    client.post(f"/photo/{second}/cover")
    response = client.post(f"/photo/{first}/cover")
    assert [p["id"] for p in response.get_json()["photos"] if p["is_cover"]] == [first]
    assert m.Photo.select().where(m.Photo.is_cover == True).count() == 1  # noqa: E712
    response = client.post(f"/photo/{second}/hide")
    assert response.get_json()["photo"]["hidden"] is True
    # Hiding is reversible, and a hidden photo cannot be the cover.
    assert client.post(f"/photo/{second}/show").get_json()["photo"]["hidden"] is False
    client.post(f"/photo/{second}/hide")
    assert client.post(f"/photo/{second}/cover").status_code == 400
    assert album.cover_photo.id == first

    hidden_file = m.Photo.get_by_id(second).file
    html = create_public_app(home).test_client().get(f"/albums/{album.slug}/").get_data(as_text=True)
    assert "志愿者为老人量血压" in html and "合影留念" in html
    assert html.index("志愿者为老人量血压") < html.index("合影留念")
    assert html.index(m.Photo.get_by_id(third).file) < html.index(m.Photo.get_by_id(first).file)
    assert hidden_file not in html
    assert len(re.findall(r"<figure>", html)) == 2

    actions = [e.action for e in m.AuditEvent.select().where(m.AuditEvent.target_type == "Album")]
    for action in ("photo_add", "photo_order", "photo_caption", "photo_cover", "photo_hide", "photo_show"):
        assert action in actions


def test_contributor_cannot_change_an_editors_published_album(app, home):
    album = m.Album.create(title="端午节", author="editor", status="published")
    photo = m.Photo.create(album=album, file="photos/aa/x.jpg", width=10, height=10, caption="原来的说明")
    client = login(app, "contributor")
    page = client.get(f"/album/{album.id}/photos/").get_data(as_text=True)
    assert "不能修改" in page and "选择照片" not in page
    before = media_files(home)
    assert upload(client, f"/upload/photo/{album.id}", jpeg(), "a.jpg").status_code == 403
    assert media_files(home) == before
    for url, body in [
        (f"/photo/{photo.id}/caption", {"caption": "改掉"}),
        (f"/photo/{photo.id}/cover", {}),
        (f"/photo/{photo.id}/hide", {}),
        (f"/album/{album.id}/photo-order", {"ids": [photo.id]}),
    ]:
        response = client.post(url, json=body)
        assert response.status_code == 403, url
        assert CHINESE.search(response.get_json()["error"])
    photo = m.Photo.get_by_id(photo.id)
    assert (photo.caption, photo.hidden, photo.is_cover) == ("原来的说明", False, False)


def test_contributor_manages_photos_of_own_draft_album(app):
    album = m.Album.create(title="我的草稿相册", author="contributor", status="draft")
    client = login(app, "contributor")
    response = upload(client, f"/upload/photo/{album.id}", jpeg(), "a.jpg")
    assert response.status_code == 200
    photo_id = response.get_json()["photo"]["id"]
    assert client.post(f"/photo/{photo_id}/caption", json={"caption": "好"}).status_code == 200


def test_albums_in_the_trash_and_unknown_ids(app):
    album = m.Album.create(title="删掉的", author="editor", deleted_at=m.now())
    client = login(app)
    assert client.get(f"/album/{album.id}/photos/").status_code == 404
    assert upload(client, f"/upload/photo/{album.id}", jpeg(), "a.jpg").status_code == 404
    assert client.post("/photo/999/hide").status_code == 404
    assert client.post(f"/album/{album.id}/photo-order", json={"ids": ["x"]}).status_code in (400, 404)


# --- limits: the words of linli.validation, nothing stored -----------------------------------------


def test_preview_of_a_body_over_the_limit_says_what_saving_would(app):
    client = login(app)
    response = client.post("/preview-markdown", json={"text": "长" * (limits.TEXT_CHARS + 1)})
    assert response.status_code == 400
    assert response.get_json()["error"] == "正文" + validation.too_long(limits.TEXT_CHARS + 1, limits.TEXT_CHARS)
    assert "最多 200,000 个字，实际 200,001 个字" in response.get_json()["error"]
    assert client.post("/preview-markdown", json={"text": "长" * limits.TEXT_CHARS}).status_code == 200


def test_a_notice_takes_so_many_attachments_and_no_more(app, home):
    client = login(app)
    notice = m.Notice.create(title="附件很多的通知", author="editor")
    for n in range(limits.ATTACHMENTS_PER_NOTICE):
        m.Attachment.create(notice=notice, title=f"附件{n}", file=f"files/aa/{n}.pdf", size=1, position=n)
    before = media_files(home)
    response = upload(client, "/upload/attachment", PDF, "第五十一个.pdf", notice_id=notice.id)
    assert response.status_code == 400
    assert response.get_json()["error"] == "没有上传：太多了：每条通知最多 50 个附件，已经有 50 个附件。"
    assert notice.attachments.count() == limits.ATTACHMENTS_PER_NOTICE and media_files(home) == before
    m.Attachment.delete().where(m.Attachment.title == "附件0").execute()
    assert upload(client, "/upload/attachment", PDF, "第五十个.pdf", notice_id=notice.id).status_code == 200


def test_an_album_takes_so_many_photos_and_no_more(app, home):
    client = login(app)
    album = m.Album.create(title="大相册", author="editor")
    m.Photo.insert_many([{"album": album.id, "file": f"photos/aa/{n}.jpg", "position": n}
                         for n in range(limits.PHOTOS_PER_ALBUM)]).execute()  # fmt: skip
    before = media_files(home)
    response = upload(client, f"/upload/photo/{album.id}", jpeg(), "IMG_1001.jpg")
    assert response.status_code == 400
    assert response.get_json()["error"] == "没有上传：太多了：每个相册最多 1,000 张照片，已经有 1,000 张照片。"
    assert album.photos.count() == limits.PHOTOS_PER_ALBUM and media_files(home) == before


def test_captions_and_titles_are_cleaned_and_limited_as_the_forms_do(app):
    client = login(app)
    notice = m.Notice.create(title="通知", author="editor")
    attachment = m.Attachment.create(notice=notice, title="旧标题", file="files/aa/a.pdf")
    album = m.Album.create(title="相册", author="editor")
    photo = m.Photo.create(album=album, file="photos/aa/x.jpg")

    response = client.post(f"/attachment/{attachment.id}/title", json={"title": "新\x00标题\x07"})
    assert response.get_json()["title"] == "新标题" == m.Attachment.get_by_id(attachment.id).title
    response = client.post(f"/attachment/{attachment.id}/title", json={"title": "长" * 201})
    assert response.status_code == 400
    assert response.get_json()["error"] == "附件标题" + validation.too_long(201, 200)
    response = client.post(f"/photo/{photo.id}/caption", json={"caption": "合\x1b影"})
    assert response.get_json()["photo"]["caption"] == "合影"
    response = client.post(f"/photo/{photo.id}/caption", json={"caption": "长" * 301})
    assert response.status_code == 400 and response.get_json()["error"] == "照片说明太长：最多 300 个字，实际 301 个字。"
    assert (m.Attachment.get_by_id(attachment.id).title, m.Photo.get_by_id(photo.id).caption) == ("新标题", "合影")


# --- phone photos: HEIC ---------------------------------------------------------------------------


def heic(size=(1600, 800), gps=True) -> bytes:
    """An iPhone-like HEIC made with pillow-heif: left quarter blue, rest red, to be turned
    90° clockwise to view (EXIF orientation 6, which pillow-heif writes as the file's rotation),
    with camera and GPS tags."""
    pillow_heif.register_heif_opener()  # (Linli registers it where it decodes uploads)
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((20, 20, 220), (0, 0, size[0] // 4, size[1]))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMaker"
    if gps:
        exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.5), 3: "E", 4: (116.0, 23.0, 1.0)}
    out = io.BytesIO()
    image.save(out, "HEIF", exif=exif.tobytes(), quality=90)
    data = out.getvalue()
    assert data[4:12] == b"ftypheic"
    return data


def assert_upright_and_clean(home, path: str, size: tuple[int, int]) -> None:
    """The stored photo and every rendition: JPEG or WebP, upright (blue on top), no metadata."""
    files = sorted(p for p in media_files(home) if p.startswith(path.rpartition(".")[0]))
    widths = {int(re.search(r"-(\d+)\.", p).group(1)) for p in files if "-" in p.rpartition("/")[2]}
    assert widths == {w for w in (480, 960, 1600) if w < size[0]}, files
    assert {p.rpartition(".")[2] for p in files} == {"jpg", "webp"}
    for rel in files:
        raw = (home.media_dir / rel).read_bytes()
        assert b"PhoneMaker" not in raw and b"Exif" not in raw
        with Image.open(home.media_dir / rel) as image:
            assert image.format in ("JPEG", "WEBP")
            assert not image.getexif() and "exif" not in image.info
            width, height = image.size
            assert abs(width / height - size[0] / size[1]) < 0.01
            top, bottom = image.convert("RGB").getpixel((width // 2, 2)), image.getpixel((width // 2, height - 3))
            assert top[2] > 150 and top[0] < 80, (rel, top)  # the blue quarter is on top: turned upright
            assert bottom[0] > 150 and bottom[2] < 80, (rel, bottom)


def test_heic_photo_field_upload_is_upright_stripped_with_renditions(app, home):
    client = login(app)
    response = upload(client, "/upload/image", heic(), "IMG_0042.HEIC")
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.get_json()
    assert data["path"].endswith(".jpg") and (data["width"], data["height"]) == (800, 1600)
    assert_upright_and_clean(home, data["path"], (800, 1600))


def test_heic_album_upload_is_upright_stripped_with_renditions(app, home):
    album = m.Album.create(title="楼道清洁日", author="editor", status="draft")
    client = login(app)
    assert ".heic" in client.get(f"/album/{album.id}/photos/").get_data(as_text=True)
    response = upload(client, f"/upload/photo/{album.id}", heic(), "IMG_0043.heic")
    assert response.status_code == 200, response.get_data(as_text=True)
    photo = response.get_json()["photo"]
    assert (photo["width"], photo["height"]) == (800, 1600)
    assert_upright_and_clean(home, photo["file"], (800, 1600))
    # A damaged HEIC gets its own reason and stores nothing.
    before = media_files(home)
    broken = heic((64, 32))[:200]
    refused = upload(client, f"/upload/photo/{album.id}", broken, "IMG_0044.HEIC")
    assert refused.status_code == 400 and "损坏" in refused.get_json()["error"]
    assert media_files(home) == before and album.photos.count() == 1
