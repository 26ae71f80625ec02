"""Freezing pages: Frozen-Flask's :class:`~flask_frozen.Freezer` over the build's public app.

Each process that freezes (the build's own for a few pages, else one worker process per core,
forked) has its own :class:`PageFreezer`: a Freezer without its own URL generators (no static
files, no rules without arguments, no ``url_for`` log: the build lists every page itself, see
:mod:`linli.build.pages`) whose one registered generator yields that process's partition of the
URLs, chunk by chunk as the process asks for more. It writes each page into the staging folder
by Frozen-Flask's own rules (``/a/`` → ``a/index.html``) and reports it through
:meth:`~flask_frozen.Freezer.freeze_yield`.

What the subclass adds around the freezer's ``_build_one``: the dependencies the page's view
read (recorded while it renders, see :mod:`linli.deps`) and the hash of the bytes the freezer
wrote; a page whose bytes are the site's is not staged (its staged copy is removed); a cached
share poster is hard-linked where the freezer then finds its bytes (and writes nothing).
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import pickle
import threading
import warnings
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from dataclasses import dataclass, field
from typing import NamedTuple
from unicodedata import normalize
from urllib.parse import unquote

import werkzeug.test
from flask import Response, request_finished
from flask.testing import EnvironBuilder, FlaskClient
from flask_frozen import Freezer, MissingURLGeneratorWarning
from werkzeug.test import TestResponse
from werkzeug.urls import iri_to_uri

from linli import deps
from linli.build.context import BuildContext, FrozenPage, PageEntry, staged_page
from linli.build.entries import PageTable
from linli.errors import LinliError
from linli.workers import Workers, can_fork, per_core, taken_in_turn

PARALLEL_FROM = 300  # pages: fewer are frozen in the build's own process
CHUNK = 64  # pages a worker process asks for at a time


class PageError(LinliError):
    """A page could not be frozen (the site is then unchanged)."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"网站生成失败（页面 {url}）：{reason}。原来的网站没有改动。")
        self.url, self.reason = url, reason


class Failure(NamedTuple):
    """What a worker process sends back when a page fails."""

    url: str
    reason: str


class Chunk(NamedTuple):
    """What a worker process sends for each chunk it froze: how many pages, the last one's URL
    (for the progress), and :meth:`PageFreezer.take`'s pages and values, pickled and compressed.
    The build's process keeps them so until every worker is done: as objects, they made it
    about 120 MB bigger at 50,000 notices while the workers still held their own memory."""

    count: int
    last: str
    packed: bytes

    @classmethod
    def of(cls, frozen: dict, values: dict) -> Chunk:
        packed = zlib.compress(pickle.dumps((frozen, values), pickle.HIGHEST_PROTOCOL), 1)
        return cls(len(frozen), next(reversed(frozen), ""), packed)


@dataclass
class Frozen:
    """The pages a build froze: their entries (``pages``: a table of its own, or, a rebuild's,
    the last manifest's, set in place), the files of those whose bytes differ from the site's
    (staged), the values of the dependency keys they read (``values``: a dict of its own, or
    the last manifest's), how many pages."""

    pages: PageTable = field(default_factory=PageTable)
    changed: list[str] = field(default_factory=list)
    values: dict = field(default_factory=dict)  # dependency key → fingerprint
    count: int = 0

    def add(self, pages: dict, values: dict, seen: dict) -> None:
        """Add :meth:`PageFreezer.take`'s ``pages`` and ``values``: pages and keys the table has
        are kept with its objects (the copies go at once); one object for each other key (and
        SQL text in it) of their copies (``seen``: those met before)."""
        known = self.pages.has_key
        for url, page in pages.items():
            entry = page.entry
            keys = tuple([key if known(key) else deps.shared(key, seen) for key in entry.keys])
            self.pages[url] = PageEntry(entry.file, entry.hash, keys)
            if page.changed:
                self.changed.append(entry.file)
        self.count += len(pages)
        self.values.update((key if known(key) else deps.shared(key, seen), value) for key, value in values.items())


