"""The demo community: a fictional 「幸福里社区」 that shows every feature of Linli.

This module owns the demo content and nothing else: the text (all written for this project),
the generated photos (colourful scenes drawn with Pillow, no fonts, no external files) and the
dates, which are all anchored to ``now`` so that the demo always looks fresh: some notices expire
next week, some already sit in the archive, events are coming up in the next weeks and others
have photo albums. The community, its street office, district, people, addresses and phone
numbers are invented.

:func:`fill_demo` writes into an already-connected database (see :func:`linli.db.connect`) in
one transaction. It is deterministic for a given ``now``: the same titles, slugs, dates and
photos every time.

Content already moved to plain files lives in ``linli/demo_content/`` (the format of ``linli
export``, :mod:`linli.transfer`) and is read by the same import as ``linli import``; its items
carry no times, and are given ones anchored to ``now`` here.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections import Counter
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps

from linli import models as m
from linli.db import immediate_transaction
from linli.home import Home
from linli.media import StoredImage, store_file, store_image
from linli.transfer import TYPES, import_site

DEMO_CONTENT = Path(__file__).resolve().parent / "demo_content"
SEED = 20240610  # text choices and times
PHOTO_SEED = 19850301  # drawings; separate so photos=False does not change anything else

STAFF = ["王主任", "小李", "赵委员", "小周"]
WEEKDAYS = "一二三四五六日"

# Phones used across notices, services, grids and pages (all fictional).
OFFICE = "010-8765-4300"
HALL = "010-8765-4301"
PROPERTY = "010-8765-4388"  # 东院、西院物业
JIAYUAN_PROPERTY = "010-8765-4399"  # 幸福嘉园物业
CLINIC = "010-8765-4360"

# The grids: (name, short scope, area, buildings, [(member, role, work phone, private phone, duties)]).
GRIDS = [
    (
        "第一网格（东院北片）",
        "东院1—4号楼",
        "东院北片，约640户",
        ["东院1号楼", "东院2号楼", "东院3号楼", "东院4号楼"],
        [
            ("周晓梅", "leader", "010-8765-4311", "13900001311", "网格全面工作、低保和高龄老人走访"),
            ("李悦", "worker", "13800004321", "13900004321", "人口信息采集、青年志愿者联络"),
        ],
    ),
    (
        "第二网格（东院南片）",
        "东院5—8号楼、平房院落",
        "东院南片及平房院落，约710户",
        ["东院5号楼", "东院6号楼", "东院7号楼", "东院8号楼", "东院平房1—12号院"],
        [
            ("孙立军", "leader", "010-8765-4312", "13900001312", "网格全面工作、安全隐患巡查"),
            ("周磊", "worker", "13800004322", "13900004322", "平房院落走访、环境卫生"),
            ("王海燕", "worker", "13800004323", "13900004323", "残疾人和独居老人服务"),
        ],
    ),
    (
        "第三网格（西院）",
        "西院1—6号楼",
        "西院全部楼栋，约780户",
        ["西院1号楼", "西院2号楼", "西院3号楼", "西院4号楼", "西院5号楼", "西院6号楼"],
        [
            ("陈志刚", "leader", "010-8765-4313", "13900001313", "网格全面工作、物业协调"),
            ("杨帆", "worker", "13800004324", "13900004324", "流动人口登记、垃圾分类督导"),
        ],
    ),
    (
        "第四网格（幸福嘉园及沿街商户）",
        "幸福嘉园1—3栋、沿街商户",
        "幸福嘉园3栋高层及槐荫路沿街商户，约790户",
        ["幸福嘉园1栋", "幸福嘉园2栋", "幸福嘉园3栋", "槐荫路18—46号沿街商户"],
        [
            ("赵敏", "leader", "010-8765-4314", "13900001314", "网格全面工作、商户消防安全"),
            ("马丽", "worker", "13800004325", "13900004325", "高层住户走访、电梯安全"),
            ("何文", "helper", "13800004326", "13900004326", "沿街商户门前三包"),
        ],
    ),
]


def fill_demo(home: Home, now: dt.datetime | None = None, *, photos: bool = True) -> dict[str, int]:
    """Fill the connected database with the demo community; return rows created per model.

    ``now`` (naive local time) anchors every date. With ``photos=False`` no images are drawn:
    albums get no Photo rows and photo fields stay empty (for fast tests).
    """
    now = (now or m.now()).replace(microsecond=0)
    painter = _Painter(home) if photos else None
    filler = _Filler(now, painter)
    with immediate_transaction():
        filler.run()
        if DEMO_CONTENT.is_dir():
            filler.imported(import_site(home, DEMO_CONTENT))
    return dict(filler.counts)


# --- dates ----------------------------------------------------------------------------------


def _md(d: dt.date) -> str:
    return f"{d.month}月{d.day}日"


def _mdw(d: dt.date) -> str:
    return f"{d.month}月{d.day}日（星期{WEEKDAYS[d.weekday()]}）"


def _ymd(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _hm(t: dt.datetime) -> str:
    return f"{t.hour}:{t.minute:02d}"


def _saturday_on_or_before(d: dt.date) -> dt.date:
    return d - dt.timedelta(days=(d.weekday() - 5) % 7)


def _saturday_on_or_after(d: dt.date) -> dt.date:
    return d + dt.timedelta(days=(5 - d.weekday()) % 7)


def _last(today: dt.date, month: int, day: int, *, gap: int = 7) -> dt.date:
    """The latest ``month``/``day`` at least ``gap`` days before ``today``."""
    limit = today - dt.timedelta(days=gap)
    d = dt.date(limit.year, month, day)
    return d if d <= limit else dt.date(limit.year - 1, month, day)


def _first_sentence(body: str, limit: int = 120) -> str:
    """A share summary: the first real sentence of a Markdown body (greetings, lists skipped)."""
    for para in body.strip().split("\n\n"):
        text = "".join(line.strip() for line in para.splitlines()).replace("**", "")
        if len(text) < 20 or text.startswith(("|", "-", "#", "1.")):
            continue
        end = text.find("。")
        sentence = text[: end + 1] if end != -1 else text
        if sentence.endswith("："):
            sentence = sentence[:-1] + "。"
        return sentence if len(sentence) <= limit else sentence[: limit - 1] + "…"
    return ""


# --- photos ---------------------------------------------------------------------------------

SKIN = [(241, 204, 170), (229, 180, 139), (209, 157, 115), (236, 193, 156)]
HAIR = [(30, 26, 24), (52, 40, 33), (80, 80, 84), (200, 200, 205), (62, 48, 40)]
CLOTHES = [
    (200, 40, 45), (36, 90, 170), (240, 180, 40), (60, 140, 80), (130, 60, 150), (235, 120, 60),
    (90, 90, 100), (230, 230, 235), (40, 160, 170), (170, 110, 70), (250, 150, 170), (20, 40, 90),
]


def _gradient(w: int, h: int, top, bottom) -> Image.Image:
    return ImageOps.colorize(Image.linear_gradient("L").resize((w, h)), top, bottom)


def _shade(colour, factor: float):
    return tuple(max(0, min(255, int(c * factor))) for c in colour)


def _buildings(d: ImageDraw.ImageDraw, rng, w: int, ground: int, *, tall: int, night: bool = False) -> None:
    x = -rng.randint(0, 60)
    while x < w:
        bw = rng.randint(110, 230)
        bh = rng.randint(tall // 2, tall)
        base = rng.choice([(214, 200, 178), (190, 170, 150), (170, 178, 190), (225, 215, 200), (200, 160, 130)])
        colour = _shade(base, 0.35 if night else rng.uniform(0.85, 1.05))
        d.rectangle((x, ground - bh, x + bw, ground), fill=colour)
        d.rectangle((x, ground - bh, x + bw, ground - bh + 8), fill=_shade(colour, 0.8))
        for wy in range(ground - bh + 22, ground - 30, 34):
            for wx in range(x + 14, x + bw - 24, 30):
                lit = rng.random() < (0.55 if night else 0.15)
                glass = (250, 215, 120) if lit and night else ((150, 180, 205) if not night else (40, 45, 60))
                d.rectangle((wx, wy, wx + 16, wy + 20), fill=glass)
        x += bw + rng.randint(8, 40)


def _trees(d: ImageDraw.ImageDraw, rng, w: int, ground: int, n: int, size: int = 70) -> None:
    for _ in range(n):
        x = rng.randint(0, w)
        s = rng.randint(size // 2, size)
        d.rectangle((x - s // 10, ground - s, x + s // 10, ground), fill=(110, 80, 50))
        green = rng.choice([(60, 130, 60), (80, 150, 70), (50, 110, 55), (100, 160, 80)])
        for _ in range(3):
            dx, dy = rng.randint(-s // 3, s // 3), rng.randint(-s // 4, s // 6)
            r = rng.randint(s // 2, s * 2 // 3)
            d.ellipse((x + dx - r, ground - s - r + dy, x + dx + r, ground - s + r + dy), fill=green)


def _person(d: ImageDraw.ImageDraw, rng, x: int, feet: int, height: int, *, back: bool = False, dark=None) -> None:
    head = max(4, height // 8)
    shirt = dark or rng.choice(CLOTHES)
    trousers = dark or rng.choice([(40, 40, 60), (70, 70, 80), (30, 50, 90), (120, 100, 80)])
    shoulders = height // 4
    top = feet - height
    d.rectangle((x - shoulders // 2 + 3, feet - height * 2 // 5, x - 2, feet), fill=trousers)
    d.rectangle((x + 2, feet - height * 2 // 5, x + shoulders // 2 - 3, feet), fill=trousers)
    d.rounded_rectangle(
        (x - shoulders // 2, top + head * 2, x + shoulders // 2, feet - height * 2 // 5 + 4),
        radius=max(2, head // 2),
        fill=shirt,
    )
    face = dark or (rng.choice(HAIR) if back else rng.choice(SKIN))
    d.ellipse((x - head, top, x + head, top + head * 2), fill=face)
    if not back and not dark:
        d.chord((x - head, top, x + head, top + head * 2), 180, 360, fill=rng.choice(HAIR))


def _crowd(
    d: ImageDraw.ImageDraw, rng, w: int, near: int, far: int, n: int, *, back=False, dark=None, sizes=(90, 290)
) -> None:
    """``n`` people with feet between ``far`` and ``near``; nearer ones are drawn later and larger."""
    spots = sorted((rng.randint(far, near), rng.randint(-20, w + 20)) for _ in range(n))
    for feet, x in spots:
        depth = (feet - far) / max(1, near - far)
        _person(d, rng, x, feet, int(sizes[0] + (sizes[1] - sizes[0]) * depth), back=back, dark=dark)


def _lanterns(d: ImageDraw.ImageDraw, rng, w: int, y: int, n: int, *, glow: bool = False) -> None:
    d.line((0, y, w, y + rng.randint(-30, 30)), fill=(60, 40, 30), width=3)
    for i in range(n):
        x = int((i + 0.5) * w / n) + rng.randint(-10, 10)
        r = rng.randint(26, 40)
        cy = y + r + 12
        if glow:
            g = int(r * 1.4)
            d.ellipse((x - g, cy - g, x + g, cy + g), fill=(90, 40, 45))
        d.line((x, y, x, cy - r), fill=(60, 40, 30), width=2)
        d.ellipse((x - r, cy - int(r * 0.8), x + r, cy + int(r * 0.8)), fill=(220, 30, 35) if not glow else (255, 70, 50))
        d.rectangle((x - r // 2, cy - int(r * 0.8) - 6, x + r // 2, cy - int(r * 0.8)), fill=(230, 180, 40))
        d.rectangle((x - r // 2, cy + int(r * 0.8), x + r // 2, cy + int(r * 0.8) + 6), fill=(230, 180, 40))
        d.line((x, cy + int(r * 0.8) + 6, x, cy + int(r * 0.8) + 30), fill=(240, 190, 40), width=3)


def _banner(d: ImageDraw.ImageDraw, rng, box, colour=(200, 25, 30)) -> None:
    x0, y0, x1, y1 = box
    d.rectangle(box, fill=colour)
    n = rng.randint(7, 12)
    step = (x1 - x0 - 40) / n
    size = min(step * 0.7, (y1 - y0) * 0.6)
    for i in range(n):  # blocks standing in for characters
        cx = x0 + 20 + step * (i + 0.5)
        cy = (y0 + y1) / 2
        d.rectangle((cx - size / 2, cy - size / 2, cx + size / 2, cy + size / 2), fill=(250, 220, 90))
        d.rectangle((cx - size / 2 + 4, cy - 2, cx + size / 2 - 4, cy + 2), fill=colour)


def _lion(d: ImageDraw.ImageDraw, rng, x: int, ground: int, size: int) -> None:
    body = rng.choice([(225, 40, 35), (245, 170, 30), (230, 90, 30)])
    d.ellipse((x - size, ground - size, x + size * 1.4, ground - size * 0.2), fill=body)
    for i in range(6):
        sx = x - size + i * size * 0.4
        d.line((sx, ground - size * 0.9, sx + 20, ground - size * 0.3), fill=(250, 230, 120), width=6)
    d.ellipse((x - size * 1.3, ground - size * 1.5, x - size * 0.1, ground - size * 0.5), fill=body)
    d.ellipse((x - size * 1.45, ground - size * 1.6, x - size * 0.95, ground - size * 1.15), fill=(250, 250, 250))
    for ex in (x - size * 1.05, x - size * 0.6):
        d.ellipse((ex - 16, ground - size * 1.25, ex + 16, ground - size * 1.05), fill=(255, 255, 255))
        d.ellipse((ex - 7, ground - size * 1.2, ex + 7, ground - size * 1.1), fill=(20, 20, 20))
    d.chord((x - size * 1.1, ground - size * 0.95, x - size * 0.3, ground - size * 0.55), 0, 180, fill=(250, 250, 250))
    for lx in (x - size * 0.6, x - size * 0.2, x + size * 0.6, x + size):
        d.rectangle((lx - 10, ground - size * 0.3, lx + 10, ground), fill=(250, 210, 60))


def _scene(kind: str, w: int, h: int, rng) -> Image.Image:
    ground = int(h * rng.uniform(0.58, 0.7))
    if kind in ("fair", "street", "election", "facade", "park", "elder"):
        top = rng.choice([(70, 130, 210), (100, 160, 230), (140, 180, 220), (120, 150, 190)])
        img = _gradient(w, h, top, (235, 240, 245))
        d = ImageDraw.Draw(img)
        sx = rng.randint(80, w - 80)
        d.ellipse((sx - 40, 50, sx + 40, 130), fill=(255, 245, 200))
        pave = rng.choice([(170, 165, 160), (150, 150, 150), (190, 180, 165)])
        grass = kind in ("park", "elder")
        d.rectangle((0, ground, w, h), fill=(110, 170, 90) if grass else pave)
        if kind == "facade":
            _trees(d, rng, w, ground, 3, 90)
            x0, x1 = w // 6, w * 5 // 6
            wall = rng.choice([(230, 220, 200), (210, 200, 190), (236, 228, 214)])
            d.rectangle((x0, ground - int(h * 0.45), x1, ground), fill=wall)
            sign = rng.choice([(200, 30, 35), (30, 110, 60), (30, 80, 160), (230, 120, 30)])
            d.rectangle((x0, ground - int(h * 0.45), x1, ground - int(h * 0.36)), fill=sign)
            _banner(d, rng, (x0 + 60, ground - int(h * 0.44), x1 - 60, ground - int(h * 0.37)), sign)
            door = (w // 2 - 70, ground - int(h * 0.22), w // 2 + 70, ground)
            d.rectangle(door, fill=(120, 150, 170))
            for wx in (x0 + 40, x1 - 200):
                d.rectangle((wx, ground - int(h * 0.3), wx + 160, ground - int(h * 0.12)), fill=(160, 190, 210))
            if rng.random() < 0.5:
                for i in range(12):
                    c = (220, 50, 50) if i % 2 else (250, 250, 250)
                    ax = x0 + (x1 - x0) * i // 12
                    d.polygon([(ax, ground - int(h * 0.34)), (ax + (x1 - x0) // 12, ground - int(h * 0.34)),
                               (ax + (x1 - x0) // 12, ground - int(h * 0.3)), (ax, ground - int(h * 0.3))], fill=c)
            _crowd(d, rng, w, h - 20, ground + 10, rng.randint(2, 4))
            return img
        _buildings(d, rng, w, ground, tall=int(h * 0.45))
        if kind == "fair":
            _lanterns(d, rng, w, rng.randint(40, 120), rng.randint(7, 11))
            _crowd(d, rng, w, ground + 60, ground, rng.randint(10, 16), back=True)
            _lion(d, rng, rng.randint(w // 3, w * 2 // 3), ground + int(h * 0.25), int(h * 0.13))
            _crowd(d, rng, w, h + 80, h - 30, rng.randint(4, 7), back=True)
        elif kind == "election":
            _banner(d, rng, (w // 8, ground - int(h * 0.32), w * 7 // 8, ground - int(h * 0.24)))
            bx = rng.randint(w // 3, w // 2)
            d.rectangle((bx, ground + 40, bx + 160, ground + 190), fill=(200, 30, 35))
            d.rectangle((bx + 50, ground + 50, bx + 110, ground + 58), fill=(250, 250, 250))
            d.rectangle((bx - 200, ground + 190, bx + 360, ground + 210), fill=(150, 90, 50))
            _crowd(d, rng, w, h - 10, ground + 20, rng.randint(8, 13))
        elif kind == "park":
            _trees(d, rng, w, ground + 10, 6, 80)
            for i in range(rng.randint(3, 5)):
                px = rng.randint(60, w - 160)
                py = ground + rng.randint(40, h - ground - 60)
                c = rng.choice([(240, 190, 30), (40, 110, 200), (220, 60, 50)])
                d.rectangle((px, py - 120, px + 12, py), fill=c)
                d.rectangle((px + 110, py - 120, px + 122, py), fill=c)
                d.rectangle((px, py - 120, px + 122, py - 108), fill=c)
                d.ellipse((px + 40, py - 70, px + 80, py - 30), outline=c, width=8)
            _crowd(d, rng, w, h - 20, ground + 30, rng.randint(3, 6))
        elif kind == "elder":
            _trees(d, rng, w, ground + 10, 5, 90)
            bx = rng.randint(w // 5, w // 2)
            by = ground + int((h - ground) * 0.6)
            d.rectangle((bx, by - 40, bx + 300, by - 25), fill=(140, 90, 50))
            d.rectangle((bx, by - 90, bx + 300, by - 75), fill=(140, 90, 50))
            for lx in (bx + 20, bx + 270):
                d.rectangle((lx, by - 25, lx + 10, by + 20), fill=(60, 60, 60))
            _person(d, rng, bx + 100, by + 20, 230)
            _person(d, rng, bx + 200, by + 20, 240)
            d.line((bx + 240, by - 60, bx + 300, by + 20), fill=(90, 60, 40), width=6)  # walking stick
        else:  # street
            _trees(d, rng, w, ground + 5, 4, 70)
            _crowd(d, rng, w, h - 10, ground + 20, rng.randint(5, 9))
        return img

    if kind in ("fair_night", "movie"):
        img = _gradient(w, h, (12, 16, 50), rng.choice([(70, 40, 90), (40, 50, 100), (90, 50, 60)]))
        d = ImageDraw.Draw(img)
        for _ in range(70):
            x, y, r = rng.randint(0, w), rng.randint(0, ground // 2), rng.choice([1, 1, 2])
            d.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 230))
        d.rectangle((0, ground, w, h), fill=(30, 30, 38))
        _buildings(d, rng, w, ground, tall=int(h * 0.4), night=True)
        if kind == "fair_night":
            _lanterns(d, rng, w, rng.randint(60, 160), rng.randint(6, 10), glow=True)
            _lanterns(d, rng, w, rng.randint(220, 300), rng.randint(5, 9), glow=True)
            _crowd(d, rng, w, h + 60, ground + 20, rng.randint(10, 16), dark=(20, 18, 26))
        else:
            sx0, sx1 = w // 5, w * 4 // 5
            sy0, sy1 = int(h * 0.12), int(h * 0.52)
            d.rectangle((sx0 - 10, sy0 - 10, sx1 + 10, sy1 + 10), fill=(20, 20, 20))
            inner = _gradient(sx1 - sx0, sy1 - sy0, rng.choice([(90, 160, 230), (240, 150, 80)]), (250, 240, 200))
            id_ = ImageDraw.Draw(inner)
            _crowd(id_, rng, sx1 - sx0, sy1 - sy0 - 10, (sy1 - sy0) // 2, rng.randint(1, 3))
            img.paste(inner, (sx0, sy0))
            d.rectangle((w // 2 - 6, sy1 + 10, w // 2 + 6, ground + 20), fill=(20, 20, 20))
            _crowd(d, rng, w, h + 120, ground + 40, rng.randint(14, 22), dark=(12, 12, 18))
        return img

    # Indoor scenes: dragon (端午 zongzi), lecture, repair, clothes.
    wall = rng.choice([(240, 232, 214), (226, 232, 236), (245, 238, 225)])
    img = _gradient(w, h, wall, _shade(wall, 0.8))
    d = ImageDraw.Draw(img)
    floor = ground + int(h * 0.1)
    d.rectangle((0, floor, w, h), fill=rng.choice([(170, 130, 90), (150, 150, 150), (190, 160, 120)]))
    d.rectangle((w - 320, 80, w - 80, 300), fill=(190, 215, 235))
    d.line((w - 200, 80, w - 200, 300), fill=(250, 250, 250), width=6)
    if kind == "lecture":
        d.rectangle((w // 5, 60, w * 3 // 5, int(h * 0.42)), fill=(250, 250, 250))
        d.rectangle((w // 5 + 30, 100, w // 2, 140), fill=(40, 110, 190))
        for i in range(4):
            d.rectangle((w // 5 + 30, 170 + i * 40, w // 2 + 40 - i * 30, 185 + i * 40), fill=(150, 150, 160))
        _person(d, rng, w * 2 // 3, floor, 300)
        _crowd(d, rng, w, h + 150, floor + 40, rng.randint(10, 15), back=True)
        return img
    _banner(d, rng, (40, 40, w - 380, 120))
    table_top = floor - 20
    _crowd(d, rng, w - 200, floor + 30, floor, rng.randint(3, 5), sizes=(330, 400))
    d.rectangle((60, table_top, w - 60, table_top + 30), fill=(150, 95, 55))
    d.rectangle((90, table_top + 30, 110, h), fill=(120, 75, 45))
    d.rectangle((w - 110, table_top + 30, w - 90, h), fill=(120, 75, 45))
    if kind == "dragon":
        for _ in range(rng.randint(10, 18)):
            x = rng.randint(100, w - 140)
            s = rng.randint(24, 40)
            d.polygon([(x, table_top), (x + s * 2, table_top), (x + s, table_top - s * 1.6)], fill=(70, 140, 60))
            d.line((x + 4, table_top - s * 0.5, x + s * 2 - 4, table_top - s * 0.5), fill=(230, 220, 170), width=3)
        d.ellipse((w // 2 - 90, table_top - 50, w // 2 + 90, table_top + 10), fill=(245, 245, 240))
    elif kind == "repair":
        for _ in range(rng.randint(4, 6)):
            x = rng.randint(100, w - 260)
            c = rng.choice([(230, 230, 230), (60, 60, 70), (200, 60, 50), (90, 140, 200)])
            bw, bh = rng.randint(80, 160), rng.randint(60, 130)
            d.rectangle((x, table_top - bh, x + bw, table_top), fill=c)
            d.ellipse((x + bw // 4, table_top - bh * 3 // 4, x + bw * 3 // 4, table_top - bh // 4), fill=_shade(c, 0.6))
        d.line((w // 2, table_top - 10, w // 2 + 120, table_top - 60), fill=(220, 180, 40), width=10)
    else:  # clothes
        d.line((80, 160, w - 400, 160), fill=(120, 120, 130), width=8)
        x = 100
        while x < w - 480:
            c = rng.choice(CLOTHES)
            cw = rng.randint(70, 110)
            d.line((x + cw // 2, 160, x + cw // 2, 185), fill=(90, 90, 90), width=3)
            d.polygon([(x, 190), (x + cw, 190), (x + cw + 20, 230), (x + cw - 5, 240), (x + cw - 5, 420),
                       (x + 5, 420), (x + 5, 240), (x - 20, 230)], fill=c)
            x += cw + rng.randint(15, 35)
    return img


def _gps_exif(when: dt.datetime) -> Image.Exif:
    """EXIF as a phone writes it, including where the photo was taken (store_image strips it)."""
    exif = Image.Exif()
    exif[0x010F] = "DemoPhone"  # Make
    exif[0x0110] = "DemoPhone 12"  # Model
    exif[0x0132] = when.strftime("%Y:%m:%d %H:%M:%S")  # DateTime
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (39.0, 54.0, 7.56), 3: "E", 4: (116.0, 21.0, 11.52), 5: 0, 6: 48.0})
    return exif


class _Painter:
    """Draws demo photos and stores them through :func:`linli.media.store_image`."""

    def __init__(self, home: Home):
        self.media_dir = home.media_dir
        self.rng = random.Random(PHOTO_SEED)

    def store(self, kind: str, *, portrait: bool = False, exif: Image.Exif | None = None) -> StoredImage:
        w, h = (800, 1200) if portrait else (1200, 800)
        image = _scene(kind, w, h, self.rng)
        buf = io.BytesIO()
        if exif is not None:
            image.save(buf, "JPEG", quality=88, exif=exif)
        else:
            image.save(buf, "JPEG", quality=88)
        return store_image(self.media_dir, buf.getvalue())


# --- content --------------------------------------------------------------------------------


class _Filler:
    """Writes the demo rows; every date comes from ``now``."""

    def __init__(self, now: dt.datetime, painter: _Painter | None):
        self.now = now
        self.today = now.date()
        self.painter = painter
        self.rng = random.Random(SEED)
        self.counts: Counter[str] = Counter({model.__name__: 0 for model in m.ALL_MODELS if model is not m.User})

    def run(self) -> None:
        self.settings()
        self.notices()
        self.services()
        self.places()
        teams = self.teams()
        self.stories(teams)
        self.wishes()
        events = self.events()
        self.albums(events)
        self.grids()
        self.pages()

    def imported(self, counts: dict[str, int]) -> None:
        """Count the items :func:`linli.transfer.import_site` read from ``demo_content/`` and
        date them: written a few weeks before ``now``, not touched since."""
        for prefix, model in TYPES.items():
            if not counts.get(prefix):
                continue
            self.counts[model.__name__] += counts[prefix]
            slugs = sorted(path.stem for path in (DEMO_CONTENT / prefix).glob("*.md"))
            for slug in slugs:
                created = self.at(-self.rng.randint(20, 60), self.rng.randint(8, 17), self.rng.randint(0, 59))
                model.update(created_at=created, updated_at=created).where(model.slug == slug).execute()

    # helpers

    def at(self, days: int, hour: int = 9, minute: int = 0) -> dt.datetime:
        """``days`` from today at ``hour``:``minute``."""
        return dt.datetime.combine(self.today + dt.timedelta(days=days), dt.time(hour, minute))

    def on(self, day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute))

    def add(self, model, **fields):
        row = model.create(**fields)
        self.counts[model.__name__] += 1
        return row

    def content(self, model, title: str, *, status: str = m.PUBLISHED, publish_at=None, **fields):
        """A content row with believable created/updated times and a staff author."""
        fields.setdefault("author", self.rng.choice(STAFF))
        if "created_at" not in fields:
            anchor = publish_at if publish_at is not None and publish_at <= self.now else self.now
            fields["created_at"] = anchor - dt.timedelta(hours=self.rng.randint(2, 52), minutes=self.rng.randint(0, 59))
        if "updated_at" not in fields:
            if status == m.PUBLISHED and publish_at is not None and publish_at <= self.now:
                fields["updated_at"] = publish_at
            else:
                later = fields["created_at"] + dt.timedelta(hours=self.rng.randint(1, 20))
                fields["updated_at"] = min(later, self.now)
        return self.add(model, title=title, status=status, publish_at=publish_at, **fields)

    def photo(self, kind: str, **kwargs) -> StoredImage | None:
        return self.painter.store(kind, **kwargs) if self.painter else None

    def photo_path(self, kind: str, **kwargs) -> str:
        stored = self.photo(kind, **kwargs)
        return stored.path if stored else ""

    # site settings

    def settings(self) -> None:
        year = self.today.year
        row = m.SiteSettings.get_current()
        row.name = "幸福里社区"
        row.district = "安和区"
        row.street = "槐荫街道"
        row.address = "安和区槐荫街道幸福里14号（东院南门西侧）"
        row.office_hours = (
            "周一至周五 8:30—17:30（午间轮岗，不休息）\n"
            "周六 9:00—12:00 值班，受理急事和证明开具\n"
            "周日及法定节假日 值班电话24小时畅通"
        )
        row.main_phone = OFFICE
        row.intro = (
            "幸福里社区位于安和区槐荫街道中部，东临槐荫路，南至幸福南街，辖区面积约0.42平方公里。"
            "社区由东院、西院两个建于上世纪八九十年代的老旧小区，新建的幸福嘉园高层住宅，"
            "以及东院南侧的平房院落组成。\n\n"
            "社区现有居民约2,900户、6,800余人，其中60岁以上老人约1,900人，独居和空巢老人较多；"
            "近年来随着幸福嘉园入住，年轻家庭和学龄儿童也逐年增加。\n\n"
            "社区党委、居委会现有工作人员9名，全社区划分为4个网格，每个网格配有网格长和网格员，"
            "居民有事可以直接找自己的网格员。社区有邻里守望、小巧手便民维修、法律服务、"
            "青春志愿、健康守护等志愿服务队，注册志愿者300余人。\n\n"
            "一刻钟步行范围内有社区卫生服务站、日间照料中心、长者食堂、图书室、儿童之家、"
            "农贸市场和中小学、幼儿园。我们的目标是：让老人有所依、孩子有去处、邻里常往来。"
        )
        row.area = "0.42平方公里"
        row.population = "6,830人"
        row.households = "2,915户"
        row.buildings = "居民楼17栋、平房院落12处"
        row.honours = "\n".join(
            [
                f"{year - 1}年 槐荫街道志愿服务先进集体",
                f"{year - 2}年 市级老年友好型社区",
                f"{year - 3}年 安和区生活垃圾分类示范小区（东院）",
                f"{year - 4}年 安和区和谐社区建设示范单位",
                f"{year - 6}年 安和区平安社区",
            ]
        )
        row.updated_at = self.at(-30, 16, 20)
        row.save()
        self.counts["SiteSettings"] += 1

    # notices

    def notice(self, title: str, category: str, body: str, **fields):
        fields.setdefault("summary", _first_sentence(body))
        return self.content(m.Notice, title, category=category, body=body.strip() + "\n", **fields)

    def notices(self) -> None:
        now, today = self.now, self.today

        # Urgent, live now.
        cut = (now - dt.timedelta(hours=2)).replace(minute=0, second=0)
        restore = (now + dt.timedelta(hours=5)).replace(minute=0, second=0)
        self.notice(
            "【紧急】东院5号楼供水管道破裂抢修，临时停水",
            "停水停电",
            f"""
