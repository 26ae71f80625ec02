"""Flask-Admin views of the content types: Chinese labels, roles checked on the server,
concurrent edits refused, every save recorded as a revision, deletion into a trash."""

from __future__ import annotations

import peewee as pw
from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.peewee import ModelView
from flask_admin.form import DateTimeField, rules
from flask_admin.helpers import is_form_submitted
from flask_login import current_user
from wtforms import HiddenField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtfpeewee.orm import ValueRequired

from admin.auth import client_address
from admin.i18n import gettext, lazy_choices, lazy_gettext, word
from linli import accounts, audit, db, markup, revisions, validation
from linli import models as m
from linli.errors import LinliError
from linli.slugs import check_slug

LABELS = {
    "slug": lazy_gettext("网址名"),
    "title": lazy_gettext("标题"),
    "status": lazy_gettext("状态"),
    "publish_at": lazy_gettext("定时发布"),
    "expires_at": lazy_gettext("过期时间"),
    "author": lazy_gettext("作者"),
    "internal_note": lazy_gettext("内部备注（不公开）"),
    "created_at": lazy_gettext("创建时间"),
    "updated_at": lazy_gettext("更新时间"),
    "category": lazy_gettext("分类"),
    "summary": lazy_gettext("摘要"),
    "body": lazy_gettext("正文"),
    "pinned": lazy_gettext("置顶"),
    "urgent": lazy_gettext("紧急（每页顶部提醒）"),
    "keep_after_expiry": lazy_gettext("过期后保留在往期通知"),
    "who_qualifies": lazy_gettext("办理对象"),
    "documents": lazy_gettext("所需材料"),
    "steps": lazy_gettext("办理流程"),
    "location": lazy_gettext("办理地点"),
    "hours": lazy_gettext("时间"),
    "phone": lazy_gettext("电话"),
    "fee": lazy_gettext("收费标准"),
    "time_limit": lazy_gettext("办理时限"),
    "online_url": lazy_gettext("网上办理地址"),
    "home_visit": lazy_gettext("可上门办理"),
    "address": lazy_gettext("地址"),
    "walking_minutes": lazy_gettext("步行分钟数"),
    "latitude": lazy_gettext("纬度"),
    "longitude": lazy_gettext("经度"),
    "photo": lazy_gettext("照片"),
    "cover": lazy_gettext("封面"),
    "team": lazy_gettext("志愿服务队"),
    "beneficiary": lazy_gettext("心愿人（匿名称呼）"),
    "beneficiary_private": lazy_gettext("心愿人真实信息（不公开）"),
    "wish_status": lazy_gettext("心愿状态"),
    "adopter": lazy_gettext("认领人"),
    "adopter_public": lazy_gettext("认领人同意公开姓名"),
    "adopted_at": lazy_gettext("认领日期"),
    "fulfilled_at": lazy_gettext("实现日期"),
    "starts_at": lazy_gettext("开始时间"),
    "ends_at": lazy_gettext("结束时间"),
    "organiser": lazy_gettext("主办方"),
    "how_to_join": lazy_gettext("参加方式"),
    "buildings": lazy_gettext("包含楼栋"),
    "area": lazy_gettext("范围"),
    "leader": lazy_gettext("负责人"),
    "members": lazy_gettext("队员人数"),
    "in_menu": lazy_gettext("显示在页脚菜单"),
    "position": lazy_gettext("排序"),
    "event": lazy_gettext("相关活动"),
    "taken_on": lazy_gettext("拍摄日期"),
}
HELP = {
    "slug": lazy_gettext("网页地址中的名字，留空会按标题自动生成。发布后请不要再改，以免别人收藏的链接失效。"),
    "status": lazy_gettext("草稿只有工作人员能看到；“待审核”提交给领导审核；“已发布”会在下次发布网站时出现在网上。"),
    "publish_at": lazy_gettext("留空表示立即。填写将来的时间，则到时间后的下一次发布才会上网。"),
    "expires_at": lazy_gettext("例如停水结束的时间。过期后通知从首页撤下，放入往期通知。"),
    "summary": lazy_gettext("一两句话，用于列表和微信分享时的简介。"),
    "body": lazy_gettext("支持 Markdown：空一行分段，“## ”开头为小标题，“- ”开头为列表。"),
    "documents": lazy_gettext("每行写一项材料。"),
    "buildings": lazy_gettext("每行写一个楼栋或院落，例如“3号楼”。"),
    "beneficiary": lazy_gettext("不要写全名和住址，例如“8号楼独居的李奶奶”。"),
    "beneficiary_private": lazy_gettext("只有工作人员能看到，不会出现在网站上。"),
    "internal_note": lazy_gettext("只有工作人员能看到，不会出现在网站上。"),
    "phone": lazy_gettext("多个号码用“、”隔开。"),
}
MARKDOWN_FIELDS = {"body", "who_qualifies", "steps", "how_to_join"}
CONFLICT = lazy_gettext(
    "没有保存：在您编辑期间，%(who)s于 %(when)s 已经保存过这条内容。为避免覆盖别人的修改，本次没有保存。"
    "您填写的内容都还在下面，请先复制保存，然后重新打开这条内容再修改。"
)


