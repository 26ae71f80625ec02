"""The content model: every type a resident sees, plus staff accounts and site settings.

Each public type has a status (draft → in review → published → archived), a stable slug,
scheduling times, created/updated times, its author, and a staff-only ``internal_note``.
Whether an item is public is decided in one place only: :mod:`linli.publicity`.

Each content type is declared once, here, on its model (:func:`linli.registry.declare`): its
names, URL prefix, search text, Markdown and staff-only fields, children, menu places and the
admin's wording. Everything else that lists the types derives from those declarations.
"""

from __future__ import annotations

import datetime as dt
import secrets

import peewee as pw

from linli import clock, registry
from linli.db import database
from linli.registry import (
    GRIDS_AND_ABOUT, N_, VOLUNTEERING, Fact, Listing, Names, Search, Share, children_of, declare,
)  # fmt: skip

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

    # Set by each type's declaration (linli.registry.declare): ``kind`` (its ContentType),
    # ``url_prefix`` (folder in URLs and exports), ``type_label`` (its Names).
    url_prefix: str = ""
    type_label: str = ""
    body_field: str | None = "body"  # the Markdown field exports write after the front matter

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


@declare(
    names=Names("通知公告", "通知公告", "Notices", one="Notice"),
    prefix="notices", position=10, search=Search(body=("body", "attachments")),
    share=Share(facts=(Fact("date", Names("发布日期", "發布日期", "Published")),
                       Fact("expires_at", Names("有效至", "有效至", "Valid until")))),
    archive=True, nav=True, category_pages=True, demo=34,
    labels={"pinned": N_("置顶"), "urgent": N_("紧急（每页顶部提醒）"), "keep_after_expiry": N_("过期后保留在往期通知")},
)
class Notice(Content):
    """通知公告: water/power cuts, vaccination days, elections, safety warnings."""

    category = pw.CharField(default="社区通知", max_length=50, index=True)
    summary = pw.CharField(default="", max_length=300)
    body = pw.TextField(default="")
    pinned = pw.BooleanField(default=False)
    urgent = pw.BooleanField(default=False)
    # An expired notice stays public in the archive unless this is False.
    keep_after_expiry = pw.BooleanField(default=True)


@children_of(Notice, "attachments", text=("title",), media=("file",))
class Attachment(BaseModel):
    """A file (PDF/Office) attached to a notice."""

    notice = pw.ForeignKeyField(Notice, backref="attachments", on_delete="CASCADE")
    title = pw.CharField(max_length=200)
    file = pw.CharField(max_length=200)  # media path, content-hash name
    size = pw.IntegerField(default=0)
    position = pw.IntegerField(default=0)
    type_label = "附件"


@declare(
    names=Names("办事指南", "辦事指南", "Service guide", one="Service"),
    prefix="services", position=20,
    share=Share(summary=("summary", "who_qualifies"), facts=(
        Fact("location", Names("办理地点", "辦理地點", "Where")), Fact("hours", Names("办理时间", "辦理時間", "Hours")),
        Fact("phone", Names("咨询电话", "諮詢電話", "Phone")))),
    search=Search(body=("location", "hours", "phone", "fee", "time_limit", "who_qualifies", "documents", "steps",
                        "body")),
    markdown=("who_qualifies", "steps", "body"), lines=("documents",), nav=True, category_pages=True, demo=16,
    labels={
        "who_qualifies": N_("办理对象"), "documents": N_("所需材料"), "steps": N_("办理流程"),
        "location": N_("办理地点"), "fee": N_("收费标准"), "time_limit": N_("办理时限"),
        "online_url": N_("网上办理地址"), "home_visit": N_("可上门办理"),
    },
    help={"documents": N_("每行写一项材料。")},
)  # fmt: skip
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

    @property
    def document_list(self) -> list[str]:
        return lines(self.documents)


@declare(
    names=Names("便民设施", "便民設施", "Nearby services", one="Place"),
    prefix="places", position=30, search=Search(body=("address", "hours", "phone", "body")),
    share=Share(facts=(Fact("address", Names("地址", "地址", "Address")),
                       Fact("hours", Names("开放时间", "開放時間", "Opening hours")),
                       Fact("phone", Names("电话", "電話", "Phone")))),
    media=("photo",), nav=True, category_pages=True, demo=11,
    labels={"walking_minutes": N_("步行分钟数"), "latitude": N_("纬度"), "longitude": N_("经度"), "photo": N_("照片")},
)
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


