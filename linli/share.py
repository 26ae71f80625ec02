"""Sharing an item in WeChat: the ready message for a group chat (复制到微信群) and the share
poster (分享海报, a phone-sized PNG for 朋友圈 and for printing), both made at build time from
what the item's page shows.

What they say comes from the type's declaration (:class:`linli.registry.Share`): the summary
fields (the same :func:`summary` gives the page's ``og:description``) and the facts (an event's
time and place, a service's address…). The address is the page's public one with ``base_url``
(``linli.toml``); without it the message carries the site-relative address and the admin says
why.

The poster is drawn with Pillow in a Chinese font found once per app (:func:`font_choice`):
``[share] font`` of ``linli.toml``, else fontconfig's choice for Chinese, else well-known paths.
Without one the site is built without posters (never with boxes for missing glyphs) and the
build says so. Text is wrapped by measured width (:func:`wrap`), a character at a time for
Chinese, a word at a time for Latin, with closing punctuation kept off a line's start, and cut
with "…" after a fixed number of lines. A poster is a 16-grey PNG, cached under the home's
``.build-cache/posters/`` by a fingerprint of everything drawn (this module's source included),
so a rebuild draws only the posters whose text changed; a full build, which asks for every
poster, deletes the cached ones it did not use. Without ``base_url`` a poster has no QR code and
its summary takes the room.

A first build draws a poster per item and tree, so drawing one is kept cheap (about 1.5 ms of
CPU for a long notice's without a QR code, ``python -m bench.poster_bench``; segno's making the
QR code adds 2.7): the parts every poster shares are drawn once per process, each character is
rasterized once per process and size (:class:`Lettering`), the QR code has one fixed mask
pattern (:func:`linli.qr.qr_code`), the drawing is made of the palette's indexes, and the PNG's
rows go unfiltered to ISA-L's deflate (:func:`_png`).
"""

from __future__ import annotations

import functools
import hashlib
import html
import itertools
import os
import re
import shutil
import struct
import subprocess
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import isal
import PIL
from flask import Blueprint, Response, abort, current_app, request, url_for
from PIL import Image, ImageDraw, ImageFont
from isal import isal_zlib

from linli import deps, markup
from linli import models as m
from linli.errors import LinliError
from linli.qr import qr_code

blueprint = Blueprint("share", __name__)

EXTENSION = "linli_share"
POSTER = "poster.png"  # beside the item's page: /<prefix>/<slug>/poster.png
WIDTH, HEIGHT = 750, 1334  # a phone screen (iPhone 8's points ×2; WeChat shows it full width)
# The canvas has PAD white columns left of the picture: packed 4 bits a pixel, each row's first
# byte is then 0, the PNG's filter type "None" of that row (:func:`_png`). Drawn at x + PAD.
PAD = 2
# ISA-L's level 2: 28 KB a poster in 0.28 ms (zlib-ng's level 2: 27 KB in 0.72 ms; Pillow's PNG: 31 KB in 2.5 ms)
DEFLATE_LEVEL = 2
MARGIN = 60
QR_SIZE = 330  # the QR code's square, its quiet zone included, centred above the caption
QR_TOP = HEIGHT - QR_SIZE - 110
CAPTION_Y = HEIGHT - 70  # the middle of the caption under the QR code
# The 4-bit palette: 16 greys, by how dark (0 white: blank rows are zero bytes, which the PNG
# encoder passes quickest and deflate packs smallest).
GREYS = [255 - level * 17 for level in range(16) for _ in range(3)]
# The greys drawn, as indexes of GREYS.
WHITE, RULE_GREY, KIND_GREY, SUMMARY_GREY, BAND_GREY, FACT_GREY, INK = 0, 7, 10, 12, 13, 14, 15
QR_BORDER = 4  # modules of quiet zone around a QR code
_MODULE_GREYS = bytes([WHITE, INK]) + bytes(254)  # segno's light (0) and dark (1) modules
SUMMARY_LIMIT = 120  # characters of the share description
MESSAGE_SUMMARY_LIMIT = 80  # characters of summary in the message: one or two lines in a chat
TITLE_LINES, FACT_LINES, SUMMARY_LINES = 4, 3, 4
# Without base_url a poster has no QR code: the summary takes its room (the poster is all there is).
LONG_SUMMARY_LIMIT, LONG_SUMMARY_LINES = 300, 14
ELLIPSIS = "…"
FIX = "安装中文字体（sudo apt install fonts-noto-cjk）或在 linli.toml 里写 [share] font = \"字体文件路径\""
NO_FONT = f"没有找到中文字体，网站没有生成分享海报（微信群消息照常生成）。{FIX}"
# Where Debian, Ubuntu and Fedora put common Chinese fonts (after fontconfig's choice).
KNOWN_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
COVERAGE = "社区通知办事指南鄰里區發佈"  # Simplified and Traditional: a font for posters draws all