# Checks of the generated model forms that linli.validation makes, in its words, for the admin and
# the import alike (the fields keep the HTML flags they set: required, maxlength).
CHECKED_BY_VALIDATION = (Length, DataRequired, InputRequired, ValueRequired)


def apply_validation(model, form) -> bool:
    """Run :func:`linli.validation.check` on the model fields of a submitted form: their text
    loses its control characters (what is saved, and what the form shows again), and each
    problem is shown under its field unless the field has one already. True if none."""
    names = [name for name in model._meta.fields if name != "id" and name in form]
    cleaned, problems = validation.check(model, {name: form[name].data for name in names})
    for name in names:
        if isinstance(cleaned[name], str):
            form[name].data = cleaned[name]
    for problem in problems:
        field = form[problem.field]
        if not field.errors:
            field.errors = [*field.errors, problem.message]
    return not problems


def search_hooks():
    """admin.search (imported late: it builds on the views here) keeps the search index current."""
    from admin import search

    return search


def web_address(form, field) -> None:
    """A link residents will follow must be a web address (no ``javascript:`` and the like)."""
    if field.data and field.data.strip() and not markup.safe_link(field.data):
        raise ValidationError(gettext("请填写以 http:// 或 https:// 开头的完整网址，例如 https://zwfw.example.gov.cn/。"))


class HiddenRule(rules.Field):
    """Keeps a hidden field in the form; the form's hidden fields are rendered already."""

    def __call__(self, form, form_opts=None, field_args=None):
        return ""


class StaffOnly:
    """Every view: a logged-in account, or the login page."""

    def is_accessible(self) -> bool:
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login", next=request.script_root + request.full_path))


