"""Markdown → safe HTML. The one function every page, feed, preview and index uses.

Python-Markdown renders (tables, Unicode heading ids, CJK line joining, phone numbers as
``tel:`` links); nh3 then keeps only
an allowlist of tags, attributes and URL schemes, so no staff text can run script. The result is
always well-formed HTML5: it parses without a single error inside the page's ``<div>``, whatever
raw HTML staff paste (see :func:`sanitize_html`).
"""

from __future__ import annotations

import functools
import hashlib
import re
import sqlite3
import threading
import xml.etree.ElementTree as etree
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit

import markdown
import nh3
from flask import current_app, has_app_context
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import InlineProcessor, Treeprocessor
from markupsafe import Markup, escape

from linli.db import wal_file

# Characters between which a line break is not a space: CJK ideographs, kana, hangul,
# CJK punctuation and full-width forms.
CJK = (
    "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3200-\u32ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
)
_CJK_BREAK = re.compile(rf"(?<=[{CJK}])[ \t]*\n[ \t]*(?=[{CJK}])")

# Characters an HTML page may not hold (each is a parse error): controls other than whitespace,
# surrogates and noncharacters. Python-Markdown's own placeholders are made of two of them.
NOT_HTML = re.compile(
    "[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(17))
    + "]"
)

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "del",
    "ins", "mark", "sub", "sup", "small", "code", "pre", "kbd", "blockquote", "ul", "ol", "li",
    "dl", "dt", "dd", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "caption",
    "figure", "abbr",
}  # fmt: skip
# Not <figcaption>: html5lib (what `linli check` parses with) still treats it as an ordinary
# element, so a list item inside one, which browsers keep there, would close the item around it.
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "th": {"style", "colspan", "rowspan"},
    "td": {"style", "colspan", "rowspan"},
    "ol": {"start"},
    **{f"h{n}": {"id"} for n in range(2, 7)},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


class _JoinCjkLines(Treeprocessor):
    """Drop the soft line break between two CJK characters (outside code)."""

    def run(self, root: etree.Element) -> None:
        self._join(root)

    def _join(self, element: etree.Element) -> None:
        if element.tag in ("pre", "code"):
            if element.tail:
                element.tail = _CJK_BREAK.sub("", element.tail)
            return
        if element.text:
            element.text = _CJK_BREAK.sub("", element.text)
        for child in element:
            self._join(child)
        if element.tail:
            element.tail = _CJK_BREAK.sub("", element.tail)


# Phone numbers residents can tap to call: mobiles, numbers with an area code, 400/800 lines.
# Short ones (110, 12345) and 8-digit local numbers are left alone: they look like quantities.
PHONE = re.compile(
    r"(?<![\d+-])(?:\+?86[- ]?)?(?:1[3-9]\d[- ]?\d{4}[- ]?\d{4}|0\d{2,3}-\d{3,4}-?\d{4}|0\d{2,3} ?\d{7,8}"
    r"|[48]00-?\d{3}-?\d{4})(?![\d-])"
)


def tel_href(phone: str) -> str:
    """``tel:`` link target of a phone number as staff typed it (first number only)."""
    first = re.split(r"[,，、/;；]| 或 ", phone or "")[0]
    digits = re.sub(r"[^\d+]", "", first)
    return f"tel:{digits}" if digits else ""


# In a field that holds phone numbers, any run of digits is one (8765-4300, 110, 12345).
FIELD_NUMBER = re.compile(r"\+?\d(?:[\d-]*\d)?(?: \d+(?:-\d+)*)*")


def link_phones(text: str | None) -> Markup:
    """A phone field as staff typed it ("8765-4300 或 13900001311") as HTML with every
    number a ``tel:`` link."""
    text = text or ""
    out, last = [], 0
    for match in FIELD_NUMBER.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(Markup(f'<a class="phone" href="{tel_href(match.group(0))}">{escape(match.group(0))}</a>'))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


