"""Media files: photos stored under content-hash names, without EXIF, with web renditions.

A stored photo lives at ``photos/<hh>/<hash>.jpg`` inside the home's ``content/media/``; its
renditions sit beside it as ``<hash>-<width>.jpg``, so they follow from the path alone and are
made once. Names never carry the uploader's file name.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from linli.errors import LinliError

RENDITION_WIDTHS = (480, 960)
MAX_EDGE = 2560  # originals are kept at most this large
MAX_PIXELS = 60_000_000  # refuse decompression bombs before decoding
MAX_BYTES = 30 * 1024 * 1024
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}


@dataclass(frozen=True)
class StoredImage:
    path: str  # relative to the media folder, with forward slashes
    width: int
    height: int


def store_image(media_dir: Path, data: bytes) -> StoredImage:
    """Verify, normalise (rotate by EXIF, strip metadata) and store an uploaded photo."""
    if not data:
        raise LinliError("图片文件是空的。")
    if len(data) > MAX_BYTES:
        raise LinliError(f"图片太大（超过 {MAX_BYTES // 1024 // 1024} MB），请压缩后再上传。")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise LinliError("只能上传 JPEG、PNG、WebP 或 GIF 图片。")
            if probe.width * probe.height > MAX_PIXELS:
                raise LinliError("图片尺寸过大，无法处理。请缩小后再上传。")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
    except LinliError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise LinliError("无法识别这个图片文件，可能已损坏或不是图片。") from exc

    digest = hashlib.sha256(data).hexdigest()[:24]
    rel = f"photos/{digest[:2]}/{digest}.jpg"
    target = media_dir / rel
    image.thumbnail((MAX_EDGE, MAX_EDGE))
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        _save_jpeg(image, target)
    for width in RENDITION_WIDTHS:
        rendition = media_dir / rendition_path(rel, width)
        if width < image.width and not rendition.exists():
            copy = image.copy()
            copy.thumbnail((width, width * 4))
            _save_jpeg(copy, rendition)
    return StoredImage(rel, image.width, image.height)


def rendition_path(path: str, width: int) -> str:
    stem, dot, ext = path.rpartition(".")
    return f"{stem}-{width}.{ext}"


def renditions(media_dir: Path, path: str) -> list[tuple[int, str]]:
    """(width, path) of the renditions that exist for a stored photo, smallest first."""
    return [(w, rendition_path(path, w)) for w in RENDITION_WIDTHS if (media_dir / rendition_path(path, w)).is_file()]


def _temporary(target: Path) -> Path:
    """A temporary name beside ``target``, unique per writer, renamed into place when done."""
    return target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")


def _save_jpeg(image: Image.Image, target: Path) -> None:
    tmp = _temporary(target)
    image.save(tmp, "JPEG", quality=82, optimize=True, progressive=True)
    tmp.replace(target)


def store_file(media_dir: Path, data: bytes, suffix: str) -> str:
    """Store an attachment under a content-hash name; returns its media path."""
    digest = hashlib.sha256(data).hexdigest()[:24]
    rel = f"files/{digest[:2]}/{digest}{suffix.lower()}"
    target = media_dir / rel
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = _temporary(target)
        tmp.write_bytes(data)
        tmp.replace(target)
    return rel
