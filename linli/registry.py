"""Content types declared once: everything Linli knows about a type of content residents see.

Each content model in :mod:`linli.models` is declared with :func:`declare` (its child rows with
:func:`children_of`), and carries its :class:`ContentType` as ``Model.kind``, in the spirit of
Pelican's content classes and Lektor's datamodels. The declaration says:

- its names in Simplified and Traditional characters and in English (:class:`Names`);
- its URL prefix (also its folder in exports), its page template (``<model name>.html``) and
  any generic list pages (:class:`Listing`);
- its search group and which fields give the text search sees (:class:`Search`);
- which fields are Markdown, one-item-per-line text, media paths; its child rows; its
  staff-only fields; whether expired items stay public in an archive; its place in the admin
  menu and in the site's navigation; the admin's labels and help for its fields;
- what its WeChat message and share poster say (:class:`Share`, see :mod:`linli.share`);
- how many the demo community has at least;
- whether its items have public pages at all (``pages``): a staff-only type (爱心银行's members)
  is kept in the admin and in exports, has no page, no search document and no place in the
  navigation; what the public sees of it a list page of another type shows (``Listing.context``).

What follows from it: the admin's views, menu and help (``admin/views.py``); the public item
pages, the generic list pages, the navigation and the list of pages (``linli/public.py``); the
search documents and result groups (``linli/search/``); export and import (``linli/transfer.py``);
the leak tests' private fields and the demo's minimums (``tests/``).

Staff wording (labels, help) is Chinese marked with :func:`N_`; declared names are
:class:`Names`. ``scripts/translations.sh`` extracts both into the admin's catalogue, whose
English must be the declared English (tests/test_admin_i18n.py). The public site shows a
declared name in the site's language from the declaration itself (:meth:`Names.in_language`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import peewee as pw


def N_(text: str) -> str:
    """Marks Chinese staff wording for the admin catalogue's extractor; returns ``text``."""
    return text


class Names(str):
    """A name: the Simplified Chinese text itself (``str(names)``, also the gettext msgid), with
    its Traditional form (what the zh-hant tree shows) and its English for many (``en``, menus
    and lists) and for one (``one``, a search result's type)."""

    hant: str
    en: str
    one: str

    def __new__(cls, hans: str, hant: str, en: str, one: str = ""):
        self = super().__new__(cls, hans)
        self.hant, self.en, self.one = hant, en, one or en
        return self

    def __getnewargs__(self):
        return str(self), self.hant, self.en, self.one

    def in_language(self, language: str) -> str:
        """The name for a site or account in ``language`` (the zh-hant tree converts the page)."""
        return self.en if language.startswith("en") else str(self)


@dataclass(frozen=True)
class Group:
    """A result type residents filter search by; a type that names none is a group of its own."""

    key: str
    names: Names
    position: int  # order of the groups (a type's own group: the type's position)


@dataclass(frozen=True)
class Search:
    """What search sees of an item: ``summary`` and ``body`` name fields (or properties, or the
    key of the type's child rows), read as the public page shows them: Markdown as plain text,
    one-per-line fields line by line, choices by their label, child rows by their text fields."""

    group: Group | str | None = None  # a shared Group, the key of another type's own group, or its own
    summary: tuple[str, ...] | None = None  # None: its summary and category, those it has
    body: tuple[str, ...] | None = None  # None: its body, if it has one
    date: str = "date"  # the date a result shows


@dataclass(frozen=True)
class Listing:
    """A public list of a type's items, served by :func:`linli.public.listing`: ``name`` "" is the
    type's list (``/<prefix>/``, endpoint ``public.<prefix>``), any other name a page under it
    (``/<prefix>/<name>/``, endpoint ``public.<prefix>_<name>``; the name is a reserved slug)."""

    name: str
    template: str
    order: tuple[str, ...] = ("position", "id")
    group_by: str | None = None  # grouped by this field, in the order of its choices
    context: str | None = None  # "module:function" giving more template variables (honour board)


@dataclass(frozen=True)
class Fact:
    """A line of an item's WeChat message (:mod:`linli.share`): the field (or property) ``name``
    under a declared label, e.g. an event's time and place; left out when empty."""

    name: str
    label: Names


@dataclass(frozen=True)
class Share:
    """What the WeChat message and poster of an item say besides its title and address (see
    :mod:`linli.share`): ``summary`` names fields (or properties) whose first non-empty one gives
    the one or two lines of summary (Markdown as plain text, one-per-line fields joined), also the
    page's share description (``og:description``); ``facts`` the date, time and place lines."""

    summary: tuple[str, ...] | None = None  # None: summary, else the body, those it has
    facts: tuple[Fact, ...] = ()