# --- what is said -----------------------------------------------------------------------------


def summary(item, limit: int = SUMMARY_LIMIT) -> str:
    """The one or two lines that sum ``item`` up: its type's first non-empty summary field, as
    plain text (the share description of its page, and the message's and poster's summary)."""
    kind = item.kind
    for name in kind.share_summary:
        text = _text(item, name)
        if text:
            if name in kind.markdown:
                return markup.plain_text(text, limit)
            text = re.sub(r"\s+", " ", text).strip()
            return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS
    return ""


def facts(item, language: str) -> list[tuple[str, str]]:
    """(label, text) of the facts the type declares that ``item`` has (its date, place…)."""
    from linli.app import format_date, format_datetime

    found = []
    for fact in item.kind.share.facts:
        value = getattr(item, fact.name)
        if value is None or value == "":
            continue
        if hasattr(value, "hour"):
            text = format_datetime(value, weekday=True)
        elif hasattr(value, "day"):
            text = format_date(value)
        else:
            text = _text(item, fact.name)
        if text:
            found.append((fact.label.in_language(language), text))
    return found


def _text(item, name: str) -> str:
    value = getattr(item, name)
    if name in item.kind.lines:
        return "、".join(m.lines(value))
    return "" if value is None else str(value).strip()


def message(item, address: str, language: str) -> str:
    """The message for a WeChat group: title, facts, summary, the page's address."""
    colon = ": " if language.startswith("en") else "："
    lines = [f"【{item.title}】"]
    lines += [f"{label}{colon}{text}" for label, text in facts(item, language)]
    text = summary(item, MESSAGE_SUMMARY_LIMIT)
    if text:
        lines.append(text)
    lines.append(address)
    return "\n".join(lines)


def page_address(path: str) -> str:
    """The public address of the page at root-relative ``path``; without ``base_url`` the path."""
    from linli.feeds import absolute_url

    return absolute_url(path) or path


def is_absolute(address: str) -> bool:
    """Whether ``address`` (from :func:`page_address`) is a web address (``base_url`` is set), so
    a phone can open it from a QR code; else it is the page's path."""
    return address.startswith(("http://", "https://"))


def share_context(item) -> dict:
    """What the share block of an item's page shows (a template global): the message, the
    poster's URL ("" without a font), and whether the message's address is absolute."""
    from linli.app import item_url

    language = current_app.config["LINLI_HOME"].settings["languages"][0]
    address = page_address(item_url(item))  # (root-relative while rendering; links are made relative after)
    return {
        "message": message(item, address, language),
        "poster": url_for("share.poster", prefix=item.url_prefix, slug=item.slug) if font_choice().path else "",
        "absolute": is_absolute(address),
    }


# --- the font ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FontChoice:
    path: str  # "" when there is none
    problem: str  # why there are no posters ("" when there is a font)


def font_choice(app=None) -> FontChoice:
    """The Chinese font this app draws posters with, looked up once per app."""
    app = app or current_app
    choice = app.extensions.get(EXTENSION)
    if choice is None:
        choice = app.extensions[EXTENSION] = find_font(app.config["LINLI_HOME"].settings.get("share", {}).get("font", ""))
    return choice


