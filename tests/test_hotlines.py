"""常用电话 (Hotline), a content type made only of its declaration (linli/models.py), its
templates, its demo content and catalogue entries: the list by category with tap-to-call
numbers, the one-page A4 sheet for the fridge, search, the Traditional tree, the admin, export,
and the upgrade of a database made before it existed."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from admin import create_admin_app
from linli import accounts, db, migrations
from linli import models as m
from linli.app import create_public_app
from linli.build import build
from linli.markup import tel_href
from linli.demo import CONTENT, fill_demo
from linli.errors import LinliError
from linli.home import Home
from linli.search import rebuild_index, search
from linli.slugs import check_slug
from linli.transfer import export_site, import_site
from tests.browser import CHROMIUM
from tests.conftest import NOW
from tests.reliability.test_migrations import version_3_database, versions

PASSWORD = "correct-horse-1"


def use_traditional_too(home: Home) -> Home:
    toml = home.settings_path.read_text(encoding="utf-8")
    home.settings_path.write_text(toml.replace('languages = ["zh-Hans"]', 'languages = ["zh-Hans", "zh-Hant"]'))
    return Home.open(home.root)


@pytest.fixture
def demo_hotlines(home, tmp_path) -> Home:
    """A home with the demo's hotlines (through ``linli demo``'s import), and its settings."""
    source = tmp_path / "demo"
    shutil.copytree(CONTENT / "hotlines", source / "hotlines")
    fill_demo(home, NOW, photos=False, content=source)
    site = m.SiteSettings.get_current()
    site.name, site.district, site.street, site.main_phone = "幸福里社区", "安和区", "槐荫街道", "010-8765-4300"
    site.save()
    return home


def typed_number(line: str) -> str:
    """The number of a line of ``Hotline.numbers`` as typed: "13800004388（夜间）" → "13800004388"."""
    return re.match(r"\+?\d[\d -]*\d|\d", line).group(0)


def public_hotlines() -> list[m.Hotline]:
    return [h for h in m.Hotline.select() if h.status == m.PUBLISHED]


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_the_list_groups_by_category_with_every_number_a_tap_to_call_link(demo_hotlines):
    m.Hotline.create(title="物业夜间值班", category="property", numbers="138 0000 4388（夜间）\n+86 10 8765-4301",
                     status="published", position=-1)  # fmt: skip
    m.Hotline.create(title="zqx未发布的号码", category="emergency", numbers="010-5555-0000", status="draft")
    html = page(create_public_app(demo_hotlines).test_client(), "/hotlines/")
    headings = re.findall(r"<h2 [^>]*>([^<]+)</h2>", html)
    order = [str(label) for key, label in m.HOTLINE_CATEGORIES]
    assert headings == [name for name in order if name in headings] and headings[:2] == ["紧急求助", "社区和街道"]
    assert len(headings) >= 7
    for hotline in public_hotlines():
        assert hotline.title in html
        for number in hotline.number_list:
            shown = typed_number(number)
            assert f'href="{tel_href(shown)}">{shown}</a>' in html, number
    # shown as typed (spaces kept), dialled as digits; within its category first (position -1)
    assert 'href="tel:13800004388">138 0000 4388</a>（夜间）' in html and 'href="tel:+861087654301"' in html
    property_section = html.split(">物业服务</h2>")[1].split("</section>")[0]
    assert property_section.index("物业夜间值班") < property_section.index("东院、西院物业服务中心")
    assert "zqx" not in html and "010-5555-0000" not in html
    assert 'href="/hotlines/print/"' in html and 'aria-current="page"' in html.split("常用电话</a>")[0][-80:]


def test_the_print_sheet_holds_every_public_number_and_loads_nothing(demo_hotlines):
    m.Hotline.create(title="zqx草稿", category="other", numbers="010-5555-0001", status="draft")
    html = page(create_public_app(demo_hotlines).test_client(), "/hotlines/print/")
    public = [number for hotline in public_hotlines() for number in hotline.number_list]
    assert len(public) >= 25  # the demo is a typical community's sheet
    for number in public:
        assert f">{typed_number(number)}</a>" in html, number
    assert "zqx" not in html and "010-5555-0001" not in html
    assert "幸福里社区" in html and "@page { size: A4" in html
    # Nothing from elsewhere: no stylesheet, script, image, font or frame; links only to the list,
    # tel: and the site's own icons (every page links them).
    assert not re.search(r"<(script|img|iframe|object|embed|source)\b", html)
    assert re.findall(r'<link rel="([^"]+)"', html) == ["icon", "apple-touch-icon"]
    assert "url(" not in html and "@import" not in html
    links = re.findall(r'(?:href|src)="([^"]*)"', html)
    assert links and all(link.startswith(("tel:", "/hotlines/", "/static/")) for link in links), links


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed")
def test_the_print_sheet_fits_one_a4_page(demo_hotlines, tmp_path):
    """Chromium's print to PDF of the demo's sheet (26 numbers in 24 entries): one page."""
    html = page(create_public_app(demo_hotlines).test_client(), "/hotlines/print/")
    (tmp_path / "print.html").write_text(html, encoding="utf-8")
    pdf = tmp_path / "print.pdf"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", (tmp_path / "print.html").as_uri()],
                   check=True, capture_output=True, timeout=120)  # fmt: skip
    data = pdf.read_bytes()
    assert re.findall(rb"/Count\s+(\d+)", data) == [b"1"]  # the page tree's count of pages
    a4 = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", data)
    assert round(float(a4.group(1)) * 25.4 / 72) == 210 and round(float(a4.group(2)) * 25.4 / 72) == 297


def test_no_hotline_can_take_the_print_sheets_address(home):
    hotline = m.Hotline.create(title="Print", numbers="110")
    assert hotline.slug != "print"
    with pytest.raises(LinliError, match="保留字"):
        check_slug("print")


def test_built_site_has_the_lists_pages_search_and_traditional_tree(demo_hotlines):
    home = use_traditional_too(demo_hotlines)
    build(home, now=NOW)
    site = home.site_dir
    for path in ("hotlines/index.html", "hotlines/print/index.html", "hotlines/gas/index.html",
                 "zh-hant/hotlines/index.html", "zh-hant/hotlines/print/index.html", "zh-hant/hotlines/gas/index.html"):  # fmt: skip
        assert (site / path).is_file(), path
    assert not (site / "hotlines" / "locksmith").exists()  # the demo's draft
    traditional = (site / "zh-hant" / "hotlines" / "index.html").read_text(encoding="utf-8")
    assert "<h1>常用電話</h1>" in traditional and "緊急求助" in traditional and "tel:96777" in traditional
    gas = (site / "hotlines" / "gas" / "index.html").read_text(encoding="utf-8")
    assert 'href="tel:96777"' in gas and "水电气暖维修" in gas
    index = "".join(p.read_text(encoding="utf-8") for p in (site / "search").rglob("*.js"))
    assert "燃气抢修" in index and "开锁服务" not in index
    search_page = (site / "search" / "index.html").read_text(encoding="utf-8")
    assert 'value="hotline"' in search_page and "常用电话" in search_page


def test_admin_search_and_the_admin_form(demo_hotlines):
    rebuild_index(demo_hotlines, NOW)
    hits = search(demo_hotlines, "燃气", at=NOW)
    assert [hit.path for hit in hits][:1] == ["hotlines/gas/"] and hits[0].type_label == "常用电话"
    assert [hit.path for hit in search(demo_hotlines, "12345", at=NOW)] == ["hotlines/citizen-hotline/"]
    assert search(demo_hotlines, "开锁", at=NOW).total == 0  # a draft

    accounts.add_user("editor", PASSWORD, role="editor")
    m.User.update(language="en").where(m.User.username == "editor").execute()
    app = create_admin_app(demo_hotlines)
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    client.post("/login/", data={"username": "editor", "password": PASSWORD})
    form = page(client, "/hotline/new/")
    assert re.search(r'href="/hotline/">\s*Hotlines</a>', form) and re.search(r'for="numbers"[^>]*>Phone numbers', form)
    assert re.search(r'href="/place/">\s*Nearby services</a>\s*</li>\s*<li[^>]*>\s*<a[^>]*href="/hotline/"', form)
    assert '<option value="emergency">Emergencies</option>' in form
    response = client.post("/hotline/new/", follow_redirects=True, data={
        "title": "社区巡逻队", "category": "community", "numbers": "13800009999\n010-8765-4399", "hours": "夜间",
        "note": "", "position": "5", "status": "published", "slug": "", "internal_note": ""})  # fmt: skip
    assert response.status_code == 200
    made = m.Hotline.get(m.Hotline.title == "社区巡逻队")
    assert made.number_list == ["13800009999", "010-8765-4399"] and made.category_label == "社区和街道"
    assert [hit.title for hit in search(demo_hotlines, "巡逻", at=m.now())] == ["社区巡逻队"]


def test_export_and_import_round_trip(demo_hotlines, tmp_path):
    counts = export_site(demo_hotlines, tmp_path / "out")
    assert counts["hotlines"] == m.Hotline.select().count() >= 20
    text = (tmp_path / "out" / "hotlines" / "property-east-west.md").read_text(encoding="utf-8")
    assert "category: property" in text and "numbers: |-\n  010-8765-4388\n  13800004388（夜间值班）\n" in text
    before = [(h.slug, h.numbers, h.category, h.updated_at) for h in m.Hotline.select().order_by(m.Hotline.slug)]
    import_site(demo_hotlines, tmp_path / "out")
    assert [(h.slug, h.numbers, h.category, h.updated_at) for h in m.Hotline.select().order_by(m.Hotline.slug)] == before
    bad = tmp_path / "bad" / "hotlines"
    bad.mkdir(parents=True)
    (bad / "x.md").write_text("---\ntitle: 错的\ncategory: 警察\n---\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"hotlines/x.md：字段 “category” 应为 emergency（紧急求助）"):
        import_site(demo_hotlines, tmp_path / "bad")


def test_a_version_3_database_gets_the_table_when_opened(tmp_path, monkeypatch):
    """Schema v3 had no hotline table: opening such a database creates it (and its listing
    index) beside the pending migrations, without a migration of its own; nothing else changes."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    home = Home.create(tmp_path / "home")
    version_3_database(home)
    db.connect(home.database_url)
    m.Notice.create(title="旧通知", status="published")
    db.database.obj.execute_sql('DROP TABLE "hotline"')  # as v3 had it: no such table
    db.database.close()
    db._bound_url = None  # the next connect opens the file afresh, as a new process would
    db.connect(home.database_url)
    assert migrations.table_exists(db.database.obj, "hotline")
    indexes = [row[1] for row in db.database.obj.execute_sql("PRAGMA index_list('hotline')").fetchall()]
    assert any("status_deleted_at_publish_at" in name for name in indexes), indexes
    assert versions(home.db_path) == [3, *(v for v in sorted(migrations.MIGRATIONS) if v > 3)]
    m.Hotline.create(title="报警", numbers="110", category="emergency")
    assert m.Notice.get().title == "旧通知" and m.Hotline.select().count() == 1
    assert m.Run.select().count() == 2  # the builds v3 recorded, kept
