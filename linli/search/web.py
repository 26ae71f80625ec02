"""The search page and the title index pages of the public site.

In a build, ``/search/`` is a page that works three ways: with JavaScript, ``search.js`` answers
from the static index (also opened from disk); without it, the page offers the category pages
and the index of titles by type (``/search/titles/<type>/``, split by first letter for a type
with many items), which need nothing. In the
preview server (``linli serve``) the same page answers from the Whoosh index on the server.
"""

from __future__ import annotations

import hashlib
import json
import math
import pickle
import unicodedata
from typing import NamedTuple

from flask import Blueprint, abort, current_app, render_template, request, url_for

from linli import db, deps
from linli.registry import by_position
from linli.search import analyzer
from linli.search.documents import GROUPS, MODELS, TYPE_LABELS_EN, includes, types_for

blueprint = Blueprint("search", __name__)

def group_label(key: str) -> str:
    language = current_app.config["LINLI_HOME"].settings["languages"][0]
    for group, zh, en, _ in GROUPS:
        if group == key:
            return en if language.startswith("en") else zh
    return key


def type_label(prefix: str) -> str:
    language = current_app.config["LINLI_HOME"].settings["languages"][0]
    return TYPE_LABELS_EN[prefix] if language.startswith("en") else MODELS[prefix].type_label


@blueprint.app_context_processor
def search_context() -> dict:
    return {"search_client_text": client_text}


@blueprint.route("/search/")
def page():
    from linli.app import moment
    from linli.public import categories, category_url

    build = current_app.config["LINLI_BUILD"]
    home = current_app.config["LINLI_HOME"]
    query = request.args.get("q", "").strip()[:100]
    chosen = request.args.get("type", "")
    chosen = chosen if chosen in {key for key, *_ in GROUPS} else ""
    context = {
        "q": query, "chosen": chosen, "groups": [(key, group_label(key)) for key, *_ in GROUPS],
        "results": None, "manifest": None,
    }  # fmt: skip
    if build:
        from linli.search.static import static_index

        index = static_index()
        context["manifest"] = json.dumps(index.manifest, separators=(",", ":"))
        context["client_src"] = index.manifest["client"]
    elif query:
        from linli.search.engine import search

        context["results"] = search(home, query, limit=50, types=chosen or None, at=moment())
    browse = []
    for kind in by_position():
        found = categories(kind.model) if kind.category_pages else None
        if found:
            label = group_label(kind.group.key)
            browse.append((label, [(name, count, category_url(kind.prefix, name)) for name, count in found]))
    context["browse"] = browse
    context["title_pages"] = [(key, label, count) for key, label, count in _title_counts() if count]
    context["type_label"] = type_label
    return render_template("search.html", **context)


def client_text(words: dict) -> str:
    """The words search.js shows (``words``, translated by the template) with the types' labels
    and the site's language, as the JSON of the page's ``data-text``."""
    out = {**words, "types": {prefix: type_label(prefix) for prefix in MODELS},
           "lang": current_app.config["LINLI_HOME"].settings["languages"][0]}  # fmt: skip
    return json.dumps(out, ensure_ascii=False, separators=(",", ":"))


def _title_counts() -> list[tuple[str, str, int]]:
    """(group, label, number of public titles) of each group; counted once per build process
    (the build's list of pages and the search page ask)."""
    from linli.app import moment
    from linli.publicity import public

    def count(key):
        return sum(public(MODELS[p], at, include=includes(MODELS[p])).count() for p in types_for(key))

    at = moment()
    counts = deps.memo(("title_counts",), lambda: [count(key) for key, *_ in GROUPS])
    return [(key, group_label(key), number) for (key, *_), number in zip(GROUPS, counts)]


# --- the index of titles ----------------------------------------------------------------------
#
# A type with up to PER_PAGE public titles lists them all on /search/titles/<group>/, in sections
# by first letter. A bigger one gets an index of its first letters there, and a page per letter
# (/search/titles/<group>/<letter>/, in pages of PER_PAGE): an edit, a new or a removed item
# then changes the pages of one letter (and the index's counts), not one page of every title.

PER_PAGE = 200


