"""``linli build``: render the public app into ``site/`` — fully, or only what changed — atomically.

Which pages exist comes from :data:`PAGE_GENERATORS`: generators in Frozen-Flask's URL-generator
format (``(endpoint, values)`` turned into URLs with ``url_for``, or URLs). Each page is rendered by
dispatching its URL to the public app inside a request context, as Frozen-Flask's test client
would, but without its per-URL bookkeeping (which grows with the site): the build itself maps URLs
to files (``/a/`` → ``a/index.html``), renders in worker processes (one per core), and writes a
file only when its bytes changed. Theme assets, public media and the static search index are the
other outputs. Afterwards the Whoosh index (``search_index/``) is brought in line with the
public set, as before.

Incremental: the manifest (``.build-cache/manifest.pickle``) records for each page what it was
made from (:mod:`linli.deps`) and each output's fingerprint. A rebuild with the same global
fingerprint (Linli's code, theme files, ``linli.toml``, the day) renders only pages that are new
or whose dependencies changed, and deletes outputs that left the site. Markdown is rendered once
per change (:class:`linli.markup.RenderedStore`).

Atomic: a build from nothing writes the whole site into ``.build-staging`` and swaps it in with
two renames. A rebuild stages only the changed files, then commits by writing a journal
(``.build-staging/.commit``, renamed into place); only then are the staged files moved into
``site/`` and removed ones deleted, and then the manifest written. A build killed before the
commit point leaves ``site/`` as it was (the next build drops the staging folder); one killed
after it is completed by the next build (it rolls the journal forward) — the window is the few
renames of the changed files. A journal rolled forward cannot tell whether its manifest was
written, so it removes the manifest and the next build renders every page.

Between builds SQLite triggers log which rows were written (:mod:`linli.changes`): a rebuild
reads only those rows, and the title index, item list and static search index are brought up to
date item by item from them.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import logging
import multiprocessing
import os
import pickle
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from flask import url_for
from flask_babel import get_translations
from jinja2 import FileSystemBytecodeCache
from werkzeug.test import EnvironBuilder

from linli import changes, db, deps, markup, models, registry
from linli.app import create_public_app
from linli.errors import LinliError
from linli.headers import HEADERS_FILE, headers_file
from linli.home import PROJECT_ROOT, Home
from linli.feeds import feed_pages
from linli.ical import calendar_pages
from linli.public import ROOT_FILES, TYPES, item_pages, list_pages, public_items, public_media_paths
from linli.search import search_pages, sync_index
from linli.search import static as search_static
from linli.search import web as search_web
from linli.traditional import in_tree, traditional_pages

STAGING = ".build-staging"
CACHE_DIR = ".build-cache"
MANIFEST = "manifest.pickle"
JOURNAL = ".commit"
STAGED_MANIFEST = ".manifest.pickle"
SEARCH_STATE = "search.db"  # the static search index between builds (linli.search.static)
SYNCED = "search_index.synced"  # the scan search_index/ was last brought in line with
TITLES = "titles.pickle"  # the title index's entries (linli.search.web), with the token that wrote them
FORMAT = 2
#: What reading a cache file of another Linli, or one cut short, can raise: the cache is then unused.
UNREADABLE = (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, KeyError, TypeError, ValueError)

#: Every page of the site comes from one of these generators of (endpoint, values) or URLs.
PAGE_GENERATORS = (list_pages, item_pages, search_pages, feed_pages, calendar_pages, traditional_pages)

#: The tables whose rows pages show; read and fingerprinted before each rebuild.
SCANNED = [*models.CONTENT_MODELS, *models.CHILD_MODELS, models.SiteSettings]

log = logging.getLogger(__name__)

PARALLEL_FROM = 300  # pages: fewer are rendered in the build's own process
CHUNK = 64  # pages per task sent to a worker


@dataclass
class BuildResult:
    pages: int  # pages in the site
    files: int  # other files in the site (assets, media, search index)
    seconds: float
    destination: Path
    rendered: int = 0  # pages rendered by this build
    written: int = 0  # files whose bytes changed
    removed: int = 0  # files deleted
    full: bool = True  # rendered every page (no usable manifest, or the global inputs changed)
    timings: dict = field(default_factory=dict)  # seconds per phase
    rows_read: int = 0  # rows the scan read (every row, or those the change log names)
    live_seconds: float = 0.0  # from the start until the new site was in place (then: search_index/)


@dataclass
class Manifest:
    format: int
    fingerprint: bytes  # the global inputs
    at: object  # the build's moment
    scan: deps.Scan
    deps: dict  # dependency key → fingerprint
    pages: dict  # url → (file, hash, dependency keys)
    files: dict = field(default_factory=dict)  # other outputs: file → hash
    log: tuple | None = None  # (token, entry) of the change log this build saw (linli.changes)
    items: dict | None = None  # url prefix → id → URL of each public item's page
    titles: str | None = None  # the token in the TITLES file that is this build's


def build(home: Home, *, now=None, progress=None, full: bool = False) -> BuildResult:
    """Build ``home``'s public site into ``home.site_dir``: only what changed since the last
    build, unless ``full``. ``progress(done, url, total)`` is called as pages are done. Raises
    LinliError with a message for staff when anything fails (the site is then unchanged)."""
    started = time.perf_counter()
    at = (now or models.now()).replace(microsecond=0)
    staging = home.root / STAGING
    recover(home)
    app = create_public_app(home, build=True, now=at)
    (home.root / CACHE_DIR / "templates").mkdir(parents=True, exist_ok=True)  # compiled once per change
    app.jinja_env.bytecode_cache = FileSystemBytecodeCache(str(home.root / CACHE_DIR / "templates"))
    database = db.database.obj
    deps.install(database)
    # The last build's manifest: which files the site has, with their hashes.
    old = _load_manifest(home) if home.site_dir.is_dir() else None
    gc.freeze()  # the manifest's many objects live as long as the build: no collection looks at them
    fingerprint = global_fingerprint(home, at)
    # Templates, settings, code or the day changed: render every page (write only changed ones).
    incremental = old is not None and old.fingerprint == fingerprint and not full
    staging.mkdir(parents=True)
    store = markup.store = markup.RenderedStore(home.root / CACHE_DIR / "rendered.db")
    search_static.state_path = home.root / CACHE_DIR / SEARCH_STATE
    url = "/"
    timings: dict[str, float] = {"start": time.perf_counter() - started}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - clock
        clock = time.perf_counter()

    try:
        with app.app_context():
            scan, change_log = _scan(database, old if incremental else None, at)
            kept_titles = _load_titles(home, old if incremental else None, scan)
            lap("scan")
            with deps.recording(at, idle=True), app.test_request_context():  # lists read here serve the views too
                _settle(app)
                same = old is not None and old.fingerprint == fingerprint and old.items is not None
                items = _public_items(old.items if same else None, scan.changed)
                pages = enumerate_pages(old.pages if old else {}, items)
            lap("enumerate")
            report = (lambda done, url: progress(done, url, len(pages))) if progress else None
            if report:
                report(0, "/")
            search_static.row_hashes = scan.slugs
            if change_log is not None:  # (a full scan has no changed rows: the index is compared whole)
                search_static.written = (old.log[0] if scan.changed is not None else None, change_log[0], scan.changed)

            def make_index() -> str:
                with app.test_request_context():
                    version = search_static.static_index().version
                lap("search index")
                return version

            if incremental:  # the index first (item by item: cheap), so its pages can be checked
                known = {("static_index",): make_index()}
                stale = deps.stale_keys(old.deps, database, old.scan, scan, at, known)
                todo = [u for u in pages if u not in old.pages or not stale.isdisjoint(old.pages[u][2])]
            else:
                todo = list(pages)
            lap("check")
            old_pages = old.pages if old else {}
            job = _Job(app, at, staging, {u: old_pages[u][1] for u in todo if u in old_pages})
            # The pages that embed the search index are rendered here, after the index; in a full
            # build the index is made while the workers render the other pages.
            with app.test_request_context():
                search_page = url_for("search.page")
            last = [u for u in todo if u.endswith(search_page)]
            todo = [u for u in todo if not u.endswith(search_page)]
            index_changed = bool(last) or not incremental
            fresh = len(pages) - len(todo) - len(last)
            if report and fresh:
                report(fresh, "/")
            rendered, dep_values = _render(job, todo, report, fresh, meanwhile=None if incremental else make_index)
            more, more_values = _render(job, last, report, fresh + len(todo))
            rendered.update(more)
            dep_values.update(more_values)
            lap("render")
            url = "/"
            files, others = _other_files(home, app, old, staging, index_changed, same_theme=incremental)
            url = "/"
            lap("other files")
        old_pages = old.pages if old else {}
        gone = old_pages.keys() - pages.keys()
        removed = [old_pages[u][0] for u in gone] + list((old.files.keys() - files.keys()) if old else ())
        written = len(others)
        seen: dict = {}
        if incremental:  # the last build's entries, with the pages rendered again
            page_entries = old.pages
            for url_ in gone:
                del page_entries[url_]
            # Keys that no page uses any more stay (checked, never matched) until the next build that
            # renders every page (the next day's, at the latest).
            all_deps = old.deps
            all_deps.update(dep_values)
        else:
            page_entries = {url_: old_pages[url_] for url_ in pages if url_ not in rendered}
        for url_, made in rendered.items():
            page_entries[url_] = (pages[url_], made[1], tuple([deps.shared(key, seen) for key in made[2]]))
            written += made[3]
        if not incremental:
            all_deps = {}
            for entry in page_entries.values():
                for key in entry[2]:
                    all_deps[key] = dep_values[key] if key in dep_values else old.deps[key]
        titles, titles_file = _titles_to_keep(app, kept_titles, change_log)
        manifest = Manifest(FORMAT, fingerprint, at, scan, all_deps, page_entries, files, change_log, items, titles)
        store.close()
        # What was staged: changed pages, and other files whose hash changed (as staged).
        staged = [entry[0] for entry in rendered.values() if entry[3]]
        lap("manifest")
        live = _commit(home, staging, manifest, old is not None, removed, staged + others) - started
        if change_log is not None:
            _mark(database, change_log)
        if titles_file is not None:  # after the site is in place: the manifest names a file not yet there
            _write_titles(home, titles_file)  # until then, which the next build finds untrusted
        lap("commit")
    except LinliError:
        _abandon(staging)
        raise
    except _PageError as exc:
        _abandon(staging)
        raise LinliError(f"网站生成失败（页面 {exc.url}）：{exc.reason}。原来的网站没有改动。") from None
    except Exception as exc:
        _abandon(staging)
        raise LinliError(f"网站生成失败（页面 {url}）：{type(exc).__name__}: {exc}。原来的网站没有改动。") from exc
    finally:
        gc.unfreeze()
        markup.store = search_static.state_path = search_static.row_hashes = search_static.written = None
        search_web.kept_entries = search_web.written = None
        _close_search_state(app)
        store.close()
    try:  # the admin's and the preview's index: what time alone changed (scheduled, expired)
        _sync_search_index(home, old, scan, at)
    except Exception:  # the site is built; the admin saves and the next build retry
        log.exception("search index (search_index/) not brought up to date")
    timings["whoosh index"] = time.perf_counter() - clock
    return BuildResult(
        len(pages), len(files), time.perf_counter() - started, home.site_dir,
        rendered=len(rendered), written=written, removed=len(removed), full=not incremental, timings=timings,
        rows_read=len(scan.rows), live_seconds=live,
    )  # fmt: skip


def _scan(database, old: Manifest | None, at) -> tuple[deps.Scan, tuple | None]:
    """(the scan of the tables at ``at``, (token, entry) of the change log for the manifest, or
    None). Made from ``old``'s scan and the change log when both can be trusted, else by reading
    every row. ``old`` is given only for a rebuild of the same global fingerprint: new code may
    fingerprint rows otherwise, and a build that renders every page reads every row."""
    if not changes.supported(database):
        return deps.scan(database, SCANNED, at), None
    try:
        logged = changes.install(database, [model._meta.table_name for model in SCANNED])
        change_log = (changes.new_token(), changes.position(database))
    except Exception:  # a database that cannot take the log (read-only, say): every row, every time
        log.warning("no change log: this build reads every row", exc_info=True)
        return deps.scan(database, SCANNED, at), None
    written = None
    if logged and old is not None and old.log is not None:
        written = changes.changed_since(database, *old.log)
    if written is None:
        return deps.scan(database, SCANNED, at), change_log
    return deps.scan_changes(database, SCANNED, at, old.scan, written), change_log


def _load_titles(home: Home, old: Manifest | None, scan: deps.Scan) -> tuple | None:
    """The last build's title entries (token, group → (query keys, entries, parts)), when its manifest
    names the file's token; given to :mod:`linli.search.web` with the rows written since."""
    if old is None or old.titles is None or scan.changed is None:
        return None
    try:
        with open(home.root / CACHE_DIR / TITLES, "rb") as f, _no_collection():
            token, plain = pickle.load(f)
            if token != old.titles:
                return None
            groups = {group: (keys, [search_web.TitleRow(*e) for e in entries], parts)
                      for group, (keys, entries, parts) in plain.items()}  # fmt: skip
    except UNREADABLE:
        return None  # none, or of another Linli: the title index is read again
    gc.freeze()  # (as the manifest's)
    search_web.kept_entries, search_web.written = groups, scan.changed
    return token, groups


