"""Media files: uploads checked by content, stored under content-hash names.

Photos live at ``photos/<hh>/<hash>.jpg`` inside the home's ``content/media/``: rotated upright
by their EXIF orientation, with every piece of metadata removed (EXIF, GPS, XMP, comments; colour
profiles are converted to sRGB and dropped), and at most :data:`MAX_EDGE` pixels on the long side.
Their web renditions sit beside them as ``<hash>-<width>.jpg`` and ``<hash>-<width>.webp``, so
they follow from the path alone; each is made once and never recomputed.

Attachments (PDF, Word, Excel, PowerPoint) live at ``files/<hh>/<hash>.<ext>``, the extension
coming from what the content turned out to be.

Nothing the uploader chose ends up in a path: names are hashes of the uploaded bytes. Every file
is written under a unique temporary name and renamed into place, so readers never see half a
file and two people uploading the same photo at once do not trip over each other. A refused
upload raises :class:`~linli.errors.LinliError` with a sentence for the community worker and
leaves nothing behind.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import re
import secrets
import struct
import unicodedata
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

try:  # colour management is optional in some Pillow builds
    from PIL import ImageCms
except ImportError:  # pragma: no cover - depends on how Pillow was built
    ImageCms = None

from linli import limits
from linli.errors import LinliError

# --- limits (the byte sizes of uploads are in linli.limits) -----------------------------------

RENDITION_WIDTHS = (480, 960, 1600)
MAX_EDGE = 2560  # stored originals are at most this large on the long side
MAX_PIXELS = 60_000_000  # from the header, before decoding (a 50 MP phone photo is 49.9 M)
MAX_ASPECT = 20  # long side / short side; phone panoramas stay well below this
# MPO (phone JPEGs with a depth map) last: Pillow 13 opens those through its JPEG plugin and has
# no "MPO" opener of its own, so Image.open stops with a KeyError when it gets that far.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "HEIF", "MPO")
#: ISO base media brands of HEIF still images (iPhone HEIC and friends); AVIF is not among them.
HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")

MAX_ZIP_ENTRIES = 5_000  # a big .pptx has a few hundred parts
MAX_ZIP_UNCOMPRESSED = 300 * 1024 * 1024  # all parts of an Office file, unpacked
MAX_ZIP_RATIO = 200  # unpacked / packed for one part; real Office XML stays below ~30
MAX_DISPLAY_NAME = 80  # characters of an attachment's default title

JPEG_QUALITY = 82
WEBP_QUALITY = 78

#: What each attachment kind is called in messages; the keys are the stored extensions.
ATTACHMENT_KINDS = {
    "pdf": "PDF 文件",
    "doc": "Word 文档",
    "docx": "Word 文档",
    "xls": "Excel 表格",
    "xlsx": "Excel 表格",
    "ppt": "PowerPoint 演示文稿",
    "pptx": "PowerPoint 演示文稿",
}

PHOTO_HINT = "请上传 JPG、PNG、WebP、GIF 或 HEIC（苹果手机）照片。"
ATTACHMENT_HINT = "附件只能是 PDF、Word、Excel 或 PowerPoint 文件。"


@dataclass(frozen=True)
class StoredImage:
    path: str  # relative to the media folder, with forward slashes
    width: int
    height: int


@dataclass(frozen=True)
class StoredFile:
    path: str  # relative to the media folder: files/<hh>/<hash>.<ext>
    size: int  # bytes
    kind: str  # the stored extension: a key of ATTACHMENT_KINDS


# --- photos ---------------------------------------------------------------------------------


def store_image(media_dir: Path, data: bytes, filename: str | None = None) -> StoredImage:
    """Check, normalise and store an uploaded photo; make its web renditions.

    The content decides, never the name: only JPEG, PNG, WebP, GIF and HEIF/HEIC (iPhone photos)
    that Pillow can fully decode are taken. The header is checked for size and shape before any pixel is decoded.
    The photo is turned upright by its EXIF orientation, flattened onto white if transparent,
    converted to sRGB, stripped of all metadata and stored as JPEG, scaled down to
    :data:`MAX_EDGE`. Of an animated GIF or WebP only the first frame is kept, as a still
    photo. Renditions :data:`RENDITION_WIDTHS` narrower than the stored photo are written as
    JPEG and WebP; files already there are reused untouched.

    ``filename`` is only used to word messages; it never becomes part of a path.
    Raises :class:`LinliError` (nothing written) when the upload is refused.
    """
    image = _decode_photo(data, _subject(filename))
    digest = hashlib.sha256(data).hexdigest()[:24]
    rel = f"photos/{digest[:2]}/{digest}.jpg"
    _write_once(media_dir / rel, lambda: _encode(image, "JPEG"))
    _make_renditions(media_dir, rel, image)
    return StoredImage(rel, image.width, image.height)


def rendition_path(path: str, width: int, ext: str | None = None) -> str:
    """The rendition of stored photo ``path`` at ``width``; ``ext`` ("webp") picks another format."""
    stem, _, own = path.rpartition(".")
    return f"{stem}-{width}.{ext or own}"


def renditions(media_dir: Path, path: str, stored: set[str] | None = None) -> list[tuple[int, str]]:
    """(width, path) of the JPEG renditions that exist for a stored photo, smallest first.
    ``stored``: every file in ``media_dir`` (see :func:`stored_files`), when at hand."""
    return _existing(media_dir, path, None, stored)


def webp_renditions(media_dir: Path, path: str, stored: set[str] | None = None) -> list[tuple[int, str]]:
    """(width, path) of the WebP renditions that exist for a stored photo, smallest first."""
    return _existing(media_dir, path, "webp", stored)


def stored_files(media_dir: Path) -> set[str]:
    """The path (relative, with "/") of every file in ``media_dir``: one walk of the folder
    instead of asking for each file."""
    found = set()
    root = str(media_dir)
    for folder, _, names in os.walk(root):
        prefix = os.path.relpath(folder, root).replace(os.sep, "/")
        prefix = "" if prefix == "." else prefix + "/"
        found.update(prefix + name for name in names)
    return found


@functools.lru_cache(maxsize=4096)
def image_size(media_dir: Path, path: str) -> tuple[int, int]:
    """(width, height) of a stored photo, read from its header; (0, 0) if it is not one.
    Stored names are content hashes, so a size never changes."""
    try:
        with Image.open(media_dir / path) as image:
            return image.size
    except (OSError, UnidentifiedImageError, ValueError):
        return (0, 0)


def ensure_renditions(media_dir: Path, path: str) -> None:
    """Make whichever renditions a stored photo lacks (say after :data:`RENDITION_WIDTHS` grew),
    from the stored original; existing ones are left alone."""
    with Image.open(media_dir / path) as stored:
        stored.load()
        image = stored.convert("RGB")
    _make_renditions(media_dir, path, image)


def _existing(media_dir: Path, path: str, ext: str | None, stored: set[str] | None = None) -> list[tuple[int, str]]:
    found = []
    for width in RENDITION_WIDTHS:
        rel = rendition_path(path, width, ext)
        if (rel in stored) if stored is not None else (media_dir / rel).is_file():
            found.append((width, rel))
    return found


def _make_renditions(media_dir: Path, rel: str, image: Image.Image) -> None:
    for width in RENDITION_WIDTHS:
        if width >= image.width:
            continue
        height = max(1, round(image.height * width / image.width))
        scaled: list[Image.Image] = []

        def scale() -> Image.Image:
            if not scaled:
                scaled.append(image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0))
            return scaled[0]

        _write_once(media_dir / rendition_path(rel, width), lambda: _encode(scale(), "JPEG"))
        _write_once(media_dir / rendition_path(rel, width, "webp"), lambda: _encode(scale(), "WEBP"))


def _decode_photo(data: bytes, subject: str) -> Image.Image:
    """The upload as a clean, upright RGB image without metadata, or a LinliError."""
    # iPhones save HEIC: pillow-heif teaches Pillow to open HEIF (it applies the file's own rotation
    # and mirroring, and leaves its EXIF orientation at 1 so nothing is turned twice). Imported
    # here, where uploads are decoded: a build opens none.
    import pillow_heif

    pillow_heif.register_heif_opener()
    if not data:
        raise LinliError(f"{subject}是空的（0 字节），可能没有传完。请重新选择照片上传。")
    if len(data) > limits.PHOTO_BYTES:
        raise LinliError(f"{subject}太大了（{limits.size_label(len(data))}，"
                         f"最多 {limits.size_label(limits.PHOTO_BYTES)}）。"
                         "请先在手机或电脑上把照片缩小或压缩，再上传。")
    if _image_magic(data) is None:
        raise LinliError(_not_a_photo(data, subject))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as probe:
                _check_dimensions(probe.size, subject)
                probe.verify()
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as opened:
                _check_dimensions(opened.size, subject)
                if opened.format in ("JPEG", "MPO"):
                    # Let libjpeg decode big phone photos at 1/2, 1/4 or 1/8 scale: less memory,
                    # same result after scaling down to MAX_EDGE. The whole stream is still read.
                    opened.draft("RGB", (MAX_EDGE, MAX_EDGE))
                opened.load()  # the first frame of an animation
                if opened.format == "HEIF":
                    # HEIF has no draft mode: scale the full decode down at once, before the
                    # copies below (a 48 MP photo is 145 MB of pixels; pillow-heif has turned
                    # it upright already).
                    opened.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
                icc = opened.info.get("icc_profile")
                try:
                    image = ImageOps.exif_transpose(opened)
                except Exception:  # unreadable EXIF: keep the photo as it is rather than refuse it
                    image = opened.copy()
    except LinliError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise LinliError(_too_many_pixels(subject)) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, struct.error,
            IndexError, TypeError, KeyError, zipfile.BadZipFile, MemoryError) as exc:
        raise LinliError(f"{subject}已损坏或没有传完整，打不开。请重新选择原图上传；"
                         "如果还不行，请在手机上重新保存一份再试。") from exc
    image = _to_srgb(image, icc)
    image.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
    # A fresh image carries no info (EXIF, XMP, comment, ICC, DPI): nothing can leak on save.
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    return clean


def _check_dimensions(size: tuple[int, int], subject: str) -> None:
    width, height = size
    if width < 1 or height < 1:
        raise LinliError(f"{subject}的尺寸不正常（{width}×{height}），打不开。请重新选择照片上传。")
    if width * height > MAX_PIXELS:
        raise LinliError(_too_many_pixels(subject, size))
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise LinliError(f"{subject}的形状太细长了（{width}×{height} 像素），不像是照片。"
                         "请裁剪成正常比例后再上传。")
    if Image.MAX_IMAGE_PIXELS and width * height > Image.MAX_IMAGE_PIXELS:
        raise LinliError(_too_many_pixels(subject, size))


def _too_many_pixels(subject: str, size: tuple[int, int] | None = None) -> str:
    dims = f"（{size[0]}×{size[1]} 像素）" if size else ""
    return (f"{subject}的像素太多{dims}，网站处理不了。"
            f"请缩小到 {MAX_PIXELS // 10_000} 万像素以内（例如 {MAX_EDGE}×{MAX_EDGE}）后再上传。")


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """RGB in sRGB: colour profile applied (if it works) and transparency flattened onto white."""
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):  # 16-bit greyscale PNG
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    elif image.mode == "F":
        image = image.convert("L")
    if icc and ImageCms is not None and image.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            target = ImageCms.createProfile("sRGB")
            out_mode = "RGBA" if image.mode == "RGBA" else "RGB"
            image = ImageCms.profileToProfile(image, source, target, outputMode=out_mode)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile is not worth refusing the photo over: show it as it is
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode in ("P", "L", "RGB") and "transparency" in image.info)
    if has_alpha:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    else:
        image.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    return out.getvalue()


def _image_magic(data: bytes) -> str | None:
    """Which accepted image format the first bytes announce, if any."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        return "HEIF"
    return None


