"""Admin pages for running the site: the trash, staff accounts, site settings, audit log."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.contrib.peewee import ModelView
from flask_login import current_user
from wtforms import PasswordField, SelectField
from wtforms.validators import Optional, ValidationError

from admin.auth import client_address
from admin.i18n import gettext, lazy_choices, lazy_gettext, word
from admin.views import StaffOnly, search_hooks
from linli import accounts, audit, db, validation
from linli import models as m
from linli.errors import LinliError

MODELS_BY_NAME = {model.__name__: model for model in m.CONTENT_MODELS}


class AdminOnly(StaffOnly):
    def is_accessible(self) -> bool:
        return current_user.is_authenticated and accounts.can_manage_users(current_user.account)

    def inaccessible_callback(self, name, **kwargs):
        if current_user.is_authenticated:
            abort(403)
        return super().inaccessible_callback(name, **kwargs)


class TrashView(StaffOnly, BaseView):
    """Deleted items wait here; they can be put back, or (by an admin) removed for good."""

    @expose("/")
    def index(self):
        items = []
        for model in m.CONTENT_MODELS:
            items += list(model.select().where(model.deleted_at.is_null(False)))
        items.sort(key=lambda item: item.deleted_at, reverse=True)
        return self.render("linli_admin/trash.html", items=items, can_purge=accounts.can_manage_users(current_user.account))

    def _item(self):
        model = MODELS_BY_NAME.get(request.form.get("type", ""))
        item = model.get_or_none(model.id == request.form.get("id", type=int)) if model else None
        if item is None or item.deleted_at is None:
            abort(404)
        return item

    @expose("/restore/", methods=("POST",))
    def restore(self):
        item = self._item()
        if not accounts.can_edit(current_user.account, item):
            abort(403)
        item.deleted_at = None
        item.save()
        audit.log("undelete", current_user.username, item, address=client_address())
        search_hooks().reindex(item)
        flash(gettext("已恢复：%(title)s", title=item.title), "success")
        return redirect(url_for(".index"))

    @expose("/purge/", methods=("POST",))
    def purge(self):
        if not accounts.can_manage_users(current_user.account):
            abort(403)
        item = self._item()
        with db.immediate_transaction():
            audit.log("purge", current_user.username, item, address=client_address())
            m.Revision.delete().where(
                (m.Revision.target_type == type(item).__name__) & (m.Revision.target_id == item.id)
            ).execute()
            item.delete_instance(recursive=True)
        search_hooks().unindex(item)
        flash(gettext("已永久删除：%(title)s", title=item.title), "success")
        return redirect(url_for(".index"))


def labelled(names, labels) -> dict:
    """``form_args`` giving form fields the labels of the list's columns."""
    return {name: {"label": labels[name]} for name in names}


class UserView(AdminOnly, ModelView):
    column_list = ("username", "display_name", "role", "active", "last_login_at")
    column_labels = {
        "username": lazy_gettext("用户名"),
        "display_name": lazy_gettext("姓名"),
        "role": lazy_gettext("角色"),
        "active": lazy_gettext("启用"),
        "last_login_at": lazy_gettext("上次登录"),
        "language": lazy_gettext("界面语言"),
        "new_password": lazy_gettext("新密码"),
    }
    column_formatters = {"role": lambda v, c, model, n: word(dict(m.ROLE_CHOICES).get(model.role, model.role))}
    form_columns = ("username", "display_name", "role", "active", "language")
    form_extra_fields = {"new_password": PasswordField(lazy_gettext("新密码"), validators=[Optional()])}
    form_overrides = {"language": SelectField}
    form_args = labelled(form_columns, column_labels)
    form_args["language"]["choices"] = [("zh-Hans", "简体中文"), ("en", "English")]  # each in its own language
    form_args["role"]["choices"] = lazy_choices(m.ROLE_CHOICES)
    can_delete = False  # deactivate instead: their name stays on their work

    def on_model_change(self, form, model, is_created):
        password = form.new_password.data
        if is_created and not password:
            raise ValidationError(gettext("新账号需要设置密码（至少 8 个字符）。"))
        if model.id == current_user.account.id and (not model.active or model.role != "admin"):
            raise ValidationError(gettext("不能停用自己的账号或取消自己的管理员身份。"))
        if is_created:
            model.password_hash = "!"
        if password:
            accounts.check_password(password)

    def after_model_change(self, form, model, is_created):
        if form.new_password.data:
            accounts.set_password(model, form.new_password.data)
        audit.log("user_created" if is_created else "user_changed", current_user.username, address=client_address(),
                  detail=model.username)  # fmt: skip

    def handle_view_exception(self, exc) -> bool:
        if isinstance(exc, (ValidationError, LinliError)):
            flash(str(exc), "danger")
            return True
        return super().handle_view_exception(exc)


