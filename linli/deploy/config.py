"""Deploy targets as configured in a home: ``[deploy.NAME]`` tables of ``linli.toml``, and
their secrets, which never live there.

A secret (a password, a key passphrase, object storage keys) comes from the environment
variable ``LINLI_DEPLOY_<NAME>_<KEY>`` (e.g. ``LINLI_DEPLOY_FTP_PASSWORD``), else from the
table ``[NAME]`` of ``deploy-secrets.toml`` in the home, a file Linli's ``.gitignore`` files
exclude and that sits outside ``site/``. A secret written into ``linli.toml`` is refused.

Every kind also takes ``auto = true`` (each publish — the admin's button, ``linli publish``, the
service on its schedule — sends the site there after building it; other targets are sent to
only by hand) and ``url``: the public address residents open, shown to staff.
"""

from __future__ import annotations

import os
import re
import tomllib
from urllib.parse import urlsplit
from dataclasses import dataclass, field
from pathlib import Path

from linli.errors import LinliError
from linli.home import SETTINGS_FILE, Home

SECRETS_FILE = "deploy-secrets.toml"
SECRET_KEYS = {"password", "key_passphrase", "access_key_id", "secret_access_key"}
KIND_LABELS = {
    "folder": "本地文件夹",
    "zip": "zip 压缩包",
    "rsync": "rsync（SSH）",
    "sftp": "SFTP",
    "ftp": "FTP/FTPS",
    "s3": "对象存储（S3 兼容）",
    "git": "git 分支（Pages）",
}
COMMON = {"kind": str, "retries": int, "auto": bool, "url": str}
# Allowed keys of each kind (besides COMMON) with their types; secrets are listed in SECRETS.
KEYS: dict[str, dict[str, type]] = {
    "folder": {"path": str},
    "zip": {"path": str},
    "rsync": {"host": str, "port": int, "user": str, "path": str, "key": str, "known_hosts": str, "bwlimit": int},
    "sftp": {"host": str, "port": int, "user": str, "path": str, "key": str, "known_hosts": str, "timeout": int},
    "ftp": {"host": str, "port": int, "user": str, "path": str, "tls": bool, "ca_file": str, "timeout": int},
    "s3": {"bucket": str, "prefix": str, "endpoint_url": str, "region": str},
    "git": {"repo": str, "branch": str, "message": str},
}
REQUIRED = {
    "folder": ("path",),
    "zip": ("path",),
    "rsync": ("host", "user", "path"),
    "sftp": ("host", "user", "path"),
    "ftp": ("host", "path"),
    "s3": ("bucket",),
    "git": ("repo",),
}
SECRETS = {"sftp": ("password", "key_passphrase"), "ftp": ("password",), "s3": ("access_key_id", "secret_access_key")}


@dataclass
class Target:
    name: str
    kind: str
    options: dict
    home: Home
    secrets_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.secrets_path = self.home.root / SECRETS_FILE

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def where(self) -> str:
        """Where this target puts the site, for staff to read: never a secret (user names in
        URLs are left out too, since a token may be written there)."""
        get, port = self.options.get, self.options.get("port")
        if self.kind in ("folder", "zip"):
            return str(self.local_path("path"))
        if self.kind in ("rsync", "sftp"):
            return f"{self.kind}://{get('user')}@{get('host')}:{port or 22}{get('path')}"
        if self.kind == "ftp":
            scheme = "ftps" if get("tls") else "ftp"
            return f"{scheme}://{get('user', 'anonymous')}@{get('host')}:{port or 21}{get('path')}"
        if self.kind == "s3":
            endpoint = get("endpoint_url")
            return f"s3://{get('bucket')}/{get('prefix', '').strip('/')}" + (f"（{_without_userinfo(endpoint)}）" if endpoint else "")
        return f"{_without_userinfo(get('repo'))} → {get('branch', 'gh-pages')}"

    @property
    def retries(self) -> int:
        return self.options.get("retries", 3)

    @property
    def auto(self) -> bool:
        """Whether every publish sends the site here (``auto = true``)."""
        return self.options.get("auto", False)

    @property
    def url(self) -> str:
        """The public address of the site on this target ("" when not set)."""
        return self.options.get("url", "")

    def get(self, key: str, default=None):
        return self.options.get(key, default)

    def local_path(self, key: str) -> Path | None:
        """A path option, relative to the home unless absolute (``~`` allowed)."""
        value = self.options.get(key)
        if not value:
            return None
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.home.root / path

    def env_name(self, key: str) -> str:
        return "LINLI_DEPLOY_" + re.sub(r"[^A-Z0-9]", "_", f"{self.name}_{key}".upper())

    def secret(self, key: str, *, required: bool = True) -> str | None:
        """The secret ``key`` from the environment or the secrets file; LinliError if required and missing."""
        value = os.environ.get(self.env_name(key))
        if value:
            return value
        table = _load_secrets(self.secrets_path).get(self.name, {})
        value = table.get(key) if isinstance(table, dict) else None
        if value:
            return str(value)
        if required:
            raise LinliError(
                f"缺少部署目标“{self.name}”的{_SECRET_LABELS[key]}：请设置环境变量 {self.env_name(key)}，"
                f"或写在站点目录的 {SECRETS_FILE} 里 [{self.name}] 下的 {key} = \"…\"（这个文件不会上传，也不进 git）。"
            )
        return None