class PageFreezer(Freezer):
    """A Freezer of the pages ``urls`` yields into the build's staging folder; ``old_hashes``
    (url → hash of the page in the site) tells which pages changed."""

    def __init__(self, context: BuildContext, old_hashes: dict, urls: Iterable[str] = ()):
        context.app.config.update(
            FREEZER_DESTINATION=str(context.staging),
            FREEZER_REMOVE_EXTRA_FILES=False,  # the staging folder holds what this build changes
            FREEZER_REDIRECT_POLICY="error",  # every page is a page: a redirect is a mistake
            FREEZER_IGNORE_404_NOT_FOUND=False,
            FREEZER_RELATIVE_URLS=False,  # the app makes every link relative, in Markdown too
            # Hosts serve a file by its extension; the app's types are the hosts' but for the feeds
            # (Atom in .xml files, which readers take as it is): no warning per feed.
            FREEZER_IGNORE_MIMETYPE_WARNINGS=True,
        )
        context.app.test_client_class = _PageClient
        super().__init__(context.app, with_static_files=False, with_no_argument_rules=False, log_url_for=False)
        self.context, self.old_hashes, self.urls = context, old_hashes, urls
        self.asked: str | None = None  # the URL (as listed) being frozen
        self.recorder: deps.Recorder | None = None  # its dependencies
        self.digest: bytes | None = None  # the hash of its bytes
        self.file: str | None = None  # its path in the site
        self.staged_as: str | None = None  # in the staging folder (see BuildContext.pages_flat)
        self.target: Path | None = None  # the file the freezer writes it to
        self.frozen: dict[str, FrozenPage] = {}  # since the last take()
        self.values: dict = {}  # dependency key → fingerprint, of keys not taken before
        self.sent: set = set()
        self.register_generator(self.partition)

    @functools.cached_property
    def root(self) -> Path:
        """The staging folder (Frozen-Flask's ``root``, resolved once instead of twice a page)."""
        return super().root

    def partition(self) -> Iterator[str]:
        from linli.public import items_asked

        for at, url in enumerate(self.urls):
            if at % CHUNK == 0:  # the items the next pages look up: read together (deps.expect_rows)
                with self.app.app_context():
                    deps.expect_rows(items_asked(self.app, self.urls[at : at + CHUNK]))
            self.asked = url
            yield url

    def _build_one(self, url, last_modified=None):
        file = Freezer.urlpath_to_filepath(self, url)
        if ".." in file.split("/"):
            raise PageError(self.asked, "网址不能作为文件名")
        self.file = normalize("NFC", file)  # (its path in the site)
        self.staged_as = staged_page(self.file) if self.context.pages_flat else self.file
        self.target = self.root / self.staged_as  # (where the freezer writes it)
        with deps.recording(self.context.at) as self.recorder:
            path = super()._build_one(url, last_modified)
        if self.old_hashes.get(self.asked) == self.digest:
            path.unlink()  # the site has these bytes: not staged
        return path

    def urlpath_to_filepath(self, path: str) -> str:
        """(Frozen-Flask's) Where the freezer writes the page being frozen, in the staging folder."""
        return self.staged_as

    def _sent_response(self, app, response, **extra) -> None:
        """(Flask's ``request_finished``) The hash of the page's bytes, as the freezer writes them.
        A response that names a file of its bytes (``same_bytes_file``, never changed in place:
        a cached share poster, see :func:`linli.share.cached_poster`) is hard-linked to where the
        freezer writes it: the freezer then finds those bytes there and writes nothing (on
        another filesystem, no link: it writes them)."""
        self.digest = hashlib.blake2b(response.get_data(), digest_size=16).digest()
        same = getattr(response, "same_bytes_file", None)
        if same is not None and self.old_hashes.get(self.asked) != self.digest:
            try:
                self.target.parent.mkdir(parents=True, exist_ok=True)
                os.link(same, self.target)
            except OSError:
                pass

    def take(self) -> tuple[dict, dict]:
        """(url → :class:`FrozenPage`, new dependency values) since the last take."""
        self.context.rendered.flush()
        frozen, values, self.frozen, self.values = self.frozen, self.values, {}, {}
        return frozen, values

    def freeze_pages(self, report: Callable[[int, str], None] | None = None) -> None:
        """Freeze every URL of the partition; ``report(1, url)`` after each page. A failure
        raises :class:`PageError` with the URL."""
        try:
            with warnings.catch_warnings(), request_finished.connected_to(self._sent_response, self.app):
                # The freezer warns of endpoints none of its generators named: its generator is
                # this process's share of the pages, which names few.
                warnings.simplefilter("ignore", MissingURLGeneratorWarning)
                for _ in self.freeze_yield():
                    self._add(self.file)
                    if report:
                        report(1, self.asked)
        except PageError:
            raise
        except Exception as exc:
            raise PageError(self.asked or "/", f"{type(exc).__name__}: {exc}") from exc
        finally:
            self.app.extensions.pop(deps.ROWS_AHEAD, None)  # (the rows read ahead go with the freeze)

    def _add(self, file: str) -> None:
        """Keep the page just frozen, and the values of its dependency keys not sent before."""
        found = self.recorder.deps
        keys = tuple(found)
        for key in keys:
            if key not in self.sent:
                self.sent.add(key)
                self.values[key] = found[key]
        entry = PageEntry(file, self.digest, keys)
        self.frozen[self.asked] = FrozenPage(self.asked, entry, self.old_hashes.get(self.asked) != self.digest)


