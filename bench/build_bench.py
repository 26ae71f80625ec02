"""Build speed, side by side in one run: Linli (full, edit, photo) against Hugo on the same notices.

For each size N (notices; other types in proportion, see :mod:`bench.generate`) this makes a
synthetic home once (kept in the work folder), then runs every scenario in a fresh child process
and prints a table: wall time, pages, pages per second, peak memory of the whole process tree
(proportional set size summed over the build and its workers, sampled every 20 ms for the first
second, then every 100 ms) and the ratio to Hugo.

- ``linli full (cold)``: no site, no caches, no admin index (the first build after ``linli import``:
  Markdown and templates rendered from nothing, the Whoosh index made).
- ``linli full (warm)``: no site and no manifest, but the rendered-Markdown and compiled-template
  caches of an earlier build are there (every full build after the first).
- ``linli edit 1 notice``: one notice's title and body edited, then a rebuild (``--repeat`` runs,
  each a new edit; the median is shown, every run's time below the table).
- ``linli add 1 photo``: a new JPEG stored (with renditions) into an album, then a rebuild (same).
- ``linli next day, nothing edited``: a rebuild a day after the last, nothing edited (the daily
  build): only pages whose content the time decides are rendered (items expiring, coming due,
  events ending in that day); the files it wrote are what a deploy then uploads. In the bench's
  content (the demo's) an urgent notice, shown on every page, expires that night: so
  ``linli day after, nothing edited`` is the next day's rebuild again, a day later, when only
  one ordinary notice expires.
- ``hugo``: ``hugo`` building the same public notices as Markdown with a minimal theme that makes
  the same pages (home, one page per notice, the paginated list, per-category lists); run
  before and after the Linli scenarios, the faster run counts.

After them, what the design's own libraries cost alone on the same home (:mod:`bench.floor`:
Frozen-Flask freezing every URL of the site with constant bodies, stock and with the test client
the build gives it, Python-Markdown on every notice's body, the share posters drawn), printed
against Hugo below the table: no build of Linli can take less than its libraries' part.

"live" is from the build's start until the new ``site/`` is in place (what a resident sees); "time"
is the whole build (then the admin's Whoosh index is brought up to date), as the admin's publish
button runs it in a running process; "process" adds starting Python and importing Linli, what
``linli build`` on the command line costs: the child imports the build and ends as ``linli``
does (:func:`linli.cli.long_lived`, :func:`linli.cli.end_quickly`), from Linli's compiled
bytecode as an installed ``linli`` does (compiled first; ``PYTHONDONTWRITEBYTECODE`` is not
passed on to the children). Nothing is deleted until every size and corpus of a run is done (the
trees a scenario drops, such as the site before the warm build, wait in the work folder's
``.trash``; see :func:`_discard`; ``--keep-trash`` leaves it for a run that follows at once).

    python -m bench.build_bench --sizes 1000 10000 [--corpus long short] [--work bench/.work]

Each home is generated once as after ``linli import`` (no Whoosh index: the cold build makes it).
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 11, 25, 10, 0, 0)


# --- measuring a process tree -------------------------------------------------------------------


def _tree_memory(root: int) -> int:
    """Memory (bytes) of ``root`` and all its descendants: the sum of their proportional set
    sizes (PSS), so pages that forked workers share with their parent count once."""
    total = 0
    for pid in _descendants(root):
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
                for line in f:
                    if line.startswith(b"Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError):
            continue
    return total


def _descendants(root: int) -> list[int]:
    """``root`` and every process it started, and they started, from each thread's
    ``/proc/<pid>/task/<tid>/children`` (no listing of every process of the machine)."""
    members, frontier = [root], [root]
    while frontier:
        pid = frontier.pop()
        try:
            threads = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for thread in threads:
            try:
                with open(f"/proc/{pid}/task/{thread}/children", "rb") as f:
                    children = [int(child) for child in f.read().split()]
            except (OSError, ValueError):
                continue
            members += children
            frontier += children
    return members


#: Seconds between two samples of a measured command's memory: often at first (an edit's build
#: lasts a fraction of a second), then less (reading a process's PSS walks its page tables:
#: ~8 ms of CPU for a 10,000-notice build and its workers, taken from the 2 cores it runs on).
SAMPLE_FIRST, SAMPLE_THEN, SAMPLE_SWITCH = 0.02, 0.1, 1.0


def measure(command: list[str], **kwargs) -> dict:
    """Run ``command``; its wall time, peak tree RSS (MB) and its stdout's last JSON line."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, **kwargs)
    peak = 0
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_memory(process.pid))
            done.wait(SAMPLE_FIRST if time.perf_counter() - started < SAMPLE_SWITCH else SAMPLE_THEN)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = process.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode:
        raise SystemExit(f"{command} failed ({process.returncode})")
    result = {"process": wall, "peak_mb": peak / 1e6}
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if lines:
        result.update(json.loads(lines[-1]))
    return result


