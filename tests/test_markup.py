"""Markdown → safe HTML: sanitising, CJK line joining, headings, tables."""

from __future__ import annotations

import re

import pytest

from linli.markup import plain_text, render_markdown

pytestmark = pytest.mark.database_free

ATTACKS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">点我</a>',
    "[点我](javascript:alert(1))",
    "[点我](JaVaScRiPt:alert(1))",
    "[点我](java&#x09;script:alert(1))",
    "![图](javascript:alert(1))",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    '<iframe src="https://evil.example/"></iframe>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p onclick="alert(1)">段落</p>',
    "<style>body{display:none}</style>",
    '<form action="https://evil.example/"><input name=a></form>',
    '"><script>alert(1)</script>',
    "<a href='x' onmouseover='alert(1)'>悬停</a>",
    "<object data=x></object><embed src=x>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<meta http-equiv=refresh content='0;url=https://evil.example/'>",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_nothing_that_can_run_survives(attack):
    html = str(render_markdown(f"正文\n\n{attack}\n\n结尾"))
    lowered = html.lower()
    for bad in ("<script", "onerror", "onload", "onclick", "onmouseover", "javascript:", "data:text",
                "<iframe", "<svg", "<style", "<form", "<object", "<embed", "<meta", "<math"):  # fmt: skip
        assert bad not in lowered, (attack, html)
    assert "正文" in html and "结尾" in html


def test_safe_links_and_images_are_kept():
    html = str(render_markdown("[办事](/services/低保/) [电话](tel:010-1234) ![照片](/media/photos/a.jpg)"))
    assert '<a href="/services/低保/" rel="noopener noreferrer">办事</a>' in html
    assert 'href="tel:010-1234"' in html
    img = re.search(r"<img [^>]*>", html).group(0)
    for attribute in ('src="/media/photos/a.jpg"', 'alt="照片"', 'loading="lazy"'):
        assert attribute in img


def test_newline_between_chinese_characters_is_not_a_space():
    html = str(render_markdown("明天上午九点\n停水，请居民\n提前储水。\nPlease store\nwater."))
    assert "明天上午九点停水，请居民提前储水。" in html
    assert "Please store\nwater." in html  # Latin text keeps its word break
    assert "储水。\nPlease" in html  # a break between Chinese and Latin stays a space


def test_code_blocks_keep_their_line_breaks():
    html = str(render_markdown("```\n第一行\n第二行\n```"))
    assert "第一行\n第二行" in html


def test_heading_ids_keep_chinese_and_h1_is_demoted():
    html = str(render_markdown("# 办理流程\n\n## 所需材料"))
    assert '<h2 id="办理流程">办理流程</h2>' in html
    assert '<h2 id="所需材料">所需材料</h2>' in html
    assert "<h1" not in html


def test_tables_render():
    html = str(render_markdown("| 楼栋 | 时间 |\n|:--|--:|\n| 3号楼 | 9:00 |"))
    assert "<table>" in html and '<td style="text-align:left">3号楼</td>' in html


def test_plain_text_for_share_descriptions():
    assert plain_text("## 标题\n\n**加粗**的<b>文字</b> &amp; 更多", limit=12) == "标题 加粗的文字 &…"
    assert plain_text("") == ""


def _make_store_and_write(path, number: int, start, outcomes) -> None:
    """A process that, like a page worker of a first build, opens the store and writes to it."""
    from linli.markup import RenderedStore

    start.wait()
    try:
        store = RenderedStore(path)
        store.get(f"第{number}条", str.upper)
        store.close()
        outcomes.put("ok")
    except Exception as exc:  # noqa: BLE001 (sent to the test, which names it)
        outcomes.put(f"{type(exc).__name__}: {exc}")


def test_processes_making_the_rendered_store_at_once_all_succeed(tmp_path):
    """The worker processes of a first build make the store's new file side by side. Switching
    it to WAL, SQLite answered all but one "database is locked" without waiting (about one
    trial in three here failed so, and a first build now and then); every one now succeeds and
    every body is kept."""
    import multiprocessing

    from linli.markup import RenderedStore

    context = multiprocessing.get_context("fork")
    for trial in range(30):
        path = tmp_path / f"store-{trial}.db"
        start, outcomes = context.Barrier(3), context.Queue()
        processes = [context.Process(target=_make_store_and_write, args=(path, n, start, outcomes)) for n in range(3)]
        for process in processes:
            process.start()
        results = [outcomes.get(timeout=60) for _ in processes]
        for process in processes:
            process.join()
        assert results == ["ok"] * 3, (trial, results)
        store = RenderedStore(path)
        kept = [store.get(f"第{n}条", lambda text: "rendered again") for n in range(3)]
        assert kept == ["第0条", "第1条", "第2条"]
        store.close()


def test_texts_without_inline_marks_skip_the_inline_patterns_and_render_as_before():
    """The inline processor leaves a text without any inline pattern's mark as it is; every body
    renders as with Python-Markdown's own processor (the demo's, the bench's long notices, and
    texts with each mark), and a Python-Markdown that registers a new inline pattern fails here
    until the marks are checked again."""
    import random
    from pathlib import Path

    from markdown.treeprocessors import InlineProcessor

    from bench.long_articles import article
    from linli import markup

    ours = markup._markdown()
    stock = markup._markdown()
    stock.treeprocessors.register(InlineProcessor(stock), "inline", 20)
    assert type(ours.treeprocessors["inline"]) is markup._InlineProcessor
    assert list(ours.inlinePatterns._data) == [
        "backtick", "escape", "reference", "link", "image_link", "image_reference", "short_reference",
        "short_image_ref", "autolink", "automail", "linebreak", "html", "entity", "em_strong",
    ]  # fmt: skip
    demo = Path(markup.__file__).parent / "demo_content"
    bodies = [path.read_text(encoding="utf-8") for path in sorted(demo.rglob("*.md"))]
    rng = random.Random(7)
    bodies += ["\n\n".join(article(rng)[1:]) for _ in range(40)]
    marks = ["`代码`", r"\*不是强调\*", "[链接](https://example.org/)", "![图](/media/a.jpg)", "<https://example.org>",
             "<a@b.cn>", "第一行  \n第二行", "<b>粗</b>", "&amp; &#20013;", "**强调**", "__强调__", "*斜*", "_斜_",
             "[引用][1]\n\n[1]: https://example.org/", "! [ ] ] [", "a * b _ c", "&nbsp;", "电话 13900001311。"]  # fmt: skip
    bodies += [f"通知：{mark}之后。\n\n- 一项{mark}\n- 二项\n\n| 列 | 列 |\n|---|---|\n| {mark} | 平 |" for mark in marks]
    assert sum(markup._INLINE_MARK.search(body) is None for body in bodies) < len(bodies)
    plain = 0
    for body in bodies:
        ours.reset(), stock.reset()
        assert ours.convert(body) == stock.convert(body), body
        plain += sum(markup._INLINE_MARK.search(p) is None for p in body.split("\n\n"))
    assert plain > 100  # (the fast way was taken)
