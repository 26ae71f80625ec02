"""The manifest's page entries, held compactly: :class:`PageTable`.

A build's manifest names every page of the site with its file, the hash of its bytes and the
dependency keys it was made from (:class:`~linli.build.context.PageEntry`). As a dict of such
records, at 50,000 notices (115,000 pages, 400,000 key references) they took 113 MB of the build
process, and pickling them another 67 MB (the pickler's memo of each object, a UTF-8 copy of each
file name in Chinese). A table keeps one row per page in a few flat arrays instead, with each
dependency key once, and is pickled as them: 66 MB, and 19 MB more while pickled.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, MutableMapping
from itertools import accumulate
from unicodedata import normalize
from urllib.parse import unquote

from linli.build.context import PageEntry

HASH_SIZE = 16  # bytes of a page's hash (see linli.build.freeze)


def usual_file(url: str) -> str:
    """The file of a page at ``url`` by Frozen-Flask's rule (``/a/`` → ``a/index.html``), as the
    freezer names it (:class:`~linli.build.freeze.PageFreezer`): the table keeps only the files
    that are not (a file name in Chinese, kept, would have cost pickling a copy in UTF-8 too)."""
    path = unquote(url.partition("?")[0]).lstrip("/")
    return normalize("NFC", path + "index.html" if not path or path.endswith("/") else path)


class PageTable(MutableMapping):
    """url → :class:`~linli.build.context.PageEntry`, made on each look-up from the rows.

    A page set again gets a new row (its old one is left unused until the table is pickled,
    which keeps only the rows and keys of the pages it has)."""

    def __init__(self, entries: Iterable[tuple[str, PageEntry]] = ()):
        self._row: dict[str, int] = {}  # url → row
        self._files: list[str] = []  # row → file, or "" for its usual_file
        self._hashes = bytearray()  # row → HASH_SIZE bytes
        self._starts = array("I")  # row → its first key in _keys
        self._counts = array("I")  # row → how many keys it has
        self._keys = array("I")  # the rows' keys, as numbers in _table
        self._table: list = []  # number → dependency key
        self._number: dict = {}  # dependency key → number
        for url, entry in entries:
            self[url] = entry

    def __len__(self) -> int:
        return len(self._row)

    def __iter__(self) -> Iterator[str]:
        return iter(self._row)

    def __contains__(self, url) -> bool:
        return url in self._row

    def __getitem__(self, url: str) -> PageEntry:
        row = self._row[url]
        return PageEntry(self._files[row] or usual_file(url), self.hash_of_row(row), self._keys_of_row(row))

    def __setitem__(self, url: str, entry: PageEntry) -> None:
        file = "" if entry.file == usual_file(url) else entry.file
        self._add(url, file, entry.hash, map(self._numbered, entry.keys))

    def __delitem__(self, url: str) -> None:
        del self._row[url]

    def hash(self, url: str) -> bytes:
        """The hash of the page's bytes (a copy: see :func:`linli.build.freeze.old_hashes`)."""
        return self.hash_of_row(self._row[url])

    def file(self, url: str) -> str:
        return self._files[self._row[url]] or usual_file(url)

    def uses_any(self, url: str, numbers: set[int]) -> bool:
        """Whether the page's keys include one of ``numbers`` (see :meth:`numbers_of`)."""
        row = self._row[url]
        start = self._starts[row]
        return not numbers.isdisjoint(self._keys[start : start + self._counts[row]])

    def has_key(self, key) -> bool:
        """Whether ``key`` is among the dependency keys of the rows (or was)."""
        return key in self._number

    def numbers_of(self, keys: Iterable) -> set[int]:
        """The numbers of those of ``keys`` some row has (had) among its keys."""
        number = self._number
        return {number[key] for key in keys if key in number}

    def keys_used(self) -> Iterator:
        """Each dependency key of the pages, once."""
        used = bytearray(len(self._table))
        for row in self._row.values():
            start = self._starts[row]
            for number in self._keys[start : start + self._counts[row]]:
                used[number] = 1
        return (key for key, flag in zip(self._table, used) if flag)

    def key_by(self, urls: Iterable[str]) -> None:
        """Key the rows by the equal objects of ``urls`` (in their order; any other after)."""
        rows = self._row
        self._row = {url: rows[url] for url in urls if url in rows}
        if len(self._row) < len(rows):
            self._row.update((url, row) for url, row in rows.items() if url not in self._row)

    def hash_of_row(self, row: int) -> bytes:
        return bytes(self._hashes[row * HASH_SIZE : (row + 1) * HASH_SIZE])

    def _keys_of_row(self, row: int) -> tuple:
        start = self._starts[row]
        return tuple(map(self._table.__getitem__, self._keys[start : start + self._counts[row]]))

    def _numbered(self, key) -> int:
        number = self._number.get(key)
        if number is None:
            number = self._number[key] = len(self._table)
            self._table.append(key)
        return number

    def _add(self, url: str, file: str, digest: bytes, numbers: Iterable[int]) -> None:
        if len(digest) != HASH_SIZE:
            raise ValueError(f"a page's hash has {HASH_SIZE} bytes, not {len(digest)}")
        self._row[url] = len(self._files)
        self._files.append(file)
        self._hashes += digest
        start = len(self._keys)
        self._keys.extend(numbers)
        self._starts.append(start)
        self._counts.append(len(self._keys) - start)

    def __getstate__(self) -> tuple:
        """The pages' rows in order, and the keys they use: (urls, files, hashes, key counts,
        key numbers, keys)."""
        rows = self._row.values()
        if len(rows) == len(self._files) and all(map(int.__eq__, rows, range(len(rows)))):  # (as made: all used)
            files, hashes, counts, keys, table = self._files, self._hashes, self._counts, self._keys, self._table
        else:
            files, hashes, counts, keys, table = [], bytearray(), array("I"), array("I"), []
            renumbered = array("l", [-1]) * len(self._table)  # (an array: no int object for each key)
            for row in rows:
                files.append(self._files[row])
                hashes += self._hashes[row * HASH_SIZE : (row + 1) * HASH_SIZE]
                start = self._starts[row]
                count = self._counts[row]
                counts.append(count)
                for number in self._keys[start : start + count]:
                    new = renumbered[number]
                    if new < 0:
                        new = renumbered[number] = len(table)
                        table.append(self._table[number])
                    keys.append(new)
        return list(self._row), files, bytes(hashes), counts.tobytes(), keys.tobytes(), table

    def __setstate__(self, state: tuple) -> None:
        urls, files, hashes, counts, keys, table = state
        self._row = dict(zip(urls, range(len(urls))))
        self._files, self._hashes, self._table = files, bytearray(hashes), table
        self._counts = array("I")
        self._counts.frombytes(counts)
        self._keys = array("I")
        self._keys.frombytes(keys)
        self._starts = array("I", accumulate(self._counts, initial=0))
        self._starts.pop()
        self._number = dict(zip(table, range(len(table))))
