"""The public Flask app of one home: theme templates and assets, filters, relative links.

This app is what gets frozen into ``site/``. The admin is a separate app and is never
registered here (Frozen-Flask would freeze every route it sees).
"""

from __future__ import annotations

import datetime as dt
import functools
import posixpath
import re
from urllib.parse import quote, unquote

from flask import Flask, current_app, request, url_for
from flask_babel import Babel
from markupsafe import Markup
from jinja2 import ChoiceLoader, FileSystemLoader

from linli import db, markup, media, models
from linli.fragments import SharedFragments
from linli.headers import CONTENT_SECURITY_POLICY, LARGE_TEXT_SCRIPT
from linli.home import Home

WEEKDAYS = "一二三四五六日"


def create_public_app(home: Home, *, build: bool = False, now: dt.datetime | None = None) -> Flask:
    """The public site of ``home``. ``build`` makes every link relative for ``site/``;
    ``now`` pins the moment that decides what is public (one moment for a whole build)."""
    from linli import feeds, ical, qr, share, traditional
    from linli.public import blueprint, category_url
    from linli.search.web import blueprint as search_blueprint

    app = Flask("linli", static_folder=None, template_folder=None)
    app.config.update(
        LINLI_HOME=home,
        LINLI_BUILD=build,
        LINLI_NOW=now,
        BABEL_DEFAULT_LOCALE=_locale(home.settings["languages"][0]),
        BABEL_TRANSLATION_DIRECTORIES=";".join(str(d / "translations") for d in home.theme_dirs),
        TEMPLATES_AUTO_RELOAD=not build,
        PROPAGATE_EXCEPTIONS=build,
    )
    app.jinja_loader = ChoiceLoader([FileSystemLoader(str(d / "templates")) for d in home.theme_dirs])
    Babel(app)
    app.jinja_env.add_extension(SharedFragments)
    app.jinja_env.filters.update(
        markdown=render_body,
        plain=markup.plain_text,
        safe_link=markup.safe_link,
        date=format_date,
        datetime=format_datetime,
        tel=tel_href,
        phones=markup.link_phones,
    )
    app.register_blueprint(blueprint)
    app.register_blueprint(search_blueprint)
    app.register_blueprint(feeds.blueprint)
    app.register_blueprint(ical.blueprint)
    app.register_blueprint(share.blueprint)
    traditional.install(app)
    app.jinja_env.globals.update(
        item_url=item_url, media_url=media_url, srcset=srcset, category_url=category_url, image_size=image_size,
        calendar_url=ical.calendar_url, qr_svg=qr.qr_svg, search_base=traditional.search_base,
        content_security_policy=CONTENT_SECURITY_POLICY, large_text_script=LARGE_TEXT_SCRIPT,
    )

    database = db.connect(home.database_url, home.settings["timezone"])

    @app.before_request
    def _open_db():
        database.connect(reuse_if_open=True)

    if not build:

        @app.teardown_request
        def _close_db(exc):
            if not database.is_closed():
                database.close()

    else:
        app.after_request(_relative_links)
    return app


def moment() -> dt.datetime:
    """The time that decides what is public for this request (pinned during a build)."""
    return current_app.config.get("LINLI_NOW") or models.now()


def _locale(language: str) -> str:
    return {"zh-Hans": "zh_Hans", "zh-Hant": "zh_Hant"}.get(language, language.replace("-", "_"))


# --- template helpers -------------------------------------------------------------------


def item_url(item) -> str:
    """The page of any public content item."""
    return url_for("public.item", prefix=item.url_prefix, slug=item.slug)


def media_url(path: str) -> str:
    return url_for("public.media", path=path) if path else ""


def srcset(path: str, webp: bool = False) -> str:
    """``srcset`` value listing a stored photo's JPEG (or WebP) renditions."""
    home: Home = current_app.config["LINLI_HOME"]
    found = media.webp_renditions if webp else media.renditions
    return ", ".join(f"{media_url(p)} {w}w" for w, p in found(home.media_dir, path))


def image_size(path: str) -> tuple[int, int]:
    """(width, height) of a stored photo, for the ``width``/``height`` of its ``<img>``."""
    home: Home = current_app.config["LINLI_HOME"]
    return media.image_size(home.media_dir, path)


_MEDIA_IMG = re.compile(r'<img ([^>]*?)src="/media/([^"]+)"([^>]*)>')
BODY_SIZES = "(min-width: 48rem) 44rem, 100vw"


def render_body(text: str | None) -> Markup:
    """Staff Markdown as HTML (:func:`linli.markup.render_markdown`), with the photos it shows
    given their size and renditions, like every other photo of the site."""
    html = str(markup.render_markdown(text))

    def sized(match: re.Match) -> str:
        before, path, after = match.groups()
        extra = ""
        if " width=" not in f" {before}{after}":
            width, height = image_size(path)
            extra += f' width="{width}" height="{height}"' if width else ""
        candidates = srcset(path)
        extra += f' srcset="{candidates}" sizes="{BODY_SIZES}"' if candidates else ""
        return f'<img {before}src="/media/{path}"{extra}{after}>'

    return Markup(_MEDIA_IMG.sub(sized, html))


