"""What each built page was made from: recorded while it renders, checked before the next build.

A page of the public site is a function of the template files and settings (the build's
*global* fingerprint, see :mod:`linli.build`) and of what its view reads from the database.
While a page renders, every SELECT is recorded with a fingerprint of its raw result: a
*dependency* ``("q", sql, params)``. ``params`` holds :data:`NOW` where the build's moment was
passed, so the same query of the next build has the same key.

Results are compared with the moment, not only stored: every date-time value in a result is
fingerprinted together with whether it lies before, at or after the build's moment. So when
time passes and a notice expires or a scheduled item comes due, the fingerprints change
exactly where a comparison with "now" (in SQL or in :func:`linli.publicity.visibility`)
would come out differently.

Three more kinds keep rebuilds cheap at scale: ``("slice", query, start, stop)`` is one page of a
list that is read once per build (see :func:`ordered_list`); ``("row", table, slug)`` is one
item looked up by its slug (see :func:`row_by_slug`); ``("part", cut, arg, queries, part)`` is one
page of pages cut by a function from the rows of some queries, e.g. the title index cut by first
letter (see :func:`record_part`). ``("now",)`` or ``("now", format)``: the page shows the build's
moment itself, or what ``format`` makes of it (the year), see :func:`record_moment`.

Before a rebuild, :func:`scan` reads every table the site shows (the same SELECT the views use)
and fingerprints each row — or, when the change log can be trusted (:mod:`linli.changes`),
:func:`scan_changes` reads only the rows written since the last build and those whose dates the
moment passed. A dependency needs checking only when a table it reads changed; checking re-runs
the query (once per distinct query; for whole rows of one table only its ids) and compares
fingerprints.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import operator
import pickle
import re
import threading
from dataclasses import dataclass, field
from typing import NamedTuple

import peewee as pw
from flask import current_app, has_app_context

from linli import db

NOW = "\0now"  # stands for the build's moment in recorded query parameters
_TABLES = re.compile(r'(?:FROM|JOIN)\s+"(\w+)"')
_local = threading.local()


# --- fingerprints -----------------------------------------------------------------------------


def _relation(value, now: dt.datetime, now_text: str) -> str:
    """"<", "=" or ">" for a date-time ``value`` against the moment; "" for anything else."""
    if type(value) is str:
        if len(value) >= 19 and value[4] == "-" and value[13] == ":":
            return "<" if value < now_text else "=" if value[:19] == now_text and len(value) == 19 else ">"
        return ""
    if isinstance(value, dt.datetime):
        return "<" if value < now else "=" if value == now else ">"
    return ""


def row_hash(row: tuple, now: dt.datetime, now_text: str) -> bytes:
    dated = [  # the values _relation() gives a relation for (looked for quickly: there are many rows)
        value for value in row
        if (value.__class__ is str and len(value) >= 19 and value[4] == "-" and value[13] == ":")
        or (value.__class__ is not str and isinstance(value, dt.datetime))
    ]  # fmt: skip
    relations = "".join([_relation(value, now, now_text) for value in dated])
    # pickle is a few times faster than repr and as exact: rows from the database never share
    # an object between two values other than singletons (None, "", one-character strings).
    # Texts not in ASCII are encoded first: pickling such a str keeps its UTF-8 form inside it
    # for as long as it lives (CPython caches it there), and a build holds many rows' texts.
    encoded = tuple([value.encode("utf-8", "surrogatepass") if value.__class__ is str and not value.isascii() else value
                     for value in row])  # fmt: skip
    return hashlib.blake2b(pickle.dumps(encoded, 4) + relations.encode(), digest_size=12).digest()


def rows_hash(rows, now: dt.datetime) -> bytes:
    now_text = now_as_text(now)
    return _combined([row_hash(row, now, now_text) for row in rows])


def _combined(hashes: list[bytes]) -> bytes:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(str(len(hashes)).encode())
    for h in hashes:
        digest.update(h)
    return digest.digest()


def now_as_text(now: dt.datetime) -> str:
    return now.isoformat(" ")[:19]


@functools.lru_cache(maxsize=4096)
def tables_of(sql: str) -> frozenset[str]:
    return frozenset(_TABLES.findall(sql))


def _key_params(params, now: dt.datetime) -> tuple:
    text = now_as_text(now)
    return tuple(NOW if (p == now or p == text) else p for p in params or ())


def _run_params(params: tuple, now: dt.datetime) -> tuple:
    return tuple(now if p == NOW else p for p in params)


# --- recording --------------------------------------------------------------------------------


@dataclass
class Recorder:
    """The dependencies of the page being rendered in this thread."""

    now: dt.datetime
    deps: dict = field(default_factory=dict)  # key → fingerprint
    capture: list | None = None  # set by captured(): the next SELECT lands here unrecorded
    idle: bool = False  # nothing is recorded but what memo() keeps (see recording())

    def add(self, key, value) -> None:
        self.deps[key] = value


def current() -> Recorder | None:
    return getattr(_local, "recorder", None)


@contextlib.contextmanager
def recording(now: dt.datetime, idle: bool = False):
    """Record the dependencies of whatever runs inside (one page). ``idle``: for work that is
    no page (listing the pages) but fills the build's memos, which still record theirs."""
    previous = current()
    _local.recorder = recorder = Recorder(now, idle=idle)
    try:
        yield recorder
    finally:
        _local.recorder = previous


