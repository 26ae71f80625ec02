"""Shared fixtures: real homes with real SQLite files in temporary folders."""

from __future__ import annotations

import datetime as dt
import hashlib
import os

import pytest

from linli import db
from linli.home import Home
from tests.browser import CHROMIUM, CHROMIUM_ARGS, require_chromium

NOW = dt.datetime(2026, 11, 25, 10, 0, 0)


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


# --- PostgreSQL: DATABASE_URL=postgresql://… runs the suite against a server -----------------


@pytest.fixture(autouse=True, scope="session")
def _schema_per_home():
    """With DATABASE_URL pointing at PostgreSQL, give every home its own fresh schema, as every
    SQLite home has its own file: each test's temporary home starts from empty tables, and a
    module's shared home keeps its own. The schemas are dropped at the end of the session."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        yield
        return
    import psycopg2
    from playhouse.db_url import parse

    params = parse(base)
    admin = psycopg2.connect(dbname=params["database"], user=params.get("user"), password=params.get("password"),
                             host=params.get("host"), port=params.get("port"))  # fmt: skip
    admin.autocommit = True
    created: list[str] = []
    original = Home.database_url

    def database_url(self) -> str:
        url = original.fget(self)
        if url != os.environ.get("DATABASE_URL") or not url.startswith(("postgres://", "postgresql://")):
            return url  # a test chose SQLite, or its own URL
        schema = "home_" + hashlib.sha1(str(self.root).encode()).hexdigest()[:20]
        if schema not in created:
            with admin.cursor() as cursor:
                cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
            created.append(schema)
        joiner = "&" if "?" in url else "?"
        return f"{url}{joiner}options=-csearch_path%3D{schema}"

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Home, "database_url", property(database_url))
        yield
    with admin.cursor() as cursor:
        for schema in created:
            cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    admin.close()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright, one per test module."""
    require_chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