def _not_a_photo(data: bytes, subject: str) -> str:
    what = _sniff(data)
    if what in ("bmp", "tiff", "psd", "ico", "image"):
        return f"{subject}是网站不支持的图片格式。请先转成 JPG 或 PNG 再上传。"
    if what in ATTACHMENT_KINDS or what in ("ole", "zip"):
        return f"{subject}是文档或压缩包，不是照片。文档请在通知里作为附件上传；照片{PHOTO_HINT}"
    if what == "program":
        return f"{subject}是电脑程序，不是照片，不能上传。{PHOTO_HINT}"
    return f"{subject}不是照片（可能是改了扩展名的网页或矢量图）。{PHOTO_HINT}"


# --- attachments ----------------------------------------------------------------------------


def store_attachment(media_dir: Path, data: bytes, filename: str) -> StoredFile:
    """Check and store a file attached to a notice: PDF, Word, Excel or PowerPoint.

    The content decides what the file is: ``%PDF-`` with an end marker, an OLE2 compound file
    (.doc/.xls/.ppt) with the right main stream, or an Office Open XML zip (.docx/.xlsx/.pptx)
    with ``[Content_Types].xml`` and the right main part, checked entry by entry against zip
    bombs and unsafe paths. The uploaded name's extension has to agree with the content (a name
    without an extension takes the content's). The file is stored under
    ``files/<hh>/<hash>.<ext>`` with the extension of the content.

    Raises :class:`LinliError` (nothing written) when the upload is refused.
    """
    kind = check_attachment(data, filename)
    return StoredFile(_store_bytes(media_dir, data, kind), len(data), kind)


