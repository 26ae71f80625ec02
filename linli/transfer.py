"""``linli export`` / ``linli import``: every item as Markdown with YAML front matter, plus media.

This module owns the plain-file format of a whole site and both directions of it. The format
is meant to be read, edited and diffed by people, and to round-trip with nothing lost::

    <folder>/
      site.md                  SiteSettings: its fields as front matter, ``intro`` as the body
      notices/<slug>.md        one file per item, every status (drafts too: it is a backup)
      services/ places/ …      one folder per content type
      media/...                a copy of every file under content/media/, same relative paths

Folder names are the content types' URL prefixes, their child rows and media fields those of
their declarations (:mod:`linli.registry`). An item file looks like::

    ---
    slug: 停水通知
    title: 3号楼明日停水
    status: published
    publish_at: '2026-11-25T10:00:00'
    expires_at: null
    ...
    pinned: true
    attachments:
    - title: 停水范围
      file: files/ab/ab12….pdf
      size: 12345
      position: 0
    ---
    Markdown body, verbatim. Lines of "---" inside it are fine.

Front matter
    Every model field except ``id`` and the body field, in model field order: ``slug`` and
    ``title`` first, then status, times, author, ``internal_note``, created/updated times,
    then the type's own fields. The body field (``Model.body_field``, ``intro`` for
    site.md) is everything after the closing ``---`` line; export adds one newline after a
    non-empty body and import takes exactly one away. Albums have no body: all their fields
    are front matter and nothing may follow the closing line.
Values
    Text as YAML strings (multi-line text as ``|`` blocks; strings YAML would read as
    something else, such as ``yes``, ``null``, ``1.0``, ``#…``, are quoted). Datetimes as ISO
    strings ``'2026-11-25T10:00:00'``, dates as ``'2026-11-25'`` (unquoted YAML timestamps are
    accepted too, but not ones with a time zone). Booleans, integers and decimals are native
    YAML; an empty value (``null`` or nothing) means "not set" for optional times and
    numbers and "empty" for text.
Links
    By slug: ``Story.team`` is the team's slug, ``Album.event`` the event's slug, or null.
Child rows
    Embedded in their parent as lists under the declared key, in display order (position, then
    creation order), e.g. ``Notice.attachments`` (title, file, size, position), ``Album.photos``
    (file, width, height, caption, position, is_cover, hidden, created_at) and ``Grid.members``
    (name, role, work_phone, private_phone, duties, position).
Media paths
    ``SiteSettings.logo`` and the declared media fields (``Place.photo``, ``Story.cover``,
    attachment and photo ``file``) are paths relative to ``media/``.

Staff accounts (``User``) are not exported: they are account data (password hashes), not
content. An export contains staff-only fields (internal notes, private phone numbers, real
names of wish beneficiaries), so it must be kept as privately as the database itself.

Export writes into a fresh hidden folder beside the target and renames it into place at the
end, so a failed export leaves nothing half-written; it refuses a target that exists and is
not empty. Import refuses a folder holding none of ``site.md``, the type folders and
``media/`` (saying what an export holds), then measures the folder against the limits of
:mod:`linli.limits` (files, sizes, room on the disk) before reading a file. It reads and checks
everything (YAML, field names, types, links, referenced media files, and every value through
:func:`linli.validation.check`, the admin's own cleaning and checking: control characters,
required fields, choices, slugs, lengths, dates, rows per item) and stops at the first problem
with one line naming the file and the field, having written nothing; a scalar YAML resolves
as a date or an integer that Python cannot make stays text, for its field to refuse. It then
copies the media files (temporary name, then rename; identical files are skipped) and upserts
every item by slug within its type in one database transaction, teams and events before the
stories and albums that link to them, keeping the times written in the files (should that
transaction fail, the media files already copied stay, whole, and no row changes). An existing item's fields
that a file leaves out are kept (a new item gets the model defaults); child lists that are
present replace the old child rows. Importing the same folder twice changes nothing. Hidden
files (``.git``, ``.DS_Store``) and top-level files other than site.md are ignored; an unknown
folder, or anything but ``.md`` files in a type folder, is refused. The counts returned by both
directions are files per folder: ``site``, each type's folder, ``media``; :func:`summary` puts
them in the staff's words.
"""