@dataclass
class Children:
    """Rows that belong to one item and show on its page (attachments, photos, members)."""

    key: str  # front-matter key in exports, template variable, search source
    model: type
    link: pw.ForeignKeyField  # to the parent item
    text: tuple[str, ...] = ()  # public fields search sees
    media: tuple[str, ...] = ()  # media paths
    private: tuple[str, ...] = ()  # staff-only fields
    hidden: str | None = None  # boolean field that takes a row off the site
    labels: dict[str, str] = field(default_factory=dict)  # staff labels of its fields (over LABELS)

    def label(self, name: str) -> str:
        return self.labels.get(name) or LABELS.get(name) or name


@dataclass
class ContentType:
    """One content type's declaration (made by :func:`declare`; ``Model.kind``)."""

    model: type
    names: Names
    prefix: str  # in URLs (/<prefix>/<slug>/) and the folder name in exports
    position: int  # order in the admin menu, the navigation, the search groups
    search: Search = Search()
    markdown: tuple[str, ...] = ("body",)
    lines: tuple[str, ...] = ()  # one item per line (documents, buildings, numbers)
    media: tuple[str, ...] = ()  # media paths (a photo, a cover)
    private: tuple[str, ...] = ()  # staff-only fields besides internal_note
    consent: dict[str, str] = field(default_factory=dict)  # field → boolean: public only when True
    archive: bool = False  # expired items stay public in an archive (needs keep_after_expiry)
    nav: Names | bool = False  # in the site's navigation: True (its names) or the label
    category_pages: bool = False  # /<prefix>/category/<key>/ pages (hand-written views)
    lists: tuple[Listing, ...] = ()  # generic list pages (types with hand-written lists have none)
    labels: dict[str, str] = field(default_factory=dict)  # admin labels of its fields (over LABELS)
    help: dict[str, str] = field(default_factory=dict)  # admin help of its fields (over HELP)
    demo: int = 1  # the demo community has at least this many
    pages: bool = True  # False: a staff-only type, no public pages, not in search (see the docstring)
    share: Share = Share()  # its WeChat message and poster (linli.share)
    children: Children | None = None  # set by children_of

    @property
    def key(self) -> str:
        """``notice``: admin endpoint, template name, its own search group's key."""
        return self.model.__name__.lower()

    @property
    def template(self) -> str:
        return f"{self.key}.html"

    @property
    def list_endpoint(self) -> str:
        return f"public.{self.prefix}"

    @property
    def nav_label(self) -> Names | None:
        return None if self.nav is False else (self.names if self.nav is True else self.nav)

    @property
    def private_fields(self) -> tuple[str, ...]:
        return ("internal_note", *self.private)

    @property
    def group(self) -> Group:
        group = self.search.group
        if isinstance(group, Group):
            return group
        if isinstance(group, str):
            return by_key(group).group
        return Group(self.key, self.names, self.position)

    @property
    def search_summary(self) -> tuple[str, ...]:
        if self.search.summary is not None:
            return self.search.summary
        return tuple(name for name in ("summary", "category") if name in self.model._meta.fields)

    @property
    def search_body(self) -> tuple[str, ...]:
        if self.search.body is not None:
            return self.search.body
        return tuple(name for name in ("body",) if name in self.model._meta.fields)

    @property
    def share_summary(self) -> tuple[str, ...]:
        if self.share.summary is not None:
            return self.share.summary
        return tuple(name for name in ("summary", "body") if name in self.model._meta.fields)

    def label(self, name: str) -> str:
        return self.labels.get(name) or LABELS.get(name) or name

    def help_for(self, name: str) -> str | None:
        return self.help.get(name) or HELP.get(name)

    def check(self) -> None:
        """A declaration that names what the model does not have fails at import."""
        fields = self.model._meta.fields
        named = [*self.markdown, *self.lines, *self.media, *self.private, *self.consent, *self.consent.values()]
        missing = [name for name in named if name not in fields]
        if self.archive and "keep_after_expiry" not in fields:
            missing.append("keep_after_expiry")
        if missing:
            raise TypeError(f"{self.model.__name__}: declared fields it does not have: {missing}")
        shown = {*self.search_summary, *self.search_body}
        if shown & {*self.private_fields, *self.consent}:
            raise TypeError(f"{self.model.__name__}: search must not read staff-only fields")
        shared = {*self.share_summary, *(fact.name for fact in self.share.facts)}
        if shared & {*self.private_fields, *self.consent}:
            raise TypeError(f"{self.model.__name__}: the WeChat message must not read staff-only fields")
        unknown = [name for name in shared if name not in fields and not hasattr(self.model, name)]
        if unknown:
            raise TypeError(f"{self.model.__name__}: share names what the model does not have: {unknown}")
        if not self.pages and (self.nav or self.lists or self.category_pages):
            raise TypeError(f"{self.model.__name__}: a type without pages has no list or navigation")


