"""Search bench: Linli's static index against Pagefind on the same built site, in one run.

    /work/main/.venv/bin/python bench/search/run.py                 # 10,000 items in /tmp/linli-search-bench
    /work/main/.venv/bin/python bench/search/run.py --items 2000    # a quicker look
    /work/main/.venv/bin/python bench/search/run.py --home HOME     # an existing home (built here)

It generates a community (bench/search/generate.py) unless ``--home`` names one, builds the site,
indexes the same item pages with Pagefind (``pip install "pagefind[extended]"``, installed here
if missing; ``--root-selector main``, as a site would mark its content), and drives headless
Chromium (/usr/bin/chromium through Playwright) against both, each in a fresh browser context
(empty cache), served from 127.0.0.1 twice: as files are (plain, like object storage or a USB
stick) and gzip-compressed (like most web hosts). Both show the first 6 results with their
highlighted excerpts. It reports:

- index build time, wall and CPU (the machine may be shared: CPU time is the steadier figure;
  Linli: the static index alone, and the Whoosh index; Pagefind: its CLI, all its threads),
- total index size on disk and its file count,
- bytes downloaded (response bodies as sent) and requests, for the first query (everything after
  the search page's HTML: the client JS, the fold table, the index files, the display data) and
  for later queries in the same page,
- time to results after the data arrives (results on screen minus the end of the last response
  the query needed) and from submit to results, medians of 3 fresh contexts, on loopback and on
  an emulated cheap phone (300 ms round trip, 400 kbit/s down, CPU slowed 4×),
- whether Traditional queries find exactly what their Simplified twins find.

Targets (issue 4): first query ≤ 40 KB including the JS, later ≤ 10 KB, results ≤ 50 ms after
the data arrives, Traditional = Simplified.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gzip
import http.server
import importlib.util
import json
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.search.generate import NOW, generate  # noqa: E402
from linli import db  # noqa: E402
from linli.build import build  # noqa: E402
from linli.home import Home  # noqa: E402
from linli.search import rebuild_index  # noqa: E402
from linli.search.static import build_static_index  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
PREFIXES = "notices,services,places,teams,stories,wishes,events,albums,grids,pages"
FIRST = "低保"
LATER = ["停水", "托老站", "垃圾分类", "疫苗接种", "电梯维修"]
TWINS = [("社區活動", "社区活动"), ("垃圾分類", "垃圾分类"), ("養老服務", "养老服务"), ("電梯維修", "电梯维修")]
SLOW = {"offline": False, "latency": 300, "downloadThroughput": 400_000 / 8, "uploadThroughput": 200_000 / 8}
SLOW_CPU = 4  # a cheap phone: Chromium's CPU throttling rate
RUNS = 3  # fresh contexts per measurement: timings are their medians
SHOWN = 6  # results on screen, as Linli's page shows them

PAGEFIND_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Pagefind</title></head><body>
<form id="f" role="search"><input id="q" type="search"><button>搜索</button></form>
<ol id="r"></ol>
<script>
/* What a site does with Pagefind's JS API: load it on the first query, search, fetch the
   data of the results on screen, render them (the bench's own minimal page, no UI library). */
var pagefind = null;
document.getElementById("f").addEventListener("submit", async function (event) {
  event.preventDefault();
  performance.mark("query");
  var q = document.getElementById("q").value;
  if (!pagefind) pagefind = await import("/pagefind/pagefind.js");
  var search = await pagefind.search(q);
  var data = await Promise.all(search.results.slice(0, %(shown)d).map(function (r) { return r.data(); }));
  document.getElementById("r").innerHTML = data.map(function (d) {
    return '<li><a href="' + d.url + '">' + d.meta.title + "</a><p>" + d.excerpt + "</p></li>";
  }).join("");
  window.benchIds = search.results.map(function (r) { return r.id; });
  performance.mark("shown");
  document.body.setAttribute("data-shown", "1");
});
</script></body></html>
"""


# --- serving ---------------------------------------------------------------------------------


class Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the site; with ``gzip`` on, text files go compressed as a web host sends them
    (Pagefind's own index files are compressed already and go as they are)."""

    compress = False
    cache: dict = {}

    def log_message(self, format, *args):
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        kind = self.guess_type(str(path))
        wants = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (self.compress and wants and path.is_file() and kind.split(";")[0] in TEXT_TYPES):
            return super().send_head()
        body = self.cache.get(path)
        if body is None:
            body = self.cache[path] = gzip.compress(path.read_bytes(), 9)
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return _Bytes(body)


TEXT_TYPES = {"text/html", "text/javascript", "application/javascript", "application/json", "text/css"}


class _Bytes:
    def __init__(self, data: bytes):
        self.data = data

    def read(self, *args):
        data, self.data = self.data, b""
        return data

    def close(self):
        pass


def serve(site: Path, compress: bool):
    handler = type("SiteHandler", (Handler,), {"compress": compress, "cache": {}})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/"


# --- measuring in Chromium ---------------------------------------------------------------------


class Engine:
    """How the bench drives one engine's search page."""

    name = ""
    page_path = ""

    def submit(self, page, query: str) -> None:
        page.evaluate("() => document.body.removeAttribute('data-shown')")
        page.fill(self.input, query)
        page.evaluate("() => performance.clearMarks()")
        page.press(self.input, "Enter")
        page.wait_for_selector(self.done, state="attached", timeout=60_000)

    def timings(self, page) -> dict:
        return page.evaluate(
            """([query, shown]) => {
                const t0 = performance.getEntriesByName(query).pop().startTime;
                const t1 = performance.getEntriesByName(shown).pop().startTime;
                const ends = performance.getEntriesByType("resource").filter(r => r.startTime >= t0 - 1)
                  .map(r => r.responseEnd);
                performance.clearResourceTimings();
                return {total: t1 - t0, after_data: ends.length ? t1 - Math.max(...ends) : t1 - t0};
            }""",
            [self.query_mark, self.shown_mark],
        )


class Linli(Engine):
    name = "Linli"
    page_path = "search/index.html"
    input = "#search-q"
    done = "#search-app[data-shown]"
    query_mark, shown_mark = "linli:query", "linli:shown"

    def submit(self, page, query):
        page.evaluate("() => document.getElementById('search-app').removeAttribute('data-shown')")
        page.fill(self.input, query)
        page.evaluate("() => performance.clearMarks()")
        page.press(self.input, "Enter")
        page.wait_for_selector(self.done, state="attached", timeout=60_000)

    def ids(self, page) -> list:
        return page.evaluate("() => window.LinliSearch.page.result.docs")

    def titles(self, page) -> list[str]:
        return page.locator("#search-results .row-title").all_inner_texts()


class Pagefind(Engine):
    name = "Pagefind"
    page_path = "pagefind-bench/index.html"
    input = "#q"
    done = "body[data-shown]"
    query_mark, shown_mark = "query", "shown"

    def ids(self, page) -> list:
        return page.evaluate("() => window.benchIds")

    def titles(self, page) -> list[str]:
        return page.locator("#r a").all_inner_texts()


def measure(browser, engine: Engine, base: str, slow: bool = False) -> dict:
    """One fresh context: open the search page, run the first query, then the later ones."""
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    if slow:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": SLOW_CPU})
    log: list[tuple[str, str, int]] = []
    phase = ["page"]
    page.on("requestfinished", lambda r: "favicon" in r.url or log.append((phase[0], r.url, r.sizes()["responseBodySize"])))
    page.on("requestfailed", lambda r: log.append((phase[0], r.url + " FAILED", 0)))
    page.goto(base + engine.page_path, wait_until="load")
    page.wait_for_timeout(200)
    # The page itself and its stylesheet (shared with every page of the site) are not search.
    document = [entry for entry in log if entry[0] == "page"][:1]
    document += [entry for entry in log if entry[0] == "page" and entry[1].endswith(".css")]
    out = {"page_html": document[0][2] if document else 0, "queries": []}
    for number, query in enumerate([FIRST, *LATER]):
        phase[0] = query
        engine.submit(page, query)
        page.wait_for_timeout(100)  # let finished requests be logged
        timing = engine.timings(page)
        mine = [e for e in log if e[0] == query or (number == 0 and e[0] == "page" and e not in document)]
        out["queries"].append({
            "q": query, "bytes": sum(e[2] for e in mine), "requests": len(mine), **timing,
            "titles": engine.titles(page), "files": [e[1].removeprefix(base) for e in mine],
        })  # fmt: skip
        if any("FAILED" in e[1] for e in mine):
            raise RuntimeError(f"{engine.name}: a request failed: {mine}")
    context.close()
    return out


def measure_runs(browser, engine: Engine, base: str, slow: bool = False) -> dict:
    """:func:`measure` in ``RUNS`` fresh contexts; timings are medians (the bytes do not vary)."""
    runs = [measure(browser, engine, base, slow) for _ in range(RUNS)]
    out = runs[0]
    for number, query in enumerate(out["queries"]):
        for name in ("total", "after_data"):
            query[name] = statistics.median(run["queries"][number][name] for run in runs)
    return out


def twins(browser, engine: Engine, base: str) -> list[dict]:
    context = browser.new_context()
    page = context.new_page()
    page.goto(base + engine.page_path, wait_until="load")
    found = []
    for traditional, simplified in TWINS:
        engine.submit(page, traditional)
        t_ids = engine.ids(page)
        engine.submit(page, simplified)
        s_ids = engine.ids(page)
        found.append({"traditional": traditional, "simplified": simplified, "t": len(t_ids), "s": len(s_ids),
                      "same": t_ids == s_ids})  # fmt: skip
    context.close()
    return found


# --- the run ---------------------------------------------------------------------------------


def ensure_pagefind() -> None:
    if importlib.util.find_spec("pagefind_bin_extended") is None:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "pagefind[extended]>=1.3,<2"], check=True)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def folder_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def kb(n: float) -> str:
    return f"{n / 1024:.1f} KB"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, help="an existing home to bench (else one is generated)")
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/linli-search-bench"))
    parser.add_argument("--reuse", action="store_true", help="keep a generated home and its built site")
    parser.add_argument("--report", type=Path, help="only print the table of a results.json written before")
    args = parser.parse_args(argv)
    if args.report:
        report(json.loads(args.report.read_text(encoding="utf-8")))
        return
    ensure_pagefind()
    from playwright.sync_api import sync_playwright

    results: dict = {}
    if args.home:
        home = Home.open(args.home)
    else:
        root = args.workdir / f"home-{args.items}"
        if root.exists() and not args.reuse:
            shutil.rmtree(root)
        home = Home.open(root) if root.exists() else generate(root, args.items)
    db.connect(home.database_url)
    site = home.site_dir
    if not (args.reuse and (site / "search" / "index.html").is_file()):
        started = time.perf_counter()
        built = build(home, now=NOW)
        print(f"site built: {built.pages} pages in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    started, cpu = time.perf_counter(), time.process_time()
    static = build_static_index(NOW, home)
    results["linli_build"] = time.perf_counter() - started
    results["linli_build_cpu"] = time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    documents = rebuild_index(home, NOW)
    results["whoosh_build"] = time.perf_counter() - started
    results["whoosh_build_cpu"] = time.process_time() - cpu
    results["documents"] = documents

    shutil.rmtree(site / "pagefind", ignore_errors=True)
    started, cpu = time.perf_counter(), children_cpu()
    done = subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(site), "--root-selector", "main", "--glob",
         "{" + PREFIXES + "}/*/index.html"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    results["pagefind_build"] = time.perf_counter() - started
    results["pagefind_build_cpu"] = children_cpu() - cpu
    results["pagefind_log"] = [line for line in done.stdout.splitlines() if "Indexed" in line or "pages" in line]
    (site / "pagefind-bench").mkdir(exist_ok=True)
    (site / "pagefind-bench" / "index.html").write_text(PAGEFIND_PAGE % {"shown": SHOWN}, encoding="utf-8")

    ours = [p for p in (site / "search").iterdir() if p.name.startswith("search-") or p.name == "i"]
    results["linli_size"] = sum(folder_size(p)[0] if p.is_dir() else p.stat().st_size for p in ours)
    results["linli_files"] = sum(folder_size(p)[1] if p.is_dir() else 1 for p in ours)
    assert results["linli_size"] >= static.size * 0.99
    results["pagefind_size"], results["pagefind_files"] = folder_size(site / "pagefind")

    engines = [Linli(), Pagefind()]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for compress in (False, True):
            server, base = serve(site, compress)
            for engine in engines:
                key = f"{engine.name}/{'gzip' if compress else 'plain'}"
                results[key] = measure_runs(browser, engine, base)
                if compress:
                    results[key + "/slow"] = measure_runs(browser, engine, base, slow=True)
                    results[f"{engine.name}/twins"] = twins(browser, engine, base)
            server.shutdown()
            server.server_close()
        browser.close()
    args.workdir.mkdir(parents=True, exist_ok=True)
    (args.workdir / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    report(results)


def report(r: dict) -> None:
    rows: list[tuple[str, str, str, str, str]] = []

    def row(label, linli, pagefind, ratio="", target=""):
        rows.append((label, linli, pagefind, ratio, target))

    def ratio(a, b):
        return f"{b / a:.1f}×" if a else ""

    pages = next((line.split()[1] for line in r["pagefind_log"] if line.strip().startswith("Indexed") and "pages" in line), "?")
    row("documents indexed", str(r["documents"]), f"{pages} pages")
    row("index build, wall time", f"{r['linli_build']:.1f} s (Whoosh {r['whoosh_build']:.1f} s)",
        f"{r['pagefind_build']:.1f} s", ratio(r["linli_build"], r["pagefind_build"]))  # fmt: skip
    row("index build, CPU time", f"{r['linli_build_cpu']:.1f} s (Whoosh {r['whoosh_build_cpu']:.1f} s)",
        f"{r['pagefind_build_cpu']:.1f} s", ratio(r["linli_build_cpu"], r["pagefind_build_cpu"]))  # fmt: skip
    row("index size on disk", f"{kb(r['linli_size'])} in {r['linli_files']} files",
        f"{kb(r['pagefind_size'])} in {r['pagefind_files']} files", ratio(r["linli_size"], r["pagefind_size"]))  # fmt: skip
    for mode in ("plain", "gzip"):
        a, b = r[f"Linli/{mode}"]["queries"], r[f"Pagefind/{mode}"]["queries"]
        row(f"first query «{a[0]['q']}» ({mode}): bytes", kb(a[0]["bytes"]), kb(b[0]["bytes"]),
            ratio(a[0]["bytes"], b[0]["bytes"]), "≤ 40 KB")  # fmt: skip
        row(f"first query ({mode}): requests", str(a[0]["requests"]), str(b[0]["requests"]))
        la, lb = a[1:], b[1:]
        med_a, med_b = statistics.median(q["bytes"] for q in la), statistics.median(q["bytes"] for q in lb)
        row(f"later queries ({mode}): bytes, median / max", f"{kb(med_a)} / {kb(max(q['bytes'] for q in la))}",
            f"{kb(med_b)} / {kb(max(q['bytes'] for q in lb))}", ratio(med_a, med_b), "≤ 10 KB")  # fmt: skip
        row(f"later queries ({mode}): requests, median / max",
            f"{statistics.median(q['requests'] for q in la):g} / {max(q['requests'] for q in la)}",
            f"{statistics.median(q['requests'] for q in lb):g} / {max(q['requests'] for q in lb)}")  # fmt: skip
    for mode in ("gzip", "gzip/slow"):
        a, b = r[f"Linli/{mode}"]["queries"], r[f"Pagefind/{mode}"]["queries"]
        label = "loopback" if mode == "gzip" else f"slow 3G, CPU/{SLOW_CPU}"
        row(f"results after data arrives ({label}), first / later max",
            f"{a[0]['after_data']:.0f} / {max(q['after_data'] for q in a[1:]):.0f} ms",
            f"{b[0]['after_data']:.0f} / {max(q['after_data'] for q in b[1:]):.0f} ms", "", "≤ 50 ms")  # fmt: skip
        row(f"submit → results ({label}), first / later median",
            f"{a[0]['total']:.0f} / {statistics.median(q['total'] for q in a[1:]):.0f} ms",
            f"{b[0]['total']:.0f} / {statistics.median(q['total'] for q in b[1:]):.0f} ms",
            ratio(a[0]["total"], b[0]["total"]))  # fmt: skip
    for a, b in zip(r["Linli/twins"], r["Pagefind/twins"]):
        row(f"{a['traditional']} = {a['simplified']}?", f"{'yes' if a['same'] else 'NO'} ({a['t']} / {a['s']})",
            f"{'yes' if b['same'] else 'NO'} ({b['t']} / {b['s']})", "", "same")  # fmt: skip
    row("search page HTML (gzip)", kb(r["Linli/gzip"]["page_html"]), kb(r["Pagefind/gzip"]["page_html"]))
    widths = [max(len(x[i]) for x in rows + [("metric", "Linli", "Pagefind", "Pagefind/Linli", "target")])
              for i in range(5)]  # fmt: skip
    header = ("metric", "Linli", "Pagefind", "Pagefind/Linli", "target")
    for line in [header, tuple("-" * w for w in widths), *rows]:
        print("| " + " | ".join(cell.ljust(w) for cell, w in zip(line, widths)) + " |")
    first = r["Linli/gzip"]["queries"][0]
    print(f"\nLinli first query files (gzip): {', '.join(first['files'])}")
    print(f"Linli «{first['q']}» top titles: {first['titles'][:3]}")
    print(f"Pagefind «{first['q']}» top titles: {r['Pagefind/gzip']['queries'][0]['titles'][:3]}")


if __name__ == "__main__":
    main()
