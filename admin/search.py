"""Search in the admin, and the hooks that keep the search index current.

The "搜索" page searches every content type with the one analyzer (Chinese-aware: 社區 finds
社区, 区活 crosses word boundaries), shows highlighted titles and snippets, and links each hit
to its edit page and its preview:

- public items come from the Whoosh index in ``search_index/`` (:func:`linli.search.search`),
  ranked as residents' search ranks them;
- items that are not public (drafts, awaiting review, scheduled, taken offline, expired) are
  never put into any index: they are read from the database on each search and matched here,
  in memory, by the same analyzer. Nothing of them is written to disk. The trash is not
  searched (the trash page lists it); the list pages' own search box (Flask-Admin's
  ``column_searchable_list``, SQL LIKE over title and summary) finds drafts too, by exact text.

:func:`reindex` and :func:`unindex` are called after every save, delete and restore (admin
views, trash, uploads), so the admin's and the preview's search answer from current content
at once; the build's :func:`linli.search.sync_index` corrects what time alone changes.
A failure of the index never undoes or hides a save: it is logged, and the next build repairs it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app, request
from flask_admin import BaseView, expose
from flask_babel import get_locale
from markupsafe import Markup

from admin.i18n import gettext, lazy_gettext, word
from admin.views import StaffOnly
from linli import models as m
from linli.publicity import public_condition, visibility
from linli.search import analyzer, engine
from linli.search.documents import GROUPS, document, types_for

log = logging.getLogger(__name__)

LIMIT = 30  # hits shown per section
SCAN_LIMIT = 2000  # newest non-public items read per content type
STATUS_LABELS = dict(m.STATUS_CHOICES)


def _home():
    return current_app.config["LINLI_HOME"]


def reindex(item) -> None:
    """After a save or restore: put ``item`` into the index if it is public now, else take it out
    (a photo, attachment or grid member updates the item whose page shows it)."""
    try:
        engine.index_item(_home(), item)
    except Exception:  # the save stands; the next build's sync_index repairs the index
        log.exception("search index not updated for %r", item)


def unindex(item) -> None:
    """After a delete (into the trash, or for good): take ``item`` out of the index."""
    try:
        engine.remove_item(_home(), item)
    except Exception:
        log.exception("search index not updated for %r", item)


@dataclass
class StaffHit:
    item: object
    title_html: Markup
    snippet: Markup
    state: str  # what staff read: 已公开, 往期, 草稿, 待审核, 定时发布, 已过期…

    @property
    def endpoint(self) -> str:
        return type(self.item).__name__.lower()


def non_public_hits(query: str, types=None, at=None) -> list[StaffHit]:
    """Items that are not public at ``at`` and not in the trash, matching every term of
    ``query`` (the one analyzer), title matches first, then most recently changed."""
    terms = analyzer.query_terms(query)
    if not terms:
        return []
    at = at or m.now()
    wanted = set(terms)
    prefixes = types_for(types)
    found = []
    for model in m.CONTENT_MODELS:
        if prefixes is not None and model.url_prefix not in prefixes:
            continue
        query_ = (
            model.select()
            .where(model.deleted_at.is_null() & ~public_condition(model, at, include="all"))
            .order_by(model.updated_at.desc())
            .limit(SCAN_LIMIT)
        )
        for item in query_:
            if visibility(item, at) is not None:  # the one rule has the last word
                continue
            doc = document(item)
            text = "\n".join(p for p in (doc.summary, doc.body) if p)
            title_terms = set(analyzer.terms(doc.title))
            have = title_terms | set(analyzer.terms(text))
            if not wanted <= have:
                continue
            in_title = len(wanted & title_terms)
            hit = StaffHit(item, analyzer.highlight(item.title, wanted), analyzer.snippet(text, wanted), _state(item, at))
            found.append((-in_title, -item.updated_at.timestamp(), hit))
    found.sort(key=lambda entry: entry[:2])
    return [hit for _, _, hit in found]


def _state(item, at) -> str:
    if item.status != m.PUBLISHED:
        return word(STATUS_LABELS.get(item.status, item.status))
    if item.publish_at is not None and item.publish_at > at:
        return gettext("定时发布（%(when)s）", when=item.publish_at.strftime("%m-%d %H:%M"))
    return gettext("已过期")


class SearchView(StaffOnly, BaseView):
    """One box over all content: public items from the index, the rest from the database."""

    @expose("/")
    def index(self):
        query = request.args.get("q", "").strip()[:100]
        chosen = request.args.get("type", "")
        chosen = chosen if chosen in {key for key, *_ in GROUPS} else ""
        public_hits, others = None, []
        if query:
            public_hits = engine.search(_home(), query, limit=LIMIT, types=chosen or None)
            others = non_public_hits(query, chosen or None)
        english = str(get_locale() or "").startswith("en")
        return self.render(
            "linli_admin/search.html", q=query, chosen=chosen,
            groups=[(key, en if english else zh) for key, zh, en, _ in GROUPS],
            public_hits=public_hits, others=others[:LIMIT], others_total=len(others),
            endpoint_of=lambda item: type(item).__name__.lower(),
        )  # fmt: skip


def register_search_view(admin) -> None:
    admin.add_view(SearchView(name=lazy_gettext("搜索"), endpoint="search"))
