"""The admin's index made from nothing (:mod:`linli.search.segments`) holds what Whoosh's own
writer makes of the same documents, term by term, and answers a fixed set of queries (Simplified
and Traditional, one character, several words, none found) with the same hits and scores: on
the demo, and on a generated corpus of long notices (the bench's ``long`` corpus)."""

from __future__ import annotations

import shutil
import threading

import pytest
from whoosh import index as whoosh_index

from linli import db
from linli.home import Home
from linli.search import engine, search, segments
from linli.search.documents import public_documents
from linli.search.segments import write_segments
from tests.conftest import NOW

QUERIES = [
    "社区", "社區", "停水", "供水管网", "供水管網", "长者食堂", "長者食堂", "消防", "演练", "演練",
    "志愿者", "志願者", "网格员", "網格員", "电动自行车", "電動自行車", "老人", "居委会", "居委會",
    "垃圾分类", "垃圾分類", "养老", "養老", "医疗保险", "醫療保險", "楼门长", "樓門長", "东院", "東院",
    "社", "區", "水", "停水 通知", "老人 送餐", "長者 食堂 補貼", "低保", "WiFi", "2026", "火灾 疏散",
    "火災 疏散", "没有这个词汇", "社区 没有这个词汇",
]  # fmt: skip


@pytest.fixture
def own_demo(text_demo_site, copy_home, tmp_path):
    """A copy of the built demo of this test's own, bound: the tests make its index again."""
    home = copy_home(text_demo_site, tmp_path / "home")
    db.connect(home.database_url)
    yield home
    db.database.close()


def whoosh_writer_index(home: Home, at) -> None:
    """The home's index made by Whoosh's own writer (one process) from the same fields."""
    folder = home.search_index_dir
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    ix = whoosh_index.create_in(str(folder), engine.schema(), indexname=engine.INDEX_NAME)
    stamps = engine._stamps(at)
    with ix.writer() as writer:
        for doc in public_documents(at):
            writer.add_document(**engine._fields(doc, stamps.get(doc.key, "")))
    ix.close()


def contents(home: Home) -> dict:
    """Everything the index holds, by item key (docnums differ between writers)."""
    ix = engine.open_index(home, create=False)
    with ix.searcher() as searcher:
        reader = searcher.reader()
        stored = {docnum: fields for docnum, fields in reader.iter_docs()}
        key_of = {docnum: fields["key"] for docnum, fields in stored.items()}
        postings, infos = {}, {}
        for fieldname, term in reader.all_terms():
            info = reader.term_info(fieldname, term)
            infos[fieldname, term] = (info.doc_frequency(), info.weight(), info.max_weight(),
                                      info.min_length(), info.max_length())  # fmt: skip
            values = reader.postings(fieldname, term).items_as("frequency")
            postings[fieldname, term] = sorted((key_of[docnum], tf) for docnum, tf in values)
        found = {
            "documents": searcher.doc_count(),
            "stored": {fields["key"]: fields for fields in stored.values()},
            "field lengths": {f: searcher.field_length(f) for f in engine.FIELDS},
            "document lengths": {(key_of[d], f): reader.doc_field_length(d, f) for d in key_of for f in engine.FIELDS},
            "postings": postings,
            "term infos": infos,
        }
    ix.close()
    return found


def answers(home: Home) -> list:
    out = []
    for query in QUERIES:
        results = search(home, query, limit=30, at=NOW)
        out.append((query, results.total, results.partial,
                    [(hit.key, round(hit.score, 9), hit.matched) for hit in results]))  # fmt: skip
    return out


@pytest.fixture(scope="module")
def whoosh_made(text_demo_site, copy_home, tmp_path_factory) -> tuple[dict, list]:
    """(:func:`contents`, :func:`answers`) of the demo's index made at NOW by Whoosh's own
    writer, in a copy of its own: what every index of the demo at NOW must hold and answer."""
    home = copy_home(text_demo_site, tmp_path_factory.mktemp("whoosh-made") / "home")
    db.connect(home.database_url)
    try:
        whoosh_writer_index(home, NOW)
        return contents(home), answers(home)
    finally:
        db.database.close()


def write_alone(home: Home) -> None:
    """The index made from nothing in one process (as from a thread of the admin)."""
    thread = threading.Thread(target=engine.rebuild_index, args=(home, NOW))
    thread.start()
    thread.join()


def test_an_index_from_nothing_holds_what_whoosh_writes(own_demo, whoosh_made):
    before, found_before = whoosh_made
    assert before["documents"] > 50 and len(before["postings"]) > 5000
    shutil.rmtree(own_demo.search_index_dir)  # (the copy's, made at NOW by the session)
    assert engine.rebuild_index(own_demo, NOW) == before["documents"]
    assert len(list(own_demo.search_index_dir.glob("*.seg"))) == 2  # two processes, a segment each
    assert contents(own_demo) == before
    assert answers(own_demo) == found_before
    write_alone(own_demo)
    assert len(list(own_demo.search_index_dir.glob("*.seg"))) == 1
    assert contents(own_demo) == before


