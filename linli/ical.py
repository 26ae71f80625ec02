"""Calendar files (iCalendar, ``.ics``) that a phone's calendar app imports: every upcoming
public event (``/events/calendar.ics``) and one per event (``/events/<slug>/calendar.ics``,
the "加入手机日历" link on the event's page). Times are written in UTC, which every calendar
app understands; the site's time zone (``timezone`` in ``linli.toml``) says what the stored
times mean.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, url_for

from linli import clock, markup
from linli import models as m
from linli.app import item_url, moment
from linli.feeds import absolute_url, base_url
from linli.publicity import LIVE, visibility

blueprint = Blueprint("ical", __name__)

ICS = "text/calendar"


@blueprint.route("/events/calendar.ics")
def upcoming() -> Response:
    from linli.public import upcoming_events

    return _calendar(list(upcoming_events()), "社区活动")


@blueprint.route("/events/<slug>/calendar.ics")
def event(slug: str) -> Response:
    item = m.Event.get_or_none(m.Event.slug == slug)
    if item is None or visibility(item, moment()) != LIVE:
        abort(404)
    return _calendar([item], item.title)


def _calendar(events: list, name: str) -> Response:
    # (imported here: a build that writes no calendar file is spared it)
    from icalendar import Calendar
    from icalendar import Event as CalendarEvent

    site = m.SiteSettings.get_current()
    calendar = Calendar()
    calendar.add("prodid", "-//Linli//Community site//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{site.name} · {name}")
    host = base_url().split("://", 1)[-1].split("/", 1)[0] or "linli"
    for item in events:
        entry = CalendarEvent()
        entry.add("uid", f"event-{item.id}@{host}")
        entry.add("dtstamp", _utc(item.updated_at))  # the event's last change: the file changes with it only
        entry.add("last-modified", _utc(item.updated_at))
        entry.add("dtstart", _utc(item.starts_at))
        if item.ends_at and item.ends_at > item.starts_at:
            entry.add("dtend", _utc(item.ends_at))
        entry.add("summary", item.title)
        if item.location:
            entry.add("location", item.location)
        address = absolute_url(item_url(item))
        details = [item.summary or markup.plain_text(item.body, 300)]
        if item.how_to_join:
            details.append("参加方式：" + markup.plain_text(item.how_to_join, 300))
        if item.organiser:
            details.append("主办：" + item.organiser)
        if address:
            details.append(address)
            entry.add("url", address)
        entry.add("description", "\n".join(d for d in details if d))
        calendar.add_component(entry)
    return Response(calendar.to_ical(), mimetype=ICS)


def _utc(value: dt.datetime) -> dt.datetime:
    return clock.aware(value).astimezone(dt.timezone.utc)


def calendar_pages():
    """The calendar files, for the build: all upcoming events, and one per upcoming event."""
    from linli.public import upcoming_events

    yield "ical.upcoming", {}
    for item in upcoming_events():
        yield "ical.event", {"slug": item.slug}


def calendar_url(item) -> str:
    """The calendar file of a public event that has not ended ("" for a past event)."""
    ends = item.ends_at or item.starts_at
    return url_for("ical.event", slug=item.slug) if ends >= moment() else ""