# --- the scenarios, each in a child process --------------------------------------------------------


def child(scenario: str, home_path: str) -> None:
    import atexit

    if scenario.startswith("floor-"):  # (what the design's libraries cost alone: bench/floor.py)
        import warnings

        from bench import floor

        warnings.filterwarnings("ignore", "Nothing frozen", Warning)  # (its one view has no generator)
        home = Path(home_path)
        floor.child(scenario.removeprefix("floor-"), home_path, NOW + dt.timedelta(days=2),
                    _hugo_site(home.parent, home.name.removeprefix("run-")) / "public", home / "floor-site")  # fmt: skip
        return

    from linli import db
    from linli import models as m
    from linli.cli import end_quickly, long_lived
    from linli.home import Home

    atexit.register(end_quickly)  # (as the ``linli`` command ends)
    with long_lived():  # (as the ``linli build`` command imports the build)
        from linli.build import build

    home = Home.open(home_path)
    db.connect(home.database_url)
    if scenario == "edit":
        notice = (  # a typical notice: not urgent or pinned (those are on every page)
            m.Notice.select()
            .where((m.Notice.status == m.PUBLISHED) & (m.Notice.urgent == False) & (m.Notice.pinned == False)  # noqa: E712
                   & m.Notice.expires_at.is_null() & m.Notice.deleted_at.is_null())
            .order_by(m.Notice.id.desc())
            .first()
        )  # fmt: skip
        notice.title += "（已更正）"
        notice.body = notice.body.replace("。", "！", 1) + "\n\n（本通知已更正错别字。）\n"
        notice.save()
    elif scenario == "photo":
        from linli.demo_photos import scene
        from linli.media import store_image

        import random

        image = scene("park", 640, 427, random.Random(time.time_ns()))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=85)
        album = m.Album.select().where(m.Album.status == m.PUBLISHED).order_by(m.Album.id).first()
        stored = store_image(home.media_dir, buffer.getvalue())
        m.Photo.create(album=album, file=stored.path, width=stored.width, height=stored.height, caption="新上传",
                       position=99)  # fmt: skip
    started = time.perf_counter()
    result = build(home, now=NOW + dt.timedelta(days={"nextday": 1, "dayafter": 2}.get(scenario, 0)))
    print(json.dumps({"time": time.perf_counter() - started, "live": result.live_seconds, "pages": result.pages,
                      "rendered": result.rendered, "removed": result.removed,
                      "written": result.written, "phases": {k: round(v, 2) for k, v in result.timings.items()}}))  # fmt: skip


# --- Hugo --------------------------------------------------------------------------------------------