def test_the_build_indexes_the_bodies_it_rendered_without_rendering_them_again(own_demo, whoosh_made, monkeypatch,
                                                                                caplog):
    """A build's index takes each body's text from the Markdown its pages were rendered with
    (the build's cache, through render_markdown), in every process writing it: the index is the
    one made outside a build, where bodies are rendered (Whoosh's own writer's)."""
    from linli import markup
    from linli.build import build, outputs

    before, _ = whoosh_made
    shutil.rmtree(own_demo.search_index_dir)  # the build makes it from nothing
    real_sync = outputs.sync_index

    def refused(text):
        raise AssertionError(f"rendered again: {text[:30]}")

    def sync_without_rendering(*args, **kwargs):
        markup.render_markdown.cache_clear()  # (as in a large home: more bodies than it keeps)
        with monkeypatch.context() as patch:  # (the index's writers, forked inside, have it too)
            patch.setattr(markup, "_render", refused)
            return real_sync(*args, **kwargs)

    monkeypatch.setattr(outputs, "sync_index", sync_without_rendering)
    build(own_demo, now=NOW, full=True)
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []
    assert len(list(own_demo.search_index_dir.glob("*.seg"))) == 2  # two processes, a segment each
    assert contents(own_demo) == before


@pytest.mark.sqlite_only(reason="the bench's generator writes a SQLite home")
def test_long_notices_find_the_same_before_and_after(tmp_path):
    """Before: Whoosh's own writer. After: the segments counted in memory, in two processes."""
    from bench.generate import generate

    generate(tmp_path / "home", 150, now=NOW, photos=False, corpus="long", index=False)
    home = Home.open(tmp_path / "home")
    db.connect(home.database_url)
    try:
        whoosh_writer_index(home, NOW)
        before, found_before = contents(home), answers(home)
        engine.rebuild_index(home, NOW)
        assert contents(home) == before
        found = answers(home)
    finally:
        db.database.close()
    assert found == found_before
    hits = {query: [key for key, _, _ in keys] for query, _, _, keys in found}
    partial = {query for query, _, is_partial, _ in found if is_partial}
    assert all(hits[query] for query in ("社区", "社區", "停水", "长者食堂", "長者食堂", "社", "老人 送餐"))
    assert hits["社區"] == hits["社区"] and hits["長者食堂"] == hits["长者食堂"]
    assert "没有这个词汇" in partial and "社区" not in partial
    assert sum(len(keys) for keys in hits.values()) > 300


def test_a_process_writes_a_new_segment_when_it_holds_many_postings(own_demo, whoosh_made, monkeypatch):
    before, _ = whoosh_made
    monkeypatch.setattr(segments, "POSTINGS_PER_SEGMENT", 3000)
    engine.rebuild_index(own_demo, NOW)
    assert len(list(own_demo.search_index_dir.glob("*.seg"))) > 4
    assert contents(own_demo) == before
    write_alone(own_demo)
    assert len(list(own_demo.search_index_dir.glob("*.seg"))) > 2
    assert contents(own_demo) == before


def test_a_writer_that_fails_leaves_the_old_index(own_demo, monkeypatch):
    """A failure while writing the new index (here in the forked process's share) leaves the
    index that was there."""
    engine.rebuild_index(own_demo, NOW)
    before = contents(own_demo)

    def broken(ix, documents, procs):
        def failing(part):
            for number, fields in enumerate(documents(part)):
                if part[0] == 1 and number == 3:
                    raise RuntimeError("disk full")
                yield fields

        return write_segments(ix, failing, procs)

    monkeypatch.setattr(engine, "write_segments", broken)
    with pytest.raises(Exception, match="disk full"):
        engine.rebuild_index(own_demo, NOW)
    assert contents(own_demo) == before


def test_a_build_indexes_the_terms_its_static_index_counted(own_demo, whoosh_made, monkeypatch, caplog):
    """A first build makes the admin's index from the terms its static search index counted (the
    analyzer runs once per document per build, for both indexes): no document is made again
    (neither here nor in the forked writers), and the index is the one made outside a build
    (which is Whoosh's own writer's: test_an_index_from_nothing_holds_what_whoosh_writes)."""
    from linli.build import build

    before, found_before = whoosh_made
    shutil.rmtree(own_demo.search_index_dir)  # the build makes it from nothing

    def refused(*args, **kwargs):
        raise AssertionError("a document made again for the admin's index")

    monkeypatch.setattr(engine, "public_documents", refused)
    build(own_demo, now=NOW, full=True)
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []
    assert len(list(own_demo.search_index_dir.glob("*.seg"))) == 2  # two processes, a segment each
    assert contents(own_demo) == before
    assert answers(own_demo) == found_before


def test_a_state_of_another_moment_is_not_used_for_the_admin_index(own_demo, monkeypatch):
    """The static index's terms are used only when its state holds the public set of the
    moment the admin's index is made for; else documents are made as outside a build."""
    from linli.build import build
    from linli.search import static

    build(own_demo, now=NOW, full=True)
    state = own_demo.root / ".build-cache" / "search.db"
    stamps = engine._stamps(NOW)
    assert static.holds_public_set(state, NOW, set(stamps))
    assert not static.holds_public_set(state, NOW.replace(year=NOW.year + 1), set(stamps))
    assert not static.holds_public_set(state, NOW, set(stamps) | {"notices:999999"})
    assert not static.holds_public_set(own_demo.root / "nothing.db", NOW, set(stamps))
