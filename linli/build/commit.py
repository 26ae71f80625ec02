"""Putting a build into place, atomically, and the manifest that describes it.

The manifest (``.build-cache/manifest.pickle``, a :class:`~linli.build.context.Manifest`)
records for each page its file, hash and dependency keys, and each other output's hash.

A build from nothing wrote the whole site into ``.build-staging``: it is swapped in with two
renames. A rebuild staged only the changed files, then commits by writing a journal
(``.build-staging/.commit``, renamed into place); only then are the staged files moved into
``site/`` and removed ones deleted, and then the manifest written. A build killed before the
commit point leaves ``site/`` as it was (the next build drops the staging folder); one killed
after it is completed by the next build (:func:`recover` rolls the journal forward) — the
window is the few renames of the changed files. A journal rolled forward cannot tell whether
its manifest was written, so it removes the manifest and the next build renders every page.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import pickle
import shutil
import time
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from linli.build.context import CACHE_DIR, FORMAT, STAGING, UNREADABLE, Manifest, staged_page
from linli.build.entries import PageTable
from linli.home import Home

if TYPE_CHECKING:
    from linli.build.freeze import Frozen

MANIFEST = "manifest.pickle"
JOURNAL = ".commit"
STAGED_MANIFEST = ".manifest.pickle"


@dataclass
class Commit:
    """What a build changes in ``site/``: the new manifest, the files staged (``pages``: those
    staged flat, see :func:`~linli.build.context.staged_page`), the files to delete."""

    manifest: Manifest
    staged: list[str]
    removed: list[str]
    pages: list[str] = field(default_factory=list)

    @property
    def written(self) -> int:
        return len(self.staged) + len(self.pages)


def new_manifest(context, inputs, site, frozen: Frozen, files: dict, others: list[str],
                 titles: str | None) -> Commit:  # fmt: skip
    """The manifest of the site (``site``: :class:`~linli.build.pages.Pages`) after this build:
    the pages ``frozen`` (a rebuild's: in the last build's entries) and the dependency values
    they recorded, the other outputs (file → hash) of which ``others`` were staged, the token of the
    title entries file (:mod:`linli.build.titles`)."""
    last, last_pages = inputs.last, inputs.last_pages
    gone = last_pages.keys() - set(site.urls)
    removed = [last_pages.file(url) for url in gone] + list(last.files.keys() - files.keys() if last else ())
    if inputs.incremental:  # the last build's entries and values, with those of the pages frozen again
        entries, all_deps = frozen.pages, frozen.values
        for url in gone:
            del entries[url]
        # Keys that no page uses any more stay (checked, never matched) until the next build that
        # renders every page (the next day's, at the latest).
    else:
        entries = frozen.pages
        # A whole site's URLs came back from the workers as copies: keyed by the site's own, the
        # manifest's list of items (which names them too) is pickled with the same objects.
        entries.key_by(site.urls)
        all_deps = {key: frozen.values[key] for key in entries.keys_used()}
    manifest = Manifest(FORMAT, inputs.fingerprint, context.at, inputs.scan, all_deps, entries, files, inputs.log,
                        site.items, titles, context.media)  # fmt: skip
    if context.pages_flat:
        return Commit(manifest, others, removed, frozen.changed)
    return Commit(manifest, frozen.changed + others, removed)


def set_aside(manifest: Manifest) -> bytes:
    """Take the last build's page entries and dependency values out of ``manifest``, pickled and
    compressed, for :func:`take_back` after the page workers are done: a rebuild that forks them
    would otherwise hold those objects beside them (at 50,000 notices, 43 MB more for the build
    process while they freeze); they need none of them."""
    with no_collection():
        packed = zlib.compress(pickle.dumps((manifest.pages, manifest.deps), pickle.HIGHEST_PROTOCOL), 1)
    manifest.pages = manifest.deps = None
    return packed


def keep_for_full_build(manifest: Manifest, urls: list[str]) -> None:
    """Of the last build's page entries and dependency values, keep in ``manifest`` only what a
    build that renders every page (whose pages are ``urls``) asks of them: the entries of pages
    gone (their files are deleted). Put back after the pages for the new manifest (a rebuild's
    way), they took the build process of such a build at 50,000 notices to 680 MB."""
    site = set(urls)
    manifest.pages = PageTable((url, entry) for url, entry in manifest.pages.items() if url not in site)
    manifest.deps = {}


def take_back(manifest: Manifest, packed: bytes) -> None:
    """Put back what :func:`set_aside` took out of ``manifest``."""
    with no_collection():
        manifest.pages, manifest.deps = pickle.loads(zlib.decompress(packed))
        gc.freeze()  # (as the manifest's when it was read: no collection goes through them)


@contextlib.contextmanager
def no_collection():
    """Pickling many small objects: the cyclic collector would look at them again and again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def manifest_path(home: Home):
    return home.root / CACHE_DIR / MANIFEST


