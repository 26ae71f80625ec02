"""Slugs keep Chinese titles readable, are unique per type and stable once set."""

from __future__ import annotations

import pytest

from linli import models as m
from linli.errors import LinliError
from linli.slugs import check_slug, slugify


def test_slugify_keeps_chinese_and_drops_punctuation():
    assert slugify("【停水】3号楼 明日停水通知！") == "停水-3号楼-明日停水通知"
    assert slugify("社區活動 Ｆｕｌｌ　Width") == "社區活動-full-width"
    assert slugify("🎉🎉！！") == ""
    assert len(slugify("长" * 100)) == 40


def test_fallback_unique_reserved_and_stable(home):
    a = m.Notice.create(title="停水通知")
    b = m.Notice.create(title="停水通知")
    c = m.Notice.create(title="🎉！")
    d = m.Notice.create(title="Archive")
    assert (a.slug, b.slug) == ("停水通知", "停水通知-2")
    assert len(c.slug) == 8 and c.slug.isalnum()
    assert d.slug.startswith("archive-") and d.slug != "archive"
    # The same title in another type does not clash.
    assert m.Service.create(title="停水通知").slug == "停水通知"
    a.title = "停水通知（已更新时间）"
    a.save()
    assert m.Notice.get_by_id(a.id).slug == "停水通知"


@pytest.mark.parametrize("bad", ["", "-开头", "结尾-", "有 空格", "a/b", "../x", "archive", "<script>"])
def test_check_slug_rejects(bad):
    with pytest.raises(LinliError):
        check_slug(bad)


def test_check_slug_accepts():
    assert check_slug("停水-3号楼") == "停水-3号楼"