@contextlib.contextmanager
def captured():
    """Run one query unrecorded and keep its (key, raw rows): ``with captured() as got: …``."""
    recorder = current()
    if recorder is None:
        yield None
        return
    saved, recorder.capture = recorder.capture, []
    try:
        yield recorder.capture
    finally:
        recorder.capture = saved


class _Rows:
    """A fetched result standing in for a DB-API cursor (what peewee reads of one)."""

    def __init__(self, description, rows):
        self.description, self._rows, self._at = description, rows, 0
        self.rowcount, self.lastrowid = len(rows), None

    def fetchone(self):
        if self._at < len(self._rows):
            self._at += 1
            return self._rows[self._at - 1]
        return None

    def fetchall(self):
        rows, self._at = self._rows[self._at :], len(self._rows)
        return rows

    def fetchmany(self, size=1):
        rows = self._rows[self._at : self._at + size]
        self._at += len(rows)
        return rows

    def __iter__(self):
        return iter(self.fetchall())

    def close(self):
        pass


def install(database) -> None:
    """Make ``database`` (a peewee Database) record SELECTs for the recorder of the calling
    thread; other threads and statements pass straight through."""
    if getattr(database, "_linli_recording", False):
        return
    original = database.execute_sql

    def execute_sql(sql, params=None, *args, **kwargs):
        recorder = current()
        if recorder is None or not sql.startswith("SELECT"):
            return original(sql, params, *args, **kwargs)
        cursor = original(sql, params, *args, **kwargs)
        rows = cursor.fetchall()
        result = _Rows(cursor.description, rows)
        key = ("q", sql, _key_params(params, recorder.now))
        if recorder.capture is not None:
            recorder.capture.append((key, rows))
        elif not recorder.idle:
            recorder.add(key, rows_hash(rows, recorder.now))
        return result

    database.execute_sql = execute_sql
    database._linli_recording = True


def shared(key, seen: dict):
    """The one object of ``seen`` equal to dependency ``key`` (and to the SQL text in it): pages
    rendered in other processes hold equal copies, which a manifest would store each apart."""
    found = seen.get(key)
    if found is None:
        if key[0] == "q":
            key = ("q", seen.setdefault(key[1], key[1]), key[2])
        elif key[0] == "slice":
            key = ("slice", shared(key[1], seen), *key[2:])
        found = seen[key] = key
    return found


# --- build-wide memos --------------------------------------------------------------------------


def building() -> bool:
    return bool(current_app.config.get("LINLI_BUILD")) and current() is not None


def memo(key, compute):
    """``compute()`` once per build process; every page that uses it depends on what it read.
    Outside a build (the preview server), just ``compute()``."""
    if not building():
        return compute()
    cache = current_app.extensions.setdefault("linli_memo", {})
    recorder = current()
    if key not in cache:
        saved, recorder.deps, idle, recorder.idle = recorder.deps, {}, recorder.idle, False
        try:
            value = compute()
            cache[key] = (value, recorder.deps)
        finally:
            recorder.deps, recorder.idle = {**saved, **recorder.deps}, idle
        return value
    value, deps = cache[key]
    recorder.deps.update(deps)
    return value


def _compiled(query, shape) -> tuple[str, list]:
    """``query.sql()``; once per build process for a ``shape`` (see :func:`ordered_slice`)."""
    if shape is None:
        return query.sql()
    compiled = current_app.extensions.setdefault("linli_list_sql", {})
    if shape not in compiled:
        compiled[shape] = query.sql()
    return compiled[shape]


def ordered_list(query, shape=None, deferred: tuple = (), start: int = 0, stop: int = 0) -> tuple[ListRows, tuple, list]:
    """(rows ``start:stop`` of ``query`` and those around them, its query key, the fingerprint of
    each of those rows), in a build. A list is read whole, or :data:`LIST_WINDOW` rows at a time
    when it is longer (its pages are asked for one after the other: a build process holds a
    window of a long list, not every row of it). A build process holds the lists it used last,
    up to :data:`LIST_ROWS_KEPT` rows besides the one in use, as raw rows (items are made a
    slice at a time, see :class:`ListRows`). ``shape``: see :func:`ordered_slice`;
    ``deferred``: see :func:`_deferring`."""
    sql, params = _compiled(query, shape)
    cache = current_app.extensions.setdefault("linli_lists", {})
    key = (sql, tuple(map(repr, params)))
    found = cache.pop(key, None)
    if found is None or not found[0].covers(start, stop):
        found = _read_list(query, sql, params, deferred, start, stop, found[0].total if found is not None else None)
        _forget_lists(cache, LIST_ROWS_KEPT - len(found[0]))
    cache[key] = found  # (the most recently used last)
    return found


