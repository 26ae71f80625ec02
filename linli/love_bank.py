"""爱心银行 (love bank): members' points, the honour board and the totals residents see, and
the one rule for recording a deed or an exchange (an exchange never spends more than the balance).

Members and their records are staff-only (``LoveBankMember``, ``LoveBankRecord``): the public
site gets only what :func:`honour_board` and :func:`totals` return — a display name (the real
one only with the member's consent, else the surname and "**", as "王**"), the member's kind and
sums of points. Which members count is decided by :mod:`linli.publicity` (published members).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import peewee as pw

from linli import db, deps, validation
from linli import models as m
from linli.publicity import public


class RecordRefused(ValueError):
    """A deed or exchange that cannot be recorded: ``message`` (Chinese, a msgid of the admin's
    catalogue, see admin/love_bank.py) with ``params``; ``str()`` is the message filled in."""

    def __init__(self, message: str, **params):
        self.message, self.params = message, params
        super().__init__(message % params if params else message)


@dataclass(frozen=True)
class BoardRow:
    """One line of the honour board: nothing in it is private."""

    name: str
    member_type: str  # "resident" or "party" (the template words it)
    earned: int


@dataclass(frozen=True)
class Totals:
    year: int
    earned_this_year: int
    exchanged_this_year: int
    members: int


def anonymised(name: str) -> str:
    """The surname and two stars ("王**"), for members who have not agreed to show their name."""
    name = name.strip()
    return f"{name[0]}**" if name else "**"


def display_name(member: m.LoveBankMember) -> str:
    return member.title if member.name_public else anonymised(member.title)


def _points(kind: str):
    record = m.LoveBankRecord
    return pw.fn.COALESCE(pw.fn.SUM(pw.Case(None, [(record.record_type == kind, record.points)], 0)), 0)


def balance(member: m.LoveBankMember) -> int:
    """Points earned by deeds minus points spent on exchanges."""
    record = m.LoveBankRecord
    earned, spent = (
        record.select(_points(m.DEED), _points(m.EXCHANGE)).where(record.member == member).tuples().get()
    )
    return int(earned) - int(spent)


def add_record(member: m.LoveBankMember, record_type: str, points: int, description: str,
               date: dt.date | None = None, note: str = "") -> m.LoveBankRecord:  # fmt: skip
    """Record a deed (earns ``points``) or an exchange (spends them): refused with a message for
    staff when the points are not a positive number or an exchange exceeds the balance."""
    if record_type not in dict(m.LOVE_BANK_RECORD_TYPES):
        raise RecordRefused("请选择“好人好事”或“兑换”。")
    if not isinstance(points, int) or points <= 0:
        raise RecordRefused("积分必须是大于 0 的整数。")
    if not description.strip():
        raise RecordRefused("请写明做了什么好事或兑换了什么。")
    with db.immediate_transaction():
        problem = validation.too_many(m.LoveBankRecord, member.records.count() + 1, adding=True)
        if problem:
            raise RecordRefused(problem)
        if record_type == m.EXCHANGE:
            available = balance(member)
            if points > available:
                raise RecordRefused(
                    "积分不足：%(name)s 现有 %(balance)s 分，兑换需要 %(points)s 分，未记录。",
                    name=member.title, balance=available, points=points,
                )
        return m.LoveBankRecord.create(
            member=member, record_type=record_type, points=points, description=description.strip(),
            date=date or m.now().date(), note=note,
        )  # fmt: skip


def honour_board(at: dt.datetime) -> list[BoardRow]:
    """Public members, most points earned first (the real name only with consent)."""
    member, record = m.LoveBankMember, m.LoveBankRecord
    earned = _points(m.DEED).alias("earned")
    rows = (
        public(member, at)
        .select(member.title, member.name_public, member.member_type, earned)
        .join(record, pw.JOIN.LEFT_OUTER, on=(record.member == member.id))
        .group_by(member.id, member.title, member.name_public, member.member_type)
        .order_by(earned.desc(), member.id)
    )
    return [BoardRow(display_name(row), row.member_type, int(row.earned)) for row in rows]


def totals(at: dt.datetime) -> Totals:
    """Points earned and exchanged this year (the year of ``at``) by public members, and how many there are."""
    member, record = m.LoveBankMember, m.LoveBankRecord
    start, end = dt.date(at.year, 1, 1), dt.date(at.year + 1, 1, 1)
    members = public(member, at).select(member.id)
    earned, spent = (
        record.select(_points(m.DEED), _points(m.EXCHANGE))
        .where(record.member.in_(members) & (record.date >= start) & (record.date < end))
        .tuples()
        .get()
    )
    return Totals(at.year, int(earned), int(spent), public(member, at).count())


def board_context() -> dict:
    """The love bank page's template variables besides its catalogue (``Listing.context``)."""
    from linli.app import moment

    at = moment()
    deps.record_moment("%Y")  # the totals are this year's: the page is made again when the year turns
    return {"honour_board": honour_board(at), "totals": totals(at)}
