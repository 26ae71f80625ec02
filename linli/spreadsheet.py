"""Services, places, hotlines and grid members as an Excel workbook (.xlsx), both directions.

Staff keep the service directory and the grid list in Excel; this module owns that format:
``linli export FILE.xlsx`` and the admin's download (:func:`export_xlsx`, :func:`workbook_bytes`;
``empty=True`` gives the template), ``linli import FILE.xlsx`` and the admin's upload
(:func:`read_xlsx` → :class:`Preview` → :func:`apply`).

Shape
    One sheet per type (:data:`SHEETS`), named by the type's Chinese name. Row 1 holds the
    Chinese column headers, row 2 (hidden) the field names, data from row 3, so a row's number
    in a message is the number Excel shows. Columns come from the declarations
    (:mod:`linli.registry`): a content type's columns are the admin form's fields (slug first,
    then title, the type's own fields, status, times and the internal note) less media paths,
    headed with the admin's labels; grid members (the child rows of grids) have their grid's
    网址名 first. Choices (status, a hotline's category, a member's role) are written as their
    Chinese labels and read as label or key; yes/no fields as 是/否.
Import
    Columns are found by the hidden field-name row (or, if it was lost, by the headers); they
    may be in any order and a sheet may leave columns out (an existing row keeps those fields).
    Empty rows are skipped; unknown sheets or columns refuse the file. Rows are matched by
    网址名 (slug) or, without one, by title (members: by grid and name). Each row's values go
    through :func:`linli.validation.check`, the admin's own cleaning and checking, so a refused
    row gets the admin's Chinese words with its sheet and row number. The preview counts new,
    changed, unchanged and refused rows; :func:`apply` writes only a preview without refused
    rows, all in one transaction (``db.immediate_transaction``), re-checking its matches.
    Nothing is ever deleted by an import. The file is measured against :mod:`linli.limits`
    (bytes, unpacked bytes, rows per sheet) before a row is read.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import os
import secrets
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import peewee as pw
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from linli import audit, limits, revisions, validation
from linli import models as m
from linli.db import database, immediate_transaction
from linli.errors import LinliError

HEADER_ROW, NAME_ROW, FIRST_ROW = 1, 2, 3
CELL_CHARS = 32_767  # what one Excel cell holds
YES, NO = "是", "否"
TRUE_WORDS = {YES, "true", "yes", "y", "1", "√", "✓"}
FALSE_WORDS = {NO, "false", "no", "n", "0", "×"}
NEW, CHANGED, SAME, REFUSED = "new", "changed", "same", "refused"
DEFAULT = object()  # an empty cell of a field with a default: kept if the row exists, else the default
# Content fields staff do not set in a sheet (the admin form leaves them out too).
NOT_IN_SHEET = {"id", "author", "created_at", "updated_at", "version", "deleted_at"}


@dataclass(frozen=True)
class Sheet:
    """One sheet of the workbook: a content type, or grid members (``parent``: the grid link)."""

    model: type
    title: str
    columns: tuple[str, ...]
    labels: dict[str, str]
    parent: pw.ForeignKeyField | None = None

    @property
    def fields(self) -> dict[str, pw.Field]:
        return {name: self.model._meta.fields[name] for name in self.columns}

    @property
    def key_columns(self) -> tuple[str, ...]:
        """Columns a sheet must have to match its rows."""
        return (self.parent.name, "name") if self.parent else ("title",)


def _content_sheet(model) -> Sheet:
    kind = model.kind
    shared = set(m.Content._meta.fields)
    own = [name for name in model._meta.fields if name not in shared and name not in kind.media]
    own = [name for name in own if not isinstance(model._meta.fields[name], pw.ForeignKeyField)]
    columns = ("slug", "title", *own, "status", "publish_at", "expires_at", "internal_note")
    return Sheet(model, str(kind.names), columns, {name: kind.label(name) for name in columns})


def _children_sheet(parent) -> Sheet:
    children = parent.kind.children
    model = children.model
    columns = (children.link.name, *(f.name for f in model._meta.sorted_fields if f.name not in ("id", children.link.name)))
    return Sheet(model, model.type_label, columns, {name: children.label(name) for name in columns}, children.link)


#: The sheets, in the admin menu's order: services, places, hotlines, then grid members.
SHEETS: tuple[Sheet, ...] = (
    *(_content_sheet(model) for model in sorted((m.Service, m.Place, m.Hotline), key=lambda model: model.kind.position)),
    _children_sheet(m.Grid),
)


# --------------------------------------------------------------------------- export


def workbook(*, empty: bool = False) -> openpyxl.Workbook:
    """Every sheet with its headers; with the rows of the database unless ``empty``."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    with database.atomic():  # one consistent snapshot
        for sheet in SHEETS:
            _write_sheet(book.create_sheet(sheet.title), sheet, [] if empty else _rows_of(sheet))
    return book


