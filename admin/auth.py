"""Logging staff in and out (Flask-Login), with throttling and audit, and the login page.

A session stores the user's id and session token; changing the password makes a new token,
which ends every other session of that account.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from admin.i18n import gettext, lazy_gettext, word
from linli import accounts, audit
from linli.errors import LinliError
from linli.models import User

blueprint = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = lazy_gettext("请先登录。")
login_manager.login_message_category = "warning"
login_manager.localize_callback = str  # the lazy message in the account's language, flashed as text


class StaffUser(UserMixin):
    """The logged-in staff member as Flask-Login sees them; ``.account`` is the database row."""

    def __init__(self, account: User):
        self.account = account

    def get_id(self) -> str:
        return f"{self.account.id}:{self.account.session_token}"

    @property
    def is_active(self) -> bool:
        return self.account.active

    def __getattr__(self, name):  # username, role, name…
        return getattr(self.account, name)


@login_manager.user_loader
def load_user(session_id: str) -> StaffUser | None:
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit():
        return None
    account = User.get_or_none(User.id == int(user_id))
    if account is None or not account.active or account.session_token != token:
        return None
    return StaffUser(account)


def client_address() -> str:
    return request.remote_addr or ""


def is_safe_next(target: str | None) -> bool:
    return bool(target) and target.startswith("/") and not target.startswith("//") and "\\" not in target


@blueprint.route("/login/", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.index"))
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "")
        try:
            account = accounts.log_in(username, request.form.get("password", ""), client_address())
        except LinliError as exc:
            audit.log("login_failed", username[:64], detail=str(exc), address=client_address())
            flash(word(exc), "danger")
        else:
            login_user(StaffUser(account))
            audit.log("login", account.username, address=client_address())
            target = request.args.get("next")
            return redirect(target if is_safe_next(target) else url_for("admin.index"))
    return render_template("linli_admin/login.html", username=username)


@blueprint.route("/logout/", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        audit.log("logout", current_user.username, address=client_address())
    logout_user()
    flash(gettext("您已退出登录。"), "info")
    return redirect(url_for("auth.login"))