@declare(
    names=Names("志愿服务队", "志願服務隊", "Volunteer teams", one="Volunteer team"),
    prefix="teams", position=70, search=Search(group=VOLUNTEERING, body=("leader", "phone", "body")), demo=4,
    labels={"leader": N_("负责人"), "members": N_("队员人数")},
)
class VolunteerTeam(Content):
    """A volunteer team (志愿服务队)."""

    summary = pw.CharField(default="", max_length=300)
    body = pw.TextField(default="")
    leader = pw.CharField(default="", max_length=64)
    phone = pw.CharField(default="", max_length=50)  # work phone, public
    members = pw.IntegerField(null=True)


@declare(
    names=Names("志愿者故事", "志願者故事", "Volunteer stories", one="Story"),
    prefix="stories", position=60, search=Search(group=VOLUNTEERING), media=("cover",), nav=VOLUNTEERING.names,
    demo=9, labels={"team": N_("志愿服务队"), "cover": N_("封面")},
)
class Story(Content):
    """志愿者故事 and good-neighbour stories."""

    team = pw.ForeignKeyField(VolunteerTeam, null=True, backref="stories", on_delete="SET NULL")
    summary = pw.CharField(default="", max_length=300)
    body = pw.TextField(default="")
    cover = pw.CharField(default="", max_length=200)  # media path


@declare(
    names=Names("微心愿", "微心願", "Micro-wishes", one="Micro-wish"),
    prefix="wishes", position=80,
    share=Share(summary=("body",), facts=(Fact("beneficiary", Names("心愿人", "心願人", "For")),)),
    search=Search(group=VOLUNTEERING, body=("beneficiary", "wish_status", "public_adopter", "body")),
    private=("beneficiary_private",), consent={"adopter": "adopter_public"}, nav=True, demo=6,
    labels={
        "beneficiary": N_("心愿人（匿名称呼）"), "beneficiary_private": N_("心愿人真实信息（不公开）"),
        "wish_status": N_("心愿状态"), "adopter": N_("认领人"), "adopter_public": N_("认领人同意公开姓名"),
        "adopted_at": N_("认领日期"), "fulfilled_at": N_("实现日期"),
    },
    help={
        "beneficiary": N_("不要写全名和住址，例如“8号楼独居的李奶奶”。"),
        "beneficiary_private": N_("只有工作人员能看到，不会出现在网站上。"),
    },
)  # fmt: skip
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

    @property
    def public_adopter(self) -> str:
        return self.adopter if self.adopter_public else ""


@declare(
    names=Names("社区活动", "社區活動", "Events", one="Event"),
    prefix="events", position=40,
    share=Share(facts=(Fact("starts_at", Names("时间", "時間", "When")),
                       Fact("location", Names("地点", "地點", "Where")))),
    search=Search(body=("location", "organiser", "body", "how_to_join"), date="starts_at"),
    markdown=("body", "how_to_join"), nav=True, demo=7,
    labels={
        "starts_at": N_("开始时间"), "ends_at": N_("结束时间"), "location": N_("办理地点"), "organiser": N_("主办方"),
        "how_to_join": N_("参加方式"),
    },
)  # fmt: skip
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


@declare(
    names=Names("活动相册", "活動相冊", "Photo albums", one="Photo album"),
    prefix="albums", position=50, search=Search(group="event", body=("photos",)), markdown=(), nav=True, demo=3,
    share=Share(facts=(Fact("taken_on", Names("拍摄日期", "拍攝日期", "Taken on")),)),
    labels={"event": N_("相关活动"), "taken_on": N_("拍摄日期")},
)
class Album(Content):
    """An album of event photos."""

    event = pw.ForeignKeyField(Event, null=True, backref="albums", on_delete="SET NULL")
    summary = pw.CharField(default="", max_length=300)
    taken_on = pw.DateField(null=True)
    body_field = None

    def ordered_photos(self):
        return self.photos.where(Photo.hidden == False).order_by(Photo.position, Photo.id)  # noqa: E712

    @property
    def cover_photo(self) -> "Photo | None":
        photos = list(self.ordered_photos())
        return next((p for p in photos if p.is_cover), photos[0] if photos else None)


@children_of(Album, "photos", text=("caption",), media=("file",), hidden="hidden")
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


