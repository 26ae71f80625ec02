"""What search sees of an item: its public text only, from the public set only.

Both indexes (Whoosh in ``search_index/`` and the static one in ``site/search/``) are filled
from :func:`public_documents`, which asks :mod:`linli.publicity` (the one rule) which items are
public, and from :func:`document`, which reads only the fields a public page shows: never the
internal note, a wish's private beneficiary details or unconsenting adopter, a grid worker's
private phone, hidden photos.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from linli import models as m
from linli.markup import plain_text
from linli.publicity import EXPIRED, LIVE, public, visibility
from linli.search.analyzer import fold

SYNONYMS_PATH = Path(__file__).resolve().parent.parent / "data" / "synonyms.txt"

# Result types residents filter by: (key, zh label, en label, content types).
GROUPS = [
    ("notice", "通知公告", "Notices", ["notices"]),
    ("service", "办事指南", "Service guide", ["services"]),
    ("place", "便民设施", "Nearby services", ["places"]),
    ("story", "志愿服务", "Volunteering", ["stories", "teams", "wishes"]),
    ("event", "社区活动", "Events", ["events", "albums"]),
    ("other", "网格和概况", "Grids and about", ["grids", "pages"]),
]
GROUP_OF = {prefix: key for key, _, _, prefixes in GROUPS for prefix in prefixes}
MODELS = {model.url_prefix: model for model in m.CONTENT_MODELS}
TYPE_LABELS_EN = {
    "notices": "Notice", "services": "Service", "places": "Place", "teams": "Volunteer team",
    "stories": "Story", "wishes": "Micro-wish", "events": "Event", "albums": "Photo album",
    "grids": "Grid", "pages": "Page",
}  # fmt: skip
WISH_LABELS = dict(m.WISH_STATUS_CHOICES)
ROLE_LABELS = dict(m.MEMBER_ROLE_CHOICES)


@dataclass
class SearchDoc:
    prefix: str  # the content type's url_prefix
    id: int
    slug: str
    title: str
    summary: str  # summary and category: weighted between title and body
    body: str
    date: dt.datetime
    expired: bool = False  # a notice in the archive
    title_aliases: str = ""  # short forms of what the title says in full (see data/synonyms.txt)
    aliases: str = ""  # the same for the summary and body

    def indexed(self, name: str) -> str:
        """The text indexed for field ``name`` (title, summary or body): the field and its aliases."""
        extra = {"title": self.title_aliases, "body": self.aliases}.get(name, "")
        text = getattr(self, name)
        return f"{text}\n{extra}" if extra else text

    @property
    def key(self) -> str:
        return f"{self.prefix}:{self.id}"

    @property
    def group(self) -> str:
        return GROUP_OF[self.prefix]

    @property
    def path(self) -> str:
        """The item's page, relative to the site root."""
        return f"{self.prefix}/{self.slug}/"

    @property
    def type_label(self) -> str:
        return MODELS[self.prefix].type_label


@functools.cache
def synonyms() -> list[tuple[str, list[str]]]:
    """(short form, [long forms]) from ``linli/data/synonyms.txt``, folded."""
    found = []
    for line in SYNONYMS_PATH.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        short, _, longs = line.partition("=")
        found.append((fold(short.strip()), [fold(long.strip()) for long in longs.split("|") if long.strip()]))
    return found


def aliases(*texts: str) -> str:
    """The short forms of the long forms that ``texts`` contain (and not already the short form)."""
    folded = "\n".join(fold(text) for text in texts if text)
    return " ".join(
        short for short, longs in synonyms() if short not in folded and any(long in folded for long in longs)
    )


def types_for(types) -> set[str] | None:
    """Content types (url prefixes) named by ``types``: prefixes or group keys, or None for all."""
    if not types:
        return None
    if isinstance(types, str):
        types = [types]
    wanted: set[str] = set()
    for name in types:
        for key, _, _, prefixes in GROUPS:
            if name == key:
                wanted.update(prefixes)
        if name in MODELS:
            wanted.add(name)
    return wanted


def includes(model) -> str:
    """Which public items of ``model`` have a page: expired notices stay in the archive."""
    return "all" if model is m.Notice else LIVE


