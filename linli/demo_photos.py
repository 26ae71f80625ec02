"""The demo's pictures: scenes of 「幸福里社区」 drawn with Pillow, and a PDF diagram.

This module owns how the demo community's photos look. Nothing is read from disk and no fonts are
used: each photo is a made-up scene of a kind (:data:`KINDS`) drawn with shapes and colours from a
random sequence, so the same sequence gives the same pictures, byte for byte. A :class:`Painter`
draws photos in the order it is asked, from one sequence seeded with :data:`PHOTO_SEED`, and stores
them as an upload would be (:func:`linli.media.store_image`, which strips their metadata).
:func:`scene` alone is used by the benchmarks to make distinct photos.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps

from linli.media import StoredImage, store_file, store_image

PHOTO_SEED = 19850301
# Outdoor by day, outdoor by night, indoor.
KINDS = ("fair", "street", "election", "facade", "park", "elder", "fair_night", "movie", "dragon", "lecture", "repair",
         "clothes")  # fmt: skip


class Painter:
    """Draws the demo's photos one after another and stores them in ``media_dir``."""

    def __init__(self, media_dir: Path):
        self.media_dir = media_dir
        self.rng = random.Random(PHOTO_SEED)

    def photo(self, kind: str, *, portrait: bool = False, taken: dt.datetime | None = None) -> StoredImage:
        """The next photo of ``kind`` (1200×800, or 800×1200 if ``portrait``), stored.

        With ``taken`` it comes as off a phone: with EXIF naming the camera, the time and where it
        was taken (GPS), for store_image to strip."""
        w, h = (800, 1200) if portrait else (1200, 800)
        image = scene(kind, w, h, self.rng)
        buf = io.BytesIO()
        if taken is not None:
            image.save(buf, "JPEG", quality=88, exif=_phone_exif(taken))
        else:
            image.save(buf, "JPEG", quality=88)
        return store_image(self.media_dir, buf.getvalue())

    def buildings_map(self, dated: dt.datetime) -> tuple[str, int]:
        """A one-page PDF diagram of buildings (shapes, no text) dated ``dated``: (media path, size)."""
        img = Image.new("RGB", (842, 595), (250, 250, 245))
        d = ImageDraw.Draw(img)
        d.rectangle((30, 30, 812, 565), outline=(60, 60, 60), width=3)
        colours = [(240, 120, 110), (240, 120, 110), (250, 200, 90), (250, 200, 90),
                   (200, 200, 200), (200, 200, 200), (140, 170, 230), (140, 170, 230)]  # fmt: skip
        for i, colour in enumerate(colours):
            x = 80 + (i % 4) * 180
            y = 90 + (i // 4) * 230
            d.rectangle((x, y, x + 130, y + 150), fill=colour, outline=(60, 60, 60), width=2)
        d.rectangle((700, 480, 790, 545), fill=(90, 90, 90))  # the substation
        buf = io.BytesIO()
        stamp = dated.timetuple()
        img.save(buf, "PDF", resolution=72.0, creationDate=stamp, modDate=stamp)
        data = buf.getvalue()
        return store_file(self.media_dir, data, ".pdf"), len(data)


def _phone_exif(when: dt.datetime) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "DemoPhone"  # Make
    exif[0x0110] = "DemoPhone 12"  # Model
    exif[0x0132] = when.strftime("%Y:%m:%d %H:%M:%S")  # DateTime
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (39.0, 54.0, 7.56), 3: "E", 4: (116.0, 21.0, 11.52), 5: 0, 6: 48.0})
    return exif


# --- drawing --------------------------------------------------------------------------------

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


def scene(kind: str, w: int, h: int, rng: random.Random) -> Image.Image:
    """A ``w``×``h`` picture of ``kind`` (one of :data:`KINDS`), every choice taken from ``rng``."""
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

