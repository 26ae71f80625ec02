"""Schema versions: the first released schema is version 1; an upgrade backs the database up
first, runs each migration once, records it, and running it again changes nothing."""

from __future__ import annotations

import datetime as dt
import sqlite3

import peewee as pw
import pytest
from playhouse.migrate import SchemaMigrator, migrate

from linli import db, migrations, publisher, runs
from linli import models as m
from linli.errors import LinliError
from linli.home import Home

pytestmark = pytest.mark.sqlite_only(reason="forces SQLite (it reads the SQLite file): the same in both passes")


@pytest.fixture(autouse=True)
def _sqlite(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)


def first_released_database(home: Home) -> None:
    """A database as Linli made it before schema versions were recorded (version 1)."""
    db.connect(home.database_url)
    m.Notice.create(title="老数据库里的通知", status="published")
    db.database.obj.execute_sql(f"DROP TABLE {migrations.TABLE}")
    db.database.close()
    db._bound_url = None  # the next connect opens the file afresh, as a new process would


def add_notice_source(database: pw.Database) -> None:
    """An example migration 2: a column for where a notice came from."""
    migrator = SchemaMigrator.from_database(database)
    migrate(migrator.add_column("notice", "source", pw.CharField(default="", max_length=100)))


def columns(path, table):
    with sqlite3.connect(path) as connection:
        return [row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')]


def versions(path):
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT version FROM schema_version ORDER BY version")]


def test_new_database_starts_at_the_current_version(tmp_path):
    home = Home.create(tmp_path / "home")
    db.connect(home.database_url)
    assert versions(home.db_path) == [migrations.CURRENT]
    assert not (home.content_dir / "backups").exists()


def test_upgrade_from_the_first_released_schema_backs_up_and_is_idempotent(tmp_path, monkeypatch):
    home = Home.create(tmp_path / "home")
    first_released_database(home)
    monkeypatch.setattr(migrations, "CURRENT", 2)
    monkeypatch.setattr(migrations, "MIGRATIONS", {2: add_notice_source})
    db.connect(home.database_url)
    assert "source" in columns(home.db_path, "notice")
    assert versions(home.db_path) == [1, 2]
    copies = list((home.content_dir / "backups").glob("linli-before-v2-*.db"))
    assert len(copies) == 1
    assert "source" not in columns(copies[0], "notice")  # the copy is the schema before the upgrade
    with sqlite3.connect(copies[0]) as connection:
        assert connection.execute("SELECT title FROM notice").fetchone()[0] == "老数据库里的通知"
    assert m.Notice.get().title == "老数据库里的通知"  # data kept through the upgrade
    # Again (a second start of Linli): nothing runs, nothing is copied.
    db.database.close()
    db._bound_url = None
    db.connect(home.database_url)
    assert versions(home.db_path) == [1, 2]
    assert len(list((home.content_dir / "backups").glob("*.db"))) == 1


def test_a_failed_migration_leaves_the_database_at_its_version(tmp_path, monkeypatch):
    home = Home.create(tmp_path / "home")
    first_released_database(home)

    def broken(database):
        add_notice_source(database)
        raise pw.OperationalError("disk full")

    monkeypatch.setattr(migrations, "CURRENT", 2)
    monkeypatch.setattr(migrations, "MIGRATIONS", {2: broken})
    with pytest.raises(LinliError):
        db.connect(home.database_url)
    assert versions(home.db_path) == [1] and "source" not in columns(home.db_path, "notice")
    monkeypatch.setattr(migrations, "MIGRATIONS", {2: add_notice_source})
    db.connect(home.database_url)  # fixed Linli: the upgrade resumes
    assert versions(home.db_path) == [1, 2]


def test_a_database_newer_than_linli_is_refused_untouched(tmp_path):
    home = Home.create(tmp_path / "home")
    db.connect(home.database_url)
    db.database.obj.execute_sql("INSERT INTO schema_version (version, applied_at, backup) VALUES (99, '2030-01-01', '')")
    db.database.close()
    db._bound_url = None
    before = home.db_path.read_bytes()
    with pytest.raises(LinliError, match="请先升级 Linli"):
        db.connect(home.database_url)
    assert home.db_path.read_bytes() == before


def test_version_2_adds_covering_indexes_for_public_lists(tmp_path):
    home = Home.create(tmp_path / "home")
    first_released_database(home)
    listing = "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE '%status_deleted_at_publish_at%'"
    with sqlite3.connect(home.db_path) as connection:  # as version 1 had it: without them
        names = [name for name, in connection.execute(listing)]
        assert len(names) == len(m.CONTENT_MODELS)
        for name in names:
            connection.execute(f'DROP INDEX "{name}"')
    db.connect(home.database_url)
    assert versions(home.db_path) == [1, *sorted(migrations.MIGRATIONS)]
    with sqlite3.connect(home.db_path) as connection:
        assert len(connection.execute(listing).fetchall()) == len(m.CONTENT_MODELS)
    from linli.publicity import public

    at = m.now()
    sql, params = public(m.Notice, at).select(m.Notice.id).order_by(m.Notice.pinned.desc(), m.Notice.id.desc()).sql()
    plan = " ".join(str(row) for row in db.database.obj.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
    assert "COVERING INDEX" in plan  # the list's ids come from the index alone


def test_a_version_number_nobody_took_is_skipped(tmp_path, monkeypatch):
    """Versions are taken on separate branches: a number missing from MIGRATIONS is no step."""
    home = Home.create(tmp_path / "home")
    first_released_database(home)
    monkeypatch.setattr(migrations, "CURRENT", 3)
    monkeypatch.setattr(migrations, "MIGRATIONS", {3: add_notice_source})
    db.connect(home.database_url)
    assert versions(home.db_path) == [1, 3] and "source" in columns(home.db_path, "notice")


class BuildRunV3(pw.Model):
    """The runs table as schema version 3 had it: builds only, progress in pages."""

    started_at = pw.DateTimeField()
    finished_at = pw.DateTimeField(null=True)
    requested_by = pw.CharField(default="", max_length=64)
    state = pw.CharField(default="running", max_length=16)
    pages_done = pw.IntegerField(default=0)
    pages_total = pw.IntegerField(default=0)
    files = pw.IntegerField(default=0)
    seconds = pw.FloatField(null=True)
    message = pw.TextField(default="")
    log = pw.TextField(default="")

    class Meta:
        table_name = "build_run"


def version_3_database(home: Home) -> None:
    """A database as Linli left it at schema version 3, with two builds recorded."""
    db.connect(home.database_url)
    database = db.database.obj
    database.drop_tables([m.Run])
    with BuildRunV3.bind_ctx(database):
        database.create_tables([BuildRunV3])
        BuildRunV3.create(started_at=dt.datetime(2026, 11, 20, 9), finished_at=dt.datetime(2026, 11, 20, 9, 1),
                          requested_by="editor", state="succeeded", pages_done=120, pages_total=120, files=310,
                          seconds=4.2, message="网站已更新：120 个页面，用时 4.2 秒", log="[09:00:00] editor 开始发布网站。\n")
        BuildRunV3.create(started_at=dt.datetime(2026, 11, 21, 9), finished_at=dt.datetime(2026, 11, 21, 9, 1),
                          requested_by="命令行", state="failed", pages_done=40, pages_total=120,
                          message="网站生成失败（页面 /notices/）")  # fmt: skip
    database.execute_sql(f"DELETE FROM {migrations.TABLE}")
    database.execute_sql(f"INSERT INTO {migrations.TABLE} (version, applied_at, backup) VALUES (3, '2026-11-01', '')")
    database.close()
    db._bound_url = None


def test_version_5_keeps_old_builds_as_build_runs(tmp_path):
    home = Home.create(tmp_path / "home")
    version_3_database(home)
    db.connect(home.database_url)
    assert versions(home.db_path) == [3, *(v for v in sorted(migrations.MIGRATIONS) if v > 3)]
    assert 5 in versions(home.db_path)
    assert set(columns(home.db_path, "build_run")) == set(m.Run._meta.columns)
    kept = [(r.kind, r.target, r.state, r.requested_by, r.done, r.total, r.files, r.seconds, r.message)
            for r in m.Run.select().order_by(m.Run.id)]  # fmt: skip
    assert kept == [
        ("build", "", "succeeded", "editor", 120, 120, 310, 4.2, "网站已更新：120 个页面，用时 4.2 秒"),
        ("build", "", "failed", "命令行", 40, 120, 0, None, "网站生成失败（页面 /notices/）"),
    ]
    first = m.Run.select().order_by(m.Run.id).first()
    assert publisher.last_success() == first and publisher.status(home).state == "failed"
    assert publisher.changes_since_last_build().since == dt.datetime(2026, 11, 20, 9)
    copies = list((home.content_dir / "backups").glob("linli-before-v5-*.db"))
    assert len(copies) == 1 and "pages_done" in columns(copies[0], "build_run")
    # runs of every kind from now on, after the old ones
    deploy = m.Run.create(kind=runs.DEPLOY, target="usb", state=runs.SUCCEEDED)
    assert deploy.id > first.id and runs.latest(home, runs.DEPLOY, "usb") == deploy
    assert publisher.last_success() == first
    # Again (a second start of Linli): nothing runs, nothing is copied.
    db.database.close()
    db._bound_url = None
    db.connect(home.database_url)
    assert m.Run.select().count() == 3 and len(list((home.content_dir / "backups").glob("*.db"))) == 1
