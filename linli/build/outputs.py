"""The site's files that are not pages, and the admin's search index.

Staged where they changed (by hash against the last build's manifest): the theme's assets
(``static/``), the public media (``media/``, hard-linked: a stored name never changes its
bytes), the static search index (``search/``, :mod:`linli.search.static`, made item by item from
its state file) and ``_headers``. After the site is in place, the Whoosh index
(``search_index/``) is brought in line with the public set.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from linli import db, deps, registry, workers
from linli.build.context import CACHE_DIR, BuildContext, Manifest
from linli.headers import HEADERS_FILE, headers_file
from linli.public import ROOT_FILES, TYPES, media_named_by_item, public_media_paths
from linli.search import static, sync_index
from linli.search.static import static_index

SYNCED = "search_index.synced"  # the scan search_index/ was last brought in line with


class OtherFiles:
    """The static search index brought up to date (``index()``) and the other files staged
    (``stage()``: see :func:`stage_other_files`), once: by a full build while its page workers
    freeze (:meth:`stage`), else when asked for (:meth:`staged`). ``apart``: beside page
    workers, in a process of its own (what it takes goes with it, not held beside them to the
    end); the index is then made again in the build's process, from its state, before the pages
    that embed it (:meth:`before_last`: none of them records what making it reads)."""

    def __init__(self, context: BuildContext, index, stage, apart: bool):
        self.context, self.index, self.stage_files, self.apart = context, index, stage, apart
        self.done: tuple | None = None  # (files, staged)
        self.made_apart = False

    def stage(self) -> None:
        if not self.apart:
            self.done = self._index_and_stage()
            return
        context = self.context
        before = dict(context.timings)
        self.done, context.media, timings = workers.in_child(self._in_child, FAILED_APART)
        context.add_laps({name: seconds - before.get(name, 0.0) for name, seconds in timings.items()})
        self.made_apart = True

    def before_last(self) -> None:
        if self.made_apart:
            self.context.lap("render")
            self.index()

    def staged(self) -> tuple[dict, list[str]]:
        """(file → hash of every such file in the site, the files staged)."""
        if self.done is None:
            self.done = self.stage_files()
            self.context.lap("other files")
        return self.done

    def _index_and_stage(self) -> tuple:
        self.index()
        workers.release_free_memory()  # (what making the shards took)
        staged = self.stage_files()
        self.context.lap("other files")
        return staged

    def _in_child(self) -> tuple:
        context = self.context
        context.own_rendered()
        try:
            return self._index_and_stage(), context.media, context.timings
        finally:
            context.rendered.close()


FAILED_APART = "网站生成失败：生成搜索索引和其他文件的进程意外退出。原来的网站没有改动。"


def index_version(context: BuildContext) -> str:
    """Bring the static search index up to date (item by item: cheap); its version."""
    with context.app.test_request_context():
        version = static_index().version
    context.lap("search index")
    return version


def index_documents(context: BuildContext) -> None:
    """The static search index's documents, when many changed (see :func:`static.update_documents`)."""
    with context.app.test_request_context():
        static.update_documents()
    context.lap("search documents")


def stage_other_files(context: BuildContext, last: Manifest | None, search_changed: bool, *,
                      same_theme: bool = False, scan: deps.Scan | None = None) -> tuple[dict, list[str]]:  # fmt: skip
    """Stage theme assets, public media, the search index and ``_headers`` where they changed;
    (file → hash of every such file in the site, the files staged). ``same_theme``: the theme's
    files and code are the last build's (the global fingerprint says so), and so are its assets
    and, for the types whose tables the ``scan`` finds unchanged, the media their items name."""
    home, app, staging = context.home, context.app, context.staging
    files: dict[str, bytes] = {}
    previous = last.files if last else {}
    previous_search = {rel: h for rel, h in previous.items() if rel.startswith("search/")} if last else None
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
        kept = last.media if same_theme and last is not None and scan is not None else None
        media = sorted(public_media_paths(_media_named(context, scan, kept, last.scan if kept is not None else None)))
    for rel in media:  # stored by content hash: a name never changes its bytes
        target = f"media/{rel}"
        files[target] = b"media"
        if target not in previous:
            _link(home.media_dir / rel, staging / target)
            staged.append(target)
    if search_changed or previous_search is None:
        with deps.recording(context.at), app.test_request_context():
            index = static_index()
        changed = [rel for rel, digest in index.hashes.items() if previous.get(f"search/{rel}") != digest]
        for rel, text in index.each_text(changed):  # (a few hundred texts at a time)
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


def _media_named(context: BuildContext, scan: deps.Scan | None, kept: dict | None, last_scan: deps.Scan | None) -> dict:
    """prefix → the media paths the public items of each type name (:func:`media_named`): the
    last build's (``kept``: prefix → (its tables' fingerprints, paths, id → paths of each item))
    for a type whose table and children's table have the same fingerprints in the ``scan``; when
    only the type's table changed, the last build's with the items whose rows changed since
    ``last_scan`` read again; else all read again. What this build used is left in
    ``context.media``, for its manifest."""
    named = {}
    for prefix, model in TYPES.items():
        children = model.kind.children
        tables = [model, children.model] if children is not None else [model]
        key = tuple(scan.tables.get(table._meta.table_name) for table in tables) if scan is not None else (None,)
        before = (kept or {}).get(prefix)
        if before is not None and None not in key and before[0] == key:
            named[prefix] = before
            continue
        if before is not None and len(before) == 3 and None not in key and before[0][1:] == key[1:]:
            table = model._meta.table_name
            old, new = last_scan.by_id.get(table, {}), scan.by_id.get(table, {})
            changed = {id_ for id_ in old.keys() | new.keys() if old.get(id_) != new.get(id_)}
            by_item = {id_: paths for id_, paths in before[2].items() if id_ not in changed}
            for ids in db.batches(changed):
                by_item.update(media_named_by_item(model, ids))
        else:
            by_item = media_named_by_item(model)
        named[prefix] = (key, frozenset().union(*by_item.values()), by_item)
    context.media = {prefix: found for prefix, found in named.items() if None not in found[0]}
    return {prefix: found[1] for prefix, found in named.items()}


def _write(target: Path, data: bytes) -> None:
    try:
        target.write_bytes(data)
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _link(source: Path, target: Path) -> None:
    """Hard-link a media file into the staged site (they are never changed in place), else copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


# --- the admin's index ---------------------------------------------------------------------------


def sync_search_index(context: BuildContext, last: deps.Scan | None, scan: deps.Scan) -> None:
    """Bring ``search_index/`` in line with the public set at the build's moment (``scan``).
    When the last build's sync left it in line with that build's scan (``last``), only the rows
    that changed since are looked at. Documents are made in the build's app, so their Markdown's
    text comes from the bodies the pages were rendered with (:func:`linli.markup.render_markdown`
    reads the build's cache), not rendered again; the cache is closed before (the index's
    writers are forked: each opens it anew) and after."""
    home = context.home
    marker = home.root / CACHE_DIR / SYNCED
    changed = None
    try:
        if last is not None and marker.read_bytes() == _scan_digest(last):
            changed = _changed_slugs(last, scan)
    except OSError:
        pass
    marker.unlink(missing_ok=True)
    context.rendered.close()
    try:
        with context.app.app_context():
            sync_index(home, context.at, changed=changed)
    finally:
        context.rendered.close()
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