def check_attachment(data: bytes, filename: str) -> str:
    """The checks of :func:`store_attachment` without storing: the ATTACHMENT_KINDS key the
    content is (size, zip bombs, passwords, macros and a disagreeing extension refused)."""
    subject = _subject(filename)
    if not data:
        raise LinliError(f"{subject}是空的（0 字节），可能没有传完。请检查文件后重新上传。")
    if len(data) > limits.ATTACHMENT_BYTES:
        raise LinliError(f"{subject}太大了（{limits.size_label(len(data))}，"
                         f"最多 {limits.size_label(limits.ATTACHMENT_BYTES)}）。"
                         "请压缩图片或拆成几个文件后再上传。")
    named = _extension(filename)
    kind = _attachment_kind(data, named, subject)
    if named and named != kind:
        if named in ATTACHMENT_KINDS:
            raise LinliError(
                f"{subject}的文件名是 .{named}（{ATTACHMENT_KINDS[named]}），内容却是 .{kind}"
                f"（{ATTACHMENT_KINDS[kind]}）。请确认选对了文件；如果文件没错，请用 Office 或 WPS "
                f"打开后“另存为” .{named}，或把文件名改成 .{kind}，再上传。")
        raise LinliError(f"{subject}的扩展名 .{named} 不能作为附件。{ATTACHMENT_HINT}"
                         f"这个文件的内容是 {ATTACHMENT_KINDS[kind]}，把文件名改成 .{kind} 即可上传。")
    return kind


