"""A build keeps its state in its own context: two builds in one process share nothing, and no
module's globals are set by a build. The export goes through Frozen-Flask's freezer."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

import linli
from linli import db
from linli import models as m
from linli.build import CACHE_DIR, STAGING, build
from linli.build.commit import load_manifest
from linli.home import Home
from linli.public import ROOT_FILES
from linli.publicity import public
from tests.conftest import NOW

ROOT = Path(__file__).resolve().parent.parent
on_postgres = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="compares with a clean build in a copy of the SQLite file",
)


def site_bytes(site: Path) -> dict:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


CLEAN = """
import datetime, sys
sys.path.insert(0, {root!r})
from linli import db
from linli.build import build
from linli.home import Home

home = Home.open({home!r})
db.connect(home.database_url)
build(home, now=datetime.datetime.fromisoformat({at!r}))
"""


def clean_site(home: Home, tmp_path: Path, at: dt.datetime) -> dict:
    """The site a build from nothing makes of a copy of ``home`` in a process of its own."""
    copy = tmp_path / f"clean-{home.root.name}-{len(list(tmp_path.iterdir()))}"
    shutil.copytree(home.root, copy, ignore=shutil.ignore_patterns("site", CACHE_DIR, STAGING, ".site-old"))
    script = CLEAN.format(root=str(ROOT), home=str(copy), at=at.isoformat())
    subprocess.run([sys.executable, "-c", textwrap.dedent(script)], check=True, timeout=300)
    return site_bytes(copy / "site")


def assert_clean(home: Home, tmp_path: Path, at: dt.datetime) -> None:
    built, clean = site_bytes(home.site_dir), clean_site(home, tmp_path, at)
    assert built.keys() == clean.keys()
    assert [name for name in built if built[name] != clean[name]] == []


def use(home: Home) -> Home:
    db.connect(home.database_url)
    return home


@pytest.fixture
def demo(demo_content, copy_home, tmp_path) -> Home:
    """A copy of the session's demo content (no photos, filled at NOW, never built), bound."""
    yield use(copy_home(demo_content, tmp_path / "demo"))
    db.database.close()


@pytest.fixture
def built_demo(text_demo_site, copy_home, tmp_path) -> Home:
    """A copy of the session's demo (no photos) as built at NOW, bound."""
    yield use(copy_home(text_demo_site, tmp_path / "demo"))
    db.database.close()


@on_postgres
def test_two_homes_built_in_turn_in_one_process_share_nothing(demo_content, copy_home, tmp_path):
    first = copy_home(demo_content, tmp_path / "first")
    second = use(copy_home(demo_content, tmp_path / "second"))
    settings = m.SiteSettings.get_current()
    settings.name = "和平里社区"
    settings.save()
    for notice in public(m.Notice, NOW).order_by(m.Notice.id).limit(3):  # other titles: other title index
        notice.title = "Zebra " + notice.title
        notice.body += "\n\n第二个社区的补充说明。"
        notice.save()

    assert build(use(first), now=NOW).full
    assert build(use(second), now=NOW).full
    later = NOW + dt.timedelta(hours=2)
    edited = public(m.Notice, NOW).order_by(m.Notice.id.desc()).first()
    edited.title, edited.body = "只在第二个社区改的标题", "只在第二个社区改的正文。"
    edited.save()
    result = build(second, now=later)  # incremental, right after the other home's
    assert not result.full and 0 < result.rendered < result.pages
    use(first)
    m.Notice.create(title="只在第一个社区新发的通知", status=m.PUBLISHED, body="第一个社区的新通知。")
    result = build(first, now=later)
    assert not result.full and 0 < result.rendered < result.pages
    assert build(first, now=later).rendered == 0  # one after another, the same home

    first_site, second_site = site_bytes(first.site_dir), site_bytes(second.site_dir)
    assert not any("只在第二个社区" in data.decode("utf-8", "replace") for data in first_site.values())
    assert not any("只在第一个社区" in data.decode("utf-8", "replace") for data in second_site.values())
    assert_clean(use(first), tmp_path, later)
    assert_clean(use(second), tmp_path, later)