def find_font(configured: str = "") -> FontChoice:
    """The configured font (which must draw Chinese), else the first installed one that does."""
    if configured:
        if not covers(configured):
            raise LinliError(
                f"linli.toml 的 [share] font 指定的字体不能显示中文（简体和繁体）：{configured}。"
                "请换一个中文字体，例如 Noto Sans CJK，或删掉这一行让 Linli 自动查找。"
            )
        return FontChoice(configured, "")
    for path in itertools.chain(_fontconfig_choices(), KNOWN_FONTS):  # (fontconfig asked only as far as needed)
        if Path(path).is_file() and covers(path):
            return FontChoice(path, "")
    return FontChoice("", NO_FONT)


def _fontconfig_choices() -> Iterator[str]:
    """fontconfig's fonts for Chinese, asked one at a time (the first usually draws both
    Simplified and Traditional: the second question is then not asked)."""
    if not shutil.which("fc-match"):
        return
    for pattern in (":lang=zh-cn", ":lang=zh-tw"):
        try:
            done = subprocess.run(["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True, timeout=10, check=False)
        except (OSError, subprocess.SubprocessError):
            continue
        if done.returncode == 0 and done.stdout.strip():
            yield done.stdout.strip()


def covers(path: str) -> bool:
    """Whether the font at ``path`` draws every character of :data:`COVERAGE` (not as the box
    it draws for characters it lacks)."""
    try:
        font = ImageFont.truetype(path, 24)
    except OSError:
        return False
    blank = _glyph(font, " ")
    missing = _glyph(font, "\U000f0000")  # a private-use character: the font's "missing" glyph
    return all(_glyph(font, char) not in (blank, missing) for char in COVERAGE)


def _glyph(font, char: str) -> bytes:
    image = Image.new("L", (32, 32))
    ImageDraw.Draw(image).text((4, 2), char, font=font, fill=255)
    return image.tobytes()


@functools.lru_cache(maxsize=16)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    """The font at ``path`` in ``size`` pixels, laid out without shaping (Chinese and Latin need
    none; ten times faster to measure than with libraqm)."""
    return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)


class Lettering:
    """Lines of text in one font, measured and drawn a character at a time from glyphs rasterized
    once (per process): Pillow's own drawing rasterizes every glyph of a line again at each call,
    twice (to size the line, then to draw it), about 12 µs a character; a poster has a few hundred
    characters, of a few thousand distinct ones in a whole build. A character advances the pen by
    its own advance, as in Pillow's basic layout (no kerning, like :func:`wrap`'s measure: the
    lines measured are the lines drawn). The masks of a build's characters take a few MB."""

    def __init__(self, font: ImageFont.FreeTypeFont):
        self.font = font
        self.advances = _Advances(font)  # char → its advance
        # (char, heavy) → (left, top, right, bottom of its mask from the pen, the mask's core image
        # or None when blank, its advance): what drawing it needs, without a property call.
        self.glyphs: dict[tuple[str, bool], tuple] = {}

    def width(self, text: str) -> float:
        """How wide ``text`` is drawn."""
        return sum(map(self.advances.__getitem__, text))

    def draw(self, image: Image.Image, xy: tuple[int, int], text: str, fill: int, heavy: bool = False) -> None:
        """``text`` on ``image`` with its top left (the ascender line) at ``xy`` in ``fill``;
        ``heavy``: each glyph drawn twice a pixel apart (a heavier stroke for grey print)."""
        x, y = xy
        pen = 0.0
        paste, glyphs = image.im.paste, self.glyphs  # (the core's paste: Image.paste's checks cost as much)
        for char in text:
            left, top, right, bottom, mask, advance = glyphs.get((char, heavy)) or self._glyph(char, heavy)
            if mask is not None:
                at = x + int(pen + 0.5)
                paste(fill, (at + left, y + top, at + right, y + bottom), mask)
            pen += advance

    def _glyph(self, char: str, heavy: bool) -> tuple:
        """``char``'s entry in :attr:`glyphs`, rasterized."""
        left, top, right, bottom = self.font.getbbox(char)
        mask = None
        if right > left and bottom > top:
            mask = Image.new("L", (right - left + heavy, bottom - top))
            draw = ImageDraw.Draw(mask)
            for shift in range(1 + heavy):
                draw.text((shift - left, -top), char, font=self.font, fill=255)
        width, height = (mask.width, mask.height) if mask is not None else (0, 0)
        glyph = self.glyphs[(char, heavy)] = (left, top, left + width, top + height,
                                              mask.im if mask is not None else None, self.advances[char])  # fmt: skip
        return glyph


class _Advances(dict):
    """A font's advance of each character, measured the first time it is asked for."""

    def __init__(self, font: ImageFont.FreeTypeFont):
        super().__init__()
        self.font = font

    def __missing__(self, char: str) -> float:
        advance = self[char] = self.font.getlength(char)
        return advance


@functools.lru_cache(maxsize=32)
def lettering(font: ImageFont.FreeTypeFont) -> Lettering:
    """The one :class:`Lettering` of ``font`` in this process."""
    return Lettering(font)


# --- layout ----------------------------------------------------------------------------------------

# No line starts with these (closing punctuation)…
NOT_FIRST = set("，。、；：？！）》」』】〕”’…—,.;:?!)]}%·～")
# …and none ends with these (opening punctuation).
NOT_LAST = set("（《「『【〔“‘([{")
_TOKEN = re.compile(r"[A-Za-z0-9@#&_\-+./:%]+|.", re.S)  # a Latin word, else one character


def _tokens(text: str) -> list[str]:
    """Units a line may break between: one Chinese character, or a Latin word with its space;
    closing punctuation joins the token before it, opening punctuation the token after it."""
    tokens: list[str] = []
    opening = ""
    for token in _TOKEN.findall(text):
        if tokens and not opening and (token[0] in NOT_FIRST or token == " "):
            tokens[-1] += token
        elif token[-1] in NOT_LAST and len(token) == 1:
            opening += token
        else:
            tokens.append(opening + token)
            opening = ""
    if opening:
        tokens.append(opening)
    return tokens


def wrap(text: str, font, width: int, max_lines: int) -> list[str]:
    """``text`` in lines no wider than ``width`` in ``font``, at most ``max_lines`` of them; when
    it does not fit, the last line ends with "…"."""
    text = re.sub(r"\s+", " ", text).strip()
    measure = lettering(font).width  # (as the lines are drawn: a character's advance after another)
    lines: list[str] = []
    line, used = "", 0.0  # the line so far and its width (sum of its tokens')
    tokens = _tokens(text)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        wide = measure(token)
        if used + wide - (measure(" ") if token.endswith(" ") else 0) <= width:
            line, used = line + token, used + wide
            index += 1
            continue
        if not line:  # one token wider than a line (a long word, an address): cut it
            cut = _fit(token, measure, width)
            lines.append(cut)
            tokens[index] = token[len(cut):]
        else:
            lines.append(line.rstrip())
            line, used = "", 0.0
        if len(lines) == max_lines:
            break
        tokens[index] = tokens[index].lstrip()
        if not tokens[index]:
            index += 1
    else:
        if line.strip():
            lines.append(line.rstrip())
        return lines
    # Did not fit: the last line gets the ellipsis, with as much of it as fits beside it.
    last = lines[-1]
    while last and measure(last + ELLIPSIS) > width:
        last = last[:-1]
    lines[-1] = last.rstrip() + ELLIPSIS
    return lines


def _fit(text: str, measure, width: int) -> str:
    """The longest start of ``text`` (at least one character) no wider than ``width``."""
    end = 1
    while end < len(text) and measure(text[: end + 1]) <= width:
        end += 1
    return text[:end]


# --- the poster -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PosterText:
    """Everything a poster shows: its cache key is made of these."""

    site: str
    kind: str
    title: str
    facts: tuple[tuple[str, str], ...]
    summary: str
    address: str
    caption: str

    def fingerprint(self, font: str) -> str:
        stat = os.stat(font)
        key = repr((_drawing_version(is_absolute(self.address)), font, stat.st_size, stat.st_mtime_ns, self))
        return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


@functools.lru_cache(maxsize=2)
def _drawing_version(with_qr: bool) -> str:
    """This module's source and :mod:`linli.qr`'s (which makes the QR code), with the versions
    of Pillow and ISA-L and, for a poster ``with_qr`` (a QR code), segno: a change to how posters
    are drawn redraws every cached one."""
    from linli import qr

    key = hashlib.blake2b(digest_size=8)
    for module in (__file__, qr.__file__):
        key.update(Path(module).read_bytes())
    key.update(PIL.__version__.encode() + isal.__version__.encode())
    if with_qr:
        import segno

        key.update(segno.__version__.encode())
    return key.hexdigest()


def poster_text(item, address: str, language: str, traditional: bool = False) -> PosterText:
    from linli.traditional import to_traditional

    english = language.startswith("en")
    if is_absolute(address):
        caption = "Scan the QR code to open the page" if english else "长按或扫描二维码，查看详情"
        limit = SUMMARY_LIMIT
    else:  # no QR code (no base_url): a longer summary, and where to read the rest
        caption = "More on the community website" if english else "详情请看社区网站"
        limit = LONG_SUMMARY_LIMIT
    text = PosterText(
        site=deps.memo(("site_name",), lambda: m.SiteSettings.get_current().name),  # (once per build process)
        kind=item.kind.names.in_language(language),
        title=item.title,
        facts=tuple(facts(item, language)),
        summary=summary(item, limit),
        address=address,
        caption=caption,
    )
    if not traditional:
        return text
    convert = to_traditional
    return PosterText(
        convert(text.site), convert(text.kind), convert(text.title),
        tuple((convert(label), convert(value)) for label, value in text.facts), convert(text.summary),
        address, convert(text.caption),
    )  # fmt: skip


def draw_poster(text: PosterText, font_path: str) -> bytes:
    """The poster as PNG bytes: a dark band with the community's name, the type, the title,
    the facts, the summary, and a QR code of the address with a caption; 16 greys.

    What every poster of a site shows alike (the band with the name, the caption) is drawn once
    per process (:func:`_backdrop`) and copied. Greys are drawn as their index in the 4-bit
    palette (0 white to 15 black, :data:`GREYS`): an antialiased edge between two of them blends
    their indexes as it would their greys, so the drawing is the PNG's palette image as it is."""
    with_qr = is_absolute(text.address)
    image = _backdrop(text.site, text.caption, font_path).copy()
    inner = WIDTH - 2 * MARGIN
    left = PAD + MARGIN
    font = functools.partial(_font, font_path)
    small, large = lettering(font(30)), lettering(font(54))

    y = 200
    small.draw(image, (left, y), text.kind, KIND_GREY)
    y += 60
    for line in wrap(text.title, font(54), inner, TITLE_LINES):
        large.draw(image, (left, y), line, INK, heavy=True)
        y += 74
    y += 16
    ImageDraw.Draw(image).line((left, y, left + inner, y), fill=RULE_GREY, width=2)
    y += 26
    for label, value in text.facts[:FACT_LINES]:
        small.draw(image, (left, y), wrap(f"{label}：{value}", font(30), inner, 1)[0], FACT_GREY)
        y += 46
    if text.facts:
        y += 14
    bottom = QR_TOP - 20 if with_qr else CAPTION_Y - 60  # (without a QR code the summary has its room)
    summary_lines = max(1, min(SUMMARY_LINES if with_qr else LONG_SUMMARY_LINES, (bottom - y) // 46))
    for line in wrap(text.summary, font(30), inner, summary_lines) if text.summary else []:
        small.draw(image, (left, y), line, SUMMARY_GREY)
        y += 46

    if with_qr:
        qr, offset = _qr_image(text.address, QR_SIZE)
        image.paste(qr, (PAD + (WIDTH - QR_SIZE) // 2 + offset, QR_TOP + offset))
    return _png(image)


def _png(canvas: Image.Image) -> bytes:
    """The PNG of the picture on ``canvas`` (palette indexes, :data:`PAD` blank columns first):
    4 bits a pixel, the palette :data:`GREYS`, rows unfiltered. Written here rather than by
    Pillow, whose encoder tries every filter on every row of a 4-bit image (half its time, for
    no gain on flat greys) and deflates each row with its own call. ISA-L's deflate (level 2)
    makes the file smaller than that in a ninth of the time, and in 0.4 of zlib-ng's (measured on
    300 posters of the bench's notices: 0.28 ms, 28.0 KB; zlib-ng's level 2 0.72 ms, 27.0 KB)."""
    rows = canvas.tobytes("raw", "L;4")  # (each row led by its PAD columns: the filter byte 0)
    return b"".join((
        b"\x89PNG\r\n\x1a\n",
        _chunk(b"IHDR", struct.pack(">IIBBBBB", WIDTH, HEIGHT, 4, 3, 0, 0, 0)),  # 4-bit palette, not interlaced
        _chunk(b"PLTE", bytes(GREYS)),
        _chunk(b"IDAT", isal_zlib.compress(rows, DEFLATE_LEVEL)),
        _chunk(b"IEND", b""),
    ))  # fmt: skip


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.lru_cache(maxsize=8)
def _backdrop(site: str, caption: str, font_path: str) -> Image.Image:
    """What every poster of a site shows alike: the band with the community's name, and the
    caption at the foot (palette indexes on the canvas, see :func:`draw_poster`)."""
    image = Image.new("L", (PAD + WIDTH, HEIGHT), WHITE)
    draw = ImageDraw.Draw(image)
    draw.rectangle((PAD, 0, PAD + WIDTH - 1, 150), fill=BAND_GREY)
    if site:
        name = wrap(site, _font(font_path, 40), WIDTH - 2 * MARGIN, 1)[0]
        draw.text((PAD + MARGIN, 75), name, font=_font(font_path, 40), fill=WHITE, anchor="lm")
    draw.text((PAD + WIDTH // 2, CAPTION_Y), caption, font=_font(font_path, 28), fill=SUMMARY_GREY, anchor="mm")
    return image


def _qr_image(address: str, size: int) -> tuple[Image.Image, int]:
    """The QR code of ``address`` black on white in whole pixels per module (every module the
    same size), and where in a ``size`` square with its quiet zone it starts."""
    code = qr_code(address)
    modules = len(code.matrix)
    scale = max(1, size // (modules + 2 * QR_BORDER))
    pixels = b"".join(code.matrix).translate(_MODULE_GREYS)
    qr = Image.frombytes("L", (modules, modules), pixels).resize((modules * scale,) * 2, Image.NEAREST)
    return qr, (size - qr.width) // 2


def cached_poster(text: PosterText, font_path: str, cache: Path | None) -> tuple[bytes, Path | None]:
    """The poster of ``text`` and its file in ``cache``: the cached file of the same fingerprint,
    else drawn (and cached). Either way its file's status change time is now: what
    :func:`prune_posters` keeps (a build links the file into the site: its modification time,
    which the site's file shares, stays when it was drawn). A cached file is never changed in
    place (a new one is renamed over it)."""
    if cache is None:
        return draw_poster(text, font_path), None
    path = cache / f"{text.fingerprint(font_path)}.png"
    try:
        data = path.read_bytes()
        try:
            os.chmod(path, 0o644)  # (the status change time; a file system without modes: its times)
        except PermissionError:
            os.utime(path)
        return data, path
    except FileNotFoundError:  # (also: pruned between the read and the touch; drawn again)
        pass
    data = draw_poster(text, font_path)
    cache.mkdir(parents=True, exist_ok=True)
    staged = path.with_suffix(f".{os.getpid()}.tmp")
    staged.write_bytes(data)
    os.replace(staged, path)  # (build workers may draw the same poster at once)
    return data, path


def poster_cache(home) -> Path:
    """The folder of ``home``'s cached posters, one file per fingerprint."""
    return home.root / CACHE_DIR / "posters"


_STARTED = ".full-build-started"  # its time: when the last build that asks for every poster began


def start_full_build(cache: Path) -> None:
    """Before a build that asks for every poster: note when it began (see :func:`prune_posters`)."""
    cache.mkdir(parents=True, exist_ok=True)
    (cache / _STARTED).write_bytes(b"")


def prune_posters(cache: Path) -> int:
    """After a build that asked for every poster, once its site is in place: delete the cached
    posters it did not read or draw (deleted items', texts since changed), by their files'
    status change times (set by the same clock as the mark of :func:`start_full_build`). How many went."""
    try:
        since = (cache / _STARTED).stat().st_mtime_ns
    except FileNotFoundError:
        return 0
    pruned = 0
    for entry in os.scandir(cache):
        if entry.name.endswith(".png") and entry.stat().st_ctime_ns < since:
            try:
                os.unlink(entry.path)
                pruned += 1
            except FileNotFoundError:
                pass
    return pruned


# --- the route and the pages ---------------------------------------------------------------------


def _poster_rule() -> str:
    from linli.public import TYPES

    return "/<any({}):prefix>/<slug>/{}".format(", ".join(f'"{prefix}"' for prefix in TYPES), POSTER)


@blueprint.route(_poster_rule())
def poster(prefix: str, slug: str):
    """The share poster of a public item (404 for any other, and without a Chinese font)."""
    from linli.public import TYPES, get_public
    from linli.traditional import in_tree

    choice = font_choice()
    if not choice.path:
        abort(404)
    item, _ = get_public(TYPES[prefix], slug)
    home = current_app.config["LINLI_HOME"]
    language = home.settings["languages"][0]
    address = page_address(request.path[: -len(POSTER)])  # the page's, in this tree
    text = poster_text(item, address, language, traditional=in_tree())
    cache = poster_cache(home) if current_app.config["LINLI_BUILD"] else None
    data, cached = cached_poster(text, choice.path, cache)
    response = Response(data, mimetype="image/png")
    # The build's freezer links this file into the site instead of writing the same bytes again.
    response.same_bytes_file = cached
    return response


CACHE_DIR = ".build-cache"  # the build's cache folder (linli.build.context.CACHE_DIR)


def poster_pages(items: dict | None = None):
    """The URL of every public item's poster (``items`` as :func:`linli.public.public_items`
    gives them), in both trees when the site has the Traditional one; none without a font."""
    from linli.public import public_items
    from linli.traditional import PREFIX, enabled

    if not font_choice().path:
        return
    items = public_items() if items is None else items
    both = enabled(current_app.config["LINLI_HOME"])
    for urls in items.values():
        for url in urls.values():
            yield url + POSTER
            if both:
                yield PREFIX + url + POSTER


# --- what was published (for the admin) --------------------------------------------------------

_MESSAGE = re.compile(r'<textarea id="wechat-message"[^>]*>(.*?)</textarea>', re.S)


@dataclass(frozen=True)
class Published:
    """An item's share message and poster as the built site has them."""

    message: str
    poster: Path | None  # the file, when the build made one
    absolute: bool  # whether the message's address is a full web address (base_url set)


def published(site: Path, item) -> Published | None:
    """The message and poster of ``item`` in the built site ``site`` (None: not in it)."""
    folder = site / item.url_prefix / item.slug
    if ".." in (item.url_prefix, item.slug) or "/" in item.slug:
        return None
    try:
        page = (folder / "index.html").read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None
    found = _MESSAGE.search(page)
    if found is None:
        return None
    text = html.unescape(found.group(1))
    poster = folder / POSTER
    return Published(text, poster if poster.is_file() else None, "\nhttp" in text)


@blueprint.app_context_processor
def share_globals() -> dict:
    return {"share_for": share_context, "share_summary": summary}
