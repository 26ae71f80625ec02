"""The database connection: SQLite by default (WAL, busy timeout), any peewee URL otherwise."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import peewee

from linli.errors import LinliError

database = peewee.DatabaseProxy()
_bound_url: str | None = None  # the URL ``database`` is bound to

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "busy_timeout": 10_000,
    "foreign_keys": 1,
    "synchronous": "normal",
}


def connect(url: str, timezone: str | None = None) -> peewee.Database:
    """Bind the models to the database at ``url`` and make sure its tables exist; ``timezone``
    (the site's, from ``linli.toml``) is what the times stored there mean (:mod:`linli.clock`).

    Connecting again to the same URL keeps the database object already bound, so that the
    public app made for a build or a preview does not pull the connection from under the
    admin's requests in other threads."""
    global _bound_url
    from linli import clock, migrations, models

    reuse = database.obj is not None and url == _bound_url
    if reuse:
        db = database.obj
    else:
        db = _open(url)
        if database.obj is not None and not database.obj.is_closed():
            database.obj.close()
        database.initialize(db)
        _bound_url = url
    clock.bind(db, timezone)
    try:
        db.connect(reuse_if_open=True)
        if reuse:
            models.User.select().count()  # the database still holds Linli's tables
        else:
            migrations.upgrade(db, models.ALL_MODELS)
    except LinliError:
        db.close()
        _bound_url = None
        raise
    except (peewee.DatabaseError, sqlite3.DatabaseError) as exc:
        db.close()
        _bound_url = None
        raise LinliError(f"无法打开数据库（文件损坏或不是 Linli 数据库）：{exc}") from exc
    return db


def _open(url: str) -> peewee.Database:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return peewee.SqliteDatabase(str(path), pragmas=SQLITE_PRAGMAS)
    # (imported here: SQLite homes do not need it)
    from playhouse.db_url import connect as connect_url

    try:
        return connect_url(url)
    except Exception as exc:  # peewee raises plain errors for unknown schemes
        raise LinliError(f"无法识别的数据库地址 DATABASE_URL：{exc}") from exc


def wal_file(path: Path | str, timeout: float = 30.0) -> sqlite3.Connection:
    """A connection (autocommit, busy timeout ``timeout`` seconds) to the SQLite file at ``path``
    in WAL mode: for the build's own files (caches, the search index's state) that worker
    processes open side by side. Processes making the same new file at once race to switch it
    to WAL, and SQLite answers the loser "database is locked" at once (the busy timeout is not
    applied to that switch): the switch is tried again until ``timeout``."""
    connection = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    deadline = time.monotonic() + timeout
    while True:
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            return connection
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                connection.close()
                raise
            time.sleep(0.01)


IN_BATCH = 500  # ids in one "IN (…)": well under SQLite's limit on variables in a statement


def batches(ids) -> Iterator[list]:
    """``ids`` in order, in lists of at most :data:`IN_BATCH`, for ``field.in_(…)`` queries."""
    ordered = sorted(ids)
    for start in range(0, len(ordered), IN_BATCH):
        yield ordered[start : start + IN_BATCH]


def immediate_transaction():
    """A write transaction that takes SQLite's write lock up front (read-then-write safe)."""
    db = database.obj
    if db is None:
        raise RuntimeError("call linli.db.connect() before writing")
    if isinstance(db, peewee.SqliteDatabase):
        return db.atomic(lock_type="IMMEDIATE")
    return db.atomic()
