"""Flask-Admin views of the content types: Chinese labels, roles checked on the server,
concurrent edits refused, every save recorded as a revision, deletion into a trash.

One view per declared content type (:mod:`linli.registry`), in its menu place, with the labels,
help, Markdown editors, photo upload buttons and text areas its declaration asks for."""

from __future__ import annotations

import peewee as pw
from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.peewee import ModelView
from flask_admin.form import DateTimeField, rules
from flask_admin.helpers import is_form_submitted
from flask_admin.model.template import LinkRowAction
from flask_login import current_user
from wtforms import HiddenField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtfpeewee.orm import ValueRequired

from admin.auth import client_address
from admin.i18n import gettext, lazy_choices, lazy_gettext, word
from linli import accounts, audit, db, markup, registry, revisions, validation
from linli import models as m
from linli.errors import LinliError
from linli.slugs import check_slug

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


class WeChatRowAction(LinkRowAction):
    """复制到微信群 in a list row: to the edit page's WeChat block, for published items that the
    account may edit (a contributor's published items open read-only, without it)."""

    def __init__(self):
        super().__init__("fa fa-weixin", self.edit_url, title=lazy_gettext("复制到微信群"))

    @staticmethod
    def edit_url(action, row_id, row) -> str:
        return url_for(".edit_view", id=row_id) + "#wechat-share"

    def render(self, context, row_id, row):
        if row.status != m.PUBLISHED or not accounts.can_edit(current_user.account, row):
            return ""
        return super().render(context, row_id, row)


class ContentView(StaffOnly, ModelView):
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
        kind = model.kind
        fields = model._meta.fields
        shared = set(m.Content._meta.fields)
        own = [name for name in fields if name not in shared]
        self.form_columns = ["title", *own, "status", "publish_at", "expires_at", "slug", "internal_note"]
        self.form_create_rules = self.form_edit_rules = (HiddenRule("edit_version"), *self.form_columns)
        labelled = [name for name in fields if kind.label(name) != name]
        self.column_labels = {name: lazy_gettext(kind.label(name)) for name in labelled}
        self.form_args = {name: {"label": self.column_labels[name]} for name in labelled}
        for name in labelled:
            if kind.help_for(name):
                self.form_args[name]["description"] = lazy_gettext(kind.help_for(name))
        for name, field in fields.items():
            if field.choices and name != "status":  # status: _adjust_form, by role
                self.form_args.setdefault(name, {})["choices"] = lazy_choices(field.choices)
        # Flask-Admin's DateTimeField: the same text input and date picker as its peewee
        # conversion, without WTForms' deprecated <input type="datetime"> base field.
        self.form_overrides = {
            name: DateTimeField for name, field in fields.items() if isinstance(field, pw.DateTimeField)
        }
        self.form_widget_args = {
            name: {"rows": 12 if name == "body" else 6, "class": "form-control markdown-source"} for name in kind.markdown
        }
        for name in (*kind.lines, *kind.private_fields):
            if isinstance(fields[name], pw.TextField):
                self.form_widget_args[name] = {"rows": 4}
        for name in kind.media:  # an upload button and a thumbnail (static/linli/editor.js)
            self.form_widget_args[name] = {"data-upload": "image"}
        if "category" in fields:
            self.column_list = ("title", "category", "status", "publish_at", "updated_at", "author")
            self.column_filters = ("status", "category", "publish_at", "updated_at")
        if "summary" in fields:
            self.column_searchable_list = ("title", "summary")
        if kind.pages:
            self.column_extra_row_actions = [WeChatRowAction()]
        super().__init__(model, **kwargs)

    def render(self, template, **kwargs):
        item = kwargs.get("model")
        if template == self.edit_template and item is not None and self.model.kind.pages:
            from flask import current_app

            from linli.share import published

            kwargs["wechat"] = {"published": published(current_app.config["LINLI_HOME"].site_dir, item)}
        return super().render(template, **kwargs)

    def search_placeholder(self) -> str:
        """The list's search box names what it searches ("搜索：标题、摘要"); Flask-Admin's
        peewee views would show "None"."""
        labels = [str(self.column_labels.get(name, name)) for name in self.column_searchable_list]
        return gettext("搜索：%(fields)s", fields=gettext("、").join(labels))

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


def register_views(admin) -> None:
    from admin import uploads

    for kind in registry.by_position():
        children = kind.children.model if kind.children else None
        view_class = CHILD_VIEWS.get(children, ContentView)  # views with a child manager: end of this file
        admin.add_view(view_class(kind.model, name=lazy_gettext(kind.names), endpoint=kind.key))
    admin.app.register_blueprint(uploads.blueprint)


# --- views with a manager of the item's child rows: notice attachments, album photos -------------


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


from admin.love_bank import LoveBankMemberView  # noqa: E402  (it builds on ContentView, above)

CHILD_VIEWS = {m.Attachment: NoticeView, m.Photo: AlbumView, m.LoveBankRecord: LoveBankMemberView}
