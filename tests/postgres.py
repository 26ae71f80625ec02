"""The PostgreSQL pass's homes (DATABASE_URL=postgresql://…): a schema of its own for every home,
as every SQLite home has its own file. tests/conftest.py makes ``Home.database_url`` answer
with :meth:`SchemaPerHome.url`.

- The schemas live in a database made for the session (where the user may create one; else in
  DATABASE_URL's own database), which ``DATABASE_URL`` names during the session: at the end, one
  DROP DATABASE ends them all (dropping hundreds of schemas one by one takes minutes).
- A new home's tables cost PostgreSQL half a second to create (110 statements of DDL), and most
  tests make a home. So once a test is over, the schema of its own home (one under its
  ``tmp_path``) may serve a later new home, emptied when that home wants it, but only if it can
  be made exactly as new: no connection of the old home is left, its tables, columns, indexes,
  constraints and triggers are those of a schema fresh from :func:`linli.db.connect`, and its
  ``schema_version`` holds the one row a new database gets; then its rows go, its sequences
  start again and that row is dated now. Anything else (a test that altered a table, a thread
  still connected) and the schema is left alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import subprocess
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2

from linli import db, migrations

#: Everything about a schema's shape, one line per column, index, constraint, trigger, relation
#: and function, the schema's own name left out.
SHAPE = """
SELECT string_agg(line, E'\\n' ORDER BY line) FROM (
  SELECT concat_ws(' ', 'col', table_name, column_name, data_type, character_maximum_length, column_default,
                   is_nullable) AS line
    FROM information_schema.columns WHERE table_schema = %(schema)s
  UNION ALL SELECT 'idx ' || indexdef FROM pg_indexes WHERE schemaname = %(schema)s
  UNION ALL SELECT concat_ws(' ', 'con', conrelid::regclass, conname, pg_get_constraintdef(oid))
    FROM pg_constraint WHERE connamespace = %(schema)s::regnamespace
  UNION ALL SELECT concat_ws(' ', 'trg', tgrelid::regclass, tgname) FROM pg_trigger
    WHERE NOT tgisinternal AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = %(schema)s::regnamespace)
  UNION ALL SELECT concat_ws(' ', 'rel', relname, relkind::text) FROM pg_class WHERE relnamespace = %(schema)s::regnamespace
  UNION ALL SELECT 'fn ' || proname FROM pg_proc WHERE pronamespace = %(schema)s::regnamespace
) AS shape
"""


class SchemaPerHome:
    def __init__(self, given: str):
        self.admin = psycopg2.connect(given)  # to the given database: makes and drops the session's
        self.admin.autocommit = True
        self.database = f"linli_test_{os.getpid()}_{secrets.token_hex(3)}"
        try:
            with self.admin.cursor() as cursor:
                cursor.execute(f"CREATE DATABASE {self.database}")
        except psycopg2.errors.InsufficientPrivilege:
            self.database = None
        #: the URL homes are given (DATABASE_URL during the session)
        self.base = urlunsplit(urlsplit(given)._replace(path=f"/{self.database}")) if self.database else given
        self.homes = psycopg2.connect(self.base) if self.database else self.admin  # makes the schemas
        self.homes.autocommit = True
        self.execute("SET lock_timeout = '2s'")
        self.schemas: dict[Path, str] = {}  # home root → its schema
        self.made: list[str] = []  # every schema made, in order
        self.spare: list[tuple[str, str | None]] = []  # (schema, tag of its last home) to use again
        self.pristine = self._made_by_connect()  # the shape of a new home's schema

    # --- a schema for each home ---------------------------------------------------------------

    @staticmethod
    def tag(root: Path) -> str:
        """The application_name of the home's connections: how a connection left open shows."""
        return "linli-home-" + hashlib.sha1(str(root).encode()).hexdigest()[:16]

    def url(self, root: Path, url: str) -> str:
        """``url`` with the search path of the home at ``root``'s schema (made on first use)."""
        schema = self.schemas.get(root)
        if schema is None:
            schema = self._spare() or self._new()
            self.schemas[root] = schema
        joiner = "&" if "?" in url else "?"
        return f"{url}{joiner}options=-csearch_path%3D{schema}&application_name={self.tag(root)}"

    def _new(self) -> str:
        schema = f"home_{len(self.made)}_{secrets.token_hex(3)}"
        self.execute(f"CREATE SCHEMA {schema}")
        self.made.append(schema)
        return schema

    def copy(self, source: Path, target: Path) -> None:
        """Copy the schema of the home at ``source`` to the home at ``target``: pg_dump it,
        rename it to a new name for the target, and restore the dump (which makes the source's
        again)."""
        source_schema = self.schemas[source]
        dump = subprocess.run(["pg_dump", "--format=custom", f"--schema={source_schema}", f"--dbname={self.base}"],
                              check=True, capture_output=True).stdout  # fmt: skip
        if db.database.obj is not None:
            db.database.close()  # a connection bound to the source would see it vanish for a moment
        target_schema = f"home_{len(self.made)}_{secrets.token_hex(3)}"
        self.execute(f"ALTER SCHEMA {source_schema} RENAME TO {target_schema}")
        subprocess.run(["pg_restore", "--exit-on-error", f"--dbname={self.base}"], input=dump, check=True, capture_output=True)
        self.made.append(target_schema)
        self.schemas[target] = target_schema

    # --- recycling ----------------------------------------------------------------------------

    def recycle_under(self, folder: Path) -> None:
        """The schemas of the homes under ``folder`` (a test's own, the test over) may serve
        later homes: :meth:`_spare` makes them as new when one is wanted."""
        for root in [r for r in self.schemas if r.is_relative_to(folder)]:
            self.spare.append((self.schemas.pop(root), self.tag(root)))

    def _spare(self) -> str | None:
        """A used schema made as new again, if one can be."""
        while self.spare:
            schema, tag = self.spare.pop()
            try:
                if self._as_new(schema, tag):
                    return schema
            except psycopg2.Error:  # e.g. a lock still held: left as it is
                pass
        return None

    def _as_new(self, schema: str, tag: str | None) -> bool:
        """Make ``schema`` as a new home's again; False (and left alone) where it cannot be."""
        with self.homes.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (tag,))
            if cursor.fetchone()[0]:
                return False
            if self._shape(cursor, schema) != self.pristine:
                return False
            cursor.execute(f"SELECT version FROM {schema}.{migrations.TABLE}")
            if cursor.fetchall() != [(migrations.CURRENT,)]:
                return False
            cursor.execute("SELECT relname FROM pg_class WHERE relnamespace = %s::regnamespace AND relkind = 'r'", (schema,))
            tables = [f'{schema}."{name}"' for (name,) in cursor.fetchall() if name != migrations.TABLE]
            cursor.execute(" UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM {t})" for t in tables))
            written = [name for (name,) in cursor.fetchall()]
            cursor.execute("SELECT sequencename FROM pg_sequences WHERE schemaname = %s AND last_value IS NOT NULL", (schema,))
            moved = [f"{schema}.{name}" for (name,) in cursor.fetchall()]
            statements = [f"TRUNCATE {', '.join(written)} CASCADE"] if written else []
            statements += [f"SELECT setval('{sequence}', 1, false)" for sequence in moved]
            statements.append(f"UPDATE {schema}.{migrations.TABLE} SET applied_at = %s")
            cursor.execute("; ".join(statements), (dt.datetime.now().replace(microsecond=0),))
        return True

    def _shape(self, cursor, schema: str) -> str:
        cursor.execute(SHAPE, {"schema": schema})
        return (cursor.fetchone()[0] or "").replace(f"{schema}.", "<schema>.")

    def _made_by_connect(self) -> str:
        """The shape of a schema that :func:`linli.db.connect` fills (then spare: it is new).
        Made before any test runs: nothing else is bound then, and nothing stays bound."""
        schema = self._new()
        joiner = "&" if "?" in self.base else "?"
        db.connect(f"{self.base}{joiner}options=-csearch_path%3D{schema}")
        db.database.close()
        db.database.initialize(None)  # nothing stays bound to it
        db._bound_url = None
        with self.homes.cursor() as cursor:
            shape = self._shape(cursor, schema)
        self.spare.append((schema, None))
        return shape

    # ------------------------------------------------------------------------------------------

    def execute(self, sql: str) -> None:
        with self.homes.cursor() as cursor:
            cursor.execute(sql)

    def close(self) -> None:
        if self.database:
            self.homes.close()
            with self.admin.cursor() as cursor:
                cursor.execute(f"DROP DATABASE {self.database} WITH (FORCE)")
        else:
            for schema in self.made:
                self.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        self.admin.close()