LIST_ROWS_KEPT = 10_000  # rows of lists a build process keeps at most besides the one in use (~1 KB each)
LIST_WINDOW = 5_000  # rows of a longer list read at a time


def _read_list(query, sql: str, params: list, deferred: tuple, start: int, stop: int, total: int | None) -> tuple:
    """``ordered_list``'s reading: the whole list when it has at most :data:`LIST_WINDOW` rows,
    else the window of that many rows (at least ``start:stop``) from ``start`` (``total``: the
    list's length, when known)."""
    now = current().now
    size = max(LIST_WINDOW, stop - start)
    with captured():
        cursor = query.model._meta.database.execute_sql(*query.limit(size + 1).offset(start or None).sql())
        rows = cursor.fetchall()
        if total is None:  # (the rows from ``start`` to the end, unless there are more, or none)
            total = start + len(rows) if len(rows) <= size and (rows or not start) else query.count()
    del rows[size:]
    now_text = now_as_text(now)
    hashes = [row_hash(row, now, now_text) for row in rows]
    return (ListRows(query, cursor.description, rows, deferred, start, total), ("q", sql, _key_params(params, now)),
            hashes)  # fmt: skip


def _forget_lists(cache: dict, room: int) -> None:
    """Forget the least recently used lists of ``cache`` until they hold at most ``room`` rows:
    a list's pages are asked for one after the other (a list forgotten and asked for again is
    read again), and a build of many items would otherwise keep every row of every list."""
    held = sum(len(rows) for rows, _, _ in cache.values())
    while cache and held > max(room, 0):
        held -= len(cache.pop(next(iter(cache)))[0])


class ListRows:
    """Raw rows of a list, from its row ``start`` (of ``total``); :meth:`items` makes the model
    instances of a slice (an instance with its field dict costs several times its row)."""

    __slots__ = ("columns", "deferred", "description", "query", "rows", "start", "total")

    def __init__(self, query, description, rows: list, deferred: tuple, start: int, total: int):
        self.query, self.description, self.rows, self.deferred = query, description, rows, deferred
        self.start, self.total = start, total
        self.columns: dict = {}  # (see instances())

    def __len__(self) -> int:
        return len(self.rows)

    def covers(self, start: int, stop: int) -> bool:
        """Whether rows ``start:stop`` (those the list has) are all here."""
        return self.start <= min(start, self.total) and min(stop, self.total) <= self.start + len(self.rows)

    def items(self, start: int, stop: int) -> list:
        at = self.start
        cursor = _Rows(self.description, self.rows[start - at : stop - at])
        return _defer(instances(self.query, cursor, self.columns, "list"), self.deferred)


def ordered_slice(query, start: int, stop: int, shape=None) -> tuple[list, int]:
    """(items ``start:stop`` of ``query``, how many it has); the page depends on that slice.
    A build process reads the first few slices of a list with LIMIT, then the whole list once.
    ``shape``: a name the caller gives this list query (the same name, the same SQL in one
    build process: e.g. a list's endpoint and arguments), so that its SQL, which keys the
    list, is compiled once per build process rather than for every page of the list."""
    if not building():
        return list(query.limit(stop - start).offset(start)), query.count()
    if shape is None:
        query, deferred = _deferring(query)
    else:  # (the same shape, the same query: made lean once per build process)
        lean = current_app.extensions.setdefault("linli_lean_lists", {})
        if shape not in lean:
            lean[shape] = _deferring(query)
        query, deferred = lean[shape]
    sql, params = _compiled(query, shape)
    key = (sql, tuple(map(repr, params)))
    lists = current_app.extensions.setdefault("linli_lists", {})
    asked = current_app.extensions.setdefault("linli_slices", {})
    asked[key] = asked.get(key, 0) + 1
    if key in lists or asked[key] > ONE_BY_ONE or current_app.extensions.get(WHOLE_LISTS):
        rows, query_key, hashes = ordered_list(query, shape, deferred, start, stop)
        record_slice(query_key, hashes, start, stop, rows.total, rows.start)
        return rows.items(start, stop), rows.total
    recorder = current()
    with captured():
        total = query.count()
        items, rows = _read_slice(query, start, stop) if start < total else ([], [])
        items = _defer(items, deferred)
    recorder.add(("slice", ("q", sql, _key_params(params, recorder.now)), start, stop),
                 rows_hash([(total,), *rows], recorder.now))  # fmt: skip
    return items, total


