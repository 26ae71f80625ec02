"""Markdown → safe HTML. The one function every page, feed, preview and index uses.

Python-Markdown renders (tables, Unicode heading ids, CJK line joining); nh3 then keeps only
an allowlist of tags, attributes and URL schemes, so no staff text can run script.
"""

from __future__ import annotations

import functools
import re
from html import unescape
from urllib.parse import urlsplit
import xml.etree.ElementTree as etree

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

# Characters between which a line break is not a space: CJK ideographs, kana, hangul,
# CJK punctuation and full-width forms.
CJK = (
    "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3200-\u32ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
)
_CJK_BREAK = re.compile(rf"(?<=[{CJK}])[ \t]*\n[ \t]*(?=[{CJK}])")

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "del",
    "ins", "mark", "sub", "sup", "small", "code", "pre", "kbd", "blockquote", "ul", "ol", "li",
    "dl", "dt", "dd", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "caption",
    "figure", "figcaption", "abbr",
}  # fmt: skip
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


class CjkLineJoinExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # After inline patterns (priority 20) so that text nodes are final.
        md.treeprocessors.register(_JoinCjkLines(md), "cjk_line_join", 5)


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


@functools.lru_cache(maxsize=4096)
def render_markdown(text: str | None) -> Markup:
    """Staff Markdown → sanitised HTML, safe to put into any page."""
    if not text or not text.strip():
        return Markup("")
    md = _markdown()
    # A top-level heading in a body would compete with the page title: shift headings down.
    html = md.convert(text.replace("\r\n", "\n"))
    html = re.sub(r"<(/?)h1([ >])", r"<\1h2\2", html)
    return Markup(sanitize_html(html))


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
        filter_style_properties={"text-align"},
        set_tag_attribute_values={"img": {"loading": "lazy", "decoding": "async"}},
        clean_content_tags={"script", "style"},
    )


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
