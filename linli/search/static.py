"""The static search index of the built site: ``site/search/``, read by ``search.js``.

Written at build time from the same public set as the pages (:func:`public_documents` at the
build's moment), so nothing that is not public can reach it. Files (all loaded as ``<script>``,
so search also works opened from disk, where ``fetch`` of local files is refused):

- ``search-<hash>.js``: the client (the theme's ``static/js/search.js``, minified) and the
  Traditional→Simplified table of the analyzer (``linli/data/t2s.txt``), named by content so
  browsers keep it across builds;
- ``i/manifest.json``: document count, shard count, document ranges of each result type, the
  index's version (the page carries the same manifest in ``data-manifest``, so it costs no
  request; the client asks for every file below with ``?v=<version>``, so a browser never mixes
  files of two builds);
- ``i/s/<n>.js``: the shard of every term whose hash modulo the shard count is ``n``:
  ``{term: postings}``, postings being the number of documents with the term, then pairs of
  (document number minus the previous one, weight) in the 5-bit group encoding of
  :mod:`linli.search.analyzer`. The weight is the term's BM25F saturation in that document
  (:mod:`linli.search.ranking`) times :data:`SCALE`, rounded; the client multiplies it by the
  term's idf, computed from the document count and the term's count. A term in very many
  documents keeps only its best ``MAX_POSTINGS`` (the count tells the client the list is cut);
- ``i/d/<n>.js``: what a result shows of document ``n`` (title, type, date, page, the start of
  its text for the snippet), fetched only for the results on screen.

A document's number is fixed by its type and id (:func:`doc_number`), so a file changes only
when what it holds changes: an edit rewrites the shards of the terms the item had or has and its
own display file, nothing else. Types are numbered so that a result type is one range of
numbers and, on equal scores, notices come first and the newest item (highest id) of a type first.

Incremental: the index is kept between builds in a state file (``.build-cache/search.db``):
each document's fingerprint, terms and field lengths, and each shard's complete postings. A
build finds the items whose fingerprint changed, patches the postings of the terms they gained,
lost or weigh anew in (each shard touched read and written once; a term whose weight in the item
is unchanged is left alone) and rewrites their display files; everything is made again from the
state when the shard count or the reference field lengths change (both step with the size of the
index, rarely). A build without a state file makes the same files from nothing: the output is a
function of the public set only. Made from nothing, the shards are gathered a range at a time when
the postings are many (:data:`POSTINGS_PER_PASS`; the documents are read once, the postings of the
later ranges wait in temporary files), so memory stays bounded at any size; the
documents' term counts in the state are also what a build's admin index
(:mod:`linli.search.engine`) is made from.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import functools
import hashlib
import json
import marshal
import operator
import os
import re
import sqlite3
import sys
import tempfile
from array import array
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain, compress, repeat
from pathlib import Path
from typing import NamedTuple

import rjsmin
from flask import current_app, has_app_context

from linli import db
from linli.errors import LinliError
from linli.publicity import EXPIRED, public
from linli.search import analyzer
from linli.search.documents import GROUPS, MODELS, document, includes, related_text
from linli.search.ranking import EXPIRED_FACTOR, FIELDS, field_norms, reference_lengths, saturate
from linli.workers import Workers, can_fork, per_core, taken_in_turn

SCALE = 32  # weights are stored as round(weight * SCALE)
MAX_POSTINGS = 200
DOCS_PER_SHARD = 3  # shards: the power of two nearest above documents / DOCS_PER_SHARD (about 1 KB each)
EXCERPT = 160  # characters of text a result may show
PAGE = 6  # results shown at first, and added by "more"
CALLBACK = "__linliSearch"
DIR = "i/"
SLOT_BITS = 22  # ids below 4,194,304 per type
SHARDS_PER_PATCH = 64  # shards a patch holds at once (their complete postings: at 10,000 long notices ~60 KB each)
PATCH_AT_MOST = 500  # changed documents an update patches the shards for; more: all shards made again
FORMAT = "3"  # of the state file; a state of another format (or other code) is made again

#: Content types in result-type order; a type's documents are numbered from its slot.
PREFIXES = [prefix for _, _, _, prefixes in GROUPS for prefix in prefixes]
SLOTS = {prefix: len(PREFIXES) - 1 - number for number, prefix in enumerate(PREFIXES)}


def doc_number(prefix: str, item_id: int) -> int:
    if not 0 < item_id < 1 << SLOT_BITS:
        raise LinliError(f"编号 {item_id} 超出搜索索引的范围。")
    return SLOTS[prefix] << SLOT_BITS | item_id


def group_ranges() -> list[list]:
    """[result type, first number, end] of each result type."""
    ranges = []
    for key, _, _, prefixes in GROUPS:
        slots = [SLOTS[p] for p in prefixes]
        ranges.append([key, min(slots) << SLOT_BITS, (max(slots) + 1) << SLOT_BITS])
    return ranges


def shard_count(documents: int) -> int:
    shards = 1
    while shards * DOCS_PER_SHARD < documents and shards < 65536:
        shards *= 2
    return shards


@dataclass
class StaticIndex:
    version: str
    manifest: dict
    hashes: dict[str, bytes] = field(repr=False)  # path under search/ → digest of every file
    files: dict[str, str] = field(repr=False)  # path → text of the files this build (re)made
    state: "State | None" = field(default=None, repr=False)

    def text(self, path: str) -> str:
        """The text of any file of the index (made again from the state when not at hand)."""
        return self.texts([path])[path]

    def texts(self, paths) -> dict[str, str]:
        """path → text of ``paths``, those not at hand made from the state in one pass."""
        missing = [path for path in paths if path not in self.files]
        if missing:
            self.files.update(self.state.file_texts(missing))
        return {path: self.files[path] for path in paths}

    def each_text(self, paths) -> Iterator[tuple[str, str]]:
        """(path, text) of ``paths``, one at a time: the texts at hand are given up as they go,
        the others made from the state as it is read and not kept (a whole index's texts: about
        14 MB of strings at 10,000 long notices, 55 MB at 50,000)."""
        missing = []
        for path in paths:
            text = self.files.pop(path, None)
            if text is None:
                missing.append(path)
            else:
                yield path, text
        yield from self.state.each_file_text(missing)

    @property
    def size(self) -> int:
        return sum(len(self.text(path).encode("utf-8")) for path in self.hashes)


def _js(name: str, data) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f'{CALLBACK}("{name}",{text})\n'


def digest(text: str) -> bytes:
    """The fingerprint the build keeps of a file (blake2b-128 of its UTF-8 bytes)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


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


