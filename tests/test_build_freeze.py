"""The freezer's page client and the fragments pages share: what a page is made of is what the
test client and a fresh rendering would give."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from flask.testing import EnvironBuilder, FlaskClient

from linli import db, deps
from linli import models as m
from linli.app import create_public_app
from linli.build import build
from linli.build.freeze import _PageClient
from tests.conftest import NOW

URLS = [
    "/", "/notices/", "/notices/page/2/", "/notices/%E5%81%9C%E6%B0%B4/", "/notices/停水/",
    "/search/?q=%E5%81%9C%E6%B0%B4&x=1", "/zh-hant/notices/", "/static/css/site.css", "/feeds/notices.xml",
    "/a%20b/", "/a b/", "/通知 公告/", "/a\u3000b/", "/share/notices/x.png", "/nowhere/",
]  # fmt: skip


@pytest.mark.parametrize("base_url", [None, "http://example.org/sub/"])
def test_page_client_asks_with_the_test_clients_environ(home, base_url):
    app = create_public_app(home, build=True, now=NOW)
    app.test_client_class = _PageClient
    client = app.test_client()
    for url in URLS:
        builder = EnvironBuilder(app, url, base_url=base_url, environ_base=client._copy_environ({}))
        expected = builder.get_environ()
        builder.close()
        got = client.environ(url, base_url)
        assert got.pop("wsgi.input").read() == expected.pop("wsgi.input").read() == b""
        assert got == expected, url


def test_page_client_answers_as_the_test_client(text_demo_site, copy_home, tmp_path):
    home = copy_home(text_demo_site, tmp_path / "home")
    db.connect(home.database_url)
    notice = m.Notice.select().where(m.Notice.status == m.PUBLISHED).first()
    deps.install(db.database.obj)  # (as a build: the views record what they read)
    app = create_public_app(home, build=True, now=NOW)
    pages = FlaskClient(app, use_cookies=False)
    app.test_client_class = _PageClient
    for url in ["/", "/notices/", f"/notices/{notice.slug}/", "/zh-hant/notices/", "/feeds/notices.xml",
                "/search/", "/nowhere/", "/notices/page/99/"]:  # fmt: skip
        with deps.recording(NOW):
            expected = pages.get(url)
        with deps.recording(NOW):
            got = app.test_client().get(url, follow_redirects=False, base_url=None)
        assert (got.status, got.data, dict(got.headers)) == (expected.status, expected.data, dict(expected.headers)), url
    assert got.status_code == 404


def test_shared_fragments_follow_the_page_and_the_home(text_demo_site, copy_home, tmp_path):
    """The header of each page marks its own section; a change shown in the shared footer
    reaches every page in a rebuild (the pages depend on what the fragment read), as in a clean
    build; a home's own base.html is rendered as it is written, its own fragments keyed as it says."""
    home = copy_home(text_demo_site, tmp_path / "home")
    db.connect(home.database_url)
    site = home.site_dir
    for page, section, other in ((site / "notices" / "index.html", "通知公告", "社区概况"),
                                 (site / "about" / "index.html", "社区概况", "通知公告")):  # fmt: skip
        nav = page.read_text().split('<nav class="site-nav"')[1].split("</nav>")[0]
        assert nav.count('aria-current="page"') == 1
        assert f'aria-current="page">{section}</a>' in nav and f'aria-current="page">{other}</a>' not in nav
    settings = m.SiteSettings.get_current()
    settings.address = "新地址路 8 号"
    settings.save()
    build(home, now=NOW)
    pages = [text for page in site.rglob("*.html") if '<footer class="site-footer">' in (text := page.read_text())]
    assert len(pages) > 100 and all("新地址路 8 号" in text for text in pages)
    theme = home.root / "themes" / "default" / "templates"
    theme.mkdir(parents=True, exist_ok=True)
    source = (home.theme_dirs[-1] / "templates" / "base.html").read_text()
    assert "{%- shared %}\n<footer" in source
    mine = source.replace("{%- shared %}\n<footer", "{%- shared section|default('') %}\n<footer data-mine=\"{{ section|default('') }}\"")
    (theme / "base.html").write_text(mine)
    build(home, now=NOW)
    assert '<footer data-mine="public.notices"' in (site / "notices" / "index.html").read_text()
    assert '<footer data-mine="public.about"' in (site / "about" / "index.html").read_text()


