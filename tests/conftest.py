"""Shared fixtures: real homes with real SQLite files in temporary folders, and the demo
community filled and built once per session.

Sharing (as Datasette's tests/fixtures.py shares one app across its suite): the demo is filled
and built once, in session fixtures, and a test that only *reads* it takes it as it is:

- ``demo_content``: the demo without photos, filled at :data:`NOW`, never built;
- ``text_demo_site``: the same content built at :data:`NOW`, with the admin's search index;
- ``demo_site``: the demo with photos, built at :data:`NOW`.

A test that *writes* (content, site, caches or settings) takes its own copy instead:
``copy_home(shared, tmp_path / "home")`` copies the files and the database (on PostgreSQL, the
home's schema). After every test that used a shared home, the home's files are checked unchanged,
so a test that writes into one fails there rather than in whichever test runs next.

Two passes (scripts/test.sh runs them side by side): SQLite, and PostgreSQL with
``DATABASE_URL`` set, where every home gets a schema of its own (tests/postgres.py). Tests marked
``database_free`` (they never open a database; checked in the SQLite pass) or ``sqlite_only``
(with the reason) are left out of the PostgreSQL pass; every other test runs in both.

Passwords: werkzeug's scrypt at full cost takes a third of a second per hash and per login, and
the suite makes hundreds; the suite hashes with a cheap scrypt instead, except in
tests/security/test_accounts.py, which keeps (and checks) the real one.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from linli import accounts, db
from linli.home import Home
from tests.browser import CHROMIUM, CHROMIUM_ARGS, require_chromium

NOW = dt.datetime(2026, 11, 25, 10, 0, 0)
PRODUCTION_PASSWORD_METHOD = accounts.PASSWORD_METHOD
TEST_PASSWORD_METHOD = "scrypt:1024:1:1"  # the same algorithm at a thousandth of the cost
#: What a build or a search writes beside the content: a copy "as never built" leaves them out.
BUILD_OUTPUTS = ("site", "search_index", ".build-cache", ".build-staging*", ".site-old*", ".build.lock")


def on_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


class SiteClock:
    """The site's wall clock moved by a test: ``at`` (naive, the site's zone) is what
    ``linli.clock.utc_now`` — Linli's only read of the time — answers."""

    def __init__(self, monkeypatch, at: dt.datetime, zone: str = "Asia/Shanghai"):
        from linli import clock

        self.at, self.zone = at, clock.zone_named(zone)
        monkeypatch.setattr(clock, "utc_now", lambda: self.at.replace(tzinfo=self.zone).astimezone(dt.timezone.utc))


@pytest.fixture
def site_clock(monkeypatch) -> SiteClock:
    """The site's clock standing at :data:`NOW`, moved by setting ``site_clock.at``."""
    return SiteClock(monkeypatch, NOW)


@pytest.fixture
def now() -> dt.datetime:
    return NOW


@pytest.fixture
def home(tmp_path) -> Home:
    """An empty home whose database the models are bound to."""
    home = Home.create(tmp_path / "home")
    db.connect(home.database_url)
    yield home
    db.database.close()


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hash():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "PASSWORD_METHOD", TEST_PASSWORD_METHOD)
        yield


# --- the two passes: which modules the PostgreSQL pass leaves out -----------------------------


LEFT_OUT = pytest.StashKey[list]()  # (module, why) of what the PostgreSQL pass leaves out


def why_sqlite_only(item) -> str | None:
    """Why ``item`` runs in the SQLite pass only (None: it runs in both)."""
    if item.get_closest_marker("database_free"):
        return "opens no database"
    mark = item.get_closest_marker("sqlite_only")
    if mark:
        return mark.kwargs.get("reason") or (mark.args[0] if mark.args else "(no reason given)")
    return None


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL, leave out what runs there exactly as on SQLite (``database_free``) and
    what is SQLite's alone (``sqlite_only``); the summary says which modules and why."""
    if not on_postgres():
        return
    left_out = {item: why_sqlite_only(item) for item in items if why_sqlite_only(item)}
    if left_out:
        config.hook.pytest_deselected(items=list(left_out))
        items[:] = [item for item in items if item not in left_out]
        config.stash[LEFT_OUT] = sorted({(item.nodeid.split("::")[0], why) for item, why in left_out.items()})


def pytest_terminal_summary(terminalreporter, config):
    left_out = config.stash.get(LEFT_OUT, [])
    if left_out:
        terminalreporter.section("left out of the PostgreSQL pass")
        for module, why in left_out:
            terminalreporter.write_line(f"{module}: {why}")


@pytest.fixture(autouse=True)
def _database_free_opens_no_database(request, monkeypatch):
    """A test marked ``database_free`` that opens a database fails: the mark would hide it from
    the PostgreSQL pass."""
    if request.node.get_closest_marker("database_free"):

        def refuse(url):
            raise AssertionError(f"{request.node.nodeid} is marked database_free but opens {url}")

        monkeypatch.setattr(db, "connect", refuse)


# --- PostgreSQL: DATABASE_URL=postgresql://… runs the suite against a server -----------------


@pytest.fixture(autouse=True, scope="session")
def _schema_per_home():
    """On PostgreSQL, the :class:`tests.postgres.SchemaPerHome` that ``Home.database_url``
    answers with; else None."""
    if not on_postgres():
        yield None
        return
    from tests.postgres import SchemaPerHome

    schemas = SchemaPerHome(os.environ["DATABASE_URL"])
    original = Home.database_url

    def database_url(self) -> str:
        url = original.fget(self)
        if url != os.environ.get("DATABASE_URL") or not url.startswith(("postgres://", "postgresql://")):
            return url  # a test chose SQLite, or its own URL
        return schemas.url(self.root, url)

    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("DATABASE_URL", schemas.base)
            patch.setattr(Home, "database_url", property(database_url))
            yield schemas
    finally:
        schemas.close()