class TitleRow(NamedTuple):
    """One item of the title index: its sort key and its raw row (id, slug, title, publish_at,
    created_at, expires_at)."""

    order: tuple
    head: str
    prefix: str
    row: tuple
    expired: bool


def initial(title: str) -> str:
    """The heading a title is listed under: its first letter (A–Z), 0–9, or its first character."""
    return _head(analyzer.fold(title))


def _head(folded: str) -> str:
    for char in folded:
        head = _heads.get(char, "")
        if head == "":
            head = _heads[char] = _char_head(char)
        if head is not None:
            return head
    return "#"


def _char_head(char: str) -> str | None:
    """The heading of a title whose first letter or character is ``char`` (None: not one)."""
    kind = analyzer.char_class(char)
    if kind == analyzer.CJK:
        return char
    if kind == analyzer.WORD:
        if char.isdigit():
            return "0–9"
        base = unicodedata.normalize("NFKD", char)[0].upper()
        return base if "A" <= base <= "Z" else char.upper()
    return None


_heads: dict[str, str | None] = {}


def _initial_order(head: str):
    """Latin letters first, then digits, then characters by code point, "#" last."""
    if "A" <= head[0] <= "Z":
        return (0, head)
    if head == "0–9":
        return (1, head)
    if head == "#":
        return (3, head)
    return (2, head)


def initial_key(head: str) -> str:
    """The URL segment of a first letter's pages."""
    return {"0–9": "0-9", "#": "other"}.get(head, head.lower() if "A" <= head[0] <= "Z" else head)


def _title_queries(group: str) -> list[tuple[str, object]]:
    from linli.app import moment
    from linli.publicity import public

    at = moment()
    out = []
    for prefix in sorted(types_for(group)):
        model = MODELS[prefix]
        columns = (model.id, model.slug, model.title, model.publish_at, model.created_at, model.expires_at)
        out.append((prefix, public(model, at, include=includes(model)).select(*columns).order_by(model.id)))
    return out


def title_sections(group: str, rows: list[list], now) -> list[tuple[str, list[TitleRow]]]:
    """(first letter, its titles in order) of the public items of ``group`` from the raw rows of
    :func:`_title_queries`, in order; each title is folded once."""
    entries = title_entries(group, rows, now)
    entries.sort()
    return sections_of(entries)


def title_entries(group: str, rows: list[list], now) -> list[TitleRow]:
    """The entries of the raw rows of :func:`_title_queries` (one list per type), unsorted."""
    entries = []
    fold, reached = analyzer.fold, deps.reached
    for prefix, found in zip(sorted(types_for(group)), rows):
        expiring = includes(MODELS[prefix]) != "live"
        for row in found:
            folded = fold(row[2])
            head = _head(folded)
            expired = expiring and row[5] is not None and reached(row[5], now)
            entries.append(TitleRow((_initial_order(head), folded, prefix, row[0]), head, prefix, row, expired))
    return entries


def sections_of(entries: list[TitleRow]) -> list[tuple[str, list[TitleRow]]]:
    """Sorted entries grouped by their first letter."""
    sections: list[tuple[str, list[TitleRow]]] = []
    for entry in entries:
        if not sections or sections[-1][0] != entry.head:
            sections.append((entry.head, []))
        sections[-1][1].append(entry)
    return sections


def updated_entries(group: str, entries: list[TitleRow], written: dict, now) -> list[TitleRow]:
    """The sorted ``entries`` of the last build, with the items whose rows were written since
    (``written``: table → ids) looked up again; the same list when none of them was."""
    looked_up = {prefix: sorted(written.get(MODELS[prefix]._meta.table_name, ())) for prefix in types_for(group)}
    if not any(looked_up.values()):
        return entries
    gone = {(prefix, item_id) for prefix, ids in looked_up.items() for item_id in ids}
    rows = []
    for prefix, query in _title_queries(group):
        model, ids = MODELS[prefix], looked_up[prefix]
        found = []
        for batch in db.batches(ids):
            sql, params = query.where(model.id.in_(batch)).sql()
            found.extend(model._meta.database.execute_sql(sql, params).fetchall())
        rows.append(found)
    kept = [entry for entry in entries if (entry.prefix, entry.row[0]) not in gone]
    found = sorted(kept + title_entries(group, rows, now))
    return entries if found == entries else found


