"""Word in: a ``.docx`` becomes a title, clean Markdown and stored photos.

mammoth reads the document by its structure (heading styles, lists, tables, bold, links), not
its looks, so fonts, colours, sizes and Word's bookkeeping never reach the HTML it makes;
BeautifulSoup tidies that HTML (the first heading becomes the title, empty paragraphs and
full-width indentation go, links inside the document are unwrapped) and markdownify writes it as
Markdown. Embedded pictures go through :func:`linli.media.store_image` like any upload (upright,
no EXIF, renditions) and stand where they were as ``![alt](/media/…)``. Pictures Linli cannot
show (Word drawings, EMF/WMF) are left out with a note.

The file is checked as an attachment is (:func:`linli.media.check_attachment`: size, zip bombs,
passwords, macros) before mammoth opens it, and the text is checked against the limits before
any picture is stored: a refused file raises :class:`~linli.errors.LinliError` with a Chinese
sentence and leaves nothing behind.

:func:`new_draft` makes a draft of a content type from a file, for ``linli import FILE.docx``
and the admin's "从Word新建"; :func:`html_to_markdown` does the same for HTML pasted into the
editor.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import mammoth
from bs4 import BeautifulSoup, NavigableString
from markdownify import MarkdownConverter

from linli import db, limits, markup, media, validation
from linli import models as m
from linli.errors import LinliError

#: Word's "Title" style is the document's title, as Heading 1 is.
STYLE_MAP = "p[style-name='Title'] => h1:fresh\np[style-name='Subtitle'] => h2:fresh"
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
#: A first paragraph at most this long stands in for a title when the document has no heading.
TITLE_FROM_PARAGRAPH = 60
#: Leading spaces of a paragraph (Chinese documents indent with two full-width spaces).
LEADING_SPACE = re.compile(r"^[\s\u3000\u00a0]+")
IMAGE_REF = re.compile(r"!\[([^\]]*)\]\(linli-word-image-(\d+)\)")


@dataclass
class Converted:
    title: str
    markdown: str
    images: list[media.StoredImage] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # Chinese sentences: what was left out


@dataclass
class _Picture:
    data: bytes
    content_type: str


def convert(data: bytes, media_dir: Path, filename: str = "") -> Converted:
    """The document in ``data`` as title, Markdown and stored photos; LinliError if refused."""
    subject = media._subject(filename)
    kind = media.check_attachment(data, filename or "document.docx")
    if kind != "docx":
        if kind == "doc":
            raise LinliError(f"{subject}是旧版 Word 文档（.doc）。请用 Word 或 WPS 打开后“另存为” .docx，再导入。")
        raise LinliError(f"{subject}不是 Word 文档（.docx），是{media.ATTACHMENT_KINDS[kind]}。只能从 .docx 文件导入。")
    pictures: list[_Picture] = []

    def keep_picture(image) -> dict:
        with image.open() as stream:
            pictures.append(_Picture(stream.read(), image.content_type or ""))
        return {"src": f"linli-word-image-{len(pictures) - 1}"}

    try:
        result = mammoth.convert_to_html(io.BytesIO(data), style_map=STYLE_MAP,
                                         convert_image=mammoth.images.img_element(keep_picture))
    except LinliError:
        raise
    except Exception as exc:  # mammoth's own errors, KeyError of a missing part, bad XML…
        raise LinliError(f"{subject}打不开（文件可能已损坏，或不是 Word 保存的 .docx）。"
                         "请用 Word 或 WPS 打开后重新保存，再导入。") from exc
    soup = BeautifulSoup(result.value, "html.parser")
    _tidy(soup)
    title = _take_title(soup) or media.safe_display_name(filename, default="")
    if not title:
        raise LinliError(f"{subject}里没有文字，没有可导入的内容。")
    _shift_headings(soup)
    markdown = _markdown(soup)
    if problem := validation.too_long(len(markdown), limits.TEXT_CHARS):
        raise LinliError(f"{subject}的正文{problem}")
    converted = Converted(title=title[:200].strip(), markdown="")
    converted.markdown = _store_pictures(markdown, pictures, media_dir, converted)
    return converted


def html_to_markdown(html: str) -> str:
    """HTML pasted into the editor (from Word, WeChat's editor, a web page) as the same clean
    Markdown as a converted document. Its pictures are left out: they live elsewhere (another
    site, the clipboard's temporary files) and are uploaded on their own."""
    soup = BeautifulSoup(html, "html.parser")
    for junk in soup.find_all(["script", "style", "head", "title", "meta", "link", "img", "svg", "template"]):
        junk.decompose()
    _tidy(soup)
    _shift_headings(soup)
    return _markdown(soup)


def new_draft(model, data: bytes, media_dir: Path, filename: str, author: str) -> tuple[m.Content, list[str]]:
    """A new draft of ``model`` (a content type with a ``body``) made from a .docx, and the
    conversion's notes. Values are cleaned and checked as the admin's forms check them."""
    if "body" not in model._meta.fields:
        raise LinliError(f"{model.type_label}没有正文，不能从 Word 新建。")
    converted = convert(data, media_dir, filename)
    values = validation.clean(model, {"title": converted.title, "body": converted.markdown})
    with db.immediate_transaction():
        item = model.create(status=m.DRAFT, author=author, **values)
    return item, converted.notes


def _markdown(soup: BeautifulSoup) -> str:
    markdown = _Converter(heading_style="ATX", bullets="-", table_infer_header=True,
                          escape_misc=False).convert_soup(soup).strip()
    return re.sub(r"\n{3,}", "\n\n", markdown)


def _tidy(soup: BeautifulSoup) -> None:
    """Empty paragraphs, leading indentation, links within the document and unsafe links go."""
    for link in soup.find_all("a"):
        href = link.get("href") or ""
        if not href or href.startswith("#") or not markup.safe_link(href):  # bookmarks, table of
            link.unwrap()  # contents, footnote marks; javascript: and the like
    for paragraph in soup.find_all(["p", *HEADINGS]):
        first = next(paragraph.strings, None)
        if isinstance(first, NavigableString):
            first.replace_with(LEADING_SPACE.sub("", str(first)))
        if not paragraph.get_text(strip=True).strip("\u3000\u00a0") and not paragraph.find("img"):
            paragraph.decompose()


def _take_title(soup: BeautifulSoup) -> str:
    """The first heading's text, removed from the body; else a short first paragraph's."""
    heading = soup.find(HEADINGS)
    if heading is None:
        heading = soup.find("p")
        if heading is None or heading.find("img") or len(heading.get_text(strip=True)) > TITLE_FROM_PARAGRAPH:
            return ""
    title = " ".join(heading.get_text(" ").split())
    heading.decompose()
    return title


def _shift_headings(soup: BeautifulSoup) -> None:
    """The page's title is its only h1: the body's headings start at h2."""
    levels = [int(h.name[1]) for h in soup.find_all(HEADINGS)]
    if not levels or min(levels) >= 2:
        return
    shift = 2 - min(levels)
    for heading in soup.find_all(HEADINGS):
        heading.name = f"h{min(6, int(heading.name[1]) + shift)}"


def _store_pictures(markdown: str, pictures: list[_Picture], media_dir: Path, converted: Converted) -> str:
    left_out = 0

    def stored(match: re.Match) -> str:
        nonlocal left_out
        picture = pictures[int(match.group(2))]
        try:
            image = media.store_image(media_dir, picture.data, "picture")
        except LinliError:
            left_out += 1
            return ""
        converted.images.append(image)
        alt = match.group(1).replace("]", "")
        return f"![{alt}](/media/{image.path})"

    markdown = IMAGE_REF.sub(stored, markdown)
    if left_out:
        converted.notes.append(f"文档里有 {left_out} 张图片是网站不能显示的格式（例如 Word 绘图），没有导入。"
                               "需要的话请另存为 JPG 后再上传。")
    return re.sub(r"\n{3,}", "\n\n", markdown).strip()


class _Converter(MarkdownConverter):
    """markdownify with Python-Markdown's nesting: a nested list is indented by four spaces."""

    def convert_li(self, el, text, parent_tags):
        out = super().convert_li(el, text, parent_tags)
        lines = out.split("\n")
        marker = re.match(r"^(\s*)(-|\d+\.) ", lines[0]) if lines else None
        if not marker:
            return out
        width = len(marker.group(0)) - len(marker.group(1))
        pad = " " * max(0, 4 - width)
        return "\n".join([lines[0], *((pad + line) if line.startswith(" " * width) else line for line in lines[1:])])