class ContentView(StaffOnly, ModelView):
    column_labels = LABELS
    column_list = ("title", "status", "publish_at", "updated_at", "author")
    column_searchable_list = ("title",)
    column_filters = ("status", "updated_at")
    column_default_sort = ("updated_at", True)
    column_formatters = {"status": lambda v, c, model, n: word(dict(m.STATUS_CHOICES).get(model.status, model.status))}
    form_excluded_columns = ("created_at", "updated_at", "version", "deleted_at", "author")
    form_extra_fields = {"edit_version": HiddenField()}
    can_view_details = True
    can_set_page_size = True
    page_size = 50
    edit_template = "linli_admin/edit.html"
    create_template = "linli_admin/create.html"

    def __init__(self, model, **kwargs):
        fields = model._meta.fields
        shared = set(m.Content._meta.fields)
        own = [name for name in fields if name not in shared]
        self.form_columns = ["title", *own, "status", "publish_at", "expires_at", "slug", "internal_note"]
        self.form_create_rules = self.form_edit_rules = (HiddenRule("edit_version"), *self.form_columns)
        self.form_args = {name: {"label": label} for name, label in LABELS.items() if name in fields}
        for name, text in HELP.items():
            if name in fields:
                self.form_args[name]["description"] = text
        for name, field in fields.items():
            if field.choices and name != "status":  # status: _adjust_form, by role
                self.form_args.setdefault(name, {})["choices"] = lazy_choices(field.choices)
        # Flask-Admin's DateTimeField: the same text input and date picker as its peewee
        # conversion, without WTForms' deprecated <input type="datetime"> base field.
        self.form_overrides = {
            name: DateTimeField for name, field in fields.items() if isinstance(field, pw.DateTimeField)
        }
        self.form_widget_args = {
            name: {"rows": 12 if name == "body" else 6, "class": "form-control markdown-source"}
            for name in MARKDOWN_FIELDS
            if name in fields
        }
        for name in ("documents", "buildings", "internal_note", "beneficiary_private", "office_hours"):
            if name in fields:
                self.form_widget_args[name] = {"rows": 4}
        if "category" in fields:
            self.column_list = ("title", "category", "status", "publish_at", "updated_at", "author")
            self.column_filters = ("status", "category", "publish_at", "updated_at")
        if "summary" in fields:
            self.column_searchable_list = ("title", "summary")
        super().__init__(model, **kwargs)

    # --- what is listed and fetched: never the trash ---------------------------------------

    def get_query(self):
        return self.model.select().where(self.model.deleted_at.is_null())

    def get_one(self, id):
        try:
            pk = int(id)
        except (TypeError, ValueError):
            return None
        return self.model.get_or_none((self.model.id == pk) & self.model.deleted_at.is_null())

    # --- forms -----------------------------------------------------------------------------

    def _adjust_form(self, form):
        """Statuses this account may choose; a blank slug means "make one from the title"."""
        allowed = accounts.allowed_statuses(current_user.account)
        form.status.choices = [(k, word(v)) for k, v in m.STATUS_CHOICES if k in allowed]
        for field in form:
            if field.name in self.model._meta.fields:
                field.validators = [v for v in field.validators if not isinstance(v, CHECKED_BY_VALIDATION)]
        form.slug.validators = [Optional()]
        form.slug.flags.required = False
        if hasattr(form, "online_url"):
            form.online_url.validators = [*form.online_url.validators, web_address]
        return form

    def create_form(self, obj=None):
        return self._adjust_form(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._adjust_form(super().edit_form(obj))

    def validate_form(self, form) -> bool:
        """The form's own checks (types, choices), then the one shared with the import."""
        valid = super().validate_form(form)
        if not is_form_submitted() or "title" not in form:  # e.g. the list's delete form
            return valid
        return apply_validation(self.model, form) and valid

    def on_form_prefill(self, form, id):
        item = self.get_one(id)
        if item is not None:
            form.edit_version.data = str(item.version)

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        item = self.get_one(request.args.get("id"))
        if item is not None and not accounts.can_edit(current_user.account, item):
            flash(gettext("您没有修改这条内容的权限：投稿人只能修改自己尚未发布的内容。"), "danger")
            return redirect(url_for(".details_view", id=item.id))
        return super().edit_view()

    def on_model_change(self, form, model, is_created):
        user = current_user.account
        if is_created:
            model.author = user.username
        elif not accounts.can_edit(user, self.model.get_by_id(model.id)):
            raise ValidationError(gettext("您没有修改这条内容的权限。"))
        if model.status not in accounts.allowed_statuses(user):
            raise ValidationError(gettext("投稿人不能发布或下线内容，请选择“草稿”或“待审核”，由编辑审核后发布。"))
        if model.slug:
            model.slug = check_slug(model.slug.strip())
            clash = self.model.select().where((self.model.slug == model.slug) & (self.model.id != (model.id or 0)))
            if clash.exists():
                raise ValidationError(gettext("网址名 “%(slug)s” 已被另一条内容使用，请换一个或留空。", slug=model.slug))

    def handle_view_exception(self, exc) -> bool:
        if isinstance(exc, (ValidationError, LinliError)):
            flash(word(exc), "danger")
            return True
        return super().handle_view_exception(exc)

    def create_model(self, form):
        with db.immediate_transaction():
            item = super().create_model(form)
        return item

    def update_model(self, form, model) -> bool:
        """Save only if nobody else saved since this form was opened."""
        try:
            expected = int(form.edit_version.data or 0)
        except ValueError:
            expected = 0
        before = revisions.snapshot(model)
        try:
            with db.immediate_transaction():
                claimed = (
                    self.model.update(version=expected + 1)
                    .where((self.model.id == model.id) & (self.model.version == expected))
                    .execute()
                )
                if not claimed:
                    last = revisions.history(model)
                    who = last[0].username if last else gettext("其他同事")
                    when = gettext("%(month)s月%(day)s日 %(time)s", month=last[0].at.month, day=last[0].at.day,
                                   time=last[0].at.strftime("%H:%M")) if last else gettext("刚才")  # fmt: skip
                    flash(CONFLICT % {"who": who, "when": when}, "danger")
                    return False
                form.populate_obj(model)
                self._on_model_change(form, model, False)
                model.version = expected + 1
                model.save()
        except (ValidationError, LinliError) as exc:
            flash(word(exc), "danger")
            return False
        self.after_model_change(form, model, False, before)
        return True

    def after_model_change(self, form, model, is_created, before=None):
        user = current_user.account
        revisions.record(model, user.username, before)
        was = (before or {}).get("status")
        if is_created:
            action_name = "create"
        elif was != model.status and model.status == m.PUBLISHED:
            action_name = "publish"
        elif was == m.PUBLISHED and model.status != m.PUBLISHED:
            action_name = "unpublish"
        else:
            action_name = "update"
        audit.log(action_name, user.username, model, address=client_address())
        search_hooks().reindex(model)

    # --- deleting: into the trash, with the same permission as editing -----------------------

    def delete_model(self, model) -> bool:
        if not accounts.can_edit(current_user.account, model):
            flash(gettext("您没有删除这条内容的权限。"), "danger")
            return False
        model.deleted_at = m.now()
        model.save()
        audit.log("delete", current_user.username, model, address=client_address())
        search_hooks().unindex(model)
        return True

    @action("delete", lazy_gettext("删除（移入回收站）"), lazy_gettext("确定把选中的内容移入回收站吗？可以在“回收站”里恢复。"))
    def action_delete(self, ids):
        count = sum(1 for item in self.model.select().where(self.model.id << ids) if self.delete_model(item))
        if count:
            flash(gettext("已把 %(count)s 条内容移入回收站，可在“回收站”恢复。", count=count), "success")

    # --- history ------------------------------------------------------------------------------

    @expose("/history/")
    def history_view(self):
        item = self.get_one(request.args.get("id"))
        if item is None:
            flash(gettext("这条内容不存在，或已被删除（可以在“回收站”找回）。"), "danger")
            return redirect(url_for(".index_view"))
        return self.render("linli_admin/history.html", item=item, revisions=revisions.history(item))

    @expose("/restore/", methods=("POST",))
    def restore_view(self):
        item = self.get_one(request.form.get("id"))
        revision = m.Revision.get_or_none(m.Revision.id == request.form.get("revision", type=int))
        if item is None or revision is None or revision.target_id != item.id:
            abort(404)
        if revision.target_type != self.model.__name__:
            abort(404)
        user = current_user.account
        if not accounts.can_edit(user, item):
            flash(gettext("您没有修改这条内容的权限。"), "danger")
            return redirect(url_for(".history_view", id=item.id))
        before = revisions.snapshot(item)
        with db.immediate_transaction():
            changed = revisions.apply(item, revision)
            if item.status not in accounts.allowed_statuses(user):
                item.status = m.REVIEW
            item.version += 1
            item.save()
        revisions.record(item, user.username, before)
        search_hooks().reindex(item)
        audit.log("restore", user.username, item, detail=f"revision {revision.version}", address=client_address())
        flash(gettext("已恢复到第 %(version)s 版（%(changes)s 处改动）。", version=revision.version, changes=len(changed)), "success")
        return redirect(url_for(".edit_view", id=item.id))


VIEWS = [
    (m.Notice, lazy_gettext("通知公告")),
    (m.Service, lazy_gettext("办事指南")),
    (m.Place, lazy_gettext("便民设施")),
    (m.Event, lazy_gettext("社区活动")),
    (m.Album, lazy_gettext("活动相册")),
    (m.Story, lazy_gettext("志愿者故事")),
    (m.VolunteerTeam, lazy_gettext("志愿服务队")),
    (m.Wish, lazy_gettext("微心愿")),
    (m.Grid, lazy_gettext("网格")),
    (m.Page, lazy_gettext("页面")),
]


def register_views(admin) -> None:
    from admin import uploads

    for model, label in VIEWS:
        view_class = MODEL_VIEWS.get(model, ContentView)  # per-model subclasses: end of this file
        admin.add_view(view_class(model, name=label, endpoint=model.__name__.lower()))
    admin.app.register_blueprint(uploads.blueprint)


# --- per-model views: photo fields, notice attachments, album photos -----------------------------


class PhotoFieldView(ContentView):
    """A content view whose media-path fields get an upload button and a thumbnail
    (``data-upload="image"``, handled by ``static/linli/editor.js``)."""

    photo_fields: tuple[str, ...] = ()

    def __init__(self, model, **kwargs):
        super().__init__(model, **kwargs)
        for name in self.photo_fields:
            self.form_widget_args[name] = {**self.form_widget_args.get(name, {}), "data-upload": "image"}


class PlaceView(PhotoFieldView):
    photo_fields = ("photo",)


class StoryView(PhotoFieldView):
    photo_fields = ("cover",)


class NoticeView(ContentView):
    """Notices: the edit page lists the notice's attachments (managed by ``admin.uploads``)."""

    def render(self, template, **kwargs):
        notice = kwargs.get("model")
        if template == self.edit_template and notice is not None:
            from admin import uploads

            kwargs["attachments"] = [uploads.attachment_json(a) for a in uploads.attachments_of(notice)]
            kwargs["can_edit_item"] = accounts.can_edit(current_user.account, notice)
        return super().render(template, **kwargs)


class AlbumView(ContentView):
    """Albums: the edit page links to the photo manager at ``/album/<id>/photos/``."""

    def render(self, template, **kwargs):
        album = kwargs.get("model")
        if template == self.edit_template and album is not None:
            kwargs["photo_count"] = album.photos.count()
        return super().render(template, **kwargs)

    @expose("/<int:album_id>/photos/")
    def photos_view(self, album_id: int):
        from admin import uploads

        album = self.get_one(album_id)
        if album is None:
            abort(404)
        photos = [uploads.photo_json(p) for p in uploads.photos_of(album)]
        return self.render(
            "linli_admin/album_photos.html",
            album=album,
            photos=photos,
            can_edit_item=accounts.can_edit(current_user.account, album),
            status_label=word(dict(m.STATUS_CHOICES).get(album.status, album.status)),
        )


MODEL_VIEWS = {m.Notice: NoticeView, m.Album: AlbumView, m.Place: PlaceView, m.Story: StoryView}
