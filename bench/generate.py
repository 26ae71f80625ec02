"""A synthetic community of N notices (and every other type in proportion) for the benchmarks.

The text is the demo community's (:mod:`linli.demo`: realistic Chinese notices, guides, stories of
typical length), varied per copy: building numbers, dates and titles change, publication dates
spread over six years, some notices expire into the archive, a few are drafts or in the trash.
Albums get photos drawn like the demo's (:func:`linli.demo_photos.scene`; distinct JPEGs, stored
through :func:`linli.media.store_image` with their renditions). The Whoosh index is made at the end, as
the admin would have kept it while staff saved (``index=False`` leaves it to be made later).

Two corpora: ``short`` (the default) copies the demo's notices; ``long`` gives every generated
notice an article-like body instead (news reporting of community life, 3–8 paragraphs, about
1,500–2,500 characters: :mod:`bench.long_articles`), the other types as in ``short``.

Proportions per N notices: services N/50, places N/50, volunteer teams N/500 (at least 5),
stories N/20, wishes N/50, events N/20, albums N/100 with 4-8 photos each; grids and pages are
the demo's. Usage::

    python -m bench.generate HOME_DIR N [--corpus short|long] [--no-photos] [--no-index]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import re
import sys
import time
from pathlib import Path

from bench.long_articles import article
from linli import db
from linli import models as m
from linli.demo import fill_demo
from linli.demo_photos import scene
from linli.home import Home
from linli.media import store_image
from linli.publicity import public
from linli.search.engine import rebuild_index
from linli.slugs import slugify

SEED = 5
NOW = dt.datetime(2026, 11, 25, 10, 0, 0)  # the benchmark's "now": dates of the content hang on it
PLACES = ["东院", "西院", "幸福嘉园", "平房院落", "南门", "北区"]
PHOTO_KINDS = ["fair", "street", "park", "elder", "dragon", "movie", "lecture", "repair", "fair_night"]
_NUMBER = re.compile(r"(?<![\d-])(\d{1,2})(?=号楼|单元|层|户|日|月|时)")


def _vary(text: str, rng: random.Random) -> str:
    """The same text with other building, unit, floor and date numbers."""
    return _NUMBER.sub(lambda match: str(rng.randint(1, 28)), text)


def _copy(row, rng: random.Random, number: int, when: dt.datetime) -> dict:
    """The fields of demo ``row`` as a new item numbered ``number`` dated ``when``."""
    data = {k: v for k, v in row.__data__.items() if k not in ("id", "slug")}
    place = rng.choice(PLACES)
    title = _vary(row.title, rng)
    data["title"] = f"{title}（{place}·{when.year}年第{number}期）"[:200]
    data["slug"] = f"{slugify(title)[:30]}-{number}"
    for field in ("body", "summary", "steps", "who_qualifies", "how_to_join"):
        if isinstance(data.get(field), str):
            data[field] = _vary(data[field], rng)
    data["status"] = m.PUBLISHED
    data["internal_note"] = ""
    data["created_at"] = when - dt.timedelta(hours=rng.randint(1, 48))
    data["updated_at"] = when
    data["publish_at"] = when
    data["expires_at"] = None
    data["deleted_at"] = None
    data["version"] = 1
    return data


def _insert(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), 200):
        model.insert_many(rows[start : start + 200]).execute()


CORPORA = ("short", "long")


def generate(root: Path, n: int, *, now: dt.datetime = NOW, photos: bool = True, corpus: str = "short",
             index: bool = True) -> dict[str, int]:  # fmt: skip
    """Create a home at ``root`` holding about ``n`` notices and the rest in proportion."""
    if corpus not in CORPORA:
        raise ValueError(f"corpus must be one of {CORPORA}, not {corpus!r}")
    started = time.perf_counter()
    home = Home.create(root)
    database = db.connect(home.database_url)
    fill_demo(home, now, photos=photos)
    rng = random.Random(SEED)
    days = 6 * 365

    def when() -> dt.datetime:
        return now - dt.timedelta(days=rng.randint(0, days), hours=rng.randint(0, 12), minutes=rng.randint(0, 59))

    demo = {model: [r for r in public(model, now, include="all") if not getattr(r, "urgent", False)]
            for model in m.CONTENT_MODELS}  # fmt: skip
    counts = {}
    with database.atomic():
        notices = []
        for i in range(max(0, n - m.Notice.select().count())):
            at = when()
            data = _copy(rng.choice(demo[m.Notice]), rng, i, at)
            data["pinned"] = False
            if corpus == "long":
                subject, category, summary, body = article(rng)
                data["title"] = f"{subject}：{data['title']}"[:200]
                data.update(category=category, summary=summary, body=body)
            draw = rng.random()
            if draw < 0.25:  # an expired notice: most stay in the archive
                data["expires_at"] = at + dt.timedelta(days=rng.randint(3, 30))
                data["keep_after_expiry"] = rng.random() < 0.9
            elif draw < 0.28:
                data["status"] = m.DRAFT
            elif draw < 0.29:
                data["deleted_at"] = at
            notices.append(data)
        _insert(m.Notice, notices)
        counts["Notice"] = m.Notice.select().count()
        teams = list(m.VolunteerTeam.select())
        for model, share in ((m.Service, 50), (m.Place, 50), (m.VolunteerTeam, 500), (m.Story, 20),
                             (m.Wish, 50), (m.Event, 20)):  # fmt: skip
            rows = []
            for i in range(max(0, n // share - model.select().count())):
                at = when()
                data = _copy(rng.choice(demo[model]), rng, i, at)
                if model is m.Story:
                    data["team"] = rng.choice(teams).id
                    data["cover"] = ""
                if model is m.Place:
                    data["photo"] = ""
                if model is m.Event:
                    data["starts_at"] = at + dt.timedelta(days=rng.randint(1, 20))
                    data["ends_at"] = data["starts_at"] + dt.timedelta(hours=2)
                rows.append(data)
            _insert(model, rows)
            counts[model.__name__] = model.select().count()
    events = list(m.Event.select(m.Event.id))
    albums = max(0, n // 100 - m.Album.select().count())
    photo_rng = random.Random(SEED + 1)
    for i in range(albums):
        at = when()
        with database.atomic():
            album = m.Album.create(
                title=f"{rng.choice(PLACES)}活动照片（{at.year}年{at.month}月第{i}组）",
                slug=f"album-{at:%Y%m}-{i}",
                status=m.PUBLISHED,
                summary="志愿者拍下的活动现场，欢迎居民找找自己。",
                taken_on=at.date(),
                event=rng.choice(events).id if events else None,
                publish_at=at,
                created_at=at,
                updated_at=at,
            )
            if photos:
                for position in range(rng.randint(4, 8)):
                    image = scene(photo_rng.choice(PHOTO_KINDS), 640, 427, photo_rng)
                    buffer = io.BytesIO()
                    image.save(buffer, "JPEG", quality=85)
                    stored = store_image(home.media_dir, buffer.getvalue())
                    m.Photo.create(album=album, file=stored.path, width=stored.width, height=stored.height,
                                   caption=f"活动现场 {position + 1}", position=position, created_at=at)  # fmt: skip
    counts["Album"] = m.Album.select().count()
    counts["Photo"] = m.Photo.select().count()
    if index:
        rebuild_index(home, now)  # the admin keeps the Whoosh index up to date as staff save
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.partition("\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("n", type=int)
    parser.add_argument("--corpus", choices=CORPORA, default="short")
    parser.add_argument("--no-photos", dest="photos", action="store_false")
    parser.add_argument("--no-index", dest="index", action="store_false", help="leave the Whoosh index unmade")
    args = parser.parse_args(argv)
    if (args.root / "linli.toml").exists():
        raise SystemExit(f"{args.root} exists already")
    print(generate(args.root, args.n, photos=args.photos, corpus=args.corpus, index=args.index))


if __name__ == "__main__":
    main(sys.argv[1:])
