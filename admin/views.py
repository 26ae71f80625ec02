"""Flask-Admin views of the content types: Chinese labels, roles checked on the server,
concurrent edits refused, every save recorded as a revision, deletion into a trash."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.peewee import ModelView
from flask_admin.form import rules
from flask_login import current_user
from wtforms import HiddenField
from wtforms.validators import Length, Optional, ValidationError

from admin.auth import client_address
from linli import accounts, audit, db, revisions
from linli import models as m
from linli.errors import LinliError
from linli.slugs import check_slug

LABELS = {
    "slug": "网址名",
    "title": "标题",
    "status": "状态",
    "publish_at": "定时发布",
    "expires_at": "过期时间",
    "author": "作者",
    "internal_note": "内部备注（不公开）",
    "created_at": "创建时间",
    "updated_at": "更新时间",
    "category": "分类",
    "summary": "摘要",
    "body": "正文",
    "pinned": "置顶",
    "urgent": "紧急（每页顶部提醒）",
    "keep_after_expiry": "过期后保留在往期通知",
    "who_qualifies": "办理对象",
    "documents": "所需材料",
    "steps": "办理流程",
    "location": "办理地点",
    "hours": "时间",
    "phone": "电话",
    "fee": "收费标准",
    "time_limit": "办理时限",
    "online_url": "网上办理地址",
    "home_visit": "可上门办理",
    "address": "地址",
    "walking_minutes": "步行分钟数",
    "latitude": "纬度",
    "longitude": "经度",
    "photo": "照片",
    "cover": "封面",
    "team": "志愿服务队",
    "beneficiary": "心愿人（匿名称呼）",
    "beneficiary_private": "心愿人真实信息（不公开）",
    "wish_status": "心愿状态",
    "adopter": "认领人",
    "adopter_public": "认领人同意公开姓名",
    "adopted_at": "认领日期",
    "fulfilled_at": "实现日期",
    "starts_at": "开始时间",
    "ends_at": "结束时间",
    "organiser": "主办方",
    "how_to_join": "参加方式",
    "buildings": "包含楼栋",
    "area": "范围",
    "leader": "负责人",
    "members": "队员人数",
    "in_menu": "显示在页脚菜单",
    "position": "排序",
    "event": "相关活动",
    "taken_on": "拍摄日期",
}
HELP = {
    "slug": "网页地址中的名字，留空会按标题自动生成。发布后请不要再改，以免别人收藏的链接失效。",
    "status": "草稿只有工作人员能看到；“待审核”提交给领导审核；“已发布”会在下次发布网站时出现在网上。",
    "publish_at": "留空表示立即。填写将来的时间，则到时间后的下一次发布才会上网。",
    "expires_at": "例如停水结束的时间。过期后通知从首页撤下，放入往期通知。",
    "summary": "一两句话，用于列表和微信分享时的简介。",
    "body": "支持 Markdown：空一行分段，“## ”开头为小标题，“- ”开头为列表。",
    "documents": "每行写一项材料。",
    "buildings": "每行写一个楼栋或院落，例如“3号楼”。",
    "beneficiary": "不要写全名和住址，例如“8号楼独居的李奶奶”。",
    "beneficiary_private": "只有工作人员能看到，不会出现在网站上。",
    "internal_note": "只有工作人员能看到，不会出现在网站上。",
    "phone": "多个号码用“、”隔开。",
}
MARKDOWN_FIELDS = {"body", "who_qualifies", "steps", "how_to_join"}
CONFLICT = (
    "没有保存：在您编辑期间，{who}于 {when} 已经保存过这条内容。为避免覆盖别人的修改，本次没有保存。"
    "您填写的内容都还在下面，请先复制保存，然后重新打开这条内容再修改。"
)


def search_hooks():
    """admin.search (imported late: it builds on the views here) keeps the search index current."""
    from admin import search

    return search


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
    column_formatters = {"status": lambda v, c, model, n: dict(m.STATUS_CHOICES).get(model.status, model.status)}
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
        form.status.choices = [(k, v) for k, v in m.STATUS_CHOICES if k in allowed]
        form.slug.validators = [Optional(), Length(max=80)]
        form.slug.flags.required = False
        return form

    def create_form(self, obj=None):
        return self._adjust_form(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._adjust_form(super().edit_form(obj))

    def on_form_prefill(self, form, id):
        item = self.get_one(id)
        if item is not None:
            form.edit_version.data = str(item.version)

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        item = self.get_one(request.args.get("id"))
        if item is not None and not accounts.can_edit(current_user.account, item):
            flash("您没有修改这条内容的权限：投稿人只能修改自己尚未发布的内容。", "danger")
            return redirect(url_for(".details_view", id=item.id))
        return super().edit_view()

    def on_model_change(self, form, model, is_created):
        user = current_user.account
        if is_created:
            model.author = user.username
        elif not accounts.can_edit(user, self.model.get_by_id(model.id)):
            raise ValidationError("您没有修改这条内容的权限。")
        if model.status not in accounts.allowed_statuses(user):
            raise ValidationError("投稿人不能发布或下线内容，请选择“草稿”或“待审核”，由编辑审核后发布。")
        if model.slug:
            model.slug = check_slug(model.slug.strip())
            clash = self.model.select().where((self.model.slug == model.slug) & (self.model.id != (model.id or 0)))
            if clash.exists():
                raise ValidationError(f"网址名 “{model.slug}” 已被另一条内容使用，请换一个或留空。")

    def handle_view_exception(self, exc) -> bool:
        if isinstance(exc, (ValidationError, LinliError)):
            flash(str(exc), "danger")
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
                    who = last[0].username if last else "其他同事"
                    when = last[0].at.strftime("%m月%d日 %H:%M") if last else "刚才"
                    flash(CONFLICT.format(who=who, when=when), "danger")
                    return False
                form.populate_obj(model)
                self._on_model_change(form, model, False)
                model.version = expected + 1
                model.save()
        except (ValidationError, LinliError) as exc:
            flash(str(exc), "danger")
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
            flash("您没有删除这条内容的权限。", "danger")
            return False
        model.deleted_at = m.now()
        model.save()
        audit.log("delete", current_user.username, model, address=client_address())
        search_hooks().unindex(model)
        return True

    @action("delete", "删除（移入回收站）", "确定把选中的内容移入回收站吗？可以在“回收站”里恢复。")
    def action_delete(self, ids):
        count = sum(1 for item in self.model.select().where(self.model.id << ids) if self.delete_model(item))
        if count:
            flash(f"已把 {count} 条内容移入回收站，可在“回收站”恢复。", "success")

    # --- history ------------------------------------------------------------------------------

    @expose("/history/")
    def history_view(self):
        item = self.get_one(request.args.get("id"))
        if item is None:
            flash("这条内容不存在，或已被删除（可以在“回收站”找回）。", "danger")
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
            flash("您没有修改这条内容的权限。", "danger")
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
        flash(f"已恢复到第 {revision.version} 版（{len(changed)} 处改动）。", "success")
        return redirect(url_for(".edit_view", id=item.id))


VIEWS = [
    (m.Notice, "通知公告"),
    (m.Service, "办事指南"),
    (m.Place, "便民设施"),
    (m.Event, "社区活动"),
    (m.Album, "活动相册"),
    (m.Story, "志愿者故事"),
    (m.VolunteerTeam, "志愿服务队"),
    (m.Wish, "微心愿"),
    (m.Grid, "网格"),
    (m.Page, "页面"),
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
            status_label=dict(m.STATUS_CHOICES).get(album.status, album.status),
        )


MODEL_VIEWS = {m.Notice: NoticeView, m.Album: AlbumView, m.Place: PlaceView, m.Story: StoryView}