def public_documents(at: dt.datetime, prefixes=None, *, cache: dict | None = None):
    """Yield a :class:`SearchDoc` for every public item at ``at`` (optionally only some types).
    ``cache`` ((type, id) → (fingerprint, document), kept by a build) spares remaking documents
    of unchanged items."""
    for prefix, model in MODELS.items():
        if prefixes is not None and prefix not in prefixes:
            continue
        items = list(public(model, at, include=includes(model)).order_by(model.id))
        related = related_text(model) if items else {}
        for item in items:
            expired = visibility(item, at) == EXPIRED
            if cache is None:
                yield document(item, expired=expired, related=related.get(item.id))
                continue
            # A document is a function of the item's row, its related text and expiry.
            made_from = hashlib.blake2b(repr((item.__data__, related.get(item.id), expired)).encode(), digest_size=16)
            key, fingerprint = (prefix, item.id), made_from.digest()
            hit = cache.get(key)
            if hit is None or hit[0] != fingerprint:
                hit = cache[key] = (fingerprint, document(item, expired=expired, related=related.get(item.id)))
            yield hit[1]


def document_for(item, at: dt.datetime) -> SearchDoc | None:
    """The document of one item, or None when it is not public at ``at``."""
    state = visibility(item, at)
    if state is None:
        return None
    related = related_text(type(item), [item.id]).get(item.id)
    return document(item, expired=state == EXPIRED, related=related)


def related_text(model, ids=None) -> dict[int, list[str]]:
    """Public text that lives in other tables, by item id: attachment titles, photo captions,
    grid members (of the items in ``ids``, or of every item)."""
    found: dict[int, list[str]] = defaultdict(list)
    if ids is not None and not ids:
        return found
    wanted = None if ids is None else set(ids)
    if model is m.Notice:
        query = m.Attachment.select().order_by(m.Attachment.position, m.Attachment.id)
        for attachment in query:
            if wanted is None or attachment.notice_id in wanted:
                found[attachment.notice_id].append(attachment.title)
    elif model is m.Album:
        query = m.Photo.select().where(m.Photo.hidden == False)  # noqa: E712
        for photo in query.order_by(m.Photo.position, m.Photo.id):
            if photo.caption and (wanted is None or photo.album_id in wanted):
                found[photo.album_id].append(photo.caption)
    elif model is m.Grid:
        query = m.GridMember.select().order_by(m.GridMember.position, m.GridMember.id)
        for member in query:
            if wanted is None or member.grid_id in wanted:
                role = ROLE_LABELS.get(member.role, "")
                found[member.grid_id].append(
                    " ".join(filter(None, [member.name, role, member.work_phone, member.duties]))
                )
    return found


def _join(*parts) -> str:
    return "\n".join(str(p).strip() for p in parts if p and str(p).strip())


def document(item, *, expired: bool = False, related: list[str] | None = None) -> SearchDoc:
    """The searchable public text of ``item``, which the caller has found public."""
    related = related or []
    summary = _join(getattr(item, "summary", ""), getattr(item, "category", ""))
    if isinstance(item, m.Notice):
        body = _join(plain_text(item.body), *related)
    elif isinstance(item, m.Service):
        body = _join(
            item.location, item.hours, item.phone, item.fee, item.time_limit, plain_text(item.who_qualifies),
            *item.document_list, plain_text(item.steps), plain_text(item.body),
        )  # fmt: skip
    elif isinstance(item, m.Place):
        body = _join(item.address, item.hours, item.phone, plain_text(item.body))
    elif isinstance(item, m.VolunteerTeam):
        body = _join(item.leader, item.phone, plain_text(item.body))
    elif isinstance(item, m.Wish):
        body = _join(item.beneficiary, WISH_LABELS.get(item.wish_status, ""), item.public_adopter, plain_text(item.body))
    elif isinstance(item, m.Event):
        body = _join(item.location, item.organiser, plain_text(item.body), plain_text(item.how_to_join))
    elif isinstance(item, m.Album):
        body = _join(*related)
    elif isinstance(item, m.Grid):
        summary = _join(item.area)
        body = _join(*item.building_list, *related, plain_text(item.body))
    else:  # Story, Page
        body = plain_text(getattr(item, "body", ""))
    title_aliases = aliases(item.title)
    return SearchDoc(
        prefix=item.url_prefix, id=item.id, slug=item.slug, title=item.title, summary=summary, body=body,
        date=item.starts_at if isinstance(item, m.Event) else item.date, expired=expired,
        title_aliases=title_aliases,
        aliases=" ".join(a for a in aliases(summary, body).split() if a not in title_aliases.split()),
    )  # fmt: skip
