"""The database connection: SQLite by default (WAL, busy timeout), any peewee URL otherwise."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import peewee
from playhouse.db_url import connect as connect_url

from linli.errors import LinliError

database = peewee.DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "busy_timeout": 10_000,
    "foreign_keys": 1,
    "synchronous": "normal",
}


def connect(url: str) -> peewee.Database:
    """Bind the models to the database at ``url`` and make sure its tables exist."""
    from linli import models

    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        db = peewee.SqliteDatabase(str(path), pragmas=SQLITE_PRAGMAS)
    else:
        try:
            db = connect_url(url)
        except Exception as exc:  # peewee raises plain errors for unknown schemes
            raise LinliError(f"无法识别的数据库地址 DATABASE_URL：{exc}") from exc
    if database.obj is not None and not database.obj.is_closed():
        database.obj.close()
    database.initialize(db)
    try:
        db.connect(reuse_if_open=True)
        with db.atomic():
            db.create_tables(models.ALL_MODELS, safe=True)
    except (peewee.DatabaseError, sqlite3.DatabaseError) as exc:
        db.close()
        raise LinliError(f"无法打开数据库（文件损坏或不是 Linli 数据库）：{exc}") from exc
    return db


def immediate_transaction():
    """A write transaction that takes SQLite's write lock up front (read-then-write safe)."""
    db = database.obj
    if db is None:
        raise RuntimeError("call linli.db.connect() before writing")
    if isinstance(db, peewee.SqliteDatabase):
        return db.atomic(lock_type="IMMEDIATE")
    return db.atomic()