@declare(
    names=Names("网格", "網格", "Grids", one="Grid"),
    prefix="grids", position=90,
    share=Share(summary=("area", "buildings", "body")),
    search=Search(group=GRIDS_AND_ABOUT, summary=("area",), body=("buildings", "members", "body")),
    lines=("buildings",), nav=Names("网格服务", "網格服務", "Grid contacts"), demo=4,
    labels={"buildings": N_("包含楼栋"), "area": N_("范围")},
    help={"buildings": N_("每行写一个楼栋或院落，例如“3号楼”。")},
)  # fmt: skip
class Grid(Content):
    """网格: the buildings it covers and the people who serve them."""

    buildings = pw.TextField(default="")  # one building/courtyard per line
    area = pw.CharField(default="", max_length=200)
    body = pw.TextField(default="")
    position = pw.IntegerField(default=0)

    @property
    def building_list(self) -> list[str]:
        return lines(self.buildings)


@children_of(
    Grid, "members", text=("name", "role", "work_phone", "duties"), private=("private_phone",),
    labels={
        "grid": N_("所属网格"), "name": N_("姓名"), "role": N_("职务"), "work_phone": N_("工作电话"),
        "private_phone": N_("私人电话（不公开）"), "duties": N_("职责"),
    },
)  # fmt: skip
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


@declare(
    names=Names("页面", "頁面", "Pages", one="Page"),
    prefix="pages", position=100, search=Search(group=GRIDS_AND_ABOUT), demo=3,
    labels={"in_menu": N_("显示在页脚菜单")},
)
class Page(Content):
    """A free page: about, contact, how to volunteer…"""

    body = pw.TextField(default="")
    in_menu = pw.BooleanField(default=False)
    position = pw.IntegerField(default=0)


HOTLINE_CATEGORIES = [
    ("emergency", Names("紧急求助", "緊急求助", "Emergencies")),
    ("community", Names("社区和街道", "社區和街道", "Community and street office")),
    ("government", Names("政务服务热线", "政務服務熱線", "Public service hotlines")),
    ("property", Names("物业服务", "物業服務", "Property management")),
    ("utilities", Names("水电气暖维修", "水電氣暖維修", "Water, power, gas and heating repairs")),
    ("health", Names("医疗卫生", "醫療衛生", "Health care")),
    ("mental_health", Names("心理援助", "心理援助", "Mental health support")),
    ("elderly", Names("养老助老", "養老助老", "Elderly care")),
    ("other", Names("其他", "其他", "Other")),
]


@declare(
    names=Names("常用电话", "常用電話", "Hotlines", one="Hotline"),
    prefix="hotlines", position=35, search=Search(summary=("category", "note"), body=("numbers", "hours")),
    share=Share(summary=("note",), facts=(Fact("numbers", Names("电话", "電話", "Phone")),
                                           Fact("hours", Names("服务时间", "服務時間", "Hours")))),
    markdown=(), lines=("numbers",), nav=True, demo=20,
    lists=(
        Listing("", "hotline_list.html", group_by="category"),
        Listing("print", "hotline_print.html", group_by="category"),  # the A4 sheet for the fridge
    ),
    labels={"title": N_("名称"), "numbers": N_("电话号码"), "hours": N_("服务时间"), "note": N_("说明")},
    help={
        "title": N_("例如“东院、西院物业服务中心”“报警”。"),
        "numbers": N_("每行一个号码，照平常的写法，如“010-8765-4388”“110”；网站上点一下就能拨打。"
                      "号码后可加说明，如“13800004388（夜间）”。"),
        "hours": N_("例如“24小时”“工作日 8:30—17:30”。"),
        "note": N_("一句话说明什么事打这个电话，例如“停水、漏水、水表问题”。"),
        "position": N_("同一分类里数字小的排在前面。"),
    },
)  # fmt: skip
class Hotline(Content):
    """常用电话: a number residents may need: property, repairs, police, clinic, street office, hotlines."""

    category = pw.CharField(choices=HOTLINE_CATEGORIES, default="other", max_length=20, index=True)
    numbers = pw.TextField(default="")  # one number per line, as staff typed it; pages link each (tel:)
    hours = pw.CharField(default="", max_length=100)
    note = pw.CharField(default="", max_length=200)
    position = pw.IntegerField(default=0)
    body_field = None

    @property
    def number_list(self) -> list[str]:
        return lines(self.numbers)

    @property
    def category_label(self) -> str:
        return dict(HOTLINE_CATEGORIES).get(self.category, "")


LOVE_BANK_MEMBER_TYPES = [("resident", N_("居民")), ("party", N_("党员"))]
DEED, EXCHANGE = "deed", "exchange"
LOVE_BANK_RECORD_TYPES = [(DEED, N_("好人好事")), (EXCHANGE, N_("兑换"))]


