"""The admin's Whoosh index written from nothing: whole segments counted in memory, in two processes.

Whoosh's own writer sends every posting through a sorting pool (a pickled tuple each, sorted in
runs spilled to disk and merged again), then looks each posting's field length up again as it
writes it. A long notice has about 500 postings (terms × fields), so that machinery was most of
the time of a new index. :class:`CountingWriter` is Whoosh's ``SegmentWriter`` with that pool
replaced by a dictionary per field (term → the postings, docnum and frequency packed in one
integer) and the field lengths it already counted; at the end it writes the terms in order
through the codec's field writer, each term's postings put into Whoosh 3's postings writer a
block at a time: the same blocks and files Whoosh's writer makes
(tests/test_search_index_writer.py compares them term by term).

:func:`write_segments` shares the public items out between processes (every n-th item of each
type): each one makes its own documents (the Markdown rendered there too) and writes its own
segments (one, unless it holds more than :data:`POSTINGS_PER_SEGMENT` postings: memory stays
bounded at any size), and the index lists all of them, as Whoosh's multi-segment ``MpWriter``
does.
"""

from __future__ import annotations

import sys
import traceback
from array import array

from whoosh.codec.whoosh3 import W3PostingsWriter
from whoosh.system import pack_uint
from whoosh.writing import SegmentWriter

from linli import db
from linli.errors import LinliError
from linli.workers import Workers, can_fork