from __future__ import annotations

import datetime as dt
import filecmp
import json
import math
import os
import re
import secrets
import shutil
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import peewee as pw
import yaml

from linli import limits, validation
from linli import models as m
from linli.db import database, immediate_transaction
from linli.errors import LinliError
from linli.home import Home
from linli.slugs import check_slug

SITE_FILE = "site.md"
MEDIA = "media"
TYPES: dict[str, type[m.Content]] = {model.url_prefix: model for model in m.CONTENT_MODELS}
# Parent model → (front-matter key, child model). The child's link to its parent is implied.
CHILDREN: dict[type[m.BaseModel], tuple[str, type[m.BaseModel]]] = {
    model: (model.kind.children.key, model.kind.children.model) for model in TYPES.values() if model.kind.children
}
MEDIA_FIELDS: dict[type[m.BaseModel], tuple[str, ...]] = {
    m.SiteSettings: ("logo",),
    **{model: model.kind.media for model in TYPES.values() if model.kind.media},
    **{child: model.kind.children.media for model, (_, child) in CHILDREN.items() if model.kind.children.media},
}


def _links_to_content(model) -> bool:
    return any(isinstance(f, pw.ForeignKeyField) and f.rel_model in TYPES.values() for f in model._meta.sorted_fields)


# Linked-to types (teams, events) are written before the types that link to them.
IMPORT_ORDER = sorted(TYPES.values(), key=_links_to_content)


# --------------------------------------------------------------------------- fields


def _body_field(model) -> str | None:
    return "intro" if model is m.SiteSettings else getattr(model, "body_field", None)


def _front_fields(model) -> list[pw.Field]:
    """The fields written as front matter, in model order."""
    parent = {child: parent for parent, (_, child) in CHILDREN.items()}.get(model)
    skip = {"id", _body_field(model)}
    return [
        f
        for f in model._meta.sorted_fields
        if f.name not in skip and not (parent and isinstance(f, pw.ForeignKeyField) and f.rel_model is parent)
    ]


def _to_yaml(field: pw.Field, value):
    if isinstance(value, dt.datetime) or (isinstance(value, dt.date) and isinstance(field, pw.DateField)):
        return value.isoformat()
    return value


# --------------------------------------------------------------------------- YAML


class _Dumper(yaml.SafeDumper):
    """Readable YAML: multi-line text as ``|`` blocks, no anchors."""

    def ignore_aliases(self, data):
        return True


class _QuotedDumper(_Dumper):
    """Fallback when a block would not read back identically: multi-line text double-quoted."""


_LINE_BREAKS = "\n\r\x85\u2028\u2029"


def _str_block(dumper, value):
    style = "|" if any(c in value for c in _LINE_BREAKS) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _str_quoted(dumper, value):
    style = '"' if any(c in value for c in _LINE_BREAKS) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_block)
_QuotedDumper.add_representer(str, _str_quoted)