_SPACE = re.compile(r"\s+")


def display_data(doc) -> dict:
    text = _SPACE.sub(" ", " ".join(p for p in (doc.summary.split("\n")[0], doc.body) if p)).strip()
    if len(text) > EXCERPT:
        text = text[:EXCERPT]
    data = {"t": doc.title, "u": doc.path, "y": doc.prefix, "d": doc.date.strftime("%Y-%m-%d") if doc.date else "",
            "x": text}  # fmt: skip
    if doc.expired:
        data["e"] = 1
    return data


# --- the public set, fingerprinted --------------------------------------------------------------


def public_fingerprints(
    at: dt.datetime, row_hashes: dict | None = None, ids: dict | None = None
) -> dict[int, tuple[bytes, str, int, bool]]:
    """number → (fingerprint, type, id, expired) of every public item at ``at`` (of the items
    in ``ids``, table → ids, when given). A document is a function of the item's row, its
    related public text and whether it is in the archive. ``row_hashes`` (table → slug →
    fingerprint of the row, from a build's scan of the tables, see :func:`linli.deps.scan`)
    spares reading the rows again."""
    found = {}
    for prefix in PREFIXES:
        model = MODELS[prefix]
        for batch in [None] if ids is None else db.batches(ids.get(model._meta.table_name, ())):
            found.update(_fingerprints_of(prefix, model, at, row_hashes, batch))
    return found


def _fingerprints_of(prefix: str, model, at: dt.datetime, row_hashes: dict | None, ids: list | None) -> dict:
    query = public(model, at, include=includes(model))
    only = (lambda q: q) if ids is None else (lambda q: q.where(model.id.in_(ids)))
    expired = set()
    if includes(model) != "live":
        expired = {row[0] for row in only(public(model, at, include=EXPIRED).select(model.id)).tuples()}
    related = related_text(model, ids)
    known = (row_hashes or {}).get(model._meta.table_name)
    if known is not None:
        rows = ((item_id, known.get(slug, b"?")) for item_id, slug in only(query.select(model.id, model.slug)).tuples())
    else:
        rows = ((row[0], repr(row).encode()) for row in only(query).tuples())
    found = {}
    for item_id, row in rows:
        made_from = row + repr((related.get(item_id), item_id in expired)).encode()
        fingerprint = hashlib.blake2b(made_from, digest_size=16).digest()
        found[doc_number(prefix, item_id)] = (fingerprint, prefix, item_id, item_id in expired)
    return found


def analyse(doc) -> tuple[list[str], list[array], list[int]]:
    """(distinct terms, their frequency per field, field lengths) of a document."""
    counts, lengths = zip(*[analyzer.counted_terms(doc.indexed(name)) for name in FIELDS])
    terms = list(counts[0].keys() | counts[1].keys() | counts[2].keys())
    try:
        tfs = [array("H", map(c.get, terms, repeat(0))) for c in counts]
    except OverflowError:  # a term more than 65,535 times in one field: counted as that many
        tfs = [array("H", [min(n, 65535) for n in map(c.get, terms, repeat(0))]) for c in counts]
    return terms, tfs, list(lengths)


def _weigher(lengths: list[int], reference: dict, expired: bool):
    """The stored weight (see the module docstring) of a term in a document of these field
    lengths, from its frequencies (:func:`_frequencies`)."""
    norms = field_norms(dict(zip(FIELDS, lengths)), reference)
    nt, ns, nb = (norms[name] for name in FIELDS)
    factor = SCALE * (EXPIRED_FACTOR if expired else 1.0)

    def weight(frequencies: int) -> int:
        in_title, in_summary, in_body = frequencies >> 32, frequencies >> 16 & 0xFFFF, frequencies & 0xFFFF
        found = round(saturate(1.0, in_title * nt + in_summary * ns + in_body * nb, in_title > 0) * factor)
        return 1 if found < 1 else 65535 if found > 65535 else found

    return weight


_FREQUENCY_AT = (4, 2, 0) if sys.byteorder == "little" else (2, 4, 6)  # title, summary, body in a number's bytes


def _frequencies(tfs: list[array]) -> array:
    """Each term's frequencies in the title, summary and body as one number (16 bits each,
    the title's highest), put side by side at C speed."""
    packed = bytearray(8 * len(tfs[0]))
    for at, tf in zip(_FREQUENCY_AT, tfs):
        raw = tf.tobytes()
        packed[at::8], packed[at + 1 :: 8] = raw[0::2], raw[1::2]
    return array("Q", packed)


