"""Markdown → HTML is always well-formed: whatever staff paste, the body parses without a single
HTML5 parse error (html5lib, the check ``linli check`` runs) inside the page's ``<div class="prose">``,
keeps nothing that could run, and builds into a site that passes ``linli check``."""

from __future__ import annotations

import re

import html5lib
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from linli import markup
from linli.check import check_site, html_errors
from linli.markup import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, plain_text, render_markdown, sanitize_html

# Attributes the sanitiser itself adds, and those it allows on every element.
ADDED_ATTRIBUTES = {"a": {"rel"}, "img": {"loading", "decoding"}}
GENERIC_ATTRIBUTES = {"title", "lang"}


def page(body: str) -> str:
    """``body`` where the theme puts it: a complete, otherwise error-free page."""
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>通知</title></head>'
        f'<body><main><article><div class="prose">{body}</div><p>页脚</p></article></main></body></html>'
    )


def unsafe_parts(html: str) -> list[str]:
    """Elements and attributes of rendered ``html`` that the allowlist does not name."""
    fragment = html5lib.parseFragment(html, container="div", namespaceHTMLElements=False)
    bad = []
    for element in fragment.iter():
        if not isinstance(element.tag, str) or element is fragment:
            continue  # comments are functions in ElementTree
        if element.tag not in ALLOWED_TAGS:
            bad.append(element.tag)
        allowed = ALLOWED_ATTRIBUTES.get(element.tag, set()) | ADDED_ATTRIBUTES.get(element.tag, set()) | GENERIC_ATTRIBUTES
        bad += [f"{element.tag}[{name}]" for name in element.attrib if name not in allowed]
        for name in ("href", "src"):
            if element.get(name, "").strip().lower().startswith(("javascript:", "data:", "vbscript:")):
                bad.append(f"{element.tag}[{name}={element.get(name)}]")
    return bad


# --- the explicit cases ---------------------------------------------------------------------

CASES = [
    "<marquee onstart=alert(1)>\n\n段落",  # issue 12: <p><p></p>\n<p>段落</p></p>
    "<marquee>滚动通知</marquee>\n\n第二段",
    "<div>\n\n段落一\n\n段落二",  # an unclosed raw HTML block
    "<b>加粗没有关上\n\n下一段",
    "<em>\n\n# 标题\n\n</em>",
    "停水</style>通知\n\n</style>",
    "<style>p{color:red}\n\n段落</style>\n\n后面",
    "<select><option>一号楼</option><option>二号楼\n\n段落",
    "<select>\n\n<p>在下拉框里</p>\n\n</select>",
    "<!-- 注释 -->\n\n段落<!-- 没有关上的注释\n\n还在注释里吗",
    "<!--> <!---> <!-- -- --!> 段落",
    "<b><p>块在行内元素里</p></b>",
    "<a href=/notices/>链接<p>段落</p>结尾</a>",
    "<em>强调<div>块</div>继续</em>\n\n下一段",
    "<table><tr><td>一\n\n二</td></tr>",
    "<table>表格外的字<tr><td>格</td></tr></table>",
    "| 楼 | 时间 |\n|---|---|\n| <div>1 | 8:00 </div>|\n\n段落",
    "</div></div></p></li>\n\n段落",
    "<![CDATA[ <b>x</b> ]]>\n\n段落",
    "<?php echo 1; ?>\n\n<!doctype html>\n\n段落",
    "<button><p>按钮里的段落</button>\n\n段落",
    "<object><p>对象</object><applet><p>x</applet>",
    "<template><p>模板</template>\n\n段落",
    "<svg><p>图</p><foreignObject><p>外来</p></foreignObject></svg>",
    "<math><mi><p>x</mi></math>\n\n<math><mtext><table>",
    "<noscript><p>x</p></noscript><iframe><p>x</iframe>",
    "<xmp><b>x</xmp><textarea><p></textarea><plaintext><b>x",
    "<form><form><input></form>\n\n<li>列表外的项\n\n<dd>定义",
    "<h2><h3>标题</h2></h3>\n\n<h1>一级</h1>",
    "<h4>x<a>a<applet>b<h3>c<a href=/y>d",  # the parser's own tree: <h3> right inside <h4>
    "<h3><a>小标题<marquee><h4>更小<a>链接",
    "<pre>\n\n代码</pre>\n\n<listing>\n清单</listing>",
    "<nobr><nobr>x</nobr><ruby>字<rt>zi</ruby>",
    "<li>一<figcaption>说明<li>二\n\n<dd>三<figure><figcaption><dt>四",  # parsers disagree on <figcaption>
    "x &#1; y &#x80; &#xFFFE; &#0; &#xD800; &#x110000; \x01 \x7f \ufdd0 \U0001fffe 完",
    "\x02wzxhzdk:0\x03 \x02klzzwxh:0\x03 占位符",
    "<a href='javascript:alert(1)'><img src=/ onerror=alert(1)></a>\n\n<p title='</p><script>alert(1)</script>'>x",
    "<frameset><frame></frameset><body onload=alert(1)><html><head><title>x</title>",
    "* 列表\n<div>\n* 项</div>\n\n> 引用 <p>\n> 继续",
    "```\n<p>代码里的</div>\n```\n\n    缩进代码 <b>",
]


