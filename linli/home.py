"""A site's home folder: where its content, build output, index and settings live.

A home holds ``content/`` (database + ``media/``), ``site/`` (build output), ``search_index/``,
optional ``themes/`` overrides and ``linli.toml`` for what is not content (base URL, theme,
languages, time zone, later deploy targets). The repository root is the demo home.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from linli.errors import LinliError

SETTINGS_FILE = "linli.toml"
# zh-Hant is only ever a second language: the Simplified site converted (linli/traditional.py).
LANGUAGES = ("zh-Hans", "zh-Hant", "en")
DEFAULT_SETTINGS = {
    "base_url": "",
    "theme": "default",
    "languages": ["zh-Hans"],
    "timezone": "Asia/Shanghai",
    "page_size": 20,
}
SETTINGS_TEMPLATE = """\
# Linli settings for this site: what is not content. Content lives in content/.
# base_url: the public address of the site, e.g. "https://example.org/shequ/" (optional;
# used for share links and feeds; the built site works from any folder without it).
base_url = ""
# theme: a folder under themes/ (this home's own, or Linli's built-in ones).
theme = "default"
# languages: the first one is the site's language. Available: "zh-Hans", "en".
# Add "zh-Hant" after "zh-Hans" to also publish the whole site in Traditional characters
# under zh-hant/, e.g. languages = ["zh-Hans", "zh-Hant"].
languages = ["zh-Hans"]
timezone = "Asia/Shanghai"
# page_size: items per page on list pages.
page_size = 20
"""

# Linli's own files (built-in themes) sit beside the package in the repository.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Home:
    root: Path
    settings: dict = field(default_factory=lambda: dict(DEFAULT_SETTINGS))

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def media_dir(self) -> Path:
        return self.content_dir / "media"

    @property
    def db_path(self) -> Path:
        return self.content_dir / "linli.db"

    @property
    def site_dir(self) -> Path:
        return self.root / "site"

    @property
    def search_index_dir(self) -> Path:
        return self.root / "search_index"

    @property
    def settings_path(self) -> Path:
        return self.root / SETTINGS_FILE

    @property
    def database_url(self) -> str:
        return (
            os.environ.get("DATABASE_URL")
            or self.settings.get("database_url")
            or f"sqlite:///{self.db_path}"
        )

    @property
    def theme_dirs(self) -> list[Path]:
        """Theme folders to search, the home's own override first."""
        name = self.settings["theme"]
        dirs = [self.root / "themes" / name, PROJECT_ROOT / "themes" / name]
        return [d for d in dict.fromkeys(dirs) if d.is_dir()]

    @classmethod
    def locate(cls, path: str | os.PathLike | None = None) -> Path:
        """The home folder named by ``path``, else ``$LINLI_HOME``, else the current folder."""
        return Path(path or os.environ.get("LINLI_HOME") or ".").expanduser().resolve()

    @classmethod
    def open(cls, path: str | os.PathLike | None = None) -> "Home":
        """Open an existing home, or raise LinliError saying why it is not one."""
        root = cls.locate(path)
        if not root.is_dir():
            raise LinliError(f"找不到站点目录：{root}。请先运行 linli init 或 linli demo。")
        settings_path = root / SETTINGS_FILE
        if not settings_path.is_file():
            raise LinliError(
                f"{root} 不是 Linli 站点目录（缺少 {SETTINGS_FILE}）。请先运行 linli init 或 linli demo。"
            )
        home = cls(root, load_settings(settings_path))
        if not home.theme_dirs:
            raise LinliError(f"{SETTINGS_FILE} 里的主题 “{home.settings['theme']}” 不存在。")
        return home

    @classmethod
    def create(cls, path: str | os.PathLike | None = None) -> "Home":
        """Create the folders and settings file of a new home (existing files are kept)."""
        root = cls.locate(path)
        root.mkdir(parents=True, exist_ok=True)
        (root / "content" / "media").mkdir(parents=True, exist_ok=True)
        settings_path = root / SETTINGS_FILE
        if not settings_path.exists():
            settings_path.write_text(SETTINGS_TEMPLATE, encoding="utf-8")
        return cls.open(root)


def load_settings(path: Path) -> dict:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LinliError(f"设置文件 {path} 格式有误：{exc}") from exc
    unknown = set(data) - set(DEFAULT_SETTINGS) - {"deploy", "database_url"}
    if unknown:
        raise LinliError(f"设置文件 {path} 里有不认识的设置项：{', '.join(sorted(unknown))}")
    settings = {**DEFAULT_SETTINGS, **data}
    if not isinstance(settings["languages"], list) or not settings["languages"]:
        raise LinliError(f"设置文件 {path} 里的 languages 应为列表，例如 [\"zh-Hans\"]")
    unknown = [str(lang) for lang in settings["languages"] if lang not in LANGUAGES]
    if unknown:
        raise LinliError(
            f"设置文件 {path} 里的 languages 有不认识的语言：{', '.join(unknown)}。可用：{', '.join(LANGUAGES)}"
        )
    if settings["languages"][0] == "zh-Hant":
        raise LinliError(
            f"设置文件 {path}：繁体版（zh-Hant）由简体内容转换而来，只能作为第二种语言，"
            '例如 languages = ["zh-Hans", "zh-Hant"]'
        )
    return settings