class _LinkPhones(Treeprocessor):
    """Turn phone numbers in running text (not in links or code) into ``tel:`` links."""

    def run(self, root: etree.Element) -> None:
        self._walk(root)

    def _walk(self, element: etree.Element) -> None:
        if element.tag in ("a", "pre", "code"):
            return
        for child in list(element):
            self._walk(child)
            self._split(element, child, child.tail, after=True)
        self._split(element, None, element.text, after=False)

    def _split(self, parent: etree.Element, child, text: str | None, after: bool) -> None:
        matches = list(PHONE.finditer(text or ""))
        if not matches:
            return
        links = []
        for n, match in enumerate(matches):
            link = etree.Element("a", {"href": tel_href(match.group(0))})
            link.text = match.group(0)
            end = matches[n + 1].start() if n + 1 < len(matches) else len(text)
            link.tail = text[match.end() : end]
            links.append(link)
        index = list(parent).index(child) + 1 if after else 0
        if after:
            child.tail = text[: matches[0].start()]
        else:
            parent.text = text[: matches[0].start()]
        for offset, link in enumerate(links):
            parent.insert(index + offset, link)


# What every inline pattern of Python-Markdown needs to match (``tests/test_markup.py`` checks the
# patterns registered): a backtick, backslash, bracket, "!", "<", "&", "*" or "_", or the two spaces
# before a line break. A text without any is left as it is by all of them.
_INLINE_MARK = re.compile(r"[`\\\[!<&*_]|  \n")


class _InlineProcessor(InlineProcessor):
    """Python-Markdown's inline processor, which leaves at once a text no inline pattern can
    match (most paragraphs of a notice): it would try each of its 13 patterns on it in turn."""

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        if patternIndex == 0 and type(data) is str and _INLINE_MARK.search(data) is None:
            return data
        return InlineProcessor._InlineProcessor__handleInline(self, data, patternIndex)


class CjkLineJoinExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(_InlineProcessor(md), "inline", 20)  # (in place of Python-Markdown's)
        # After inline patterns (priority 20) so that text nodes are final.
        md.treeprocessors.register(_JoinCjkLines(md), "cjk_line_join", 5)
        md.treeprocessors.register(_LinkPhones(md), "link_phones", 4)


def _markdown() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=[
            "tables",
            "sane_lists",
            "fenced_code",
            "toc",
            CjkLineJoinExtension(),
        ],
        extension_configs={"toc": {"slugify": slugify_unicode, "toc_depth": "2-4"}},
        output_format="html",
    )


def render_markdown(text: str | None) -> Markup:
    """Staff Markdown → sanitised HTML, safe to put into any page."""
    if not text or not text.strip():
        return Markup("")
    build = current_app.extensions.get("linli_build") if has_app_context() else None
    if build is not None:  # a build's app: bodies rendered once per change, kept between builds
        # (the build's store is asked first, so that it holds every body the build met, also
        # one this process rendered before: the build's later stages and processes read it)
        return Markup(build.rendered.get(text, _remembered))
    return Markup(_remembered(text))


@functools.lru_cache(maxsize=4096)
def _remembered(text: str) -> str:
    """:func:`_render`, remembered for the most recent bodies this process rendered."""
    return _render(text)


render_markdown.cache_clear = _remembered.cache_clear  # (forget, as a long-running process does)


_converters = threading.local()


def _render(text: str) -> str:
    md = getattr(_converters, "md", None)
    if md is None:
        md = _converters.md = _markdown()  # building one costs more than most conversions
    md.reset()
    # A top-level heading in a body would compete with the page title: shift headings down.
    html = md.convert(NOT_HTML.sub("", text.replace("\r\n", "\n")))
    html = re.sub(r"<(/?)h1([ >])", r"<\1h2\2", html)
    return sanitize_html(html)


class RenderedStore:
    """Rendered bodies kept across builds in an SQLite file, keyed by a hash of the Markdown
    and of this renderer (this file, Python-Markdown's and nh3's versions): each body is
    rendered once per change, by whichever build process meets it first."""

    def __init__(self, path: Path):
        self.path = path
        self.db: sqlite3.Connection | None = None
        self.new: dict[bytes, str] = {}

    def _open(self) -> sqlite3.Connection:
        if self.db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = wal_file(self.path)  # (worker processes of a first build make it side by side)
            self.db.execute("CREATE TABLE IF NOT EXISTS rendered (key BLOB PRIMARY KEY, html TEXT NOT NULL)")
        return self.db

    def get(self, text: str, render) -> str:
        key = hashlib.blake2b(RENDERER + text.encode("utf-8"), digest_size=16).digest()
        html = self.new.get(key)
        if html is None:
            row = self._open().execute("SELECT html FROM rendered WHERE key = ?", (key,)).fetchone()
            html = row[0] if row else None
        if html is None:
            html = self.new[key] = render(text)
        return html

    def flush(self) -> None:
        if self.new:
            db = self._open()
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT OR REPLACE INTO rendered VALUES (?, ?)", list(self.new.items()))
            db.execute("COMMIT")
            self.new.clear()

    def close(self) -> None:
        self.flush()
        if self.db is not None:
            self.db.close()
            self.db = None


