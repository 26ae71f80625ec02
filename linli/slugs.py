"""Slugs: stable, readable URL names that keep Chinese titles, or fall back to a short id."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata

from linli.errors import LinliError

MAX_LENGTH = 40
# Words used by list URLs at the same depth as item slugs (e.g. /notices/archive/).
RESERVED = {"archive", "page", "category", "type", "index", "feed", "rss", "search", "static", "media"}
_NOT_SLUG = re.compile(r"[^\w]+", re.UNICODE)
VALID_SLUG = re.compile(r"^[^\W_](?:[\w-]*[^\W_])?$", re.UNICODE)


def reserved() -> set[str]:
    """The reserved words and the names of the list pages content types declare (/hotlines/print/)."""
    from linli.registry import reserved_slugs

    return RESERVED | reserved_slugs()


def slugify(title: str) -> str:
    """``"【停水】3号楼 明日停水通知"`` → ``"停水-3号楼-明日停水通知"``; "" if nothing usable."""
    text = unicodedata.normalize("NFKC", title or "").lower()
    slug = _NOT_SLUG.sub("-", text.replace("_", "-")).strip("-")
    if len(slug) > MAX_LENGTH:
        slug = slug[:MAX_LENGTH].rstrip("-")
    return slug


def short_id() -> str:
    return secrets.token_hex(4)


def check_slug(slug: str) -> str:
    """Return ``slug`` if it can be used in a URL, else raise LinliError."""
    if not VALID_SLUG.match(slug or "") or len(slug) > MAX_LENGTH * 2:
        raise LinliError(f"网址名 “{slug}” 只能包含文字、数字和连字符“-”，且不能以“-”开头或结尾。")
    if slug in reserved():
        raise LinliError(f"网址名 “{slug}” 是保留字，请换一个。")
    return slug


def assign_slug(item) -> str:
    """Give ``item`` a slug from its title, unique within its type. Set once, then kept."""
    model = type(item)
    base = slugify(item.title)
    if not base or base in reserved():
        base = f"{base}-{short_id()}" if base else short_id()
    slug, n = base, 1
    while model.select().where(model.slug == slug).exists():
        n += 1
        slug = f"{base}-{n}"
    item.slug = slug
    return slug


def category_slug(name: str) -> str:
    """The URL segment of a category as staff typed it (any text, e.g. "停水/停电")."""
    return slugify(name) or "c-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
