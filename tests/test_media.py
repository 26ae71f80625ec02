"""Uploads: photos and attachments checked by content, stored under hash names, refused cleanly.

Every sample is made here, with Pillow, zipfile or plain bytes, and stored in a real folder.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageCms, ImageDraw

from linli import limits, media
from linli.errors import LinliError
from linli.media import (
    RENDITION_WIDTHS,
    StoredFile,
    renditions,
    safe_display_name,
    store_attachment,
    store_file,
    store_image,
    webp_renditions,
)

pytestmark = pytest.mark.database_free

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def media_dir(tmp_path) -> Path:
    folder = tmp_path / "media"
    folder.mkdir()
    return folder


def everything(folder: Path) -> list[Path]:
    """Every file and folder below ``folder``, temporary ones included."""
    return sorted(folder.rglob("*"))


# --- samples --------------------------------------------------------------------------------


def picture(size=(1200, 800)) -> Image.Image:
    """A photo-like picture with a red mark in its top-left corner, to see where it ends up."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, size[0] // 6, size[1] // 6), fill=(230, 20, 20))
    draw.ellipse((size[0] // 3, size[1] // 3, size[0] // 2, size[1] // 2), fill=(20, 120, 230))
    return image


def encode(image: Image.Image, fmt: str = "JPEG", **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def phone_exif(orientation: int | None = None) -> Image.Exif:
    """EXIF as a phone writes it, with where the photo was taken."""
    exif = Image.Exif()
    exif[0x010F] = "LeakyPhone"  # Make
    exif[0x0110] = "LeakyPhone 15 Pro"  # Model
    exif[0x0131] = "LeakySoftware 1.0"  # Software
    exif[0x0132] = "2026:11:20 08:30:00"  # DateTime
    if orientation:
        exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (31.0, 13.0, 7.56), 3: "E", 4: (121.0, 28.0, 11.52), 5: 0, 6: 12.0})
    return exif


XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="31,13.126N"/>'
       b"</rdf:RDF></x:xmpmeta>")