def _fingerprint(value) -> bytes:
    return hashlib.blake2b(repr(value).encode(), digest_size=16).digest()


def _shown(entries: list[TitleRow]) -> list:
    """What a page shows of its titles (not the expiry time, only whether it has passed)."""
    return [(e.prefix, e.row[:5], e.expired) for e in entries]


def title_parts(sections, last: tuple | None = None) -> dict:
    """The pages of the title index → a fingerprint of what each shows: "all" (one page), or
    "index" and (letter, page). ``last``: (sections, parts) of the last build, whose parts are
    taken again for letters whose titles are the same."""
    total = sum(len(entries) for _, entries in sections)
    if total <= PER_PAGE:
        return {"all": _fingerprint([(head, _shown(entries)) for head, entries in sections])}
    parts = {"index": _fingerprint([(head, len(entries)) for head, entries in sections])}
    before = dict(last[0]) if last is not None else {}
    for head, entries in sections:
        pages = math.ceil(len(entries) / PER_PAGE)
        if before.get(head) == entries and all((head, page) in last[1] for page in range(1, pages + 1)):
            parts.update(((head, page), last[1][(head, page)]) for page in range(1, pages + 1))
            continue
        for page in range(1, pages + 1):
            shown = _shown(entries[(page - 1) * PER_PAGE : page * PER_PAGE])
            parts[(head, page)] = _fingerprint((len(entries), pages, shown))
    return parts


deps.CUTS["titles"] = lambda group, rows, now: title_parts(title_sections(group, rows, now))


def _titles(group: str):
    """(query keys, sections, parts) of ``group``'s title index, once per build process. A build
    whose context has the last build's entries (and the rows written since) looks up only the
    items written since; the entries it made are left in its context, for the next build."""
    from linli.app import moment

    building = deps.building()
    cache = current_app.extensions.setdefault("linli_titles", {}) if building else {}
    if group not in cache:
        build = current_app.extensions.get("linli_build") if building else None
        queries = _title_queries(group)
        written = build.changed_rows if build is not None else None
        last = (build.kept_titles or {}).get(group) if written is not None else None
        keys = tuple(deps.query_key(query) for _, query in queries) if last is not None else None
        previous = None
        if last is not None and last[0] == keys:
            entries = updated_entries(group, last[1], written, moment())
            previous = (sections_of(last[1]), last[2])
        else:
            keys, rows = [], []
            for _, query in queries:
                key, found = deps.raw_rows(query)
                keys.append(key)
                rows.append(found)
            keys = tuple(keys)
            entries = sorted(title_entries(group, rows, moment()))
        sections = sections_of(entries)
        parts = {}
        if building:
            if previous is not None and entries is last[1]:
                parts = last[2]
            else:
                parts = title_parts(sections, previous)
            deps.made_cut("titles", group, keys, parts)
            if build is not None:
                build.title_entries[group] = (keys, entries, parts)
        cache[group] = (keys, sections, parts)
    return cache[group]


class TitleEntry(NamedTuple):
    """A title as a page lists it."""

    url_prefix: str
    slug: str
    title: str
    date: object
    expired: bool


def _entries(rows: list[TitleRow]) -> list[TitleEntry]:
    out = []
    for entry in rows:
        model = MODELS[entry.prefix]
        _, slug, title, publish_at, created_at, _ = entry.row
        date = model.publish_at.python_value(publish_at) or model.created_at.python_value(created_at)
        out.append(TitleEntry(entry.prefix, slug, title, date, entry.expired))
    return out


def _render_titles(group: str, **context):
    base = {"q": "", "chosen": "", "groups": [], "results": None, "manifest": None, "client": None, "browse": [],
            "title_pages": [], "sections": [], "letters": [], "pagination": None, "letter": None}  # fmt: skip
    return render_template(
        "search.html", titles_of=group_label(group), group=group, type_label=type_label, **{**base, **context}
    )


