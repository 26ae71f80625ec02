"""The admin's Whoosh index made from nothing: seconds and peak memory, per corpus and size.

For each size N and corpus (:mod:`bench.generate`: ``short`` copies the demo's notices, ``long``
has article-length notices) a home is generated once without photos and without an index (kept
in the work folder); then a fresh child process removes ``search_index/`` and runs
:func:`linli.search.engine.rebuild_index`, as the admin does when it finds no index (a build
makes it from the term counts its static index has just made, without analysing again). Printed: the
rebuild's wall and CPU seconds (its writer processes' too), the child's whole run, and the peak memory of its process tree
(PSS summed over the child and any writer processes, sampled every 20 ms).

    python -m bench.index_bench --size 10000 --corpus long [--corpus short] [--work bench/.work]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.build_bench import NOW, ROOT, measure


def child(home_path: str) -> None:
    from linli import db
    from linli.home import Home
    from linli.search.engine import rebuild_index

    home = Home.open(home_path)
    db.connect(home.database_url)
    shutil.rmtree(home.search_index_dir, ignore_errors=True)
    started, cpu = time.perf_counter(), _cpu()
    count = rebuild_index(home, NOW)
    print(json.dumps({"seconds": time.perf_counter() - started, "cpu": _cpu() - cpu, "documents": count}))


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the writer processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run(size: int, corpus: str, work: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    home = work / f"home-{corpus}-{size}"
    if not (home / "linli.toml").exists():
        shutil.rmtree(home, ignore_errors=True)
        print(f"generating {home} …", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "bench.generate", str(home), str(size), "--corpus", corpus,
                        "--no-photos", "--no-index"], check=True, env=env, cwd=ROOT)  # fmt: skip
    return measure([sys.executable, "-m", "bench.index_bench", "--child", str(home)], env=env, cwd=ROOT)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.index_bench", description=__doc__.partition("\n")[0])
    parser.add_argument("--size", type=int, nargs="+", default=[10_000])
    parser.add_argument("--corpus", choices=("short", "long"), action="append")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / ".work")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"{'corpus':<7} {'notices':>8} {'documents':>10} {'index s':>8} {'cpu s':>7} {'process s':>10} {'peak MB':>8}")
    for size in args.size:
        for corpus in args.corpus or ["long", "short"]:
            r = run(size, corpus, args.work)
            print(f"{corpus:<7} {size:>8} {r['documents']:>10} {r['seconds']:>8.1f} {r['cpu']:>7.1f} "
                  f"{r['process']:>10.1f} {r['peak_mb']:>8.0f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
