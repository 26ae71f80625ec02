"""The content model: every type a resident sees, plus staff accounts and site settings.

Each public type has a status (draft → in review → published → archived), a stable slug,
scheduling times, created/updated times, its author, and a staff-only ``internal_note``.
Whether an item is public is decided in one place only: :mod:`linli.publicity`.
"""

from __future__ import annotations

import datetime as dt
import secrets

import peewee as pw

from linli import clock
from linli.db import database

DRAFT, REVIEW, PUBLISHED, ARCHIVED = "draft", "review", "published", "archived"
STATUS_CHOICES = [
    (DRAFT, "草稿"),
    (REVIEW, "待审核"),
    (PUBLISHED, "已发布"),
    (ARCHIVED, "已下线"),
]

WISH_OPEN, WISH_ADOPTED, WISH_FULFILLED = "open", "adopted", "fulfilled"
WISH_STATUS_CHOICES = [(WISH_OPEN, "待认领"), (WISH_ADOPTED, "已认领"), (WISH_FULFILLED, "已实现")]

ROLE_CHOICES = [("admin", "管理员"), ("editor", "编辑"), ("contributor", "投稿人")]
MEMBER_ROLE_CHOICES = [("leader", "网格长"), ("worker", "网格员"), ("helper", "协管员")]


# The site's wall-clock time: every stored time is in the site's time zone (linli/clock.py).
now = clock.now


class BaseModel(pw.Model):
    class Meta:
        database = database
        legacy_table_names = False

    def save(self, *args, **kwargs):
        # A NUL pasted into a form is invisible to staff, and PostgreSQL cannot store one.
        for name in self._meta.fields:
            value = self.__data__.get(name)
            if isinstance(value, str) and "\x00" in value:
                setattr(self, name, value.replace("\x00", ""))
        return super().save(*args, **kwargs)


class User(BaseModel):
    """A staff account. Never exported, never public."""

    username = pw.CharField(unique=True, max_length=64)
    display_name = pw.CharField(default="", max_length=64)
    password_hash = pw.CharField()
    role = pw.CharField(choices=ROLE_CHOICES, default="contributor")
    active = pw.BooleanField(default=True)
    language = pw.CharField(default="zh-Hans", max_length=16)  # admin UI language
    # Part of the login session: a new token (on password change) ends every open session.
    session_token = pw.CharField(default=lambda: secrets.token_hex(16), max_length=64)
    created_at = pw.DateTimeField(default=now)
    last_login_at = pw.DateTimeField(null=True)

    @property
    def name(self) -> str:
        return self.display_name or self.username


class LoginAttempt(BaseModel):
    """One login try, kept for throttling and the audit of logins."""

    at = pw.DateTimeField(default=now, index=True)
    username = pw.CharField(max_length=64, index=True)
    address = pw.CharField(max_length=64, index=True)
    success = pw.BooleanField(default=False)


class AuditEvent(BaseModel):
    """Who did what, when: logins, saves, publishes, deletions, builds."""

    at = pw.DateTimeField(default=now, index=True)
    username = pw.CharField(default="", max_length=64)
    action = pw.CharField(max_length=32)
    target_type = pw.CharField(default="", max_length=32)
    target_id = pw.IntegerField(null=True)
    target_title = pw.CharField(default="", max_length=200)
    detail = pw.TextField(default="")
    address = pw.CharField(default="", max_length=64)


class Revision(BaseModel):
    """A snapshot of a content item after a save, for history and restore."""

    target_type = pw.CharField(max_length=32)
    target_id = pw.IntegerField()
    version = pw.IntegerField()
    at = pw.DateTimeField(default=now)
    username = pw.CharField(default="", max_length=64)
    changed = pw.TextField(default="")  # names of the fields that changed, comma-separated
    data = pw.TextField()  # JSON of every field

    class Meta:
        indexes = ((("target_type", "target_id", "version"), False),)


