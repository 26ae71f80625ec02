"""The one cleaning and checking of an item's values, for every way content comes in.

The admin's forms (:mod:`admin.views`, :mod:`admin.management`), its JSON endpoints
(:mod:`admin.uploads`) and ``linli import`` (:mod:`linli.transfer`) all pass the values they are
about to store through :func:`check`, so the same text is cleaned the same way and refused with
the same words wherever it was typed:

- Text loses its control characters (C0 and C1, DEL, and lone surrogates): they are invisible to
  staff, PostgreSQL cannot store a NUL, and one NUL cut a built page short. Multi-line fields
  (``TextField``: bodies, lists, notes) keep tab, line feed and carriage return; in single-line
  fields (``CharField``) a run of them becomes one space.
- Required fields must not be empty (a title of spaces is empty); a slug, when given, loses
  its outer spaces and must be usable in a URL (:func:`linli.slugs.check_slug`).
- Lengths: single-line fields their model ``max_length``, multi-line fields
  :data:`linli.limits.TEXT_CHARS`; one-per-line fields in :data:`LINE_LIMITS` a number of lines.
- Choices (status, wish status, a grid member's role) must be one of the model's.
- Dates between the years :data:`FIRST_YEAR` and :data:`LAST_YEAR` (a typo like 20266 is
  refused, and converting a time between zones cannot overflow), integers within what
  PostgreSQL's ``integer`` holds, decimals finite.

Types are the caller's business (a form field converts its text, the import checks YAML's
types); values of other types are passed through unchecked. A problem's message is a sentence
without the field's name, for the admin to show under the field and the import to prefix with
``字段 “title” ``. :func:`too_many` words the row limits of :mod:`linli.limits` the same way.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

import peewee as pw

from linli import limits
from linli import models as m
from linli.errors import LinliError
from linli.slugs import check_slug

FIRST_YEAR, LAST_YEAR = 1900, 2999
INT_RANGE = (-(2**31), 2**31 - 1)  # PostgreSQL's integer

# C0 controls but tab, line feed and carriage return; DEL; C1 controls; lone surrogates.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]+")
_LINE_BREAKS = re.compile("[\t\n\r]+")

#: Child model → (limit, the parent as counted, the unit of a child).
ROW_LIMITS: dict[type[m.BaseModel], tuple[int, str, str]] = {
    m.Attachment: (limits.ATTACHMENTS_PER_NOTICE, "条通知", "个附件"),
    m.Photo: (limits.PHOTOS_PER_ALBUM, "个相册", "张照片"),
    m.GridMember: (limits.MEMBERS_PER_GRID, "个网格", "位网格员"),
    m.LoveBankRecord: (limits.RECORDS_PER_LOVE_BANK_MEMBER, "位爱心银行成员", "条积分记录"),
}
#: One-item-per-line fields with a limit of lines: (model, field) → (limit, the item, the unit).
LINE_LIMITS: dict[tuple[type[m.BaseModel], str], tuple[int, str, str]] = {
    (m.Grid, "buildings"): (limits.BUILDINGS_PER_GRID, "个网格", "个楼栋"),
}


@dataclass(frozen=True)
class Problem:
    field: str
    message: str  # Chinese, without the field's name: "太长：最多 200 个字，实际 201 个字。"


class Invalid(LinliError):
    """Values refused by :func:`check`; the message is the first problem's."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        first = problems[0]
        super().__init__(f"字段 “{first.field}” {first.message}")


def clean_text(text: str, *, multiline: bool) -> str:
    """``text`` without control characters; a single line also without line breaks and tabs."""
    if not multiline:
        text = _LINE_BREAKS.sub(" ", text)
    return _CONTROLS.sub("", text)


def show(value) -> str:
    """A value as quoted in a message, cut short."""
    if value is None or value == "":
        return "空"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return "一个列表"
    if isinstance(value, dict):
        return "一组字段"
    text = str(value).replace("\r", "\\r").replace("\n", "\\n")
    return text if len(text) <= 40 else text[:40] + "…"