class SettingsView(AdminOnly, BaseView):
    """The community's own facts (name, address, phone, office hours, about text)."""

    fields = [
        ("name", lazy_gettext("社区名称")), ("district", lazy_gettext("所属区")), ("street", lazy_gettext("所属街道")),
        ("address", lazy_gettext("办公地址")), ("main_phone", lazy_gettext("社区电话")), ("office_hours", lazy_gettext("办公时间")),
        ("area", lazy_gettext("面积")), ("population", lazy_gettext("人口")), ("households", lazy_gettext("户数")),
        ("buildings", lazy_gettext("楼栋")), ("honours", lazy_gettext("所获荣誉（每行一项）")), ("intro", lazy_gettext("社区概况（Markdown）")),
        ("logo", lazy_gettext("标志图片")),
    ]  # fmt: skip

    @expose("/", methods=("GET", "POST"))
    def index(self):
        settings = m.SiteSettings.get_current()
        if request.method == "POST":
            typed = {name: request.form.get(name, "").strip() for name, _ in self.fields}
            values, problems = validation.check(m.SiteSettings, typed)  # as the import checks site.md
            for name, value in values.items():
                setattr(settings, name, value)  # shown again as typed, less control characters
            labels = dict(self.fields)
            if not settings.name:
                flash(gettext("社区名称不能为空。"), "danger")
            elif problems:
                for problem in problems:
                    flash(f"{labels[problem.field]}{gettext('：')}{problem.message}", "danger")
            else:
                settings.save()
                audit.log("settings_changed", current_user.username, address=client_address())
                flash(gettext("已保存。发布网站后生效。"), "success")
                return redirect(url_for(".index"))
        multiline = {"office_hours", "honours", "intro"}
        return self.render("linli_admin/settings.html", settings=settings, fields=self.fields, multiline=multiline)


class AuditView(AdminOnly, ModelView):
    can_create = can_edit = can_delete = False
    column_list = ("at", "username", "action", "target_type", "target_title", "detail", "address")
    column_labels = {"at": lazy_gettext("时间"), "username": lazy_gettext("用户"), "action": lazy_gettext("操作"),
                     "target_type": lazy_gettext("类型"), "target_title": lazy_gettext("内容"),
                     "detail": lazy_gettext("详情"), "address": lazy_gettext("地址")}  # fmt: skip
    column_filters = ("action", "username", "at")
    column_default_sort = ("at", True)
    page_size = 100


def register_management_views(admin) -> None:
    admin.add_view(TrashView(name=lazy_gettext("回收站"), endpoint="trash"))
    admin.add_view(UserView(m.User, name=lazy_gettext("账号"), endpoint="users", category=lazy_gettext("系统")))
    admin.add_view(SettingsView(name=lazy_gettext("社区信息"), endpoint="settings", category=lazy_gettext("系统")))
    admin.add_view(AuditView(m.AuditEvent, name=lazy_gettext("操作记录"), endpoint="audit", category=lazy_gettext("系统")))


__all__ = ["register_management_views"]