def store_file(media_dir: Path, data: bytes, suffix: str) -> str:
    """Store bytes the program made itself under a content-hash name; returns its media path.

    Nothing is checked here: uploads go through :func:`store_attachment`.
    """
    return _store_bytes(media_dir, data, suffix.lower().lstrip("."))


def _store_bytes(media_dir: Path, data: bytes, ext: str) -> str:
    digest = hashlib.sha256(data).hexdigest()[:24]
    rel = f"files/{digest[:2]}/{digest}.{ext}" if ext else f"files/{digest[:2]}/{digest}"
    _write_once(media_dir / rel, lambda: data)
    return rel


OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OLE2_STREAMS = {  # a directory entry name, as stored: UTF-16LE and NUL-terminated
    "doc": ["WordDocument"],
    "ppt": ["PowerPoint Document"],
    "xls": ["Workbook", "Book"],
}
OOXML_MAIN = {  # main content type and the folder its parts sit in
    "docx": (b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", "word/"),
    "xlsx": (b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", "xl/"),
    "pptx": (b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml", "ppt/"),
}


def _attachment_kind(data: bytes, named: str, subject: str) -> str:
    """The ATTACHMENT_KINDS key that the content is, or a LinliError saying what it is instead."""
    expected = ATTACHMENT_KINDS.get(named, "PDF、Word、Excel 或 PowerPoint 文件")
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-1024:]:
            raise LinliError(f"{subject}不完整（可能没有下载或上传完），居民打不开。"
                             "请重新保存或重新导出 PDF 后再上传。")
        return "pdf"
    if data.startswith(OLE2_MAGIC):
        return _ole2_kind(data, named, subject, expected)
    if data.startswith(b"PK\x03\x04"):
        return _ooxml_kind(data, named, subject, expected)
    what = _sniff(data)
    if what == "program":
        raise LinliError(f"{subject}其实是电脑程序，为了居民的安全不能上传。{ATTACHMENT_HINT}")
    if what in ("html", "svg", "xml", "script"):
        raise LinliError(f"{subject}的内容其实是网页或脚本，不是 {expected}，为了居民的安全不能上传。"
                         f"{ATTACHMENT_HINT}")
    if what in ("jpeg", "png", "gif", "webp", "heif", "bmp", "tiff", "image"):
        raise LinliError(f"{subject}是图片，不是 {expected}。照片请用“上传照片”；{ATTACHMENT_HINT}")
    if what == "text":
        raise LinliError(f"{subject}是纯文本，不是 {expected}。请用 Word 或 WPS 打开后另存为 .docx 或 PDF "
                         "后再上传。")
    raise LinliError(f"{subject}不是 {expected}，网站认不出它的格式。{ATTACHMENT_HINT}")


def _ole2_kind(data: bytes, named: str, subject: str, expected: str) -> str:
    found = [kind for kind, streams in OLE2_STREAMS.items()
             if any(s.encode("utf-16-le") + b"\0\0" in data for s in streams)]
    if named in found:
        return named
    if "EncryptedPackage".encode("utf-16-le") in data:
        raise LinliError(f"{subject}设置了打开密码，居民打不开。请在 Office 或 WPS 里取消密码、"
                         "重新保存后再上传。")
    if found:
        return found[0]
    raise LinliError(f"{subject}不是 {expected}（可能是安装包或其他格式的文件），不能上传。{ATTACHMENT_HINT}")


def _ooxml_kind(data: bytes, named: str, subject: str, expected: str) -> str:
    damaged = LinliError(f"{subject}已损坏或不完整，打不开。请用 Office 或 WPS 重新保存后再上传。")
    unsafe = LinliError(f"{subject}里面有不安全的内容（文件路径异常），不能上传。"
                        "请用 Office 或 WPS 重新保存后再上传。")
    bomb = LinliError(f"{subject}解开后异常巨大（可能是恶意的“压缩炸弹”），不能上传。"
                      "请上传正常保存的 Word、Excel 或 PowerPoint 文件。")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error) as exc:
        raise damaged from exc
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise bomb
        names: set[str] = set()
        total = 0
        for entry in entries:
            if not _safe_zip_name(entry) or entry.filename in names:
                raise unsafe
            names.add(entry.filename)
            if entry.flag_bits & 0x1:
                raise LinliError(f"{subject}设置了密码，居民打不开。请取消密码、重新保存后再上传。")
            total += entry.file_size
            if total > MAX_ZIP_UNCOMPRESSED:
                raise bomb
            if entry.file_size > MAX_ZIP_RATIO * max(entry.compress_size, 1) and entry.file_size > 1024 * 1024:
                raise bomb
        if "[Content_Types].xml" not in names:
            raise LinliError(f"{subject}是普通的压缩包（zip），不是 {expected}。请解压后上传里面的文件。"
                             f"{ATTACHMENT_HINT}")
        if "word/vbaProject.bin" in names or "xl/vbaProject.bin" in names or "ppt/vbaProject.bin" in names:
            raise LinliError(f"{subject}带有宏（会自动运行的程序），为了居民的安全不能上传。请另存为普通的"
                             " .docx、.xlsx、.pptx 或 PDF 后再上传。")
        try:
            # Every part must unpack and match its checksum; Python stops at the declared
            # sizes, which the limits above already bound.
            if archive.testzip() is not None:
                raise damaged
            if archive.getinfo("[Content_Types].xml").file_size > 1024 * 1024:
                raise damaged
            types = archive.read("[Content_Types].xml")
        except LinliError:
            raise
        except Exception as exc:  # zlib.error, lzma/bz2 errors, bad headers: all mean damaged
            raise damaged from exc
    if b"macroEnabled" in types:
        raise LinliError(f"{subject}带有宏（会自动运行的程序），为了居民的安全不能上传。请另存为普通的"
                         " .docx、.xlsx、.pptx 或 PDF 后再上传。")
    found = [kind for kind, (content_type, folder) in OOXML_MAIN.items()
             if content_type in types and any(n.startswith(folder) for n in names)]
    if named in found:
        return named
    if found:
        return found[0]
    raise LinliError(f"{subject}不是 {expected}（里面缺少文档内容，可能是其他软件生成的压缩包）。"
                     f"请用 Office 或 WPS 重新保存后再上传。")


def _safe_zip_name(entry: zipfile.ZipInfo) -> bool:
    name = entry.filename
    # ZipInfo turns "\" into "/" on Windows only; look at both, and at the raw name.
    parts = re.split(r"[/\\]", name)
    if not name or "\0" in name or name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return False
    if any(part in ("..", ".") for part in parts):
        return False
    if (entry.external_attr >> 16) & 0o170000 == 0o120000:  # a symbolic link
        return False
    return True


# --- display names --------------------------------------------------------------------------

INVISIBLE = {"\u034f", "\u115f", "\u1160", "\u17b4", "\u17b5", "\u3164", "\uffa0"}
EXTENSION = re.compile(r"\.([A-Za-z][A-Za-z0-9]{0,7})$")


def safe_display_name(filename: str | None, default: str = "附件") -> str:
    """A readable title for an attachment from its uploaded name, for link text only.

    Folders and ``..`` go, as do control, bidi-override and zero-width characters; whitespace
    runs become one space; Unicode is NFC-normalised; Chinese and other letters stay. The
    extension is dropped and the result is cut to :data:`MAX_DISPLAY_NAME` characters. Never
    use it as a file path (stored names are hashes); templates still escape it as any text.
    """
    name = _clean_name(filename or "")
    if match := EXTENSION.search(name):
        name = name[: match.start()]
    name = name.strip(" .")
    if len(name) > MAX_DISPLAY_NAME:
        name = name[: MAX_DISPLAY_NAME - 1].rstrip() + "…"
    return name or default


def _clean_name(filename: str) -> str:
    """The last path component, printable characters only, with single spaces, no outer dots."""
    text = unicodedata.normalize("NFC", str(filename))
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch in "/\\":
            kept.append("/")
        elif ch.isspace() or category in ("Zs", "Zl", "Zp"):
            kept.append(" ")
        elif category in ("Cc", "Cf", "Cs", "Co", "Cn") or ch in INVISIBLE:
            continue  # control, format (bidi, zero-width), surrogate, private, unassigned
        else:
            kept.append(ch)
    parts = "".join(kept).split("/")
    name = next((p for p in reversed(parts) if p.strip(" .")), "")
    name = re.sub(r"^ *[A-Za-z]:", "", name)
    return re.sub(r" {2,}", " ", name).strip(" ").rstrip(" .")


def _subject(filename: str | None) -> str:
    """How messages refer to the upload: its cleaned name in quotes, or 这个文件."""
    name = _clean_name(filename or "")
    if not name:
        return "这个文件"
    if len(name) > 40:
        name = name[:39] + "…"
    return f"“{name}”"


def _extension(filename: str | None) -> str:
    match = EXTENSION.search(_clean_name(filename or ""))
    return match.group(1).lower() if match else ""


# --- content sniffing -----------------------------------------------------------------------


def _sniff(data: bytes) -> str:
    """A rough name for what some bytes are, to word a refusal."""
    head = data[:4096]
    if head.startswith((b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe",
                        b"#!")):
        return "program"
    if image := _image_magic(head):
        return image.lower()
    if head[4:8] == b"ftyp":
        return "image" if head[8:12] in (b"avif", b"avis") else "video"
    if head.startswith(b"BM"):
        return "bmp"
    if head.startswith((b"II*\0", b"MM\0*")):
        return "tiff"
    if head.startswith(b"8BPS"):
        return "psd"
    if head.startswith(b"\0\0\1\0"):
        return "ico"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(OLE2_MAGIC):
        return "ole"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")):
        return "zip"
    text = _as_text(head)
    if text is None:
        return "unknown"
    lowered = text.lstrip("\ufeff \t\r\n").lower()
    if "<svg" in lowered:
        return "svg"
    if lowered.startswith(("<!doctype html", "<html", "<head", "<body", "<script", "<iframe", "<meta",
                           "<!--", "<div", "<a ", "<img", "<form", "<style", "<title")) or "<script" in lowered:
        return "html"
    if lowered.startswith("<?xml") or lowered.startswith("<"):
        return "xml"
    if re.search(r"\b(function|var|let|const|eval|document\.|window\.)\b", lowered):
        return "script"
    return "text"


def _as_text(head: bytes) -> str | None:
    for encoding in ("utf-8", "utf-16", "gb18030"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            # the 4096-byte cut may split a character: retry without the last few bytes
            try:
                text = head[:-3].decode(encoding)
            except UnicodeDecodeError:
                continue
        if all(ch.isprintable() or ch in "\r\n\t\ufeff" for ch in text):
            return text
    return None


# --- writing --------------------------------------------------------------------------------


def _temporary(target: Path) -> Path:
    """A temporary name beside ``target``, unique per writer, renamed into place when done."""
    return target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")


def _write_once(target: Path, make: Callable[[], bytes]) -> bool:
    """Write ``make()`` to ``target`` unless it exists, via a temporary name; True if written."""
    if target.exists():
        return False
    content = make()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary(target)
    try:
        tmp.write_bytes(content)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return True
