"""Shared fixtures: real homes with real SQLite files in temporary folders."""

from __future__ import annotations

import datetime as dt

import pytest

from linli import db
from linli.home import Home

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