def _deferring(query) -> tuple[pw.ModelSelect, tuple]:
    """``query`` (whole rows of one content type) without its Markdown texts, which lists do not
    show and which would make each build process hold every body once per list it is in; and
    the names of the fields left out (see :class:`_Deferred`). Other queries as they are."""
    model = getattr(query, "model", None)
    names = _markdown_fields(model)
    if not names:
        return query, ()
    whole, _ = model.select().sql()
    if not query.sql()[0].startswith(whole + " "):
        return query, ()
    return query.select(*_lean_fields(model)), names


def _markdown_fields(model) -> tuple:
    """The Markdown texts of a content type's table that lists are read without (see
    :func:`_deferring`); () for other tables."""
    kind = getattr(model, "kind", None)
    if kind is None or "slug" not in model._meta.fields:
        return ()
    return tuple(name for name in getattr(kind, "markdown", ()) if isinstance(model._meta.fields.get(name), pw.TextField))


def _lean_fields(model) -> list:
    names = _markdown_fields(model)
    return [f for f in model._meta.sorted_fields if f.name not in names]


def _defer(items: list, names: tuple) -> list:
    for item in items if names else ():
        item.__data__ = _Deferred(item.__data__)
        item.__data__.names = names
        item.__data__.model = type(item)
    return items


class _Deferred(dict):
    """The values of an item of a list read without its Markdown texts (``names``): one of them
    asked for (a home's template that shows bodies in a list) is read then with the item's row,
    which the page then depends on (:func:`row_by_slug`); it is not kept (the list serves pages
    that have not recorded that row)."""

    __slots__ = ("names", "model")

    def __missing__(self, name):
        if name not in self.names:
            raise KeyError(name)
        row = row_by_slug(self.model, self["slug"])
        return getattr(row, name) if row is not None else None


def _read_slice(query, start: int, stop: int) -> tuple[list, list]:
    """(items, raw rows) ``start:stop`` of ``query``. A query of whole rows of one table sorts
    only the ids (not every column of every row) and then reads the rows of the slice."""
    model = query.model
    whole, _ = model.select().sql()
    if not query.sql()[0].startswith(whole + " "):
        with captured() as got:
            items = list(query.limit(stop - start).offset(start))
        return items, got[0][1] if got else []
    key = model._meta.primary_key
    ids = [i for i, in query.select(key).limit(stop - start).offset(start).tuples()]
    with captured() as got:
        found = list(model.select().where(key.in_(ids)))
    rows = dict(zip([item.get_id() for item in found], zip(found, got[0][1] if got else [])))
    return [rows[i][0] for i in ids], [rows[i][1] for i in ids]


def record_moment(shown: str | None = None):
    """The build's moment, for output that shows the moment itself (not only compares with it).
    ``shown``: the ``strftime`` format of what the page shows of it (``"%Y"``: the year); the
    page is then made again when that text changes. Without it the page shows the whole moment
    and is made again by every build."""
    from linli.app import moment

    at = moment()
    recorder = current()
    if recorder is not None:
        recorder.add(("now", shown) if shown else ("now",), _moment_text(at, shown))
    return at


def _moment_text(at: dt.datetime, shown: str | None) -> str:
    return at.strftime(shown) if shown else now_as_text(at)


def record_slice(query_key, hashes: list, start: int, stop: int, total: int, at: int) -> None:
    recorder = current()
    if recorder is not None:
        recorder.add(("slice", query_key, start, stop), slice_hash(hashes, start, stop, recorder.now, total, at))


def slice_hash(hashes: list, start: int, stop: int, now: dt.datetime, total: int | None = None, at: int = 0) -> bytes:
    """The fingerprint of rows ``start:stop`` of a list of ``total`` rows (by default
    ``len(hashes)``), from the rows' fingerprints ``hashes`` (those of its rows from row ``at``,
    at least to ``stop``): as :func:`rows_hash` of the count and those rows."""
    total = len(hashes) if total is None else total
    return _combined([row_hash((total,), now, now_as_text(now)), *hashes[start - at : stop - at]])


ONE_BY_ONE = 20  # slices of a list read one query each, before the whole list is read
WHOLE_LISTS = "linli_whole_lists"  # (in the app's extensions) every list is read whole at once


def read_lists_whole(app) -> None:
    """Make :func:`ordered_slice` read each list whole the first time a page of it is asked for
    (a build that renders every page renders every page of every list: one query per list
    instead of two or three for each of its first pages). The pages record the same
    dependencies either way."""
    app.extensions[WHOLE_LISTS] = True


ROWS_AHEAD = "linli_rows_ahead"  # (in the app's extensions) see expect_rows