class Run(BaseModel):
    """One run of publishing work in the background (:mod:`linli.runs`): a build of the public
    site, or a deploy of the built site to one target. The table keeps the name it had when
    builds were the only runs."""

    kind = pw.CharField(default="build", max_length=16)  # build / deploy
    target = pw.CharField(default="", max_length=100)  # a deploy's target ([deploy.NAME] of linli.toml)
    started_at = pw.DateTimeField(default=now)
    finished_at = pw.DateTimeField(null=True)
    requested_by = pw.CharField(default="", max_length=64)
    state = pw.CharField(default="running", max_length=16)  # running / succeeded / failed
    done = pw.IntegerField(default=0)  # progress: pages rendered (build) or files sent (deploy)
    total = pw.IntegerField(default=0)  # of so many
    files = pw.IntegerField(default=0)  # files copied into site/ (build) or uploaded (deploy)
    seconds = pw.FloatField(null=True)
    message = pw.TextField(default="")
    log = pw.TextField(default="")

    class Meta:
        table_name = "build_run"


class SiteSettings(BaseModel):
    """The community's own facts, edited by staff. One row."""

    name = pw.CharField(default="我们的社区", max_length=100)
    district = pw.CharField(default="", max_length=100)  # 区
    street = pw.CharField(default="", max_length=100)  # 街道
    address = pw.CharField(default="", max_length=200)
    office_hours = pw.TextField(default="")
    main_phone = pw.CharField(default="", max_length=50)
    logo = pw.CharField(default="", max_length=200)  # media path
    intro = pw.TextField(default="")  # Markdown: 社区概况
    area = pw.CharField(default="", max_length=50)
    population = pw.CharField(default="", max_length=50)
    households = pw.CharField(default="", max_length=50)
    buildings = pw.CharField(default="", max_length=100)
    honours = pw.TextField(default="")  # one per line
    updated_at = pw.DateTimeField(default=now)
    type_label = "社区信息"

    @classmethod
    def get_current(cls) -> "SiteSettings":
        """The settings row, or unsaved defaults when staff have not saved any yet."""
        return cls.select().order_by(cls.id).first() or cls()

    def save(self, *args, **kwargs):
        if self._dirty and "updated_at" not in self._dirty:
            self.updated_at = now()
        return super().save(*args, **kwargs)

    @property
    def honour_list(self) -> list[str]:
        return lines(self.honours)