各位居民：

{_md(cut)}{_hm(cut)}左右，东院5号楼北侧地下供水管道突发破裂，自来水公司抢修队已到场处置。为配合抢修，**东院5号楼、6号楼全部单元临时停水**，预计{_md(restore)}{_hm(restore)}前恢复供水。

请大家：

- 及时关好家中水龙头，防止来水后跑水；
- 恢复供水初期水质可能发黄，放水几分钟、水清后再使用；
- 家中有卧床老人、婴幼儿急需用水的，可到5号楼北侧临时送水点领取桶装水。

抢修期间5号楼北侧道路临时封闭，请绕行，并看管好孩子。由此带来的不便，敬请谅解。

联系电话：社区值班 {OFFICE}，物业维修 {PROPERTY}
""",
            summary=f"东院5号楼北侧供水管道破裂，5号楼、6号楼临时停水，预计{_md(restore)}{_hm(restore)}前恢复。",
            urgent=True,
            publish_at=cut + dt.timedelta(minutes=25),
            created_at=cut + dt.timedelta(minutes=10),
            expires_at=restore + dt.timedelta(hours=12),
            author="小周",
            internal_note="内部：自来水公司现场负责人电话已发工作群；送水点由小周和物业各出一人值守，晚八点交接。",
        )
        self.notice(
            "【紧急提醒】有人冒充“燃气公司”上门推销，请勿开门",
            "安全提示",
            f"""
