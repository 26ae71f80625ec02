"""The manifest's page table: a mapping of URL → entry like a dict of them, pickled compactly."""

from __future__ import annotations

import pickle

import pytest

from linli.build.context import PageEntry
from linli.build.entries import PageTable

SQL = "SELECT id FROM notice WHERE status = ?"


def entry(n: int, *keys) -> PageEntry:
    return PageEntry(f"p/{n}/index.html", n.to_bytes(16, "big"), keys)


def test_the_table_answers_as_a_dict_of_entries_would_through_pickling_and_replacing():
    row_a, row_b, query = ("row", "notice", 1), ("row", "notice", 2), ("q", SQL, ("published",))
    expected = {"/": entry(1, query), "/a/": entry(2, row_a, query), "/b/": entry(3, row_b), "/c/": entry(4)}
    table = PageTable(expected.items())
    table["/a/"] = expected["/a/"] = entry(5, row_b, ("now",))  # set again: a new row
    del table["/b/"], expected["/b/"]
    for kept in (table, pickle.loads(pickle.dumps(table, pickle.HIGHEST_PROTOCOL))):
        assert dict(kept.items()) == expected and list(kept) == list(expected) and len(kept) == 3
        assert kept.hash("/a/") == (5).to_bytes(16, "big") and kept.file("/c/") == "p/4/index.html"
        assert "/b/" not in kept and set(kept.keys_used()) == {query, row_b, ("now",)}
        numbers = kept.numbers_of([row_b, row_a, ("absent",)])
        assert [kept.uses_any(url, numbers) for url in kept] == [False, True, False]
    # Pickled, a table keeps only the keys its pages use, each once (with the SQL text in it).
    copy = pickle.loads(pickle.dumps(table, pickle.HIGHEST_PROTOCOL))
    assert copy._table == [query, row_b, ("now",)]
    assert copy["/"].keys[0] is copy._table[0]


def test_a_table_keeps_its_own_key_objects_for_pages_set_again():
    query = ("q", SQL, ("published",))
    last = PageTable([("/", entry(1, query)), ("/x/", entry(2, query))])
    for url, page in [("/x/", entry(3, ("q", SQL, ("published",)), ("row", "notice", 9))), ("/y/", entry(4))]:
        last[url] = page  # (equal keys, other objects: as a worker's copies)
    assert dict(last.items()) == {"/": entry(1, query), "/x/": entry(3, query, ("row", "notice", 9)), "/y/": entry(4)}
    assert last["/x/"].keys[0] is last["/"].keys[0]  # (one object for equal keys)
    last.key_by(["/y/", "/"])
    assert list(last) == ["/y/", "/", "/x/"]


def test_the_table_keeps_only_files_other_than_the_usual_one():
    pages = {
        "/notices/%E5%81%9C%E6%B0%B4-3/": PageEntry("notices/停水-3/index.html", bytes(16), ()),
        "/": PageEntry("index.html", bytes(16), ()),
        "/feeds/notices.xml": PageEntry("feeds/notices.xml", bytes(16), ()),
        "/odd/": PageEntry("odd.html", bytes(16), ()),
    }
    table = PageTable(pages.items())
    assert table._files == ["", "", "", "odd.html"]
    copy = pickle.loads(pickle.dumps(table, pickle.HIGHEST_PROTOCOL))
    assert dict(copy.items()) == pages and copy.file("/odd/") == "odd.html"


def test_a_hash_of_another_size_is_refused():
    with pytest.raises(ValueError, match="16 bytes"):
        PageTable()["/"] = PageEntry("index.html", b"short", ())