@pytest.mark.parametrize("text", CASES)
def test_hostile_or_odd_bodies_render_well_formed(text):
    html = str(render_markdown(text))
    assert html_errors(page(html)) == [], html
    assert unsafe_parts(html) == [], html


def test_the_issue_case_keeps_the_paragraph_outside_any_other():
    html = str(render_markdown("<marquee onstart=alert(1)>\n\n段落"))
    assert "<p>段落</p>" in html and "<p><p>" not in html and "marquee" not in html and "onstart" not in html
    assert html.rstrip().endswith("<p>段落</p>")  # nothing closed after it: it is inside no other paragraph
    assert "<p></p>" not in html  # nor does the removed element leave empty paragraphs


def test_text_around_removed_elements_is_kept():
    html = str(render_markdown("<marquee>滚动通知</marquee>\n\n<select><option>一号楼</select>\n\n<b><p>块</p></b>"
                               "<figure><figcaption>照片说明</figcaption></figure>"))  # fmt: skip
    for word in ("滚动通知", "一号楼", "块", "照片说明"):
        assert word in html
    assert plain_text("x &#1; 完\x07成") == "x 完成"  # characters no page may hold are gone


def test_a_parser_tree_that_does_not_reparse_is_written_again():
    html = str(render_markdown("<h4>x<a>a<applet>b<h3>c<a href=/y>d"))
    assert html.startswith("<h4>") and "</h4><h3>" in html  # the <h3> after the <h4>, as a browser reads it


def test_a_body_that_never_settles_keeps_its_words_in_paragraphs(monkeypatch):
    monkeypatch.setattr(markup, "MAX_PASSES", 0)  # as if the passes never agreed
    html = sanitize_html("<h2>标题</h2><p><b>停水</b>通知<br>明天</p><ul><li>三号楼</li></ul><table><tr><td>格")
    assert html_errors(page(html)) == []
    assert set(re.findall(r"</?([a-z0-9]+)", html)) <= {"p", "br"}
    for word in ("标题", "停水", "通知", "明天", "三号楼", "格"):
        assert word in html


def test_the_same_body_always_gives_the_same_bytes():
    """Pages are written only when their bytes change: attributes keep one order."""
    outputs = set()
    for _ in range(20):
        render_markdown.cache_clear()
        outputs.add(str(render_markdown("![照片](/media/photos/a.jpg) [链接](/notices/)")))
    assert len(outputs) == 1
    assert '<img loading="lazy" decoding="async" alt="照片" src="/media/photos/a.jpg">' in outputs.pop()


def test_tags_are_found_by_their_quotes_not_by_how_values_are_escaped():
    """Photos get their lazy loading by a pattern over nh3's output: a "<img" inside an attribute
    value (which an older serialiser would not escape) is left alone."""
    written = '<p title="<img src=x onerror=alert(1)> <pre>\n">说明</p><img src="/media/a.jpg"><pre>\n代码</pre>'
    assert markup._respell(written, images=True) == (
        '<p title="<img src=x onerror=alert(1)> <pre>\n">说明</p>'
        '<img loading="lazy" decoding="async" src="/media/a.jpg"><pre>\n\n代码</pre>'
    )


def test_a_line_break_at_the_start_of_pre_survives_every_pass():
    html = str(render_markdown("<pre>\n\n  第一行\n第二行</pre>"))
    assert "<pre>\n\n  第一行\n第二行</pre>" in html  # the parser drops one break, so there are two
    assert html_errors(page(html)) == []


# --- property: any mix of Markdown, raw HTML and odd characters -------------------------------