近两天，东院、西院有多户居民反映，有陌生人自称“燃气公司的”“社区派来的”，敲门要求入户检查燃气管道，随后推销报警器、软管等产品，价格是市场价的好几倍。

社区郑重提醒：

1. 燃气公司入户安检会**提前在单元门张贴通知**，工作人员佩戴工作证，不收取任何费用，也不强制购买产品；
2. 社区工作人员上门前，网格员都会在楼门微信群里告知，您可以打电话核实；
3. 家中只有老人时，请不要给陌生人开门，可以隔着门请对方留下电话；
4. 已经付款购买的，请保留收据，拨打12315投诉，或者到社区寻求帮助。

发现可疑人员，请拨打社区值班电话 {OFFICE}，或直接报警（110）。请各位子女把这条提醒转告家里的老人。
""",
            urgent=True,
            publish_at=self.at(-1, 10, 40),
            expires_at=self.at(13, 18),
            author="王主任",
            internal_note="内部：派出所社区民警已知情，已调取西院南门监控；涉及的两户老人由网格员回访。",
        )

        # Pinned.
        self.notice(
            "幸福里社区居委会办公时间及联系电话",
            "社区通知",
            f"""
**办公地点**：槐荫街道幸福里14号（东院南门西侧平房），一站式服务大厅在一层。

**办公时间**

| 时间 | 安排 |
| --- | --- |
| 周一至周五 8:30—17:30 | 正常办公，午间轮岗不休息 |
| 周六 9:00—12:00 | 值班，受理急事和证明开具 |
| 周日及法定节假日 | 值班电话24小时畅通 |

**联系电话**

- 社区值班电话：{OFFICE}
- 一站式服务大厅：{HALL}
- 东院、西院物业报修：{PROPERTY}
- 幸福嘉园物业客服：{JIAYUAN_PROPERTY}
- 社区卫生服务站：{CLINIC}

行动不便的老人、残疾人办事，可以提前打电话预约，工作人员上门服务。
""",
            summary="社区居委会办公地点、办公时间、值班电话和物业报修电话。",
            pinned=True,
            publish_at=None,
            created_at=self.at(-520, 9, 15),
            updated_at=self.at(-30, 16, 5),
            author="王主任",
        )
        self.notice(
            "城乡居民医保集中参保缴费开始啦",
            "费用收缴",
            f"""
新一年度城乡居民基本医疗保险集中参保缴费已经开始，截止到{_md(today + dt.timedelta(days=40))}。没有参加职工医保的老人、学生儿童、灵活就业人员等，请在期限内缴费，以免影响明年看病报销。

**缴费方式**

1. 手机缴费：通过“区医保”微信公众号，或者银行App里的“城乡居民医保”栏目缴纳；
2. 窗口缴费：到社区一站式服务大厅2号窗口，带上身份证或社保卡；
3. 学生儿童：可以通过学校统一缴纳，已在学校缴过的请不要重复缴费。

**缴费标准**：按本市当年公布的标准执行。低保、特困、重度残疾等人员的个人缴费部分由政府资助，请到窗口确认。

不会用手机缴费的老人，可以请网格员帮忙，或者每周二、周四上午到大厅找志愿者手把手操作。

咨询电话：010-8765-4302
""",
            pinned=True,
            publish_at=self.at(-10, 8, 30),
            expires_at=self.at(40, 23, 59),
            author="小李",
        )

        # Live, expiring soon.
        cut_day = today + dt.timedelta(days=5)
        self.notice(
            f"关于{_md(cut_day)}西院1—4号楼计划停水的通知",
            "停水停电",
            f"""
西院各位居民：

接区自来水公司通知，因西院供水主管道阀门更换，{_mdw(cut_day)}8:00至18:00西院1号楼至4号楼
全部单元停止供水，请大家提前做好储水准备。

具体安排：

- 停水范围：西院1号楼、2号楼、3号楼、4号楼（5号楼、6号楼不受影响）
- 停水时间：{_mdw(cut_day)}8:00—18:00，施工顺利将提前恢复
- 临时供水：停水期间在西院小广场设临时取水点，请自带水桶

来水后请先打开水龙头放水几分钟，待水清后再饮用。家中有透析病人、
卧床老人等特殊用水需求的，请提前告诉网格员，我们会安排送水上门。

咨询电话：西院网格 010-8765-4313；自来水公司客服 010-8765-4900
""",
            summary=f"{_mdw(cut_day)}8:00—18:00西院1—4号楼停水，请提前储水。",
            publish_at=self.at(-2, 10, 5),
            expires_at=self.on(cut_day, 18),
            author="小周",
        )
        power_day = today + dt.timedelta(days=9)
        power = self.notice(
            f"关于{_md(power_day)}东院部分楼栋计划停电的通知",
            "停水停电",
            f"""
因供电公司对东院配电室进行年度检修，{_mdw(power_day)}东院部分楼栋将分时段停电，具体安排如下：

| 楼栋 | 停电时间 | 备注 |
| --- | --- | --- |
| 东院1号楼、2号楼 | 7:30—12:00 | |
| 东院3号楼、4号楼 | 12:00—16:30 | |
| 东院7号楼、8号楼 | 7:30—16:30 | 加装电梯同时停运 |

停电期间楼道照明、门禁同时停用。请大家：

1. 提前关闭大功率电器，来电后再逐一打开；
2. 家中使用制氧机等医疗设备的，请提前联系网格员，社区可以协调备用电源；
3. 不要私拉电线，不要在楼道里用明火照明。

检修提前完成的将提前送电，不再另行通知。停电楼栋示意图见附件。

咨询电话：{OFFICE}
""",
            summary=f"{_mdw(power_day)}东院1—4号楼、7—8号楼分时段停电，请提前做好准备。",
            publish_at=self.at(-1, 15, 30),
            expires_at=self.on(power_day, 17),
            author="小周",
            internal_note="内部：7号楼2单元有一户使用制氧机，已和供电公司沟通备用电源。",
        )
        self.attachment(power, "东院停电楼栋示意图")
        self.notice(
            "65岁以上老年人免费健康体检开始预约",
            "卫生防疫",
            f"""
槐荫街道社区卫生服务中心为辖区65岁及以上常住老人提供每年一次免费健康体检。幸福里社区的体检安排在{_md(today + dt.timedelta(days=3))}至{_md(today + dt.timedelta(days=20))}，地点在幸福里社区卫生服务站（东院南门东侧）。

**体检项目**：一般体格检查、血常规、尿常规、肝肾功能、血糖、血脂、心电图、腹部B超等。

**注意事项**

- 体检当天早上空腹，7:30—9:30到达；
- 带好身份证、医保卡，有以前的病历和检查报告请一并带上；
- 需要提前预约，可以打电话或找网格员登记，每天限60人。

行动不便、长期卧床的老人，请家属联系卫生服务站，医生可以上门做部分项目。

预约电话：{CLINIC}
""",
            publish_at=self.at(-6, 9, 0),
            expires_at=self.at(20, 12),
            author="赵委员",
        )
        shot_day = today + dt.timedelta(days=4)
        self.notice(
            f"{_md(shot_day)}社区接种点开放：老年人免费接种肺炎疫苗",
            "卫生防疫",
            f"""
为降低老年人肺炎发病风险，街道社区卫生服务中心将于{_mdw(shot_day)}上午8:30—11:30在社区文体活动室设置临时接种点，为本市户籍60岁以上老人免费接种肺炎球菌疫苗。

接种须知：

1. 请携带身份证、医保卡；
2. 五年内已经接种过的，不需要重复接种；
3. 正在发烧或者急性病发作期的，请暂缓接种，并如实告诉医生；
4. 接种后请在现场留观30分钟再离开。

名额有限，请提前找网格员登记。子女可以陪同老人前来。

咨询电话：{CLINIC}
""",
            publish_at=self.at(-3, 14, 0),
            expires_at=self.on(shot_day, 12),
            author="赵委员",
        )
        fee_year = (now - dt.timedelta(days=8)).year
        self.notice(
            f"关于收缴{fee_year}年度生活垃圾处理费（卫生费）的通知",
            "费用收缴",
            f"""
根据区里的有关规定，现开始收缴{fee_year}年度居民生活垃圾处理费（俗称“卫生费”），收费标准如下：

| 类别 | 收费标准 |
| --- | --- |
| 居民住户 | 每户每年36元 |
| 低保、特困家庭 | 免收（凭相关证明） |
| 临街商户 | 按营业面积另行核定 |

**缴费时间**：即日起至{_md(today + dt.timedelta(days=30))}

**缴费地点**：社区一站式服务大厅4号窗口，可以用现金、微信或支付宝，缴费后开具收据，请妥善保管。

网格员也会带收款码入户收取，请认准社区工作证，不要把钱交给不认识的人。

咨询电话：010-8765-4304
""",
            summary=f"{fee_year}年度卫生费每户每年36元，即日起到4号窗口缴纳，低保、特困家庭免收。",
            publish_at=self.at(-8, 9, 30),
            expires_at=self.at(30, 17, 30),
            author="小李",
        )
        drill_day = today + dt.timedelta(days=7)
        self.notice(
            f"{_md(drill_day)}东院消防疏散演练通知",
            "安全提示",
            f"""
为提高居民火灾逃生自救能力，社区联合槐荫消防救援站定于{_mdw(drill_day)}下午3:00在东院开展消防疏散演练。

- 演练范围：东院3号楼、4号楼
- 演练时长：约40分钟
- 集合地点：东院小广场

演练开始时楼道会拉响警报并施放无害烟雾，请不要惊慌，听从工作人员指挥，用湿毛巾捂住口鼻，沿楼梯有序撤离，不要乘坐电梯。

演练结束后，消防员会在小广场教大家使用灭火器和灭火毯，欢迎其他楼的居民一起来学。行动不便的居民不需要参加撤离，网格员会提前上门说明。

联系电话：{OFFICE}
""",
            publish_at=self.at(-2, 16, 0),
            expires_at=self.on(drill_day, 17),
            author="小周",
        )
        self.notice(
            "养犬居民请办理养犬登记和年检",
            "社区通知",
            f"""
根据养犬管理的有关规定，在本社区养狗的居民需要办理养犬登记，并按年度年检。街道将于{_md(today + dt.timedelta(days=6))}至{_md(today + dt.timedelta(days=25))}在社区文体活动室设置临时办理点，每周二、周四下午办理。

请带好：

- 犬主身份证；
- 犬只狂犬病免疫证明（在有效期内）；
- 犬只正面、侧面照片各一张（手机里有即可）。

同时提醒各位养犬居民：遛狗请拴绳，及时清理犬只粪便；电梯里请主动抱起小型犬或收短牵引绳，照顾怕狗的邻居和孩子。

咨询电话：{OFFICE}
""",
            publish_at=self.at(-5, 11, 0),
            expires_at=self.at(25, 17),
            author="小李",
        )
        self.notice(
            "关于集中清理楼道堆放杂物的通知",
            "社区通知",
            f"""
各位居民：

楼道是发生火灾时的逃生通道。近期网格员巡查发现，东院、西院部分楼道堆放了旧家具、纸箱、
花盆和自行车，有的甚至堵住了半边楼梯，存在很大的安全隐患。

社区定于{_md(today + dt.timedelta(days=8))}至{_md(today + dt.timedelta(days=12))}开展楼道杂物集中清理，请大家在{_md(today + dt.timedelta(days=8))}前自行清理
本户门前和楼道内的物品。逾期未清理的，将由物业统一清运，有价值的物品暂存在物业仓库，
本人说明情况后可以领回。

确实有困难、搬不动的老人，请联系网格员，志愿者可以上门帮忙。

感谢大家的理解和配合！

联系电话：{OFFICE}
""",
            summary="社区将集中清理楼道堆放的杂物，请大家在规定日期前自行清理，搬不动的可以找志愿者帮忙。",
            publish_at=self.at(-4, 9, 10),
            expires_at=self.at(12, 18),
            author="王主任",
        )
        self.notice(
            "社区居民议事会成员增补人选公示",
            "选举",
            f"""
经各楼门推荐、社区党委和居委会研究，拟增补以下居民为幸福里社区居民议事会成员，现予以公示：

- 刘淑芬（东院居民，退休教师）
- 马建国（西院居民，退役军人）
- 韩雪（幸福嘉园居民，企业职员）

公示期为{_md(today - dt.timedelta(days=2))}至{_md(today + dt.timedelta(days=5))}。居民如有意见，可在公示期内以书面或电话方式向社区居委会反映。反映问题应实事求是，请留下联系方式，以便我们核实和回复。

意见反映电话：{OFFICE}
""",
            publish_at=self.at(-2, 9, 0),
            expires_at=self.at(5, 23, 59),
            author="王主任",
        )
        talk_day = today + dt.timedelta(days=10)
        self.notice(
            "东院老旧小区综合整治方案征求意见",
            "政策通知",
            f"""
东院已列入区里明年的老旧小区综合整治计划。初步方案包括：楼体外墙保温、更换上下水管道、
增设电动自行车充电设施、重新规划停车位、整修小广场和绿地。

为了让改造真正改到大家心坎上，现向东院全体居民征求意见：

1. 您最希望优先解决的问题是什么？
2. 您所在单元是否有加装电梯的意愿？
3. 对停车位和绿地的规划有什么建议？

意见可以填写纸质问卷（各单元信报箱旁可取），也可以直接告诉网格员。{_mdw(talk_day)}晚7点在社区文体活动室召开居民座谈会，欢迎参加。

征求意见截止时间：{_md(today + dt.timedelta(days=15))}
""",
            publish_at=self.at(-7, 10, 0),
            expires_at=self.at(15, 23, 59),
            author="王主任",
        )
        self.notice(
            "关于东院地面停车位重新登记的通知",
            "社区通知",
            f"""
为配合东院停车秩序整治，现对东院地面停车位重新登记。已经在册的车辆也需要重新登记一次，逾期未登记的，下一期停车证将不再发放。

**登记时间**：即日起至{_md(today + dt.timedelta(days=20))}，每天9:00—17:00

**登记地点**：东院物业办公室（2号楼一层）

**所需材料**

1. 车主身份证；
2. 机动车行驶证；
3. 本小区房产证明或租房合同（租户需要）。

每户限登记一辆车。车位有限，暂不接受外来车辆办理月租。残疾人的车辆可以优先安排在靠近楼门的车位。

咨询电话：{PROPERTY}
""",
            publish_at=self.at(-3, 8, 45),
            expires_at=self.at(20, 17),
            author="小周",
        )

        # Live, no end date.
        self.notice(
            "电动自行车请到充电棚充电，严禁进楼入户",
            "安全提示",
            f"""
电动自行车电池一旦起火，几分钟内就会产生大量有毒烟气，在楼道和家里充电引发的火灾后果非常严重。

为了大家的安全，请做到：

1. 电动自行车不进楼道、不进电梯、不进家门；
2. 不私拉电线“飞线”充电，不把电池拎回家充电；
3. 统一到小区充电棚充电：东院充电棚在3号楼西侧，西院在6号楼北侧，幸福嘉园在地下车库入口；
4. 不要自行改装电池和控制器。

