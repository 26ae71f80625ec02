"""What a build starts from, and what changed since the last one.

The global fingerprint (Linli's code, the theme's files, the settings of ``linli.toml`` that
pages show): when it is the last build's, the build is incremental and renders only pages whose dependencies changed; else
every page is rendered (and only changed bytes are written). The scan of the tables
(:mod:`linli.deps`), made from the last scan and the change log (:mod:`linli.changes`) when both
can be trusted, else by reading every row. What the search modules need to know of it is put
in the build context.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import sys
from dataclasses import dataclass

from linli import changes, db, deps, markup, models, share
from linli.build.commit import load_manifest, no_collection
from linli.build.context import FORMAT, BuildContext, LogMark, Manifest
from linli.build.entries import PageTable
from linli.build.titles import load_titles
from linli.home import PROJECT_ROOT, Home, page_settings

#: The tables whose rows pages show; read and fingerprinted before each rebuild.
SCANNED = [*models.CONTENT_MODELS, *models.CHILD_MODELS, models.SiteSettings]

log = logging.getLogger(__name__)


@dataclass
class Inputs:
    """What the build starts from."""

    last: Manifest | None  # the last build's manifest, when the site and it are there
    fingerprint: bytes  # the global inputs
    incremental: bool  # the last build's global inputs: render only pages whose dependencies changed
    scan: deps.Scan  # the tables at the build's moment
    log: LogMark | None  # this build's position in the change log (None: no log)
    kept_titles: tuple | None  # (token, entries) of the last build's title index entries

    @property
    def last_pages(self) -> PageTable:
        return self.last.pages if self.last else PageTable()

    @property
    def same_items(self) -> bool:
        """Whether the last build's list of item pages can be brought up to date from the scan."""
        return self.last is not None and self.last.fingerprint == self.fingerprint and self.last.items is not None


def read_inputs(context: BuildContext, full: bool) -> Inputs:
    """The last manifest, the fingerprint, the scan; and, for the search modules (in
    ``context``), what changed since the last build."""
    home, at = context.home, context.at
    # The manifest's many objects live as long as the build: frozen before the collector is back
    # on, no collection looks at them (the first one after the reading would go through them all).
    with no_collection():
        last = load_manifest(home) if home.site_dir.is_dir() else None
        gc.freeze()
    fingerprint = global_fingerprint(home, share.font_choice(context.app).path)
    incremental = last is not None and last.fingerprint == fingerprint and not full
    database = db.database.obj
    deps.install(database)
    scan, mark = _scan(database, last if incremental else None, at)
    kept = load_titles(home, last if incremental else None, scan)
    context.row_hashes = scan.slugs
    if mark is not None:  # (a full scan has no changed rows: the index is compared whole)
        context.search_changes = changes.Since(last.log.token if scan.changed is not None else None, mark.token,
                                               scan.changed)  # fmt: skip
    if kept is not None:
        context.kept_titles, context.changed_rows = kept[1], scan.changed
    return Inputs(last, fingerprint, incremental, scan, mark, kept)


def global_fingerprint(home: Home, font: str) -> bytes:
    """What every page depends on besides the database: Linli's code, the theme's files, the
    settings of ``linli.toml`` that pages show (not how the site is served, backed up, published
    or deployed), the font of the share posters (``font``: the build app's
    :func:`~linli.share.font_choice`, looked up once per build; item pages link their poster
    only when there is one). Not the day: no page shows the build's date, and a page whose
    content the time decides depends on it through its queries (:mod:`linli.deps` compares
    their dates with the build's moment) or through :func:`linli.deps.record_moment`."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{FORMAT} {sys.version_info[:2]}".encode())
    digest.update(repr(sorted(page_settings(home.settings).items())).encode())
    digest.update(code_fingerprint())
    for root in home.theme_dirs:
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    digest.update(markup.RENDERER)
    digest.update(font.encode())
    return digest.digest()


def code_fingerprint() -> bytes:
    """Linli's own code and data files."""
    digest = hashlib.blake2b(digest_size=16)
    root = PROJECT_ROOT / "linli"
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.digest()


def _scan(database, last: Manifest | None, at) -> tuple[deps.Scan, LogMark | None]:
    """(the scan of the tables at ``at``, this build's mark in the change log, or None). Made from
    ``last``'s scan and the change log when both can be trusted, else by reading every row.
    ``last`` is given only for a rebuild of the same global fingerprint: new code may
    fingerprint rows otherwise, and a build that renders every page reads every row."""
    old = last.scan if last is not None else None  # (rows of changed tables kept for the check)
    if not changes.supported(database):
        return deps.scan(database, SCANNED, at, old), None
    try:
        logged = changes.install(database, [model._meta.table_name for model in SCANNED])
        mark = LogMark(changes.new_token(), changes.position(database))
    except Exception:  # a database that cannot take the log (read-only, say): every row, every time
        log.warning("no change log: this build reads every row", exc_info=True)
        return deps.scan(database, SCANNED, at, old), None
    written = None
    if logged and last is not None and last.log is not None:
        written = changes.changed_since(database, *last.log)
    if written is None:
        return deps.scan(database, SCANNED, at, old), mark
    return deps.scan_changes(database, SCANNED, at, last.scan, written), mark


def mark_log(mark: LogMark | None) -> None:
    """Record in the database that this build saw the change log up to ``mark``."""
    if mark is None:
        return
    try:
        changes.mark(db.database.obj, *mark)
    except Exception:  # the next build then reads every row
        log.exception("change log not marked")
