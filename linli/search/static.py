"""The static search index of the built site: ``site/search/``, read by ``search.js``.

Written at build time from the same public set as the pages (:func:`public_documents` at the
build's moment), so nothing that is not public can reach it. Files (all loaded as ``<script>``,
so search also works opened from disk, where ``fetch`` of local files is refused):

- ``search-<hash>.js``: the client (the theme's ``static/js/search.js``, minified) and the
  Traditional→Simplified table of the analyzer (``linli/data/t2s.txt``), named by content so
  browsers keep it across builds;
- ``i<version>/manifest.json``: document count, shard count, document ranges of each result type
  (the page carries the same manifest in ``data-manifest``, so it costs no request);
- ``i<version>/s/<n>.js``: the shard of every term whose hash modulo the shard count is ``n``:
  ``{term: postings}``, postings being the number of documents with the term, then pairs of
  (document number minus the previous one, score) in the 5-bit group encoding of
  :mod:`linli.search.analyzer`. Scores are BM25F with title and summary weighted up, precomputed
  and rounded; a term in very many documents keeps only its best ``MAX_POSTINGS`` (the count
  tells the client that the list is cut);
- ``i<version>/d/<n>.js``: what a result shows of document ``n`` (title, type, date, page, the
  start of its text for the snippet), fetched only for the results on screen.

Document numbers follow result types (notices first, newest first within a type), so a type
filter is a range and ties favour the newest.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import rjsmin
from flask import current_app

from linli.search import analyzer
from linli.search.documents import GROUPS, SearchDoc, public_documents
from linli.search.ranking import EXPIRED_FACTOR, FIELDS, K1, TITLE_BONUS, field_norms, idf

SCALE = 8  # scores are stored as round(score * SCALE)
MAX_POSTINGS = 200
SHARD_BYTES = 1500  # aim for shards about this big
EXCERPT = 160  # characters of text a result may show
PAGE = 6  # results shown at first, and added by "more"
CALLBACK = "__linliSearch"
K1_PLUS_1 = K1 + 1


@dataclass
class StaticIndex:
    version: str
    manifest: dict
    files: dict[str, str] = field(repr=False)  # path under search/ → text

    @property
    def size(self) -> int:
        return sum(len(text.encode("utf-8")) for text in self.files.values())


def _js(name: str, data) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f'{CALLBACK}("{name}",{text})\n'


def fold_call() -> str:
    """The fold table for the browser: ``linli/data/t2s.txt`` as the client reads it."""
    return _js("fold", analyzer.table_data())


def client_file(home) -> tuple[str, str]:
    """(file name, content) of the browser client: the theme's ``static/js/search.js`` (a home's
    own theme first), minified, followed by the fold table; named by content."""
    source = next(
        d / "static" / "js" / "search.js" for d in home.theme_dirs if (d / "static" / "js" / "search.js").is_file()
    )
    text = rjsmin.jsmin(source.read_text(encoding="utf-8")) + "\n" + fold_call()
    return f"search-{hashlib.sha256(text.encode()).hexdigest()[:10]}.js", text


def _order(doc: SearchDoc, groups: list[str]):
    return (groups.index(doc.group), -doc.date.timestamp() if doc.date else 0, doc.prefix, doc.id)


#: Set by a build for its length: kept between builds so that unchanged items are neither
#: remade nor analysed again. "documents": see public_documents; "terms": text hash →
#: analysis; "vocabulary": every term seen, numbered (analyses hold numbers, not strings).
cache: dict | None = None


def _analysed(doc: SearchDoc, vocabulary: list, numbers: dict) -> tuple[array, tuple, dict]:
    """(distinct terms as numbers into ``vocabulary``, their frequency per field as arrays in
    that order, field lengths) of ``doc``; kept in :data:`cache` by the hash of the text when a
    build keeps one."""
    texts = tuple(doc.indexed(name) for name in FIELDS)
    key = None
    if cache is not None:
        key = hashlib.blake2b(repr(texts).encode(), digest_size=16).digest()
        cache["used"].add(key)
        found = cache["terms"].get(key)
        if found is not None:
            return found
        cache["made"] = cache.get("made", 0) + 1
    counts = [Counter(analyzer.terms(text)) for text in texts]
    terms = list(set().union(*counts))
    for term in terms:
        if term not in numbers:
            numbers[term] = len(vocabulary)
            vocabulary.append(term)
    tfs = tuple(array("H", [min(c.get(term, 0), 65535) for term in terms]) for c in counts)
    found = (array("I", map(numbers.__getitem__, terms)), tfs, {name: sum(c.values()) for name, c in zip(FIELDS, counts)})
    if cache is not None:
        cache["terms"][key] = found
    return found


def build_static_index(at: dt.datetime, home=None) -> StaticIndex:
    groups = [key for key, *_ in GROUPS]
    documents = None if cache is None else cache.setdefault("documents", {})
    vocabulary: list[str] = [] if cache is None else cache.setdefault("vocabulary", [])
    numbers = {term: number for number, term in enumerate(vocabulary)}
    if cache is not None:
        cache.setdefault("terms", {})
        cache["used"] = set()
    docs = sorted(public_documents(at, cache=documents), key=lambda d: _order(d, groups))
    if cache is not None:  # keep only what this index has
        cache["documents"] = {(d.prefix, d.id): documents[(d.prefix, d.id)] for d in docs}
    n = len(docs)
    per_doc = []  # (term numbers, (tf title, tf summary, tf body), lengths)
    totals = dict.fromkeys(FIELDS, 0)
    df_of: Counter = Counter()
    for doc in docs:
        analysed = _analysed(doc, vocabulary, numbers)
        for name in FIELDS:
            totals[name] += analysed[2][name]
        df_of.update(analysed[0])
        per_doc.append(analysed)
    term_list = [vocabulary[number] for number in df_of]
    term_ids = {number: tid for tid, number in enumerate(df_of)}
    average = {name: totals[name] / n if n else 1.0 for name in FIELDS}
    idfs = [idf(n, count) for count in df_of.values()]
    postings_doc = [array("I") for _ in term_list]
    postings_score = [array("H") for _ in term_list]
    for docid, ((terms, (title_tf, summary_tf, body_tf), lengths), doc) in enumerate(zip(per_doc, docs)):
        norms = field_norms(lengths, average)
        factor = EXPIRED_FACTOR if doc.expired else 1.0
        nt, ns, nb = norms["title"], norms["summary"], norms["body"]
        for k, tid in enumerate(map(term_ids.__getitem__, terms)):
            in_title = title_tf[k]
            weighted = in_title * nt + summary_tf[k] * ns + body_tf[k] * nb
            # saturate(idfs[tid], weighted, in_title > 0) * factor, inlined: run for every posting
            if weighted <= 0:
                score = 1
            else:
                score = idfs[tid] * (weighted * K1_PLUS_1 / (weighted + K1) + (TITLE_BONUS if in_title else 0.0))
                score = round(score * factor * SCALE)
                score = 1 if score < 1 else 65535 if score > 65535 else score
            postings_doc[tid].append(docid)
            postings_score[tid].append(score)
    per_doc.clear()
    if cache is not None:
        cache["terms"] = {key: cache["terms"][key] for key in cache.pop("used")}
        if len(vocabulary) > 2 * len(term_list) + 10_000:  # mostly terms of texts long gone: start afresh
            cache["terms"], cache["vocabulary"], cache["made"] = {}, [], 1_000_000

    entries: dict[str, str] = {}
    encode = functools.lru_cache(maxsize=None)(analyzer.encode_number)  # the same few numbers recur
    for tid, term in enumerate(term_list):
        found_docs, found_scores = postings_doc[tid], postings_score[tid]
        if len(found_docs) > MAX_POSTINGS:  # the best MAX_POSTINGS by score, then first docid
            best = sorted(zip([-score for score in found_scores], found_docs))[:MAX_POSTINGS]
            pairs = sorted((docid, -negative) for negative, docid in best)
        else:
            pairs = zip(found_docs, found_scores)
        out = [encode(len(found_docs))]
        previous = 0
        for docid, score in pairs:
            out.append(encode(docid - previous))
            out.append(encode(score))
            previous = docid
        entries[term] = "".join(out)
    total = sum(len(t.encode()) + len(e) + 6 for t, e in entries.items())
    shards = 1
    while total / shards > SHARD_BYTES and shards < 65536:
        shards *= 2
    shard_terms: list[dict[str, str]] = [{} for _ in range(shards)]
    for term, entry in entries.items():
        shard_terms[analyzer.term_hash(term) % shards][term] = entry

    files: dict[str, str] = {}
    for number, content in enumerate(shard_terms):
        if content:
            files[f"s/{number:x}.js"] = _js(f"s{number:x}", dict(sorted(content.items())))
    for docid, doc in enumerate(docs):
        files[f"d/{docid:x}.js"] = _js(f"d{docid:x}", display_data(doc))
    ranges = []
    start = 0
    for key in groups:
        end = start + sum(1 for d in docs if d.group == key)
        ranges.append([key, start, end])
        start = end
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode() + b"\0" + files[path].encode())
    version = digest.hexdigest()[:10]
    manifest = {
        "version": version, "dir": f"i{version}/", "docs": n, "shards": shards, "groups": ranges, "page": PAGE,
        "max": MAX_POSTINGS,
    }  # fmt: skip
    if home is not None:
        client_name, client_content = client_file(home)
        manifest["client"] = client_name  # the client carries the table
    written = {f"i{version}/{path}": text for path, text in files.items()}
    written[f"i{version}/manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=1) + "\n"
    if home is not None:
        written[client_name] = client_content
    return StaticIndex(version, manifest, written)


_SPACE = re.compile(r"\s+")


def display_data(doc: SearchDoc) -> dict:
    text = _SPACE.sub(" ", " ".join(p for p in (doc.summary.split("\n")[0], doc.body) if p)).strip()
    if len(text) > EXCERPT:
        text = text[:EXCERPT]
    data = {"t": doc.title, "u": doc.path, "y": doc.prefix, "d": doc.date.strftime("%Y-%m-%d") if doc.date else "",
            "x": text}  # fmt: skip
    if doc.expired:
        data["e"] = 1
    return data


def static_index() -> StaticIndex:
    """The static index of the app's moment, computed once per app (one build)."""
    from linli.app import moment

    from linli import deps

    at = moment()

    def compute() -> StaticIndex:
        cached = current_app.extensions.get("linli_search_static")
        if cached is None or cached[0] != at:
            cached = (at, build_static_index(at, current_app.config["LINLI_HOME"]))
            current_app.extensions["linli_search_static"] = cached
        return cached[1]

    # In a build, the pages that embed the index depend on everything it read.
    return deps.memo(("static_index", at), compute)


def write_static_index(staging: Path) -> int:
    """Write the static index into ``staging/search/`` (inside the build's app context);
    returns the number of files written."""
    index = static_index()
    root = Path(staging) / "search"
    folders = set()
    for path, text in index.files.items():
        target = root / path
        if target.parent not in folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            folders.add(target.parent)
        target.write_text(text, encoding="utf-8")
    return len(index.files)