HUGO_LAYOUTS = {
    "_default/baseof.html": """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ .Title }} - {{ .Site.Title }}</title>
<meta name="description" content="{{ with .Description }}{{ . }}{{ else }}{{ .Summary | plainify }}{{ end }}">
<link rel="stylesheet" href="{{ "css/site.css" | relURL }}"></head><body>
<header><a href="{{ "/" | relURL }}">{{ .Site.Title }}</a><nav><a href="{{ "notices/" | relURL }}">通知公告</a></nav></header>
<main>{{ block "main" . }}{{ end }}</main><footer>{{ .Site.Title }} 更新于 {{ now.Format "2006年1月2日" }}</footer></body></html>""",
    "_default/single.html": """{{ define "main" }}<article><h1>{{ .Title }}</h1>
<p class="meta">{{ .Date.Format "2006年1月2日" }}{{ range .Params.categories }} · <a href="{{ (printf "categories/%s/" (urlize .)) | relURL }}">{{ . }}</a>{{ end }}</p>
{{ .Content }}</article>{{ end }}""",
    "_default/list.html": """{{ define "main" }}<h1>{{ .Title }}</h1>
{{ $pages := .Paginate .Pages.ByDate.Reverse 20 }}<ul>{{ range $pages.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>
<p>{{ .Date.Format "2006年1月2日" }} · {{ delimit .Params.categories "、" }}</p><p>{{ .Params.summary }}</p></li>{{ end }}</ul>
{{ template "_internal/pagination.html" . }}{{ end }}""",
    "_default/terms.html": """{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Data.Terms.ByCount }}
<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> {{ .Count }}</li>{{ end }}</ul>{{ end }}""",
    "index.html": """{{ define "main" }}<h1>{{ .Site.Title }}</h1><ul>{{ range first 8 (where .Site.RegularPages "Section" "notices").ByDate.Reverse }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}""",
    "404.html": """{{ define "main" }}<h1>页面不存在</h1>{{ end }}""",
}


def make_hugo_site(home_path: Path, target: Path) -> int:
    """The home's public notices as a Hugo site; returns how many."""
    from linli import db
    from linli import models as m
    from linli.home import Home
    from linli.publicity import public

    home = Home.open(home_path)
    db.connect(home.database_url)
    shutil.rmtree(target, ignore_errors=True)
    (target / "content" / "notices").mkdir(parents=True)
    (target / "static" / "css").mkdir(parents=True)
    (target / "static" / "css" / "site.css").write_bytes((ROOT / "themes/default/static/css/site.css").read_bytes())
    (target / "config.toml").write_text(
        'baseURL = "/"\ntitle = "幸福里社区"\nlanguageCode = "zh-CN"\nhasCJKLanguage = true\n'
        'relativeURLs = true\ndisableKinds = ["RSS", "sitemap"]\npaginate = 20\n'
        '[taxonomies]\ncategory = "categories"\n',
        encoding="utf-8",
    )
    (target / "content" / "notices" / "_index.md").write_text("---\ntitle: 通知公告\n---\n", encoding="utf-8")
    for rel, text in HUGO_LAYOUTS.items():
        (target / "layouts" / rel).parent.mkdir(parents=True, exist_ok=True)
        (target / "layouts" / rel).write_text(text, encoding="utf-8")
    count = 0
    for notice in public(m.Notice, NOW, include="all").iterator():
        front = {"title": notice.title, "date": notice.date.isoformat(), "categories": [notice.category],
                 "summary": notice.summary, "slug": notice.slug}  # fmt: skip
        (target / "content" / "notices" / f"{notice.id}.md").write_text(
            "---\n" + json.dumps(front, ensure_ascii=False) + "\n---\n" + notice.body, encoding="utf-8"
        )
        count += 1
    return count


# --- the run -------------------------------------------------------------------------------------------


def _discard(path: Path, trash: Path) -> None:
    """Move ``path`` (if it exists) into ``trash``, deleted when the whole run ends: ext4 without
    a journal (as on the machine this bench runs on) passes over every inode freed in the last
    minute (six, while the block holding it is dirty) each time it makes a file, one by one, so a
    build made after many files were deleted spends much of its time in the kernel."""
    if path.exists():
        trash.mkdir(exist_ok=True)
        path.rename(trash / f"{len(list(trash.iterdir()))}-{path.name}")