def test_relative_urls_kept_across_pages_are_each_pages_own():
    """Links made relative with the URLs of earlier pages at hand are those made for the page
    alone, from every folder and for URLs in, beside and outside the page's folder."""
    from linli.app import relativize_html

    urls = ["/", "/notices/", "/notices/a/", "/notices/b/x.png", "/notices", "/static/css/site.css", "/about/",
            "/%E9%80%9A%E7%9F%A5/", "/通知/b/", "/notices/page/2/", "/search/?q=a#top", "/static/../notices/a/",
            "/a//b/", "/zh-hant/notices/a/", "/feeds/notices.xml", "/notices/a/share.png"]  # fmt: skip
    html = "".join(f'<a href="{url}">x</a><img srcset="{url} 1x, /static/y.png 2x">' for url in urls)
    pages = ["/", "/404.html", "/notices/", "/notices/a/", "/notices/b/", "/notices/page/2/", "/about/", "/通知/a/",
             "/%E9%80%9A%E7%9F%A5/b/", "/zh-hant/notices/a/", "/zh-hant/", "/feeds/notices.xml", "/a/./b/"]  # fmt: skip
    across: dict = {}
    for _ in range(2):
        for page in pages:
            assert relativize_html(html, page, across) == relativize_html(html, page), page
    assert across


def test_rows_read_ahead_give_each_page_what_its_own_lookup_does(text_demo_site, copy_home, tmp_path):
    """The items a freezer's next pages look up by slug (pages and posters, in both trees) are
    read in one query a type; each page gets the same bytes and records the same dependencies as
    with a query of its own, and a slug no row has still gives a 404."""
    from linli.public import items_asked
    from tests.test_hotlines import use_traditional_too

    home = use_traditional_too(copy_home(text_demo_site, tmp_path / "home"))
    db.connect(home.database_url)
    notices = list(m.Notice.select().where(m.Notice.status == m.PUBLISHED).limit(3))
    place = m.Place.select().where(m.Place.status == m.PUBLISHED).first()
    deps.install(db.database.obj)
    app = create_public_app(home, build=True, now=NOW)
    app.test_client_class = _PageClient
    urls = [f"/notices/{notices[0].slug}/", f"/notices/{notices[0].slug}/poster.png", f"/places/{place.slug}/",
            f"/zh-hant/notices/{notices[1].slug}/", "/notices/", "/notices/no-such-notice/",
            f"/notices/{quote(notices[2].slug)}/"]  # fmt: skip
    with app.app_context():
        asked = items_asked(app, urls)
    assert {model: sorted(slugs) for model, slugs in asked.items()} == {
        m.Notice: sorted([notices[0].slug, notices[0].slug, notices[1].slug, "no-such-notice", notices[2].slug]),
        m.Place: [place.slug],
    }

    def pages(ahead: bool) -> tuple[list, list]:
        got, queries = [], []
        database = db.database.obj
        recording_sql = database.execute_sql

        def counted(sql, params=None, *args, **kwargs):
            queries.append(sql)
            return recording_sql(sql, params, *args, **kwargs)

        database.execute_sql = counted
        try:
            with app.app_context():
                deps.expect_rows(asked) if ahead else app.extensions.pop(deps.ROWS_AHEAD, None)
                for url in urls:
                    with deps.recording(NOW) as recorder:
                        response = app.test_client().get(url, follow_redirects=False, base_url=None)
                    got.append((url, response.status_code, response.data, recorder.deps))
        finally:
            database.execute_sql = recording_sql
        return got, [sql for sql in queries if re.search(r'"slug" (= (\?|%s)\)|IN \()', sql)]

    own, own_queries = pages(ahead=False)
    ahead, ahead_queries = pages(ahead=True)
    assert ahead == own
    assert [status for _, status, _, _ in own] == [200, 200 if own[1][2] else 404, 200, 200, 200, 404, 200]
    assert len(own_queries) == 6  # (a notice's page and its poster: one lookup each)
    assert len(ahead_queries) == 2 and all(" IN (" in sql for sql in ahead_queries)