def png_bomb(width: int, height: int) -> bytes:
    """A real 1-bit greyscale PNG of ``width``×``height`` black pixels: tiny on disk, huge decoded."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\0" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    rows_per_piece = max(1, (1 << 20) // len(row))
    parts = []
    for start in range(0, height, rows_per_piece):
        parts.append(packer.compress(row * min(rows_per_piece, height - start)))
    parts.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(parts))
            + chunk(b"IEND", b""))


def pdf_bytes() -> bytes:
    return encode(Image.new("RGB", (200, 100), "white"), "PDF", resolution=72.0)


CONTENT_TYPES = {
    "docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    "pptx": ("ppt/presentation.xml",
             "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
}

PARTS = {
    "docx": {
        "word/document.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>关于小区停水的通知</w:t></w:r></w:p></w:body></w:document>",
    },
    "xlsx": {
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="名单" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"'
        ' Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>张三</t></is></c></row></sheetData></worksheet>',
    },
    "pptx": {
        "ppt/presentation.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>',
    },
}


def office(kind: str, extra: dict[str, bytes | str] | None = None, *, content_type: str | None = None) -> bytes:
    """A minimal Office Open XML file of ``kind`` (docx, xlsx, pptx), as Office lays it out."""
    main, main_type = CONTENT_TYPES[kind]
    types = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             f'<Override PartName="/{main}" ContentType="{content_type or main_type}"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            f'officeDocument" Target="{main}"/></Relationships>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", rels)
        for name, body in {**PARTS[kind], **(extra or {})}.items():
            archive.writestr(name, body)
    return out.getvalue()


def ole2(*streams: str) -> bytes:
    """The start of an OLE2 compound file whose directory names ``streams`` (as Office writes them)."""
    header = media.OLE2_MAGIC + b"\0" * 16 + struct.pack("<HHH", 0x3E, 3, 0xFFFE) + b"\0" * (512 - 30)
    directory = b""
    for name in ("Root Entry", *streams):
        encoded = name.encode("utf-16-le") + b"\0\0"
        directory += encoded.ljust(64, b"\0") + struct.pack("<H", len(encoded)) + b"\0" * 62
    return header + directory.ljust(1024, b"\0")


# --- photos: what a phone sends -------------------------------------------------------------


def test_exif_orientation_is_applied(media_dir):
    data = encode(picture((1200, 800)), "JPEG", quality=90, exif=phone_exif(orientation=6))
    stored = store_image(media_dir, data, "IMG_0001.JPG")
    assert (stored.width, stored.height) == (800, 1200)
    with Image.open(media_dir / stored.path) as image:
        assert image.size == (800, 1200)
        # Orientation 6: the camera was turned clockwise; the top-left mark is now top-right.
        red, green, blue = image.convert("RGB").getpixel((790, 10))
        assert red > 180 and green < 80 and blue < 80
        red, green, blue = image.convert("RGB").getpixel((10, 10))
        assert not (red > 180 and green < 80)
    for _, path in renditions(media_dir, stored.path) + webp_renditions(media_dir, stored.path):
        with Image.open(media_dir / path) as rendition:
            assert rendition.height > rendition.width


def test_all_metadata_is_gone_from_original_and_renditions(media_dir):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(picture((2000, 1500)), "JPEG", exif=phone_exif(), xmp=XMP, comment=b"LeakyComment",
                  icc_profile=srgb, dpi=(300, 300))
    with Image.open(io.BytesIO(data)) as upload:  # the sample really carries all of it
        assert upload.getexif().get_ifd(0x8825) and upload.info.get("xmp") and upload.info.get("comment")
    stored = store_image(media_dir, data)
    files = [stored.path] + [p for _, p in renditions(media_dir, stored.path) + webp_renditions(media_dir, stored.path)]
    assert len(files) == 1 + 2 * len(RENDITION_WIDTHS)
    for path in files:
        raw = (media_dir / path).read_bytes()
        for leak in (b"Exif\0\0", b"LeakyPhone", b"LeakySoftware", b"LeakyComment", b"GPSLatitude",
                     b"ns.adobe.com", b"2026:11:20"):
            assert leak not in raw, (path, leak)
        with Image.open(media_dir / path) as image:
            assert len(image.getexif()) == 0
            assert not image.getexif().get_ifd(0x8825)
            for key in ("exif", "xmp", "XML:com.adobe.xmp", "comment", "icc_profile"):
                assert key not in image.info, (path, key)


def test_renditions_in_jpeg_and_webp_at_the_right_widths(media_dir):
    stored = store_image(media_dir, encode(picture((2000, 1500))))
    assert (stored.width, stored.height) == (2000, 1500)
    assert stored.path.startswith("photos/") and stored.path.endswith(".jpg")
    jpegs = renditions(media_dir, stored.path)
    webps = webp_renditions(media_dir, stored.path)
    assert [w for w, _ in jpegs] == [480, 960, 1600] == [w for w, _ in webps]
    stem = stored.path[: -len(".jpg")]
    assert [p for _, p in jpegs] == [f"{stem}-{w}.jpg" for w in (480, 960, 1600)]
    assert [p for _, p in webps] == [f"{stem}-{w}.webp" for w in (480, 960, 1600)]
    for (width, jpeg_path), (_, webp_path) in zip(jpegs, webps):
        for path, fmt in ((jpeg_path, "JPEG"), (webp_path, "WEBP")):
            with Image.open(media_dir / path) as image:
                assert image.format == fmt
                assert image.width == width
                assert image.height == round(1500 * width / 2000)


def test_only_renditions_narrower_than_the_photo(media_dir):
    small = store_image(media_dir, encode(picture((700, 500))))
    assert [w for w, _ in renditions(media_dir, small.path)] == [480]
    assert [w for w, _ in webp_renditions(media_dir, small.path)] == [480]
    tiny = store_image(media_dir, encode(picture((300, 200)), "PNG"))
    assert renditions(media_dir, tiny.path) == [] == webp_renditions(media_dir, tiny.path)


def test_big_phone_photo_is_scaled_down(media_dir):
    stored = store_image(media_dir, encode(picture((6000, 4000)), quality=80))
    assert (stored.width, stored.height) == (media.MAX_EDGE, round(media.MAX_EDGE * 4000 / 6000))
    with Image.open(media_dir / stored.path) as image:
        assert image.size == (stored.width, stored.height)


def test_identical_upload_same_path_and_nothing_recomputed(media_dir):
    data = encode(picture((2000, 1500)), exif=phone_exif())
    first = store_image(media_dir, data, "a.jpg")
    before = {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in everything(media_dir) if p.is_file()}
    assert len(before) == 1 + 2 * len(RENDITION_WIDTHS)
    second = store_image(media_dir, data, "另一个名字.jpg")
    assert second == first
    after = {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in everything(media_dir) if p.is_file()}
    assert after == before
    # A missing rendition is made again; the others stay as they were.
    lost = media_dir / media.rendition_path(first.path, 960, "webp")
    lost.unlink()
    store_image(media_dir, data)
    assert lost.is_file()
    assert {p: s for p, s in after.items() if p != lost} == {
        p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in everything(media_dir) if p.is_file() and p != lost}


def test_ensure_renditions_fills_in_what_is_missing(media_dir):
    stored = store_image(media_dir, encode(picture((2000, 1500))))
    kept = media_dir / media.rendition_path(stored.path, 480)
    stamp = kept.stat().st_mtime_ns
    for width in (960, 1600):
        (media_dir / media.rendition_path(stored.path, width)).unlink()
        (media_dir / media.rendition_path(stored.path, width, "webp")).unlink()
    media.ensure_renditions(media_dir, stored.path)
    assert [w for w, _ in renditions(media_dir, stored.path)] == [480, 960, 1600]
    assert [w for w, _ in webp_renditions(media_dir, stored.path)] == [480, 960, 1600]
    assert kept.stat().st_mtime_ns == stamp


def test_stored_name_never_comes_from_the_upload(media_dir):
    stored = store_image(media_dir, encode(picture()), "../../evil name 照片.jpg")
    assert re.fullmatch(r"photos/[0-9a-f]{2}/[0-9a-f]{24}\.jpg", stored.path)
    assert stored.path.split("/")[1] == stored.path.split("/")[2][:2]
    assert [p.name for p in everything(media_dir) if p.name.startswith(".")] == []


def test_png_with_transparency_is_flattened_onto_white(media_dir):
    image = Image.new("RGBA", (600, 400), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((200, 100, 400, 300), fill=(20, 120, 230, 255))
    stored = store_image(media_dir, encode(image, "PNG"), "screenshot.png")
    with Image.open(media_dir / stored.path) as result:
        assert result.format == "JPEG" and result.mode == "RGB"
        assert min(result.getpixel((10, 10))) > 245
        assert result.getpixel((300, 200))[2] > 200


def test_webp_and_16_bit_png_are_accepted(media_dir):
    assert store_image(media_dir, encode(picture((800, 600)), "WEBP")).width == 800
    deep = Image.linear_gradient("L").resize((640, 480)).convert("I").point(lambda v: v * 256).convert("I;16")
    with Image.open(io.BytesIO(encode(deep, "PNG"))) as sample:
        assert sample.mode.startswith("I")
    stored = store_image(media_dir, encode(deep, "PNG"))
    with Image.open(media_dir / stored.path) as result:
        assert result.convert("L").getextrema()[1] > 200  # not clipped to white or black


def test_animated_gif_keeps_its_first_frame_as_a_still(media_dir):
    frames = [Image.new("RGB", (300, 200), colour) for colour in ((230, 20, 20), (20, 20, 230))]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    with Image.open(io.BytesIO(data)) as sample:
        assert sample.n_frames == 2
    stored = store_image(media_dir, data, "动图.gif")
    with Image.open(media_dir / stored.path) as result:
        assert result.format == "JPEG" and getattr(result, "n_frames", 1) == 1
        red, green, blue = result.getpixel((150, 100))
        assert red > 180 and blue < 80


def test_icc_profile_is_converted_and_dropped(media_dir):
    adobe_like = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()  # anything not sRGB
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    for profile in (srgb, adobe_like, b"not a profile"):
        stored = store_image(media_dir, encode(picture((500, 300)), icc_profile=profile))
        with Image.open(media_dir / stored.path) as result:
            assert "icc_profile" not in result.info


# --- photos: refused ------------------------------------------------------------------------


def truncated_jpeg() -> bytes:
    data = encode(Image.effect_noise((1200, 900), 60).convert("RGB"), quality=90)
    return data[: len(data) // 2]


def corrupt_png() -> bytes:
    data = bytearray(encode(Image.effect_noise((400, 300), 60), "PNG"))
    data[len(data) // 2] ^= 0xFF  # a flipped byte inside the image data: the checksum fails
    return bytes(data)


SVG = (b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
       b'<script>alert(document.cookie)</script><circle cx="50" cy="50" r="40"/></svg>')
HTML = b"<!DOCTYPE html>\n<html><head><title>x</title></head><body><script>steal()</script></body></html>"

BAD_PHOTOS = {
    "zero bytes": (lambda: b"", "IMG_0001.jpg", "空"),
    "truncated jpeg": (truncated_jpeg, "IMG_0002.jpg", "损坏"),
    "corrupt png": (corrupt_png, "截图.png", "损坏"),
    "svg": (lambda: SVG, "logo.jpg", "不是照片"),
    "svg, no name": (lambda: SVG, None, "不是照片"),
    "html renamed .jpg": (lambda: HTML, "photo.jpg", "网页"),
    "text file": (lambda: "社区活动报名名单\n张三 李四\n".encode(), "名单.jpg", "不是照片"),
    "png bomb 30000x30000": (lambda: png_bomb(30_000, 30_000), "bomb.png", "像素太多"),
    "png over the pixel limit": (lambda: png_bomb(8_000, 8_000), "big.png", "像素太多"),
    "1x60000 strip": (lambda: encode(Image.new("L", (1, 60_000), 128), "PNG"), "strip.png", "细长"),
    "60000x2 strip": (lambda: png_bomb(60_000, 2), "strip.png", "细长"),
    "bmp": (lambda: encode(picture((200, 100)), "BMP"), "photo.jpg", "不支持"),
    "tiff": (lambda: encode(picture((200, 100)), "TIFF"), "scan.jpg", "不支持"),
    "broken heic": (lambda: b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 200, "IMG_0003.HEIC", "损坏"),
    "avif": (lambda: b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf" + b"\0" * 200, "a.avif", "不支持"),
    "pdf as a photo": (pdf_bytes, "通知.jpg", "附件"),
    "exe renamed .jpg": (lambda: b"MZ\x90\0" + b"\0" * 200, "photo.jpg", "程序"),
    "random bytes": (lambda: bytes(range(256)) * 4, "x.jpg", "不是照片"),
}


@pytest.mark.parametrize("make, filename, says", BAD_PHOTOS.values(), ids=BAD_PHOTOS.keys())
def test_bad_photo_is_refused_and_nothing_written(media_dir, make, filename, says):
    with pytest.raises(LinliError) as refused:
        store_image(media_dir, make(), filename)
    message = str(refused.value)
    assert CHINESE.search(message) and says in message, message
    assert message.endswith("。"), message
    assert everything(media_dir) == []


def test_photo_over_the_byte_limit_is_refused(media_dir, monkeypatch):
    data = encode(picture((800, 600)))
    monkeypatch.setattr(limits, "PHOTO_BYTES", len(data) - 1)
    with pytest.raises(LinliError, match="太大"):
        store_image(media_dir, data, "IMG_0004.jpg")
    assert everything(media_dir) == []


def test_pillow_decompression_bomb_limit_is_respected(media_dir, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100_000)  # Pillow warns above, errs above twice this
    for size in ((400, 300), (1000, 1000)):
        with pytest.raises(LinliError, match="像素太多"):
            store_image(media_dir, encode(picture(size), "PNG"))
    assert everything(media_dir) == []


def test_refusal_names_the_file(media_dir):
    with pytest.raises(LinliError, match="^“家长会.jpg”不是照片"):
        store_image(media_dir, HTML, "C:\\fakepath\\家长会\u200b.jpg")


# --- attachments: accepted ------------------------------------------------------------------


def test_pdf_is_stored_by_content_hash(media_dir):
    data = pdf_bytes()
    stored = store_attachment(media_dir, data, "../../关于停水的通知.PDF")
    assert isinstance(stored, StoredFile)
    assert stored.kind == "pdf" and stored.size == len(data)
    assert re.fullmatch(r"files/([0-9a-f]{2})/\1[0-9a-f]{22}\.pdf", stored.path)
    assert (media_dir / stored.path).read_bytes() == data
    mtime = (media_dir / stored.path).stat().st_mtime_ns
    assert store_attachment(media_dir, data, "again.pdf") == stored
    assert (media_dir / stored.path).stat().st_mtime_ns == mtime
    assert [p.name for p in everything(media_dir) if p.name.startswith(".")] == []


@pytest.mark.parametrize("kind", ["docx", "xlsx", "pptx"])
def test_office_open_xml_is_accepted(media_dir, kind):
    data = office(kind)
    stored = store_attachment(media_dir, data, f"报名表.{kind}")
    assert stored.kind == kind and stored.path.endswith(f".{kind}")
    assert (media_dir / stored.path).read_bytes() == data


@pytest.mark.parametrize("kind, stream", [("doc", "WordDocument"), ("xls", "Workbook"),
                                          ("ppt", "PowerPoint Document")])
def test_legacy_office_is_accepted(media_dir, kind, stream):
    stored = store_attachment(media_dir, ole2(stream, "SummaryInformation"), f"旧文件.{kind.upper()}")
    assert stored.kind == kind and stored.path.endswith(f".{kind}")


def test_word_with_an_embedded_sheet_stays_word(media_dir):
    assert store_attachment(media_dir, ole2("WordDocument", "ObjectPool", "Workbook"), "a.doc").kind == "doc"


def test_name_without_extension_takes_the_content_kind(media_dir):
    assert store_attachment(media_dir, office("xlsx"), "名单").kind == "xlsx"
    assert store_attachment(media_dir, pdf_bytes(), "").path.endswith(".pdf")


def test_store_file_still_stores_trusted_bytes(media_dir):
    assert store_file(media_dir, b"%PDF-1.4 made here\n", ".PDF").endswith(".pdf")
    path = store_file(media_dir, b"PK\x03\x04 made here", ".docx")
    assert re.fullmatch(r"files/[0-9a-f]{2}/[0-9a-f]{24}\.docx", path)


# --- attachments: refused -------------------------------------------------------------------


def zip_bomb_docx() -> bytes:
    return office("docx", {"word/media/image1.bin": b"\0" * (20 * 1024 * 1024)})


def raw_zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in entries.items():
            archive.writestr(zipfile.ZipInfo(name), body)
    return out.getvalue()


def with_entry(name: str) -> bytes:
    """A good .docx with one more entry called ``name``."""
    out = io.BytesIO(office("docx"))
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr(zipfile.ZipInfo(name), b"owned")
    return out.getvalue()


def docm() -> bytes:
    return office("docx", {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"},
                  content_type="application/vnd.ms-word.document.macroEnabled.main+xml")


BAD_ATTACHMENTS = {
    "empty": (lambda: b"", "通知.pdf", "空"),
    "zip bomb renamed .docx": (zip_bomb_docx, "通知.docx", "压缩炸弹"),
    "zip with ../ entry": (lambda: with_entry("../../../etc/cron.d/evil"), "通知.docx", "不安全"),
    "zip with absolute entry": (lambda: with_entry("/etc/passwd"), "通知.docx", "不安全"),
    "zip with ..\\ entry": (lambda: with_entry("word\\..\\..\\evil.bat"), "通知.docx", "不安全"),
    "zip with drive entry": (lambda: with_entry("C:/Windows/evil.bat"), "通知.docx", "不安全"),
    "html renamed .pdf": (lambda: HTML, "通知.pdf", "网页"),
    "svg renamed .pdf": (lambda: SVG, "通知.pdf", "网页"),
    "javascript renamed .pdf": (lambda: b"var x = 1;\nfunction go() { window.location = 'http://x'; }\n",
                                "通知.pdf", "脚本"),
    "pdf renamed .docx": (pdf_bytes, "通知.docx", ".pdf"),
    "xlsx renamed .docx": (lambda: office("xlsx"), "通知.docx", "Excel"),
    "doc renamed .xls": (lambda: ole2("WordDocument"), "名单.xls", "Word"),
    "exe renamed .doc": (lambda: b"MZ\x90\0\3\0\0\0\4\0\0\0\xff\xff" + b"\0" * 500, "通知.doc", "程序"),
    "exe renamed .pdf": (lambda: b"MZ" + b"\0" * 500 + b"%PDF-", "通知.pdf", "程序"),
    "msi renamed .doc": (lambda: ole2("\u4840\u3f3f\u4577"), "setup.doc", "安装包"),
    "plain zip renamed .docx": (lambda: raw_zip({"readme.txt": b"hello"}), "通知.docx", "压缩包"),
    "zip without the word part": (lambda: raw_zip({"[Content_Types].xml": b"<Types/>", "a.xml": b"<a/>"}),
                                  "通知.docx", "Word"),
    "macro document": (docm, "通知.docx", "宏"),
    "truncated docx": (lambda: office("docx")[:-40], "通知.docx", "损坏"),
    "corrupt docx entry": (lambda: _flip_inside(office("docx")), "通知.docx", "损坏"),
    "truncated pdf": (lambda: pdf_bytes()[: len(pdf_bytes()) // 2], "通知.pdf", "不完整"),
    "password-protected docx": (lambda: ole2("EncryptedInfo", "EncryptedPackage"), "通知.docx", "密码"),
    "text file": (lambda: "停水通知：明天停水。".encode(), "通知.txt", "纯文本"),
    "photo as attachment": (lambda: encode(picture((200, 100))), "通知.pdf", "图片"),
    "pdf with .exe name": (pdf_bytes, "通知.pdf.exe", ".exe"),
    "pdf hidden behind RLO": (pdf_bytes, "通知\u202efdp.exe", ".exe"),
    "unknown bytes": (lambda: bytes(range(256)) * 8, "通知.pdf", "认不出"),
}


def _flip_inside(data: bytes) -> bytes:
    """Damage the compressed body of word/document.xml (its checksum no longer matches)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    damaged = bytearray(data)
    damaged[start + info.compress_size // 2] ^= 0xFF
    return bytes(damaged)


@pytest.mark.parametrize("make, filename, says", BAD_ATTACHMENTS.values(), ids=BAD_ATTACHMENTS.keys())
def test_bad_attachment_is_refused_and_nothing_written(media_dir, make, filename, says):
    with pytest.raises(LinliError) as refused:
        store_attachment(media_dir, make(), filename)
    message = str(refused.value)
    assert CHINESE.search(message) and says in message, message
    assert message.endswith("。"), message
    assert everything(media_dir) == []


def test_zip_limits(media_dir, monkeypatch):
    data = office("docx", {f"word/media/{i}.xml": f"<p>{i}</p>" for i in range(10)})
    monkeypatch.setattr(media, "MAX_ZIP_ENTRIES", 5)
    with pytest.raises(LinliError, match="压缩炸弹"):
        store_attachment(media_dir, data, "a.docx")
    monkeypatch.undo()
    monkeypatch.setattr(media, "MAX_ZIP_UNCOMPRESSED", 500)
    with pytest.raises(LinliError, match="压缩炸弹"):
        store_attachment(media_dir, data, "a.docx")
    assert everything(media_dir) == []
    monkeypatch.undo()
    assert store_attachment(media_dir, data, "a.docx").kind == "docx"


def test_attachment_over_the_byte_limit_is_refused(media_dir, monkeypatch):
    data = pdf_bytes()
    monkeypatch.setattr(limits, "ATTACHMENT_BYTES", len(data) - 1)
    with pytest.raises(LinliError, match="太大"):
        store_attachment(media_dir, data, "通知.pdf")
    assert everything(media_dir) == []


def test_mismatch_message_says_what_to_do(media_dir):
    with pytest.raises(LinliError) as refused:
        store_attachment(media_dir, pdf_bytes(), "停水通知.docx")
    message = str(refused.value)
    assert "“停水通知.docx”" in message and "Word" in message and "PDF" in message and "另存为" in message


# --- display names --------------------------------------------------------------------------


@pytest.mark.parametrize("uploaded, title", [
    ("关于小区停水的通知.pdf", "关于小区停水的通知"),
    ("../../etc/passwd", "passwd"),
    ("..\\..\\Windows\\System32\\社区通知.docx", "社区通知"),
    ("C:\\Users\\张三\\Desktop\\2026年居民名单.xlsx", "2026年居民名单"),
    ("C:名单.xls", "名单"),
    ("/var/www/../../secret/报名表.doc", "报名表"),
    ("通知\u202efdp.exe", "通知fdp"),
    ("\u202b\u202a\u2066通知\u2069\u200e\u200f.pdf", "通知"),
    ("停\u200b水\u200c通\u200d知\ufeff.pdf", "停水通知"),
    ("cafe\u0301 菜单.pdf", "café 菜单"),
    ("a\x00b\x07c\n\t d.pdf", "abc d"),
    ("  （重要）  第3.5期　简报 .docx ", "（重要） 第3.5期 简报"),
    ("版本v1.2", "版本v1.2"),
    ("archive.tar.gz", "archive.tar"),
    (".htaccess", "附件"),
    ("...", "附件"),
    ("../", "附件"),
    ("", "附件"),
    (None, "附件"),
    ("\u200b\u202e.pdf", "附件"),
])
def test_safe_display_name(uploaded, title):
    assert safe_display_name(uploaded) == title


def test_safe_display_name_is_short_and_clean():
    long = safe_display_name("社区" * 200 + ".pdf")
    assert len(long) <= media.MAX_DISPLAY_NAME and long.endswith("…") and long.startswith("社区社区")
    for nasty in ("../x\u202e\u200b\x1b[31m.pdf", "a/b\\c\u2028d.pdf"):
        name = safe_display_name(nasty)
        assert "/" not in name and "\\" not in name and ".." not in name
        assert all(ch.isprintable() for ch in name)
        assert not any(ch in name for ch in "\u202e\u200b\x1b\u2028")
