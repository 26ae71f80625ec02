"""``linli build``: freeze the public app into ``site/`` — fully, or only what changed — atomically.

The stages, one module each:

- :mod:`~linli.build.context`: the build's context (in the app it freezes) and its records;
- :mod:`~linli.build.inputs`: the last build's manifest, the global fingerprint, the scan of the
  tables (from the change log when it can be trusted): what changed;
- :mod:`~linli.build.pages`: every page of the site, and which of them to freeze;
- :mod:`~linli.build.freeze`: Frozen-Flask's freezer, in worker processes, into the staging folder;
- :mod:`~linli.build.outputs`: theme assets, media, the static search index, ``_headers``; the
  admin's Whoosh index afterwards;
- :mod:`~linli.build.commit`: the new manifest, the journal, the swap into place;
- :mod:`~linli.build.entries`: the manifest's page entries, in a compact table;
- :mod:`~linli.build.titles`: the title index's entries kept between builds.
"""

from __future__ import annotations

import functools
import gc
import logging
import time

from linli import deps, models, share, workers
from linli.build import commit, freeze, inputs, outputs, pages, titles
from linli.build.commit import recover
from linli.build.context import CACHE_DIR, STAGING, BuildContext, BuildResult, Manifest
from linli.build.inputs import SCANNED, code_fingerprint, global_fingerprint
from linli.build.pages import PAGE_GENERATORS
from linli.errors import LinliError
from linli.home import Home
from linli.search import web as search_web

__all__ = [
    "CACHE_DIR", "PAGE_GENERATORS", "SCANNED", "STAGING", "BuildContext", "BuildResult", "Manifest", "build",
    "code_fingerprint", "global_fingerprint", "recover",
]  # fmt: skip

log = logging.getLogger(__name__)


def build(home: Home, *, now=None, progress=None, full: bool = False) -> BuildResult:
    """Build ``home``'s public site into ``home.site_dir``: only what changed since the last
    build, unless ``full``. ``progress(done, url, total)`` is called as pages are done. Raises
    LinliError with a message for staff when anything fails (the site is then unchanged)."""
    started = time.perf_counter()
    recover(home)
    context = BuildContext.open(home, (now or models.now()).replace(microsecond=0), started)
    context.lap("start")
    try:
        with context.app.app_context():
            given = inputs.read_inputs(context, full)
            context.lap("scan")
            site = pages.list_site(context, given)
            context.lap("enumerate")
            index = functools.partial(outputs.index_version, context)  # the static search index, up to date
            pages.choose(context, given, site, index)  # (incremental: the index first, its pages checked)
            context.lap("check")
            report = freeze.Progress(progress, len(site.urls), site.kept)
            search_changed = bool(site.last) or not given.incremental
            stage = functools.partial(outputs.stage_other_files, context, given.last, search_changed,
                                      same_theme=given.incremental, scan=given.scan)  # fmt: skip
            others = outputs.OtherFiles(context, index, stage, apart=freeze.in_workers(len(site.first)))
            if not given.incremental:  # (every poster is asked for: the others can go after)
                outputs.index_documents(context)  # (its bodies rendered before any page asks for them)
                share.start_full_build(share.poster_cache(home))
                deps.read_lists_whole(context.app)  # (every page of every list is asked for)
            old_hashes = freeze.old_hashes(site, given.last_pages)
            aside = None
            if given.last is not None and not given.incremental:
                commit.keep_for_full_build(given.last, site.urls)
            if freeze.in_workers(len(site.first)):
                search_web.pack_title_pages(context.app, site.first)
                if given.last is not None and given.incremental:
                    aside = commit.set_aside(given.last)
                workers.release_free_memory()
            context.pages_flat = given.last is not None  # (committed in place: see commit.commit)

            def into() -> freeze.Frozen:  # (once the pages are frozen: a rebuild's go into the last manifest)
                if aside is not None:
                    commit.take_back(given.last, aside)
                if given.incremental:
                    return freeze.Frozen(given.last.pages, values=given.last.deps)
                return freeze.Frozen()

            frozen = freeze.freeze_site(context, site, old_hashes, into, report,
                                        None if given.incremental else others.stage, others.before_last)  # fmt: skip
            del old_hashes, aside
            context.lap("render")
            notes = tuple(filter(None, [share.font_choice(context.app).problem]))
            files, staged = others.staged()
            token, titles_file = titles.titles_to_keep(context, given.kept_titles, given.log)
            change = commit.new_manifest(context, given, site, frozen, files, staged, titles=token)
            context.rendered.close()
            context.lap("manifest")
            live = commit.commit(home, change, in_place=given.last is not None) - started
            inputs.mark_log(given.log)
            titles.write_titles(home, titles_file)  # (after the manifest that names it)
            context.lap("commit")
            result = BuildResult(
                len(site.urls), len(files), 0.0, home.site_dir, rendered=frozen.count, written=change.written,
                removed=len(change.removed), full=not given.incremental, timings=context.timings,
                rows_read=given.scan.read, live_seconds=live, notes=notes,
            )  # fmt: skip
            last_scan = given.last.scan if given.last is not None else None
            # The manifests, the pages' records: not held while the admin's index is made (it forks).
            del site, frozen, change, files, staged, others
            given.last = None
    except LinliError:
        commit.abandon(home)
        raise
    except Exception as exc:
        commit.abandon(home)
        raise LinliError(f"网站生成失败：{type(exc).__name__}: {exc}。原来的网站没有改动。") from exc
    finally:
        gc.unfreeze()
        context.close()
    if not given.incremental:
        try:  # the posters no page of this build is (the cache's only pruning)
            share.prune_posters(share.poster_cache(home))
        except OSError:
            log.exception("share poster cache not pruned")
    workers.release_free_memory()  # (what the pages' records took: not to be forked with the index's writer)
    try:  # the admin's and the preview's index: what time alone changed (scheduled, expired)
        outputs.sync_search_index(context, last_scan, given.scan)
    except Exception:  # the site is built; the admin saves and the next build retry
        log.exception("search index (search_index/) not brought up to date")
    context.lap("whoosh index")
    result.seconds = time.perf_counter() - started
    return result