def expect_rows(slugs: dict) -> None:
    """Say which items the next pages will look up by slug (``{model: slugs}``, say those of a
    chunk of pages a freezer is given): :func:`row_by_slug` then reads all of one type's in one
    query, the first time one of them is asked for, instead of one query a page (an item's page
    and its poster look the same row up). What each page reads and depends on is the same."""
    current_app.extensions[ROWS_AHEAD] = ({model: set(wanted) for model, wanted in slugs.items() if wanted}, {})


def _row_ahead(model, slug: str, statement):
    """(an instance of the row of ``model`` with ``slug``, the row, its fingerprint) as
    :func:`expect_rows` read it ahead, None when there is none, or False when it was not
    expected. ``statement``: the query of one slug, whose columns the query of many has."""
    ahead = current_app.extensions.get(ROWS_AHEAD)
    if ahead is None:
        return False
    expected, read = ahead
    if model not in read:
        wanted = expected.get(model)
        if not wanted or slug not in wanted:
            return False
        slugs = sorted(wanted)
        statements = current_app.extensions.setdefault("linli_rows_sql", {})  # (model, count) → SQL
        sql = statements.get((model, len(slugs)))
        if sql is None:
            sql = statements[model, len(slugs)] = model.select().where(model.slug.in_(slugs)).sql()[0]
        with captured():  # (not recorded: each page records the one row it uses)
            cursor = model._meta.database.execute_sql(sql, slugs)
        at = [column[0] for column in cursor.description].index("slug")
        read[model] = (cursor.description, {row[at]: [row, None] for row in cursor.fetchall()}, wanted)
    description, rows, wanted = read[model]
    if slug not in wanted:
        return False
    found = rows.get(slug)
    if found is None:
        return None
    row, fingerprint = found
    if fingerprint is None:  # (an item's page and its poster: the same row, fingerprinted once)
        recorder = current()
        fingerprint = found[1] = row_hash(row, recorder.now, now_as_text(recorder.now))
    known = current_app.extensions.setdefault("linli_columns", {})
    return instances(statement, _Rows(description, [row]), known, ("row", model))[0], row, fingerprint


def row_by_slug(model, slug: str):
    """The row of ``model`` with ``slug`` (any status); the page depends on that row only.
    One indexed lookup per page, its SQL made once per build process (a process that kept
    whole tables instead would hold every row of every type in memory), unless the freezer
    said which rows its next pages look up (:func:`expect_rows`)."""
    if not building():
        return model.get_or_none(model.slug == slug)
    statements = current_app.extensions.setdefault("linli_row_sql", {})
    if model not in statements:
        query = model.select().where(model.slug == slug)
        sql, params = query.sql()
        assert len(params) == 1, sql
        statements[model] = (query, sql)
    query, sql = statements[model]
    recorder = current()
    ahead = _row_ahead(model, slug, query)
    if ahead is False:
        with captured() as got:
            cursor = query.model._meta.database.execute_sql(sql, (slug,))
            found = instances(query, cursor, current_app.extensions.setdefault("linli_columns", {}), ("row", model))
        row = got[0][1][0] if found else None
        ahead = (found[0], row, row_hash(row, recorder.now, now_as_text(recorder.now))) if found else None
    recorder.add(("row", model._meta.table_name, slug), ahead[2] if ahead else None)
    return ahead[0] if ahead else None


def bound_rows(shape, make, *ids: int) -> list:
    """The rows of the query ``make(*ids)`` (ids: plain ints), whose SQL text depends on the ids
    only through its parameters; ``shape`` names that query (e.g. ``("children", "Notice")``).
    In a build, its SQL is compiled once per build process (from probe ids) and each use binds
    its ids into the parameters: pages of one type run the same query for their own item, and
    peewee's compiling of it cost more than running it. Read and recorded as any query."""
    if not building() or not all(type(i) is int for i in ids):
        return list(make(*ids))
    statements = current_app.extensions.setdefault("linli_bound_sql", {})
    statement = statements.get(shape)
    if statement is None:
        statement = statements[shape] = _BoundStatement.of(make, len(ids))
    if statement.slots is None:  # (the probes did not all land in the parameters as given)
        return list(make(*ids))
    params = list(statement.params)
    for at, which in statement.slots:
        params[at] = ids[which]
    cursor = statement.query.model._meta.database.execute_sql(statement.sql, params)
    return instances(statement.query, cursor, current_app.extensions.setdefault("linli_columns", {}), shape)


_COLUMNS = ("columns", "fields", "converters", "no_convert", "convert", "ncols", "unique_columns")