def weights(tfs: list[array], lengths: list[int], reference: dict, expired: bool) -> array:
    """The stored weight of each term of a document (see the module docstring)."""
    weight = _weigher(lengths, reference, expired)
    frequencies = _frequencies(tfs)  # most terms of a document share a few
    table = {key: weight(key) for key in set(frequencies)}
    return array("H", map(table.__getitem__, frequencies))


def rank_keys(number: int, tfs: list[array], lengths: list[int], reference: dict, expired: bool) -> array:
    """The rank key (:func:`rank_key`) of each term of document ``number``: its weight and number."""
    weight = _weigher(lengths, reference, expired)
    frequencies = _frequencies(tfs)
    table = {key: rank_key(number, weight(key)) for key in set(frequencies)}
    return array("Q", map(table.__getitem__, frequencies))


# --- the state ------------------------------------------------------------------------------------


class State:
    """The index between builds: documents and complete shards, in an SQLite file (or memory)."""

    def __init__(self, path: Path | str = ":memory:"):
        self.path = str(path)
        if self.path == ":memory:":
            self.db = sqlite3.connect(self.path, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=MEMORY")
        else:
            self.db = db.wal_file(self.path, timeout=5.0)
        self.db.execute("PRAGMA synchronous=OFF")  # a cache: a torn state is detected and made again
        self.db.executescript(
            """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE IF NOT EXISTS docs (number INTEGER PRIMARY KEY, fingerprint BLOB, expired INTEGER,
                lengths TEXT, terms BLOB, display TEXT, hash BLOB, postings INTEGER);
            CREATE TABLE IF NOT EXISTS shards (number INTEGER PRIMARY KEY, postings BLOB, hash BLOB);
            -- every file's hash without reading the rows' large columns (the index's version)
            CREATE INDEX IF NOT EXISTS docs_hash ON docs (number, hash);
            CREATE INDEX IF NOT EXISTS shards_hash ON shards (number, hash);
            """
        )
        code = _code_fingerprint()
        if self.meta("format") != code:
            self.clear()
            self.set_meta("format", code)

    def meta(self, key: str):
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def clear(self) -> None:
        self.db.execute("DELETE FROM meta")
        self.db.execute("DELETE FROM docs")
        self.db.execute("DELETE FROM shards")

    @contextlib.contextmanager
    def transaction(self):
        """A write transaction, rolled back when its block raises (the lock is given back at
        once, even while the error's traceback keeps statements of this connection alive)."""
        self.db.execute("BEGIN")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    # files made from the state
    def file_texts(self, paths: list[str]) -> dict[str, str]:
        """path → text of the display and shard files ``paths`` (under :data:`DIR`)."""
        return dict(self.each_file_text(paths))

    def each_file_text(self, paths: list[str]) -> Iterator[tuple[str, str]]:
        """(path, text) of the display and shard files ``paths``, made one at a time as the
        state is read (many: in one pass over its tables)."""
        wanted: dict[str, dict[int, str]] = {"d": {}, "s": {}}
        for path in paths:
            kind, _, name = path.removeprefix(DIR).partition("/")
            wanted[kind][int(name.removesuffix(".js"), 16)] = path
        for kind, table, column in (("d", "docs", "display"), ("s", "shards", "postings")):
            numbers = wanted[kind]
            if not numbers:
                continue
            if len(numbers) > 500:  # many: one pass over the table
                rows = self.db.execute(f"SELECT number, {column} FROM {table}")
            else:
                marks = ",".join("?" * len(numbers))
                rows = self.db.execute(f"SELECT number, {column} FROM {table} WHERE number IN ({marks})", list(numbers))
            for number, value in rows:
                if number in numbers:
                    yield numbers[number], value if kind == "d" else shard_text(number, marshal.loads(value))


def open_state(path: Path) -> State:
    """The state file at ``path``; one that is not a readable database (a disk error, a copy cut
    short) is a cache like any other: removed and made again."""
    try:
        return State(path)
    except sqlite3.DatabaseError:
        for leftover in (Path(path), Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        return State(path)


def _code_fingerprint() -> str:
    digest_ = hashlib.blake2b(digest_size=8)
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest_.update(path.read_bytes())
    return f"{FORMAT}-{digest_.hexdigest()}"


class Postings:
    """A term's complete postings in the state: numbers ascending with their weights, and, when
    there are more than :data:`MAX_POSTINGS`, the same ranked best first (as one sort key each,
    see :func:`rank_key`), so the kept best are the first of the ranking, changed one at a time."""

    __slots__ = ("numbers", "weights", "ranked", "entry", "shown")

    def __init__(self, numbers: array, weights: array, ranked: array | None = None):
        self.numbers, self.weights = numbers, weights
        self.ranked = ranked if ranked is not None else array("Q")
        if len(numbers) > MAX_POSTINGS and not self.ranked:
            self.ranked = array("Q", sorted(map(rank_key, numbers, weights)))
        self.entry = self.shown = None

    @classmethod
    def of_keys(cls, keys: array) -> "Postings":
        """The postings of rank keys (:func:`rank_key`) in ascending numbers."""
        raw = keys.tobytes()
        numbers = array("I", raw)[_LOW]
        weights = _weights_of(raw)
        return cls(numbers, weights, _ranked(keys, weights) if len(keys) > MAX_POSTINGS else None)

    @classmethod
    def load(cls, data: tuple) -> "Postings":
        numbers, weights, ranked = array("I"), array("H"), array("Q")
        numbers.frombytes(data[0])
        weights.frombytes(data[1])
        ranked.frombytes(data[2])
        postings = cls(numbers, weights, ranked)
        postings.entry = data[3]
        postings.shown = postings._shown()
        return postings

    def _shown(self):
        """What the encoded form of a long list is made of: the count and the kept best."""
        return (len(self.numbers), self.ranked[:MAX_POSTINGS].tobytes()) if self.ranked else None

    def dump(self) -> tuple:
        entry = self.encoded()  # first: a list no longer long drops its ranking there
        return self.numbers.tobytes(), self.weights.tobytes(), self.ranked.tobytes(), entry

    def remove(self, number: int) -> None:
        at = bisect.bisect_left(self.numbers, number)
        if at < len(self.numbers) and self.numbers[at] == number:
            if self.ranked:
                del self.ranked[bisect.bisect_left(self.ranked, rank_key(number, self.weights[at]))]
            del self.numbers[at]
            del self.weights[at]
            if not self.shown:
                self.entry = None

    def add(self, number: int, weight: int) -> None:
        at = bisect.bisect_left(self.numbers, number)
        self.numbers.insert(at, number)
        self.weights.insert(at, weight)
        if self.ranked:
            bisect.insort(self.ranked, rank_key(number, weight))
        elif len(self.numbers) > MAX_POSTINGS:
            self.ranked = array("Q", sorted(map(rank_key, self.numbers, self.weights)))
        if not self.shown:
            self.entry = None

    def encoded(self) -> str:
        """As the client reads them (see the module docstring); the best MAX_POSTINGS by
        weight, then by first number, when there are more."""
        if self.shown and self.shown != self._shown():  # the count or the best changed
            self.entry = self.shown = None
        if self.entry is None:
            if len(self.numbers) > MAX_POSTINGS:
                words = array("I", self.ranked[:MAX_POSTINGS].tobytes())
                numbers, ranks = zip(*sorted(zip(words[_LOW], words[_HIGH])))
                weights = map(_FROM_RANK, ranks)
            else:
                self.ranked = array("Q")
                numbers, weights = self.numbers, self.weights
            values = [0] * (2 * len(numbers))  # (number minus the previous one, weight) of each
            values[0::2] = map(operator.sub, numbers, chain((0,), numbers))
            values[1::2] = weights
            self.entry = _encode_number(len(self.numbers)) + "".join(map(_encode_number, values))
        return self.entry


_encode_number = functools.lru_cache(maxsize=65536)(analyzer.encode_number)  # the same few numbers recur


# The low and high halves of an array("Q") read as an array("I").
_LOW, _HIGH = (slice(0, None, 2), slice(1, None, 2))
if sys.byteorder == "big":
    _LOW, _HIGH = _HIGH, _LOW
_FROM_RANK = (0xFFFF).__sub__  # the weight of a rank key's high half
_WEIGHT_AT = 4 if sys.byteorder == "little" else 2  # where the 16 bits of 0xFFFF - weight are in a rank key's bytes
_COMPLEMENT = bytes(range(255, -1, -1))


def _weights_of(keys: bytes) -> array:
    """The weight of each of the rank keys (:func:`rank_key`) whose bytes are ``keys``, at C speed:
    the 16 bits of 0xFFFF - weight taken from each key, every byte of them complemented."""
    found = bytearray(len(keys) // 4)
    found[0::2], found[1::2] = keys[_WEIGHT_AT::8], keys[_WEIGHT_AT + 1 :: 8]
    return array("H", found.translate(_COMPLEMENT))


def _ranked(keys: array, weights: array) -> array:
    """Rank keys in ascending numbers (``weights``: theirs), sorted: those of each weight (in
    ascending numbers already), the highest weight first (a counting sort, at C speed)."""
    by_weight: dict[int, array] = defaultdict(functools.partial(array, "Q"))
    deque(map(array.append, map(by_weight.__getitem__, weights), keys), maxlen=0)
    ranked = array("Q")
    for weight in sorted(by_weight, reverse=True):
        ranked += by_weight[weight]
    return ranked


def rank_key(number: int, weight: int) -> int:
    """Ascending keys put the highest weight first, then the lowest number."""
    return (0xFFFF - weight) << 32 | number


def shard_text(number: int, postings: dict) -> str:
    """A shard's file from its postings as stored (term → :meth:`Postings.dump`)."""
    return _js(f"s{number:x}", {term: postings[term][3] for term in sorted(postings)})


def update(state: State, at: dt.datetime, row_hashes: dict | None = None, written=None, *,
           shards: bool = True) -> dict[str, str]:  # fmt: skip
    """Bring ``state`` in line with the public set at ``at``; path → text of every file a patch
    made again (when every shard is made again, none: their texts are read from the state as
    they are written; files that left are those no longer among the index's hashes). ``written``: what the
    change log says (:class:`linli.changes.Since`): when the state was last brought in line by
    the last build, only the items written since are looked at. The state records this build's
    token. Without ``shards``, only documents too many to patch the shards for are brought in
    line (:func:`update_documents`), and every shard is left for the next update to make."""
    usable = written is not None and written.last is not None and written.rows is not None
    if usable and state.meta("log") == written.last and state.meta("layout") is not None:
        ids = written.rows
        current = public_fingerprints(at, row_hashes, ids)
        looked_at = [doc_number(prefix, i) for prefix in PREFIXES for i in ids.get(MODELS[prefix]._meta.table_name, ())]
    else:
        current, looked_at = public_fingerprints(at, row_hashes), None
    if looked_at is None:
        known = dict(state.db.execute("SELECT number, fingerprint FROM docs"))
    else:
        known = {}
        for batch in db.batches(looked_at):
            marks = ",".join("?" * len(batch))
            known.update(state.db.execute(f"SELECT number, fingerprint FROM docs WHERE number IN ({marks})", batch))
    changed = sorted(n for n, entry in current.items() if known.get(n) != entry[0])
    removed = sorted(set(known) - set(current))
    patching = len(changed) + len(removed) <= PATCH_AT_MOST
    if not shards and patching:  # (few: the update that makes the shards patches them)
        return {}
    state.set_meta("log", written.token if written is not None else None)
    if not changed and not removed and state.meta("layout") is not None:
        state.set_meta("at", at.isoformat())
        return {}
    files: dict[str, str] = {}
    totals = json.loads(state.meta("totals") or "[0, 0, 0]")
    before = []  # (number, expired, field lengths, terms, their frequency per field) of each, when patching
    for batch in db.batches([*removed, *(n for n in changed if n in known)]):
        for row in _doc_rows(state, batch):
            totals = [t - length for t, length in zip(totals, row[2])]
            if patching:
                before.append(row)
    with state.transaction():  # all or nothing: a killed or failed build leaves the state as it was
        state.db.executemany("DELETE FROM docs WHERE number = ?", [(n,) for n in removed])
        for rows, lengths in _analysed(changed, current):  # the documents of changed items, a batch at a time
            totals = [t + length for t, length in zip(totals, lengths)]
            if patching:  # (else every document's: the build reads them from the state as it writes them)
                files.update((f"{DIR}d/{row[0]:x}.js", row[5]) for row in rows)
            state.db.executemany("INSERT OR REPLACE INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        count = state.db.execute("SELECT count(*) FROM docs").fetchone()[0]
        reference = reference_lengths({name: total / count if count else 0 for name, total in zip(FIELDS, totals)})
        layout = json.dumps([shard_count(count), reference], sort_keys=True)
        state.set_meta("totals", json.dumps(totals))
        if not shards:
            state.set_meta("layout", None)  # (the next update makes every shard)
        elif layout != state.meta("layout") or not patching:
            _make_all_shards(state, shard_count(count), reference)
            state.set_meta("layout", layout)
        else:
            files.update(_patch_shards(state, before, changed, reference, shard_count(count)))
        state.set_meta("at", at.isoformat())  # the moment whose public set the documents are
    return files


#: Changed documents from which, in a build, worker processes analyse them (one per core).
PARALLEL_DOCUMENTS = 400


class _Failed(NamedTuple):
    """What a worker process of :func:`_analysed` sends when a batch fails."""

    reason: str


def _analysed(changed: list[int], current: dict):
    """(rows of the ``docs`` table, their field lengths summed) of the ``changed`` documents
    (``current``: see :func:`update`), a batch of items at a time: in a build with many of
    them, from worker processes (forked: one per core, each taking the next batch, rendering
    the bodies into the build's store), else here."""
    related = {}
    tasks = []
    for prefix in PREFIXES:
        ids = [current[n][2] for n in changed if current[n][1] == prefix]
        if ids:
            related[prefix] = related_text(MODELS[prefix], ids)
            tasks += [(prefix, batch) for batch in db.batches(ids)]
    store = _rendered_store()
    count = per_core()
    if store is None or len(changed) < PARALLEL_DOCUMENTS or count < 2 or not can_fork():
        for prefix, batch in tasks:
            yield _analyse_batch(prefix, batch, current, related[prefix])
            if store is not None:  # the bodies rendered for these documents: to the build's store, not held
                store.flush()
        return
    store.flush()
    with Workers("网站生成失败：建立搜索索引的进程意外退出。原来的网站没有改动。") as workers:
        taken = workers.context.Value("i", 0)  # the batches asked for
        for _ in range(count):
            workers.start(_analyse_apart, tasks, current, related, taken)
        for _ in tasks:
            outcome = workers.next()
            if isinstance(outcome, _Failed):
                raise LinliError(f"网站生成失败（搜索索引）：{outcome.reason}。原来的网站没有改动。")
            yield outcome
        workers.join()


def _analyse_apart(tasks: list, current: dict, related: dict, taken, results) -> None:
    """A worker process of :func:`_analysed`: the next batch not ``taken``, until none is left."""
    store = current_app.extensions["linli_build"].own_rendered()
    try:
        for number in taken_in_turn(taken, len(tasks)):
            prefix, batch = tasks[number]
            results.put(_analyse_batch(prefix, batch, current, related[prefix]))
            store.flush()
    except Exception as exc:
        results.put(_Failed(f"{type(exc).__name__}: {exc}"))
    finally:
        store.close()


def _analyse_batch(prefix: str, ids: list[int], current: dict, related: dict) -> tuple[list[tuple], list[int]]:
    """(rows of the ``docs`` table, their field lengths summed) of the items ``ids`` of type ``prefix``."""
    model = MODELS[prefix]
    rows = []
    totals = [0] * len(FIELDS)
    for item in model.select().where(model.id.in_(ids)):
        number = doc_number(prefix, item.id)
        doc = document(item, expired=current[number][3], related=related.get(item.id))
        terms, tfs, lengths = analyse(doc)
        totals = [t + length for t, length in zip(totals, lengths)]
        display = _js(f"d{number:x}", display_data(doc))
        terms_blob = marshal.dumps((terms, [t.tobytes() for t in tfs]))
        rows.append((number, current[number][0], int(doc.expired), json.dumps(lengths), terms_blob, display,
                     digest(display), len(terms)))  # fmt: skip
    return rows, totals


def update_documents() -> None:
    """In a build: bring the state's documents in line with the build's public set when they
    are too many to patch the shards for (in worker processes), and leave every shard to the
    next :func:`static_index`. A full build calls this before its page workers start, so that
    they find every body rendered (none rendered twice) and the shards are made while they freeze."""
    from linli.app import moment

    build = current_app.extensions["linli_build"]
    state = open_state(build.search_state)
    try:
        update(state, moment(), build.row_hashes, build.search_changes, shards=False)
    finally:
        state.close()


def holds_public_set(path: Path | str, at: dt.datetime, keys: set[str]) -> bool:
    """Whether the state file at ``path`` is this code's, brought in line with the public set at
    ``at``, whose documents' keys ("type:id") are ``keys``: then :func:`analysed_documents`
    gives the admin's index made in the same build the terms this index counted."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            meta = dict(connection.execute("SELECT key, value FROM meta WHERE key IN ('format', 'at')"))
            if meta.get("format") != _code_fingerprint() or meta.get("at") != at.isoformat():
                return False
            numbers = [row[0] for row in connection.execute("SELECT number FROM docs")]
        finally:
            connection.close()
    except sqlite3.Error:
        return False
    return {_key(number) for number in numbers} == keys


def _key(number: int) -> str:
    return f"{PREFIXES[len(PREFIXES) - 1 - (number >> SLOT_BITS)]}:{number & ((1 << SLOT_BITS) - 1)}"


def analysed_documents(path: Path | str, part: tuple[int, int] = (0, 1)):
    """The analyzer's terms as this index counted them (one tokenizer, run once per build):
    ("type:id", {term: frequency} per field of :data:`~linli.search.ranking.FIELDS`, field
    lengths) of each document of the state file at ``path``, every n-th of ``part`` (k, n)."""
    share, parts = part
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for number, lengths, blob in connection.execute(
            "SELECT number, lengths, terms FROM docs WHERE number % ? = ? ORDER BY number", (parts, share)
        ):
            terms, tf_bytes = marshal.loads(blob)
            per_field = []
            for data in tf_bytes:
                tf = array("H")
                tf.frombytes(data)
                per_field.append(dict(compress(zip(terms, tf), tf)))
            yield _key(number), per_field, json.loads(lengths)
    finally:
        connection.close()


def _doc_rows(state: State, numbers=None):
    """(number, expired, field lengths, terms, their frequency per field) of the documents in
    ``numbers`` (all when None), numbers ascending."""
    if numbers is None:
        rows = state.db.execute("SELECT number, expired, lengths, terms FROM docs ORDER BY number")
    else:
        marks = ",".join("?" * len(numbers))
        rows = state.db.execute(
            f"SELECT number, expired, lengths, terms FROM docs WHERE number IN ({marks}) ORDER BY number",
            list(numbers),
        )
    for number, expired, lengths, blob in rows:
        terms, tf_bytes = marshal.loads(blob)
        tfs = []
        for data in tf_bytes:
            tf = array("H")
            tf.frombytes(data)
            tfs.append(tf)
        yield number, bool(expired), json.loads(lengths), terms, tfs


def _doc_postings(state: State, reference: dict, numbers=None):
    """(number, terms, weights) of the documents in ``numbers`` (all, ascending, when None)."""
    for number, expired, lengths, terms, tfs in _doc_rows(state, numbers):
        yield number, terms, weights(tfs, lengths, reference, expired)


def _rendered_store():
    """In a build, its store of rendered Markdown (:class:`linli.markup.RenderedStore`): the
    bodies this index renders are handed to it a batch at a time (the page workers find them
    there, and this process does not hold them all until the end)."""
    if not has_app_context():
        return None
    build = current_app.extensions.get("linli_build")
    return build.rendered if build is not None else None


def _doc_keys(state: State, reference: dict):
    """(terms, their rank keys) of every document, numbers ascending."""
    for number, expired, lengths, terms, tfs in _doc_rows(state):
        yield terms, rank_keys(number, tfs, lengths, reference, expired)


def _make_all_shards(state: State, shards: int, reference: dict) -> None:
    """Every shard again from the documents in the state (their texts are not kept: a build
    reads them from the state as it writes them, :meth:`StaticIndex.each_text`). The documents
    are read once, each one's rank keys (see :func:`rank_key`) computed once; the postings are
    gathered a range of shards (a pass) at a time, :data:`POSTINGS_PER_PASS` at most in memory
    (see :class:`_Gathering`)."""
    total = state.db.execute("SELECT coalesce(sum(postings), 0) FROM docs").fetchone()[0]
    passes = min(shards, max(1, -(-total // POSTINGS_PER_PASS)))
    per_pass = -(-shards // passes)
    folder = None if state.path == ":memory:" else os.path.dirname(os.path.abspath(state.path))
    state.db.execute("DELETE FROM shards")
    with contextlib.closing(_Gathering(shards, per_pass, passes, folder)) as gathering:
        gathering.read(_doc_keys(state, reference))
        for part in range(passes):
            _write_shards(state, gathering.postings(part), gathering.terms, gathering.shard_of)


def _write_shards(state: State, lists: dict[int, array], terms: list[str], shard_of: array) -> None:
    """Write the shards of the terms of ``lists`` (term number → rank keys in ascending document
    numbers), one at a time, each term's list given up as its shard is written."""
    by_shard: dict[int, list[int]] = {}
    for term in lists:
        by_shard.setdefault(shard_of[term], []).append(term)
    for number in sorted(by_shard):
        postings = {terms[term]: Postings.of_keys(lists.pop(term)).dump() for term in by_shard.pop(number)}
        text = shard_text(number, postings)
        state.db.execute("INSERT INTO shards VALUES (?, ?, ?)", (number, marshal.dumps(postings), digest(text)))


#: Postings held in memory (8 bytes each: 40 MB) while making every shard again; those of the terms
#: of later passes are held an eighth of this at most, then written to temporary files (the same 8 bytes
#: each, next to the state: about 30 MB at 10,000 long notices) until their turn.
POSTINGS_PER_PASS = 5_000_000


class _Gathering(dict):
    """term → the rank keys of its postings, for :func:`_make_all_shards`, which hands it each
    document's terms and rank keys once: those of the terms of the first pass (the first range
    of shards) are kept until written, those of every later pass written to its :class:`_Spill`
    every ``POSTINGS_PER_PASS // 8`` postings read, and gathered from it when its turn comes."""

    def __init__(self, shards: int, per_pass: int, passes: int, folder: str | None):
        super().__init__()
        self.shards, self.per_pass = shards, per_pass
        self.terms: list[str] = []  # term number → term
        self.shard_of = array("I")  # term number → its shard
        self.first: dict[int, array] = {}  # term number → rank keys, of the terms of the first pass
        self.spills = [_Spill(folder) for _ in range(passes - 1)]
        self.held = 0  # postings read since the spills were last written

    def close(self) -> None:
        """Give up the spills' files."""
        for spill in self.spills:
            spill.close()

    def __missing__(self, term: str) -> array:
        number = len(self.terms)
        self.terms.append(term)
        shard = analyzer.term_hash(term) % self.shards
        self.shard_of.append(shard)
        part = shard // self.per_pass
        keys = self[term] = array("Q")
        if part == 0:
            self.first[number] = keys
        else:
            self.spills[part - 1].terms.append((number, keys))
        return keys

    def read(self, documents) -> None:
        """Every document's (terms, their rank keys), in ascending numbers."""
        for terms, keys in documents:
            deque(map(array.append, map(self.__getitem__, terms), keys), maxlen=0)
            self.held += len(keys)
            if self.spills and self.held > POSTINGS_PER_PASS // 8:
                for spill in self.spills:
                    spill.write()
                self.held = 0
        self.clear()  # (each list is now held by ``first`` or a spill alone: given up once written)

    def postings(self, part: int) -> dict[int, array]:
        """term number → rank keys in ascending document numbers, of the terms of pass ``part``,
        in the order the terms were first read."""
        return self.first if part == 0 else self.spills[part - 1].postings()


class _Spill:
    """The rank keys of the terms of a later pass of :func:`_make_all_shards`, held a few at a
    time, written to a temporary file: blocks of (term count, their numbers, their key counts,
    their keys), the terms of each block in the order first read."""

    def __init__(self, folder: str | None):
        self.terms: list[tuple[int, array]] = []  # (term number, rank keys held) in the order first read
        self.file = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 (closed by _Gathering)

    def write(self) -> None:
        """Write the keys held, and give them up."""
        held = [(number, keys) for number, keys in self.terms if keys]
        if not held:
            return
        header = array("I", [len(held)])
        header.extend(number for number, _ in held)
        header.extend(len(keys) for _, keys in held)
        header.tofile(self.file)
        self.file.write(b"".join(keys.tobytes() for _, keys in held))
        for _, keys in held:
            del keys[:]

    def postings(self) -> dict[int, array]:
        """term number → all its rank keys, read back from the file."""
        self.write()
        self.terms = []
        self.file.seek(0)
        lists: dict[int, array] = {}
        while True:
            count = array("I")
            with contextlib.suppress(EOFError):
                count.fromfile(self.file, 1)
            if not count:
                return lists
            header = array("I")
            header.fromfile(self.file, 2 * count[0])
            for number, length in zip(header[: count[0]], header[count[0] :]):
                keys = lists.get(number)
                if keys is None:
                    keys = lists[number] = array("Q")
                keys.fromfile(self.file, length)

    def close(self) -> None:
        self.file.close()


def _patch_shards(state: State, before: list, changed: list[int], reference: dict, shards: int) -> dict:
    """Bring the postings in line with the ``changed`` documents as they are now in the state and
    the documents that were changed or removed as they were (``before``: their rows, see
    :func:`_doc_rows`); path → text of each shard whose file changed. A term whose weight in a
    document is the same before and after is left alone: an edit touches only the terms it
    added, removed or weighed anew, and each of their shards is read and written once."""
    had = {number: dict(zip(terms, weights(tfs, lengths, reference, expired)))
           for number, expired, lengths, terms, tfs in before}  # fmt: skip
    taken: dict[str, list[int]] = {}  # term → documents to take out of its postings
    added: dict[str, list[tuple[int, int]]] = {}  # term → (document, weight) to put in
    for number, doc_terms, found in _doc_postings(state, reference, changed):
        old = had.pop(number, {})
        for term, weight in zip(doc_terms, found):
            was = old.pop(term, None)
            if was == weight:
                continue
            if was is not None:
                taken.setdefault(term, []).append(number)
            added.setdefault(term, []).append((number, weight))
        for term in old:  # terms the document no longer has
            taken.setdefault(term, []).append(number)
    for number, old in had.items():  # removed documents
        for term in old:
            taken.setdefault(term, []).append(number)
    by_shard: dict[int, list[str]] = {}
    for term in taken.keys() | added.keys():
        by_shard.setdefault(analyzer.term_hash(term) % shards, []).append(term)
    files: dict[str, str] = {}
    numbers = sorted(by_shard)
    for start in range(0, len(numbers), SHARDS_PER_PATCH):  # (a shard's postings can be large: a few at a time)
        batch = numbers[start : start + SHARDS_PER_PATCH]
        marks = ",".join("?" * len(batch))
        found = state.db.execute(f"SELECT number, postings, hash FROM shards WHERE number IN ({marks})", batch)
        stored_shards = {number: (postings, hash_) for number, postings, hash_ in found}
        rows, gone = [], []
        for shard in batch:
            blob, old_hash = stored_shards.pop(shard, (None, None))
            stored = marshal.loads(blob) if blob is not None else {}
            same_text = old_hash is not None
            for term in by_shard[shard]:
                entry = stored.get(term)
                postings = Postings.load(entry) if entry is not None else Postings(array("I"), array("H"))
                for number in taken.get(term, ()):
                    postings.remove(number)
                for number, weight in added.get(term, ()):
                    postings.add(number, weight)
                if postings.numbers:
                    stored[term] = postings.dump()
                    same_text = same_text and entry is not None and stored[term][3] == entry[3]
                else:
                    stored.pop(term, None)
                    same_text = same_text and entry is None
            if not stored:
                gone.append((shard,))
            elif same_text:  # the postings changed, not what the client reads of them (a long list's tail)
                rows.append((shard, marshal.dumps(stored), old_hash))
            else:
                text = shard_text(shard, stored)
                files[f"{DIR}s/{shard:x}.js"] = text
                rows.append((shard, marshal.dumps(stored), digest(text)))
        state.db.executemany("INSERT OR REPLACE INTO shards VALUES (?, ?, ?)", rows)
        state.db.executemany("DELETE FROM shards WHERE number = ?", gone)
    return files


# --- the index ------------------------------------------------------------------------------------


def build_static_index(
    at: dt.datetime, home=None, state: State | None = None, row_hashes=None, written=None
) -> StaticIndex:
    """The static index of the public set at ``at``, kept up to date in ``state`` (made from
    nothing in memory when None); ``row_hashes``: see :func:`public_fingerprints`, ``written``:
    see :func:`update`."""
    state = state or State()
    files = update(state, at, row_hashes, written)
    hashes = {}
    for number, digest_ in state.db.execute("SELECT number, hash FROM shards ORDER BY number"):
        hashes[f"{DIR}s/{number:x}.js"] = digest_
    for number, digest_ in state.db.execute("SELECT number, hash FROM docs ORDER BY number"):
        hashes[f"{DIR}d/{number:x}.js"] = digest_
    version_digest = hashlib.sha256()
    for path, digest_ in hashes.items():
        version_digest.update(path.encode() + b"\0" + digest_)
    version = version_digest.hexdigest()[:10]
    count = state.db.execute("SELECT count(*) FROM docs").fetchone()[0]
    manifest = {
        "version": version, "dir": DIR, "docs": count, "shards": shard_count(count), "groups": group_ranges(),
        "page": PAGE, "max": MAX_POSTINGS, "scale": SCALE,
    }  # fmt: skip
    if home is not None:
        client_name, client_content = client_file(home)
        manifest["client"] = client_name  # the client carries the table
        files[client_name] = client_content
        hashes[client_name] = digest(client_content)
    manifest_text = json.dumps(manifest, ensure_ascii=False, indent=1) + "\n"
    files[f"{DIR}manifest.json"] = manifest_text
    hashes[f"{DIR}manifest.json"] = digest(manifest_text)
    return StaticIndex(version, manifest, hashes, files, state)


def static_index() -> StaticIndex:
    """The static index of the app's moment, computed once per app (one build). In a build, made
    from the state file kept between builds (see the module docstring), item by item from what
    the build's context says changed (the scan's fingerprints, the change log)."""
    from linli import deps
    from linli.app import moment

    at = moment()

    def compute() -> StaticIndex:
        cached = current_app.extensions.get("linli_search_static")
        if cached is None or cached[0] != at:
            build = current_app.extensions.get("linli_build")
            if build is None:
                index = build_static_index(at, current_app.config["LINLI_HOME"], State())
            else:
                index = build_static_index(at, current_app.config["LINLI_HOME"], open_state(build.search_state),
                                           build.row_hashes, build.search_changes)  # fmt: skip
            cached = current_app.extensions["linli_search_static"] = (at, index)
        return cached[1]

    index = compute()
    # A page that embeds the index is made again by every build (its dependency is never found
    # unchanged); the build brings the index up to date first, which costs little when nothing changed.
    recorder = deps.current()
    if recorder is not None:
        recorder.add(("static_index",), index.version)
    return index


def write_static_index(staging: Path) -> int:
    """Write the static index into ``staging/search/`` (inside the build's app context);
    returns the number of files written."""
    index = static_index()
    root = Path(staging) / "search"
    folders = set()
    for path, text in index.each_text(list(index.hashes)):
        target = root / path
        if target.parent not in folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            folders.add(target.parent)
        target.write_text(text, encoding="utf-8")
    return len(index.hashes)