def _titles_to_keep(app, kept: tuple | None, change_log: tuple | None) -> tuple[str | None, tuple | None]:
    """(the token of the title entries file the manifest names, the file's content to write or
    None when the file is the last build's)."""
    made = app.extensions.get("linli_title_entries")
    if not made or change_log is None:
        return None, None
    if kept is not None and made.keys() == kept[1].keys() and all(made[g][1] is kept[1][g][1] for g in made):
        return kept[0], None
    plain = {group: (keys, [tuple(entry) for entry in entries], parts) for group, (keys, entries, parts) in made.items()}
    return change_log[0], (change_log[0], plain)  # as plain tuples: twice as fast to write and read


def _write_titles(home: Home, content: tuple) -> None:
    path = home.root / CACHE_DIR / TITLES
    temporary = path.with_suffix(".tmp")
    try:
        with open(temporary, "wb") as f, _no_collection():
            pickle.dump(content, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except OSError:  # a cache: the next build reads the titles again
        log.exception("title index entries not kept")


def _mark(database, change_log: tuple) -> None:
    try:
        changes.mark(database, *change_log)
    except Exception:  # the next build then reads every row
        log.exception("change log not marked")


def _sync_search_index(home: Home, old: Manifest | None, scan: deps.Scan, at) -> None:
    """Bring ``search_index/`` in line with the public set. When the last build's sync left it
    in line with that build's scan, only the rows that changed since are looked at."""
    marker = home.root / CACHE_DIR / SYNCED
    changed = None
    try:
        if old is not None and marker.read_bytes() == _scan_digest(old.scan):
            changed = _changed_slugs(old.scan, scan)
    except OSError:
        pass
    marker.unlink(missing_ok=True)
    sync_index(home, at, changed=changed)
    marker.write_bytes(_scan_digest(scan))


def _scan_digest(scan: deps.Scan) -> bytes:
    return hashlib.blake2b(repr(sorted(scan.tables.items())).encode(), digest_size=16).digest()


def _changed_slugs(old: deps.Scan, new: deps.Scan) -> dict:
    """Content type → slugs whose rows changed (or None when some row left the table)."""
    changed = {}
    for model in (kind.model for kind in registry.with_pages()):  # the index has no staff-only type
        table = model._meta.table_name
        if old.tables.get(table) == new.tables.get(table):
            continue
        before, now = old.slugs.get(table, {}), new.slugs.get(table, {})
        if before.keys() - now.keys():
            changed[model.url_prefix] = None
        else:
            changed[model.url_prefix] = {slug for slug, h in now.items() if before.get(slug) != h}
    return changed


def _settle(app) -> None:
    """What is fixed for a whole build, looked up once instead of on every use: the
    translations (one language per build) and every URL (``url_for`` of the same arguments)."""
    translations = get_translations()
    app.jinja_env.install_gettext_callables(
        gettext=translations.ugettext, ngettext=translations.ungettext, newstyle=True,
        pgettext=translations.upgettext, npgettext=translations.unpgettext,
    )  # fmt: skip
    build_url = app.url_for
    urls: dict = {}

    def url_for(endpoint, **values):
        try:
            key = (in_tree(), endpoint, *sorted(values.items()))
            found = urls.get(key)
        except TypeError:  # an unhashable value
            return build_url(endpoint, **values)
        if found is None:
            found = urls[key] = build_url(endpoint, **values)
        return found

    app.url_for = url_for
    app.jinja_env.globals["url_for"] = url_for


def enumerate_pages(known: dict | None = None, items: dict | None = None) -> dict[str, str]:
    """url → file of every page, from :data:`PAGE_GENERATORS` (inside a request context).
    ``known`` (url → (file, …), the last build's pages) spares mapping known URLs again;
    ``items`` (see :func:`linli.public.public_items`) stands for :func:`item_pages`."""
    known = known or {}
    pages: dict[str, str] = {}
    numbered = _NumberedPages()
    for generator in PAGE_GENERATORS:
        if generator is item_pages and items is not None:
            entries = (url for urls in items.values() for url in urls.values())
        else:
            entries = generator()
        for entry in entries:
            if isinstance(entry, str):
                url = entry if entry.startswith("/") else url_for(entry)
            elif isinstance(entry, dict):
                url = url_for(generator.__name__, **entry)
            else:
                url = numbered.url(entry[0], entry[1])
            if url not in pages:
                pages[url] = known[url][0] if url in known else url_to_file(url)
    return pages


class _NumberedPages:
    """URLs of the numbered pages of lists: the URL of one page number is made from the URL
    map, the others by putting the number in its place (a list can have hundreds of pages)."""

    PROBE = 987654321

    def __init__(self):
        self.templates: dict = {}

    def url(self, endpoint: str, values: dict) -> str:
        page = values.get("page")
        if type(page) is not int or page < 2:  # (page 1 is the list's own address)
            return url_for(endpoint, **values)
        key = (endpoint, *sorted((k, v) for k, v in values.items() if k != "page"))
        template = self.templates.get(key)
        if template is None:
            made = url_for(endpoint, **{**values, "page": self.PROBE})
            parts = made.split(str(self.PROBE))
            template = self.templates[key] = tuple(parts) if len(parts) == 2 else ()
        if not template:
            return url_for(endpoint, **values)
        return f"{template[0]}{page}{template[1]}"


def _public_items(last: dict | None, changed: dict | None) -> dict:
    """The public items' pages (see :func:`linli.public.public_items`): the last build's, where
    the scan says which rows changed since (``changed``), with those looked up again."""
    if last is None or changed is None:
        return public_items()
    fresh = public_items(changed)
    items = {}
    for prefix, model in TYPES.items():
        ids = changed.get(model._meta.table_name)
        if not ids:
            items[prefix] = last.get(prefix, {})
            continue
        items[prefix] = urls = dict(last.get(prefix, {}))
        for item_id in ids:
            urls.pop(item_id, None)
        urls.update(fresh[prefix])
    return items


def url_to_file(url: str) -> str:
    """``/notices/a/`` → ``notices/a/index.html`` (as Frozen-Flask names them)."""
    path = unquote(url.partition("?")[0])
    if path.endswith("/"):
        path += "index.html"
    if not path.startswith("/") or ".." in path.split("/"):
        raise LinliError(f"网址 {url} 不能作为文件名。")
    return path[1:]


def global_fingerprint(home: Home, at) -> bytes:
    """What every page depends on besides the database: Linli's code, the theme's files,
    ``linli.toml``, the day (pages say when they were updated)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{FORMAT} {at.date()} {sys.version_info[:2]}".encode())
    digest.update(repr(sorted(home.settings.items())).encode())
    digest.update(code_fingerprint())
    for root in home.theme_dirs:
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    digest.update(markup.RENDERER)
    return digest.digest()


def code_fingerprint() -> bytes:
    """Linli's own code and data files."""
    digest = hashlib.blake2b(digest_size=16)
    root = PROJECT_ROOT / "linli"
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.digest()


def _close_search_state(app) -> None:
    made = app.extensions.pop("linli_search_static", None)
    if made is not None and made[1].state is not None:
        made[1].state.close()


# --- rendering ----------------------------------------------------------------------------------


class _PageError(Exception):
    def __init__(self, url: str, reason: str):
        super().__init__(url, reason)
        self.url, self.reason = url, reason


@dataclass
class _Job:
    app: object
    at: object
    staging: Path
    old_hashes: dict  # url → hash in the current site


_job: _Job | None = None  # the job of this worker process (inherited by fork)
_sent: set = set()


def _render(job: _Job, urls: list[str], progress, done: int, meanwhile=None) -> tuple[dict, dict]:
    """Render ``urls``; (url → (file, hash, keys, written), dependency key → fingerprint).
    ``meanwhile()`` runs in this process while worker processes render (or before rendering,
    when there are too few pages for workers)."""
    global _job
    results: dict = {}
    values: dict = {}
    workers = min(os.cpu_count() or 1, 8)
    chunks = [urls[i : i + CHUNK] for i in range(0, len(urls), CHUNK)]
    if len(urls) < PARALLEL_FROM or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        if meanwhile:
            meanwhile()
        _job = job
        _sent.clear()
        try:
            for chunk in chunks:
                done = _collect(_render_chunk(chunk), results, values, progress, done)
        finally:
            _job = None
        return results, values
    _job = job
    context = multiprocessing.get_context("fork")
    gc.freeze()  # objects of this process stay shared with the workers, not copied on collection
    try:
        with context.Pool(workers, initializer=_worker_start) as pool:
            outcomes = pool.imap_unordered(_render_chunk, chunks)
            if meanwhile:
                meanwhile()
            for outcome in outcomes:
                done = _collect(outcome, results, values, progress, done)
    finally:
        _job = None
        gc.unfreeze()
    return results, values


def _collect(outcome, results: dict, values: dict, progress, done: int) -> int:
    if outcome[0] == "error":
        raise _PageError(outcome[1], outcome[2])
    _, pages, new_values = outcome
    values.update(new_values)
    for url, rel, digest, keys, changed in pages:
        results[url] = (rel, digest, keys, changed)
    done += len(pages)
    if progress and pages:
        progress(done, pages[-1][0])
    return done


def _worker_start() -> None:
    """In a forked worker: a connection of its own, and its own handle on the rendered store."""
    database = db.database.obj
    database._state.reset()  # the parent's connection must not be used across fork
    database.connect()
    markup.store = markup.RenderedStore(markup.store.path)
    _sent.clear()


_base_environ: dict | None = None


def _environ(url: str) -> dict:
    global _base_environ
    if _base_environ is None:
        _base_environ = EnvironBuilder(path="/").get_environ()
    environ = dict(_base_environ)
    environ["PATH_INFO"] = unquote(url).encode("utf-8").decode("latin-1")
    return environ


def _render_chunk(urls: list[str]):
    job = _job
    app, out = job.app, []
    new_values = {}
    try:
        for url in urls:
            with deps.recording(job.at) as recorder:
                with app.request_context(_environ(url)):
                    response = app.full_dispatch_request()
                    if response.status_code != 200:
                        return ("error", url, f"状态 {response.status}")
                    data = response.get_data()
            digest = hashlib.blake2b(data, digest_size=16).digest()
            rel = url_to_file(url)
            changed = job.old_hashes.get(url) != digest
            if changed:
                _write(job.staging / rel, data)
            keys = tuple(recorder.deps)
            for key in keys:
                if key not in _sent:
                    _sent.add(key)
                    new_values[key] = recorder.deps[key]
            out.append((url, rel, digest, keys, changed))
    except Exception as exc:
        return ("error", url, f"{type(exc).__name__}: {exc}")
    finally:
        if markup.store is not None:
            markup.store.flush()
    return ("ok", out, new_values)


def _write(target: Path, data: bytes) -> None:
    try:
        target.write_bytes(data)
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


# --- other files ------------------------------------------------------------------------------


def _other_files(
    home: Home, app, old: Manifest | None, staging: Path, search_changed: bool, *, same_theme: bool = False
) -> tuple[dict, list[str]]:
    """Stage theme assets, public media, the search index and ``_headers`` where they changed; (file → hash
    of every such file in the site, the files staged). ``same_theme``: the theme's files are
    the last build's (the global fingerprint says so), and so are its assets."""
    files: dict[str, bytes] = {}
    previous = old.files if old else {}
    previous_search = {rel: h for rel, h in previous.items() if rel.startswith("search/")} if old else None
    staged: list[str] = []
    seen: set[str] = set()
    if same_theme:
        files.update((rel, h) for rel, h in previous.items() if rel.startswith("static/") or rel in ROOT_FILES)
    for theme_dir in home.theme_dirs if not same_theme else ():
        static = theme_dir / "static"
        for source in sorted(static.rglob("*")) if static.is_dir() else []:
            rel = source.relative_to(static).as_posix()
            if source.is_file() and rel not in seen and not source.name.startswith("."):
                seen.add(rel)
                data = source.read_bytes()
                # The icons also at the site's root, where browsers ask for them.
                for target in (f"static/{rel}", rel) if rel in ROOT_FILES else (f"static/{rel}",):
                    files[target] = hashlib.blake2b(data, digest_size=16).digest()
                    if previous.get(target) != files[target]:
                        _write(staging / target, data)
                        staged.append(target)
    with app.test_request_context():
        media = sorted(public_media_paths())
    for rel in media:  # stored by content hash: a name never changes its bytes
        target = f"media/{rel}"
        files[target] = b"media"
        if target not in previous:
            _link(home.media_dir / rel, staging / target)
            staged.append(target)
    if search_changed or previous_search is None:
        with deps.recording(app.config["LINLI_NOW"]), app.test_request_context():
            from linli.search.static import static_index

            index = static_index()
        changed = [rel for rel, digest in index.hashes.items() if previous.get(f"search/{rel}") != digest]
        for rel, text in index.texts(changed).items():  # only those are at hand or made again
            _write(staging / f"search/{rel}", text.encode("utf-8"))
        staged += [f"search/{rel}" for rel in changed]
        files.update((f"search/{rel}", digest) for rel, digest in index.hashes.items())
    else:
        files.update(previous_search)
    data = headers_file().encode("utf-8")  # security headers for hosts that read _headers
    files[HEADERS_FILE] = hashlib.blake2b(data, digest_size=16).digest()
    if previous.get(HEADERS_FILE) != files[HEADERS_FILE]:
        _write(staging / HEADERS_FILE, data)
        staged.append(HEADERS_FILE)
    return files, staged


def _link(source: Path, target: Path) -> None:
    """Hard-link a media file into the staged site (they are never changed in place), else copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


# --- committing -------------------------------------------------------------------------------


@contextlib.contextmanager
def _no_collection():
    """Pickling many small objects: the cyclic collector would look at them again and again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _manifest_path(home: Home) -> Path:
    return home.root / CACHE_DIR / MANIFEST


def _load_manifest(home: Home) -> Manifest | None:
    try:
        with open(_manifest_path(home), "rb") as f, _no_collection():
            manifest = pickle.load(f)
    except UNREADABLE:
        return None
    return manifest if isinstance(manifest, Manifest) and manifest.format == FORMAT else None


def _commit(
    home: Home, staging: Path, manifest: Manifest, in_place: bool, removed: list[str], written: list[str] | None = None
) -> float:
    """Put the staged build into place: by swapping folders when it is a whole site, else
    through the journal (``in_place``: the site and its manifest exist; only changes staged,
    ``written``: those files, else every file in ``staging``). Returns the moment
    (``time.perf_counter()``) the new site was in place."""
    if not in_place:
        with open(staging / STAGED_MANIFEST, "wb") as f, _no_collection():
            pickle.dump(manifest, f, protocol=pickle.HIGHEST_PROTOCOL)
        _manifest_path(home).unlink(missing_ok=True)  # a kill after the swap then means "build all"
        (home.root / CACHE_DIR).mkdir(exist_ok=True)
        os.replace(staging / STAGED_MANIFEST, home.root / CACHE_DIR / ".manifest.new")
        _swap_into_place(staging, home.site_dir)
        live = time.perf_counter()
        os.replace(home.root / CACHE_DIR / ".manifest.new", _manifest_path(home))
        return live
    if written is None:
        written = [p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file()]
    temporary = staging / (JOURNAL + ".tmp")
    temporary.write_text(json.dumps({"write": written, "delete": removed}, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, staging / JOURNAL)  # the commit point
    return _apply(home, staging, manifest)


def _apply(home: Home, staging: Path, manifest: Manifest | None = None) -> float:
    """Carry out a committed journal: move staged files into ``site/``, delete removed ones, then
    install ``manifest`` (the committing build's). Safe to repeat after an interruption: a
    journal carried out again (``manifest`` None) cannot know which manifest describes the site,
    and removes it (the next build renders every page). Returns when the site was in place."""
    journal = json.loads((staging / JOURNAL).read_text(encoding="utf-8"))
    site = home.site_dir
    exists: dict[str, bool] = {}

    def in_site(folder: str) -> bool:
        if folder not in exists:
            exists[folder] = (site / folder).is_dir()
        return exists[folder]

    for rel in journal["write"]:
        source = staging / rel
        if not source.exists():
            continue  # moved already (by an interrupted run of this journal, or with its folder)
        parts = rel.split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            if not in_site(folder):  # a new folder (say, a new version of the search index): whole
                os.replace(staging / folder, site / folder)
                exists[folder] = True
                break
        else:
            os.replace(source, site / rel)
    emptied = set()
    for rel in journal["delete"]:
        target = site / rel
        target.unlink(missing_ok=True)
        emptied.add(target.parent)
    while emptied:  # remove folders left empty, deepest first
        folder = max(emptied, key=lambda p: len(p.parts))
        emptied.discard(folder)
        if folder != site and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            emptied.add(folder.parent)
    live = time.perf_counter()
    (home.root / CACHE_DIR).mkdir(exist_ok=True)
    if manifest is not None:  # written after the site is in place: residents see it sooner
        temporary = home.root / CACHE_DIR / ".manifest.new"
        with open(temporary, "wb") as f, _no_collection():
            pickle.dump(manifest, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, _manifest_path(home))
    elif (staging / STAGED_MANIFEST).exists():  # a journal of an earlier Linli, with its manifest
        os.replace(staging / STAGED_MANIFEST, _manifest_path(home))
    else:
        _manifest_path(home).unlink(missing_ok=True)
    shutil.rmtree(staging)
    return live


def recover(home: Home) -> None:
    """Finish a build whose commit was interrupted, or drop what a killed build staged."""
    staging = home.root / STAGING
    if (staging / JOURNAL).is_file():
        _apply(home, staging)
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(home.site_dir.with_name(".site-old"), ignore_errors=True)


def _abandon(staging: Path) -> None:
    if not (staging / JOURNAL).exists():
        shutil.rmtree(staging, ignore_errors=True)


def _swap_into_place(staging: Path, site: Path) -> None:
    """Replace ``site`` by ``staging`` with two renames; the old site is removed last."""
    old = site.with_name(".site-old")
    shutil.rmtree(old, ignore_errors=True)
    if site.exists():
        site.rename(old)
    staging.rename(site)
    shutil.rmtree(old, ignore_errors=True)
