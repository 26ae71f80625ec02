"""The public site speaks the home's first language; the English catalogue is complete and
in step with the templates (a template change without a catalogue update fails here)."""

from __future__ import annotations

import re

import pytest

from linli import db, registry
from linli import models as m
from linli.app import create_public_app
from linli.home import PROJECT_ROOT, Home

THEME = PROJECT_ROOT / "themes" / "default"
PO = THEME / "translations" / "en" / "LC_MESSAGES" / "messages.po"
FIX = "Run scripts/translations.sh, translate the new or changed entries in {} and run it again.".format(
    PO.relative_to(PROJECT_ROOT)
)

# The content types' places in the navigation and their names come from their declarations.
NAV_EN = ["Home", *(label.en for _, label in registry.navigation()), "About the community"]
NAV_ZH = ["首页", *(str(label) for _, label in registry.navigation()), "社区概况"]
assert {"Notices", "Service guide", "Volunteering", "Grid contacts"} <= set(NAV_EN)
from tests import catalogues


@pytest.fixture
def site(tmp_path, request):
    """Test client of a fresh home whose site language is ``request.param``, with one notice."""
    home = Home.create(tmp_path / "home")
    toml = home.settings_path.read_text(encoding="utf-8")
    assert 'languages = ["zh-Hans"]' in toml
    home.settings_path.write_text(
        toml.replace('languages = ["zh-Hans"]', f'languages = ["{request.param}"]'), encoding="utf-8"
    )
    home = Home.open(home.root)
    db.connect(home.database_url)
    m.Notice.create(title="停水通知", status="published")
    yield create_public_app(home).test_client()
    db.database.close()


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def nav_labels(html: str) -> list[str]:
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S).group(0)
    return re.findall(r"<a [^>]*>([^<]*)</a>", nav)


@pytest.mark.parametrize("site", ["en"], indirect=True)
def test_english_site(site):
    home = page(site, "/")
    assert '<html lang="en">' in home
    assert nav_labels(home) == NAV_EN
    assert "Skip to main content" in home
    assert '<h2 id="h-notices">Notices</h2>' in home
    assert "All notices" in home and "Past notices" in home
    assert "停水通知" in home  # content stays as staff wrote it

    notices = page(site, "/notices/")
    assert '<html lang="en">' in notices
    assert nav_labels(notices) == NAV_EN
    assert "<title>Notices - " in notices
    assert "<h1>Notices</h1>" in notices
    assert ">All</a>" in notices and "Past notices" in notices
    assert "停水通知" in notices
    for html in (home, notices):
        body = html.partition("<body")[2]  # base.html's default meta description is not wrapped in _()
        for chinese in NAV_ZH + ["往期通知", "跳到正文", "全部通知", "本站内容由社区工作人员发布"]:
            assert chinese not in body, chinese


@pytest.mark.parametrize("site", ["zh-Hans"], indirect=True)
def test_chinese_site(site):
    home = page(site, "/")
    notices = page(site, "/notices/")
    for html in (home, notices):
        assert '<html lang="zh-CN">' in html
        assert nav_labels(html) == NAV_ZH
        assert "停水通知" in html
    assert '<h2 id="h-notices">通知公告</h2>' in home
    assert "<h1>通知公告</h1>" in notices and "往期通知" in notices
    for english in ("Notices", "Service guide", "Skip to main content", "Past notices"):
        assert english not in home and english not in notices, english


def test_english_catalogue_is_complete():
    assert catalogues.assert_complete(PO, FIX)


def test_english_catalogue_matches_templates():
    in_templates = catalogues.source_msgids(THEME)
    assert len(in_templates) > 50
    catalogues.assert_matches_source(in_templates, PO, FIX, "Template")


def test_compiled_catalogue_is_up_to_date():
    catalogues.assert_compiled(PO, FIX)
