"""The public site speaks the home's first language; the English catalogue is complete and
in step with the templates (a template change without a catalogue update fails here)."""

from __future__ import annotations

import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from linli import db
from linli import models as m
from linli.app import create_public_app
from linli.home import PROJECT_ROOT, Home

THEME = PROJECT_ROOT / "themes" / "default"
PO = THEME / "translations" / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
FIX = "Run scripts/translations.sh, translate the new or changed entries in {} and run it again.".format(
    PO.relative_to(PROJECT_ROOT)
)

NAV_EN = ["Home", "Notices", "Service guide", "Nearby services", "Events", "Photo albums",
          "Volunteering", "Micro-wishes", "Grid contacts", "About the community"]  # fmt: skip
NAV_ZH = ["首页", "通知公告", "办事指南", "便民设施", "社区活动", "活动相册", "志愿服务", "微心愿", "网格服务", "社区概况"]


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


def read_catalog():
    with PO.open("rb") as f:
        return read_po(f, locale="en")


def template_msgids() -> set[str]:
    """Every msgid in the theme's templates now, extracted as scripts/translations.sh does."""
    with (THEME / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    ids = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(THEME, method_map, options_map):
        ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def test_english_catalogue_is_complete():
    catalog = read_catalog()
    assert not catalog.fuzzy, f"{PO.name} header is marked fuzzy. {FIX}"
    messages = [message for message in catalog if message.id]
    assert messages
    untranslated = [message.id for message in messages if not message.string]
    fuzzy = [message.id for message in messages if message.fuzzy]
    assert not untranslated, f"Untranslated entries: {untranslated}. {FIX}"
    assert not fuzzy, f"Fuzzy entries: {fuzzy}. {FIX}"
    problems = {message.id: [str(e) for e in message.check(catalog)] for message in messages}
    problems = {msgid: errors for msgid, errors in problems.items() if errors}
    assert not problems, f"Placeholders differ between msgid and msgstr: {problems}"
    for message in messages:
        names = set(re.findall(r"%\((\w+)\)s", message.id))
        assert names == set(re.findall(r"%\((\w+)\)s", message.string)), message.id


def test_english_catalogue_matches_templates():
    in_templates = template_msgids()
    assert len(in_templates) > 50
    in_catalogue = {message.id for message in read_catalog() if message.id}
    missing = sorted(in_templates - in_catalogue)
    stale = sorted(in_catalogue - in_templates)
    assert not missing, f"Template text missing from {PO.name}: {missing}. {FIX}"
    assert not stale, f"{PO.name} has entries no template uses any more: {stale}. {FIX}"


def test_compiled_catalogue_is_up_to_date():
    with MO.open("rb") as f:
        compiled = {message.id: message.string for message in read_mo(f) if message.id}
    translated = {message.id: message.string for message in read_catalog() if message.id}
    assert compiled == translated, f"{MO.name} is out of date with {PO.name}. {FIX}"