网格员和物业会定期巡查，发现在楼道停放、充电的，将上门劝导并限期清理。

充电棚刷卡充电，充电卡在物业办理。充电棚出故障请拨打 {PROPERTY}。
""",
            publish_at=self.at(-120, 9, 0),
            author="小周",
        )
        self.notice(
            "高龄津贴发放标准调整，80岁以上老人请留意",
            "政策通知",
            f"""
从本年度起，区里对高龄津贴发放标准作了调整：

| 年龄 | 调整后标准 |
| --- | --- |
| 80—89岁 | 每人每月120元 |
| 90—99岁 | 每人每月300元 |
| 100岁及以上 | 每人每月600元 |

已经在领取的老人**不需要重新申请**，新标准会自动发放到原来的社保卡账户。

当月年满80岁的老人，请本人或家属带身份证、户口簿、社保卡到一站式服务大厅1号窗口申领，也可以请网格员上门办理。

咨询电话：{HALL}
""",
            summary="高龄津贴标准上调：80—89岁每月120元，90—99岁每月300元，100岁及以上每月600元，已在领取的不用重新申请。",
            publish_at=self.at(-200, 9, 30),
            author="小李",
        )
        self.notice(
            "生活垃圾分类投放指引（幸福里版）",
            "政策通知",
            """
社区垃圾分类已经推行一段时间了，大部分居民都做得很好。最近还有不少人问“这个该扔哪个桶”，我们整理了一份简单的指引：

| 类别 | 桶的颜色 | 常见物品 |
| --- | --- | --- |
| 厨余垃圾 | 绿色 | 剩菜剩饭、果皮、菜叶、蛋壳、茶叶渣 |
| 可回收物 | 蓝色 | 纸箱、塑料瓶、易拉罐、旧衣物、玻璃瓶 |
| 有害垃圾 | 红色 | 废电池、过期药品、灯管、油漆桶 |
| 其他垃圾 | 灰色 | 用过的纸巾、尿不湿、烟头、陶瓷碎片 |

**投放时间**：每天早上7:00—9:00，晚上18:00—20:00，桶站有志愿者值守。

厨余垃圾请去掉塑料袋再倒进绿桶。大件家具、装修垃圾请不要放在桶站旁边，联系物业预约清运。
""",
            summary="厨余、可回收物、有害垃圾、其他垃圾分别投哪个桶，一张表说清楚；附桶站投放时间。",
            publish_at=self.at(-300, 10, 0),
            author="赵委员",
        )
        rows = "\n".join(
            f"| {name} | {scope} | {members[0][0]} | {members[0][2]} |" for name, scope, _, _, members in GRIDS
        )
        self.notice(
            "社区网格划分及网格长联系方式公示",
            "社区通知",
            f"""
为方便居民有事找得到人，现将幸福里社区网格划分和网格长联系方式公示如下：

| 网格 | 范围 | 网格长 | 工作电话 |
| --- | --- | --- | --- |
{rows}

每个网格还配有网格员，名单和电话见网站“网格”栏目。网格员会定期入户走访，上门时佩戴工作证。

遇到停水停电、邻里纠纷、安全隐患，或者家中老人需要帮助，都可以先找网格员。夜间和节假日请拨打社区值班电话 {OFFICE}。
""",
            summary="幸福里社区分为4个网格，各网格的范围、网格长和工作电话。有事先找网格员。",
            publish_at=self.at(-60, 9, 0),
            author="王主任",
        )
        heat_start = _last(today, 11, 15, gap=20)
        heat_end = dt.date(heat_start.year + 1, 3, 15)
        self.notice(
            "冬季供暖报修及室温问题反映渠道",
            "供暖",
            f"""
供暖期间，家里暖气不热、漏水或室温不达标，可以通过以下方式反映：

1. 东院、西院：槐荫供热站24小时报修电话 010-8765-4500；
2. 幸福嘉园：物业客服中心 {JIAYUAN_PROPERTY}；
3. 也可以告诉网格员，由社区帮您联系并跟进处理结果。

按规定，供暖期间卧室、起居室的室温应不低于18℃。反映室温问题时，请说明楼号、单元、门牌号和测量到的温度。

暖气片漏水时，请先关闭暖气进水阀门，用盆接水，然后马上报修。请不要自行拆改暖气管道。
""",
            publish_at=self.on(heat_start - dt.timedelta(days=3), 9),
            author="小李",
        )
        self.notice(
            "一站式服务大厅推行“午间不打烊”",
            "社区通知",
            f"""
为方便上班族办事，从{_md(today - dt.timedelta(days=30))}起，社区一站式服务大厅实行午间轮岗，中午12:00—13:30不休息，可以办理：

- 各类证明开具；
- 社保、医保信息查询和参保登记；
- 高龄津贴、残疾人补贴等申请材料的受理。

低保、临时救助等需要入户调查的事项，午间只受理材料，后续由专人联系您。

周六上午照常值班。如有急事，可拨打值班电话 {OFFICE}。
""",
            summary="服务大厅中午12:00—13:30不休息，上班族午休时间也能来开证明、办社保医保。",
            publish_at=self.at(-30, 16, 0),
            author="王主任",
        )

        # Expired, kept in the archive.
        tank_day = today - dt.timedelta(days=70)
        self.notice(
            f"关于{_md(tank_day)}西院二次供水水箱清洗停水的通知",
            "停水停电",
            f"""
为保障饮用水卫生，物业公司将对西院二次供水水箱进行年度清洗消毒，{_mdw(tank_day)}9:00—17:00西院5号楼、6号楼停水。

请大家提前储水，停水期间关好水龙头。清洗完成后，物业会委托有资质的检测机构对水质进行检测，检测报告将张贴在各单元门口，居民也可以到物业办公室查阅。

咨询电话：西院物业 {PROPERTY}
""",
            publish_at=self.on(tank_day - dt.timedelta(days=4), 10),
            expires_at=self.on(tank_day, 17),
            author="小周",
        )
        self.notice(
            f"关于{heat_start.year}—{heat_end.year}年供暖季按时供暖的通知",
            "供暖",
            f"""
接槐荫供热站通知，本供暖季将于{_ymd(heat_start)}零时正式供暖，{_ymd(heat_end)}结束。

正式供暖前几天将进行注水试压，请大家：

1. 检查家中暖气阀门是否打开，暖气片、管道有没有破损；
2. 试水期间家中务必留人，发现跑冒滴漏马上关闭阀门并报修；
3. 家中长期无人的，请把钥匙交给信得过的亲友，或者把联系电话留给网格员。

供暖报修电话：东院、西院 010-8765-4500；幸福嘉园 {JIAYUAN_PROPERTY}。
""",
            publish_at=self.on(heat_start - dt.timedelta(days=8), 9),
            expires_at=self.on(heat_start + dt.timedelta(days=15), 0),
            author="小李",
        )
        heat_stop = _last(today, 3, 15, gap=10)
        self.notice(
            f"{_ymd(heat_stop)}停止供暖的通知",
            "供暖",
            f"""
本供暖季将于{_md(heat_stop)}24时结束。停暖后请注意：

- 不要自行关闭或拆卸暖气阀门；
- 停暖后如果发现暖气漏水，请及时报修；
- 早晚温差大，家中老人、孩子注意保暖，谨防感冒。

对本供暖季的供热质量有意见和建议的，可以打电话告诉我们，社区汇总后统一反馈给供热站。感谢各位居民一个冬天以来对供热工作的理解和支持。
""",
            publish_at=self.on(heat_stop - dt.timedelta(days=5), 9),
            expires_at=self.on(heat_stop + dt.timedelta(days=3), 0),
            author="小李",
        )
        election = self.election_day
        self.notice(
            "幸福里社区第十一届居民委员会选举选民登记公告",
            "选举",
            f"""
根据《中华人民共和国城市居民委员会组织法》和本市有关规定，幸福里社区第十一届居民委员会换届选举选民登记工作将于{_md(election - dt.timedelta(days=35))}至{_md(election - dt.timedelta(days=25))}进行。

**登记对象**

- 户籍在本社区、年满18周岁的居民（年龄计算以选举日为准）；
- 户籍不在本社区，但在本社区居住一年以上、本人申请参加选举的居民，经社区居民选举委员会同意后登记。

**登记方式**：网格员将入户登记，也可以到社区一站式服务大厅登记，请带好身份证和户口簿（或居住证明材料）。

选民名单将于选举日前20日在各院公告栏张榜公布。对名单有不同意见的，可以在公布之日起5日内向居民选举委员会提出。

咨询电话：{OFFICE}
""",
            publish_at=self.on(election - dt.timedelta(days=36), 9),
            expires_at=self.on(election + dt.timedelta(days=1), 0),
            author="王主任",
        )
        self.notice(
            "幸福里社区第十一届居民委员会选举结果公告",
            "选举",
            f"""
{_ymd(election)}，幸福里社区第十一届居民委员会选举大会在东院小广场举行。本次选举登记选民5,126人，参加投票4,583人，参选率89.4%。依法选举产生新一届居民委员会成员：

| 职务 | 姓名 |
| --- | --- |
| 主任 | 王丽华 |
| 副主任 | 李向东 |
| 委员 | 赵敏、陈志刚、周晓梅 |

以上人员得票均超过参加投票选民的半数，当选有效。

特此公告。

幸福里社区居民选举委员会
""",
            publish_at=self.on(election + dt.timedelta(days=1), 10),
            author="王主任",
        )
        old_fee = now - dt.timedelta(days=390)
        self.notice(
            f"关于收缴{old_fee.year}年度生活垃圾处理费（卫生费）的通知",
            "费用收缴",
            f"""
{old_fee.year}年度居民生活垃圾处理费开始收缴，标准为每户每年36元，低保、特困家庭凭证明免收。

缴费地点为社区一站式服务大厅4号窗口，截止到{_md(old_fee + dt.timedelta(days=60))}。网格员也会带收款码入户收取，请认准工作证，不要把钱交给不认识的人。

已经缴费的住户请保存好收据。对收费有疑问的，可以到4号窗口查询本户缴费记录。

咨询电话：010-8765-4304
""",
            publish_at=old_fee.replace(hour=9, minute=0, second=0),
            expires_at=(old_fee + dt.timedelta(days=60)).replace(hour=17, minute=30, second=0),
            author="小李",
        )
        pest = today - dt.timedelta(days=50)
        self.notice(
            "社区公共区域开展灭鼠灭蟑消杀作业",
            "卫生防疫",
            f"""
为预防鼠类、蟑螂传播疾病，街道委托专业消杀公司于{_md(pest)}至{_md(pest + dt.timedelta(days=2))}在幸福里社区公共区域开展灭鼠灭蟑作业。

- 作业范围：各楼地下室、垃圾桶站、绿地、下水道井口；
- 投放的毒饵盒上贴有“灭鼠药 请勿触碰”标识。

请家长看管好孩子，不要让孩子触摸、捡拾毒饵；遛狗遛猫时请牵好绳，防止宠物误食。发现死鼠请不要用手直接接触，可以告诉物业统一处理。

咨询电话：{OFFICE}
""",
            publish_at=self.on(pest - dt.timedelta(days=3), 15),
            expires_at=self.on(pest + dt.timedelta(days=3), 0),
            author="赵委员",
        )

        # Expired and not worth keeping.
        lift = today - dt.timedelta(days=35)
        self.notice(
            f"幸福嘉园2栋1号电梯{_md(lift)}停运维保",
            "社区通知",
            f"""
幸福嘉园2栋1号电梯定于{_mdw(lift)}9:00—17:00进行年度维护保养，维保期间停止运行，2号电梯正常使用。

上下班高峰时段等候时间可能较长，请大家提前出门、错峰出行。行动不便的住户如需帮助，请提前联系物业客服 {JIAYUAN_PROPERTY}，物业将安排人员协助。
""",
            publish_at=self.on(lift - dt.timedelta(days=2), 16),
            expires_at=self.on(lift, 17),
            keep_after_expiry=False,
            author="小周",
        )

        # Drafts.
        self.notice(
            f"关于推选{today.year}年度“幸福里好邻居”的通知",
            "社区通知",
            """
又到了一年一度推选“幸福里好邻居”的时候。您身边有没有这样的邻居：常年照顾孤寡老人，主动打扫楼道，下雨天帮大家收被子，楼里有事总是热心张罗……

推选条件和推荐方式：

1. 本社区居民，热心邻里互助，在居民中口碑好；
2. 可以本人自荐，也可以由邻居、楼门长推荐；
3. 推荐表在社区一站式服务大厅领取，也可以直接告诉网格员推荐理由。

推荐截止时间和表彰安排另行通知。
""",
            summary="身边有热心助人的好邻居吗？欢迎自荐或推荐“幸福里好邻居”。",
            status=m.DRAFT,
            author="小李",
            internal_note="内部：等王主任定下表彰名额和奖品预算后再发。",
        )
        self.notice(
            "西院雨污分流管道改造施工公告",
            "社区通知",
            """
西院雨污分流改造工程计划于下月开工，工期约45天。施工期间西院南门禁止车辆通行，行人请从东侧便道进出。

- 施工单位：区市政工程公司
- 施工时间：每天7:00—12:00，14:00—19:00，夜间不施工

施工期间可能产生噪声和扬尘，敬请谅解。施工围挡内有深坑，请家长看管好孩子，不要进入围挡。
""",
            status=m.DRAFT,
            author="小周",
            internal_note="内部：施工单位名称和开工日期以街道城建科最终通知为准，确认前不要发布。",
        )
        self.notice(
            "关于调整社区图书室开放时间的通知",
            "社区通知",
            """
为方便中小学生放学后和周末来看书，社区图书室开放时间调整如下：

- 周二至周五：14:00—19:00
- 周六、周日：9:00—17:00
- 周一闭馆整理

调整后每周开放时间比原来增加了8个小时。欢迎居民带孩子来看书、写作业。图书室免费借阅，凭身份证登记就可以办理借书证。
""",
            summary="图书室改为周二至周日开放，工作日开到晚上7点，方便学生放学后来看书。",
            status=m.DRAFT,
            author="小李",
        )

        # In review.
        self.notice(
            "关于东院2号楼外墙保温层脱落隐患处置的公告",
            "安全提示",
            """
近日，东院2号楼北侧外墙保温层局部出现松动、脱落，存在高空坠物隐患。社区已会同物业对危险区域进行围挡。

处置安排：

1. 即日起东院2号楼北侧通道临时封闭，请居民从南侧绕行；
2. 维修单位将搭设脚手架，对松动部位进行清除和修补，预计工期7天；
3. 施工期间请不要在北侧窗台摆放花盆等物品。

请家长告诉孩子不要在围挡区域玩耍。发现其他楼栋外墙有类似情况，请及时告诉网格员。
""",
            status=m.REVIEW,
            author="小周",
            internal_note="内部：维修费用拟从专项维修资金列支，要等业主表决结果；公告措辞请王主任把关。",
        )
        self.notice(
            "低保边缘家庭认定办法有调整，哪些家庭可以申请？",
            "政策通知",
            f"""
近期，市里对最低生活保障边缘家庭的认定办法作了调整，我们用问答的形式简单解读一下。

**问：什么是低保边缘家庭？**

答：家庭人均收入略高于低保标准、但生活仍然比较困难的家庭，具体标准以区民政局公布的为准。

**问：认定后有什么帮助？**

答：可以按规定享受医疗、教育、住房等专项救助，遇到突发困难还可以申请临时救助。

**问：怎么申请？**

答：到社区一站式服务大厅1号窗口提出申请，工作人员会告诉您需要准备哪些材料。申请后，街道会组织入户调查并公示。

咨询电话：{HALL}
""",
            status=m.REVIEW,
            author="小李",
            internal_note="内部：标准数字等区民政局正式文件，审核时核对一遍。",
        )

        # Scheduled: approved, goes public in two days.
        self.notice(
            "关于开展居民燃气安全入户检查的通知",
            "安全提示",
            f"""
