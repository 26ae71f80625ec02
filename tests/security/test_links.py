"""Links staff type for residents to follow are web addresses, never ``javascript:``."""

from __future__ import annotations

import pytest

from linli import models as m
from linli.markup import safe_link
from tests.test_admin import app, login  # noqa: F401 - the fixture is used by name


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:alert(1)",
                                 "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "//evil.example/x",
                                 "https://", "http://exa mple.com/", "file:///etc/passwd"])  # fmt: skip
def test_unsafe_links_are_dropped(url):
    assert safe_link(url) == ""


def test_web_addresses_are_kept():
    assert safe_link(" https://zwfw.example.gov.cn/a?b=1#c ") == "https://zwfw.example.gov.cn/a?b=1#c"
    assert safe_link("http://例子.中国/") == "http://例子.中国/"


def test_admin_refuses_a_script_link_with_a_chinese_message(app):
    client, _ = login(app, "editor")
    form = {"title": "低保申请", "category": "民政", "online_url": "javascript:alert(document.cookie)", "status": "draft",
            "slug": "", "internal_note": "", "edit_version": "", "fee": "免费"}  # fmt: skip
    response = client.post("/service/new/", data=form)
    assert "http://" in response.get_data(as_text=True) and m.Service.select().count() == 0
    form["online_url"] = "https://zwfw.example.gov.cn/dibao"
    assert client.post("/service/new/", data=form).status_code == 302
    assert m.Service.get().online_url == "https://zwfw.example.gov.cn/dibao"
