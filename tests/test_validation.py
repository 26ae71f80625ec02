"""linli.validation and linli.limits: one cleaning and checking for the admin, the import and the
upload endpoints, and a site built from items at every limit stays small and well-formed."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import subprocess
import sys

import pytest
from PIL import Image

from admin import create_admin_app
from linli import accounts, db, limits, media, validation
from linli import models as m
from linli.build import build
from linli.check import check_site
from linli.home import PROJECT_ROOT, Home
from linli.traditional import to_traditional
from linli.transfer import import_site
from tests.conftest import NOW

PASSWORD = "correct-horse-1"


def with_traditional(home: Home) -> Home:
    text = home.settings_path.read_text(encoding="utf-8")
    home.settings_path.write_text(text.replace('languages = ["zh-Hans"]', 'languages = ["zh-Hans", "zh-Hant"]'), encoding="utf-8")
    return Home.open(home.root)


# --- the function -------------------------------------------------------------------------------


def test_control_characters_go_line_breaks_stay_only_where_lines_are():
    text = "a\x00b\x01c\td\ne\r\nf\x0b\x0c\x1b\x7fg\x85\x9fh\ud800i\u2028j\u200dk"
    assert validation.clean_text(text, multiline=True) == "abc\td\ne\r\nfghi\u2028j\u200dk"
    assert validation.clean_text(text, multiline=False) == "abc d e fghi\u2028j\u200dk"
    cleaned = validation.clean(m.Notice, {"title": "停水\t\r\n通知\x00", "body": "一\x00\n二\t三", "internal_note": "备\x07注\n"})
    assert cleaned == {"title": "停水 通知", "body": "一\n二\t三", "internal_note": "备注\n"}


def test_problems_are_sentences_without_the_fields_name():
    values = {
        "slug": "-坏-", "title": " \x00 ", "status": "deleted", "summary": "要" * 301, "body": "长" * (limits.TEXT_CHARS + 1),
        "publish_at": dt.datetime(1899, 12, 31), "pinned": True,
    }  # fmt: skip
    cleaned, problems = validation.check(m.Notice, values)
    assert [(p.field, p.message) for p in problems] == [
        ("slug", "网址名 “-坏-” 只能包含文字、数字和连字符“-”，且不能以“-”开头或结尾。"),
        ("title", "不能为空。"),
        ("status", "应为 draft（草稿）、review（待审核）、published（已发布）、archived（已下线）之一，实际为 “deleted”。"),
        ("publish_at", "超出范围：年份应在 1900 到 2999 之间，实际为 1899-12-31T00:00:00。"),
        ("summary", "太长：最多 300 个字，实际 301 个字。"),
        ("body", "太长：最多 200,000 个字，实际 200,001 个字。请删去多余的内容，或拆成几篇。"),
    ]
    assert cleaned["title"] == "  "
    with pytest.raises(validation.Invalid, match="^字段 “slug” 网址名"):
        validation.clean(m.Notice, values)
    # Blank slugs are made from the title; absent fields are the caller's business.
    assert validation.check(m.Notice, {"slug": ""}) == ({"slug": ""}, [])
    assert validation.check(m.Notice, {"slug": " 停水-通知 "}) == ({"slug": "停水-通知"}, [])
    assert validation.check(m.Event, {"starts_at": None})[1] == [validation.Problem("starts_at", "不能为空。")]
    assert validation.check(m.Place, {"walking_minutes": 2**31})[1][0].message.startswith("超出范围")
    assert validation.check(m.Place, {"latitude": float("nan")})[1][0].message == "应为数字，实际为 “nan”。"
    assert validation.check(m.GridMember, {"role": ""})[1][0].message.endswith("之一，实际为空。")


def test_row_limits_are_worded_for_a_list_and_for_one_more():
    assert validation.too_many(m.Attachment, limits.ATTACHMENTS_PER_NOTICE) is None
    assert validation.too_many(m.Photo, 1001) == "太多了：每个相册最多 1,000 张照片，这里有 1,001 张照片。"
    assert validation.too_many(m.GridMember, 51, adding=True) == "太多了：每个网格最多 50 位网格员，已经有 50 位网格员。"


# --- the admin and the import clean alike; the built pages stay whole ---------------------------


TYPED = {
    "title": "停水\x00通知\x1b[1m\x85",
    "summary": "明天\t停水\r\n请储水\x07",
    "body": "第一段\x00\r\n\r\n\x0c第二段\t缩进\x85\r\n\x7f完",
}


def yaml_escaped(text: str) -> str:
    """``text`` as a double-quoted YAML string, every control character an escape."""
    return '"' + "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text) + '"'


def test_import_cleans_exactly_as_the_admin_and_the_traditional_head_stays_whole(home, tmp_path):
    home = with_traditional(home)
    accounts.add_user("editor", PASSWORD, role="editor")
    app = create_admin_app(home)
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    client.post("/login/", data={"username": "editor", "password": PASSWORD})
    form = {"category": "停水停电", "status": "published", "slug": "typed", "internal_note": "", "edit_version": "",
            "keep_after_expiry": "y", **TYPED}  # fmt: skip
    assert client.post("/notice/new/", data=form).status_code == 302

    folder = tmp_path / "in"
    (folder / "notices").mkdir(parents=True)
    # Escapes in the front matter, raw control characters in the body (and one raw in the front matter).
    (folder / "notices" / "imported.md").write_text(
        f"---\ntitle: {yaml_escaped(TYPED['title'])}\nsummary: {yaml_escaped(TYPED['summary'])}\x00\nstatus: published\n"
        f"---\n{TYPED['body']}\n",
        encoding="utf-8",
        newline="",
    )
    import_site(home, folder)

    typed, imported = m.Notice.get(m.Notice.slug == "typed"), m.Notice.get(m.Notice.slug == "imported")
    expected = validation.clean(m.Notice, TYPED)
    assert expected == {"title": "停水通知[1m", "summary": "明天 停水 请储水", "body": "第一段\r\n\r\n第二段\t缩进\r\n完"}
    assert {k: getattr(typed, k) for k in TYPED} == expected
    assert {k: getattr(imported, k) for k in TYPED} == expected

    build(home, now=NOW)
    for slug in ("typed", "imported"):
        for tree, script in (("", str), ("zh-hant/", to_traditional)):
            page = (home.site_dir / f"{tree}notices/{slug}/index.html").read_text(encoding="utf-8")
            head, _, rest = page.partition("</head>")
            assert f"<title>{script(expected['title'])}" in head, (tree, slug, head)
            assert f'<meta name="description" content="{script(expected["summary"])}">' in head, (tree, slug, head)
            assert head.count("<meta") >= 4 and "<nav" not in head and "</a>" not in head, (tree, slug, head)
            assert rest.lstrip().startswith("<body") and script("第二段") in rest and script("缩进") in rest and page.rstrip().endswith("</html>")
            assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", page), (tree, slug)
    report = check_site(home.site_dir, well_formed=True)
    assert not report.problems, report.problems


# --- a site built from items at every limit ---------------------------------------------------------


def markdown_of(chars: int) -> str:
    """Staff-like Markdown of exactly ``chars`` characters: headings, paragraphs, lists."""
    paragraph = "社区居民请注意：本周六上午九点在社区活动室举行消防安全培训，内容包括灭火器使用、火场逃生和家庭用电安全。" * 3
    blocks, length = [], 0
    while length < chars:
        block = f"## 第{len(blocks) + 1}节\n\n{paragraph}\n\n- 带好身份证\n- 提前十分钟到场\n\n"
        blocks.append(block)
        length += len(block)
    return "".join(blocks)[:chars]


def fill_at_the_limits(home: Home) -> None:
    """One item at each limit that makes a page or the index grow, every value accepted by
    :func:`linli.validation.check` (as the admin and the import would store it)."""
    when = dt.datetime(2026, 11, 1, 9, 0)
    out = io.BytesIO()
    Image.new("RGB", (800, 600), "green").save(out, "JPEG")
    photo = media.store_image(home.media_dir, out.getvalue())
    pdf = media.store_file(home.media_dir, b"%PDF-1.4 fake pdf\n", ".pdf")

    def create(model, **values):
        return model.create(**validation.clean(model, values))

    notice = create(m.Notice, slug="long", title="通" * 200, summary="要" * 300, body=markdown_of(limits.TEXT_CHARS),
                    status=m.PUBLISHED, publish_at=when)  # fmt: skip
    for n in range(limits.ATTACHMENTS_PER_NOTICE):
        create(m.Attachment, notice=notice, title="附" * 200, file=pdf, size=18, position=n)
    album = create(m.Album, slug="big", title="相册", summary="要" * 300, status=m.PUBLISHED, publish_at=when)
    m.Photo.insert_many([validation.clean(m.Photo, {"album": album.id, "file": photo.path, "width": photo.width,
                                                     "height": photo.height, "caption": "合影", "position": n})
                         for n in range(limits.PHOTOS_PER_ALBUM)]).execute()  # fmt: skip
    buildings = "\n".join(f"{n}号楼" for n in range(1, limits.BUILDINGS_PER_GRID + 1))
    grid = create(m.Grid, slug="wide", title="网格", buildings=buildings, status=m.PUBLISHED, publish_at=when)
    for n in range(limits.MEMBERS_PER_GRID):
        create(m.GridMember, grid=grid, name="网" * 64, work_phone="0571-8888 6666", duties="责" * 200, position=n)


PEAK_MB = 500  # measured: about 210 MB on the reference machine (README, Limits)

# `linli build` in a process of its own that reports its peak resident memory and its workers'.
# It is started by a shell (a fork of a small process): a process exec'd straight from this
# one would count this test process's memory in its peak.
MEASURED_BUILD = """
import resource, sys
from linli.cli import cli
cli.main(["--home", sys.argv[1], "build"], standalone_mode=False)
usage = [resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
print(f"peak {max(usage)} KB")
"""


def test_a_site_of_items_at_every_limit_builds_within_bounded_memory(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)  # a build in a process of its own: SQLite
    home = with_traditional(Home.create(tmp_path / "home"))
    database = db.connect(home.database_url)
    try:
        fill_at_the_limits(home)
    finally:
        database.close()
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    command = ["/bin/sh", "-c", '"$@"; status=$?; exit $status', "sh", sys.executable, "-c", MEASURED_BUILD, str(home.root)]
    result = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "网站已生成" in result.stdout
    peak_mb = int(re.search(r"^peak (\d+) KB$", result.stdout, re.M).group(1)) / 1024
    assert 50 < peak_mb < PEAK_MB, f"the build's peak was {peak_mb:.0f} MB"
    for page in ("notices/long/index.html", "zh-hant/notices/long/index.html", "albums/big/index.html", "grids/index.html"):
        assert (home.site_dir / page).stat().st_size < 2_000_000, page
    report = check_site(home.site_dir, well_formed=True)  # what `linli check` runs
    assert not report.problems, report.problems[:5]