燃气公司将于{_md(today + dt.timedelta(days=5))}至{_md(today + dt.timedelta(days=25))}对幸福里社区居民住户开展年度燃气安全入户检查，检查**不收取任何费用**。

检查内容包括：燃气表和管道有没有漏气，燃气软管是否老化、超期使用，灶具有没有熄火保护装置，热水器安装和排烟是否符合要求。

各楼的入户时间会提前两天张贴在单元门口。检查人员统一穿工装、佩戴工作证，并由网格员陪同。不在家的住户，可以按通知上的电话另约时间。

如发现有人以“燃气检查”为名推销产品、收取费用，请立即拨打 {OFFICE} 或 110。
""",
            publish_at=self.at(2, 8, 0),
            expires_at=self.at(25, 18),
            created_at=self.at(-1, 14, 20),
            updated_at=self.at(-1, 17, 45),
            author="赵委员",
        )

        # Archived: superseded, kept for the record.
        self.notice(
            "关于社区临时疫苗接种点调整的通知",
            "卫生防疫",
            f"""
因社区文体活动室装修，原设在活动室的临时疫苗接种点暂时调整到社区卫生服务站二层，接种时间不变（每周二、周四上午8:30—11:30）。

装修完成后接种点将搬回原址，届时另行通知。请前来接种的居民带好身份证和接种证。给大家带来的不便，敬请谅解。

咨询电话：{CLINIC}
""",
            status=m.ARCHIVED,
            publish_at=self.at(-500, 9, 0),
            updated_at=self.at(-380, 11, 0),
            author="赵委员",
            internal_note="内部：活动室早已装修完，此条已过时，下线保留备查。",
        )

    @property
    def election_day(self) -> dt.date:
        return _saturday_on_or_before(self.today - dt.timedelta(days=200))

    def attachment(self, notice: m.Notice, title: str) -> None:
        """A one-page PDF diagram (drawn, no text) attached to ``notice``; only with photos."""
        if self.painter is None:
            return
        img = Image.new("RGB", (842, 595), (250, 250, 245))
        d = ImageDraw.Draw(img)
        d.rectangle((30, 30, 812, 565), outline=(60, 60, 60), width=3)
        colours = [(240, 120, 110), (240, 120, 110), (250, 200, 90), (250, 200, 90),
                   (200, 200, 200), (200, 200, 200), (140, 170, 230), (140, 170, 230)]
        for i, colour in enumerate(colours):
            x = 80 + (i % 4) * 180
            y = 90 + (i // 4) * 230
            d.rectangle((x, y, x + 130, y + 150), fill=colour, outline=(60, 60, 60), width=2)
        d.rectangle((700, 480, 790, 545), fill=(90, 90, 90))  # the substation
        buf = io.BytesIO()
        stamp = notice.publish_at.timetuple()
        img.save(buf, "PDF", resolution=72.0, creationDate=stamp, modDate=stamp)
        data = buf.getvalue()
        self.add(m.Attachment, notice=notice, title=title, file=store_file(self.painter.media_dir, data, ".pdf"),
                 size=len(data), position=0)

    # services

    def services(self) -> None:
        hall_hours = "周一至周五 8:30—17:30（午间不休），周六 9:00—12:00"
        online = "https://zwfw.anhe.example.gov.cn"
        items = [
            dict(
                title="最低生活保障申请",
                category="民政",
                summary="家庭人均收入低于本市低保标准、家庭财产符合规定的居民，可以申请最低生活保障。",
                who_qualifies="""同时符合以下条件的家庭可以申请：

- 申请人具有本市户籍，并在户籍所在地实际居住；
- 共同生活的家庭成员月人均收入低于本市城乡居民最低生活保障标准；
- 家庭财产（存款、房产、车辆等）符合规定。

重病、重度残疾等特殊困难人员，可以按规定单独提出申请。""",
                documents="""申请人及共同生活家庭成员的身份证、户口簿
社会救助申请书（窗口领取，工作人员可以帮忙填写）
家庭成员收入情况说明（工资单、退休金证明等）
家庭经济状况核对授权书
残疾人证、病历等相关证明（如有）""",
                steps="""1. 到一站式服务大厅1号窗口提出申请，提交材料（也可以在网上办事大厅申请）；
2. 街道和社区工作人员入户调查，核实家庭经济状况；
3. 街道审核后，在社区公告栏公示7天；
4. 区民政局审批，批准后从批准次月起按月发放到社保卡。""",
                location="一站式服务大厅1号窗口（民政）",
                phone=HALL,
                time_limit="材料齐全后30个工作日内办结",
                online_url=f"{online}/minzheng/dibao",
                home_visit=True,
                body="行动不便的，可以打电话预约，由网格员上门受理。\n\n低保家庭每年要复核一次家庭情况。家庭收入、人口有变化时，请主动告诉社区。",
            ),
            dict(
                title="高龄津贴申领",
                category="民政",
                summary="本市户籍、年满80周岁的老人，可以按月领取高龄津贴。",
                who_qualifies="本市户籍、年满80周岁的老年人。当月年满80岁即可申请。",
                documents="""老人身份证
户口簿
老人本人社保卡（用于发放津贴）
代办人身份证（家属代办时）""",
                steps="""1. 年满80周岁当月，到1号窗口申请，或者由网格员上门办理；
2. 社区录入系统，街道审核；
3. 审核通过后，从次月起按月发放到社保卡。""",
                location="一站式服务大厅1号窗口（民政）",
                phone=HALL,
                time_limit="15个工作日",
                online_url=f"{online}/minzheng/gaoling",
                home_visit=True,
                body="现行标准：80—89岁每人每月120元，90—99岁每人每月300元，100岁及以上每人每月600元。已经在领取的老人不需要重新申请。",
            ),
            dict(
                title="临时救助申请",
                category="民政",
                summary="因火灾、交通事故、突发重病等导致基本生活暂时出现严重困难的家庭或个人，可以申请临时救助。",
                who_qualifies="""- 因火灾、交通事故等意外事件，家庭财产遭受重大损失的；
- 因家庭成员突发重大疾病，医疗费用支出较大、基本生活出现困难的；
- 遭遇其他特殊困难，基本生活暂时无法维持的。

在本社区居住的非本市户籍人员遇到急难情况，也可以先向社区求助。""",
                documents="""申请人身份证、户口簿
临时救助申请书（窗口领取）
困难情况证明材料（医疗费票据、事故证明等）
本人社保卡或银行卡""",
                steps="""1. 本人或家属到1号窗口申请，也可以由网格员代为提出；
2. 社区入户核实困难情况；
3. 街道审批，情况紧急的可以先行救助；
4. 救助金发放到本人账户。""",
                location="一站式服务大厅1号窗口（民政）",
                phone=HALL,
                time_limit="一般10个工作日；情况紧急的24小时内先行救助",
                home_visit=True,
            ),
            dict(
                title="城乡居民养老保险参保登记",
                category="社保",
                summary="没有参加职工养老保险的本市户籍居民，可以参加城乡居民养老保险，年满60岁后按月领取养老金。",
                who_qualifies="年满16周岁（不含在校学生）、未参加职工基本养老保险的本市户籍居民。",
                documents="""身份证
户口簿
社保卡或本人银行卡（用于扣缴保险费）""",
                steps="""1. 到2号窗口填写参保登记表；
2. 选择缴费档次，签订银行代扣协议；
3. 每年按时缴费。年满60周岁、累计缴费满15年的，可以按月领取养老金。""",
                location="一站式服务大厅2号窗口（社保医保）",
                phone="010-8765-4302",
                fee="办理免费；保险费按所选档次缴纳",
                time_limit="当场办结",
                online_url=f"{online}/shebao/jumin",
            ),
            dict(
                title="社会保障卡申领和补换",
                category="社保",
                summary="首次申领社保卡，或者社保卡丢失、损坏需要补换的，可以在社区窗口办理。",
                who_qualifies="参加本市社会保险的人员；社保卡丢失、损坏、信息变更需要补换的持卡人。",
                documents="""本人身份证
近期免冠照片（窗口可以免费拍照）
16周岁以下的，另带监护人身份证和户口簿""",
                steps="""1. 到2号窗口申请，或者通过手机“区人社”公众号申请；
2. 现场拍照、核对信息；
3. 丢失的先挂失，可以当场办理临时卡；
4. 制卡完成后收到短信，凭身份证到窗口领卡。""",
                location="一站式服务大厅2号窗口（社保医保）",
                phone="010-8765-4302",
                fee="首次申领免费；补换卡工本费以区人社局公布的为准",
                time_limit="约20个工作日",
                online_url=f"{online}/shebao/card",
            ),
            dict(
                title="城乡居民医疗保险参保缴费",
                category="医保",
                summary="没有参加职工医保的老人、学生儿童和其他居民，每年集中缴费期内参加城乡居民医保。",
                who_qualifies="""- 未参加职工医保的老年人、劳动年龄内居民；
- 学生、儿童（可以通过学校统一缴费）；
- 新生儿（出生后90天内参保，从出生之日起享受待遇）。""",
                documents="""身份证或社保卡
新生儿：出生医学证明、户口簿""",
                steps="""1. 集中缴费期内，通过手机公众号、银行App缴费，或者到2号窗口缴费；
2. 首次参保的，先在窗口办理参保登记；
3. 缴费成功后次年1月1日起享受待遇。""",
                location="一站式服务大厅2号窗口（社保医保）",
                phone="010-8765-4302",
                fee="按年度个人缴费标准缴纳；低保、特困、重度残疾人员由政府资助",
                time_limit="当场办结",
                online_url=f"{online}/yibao/jumin",
            ),
            dict(
                title="异地就医备案",
                category="医保",
                summary="长期在外地居住或者需要转外地看病的，先办备案，就可以在外地定点医院直接结算。",
                who_qualifies="参加本市医保，长期在外地居住（如随子女生活），或经医院诊断需要转往外地就医的人员。",
                documents="""社保卡或医保电子凭证
异地长期居住的：居住证明或个人承诺书
转外地就医的：医院开具的转诊证明""",
                steps="""1. 在手机上通过国家医保服务平台App或“区医保”公众号自助备案；
2. 不会操作的，到2号窗口由工作人员协助；
3. 备案成功后，在备案地的定点医院看病可以直接结算。""",
                location="一站式服务大厅2号窗口（社保医保）",
                phone="010-8765-4302",
                time_limit="即时办结",
                online_url=f"{online}/yibao/yidi",
            ),
            dict(
                title="生育登记服务",
                category="计生",
                summary="生育第一个、第二个和第三个孩子都可以办理生育登记，用于产检建档和生育待遇。",
                who_qualifies="夫妻双方或一方户籍在本社区，或者在本社区居住的夫妻。",
                documents="""夫妻双方身份证
户口簿
结婚证（如有）""",
                steps="""1. 在区政务服务网上填报，或者到3号窗口登记；
2. 工作人员核对信息；
3. 登记完成后可以打印或下载电子生育服务单，用于产检建档、生育医疗费用报销。""",
                location="一站式服务大厅3号窗口（计生、就业）",
                phone="010-8765-4303",
                time_limit="即时办结",
                online_url=f"{online}/jisheng/dengji",
                body="怀孕后尽早登记，方便社区卫生服务站安排孕期随访。已经办理过的，如果信息有变化请到窗口更正。",
            ),
            dict(
                title="失业登记",
                category="就业",
                summary="处于失业状态、有就业愿望的居民，可以办理失业登记，享受免费职业指导、岗位推荐和培训。",
                who_qualifies="法定劳动年龄内、有劳动能力和就业要求、处于失业状态的本市户籍居民或本社区常住人员。",
                documents="""身份证
社保卡
与原单位解除或终止劳动合同的证明（如有）""",
                steps="""1. 到3号窗口或者通过网上办事大厅办理失业登记；
2. 工作人员了解您的求职意向，提供职业指导和岗位推荐；
3. 需要的，可以报名参加免费职业技能培训；
4. 符合条件的，可以申领失业保险金。""",
                location="一站式服务大厅3号窗口（计生、就业）",
                phone="010-8765-4303",
                time_limit="即时办结",
                online_url=f"{online}/jiuye/shiye",
            ),
            dict(
                title="就业困难人员认定",
                category="就业",
                summary="大龄失业、残疾、低保家庭等就业困难的居民，认定后可以享受就业援助和社保补贴。",
                who_qualifies="""已办理失业登记，并属于下列情形之一的：

- 女性年满40周岁、男性年满50周岁的大龄失业人员；
- 持有残疾人证的；
- 低保家庭成员、零就业家庭成员；
- 连续失业一年以上的。""",
                documents="""身份证
社保卡
相关证明材料（残疾人证、低保证明等）""",
                steps="""1. 到3号窗口提出申请；
2. 社区初审，并在社区公示5个工作日；
3. 区人社部门审核认定；
4. 认定后可以优先推荐公益性岗位，按规定享受社会保险补贴。""",
                location="一站式服务大厅3号窗口（计生、就业）",
                phone="010-8765-4303",
                time_limit="15个工作日",
                online_url=f"{online}/jiuye/kunnan",
            ),
            dict(
                title="残疾人证申领",
                category="残联",
                summary="经评定符合残疾标准的居民，可以申领残疾人证，享受相应的补贴和优惠政策。",
                who_qualifies="有视力、听力、言语、肢体、智力、精神等方面残疾的本市户籍居民。",
                documents="""身份证、户口簿
近期两寸白底免冠照片3张
相关病历、诊断证明""",
                steps="""1. 到4号窗口提出申请，领取评定表；
2. 到区残联指定的医院进行残疾评定；
3. 区残联审核；
4. 制证完成后通知本人领取。""",
                location="一站式服务大厅4号窗口（残联、综合）",
                phone="010-8765-4304",
                fee="免费（含评定费用）",
                time_limit="评定完成后20个工作日",
                online_url=f"{online}/canlian/zheng",
                home_visit=True,
                body="长期卧床、行动不便的，可以申请医生上门评定，请先打电话预约。",
            ),
            dict(
                title="困难残疾人生活补贴和重度残疾人护理补贴",
                category="残联",
                summary="低保家庭中的残疾人可以领生活补贴，一级、二级重度残疾人可以领护理补贴。",
                who_qualifies="""- 生活补贴：持有残疾人证、家庭为低保或低保边缘家庭的残疾人；
- 护理补贴：持有残疾人证、残疾等级为一级或二级的重度残疾人。""",
                documents="""残疾人证
身份证、户口簿
社保卡（用于发放）""",
                steps="""1. 到4号窗口填写申请表；
2. 社区初审，街道审核；
3. 区残联、民政部门审定后按月发放。""",
                location="一站式服务大厅4号窗口（残联、综合）",
                phone="010-8765-4304",
                time_limit="20个工作日",
                home_visit=True,
            ),
            dict(
                title="法律援助申请",
                category="法律援助",
                summary="经济困难、需要打官司或请律师的居民，可以申请免费法律援助；每周三下午有律师在社区值班。",
                who_qualifies="""- 追索赡养费、抚养费、劳动报酬、工伤赔偿等，且经济困难的；
- 老年人、残疾人、低保家庭成员等，可以免于经济困难审查。

不清楚是否符合条件的，可以先来咨询。""",
                documents="""身份证
经济困难状况说明表（窗口领取）
与案件有关的材料（合同、欠条、判决书等）""",
                steps="""1. 每周三下午到法律服务室，由值班律师免费咨询；
2. 需要法律援助的，社区协助填写申请表；
3. 区法律援助中心审查；
4. 符合条件的，指派律师代理。""",
                location="社区二层203室（法律服务室）",
                hours="每周三 14:00—17:00 律师值班；其他时间可以到大厅预约",
                phone="010-8765-4305",
                time_limit="法律援助中心7个工作日内作出决定",
                body="也可以拨打12348公共法律服务热线咨询。",
            ),
            dict(
                title="居住证明开具",
                category="证明开具",
                summary="在本社区实际居住的居民，因入学、就业等需要证明居住情况的，可以在社区开具。",
                who_qualifies="在本社区实际居住的居民（含租房居住）。",
                documents="""本人身份证