_SECRET_LABELS = {"password": "密码", "key_passphrase": "私钥口令", "access_key_id": "访问密钥 ID",
                  "secret_access_key": "访问密钥（Secret）"}  # fmt: skip


def _without_userinfo(url: str) -> str:
    """``url`` without ``user:password@`` (a git remote may carry a token there)."""
    if "://" not in url:
        return url
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def _load_secrets(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LinliError(f"密钥文件 {path} 格式有误：{exc}") from exc


def targets(home: Home) -> dict[str, Target]:
    """Every ``[deploy.NAME]`` table of ``home``'s settings, checked."""
    tables = home.settings.get("deploy", {})
    if not isinstance(tables, dict):
        raise LinliError(f"{SETTINGS_FILE} 里的 deploy 应写成 [deploy.名称] 表，见 README 的 Publishing 一节。")
    found = {}
    for name, options in tables.items():
        where = f"{SETTINGS_FILE} 的 [deploy.{name}]"
        if not isinstance(options, dict):
            raise LinliError(f"{where} 应是一个表，例如 [deploy.{name}] 下写 kind = \"folder\"。")
        kind = options.get("kind")
        if kind not in KEYS:
            raise LinliError(f"{where} 的 kind 应为 {'、'.join(KEYS)} 之一，现在是 {kind!r}。")
        allowed = {**COMMON, **KEYS[kind]}
        for key, value in options.items():
            if key in SECRET_KEYS:
                raise LinliError(
                    f"{where} 里不能写 {key}：{SETTINGS_FILE} 会进 git。请改用环境变量 "
                    f"{Target(name, kind, {}, home).env_name(key)} 或 {SECRETS_FILE}。"
                )
            if key not in allowed:
                raise LinliError(f"{where} 里有不认识的设置项：{key}（{kind} 可用：{'、'.join(allowed)}）")
            if not isinstance(value, allowed[key]) or (allowed[key] is int and isinstance(value, bool)):
                raise LinliError(f"{where} 的 {key} 格式不对：{value!r}")
        missing = [key for key in REQUIRED[kind] if not options.get(key)]
        if missing:
            raise LinliError(f"{where} 缺少 {'、'.join(missing)}。")
        url = options.get("url")
        if url is not None and not url.startswith(("http://", "https://")):
            raise LinliError(f"{where} 的 url 应是居民打开网站的网址，以 https:// 或 http:// 开头，现在是 {url!r}。")
        found[name] = Target(name, kind, dict(options), home)
    return found


def automatic(home: Home) -> list[Target]:
    """The targets every publish sends the site to (``auto = true``), in the order configured."""
    return [target for target in targets(home).values() if target.auto]


def choose(home: Home, name: str | None) -> Target:
    """The target called ``name``, or the only one when ``name`` is None."""
    found = targets(home)
    if not found:
        raise LinliError(
            f"还没有配置发布目标：在 {SETTINGS_FILE} 里加一个 [deploy.名称] 表（例如 kind = \"folder\"，"
            "path = \"/media/usb/site\"），见 README 的 Publishing 一节。"
        )
    if name is None:
        if len(found) == 1:
            return next(iter(found.values()))
        raise LinliError(f"配置了多个发布目标，请指定一个：linli deploy {'|'.join(found)}")
    if name not in found:
        raise LinliError(f"没有名为“{name}”的发布目标。已配置的有：{'、'.join(found)}")
    return found[name]
