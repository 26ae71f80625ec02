"""The staff admin: a Flask-Admin app that writes content and asks for builds.

It is a separate Flask app from the public site, mounted at ``/admin`` by
:mod:`linli.serve`, and never frozen. Every view requires a logged-in account and checks its
role on the server; every POST carries a CSRF token (Flask-WTF's CSRFProtect, the only CSRF
mechanism here: the model forms are plain WTForms, not Flask-Admin's SecureForm).
"""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask, request
from flask_admin import Admin
from flask_admin import babel as flask_admin_babel
from flask_admin.theme import Bootstrap4Theme
from flask_babel import Babel
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import RequestEntityTooLarge

from admin import auth, health
from admin.dashboard import DashboardView
from admin.i18n import gettext, lazy_gettext, ngettext, requester, word
from admin.management import register_management_views
from admin.publish import register_publish_views
from admin.search import register_search_view
from admin.spreadsheet import register_spreadsheet_view
from admin.status import register_status_view
from admin.views import register_views
from admin import word_import
from linli import accounts, db, limits
from linli import models as m
from linli.home import Home
from linli.public import ROOT_FILE_RULE, send_theme_file

SECRET_FILE = ".linli-secret"
LOCALES = {"zh-Hans": "zh_Hans_CN", "en": "en"}
TRANSLATIONS = str(Path(__file__).parent / "translations")


def secret_key(home: Home) -> str:
    """A per-home random key for signing sessions, created on first use."""
    path = home.root / SECRET_FILE
    if not path.exists():
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def select_locale() -> str:
    if current_user and current_user.is_authenticated:
        return LOCALES.get(current_user.language, "zh_Hans_CN")
    return LOCALES["en"] if request.args.get("lang") == "en" else "zh_Hans_CN"


def html_lang() -> str:
    """The ``<html lang>`` of the account's language."""
    return "en" if select_locale() == "en" else "zh-CN"


def admin_title() -> str:
    """The admin's name in its header and window titles: the community's own (SiteSettings.name)."""
    return gettext("%(community)s · 管理后台", community=m.SiteSettings.get_current().name)


def _use_linli_wording() -> None:
    """Put Linli's catalogue (admin/translations) after Flask-Admin's own, so that its
    staff wording wins: Flask-Babel merges catalogues in order, the later one winning, and
    Flask-Admin's ``translations_path`` would put ours first."""
    directories = flask_admin_babel.domain._translation_directories
    if TRANSLATIONS not in directories:
        directories.append(TRANSLATIONS)


def create_admin_app(home: Home, **config) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key(home),
        LINLI_HOME=home,
        SESSION_COOKIE_NAME="linli_admin",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # a long edit must not expire its form
        MAX_CONTENT_LENGTH=limits.REQUEST_BYTES,
        MAX_FORM_MEMORY_SIZE=limits.FORM_FIELD_BYTES,
        **config,
    )
    CSRFProtect(app)
    _use_linli_wording()
    Babel(app, locale_selector=select_locale)
    # The admin domain in every template, also those rendered outside Flask-Admin's views (the
    # login page); Flask-Admin's views pass the same functions. ``|word``: see admin.i18n.
    app.jinja_env.globals.update(_gettext=gettext, _ngettext=ngettext, html_lang=html_lang, admin_title=admin_title)
    app.jinja_env.filters.update(word=word, requester=requester)
    auth.login_manager.init_app(app)
    accounts.prepare_login()
    app.register_blueprint(auth.blueprint)
    app.register_blueprint(health.blueprint)
    database = db.connect(home.database_url, home.settings["timezone"])

    @app.before_request
    def _open_db():
        database.connect(reuse_if_open=True)

    @app.teardown_request
    def _close_db(exc):
        if not database.is_closed():
            database.close()

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        return (
            gettext("页面已过期或请求来源不可信，本次操作没有执行。请返回上一页，刷新后再试（已填写的内容请先复制保存）。"),
            400,
        )

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(error):
        message = gettext(
            "提交的内容太大了，没有保存：正文等每段文字最多 %(limit)s 个字。请点浏览器的“返回”回到上一页"
            "（您填写的内容一般还在），把过长的文字删短或拆成几篇后再保存。",
            limit=format(limits.TEXT_CHARS, ","),
        )
        return message, 413

    @app.after_request
    def _no_framing(response):
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.route(ROOT_FILE_RULE)
    def theme_icon(name: str):
        """The public site's icons, for the admin's pages (and browsers asking at its root)."""
        return send_theme_file(home, name)

    admin = Admin(
        app,
        name=lazy_gettext("邻里 · 管理后台"),
        url="/",
        theme=Bootstrap4Theme(base_template="linli_admin/base.html"),  # Flask-Admin's, with the icons
        index_view=DashboardView(url="/", name=lazy_gettext("工作台")),
    )
    register_search_view(admin)  # first in the menu, after 工作台
    register_views(admin)
    register_publish_views(admin, home)
    register_management_views(admin)
    register_spreadsheet_view(admin)  # 系统 › Excel 导入导出, editors and admins
    register_status_view(admin)  # 系统 › 运行状态, admins only
    app.register_blueprint(word_import.blueprint)  # 从Word新建 / 从Word导入
    return app
