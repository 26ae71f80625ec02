"""One build's state and the named records the stages pass each other.

:class:`BuildContext` is made by every build and lives in the public app it freezes, as
``app.extensions["linli_build"]``: views and search modules that do something else in a build
(read rendered Markdown from the cache, bring the static search index up to date item by item,
keep the title index's entries) look it up there, by that name; nothing of a build is kept in a
module. Two builds in one process (the admin's, a test's) each have their own app and context.

The records: :class:`Manifest` (what the last build made, kept in ``.build-cache/``) with a
:class:`PageEntry` per page, :class:`FrozenPage` (a page the freezer wrote), :class:`LogMark`
(a position in the change log) and :class:`BuildResult` (what :func:`linli.build.build` returns).
"""

from __future__ import annotations

import hashlib
import pickle
import time
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from flask import Flask
from jinja2 import FileSystemBytecodeCache

from linli import deps, markup, workers
from linli.app import create_public_app
from linli.changes import Since
from linli.home import Home

STAGING = ".build-staging"
CACHE_DIR = ".build-cache"
SEARCH_STATE = "search.db"  # the static search index between builds (linli.search.static)
FORMAT = 4  # of the manifest: another is not read (the next build renders every page)
#: What reading a cache file of another Linli, or one cut short, can raise: the cache is then unused.
UNREADABLE = (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, KeyError, TypeError, ValueError)
EXTENSION = "linli_build"  # the key of the BuildContext in the app's extensions


class PageEntry(NamedTuple):
    """A page of the site in the manifest: its file, the hash of its bytes, what it was made
    from (dependency keys, see :mod:`linli.deps`)."""

    file: str
    hash: bytes
    keys: tuple


class FrozenPage(NamedTuple):
    """A page this build froze: its manifest entry, and whether its bytes differ from the
    site's (then it is staged)."""

    url: str
    entry: PageEntry
    changed: bool


class LogMark(NamedTuple):
    """A build's position in the change log (:mod:`linli.changes`): its token and last entry."""

    token: str
    seq: int


@dataclass
class Manifest:
    format: int
    fingerprint: bytes  # the global inputs
    at: object  # the build's moment
    scan: deps.Scan
    deps: dict  # dependency key → fingerprint
    pages: MutableMapping[str, PageEntry]  # url → entry (a linli.build.entries.PageTable)
    files: dict = field(default_factory=dict)  # other outputs: file → hash
    log: LogMark | None = None  # of the change log this build saw
    items: dict | None = None  # url prefix → id → URL of each public item's page
    titles: str | None = None  # the token in the title entries file that is this build's
    media: dict | None = None  # type prefix → (its tables' fingerprints, media paths its public items name)


def staged_page(file: str) -> str:
    """Where a build committed in place stages the page ``file`` (its path in the site): one
    folder of files, one file for each page, rather than a folder for each (a rebuild of many
    pages made and removed one per page: on this machine's disk, 0.3 ms each)."""
    return f"{PAGES}/{hashlib.blake2b(file.encode(), digest_size=16).hexdigest()}"


PAGES = ".pages"  # (in the staging folder) the pages of a build committed in place


class RenderedStore(markup.RenderedStore):
    """The build's store of rendered Markdown, written every :data:`FLUSH_AT` new bodies (a
    process that meets every body, as the first build's, would hold them all); the recent
    bodies :func:`linli.markup.render_markdown` remembers (for the preview server) are
    forgotten with them."""

    FLUSH_AT = 256

    def get(self, text: str, render) -> str:
        html = super().get(text, render)
        if len(self.new) >= self.FLUSH_AT:
            self.flush()
            markup.render_markdown.cache_clear()
        return html


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
    notes: tuple[str, ...] = ()  # what staff should know of a build that succeeded (no poster font)


@dataclass(eq=False)
class BuildContext:
    """What one build shares between its stages, its app's views and the search modules."""

    home: Home
    at: object  # the build's moment (naive, site time, whole seconds)
    app: Flask  # the public app being frozen (never the admin's)
    rendered: markup.RenderedStore  # Markdown rendered once per change (linli.markup)
    #: For :mod:`linli.search.static`: its state file, the scan's fingerprints (table → slug →
    #: hash) and what the change log says was written since the index was last brought up to date.
    search_state: Path
    row_hashes: dict | None = None
    search_changes: Since | None = None
    #: For :mod:`linli.search.web`: the last build's title entries (group → (query keys,
    #: entries, parts)) with the rows written since (table → ids), and those this build made.
    kept_titles: dict | None = None
    changed_rows: dict | None = None
    title_entries: dict = field(default_factory=dict)
    #: For the next build: type prefix → (its tables' fingerprints, media its public items name).
    media: dict = field(default_factory=dict)
    #: Pages are staged flat (:func:`staged_page`): the build is committed into the site in place.
    pages_flat: bool = False
    timings: dict = field(default_factory=dict)  # seconds per phase
    _clock: float = field(default=0.0, repr=False)  # when the last lap ended

    @classmethod
    def open(cls, home: Home, at, started: float) -> BuildContext:
        """The context of a build of ``home`` at ``at`` (started at ``time.perf_counter()``
        ``started``), with its public app (compiled templates kept in the cache folder, once per
        change) and an empty staging folder."""
        cache = home.root / CACHE_DIR
        (cache / "templates").mkdir(parents=True, exist_ok=True)
        app = create_public_app(home, build=True, now=at)
        app.jinja_env.bytecode_cache = FileSystemBytecodeCache(str(cache / "templates"))
        context = cls(home, at, app, RenderedStore(cache / "rendered.db"), cache / SEARCH_STATE, _clock=started)
        app.extensions[EXTENSION] = context
        context.staging.mkdir(parents=True)
        return context

    @property
    def staging(self) -> Path:
        return self.home.root / STAGING

    @property
    def cache(self) -> Path:
        return self.home.root / CACHE_DIR

    def lap(self, name: str) -> None:
        """Add the time since the last lap to phase ``name``."""
        now = time.perf_counter()
        self.timings[name] = self.timings.get(name, 0.0) + now - self._clock
        self._clock = now

    def add_laps(self, laps: dict) -> None:
        """Add phases' times measured elsewhere (``laps``: name → seconds), and start the next lap now."""
        for name, seconds in laps.items():
            self.timings[name] = self.timings.get(name, 0.0) + seconds
        self._clock = time.perf_counter()

    def own_rendered(self) -> markup.RenderedStore:
        """In a forked worker: a store of rendered Markdown of its own (the parent's, whose
        connection the parent goes on using, is kept, neither used nor closed here)."""
        workers.keep(self.rendered)
        self.rendered = type(self.rendered)(self.rendered.path)
        return self.rendered

    def close(self) -> None:
        """Close what the build opened: the rendered-Markdown cache, the search state."""
        self.rendered.close()
        made = self.app.extensions.pop("linli_search_static", None)
        if made is not None and made[1].state is not None:
            made[1].state.close()