def instances(query, cursor, known: dict, key) -> list:
    """``list(query._get_cursor_wrapper(cursor))``: the model instances of a result of the
    SQL that ``key`` stands for in ``known``. Peewee matches a result's columns to the model's
    fields for every result (the first row of each); the same SQL has the same columns, so the
    match made for the first result of ``key`` serves the next ones."""
    wrapper = query._get_cursor_wrapper(cursor)
    columns = known.get(key)
    if columns is not None and type(wrapper) is columns[0]:
        wrapper.__dict__.update(columns[1])
        wrapper.initialized = True
    found = list(wrapper)
    if columns is None and wrapper.initialized and type(wrapper) is pw.ModelObjectCursorWrapper:
        try:
            known[key] = (type(wrapper), {name: getattr(wrapper, name) for name in _COLUMNS})
        except AttributeError:  # (a peewee whose wrapper keeps its match otherwise: matched every time)
            known[key] = (None, {})
    return found


class _BoundStatement(NamedTuple):
    """A query compiled once with probe ids (values no id has): its SQL, its parameters, and
    where each id goes (``slots``: (parameter index, id index); None when some id did not land
    in a parameter as it was given, say made into SQL text: then the query is compiled at each use)."""

    query: pw.Query
    sql: str
    params: tuple
    slots: tuple | None

    PROBE = -7_340_000_000_001  # an id no row has; each id's probe is this minus its index

    @classmethod
    def of(cls, make, count: int) -> _BoundStatement:
        probes = [cls.PROBE - i for i in range(count)]
        query = make(*probes)
        sql, params = query.sql()
        slots = tuple((at, cls.PROBE - p) for at, p in enumerate(params) if type(p) is int and p in probes)
        found = sorted({which for _, which in slots})
        return cls(query, sql, tuple(params), slots if found == list(range(count)) else None)


def query_key(query) -> tuple:
    """The dependency key that reading ``query`` in this build records (see :func:`install`)."""
    sql, params = query.sql()
    return ("q", sql, _key_params(params, current().now))


def raw_rows(query) -> tuple[tuple | None, list]:
    """(dependency key, raw rows) of ``query``, read once per build process and not recorded:
    for pages that depend on parts of the result (see :func:`record_part`)."""
    if not building():
        sql, params = query.sql()
        return None, list(query.model._meta.database.execute_sql(sql, params).fetchall())
    sql, params = query.sql()
    cache = current_app.extensions.setdefault("linli_raw", {})
    key = (sql, tuple(map(repr, params)))
    if key not in cache:
        with captured() as got:
            query.model._meta.database.execute_sql(sql, params)
        cache[key] = got[0]
    return cache[key]


#: How pages are cut from the rows of their queries: name → ``cut(arg, rows of each query, now)``
#: → {part: fingerprint of what the page of that part shows}. Registered by the module whose
#: views use :func:`record_part`, at import.
CUTS: dict = {}


def record_part(name: str, arg, query_keys: tuple, part, fingerprint) -> None:
    """The page being rendered shows ``part`` of the pages that ``CUTS[name]`` cuts from the
    rows of ``query_keys`` (keys from :func:`raw_rows`): it depends on that part only.
    ``fingerprint`` is what the cut gives for ``part``."""
    recorder = current()
    if recorder is not None and None not in query_keys:
        recorder.add(("part", name, arg, tuple(query_keys), part), fingerprint)


def made_cut(name: str, arg, query_keys: tuple, parts: dict) -> None:
    """What ``CUTS[name]`` gives for the current rows, made by a view of this build already:
    the check before rendering then need not cut again."""
    current_app.extensions.setdefault("linli_cuts", {})[(name, arg, query_keys)] = parts


def reached(value, now: dt.datetime) -> bool:
    """Whether a raw date-time ``value`` (text or datetime) is at or before ``now``."""
    return _relation(value, now, _now_text(now)) in ("<", "=")


@functools.lru_cache(maxsize=8)
def _now_text(now: dt.datetime) -> str:
    return now_as_text(now)


# --- checking, before a rebuild -------------------------------------------------------------