#: Memos of pure functions of their key (a character's class, a segment folded, a title's
#: heading character), filled by any caller, the admin's searches as much as builds, in this
#: process or in forked build workers: no build's state.
PURE_MEMOS = {
    ("linli.search.analyzer", "_classes"), ("linli.search.analyzer", "_segment_cache"), ("linli.search.web", "_heads"),
}  # fmt: skip


def module_globals() -> dict:
    """(module, name) → (the object, a shallow copy of a container's content) of every global
    of every Linli module."""
    found = {}
    for name, module in list(sys.modules.items()):
        if not (name == "linli" or name.startswith("linli.")) or not isinstance(module, types.ModuleType):
            continue
        for key, value in vars(module).items():
            if key.startswith("__") or (name, key) in PURE_MEMOS:
                continue
            content = None
            if type(value) in (dict, list, set):
                content = value.copy()
            found[(name, key)] = (id(value), content)
    return found


def test_a_build_sets_no_module_globals(built_demo):
    """Every build's state is in its context (``app.extensions["linli_build"]``): before and
    after builds (full, incremental, failed) every module's globals are the same objects with
    the same content."""
    home = built_demo  # built in this process (tests/conftest.py): what is imported on first use is imported
    before = module_globals()
    notice = public(m.Notice, NOW).order_by(m.Notice.id).first()
    notice.title += "（已更正）"
    notice.save()
    m.Notice.create(title="新发的通知", status=m.PUBLISHED, body="一个新页面。")  # (what a build keeps would grow)
    assert not build(home, now=NOW).full
    assert build(home, now=NOW, full=True).full
    override = home.root / "themes" / "default" / "templates" / "notice.html"
    override.parent.mkdir(parents=True)
    override.write_text('{% extends "base.html" %}{% block main %}{{ item.nope() }}{% endblock %}', encoding="utf-8")
    with pytest.raises(linli.errors.LinliError):
        build(home, now=NOW)
    after = module_globals()
    changed = [key for key in before if key in after and after[key] != before[key]]
    assert changed == []
    from linli import markup
    from linli.search import static, web

    for module, name in ((markup, "store"), (static, "state_path"), (static, "row_hashes"), (static, "written"),
                         (web, "kept_entries"), (web, "written")):  # fmt: skip
        assert not hasattr(module, name)


def test_every_page_goes_through_frozen_flask(demo, monkeypatch):
    """The freezer writes every page (Frozen-Flask's URL → file rules), and only pages."""
    from flask_frozen import Freezer

    from linli.build import freeze

    home = demo
    written = {}
    real = Freezer._build_one

    def recording(self, url, last_modified=None):
        path = real(self, url, last_modified)
        written[url] = path.relative_to(self.root).as_posix()
        return path

    monkeypatch.setattr(Freezer, "_build_one", recording)
    monkeypatch.setattr(freeze, "PARALLEL_FROM", 10**6)  # in this process, where the recording is
    result = build(home, now=NOW)
    assert len(written) == result.pages == result.rendered
    site = {p.relative_to(home.site_dir).as_posix() for p in home.site_dir.rglob("*") if p.is_file()}
    assert set(written.values()) <= site
    assert written["/"] == "index.html" and written["/404.html"] == "404.html"
    others = site - set(written.values())
    assert others and all(p.split("/")[0] in ("static", "media", "search") or p in ("_headers", *ROOT_FILES)
                          for p in others)  # fmt: skip


@pytest.fixture
def in_workers(monkeypatch):
    """Pages frozen by worker processes, a few at a time, however few the pages are."""
    from linli.build import freeze

    if "fork" not in __import__("multiprocessing").get_all_start_methods() or (os.cpu_count() or 1) < 2:
        pytest.skip("worker processes are forked, one per core")
    monkeypatch.setattr(freeze, "PARALLEL_FROM", 10)
    monkeypatch.setattr(freeze, "CHUNK", 7)