房产证，或者租房合同和房东身份证复印件
用途说明（例如学校、单位出具的要求）""",
                steps="""1. 到4号窗口提交材料，说明用途；
2. 社区核实居住情况，必要时网格员入户核实；
3. 核实无误后开具证明，加盖社区公章。""",
                location="一站式服务大厅4号窗口（残联、综合）",
                phone="010-8765-4304",
                time_limit="材料齐全的当场开具；需要核实的3个工作日内",
                body="按照减证便民的要求，社区只开具本社区能够核实的证明。亲属关系、无犯罪记录等证明不属于社区开具范围，请到有关部门办理，不清楚的可以先打电话问。",
            ),
            dict(
                title="居住登记和居住证申领",
                category="证明开具",
                summary="非本市户籍、在本社区居住的居民，先办居住登记，满半年并符合条件的可以申领居住证。",
                who_qualifies="""非本市户籍，在本社区居住，并符合下列条件之一：

- 有合法稳定就业；
- 有合法稳定住所；
- 连续就读。""",
                documents="""身份证
租房合同或房产证明
就业或就读证明（申领居住证时）""",
                steps="""1. 到4号窗口办理居住登记；
2. 居住满半年后，申请居住证；
3. 派出所审核，制证后通知领取。""",
                location="一站式服务大厅4号窗口（残联、综合）",
                phone="010-8765-4304",
                fee="首次申领免费",
                time_limit="15个工作日",
                online_url=f"{online}/huji/juzhuzheng",
            ),
            dict(
                title="居家养老服务补贴申请",
                category="养老",
                summary="失能、高龄独居和困难老人，经评估后可以享受助餐、助浴、助洁等居家养老服务补贴。",
                who_qualifies="""本市户籍、在本社区居住，并属于下列情形之一的老年人：

- 经评估为失能或半失能的；
- 80周岁以上独居的；
- 低保、特困家庭中的老人。""",
                documents="""老人身份证、户口簿
社保卡
相关证明（低保证明、病历等，如有）""",
                steps="""1. 本人或家属到养老服务站申请，也可以请网格员代为申请；
2. 评估机构上门进行能力评估；
3. 根据评估结果确定补贴等级；
4. 补贴以服务卡形式发放，用于助餐、助浴、助洁、上门护理等服务。""",
                location="养老服务站（西院6号楼南侧，日间照料中心一层）",
                hours="周一至周六 8:30—17:00",
                phone="010-8765-4370",
                time_limit="评估后20个工作日",
                online_url=f"{online}/yanglao/butie",
                home_visit=True,
            ),
            dict(
                title="老年人助餐卡办理",
                category="养老",
                summary="60岁以上老人办理助餐卡后，在长者食堂就餐可以享受优惠，行动不便的可以送餐上门。",
                who_qualifies="在本社区居住的60周岁以上老人。",
                documents="""老人身份证
社保卡""",
                steps="""1. 到长者食堂或养老服务站登记；
2. 当场领取助餐卡并充值；
3. 就餐时刷卡，系统自动按标准扣减补贴；
4. 需要送餐的，提前一天打电话预订。""",
                location="幸福里长者食堂（日间照料中心一层）",
                hours="每天 10:30—18:30",
                phone="010-8765-4371",
                fee="办卡免费",
                time_limit="当场办结",
            ),
            dict(
                title="老年人优待卡办理",
                category="养老",
                summary="年满60周岁的老人可以办理优待卡，享受公园、公交等方面的优待。",
                who_qualifies="年满60周岁、在本市居住的老年人。",
                documents="""身份证
近期一寸免冠照片1张（窗口可以免费拍照）""",
                steps="""1. 到1号窗口申请，现场拍照；
2. 制卡完成后通知本人领取；
3. 也可以由家属凭老人身份证代办。""",
                location="一站式服务大厅1号窗口（民政）",
                phone=HALL,
                time_limit="约15个工作日",
                online_url=f"{online}/minzheng/youdai",
            ),
        ]
        for position, item in enumerate(items, start=1):
            item.setdefault("hours", hall_hours)
            item.setdefault("fee", "免费")
            self.content(
                m.Service,
                item.pop("title"),
                position=position * 10,
                publish_at=self.at(-400 + position * 7, 9, 0),
                updated_at=self.at(-90 + position * 3, 15, 0),
                **item,
            )
        self.content(
            m.Service,
            "居家适老化改造补贴申请",
            status=m.DRAFT,
            category="养老",
            summary="为高龄、失能老人家中加装扶手、防滑地面、紧急呼叫器等，符合条件的可以申请补贴。",
            who_qualifies="本市户籍、在本社区居住的高龄、失能、残疾老年人家庭。",
            documents="老人身份证、户口簿\n房屋产权证明或租住证明",
            steps="1. 提出申请；\n2. 评估人员上门查看，制订改造方案；\n3. 施工改造；\n4. 验收后拨付补贴。",
            location="养老服务站（西院6号楼南侧）",
            hours="周一至周六 8:30—17:00",
            phone="010-8765-4370",
            position=len(items) * 10 + 10,
            home_visit=True,
            internal_note="内部：补贴标准和合作施工单位还没定，等街道文件。",
        )

    # places of the 15-minute circle

    def places(self) -> None:
        items = [
            dict(
                title="幸福里社区卫生服务站",
                category="医疗卫生",
                summary="常见病诊疗、慢病管理、家庭医生签约、预防接种和老年人体检。",
                address="幸福里14号（东院南门东侧）",
                hours="周一至周五 8:00—17:00，周六、周日 8:00—12:00",
                phone=CLINIC,
                walking_minutes=3,
                latitude=39.90215,
                longitude=116.35318,
                photo="facade",
                body="""- 全科门诊、中医理疗（拔罐、针灸）
- 高血压、糖尿病患者每季度免费随访
- 家庭医生签约：每个网格都有签约医生，长期卧床的可以申请上门服务
- 预防接种：每周二、周四上午

医保卡可以直接结算，常用慢病药品可以开一到三个月的长处方。""",
            ),
            dict(
                title="幸福里日间照料中心",
                category="养老服务",
                summary="老人白天可以来这里休息、吃饭、参加活动，晚上回家住。",
                address="西院6号楼南侧二层小楼",
                hours="周一至周六 8:00—18:00",
                phone="010-8765-4370",
                walking_minutes=6,
                photo="elder",
                body="""中心设有休息室、康复训练室、棋牌室和助浴间，有护理员全天值守。

- 日间托老：按天或按月，适合白天子女上班、老人不方便独自在家的家庭；
- 康复训练：每周一、三、五上午有康复师指导；
- 助浴服务：需要提前预约。

一层是养老服务站和长者食堂。""",
            ),
            dict(
                title="幸福里长者食堂",
                category="养老服务",
                summary="面向社区老人的食堂，荤素搭配、少油少盐，凭助餐卡享受优惠，可以送餐上门。",
                address="西院6号楼南侧，日间照料中心一层",
                hours="午餐 11:00—13:00，晚餐 17:00—18:30",
                phone="010-8765-4371",
                walking_minutes=6,
                body="""每天两荤两素一汤，每周公布菜单。主食有米饭、馒头，周三、周五有饺子。

60岁以上老人办理助餐卡后享受优惠；80岁以上独居老人和行动不便的老人，可以提前一天打电话预订送餐，由志愿者送到家门口。

普通居民也可以来就餐，按原价收费。""",
            ),
            dict(
                title="社区图书室",
                category="文化体育",
                summary="藏书一万余册，有报刊阅览区和学生自习桌，免费借阅。",
                address="幸福里14号居委会二层",
                hours="周一至周五 9:00—17:00",
                phone=OFFICE,
                walking_minutes=2,
                body="""图书室有藏书一万余册，以文学、历史、养生保健和少儿读物为主，订阅了十几种报刊。

凭身份证登记即可办理借书证，每次可借3本，借期一个月。设有大字版图书专架和老花镜，方便老人阅读。

每月最后一个周六下午有亲子读书会。""",
            ),
            dict(
                title="儿童之家（儿童活动室）",
                category="文化体育",
                summary="给社区孩子准备的活动室，有绘本、积木和手工材料，放学后有“四点半课堂”。",
                address="幸福里14号居委会二层东侧",
                hours="周二至周五 15:30—18:30，周六 9:00—17:00",
                phone=OFFICE,
                walking_minutes=2,
                photo="lecture",
                body="""3—12岁的孩子都可以来玩，6岁以下请家长陪同。

- 放学后“四点半课堂”：大学生志愿者辅导作业；
- 周六上午：绘本故事会、手工课；
- 寒暑假：开设书法、科学小实验等公益课程，提前在网站和楼门群里报名。""",
            ),
            dict(
                title="东院健身广场",
                category="文化体育",
                summary="有健身器材、乒乓球台和塑胶步道，早晚跳广场舞、打太极的居民很多。",
                address="东院4号楼与5号楼之间",
                hours="全天开放（22:00以后请不要使用音响）",
                walking_minutes=4,
                latitude=39.90263,
                longitude=116.35402,
                photo="park",
                body="""广场有健身器材20余件、乒乓球台2张、300米塑胶步道。

使用健身器材时请注意安全，儿童须在家长看护下使用。器材损坏请告诉网格员或拨打物业电话报修。

为了不影响周边居民休息，早上7点前、晚上9点半以后请把音响音量调小，晚上10点以后请停止使用音响。""",
            ),
            dict(
                title="槐荫农贸市场",
                category="购物",
                summary="蔬菜、水果、肉蛋、水产、粮油和早点，周边居民买菜的主要去处。",
                address="槐荫路28号",
                hours="每天 6:00—19:00",
                phone="010-8765-6028",
                walking_minutes=10,
                latitude=39.90088,
                longitude=116.35571,
                photo="facade",
                body="市场有摊位80多个，设有公平秤和投诉台。早上6点到8点有早点摊。市场门口有社区设立的“便民服务点”，每月第二个周六有义务理发、磨刀。",
            ),
            dict(
                title="邻家惠民超市",
                category="购物",
                summary="日用百货、粮油副食、冷冻食品，满额可以送货上楼。",
                address="幸福嘉园1栋底商",
                hours="每天 7:00—22:00",
                phone="010-8765-6101",
                walking_minutes=3,
                photo="facade",
                body="超市为社区60岁以上老人提供购物满50元送货上楼服务。每周三是“老年优惠日”，部分蔬菜、鸡蛋打折。",
            ),
            dict(
                title="康宁大药房（槐荫路店）",
                category="医疗卫生",
                summary="医保定点药店，可以刷医保卡，有执业药师提供用药咨询，夜间有售药窗口。",
                address="槐荫路36号",
                hours="每天 8:00—21:30，夜间售药窗口 21:30—次日8:00",
                phone="010-8765-6136",
                walking_minutes=5,
                body="药店可以免费测量血压、血糖。执业药师每天白天在岗，可以帮老人整理药箱、讲解用药注意事项。过期药品可以投放到店门口的回收箱。",
            ),
            dict(
                title="槐荫路第一幼儿园",
                category="教育",
                summary="公办幼儿园，招收3—6岁幼儿，每年春季报名。",
                address="槐荫路12号",
                hours="周一至周五 7:30—17:30",
                phone="010-8765-6212",
                walking_minutes=8,
                latitude=39.90311,
                longitude=116.35193,
                body="幼儿园有大、中、小班共9个班。新生报名一般在每年春季，具体时间以幼儿园公告为准，社区也会在网站通知栏目转发。",
            ),
            dict(
                title="槐荫路小学",
                category="教育",
                summary="幸福里社区的划片小学，步行约12分钟。",
                address="槐荫路北段66号",
                hours="上学日 7:30—17:00",
                phone="010-8765-6266",
                walking_minutes=12,
                body="一年级新生入学登记一般在每年春季，需要的居住证明可以在社区一站式服务大厅4号窗口开具。上学、放学时段学校门口有志愿者护学岗。",
            ),
            dict(
                title="幸福里快递驿站",
                category="生活服务",
                summary="代收代寄快递，老人、残疾人的包裹可以预约送货上门。",
                address="西院北门内东侧平房",
                hours="每天 8:00—21:00",
                phone="010-8765-6310",
                walking_minutes=5,
                body="驿站代收各主要快递公司的包裹，保管7天。行动不便的老人和残疾人，可以打电话预约免费送货上门。驿站门口设有纸箱回收点。",
            ),
            dict(
                title="东院便民维修点",
                category="生活服务",
                summary="修鞋、配钥匙、修拉链、改衣服，价格公道。",
                address="东院北门西侧",
                hours="每天 8:30—18:00（雨天休息）",
                walking_minutes=4,
                body="维修点由社区统一设置，师傅在这里干了十几年。小修小补大多当场就能取，老人配钥匙、换鞋跟有优惠。",
            ),
        ]
        portrait = {"幸福里日间照料中心"}
        for item in items:
            kind = item.pop("photo", None)
            title = item.pop("title")
            photo = self.photo_path(kind, portrait=title in portrait) if kind else ""
            self.content(
                m.Place,
                title,
                photo=photo,
                publish_at=self.at(-380 + self.rng.randint(0, 200), 10, 0),
                **item,
            )

    # volunteers

    def teams(self) -> dict[str, m.VolunteerTeam]:
        items = [
            dict(
                key="守望",
                title="邻里守望志愿服务队",
                summary="定期探望独居、空巢老人，陪老人聊天、读报、代买东西、陪同看病。",
                leader="刘淑芬",
                phone="010-8765-4320",
                members=46,
                body="""队员大多是社区里身体还不错的退休居民，每人结对两到三户独居、空巢老人，每周至少上门或打电话一次。

主要服务：

- 上门探望，陪老人聊天、读报；
- 代买药品和生活用品，陪同去医院；
- 发现老人身体不适或家中有安全隐患，及时告诉网格员。

每月第一个周一上午在社区开例会，交流走访情况。""",
            ),
            dict(
                key="维修",
                title="小巧手便民维修队",
                summary="每月第二个周六在东院小广场出摊，免费修理小家电、自行车、雨伞，换灯泡、修水龙头。",
                leader="马建国",
                phone="010-8765-4321",
                members=12,
                body="""队员有退休电工、钳工，也有在职的维修师傅。每月第二个周六上午9点到11点半在东院小广场摆摊，免费修理小家电、自行车、雨伞、钟表等，只收零件成本费。

独居老人家里换灯泡、修水龙头、通下水道，可以打电话预约上门。""",
            ),
            dict(
                key="法律",
                title="幸福里法律服务队",
                summary="律师、退休法官和人民调解员组成，提供免费法律咨询和邻里纠纷调解。",
                leader="高明远",
                phone="010-8765-4305",
                members=6,
                body="""服务队由2名执业律师、1名退休法官和3名人民调解员组成。

- 每周三下午在社区二层203室值班，提供免费法律咨询；
- 协助调解邻里、家庭纠纷；
- 每季度开展一次普法讲座，内容包括遗嘱继承、赡养、防范养老诈骗等。""",
            ),
            dict(
                key="青春",
                title="青春志愿服务队",
                summary="大学生和中学生志愿者：辅导作业、教老人用手机、参加垃圾分类值守。",
                leader="李悦",
                phone="010-8765-4322",
                members=35,
                body="""队员是住在社区的大学生、中学生和年轻上班族。

- 放学后“四点半课堂”，辅导小学生写作业；
- “手机课堂”，教老人用手机挂号、缴费、视频通话；
- 周末在垃圾桶站值守，宣传垃圾分类。

中学生参加志愿服务可以开具志愿服务时长证明。""",
            ),
            dict(
                key="健康",
                title="健康守护志愿服务队",
                summary="社区医生、护士和有医学背景的居民，组织义诊、健康讲座和慢病随访。",
                leader="王秀兰",
                phone=CLINIC,
                members=15,
                body="""服务队以社区卫生服务站的医护人员为骨干，吸收了一些退休医生、护士。

