"""Versioned schema migrations, with a backup of the database before each upgrade.

The database records its schema version in ``schema_version`` (one row per version applied).
Version 1 is the first released schema, the one :data:`linli.models.ALL_MODELS` made before
this table existed: a database without the table is at version 1. A new database is created at
:data:`CURRENT` directly. To change the schema, add a function to :data:`MIGRATIONS` under the
next number (using ``playhouse.migrate``), raise :data:`CURRENT`, and add the upgrade test.

:func:`upgrade` runs when a home's database is opened (:func:`linli.db.connect`): if versions
are pending, a SQLite database is first copied with the online backup API into
``content/backups/linli-before-v<N>-<time>.db``; then each migration runs in its own
transaction and records its version, so an interrupted upgrade resumes where it stopped, and
running it again changes nothing. A database newer than this Linli is refused, untouched.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

import peewee as pw

from linli import clock
from linli.errors import LinliError

logger = logging.getLogger(__name__)

CURRENT = 5


def _listing_indexes(database: pw.Database) -> None:
    """v2: covering indexes for public lists and counts (:data:`linli.models.LISTING_COLUMNS`)."""
    from linli import models

    for model in models.CONTENT_MODELS:
        model._schema.create_indexes(safe=True)


#: The times Linli wrote itself up to version 2, read from the server's clock in the server's
#: own time zone (staff-typed times — publish_at, expires_at, event times — were already meant
#: in the site's zone and are left alone).
SERVER_CLOCK_COLUMNS = {
    "user": ("created_at", "last_login_at"),
    "login_attempt": ("at",),
    "audit_event": ("at",),
    "revision": ("at",),
    "build_run": ("started_at", "finished_at"),
    "site_settings": ("updated_at",),
    "photo": ("created_at",),
    **{table: ("created_at", "updated_at", "deleted_at")
       for table in ("notice", "service", "place", "volunteer_team", "story", "wish", "event", "album", "grid",
                     "page")},
}  # fmt: skip


def _site_clock(database: pw.Database) -> None:
    """v3: every stored time is in the site's time zone (:mod:`linli.clock`).

    Up to v2 Linli stamped what it wrote itself (created, updated, deleted, audit, logins,
    builds) with the server's local time. Those values were written by this machine's clock,
    so they are read in this machine's local time zone and rewritten as the site's wall-clock
    time; on a server whose zone is the site's nothing changes."""
    from linli import clock

    zone = clock.zone_of(database)
    for table, columns in SERVER_CLOCK_COLUMNS.items():
        if not table_exists(database, table):
            continue
        for column in columns:
            rows = database.execute_sql(f'SELECT id, "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL').fetchall()
            moved = []
            for row_id, value in rows:
                stored = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
                site = stored.astimezone().astimezone(zone).replace(tzinfo=None)  # naive = server's local time
                if site != stored:
                    moved.append((site.isoformat(" "), row_id))
            update = f'UPDATE "{table}" SET "{column}" = {database.param} WHERE id = {database.param}'
            for params in moved:
                database.execute_sql(update, params)


def _runs_of_every_kind(database: pw.Database) -> None:
    """v5: deploys are runs too (:mod:`linli.runs`). ``build_run`` gains ``kind`` (existing rows
    are builds) and ``target``; its progress columns ``pages_done`` / ``pages_total`` become
    ``done`` / ``total`` (pages for a build, files for a deploy). Columns already in their new
    form are left alone."""
    from playhouse.migrate import SchemaMigrator, migrate

    cursor = database.execute_sql('SELECT * FROM "build_run" WHERE 1 = 0')
    have = {column[0] for column in cursor.description}
    migrator = SchemaMigrator.from_database(database)
    steps = []
    if "kind" not in have:
        steps.append(migrator.add_column("build_run", "kind", pw.CharField(default="build", max_length=16)))
    if "target" not in have:
        steps.append(migrator.add_column("build_run", "target", pw.CharField(default="", max_length=100)))
    for old, new in (("pages_done", "done"), ("pages_total", "total")):
        if old in have and new not in have:
            steps.append(migrator.rename_column("build_run", old, new))
    migrate(*steps)


#: version → function(database) that brings the schema from the version before it to this one.
#: A number missing here is skipped: :func:`upgrade` runs the pending versions in order.
MIGRATIONS: dict[int, Callable[[pw.Database], None]] = {2: _listing_indexes, 3: _site_clock, 5: _runs_of_every_kind}
TABLE = "schema_version"


class SchemaVersion(pw.Model):
    version = pw.IntegerField(primary_key=True)
    applied_at = pw.DateTimeField(default=clock.now)
    backup = pw.CharField(default="", max_length=300)  # the copy made before this upgrade

    class Meta:
        table_name = TABLE


def table_exists(database: pw.Database, name: str) -> bool:
    """Whether table ``name`` is visible (on PostgreSQL: in the schemas of the search path)."""
    if isinstance(database, pw.PostgresqlDatabase):
        return database.execute_sql("SELECT to_regclass(%s)", (f'"{name}"',)).fetchone()[0] is not None
    return database.table_exists(name)


def stored_version(database: pw.Database) -> int | None:
    """The schema version recorded in ``database``; None for a database without Linli tables."""
    if not table_exists(database, TABLE):
        return 1 if table_exists(database, "user") else None
    with SchemaVersion.bind_ctx(database):
        row = SchemaVersion.select(pw.fn.MAX(SchemaVersion.version)).scalar()
    return int(row) if row is not None else 1


def upgrade(database: pw.Database, models: list) -> list[int]:
    """Create or upgrade the schema of ``database``; returns the versions applied."""
    found = stored_version(database)
    if found is not None and found > CURRENT:
        raise LinliError(f"数据库的结构版本是 {found}，比这个版本的 Linli（{CURRENT}）新。请先升级 Linli，数据没有改动。")
    with SchemaVersion.bind_ctx(database):
        with database.atomic():
            database.create_tables([*models, SchemaVersion], safe=True)
            if found is None:  # a new database starts at the current schema
                SchemaVersion.create(version=CURRENT)
                return []
            if not SchemaVersion.select().exists():
                SchemaVersion.create(version=found)  # the first released schema, now recorded
        pending = [v for v in sorted(MIGRATIONS) if found < v <= CURRENT]
        if not pending:
            return []
        copy = backup_before_upgrade(database, pending[-1])
        for version in pending:
            with database.atomic():
                MIGRATIONS[version](database)
                SchemaVersion.create(version=version, backup=str(copy or ""))
            logger.info("schema upgraded to version %s", version)
    return pending


def backup_before_upgrade(database: pw.Database, version: int) -> Path | None:
    """A copy of a SQLite database beside it, made before upgrading to ``version``."""
    if not isinstance(database, pw.SqliteDatabase) or database.database in ("", ":memory:"):
        logger.warning("schema upgrade to version %s without automatic backup: back up PostgreSQL "
                       "with pg_dump before upgrading Linli", version)  # fmt: skip
        return None
    from linli.backup import check_database, copy_database

    source = Path(database.database)
    target = source.parent / "backups" / f"linli-before-v{version}-{clock.stamp(clock.zone_of(database))}.db"
    copy_database(source, target)
    check_database(target)
    return target
