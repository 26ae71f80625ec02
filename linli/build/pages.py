"""Which pages the site has, and which of them this build freezes.

Every page comes from one of :data:`PAGE_GENERATORS`, in Frozen-Flask's URL-generator format
(``(endpoint, values)`` turned into URLs with ``url_for``, or URLs). A rebuild of the same
global fingerprint freezes the pages that are new or whose dependencies changed
(:func:`linli.deps.stale_keys`), the others are the last build's; the pages that embed the static
search index are frozen last, after the index is up to date.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import get_translations
from jinja2 import pass_eval_context
from markupsafe import Markup

from linli import db, deps
from linli.build.context import BuildContext
from linli.build.inputs import Inputs
from linli.feeds import feed_pages
from linli.ical import calendar_pages
from linli.public import TYPES, item_pages, list_pages, public_items
from linli.search import search_pages
from linli.share import poster_pages
from linli.traditional import in_tree, traditional_pages

#: Every page of the site comes from one of these generators of (endpoint, values) or URLs.
PAGE_GENERATORS = (list_pages, item_pages, search_pages, feed_pages, calendar_pages, traditional_pages, poster_pages)


@dataclass
class Pages:
    """The site's pages, and those this build freezes (in two rounds)."""

    urls: list[str]  # every page of the site
    items: dict  # url prefix → id → URL of each public item's page (kept in the manifest)
    first: list[str]  # to freeze
    last: list[str]  # to freeze after the static search index is up to date (they embed it)

    @property
    def kept(self) -> int:
        """Pages that are the last build's."""
        return len(self.urls) - len(self.first) - len(self.last)


def list_site(context: BuildContext, inputs: Inputs) -> Pages:
    """Every page of the site (inside the build's app context); none chosen to freeze yet."""
    with deps.recording(context.at, idle=True), context.app.test_request_context():  # (memos serve the views)
        settle(context.app)
        items = _public_items(inputs.last.items if inputs.same_items else None, inputs.scan.changed)
        urls = list(enumerate_pages(items))
    return Pages(urls, items, [], [])


def choose(context: BuildContext, inputs: Inputs, pages: Pages, index_version) -> None:
    """Choose the pages to freeze: all, or (incremental) those that are new or whose dependencies
    changed. ``index_version()`` brings the static search index up to date (incremental: first,
    so that the pages that embed it can be checked)."""
    last = inputs.last
    if inputs.incremental:
        known = {("static_index",): index_version()}
        stale = deps.stale_keys(last.deps, db.database.obj, last.scan, inputs.scan, context.at, known)
        entries, numbers = last.pages, last.pages.numbers_of(stale)
        todo = [u for u in pages.urls if u not in entries or (numbers and entries.uses_any(u, numbers))]
    else:
        todo = pages.urls
    with context.app.test_request_context():
        search_page = url_for("search.page")
    pages.first = [u for u in todo if not u.endswith(search_page)]
    pages.last = [u for u in todo if u.endswith(search_page)]


URLS_KEPT = 20_000  # URLs a build process keeps at most (from the last time it forgot them all): ~6 MB


def settle(app) -> None:
    """What is fixed for a whole build, looked up once instead of on every use: the
    translations (one language per build) and every URL (``url_for`` of the same arguments)."""
    translations = get_translations()
    app.jinja_env.install_gettext_callables(
        gettext=translations.ugettext, ngettext=translations.ungettext, newstyle=True,
        pgettext=translations.upgettext, npgettext=translations.unpgettext,
    )  # fmt: skip
    app.jinja_env.globals["_"] = _translated_once(translations.ugettext)
    build_url = app.url_for
    urls: dict = {}

    def url_for(endpoint, **values):
        try:
            key = (in_tree(), endpoint, *sorted(values.items()))
            found = urls.get(key)
        except TypeError:  # an unhashable value
            return build_url(endpoint, **values)
        if found is None:
            if len(urls) >= URLS_KEPT:  # (most are items' addresses, each asked for on a few pages)
                urls.clear()
            found = urls[key] = build_url(endpoint, **values)
        return found

    app.url_for = url_for
    app.jinja_env.globals["url_for"] = url_for


def _translated_once(gettext):
    """Templates' ``_(text, **variables)`` as Jinja's new-style gettext makes it (the
    translation, Markup in an autoescaped template, formatted with the variables given, if any:
    ``%%`` is ``%`` either way), each text without variables translated and formatted once."""
    made: dict = {}

    @pass_eval_context
    def translated(eval_ctx, text: str, **variables):
        key = (text, eval_ctx.autoescape)
        found = None if variables else made.get(key)
        if found is None:
            found = gettext(text)
            if eval_ctx.autoescape:
                found = Markup(found)
            found = found % variables
            if not variables:
                made[key] = found
        return found

    return translated


def enumerate_pages(items: dict | None = None):
    """The URL of every page, once each, from :data:`PAGE_GENERATORS` (inside a request context).
    ``items`` (see :func:`linli.public.public_items`) stands for :func:`item_pages` (and gives
    :func:`linli.share.poster_pages` its items)."""
    seen: set[str] = set()
    numbered = NumberedPages()
    for generator in PAGE_GENERATORS:
        if generator is item_pages and items is not None:
            entries = (url for urls in items.values() for url in urls.values())
        elif generator is poster_pages and items is not None:
            entries = poster_pages(items)
        else:
            entries = generator()
        for entry in entries:
            if isinstance(entry, str):
                url = entry if entry.startswith("/") else url_for(entry)
            elif isinstance(entry, dict):
                url = url_for(generator.__name__, **entry)
            else:
                url = numbered.url(entry[0], entry[1])
            if url not in seen:
                seen.add(url)
                yield url


class NumberedPages:
    """URLs of the numbered pages of lists: the URL of one page number is made from the URL
    map, the others by putting the number in its place (a list can have hundreds of pages)."""

    PROBE = 987654321

    def __init__(self):
        self.templates: dict = {}

    def url(self, endpoint: str, values: dict) -> str:
        page = values.get("page")
        if type(page) is not int or page < 2:  # (page 1 is the list's own address)
            return url_for(endpoint, **values)
        key = (endpoint, *sorted((k, v) for k, v in values.items() if k != "page"))
        template = self.templates.get(key)
        if template is None:
            made = url_for(endpoint, **{**values, "page": self.PROBE})
            parts = made.split(str(self.PROBE))
            template = self.templates[key] = tuple(parts) if len(parts) == 2 else ()
        if not template:
            return url_for(endpoint, **values)
        return f"{template[0]}{page}{template[1]}"


def _public_items(last: dict | None, changed: dict | None) -> dict:
    """The public items' pages (see :func:`linli.public.public_items`): the last build's, where
    the scan says which rows changed since (``changed``), with those looked up again."""
    if last is None or changed is None:
        return public_items()
    fresh = public_items(changed)
    items = {}
    for prefix, model in TYPES.items():
        ids = changed.get(model._meta.table_name)
        if not ids:
            items[prefix] = last.get(prefix, {})
            continue
        items[prefix] = urls = dict(last.get(prefix, {}))
        for item_id in ids:
            urls.pop(item_id, None)
        urls.update(fresh[prefix])
    return items
