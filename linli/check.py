"""Checks of a built site: every internal link and asset resolves inside the site folder,
and no page loads anything from elsewhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

# Attributes whose URL the browser fetches by itself (a resource), as opposed to a link.
RESOURCE_ATTRS = {("img", "src"), ("script", "src"), ("iframe", "src"), ("source", "src"),
                  ("video", "src"), ("audio", "src"), ("embed", "src"), ("object", "data"),
                  ("video", "poster"), ("input", "src")}  # fmt: skip
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

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
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


def check_site(site: Path) -> SiteReport:
    """Check every ``.html`` file under ``site``."""
    site = site.resolve()
    report = SiteReport()
    for page in sorted(site.rglob("*.html")):
        report.pages += 1
        collector = _UrlCollector()
        collector.feed(page.read_text(encoding="utf-8"))
        where = page.relative_to(site)
        for url, resource in collector.urls:
            report.links += 1
            problem = _check_url(site, page, url, resource)
            if problem:
                report.problems.append(f"{where}: {problem}")
    return report


def _check_url(site: Path, page: Path, url: str, resource: bool) -> str | None:
    parts = urlsplit(url)
    if parts.scheme in ("mailto", "tel"):
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