@declare(
    names=Names("爱心银行兑换品", "愛心銀行兌換品", "Love bank items", one="Love bank item"),
    prefix="love-bank", position=85, search=Search(group=VOLUNTEERING), media=("photo",),
    share=Share(facts=(Fact("points", Names("所需积分", "所需積分", "Points")),)),
    nav=Names("爱心银行", "愛心銀行", "Love bank"), demo=4,
    lists=(Listing("", "lovebankitem_list.html", order=("points", "position", "id"),
                   context="linli.love_bank:board_context"),),
    labels={"title": N_("物品或服务名称"), "points": N_("所需积分"), "in_stock": N_("有货"), "photo": N_("照片"),
            "body": N_("说明")},
    help={"points": N_("兑换一件（一次）需要的积分。"), "in_stock": N_("暂时没有时取消勾选，网站上会显示“暂缺”。")},
)  # fmt: skip
class LoveBankItem(Content):
    """爱心银行's exchange catalogue: goods or help residents exchange their points for."""

    summary = pw.CharField(default="", max_length=300)
    body = pw.TextField(default="")
    points = pw.IntegerField(default=10)
    in_stock = pw.BooleanField(default=True)
    photo = pw.CharField(default="", max_length=200)  # media path
    position = pw.IntegerField(default=0)


@declare(
    names=Names("爱心银行成员", "愛心銀行成員", "Love bank members", one="Love bank member"),
    prefix="love-bank-members", position=86, pages=False, markdown=(),
    private=("phone", "address", "id_number"), consent={"title": "name_public"}, demo=5,
    labels={
        "title": N_("姓名"), "member_type": N_("身份"), "phone": N_("电话（不公开）"), "address": N_("住址（不公开）"),
        "id_number": N_("身份证号（不公开）"), "name_public": N_("同意在光荣榜公开姓名"),
    },
    help={
        "title": N_("真实姓名。未同意公开时，光荣榜上只显示姓，例如“王**”。"),
        "status": N_("“已发布”的成员会出现在网站的爱心银行光荣榜上（按上面的规则显示姓名）。"),
        "name_public": N_("本人同意后才勾选。"),
    },
)  # fmt: skip
class LoveBankMember(Content):
    """A resident or party member who earns 爱心银行 points. Staff-only: the public site shows
    only the honour board's name (the real one with consent) and points (linli.love_bank)."""

    member_type = pw.CharField(choices=LOVE_BANK_MEMBER_TYPES, default="resident", max_length=20)
    phone = pw.CharField(default="", max_length=50)  # staff only
    address = pw.CharField(default="", max_length=200)  # staff only
    id_number = pw.CharField(default="", max_length=30)  # staff only
    name_public = pw.BooleanField(default=False)  # the real name on the honour board only if True
    body_field = None


@children_of(LoveBankMember, "records", private=("description", "note"))
class LoveBankRecord(BaseModel):
    """A good deed (points earned) or an exchange (points spent) of a member; staff-only rows
    whose points alone reach the site, summed (linli.love_bank)."""

    member = pw.ForeignKeyField(LoveBankMember, backref="records", on_delete="CASCADE")
    record_type = pw.CharField(choices=LOVE_BANK_RECORD_TYPES, default=DEED, max_length=20)
    date = pw.DateField(default=lambda: now().date())
    description = pw.CharField(default="", max_length=200)  # the deed, or the item exchanged
    points = pw.IntegerField(default=0)  # always positive; an exchange spends them
    note = pw.CharField(default="", max_length=200)  # staff only
    position = pw.IntegerField(default=0)
    type_label = "爱心银行记录"


CONTENT_MODELS = [kind.model for kind in registry.TYPES]
CHILD_MODELS = registry.child_models()

#: The columns that decide what is public (linli.publicity) and how lists sort: a covering index
#: of them answers public lists and counts without reading the rows' long texts. (Schema v2.)
LISTING_COLUMNS = ("status", "deleted_at", "publish_at", "expires_at", "created_at")
for _model in CONTENT_MODELS:
    _extra = ("pinned", "category", "urgent", "keep_after_expiry") if _model is Notice else ()
    _model.add_index(*(getattr(_model, name) for name in (*LISTING_COLUMNS, *_extra)))
ALL_MODELS = [User, LoginAttempt, AuditEvent, Revision, Run, SiteSettings, *CONTENT_MODELS, *CHILD_MODELS]