TAGS = sorted(ALLOWED_TAGS) + [
    "h1", "div", "span", "marquee", "select", "option", "optgroup", "button", "object", "applet", "template",
    "svg", "math", "mi", "mtext", "foreignObject", "desc", "title", "style", "script", "xmp", "textarea",
    "noscript", "noembed", "noframes", "iframe", "plaintext", "listing", "form", "input", "body", "html", "head",
    "frameset", "frame", "colgroup", "col", "tfoot", "nobr", "ruby", "rt", "rp", "image", "isindex", "keygen",
    "area", "base", "link", "meta", "font", "center", "details", "summary", "dialog", "main", "section",
]  # fmt: skip
ATTRIBUTES = [
    "", ' href="/x"', " href=javascript:alert(1)", " src=x onerror=alert(1)", ' style="text-align:right"',
    ' style="background:url(javascript:x)"', " id=a", ' title="</p><script>"', " colspan=2", " start=3",
    " onclick='x'", ' xmlns="http://www.w3.org/1999/xhtml"', " width=1 height=1", " class=x", ' a="',
    ' title="<img src=x onerror=alert(1)>&lt;pre&gt;\n"', " alt='<pre>\n'",
]  # fmt: skip


@st.composite
def tags(draw) -> str:
    name = draw(st.sampled_from(TAGS))
    kind = draw(st.sampled_from(["<{}{}>", "</{}>", "<{}{} />", "<{}{}"]))
    return kind.format(name, draw(st.sampled_from(ATTRIBUTES))) if "{}{}" in kind else kind.format(name)


MARKDOWN = [
    "\n", "\n\n", "\n\n\n", "    ", "\t", " ", "# ", "## ", "###### ", "- ", "* ", "1. ", "3) ", "> ", ">> ",
    "```", "```python\n", "~~~", "---", "***", "| a | b |\n|---|:-:|\n", "| ", " |", "**", "*", "_", "__", "`",
    "[链接](/services/低保/)", "[x](javascript:alert(1))", "![图](/media/a.jpg)", "![x](data:image/png;base64,AA)",
    "[ref]", "[ref]: /x", "<https://example.com>", "<mailto:a@b.c>", "\\", "\\<", "&", "&amp;", "&lt;p&gt;",
    "&#1;", "&#x80;", "&#0;", "&#xFDD0;", "&#x10FFFF;", "&nbsp", "&", "<!--", "-->", "--!>", "<!-- x -->",
    "<![CDATA[", "]]>", "<?", "?>", "<!doctype html>", "<!", "</", "<", ">", "'", '"', "=",
    "13900001311", "010-8765-4300", "停水", "通知", "请居民\n提前储水", "Please\nstore", "中", "a",
    "\x00", "\x01", "\x02", "\x03", "\x0b", "\x0c", "\r", "\r\n", "\x7f", "\x85", "\u2028", "\ufeff", "\ufffe",
    "\U0001fffe", "\U0001f600", "\u202e",
]  # fmt: skip

bodies = st.lists(
    st.one_of(tags(), tags(), st.sampled_from(MARKDOWN), st.sampled_from(MARKDOWN), st.text(max_size=6)),
    min_size=5,
    max_size=80,
).map("".join)


@settings(max_examples=600, derandomize=True, deadline=None, database=None, print_blob=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(bodies)
@example("<marquee onstart=alert(1)>\n\n段落")
def test_any_body_renders_well_formed_and_inert(text):
    render_markdown.cache_clear()
    html = str(render_markdown(text))
    assert html_errors(page(html)) == [], (text, html)
    assert unsafe_parts(html) == [], (text, html)


# --- a site built from such bodies passes ``linli check`` -----------------------------------


def test_a_site_with_hostile_bodies_passes_linli_check(home, now):
    from click.testing import CliRunner

    from linli import models as m
    from linli.build import build
    from linli.cli import cli

    m.Notice.create(title="停水通知", status="published", body="\n\n".join(CASES[:20]))
    m.Page.create(title="关于我们", status="published", body="\n\n".join(CASES[20:]), in_menu=True)
    m.Service.create(title="低保办理", status="published", body=CASES[0], who_qualifies=CASES[4], steps=CASES[13])
    build(home, now=now)
    assert check_site(home.site_dir, well_formed=True).problems == []
    result = CliRunner().invoke(cli, ["--home", str(home.root), "check"])
    assert result.exit_code == 0, result.output
    notice = next(home.site_dir.glob("notices/*/index.html")).read_text(encoding="utf-8")
    assert "<p>段落</p>" in notice and "marquee" not in notice
