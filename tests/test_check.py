"""``linli check`` on a built site: links and assets that resolve, nothing loaded from another
origin (HTML, srcset, style attributes, CSS url() and @import), and HTML5 parse errors."""

from __future__ import annotations

from click.testing import CliRunner

from linli.check import check_site, css_urls, html_errors
from linli.cli import cli
from tests.deploy_servers import make_site

GOOD = """<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><title>通知</title>
<link rel="stylesheet" href="static/css/site.css"></head><body><p>你好 <a href="https://gov.cn/">外部链接可以</a>
<img src="media/photo.jpg" alt="" width="10" height="10"></p></body></html>"""


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def write(site, rel, text):
    (site / rel).parent.mkdir(parents=True, exist_ok=True)
    (site / rel).write_text(text, encoding="utf-8")


def test_css_urls_are_found_in_every_spelling():
    css = """a{background:url(x.png)} b{background:url( "y.png" )} @import 'z.css'; @import "w.css";
    i{src:url('data:font/woff2;base64,AA')}"""
    assert css_urls(css) == ["x.png", "y.png", "z.css", "w.css", "data:font/woff2;base64,AA"]


def test_html_errors_name_line_and_problem():
    assert html_errors(GOOD) == []
    errors = html_errors("<!doctype html><title>x</title><p><b><i>mis-nested</b></i></div>")
    assert errors and all(e.startswith("line 1:") for e in errors)
    assert any("end-tag" in e for e in errors)
    assert html_errors("<title>x</title>") == ["line 1:7: HTML error expected-doctype-but-got-start-tag (name=title)"]


def test_external_requests_in_css_and_style_are_reported(home):
    site = make_site(home)
    write(site, "index.html", GOOD)
    write(site, "static/css/site.css", "@import url(https://fonts.example/css);\nbody{background:url(../../media/photo.jpg)}\n"
          "h1{background:url(missing.png)}")  # fmt: skip
    write(site, "style.html", '<!doctype html><title>s</title><p style="background:url(//cdn.example/x.png)">x'
          "<style>p{background:url(http://x.example/y.png)}</style>")  # fmt: skip
    problems = check_site(site).problems
    assert "static/css/site.css: loads an external resource https://fonts.example/css" in problems
    assert "static/css/site.css: missing.png does not exist" in problems
    assert "style.html: loads an external resource //cdn.example/x.png" in problems
    assert "style.html: loads an external resource http://x.example/y.png" in problems
    assert len(problems) == 4


def test_check_command_passes_a_good_site(home):
    site = make_site(home)
    write(site, "index.html", GOOD)
    result = run("--home", home.root, "check")
    assert result.exit_code == 0, result.output
    assert "网站检查通过：23 个页面" in result.output and "HTML 格式正确" in result.output


def test_check_command_lists_every_problem_and_fails(home):
    site = make_site(home)
    write(site, "index.html", GOOD.replace("media/photo.jpg", "media/gone.jpg").replace("</p>", "</div></p>"))
    write(site, "notices/a.html", '<!doctype html><title>a</title><script src="https://cdn.example/x.js"></script>')
    result = run("--home", home.root, "check")
    assert result.exit_code == 1
    out = result.stdout
    assert "index.html: media/gone.jpg does not exist" in out
    assert "index.html: line 3:" in out and "HTML error" in out
    assert "notices/a.html: loads an external resource https://cdn.example/x.js" in out
    assert result.stderr.strip().startswith("错误：网站检查发现") and len(result.stderr.strip().splitlines()) == 1


def test_check_command_without_a_built_site(home):
    result = run("--home", home.root, "check")
    assert result.exit_code == 1 and "还没有生成网站" in result.stderr


def test_a_real_build_passes_every_check(home, now):
    from linli import models as m
    from linli.build import build

    m.Notice.create(title="停水通知", status="published", body="明天 **8:00** 停水。\n\n| 楼 | 时间 |\n|---|---|\n| 1 | 8:00 |")
    m.Event.create(title="重阳节活动", status="published", body="欢迎参加", starts_at=now.replace(day=28))
    build(home, now=now)
    report = check_site(home.site_dir, well_formed=True)
    assert report.problems == [] and report.pages > 10