@pytest.fixture(autouse=True)
def _schemas_of_own_homes_recycled(request, _schema_per_home):
    """On PostgreSQL, after a test, the schemas of the homes in its ``tmp_path`` serve new homes
    again (where they can be made as new: tests/postgres.py)."""
    folder = request.getfixturevalue("tmp_path") if _schema_per_home and "tmp_path" in request.fixturenames else None
    yield
    if folder is not None:
        if db.database.obj is not None:
            db.database.close()  # this thread's connection: the test is over
        _schema_per_home.recycle_under(folder)


# --- the demo, filled and built once; copies for the tests that write ----------------------


@pytest.fixture(scope="session")
def copy_home(_schema_per_home):
    """``copy_home(source, root, built=True)``: a copy of the home ``source`` at ``root`` (files
    and database), not bound; ``built=False`` leaves out what builds and searches wrote, as if
    the copy had never been built."""

    def copy(source: Home, root: Path, *, built: bool = True) -> Home:
        skipped = ("linli.db", "linli.db-*") + (() if built else BUILD_OUTPUTS)
        shutil.copytree(source.root, root, ignore=shutil.ignore_patterns(*skipped))
        target = Home.open(root)
        if _schema_per_home is not None:
            _schema_per_home.copy(source.root, target.root)
        else:  # SQLite's backup: a consistent copy whatever the write-ahead log holds
            origin, copied = sqlite3.connect(source.db_path), sqlite3.connect(target.db_path)
            try:
                origin.backup(copied)
            finally:
                origin.close()
                copied.close()
        return target

    return copy


STAFF_PASSWORD = "correct-horse-1"


def admin_client(home: Home, username: str = "editor", role: str = "editor"):
    """A test client of ``home``'s admin (CSRF off), logged in as ``username``, who is added with
    ``role`` unless the home has them already."""
    from admin import create_admin_app
    from linli import models as m

    if not m.User.select().where(m.User.username == username).exists():
        accounts.add_user(username, STAFF_PASSWORD, role=role)
    app = create_admin_app(home)
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    response = client.post("/login/", data={"username": username, "password": STAFF_PASSWORD})
    assert response.status_code == 302 and "/login/" not in response.headers["Location"]
    return client


def files_of(home: Home) -> dict[str, tuple[int, int]]:
    """Each file of ``home`` with its size and modification time (SQLite's transient files aside)."""
    return {
        str(p.relative_to(home.root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in home.root.rglob("*")
        if p.is_file() and not p.name.endswith(("-wal", "-shm", "-journal"))
    }


class SharedHomes:
    """The session's shared homes and the files each had when it was made."""

    def __init__(self):
        self.files: dict[str, tuple[Home, dict]] = {}

    def add(self, name: str, home: Home) -> Home:
        db.database.close()
        self.files[name] = (home, files_of(home))
        return home

    def changed(self, names) -> list[str]:
        out = []
        for name in names:
            home, before = self.files.get(name, (None, None))
            if home is not None and files_of(home) != before:
                now = files_of(home)
                diff = sorted(k for k in before.keys() | now.keys() if before.get(k) != now.get(k))
                out.append(f"{name}: {diff[:5]}")
        return out


@pytest.fixture(scope="session")
def _shared_homes() -> SharedHomes:
    return SharedHomes()


@pytest.fixture(autouse=True)
def _shared_homes_stay_unchanged(request):
    """After a test that used a shared home: its files are as they were made."""
    yield
    names = [name for name in ("demo_content", "text_demo_site", "demo_site") if name in request.fixturenames]
    if names:
        changed = request.getfixturevalue("_shared_homes").changed(names)
        assert not changed, f"a test wrote into a shared home (take a copy_home): {changed}"


@pytest.fixture(scope="session")
def demo_content(tmp_path_factory, _shared_homes) -> Home:
    """The demo community without photos, filled at NOW and never built. Read it, or copy it."""
    from linli.demo import fill_demo

    home = Home.create(tmp_path_factory.mktemp("demo-content") / "home")
    db.connect(home.database_url)
    fill_demo(home, NOW, photos=False)
    return _shared_homes.add("demo_content", home)


@pytest.fixture(scope="session")
def text_demo_site(tmp_path_factory, demo_content, copy_home, _shared_homes) -> Home:
    """:func:`demo_content` built at NOW (the first build renders every page), with the admin's
    search index made at NOW. Read it, or copy it."""
    from linli.build import build
    from linli.search.engine import rebuild_index

    home = copy_home(demo_content, tmp_path_factory.mktemp("text-demo-site") / "home")
    db.connect(home.database_url)
    first = build(home, now=NOW)
    assert first.full and first.rendered == first.pages
    rebuild_index(home, NOW)
    return _shared_homes.add("text_demo_site", home)


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory, _shared_homes) -> Home:
    """The demo community with photos, filled and built at NOW. Read it, or copy it."""
    from linli.build import build
    from linli.demo import fill_demo

    home = Home.create(tmp_path_factory.mktemp("demo-site") / "home")
    db.connect(home.database_url)
    fill_demo(home, NOW)
    build(home, now=NOW)
    return _shared_homes.add("demo_site", home)


# --- browsers ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright, one for the session (each test opens its own
    context: its own cookies, storage and pages)."""
    require_chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