class _DuplicateKey(yaml.YAMLError):
    def __init__(self, key, mark):
        super().__init__(key)
        self.key, self.mark = key, mark


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses a field written twice instead of keeping the last one."""


def _construct_mapping(loader, node, deep=False):
    loader.flatten_mapping(node)
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            if key in seen:
                raise _DuplicateKey(key, key_node.start_mark)
            seen.add(key)
        except TypeError:  # unhashable key: the base constructor reports it
            pass
    return loader.construct_mapping(node, deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _or_text(construct):
    """A scalar YAML resolves as a date or an integer that Python cannot make (``2026-13-45``,
    an integer of 5,000 digits) stays the text it was written as, for the field's own check
    to refuse by name."""

    def constructor(loader, node):
        try:
            return construct(loader, node)
        except ValueError:
            return loader.construct_scalar(node)

    return constructor


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _or_text(yaml.SafeLoader.construct_yaml_timestamp))
_Loader.add_constructor("tag:yaml.org,2002:int", _or_text(yaml.SafeLoader.construct_yaml_int))


def _canonical(data) -> str:
    return json.dumps(data, ensure_ascii=False, default=repr)


def _dump(data: dict, where: str) -> str:
    """YAML for ``data`` that is checked to read back to exactly ``data``."""
    for dumper in (_Dumper, _QuotedDumper):
        text = yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False, width=1_000_000_000)
        if _canonical(yaml.load(text, Loader=_Loader)) == _canonical(data):
            return text
    raise LinliError(f"{where}：有无法写成 YAML 的内容，导出已取消。")  # pragma: no cover


_OPEN = re.compile(r"---[ \t]*\r?\n")
_CLOSE = re.compile(r"^---[ \t]*(\r?\n|\Z)", re.MULTILINE)


def _compose(front: dict, body: str | None, where: str) -> str:
    text = "---\n" + _dump(front, where) + "---\n"
    return text + body + "\n" if body else text


def _parse(path: Path, rel: str) -> tuple[dict, str]:
    """Front matter and body of a Markdown file, or LinliError naming ``rel``."""
    try:
        size = path.stat().st_size
        if size > limits.IMPORT_ITEM_BYTES:
            most = limits.size_label(limits.IMPORT_ITEM_BYTES)
            raise LinliError(f"{rel}：文件太大（{limits.size_label(size)}），一条内容的文件最多 {most}。")
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise LinliError(f"{rel}：不是 UTF-8 编码的文本文件。") from None
    except OSError as exc:
        raise LinliError(f"{rel}：无法读取（{exc.strerror or exc}）。") from exc
    # Control characters go before anything reads the file, as the admin drops them from a form
    # (each field is cleaned again by its own rule: single-line fields lose tabs and line breaks).
    text = validation.clean_text(text.removeprefix("\ufeff"), multiline=True)
    start = _OPEN.match(text)
    if not start:
        raise LinliError(f"{rel}：第一行应为 “---”，后面是字段，再以一行 “---” 结束，然后是正文。")
    end = _CLOSE.search(text, start.end())
    if not end:
        raise LinliError(f"{rel}：找不到结束开头字段的那一行 “---”。")
    front_text, body = text[start.end() : end.start()], text[end.end() :]
    if end.group(1) == "\r\n" and body.endswith("\r\n"):
        body = body[:-2]
    elif body.endswith("\n"):
        body = body[:-1]
    try:
        front = yaml.load(front_text, Loader=_Loader)
    except _DuplicateKey as exc:
        raise LinliError(f"{rel}：字段 “{exc.key}” 写了两次（第 {exc.mark.line + 2} 行）。") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"第 {mark.line + 2} 行：" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise LinliError(f"{rel}：开头的字段不是有效的 YAML（{line}{problem}）。") from None
    except (ValueError, TypeError, RecursionError, OverflowError) as exc:  # a value PyYAML cannot construct
        problem = (str(exc).splitlines() or [type(exc).__name__])[0][:80]
        raise LinliError(f"{rel}：开头的字段不是有效的 YAML（{problem}）。") from None
    if front is None:
        front = {}
    if not isinstance(front, dict):
        raise LinliError(f"{rel}：开头的字段应写成一行一个 “名称: 值”。")
    return front, body


# --------------------------------------------------------------------------- export


def export_site(home: Home, target: Path) -> dict[str, int]:
    """Write every item and media file of ``home`` into the new folder ``target``.

    Returns the number of files written per folder (``site``, each type, ``media``)."""
    target = Path(target).expanduser()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise LinliError(f"导出目录 {target} 已存在且不是空的。请指定一个新目录，或先清空它。")
    media_dir = home.media_dir.resolve()
    resolved = target.resolve()
    if resolved == media_dir or media_dir in resolved.parents:
        raise LinliError(f"不能导出到媒体文件夹 {home.media_dir} 里面，请换一个目录。")
    target = resolved
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = target.with_name(f".{target.name}.{secrets.token_hex(4)}.export-tmp")
        staging.mkdir()
    except OSError as exc:
        raise LinliError(f"无法创建导出目录 {target}：{exc.strerror or exc}") from exc
    try:
        with database.atomic():  # one consistent snapshot of the database
            counts = _write_items(staging)
        counts[MEDIA] = _copy_tree(home.media_dir, staging / MEDIA)
        if target.exists():
            target.rmdir()
        staging.rename(target)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, (OSError, pw.PeeweeException)):
            raise LinliError(f"导出失败：{exc}。没有写下任何文件。") from exc
        raise
    return counts


def _write_items(out: Path) -> dict[str, int]:
    counts = {"site": 0}
    site = m.SiteSettings.select().order_by(m.SiteSettings.id).first()
    if site is not None:
        _write(out / SITE_FILE, _front(site, {}), site.intro, SITE_FILE)
        counts["site"] = 1
    slugs = {model: dict(model.select(model.id, model.slug).tuples()) for model in TYPES.values()}
    children = {}
    for parent in CHILDREN:
        child_model, link = _child_link(parent)
        grouped: dict[int, list[dict]] = {}
        for row in child_model.select().order_by(link, child_model.position, child_model.id):
            grouped.setdefault(row.__data__[link.name], []).append(_front(row, slugs))
        children[parent] = grouped
    for prefix, model in TYPES.items():
        folder = out / prefix
        folder.mkdir()
        counts[prefix] = 0
        for item in model.select().order_by(model.slug):
            try:
                check_slug(item.slug)
            except LinliError as exc:
                raise LinliError(f"{model.type_label}《{item.title}》无法导出：{exc}") from None
            rel = f"{prefix}/{item.slug}.md"
            front = _front(item, slugs)
            if model in CHILDREN:
                front[CHILDREN[model][0]] = children[model].get(item.id, [])
            body_field = _body_field(model)
            _write(folder / f"{item.slug}.md", front, getattr(item, body_field) if body_field else None, rel)
            counts[prefix] += 1
    return counts


def _front(row, slugs: dict) -> dict:
    data = {}
    for f in _front_fields(type(row)):
        value = row.__data__.get(f.name)
        if isinstance(f, pw.ForeignKeyField):
            data[f.name] = slugs[f.rel_model].get(value) if value is not None else None
        else:
            data[f.name] = _to_yaml(f, value)
    return data


def _write(path: Path, front: dict, body: str | None, rel: str) -> None:
    text = _compose(front, body, rel)
    try:
        with open(path, "x", encoding="utf-8", newline="") as fh:
            fh.write(text)
    except FileExistsError:
        raise LinliError(f"{rel}：与另一个只差大小写或写法的网址名冲突（这个磁盘不区分它们），请先改名。") from None


def _copy_tree(source: Path, target: Path) -> int:
    target.mkdir()
    copied = 0
    for rel, path in _files_under(source):
        destination = target / rel
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
        copied += 1
    return copied


def _files_under(folder: Path) -> Iterator[tuple[str, Path]]:
    """(relative posix path, path) of every file under ``folder``, sorted."""
    if folder.is_dir():
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames.sort()
            base = Path(dirpath)
            for name in sorted(filenames):
                path = base / name
                if path.is_file():
                    yield path.relative_to(folder).as_posix(), path


# --------------------------------------------------------------------------- import


@dataclass
class _Item:
    model: type
    rel: str
    slug: str
    values: dict  # field name → value; links as slugs
    children: list[dict] | None  # None: the file has no child list, keep the old rows


def import_site(home: Home, source: Path) -> dict[str, int]:
    """Read an export folder back into ``home``: check everything, then write it all.

    Returns the number of files read per folder (``site``, each type, ``media``)."""
    source = Path(source).expanduser()
    if not source.is_dir():
        raise LinliError(f"找不到要导入的目录：{source}")
    site, items, media_files = _read_folder(home, source)
    _copy_media(media_files, home.media_dir)
    try:
        with immediate_transaction():
            if site is not None:
                _upsert_site(site)
            for model in IMPORT_ORDER:
                for item in items[model]:
                    _upsert(item)
    except pw.PeeweeException as exc:
        raise LinliError(f"导入失败，数据库没有改动：{exc}") from exc
    counts = {"site": int(site is not None)}
    counts.update({prefix: len(items[model]) for prefix, model in TYPES.items()})
    counts[MEDIA] = len(media_files)
    return counts


def summary(counts: dict[str, int]) -> str:
    """The counts of :func:`import_site` or :func:`export_site` in the staff's words, with the
    names the demo uses (``type_label``): ``社区信息 1，通知公告 3，…，媒体文件 12``."""
    labels = {"site": m.SiteSettings.type_label, MEDIA: "媒体文件"}
    labels.update({prefix: model.type_label for prefix, model in TYPES.items()})
    return "，".join(f"{labels.get(key, key)} {n}" for key, n in counts.items() if n) or "没有任何内容"


def _not_an_export(source: Path) -> str:
    folders = "、".join(f"{prefix}/ {model.type_label}" for prefix, model in TYPES.items())
    return (
        f"{source} 里没有导出的内容，不能导入。linli export 导出的目录里有：{SITE_FILE}（{m.SiteSettings.type_label}）；"
        f"每类内容一个文件夹，每条内容一个 .md 文件（{folders}）；{MEDIA}/（照片和附件）。"
        "请选择这样的目录（或它的一份副本）。"
    )


def _read_folder(home: Home, source: Path):
    """Everything to import, checked. Raises LinliError at the first problem."""
    entries = [entry for entry in sorted(source.iterdir()) if not entry.name.startswith(".")]
    if not any(entry.name in (*TYPES, MEDIA, SITE_FILE) for entry in entries):
        raise LinliError(_not_an_export(source))
    for entry in entries:
        if entry.is_dir() and entry.name not in TYPES and entry.name != MEDIA:
            known = "、".join([*TYPES, MEDIA])
            raise LinliError(f"{entry.name}/：不认识的文件夹（可用的有 {known}）。")

    # What will be read and copied, measured before anything is read.
    media_files = _media_files(source / MEDIA)
    item_files: list[tuple[type, Path, str]] = []
    for prefix, model in TYPES.items():
        folder = source / prefix
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.name.startswith("."):
                continue
            rel = f"{prefix}/{path.name}"
            if not (path.suffix == ".md" and path.is_file()):
                raise LinliError(f"{rel}：这里只能放 .md 文件。")
            item_files.append((model, path, rel))
    site_file = source / SITE_FILE if (source / SITE_FILE).is_file() else None
    _check_totals(home, source, media_files, [path for _, path, _ in item_files] + ([site_file] if site_file else []))

    site = None
    if site_file is not None:
        front, body = _parse(site_file, SITE_FILE)
        site = _check_fields(m.SiteSettings, front, SITE_FILE)
        site["intro"] = body
        site = _validated(m.SiteSettings, site, SITE_FILE)

    items: dict[type, list[_Item]] = {model: [] for model in TYPES.values()}
    seen: dict[tuple[type, str], str] = {}
    for model, path, rel in item_files:
        item = _read_item(model, path, rel)
        key = (model, unicodedata.normalize("NFC", item.slug))
        if key in seen:
            raise LinliError(f"{rel}：网址名 “{item.slug}” 与 {seen[key]} 重复。")
        seen[key] = rel
        items[model].append(item)

    for rel, _ in media_files:
        existing = home.media_dir / rel
        if existing.exists() and not existing.is_file():
            raise LinliError(f"{MEDIA}/{rel}：站点的媒体文件夹里已有同名的文件夹，无法导入这个文件。")
    incoming = {rel for rel, _ in media_files}

    def check_media(rel: str, label: str, path: str) -> None:
        if not path:
            return
        if not _safe_media_path(path):
            raise LinliError(f"{rel}：{label} 的文件路径 “{path}” 不合法（应为 media/ 里的相对路径）。")
        if path not in incoming and not (home.media_dir / path).is_file():
            raise LinliError(f"{rel}：{label} 引用的文件 “{MEDIA}/{path}” 不存在（导入目录和站点里都没有）。")

    if site is not None:
        for name in MEDIA_FIELDS[m.SiteSettings]:
            check_media(SITE_FILE, f"字段 “{name}”", site.get(name) or "")
    imported_slugs = {model: {item.slug for item in model_items} for model, model_items in items.items()}
    for model, model_items in items.items():
        links = [f for f in _front_fields(model) if isinstance(f, pw.ForeignKeyField)]
        for item in model_items:
            for name in MEDIA_FIELDS.get(model, ()):
                check_media(item.rel, f"字段 “{name}”", item.values.get(name) or "")
            if item.children is not None:
                key, child_model = CHILDREN[model]
                for i, child in enumerate(item.children, 1):
                    for name in MEDIA_FIELDS.get(child_model, ()):
                        check_media(item.rel, f"字段 “{key}” 第 {i} 项的 “{name}”", child.get(name) or "")
            for link in links:
                slug = item.values.get(link.name)
                if slug is None:
                    continue
                target = link.rel_model
                if slug in imported_slugs[target]:
                    continue
                if not target.select().where(target.slug == slug).exists():
                    raise LinliError(
                        f"{item.rel}：字段 “{link.name}” 指向的{target.type_label} “{slug}” 不存在"
                        f"（导入目录的 {target.url_prefix}/ 和站点里都没有）。"
                    )
    return site, items, media_files


def _media_files(folder: Path) -> list[tuple[str, Path]]:
    """The files under ``media/``, each within the size of an upload; stops at too many."""
    found = []
    for rel, path in _files_under(folder):
        size = path.stat().st_size
        if size > limits.IMPORT_MEDIA_FILE_BYTES:
            raise LinliError(
                f"{MEDIA}/{rel}：文件太大（{limits.size_label(size)}），照片和附件每个最多 "
                f"{limits.size_label(limits.IMPORT_MEDIA_FILE_BYTES)}。"
            )
        found.append((rel, path))
        if len(found) > limits.IMPORT_FILES:
            raise LinliError(_too_many_files())
    return found


def _too_many_files() -> str:
    return f"导入目录里的文件太多：最多 {limits.IMPORT_FILES:,} 个（媒体文件和 .md 文件合计），没有导入任何内容。"


def _check_totals(home: Home, source: Path, media_files: list[tuple[str, Path]], texts: list[Path]) -> None:
    """The folder as a whole: files, bytes of text read into memory, room on the disk."""
    if len(media_files) + len(texts) > limits.IMPORT_FILES:
        raise LinliError(_too_many_files())
    text_bytes = sum(path.stat().st_size for path in texts)
    if text_bytes > limits.IMPORT_TEXT_BYTES:
        raise LinliError(
            f"导入目录里的 .md 文件合计太大（{limits.size_label(text_bytes)}），"
            f"最多 {limits.size_label(limits.IMPORT_TEXT_BYTES)}，没有导入任何内容。"
        )
    needed = 0
    for rel, path in media_files:
        target = home.media_dir / rel
        size = path.stat().st_size
        if not (target.is_file() and target.stat().st_size == size):
            needed += size
    if needed:
        free = shutil.disk_usage(home.media_dir if home.media_dir.is_dir() else home.root).free
        if needed > free:
            raise LinliError(
                f"磁盘空间不够：要复制 {limits.size_label(needed)} 的媒体文件，站点所在的磁盘只剩 "
                f"{limits.size_label(free)}。没有导入任何内容。"
            )


def _safe_media_path(path: str) -> bool:
    parts = path.split("/")
    return (
        "\\" not in path
        and not PurePosixPath(path).is_absolute()
        and ":" not in parts[0]
        and all(part not in ("", ".", "..") for part in parts)
    )


def _read_item(model, path: Path, rel: str) -> _Item:
    front, body = _parse(path, rel)
    stem = path.name[: -len(".md")]
    slug = front.pop("slug", stem)
    if not isinstance(slug, str):
        raise LinliError(f"{rel}：字段 “slug” 应为文字，实际为 “{validation.show(slug)}”。")
    try:
        check_slug(slug)
    except LinliError as exc:
        raise LinliError(f"{rel}：字段 “slug”：{exc}") from None
    if unicodedata.normalize("NFC", slug) != unicodedata.normalize("NFC", stem):
        raise LinliError(f"{rel}：字段 “slug” 为 “{slug}”，与文件名 “{path.name}” 不一致（文件名应为 网址名.md）。")
    children = None
    if model in CHILDREN:
        key, child_model = CHILDREN[model]
        if key in front:
            children = _check_children(child_model, front.pop(key), rel, key)
    values = _check_fields(model, front, rel, skip={"slug"})
    values["slug"] = slug
    body_field = _body_field(model)
    if body_field:
        values[body_field] = body
    elif body.strip():
        raise LinliError(f"{rel}：{model.type_label}没有正文，第二行 “---” 之后不能有内容（说明请写在 summary 字段）。")
    return _Item(model, rel, slug, _validated(model, values, rel), children)


def _check_children(model, value, rel: str, key: str) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise LinliError(f"{rel}：字段 “{key}” 应为列表（每项以 “- ” 开头），实际为 “{validation.show(value)}”。")
    problem = validation.too_many(model, len(value))
    if problem:
        raise LinliError(f"{rel}：字段 “{key}” {problem}")
    rows = []
    for i, child in enumerate(value, 1):
        where = f"字段 “{key}” 第 {i} 项"
        if not isinstance(child, dict):
            raise LinliError(f"{rel}：{where}应为一组 “名称: 值”，实际为 “{validation.show(child)}”。")
        rows.append(_validated(model, _check_fields(model, child, rel, where=where), rel, where=where))
    return rows


def _validated(model, values: dict, rel: str, *, where: str = "") -> dict:
    """``values`` cleaned and checked by :func:`linli.validation.check`, exactly as the admin
    checks a form, or LinliError naming the file and the field."""
    cleaned, problems = validation.check(model, values)
    if problems:
        name, message = problems[0].field, problems[0].message
        if where:
            label = f"{where}的 “{name}” "
        elif name == _body_field(model):
            label = "正文"
        else:
            label = f"字段 “{name}” "
        raise LinliError(f"{rel}：{label}{message}")
    return cleaned


def _check_fields(model, front: dict, rel: str, *, skip=frozenset(), where: str = "") -> dict:
    """Values of the fields present in ``front``, converted to the fields' types."""
    fields = {f.name: f for f in _front_fields(model) if f.name not in skip}
    prefix = f"{where}的 " if where else "字段 "
    for key in front:
        if key in fields:
            continue
        if where:
            raise LinliError(f"{rel}：{where}里有不认识的字段 “{key}”。")
        if key == _body_field(model):
            raise LinliError(f"{rel}：字段 “{key}” 是正文，应写在第二行 “---” 之后，不要写在开头的字段里。")
        if key == "id":
            raise LinliError(f"{rel}：不要写字段 “id”，导入时按网址名（slug）对应已有内容。")
        raise LinliError(f"{rel}：不认识的字段 “{key}”。")
    values = {}
    for name, field in fields.items():
        label = f"{prefix}“{name}”"
        if name not in front:
            if validation.required(field):
                lead = f"{where}" if where else ""
                raise LinliError(f"{rel}：{lead}缺少必填字段 “{name}”。")
            continue
        values[name] = _convert(field, front[name], rel, label)
    return values


