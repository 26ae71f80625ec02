"""系统 › Excel 导入导出: services, places, hotlines and grid members as an Excel workbook.

Downloads of the export and of the empty template, and an upload that shows the preview of
:func:`linli.spreadsheet.read_xlsx` before anything is written. The uploaded file waits in the
home's ``.linli-uploads/`` under a random name that only this login session knows (its token is
in the session); the confirm button reads it again and writes it with
:func:`linli.spreadsheet.apply`, all or nothing, if it would still do what the preview showed. Editors and admins only.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path
from urllib.parse import quote

from flask import Response, abort, current_app, flash, redirect, request, session, url_for
from flask_admin import BaseView, expose
from flask_login import current_user

from admin.auth import client_address
from admin.i18n import gettext, lazy_gettext, word
from admin.views import StaffOnly, search_hooks
from linli import accounts, audit, spreadsheet
from linli.errors import LinliError

UPLOADS = ".linli-uploads"
SESSION_KEY = "xlsx_upload"
KEEP_SECONDS = 24 * 3600  # an upload nobody confirmed is removed after a day
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SpreadsheetView(StaffOnly, BaseView):
    def is_accessible(self) -> bool:
        return current_user.is_authenticated and accounts.can_publish(current_user.account)

    def inaccessible_callback(self, name, **kwargs):
        if current_user.is_authenticated:
            abort(403)
        return super().inaccessible_callback(name, **kwargs)

    @expose("/")
    def index(self):
        preview, name = None, session.get(SESSION_KEY, {}).get("name")
        path = _upload_path()
        if path is not None:
            try:
                preview = spreadsheet.read_xlsx(path, name=name)
            except LinliError as exc:
                _forget_upload()
                flash(word(exc), "danger")
            else:
                session[SESSION_KEY] = {**session[SESSION_KEY], "seen": _what(preview)}
        return self.render("linli_admin/spreadsheet.html", preview=preview, name=name, spreadsheet=spreadsheet)

    @expose("/export.xlsx")
    def export(self):
        return _download(spreadsheet.workbook_bytes(), gettext("社区资料") + ".xlsx")

    @expose("/template.xlsx")
    def template(self):
        return _download(spreadsheet.workbook_bytes(empty=True), gettext("空白模板") + ".xlsx")

    @expose("/upload/", methods=("POST",))
    def upload(self):
        _forget_upload()
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(gettext("请选择一个 Excel 文件（.xlsx）。"), "danger")
            return redirect(url_for(".index"))
        folder = _folder()
        folder.mkdir(mode=0o700, exist_ok=True)
        _remove_stale(folder)
        token = secrets.token_urlsafe(24)
        upload.save(folder / f"{token}.xlsx")
        session[SESSION_KEY] = {"token": token, "name": Path(upload.filename).name[:200]}
        return redirect(url_for(".index"))

    @expose("/confirm/", methods=("POST",))
    def confirm(self):
        path = _upload_path()
        if path is None:
            flash(gettext("没有等待导入的文件（可能已经导入或已过期），请重新上传。"), "warning")
            return redirect(url_for(".index"))
        name = session[SESSION_KEY].get("name")
        try:
            preview = spreadsheet.read_xlsx(path, name=name)
            if _what(preview) != session[SESSION_KEY].get("seen"):
                flash(gettext("预览之后网站上的内容有了变化，没有导入。请看一遍新的预览，再确认导入。"), "warning")
                return redirect(url_for(".index"))
            written = spreadsheet.apply(preview, current_user.username)
        except LinliError as exc:
            flash(word(exc), "danger")
            return redirect(url_for(".index"))
        _forget_upload()
        audit.log("import_xlsx", current_user.username, detail=f"{name}: {preview.summary()}", address=client_address())
        for item in written:
            search_hooks().reindex(item)
        flash(gettext("已导入：新增 %(new)s 条，修改 %(changed)s 条。发布网站后生效。", new=preview.new,
                      changed=preview.changed), "success")  # fmt: skip
        return redirect(url_for(".index"))

    @expose("/cancel/", methods=("POST",))
    def cancel(self):
        _forget_upload()
        flash(gettext("已取消，没有导入任何内容。"), "info")
        return redirect(url_for(".index"))


def _what(preview) -> list:
    """What a preview would do, row by row: the confirmation writes only what staff saw."""
    return [[row.sheet.title, row.number, row.action, sorted(row.values)] for row in preview.rows]


def _folder() -> Path:
    return current_app.config["LINLI_HOME"].root / UPLOADS


def _upload_path() -> Path | None:
    token = session.get(SESSION_KEY, {}).get("token", "")
    if not TOKEN.match(token):
        return None
    path = _folder() / f"{token}.xlsx"
    return path if path.is_file() else None


def _forget_upload() -> None:
    path = _upload_path()
    if path is not None:
        path.unlink(missing_ok=True)
    session.pop(SESSION_KEY, None)


def _remove_stale(folder: Path) -> None:
    limit = time.time() - KEEP_SECONDS
    for path in folder.glob("*.xlsx"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            pass


def _download(data: bytes, filename: str):
    response = Response(data, mimetype=XLSX_TYPE)
    response.headers["Content-Disposition"] = f"attachment; filename=linli.xlsx; filename*=UTF-8''{quote(filename)}"
    response.headers["Cache-Control"] = "no-store"  # staff-only fields (internal notes, private phones)
    return response


def register_spreadsheet_view(admin) -> None:
    admin.add_view(SpreadsheetView(name=lazy_gettext("Excel 导入导出"), endpoint="spreadsheet", category=lazy_gettext("系统")))