#: Every content type, in the order declared (the order of ``models.CONTENT_MODELS``).
TYPES: list[ContentType] = []


def declare(**declaration):
    """Class decorator: declare a content model (see :class:`ContentType` for the fields)."""

    def register(model):
        kind = ContentType(model=model, **declaration)
        if any(other.prefix == kind.prefix for other in TYPES):
            raise TypeError(f"two content types use the prefix {kind.prefix!r}")
        kind.check()
        model.kind, model.url_prefix, model.type_label = kind, kind.prefix, kind.names
        TYPES.append(kind)
        return model

    return register


def children_of(parent, key: str, **declaration):
    """Class decorator: declare a model's rows as the child rows ``key`` of ``parent``'s items."""

    def register(model):
        link = next(f for f in model._meta.sorted_fields if isinstance(f, pw.ForeignKeyField) and f.rel_model is parent)
        children = Children(key=key, model=model, link=link, **declaration)
        if set(children.text) & set(children.private):
            raise TypeError(f"{model.__name__}: search must not read staff-only fields")
        parent.kind.children = children
        return model

    return register


def by_position() -> list[ContentType]:
    """Every type in menu order."""
    return sorted(TYPES, key=lambda kind: kind.position)


def by_key(key: str) -> ContentType:
    return next(kind for kind in TYPES if kind.key == key)


def with_pages() -> list[ContentType]:
    """The types whose public items have pages (and search documents), in declared order."""
    return [kind for kind in TYPES if kind.pages]


def groups() -> list[tuple[Group, list[ContentType]]]:
    """The search result groups in order, each with its types in menu order."""
    found: dict[str, tuple[Group, list]] = {}
    for kind in by_position():
        if not kind.pages:
            continue
        group = kind.group
        found.setdefault(group.key, (group, []))[1].append(kind)
    return sorted(found.values(), key=lambda entry: entry[0].position)


def navigation() -> list[tuple[str, Names]]:
    """(endpoint, label) of the types in the site's navigation, in order."""
    return [(kind.list_endpoint, kind.nav_label) for kind in by_position() if kind.nav_label]


def child_models() -> list[type]:
    return [kind.children.model for kind in TYPES if kind.children]


def reserved_slugs() -> set[str]:
    """Names of generic list pages, which sit where an item's slug would."""
    return {listing.name for kind in TYPES for listing in kind.lists if listing.name}


def private_fields() -> set[str]:
    """Every staff-only field name of every type and its child rows."""
    names = {name for kind in TYPES for name in kind.private_fields}
    return names | {name for kind in TYPES if kind.children for name in kind.children.private}


# Labels and help shared by the types' fields, by field name; a declaration's own win.
LABELS = {
    "slug": N_("网址名"),
    "title": N_("标题"),
    "status": N_("状态"),
    "publish_at": N_("定时发布"),
    "expires_at": N_("过期时间"),
    "author": N_("作者"),
    "internal_note": N_("内部备注（不公开）"),
    "created_at": N_("创建时间"),
    "updated_at": N_("更新时间"),
    "category": N_("分类"),
    "summary": N_("摘要"),
    "body": N_("正文"),
    "hours": N_("时间"),
    "phone": N_("电话"),
    "address": N_("地址"),
    "position": N_("排序"),
}
HELP = {
    "slug": N_("网页地址中的名字，留空会按标题自动生成。发布后请不要再改，以免别人收藏的链接失效。"),
    "status": N_("草稿只有工作人员能看到；“待审核”提交给领导审核；“已发布”会在下次发布网站时出现在网上。"),
    "publish_at": N_("留空表示立即。填写将来的时间，则到时间后的下一次发布才会上网。"),
    "expires_at": N_("例如停水结束的时间。过期后通知从首页撤下，放入往期通知。"),
    "summary": N_("一两句话，用于列表和微信分享时的简介。"),
    "body": N_("支持 Markdown：空一行分段，“## ”开头为小标题，“- ”开头为列表。"),
    "internal_note": N_("只有工作人员能看到，不会出现在网站上。"),
    "phone": N_("多个号码用“、”隔开。"),
}

# Search groups shared by several types (positions: after places and hotlines, before events; last).
VOLUNTEERING = Group("story", Names("志愿服务", "志願服務", "Volunteering"), position=37)
GRIDS_AND_ABOUT = Group("other", Names("网格和概况", "網格和概況", "Grids and about"), position=95)
