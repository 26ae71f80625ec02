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
from linli.publicity import EXPIRED, include_for, public, visibility
from linli.registry import TYPES, groups, with_pages
from linli.search.analyzer import fold

SYNONYMS_PATH = Path(__file__).resolve().parent.parent / "data" / "synonyms.txt"

# Result types residents filter by: (key, zh label, en label, content types), from the declarations.
GROUPS = [(group.key, str(group.names), group.names.en, [kind.prefix for kind in kinds]) for group, kinds in groups()]
GROUP_OF = {prefix: key for key, _, _, prefixes in GROUPS for prefix in prefixes}
MODELS = {kind.prefix: kind.model for kind in with_pages()}  # types with pages: staff-only ones have none
TYPE_LABELS_EN = {kind.prefix: kind.names.one for kind in TYPES}


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


includes = include_for  # which public items of a model have a page (see linli.publicity)


def public_documents(at: dt.datetime, prefixes=None, *, cache: dict | None = None, part: tuple[int, int] = (0, 1)):
    """Yield a :class:`SearchDoc` for every public item at ``at`` (optionally only some types).
    ``cache`` ((type, id) → (fingerprint, document), kept by a build) spares remaking documents
    of unchanged items. ``part`` (k, n) yields only every n-th item of each type from the k-th:
    one of n processes' share of the work."""
    share, parts = part
    for prefix, model in MODELS.items():
        if prefixes is not None and prefix not in prefixes:
            continue
        items = list(public(model, at, include=includes(model)).order_by(model.id))
        related = related_text(model) if items else {}
        for item in items[share::parts]:
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
    """Public text that lives in the item's child rows (attachment titles, photo captions, grid
    members), by item id (of the items in ``ids``, or of every item)."""
    found: dict[int, list[str]] = defaultdict(list)
    children = model.kind.children
    if children is None or (ids is not None and not ids):
        return found
    wanted = None if ids is None else set(ids)
    child = children.model
    query = child.select().order_by(child.position, child.id)
    if children.hidden:
        query = query.where(getattr(child, children.hidden) == False)  # noqa: E712
    for row in query:
        parent = row.__data__[children.link.name]
        text = " ".join(filter(None, (_shown(row, name) for name in children.text)))
        if text and (wanted is None or parent in wanted):
            found[parent].append(text)
    return found


def _shown(row, name: str) -> str:
    """The text of field ``name`` as the row's page shows it: a choice by its label."""
    value = getattr(row, name)
    field = row._meta.fields.get(name)
    if field is not None and field.choices:
        return dict(field.choices).get(value, "")
    return value or ""


def _join(*parts) -> str:
    return "\n".join(str(p).strip() for p in parts if p and str(p).strip())


def document(item, *, expired: bool = False, related: list[str] | None = None) -> SearchDoc:
    """The searchable public text of ``item``, which the caller has found public: the fields its
    type's declaration names (:class:`linli.registry.Search`), as its page shows them."""
    kind = item.kind
    texts = {kind.children.key: related or []} if kind.children else {}

    def parts(names):
        for name in names:
            if name in texts:
                yield from texts[name]
            elif name in kind.markdown:
                yield plain_text(getattr(item, name))
            elif name in kind.lines:
                yield from m.lines(getattr(item, name))
            else:
                yield _shown(item, name)

    summary, body = _join(*parts(kind.search_summary)), _join(*parts(kind.search_body))
    title_aliases = aliases(item.title)
    return SearchDoc(
        prefix=item.url_prefix, id=item.id, slug=item.slug, title=item.title, summary=summary, body=body,
        date=getattr(item, kind.search.date), expired=expired, title_aliases=title_aliases,
        aliases=" ".join(a for a in aliases(summary, body).split() if a not in title_aliases.split()),
    )  # fmt: skip
