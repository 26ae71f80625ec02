"""Share posters: CPU time and size of drawing them, for the notices of a bench home.

Draws the poster of each of the first ``--count`` notices (as a home without ``base_url`` draws
them: no QR code, the long summary) a few times and prints the best run's CPU time a poster and
the posters' mean size. The summaries are made first, outside the timing.

    python -m bench.poster_bench [--home bench/.work/home-long-10000] [--count 600] [--runs 3]
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from pathlib import Path

from linli import markup, share

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=ROOT / "bench" / ".work" / "home-long-10000")
    parser.add_argument("--count", type=int, default=600)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    font = share.find_font().path
    if not font:
        parser.error(share.NO_FONT)
    database = args.home / "content" / "linli.db"
    if not database.exists():
        parser.error(f"no bench home at {args.home}: run python -m bench.build_bench first (it makes them)")
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT title, body FROM notice ORDER BY id LIMIT ?", (args.count,)).fetchall()
    texts = [
        share.PosterText("幸福里社区", "通知公告", title, (("发布日期", "2026年11月25日"),),
                         markup.plain_text(body, share.LONG_SUMMARY_LIMIT), "/notices/x/", "详情请看社区网站")
        for title, body in rows
    ]  # fmt: skip
    for text in texts[:50]:  # (glyphs rasterized once per process, as in a build)
        share.draw_poster(text, font)
    best, sizes = float("inf"), []
    for _ in range(args.runs):
        started = time.process_time()
        sizes = [len(share.draw_poster(text, font)) for text in texts]
        best = min(best, time.process_time() - started)
    print(f"{len(texts)} posters: {best / len(texts) * 1000:.2f} ms of CPU a poster (best of {args.runs}), "
          f"{sum(sizes) / len(sizes) / 1024:.1f} KB on average")  # fmt: skip


if __name__ == "__main__":
    main()
