"""Search: the analyzer and its folding, the Whoosh index kept item by item, the static index of
the built site, the search pages, and that nothing but public text reaches any of them."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from linli import db, registry
from linli import models as m
from linli.app import create_public_app
from linli.build import build
from linli.check import check_site
from linli.publicity import is_public
from linli.search import analyzer, index_item, rebuild_index, remove_item, search, sync_index
from linli.search.engine import open_index
from linli.search.static import MAX_POSTINGS, build_static_index
from tests.conftest import NOW

# --- the analyzer -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "traditional, simplified",
    [("社區", "社区"), ("社區活動", "社区活动"), ("醫療保險", "医疗保险"), ("後來", "后来"), ("頭髮", "头发"),
     ("乾淨", "干净"), ("臺灣", "台湾"), ("網格員", "网格员"), ("養老服務", "养老服务"), ("衛生費", "卫生费"),
     ("偽造", "伪造"), ("衞生", "卫生"), ("穿著", "穿着"), ("諮詢", "咨询"), ("豈", "岂")],
)  # fmt: skip
def test_traditional_folds_to_simplified(traditional, simplified):
    assert analyzer.fold(traditional) == simplified
    assert analyzer.terms(traditional) == analyzer.terms(simplified)
    assert analyzer.query_terms(traditional) == analyzer.query_terms(simplified)


@pytest.mark.parametrize("text", ["社区", "什么", "山峰", "干部", "后来", "头发", "台灯", "里面", "面条", "着急"])
def test_simplified_text_is_left_alone(text):
    assert analyzer.fold(text) == text


def test_fold_table_is_maintained_data_and_closed():
    table = analyzer.fold_table()
    assert len(table) > 3000
    assert table["區"] == "区" and table["麼"] == "么" and table["醫"] == "医"
    assert all(table.get(value, value) == value for value in table.values())  # folding twice changes nothing
    header = analyzer.TABLE_PATH.read_text(encoding="utf-8").splitlines()[0]
    assert "OpenCC" in header


def test_cjk_runs_give_characters_and_overlapping_pairs():
    assert analyzer.terms("社区活动") == ["社", "社区", "区", "区活", "活", "活动", "动"]
    assert analyzer.query_terms("社区活动") == ["社区", "区活", "活动"]
    assert analyzer.query_terms("区活") == ["区活"]  # crosses the word boundary of 社区|活动
    assert analyzer.query_terms("水 电") == ["水", "电"]


def test_latin_and_digits_are_words_after_nfkc_and_lower_case():
    assert analyzer.query_terms("WiFi ＷＩＦＩ wifi") == ["wifi"]
    assert analyzer.terms("３号楼Ｂ超") == ["3", "号", "号楼", "楼", "b", "超"]
    assert analyzer.terms("Cafe\u0301 café") == ["café", "café"]
    assert analyzer.terms("010-8765-4300") == ["010", "8765", "4300"]


def test_punctuation_and_emoji_only_separate():
    assert analyzer.terms("❤️停水！👍🏽通知。") == ["停", "停水", "水", "通", "通知", "知"]
    assert analyzer.query_terms("，。！？…… 🎉") == []


def test_token_spans_point_into_the_original_text():
    text = "東院５號樓停水"
    spans = {t.text: text[t.start : t.end] for t in analyzer.tokens(text)}
    assert spans["东院"] == "東院" and spans["5"] == "５" and spans["停水"] == "停水"
    assert str(analyzer.highlight(text, analyzer.query_terms("东院 停水"))) == "<mark>東院</mark>５號樓<mark>停水</mark>"
    assert str(analyzer.highlight("<b>低保</b>", ["低保"])) == "&lt;b&gt;<mark>低保</mark>&lt;/b&gt;"


def test_the_fast_path_finds_the_same_terms_as_the_tokenizer():
    """terms() and fold() translate whole strings when they can, counted_terms() finds them with
    regular expressions; they must agree with tokens() and normalize(), which walk character by
    character, on anything (marks, compatibility forms, full-width, emoji, Hangul, CJK extension B)."""
    import random
    from collections import Counter

    rng = random.Random(5)
    alphabet = list("社區活动社区低保醫療abcXYZ123０１２ＡＢ　，。！?é́̈e\u0301\u20dd\ufe0f㍿ﬁ가각ᄀ\u1161ǅ🎉_-·・々〆〇ㄅ𠀀 \n\t")
    alphabet += [chr(rng.randrange(0x20, 0x3000)) for _ in range(300)]
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 30)))
        assert analyzer.terms(text) == [token.text for token in analyzer.tokens(text)], repr(text)
        assert analyzer.fold(text) == "".join(char for char, _, _ in analyzer.normalize(text)), repr(text)
        assert analyzer.counted_terms(text) == (Counter(analyzer.terms(text)), len(analyzer.terms(text))), repr(text)
    for text in ("社区活动 WiFi 3号楼", "第１２号通知：停水。", "Ａ区ǅ㍿🎉𠀀𠀁", "é́ 社区", "社\ud800区", ""):  # (marks, a lone surrogate)
        assert analyzer.counted_terms(text) == (Counter(analyzer.terms(text)), len(analyzer.terms(text))), repr(text)


def test_the_admin_index_keeps_the_pairs_and_the_single_that_ends_a_run():
    """kept_terms() is terms() less the single CJK characters that start a pair (what the admin's
    index keeps, engine.indexed_counts of every term), and counts every term, on anything."""
    import random
    from collections import Counter

    from linli.search.engine import indexed_counts

    rng = random.Random(7)
    alphabet = list("社區活动社区低保醫療abcXYZ123０１２　，。！?é́é️㍿가가🎉_-々〇𠀀 \n")
    alphabet += [chr(rng.randrange(0x20, 0x3000)) for _ in range(300)]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 30)))
        every = analyzer.terms(text)
        kept, length = analyzer.kept_terms(text)
        assert Counter(kept) == +indexed_counts(Counter(every)) and length == len(every), repr(text)
    assert analyzer.kept_terms("社区活动 WiFi") == (["社区", "区活", "活动", "动", "wifi"], 8)


def test_numbers_round_trip():
    for n in (0, 1, 31, 32, 1000, 65535, 2**31):
        assert list(analyzer.decode_numbers(analyzer.encode_number(n))) == [n]


# --- the Whoosh index, item by item -------------------------------------------------------------


def keys(results) -> list[str]:
    return [hit.key for hit in results]


def test_items_enter_and_leave_the_index_as_they_change(home, now):
    notice = m.Notice.create(title="關於社區停水的通知", status="published", body="東院3號樓明天停水。", summary="停水")
    assert index_item(home, notice)
    found = search(home, "社区停水", 10, at=now)
    assert keys(found) == [f"notices:{notice.id}"]
    assert "<mark>" in found[0].title_html and "<mark>" in found[0].snippet
    assert found[0].path == f"notices/{notice.slug}/" and found[0].type_label == "通知公告"

    notice.status = m.DRAFT
    notice.save()
    assert not index_item(home, notice)
    assert search(home, "停水", 10, at=now) == []

    notice.status = m.PUBLISHED
    notice.publish_at = now + dt.timedelta(days=2)
    notice.save()
    assert not index_item(home, notice, at=now)  # scheduled: not public yet
    assert sync_index(home, now + dt.timedelta(days=3)) == (1, 0)
    assert keys(search(home, "停水", 10, at=now + dt.timedelta(days=3))) == [f"notices:{notice.id}"]
    # A stale index never shows what is not public at the moment asked about.
    assert search(home, "停水", 10, at=now) == []
    assert sync_index(home, now + dt.timedelta(days=3)) == (0, 0)  # nothing changed

    remove_item(home, notice)
    assert search(home, "停水", 10, at=now + dt.timedelta(days=3)) == []


def test_related_rows_update_the_page_that_shows_them(home, now):
    grid = m.Grid.create(title="第一网格", status="published", buildings="东院1号楼")
    member = m.GridMember.create(grid=grid, name="周晓梅", work_phone="010-8765-4311", private_phone="13900001311")
    index_item(home, member)
    assert keys(search(home, "周晓梅", 5, at=now)) == [f"grids:{grid.id}"]
    assert search(home, "13900001311", 5, at=now) == []  # the private phone is not indexed
    member.delete_instance()
    remove_item(home, member)
    assert search(home, "周晓梅", 5, at=now) == []


def test_private_fields_are_never_indexed(home, now):
    wish = m.Wish.create(title="想要一副老花镜", status="published", beneficiary="独居的李阿姨",
                         beneficiary_private="李秀兰 东院3号楼2单元", adopter="王建国", adopter_public=False,
                         internal_note="内部：先电话确认度数")  # fmt: skip
    index_item(home, wish)
    assert keys(search(home, "李阿姨", 5, at=now)) == [f"wishes:{wish.id}"]
    for secret in ("李秀兰", "王建国", "内部", "确认度数"):
        assert search(home, secret, 5, at=now) == [], secret


def test_rebuild_and_types(home, now):
    m.Notice.create(title="老人体检通知", status="published")
    m.Place.create(title="老人日间照料中心", status="published")
    m.Place.create(title="老人食堂草稿", status="draft")
    assert rebuild_index(home, now) == 2
    assert len(search(home, "老人", 10, at=now)) == 2
    assert [h.prefix for h in search(home, "老人", 10, types="place", at=now)] == ["places"]
    assert [h.prefix for h in search(home, "老人", 10, types=["notices"], at=now)] == ["notices"]
    assert search(home, "草稿", 10, at=now) == []


def test_a_missing_index_is_built_on_first_search(home, now):
    m.Service.create(title="最低生活保障申请", status="published")
    assert not home.search_index_dir.exists()
    assert [h.title for h in search(home, "低保", 5)] == ["最低生活保障申请"]  # via data/synonyms.txt
    assert open_index(home, create=False) is not None


def test_a_save_does_not_build_a_missing_index(home, now):
    notice = m.Notice.create(title="停水通知", status="published")
    assert index_item(home, notice)  # public: the index will have it…
    remove_item(home, notice)
    assert not home.search_index_dir.exists()  # …but a save does not wait for a whole build
    assert keys(search(home, "停水", 5, at=now)) == [f"notices:{notice.id}"]  # the first search builds it


def test_saves_one_by_one_keep_few_segments_and_the_same_answers(home, now):
    """An item saved again and again leaves one segment of its own (those it replaced are
    dropped, not merged); many items saved keep at most MAX_SEGMENTS and a new one; the answers
    (scores included: field lengths averaged over the documents the index holds now, not those
    it held) are those of an index made from nothing."""
    from linli.search.engine import MAX_SEGMENTS

    notices = [m.Notice.create(title=f"第{i}号楼{'停水' if i % 2 else '停电'}通知", status="published", slug=f"n{i}",
                               body=f"幸福里{i}号楼明天{'停水' * (i % 3 + 1)}，请居民提前储水。") for i in range(40)]  # fmt: skip
    rebuild_index(home, now)

    def segments() -> int:
        with open_index(home, create=False).reader() as reader:
            return len(reader.leaf_readers())

    def answers() -> list:
        return [[(hit.key, round(hit.score, 9)) for hit in search(home, query, 50, at=now)]
                for query in ("停水", "停电", "幸福里 居民", "第7号楼")]  # fmt: skip

    made = segments()
    for edit in range(12):
        notices[7].body += f"（第{edit}次更正）"
        notices[7].save()
        index_item(home, notices[7])
        assert segments() == made + 1
    for notice in notices[:30]:  # shorter: the index's average lengths are those of what it holds now
        notice.body = "明天停水。"
        notice.save()
        index_item(home, notice)
        assert segments() <= MAX_SEGMENTS + 1
    notices[3].delete_instance()
    remove_item(home, notices[3])
    kept = answers()
    rebuild_index(home, now)
    assert kept == answers()


# --- the static index ---------------------------------------------------------------------------


def decode_entry(entry: str) -> tuple[int, list[tuple[int, int]]]:
    numbers = list(analyzer.decode_numbers(entry))
    df, rest = numbers[0], numbers[1:]
    doc, pairs = 0, []
    for i in range(0, len(rest), 2):
        doc += rest[i]
        pairs.append((doc, rest[i + 1]))
    return df, pairs


def script_data(text: str):
    match = re.fullmatch(r'__linliSearch\("([^"]+)",(.*)\)\n', text, re.S)
    return match.group(1), json.loads(match.group(2))


def test_common_terms_keep_only_their_best_documents(home, now):
    total, with_term = 3 * MAX_POSTINGS, MAX_POSTINGS + 30
    rows = [{"title": f"第{i}号通知", "status": "published", "slug": f"n{i}",
             "body": "停水" * (i % 7 + 1) if i < with_term else "通知内容"} for i in range(total)]  # fmt: skip
    m.Notice.insert_many(rows).execute()
    index = build_static_index(now)
    assert index.manifest["docs"] == total
    shard = index.manifest["shards"]
    for term, df_wanted in (("通知", total), ("停水", with_term)):
        name = f"{index.manifest['dir']}s/{analyzer.term_hash(term) % shard:x}.js"
        _, data = script_data(index.text(name))
        df, pairs = decode_entry(data[term])
        assert df == df_wanted and len(pairs) == MAX_POSTINGS
        assert [d for d, _ in pairs] == sorted({d for d, _ in pairs})
        assert all(score > 0 for _, score in pairs)
    # 停水 keeps the documents where it counts most: those that say it most often (and are short).
    _, data = script_data(index.text(f"{index.manifest['dir']}s/{analyzer.term_hash('停水') % shard:x}.js"))
    kept = {d for d, _ in decode_entry(data["停水"])[1]}
    docs = {}
    for path in [p for p in index.hashes if "/d/" in p]:
        _, info = script_data(index.text(path))
        docs[int(path.rsplit("/", 1)[1].removesuffix(".js"), 16)] = info["x"].count("停水")
    assert len(docs) == total
    assert min(docs[d] for d in kept) >= max(docs[d] for d in set(docs) - kept if docs[d])


def index_files(index) -> dict[str, str]:
    return {path: index.text(path) for path in index.hashes}


def test_an_index_kept_item_by_item_equals_one_made_from_nothing(home, now, tmp_path):
    """The state kept between builds, patched change after change, gives exactly the files of an
    index made from nothing; an edit makes again only its display file and its terms' shards."""
    from linli.search.documents import document
    from linli.search.static import State, analyse

    rows = [{"title": f"第{i}号通知：{'停水' if i % 3 else '停电'}安排", "status": "published", "slug": f"n{i}",
             "body": f"幸福里{i}号楼{'居民' * (i % 4 + 1)}请注意。"} for i in range(1, 80)]  # fmt: skip
    m.Notice.insert_many(rows).execute()
    m.Place.create(title="社区卫生服务站", slug="clinic", status="published", body="量血压，测血糖。")
    state = State(tmp_path / "search.db")
    first = build_static_index(now, state=state)
    assert index_files(first) == index_files(build_static_index(now))

    def changed_to(change) -> dict:
        change()
        kept = build_static_index(now, state=state)
        kept.made = set(kept.files)  # made by this update (text() below makes the others on demand)
        fresh = build_static_index(now)
        assert kept.hashes == fresh.hashes and kept.manifest == fresh.manifest
        assert index_files(kept) == index_files(fresh)
        return kept

    notice = m.Notice.get(m.Notice.slug == "n7")
    terms = set(analyse(document(notice))[0])
    notice.body = notice.body.replace("居民", "电梯")  # same lengths: the reference lengths stay
    notice.save()
    terms |= set(analyse(document(notice))[0])
    edited = changed_to(lambda: None)
    made = {path for path in edited.made if "/s/" in path or "/d/" in path}
    shards = edited.manifest["shards"]
    assert made <= {f"i/s/{analyzer.term_hash(t) % shards:x}.js" for t in terms} | {
        f"i/d/{edited.manifest['groups'][0][1] + notice.id:x}.js"}
    assert 0 < len(made) < len(edited.hashes) / 2
    changed_to(lambda: m.Notice.create(title="新通知：停水", slug="new", status="published", body="明天停水。"))
    changed_to(lambda: m.Notice.update(status="draft").where(m.Notice.slug == "n3").execute())
    changed_to(lambda: m.Notice.delete().where(m.Notice.slug == "n4").execute())
    changed_to(lambda: m.Notice.update(expires_at=now - dt.timedelta(days=1), keep_after_expiry=True)
               .where(m.Notice.slug == "n5").execute())  # fmt: skip
    changed_to(lambda: m.Attachment.create(notice=m.Notice.get(m.Notice.slug == "n6"), title="报名表（电梯）",
                                           file="a.pdf", position=1))  # fmt: skip
    # Many more items: the shard count and reference lengths step, and everything is made again.
    grown = changed_to(lambda: m.Notice.insert_many(
        [{"title": f"补充{i}", "status": "published", "slug": f"x{i}", "body": "长" * 400} for i in range(300)]
    ).execute())  # fmt: skip
    assert grown.manifest["shards"] > shards


