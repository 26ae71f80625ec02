"""Feeds and discovery: Atom feeds of notices (all and per category), ``sitemap.xml``,
``robots.txt``, and the share metadata (Open Graph) of every page.

Everything here lists only what :mod:`linli.publicity` makes public. Absolute addresses come
from ``base_url`` in ``linli.toml``. Without it the site still works from any folder, so:
feeds link with addresses relative to the feed (Atom allows it; readers resolve them against
the feed's own address), the sitemap is not published (it must list absolute addresses),
``robots.txt`` has no ``Sitemap:`` line, and pages carry no ``og:url``/``og:image``.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from urllib.parse import quote
from xml.sax.saxutils import escape

from flask import Blueprint, Response, abort, current_app, request, url_for

from linli import clock, markup, media
from linli import models as m
from linli.app import item_url, relative_url, relativize_html
from linli.slugs import category_slug

blueprint = Blueprint("feeds", __name__)

FEED_SIZE = 30  # newest notices in a feed
ATOM = "application/atom+xml"
#: The ``updated`` of a feed with no entry on a site whose facts were never saved: a fixed date,
#: not the build's (a feed that changed with each day's build would be fetched and deployed again).
EMPTY_FEED_UPDATED = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


# --- addresses ------------------------------------------------------------------------------
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def base_url() -> str:
    """``base_url`` from the home's settings, without the trailing slash ("" if not set)."""
    return (current_app.config["LINLI_HOME"].settings.get("base_url") or "").strip().rstrip("/")


def absolute_url(path: str) -> str:
    """The public address of root-relative ``path`` ("" without ``base_url``)."""
    base = base_url()
    if not base:
        return ""
    return base + quote(path, safe="/!$&'()*+,;=:@-._~%?#")


def link_from(path: str, document: str) -> str:
    """``path`` as written in ``document``: absolute with ``base_url``, else relative to it."""
    return absolute_url(path) or relative_url(path, document)


def stable_id(kind: str, key: str, site: m.SiteSettings | None = None) -> str:
    """A permanent id for a feed or entry, also when the site has no base URL yet (``site``:
    the settings, when the caller has them at hand)."""
    name = (site if site is not None else m.SiteSettings.get_current()).name
    return uuid.uuid5(uuid.NAMESPACE_URL, f"linli:{name}:{kind}:{key}").urn


# --- Atom feeds -----------------------------------------------------------------------------


def _notices(names: list[str] | None = None):
    from linli.public import live_notices

    query = live_notices()
    if names is not None:
        query = query.where(m.Notice.category.in_(names))
    return list(query.limit(FEED_SIZE))


@blueprint.route("/feeds/notices.xml")
def notices() -> Response:
    return _atom(_notices(), "", request.path)


@blueprint.route("/feeds/notices/<key>.xml")
def notice_category(key: str) -> Response:
    from linli.public import category_names

    category, names = category_names(m.Notice, key)
    return _atom(_notices(names), category, request.path)


