"""The one place that decides what is public. Every page, feed, index and export of the
public site asks here; nothing else looks at status or dates to decide visibility.

An item is public when it is published, not in the trash, and its ``publish_at`` (if any) has come. When its
``expires_at`` has passed it is *expired*: a notice that keeps its place after expiry moves to
the archive list; anything else leaves the public site entirely.
"""

from __future__ import annotations

import datetime as dt

import peewee as pw

from linli.models import CONTENT_MODELS, PUBLISHED, Album, Attachment, Event, Notice, Photo

LIVE, EXPIRED = "live", "expired"


def visibility(item, at: dt.datetime) -> str | None:
    """``LIVE``, ``EXPIRED`` (public, in the archive) or ``None`` (not public) at time ``at``."""
    if isinstance(item, Photo):
        return None if item.hidden else visibility(item.album, at)
    if isinstance(item, Attachment):
        return visibility(item.notice, at)
    if item.status != PUBLISHED or item.deleted_at is not None:
        return None
    if item.publish_at is not None and item.publish_at > at:
        return None
    if item.expires_at is not None and item.expires_at <= at:
        return EXPIRED if getattr(item, "keep_after_expiry", False) else None
    return LIVE


def is_public(item, at: dt.datetime) -> bool:
    return visibility(item, at) is not None


def include_for(model) -> str:
    """Which public items of ``model`` have a page: expired ones too when the type keeps an
    archive (notices), else only the live ones."""
    return "all" if model.kind.archive else LIVE


def public(model, at: dt.datetime, *, include: str = LIVE) -> pw.ModelSelect:
    """Items of ``model`` visible at ``at``: ``include`` is LIVE, EXPIRED or "all" of both."""
    return model.select().where(public_condition(model, at, include=include))


def public_condition(model, at: dt.datetime, *, include: str = LIVE) -> pw.Expression:
    """The SQL form of :func:`visibility`, for joins and counts."""
    started = (
        (model.status == PUBLISHED)
        & model.deleted_at.is_null()
        & (model.publish_at.is_null() | (model.publish_at <= at))
    )
    live = model.expires_at.is_null() | (model.expires_at > at)
    if hasattr(model, "keep_after_expiry"):
        expired = (model.expires_at <= at) & (model.keep_after_expiry == True)  # noqa: E712
    else:
        expired = pw.SQL("0 = 1")
    chosen = {LIVE: live, EXPIRED: expired, "all": live | expired}[include]
    return started & chosen


def public_photos(at: dt.datetime) -> pw.ModelSelect:
    """Photos that residents may see: not taken down, in an album that is public."""
    return (
        Photo.select(Photo, Album)
        .join(Album)
        .where((Photo.hidden == False) & public_condition(Album, at, include="all"))  # noqa: E712
    )


def public_attachments(at: dt.datetime) -> pw.ModelSelect:
    return Attachment.select(Attachment, Notice).join(Notice).where(public_condition(Notice, at, include="all"))


def next_change(at: dt.datetime) -> dt.datetime | None:
    """The first moment after ``at`` at which the public site changes by the clock alone, or None:
    a published item's ``publish_at`` (it goes public) or ``expires_at`` (it moves to the archive
    or leaves), or an event moving from upcoming to past (one second after it ends, as
    :func:`linli.public.upcoming_events` keeps it while ``ends >= now``). Items in the trash and
    unpublished ones have no such moment: a change of theirs is a save, published by staff.
    What ``linli status`` shows as the next scheduled publish, and when the scheduler wakes."""
    candidates = []
    for model in CONTENT_MODELS:
        scheduled = (model.status == PUBLISHED) & model.deleted_at.is_null()
        for column in (model.publish_at, model.expires_at):
            found = model.select(pw.fn.MIN(column)).where(scheduled & (column > at)).scalar()
            candidates.append(found)
        if model is Event:
            ends = pw.fn.COALESCE(Event.ends_at, Event.starts_at)
            found = Event.select(pw.fn.MIN(ends)).where(scheduled & (ends >= at)).scalar()
            candidates.append(_as_datetime(found) + dt.timedelta(seconds=1) if found is not None else None)
    found = [_as_datetime(value) for value in candidates if value is not None]
    return min(found) if found else None


def _as_datetime(value) -> dt.datetime:
    """SQLite answers ``MIN()`` over a COALESCE with the stored text, not a datetime."""
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