@dataclass
class Scan:
    """Fingerprints of every table at a moment: per table, and per row (table → id → (slug or
    None, fingerprint)); ``lean``: per row of a content type's table, the fingerprint of the row
    without its Markdown texts, as lists read it (table → id → fingerprint). Not saved: ``rows`` (raw row → fingerprint, of the rows this build
    read of the tables that changed since the last scan: none without one), ``read`` (how many
    rows it read), ``selects`` (table → (its SELECT, the SELECT of its ids)), which spare the check
    reading and hashing rows again, and ``changed`` (table → ids of the rows read again, when
    the scan was made from the change log; else None)."""

    tables: dict[str, bytes]
    by_id: dict[str, dict]
    now: dt.datetime | None = field(default=None, compare=False, repr=False)
    lean: dict = field(default_factory=dict, repr=False)
    rows: dict = field(default_factory=dict, compare=False, repr=False)
    selects: dict = field(default_factory=dict, compare=False, repr=False)
    changed: dict | None = field(default=None, compare=False, repr=False)
    read: int = field(default=0, compare=False, repr=False)

    def __getstate__(self):
        return {"tables": self.tables, "by_id": self.by_id, "now": self.now, "lean": self.lean}

    def __setstate__(self, state):
        self.tables, self.by_id, self.now = state["tables"], state["by_id"], state["now"]
        self.lean = state.get("lean", {})
        self.rows, self.selects, self.changed, self.read = {}, {}, None, 0

    @functools.cached_property
    def slugs(self) -> dict[str, dict[str, bytes]]:
        """table → slug → fingerprint, for the tables with slugs."""
        return {table: {slug: h for slug, h in rows.values() if slug is not None} for table, rows in self.by_id.items()}

    def hashes(self, database, sql: str, params: tuple) -> list[bytes]:
        """The fingerprints of the rows of a query. One that selects every column of one scanned
        table (its SELECT, then joins, conditions, order) asks the database for the ids only."""
        for table in tables_of(sql):
            if table in self.selects:
                table_sql, ids_sql, lean_sql = self.selects[table]
                for select, known, at in ((table_sql, self.by_id[table], 1), (lean_sql, self.lean.get(table), None)):
                    if select and known is not None and (sql.startswith(select + " ") or sql == select):
                        ids = database.execute_sql(ids_sql + sql[len(select) :], params).fetchall()
                        if all(i in known for i, in ids):  # else a row came after the scan
                            return [known[i][at] if at else known[i] for i, in ids]
        return self.hash_rows(database.execute_sql(sql, params).fetchall())

    def hash_rows(self, rows: list) -> list[bytes]:
        now_text = now_as_text(self.now)
        scanned = self.rows
        return [scanned.get(row) or row_hash(row, self.now, now_text) for row in rows]


@dataclass(frozen=True)
class _TableFacts:
    """How a scan reads one table: ``sql`` selects every column, ``ids_sql`` the ids, ``lean_sql``
    every column but the Markdown texts (as lists read them; "" for a table without them) and
    ``lean_at`` the indexes of those columns in a whole row."""

    sql: str
    ids_sql: str
    lean_sql: str
    lean_at: tuple
    slug_at: int | None
    id_at: int

    def lean_hash(self, row: tuple, now: dt.datetime, now_text: str) -> bytes:
        return row_hash(tuple([row[i] for i in self.lean_at]), now, now_text)


def _table_facts(model) -> _TableFacts:
    names = list(model._meta.sorted_field_names)
    key = model._meta.primary_key
    lean = _lean_fields(model) if _markdown_fields(model) else []
    return _TableFacts(model.select().sql()[0], model.select(key).sql()[0],
                       model.select(*lean).sql()[0] if lean else "",
                       tuple(names.index(f.name) for f in lean),
                       names.index("slug") if "slug" in names else None, names.index(key.name))  # fmt: skip


def scan(database, models, now: dt.datetime, old: Scan | None = None) -> Scan:
    """Read and fingerprint every row of ``models``' tables, with the SELECT the views use.
    The rows of the tables whose fingerprints differ from the ``old`` scan's are kept (for the
    check, see :meth:`Scan.hash_rows`); without one, none (a build that checks nothing: every
    row with its texts would be held through the build)."""
    now_text = now_as_text(now)
    found = Scan({}, {}, now)
    for model in models:
        facts = _table_facts(model)
        slug_at, id_at = facts.slug_at, facts.id_at
        table = model._meta.table_name
        digest = hashlib.blake2b(digest_size=16)
        by_id: dict = {}
        lean: dict | None = {} if facts.lean_sql else None
        kept: list | None = [] if old is not None else None
        cursor = database.execute_sql(facts.sql)
        # A batch of rows at a time: a table's rows all at once (at 50,000 notices, their texts)
        # took the build process about 230 MB more while it read them.
        while batch := cursor.fetchmany(SCAN_BATCH):
            found.read += len(batch)
            for row in batch:
                h = row_hash(row, now, now_text)
                digest.update(h)
                by_id[row[id_at]] = (row[slug_at] if slug_at is not None else None, h)
                if lean is not None:
                    lean[row[id_at]] = facts.lean_hash(row, now, now_text)
                if kept is not None:
                    kept.append((row, h))
        cursor.close()
        found.tables[table] = digest.digest()
        if kept is not None and old.tables.get(table) != found.tables[table]:
            found.rows.update(kept)
        del kept
        if lean is not None:
            found.lean[table] = lean
        found.selects[table] = (facts.sql, facts.ids_sql, facts.lean_sql)
        found.by_id[table] = by_id
    return found


SCAN_BATCH = 500  # rows :func:`scan` reads at a time


