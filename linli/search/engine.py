"""The canonical index: Whoosh in the home's ``search_index/``, for admin search and the preview.

It holds the public items only (:func:`index_item` drops an item that is not public), analysed
by the one analyzer. Keep it current by calling :func:`index_item` after every save and
:func:`remove_item` after a delete; :func:`sync_index` corrects what time alone changes (a
scheduled item going public, an expiry) and :func:`rebuild_index` starts afresh. Every answer
of :func:`search` is checked again against the public-ness rule, so a stale index can miss an
item but never shows one that is not public.

The index holds the analyzer's terms (:func:`linli.search.analyzer.terms`) less the single CJK
characters a query finds through pairs: every character of a CJK run but the last starts the
run's next pair, so its postings are the sum of its pairs' (``社`` in a document = ``社区`` +
``社会`` + … + ``社`` where it ends a run), and only a run's last character is kept as a single.
A query of one character (:func:`_postings`) adds up its pairs and that single; a query of
several asks for pairs only. The same counts, 40% fewer postings to write. Field lengths count
every term of the analyzer, the singles left out too (what ranking normalises by).

An index made from nothing (:func:`rebuild_index`) is written by :mod:`linli.search.segments`
(two processes, postings counted in memory); items saved later go through Whoosh's own writer.
Both hold the same postings for the same documents (tests/test_search_index_writer.py). In a
build, whose static index has just analysed every public document (:mod:`linli.search.static`
keeps each one's term counts in its state file), the index made from nothing takes those counts:
the analyzer runs once per document per build, for both indexes.

Items saved later each add a small segment (:func:`_writer`): a commit drops the segments whose
every document was replaced or taken out, and merges small segments only when more than
:data:`MAX_SEGMENTS` are left (Whoosh merges some at almost every commit otherwise), so saving
an item costs about the same every time and searching reads a bounded number of segments.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import shutil
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from flask import current_app, has_app_context
from markupsafe import Markup
from whoosh import index as whoosh_index
from whoosh.analysis import Token, Tokenizer
from whoosh.reading import TermNotFound
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.system import pack_uint
from whoosh.writing import MERGE_SMALL

from linli import db
from linli import models as m
from linli.home import Home
from linli.publicity import EXPIRED, visibility
from linli.search import analyzer, ranking, static
from linli.search.documents import GROUP_OF, MODELS, SearchDoc, document_for, public_documents, types_for
from linli.search.segments import write_segments

INDEX_NAME = "linli4"  # change when the schema or the analyzer changes: the index is rebuilt
MAX_SEGMENTS = 10  # segments an index keeps before a commit merges the small ones (see _commit_policy)
FIELDS = ranking.FIELDS
_lock = threading.Lock()


class LinliTokenizer(Tokenizer):
    """Whoosh's side of :mod:`linli.search.analyzer` (index mode: characters, pairs, words)."""

    def __eq__(self, other):
        return self.__class__ is other.__class__

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):  # fmt: skip
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        found = analyzer.tokens(value, query=mode == "query") if tokenize else [analyzer.Token(value, 0, len(value))]
        for pos, found_token in enumerate(found):
            token.text = found_token.text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = found_token.text
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + found_token.start
                token.endchar = start_char + found_token.end
            yield token


class LinliText(TEXT):
    """A text field indexed with :func:`analyzer.terms` (the analyzer's tokens without their
    spans, which an index without positions does not keep), counted at C speed. Its value may be
    the text or its terms, already made (see :func:`_fields`). :meth:`counts` is what
    :class:`linli.search.segments.CountingWriter` asks for; :meth:`index` is Whoosh's way (an
    item saved in the admin)."""

    def counts(self, value) -> tuple[dict, int]:
        """({term: frequency} of the terms the index keeps, the field's length: every term)."""
        if isinstance(value, Counted):
            return value.counts, value.length
        if isinstance(value, (list, tuple)):
            return indexed_counts(Counter(value)), len(value)
        kept, length = analyzer.kept_terms(value)
        return Counter(kept), length

    def index(self, value, **kwargs):
        counts, length = self.counts(value)
        items = [(term.encode("utf-8"), freq, float(freq), pack_uint(freq)) for term, freq in counts.items()]
        if items:  # Whoosh sums the second values as the field's length
            term, freq, weight, value = items[0]
            items[0] = (term, freq + length - sum(counts.values()), weight, value)
        return items


class Counted(NamedTuple):
    """A text field's value as the analyzer's terms already counted: {term: frequency} of the
    terms the index keeps, and how many terms the analyzer found in all."""

    counts: dict
    length: int