def load_manifest(home: Home) -> Manifest | None:
    try:
        with open(manifest_path(home), "rb") as f, no_collection():
            manifest = pickle.load(f)
    except UNREADABLE:
        return None
    return manifest if isinstance(manifest, Manifest) and manifest.format == FORMAT else None


def commit(home: Home, change: Commit, in_place: bool) -> float:
    """Put the staged build into place: by swapping folders when it is a whole site, else
    through the journal (``in_place``: the site and its manifest exist; only changes staged).
    Returns the moment (``time.perf_counter()``) the new site was in place."""
    staging = home.root / STAGING
    if not in_place:
        with open(staging / STAGED_MANIFEST, "wb") as f, no_collection():
            pickle.dump(change.manifest, f, protocol=pickle.HIGHEST_PROTOCOL)
        manifest_path(home).unlink(missing_ok=True)  # a kill after the swap then means "build all"
        (home.root / CACHE_DIR).mkdir(exist_ok=True)
        os.replace(staging / STAGED_MANIFEST, home.root / CACHE_DIR / ".manifest.new")
        _swap_into_place(staging, home.site_dir)
        live = time.perf_counter()
        os.replace(home.root / CACHE_DIR / ".manifest.new", manifest_path(home))
        return live
    temporary = staging / (JOURNAL + ".tmp")
    journal = {"write": change.staged, "pages": change.pages, "delete": change.removed}
    temporary.write_text(json.dumps(journal, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, staging / JOURNAL)  # the commit point
    return _apply(home, staging, change.manifest)


def _apply(home: Home, staging, manifest: Manifest | None = None) -> float:
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
    for rel in journal.get("pages", ()):  # (a journal of an earlier Linli has none)
        source = staging / staged_page(rel)
        if not source.exists():
            continue  # moved already (by an interrupted run of this journal)
        folder = rel.rpartition("/")[0]
        if folder and not in_site(folder):
            (site / folder).mkdir(parents=True, exist_ok=True)
            exists[folder] = True
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
        with open(temporary, "wb") as f, no_collection():
            pickle.dump(manifest, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, manifest_path(home))
    elif (staging / STAGED_MANIFEST).exists():  # a journal of an earlier Linli, with its manifest
        os.replace(staging / STAGED_MANIFEST, manifest_path(home))
    else:
        manifest_path(home).unlink(missing_ok=True)
    shutil.rmtree(staging)
    return live


def recover(home: Home) -> None:
    """Finish a build whose commit was interrupted, or drop what a killed build staged."""
    staging = home.root / STAGING
    if (staging / JOURNAL).is_file():
        _apply(home, staging)
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(home.site_dir.with_name(".site-old"), ignore_errors=True)


def abandon(home: Home) -> None:
    """Drop what a failed build staged (unless it committed: then the next build completes it)."""
    staging = home.root / STAGING
    if not (staging / JOURNAL).exists():
        shutil.rmtree(staging, ignore_errors=True)


def _swap_into_place(staging, site) -> None:
    """Replace ``site`` by ``staging`` with two renames; the old site is removed last."""
    old = site.with_name(".site-old")
    shutil.rmtree(old, ignore_errors=True)
    if site.exists():
        site.rename(old)
    staging.rename(site)
    shutil.rmtree(old, ignore_errors=True)
