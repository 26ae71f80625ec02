"""Which rows changed since the last build: a log that SQLite triggers keep.

A rebuild must know what changed. Reading and fingerprinting every row of every table (see
:func:`linli.deps.scan`) tells exactly, but costs a pass over the whole site. On SQLite, triggers
on each table the site shows append ``(table, row id)`` to ``linli_change`` on every insert,
update and delete — whoever writes (the admin, an import, the ``sqlite3`` shell), cascades
included. A row of a child table (attachment, photo, grid member) also logs its parent, whose
search document shows the child's text.

A build reads the log from where the last build stopped (:func:`changed_since`) and, when it is
done, records in the database which build it was (:func:`mark`, a random token also kept in the
build's manifest). A log is used only when the database's token is the manifest's: a database
restored from a backup, replaced, or written to by a build of another site shows another token,
and the build then scans every row. PostgreSQL has no log (a full scan each build).
"""

from __future__ import annotations

import secrets
from typing import NamedTuple

import peewee as pw

VERSION = 1  # in the triggers' names: triggers of another version are replaced
LOG = "linli_change"
META = "linli_change_meta"

#: child table → (column of the parent's id, parent table)
PARENTS = {"attachment": ("notice_id", "notice"), "photo": ("album_id", "album"), "grid_member": ("grid_id", "grid")}


class Since(NamedTuple):
    """What the log says for one build: the token of the build it carries on from (None when
    unknown), this build's token, and table → ids of the rows written since (None when unknown)."""

    last: str | None
    token: str
    rows: dict[str, set[int]] | None


def supported(database) -> bool:
    return isinstance(database, pw.SqliteDatabase)


def _trigger_sql(table: str) -> dict[str, str]:
    """name → CREATE TRIGGER statement of the three triggers of ``table``."""
    parent = PARENTS.get(table)

    def logs(row: str) -> str:
        out = f"INSERT INTO {LOG} (tbl, row_id) VALUES ('{table}', {row}.id);"
        if parent:
            out += f" INSERT INTO {LOG} (tbl, row_id) VALUES ('{parent[1]}', {row}.{parent[0]});"
        return out

    name = f"linli_log_v{VERSION}_{table}"
    return {
        f"{name}_i": f'CREATE TRIGGER {name}_i AFTER INSERT ON "{table}" BEGIN {logs("NEW")} END',
        f"{name}_u": f'CREATE TRIGGER {name}_u AFTER UPDATE ON "{table}" BEGIN {logs("NEW")} {logs("OLD")} END',
        f"{name}_d": f'CREATE TRIGGER {name}_d AFTER DELETE ON "{table}" BEGIN {logs("OLD")} END',
    }


def install(database, tables: list[str]) -> bool:
    """Make sure the log and its triggers on ``tables`` exist; whether they all did already
    (else the log misses what was written before, and this build must scan)."""
    wanted = {}
    for table in tables:
        wanted.update(_trigger_sql(table))
    found = {
        name for name, in database.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
    }
    if set(wanted) <= found and database.table_exists(META):
        return True
    with database.atomic():
        database.execute_sql(
            f"CREATE TABLE IF NOT EXISTS {LOG} (seq INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL, "
            "row_id INTEGER)"
        )
        database.execute_sql(f"CREATE TABLE IF NOT EXISTS {META} (key TEXT PRIMARY KEY, value TEXT)")
        for name in found:
            if name.startswith("linli_log_") and name not in wanted:
                database.execute_sql(f'DROP TRIGGER "{name}"')
        for name, sql in wanted.items():
            if name not in found:
                database.execute_sql(sql)
    return False


def position(database) -> int:
    """The last entry of the log (0 for an empty log)."""
    row = database.execute_sql(f"SELECT max(seq) FROM {LOG}").fetchone()
    return row[0] or 0


def changed_since(database, token: str | None, seq: int | None) -> dict[str, set[int]] | None:
    """table → ids of rows written after entry ``seq`` of the log, if the database was last
    marked with ``token`` (see :func:`mark`); else None (the log cannot say)."""
    if token is None or seq is None:
        return None
    row = database.execute_sql(f"SELECT value FROM {META} WHERE key = 'built'").fetchone()
    if row is None or row[0] != token:
        return None
    changed: dict[str, set[int]] = {}
    for table, row_id in database.execute_sql(f"SELECT tbl, row_id FROM {LOG} WHERE seq > ?", (seq,)).fetchall():
        if row_id is not None:
            changed.setdefault(table, set()).add(row_id)
    return changed


def new_token() -> str:
    return secrets.token_hex(8)


def mark(database, token: str, seq: int) -> None:
    """Record that the build ``token`` has seen the log up to ``seq``; entries up to there are
    not needed any more."""
    with database.atomic():
        database.execute_sql(f"INSERT OR REPLACE INTO {META} (key, value) VALUES ('built', ?)", (token,))
        database.execute_sql(f"DELETE FROM {LOG} WHERE seq <= ?", (seq,))