def _convert(field: pw.Field, value, rel: str, label: str):
    """``value`` as the type of ``field``, or LinliError naming the file and the field. What
    the value may be (length, choices, range) is :func:`_validated`'s business."""

    def fail(expected: str):
        actual = "空" if value is None or value == "" else f" “{validation.show(value)}”"
        raise LinliError(f"{rel}：{label} 应为{expected}，实际为{actual}。")

    if value is None:
        if field.null:
            return None
        if validation.required(field):
            raise LinliError(f"{rel}：{label} 不能为空。")
        if isinstance(field, (pw.CharField, pw.TextField)):
            value = ""  # an empty YAML value is empty text
    if isinstance(field, pw.ForeignKeyField):
        if not isinstance(value, str):
            fail(f"{field.rel_model.type_label}的网址名（slug）")
        return value
    if isinstance(field, pw.BooleanField):
        if type(value) is not bool:
            fail(" 是/否（true/false）")
        return value
    if isinstance(field, pw.IntegerField):
        if type(value) is not int:
            fail("整数")
        return value
    if isinstance(field, pw.FloatField):
        if type(value) not in (int, float) or not math.isfinite(value):
            fail("数字")
        return float(value)
    if isinstance(field, pw.DateTimeField):
        parsed = value
        if isinstance(value, str):
            try:
                parsed = dt.datetime.fromisoformat(value.strip())
            except ValueError:
                parsed = None
        elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            parsed = dt.datetime.combine(value, dt.time())
        if not isinstance(parsed, dt.datetime):
            fail("日期时间（如 2026-11-25T10:00:00）")
        if parsed.tzinfo is not None:
            fail("不带时区的日期时间（如 2026-11-25T10:00:00）")
        return parsed
    if isinstance(field, pw.DateField):
        parsed = value
        if isinstance(value, str):
            try:
                parsed = dt.date.fromisoformat(value.strip())
            except ValueError:
                parsed = None
        if not isinstance(parsed, dt.date) or isinstance(parsed, dt.datetime):
            fail("日期（如 2026-11-25）")
        return parsed
    if isinstance(field, (pw.CharField, pw.TextField)):
        if not isinstance(value, str):
            fail("文字（数字、日期、yes/no 等作文字时请加引号，如 \"123\"）")
        return value
    return value  # pragma: no cover - every field type of the models is handled above