class _PageResponse(TestResponse, Response):
    """The responses of :class:`_PageClient`: Flask's, as the test client wraps them (a client
    given Flask's response class makes a new class like this one each time)."""


class _PageClient(FlaskClient):
    """The test client the freezer gets pages with (a new one for each page): its responses of
    one class made once, and without cookies (pages set none), so it neither adds them to each
    request nor looks for them in each response.

    The freezer's one way of asking (``get(url, follow_redirects=False, base_url=…)``) is
    answered through the app's WSGI entry point like any request, with the environ the test
    client would make (:meth:`environ`): that of the site's root made once per app and base
    URL, with the page's path put in; the test client's request builder is not run for every
    page. Anything else is asked of the test client itself."""

    def __init__(self, application, response_wrapper=None, use_cookies: bool = False, **kwargs):
        super().__init__(application, _PageResponse, use_cookies=False, **kwargs)

    def run_wsgi_app(self, environ, buffered: bool = False):
        return werkzeug.test.run_wsgi_app(self.application, environ, buffered=buffered)

    def open(self, *args, buffered: bool = False, follow_redirects: bool = False, **kwargs):
        if (len(args) != 1 or type(args[0]) is not str or "#" in args[0] or follow_redirects or self.preserve_context
                or not kwargs.keys() <= {"method", "base_url"} or kwargs.get("method", "GET") != "GET"):  # fmt: skip
            return super().open(*args, buffered=buffered, follow_redirects=follow_redirects, **kwargs)
        environ = self.environ(args[0], kwargs.get("base_url"))
        app_iter, status, headers = werkzeug.test.run_wsgi_app(self.application, environ, buffered=buffered)
        return _PageResponse(app_iter, status, headers, request=None)

    def environ(self, url: str, base_url: str | None = None) -> dict:
        """The WSGI environ of a GET of ``url`` (a path, with a query string or not): what
        :class:`~flask.testing.EnvironBuilder` makes of it (``tests/test_build_freeze.py``)."""
        made = self.application.extensions.setdefault("linli_page_environ", {})
        root = made.get(base_url)
        if root is None:
            builder = EnvironBuilder(self.application, "/", base_url=base_url, environ_base=self._copy_environ({}))
            root = made[base_url] = builder.get_environ()
            builder.close()
        environ = dict(root)
        path, _, query = url.partition("?")
        raw = url.encode().decode("latin-1")
        if "%" in path or path.startswith("//") or not path.isprintable():
            path = unquote(iri_to_uri(path))  # (else the same path: quoted, then unquoted)
        environ.update(
            PATH_INFO=path.encode().decode("latin-1"), QUERY_STRING=query.encode().decode("latin-1"),
            REQUEST_URI=raw, RAW_URI=raw, **{"wsgi.input": io.BytesIO()},
        )  # fmt: skip
        return environ


class Progress:
    """``progress(done, url, total)`` of the build's caller, from reports of pages frozen."""

    def __init__(self, progress, total: int, kept: int):
        self.progress, self.total, self.done = progress, total, kept
        if progress:
            progress(0, "/", total)
            if kept:
                progress(kept, "/", total)

    def __call__(self, count: int, url: str) -> None:
        self.done += count
        if self.progress:
            self.progress(self.done, url, self.total)


def old_hashes(site, last_pages: PageTable) -> dict:
    """url → the hash of the page in the site, of the pages ``site`` (:class:`~linli.build.pages.Pages`)
    chose (``last_pages``: the last build's entries)."""
    # Copies, made together: a page worker reading the manifest's would copy (on writing its
    # reference count) every memory page holding one, in each worker.
    return {url: last_pages.hash(url) for url in (*site.first, *site.last) if url in last_pages}


def in_workers(pages: int) -> bool:
    """Whether so many pages are frozen by worker processes (else in the build's own)."""
    return pages >= PARALLEL_FROM and per_core() >= 2 and can_fork()


