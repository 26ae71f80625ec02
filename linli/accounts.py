"""Staff accounts: creating them and checking passwords (Werkzeug hashes)."""

from __future__ import annotations

from werkzeug.security import check_password_hash, generate_password_hash

from linli.errors import LinliError
from linli.models import ROLE_CHOICES, User

MIN_PASSWORD_LENGTH = 8


def check_new_account(username: str, password: str) -> None:
    if not username or not username.strip() or len(username.strip()) > 64:
        raise LinliError("用户名不能为空，且不超过 64 个字符。")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise LinliError(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符。")


def add_user(username: str, password: str, role: str = "contributor") -> User:
    check_new_account(username, password)
    if role not in dict(ROLE_CHOICES):
        raise LinliError(f"未知的角色 “{role}”。可选：{', '.join(dict(ROLE_CHOICES))}")
    username = username.strip()
    if User.select().where(User.username == username).exists():
        raise LinliError(f"用户名 “{username}” 已存在。")
    return User.create(
        username=username, display_name=username, password_hash=generate_password_hash(password), role=role
    )


def verify_password(user: User, password: str) -> bool:
    return bool(user and user.active and check_password_hash(user.password_hash, password))