def indexed_counts(counts: dict) -> dict:
    """The counts of the terms the index keeps, from those of all the analyzer's terms
    (``counts``, changed): every pair of a CJK run comes right after its first character as a
    single, so each pair's count is taken from that single's, and what is left of a single is
    where it ended a run (see the module's docstring)."""
    for term, freq in list(counts.items()):
        if len(term) == 2 and _is_cjk[term[0]]:
            counts[term[0]] -= freq
    for term in [term for term, freq in counts.items() if not freq]:
        del counts[term]
    return counts


class _CjkChars(dict):
    """Whether a character is CJK (the analyzer's class), remembered."""

    def __missing__(self, char: str) -> bool:
        found = self[char] = analyzer.char_class(char) == analyzer.CJK
        return found


_is_cjk = _CjkChars()


def schema() -> Schema:
    text = LinliTokenizer()
    return Schema(
        key=ID(unique=True, stored=True),
        prefix=ID,  # (not stored: the key has it)
        # The text is indexed, not stored: hits show the item's current text from the database,
        # and a search touches only these few stored values per match.
        title=LinliText(analyzer=text, phrase=False),
        summary=LinliText(analyzer=text, phrase=False),
        body=LinliText(analyzer=text, phrase=False),
        stamp=STORED,
        lengths=STORED,  # exact token counts of the fields (Whoosh keeps them rounded)
    )


def _stamp(item) -> str:
    return f"{item.version}:{item.updated_at.isoformat()}"


def _fields(doc: SearchDoc, stamp: str) -> dict:
    """Whoosh fields of ``doc``: each field's terms (with its aliases), analysed once, counted."""
    kept = {f: analyzer.kept_terms(doc.indexed(f)) for f in FIELDS}
    counted = {f: Counted(Counter(terms), length) for f, (terms, length) in kept.items()}
    lengths = [c.length for c in counted.values()]
    return {"key": doc.key, "prefix": doc.prefix, **counted, "stamp": stamp, "lengths": lengths}


OPEN_TRIES = 5  # opening while another process commits or swaps the index in may see a file go


def open_index(home: Home, *, create: bool = True):
    """The home's index; a missing (or outdated) one is built from the public set now."""
    folder = home.search_index_dir
    for attempt in range(OPEN_TRIES):
        try:
            if folder.is_dir() and whoosh_index.exists_in(str(folder), indexname=INDEX_NAME):
                return _open_dir(folder)
            break
        except FileNotFoundError:  # a writer replaced the index's files meanwhile (a commit, a rebuild)
            if attempt == OPEN_TRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    if not create:
        return None
    rebuild_index(home, m.now())
    return _open_dir(folder)


def _open_dir(folder):
    """The index in ``folder``, its files read through file handles: Whoosh reads a memory-mapped
    file by copying the whole of it each time a reader opens (at 10,000 long notices 19 ms per
    reader; 2 ms through file handles, and searches as fast)."""
    return FileStorage(str(folder), supports_mmap=False).open_index(INDEX_NAME)