def freeze_site(context: BuildContext, site, old_hashes: dict, into: Callable[[], Frozen], progress=None,
                meanwhile=None, before_last=None) -> Frozen:  # fmt: skip
    """Freeze the pages ``site`` (:class:`~linli.build.pages.Pages`) chose, those that embed the
    static search index last (after ``before_last()``, if given), into ``into()``; ``old_hashes``:
    see :func:`old_hashes`."""
    frozen = freeze(context, site.first, old_hashes, into, progress, meanwhile)
    if before_last is not None:
        before_last()
    return freeze(context, site.last, old_hashes, lambda: frozen, progress)


def freeze(context: BuildContext, urls: list[str], old_hashes: dict, into: Callable[[], Frozen], progress=None,
           meanwhile=None) -> Frozen:  # fmt: skip
    """Freeze ``urls``, into the :class:`Frozen` ``into()`` gives once they are frozen.
    ``progress(count, url)`` is called as pages are done (``count`` more, the last ``url``);
    ``meanwhile()`` runs in this process while worker processes freeze (or before freezing,
    when there are too few pages for workers)."""
    if not in_workers(len(urls)):
        if meanwhile:
            meanwhile()
        freezer = PageFreezer(context, old_hashes, urls)
        freezer.freeze_pages(progress)
        frozen = into()
        frozen.add(*freezer.take(), {})
        return frozen
    # Each chunk's URLs as one text, which a worker splits into URLs of its own: a worker using
    # this process's would copy (on writing their reference counts) every memory page holding one.
    chunks = ["\n".join(urls[i : i + CHUNK]) for i in range(0, len(urls), CHUNK)]
    with Workers("网站生成失败：生成页面的进程意外退出。原来的网站没有改动。") as workers:
        taken = workers.context.Value("i", 0)  # the chunks asked for
        for _ in range(per_core()):
            workers.start(_work, context, old_hashes, chunks, taken)
        received = _Received(workers, len(chunks), progress)
        if meanwhile:  # (the pages are taken as they come: a worker holds what it sent until then)
            receiving = threading.Thread(target=received.take_all, args=(False,), name="linli-pages", daemon=True)
            receiving.start()
            try:
                meanwhile()
            except BaseException:
                received.stop = True
                raise
            finally:
                receiving.join()
        received.take_all()
        workers.join()
    frozen = into()
    received.unpack(frozen)
    return frozen


class _Received:
    """What the page workers sent (:class:`Chunk`), taken chunk by chunk (in a thread of its
    own while the build's process does something else meanwhile) and :meth:`unpack`-ed when
    they are done; a worker's failure is raised by the first :meth:`take_all` after it."""

    def __init__(self, workers: Workers, chunks: int, progress):
        self.workers, self.left, self.progress = workers, chunks, progress
        self.packed: list[bytes] = []
        self.failed: BaseException | None = None
        self.stop = False  # (set: :meth:`take_all` returns at the next chunk, or within a second)

    def take_all(self, raising: bool = True) -> None:
        """Take every chunk still to come; ``raising``: raise a worker's failure (else keep it)."""
        try:
            while self.left and self.failed is None and not self.stop:
                outcome = self.workers.next(lambda: self.stop)
                if outcome is not None:
                    self._take(outcome)
        except BaseException as exc:  # noqa: BLE001 (kept, and raised in the build's thread)
            self.failed = exc
        if raising and self.failed is not None:
            raise self.failed

    def _take(self, outcome) -> None:
        if isinstance(outcome, Failure):
            raise PageError(*outcome)
        self.left -= 1
        self.packed.append(outcome.packed)
        if self.progress and outcome.count:
            self.progress(outcome.count, outcome.last)

    def unpack(self, frozen: Frozen) -> None:
        """Add the pages of every chunk to ``frozen``, in the order they came."""
        seen: dict = {}
        packed, self.packed = self.packed[::-1], []
        while packed:
            frozen.add(*pickle.loads(zlib.decompress(packed.pop())), seen)


def _work(context: BuildContext, old_hashes: dict, chunks: list, taken, results) -> None:
    """A worker process (forked): freeze chunks of ``chunks``, the next not ``taken`` each time,
    with a freezer of its own; send each chunk's pages (or the failure) to ``results``. (Its
    database connection is its own: :mod:`linli.workers`.)"""
    context.own_rendered()
    freezer = PageFreezer(context, old_hashes)
    try:
        for number in taken_in_turn(taken, len(chunks)):
            # A freeze of each chunk: Frozen-Flask keeps every URL and path one freeze made
            # (about 1 KB a page, a worker's whole share of the site in one freeze).
            freezer.urls = chunks[number].split("\n")
            freezer.freeze_pages()
            results.put(Chunk.of(*freezer.take()))
    except PageError as exc:
        results.put(Failure(exc.url, exc.reason))
    finally:
        context.rendered.close()
