"""What the fixed design costs at least: its libraries' own work on a bench home's pages.

Linli's build is Frozen-Flask freezing Flask views, Python-Markdown rendering the bodies and
Pillow drawing the share posters. Each measure here does only the library's part, on every
core (one forked process per core, as the build's workers), so that
:mod:`bench.build_bench` can print it beside Hugo in the same run:

- ``freeze``: stock Frozen-Flask freezing every URL of the site (the build's own list) from a
  Flask app whose one view returns a constant body: an HTML page the size of Hugo's average page,
  a poster the size of Linli's average poster. No template, no database, no Markdown. Then the
  same with the test client Linli's build gives the freezer (:class:`linli.build.freeze._PageClient`:
  the page's environ made from one made once, no cookies): the freezer as the build drives it.
- ``markdown``: Python-Markdown (default settings, no extension) converting every public notice's
  body; then Linli's one Markdown function (its extensions, the CJK line joining, nh3's
  sanitising) on the same bodies, without its store.
- ``posters``: Linli's :func:`linli.share.draw_poster` drawing as many posters as the site has
  (public notices' texts in turn, as a home without ``base_url``: no QR code).

Each child prints one JSON line: wall seconds, CPU seconds of every process, and how many.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
import traceback
from pathlib import Path


def _on_every_core(work, items: list) -> tuple[float, float]:
    """Run ``work(share)`` on every core's share of ``items`` (forked processes); wall and CPU
    seconds of all of them."""
    cores = os.cpu_count() or 1
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    children = []
    for core in range(cores):
        pid = os.fork()
        if pid == 0:  # pragma: no cover (a child)
            code = 0
            try:
                work(items[core::cores])
            except BaseException:
                traceback.print_exc()
                sys.stderr.flush()
                code = 1
            finally:
                os._exit(code)
        children.append(pid)
    for pid in children:
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status):
            raise SystemExit(f"a floor process failed ({status})")
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def site_urls(home, at) -> list[str]:
    """Every URL of ``home``'s site, listed by the build's own steps."""
    import shutil

    from linli.build import inputs, pages
    from linli.build.context import BuildContext

    context = BuildContext.open(home, at, time.perf_counter())
    try:
        with context.app.app_context():
            return pages.list_site(context, inputs.read_inputs(context, True)).urls
    finally:
        context.close()
        shutil.rmtree(context.staging, ignore_errors=True)


def public_bodies(at) -> list[tuple[str, str]]:
    """(title, body) of every public notice."""
    from linli import models as m
    from linli.publicity import public

    return [(n.title, n.body) for n in public(m.Notice, at, include="all").iterator()]


def freeze(urls: list[str], target: Path, html_size: int, png_size: int, client=None) -> dict:
    """Frozen-Flask freezing ``urls`` into ``target`` from a view of constant bodies; its own
    test client, or ``client`` (a test client class)."""
    from flask import Flask
    from flask_frozen import Freezer

    html = ("<!doctype html><html><body>" + "页" * max(0, (html_size - 40) // 3) + "</body></html>").encode()
    png = b"\x89PNG\r\n\x1a\n" + bytes(max(0, png_size - 8))

    def work(share: list[str]) -> None:
        app = Flask("floor")
        app.config.update(FREEZER_DESTINATION=str(target), FREEZER_REMOVE_EXTRA_FILES=False,
                          FREEZER_IGNORE_MIMETYPE_WARNINGS=True)  # fmt: skip

        @app.route("/", defaults={"path": ""})
        @app.route("/<path:path>")
        def page(path):
            return (png, {"Content-Type": "image/png"}) if path.endswith(".png") else html

        if client is not None:
            app.test_client_class = client
        freezer = Freezer(app, with_no_argument_rules=False, log_url_for=False, with_static_files=False)
        freezer.register_generator(lambda: iter(share))
        freezer.freeze()

    wall, cpu = _on_every_core(work, urls)
    return {"time": wall, "cpu": cpu, "count": len(urls)}


def markdown(bodies: list[str]) -> dict:
    """Python-Markdown alone, then Linli's Markdown function, over ``bodies``."""
    import markdown as python_markdown

    from linli import markup

    def plain(share: list[str]) -> None:
        md = python_markdown.Markdown()
        for text in share:
            md.reset().convert(text)

    def linli(share: list[str]) -> None:
        for text in share:
            markup._render(text)

    wall, cpu = _on_every_core(plain, bodies)
    linli_wall, linli_cpu = _on_every_core(linli, bodies)
    return {"time": wall, "cpu": cpu, "linli_time": linli_wall, "linli_cpu": linli_cpu, "count": len(bodies)}


def posters(texts: list, count: int) -> dict:
    """``count`` posters drawn by :func:`linli.share.draw_poster` from ``texts`` in turn."""
    from linli import share

    font = share.find_font().path
    chosen = [texts[i % len(texts)] for i in range(count)]

    def work(share_of: list) -> None:
        for text in share_of:
            share.draw_poster(text, font)

    wall, cpu = _on_every_core(work, chosen)
    return {"time": wall, "cpu": cpu, "count": count}


def child(scenario: str, home_path: str, at, hugo_public: Path, target: Path) -> None:
    """One measure (``freeze``, ``markdown`` or ``posters``) in this process; prints its JSON."""
    from linli import db, markup, share
    from linli.home import Home

    home = Home.open(home_path)
    db.connect(home.database_url)
    if scenario == "freeze":
        from linli.build.freeze import _PageClient

        pages = [p.stat().st_size for p in hugo_public.rglob("*.html")]
        posters_made = [p.stat().st_size for p in (home.site_dir).rglob("poster.png")]
        urls, sizes = site_urls(home, at), (sum(pages) // len(pages), sum(posters_made) // max(1, len(posters_made)))
        result = freeze(urls, target / "stock", *sizes)
        tuned = freeze(urls, target / "tuned", *sizes, client=_PageClient)
        result.update(tuned_time=tuned["time"], tuned_cpu=tuned["cpu"])
    elif scenario == "markdown":
        result = markdown([body for _, body in public_bodies(at)])
    else:
        count = sum(1 for url in site_urls(home, at) if url.endswith(".png"))
        texts = [
            share.PosterText("幸福里社区", "通知公告", title, (("发布日期", "2026年11月25日"),),
                             markup.plain_text(body, share.LONG_SUMMARY_LIMIT), "/notices/x/", "详情请看社区网站")
            for title, body in public_bodies(at)
        ]  # fmt: skip
        result = posters(texts, count)
    print(json.dumps(result))
