"""Staff accounts: creating them, passwords, login throttling, and what each role may do.

Roles: ``admin`` (users, settings, everything), ``editor`` (edit and publish all content),
``contributor`` (write drafts and submit them for review; edit or delete only their own
unpublished work). Every check here is made on the server by the admin's views.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

from linli import db
from linli.errors import LinliError
from linli.models import DRAFT, REVIEW, ROLE_CHOICES, LoginAttempt, User, now

MIN_PASSWORD_LENGTH = 8
LOCK_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
WRONG_LOGIN = "用户名或密码不正确。"
LOCKED = "登录失败次数过多，为保护账号已暂时锁定，请 15 分钟后再试。忘记密码请联系管理员。"
#: werkzeug's method for new password hashes (its default, scrypt at full cost). The test suite
#: lowers it outside tests/security/test_accounts.py (tests/conftest.py); nothing else changes it.
PASSWORD_METHOD = "scrypt"


def check_new_account(username: str, password: str) -> None:
    if not username or not username.strip() or len(username.strip()) > 64:
        raise LinliError("用户名不能为空，且不超过 64 个字符。")
    check_password(password)


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise LinliError(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符。")


def add_user(username: str, password: str, role: str = "contributor", display_name: str = "") -> User:
    check_new_account(username, password)
    if role not in dict(ROLE_CHOICES):
        raise LinliError(f"未知的角色 “{role}”。可选：{', '.join(dict(ROLE_CHOICES))}")
    username = username.strip()
    if User.select().where(User.username == username).exists():
        raise LinliError(f"用户名 “{username}” 已存在。")
    return User.create(
        username=username,
        display_name=display_name or username,
        password_hash=generate_password_hash(password, method=PASSWORD_METHOD),
        role=role,
    )


def set_password(user: User, password: str) -> None:
    """Change a password; every session of the account ends, and its lock is lifted."""
    check_password(password)
    user.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
    user.session_token = secrets.token_hex(16)
    user.save()
    LoginAttempt.delete().where((LoginAttempt.username == user.username) & (LoginAttempt.success == False)).execute()  # noqa: E712


def verify_password(user: User | None, password: str) -> bool:
    if user is None:
        check_password_hash(_dummy_hash(PASSWORD_METHOD), password or "")  # same work whether or not the user exists
        return False
    return bool(user.active and check_password_hash(user.password_hash, password or ""))


@functools.cache
def _dummy_hash(method: str) -> str:
    """A hash of a random password, checked when no account has the name."""
    return generate_password_hash(secrets.token_hex(8), method=method)


def prepare_login() -> None:
    """Make the hash checked for unknown names now, so that the first unknown name takes no
    longer than the next. The admin app calls this when it is made (a full-cost scrypt hash
    takes about 0.2 s: not at import, which every ``linli`` command pays)."""
    _dummy_hash(PASSWORD_METHOD)


def log_in(username: str, password: str, address: str) -> User:
    """The user, if the password is right and neither the account nor the address is locked.
    Otherwise LinliError with a message that never says whether the account exists."""
    username = (username or "").strip()
    with db.immediate_transaction():
        since = now() - LOCK_WINDOW
        failures = LoginAttempt.select().where((LoginAttempt.success == False) & (LoginAttempt.at >= since))  # noqa: E712
        locked = (
            failures.where(LoginAttempt.username == username).count() >= MAX_FAILURES_PER_ACCOUNT
            or failures.where(LoginAttempt.address == address).count() >= MAX_FAILURES_PER_ADDRESS
        )
        if locked:
            user, ok = None, False
        else:
            user = User.get_or_none(User.username == username)
            ok = verify_password(user, password)
            LoginAttempt.create(username=username[:64], address=address[:64], success=ok)
            if ok:
                user.last_login_at = now()
                user.save()
    # Raised outside the transaction, so that the failed attempt stays recorded.
    if locked:
        raise LinliError(LOCKED)
    if not ok:
        raise LinliError(WRONG_LOGIN)
    return user


# --- what each role may do ----------------------------------------------------------------


def can_publish(user: User) -> bool:
    return user.role in ("admin", "editor")


def can_manage_users(user: User) -> bool:
    return user.role == "admin"


def can_edit(user: User, item) -> bool:
    """Editors edit everything; contributors only their own drafts and items in review."""
    if can_publish(user):
        return True
    return item.author == user.username and item.status in (DRAFT, REVIEW)


def allowed_statuses(user: User) -> list[str]:
    from linli.models import STATUS_CHOICES

    names = [name for name, _ in STATUS_CHOICES]
    return names if can_publish(user) else [DRAFT, REVIEW]
