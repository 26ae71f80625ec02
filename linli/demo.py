"""``linli demo``: the fictional 「幸福里社区」, imported from the folder ``linli/demo_content/``.

The demo community is content, not code: ``linli/demo_content/`` is a folder in the format that
``linli export`` writes and ``linli import`` reads (:mod:`linli.transfer`), with three things an
export never holds, so that the demo always looks fresh and carries its own photos:

- dates written relative to ``now`` (``publish_at: -3d 09:00``), see :func:`relative_time`;
- dates inside text (titles, bodies, slugs …) as ``{{ +5d | M月D日 }}``, see :func:`fill_in`;
- photos and a PDF drawn for the demo (``photo: drawn/3-facade.jpg``), see :mod:`linli.demo_photos`.

``linli/demo_content/README.md`` describes them for people editing the demo. :func:`fill_demo`
resolves all three into a temporary export folder (a bad date stops it first, with one line naming
the file and the field), stores the drawings in the site's media folder, and hands the folder to
:func:`linli.transfer.import_site`, which checks and writes everything in one transaction. For a
given ``now`` the result is the same every time: same rows, same dates, same photos.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import peewee as pw

from linli import models as m
from linli.demo_photos import KINDS, Painter
from linli.errors import LinliError
from linli.home import Home
from linli.media import StoredImage
from linli.transfer import CHILDREN, MEDIA_FIELDS, SITE_FILE, TYPES, _compose, _parse, import_site

CONTENT = Path(__file__).with_name("demo_content")
README = "linli/demo_content/README.md"


def fill_demo(
    home: Home, now: dt.datetime | None = None, *, photos: bool = True, content: Path = CONTENT
) -> dict[str, int]:
    """Import the demo community into the connected database; return rows created per model.

    ``now`` (naive site wall-clock time, :func:`linli.models.now` by default) anchors every
    relative date. With ``photos=False`` nothing is drawn: albums get no photos, notices no drawn
    attachment, and drawn photo fields stay empty (for fast tests). ``content`` is the folder to
    import (the demo's own by default).
    """
    now = (now or m.now()).replace(microsecond=0)
    files = [_resolve(item, now) for item in _items(Path(content))]
    _draw(files, Painter(home.media_dir) if photos else None, now)
    with tempfile.TemporaryDirectory(prefix="linli-demo-") as tmp:
        folder = Path(tmp)
        for item in files:
            target = folder / item.target
            target.parent.mkdir(exist_ok=True)
            target.write_text(_compose(item.front, item.body, item.rel), encoding="utf-8")
        for entry in _other_entries(Path(content)):
            copy = shutil.copytree if entry.is_dir() else shutil.copy2
            copy(entry, folder / entry.relative_to(content))
        import_site(home, folder)
    return _counts(files)


# --- relative dates -------------------------------------------------------------------------

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TERM = re.compile(
    r"(?P<offset>[+-]\d{1,5})(?P<unit>[ydhm])"
    r"|(?P<hour>\d{1,2})?:(?P<minute>\d\d)"
    r"|(?P<seek>[<>]=)(?:(?P<weekday>" + "|".join(WEEKDAYS) + r")|(?P<month>\d\d)-(?P<day>\d\d))"
)


def relative_time(expression: str, now: dt.datetime) -> dt.datetime:
    """The time ``expression`` names, relative to ``now``; ValueError (in Chinese) if it names none.

    Terms separated by spaces, applied from left to right, starting from today 00:00, or from
    ``now`` itself if the first term is ``now`` (``today`` may start it too, for clarity):
    ``+3d``/``-3d`` days, ``+2h``/``-2h`` hours, ``+30m``/``-30m`` minutes, ``-1y`` calendar
    years; ``14:30`` sets the time of day, ``:00`` the minutes (back to the start of the hour);
    ``<=11-15``/``>=03-15`` go back/forward to the nearest such day (this one counts),
    ``<=sat``/``>=sat`` likewise to a weekday. Seconds are those of ``now`` after ``now`` and
    zero after a time of day.
    """
    terms = expression.split()
    at = dt.datetime.combine(now.date(), dt.time())
    if terms and terms[0] in ("now", "today"):
        at = now if terms.pop(0) == "now" else at
    elif not terms:
        raise ValueError("是空的")
    for term in terms:
        if term in ("now", "today"):
            raise ValueError(f"“{term}” 只能写在最前面")
        match = _TERM.fullmatch(term)
        if not match:
            raise ValueError(f"不认识 “{term}”")
        if match["offset"]:
            at = _shift(at, int(match["offset"]), match["unit"])
        elif match["minute"]:
            hour = at.hour if match["hour"] is None else int(match["hour"])
            if hour > 23 or int(match["minute"]) > 59:
                raise ValueError(f"“{term}” 不是一天里的时间")
            at = at.replace(hour=hour, minute=int(match["minute"]), second=0)
        elif match["weekday"]:
            target = WEEKDAYS.index(match["weekday"])
            days = (at.weekday() - target) % 7 if match["seek"] == "<=" else -((target - at.weekday()) % 7)
            at -= dt.timedelta(days=days)
        else:
            at = _seek_day(at, int(match["month"]), int(match["day"]), back=match["seek"] == "<=", term=term)
    return at


def _shift(at: dt.datetime, n: int, unit: str) -> dt.datetime:
    if unit == "y":  # 29 February becomes the 28th in a year without one
        year = at.year + n
        if not dt.MINYEAR < year < dt.MAXYEAR:
            raise ValueError(f"“{n:+d}y” 超出了日历")
        return at.replace(year=year, day=min(at.day, 28)) if (at.month, at.day) == (2, 29) else at.replace(year=year)
    try:
        return at + dt.timedelta(**{{"d": "days", "h": "hours", "m": "minutes"}[unit]: n})
    except OverflowError:
        raise ValueError(f"“{n:+d}{unit}” 超出了日历") from None


def _seek_day(at: dt.datetime, month: int, day: int, *, back: bool, term: str) -> dt.datetime:
    """The nearest ``month``-``day`` on or before (``back``) or on or after ``at``, same time."""
    try:
        dt.date(2000, month, day)  # a leap year: 02-29 is a day
    except ValueError:
        raise ValueError(f"“{term}” 不是日历上的日子（应写成 月-日，如 <=11-15）") from None
    step = -1 if back else 1
    for year in range(at.year, at.year + 9 * step, step):  # 29 February comes within 8 years
        try:
            candidate = at.replace(year=year, month=month, day=day)
        except ValueError:
            continue
        if (candidate.date() <= at.date()) if back else (candidate.date() >= at.date()):
            return candidate
    raise ValueError(f"“{term}” 超出了日历")  # pragma: no cover - only at the calendar's ends


# --- dates in text --------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_PATTERN = re.compile(r"mm|[YMDWh]|[A-Za-z]")
_WEEKDAY_NAMES = "一二三四五六日"


def fill_in(text: str, now: dt.datetime) -> str:
    """``text`` with each ``{{ date | pattern }}`` replaced by that date written as ``pattern``.

    The date is a :func:`relative_time` expression; in the pattern ``Y`` is the year, ``M`` the
    month, ``D`` the day, ``W`` the weekday (一 … 日), ``h`` the hour, ``mm`` the minutes (two
    digits); everything else is kept: ``{{ +5d | M月D日（星期W） }}`` → ``11月30日（星期一）`` on
    25 November 2026.
    ValueError (in Chinese) for a placeholder that cannot be read."""
    if "{{" not in text:
        return text

    def one(match: re.Match) -> str:
        inside = match[1]
        if "{{" in inside or inside.count("|") != 1:
            raise ValueError(f"“{{{{{inside}}}}}” 应写成 “{{{{ 日期 | 格式 }}}}”，如 “{{{{ +5d | M月D日 }}}}”")
        expression, pattern = (part.strip() for part in inside.split("|"))
        try:
            at = relative_time(expression, now)
            return _PATTERN.sub(lambda token: _write_part(at, token[0], pattern), pattern)
        except ValueError as exc:
            raise ValueError(f"“{{{{{inside}}}}}”：{exc}") from None

    filled = _PLACEHOLDER.sub(one, text)
    if "{{" in filled:
        raise ValueError("有一个 “{{” 没有对应的 “}}”")
    return filled


def _write_part(at: dt.datetime, token: str, pattern: str) -> str:
    parts = {"Y": at.year, "M": at.month, "D": at.day, "W": _WEEKDAY_NAMES[at.weekday()], "h": at.hour,
             "mm": f"{at.minute:02d}"}  # fmt: skip
    if token not in parts:
        raise ValueError(f"格式 “{pattern}” 里的 “{token}” 不认识（可用 Y M D W h mm）")
    return str(parts[token])


# --- the folder -----------------------------------------------------------------------------

_DRAWN = re.compile(
    r"drawn/(?:(?P<number>\d+)-(?P<kind>[a-z_]+?)(?P<portrait>-portrait)?(?P<gps>-gps)?\.jpg|(?P<map>buildings-map)\.pdf)"
)


@dataclass
class _Drawing:
    """A ``drawn/…`` reference: where it stands (``values[key]``) and what to draw there."""

    model: type[pw.Model]  # of ``values``: a content type, or a child row (Photo, Attachment)
    values: dict
    key: str
    rows: list | None  # the child list holding ``values``, if it is a child row
    number: int | None  # photos are drawn in the order of their numbers; the PDF has none
    kind: str
    portrait: bool = False
    gps: bool = False
    dated: dt.datetime | None = None  # the PDF's date, or when a photo with GPS was taken


@dataclass
class _File:
    """One Markdown file of the folder, resolved: where it came from, where it goes, its content."""

    rel: str
    target: str
    model: type[pw.Model]
    front: dict
    body: str
    drawings: list[_Drawing] = field(default_factory=list)


def _items(content: Path) -> list[tuple[Path, str, type[pw.Model]]]:
    """(path, relative name, model) of every Markdown file to resolve, in import folder order."""
    if not content.is_dir():
        raise LinliError(f"找不到演示内容目录：{content}")
    found = [(content / SITE_FILE, SITE_FILE, m.SiteSettings)] if (content / SITE_FILE).is_file() else []
    for prefix, model in TYPES.items():
        folder = content / prefix
        if folder.is_dir():
            found += [(path, f"{prefix}/{path.name}", model) for path in sorted(folder.iterdir())
                      if path.suffix == ".md" and path.is_file() and not path.name.startswith(".")]  # fmt: skip
    return found


def _other_entries(content: Path) -> list[Path]:
    """What the import is left to judge as it is: media/, unknown folders, other files in type folders."""
    entries = []
    for entry in sorted(content.iterdir()):
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        if entry.name in TYPES:
            entries += [path for path in sorted(entry.iterdir()) if not path.name.startswith(".")
                        and not (path.suffix == ".md" and path.is_file())]  # fmt: skip
        else:
            entries.append(entry)
    return entries


def _resolve(item: tuple[Path, str, type[pw.Model]], now: dt.datetime) -> _File:
    path, rel, model = item
    front, body = _parse(path, rel)
    slug = front.get("slug")
    drawings = _resolve_values(model, front, rel, now, "")
    key, child_model = CHILDREN.get(model, (None, None))
    children = front.get(key) if key else None
    for i, child in enumerate(children if isinstance(children, list) else [], 1):
        if isinstance(child, dict):  # anything else is for the import to refuse
            drawings += _resolve_values(child_model, child, rel, now, f"字段 “{key}” 第 {i} 项的 ", rows=children)
    for drawing in drawings:
        if drawing.kind == "buildings-map":
            drawing.dated = _as_time(front.get("publish_at")) or now
        elif drawing.gps:
            drawing.dated = _as_time(drawing.values.get("created_at")) or now
    try:
        body = fill_in(body, now)
    except ValueError as exc:
        raise LinliError(f"{rel}：正文里的日期看不懂：{exc}（写法见 {README}）。") from None
    target = rel
    if isinstance(slug, str) and "{{" in slug:  # a slug with a date: the file is named after it
        target = f"{rel.rpartition('/')[0]}/{front['slug']}.md"
    return _File(rel, target, model, front, body, drawings)


def _resolve_values(
    model, values: dict, rel: str, now: dt.datetime, where: str, rows: list | None = None
) -> list[_Drawing]:
    """Resolve relative dates and dates in text in ``values`` (in place); return its drawings."""
    drawings = []
    for key, value in values.items():
        if not isinstance(value, str):
            continue
        column = model._meta.fields.get(key)
        label = f"{where}“{key}”" if where else f"字段 “{key}”"
        if isinstance(column, (pw.DateTimeField, pw.DateField)) and not _is_iso(value):
            try:
                at = relative_time(value, now)
            except ValueError as exc:
                raise LinliError(f"{rel}：{label} 的日期 “{value}” 看不懂：{exc}（写法见 {README}）。") from None
            values[key] = at.isoformat() if isinstance(column, pw.DateTimeField) else at.date().isoformat()
            continue
        try:
            values[key] = fill_in(value, now)
        except ValueError as exc:
            raise LinliError(f"{rel}：{label} 里的日期看不懂：{exc}（写法见 {README}）。") from None
        if key in MEDIA_FIELDS.get(model, ()) and value.startswith("drawn/"):
            drawings.append(_drawing(model, values, key, rows, rel, label))
    return drawings


def _drawing(model, values: dict, key: str, rows: list | None, rel: str, label: str) -> _Drawing:
    path = values[key]
    match = _DRAWN.fullmatch(path)
    if not match or (match["kind"] and match["kind"] not in KINDS):
        raise LinliError(
            f"{rel}：{label} 的 “{path}” 不是能画的图：应写成 drawn/编号-画面.jpg（画面有 {'、'.join(KINDS)}，"
            f"可加 -portrait、-gps），或 drawn/buildings-map.pdf（写法见 {README}）。"
        )
    if match["map"]:
        return _Drawing(model, values, key, rows, None, "buildings-map")
    number, kind = int(match["number"]), match["kind"]
    return _Drawing(model, values, key, rows, number, kind, bool(match["portrait"]), bool(match["gps"]))


def _is_iso(value: str) -> bool:
    try:
        dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return False
    return True


def _as_time(value) -> dt.datetime | None:
    """A resolved date field's value as a datetime (None if it is not one)."""
    if isinstance(value, str) and _is_iso(value):
        value = dt.datetime.fromisoformat(value.strip())
    return value if isinstance(value, dt.datetime) else None


def _draw(files: list[_File], painter: Painter | None, now: dt.datetime) -> None:
    """Draw and store every ``drawn/…`` file, photos in the order of their numbers, and put its
    path (and size) in its place; without a painter, take the references out (an empty field, no
    child row)."""
    drawings = [drawing for item in files for drawing in item.drawings]
    if painter is None:
        for drawing in drawings:
            if drawing.rows is not None:
                drawing.rows.remove(drawing.values)
            else:
                drawing.values[drawing.key] = ""
        return
    photos: dict[int, tuple[_Drawing, StoredImage]] = {}
    for drawing in sorted((d for d in drawings if d.number is not None), key=lambda d: d.number):
        first, stored = photos.get(drawing.number, (drawing, None))
        if (first.kind, first.portrait, first.gps) != (drawing.kind, drawing.portrait, drawing.gps):
            raise LinliError(
                f"演示内容里有两张编号都是 {drawing.number} 的画（drawn/{drawing.number}-…），但画面不同。"
            )
        if stored is None:
            stored = painter.photo(
                drawing.kind, portrait=drawing.portrait, taken=drawing.dated if drawing.gps else None
            )
            photos[drawing.number] = (drawing, stored)
        drawing.values[drawing.key] = stored.path
        if "width" in drawing.model._meta.fields:
            drawing.values.update(width=stored.width, height=stored.height)
    for drawing in drawings:
        if drawing.number is None:
            path, size = painter.buildings_map(drawing.dated or now)
            drawing.values[drawing.key] = path
            if "size" in drawing.model._meta.fields:
                drawing.values["size"] = size


def _counts(files: list[_File]) -> dict[str, int]:
    counts = {model.__name__: 0 for model in m.ALL_MODELS if model is not m.User}
    for item in files:
        counts[item.model.__name__] += 1
        if item.model in CHILDREN:
            key, child_model = CHILDREN[item.model]
            counts[child_model.__name__] += len(item.front.get(key) or [])
    return counts