def format_date(value) -> str:
    if not value:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


def format_datetime(value: dt.datetime | None, weekday: bool = False) -> str:
    if not value:
        return ""
    text = format_date(value)
    if weekday:
        text += f"（周{WEEKDAYS[value.weekday()]}）"
    return f"{text} {value:%H:%M}"


tel_href = markup.tel_href


# --- relative links in the built site ---------------------------------------------------

# The value of each href, src, action or poster attribute that is a root-relative URL (group 1) and
# of each srcset (group 2), in one pass over a page: found from their `="` (a literal the regex
# engine looks for quickly), the attribute's name (after white space) looked behind.
_LINK_ATTRS = re.compile(
    r'="(?:(?:(?<=\shref=")|(?<=\ssrc=")|(?<=\saction=")|(?<=\sposter="))(/(?!/)[^"]*)|(?<=\ssrcset=")([^"]*))"'
)


def relative_url(url: str, page_path: str) -> str:
    """A root-relative URL as seen from ``page_path``; folder URLs end in ``index.html`` so
    the site also works opened straight from disk."""
    return _relative_to_folder(url, _folder(page_path))


def _folder(page_path: str) -> str:
    """The folder (ending in "/", unquoted) that relative URLs on page ``page_path`` start from."""
    page_path = _unquote(page_path)
    return page_path if page_path.endswith("/") else posixpath.dirname(page_path) + "/"


def _relative_to_folder(url: str, base: str) -> str:
    path, sep_q, rest = url.partition("?")
    path, sep_f, fragment = path.partition("#") if not sep_q else (path, "", "")
    path = _unquote(path)
    if path.endswith("/"):
        path += "index.html"
    return _quote(_relpath(path, base)) + sep_q + rest + sep_f + fragment


RELATIVE_CACHED = 8192  # paths each cache below keeps (a page's own links repeat; others' items rarely)
_unquote = functools.lru_cache(maxsize=RELATIVE_CACHED)(unquote)


@functools.lru_cache(maxsize=RELATIVE_CACHED)
def _quote(path: str) -> str:
    return quote(path, safe="/!$&'()*+,;=:@-._~")


def _relpath(path: str, base: str) -> str:
    """``posixpath.relpath(path, base)`` for an absolute file path and folder ``base`` ending in
    "/" (the common case, many times per page, in a few string operations)."""
    if "/." in path or "//" in path or "/." in base or "//" in base:
        return posixpath.relpath(path, base)
    parts, folders = path.split("/"), base.split("/")[:-1]
    common = 0
    while common < len(folders) and common < len(parts) - 1 and parts[common] == folders[common]:
        common += 1
    return "../" * (len(folders) - common) + "/".join(parts[common:])


ACROSS_KEPT = 20_000  # relative URLs kept across pages at most (from the last time all were forgotten)


def relativize_html(html: str, page_path: str, across: dict | None = None) -> str:
    """Every root-relative URL of ``html`` made relative to page ``page_path``. ``across``: the
    URLs made for earlier pages (a build's), by URL and folder depth: a URL outside the page's
    first folder (the theme's files, the navigation, other sections) is the same from every
    folder of one depth."""
    base = _folder(page_path)
    made: dict[str, str] = {}  # (a page links to many URLs more than once: header, lists, footer)
    if across is not None and ("/." in base or "//" in base or base == "/"):
        across = None  # (compared by posixpath, or everything is in the first folder)
    if across is not None:
        first, depth = base[: base.index("/", 1) + 1], base.count("/") - 1
        if len(across) >= ACROSS_KEPT:
            across.clear()

    def relative(url: str) -> str:
        found = made.get(url)
        if found is None:
            path = _unquote(url) if across is not None else ""
            if across is not None and not path.startswith(first) and "/." not in path and "//" not in path:
                key = (url, depth)
                found = across.get(key)
                if found is None:
                    found = across[key] = _relative_to_folder(url, base)
            else:
                found = _relative_to_folder(url, base)
            made[url] = found
        return found

    def attr(match: re.Match) -> str:
        url, candidates = match.groups()
        if url is not None:
            return f'="{relative(url)}"'
        items = []
        for candidate in candidates.split(","):
            url, _, descriptor = candidate.strip().partition(" ")
            if url.startswith("/") and not url.startswith("//"):
                url = relative(url)
            items.append(f"{url} {descriptor}".strip())
        return f'="{", ".join(items)}"'

    return _LINK_ATTRS.sub(attr, html)


def _relative_links(response):
    if response.mimetype == "text/html" and not response.direct_passthrough:
        html = response.get_data(as_text=True)
        across = current_app.extensions.setdefault("linli_relative_urls", {})
        response.set_data(relativize_html(html, request.path, across))
    return response

