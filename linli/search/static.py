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
from linli.search.ranking import EXPIRED_FACTOR, FIELDS, field_norms, idf, saturate

SCALE = 8  # scores are stored as round(score * SCALE)
MAX_POSTINGS = 200
SHARD_BYTES = 1500  # aim for shards about this big
EXCERPT = 160  # characters of text a result may show
PAGE = 6  # results shown at first, and added by "more"
CALLBACK = "__linliSearch"


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


def build_static_index(at: dt.datetime, home=None) -> StaticIndex:
    groups = [key for key, *_ in GROUPS]
    docs = sorted(public_documents(at), key=lambda d: _order(d, groups))
    n = len(docs)
    term_ids: dict[str, int] = {}
    term_list: list[str] = []
    df = array("I")
    per_doc = []  # (term ids, tf title, tf summary, tf body, lengths)
    totals = dict.fromkeys(FIELDS, 0)
    for doc in docs:
        counts = {name: Counter(analyzer.terms(doc.indexed(name))) for name in FIELDS}
        lengths = {name: sum(c.values()) for name, c in counts.items()}
        for name in FIELDS:
            totals[name] += lengths[name]
        ids = array("I")
        tfs = {name: array("H") for name in FIELDS}
        for term in set().union(*counts.values()):
            tid = term_ids.get(term)
            if tid is None:
                tid = term_ids[term] = len(term_list)
                term_list.append(term)
                df.append(0)
            df[tid] += 1
            ids.append(tid)
            for name in FIELDS:
                tfs[name].append(min(counts[name].get(term, 0), 65535))
        per_doc.append((ids, tfs, lengths))
    average = {name: totals[name] / n if n else 1.0 for name in FIELDS}
    idfs = [idf(n, d) for d in df]
    postings_doc = [array("I") for _ in term_list]
    postings_score = [array("H") for _ in term_list]
    for docid, ((ids, tfs, lengths), doc) in enumerate(zip(per_doc, docs)):
        norms = field_norms(lengths, average)
        factor = EXPIRED_FACTOR if doc.expired else 1.0
        title_tf, summary_tf, body_tf = tfs["title"], tfs["summary"], tfs["body"]
        nt, ns, nb = norms["title"], norms["summary"], norms["body"]
        for k, tid in enumerate(ids):
            weighted = title_tf[k] * nt + summary_tf[k] * ns + body_tf[k] * nb
            score = saturate(idfs[tid], weighted, title_tf[k] > 0) * factor
            postings_doc[tid].append(docid)
            postings_score[tid].append(min(65535, max(1, round(score * SCALE))))
    per_doc.clear()

    entries: dict[str, str] = {}
    for tid, term in enumerate(term_list):
        found_docs, found_scores = postings_doc[tid], postings_score[tid]
        pairs = list(zip(found_docs, found_scores))
        if len(pairs) > MAX_POSTINGS:
            pairs.sort(key=lambda p: (-p[1], p[0]))
            pairs = sorted(pairs[:MAX_POSTINGS])
        out = [analyzer.encode_number(len(found_docs))]
        previous = 0
        for docid, score in pairs:
            out.append(analyzer.encode_number(docid - previous))
            out.append(analyzer.encode_number(score))
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

    at = moment()
    cached = current_app.extensions.get("linli_search_static")
    if cached is None or cached[0] != at:
        cached = (at, build_static_index(at, current_app.config["LINLI_HOME"]))
        current_app.extensions["linli_search_static"] = cached
    return cached[1]


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