class CountingWriter(SegmentWriter):
    """A ``SegmentWriter`` for a new segment of documents whose text fields count their own terms
    (``field.counts(value)`` → {term: frequency}, field length): postings kept in memory, no
    sorting pool. Fields without ``counts`` go the usual way (``field.index``)."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        schema = self.schema
        if any(schema[name].vector or schema[name].separate_spelling() for name in schema.names()):
            raise ValueError("CountingWriter writes no term vectors or spelling words")
        self._counted = {name: {} for name in schema.names() if hasattr(schema[name], "counts")}
        self._lengths = {name: array("I") for name in self._counted}  # field → length per docnum
        self._other: dict[str, dict[bytes, list]] = {}  # field → term → [(docnum, weight, vbytes)]
        self.postings = 0  # how many postings are held in memory

    def add_document(self, **fields):
        self._check_state()
        schema, docnum, perdoc = self.schema, self.docnum, self.perdocwriter
        names = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, names)
        perdoc.start_doc(docnum)
        for lengths in self._lengths.values():
            lengths.append(0)
        for name in names:
            value = fields[name]
            if value is None:
                continue
            field = schema[name]
            length = 0
            if name in self._counted:
                counts, length = field.counts(value)
                self.postings += len(counts)
                postings = self._counted[name]
                for term, freq in counts.items():
                    found = postings.get(term)
                    if found is None:
                        found = postings[term] = array("Q")
                    found.append(freq << 32 | docnum)
                self._lengths[name][docnum] = length
            elif field.indexed:
                postings = self._other.setdefault(name, {})
                for tbytes, freq, weight, vbytes in field.index(value):
                    if field.scorable:
                        length += freq
                    postings.setdefault(tbytes, []).append((docnum, weight, vbytes))
            perdoc.add_field(name, field, value if field.stored else None, length)
            if field.column_type:
                perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self):
        """Write the postings, field by field and term by term in order (Whoosh orders terms by
        their UTF-8 bytes, which is the order of their code points)."""
        self.perdocwriter.close()
        writer, packed = self.fieldwriter, []
        for name in sorted([*self._counted, *self._other]):
            field = self.schema[name]
            if name in self._counted:
                terms, lengths = self._counted.pop(name), self._lengths[name]
                if not terms:
                    continue
                writer.start_field(name, field)
                for term in sorted(terms):
                    writer.start_term(term.encode("utf-8"))
                    _add_postings(writer, terms.pop(term), lengths, packed)
                    writer.finish_term()
            else:
                terms = self._other[name]
                if not terms:
                    continue
                writer.start_field(name, field)
                for tbytes in sorted(terms):
                    writer.start_term(tbytes)
                    for docnum, weight, vbytes in terms[tbytes]:
                        writer.add(docnum, weight, vbytes or b"", 0)
                    writer.finish_term()
            writer.finish_field()
        writer.close()


_DOCNUMS, _FREQUENCIES = (slice(0, None, 2), slice(1, None, 2)) if sys.byteorder == "little" else (slice(1, None, 2), slice(0, None, 2))


def _add_postings(writer, postings: array, lengths: array, packed: list[bytes]) -> None:
    """Add a term's ``postings`` (frequency << 32 | docnum, docnums ascending) to the field
    writer: a block at a time into Whoosh 3's postings writer, as its ``add_posting`` fills and
    writes them one posting at a time (blocks of ``blocklimit``, the last left to
    ``finish_term``); one at a time through ``writer.add`` for any other codec. ``packed`` holds
    ``pack_uint(n)`` at index n (a posting's value in a Frequency format), made as needed."""
    words = array("I", postings.tobytes())
    docnums, frequencies = words[_DOCNUMS], words[_FREQUENCIES]
    while len(packed) <= max(frequencies):
        packed.append(pack_uint(len(packed)))
    block = getattr(writer, "_postwriter", None)
    if not isinstance(block, W3PostingsWriter):
        for docnum, freq in zip(docnums, frequencies):
            writer.add(docnum, float(freq), packed[freq], lengths[docnum])
        return
    limit = block._blocklimit
    for start in range(0, len(docnums), limit):
        if start:
            block._write_block()
        ids, freqs = docnums[start : start + limit], frequencies[start : start + limit]
        shown = list(map(lengths.__getitem__, ids))
        block._ids, block._weights, block._values = ids, array("f", freqs), list(map(packed.__getitem__, freqs))
        block._maxweight, block._minlength, block._maxlength = float(max(freqs)), min(shown), max(shown)


POSTINGS_PER_SEGMENT = 6_000_000  # held in memory by a process (about 60 MB) before it writes a segment


def write_segments(ix, documents, procs: int) -> int:
    """Fill the new index ``ix`` (empty) with the fields ``documents(part)`` yields for each of
    ``procs`` parts (``part`` = (k, procs)): part 0 in this process, the others in forked
    processes at the same time, each into segments of its own (a new one after every
    :data:`POSTINGS_PER_SEGMENT` postings). Returns how many documents were written."""
    parent = CountingWriter(ix)
    try:
        if procs < 2 or not can_fork():
            count, segments = _write_share(ix, documents((0, 1)), parent)
        else:
            count, segments = _write_parts(ix, parent, documents, procs)
    except BaseException:
        parent.cancel()
        raise
    parent._commit_toc(segments)
    parent._finish()
    return count


def _write_share(ix, fields, writer: CountingWriter) -> tuple[int, list]:
    """Write every document of ``fields``, starting with ``writer``: (how many, the segments)."""
    count, segments = 0, []
    for each in fields:
        if writer.postings >= POSTINGS_PER_SEGMENT:
            segments.append(writer._finalize_segment())
            writer = CountingWriter(ix, _lk=False)
        writer.add_document(**each)
        count += 1
    if writer.doc_count():
        segments.append(writer._finalize_segment())
    else:
        writer._close_segment()
    return count, segments


def _write_parts(ix, parent: CountingWriter, documents, procs: int):
    with Workers("搜索索引生成失败：写索引的进程意外退出。") as workers:
        for k in range(1, procs):
            workers.start(_write_part, ix, documents, (k, procs))
        count, segments = _write_share(ix, documents((0, procs)), parent)
        for _ in range(1, procs):
            outcome = workers.next()
            if isinstance(outcome, str):
                raise LinliError(f"搜索索引生成失败：{outcome}")
            written, more = outcome
            count += written
            segments += more
        workers.join()
    return count, segments


def _write_part(ix, documents, part, results) -> None:
    """A forked worker (:mod:`linli.workers`): write the segments of ``part`` and send
    (count, segments) or the failure."""
    try:
        outcome = _write_share(ix, documents(part), CountingWriter(ix, _lk=False))
        db.database.obj.close()
        results.put(outcome)
    except Exception:
        traceback.print_exc()
        results.put(traceback.format_exc().strip().splitlines()[-1])