def _copy_media(files: list[tuple[str, Path]], media_dir: Path) -> None:
    """Copy files into the media folder, each under a temporary name renamed into place."""
    for rel, source in files:
        target = media_dir / rel
        try:
            if target.is_file() and filecmp.cmp(source, target, shallow=False):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.import-tmp")
            try:
                shutil.copy2(source, tmp)
                os.replace(tmp, target)
            finally:
                tmp.unlink(missing_ok=True)
        except OSError as exc:
            raise LinliError(f"{MEDIA}/{rel}：复制到站点媒体文件夹失败（{exc.strerror or exc}），数据库没有改动。") from exc


def _upsert_site(values: dict) -> None:
    row = m.SiteSettings.select().order_by(m.SiteSettings.id).first()
    if row is None:
        m.SiteSettings.insert(**values).execute()
        return
    changes = {k: v for k, v in values.items() if row.__data__.get(k) != v}
    if changes and "updated_at" not in values:
        changes["updated_at"] = m.now()
    if changes:
        m.SiteSettings.update(**changes).where(m.SiteSettings.id == row.id).execute()


def _resolve_links(model, values: dict) -> dict:
    resolved = dict(values)
    for f in _front_fields(model):
        if isinstance(f, pw.ForeignKeyField) and resolved.get(f.name) is not None:
            target = f.rel_model
            slug = resolved[f.name]
            resolved[f.name] = target.select(target.id).where(target.slug == slug).scalar()
            if resolved[f.name] is None:  # deleted by someone else since the check: roll back
                raise LinliError(f"导入失败，数据库没有改动：{target.type_label} “{slug}” 刚被删除了，请重新导入。")
    return resolved


