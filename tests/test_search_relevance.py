"""Relevance over the demo community: the expected first result of every query in
tests/search_relevance.txt, from the admin's search (Whoosh) and from the built site's static
index ranked by the browser client's own code under Node; a Traditional query finds what its
Simplified twin finds, in both."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from linli import db
from linli.home import Home
from linli.search import search
from tests.conftest import NOW
from tests.browser import require_node

pytestmark = pytest.mark.sqlite_only(reason="ranking by the search client in Node over built files; the index's queries run in tests/test_search.py on both")

HERE = Path(__file__).resolve().parent
NODE = shutil.which("node")


def relevance_set() -> list[tuple[str, list[str]]]:
    cases = []
    for line in (HERE / "search_relevance.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            query, _, expected = line.partition("|")
            cases.append((query.strip(), [e.strip() for e in expected.split("||")]))
    return cases


CASES = relevance_set()
TWINS = [("社區活動", "社区活动"), ("醫療保險", "医疗保险"), ("網格員", "网格员"), ("養老", "养老"),
         ("停車位", "停车位"), ("長者食堂", "长者食堂"), ("衛生服務站", "卫生服务站"), ("臺灣", "台湾"),
         ("低保邊緣", "低保边缘"), ("居委會", "居委会")]  # fmt: skip


@pytest.fixture
def demo(text_demo_site) -> Home:
    """The session's demo (no photos) built at NOW, with the admin's index made at NOW; shared:
    tests here only read it."""
    return text_demo_site


@pytest.fixture
def demo_db(demo):
    db.connect(demo.database_url)
    yield demo
    db.database.close()


def static_search(site: Path, queries: list[dict]) -> list[dict]:
    require_node()
    done = subprocess.run(
        [NODE, str(HERE / "search_relevance.js"), str(site)], input=json.dumps(queries),
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return json.loads(done.stdout)


def test_the_set_is_big_enough():
    assert len(CASES) >= 40
    assert len({q for q, _ in CASES}) == len(CASES)


def test_admin_search_ranks_the_expected_result_first(demo_db):
    wrong = []
    for query, expected in CASES:
        hits = search(demo_db, query, 3, at=NOW)
        top = hits[0].title if hits else None
        if top not in expected:
            wrong.append(f"{query}: got {top!r}, want {expected[0]!r}")
    assert wrong == []


def test_static_index_ranks_the_expected_result_first(demo):
    answers = static_search(demo.site_dir, [{"q": q} for q, _ in CASES])
    wrong = [
        f"{query}: got {answer['titles'][:1]}, want {expected[0]!r}"
        for (query, expected), answer in zip(CASES, answers)
        if answer["titles"][:1] != expected[:1] and (not answer["titles"] or answer["titles"][0] not in expected)
    ]
    assert wrong == []


def test_traditional_query_finds_what_its_simplified_twin_finds(demo_db):
    answers = static_search(demo_db.site_dir, [{"q": q} for pair in TWINS for q in pair])
    for index, (traditional, simplified) in enumerate(TWINS):
        admin_t = [h.key for h in search(demo_db, traditional, 50, at=NOW)]
        admin_s = [h.key for h in search(demo_db, simplified, 50, at=NOW)]
        assert admin_t == admin_s, traditional
        static_t, static_s = answers[2 * index], answers[2 * index + 1]
        assert static_t["terms"] == static_s["terms"], traditional
        assert static_t["titles"] == static_s["titles"], traditional
    assert any(answers[2 * i]["titles"] for i in range(len(TWINS)))


def test_type_filter_keeps_one_kind(demo_db):
    hits = search(demo_db, "老人", 50, types="place", at=NOW)
    assert hits and {h.prefix for h in hits} == {"places"}
    answers = static_search(demo_db.site_dir, [{"q": "老人", "type": "place"}, {"q": "老人"}])
    assert answers[0]["titles"] and set(answers[0]["titles"]) <= {h.title for h in hits}
    assert answers[0]["total"] < answers[1]["total"]


def test_a_query_with_a_word_nowhere_falls_back_to_partial_matches(demo_db):
    hits = search(demo_db, "消防演练", 5, at=NOW)
    assert hits.partial and hits[0].title == "12月2日东院消防疏散演练通知"
    assert not search(demo_db, "停水", 5, at=NOW).partial
    assert search(demo_db, "xyzzy", 5, at=NOW) == []
    assert search(demo_db, "  ，。！ ", 5, at=NOW) == []
