"""One analyzer, two languages: linli/search/analyzer.py and the browser client
(themes/default/static/js/search.js, run here under Node) give identical tokens, spans, query
terms, shard hashes, folding and highlights on a shared list of strings."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from linli.search import analyzer
from linli.home import Home
from linli.search.static import client_file
from tests.browser import require_node

pytestmark = pytest.mark.database_free

ROOT = Path(__file__).resolve().parent.parent
CLIENT = ROOT / "themes" / "default" / "static" / "js" / "search.js"
NODE = shutil.which("node")

SHARED = [
    "",
    "   \t\n",
    "社区活动",
    "社區活動",
    "幸福里社区居委会办公时间及联系电话",
    "關於11月30日西院1—4號樓計劃停水的通知",
    "低保、停水、托老站，社區活動！",
    "【紧急】东院5号楼供水管道破裂抢修，临时停水",
    "乾淨的頭髮，後來著名的臺灣麵店；什么山峰？",
    "偽造、啟事、衞生、著急、枱燈",
    "WiFi密码：HappyHome2026，请勿外传。",
    "ＦＵＬＬ－ＷＩＤＴＨ　ｌｅｔｔｅｒｓ　１２３　和　ＡＢＣ",
    "e-mail: shequ@example.org; tel 010-8765-4300 / 13800004321",
    "COVID-19 疫苗 2nd dose 60岁+",
    "❤️👍🏽👨‍👩‍👧 社区 🎉🎉 emoji✨结束",
    "Café naïve coöperate résumé (decomposed: Cafe\u0301 nai\u0308ve)",
    "İstanbul ΣΊΣΥΦΟΣ ὈΔΥΣΣΕΎΣ Straße ǅemal ﬁnance ﬀ",
    "Ⅻ ½ ² ① ㍿ ㈱ ℌ Å K µ ™",
    "々〇〆 ヶ月 ひらがな カタカナ ｶﾀｶﾅ 한국어 텍스트 ㄅㄆㄇ",
    "𠀀𠀁 𫝈 𪠟 CJK扩展B 𩸽",
    "豈更車 (compatibility ideographs)",
    "العربية עברית हिन्दी ไทย Ελληνικά русский",
    "zero\u200bwidth\u200dspace\u00a0nbsp\u3000ideographic\u00adsoft",
    "\u0301leading mark 社\ufe00区\U000e0100活动",
    "a_b snake_case CamelCase 3.14159 1,000,000 ２０２６年",
    "「引号」『书名』《通知》〈标题〉——破折号……省略号",
    "<script>alert('x')</script> & &amp; \"quotes\"",
    "tab\tand\nnew\rlines\u2028sep\u2029para",
    "constructor __proto__ toString hasOwnProperty",
    "一二三四五六七八九十" * 12,
]

HIGHLIGHTS = [
    ("【紧急】东院5号楼供水管道破裂抢修，临时停水", "停水 东院"),
    ("幸福里社區活動中心：活動豐富", "社区活动"),
    ("<b>低保</b> & 低保边缘家庭 " * 5, "低保"),
    ("WiFi 密码 wifi WIFI", "ＷＩＦＩ"),
]

NODE_SCRIPT = r"""
const fs = require("fs");
const client = require(process.argv[1]);
const input = JSON.parse(fs.readFileSync(0, "utf8"));
client.setTable(input.table);
const out = {
  strings: input.strings.map((text) => ({
    tokens: client.tokens(text).map((t) => [t.text, t.start, t.end]),
    query: client.queryTerms(text),
    hashes: client.queryTerms(text).map(client.termHash),
    folded: client.normalize(text).map((c) => c[0]).join(""),
  })),
  highlights: input.highlights.map(([text, query]) => {
    const wanted = Object.create(null);
    client.queryTerms(query).forEach((t) => { wanted[t] = true; });
    return [client.highlight(text, wanted), client.snippet(text, wanted, 30)];
  }),
  table: client.normalize(input.keys).map((c) => c[0]).join(""),
  numbers: client.decodeNumbers(input.encoded),
};
process.stdout.write(JSON.stringify(out));
"""


def utf16(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


def python_side(text: str) -> dict:
    return {
        "tokens": [[t.text, utf16(text, t.start), utf16(text, t.end)] for t in analyzer.tokens(text)],
        "query": analyzer.query_terms(text),
        "hashes": [analyzer.term_hash(t) for t in analyzer.query_terms(text)],
        "folded": analyzer.fold(text),
    }


@pytest.fixture(scope="module")
def node_side():
    require_node()
    numbers = [0, 1, 31, 32, 1023, 1024, 65535, 10**9]
    payload = {
        "table": analyzer.table_data(),
        "strings": SHARED,
        "highlights": HIGHLIGHTS,
        "keys": "".join(analyzer.fold_table()),
        "encoded": "".join(analyzer.encode_number(n) for n in numbers),
    }
    done = subprocess.run(
        [NODE, "-e", NODE_SCRIPT, str(CLIENT)], input=json.dumps(payload), capture_output=True, text=True,
        check=True, timeout=60,
    )  # fmt: skip
    result = json.loads(done.stdout)
    result["expected_numbers"] = numbers
    return result


@pytest.mark.parametrize("index", range(len(SHARED)), ids=[repr(s[:12]) for s in SHARED])
def test_tokens_are_identical(node_side, index):
    assert node_side["strings"][index] == python_side(SHARED[index])


def test_highlights_are_identical(node_side):
    for (text, query), (js_highlight, js_snippet) in zip(HIGHLIGHTS, node_side["highlights"]):
        wanted = analyzer.query_terms(query)
        assert js_highlight == str(analyzer.highlight(text, wanted))
        assert js_snippet == str(analyzer.snippet(text, wanted, 30))
        assert "<mark>" in js_highlight


def test_the_whole_fold_table_is_read_alike(node_side):
    table = analyzer.fold_table()
    assert node_side["table"] == analyzer.fold("".join(table)) == "".join(table.values())
    assert node_side["numbers"] == node_side["expected_numbers"]


def test_the_browser_gets_the_same_table_in_the_client_file(tmp_path):
    name, content = client_file(Home.create(tmp_path / "home"))
    assert content.endswith(f'\n__linliSearch("fold",{json.dumps(analyzer.table_data())})\n')
    assert name.startswith("search-") and name.endswith(".js")
    if require_node():  # the minified client still runs and reads its own table
        script = "global.window = global; require(process.argv[1]); console.log(window.LinliSearch.queryTerms('社區'))"
        (tmp_path / "client.js").write_text(content, encoding="utf-8")
        done = subprocess.run([NODE, "-e", script, str(tmp_path / "client.js")], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