- 每月一次义诊，量血压、测血糖、用药咨询；
- 每季度一次健康讲座；
- 协助卫生服务站对高血压、糖尿病老人进行随访。""",
            ),
        ]
        teams = {}
        for item in items:
            key = item.pop("key")
            teams[key] = self.content(
                m.VolunteerTeam,
                item.pop("title"),
                publish_at=self.at(-420 + self.rng.randint(0, 60), 10, 0),
                **item,
            )
        return teams

    def stories(self, teams: dict[str, m.VolunteerTeam]) -> None:
        items = [
            dict(
                title="十一年，她成了盲人张大爷的“眼睛”",
                team="守望",
                cover="elder",
                days=-12,
                summary="东院6号楼的刘阿姨，十一年来每天给双目失明的邻居张大爷读报、买菜、陪他看病。",
                body="""早上八点半，东院6号楼三层准时响起敲门声。“老张，今天降温，毛衣穿上了吗？”说话的是住在楼下的刘淑芬阿姨。

张大爷六十多岁时因为青光眼双目失明，老伴走得早，女儿在外地工作。十一年前，刘阿姨退休后参加了邻里守望志愿服务队，结对的第一户就是张大爷。从那以后，给张大爷读报、买菜、陪他去医院复查，成了她每天的“固定节目”。

张大爷家的物件摆放，刘阿姨比谁都清楚：暖壶在桌子左边，药盒按早中晚分好格子，拖鞋永远放在床边同一个位置。“他看不见，东西一挪地方就找不着，我得替他记着。”

这些年，刘阿姨还教会了张大爷用语音手机，“有事一按就能找到我”。张大爷说：“她就是我的眼睛。”

社区里像刘阿姨这样结对帮扶的志愿者有四十多位。如果您也愿意为身边的老人搭把手，欢迎到社区报名。""",
            ),
            dict(
                title="每月第二个周六，修理摊准时出摊",
                team="维修",
                cover="repair",
                days=-26,
                summary="小巧手便民维修队在东院小广场出摊八年，修好的小家电、自行车数都数不过来。",
                body="""每月第二个周六上午，东院小广场上总会支起几张桌子，桌上摆满了电风扇、电水壶、收音机，旁边还停着几辆等着补胎的自行车。这是小巧手便民维修队的固定“摊位”。

队长马建国是退休的电工，干了一辈子维修。“老人用惯了的东西舍不得扔，其实很多就是接触不良、换个零件的事。”一上午下来，他和队友们能修好二三十件东西，只收零件的成本钱。

住在西院的赵奶奶抱来一台用了二十年的收音机，修好后当场打开听戏，笑得合不拢嘴。

维修队现在有12名队员，除了出摊，还为独居老人上门换灯泡、修水龙头。他们的联系电话贴在每个单元门口。

维修队也欢迎有手艺的居民加入，哪怕一个月只能来一次。""",
            ),
            dict(
                title="爱心银行：做好事也能“存”起来",
                team="青春",
                cover="street",
                days=-40,
                summary="社区“爱心银行”运行两年，志愿服务可以积分，积分能兑换理发、家政等服务和生活用品。",
                body="""帮独居老人买一次菜，积2分；在垃圾桶站值守一小时，积1分；陪老人去医院复查，积3分……在幸福里社区，这些好事都能“存”进爱心银行。

两年前，社区联合周边商户开办了爱心银行。居民参加志愿服务后，由服务队负责人登记积分，积分可以兑换理发、家电清洗等服务，也可以换大米、食用油、洗衣液等生活用品。商户提供的服务和物品，由社区每年公示。

“我不是冲着积分来的，但是存着心里踏实。”西院的杨师傅说。他去年攒了八十多分，全部转赠给了楼里一户低保家庭。

目前爱心银行已有注册志愿者三百多人，累计存入积分两万多分。积分查询、兑换在社区一站式服务大厅4号窗口办理。""",
            ),
            dict(
                title="天冷了，缺衣服就来“爱心衣橱”拿",
                team="守望",
                cover="clothes",
                day=_last(self.today, 12, 18),
                summary="居委会门口的“爱心衣橱”里挂着居民捐出的冬衣，有需要的人可以随时来拿，不用登记。",
                body="""居委会门口的走廊里，有一排挂满衣服的架子，旁边的牌子上写着：“天冷了，缺衣服就来拿，不用登记。”

这是社区的“爱心衣橱”。衣服都是居民捐的：羽绒服、棉袄、毛衣、围巾，还有小孩的棉鞋。志愿者会把收来的衣服洗干净、叠整齐、按大小分类，破损的缝补好再挂出来。

一个冬天下来，“爱心衣橱”送出了三百多件衣服。拿衣服的有在附近打零工的工人，有刚搬来的租户，也有家里困难的老人。

捐衣服请注意：衣服要干净、完好，适合当季穿，内衣内裤等贴身衣物不收。捐赠时间是每周一至周五9:00—17:00。""",
            ),
            dict(
                title="一次三小时的调解，兄妹俩又坐到了一张桌上",
                team="法律",
                cover=None,
                days=-100,
                summary="为了母亲的赡养问题，兄妹几年不来往。法律服务队的调解员用一个下午，帮一家人把话说开了。",
                body="""“她不是不管妈，是心里有委屈。”调解员孙阿姨说。

西院的周老太太今年八十四岁，有一儿一女。因为母亲的赡养和老房子的事，兄妹俩几年不来往，老太太常常一个人抹眼泪。网格员走访时知道了这件事，请法律服务队帮忙。

调解安排在一个周三下午。律师先讲清楚了法律上子女的赡养义务和房产继承的规定，调解员再分别和兄妹俩谈。谈着谈着，妹妹说出了多年前的一件误会，哥哥当场红了眼眶。

三个小时后，兄妹俩签了赡养协议：轮流照顾母亲，每周各陪母亲吃一顿饭，医药费平摊。

法律服务队每周三下午在社区二层203室值班，遇到家庭、邻里纠纷，可以来找他们。""",
            ),
            dict(
                title="放学后的“四点半课堂”",
                team="青春",
                cover="lecture",
                days=-130,
                summary="双职工家庭的孩子放学后没人接，社区的“四点半课堂”由大学生志愿者辅导作业。",
                body="""下午四点半，儿童之家里坐满了刚放学的孩子。大学生志愿者小韩一边检查作业，一边给一个三年级的小男孩讲应用题。

社区里不少双职工家庭，孩子放学时父母还没下班。两年前，社区开设了“四点半课堂”，由青春志愿服务队的大学生和中学生轮流值班，辅导孩子写作业、读绘本，一直到家长下班来接。

“以前孩子放学就在楼下疯跑，现在作业写完了才回家。”一位家长说。

课堂周二到周五开放，免费参加，但需要家长提前到儿童之家登记，并签订接送协议。也欢迎有时间的大学生、退休教师来当志愿者。""",
            ),
            dict(
                title="王医生的“随访本”",
                team="健康",
                cover=None,
                days=-170,
                summary="卫生服务站的王医生有一个厚厚的本子，记着社区里两百多位慢病老人的血压、血糖和用药。",
                body="""卫生服务站的王秀兰医生有一个翻得起了毛边的本子，里面记着社区里两百多位高血压、糖尿病老人的血压、血糖和用药情况。

“电脑里也有记录，但是本子我随身带着，走到哪儿都能看。”每个月，王医生都会带着健康守护志愿服务队的队员，到老人家里随访。哪位老人最近血压偏高，哪位老人忘了按时吃药，她心里都有数。

去年冬天，王医生随访时发现东院一位独居老人说话含糊、手脚无力，立即联系120，老人因为送医及时，没有留下严重后遗症。

健康守护志愿服务队每月组织一次义诊。行动不便的慢病老人可以打电话申请上门随访。""",
            ),
            dict(
                title="楼道里多了一排扶手",
                team="维修",
                cover=None,
                days=-220,
                summary="老楼没有电梯，老人上下楼吃力。维修队和居民一起，给东院两栋楼的楼道装上了扶手。",
                body="""东院的楼都是六层的老楼，没有电梯。住在高层的老人说，上楼最怕的是在楼梯转角没有地方扶。

去年，小巧手便民维修队和居民议事会商量后，决定先在东院7号楼、8号楼试点，在楼梯靠墙一侧加装扶手。材料费由社区公益金出，安装由维修队的队员义务完成。

队员们利用四个周末，装好了两栋楼、十二个单元的扶手。8号楼的李奶奶说：“现在下楼买菜，心里踏实多了。”

其他楼的居民如果也有加装扶手的意愿，可以通过楼门长或网格员向居民议事会提出。""",
            ),
            dict(
                title="暴雨夜，她挨家挨户敲门",
                team="守望",
                cover=None,
                days=-5,
                status=m.DRAFT,
                summary="暴雨那晚，网格员和志愿者冒雨检查平房院落，帮三户老人转移到社区活动室。",
                body="""那天晚上雨下得特别大。网格员王海燕和邻里守望队的几位志愿者，打着手电一户一户敲东院平房的门。

（待补充：转移老人的经过、老人的话、照片）""",
                internal_note="内部：需要先征得三位老人家属同意再写具体情况，照片里不要出现老人面部。",
            ),
        ]
        for item in items:
            cover_kind = item.pop("cover")
            day = item.pop("day", None) or self.today + dt.timedelta(days=item.pop("days"))
            published = self.on(day, 10, 30)
            status = item.pop("status", m.PUBLISHED)
            team = teams[item.pop("team")]
            cover = self.photo_path(cover_kind) if cover_kind else ""
            self.content(
                m.Story,
                item.pop("title"),
                team=team,
                cover=cover,
                status=status,
                publish_at=published if status == m.PUBLISHED else None,
                **item,
            )

    # micro-wishes

    def wishes(self) -> None:
        how = "\n\n认领方式：拨打社区电话 {phone}，或者到一站式服务大厅登记。物品请交到社区，由网格员和志愿者一起送到受助人手中。".format(
            phone=OFFICE
        )
        items = [
            dict(
                title="想要一副合适的老花镜",
                beneficiary="东院8号楼独居的李奶奶",
                beneficiary_private="李桂兰，东院8号楼2单元301室，电话13900002301，女儿在外地",
                wish_status=m.WISH_OPEN,
                days=-6,
                body="李奶奶今年八十二岁，一个人住。原来的老花镜腿断了，用胶布缠着戴，看报纸、看药盒上的字都很吃力。她希望有一副度数合适的老花镜（约300度）。\n\n心愿价值：约100元。" + how,
            ),
            dict(
                title="一个新书包和一套文具",
                beneficiary="西院3号楼上三年级的男孩",
                beneficiary_private="孙浩然，西院3号楼1单元102室，母亲孙某某（低保户），电话13900002102",
                wish_status=m.WISH_OPEN,
                days=-3,
                body="孩子的妈妈一个人带着他，家里享受低保。孩子的书包已经背了三年，拉链坏了，下雨天书本会被淋湿。他的心愿是一个结实的新书包和一套文具。\n\n心愿价值：约150元。" + how,
            ),
            dict(
                title="想要一辆带座椅的助行手推车",
                beneficiary="东院平房独居的王大爷",
                beneficiary_private="王德顺，东院平房7号院，电话13900002707",
                wish_status=m.WISH_ADOPTED,
                adopter="社区党员 陈志刚",
                adopter_public=True,
                adopted=-5,
                days=-14,
                body="王大爷今年七十九岁，腿脚不太好，去农贸市场买菜走一段路就得歇一歇。他的心愿是一辆带座椅、带刹车的助行手推车，买菜时能推着走，累了能坐下歇会儿。\n\n心愿价值：约160元。" + how,
            ),
            dict(
                title="一台电子血压计",
                beneficiary="幸福嘉园患高血压的赵阿姨",
                beneficiary_private="赵淑珍，幸福嘉园3栋1104室，电话13900003104",
                wish_status=m.WISH_ADOPTED,
                adopter="林女士（幸福嘉园2栋）",
                adopter_public=False,
                adopted=-2,
                days=-9,
                body="赵阿姨患高血压多年，医生嘱咐她每天早晚量血压，但家里的血压计坏了，每次都要到卫生服务站去量。她希望有一台臂式电子血压计。\n\n心愿价值：约200元。" + how,
            ),
            dict(
                title="轮椅坐垫和靠垫",
                beneficiary="西院5号楼长期卧床的孙大爷",
                beneficiary_private="孙振华，西院5号楼3单元201室，老伴电话13900005201",
                wish_status=m.WISH_FULFILLED,
                adopter="小巧手便民维修队",
                adopter_public=True,
                adopted=-52,
                fulfilled=-40,
                days=-60,
                body="孙大爷中风后长期卧床，天气好时老伴推他下楼晒太阳。轮椅的坐垫早就塌了，坐久了很不舒服。心愿是一套防褥疮的轮椅坐垫和靠垫。\n\n心愿价值：约180元。\n\n**心愿已实现**：维修队的队员们凑钱买了坐垫，还顺手把轮椅的刹车修好了。",
            ),
            dict(
                title="一盏护眼台灯",
                beneficiary="东院6号楼准备中考的初三学生",
                beneficiary_private="钱雨欣，东院6号楼2单元502室，父亲钱某（残疾人），电话13900006502",
                wish_status=m.WISH_FULFILLED,
                adopter="周先生（西院2号楼居民）",
                adopter_public=False,
                adopted=-85,
                fulfilled=-80,
                days=-90,
                body="孩子学习很用功，每天晚上在小桌子上写作业到很晚，家里只有一盏旧灯泡。心愿是一盏护眼台灯。\n\n心愿价值：约100元。\n\n**心愿已实现**：一位不愿留名的居民认领了心愿，台灯已经送到孩子手中。孩子说要用这盏灯考上理想的高中。",
            ),
            dict(
                title="一部大字大声的老人手机",
                beneficiary="西院1号楼的独居老人吴爷爷",
                beneficiary_private="吴长林，西院1号楼4单元601室，无子女，电话13900001601",
                wish_status=m.WISH_OPEN,
                status=m.REVIEW,
                days=-1,
                body="吴爷爷听力不好，现在的手机铃声小、字也小，好几次网格员打电话他都没听见。他希望有一部大字、大音量的老人手机，方便和社区、邻居联系。\n\n心愿价值：约200元。" + how,
                internal_note="内部：吴爷爷同意公开心愿，但不要写楼层；网格员杨帆已核实。",
            ),
        ]
        for item in items:
            status = item.pop("status", m.PUBLISHED)
            published = self.at(item.pop("days"), 9, 40)
            adopted = item.pop("adopted", None)
            fulfilled = item.pop("fulfilled", None)
            self.content(
                m.Wish,
                item.pop("title"),
                status=status,
                publish_at=published if status == m.PUBLISHED else None,
                adopted_at=self.at(adopted, 15, 0) if adopted is not None else None,
                fulfilled_at=self.at(fulfilled, 10, 0) if fulfilled is not None else None,
                updated_at=self.at(fulfilled if fulfilled is not None else adopted, 16, 0)
                if adopted is not None
                else published,
                **item,
            )

    # events and albums

    def events(self) -> dict[str, m.Event]:
        today = self.today
        fair = _saturday_on_or_before(_last(today, 2, 12))
        duanwu = _last(today, 6, 10)
        movie = _saturday_on_or_before(_last(today, 8, 16))
        election = self.election_day
        lecture = today - dt.timedelta(days=45)
        items = [
            dict(
                key="高血压",
                title="健康讲座：高血压患者怎么吃、怎么动",
                category="健康讲座",
                starts_at=self.at(4, 9, 30),
                ends_at=self.at(4, 11, 0),
                location="社区文体活动室（居委会一层）",
                organiser="幸福里社区卫生服务站、健康守护志愿服务队",
                how_to_join="不用报名，直接来。讲座后可以免费量血压，请带上平时吃的药盒，医生帮您看看用药。",
                summary="卫生服务站王医生讲高血压的饮食和运动，讲座后免费量血压、用药咨询。",
                body="""高血压是社区老人最常见的慢性病。这次讲座请卫生服务站的王秀兰医生，用大白话讲讲：