def required(field: pw.Field) -> bool:
    """Whether a value must be given: not nullable, no default (an id never)."""
    return not field.null and field.default is None and not isinstance(field, pw.AutoField)


def too_long(length: int, limit: int) -> str | None:
    if length <= limit:
        return None
    advice = "请删去多余的内容，或拆成几篇。" if limit >= limits.TEXT_CHARS else ""
    return f"太长：最多 {limit:,} 个字，实际 {length:,} 个字。{advice}"


def too_many(child_model, count: int, *, adding: bool = False) -> str | None:
    """The refusal of ``count`` rows of ``child_model`` under one parent, or None.
    ``adding``: ``count`` includes one about to be added to those already there."""
    limit, parent, unit = ROW_LIMITS[child_model]
    if count <= limit:
        return None
    if adding:
        return f"太多了：每{parent}最多 {limit:,} {unit}，已经有 {count - 1:,} {unit}。"
    return f"太多了：每{parent}最多 {limit:,} {unit}，这里有 {count:,} {unit}。"


def check(model, values: Mapping[str, object]) -> tuple[dict, list[Problem]]:
    """``values`` cleaned, and the problems of those given (in model field order).

    Only the fields in ``values`` are checked: a missing required field is the caller's
    business (the import reports it by name, a form always has every field)."""
    cleaned = dict(values)
    problems = []
    for field in model._meta.sorted_fields:
        if field.name not in values:
            continue
        value, message = _check_field(field, values[field.name])
        cleaned[field.name] = value
        if message:
            problems.append(Problem(field.name, message))
    return cleaned, problems


def clean(model, values: Mapping[str, object]) -> dict:
    """``values`` cleaned, or :class:`Invalid` naming the first problem."""
    cleaned, problems = check(model, values)
    if problems:
        raise Invalid(problems)
    return cleaned


def _check_field(field: pw.Field, value) -> tuple[object, str | None]:
    if isinstance(value, str) and isinstance(field, (pw.CharField, pw.TextField)):
        value = clean_text(value, multiline=isinstance(field, pw.TextField))
        if field.name == "slug" and issubclass(field.model, m.Content):
            value = value.strip()
            if value:
                try:
                    check_slug(value)
                except LinliError as exc:
                    return value, str(exc)
            return value, None  # blank: made from the title on save
        if not value.strip() and required(field):
            return value, "不能为空。"
        if field.choices:
            allowed = [choice for choice, _ in field.choices]
            if value not in allowed:
                names = "、".join(f"{choice}（{label}）" for choice, label in field.choices)
                return value, f"应为 {names}之一，实际为{' “' + show(value) + '”' if value else '空'}。"
        limit = field.max_length if isinstance(field, pw.CharField) and field.max_length else limits.TEXT_CHARS
        if problem := too_long(len(value), limit):
            return value, problem
        if (field.model, field.name) in LINE_LIMITS:
            limit, item, unit = LINE_LIMITS[field.model, field.name]
            count = len(m.lines(value))
            if count > limit:
                return value, f"太多了：每{item}最多 {limit:,} {unit}（一行一个），这里有 {count:,} 行。"
        return value, None
    if value is None:
        return value, "不能为空。" if required(field) else None
    if isinstance(value, (dt.date, dt.datetime)):
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            return value, f"超出范围：年份应在 {FIRST_YEAR} 到 {LAST_YEAR} 之间，实际为 {show(value)}。"
    elif isinstance(value, bool):
        pass
    elif isinstance(value, int) and isinstance(field, pw.IntegerField):
        if not INT_RANGE[0] <= value <= INT_RANGE[1]:
            return value, f"超出范围：应在 {INT_RANGE[0]} 到 {INT_RANGE[1]} 之间，实际为 {show(value)}。"
    elif isinstance(value, float) and not math.isfinite(value):
        return value, f"应为数字，实际为 “{show(value)}”。"
    return value, None
