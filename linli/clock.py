"""The site's clock: the one place that says what "now" is and what a stored time means.

**Every time Linli stores is a naive wall-clock time in the site's time zone** (``timezone`` in
``linli.toml``, default Asia/Shanghai): the ``publish_at`` and ``expires_at`` staff type, an
event's start, and every time Linli writes itself (created, updated, deleted, audit, builds,
logins). The server's own time zone (``TZ``, ``/etc/localtime``; UTC on most cloud machines and
containers) plays no part: "now" is the real instant (:func:`utc_now`, the only read of the
system clock) seen on the site's wall clock, so an item scheduled for 09:00 goes public at 09:00
in the community whatever zone the server runs in.

The zone belongs to the site whose database is open: :func:`linli.db.connect` records it on
the database object (:func:`bind`), and :func:`now` reads it from there; before any database is
open the default zone applies.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from linli.errors import LinliError

DEFAULT_ZONE = "Asia/Shanghai"
ZONE_ATTRIBUTE = "linli_timezone"  # set on the peewee Database object by bind()


def zone_named(name: str | None) -> ZoneInfo:
    """The zone called ``name`` (an IANA name such as "Asia/Shanghai"); LinliError if unknown."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise LinliError(f"不认识的时区 timezone = “{name}”，请写成如 \"Asia/Shanghai\" 的时区名。") from exc


def bind(database, name: str | None) -> None:
    """Record on ``database`` the time zone in which its stored times are meant."""
    setattr(database, ZONE_ATTRIBUTE, zone_named(name))


def zone_of(database) -> ZoneInfo:
    """The time zone :func:`bind` recorded on ``database`` (the default zone if none)."""
    return getattr(database, ZONE_ATTRIBUTE, None) or zone_named(DEFAULT_ZONE)


def site_zone() -> ZoneInfo:
    """The time zone of the site whose database is open."""
    from linli.db import database

    return zone_of(database.obj)


def utc_now() -> dt.datetime:
    """The real instant, as an aware UTC time: the only place Linli reads the system clock."""
    return dt.datetime.now(dt.timezone.utc)


def now(zone: ZoneInfo | None = None) -> dt.datetime:
    """The site's wall-clock time now, naive, to the second: how times are stored and compared.
    ``zone`` is for callers that have a home but no open database (backups)."""
    return to_stored(utc_now(), zone)


def to_stored(value: dt.datetime, zone: ZoneInfo | None = None) -> dt.datetime:
    """An aware time as Linli stores it: naive wall-clock time in the site's zone, to the second."""
    return value.astimezone(zone or site_zone()).replace(tzinfo=None, microsecond=0)


def aware(value: dt.datetime) -> dt.datetime:
    """A stored (naive, site-zone) time as an aware time, for feeds and calendars."""
    return value.replace(tzinfo=site_zone()) if value.tzinfo is None else value


def stamp(zone: ZoneInfo | None = None) -> str:
    """The site's time now for file names (backups): ``20261125-093000``."""
    return f"{now(zone):%Y%m%d-%H%M%S}"