def _atom(items: list, category: str, document: str) -> Response:
    # (feedgen, with lxml, is imported by a build only when it renders a feed)
    from feedgen.feed import FeedGenerator

    site = m.SiteSettings.get_current()
    feed = FeedGenerator()
    title = xml_text(f"{site.name} · 通知公告" + (f" · {category}" if category else ""))
    feed.id(absolute_url(document) or stable_id("feed", category or "notices", site))
    feed.title(title)
    feed.subtitle(xml_text(f"{site.name}发布的通知公告"))
    feed.language("zh-CN")
    feed.author({"name": xml_text(site.name)})
    feed.link(href=link_from(document, document), rel="self", type=ATOM)
    page = url_for("public.notice_category", key=category_slug(category)) if category else url_for("public.notices")
    feed.link(href=link_from(page, document), rel="alternate", type="text/html")
    updated = [clock.aware(item.updated_at) for item in items]
    if not updated and site.id is not None:  # an empty feed: when the site's own facts last changed
        updated.append(clock.aware(site.updated_at))
    feed.updated(max(updated) if updated else EMPTY_FEED_UPDATED)
    for item in reversed(items):  # feedgen puts the entry added last first
        entry = feed.add_entry()
        path = item_url(item)
        entry.id(absolute_url(path) or stable_id("notice", str(item.id), site))
        entry.title(xml_text(("【紧急】" if item.urgent else "") + item.title))
        entry.link(href=link_from(path, document), rel="alternate", type="text/html")
        entry.published(clock.aware(item.date))
        entry.updated(clock.aware(item.updated_at))
        entry.category(term=xml_text(item.category), label=xml_text(item.category))
        if item.summary:
            entry.summary(xml_text(item.summary))
        body = str(markup.render_markdown(item.body))
        entry.content(xml_text(_links_in(body, document)), type="html")
    return Response(feed.atom_str(pretty=True), mimetype=ATOM)


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (C0 controls other than tab and line
    breaks, lone surrogates, U+FFFE/U+FFFF), which staff can paste without seeing them."""
    return _NOT_XML.sub("", text or "")


def _links_in(html: str, document: str) -> str:
    """Root-relative links of rendered Markdown, made absolute (or relative to the feed)."""
    base = base_url()
    if not base:
        return relativize_html(html, document)
    return re.sub(r'(\s(?:href|src)=")(/(?!/)[^"]*)"', lambda mt: f'{mt.group(1)}{base}{mt.group(2)}"', html)


# --- sitemap and robots.txt -------------------------------------------------------------------


@blueprint.route("/sitemap.xml")
def sitemap() -> Response:
    if not base_url():
        abort(404)
    from linli.build import PAGE_GENERATORS

    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for path in sorted(set(html_pages(PAGE_GENERATORS))):
        lines.append(f"<url><loc>{escape(absolute_url(path))}</loc></url>")
    lines.append("</urlset>")
    return Response("\n".join(lines) + "\n", mimetype="application/xml")


def html_pages(generators) -> list[str]:
    """Root-relative addresses of the HTML pages that ``generators`` list (no 404 page)."""
    pages = []
    for generator in generators:
        for entry in generator():
            url = entry if isinstance(entry, str) else url_for(entry[0], **entry[1])
            if url.endswith("/"):
                pages.append(url)
    return pages


@blueprint.route("/robots.txt")
def robots() -> Response:
    lines = ["User-agent: *", "Allow: /"]
    if base_url():
        lines.append(f"Sitemap: {absolute_url(url_for('feeds.sitemap'))}")
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


# --- share metadata --------------------------------------------------------------------------


def share_meta(item=None) -> dict:
    """Open Graph address and image of the current page (WeChat and others show them when a
    link is shared). Both need ``base_url``; the image is the item's photo, else the logo."""
    if not base_url():
        return {"url": "", "image": ""}
    image = ""
    for path in _photos_of(item):
        found = media.renditions(current_app.config["LINLI_HOME"].media_dir, path)
        chosen = min(found, key=lambda wp: abs(wp[0] - 960))[1] if found else path
        image = absolute_url(url_for("public.media", path=chosen))
        break
    return {"url": absolute_url(request.path), "image": image}


def _photos_of(item):
    home = current_app.config["LINLI_HOME"]
    candidates = []
    if item is not None:
        candidates += [getattr(item, name) for name in item.kind.media]
        if isinstance(item, m.Album):
            cover = item.cover_photo
            candidates.append(cover.file if cover else "")
    candidates.append(m.SiteSettings.get_current().logo)
    return [p for p in candidates if p and (home.media_dir / p).is_file()]


@blueprint.app_context_processor
def feeds_context() -> dict:
    return {"share_meta": share_meta}


# --- pages for the build ---------------------------------------------------------------------


def feed_pages():
    """The feeds, ``robots.txt`` and (with a base URL) the sitemap, for the build."""
    from linli.public import categories

    yield "feeds.notices", {}
    for key in dict.fromkeys(category_slug(name) for name, _ in categories(m.Notice)):
        yield "feeds.notice_category", {"key": key}
    yield "feeds.robots", {}
    if base_url():
        yield "feeds.sitemap", {}