def _upsert(item: _Item) -> None:
    model = item.model
    values = _resolve_links(model, item.values)
    row = model.select().where(model.slug == item.slug).first()
    if row is None:
        row_id = model.insert(**values).execute()
        if item.children:
            _replace_children(model, row_id, item.children)
        return
    changes = {k: v for k, v in values.items() if row.__data__.get(k) != v}
    children_changed = item.children is not None and not _same_children(model, row.id, item.children)
    if (changes or children_changed) and "updated_at" not in values:
        changes["updated_at"] = m.now()
    if changes:
        model.update(**changes).where(model.id == row.id).execute()
    if children_changed:
        _replace_children(model, row.id, item.children)


def _child_link(parent) -> tuple[type, pw.ForeignKeyField]:
    child_model = CHILDREN[parent][1]
    link = next(f for f in child_model._meta.sorted_fields if isinstance(f, pw.ForeignKeyField) and f.rel_model is parent)
    return child_model, link


def _children_of(parent, parent_id: int) -> list[dict]:
    child_model, link = _child_link(parent)
    names = [f.name for f in _front_fields(child_model)]
    rows = child_model.select().where(link == parent_id).order_by(child_model.position, child_model.id)
    return [{name: row.__data__.get(name) for name in names} for row in rows]


def _same_children(parent, parent_id: int, children: list[dict]) -> bool:
    """Whether the stored child rows already are ``children`` (fields a file leaves out must
    hold their fixed default; ones with a computed default, like created_at, are not compared)."""
    child_model, _ = _child_link(parent)
    defaults = {f.name: f.default for f in _front_fields(child_model) if not callable(f.default)}
    stored = _children_of(parent, parent_id)
    if len(stored) != len(children):
        return False
    for old, new in zip(stored, children):
        for name, value in old.items():
            if name in new:
                if new[name] != value:
                    return False
            elif name in defaults and defaults[name] != value:
                return False
    return True


def _replace_children(parent, parent_id: int, children: list[dict]) -> None:
    child_model, link = _child_link(parent)
    child_model.delete().where(link == parent_id).execute()
    for child in children:
        child_model.insert(**child, **{link.name: parent_id}).execute()