@on_postgres
def test_pages_frozen_in_worker_processes_are_a_clean_builds(demo, tmp_path, in_workers):
    home = demo
    reported = []
    result = build(home, now=NOW, progress=lambda done, url, total: reported.append((done, url, total)))
    assert result.full and result.rendered == result.pages
    assert reported[-1][0] == reported[-1][2] == result.pages
    assert [done for done, _, _ in reported] == sorted(done for done, _, _ in reported)
    assert_clean(home, tmp_path, NOW)
    for notice in public(m.Notice, NOW).order_by(m.Notice.id).limit(3):
        notice.title += "（更正）"
        notice.save()
    result = build(home, now=NOW + dt.timedelta(hours=1))
    assert not result.full and result.rendered >= 10  # (in workers too)
    assert_clean(home, tmp_path, NOW + dt.timedelta(hours=1))


def test_a_page_failing_in_a_worker_names_the_page_and_leaves_the_site(built_demo, in_workers):
    home = built_demo
    before = site_bytes(home.site_dir)
    override = home.root / "themes" / "default" / "templates" / "notice.html"
    override.parent.mkdir(parents=True)
    override.write_text('{% extends "base.html" %}{% block main %}{{ item.nope() }}{% endblock %}', encoding="utf-8")
    with pytest.raises(linli.errors.LinliError) as failed:
        build(home, now=NOW)
    assert str(failed.value).startswith("网站生成失败（页面 /notices/") and "nope" in str(failed.value)
    assert site_bytes(home.site_dir) == before and not (home.root / STAGING).exists()


def test_a_worker_that_dies_fails_the_build_instead_of_waiting(demo, in_workers, monkeypatch):
    from linli.build.freeze import PageFreezer

    home = demo
    real = PageFreezer._build_one

    def dying(self, url, *args):
        if url.startswith("/notices/") and url.count("/") == 3:  # a notice's page, in a worker
            os._exit(3)
        return real(self, url, *args)

    monkeypatch.setattr(PageFreezer, "_build_one", dying)
    with pytest.raises(linli.errors.LinliError, match="意外退出"):
        build(home, now=NOW)
    assert not home.site_dir.exists() and not (home.root / STAGING).exists()


def test_a_failure_beside_the_workers_stops_taking_their_pages(demo, in_workers, monkeypatch):
    """A full build takes the workers' pages in a thread while its own process stages the other
    files: that failing, the thread ends, the workers are ended, the site is left as it was."""
    import threading

    from linli.build import outputs

    def failing(*args, **kwargs):
        raise RuntimeError("磁盘满了")

    monkeypatch.setattr(outputs, "stage_other_files", failing)
    with pytest.raises(linli.errors.LinliError, match="磁盘满了"):
        build(demo, now=NOW)
    assert not demo.site_dir.exists() and not (demo.root / STAGING).exists()
    assert [thread.name for thread in threading.enumerate() if thread.name == "linli-pages"] == []


@on_postgres
def test_a_full_build_with_workers_stages_the_other_files_in_a_process_that_goes(demo, tmp_path, in_workers,
                                                                                 monkeypatch):  # fmt: skip
    """What indexing and staging take beside the page workers goes with the process that did
    them; the site is a clean build's, the phases' times are reported, the search index's pages
    record what they would in a build all in one process (not what making the index read)."""
    from linli.build import freeze, outputs

    staged_by = []
    real = outputs.stage_other_files
    monkeypatch.setattr(outputs, "stage_other_files", lambda *a, **k: staged_by.append(os.getpid()) or real(*a, **k))
    result = build(demo, now=NOW)
    assert staged_by == []  # (appended in the other process)
    assert result.full and {"search index", "other files", "render"} <= result.timings.keys()
    assert_clean(demo, tmp_path, NOW)
    recorded = set(load_manifest(demo).pages["/search/"].keys)
    again = build(demo, now=NOW)
    assert not again.full and again.rendered == 0
    monkeypatch.setattr(freeze, "PARALLEL_FROM", 10**6)  # (all in the build's process)
    build(demo, now=NOW, full=True)
    assert set(load_manifest(demo).pages["/search/"].keys) == recorded


def test_the_process_staging_the_other_files_dying_fails_the_build(demo, in_workers, monkeypatch):
    from linli.build import outputs

    monkeypatch.setattr(outputs, "stage_other_files", lambda *a, **k: os._exit(3))
    with pytest.raises(linli.errors.LinliError, match="意外退出"):
        build(demo, now=NOW)
    assert not demo.site_dir.exists() and not (demo.root / STAGING).exists()
