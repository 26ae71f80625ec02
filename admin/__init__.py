"""The staff admin: a Flask-Admin app that writes content and asks for builds.

It is a separate Flask app from the public site and is mounted at ``/admin`` by
:mod:`linli.serve`; it is never frozen.
"""

from __future__ import annotations

import secrets

from flask import Flask
from flask_admin import Admin
from flask_babel import Babel

from admin.views import register_views
from linli import db
from linli.home import Home

SECRET_FILE = ".linli-secret"


def secret_key(home: Home) -> str:
    """A per-home random key for signing sessions, created on first use."""
    path = home.root / SECRET_FILE
    if not path.exists():
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def create_admin_app(home: Home) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key(home),
        LINLI_HOME=home,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    Babel(app, locale_selector=lambda: "zh_Hans_CN")
    database = db.connect(home.database_url)

    @app.before_request
    def _open_db():
        database.connect(reuse_if_open=True)

    @app.teardown_request
    def _close_db(exc):
        if not database.is_closed():
            database.close()

    admin = Admin(app, name="邻里 · 管理后台", url="/")
    register_views(admin)
    return app