def workbook_bytes(*, empty: bool = False) -> bytes:
    out = io.BytesIO()
    workbook(empty=empty).save(out)
    return out.getvalue()


def export_xlsx(path: Path, *, empty: bool = False) -> dict[str, int]:
    """Write the workbook to the new file ``path``; returns the rows written per sheet."""
    path = Path(path).expanduser()
    if path.exists():
        raise LinliError(f"文件 {path} 已存在。请换一个文件名，或先删除它。")
    book = workbook(empty=empty)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        book.save(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        raise LinliError(f"无法写入 {path}：{exc.strerror or exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return {sheet.title: book[sheet.title].max_row - NAME_ROW for sheet in SHEETS}


def _rows_of(sheet: Sheet) -> list:
    model = sheet.model
    if sheet.parent is None:
        order = [model.position, model.id] if "position" in model._meta.fields else [model.id]
        return list(model.select().where(model.deleted_at.is_null()).order_by(*order))
    grid = sheet.parent.rel_model
    return list(
        model.select(model, grid).join(grid).where(grid.deleted_at.is_null()).order_by(grid.slug, model.position, model.id)
    )


def _write_sheet(ws, sheet: Sheet, rows: list) -> None:
    fields = sheet.fields
    ws.append([sheet.labels[name] for name in sheet.columns])
    ws.append(list(sheet.columns))
    ws.row_dimensions[NAME_ROW].hidden = True
    ws.freeze_panes = f"A{FIRST_ROW}"  # (a string: ws.cell() would add a row)
    for number, row in enumerate(rows, FIRST_ROW):
        values = [_to_cell(fields[name], row, row.title if sheet.parent is None else row.name) for name in sheet.columns]
        ws.append(values)
        for column, value in enumerate(values, 1):
            if isinstance(value, str) and value.startswith("="):  # text, never a formula
                ws.cell(number, column).data_type = "s"
    for index, (name, f) in enumerate(fields.items(), 1):
        letter = get_column_letter(index)
        wide = isinstance(f, pw.TextField) or name in ("title", "summary", "address")
        ws.column_dimensions[letter].width = 40 if wide else 16
        for cell in ws[letter][FIRST_ROW - 1 :]:
            if isinstance(f, pw.DateTimeField):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(f, pw.DateField):
                cell.number_format = "yyyy-mm-dd"
        choices = _choice_labels(f)
        if choices:
            listed = ",".join(choices)
            if len(listed) < 250:  # Excel's limit for a list written in the rule
                rule = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True)
                rule.add(f"{letter}{FIRST_ROW}:{letter}{limits.XLSX_ROWS + NAME_ROW}")
                ws.add_data_validation(rule)
        elif isinstance(f, (pw.CharField, pw.TextField)):
            ws.column_dimensions[letter].number_format = "@"  # typed phone numbers stay text


def _choice_labels(f: pw.Field) -> list[str]:
    if isinstance(f, pw.BooleanField):
        return [YES, NO]
    return [str(label) for _, label in f.choices] if f.choices else []


def _to_cell(f: pw.Field, row, where: str):
    value = row.__data__.get(f.name)
    if value is None:
        return None
    if isinstance(f, pw.ForeignKeyField):
        return getattr(row, f.name).slug
    if isinstance(f, pw.BooleanField):
        return YES if value else NO
    if f.choices:
        return str(dict(f.choices).get(value, value))
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if len(value) > CELL_CHARS:
            raise LinliError(
                f"《{where}》的“{f.name}”有 {len(value):,} 个字，超过 Excel 一个单元格能放的 {CELL_CHARS:,} 个字，"
                "无法导出为 Excel。请缩短它，或用 linli export 导出为文件夹。"
            )
    return value


# --------------------------------------------------------------------------- import


@dataclass
class Row:
    """One data row of the file, and what importing it would do."""

    sheet: Sheet
    number: int  # as Excel shows it
    name: str  # title or member name, for the preview
    action: str = NEW  # NEW, CHANGED, SAME or REFUSED
    reasons: list[str] = field(default_factory=list)  # why refused, in Chinese
    values: dict = field(default_factory=dict)  # NEW: every value given; CHANGED: the changes
    target_id: int | None = None  # the matched row

    @property
    def where(self) -> str:
        return f"“{self.sheet.title}”第 {self.number} 行"

    @property
    def changed_labels(self) -> list[str]:
        return [self.sheet.labels[name] for name in self.values] if self.action == CHANGED else []


@dataclass
class Preview:
    """What importing a file would do; nothing is written until :func:`apply`."""

    rows: list[Row]

    def of(self, action: str) -> list[Row]:
        return [row for row in self.rows if row.action == action]

    @property
    def new(self) -> int:
        return len(self.of(NEW))

    @property
    def changed(self) -> int:
        return len(self.of(CHANGED))

    @property
    def same(self) -> int:
        return len(self.of(SAME))

    @property
    def refused(self) -> int:
        return len(self.of(REFUSED))

    def summary(self) -> str:
        return f"新增 {self.new} 条，修改 {self.changed} 条，没有变化 {self.same} 条，有问题 {self.refused} 行"

    def problems(self) -> list[str]:
        """One line per refused row: ``“常用电话”第 5 行：名称：不能为空。``"""
        return [f"{row.where}：{'；'.join(row.reasons)}" for row in self.of(REFUSED)]


def read_xlsx(path: Path, *, name: str | None = None) -> Preview:
    """Read and check ``path`` against the database; raises LinliError for a file that is not
    a workbook of this shape, and refuses bad rows one by one in the preview. ``name``: the
    file's name in messages (an upload's own name, not where it waits)."""
    path = Path(path)
    name = name or path.name
    _measure(path, name)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise LinliError(_not_xlsx(name)) from exc
    try:
        by_title = {sheet.title: sheet for sheet in SHEETS}
        unknown = [name for name in book.sheetnames if name not in by_title]
        if unknown or not book.sheetnames:
            raise LinliError(
                f"{name}：不认识的工作表 “{'、'.join(unknown)}”。可以导入的工作表有："
                f"{'、'.join(by_title)}（请用“导出”或“下载空白模板”得到的文件填写）。"
            )
        rows: list[Row] = []
        for name in book.sheetnames:
            rows += _read_sheet(by_title[name], book[name])
        return Preview(rows)
    finally:
        book.close()


def _not_xlsx(name: str) -> str:
    return (
        f"{name} 不是 .xlsx 格式的 Excel 文件，没有导入任何内容。旧的 .xls 文件或 WPS 表格，"
        "请先“另存为” Excel 工作簿（.xlsx）再导入。"
    )


def _measure(path: Path, name: str) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LinliError(f"找不到要导入的文件：{path}") from exc
    if size > limits.XLSX_BYTES:
        raise LinliError(
            f"{name} 太大（{limits.size_label(size)}），Excel 文件最多 {limits.size_label(limits.XLSX_BYTES)}，"
            "没有导入任何内容。"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise LinliError(_not_xlsx(name)) from exc
    if unpacked > limits.XLSX_UNPACKED_BYTES:
        raise LinliError(f"{name} 解压后太大（{limits.size_label(unpacked)}），没有导入任何内容。")


def _read_sheet(sheet: Sheet, ws) -> list[Row]:
    lines = ws.iter_rows(values_only=True)
    header = list(next(lines, ()) or ())
    second = list(next(lines, ()) or ())
    named = [str(v).strip() if v is not None else "" for v in second]
    if any(value in sheet.columns for value in named):
        columns, first = _columns(sheet, named, by_label=False), FIRST_ROW
    else:  # the hidden name row was lost: columns by their headers, data from row 2
        columns, first = _columns(sheet, header, by_label=True), NAME_ROW
        lines = itertools.chain([second], lines)
    matcher = _Matcher(sheet)
    rows = []
    for number, cells in enumerate(lines, first):
        typed = {name: cells[i] if i < len(cells) else None for i, name in columns.items()}
        if all(value is None or (isinstance(value, str) and not value.strip()) for value in typed.values()):
            continue
        if len(rows) >= limits.XLSX_ROWS:
            raise LinliError(
                f"工作表 “{sheet.title}” 的行太多：最多 {limits.XLSX_ROWS:,} 行内容，没有导入任何内容。请分成几个文件导入。"
            )
        rows.append(matcher.row(number, typed))
    return rows


def _columns(sheet: Sheet, row: list, *, by_label: bool) -> dict[int, str]:
    """Column index → field name, from the hidden name row or (``by_label``) the headers."""
    found = {i: str(v).strip() for i, v in enumerate(row) if v is not None and str(v).strip()}
    if by_label:
        names = {label: name for name, label in sheet.labels.items()}
        unknown = [value for value in found.values() if value not in names]
        found = {i: names.get(value, value) for i, value in found.items()}
    else:
        unknown = [value for value in found.values() if value not in sheet.columns]
    if unknown:
        raise LinliError(f"工作表 “{sheet.title}” 有不认识的列 “{'、'.join(unknown)}”，没有导入任何内容。")
    seen = set()
    for name in found.values():
        if name in seen:
            raise LinliError(f"工作表 “{sheet.title}” 的 “{sheet.labels[name]}” 列出现了两次，没有导入任何内容。")
        seen.add(name)
    missing = [sheet.labels[name] for name in sheet.key_columns if name not in seen]
    if missing:
        raise LinliError(
            f"工作表 “{sheet.title}” 缺少 “{'、'.join(missing)}” 列（第 1 行是列名，第 2 行是隐藏的字段名），"
            "没有导入任何内容。请用“导出”或“下载空白模板”得到的文件填写。"
        )
    return found


class _Matcher:
    """Turns a sheet's rows into :class:`Row` s, matching them with what is stored."""

    def __init__(self, sheet: Sheet):
        self.sheet = sheet
        model = sheet.model
        self.seen: dict[tuple, int] = {}
        if sheet.parent is None:
            stored = list(model.select())
            self.by_slug = {item.slug: item for item in stored}
            self.by_title: dict[str, list] = {}
            for item in stored:
                if item.deleted_at is None:
                    self.by_title.setdefault(item.title, []).append(item)
        else:
            grid = sheet.parent.rel_model
            self.grids = {g.slug: g for g in grid.select()}
            self.grid_titles: dict[str, list] = {}
            for g in self.grids.values():
                if g.deleted_at is None:
                    self.grid_titles.setdefault(g.title, []).append(g)
            self.members = {(row.__data__[sheet.parent.name], row.name): row for row in model.select()}
            self.count = {}
            for grid_id, _ in self.members:
                self.count[grid_id] = self.count.get(grid_id, 0) + 1

    def row(self, number: int, typed: dict) -> Row:
        sheet = self.sheet
        row = Row(sheet, number, "")
        values = {}
        for name, value in typed.items():
            if name == getattr(sheet.parent, "name", None):
                values[name] = self._grid(value, row)
                continue
            converted, problem = _from_cell(sheet.fields[name], value)
            if problem:
                row.reasons.append(f"{sheet.labels[name]}：{problem}")
            else:
                values[name] = converted
        defaults = [name for name, value in values.items() if value is DEFAULT]
        for name in defaults:
            del values[name]
        cleaned, problems = validation.check(sheet.model, {k: v for k, v in values.items() if k != getattr(sheet.parent, "name", None)})
        row.reasons += [f"{sheet.labels[p.field]}：{p.message}" for p in problems]
        values.update(cleaned)
        row.name = str(values.get("name" if sheet.parent else "title") or "")
        if sheet.parent is None and not values.get("slug"):
            values.pop("slug", None)  # no 网址名: matched by title; a new item's is made from its title
        if row.reasons:
            row.action = REFUSED
            return row
        target = self._match(values, row)
        if row.reasons:
            row.action = REFUSED
            return row
        if target is None:
            missing = [sheet.labels.get(f.name, f.name) for f in sheet.model._meta.sorted_fields
                       if validation.required(f) and f.name not in values and f.name != "slug"]  # fmt: skip
            if missing:
                row.reasons.append(f"新内容缺少 “{'、'.join(missing)}”。")
                row.action = REFUSED
                return row
            if sheet.parent is not None:
                grid_id = values[sheet.parent.name]
                self.count[grid_id] = self.count.get(grid_id, 0) + 1
                problem = validation.too_many(sheet.model, self.count[grid_id], adding=True)
                if problem:
                    row.reasons.append(problem)
                    row.action = REFUSED
                    return row
            values.update({name: sheet.fields[name].default for name in defaults})
            row.action, row.values = NEW, values
            return row
        row.target_id = target.id
        changes = {name: value for name, value in values.items() if not _same(target.__data__.get(name), value)}
        row.action, row.values = (CHANGED, changes) if changes else (SAME, {})
        return row

    def _grid(self, value, row: Row):
        text = "" if value is None else str(value).strip()
        label = self.sheet.labels[self.sheet.parent.name]
        grid = self.grids.get(text)
        if grid is None:
            named = self.grid_titles.get(text, [])
            grid = named[0] if len(named) == 1 else None
        if not text:
            row.reasons.append(f"{label}：不能为空，请填写网格的网址名或名称。")
        elif grid is None:
            row.reasons.append(f"{label}：找不到网格 “{validation.show(text)}”（请填写已有网格的网址名或名称）。")
        return grid.id if grid is not None else None

    def _match(self, values: dict, row: Row):
        """The stored row this one updates, or None for a new one; a duplicate is refused."""
        sheet = self.sheet
        if sheet.parent is not None:
            key = ("member", values[sheet.parent.name], values.get("name"))
            target = self.members.get(key[1:])
        elif values.get("slug"):
            key = ("slug", values["slug"])
            target = self.by_slug.get(values["slug"])
            if target is not None and target.deleted_at is not None:
                row.reasons.append(f"网址名 “{values['slug']}” 属于回收站里的一条内容。请先在回收站恢复它，或换一个网址名。")
        else:
            key = ("title", values.get("title"))
            named = self.by_title.get(values.get("title"), [])
            if len(named) > 1:
                row.reasons.append(f"已有 {len(named)} 条同名的“{values.get('title')}”，请在“网址名”列写明是哪一条。")
            target = named[0] if len(named) == 1 else None
        if target is not None:
            key = ("id", target.id)
        if key in self.seen:
            row.reasons.append(f"与第 {self.seen[key]} 行是同一条，请删去其中一行。")
        self.seen.setdefault(key, row.number)
        return target


def _same(old, new) -> bool:
    if isinstance(old, dt.datetime) and isinstance(new, dt.datetime):
        return old.replace(microsecond=0) == new.replace(microsecond=0)
    return old == new


def _from_cell(f: pw.Field, value) -> tuple[object, str | None]:
    """A cell's value as the type of ``f``, or a Chinese reason it is not one."""
    if isinstance(value, str) and not isinstance(f, (pw.CharField, pw.TextField)):
        value = value.strip()
    if value is None or value == "":
        if isinstance(f, (pw.CharField, pw.TextField)) and not f.choices:
            return "", None
        if f.null:
            return None, None
        if f.default is not None and not callable(f.default):
            return DEFAULT, None
        return (None if not f.choices else ""), None
    if f.choices:
        text = _text(value)
        labels = {str(label): key for key, label in f.choices}
        return labels.get(text, text), None
    if isinstance(f, pw.BooleanField):
        if isinstance(value, bool):
            return value, None
        text = _text(value).lower()
        if text in TRUE_WORDS:
            return True, None
        if text in FALSE_WORDS:
            return False, None
        return value, f"应为“{YES}”或“{NO}”，实际为 “{validation.show(value)}”。"
    if isinstance(f, pw.IntegerField):
        if isinstance(value, float) and value.is_integer():
            return int(value), None
        if isinstance(value, int) and not isinstance(value, bool):
            return value, None
        if isinstance(value, str) and value.lstrip("-").isdigit():
            return int(value), None
        return value, f"应为整数，实际为 “{validation.show(value)}”。"
    if isinstance(f, pw.FloatField):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value), None
        try:
            return float(value), None
        except (TypeError, ValueError):
            return value, f"应为数字，实际为 “{validation.show(value)}”。"
    if isinstance(f, pw.DateTimeField):
        parsed = _date_time(value)
        if parsed is None:
            return value, f"应为日期时间（如 2026-11-25 10:00），实际为 “{validation.show(value)}”。"
        return parsed, None
    if isinstance(f, pw.DateField):
        parsed = _date_time(value)
        if parsed is None:
            return value, f"应为日期（如 2026-11-25），实际为 “{validation.show(value)}”。"
        return parsed.date(), None
    return _text(value), None


def _text(value) -> str:
    """A cell as text: a phone number Excel took for a number loses no ``.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value)


def _date_time(value) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else None
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip().replace("/", "-"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo is None else None
    return None


# --------------------------------------------------------------------------- writing


def apply(preview: Preview, username: str = "") -> list:
    """Write a preview's new and changed rows in one transaction; returns the rows written.

    Refuses (writing nothing) a preview with refused rows, or whose matches changed since it
    was read (a new 网址名 taken, a matched row deleted)."""
    if preview.refused:
        raise LinliError(f"有 {preview.refused} 行有问题，没有导入任何内容：" + " ".join(preview.problems()))
    written = []
    with immediate_transaction():
        for row in preview.rows:
            if row.action not in (NEW, CHANGED):
                continue
            model = row.sheet.model
            if row.action == NEW:
                if "slug" in row.values and model.select().where(model.slug == row.values["slug"]).exists():
                    raise LinliError(f"{row.where}：网址名 “{row.values['slug']}” 刚被另一条内容使用，没有导入任何内容，请重新导入。")
                item = model(**row.values)
                before = None
            else:
                item = model.get_or_none(model.id == row.target_id)
                if item is None:
                    raise LinliError(f"{row.where}：要修改的内容刚被删除了，没有导入任何内容，请重新导入。")
                before = revisions.snapshot(item) if row.sheet.parent is None else None
                for name, value in row.values.items():
                    setattr(item, name, value)
            if row.sheet.parent is None:
                if row.action == NEW:
                    item.author = username
                else:
                    item.version += 1
            item.save()
            if row.sheet.parent is None:
                revisions.record(item, username, before)
                audit.log("import_xlsx", username, item, detail="create" if row.action == NEW else "update")
            written.append(item)
    return written
