"""The preview server joins the public site and the admin without mixing them."""

from __future__ import annotations

from werkzeug.test import Client

from linli import models as m
from linli.app import create_public_app
from linli.serve import create_preview_app


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