- 每天吃多少盐合适，怎么识别“看不见的盐”；
- 哪些运动适合高血压患者，什么时候不宜运动；
- 降压药能不能自己停、自己减；
- 家里测血压的正确方法。

讲座约一个小时，之后是答疑和义诊时间。""",
                published=-5,
            ),
            dict(
                key="育儿",
                title="育儿讲座：0—3岁宝宝的睡眠与辅食",
                category="亲子活动",
                starts_at=self.on(_saturday_on_or_after(today + dt.timedelta(days=8)), 10, 0),
                duration=90,
                location="儿童之家（居委会二层东侧）",
                organiser="社区妇联、街道社区卫生服务中心儿童保健科",
                how_to_join=f"限20组家庭，请拨打 {OFFICE} 报名，或者在各楼宝妈群里接龙。可以带宝宝来，现场有爬行垫和玩具。",
                summary="儿保科医生讲宝宝夜醒、辅食添加和常见喂养误区，现场答疑。",
                body="""宝宝夜里总醒怎么办？辅食从什么时候开始加、先加什么？很多新手爸妈有这样的困惑。

这次请街道社区卫生服务中心儿童保健科的医生，和大家聊聊0—3岁宝宝的睡眠和辅食，还会留出时间一对一答疑。

爷爷奶奶、姥姥姥爷带孩子的，也欢迎一起来听。""",
                published=-4,
            ),
            dict(
                key="法律",
                title="法律咨询进社区：遗嘱、赡养和房产",
                category="法律服务",
                starts_at=self.on(_saturday_on_or_after(today + dt.timedelta(days=13)), 9, 0),
                duration=150,
                location="东院小广场",
                organiser="幸福里法律服务队",
                how_to_join="不用报名，直接到现场咨询。需要看材料的，请带上相关合同、房产证明的复印件，原件请自己保管好。",
                summary="律师和人民调解员现场答疑：怎么立遗嘱才有效，子女不尽赡养义务怎么办，老房子怎么过户。",
                body="""近来不少老人来问：遗嘱怎么写才有效？房子要不要提前过户给孩子？子女不来看望怎么办？

这次法律服务队把咨询台搬到东院小广场，律师、退休法官和人民调解员一起坐诊。现场还会发放防范养老诈骗的宣传材料。

下雨改在社区文体活动室举行。""",
                published=-3,
            ),
            dict(
                key="集市",
                title="邻里旧物交换集市",
                category="邻里活动",
                starts_at=self.on(_saturday_on_or_after(today + dt.timedelta(days=20)), 9, 0),
                duration=180,
                location="东院小广场",
                organiser="青春志愿服务队",
                how_to_join="想摆摊的居民请提前到社区登记，每户一个摊位，免费；来逛的居民直接来就行。",
                summary="闲置的图书、玩具、小家电拿出来交换，最后没换出去的可以捐给“爱心衣橱”和儿童之家。",
                body="""家里有用不上但还很新的东西吗？图书、玩具、文具、小家电、厨房用品……都可以拿来和邻居交换。

- 以物换物为主，也可以低价转让；
- 食品、药品、贴身衣物不参加交换；
- 集市结束后没换出去的物品，可以捐给“爱心衣橱”和儿童之家。

现场有小巧手维修队出摊，旧家电可以先修好再交换。""",
                published=-2,
            ),
            dict(
                key="糖尿病",
                title="健康讲座：糖尿病老人的一日三餐",
                category="健康讲座",
                starts_at=self.on(lecture, 9, 30),
                duration=90,
                location="社区文体活动室（居委会一层）",
                organiser="幸福里社区卫生服务站",
                how_to_join="不用报名，直接来。",
                summary="营养师讲糖尿病老人怎么安排一日三餐，水果能不能吃、主食怎么选。",
                body="请营养师讲讲糖尿病老人怎么吃：主食怎么选，水果能不能吃，零食怎么替换。讲座后现场免费测血糖，请空腹前来。",
                published=-52,
            ),
            dict(
                key="庙会",
                title="幸福里新春庙会：舞狮、写春联、猜灯谜",
                category="文化活动",
                starts_at=self.on(fair, 9, 0),
                duration=210,
                location="东院小广场及主路",
                organiser="幸福里社区居委会、槐荫街道文化站",
                how_to_join="全体居民都可以参加，不用报名。写春联、猜灯谜的小礼品先到先得。",
                summary="舞狮表演、书法志愿者现场写春联、猜灯谜，还有老手艺摊位，欢迎全家一起来逛。",
                body="""新春佳节，社区在东院小广场举办新春庙会：

- 9:00 舞狮队开场表演，沿东院主路巡游；
- 9:30起 书法志愿者现场写春联、写福字，免费赠送；
- 全天 猜灯谜、套圈、捏面人、吹糖人等摊位。

现场人多，请照看好老人和孩子，注意防火，不要燃放鞭炮。""",
                published=None,
            ),
            dict(
                key="端午",
                title="端午节包粽子、慰问高龄老人",
                category="敬老活动",
                starts_at=self.on(duanwu, 9, 0),
                duration=180,
                location="幸福里日间照料中心",
                organiser="幸福里社区居委会、邻里守望志愿服务队",
                how_to_join="欢迎会包粽子的居民来当志愿者，请提前一天告诉网格员。",
                summary="志愿者和老人一起包粽子、做香囊，再把粽子送到80岁以上独居老人家里。",
                body="端午节前，社区在日间照料中心组织包粽子活动。上午大家一起包粽子、做香囊，中午在长者食堂一起吃粽子；下午志愿者分组，把粽子和慰问品送到80岁以上的独居、空巢老人家里。",
                published=None,
            ),
            dict(
                key="电影",
                title="夏夜露天电影",
                category="文化活动",
                starts_at=self.on(movie, 19, 30),
                duration=120,
                location="东院健身广场",
                organiser="槐荫街道文化站、幸福里社区居委会",
                how_to_join="请自带小板凳和扇子，防蚊液社区现场提供。遇雨取消。",
                summary="东院健身广场露天放电影，自带小板凳，全家老少一起来。",
                body="夏天的晚上，在广场上看一场露天电影，是很多老居民记忆里的事。这次放映一部适合全家观看的国产动画电影，放映前有十分钟的防溺水安全宣传片。",
                published=None,
            ),
            dict(
                key="选举",
                title="幸福里社区第十一届居民委员会选举日",
                category="选举",
                starts_at=self.on(election, 8, 0),
                duration=600,
                location="东院小广场（主会场）、西院和幸福嘉园设投票站",
                organiser="幸福里社区居民选举委员会",
                how_to_join="登记在册的选民凭选民证投票。行动不便的选民，可以提前申请流动票箱上门。",
                summary="居民委员会换届选举投票日，8:00开始投票，当天公开唱票、计票。",
                body="""选举日安排：

1. 8:00 选举大会开始，宣布选举办法；
2. 8:30—16:00 各投票站投票，流动票箱上门；
3. 16:30 公开唱票、计票；
4. 计票结束后当场宣布选举结果。

请携带选民证和身份证。委托他人投票的，需要提前办理书面委托手续。""",
                published=None,
            ),
        ]
        events = {}
        for item in items:
            key = item.pop("key")
            duration = item.pop("duration", None)
            if duration is not None:
                item["ends_at"] = item["starts_at"] + dt.timedelta(minutes=duration)
            published = item.pop("published")
            publish_at = (
                self.at(published, 10, 0)
                if published is not None
                else item["starts_at"].replace(hour=10, minute=0) - dt.timedelta(days=12)
            )
            events[key] = self.content(m.Event, item.pop("title"), publish_at=publish_at, **item)
        return events

    def albums(self, events: dict[str, m.Event]) -> None:
        items = [
            (
                "庙会",
                "新春庙会：舞狮和灯笼",
                "新春庙会的照片，有舞狮、写春联和满街的红灯笼。找找看有没有您？",
                [
                    ("fair", "舞狮队在东院小广场开场表演"),
                    ("fair", "小朋友们围着看舞狮"),
                    ("fair_night", "傍晚亮起来的灯笼"),
                    ("street", "书法志愿者现场写春联"),
                    ("fair", "猜灯谜的居民"),
                    ("fair", "舞狮队沿东院主路巡游"),
                    ("fair_night", "庙会结束后的东院主路"),
                ],
            ),
            (
                "端午",
                "端午节包粽子、慰问老人",
                "志愿者和老人们一起包粽子、做香囊，再把粽子送到高龄老人家里。",
                [
                    ("dragon", "志愿者和老人一起包粽子"),
                    ("dragon", "刚包好的粽子"),
                    ("elder", "给独居老人送粽子上门"),
                    ("dragon", "老人们手把手教年轻人包粽子"),
                    ("street", "志愿者分组出发送慰问品"),
                    ("dragon", "活动结束后的合影"),
                ],
            ),
            (
                "电影",
                "夏夜露天电影",
                "东院健身广场的露天电影之夜。",
                [
                    ("movie", "放映前，居民陆续入场"),
                    ("movie", "广场上坐满了人"),
                    ("movie", "孩子们坐在最前排"),
                    ("park", "放映前的广场"),
                    ("movie", "散场时志愿者帮忙收拾板凳"),
                ],
            ),
            (
                "选举",
                "第十一届居民委员会选举日",
                "选举日当天的投票、唱票和计票现场。",
                [
                    ("election", "选民排队领取选票"),
                    ("election", "投票现场"),
                    ("election", "公开唱票、计票"),
                    ("street", "志愿者引导选民到投票站"),
                    ("election", "新一届居委会成员与居民见面"),
                ],
            ),
        ]
        for key, title, summary, photos in items:
            event = events[key]
            day = event.starts_at.date()
            album = self.content(
                m.Album,
                title,
                event=event,
                summary=summary,
                taken_on=day,
                publish_at=self.on(day + dt.timedelta(days=2), 16, 0),
                author="小李",
            )
            if self.painter is None:
                continue
            for position, (kind, caption) in enumerate(photos, start=1):
                taken = self.on(day, 10) + dt.timedelta(minutes=position * 17)
                gps = key == "庙会" and position == 2  # as it came off a phone: with GPS
                stored = self.painter.store(kind, portrait=position % 4 == 3, exif=_gps_exif(taken) if gps else None)
                self.add(
                    m.Photo,
                    album=album,
                    file=stored.path,
                    width=stored.width,
                    height=stored.height,
                    caption=caption,
                    position=position * 10,
                    is_cover=position == 1,
                    # A resident asked for this one to be taken down.
                    hidden=key == "庙会" and position == 5,
                    created_at=self.on(day + dt.timedelta(days=1), 15) + dt.timedelta(minutes=position),
                )

    # grids and pages

    def grids(self) -> None:
        bodies = [
            "东院北片是社区最早建成的楼，住户中老人多。网格员每周走访独居老人，有事可以直接打网格电话。",
            "东院南片包括四栋老楼和平房院落，平房冬季取暖、防火是重点。平房院落的居民有事请找孙立军或周磊。",
            "西院六栋楼建于上世纪九十年代，租住户较多。新搬来的居民请及时到社区办理居住登记。",
            "幸福嘉园是高层住宅，另有槐荫路沿街商户。电梯、消防和商户门前秩序是这个网格的工作重点。",
        ]
        for position, ((name, _, area, buildings, members), body) in enumerate(zip(GRIDS, bodies), start=1):
            grid = self.content(
                m.Grid,
                name,
                buildings="\n".join(buildings),
                area=area,
                body=body,
                position=position * 10,
                publish_at=self.at(-60, 9, 0),
                author="王主任",
            )
            for order, (member, role, work, private, duties) in enumerate(members, start=1):
                self.add(
                    m.GridMember,
                    grid=grid,
                    name=member,
                    role=role,
                    work_phone=work,
                    private_phone=private,
                    duties=duties,
                    position=order * 10,
                )

    def pages(self) -> None:
        grid_lines = "\n".join(
            f"- **{name}**：{'、'.join(buildings)}。网格长{members[0][0]}，电话 {members[0][2]}"
            for name, _, _, buildings, members in GRIDS
        )
        self.content(
            m.Page,
            "关于我们",
            slug="about",
            in_menu=True,
            position=10,
            publish_at=self.at(-500, 9, 0),
            updated_at=self.at(-60, 9, 30),
            author="王主任",
            body=f"""幸福里社区隶属安和区槐荫街道，由东院、西院、幸福嘉园和东院平房院落组成，共有居民约2,900户、6,800余人。

## 社区党委和居委会

社区现有工作人员9名。居民委员会由第十一届换届选举产生：主任王丽华，副主任李向东，委员赵敏、陈志刚、周晓梅。

## 网格

全社区划分为4个网格，每个网格有网格长和网格员，负责走访居民、收集诉求、排查隐患。

{grid_lines}

## 我们能为您做什么

- 一站式服务大厅受理民政、社保、医保、计生、就业、残联等事项，详见“办事指南”；
- 停水停电、供暖、选举等通知，第一时间发布在“通知公告”；
- 志愿服务、微心愿、社区活动，欢迎大家参与。
""",
        )
        self.content(
            m.Page,
            "联系我们",
            slug="contact",
            in_menu=True,
            position=20,
            publish_at=self.at(-500, 9, 0),
            updated_at=self.at(-30, 16, 10),
            author="王主任",
            body=f"""**地址**：安和区槐荫街道幸福里14号（东院南门西侧平房）

**办公时间**：周一至周五 8:30—17:30（午间不休），周六 9:00—12:00 值班

**值班电话**：{OFFICE}（24小时）

| 事项 | 电话 |
| --- | --- |
| 一站式服务大厅 | {HALL} |
| 社保、医保 | 010-8765-4302 |
| 计生、就业 | 010-8765-4303 |
| 残联、证明开具、卫生费 | 010-8765-4304 |
| 法律咨询 | 010-8765-4305 |
| 卫生服务站 | {CLINIC} |
| 东院、西院物业报修 | {PROPERTY} |
| 幸福嘉园物业 | {JIAYUAN_PROPERTY} |

**交通**：公交槐荫路站下车，向南步行约3分钟。

网站上的信息如有错误或过时，请告诉我们，我们会尽快更正。
""",
        )
        self.content(
            m.Page,
            "志愿者招募",
            in_menu=True,
            position=30,
            publish_at=self.at(-200, 9, 0),
            author="小李",
            body=f"""幸福里社区常年招募志愿者。不管您是退休的老师傅、在校的大学生，还是只有周末有空的上班族，都有适合您的岗位。

| 服务队 | 做什么 | 时间 |
| --- | --- | --- |
| 邻里守望志愿服务队 | 探望独居、空巢老人 | 每周一到两次，时间灵活 |
| 小巧手便民维修队 | 修理小家电、上门小修 | 每月第二个周六上午 |
| 幸福里法律服务队 | 法律咨询、纠纷调解 | 每周三下午 |
| 青春志愿服务队 | 辅导作业、教老人用手机 | 工作日下午、周末 |
| 健康守护志愿服务队 | 义诊、慢病随访 | 每月一次 |

**报名方式**：到社区一站式服务大厅填写志愿者登记表，或者拨打 {OFFICE}。参加志愿服务可以在“爱心银行”积分，中学生可以开具志愿服务时长证明。
""",
        )
        self.content(
            m.Page,
            "活动照片使用和撤下说明",
            in_menu=False,
            position=40,
            publish_at=self.at(-150, 9, 0),
            author="小李",
            body=f"""社区活动的照片由工作人员和志愿者拍摄，发布在“活动相册”里，方便大家留念。

- 照片上传前会去掉拍摄地点等信息；
- 我们不会发布能看清身份证、病历等个人材料的照片；
- 如果照片里有您或您的孩子，您不希望公开，请告诉我们，我们会尽快撤下。

撤下照片请拨打 {OFFICE}，或者到一站式服务大厅说明是哪一张（活动名称和照片说明即可）。
""",
        )