RENDERER = hashlib.sha256(
    Path(__file__).read_bytes() + markdown.__version__.encode() + getattr(nh3, "__version__", "").encode()
).digest()


def sanitize_html(html: str) -> str:
    """``html`` with only the allowlist left, as well-formed HTML5 for the inside of a ``<div>``.

    nh3 parses ``html`` the way a browser does and removes what the allowlist does not name,
    keeping the text inside. Removing an element can leave a tree no parser would build (the
    paragraphs around a removed ``<marquee>``, ``<button>`` or ``<object>`` end up one inside
    another), and even a parser's own tree can be one that its serialisation does not give back
    (the adoption agency can leave a heading right inside another). Such HTML parses otherwise
    than it reads, with errors, and takes the rest of the page with it. So the result is parsed
    and written again until it gives back itself: HTML that parses, without a single error, into
    exactly the tree it spells. Two passes for ordinary bodies; a few for hostile ones. A body that
    has not settled after :data:`MAX_PASSES` keeps only its text and paragraphs.
    """
    html = _allowlist(html)
    for _ in range(MAX_PASSES):
        again = _allowlist(_respell(html))
        if again == html:
            break
        html = again
    else:
        html = _allowlist(_allowlist(html, tags={"p", "br"}), tags={"p", "br"})
    return _respell(html, images=True)


MAX_PASSES = 10
# A start tag of nh3's output, and the line break after it. Text there never holds "<" and
# attribute values are always quoted and never hold '"', so this finds every start tag and
# nothing inside an attribute value.
_START_TAG = re.compile(r'<([a-z][a-z0-9]*)((?:[^"<>]|"[^"]*")*)>(\n?)')


def _respell(html: str, images: bool = False) -> str:
    """nh3's output as it should be written: a parser drops the line break right after
    ``<pre>``, so one there is written twice (nh3 does not); with ``images``, photos load
    lazily (added here rather than by nh3, which writes added attributes in random order)."""
    if "<pre" not in html and not (images and "<img" in html):
        return html

    def start_tag(match: re.Match) -> str:
        name, attributes, newline = match.groups()
        if name == "pre" and newline:
            return f"<pre{attributes}>\n\n"
        if name == "img" and images:
            return f'<img loading="lazy" decoding="async"{attributes}>{newline}'
        return match.group(0)

    return _START_TAG.sub(start_tag, html)


def _allowlist(html: str, tags: set[str] = ALLOWED_TAGS) -> str:
    """One pass of nh3, without the characters a page may not hold (character references such
    as ``&#1;`` bring them back) and the empty paragraphs a removed element leaves."""
    html = nh3.clean(
        html,
        tags=tags,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
        filter_style_properties={"text-align"},
        clean_content_tags={"script", "style"},
    )
    return NOT_HTML.sub("", html).replace("<p></p>", "")


def plain_text(text: str | None, limit: int | None = None) -> str:
    """The visible text of staff Markdown, for share descriptions and excerpts."""
    html = render_markdown(text)
    words = unescape(re.sub(r"\s+", " ", nh3.clean(str(html), tags=set())).strip())
    if limit and len(words) > limit:
        words = words[: limit - 1].rstrip() + "…"
    return words



def safe_link(url: str | None) -> str:
    """A web address staff typed (e.g. a service's online form), if residents may follow it:
    ``http(s)://`` with a host and no control characters or spaces; otherwise ``""``. Templates
    put such fields in ``href`` through this (``|safe_link``), never as they are."""
    url = (url or "").strip()
    if not url or any(ch.isspace() or ord(ch) < 0x20 or ch == "\x7f" for ch in url):
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else ""