def test_long_postings_patched_edit_after_edit_equal_made_from_nothing(home, now, tmp_path, monkeypatch):
    """A term in more than MAX_POSTINGS documents, patched edit after edit (a document of its tail
    weighed anew, one of its best falling behind, one rising into them, its list shrinking to
    MAX_POSTINGS): the files and the state's postings are those of an index made from nothing, and
    the shards are patched, never all made again, a few at a time (a patch holds at most
    SHARDS_PER_PATCH shards' postings: here 2, so that an edit's shards come in several rounds)."""
    import marshal

    from linli.search import static

    monkeypatch.setattr(static, "SHARDS_PER_PATCH", 2)
    with_term = MAX_POSTINGS + 30
    rows = [{"title": f"第{i}号通知", "status": "published", "slug": f"n{i}",
             "body": "停水" * (i % 7 + 1) + "，请注意。" if i < with_term else "通知内容，请注意。"}
            for i in range(2 * with_term)]  # fmt: skip
    m.Notice.insert_many(rows).execute()
    state = static.State(tmp_path / "search.db")
    build_static_index(now, state=state)
    remade = []
    real = static._make_all_shards
    monkeypatch.setattr(static, "_make_all_shards", lambda *args: remade.append(1) or real(*args))

    def postings(index) -> dict:
        return {n: marshal.loads(blob) for n, blob in index.state.db.execute("SELECT number, postings FROM shards")}

    def edit(slug: str, body) -> None:
        before = m.Notice.get(m.Notice.slug == slug).body
        m.Notice.update(body=body(before) if callable(body) else body).where(m.Notice.slug == slug).execute()
        kept = build_static_index(now, state=state)
        assert not remade  # patched
        fresh = build_static_index(now)
        remade.clear()
        assert kept.hashes == fresh.hashes and kept.manifest == fresh.manifest
        assert index_files(kept) == index_files(fresh)
        assert postings(kept) == postings(fresh)

    edit("n7", "停水，请大家注意。")  # once, in a longer body: still in the tail, weighed anew
    edit("n6", "停水，请注意。")  # one of the best (seven times) falls into the tail
    edit("n8", "停水" * 9 + "，请注意。")  # and one rises
    edit(f"n{with_term}", "停水" * 7)  # a document without the term joins its best
    for number in range(1, 32):  # its list shrinks, one document at a time, to MAX_POSTINGS and under
        edit(f"n{7 * number - 2}", lambda body: body.replace("停水", "停电"))  # (the same lengths)