def scan_changes(database, models, now: dt.datetime, old: Scan, written: dict) -> Scan:
    """The scan at ``now`` made from the last one (``old``) and the ids of the rows written since
    (table → ids, from :mod:`linli.changes`): those rows are read again, and so are the rows with
    a date between the two moments (a comparison with the moment may come out otherwise now).
    Every other row's fingerprint is the last scan's, as a full scan would make it again. A
    table's fingerprint differs from the last one exactly when some row's fingerprint did."""
    now_text = now_as_text(now)
    low, high = sorted((now_as_text(old.now), now_text))
    found = Scan(dict(old.tables), dict(old.by_id), now, dict(old.lean), changed={})
    for model in models:
        facts = _table_facts(model)
        slug_at, id_at = facts.slug_at, facts.id_at
        table = model._meta.table_name
        found.selects[table] = (facts.sql, facts.ids_sql, facts.lean_sql)
        key = model._meta.primary_key
        ids = set(written.get(table, ()))
        dates = [f for f in model._meta.sorted_fields if isinstance(f, pw.DateTimeField)]
        if dates and low != high:
            crossing = functools.reduce(operator.or_, [f.between(low, high) for f in dates])
            ids.update(i for i, in model.select(key).where(crossing).tuples())
        if not ids:
            continue
        ordered = sorted(ids)
        before = found.by_id.get(table, {})
        rows = dict(before)
        lean = dict(found.lean.get(table, {})) if facts.lean_sql else None
        for row_id in ordered:
            rows.pop(row_id, None)  # deleted, unless read below
            if lean is not None:
                lean.pop(row_id, None)
        for batch in db.batches(ordered):
            select, params = model.select().where(key.in_(batch)).sql()
            for row in database.execute_sql(select, params).fetchall():
                found.read += 1
                h = row_hash(row, now, now_text)
                found.rows[row] = h
                rows[row[id_at]] = (row[slug_at] if slug_at is not None else None, h)
                if lean is not None:
                    lean[row[id_at]] = facts.lean_hash(row, now, now_text)
        found.changed[table] = ids
        if lean is not None:
            found.lean[table] = lean
        different = [row_id for row_id in ordered if rows.get(row_id) != before.get(row_id)]
        if not different:
            continue
        digest = hashlib.blake2b(old.tables.get(table, b""), digest_size=16)
        for row_id in different:
            digest.update(repr((row_id, rows.get(row_id))).encode())
        found.by_id[table] = rows
        found.tables[table] = digest.digest()
    return found


def stale_keys(deps: dict, database, old: Scan, new: Scan, now: dt.datetime, known: dict | None = None) -> set:
    """The dependency keys in ``deps`` (key → fingerprint of the last build) whose fingerprint
    is different now. ``known``: keys whose fingerprint the caller has made already (as the
    static search index's version)."""
    known = known or {}
    changed = {t for t in new.tables if old.tables.get(t) != new.tables[t]} | (set(old.tables) - set(new.tables))
    results: dict = {}
    hashes: dict = {}
    cuts: dict = dict(current_app.extensions.get("linli_cuts", {})) if has_app_context() else {}

    def rows_of(query_key):
        if query_key not in results:
            _, sql, params = query_key
            results[query_key] = database.execute_sql(sql, _run_params(params, now)).fetchall()
        return results[query_key]

    def hashes_of(query_key):  # rows of whole tables as fingerprinted by the scan, by id
        if query_key not in hashes:
            _, sql, params = query_key
            if query_key in results:
                hashes[query_key] = new.hash_rows(results[query_key])
            else:
                hashes[query_key] = new.hashes(database, sql, _run_params(params, now))
        return hashes[query_key]

    stale = set()
    for key, value in deps.items():
        kind = key[0]
        if kind == "row":
            if key[1] in changed and new.slugs.get(key[1], {}).get(key[2]) != value:
                stale.add(key)
        elif kind == "q":
            if tables_of(key[1]) & changed and _combined(hashes_of(key)) != value:
                stale.add(key)
        elif kind == "slice":
            query_key, start, stop = key[1:]
            if tables_of(query_key[1]) & changed:
                found = hashes_of(query_key)
                if slice_hash(found, start, stop, now) != value:
                    stale.add(key)
        elif kind == "part":
            _, name, arg, query_keys, part = key
            if any(tables_of(query_key[1]) & changed for query_key in query_keys):
                if name not in CUTS:
                    stale.add(key)
                    continue
                if key[1:4] not in cuts:
                    cuts[key[1:4]] = CUTS[name](arg, [rows_of(query_key) for query_key in query_keys], now)
                if cuts[key[1:4]].get(part) != value:
                    stale.add(key)
        elif kind == "now":
            if value != _moment_text(now, key[1] if len(key) > 1 else None):
                stale.add(key)
        elif key in known:
            if value != known[key]:
                stale.add(key)
        else:
            stale.add(key)
    return stale