def _hugo_site(work: Path, size) -> Path:
    return work / f"hugo-{size}"


def run(size: int, work: Path, repeat: int = 3, corpus: str = "short") -> tuple[list[tuple], dict]:
    python = sys.executable
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # (an installed linli runs from compiled bytecode)
    compileall.compile_dir(ROOT / "linli", quiet=1)
    generated = work / (f"home-{size}" if corpus == "short" else f"home-{corpus}-{size}")
    if not (generated / "linli.toml").exists():
        shutil.rmtree(generated, ignore_errors=True)
        print(f"generating {size} ({corpus}) …", file=sys.stderr)
        subprocess.run([python, "-m", "bench.generate", str(generated), str(size), "--corpus", corpus, "--no-index"],
                       check=True, env=env, cwd=ROOT)  # fmt: skip
    home, hugo_site, trash = work / f"run-{size}", _hugo_site(work, size), work / ".trash"
    _discard(home, trash)
    _discard(hugo_site, trash)
    # as after `linli import`: no site, no build caches, no admin index (the first build makes it)
    shutil.copytree(generated, home, ignore=shutil.ignore_patterns("site", ".build-*", "search_index"))

    def linli(scenario: str) -> dict:
        return measure([python, "-m", "bench.build_bench", "--child", scenario, str(home)], env=env, cwd=ROOT)

    notices = make_hugo_site(home, hugo_site)

    def hugo() -> dict:
        _discard(hugo_site / "public", trash)
        return measure(["hugo", "--quiet", "-s", str(hugo_site), "-d", str(hugo_site / "public")])

    hugo_first = hugo()  # Hugo runs first and last; the faster run counts (the machine is shared)
    rows = []
    rows.append(("linli full (cold)", linli("full")))
    _discard(home / "site", trash)
    (home / ".build-cache" / "manifest.pickle").unlink()
    rows.append(("linli full (warm)", linli("full")))
    for name, scenario in (("linli edit 1 notice", "edit"), ("linli add 1 photo", "photo")):
        runs = sorted((linli(scenario) for _ in range(repeat)), key=lambda r: r["time"])
        median = dict(runs[len(runs) // 2])  # the machine is shared: the median of a few runs counts
        median["spread"] = [round(r["time"], 2) for r in runs]
        median["live_spread"] = sorted(round(r["live"], 2) for r in runs)
        rows.append((name, median))
    rows.append(("linli next day, nothing edited", linli("nextday")))  # (last: the site's clock moves on)
    rows.append(("linli day after, nothing edited", linli("dayafter")))
    last = hugo()
    best = min(hugo_first, last, key=lambda r: r["process"])
    best["time"] = best["process"]
    best["peak_mb"] = max(hugo_first["peak_mb"], last["peak_mb"])
    best["pages"] = sum(1 for _ in (hugo_site / "public").rglob("*.html"))
    rows.append((f"hugo ({notices} notices)", best))
    floors = {name: linli(f"floor-{name}") for name in ("freeze", "markdown", "posters")}
    _discard(home / "floor-site", trash)
    return rows, floors


def table(size: int, rows: list[tuple], corpus: str = "short", floors: dict | None = None) -> str:
    hugo = rows[-1][1]
    out = [f"\n{size} notices, {corpus} corpus ({os.cpu_count()} cores)",
           f"{'':31} {'live s':>7} {'time s':>8} {'process s':>9} {'pages':>7} {'rendered':>8} {'pages/s':>8} "
           f"{'peak MB':>8} {'time/hugo':>9} {'peak/hugo':>9}"]  # fmt: skip
    for name, r in rows:
        rendered = r.get("rendered", r["pages"])
        rate = rendered / r["time"] if r["time"] else 0
        live = f"{r['live']:7.2f}" if "live" in r else f"{'':7}"
        out.append(
            f"{name:31} {live} {r['time']:8.2f} {r['process']:9.2f} {r['pages']:7d} {rendered:8d} {rate:8.0f} "
            f"{r['peak_mb']:8.0f} {r['time'] / hugo['time']:9.2f} {r['peak_mb'] / hugo['peak_mb']:9.2f}"
        )
    for name, r in rows:
        if name.endswith(", nothing edited"):
            out.append(f"{name}: rendered {r['rendered']} of {r['pages']} pages, wrote {r['written']} files "
                       f"(what a deploy uploads), removed {r['removed']}")
        if "spread" in r:
            out.append(f"{name}: {len(r['spread'])} runs, time {r['spread']}, live {r['live_spread']} (median shown)")
    out.append("phases (s): " + "; ".join(
        f"{name}: " + ", ".join(f"{k} {v}" for k, v in r["phases"].items()) for name, r in rows if "phases" in r))
    if floors:
        out.append(floor_table(floors, hugo["time"]))
    return "\n".join(out)


def floor_table(floors: dict, hugo: float) -> str:
    """What the design's libraries cost alone on the same home (:mod:`bench.floor`), against Hugo."""
    freeze, md, posters = floors["freeze"], floors["markdown"], floors["posters"]
    rows = [
        (f"stock Frozen-Flask, constant pages ({freeze['count']} URLs)", freeze["time"], freeze["cpu"],
         freeze["count"]),
        ("Frozen-Flask with the build's page client, same pages", freeze["tuned_time"], freeze["tuned_cpu"],
         freeze["count"]),
        (f"Python-Markdown alone ({md['count']} notices' bodies)", md["time"], md["cpu"], md["count"]),
        ("Linli's Markdown (extensions, nh3), same bodies", md["linli_time"], md["linli_cpu"], md["count"]),
        (f"share posters drawn ({posters['count']})", posters["time"], posters["cpu"], posters["count"]),
    ]
    warm = freeze["tuned_time"]  # (the lower: the freezer as the build drives it)
    pages = warm + md["time"]
    first = pages + posters["time"]
    out = ["what the design's libraries cost alone, same home, every core (bench/floor.py):",
           f"{'':58} {'wall s':>7} {'CPU s':>7} {'CPU ms each':>11} {'wall/hugo':>9}"]  # fmt: skip
    for name, wall, cpu, count in rows:
        out.append(f"{name:58} {wall:7.2f} {cpu:7.2f} {cpu / count * 1000:11.3f} {wall / hugo:9.2f}")
    for name, wall in (("floor of a warm build (Frozen-Flask, the build's client)", warm),
                       ("floor of a first build without posters (+ Python-Markdown)", pages),
                       ("floor of a first build (+ Python-Markdown, posters)", first)):  # fmt: skip
        out.append(f"{name:58} {wall:7.2f} {'':7} {'':11} {wall / hugo:9.2f}")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / ".work")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the edit and photo scenarios (median shown)")
    parser.add_argument("--corpus", nargs="+", choices=("short", "long"), default=["short"],
                        help="notice texts: short (every type, short texts) and/or long (news-like articles)")
    parser.add_argument("--keep-trash", action="store_true",
                        help="leave what the run dropped in the work folder's .trash, for a run that follows at once")
    parser.add_argument("--child", nargs=2, metavar=("SCENARIO", "HOME"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    if shutil.which("hugo") is None:  # (the peer every scenario is compared with, run first)
        parser.error("Hugo is not installed: `apt-get install hugo` (Debian's), then run this again")
    args.work.mkdir(parents=True, exist_ok=True)
    for corpus in args.corpus:
        for size in args.sizes:
            rows, floors = run(size, args.work, args.repeat, corpus)
            print(table(size, rows, corpus, floors), flush=True)
    if not args.keep_trash:
        shutil.rmtree(args.work / ".trash", ignore_errors=True)


if __name__ == "__main__":
    main()