def test_shards_made_a_range_at_a_time_are_the_same(home, now, monkeypatch):
    """Made again from the state a range of shards at a time (the postings of a large index are
    not all held at once), the index has the same files as made in one pass."""
    from linli.search import static

    rows = [{"title": f"第{i}号通知：{'停水' if i % 3 else '停电'}安排", "status": "published", "slug": f"n{i}",
             "body": f"幸福里{i}号楼{'居民' * (i % 4 + 1)}请注意，社区 WiFi {i}。"} for i in range(1, 120)]  # fmt: skip
    m.Notice.insert_many(rows).execute()
    whole = index_files(build_static_index(now))
    made = []
    real = static._make_all_shards

    def counted(state, shards, reference):
        postings = state.db.execute("SELECT sum(postings) FROM docs").fetchone()[0]
        made.append(-(-postings // static.POSTINGS_PER_PASS))
        return real(state, shards, reference)

    monkeypatch.setattr(static, "_make_all_shards", counted)
    monkeypatch.setattr(static, "POSTINGS_PER_PASS", 300)
    assert index_files(build_static_index(now)) == whole
    assert made and made[0] > 3


def _site_files(home) -> dict:
    return {p.relative_to(home.site_dir).as_posix(): p.read_bytes() for p in home.site_dir.rglob("*") if p.is_file()}


def _many_documents(now) -> None:
    """Notices with Markdown bodies, one with an attachment, one kept after it expired."""
    rows = [{"title": f"第{i}号通知：{'停水' if i % 3 else '停电'}", "status": "published", "slug": f"n{i}",
             "body": f"## 安排\n\n幸福里**{i}号楼**{'居民' * (i % 4 + 1)}请注意。\n\n- 时间：明天\n- 地点：{i}栋"}
            for i in range(1, 40)]  # fmt: skip
    m.Notice.insert_many(rows).execute()
    m.Attachment.create(notice=m.Notice.get(m.Notice.slug == "n6"), title="报名表（电梯）", file="a.pdf", position=1)
    m.Notice.update(expires_at=now - dt.timedelta(days=1), keep_after_expiry=True).where(m.Notice.slug == "n5").execute()


def test_a_full_build_analyses_many_documents_in_worker_processes_alike(home, now, monkeypatch):
    """Many documents to analyse (a first build): worker processes analyse them, a batch at a
    time, before the pages are frozen; the site (search index and pages) is the one a build that
    analyses them in its own process makes, and every body is rendered once, into the build's store."""
    import shutil
    import sqlite3

    from linli.search import static

    _many_documents(now)
    build(home, now=now, full=True)  # (fewer than PARALLEL_DOCUMENTS: in the build's process)
    alone = _site_files(home)
    started = []

    class Counted(static.Workers):
        def start(self, target, *args):
            started.append(target.__name__)
            super().start(target, *args)

    monkeypatch.setattr(static, "Workers", Counted)
    monkeypatch.setattr(static, "PARALLEL_DOCUMENTS", 10)
    monkeypatch.setattr(db, "IN_BATCH", 7)  # several batches for each worker
    shutil.rmtree(home.site_dir)
    shutil.rmtree(home.root / ".build-cache")
    build(home, now=now, full=True)
    assert "_analyse_apart" in started
    assert _site_files(home) == alone
    store = sqlite3.connect(home.root / ".build-cache" / "rendered.db")
    assert store.execute("SELECT count(*) FROM rendered WHERE html LIKE '%<strong>12号楼</strong>%'").fetchone() == (1,)
    store.close()


def test_a_failing_document_worker_leaves_the_site_as_it_was(home, now, monkeypatch):
    """A batch that fails in a worker process: staff get a message naming the search index, the
    site is untouched, and the next build makes it whole."""
    from linli.errors import LinliError
    from linli.search import static

    _many_documents(now)
    build(home, now=now, full=True)
    before = _site_files(home)
    real = static.display_data

    def failing(doc):
        if doc.slug == "n13":
            raise ValueError("坏数据")
        return real(doc)

    monkeypatch.setattr(static, "display_data", failing)
    monkeypatch.setattr(static, "PARALLEL_DOCUMENTS", 10)
    monkeypatch.setattr(db, "IN_BATCH", 7)
    m.Notice.update(body="改过的内容").where(m.Notice.id > 0).execute()  # every document changed
    with pytest.raises(LinliError, match="搜索索引.*坏数据.*原来的网站没有改动"):
        build(home, now=now, full=True)
    assert _site_files(home) == before
    monkeypatch.setattr(static, "display_data", real)
    build(home, now=now)
    assert "改过的内容" in (home.site_dir / "notices" / "n13" / "index.html").read_text(encoding="utf-8")


def test_a_damaged_search_state_is_made_again(home, now):
    m.Notice.create(title="停水通知", slug="water", status="published", body="明天停水。")
    build(home, now=now)
    state = home.root / ".build-cache" / "search.db"
    before = {p.relative_to(home.site_dir): p.read_bytes() for p in (home.site_dir / "search").rglob("*.js")}
    state.write_bytes(b"not a database" * 100)
    build(home, now=now, full=True)
    after = {p.relative_to(home.site_dir): p.read_bytes() for p in (home.site_dir / "search").rglob("*.js")}
    assert after == before and state.read_bytes().startswith(b"SQLite format 3")


@pytest.fixture
def demo_db(text_demo_site):
    """The session's built demo (no photos), shared: tests here only read it."""
    db.connect(text_demo_site.database_url)
    yield text_demo_site
    db.database.close()


@pytest.fixture
def own_demo(text_demo_site, copy_home, tmp_path):
    """A copy of the built demo of this test's own, bound: for a test that makes the index again."""
    home = copy_home(text_demo_site, tmp_path / "home")
    db.connect(home.database_url)
    yield home
    db.database.close()


def test_no_private_word_reaches_any_file_of_the_site(demo_db):
    site = demo_db.site_dir
    index_files = list((site / "search").rglob("*.js"))
    assert len(index_files) > 50
    secrets = {"内部"}  # the demo writes this word only into staff-only notes
    private_items = 0
    for model in m.CONTENT_MODELS:
        for item in model.select():
            if not is_public(item, NOW):
                secrets.add(item.title)
                private_items += 1
            if item.internal_note:
                secrets.add(item.internal_note[:12])
    secrets |= {w.beneficiary_private.splitlines()[0][:8] for w in m.Wish.select() if w.beneficiary_private}
    secrets |= {g.private_phone for g in m.GridMember.select() if g.private_phone}
    secrets = {s for s in secrets if len(s) >= 4 or s == "内部"}
    assert private_items >= 8 and len(secrets) > 10
    leaks = []
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        data = path.read_bytes()
        leaks += [f"{path.relative_to(site)}: {s}" for s in secrets if s.encode() in data]
    assert leaks == []
    # and no term of a draft-only title is in the static index: draft titles' rare pairs are absent
    draft = m.Notice.get(m.Notice.title == "西院雨污分流管道改造施工公告")
    assert not is_public(draft, NOW)
    shards = "".join(p.read_text(encoding="utf-8") for p in index_files)
    assert '"污分"' not in shards and '"雨污"' not in shards


def test_search_index_folder_holds_only_public_items(own_demo):
    rebuild_index(own_demo, NOW)
    ix = open_index(own_demo)
    with ix.searcher() as searcher:
        stored = list(searcher.all_stored_fields())
    ix.close()
    with_pages = [kind.model for kind in registry.with_pages()]  # 爱心银行's members: staff-only, no page
    assert m.LoveBankMember not in with_pages and m.LoveBankMember.select().count()
    public_keys = {f"{model.url_prefix}:{item.id}" for model in with_pages for item in model.select()
                   if is_public(item, NOW)}  # fmt: skip
    assert {fields["key"] for fields in stored} == public_keys
    data = b"".join(p.read_bytes() for p in own_demo.search_index_dir.rglob("*") if p.is_file())
    assert "内部".encode() not in data and "西院雨污分流管道改造施工公告".encode() not in data


def test_the_index_answers_every_term_of_the_analyzer_with_its_exact_counts(own_demo):
    """The index leaves out the single characters that start a pair; a query of one character
    still gets, per document and field, as many as the analyzer finds, and the fields' lengths
    count every term."""
    from collections import Counter

    from linli.search import analyzer
    from linli.search.documents import public_documents
    from linli.search.engine import FIELDS, _postings

    rebuild_index(own_demo, NOW)
    documents = {doc.key: doc for doc in public_documents(NOW)}
    ix = open_index(own_demo)
    with ix.searcher() as searcher:
        reader = searcher.reader()
        key_of = {docnum: fields["key"] for docnum, fields in enumerate(searcher.all_stored_fields())}
        singles = 0
        for f in FIELDS:
            wanted: dict[str, dict[str, int]] = {}
            for key, doc in documents.items():
                for term, count in Counter(analyzer.terms(doc.indexed(f))).items():
                    wanted.setdefault(term, {})[key] = count
            for term, counts in wanted.items():
                singles += len(term) == 1 and analyzer.char_class(term) == analyzer.CJK
                assert {key_of[d]: tf for d, tf in _postings(reader, f, term)} == counts, (f, term)
            total = sum(len(analyzer.terms(doc.indexed(f))) for doc in documents.values())
            assert searcher.field_length(f) == total
    ix.close()
    assert singles > 500


def test_the_search_page_offers_categories_and_title_indexes_without_javascript(demo_db):
    site = demo_db.site_dir
    page = (site / "search" / "index.html").read_text(encoding="utf-8")
    assert '<form class="search-form" id="search-form" role="search" action="index.html" method="get">' in page
    assert 'action="../search/index.html"' in (site / "notices" / "index.html").read_text(encoding="utf-8")
    assert "<noscript>" in page and "../notices/category/" in page and "../services/category/" in page
    for group in ("notice", "service", "place", "story", "event", "other"):
        assert f'href="titles/{group}/index.html"' in page
    titles = (site / "search" / "titles" / "service" / "index.html").read_text(encoding="utf-8")
    assert "最低生活保障申请" in titles and "居家适老化改造补贴申请" not in titles  # a draft
    assert re.search(r'<script src="search-[0-9a-f]{10}.js" defer></script>', page)
    assert "<script src" not in titles  # the search client loads on the search page only
    manifest = json.loads(re.search(r'data-manifest="([^"]+)"', page).group(1).replace("&#34;", '"'))
    assert (site / "search" / manifest["client"]).is_file()
    assert (site / "search" / manifest["dir"] / "manifest.json").is_file()
    assert check_site(site).problems == []


def test_the_preview_server_answers_on_the_server(demo_db):
    client = create_public_app(demo_db, now=NOW).test_client()
    html = client.get("/search/?q=社區活動").get_data(as_text=True)
    assert "<mark>" in html and "找到 2 条结果" in html and "search.js" not in html
    html = client.get("/search/?q=老人&type=place").get_data(as_text=True)
    assert "幸福里日间照料中心" in html and "通知公告 ·" not in html
    assert client.get("/search/titles/nothing/").status_code == 404
    assert client.get("/search/titles/place/").status_code == 200


def test_builds_of_the_same_content_write_the_same_index(demo_db):
    first = build_static_index(NOW)
    second = build_static_index(NOW)
    assert first.version == second.version and first.files == second.files
    assert first.version in (demo_db.site_dir / "search" / "index.html").read_text(encoding="utf-8")
