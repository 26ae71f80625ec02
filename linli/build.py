"""``linli build``: freeze the public app into ``site/``, atomically.

Pages come from the generators in ``PAGE_GENERATORS`` through Frozen-Flask; theme assets, the
public media files and the static search index are written, and the Whoosh index
(``search_index/``) is brought in line with the public set. Everything is written into a
staging folder that replaces ``site/`` only once complete, so a failed or killed build leaves
the previous site whole.
"""

from __future__ import annotations

import logging
import shutil
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask_frozen import Freezer, MissingURLGeneratorWarning

from linli import models
from linli.app import create_public_app
from linli.errors import LinliError
from linli.headers import write_headers_file
from linli.home import Home
from linli.feeds import feed_pages
from linli.ical import calendar_pages
from linli.public import all_pages, public_media_paths
from linli.search import search_pages, sync_index, write_static_index
from linli.traditional import traditional_pages

# Every page of the site comes from one of these generators of (endpoint, values) or URLs.
PAGE_GENERATORS = (all_pages, search_pages, feed_pages, calendar_pages, traditional_pages)

log = logging.getLogger(__name__)

STAGING = ".build-staging"


@dataclass
class BuildResult:
    pages: int
    files: int
    seconds: float
    destination: Path


def build(home: Home, *, now=None, progress=None) -> BuildResult:
    """Build ``home``'s public site into ``home.site_dir``. ``progress(done, url)`` is called
    after each page. Raises LinliError with a message for staff when anything fails."""
    started = time.perf_counter()
    at = now or models.now()
    app = create_public_app(home, build=True, now=at)
    staging = home.root / STAGING
    shutil.rmtree(staging, ignore_errors=True)
    app.config.update(
        FREEZER_DESTINATION=str(staging),
        FREEZER_REMOVE_EXTRA_FILES=False,
        FREEZER_IGNORE_MIMETYPE_WARNINGS=True,
        FREEZER_DEFAULT_MIMETYPE="text/html",
    )
    freezer = Freezer(app, with_static_files=False, with_no_argument_rules=False, log_url_for=False)
    for generator in PAGE_GENERATORS:
        freezer.register_generator(generator)
    pages = 0
    url = "/"
    try:
        with app.app_context(), warnings.catch_warnings():
            warnings.simplefilter("ignore", MissingURLGeneratorWarning)
            for page in freezer.freeze_yield():
                pages += 1
                url = page.url
                if progress:
                    progress(pages, url)
            with app.test_request_context():
                files = _copy_files(home, staging)
                files += write_static_index(staging)
                files += write_headers_file(staging)
    except LinliError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    except Exception as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise LinliError(f"网站生成失败（页面 {url}）：{type(exc).__name__}: {exc}。原来的网站没有改动。") from exc
    _swap_into_place(staging, home.site_dir)
    try:  # the admin's and the preview's index: what time alone changed (scheduled, expired)
        sync_index(home, at)
    except Exception:  # the site is built; the admin saves and the next build retry
        log.exception("search index (search_index/) not brought up to date")
    return BuildResult(pages, files, time.perf_counter() - started, home.site_dir)


def _copy_files(home: Home, staging: Path) -> int:
    """Copy the theme's static assets (home overrides first) and public media files."""
    copied = 0
    seen: set[Path] = set()
    for theme_dir in home.theme_dirs:
        static = theme_dir / "static"
        for source in sorted(static.rglob("*")) if static.is_dir() else []:
            rel = source.relative_to(static)
            if source.is_file() and rel not in seen and not rel.name.startswith("."):
                seen.add(rel)
                _copy(source, staging / "static" / rel)
                copied += 1
    for rel in sorted(public_media_paths()):
        _copy(home.media_dir / rel, staging / "media" / rel)
        copied += 1
    return copied


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def _swap_into_place(staging: Path, site: Path) -> None:
    """Replace ``site`` by ``staging`` with two renames; the old site is removed last."""
    old = site.with_name(".site-old")
    shutil.rmtree(old, ignore_errors=True)
    if site.exists():
        site.rename(old)
    staging.rename(site)
    shutil.rmtree(old, ignore_errors=True)