def lines(text: str | None) -> list[str]:
    """The non-empty, stripped lines of a one-item-per-line text field."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class Content(BaseModel):
    """Fields and behaviour shared by every type a resident can see."""

    slug = pw.CharField(unique=True, max_length=80)
    title = pw.CharField(max_length=200)
    status = pw.CharField(choices=STATUS_CHOICES, default=DRAFT, index=True)
    publish_at = pw.DateTimeField(null=True, index=True)  # not public before this
    expires_at = pw.DateTimeField(null=True, index=True)  # see publicity.py
    author = pw.CharField(default="", max_length=64)
    internal_note = pw.TextField(default="")  # staff only, never public
    created_at = pw.DateTimeField(default=now)
    updated_at = pw.DateTimeField(default=now, index=True)
    version = pw.IntegerField(default=1)  # bumped by every admin save; detects concurrent edits
    deleted_at = pw.DateTimeField(null=True, index=True)  # in the trash since then

    # Subclasses name the folder used in URLs and exports, and the Markdown body field.
    url_prefix: str = ""
    body_field: str | None = "body"
    type_label: str = ""

    def save(self, *args, **kwargs):
        from linli.slugs import assign_slug

        if not self.slug:
            assign_slug(self)
        if self._dirty and "updated_at" not in self._dirty:
            self.updated_at = now()
        return super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.title

    @property
    def date(self) -> dt.datetime:
        """The date residents see: when it went public, else when it was written."""
        return self.publish_at or self.created_at


class Notice(Content):
    """通知公告: water/power cuts, vaccination days, elections, safety warnings."""

    category = pw.CharField(default="社区通知", max_length=50, index=True)
    summary = pw.CharField(default="", max_length=300)
    body = pw.TextField(default="")
    pinned = pw.BooleanField(default=False)
    urgent = pw.BooleanField(default=False)
    # An expired notice stays public in the archive unless this is False.
    keep_after_expiry = pw.BooleanField(default=True)
    url_prefix = "notices"
    type_label = "通知公告"


class Attachment(BaseModel):
    """A file (PDF/Office) attached to a notice."""

    notice = pw.ForeignKeyField(Notice, backref="attachments", on_delete="CASCADE")
    title = pw.CharField(max_length=200)
    file = pw.CharField(max_length=200)  # media path, content-hash name
    size = pw.IntegerField(default=0)
    position = pw.IntegerField(default=0)
    type_label = "附件"


class Service(Content):
    """办事指南: one service of the one-stop hall, with everything a resident must bring."""

    category = pw.CharField(default="民政", max_length=50, index=True)  # department
    summary = pw.CharField(default="", max_length=300)
    who_qualifies = pw.TextField(default="")  # Markdown
    documents = pw.TextField(default="")  # one required document per line
    steps = pw.TextField(default="")  # Markdown, usually a numbered list
    location = pw.CharField(default="", max_length=200)  # window / room
    hours = pw.CharField(default="", max_length=200)
    phone = pw.CharField(default="", max_length=50)
    fee = pw.CharField(default="免费", max_length=100)
    time_limit = pw.CharField(default="", max_length=100)
    online_url = pw.CharField(default="", max_length=300)
    home_visit = pw.BooleanField(default=False)
    body = pw.TextField(default="")  # further notes, Markdown
    position = pw.IntegerField(default=0)
    url_prefix = "services"
    type_label = "办事指南"

    @property
    def document_list(self) -> list[str]:
        return lines(self.documents)


class Place(Content):
    """便民设施 of the 15-minute convenience circle."""

    category = pw.CharField(default="生活服务", max_length=50, index=True)  # type
    summary = pw.CharField(default="", max_length=300)
    address = pw.CharField(default="", max_length=200)
    hours = pw.CharField(default="", max_length=200)
    phone = pw.CharField(default="", max_length=50)
    walking_minutes = pw.IntegerField(null=True)
    latitude = pw.FloatField(null=True)
    longitude = pw.FloatField(null=True)
    photo = pw.CharField(default="", max_length=200)  # media path
    body = pw.TextField(default="")
    url_prefix = "places"
    type_label = "便民设施"


class VolunteerTeam(Content):
    """A volunteer team (志愿服务队)."""

    summary = pw.CharField(default="", max_length=300)
    body = pw.TextField(default="")
    leader = pw.CharField(default="", max_length=64)
    phone = pw.CharField(default="", max_length=50)  # work phone, public
    members = pw.IntegerField(null=True)
    url_prefix = "teams"
    type_label = "志愿服务队"


class Story(Content):
    """志愿者故事 and good-neighbour stories."""

    team = pw.ForeignKeyField(VolunteerTeam, null=True, backref="stories", on_delete="SET NULL")
    summary = pw.CharField(default="", max_length=300)
    body = pw.TextField(default="")
    cover = pw.CharField(default="", max_length=200)  # media path
    url_prefix = "stories"
    type_label = "志愿者故事"


class Wish(Content):
    """微心愿: a small wish of a person in difficulty, to be adopted by a neighbour."""

    body = pw.TextField(default="")
    beneficiary = pw.CharField(default="", max_length=100)  # anonymised, e.g. 独居老人李阿姨
    beneficiary_private = pw.TextField(default="")  # real name/address: staff only
    wish_status = pw.CharField(choices=WISH_STATUS_CHOICES, default=WISH_OPEN, index=True)
    adopter = pw.CharField(default="", max_length=100)
    adopter_public = pw.BooleanField(default=False)  # show adopter only if they agree
    adopted_at = pw.DateTimeField(null=True)
    fulfilled_at = pw.DateTimeField(null=True)
    url_prefix = "wishes"
    type_label = "微心愿"

    @property
    def public_adopter(self) -> str:
        return self.adopter if self.adopter_public else ""


class Event(Content):
    """社区活动: when, where, who organises it and how to join."""

    category = pw.CharField(default="文化活动", max_length=50, index=True)
    summary = pw.CharField(default="", max_length=300)
    body = pw.TextField(default="")
    starts_at = pw.DateTimeField(index=True)
    ends_at = pw.DateTimeField(null=True)
    location = pw.CharField(default="", max_length=200)
    organiser = pw.CharField(default="", max_length=100)
    how_to_join = pw.TextField(default="")
    url_prefix = "events"
    type_label = "社区活动"


class Album(Content):
    """An album of event photos."""

    event = pw.ForeignKeyField(Event, null=True, backref="albums", on_delete="SET NULL")
    summary = pw.CharField(default="", max_length=300)
    taken_on = pw.DateField(null=True)
    body_field = None
    url_prefix = "albums"
    type_label = "活动相册"

    def ordered_photos(self):
        return self.photos.where(Photo.hidden == False).order_by(Photo.position, Photo.id)  # noqa: E712

    @property
    def cover_photo(self) -> "Photo | None":
        photos = list(self.ordered_photos())
        return next((p for p in photos if p.is_cover), photos[0] if photos else None)


class Photo(BaseModel):
    """One photo of an album. ``hidden`` takes it down without deleting it."""

    album = pw.ForeignKeyField(Album, backref="photos", on_delete="CASCADE")
    file = pw.CharField(max_length=200)  # media path of the original, content-hash name
    width = pw.IntegerField(default=0)
    height = pw.IntegerField(default=0)
    caption = pw.CharField(default="", max_length=300)
    position = pw.IntegerField(default=0)
    is_cover = pw.BooleanField(default=False)
    hidden = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=now)
    type_label = "照片"


class Grid(Content):
    """网格: the buildings it covers and the people who serve them."""

    buildings = pw.TextField(default="")  # one building/courtyard per line
    area = pw.CharField(default="", max_length=200)
    body = pw.TextField(default="")
    position = pw.IntegerField(default=0)
    url_prefix = "grids"
    type_label = "网格"

    @property
    def building_list(self) -> list[str]:
        return lines(self.buildings)


class GridMember(BaseModel):
    """A grid leader or worker. ``work_phone`` is public; ``private_phone`` is not."""

    grid = pw.ForeignKeyField(Grid, backref="members", on_delete="CASCADE")
    name = pw.CharField(max_length=64)
    role = pw.CharField(choices=MEMBER_ROLE_CHOICES, default="worker")
    work_phone = pw.CharField(default="", max_length=50)
    private_phone = pw.CharField(default="", max_length=50)  # staff only
    duties = pw.CharField(default="", max_length=200)
    position = pw.IntegerField(default=0)
    type_label = "网格员"


class Page(Content):
    """A free page: about, contact, how to volunteer…"""

    body = pw.TextField(default="")
    in_menu = pw.BooleanField(default=False)
    position = pw.IntegerField(default=0)
    url_prefix = "pages"
    type_label = "页面"


CONTENT_MODELS = [Notice, Service, Place, VolunteerTeam, Story, Wish, Event, Album, Grid, Page]

#: The columns that decide what is public (linli.publicity) and how lists sort: a covering index
#: of them answers public lists and counts without reading the rows' long texts. (Schema v2.)
LISTING_COLUMNS = ("status", "deleted_at", "publish_at", "expires_at", "created_at")
for _model in CONTENT_MODELS:
    _extra = ("pinned", "category", "urgent", "keep_after_expiry") if _model is Notice else ()
    _model.add_index(*(getattr(_model, name) for name in (*LISTING_COLUMNS, *_extra)))
ALL_MODELS = [
    User, LoginAttempt, AuditEvent, Revision, Run, SiteSettings,
    *CONTENT_MODELS, Attachment, Photo, GridMember,
]  # fmt: skip