def rebuild_index(home: Home, at: dt.datetime | None = None) -> int:
    """Index every item public at ``at`` afresh (built aside, then swapped in); returns the count."""
    at = at or m.now()
    folder = home.search_index_dir
    fresh = folder.with_name(folder.name + ".new")
    with _lock:
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir(parents=True)
        ix = whoosh_index.create_in(str(fresh), schema(), indexname=INDEX_NAME)
        stamps = _stamps(at)
        # Two processes, each writing its own segment (no merge): the fastest from nothing on two
        # cores. A daemonic process (a worker of a pool) may not start processes, and a process
        # serving requests in threads (the admin) must not fork while other threads hold locks:
        # both write alone.
        alone = multiprocessing.current_process().daemon or threading.current_thread() is not threading.main_thread()

        analysed = _analysed_in_build(at, stamps)

        def documents(part):
            if analysed is not None:  # the terms the build's static index counted
                for key, counts, lengths in static.analysed_documents(analysed, part):
                    fields = {name: Counted(indexed_counts(c), n) for name, c, n in zip(FIELDS, counts, lengths)}
                    prefix = key.partition(":")[0]
                    yield {"key": key, "prefix": prefix, **fields, "stamp": stamps[key], "lengths": lengths}
                return
            for doc in public_documents(at, part=part):
                yield _fields(doc, stamps.get(doc.key, ""))

        count = write_segments(ix, documents, procs=1 if alone else 2)
        ix.close()
        old = folder.with_name(folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            folder.rename(old)
        fresh.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    return count


def _analysed_in_build(at: dt.datetime, stamps: dict):
    """In a build (its app's context), the static index's state file when it holds the public
    set at ``at`` (the build brought it in line first): its documents' terms are taken from
    there rather than made and analysed again."""
    build = current_app.extensions.get("linli_build") if has_app_context() else None
    if build is None or not static.holds_public_set(build.search_state, at, set(stamps)):
        return None
    return build.search_state


def _stamps(at: dt.datetime, prefixes=None) -> dict[str, str]:
    from linli.publicity import public

    from linli.search.documents import includes

    found = {}
    for prefix, model in MODELS.items():
        if prefixes is not None and prefix not in prefixes:
            continue
        query = public(model, at, include=includes(model)).select(model.id, model.version, model.updated_at)
        for item in query:
            found[f"{prefix}:{item.id}"] = _stamp(item)
    return found


def _content_item(item):
    """The content item whose page shows ``item`` (a photo shows on its album's page…)."""
    for model in m.CONTENT_MODELS:
        children = model.kind.children
        if children is not None and isinstance(item, children.model):
            return getattr(item, children.link.name)
    return item


def _commit_policy(writer, segments):
    """Whoosh merge policy of the commits of items saved one by one: the segments left with no
    document (each one's documents replaced or taken out since) are dropped, which costs
    nothing; the others are kept as they are while there are at most :data:`MAX_SEGMENTS`, and
    beyond that Whoosh's own policy merges the smallest of them into the new segment."""
    live = [segment for segment in segments if segment.doc_count() > 0]
    return live if len(live) <= MAX_SEGMENTS else MERGE_SMALL(writer, live)


def _writer(ix):
    """A writer of the index that commits with :func:`_commit_policy` (the caller holds ``_lock``)."""
    writer = ix.writer(timeout=10.0)
    writer.mergetype = _commit_policy
    return writer


def index_item(home: Home, item, at: dt.datetime | None = None) -> bool:
    """Put ``item`` (just saved) into the index if it is public at ``at`` (default now), else take
    it out. Photos, attachments and grid members update the item whose page shows them.
    Returns whether the item is public (so in the index). Where there is no index yet, nothing is
    done: the first search or build builds it whole, and a save does not wait for that."""
    item = _content_item(item)
    if not isinstance(item, tuple(MODELS.values())):
        return False
    doc = document_for(item, at or m.now())
    ix = open_index(home, create=False)
    if ix is None:
        return doc is not None
    with _lock, _writer(ix) as writer:
        if doc is None:
            writer.delete_by_term("key", f"{item.url_prefix}:{item.id}")
        else:
            writer.update_document(**_fields(doc, _stamp(item)))
    ix.close()
    return doc is not None


def remove_item(home: Home, item) -> None:
    """Take ``item`` (deleted, or moved to the trash) out of the index."""
    content = _content_item(item)
    if content is not item:  # a photo, attachment or member went: its page changed
        try:
            index_item(home, content)
        except content.DoesNotExist:  # pragma: no cover - parent deleted too
            pass
        return
    if not isinstance(item, tuple(MODELS.values())):
        return
    ix = open_index(home, create=False)
    if ix is None:
        return
    with _lock, _writer(ix) as writer:
        writer.delete_by_term("key", f"{item.url_prefix}:{item.id}")
    ix.close()


def sync_index(home: Home, at: dt.datetime | None = None, changed: dict | None = None) -> tuple[int, int]:
    """Bring the index in line with the public set at ``at``: add and update what changed,
    remove what is no longer public. Returns (updated, removed). Cheap when nothing changed.
    ``changed`` (type → slugs of the rows that changed, or None for any row of the type) is
    for a caller that knows the index is in line with every other row: only those are looked at."""
    at = at or m.now()
    ix = open_index(home, create=False)
    if ix is None:
        return rebuild_index(home, at), 0
    if changed is not None and all(slugs is not None for slugs in changed.values()):
        return _sync_items(ix, at, changed)
    wanted = _stamps(at, None if changed is None else set(changed))
    with ix.searcher() as searcher:
        have = {fields["key"]: fields.get("stamp", "") for fields in searcher.all_stored_fields()}
    if changed is not None:
        have = {key: stamp for key, stamp in have.items() if key.partition(":")[0] in changed}
    stale = {key for key, stamp in wanted.items() if have.get(key) != stamp}
    gone = set(have) - set(wanted)
    if stale or gone:
        by_prefix: dict[str, set[int]] = {}
        for key in stale:
            prefix, _, id_ = key.partition(":")
            by_prefix.setdefault(prefix, set()).add(int(id_))
        with _lock, _writer(ix) as writer:
            for key in gone:
                writer.delete_by_term("key", key)
            for prefix, ids in by_prefix.items():
                model = MODELS[prefix]
                for item in model.select().where(model.id.in_(list(ids))):
                    doc = document_for(item, at)
                    if doc is not None:
                        writer.update_document(**_fields(doc, _stamp(item)))
    ix.close()
    return len(stale), len(gone)


def _sync_items(ix, at: dt.datetime, changed: dict[str, set[str]]) -> tuple[int, int]:
    """Index or take out the items of these slugs (which all still exist)."""
    updated = removed = 0
    if not any(changed.values()):
        ix.close()
        return 0, 0
    with _lock, _writer(ix) as writer:
        for prefix, slugs in changed.items():
            model = MODELS[prefix]
            for item in model.select().where(model.slug.in_(sorted(slugs))):
                doc = document_for(item, at)
                if doc is None:
                    writer.delete_by_term("key", f"{prefix}:{item.id}")
                    removed += 1
                else:
                    writer.update_document(**_fields(doc, _stamp(item)))
                    updated += 1
    ix.close()
    return updated, removed


# --- searching ------------------------------------------------------------------------------


@dataclass
class Hit:
    key: str
    prefix: str
    id: int
    title: str
    title_html: Markup  # the title with matches in <mark>
    snippet: Markup  # a piece of the text around the matches, with <mark>
    path: str  # the public page, relative to the site root ("notices/slug/")
    date: dt.datetime | None
    type_label: str
    group: str
    expired: bool
    score: float
    matched: int = 0  # how many of the query's terms it has
    item: object = field(repr=False, default=None)  # the content item, loaded from the database


class SearchResults(list):
    """The hits, best first; ``total`` counts every public match; ``partial`` says that no item
    has every word of the query, and these have some of them; ``terms`` are the query's terms."""

    def __init__(self, hits=(), total: int = 0, partial: bool = False, terms=()):
        super().__init__(hits)
        self.total = total
        self.partial = partial
        self.terms = list(terms)


def search(home: Home, query: str, limit: int = 20, types=None, *, at: dt.datetime | None = None) -> SearchResults:
    """Public items matching ``query``, best first, at most ``limit``. ``types`` narrows to
    content types (``"notices"``) or result groups (``"notice"``, ``"story"``…). Every term must
    match; when no item has them all, items with the most of them come back, marked ``partial``.
    Ranked as the static index ranks (:mod:`linli.search.ranking`), from Whoosh's postings."""
    terms = analyzer.query_terms(query or "")
    if not terms:
        return SearchResults()
    at = at or m.now()
    ix = open_index(home)
    wanted_prefixes = types_for(types)
    with ix.searcher() as searcher:
        reader = searcher.reader()
        documents = searcher.doc_count()
        averages = ranking.reference_lengths(_average_lengths(searcher))
        allowed = None
        if wanted_prefixes:
            allowed = set()
            for prefix in wanted_prefixes:
                allowed.update(_docnums(reader, "prefix", prefix))
        per_term: list[dict[int, dict[str, int]]] = []
        for term in terms:
            found: dict[int, dict[str, int]] = {}
            for f in FIELDS:
                for docnum, tf in _postings(reader, f, term):
                    found.setdefault(docnum, {})[f] = tf
            per_term.append(found)
        counts: dict[int, int] = {}
        for found in per_term:
            for docnum in found:
                counts[docnum] = counts.get(docnum, 0) + 1
        if allowed is not None:
            counts = {d: c for d, c in counts.items() if d in allowed}
        matching = [d for d, c in counts.items() if c == len(terms)]
        partial = not matching and len(terms) > 1
        if partial:
            matching = list(counts)
        norms: dict[int, dict[str, float]] = {}
        scores: dict[int, float] = {}
        for found in per_term:
            term_idf = ranking.idf(documents, len(found))
            for docnum in matching:
                tfs = found.get(docnum)
                if not tfs:
                    continue
                if docnum not in norms:
                    stored = reader.stored_fields(docnum).get("lengths") or [0, 0, 0]
                    norms[docnum] = ranking.field_norms(dict(zip(FIELDS, stored)), averages)
                weighted = sum(tf * norms[docnum][f] for f, tf in tfs.items())
                in_title = tfs.get("title", 0) > 0
                scores[docnum] = scores.get(docnum, 0.0) + ranking.saturate(term_idf, weighted, in_title)
        found_docs = [(scores.get(d, 0.0), counts[d], searcher.stored_fields(d)["key"]) for d in matching]
    ix.close()
    ranked = _public_matches(found_docs, at)
    # Equal scores and dates: by type and newest item, not by where the index's segments put them.
    ranked.sort(key=lambda r: (-r[1] if partial else 0, -r[0], -r[2].date.timestamp() if r[2].date else 0,
                               r[2].item.url_prefix, -r[2].item.id))  # fmt: skip
    hits = _hits(ranked[:limit], terms, at)
    return SearchResults(hits, total=len(ranked), partial=partial, terms=terms)


def _average_lengths(searcher) -> dict[str, float]:
    """Each field's average length over the documents in the index, from the exact lengths each
    document keeps. (Whoosh's own totals still count the documents replaced or taken out since
    their segment was written: its averages would depend on how the segments came to be.)"""
    reader = searcher.reader()
    totals = [reader.field_length(f) for f in FIELDS]
    for leaf, _ in reader.leaf_readers():
        if leaf.has_deletions():
            for docnum in leaf.segment().deleted_docs():
                lengths = leaf.stored_fields(docnum).get("lengths") or [0, 0, 0]
                totals = [total - length for total, length in zip(totals, lengths)]
    count = searcher.doc_count()
    return {f: total / count if count else 0.0 for f, total in zip(FIELDS, totals)}


def _postings(reader, fieldname: str, term: str):
    """(docnum, frequency) of ``term`` in ``fieldname``; a single CJK character's from its pairs
    and its single (see the module's docstring)."""
    if len(term) != 1 or analyzer.char_class(term) != analyzer.CJK:
        return _term_postings(reader, fieldname, term)
    found: dict[int, int] = {}
    pairs = [t for t in reader.expand_prefix(fieldname, term) if len(t.decode("utf-8")) == 2]
    for each in [term.encode("utf-8"), *pairs]:
        for docnum, tf in _term_postings(reader, fieldname, each):
            found[docnum] = found.get(docnum, 0) + tf
    return sorted(found.items())


def _term_postings(reader, fieldname: str, term):
    try:
        matcher = reader.postings(fieldname, term)
    except TermNotFound:
        return []
    return list(matcher.items_as("frequency"))


def _docnums(reader, fieldname: str, term: str) -> set[int]:
    try:
        return set(reader.postings(fieldname, term).all_ids())
    except TermNotFound:
        return set()


@dataclass
class _Match:
    """What ranking needs of a matching item: read with only the columns of the public-ness rule."""

    item: object
    expired: bool

    @property
    def date(self):
        return getattr(self.item, "starts_at", None) or self.item.date


def _public_matches(found, at) -> list[tuple[float, int, _Match]]:
    """(score, matched terms, match) of the matches whose item is public at ``at`` (the one rule
    decides, on the item's own columns); a notice in the archive counts EXPIRED_FACTOR times."""
    ids: dict[str, list[int]] = {}
    for _, _, key in found:
        prefix, _, id_ = key.partition(":")
        ids.setdefault(prefix, []).append(int(id_))
    states: dict[str, _Match] = {}
    for prefix, id_list in ids.items():
        model = MODELS[prefix]
        columns = [model._meta.fields[name] for name in RULE_COLUMNS if name in model._meta.fields]
        for batch in db.batches(id_list):
            for item in model.select(*columns).where(model.id.in_(batch)):
                state = visibility(item, at)
                if state is not None:
                    states[f"{prefix}:{item.id}"] = _Match(item, state == EXPIRED)
    out = []
    for score, matched, key in found:
        match = states.get(key)
        if match is not None:
            out.append((score * (ranking.EXPIRED_FACTOR if match.expired else 1.0), matched, match))
    return out


# What visibility() and the date of a hit read of an item.
RULE_COLUMNS = ("id", "status", "deleted_at", "publish_at", "expires_at", "keep_after_expiry", "created_at", "starts_at")


def _hits(ranked, terms, at) -> list[Hit]:
    """The hits on screen: their items read whole, with highlighted titles and snippets of the
    text the index holds (the same public text, from the database)."""
    wanted = set(terms)
    hits = []
    for score, matched, match in ranked:
        model = type(match.item)
        item = model.get_or_none(model.id == match.item.id)
        doc = document_for(item, at) if item is not None else None
        if doc is None:  # changed since the query began
            continue
        text = "\n".join(p for p in (doc.summary, doc.body) if p)
        hits.append(
            Hit(
                key=doc.key, prefix=item.url_prefix, id=item.id, title=item.title,
                title_html=analyzer.highlight(item.title, wanted), snippet=analyzer.snippet(text, wanted),
                path=f"{item.url_prefix}/{item.slug}/", date=match.date, type_label=item.type_label,
                group=GROUP_OF[item.url_prefix], expired=match.expired, score=score, matched=matched, item=item,
            )
        )  # fmt: skip
    return hits