@blueprint.route("/search/titles/<group>/")
def titles(group: str):
    """Every title of a type, or (for many) the index of their first letters."""
    if group not in {key for key, *_ in GROUPS}:
        abort(404)
    query_keys, sections, parts = _titles(group)
    count = sum(len(entries) for _, entries in sections)
    if not count:
        abort(404)
    if count <= PER_PAGE:
        deps.record_part("titles", group, query_keys, "all", parts.get("all"))
        shown = [(head, _entries(entries)) for head, entries in sections]
        return _render_titles(group, sections=shown, count=count)
    deps.record_part("titles", group, query_keys, "index", parts.get("index"))
    letters = [(head, len(entries), url_for("search.titles_from", group=group, key=initial_key(head)))
               for head, entries in sections]  # fmt: skip
    return _render_titles(group, letters=letters, count=count)


@blueprint.route("/search/titles/<group>/<key>/", defaults={"page": 1})
@blueprint.route("/search/titles/<group>/<key>/page/<int:page>/")
def titles_from(group: str, key: str, page: int):
    """The titles of a type that start with one letter, when the type has too many for one page."""
    from linli.public import Pagination

    if group not in {key for key, *_ in GROUPS}:
        abort(404)
    query_keys, sections, parts = _titles(group)
    if sum(len(entries) for _, entries in sections) <= PER_PAGE:
        abort(404)
    found = [(head, entries) for head, entries in sections if initial_key(head) == key]
    if not found:
        abort(404)
    head, entries = found[0]
    pages = math.ceil(len(entries) / PER_PAGE)
    if page > pages:
        abort(404)
    deps.record_part("titles", group, query_keys, (head, page), parts.get((head, page)))
    packed = current_app.extensions.get(PACKED_TITLES, {}).get(group)
    if packed is not None:
        shown = pickle.loads(packed[head][page - 1])
    else:
        shown = _entries(entries[(page - 1) * PER_PAGE : page * PER_PAGE])
    pagination = Pagination(shown, page, pages, len(entries), "search.titles_from", {"group": group, "key": key})
    return _render_titles(group, sections=[(head, shown)], count=len(entries), letter=head, pagination=pagination)


PACKED_TITLES = "linli_title_pages"  # in the app's extensions: group → first letter → each page's entries, pickled


def pack_title_pages(app, urls: list[str]) -> None:
    """For a build whose page workers freeze ``urls``: what each page lists of the title indexes
    that have pages among them (of those this process has read: the indexes of many titles, read
    when it listed the site's pages), made and pickled here, page by page, before the workers are
    forked. A worker reading the entries themselves would copy (writing their reference counts)
    every memory page holding one: the whole index, in each worker (35-45 MB each at 50,000 notices)."""
    cache = app.extensions.get("linli_titles", {})
    with app.test_request_context():
        prefixes = {group: url_for("search.titles", group=group) for group in cache}
    wanted = {group for url in urls if "/search/titles/" in url for group, prefix in prefixes.items()
              if url.startswith(prefix)}  # fmt: skip
    packed = app.extensions.setdefault(PACKED_TITLES, {})
    for group in wanted:
        _, sections, _ = cache[group]
        packed[group] = {
            head: [pickle.dumps(_entries(entries[start : start + PER_PAGE]), pickle.HIGHEST_PROTOCOL)
                   for start in range(0, len(entries), PER_PAGE)]
            for head, entries in sections
        }  # fmt: skip


def title_pages(group: str, count: int):
    """(endpoint, values) of the pages of ``group``'s title index (of ``count`` titles)."""
    if count <= PER_PAGE:
        return
    _, sections, _ = _titles(group)
    if sum(len(entries) for _, entries in sections) <= PER_PAGE:
        return
    for head, entries in sections:
        key = initial_key(head)
        yield "search.titles_from", {"group": group, "key": key}
        for page in range(2, math.ceil(len(entries) / PER_PAGE) + 1):
            yield "search.titles_from", {"group": group, "key": key, "page": page}


def search_pages():
    """The pages of search, for the build: the search page and one title index per type."""
    yield "search.page", {}
    for key, _, count in _title_counts():
        if count:
            yield "search.titles", {"group": key}
            yield from title_pages(key, count)


def search_url() -> str:
    return url_for("search.page")
