"""Checks of a built site (``linli check``): every internal link and asset resolves inside the
site folder, no page or stylesheet loads anything from elsewhere (HTML attributes, ``srcset``,
``style`` and CSS ``url()``/``@import``), and, when asked, every page parses without errors
by the HTML5 parsing algorithm (html5lib: mis-nested or unclosed elements, stray end tags,
bad attributes)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

# Attributes whose URL the browser fetches by itself (a resource), as opposed to a link.
RESOURCE_ATTRS = {("img", "src"), ("script", "src"), ("iframe", "src"), ("source", "src"),
                  ("video", "src"), ("audio", "src"), ("embed", "src"), ("object", "data"),
                  ("video", "poster"), ("input", "src")}  # fmt: skip
CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')""")
LINK_RELS_FETCHED = {"stylesheet", "icon", "preload", "modulepreload", "prefetch", "manifest", "apple-touch-icon"}


@dataclass
class SiteReport:
    pages: int = 0
    links: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class _UrlCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, bool]] = []  # (url, is_resource)
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.urls.extend((url, True) for url in css_urls(data))

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._in_style = tag == "style"
        self.urls.extend((url, True) for url in css_urls(attrs.get("style") or ""))
        for name in ("href", "src", "data", "poster", "action"):
            value = attrs.get(name)
            if value is None:
                continue
            resource = (tag, name) in RESOURCE_ATTRS
            if tag == "link":
                resource = bool(set((attrs.get("rel") or "").lower().split()) & LINK_RELS_FETCHED)
            self.urls.append((value, resource))
        for candidate in (attrs.get("srcset") or "").split(","):
            if candidate.strip():
                self.urls.append((candidate.split()[0], True))


def css_urls(css: str) -> list[str]:
    """Every URL a stylesheet (or a ``style`` attribute) fetches."""
    return [next(g for g in match.groups() if g is not None) for match in CSS_URL.finditer(css)]


def check_site(site: Path, *, well_formed: bool = False) -> SiteReport:
    """Check every ``.html`` and ``.css`` file under ``site``; with ``well_formed``, also
    report the HTML5 parse errors of every page (slower: html5lib is pure Python)."""
    site = site.resolve()
    report = SiteReport()
    for page in sorted(site.rglob("*.html")):
        report.pages += 1
        text = page.read_text(encoding="utf-8")
        collector = _UrlCollector()
        collector.feed(text)
        where = page.relative_to(site)
        for url, resource in collector.urls:
            report.links += 1
            problem = _check_url(site, page, url, resource)
            if problem:
                report.problems.append(f"{where}: {problem}")
        if well_formed:
            report.problems.extend(f"{where}: {problem}" for problem in html_errors(text))
    for sheet in sorted(site.rglob("*.css")):
        where = sheet.relative_to(site)
        for url in css_urls(sheet.read_text(encoding="utf-8")):
            if url.startswith("data:"):
                continue
            report.links += 1
            problem = _check_url(site, sheet, url, True)
            if problem:
                report.problems.append(f"{where}: {problem}")
    return report


def html_errors(text: str) -> list[str]:
    """The parse errors of one page by the HTML5 parsing algorithm, as ``line L:C: code``."""
    import html5lib

    parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=False)
    parser.parse(text)
    problems = []
    for (line, column), code, data in parser.errors:
        detail = ", ".join(f"{k}={v}" for k, v in sorted((data or {}).items()))
        problems.append(f"line {line}:{column}: HTML error {code}" + (f" ({detail})" if detail else ""))
    return problems


def _check_url(site: Path, page: Path, url: str, resource: bool) -> str | None:
    parts = urlsplit(url)
    if parts.scheme in ("mailto", "tel", "data"):
        return None
    if parts.scheme or parts.netloc:
        return f"loads an external resource {url}" if resource else None
    if not parts.path:
        return None  # "#fragment" or "?query" on the same page
    if parts.path.startswith("/"):
        return f"root-relative URL {url} breaks when the site is not at the host's root"
    target = (page.parent / unquote(parts.path)).resolve()
    if not target.is_relative_to(site):
        return f"{url} points outside the site"
    if target.is_dir():
        return f"{url} points at a folder (needs index.html to work from disk)"
    if not target.is_file():
        return f"{url} does not exist"
    return None
