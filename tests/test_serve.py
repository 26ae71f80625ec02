"""The preview server joins the public site and the admin without mixing them."""

from __future__ import annotations

import io
import re
from urllib.parse import quote

from PIL import Image
from werkzeug.test import Client

from admin import create_admin_app
from linli import models as m
from linli.accounts import add_user
from linli.app import create_public_app
from linli.home import PROJECT_ROOT, Home
from linli.serve import create_preview_app

PASSWORD = "correct-horse-1"


def test_preview_serves_site_at_root_and_admin_under_admin(home, now):
    m.Notice.create(title="停水通知", status="published")
    client = Client(create_preview_app(home))
    assert "停水通知" in client.get("/notices/").get_data(as_text=True)
    assert client.get("/admin/").status_code == 302  # to the login page
    assert client.get("/admin/login/").status_code == 200
    assert client.get("/no-such-page/").status_code == 404


def test_public_app_has_no_admin_routes(home):
    rules = [rule.rule for rule in create_public_app(home, build=True).url_map.iter_rules()]
    assert rules and not any(rule.startswith("/admin") for rule in rules)
    assert all(rule.split("/")[1] != "admin" for rule in rules)


# --- the built site's addresses, and the icons ------------------------------------------------


def traditional(home: Home) -> Home:
    text = home.settings_path.read_text(encoding="utf-8")
    home.settings_path.write_text(text.replace('languages = ["zh-Hans"]', 'languages = ["zh-Hans", "zh-Hant"]'),
                                  encoding="utf-8")  # fmt: skip
    return Home.open(home.root)


def test_preview_answers_every_address_the_built_site_links_to(home, now):
    home = traditional(home)
    notice = m.Notice.create(title="停水通知", status="published", slug="停水-东院")
    for n in range(25):  # a second page of the list
        m.Notice.create(title=f"通知 {n}", status="published")
    client = Client(create_preview_app(home))
    item = f"/notices/{quote(notice.slug)}/"
    folders = ["/", "/notices/", "/notices/page/2/", item, "/services/", "/search/", "/about/",
               "/zh-hant/", "/zh-hant/notices/", f"/zh-hant{item}", "/zh-hant/search/"]  # fmt: skip
    for folder in folders:
        expected = client.get(folder)
        assert expected.status_code == 200, folder
        response = client.get(folder + "index.html")
        assert response.status_code == 200, folder + "index.html"
        assert response.get_data() == expected.get_data(), folder
    assert "停水通知" in client.get(f"{item}index.html").get_data(as_text=True)
    assert "停水通知" in client.get(f"/zh-hant{item}index.html").get_data(as_text=True)
    assert client.get("/search/index.html?q=停水").status_code == 200
    assert client.get("/no-such-page/index.html").status_code == 404
    assert client.get("/notices/no-such-notice/index.html").status_code == 404
    assert client.get("/admin/login/").status_code == 200  # the admin is not touched


def icon_links(html: str) -> dict[str, str]:
    return dict(re.findall(r'<link rel="(icon|apple-touch-icon)" href="([^"]+)">', html))


def test_preview_and_admin_serve_the_themes_icons(home, now):
    home = traditional(home)
    default = (PROJECT_ROOT / "themes" / "default" / "static" / "favicon.ico").read_bytes()
    client = Client(create_preview_app(home))
    for url in ("/favicon.ico", "/static/favicon.ico"):
        response = client.get(url)
        assert response.status_code == 200 and response.get_data() == default, url
        assert response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    touch = client.get("/apple-touch-icon.png")
    assert touch.status_code == 200 and touch.mimetype == "image/png"
    with Image.open(io.BytesIO(touch.get_data())) as image:
        assert image.size == (180, 180)
    for page in ("/", "/zh-hant/", "/notices/index.html"):
        links = icon_links(client.get(page).get_data(as_text=True))
        assert links == {"icon": "/static/favicon.ico", "apple-touch-icon": "/static/apple-touch-icon.png"}, page
    assert client.get("/zh-hant/favicon.ico").status_code == 404  # shared, as in the built site

    # The admin's pages, before and after logging in, link the same icons, which it serves itself.
    login_page = client.get("/admin/login/").get_data(as_text=True)
    assert icon_links(login_page) == {"icon": "/admin/favicon.ico", "apple-touch-icon": "/admin/apple-touch-icon.png"}
    assert client.get("/admin/favicon.ico").get_data() == default
    assert client.get("/admin/apple-touch-icon.png").get_data() == touch.get_data()
    add_user("boss", PASSWORD, role="admin")
    admin_app = create_admin_app(home, WTF_CSRF_ENABLED=False)
    admin = admin_app.test_client()
    assert admin.post("/login/", data={"username": "boss", "password": PASSWORD}).status_code == 302
    pages = [rule.rule for rule in admin_app.url_map.iter_rules() if "GET" in rule.methods and not rule.arguments
             and not rule.rule.startswith(("/static", "/logout"))]  # fmt: skip
    checked = 0
    for page in pages:
        response = admin.get(page)
        if response.status_code == 200 and response.mimetype == "text/html":
            assert icon_links(response.get_data(as_text=True)) == {
                "icon": "/favicon.ico", "apple-touch-icon": "/apple-touch-icon.png"}, page  # fmt: skip
            checked += 1
    assert checked > 25

    # A home's own icon wins, like any theme file.
    override = home.root / "themes" / "default" / "static" / "favicon.ico"
    override.parent.mkdir(parents=True)
    override.write_bytes(default[:6] + b"own icon")
    for url in ("/favicon.ico", "/static/favicon.ico", "/admin/favicon.ico"):
        assert client.get(url).get_data() == override.read_bytes(), url
