"""Uploads and media management for staff: JSON endpoints used by ``static/linli/*.js``.

- ``POST /preview-markdown``: the Markdown preview, rendered by the one function the public
  site uses (:func:`linli.markup.render_markdown`).
- ``POST /upload/image``: a photo for a Markdown body or a photo field (place photo, story
  cover, site logo); answers its media path, public URL, size and a Markdown snippet.
- ``POST /upload/attachment``: a PDF/Office file attached to a notice (a new Attachment row).
- ``POST /attachment/<id>/title|delete``, ``POST /notice/<id>/attachment-order``.
- ``POST /upload/photo/<album_id>``: one photo into an album (a new Photo row).
- ``POST /photo/<id>/caption|cover|hide|show``, ``POST /album/<id>/photo-order``.
- ``GET /media/<path>``: stored media for thumbnails in the admin (staff only).

Every endpoint needs a logged-in account (otherwise 401 JSON) and, being a POST, the CSRF
token in the ``X-CSRFToken`` header (Flask-WTF's CSRFProtect checks it before the view runs).
Changes to notices and albums need :func:`linli.accounts.can_edit` on the item, and each one
is written to the audit log. A refused upload answers 400 with ``{"error": "<Chinese>"}`` and
stores nothing; files are checked and stored by :mod:`linli.media` only.
"""

from __future__ import annotations

import functools
import logging

from flask import Blueprint, abort, current_app, jsonify, request, send_from_directory, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from admin.auth import client_address
from admin.i18n import gettext, lazy_gettext, word
from linli import accounts, audit, db, limits, media, validation
from linli import models as m
from linli.errors import LinliError
from linli.markup import render_markdown

log = logging.getLogger(__name__)
blueprint = Blueprint("uploads", __name__)

NOT_LOGGED_IN = lazy_gettext(
    "您的登录已过期或已退出，本次操作没有执行。请在新的浏览器标签页打开后台重新登录，再回到这里重试；本页已填写的内容不会丢失。"
)
NO_FILE = lazy_gettext("没有收到文件。请重新选择文件后再上传。")
CANNOT_EDIT_ALBUM = lazy_gettext("您没有修改这个相册的权限：投稿人只能修改自己尚未发布的相册。如需修改，请联系编辑。")
CANNOT_EDIT_NOTICE = lazy_gettext("您没有修改这条通知的权限：投稿人只能修改自己尚未发布的通知。如需修改，请联系编辑。")
SERVER_TROUBLE = lazy_gettext("服务器保存时出错，本次操作没有完成。请稍后再试；如果一直不行，请联系网站管理员。")


class Refused(Exception):
    """An answer to the browser: a message in the account's language and an HTTP status."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def error(message: str, status: int = 400):
    return jsonify(error=str(message)), status


def json_endpoint(view):
    """Logged-in staff only; LinliError/Refused become ``{"error": ...}``; no HTML pages."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return error(NOT_LOGGED_IN, 401)
        try:
            return view(*args, **kwargs)
        except Refused as exc:
            return error(exc.message, exc.status)
        except LinliError as exc:
            return error(word(exc), 400)
        except HTTPException:
            raise
        except Exception:  # noqa: BLE001 - the browser must get a sentence, not a stack trace
            log.exception("upload endpoint failed")
            return error(SERVER_TROUBLE, 500)

    return wrapper


@blueprint.errorhandler(RequestEntityTooLarge)
def _too_large(exc):
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return error(
        gettext(
            "文件太大了，超过了网站一次能接收的 %(limit)s MB，本次没有上传。"
            "请先把照片缩小（或把文件压缩、拆分）后再上传。",
            limit=limit // (1024 * 1024),
        ),
        413,
    )


@blueprint.errorhandler(CSRFError)
def _csrf_refused(exc):
    return error(
        gettext("页面已过期或请求来源不可信，本次操作没有执行。请先把没保存的文字复制下来，再刷新页面后重试。"),
        400,
    )


@blueprint.app_context_processor
def _upload_config():
    return {"linli_upload_config": upload_config}


def upload_config() -> dict:
    """Addresses and limits the admin's scripts need, as ``data-`` attributes of one element."""
    return {
        "preview-url": url_for("uploads.preview_markdown"),
        "image-url": url_for("uploads.upload_image"),
        "attachment-url": url_for("uploads.upload_attachment"),
        "word-url": url_for("word.upload_word"),
        "paste-url": url_for("word.paste_html"),
        "media-base": url_for("uploads.stored_media", path="x")[:-1],
        "max-image-bytes": limits.PHOTO_BYTES,
        "max-attachment-bytes": limits.ATTACHMENT_BYTES,
        "max-request-bytes": current_app.config.get("MAX_CONTENT_LENGTH") or 0,
    }


# --- helpers --------------------------------------------------------------------------------


def home():
    return current_app.config["LINLI_HOME"]


def user() -> m.User:
    return current_user.account


def uploaded_file() -> tuple[bytes, str]:
    file = request.files.get("file")
    if file is None:
        raise Refused(NO_FILE)
    return file.read(), file.filename or ""


def media_url(path: str) -> str:
    """The public address of a stored file, as Markdown bodies and the public site use it."""
    return f"/media/{path}" if path else ""


def thumb_path(path: str, width: int = 480) -> str:
    """The smallest rendition at least ``width`` wide, else the stored photo itself."""
    for rendition_width, rel in media.renditions(home().media_dir, path):
        if rendition_width >= width:
            return rel
    return path


def admin_media_url(path: str) -> str:
    return url_for("uploads.stored_media", path=path) if path else ""


def live_item(model, item_id: int):
    item = model.get_or_none((model.id == item_id) & model.deleted_at.is_null())
    if item is None:
        raise Refused(gettext("找不到这条%(type)s（可能已被删除）。请刷新页面后再试。", type=word(model.type_label)), 404)
    return item


def editable(model, item_id: int, refusal: str):
    item = live_item(model, item_id)
    if not accounts.can_edit(user(), item):
        raise Refused(refusal, 403)
    return item


def touch(item) -> None:
    """Mark a notice or album as changed (its page shows different files) without a new version:
    an edit form open elsewhere must still save."""
    type(item).update(updated_at=m.now()).where(type(item).id == item.id).execute()


def record(action: str, item, detail: str = "") -> None:
    """Log a change to ``item``'s files in the audit log, and update its search entry."""
    audit.log(action, user().username, item, detail=detail, address=client_address())
    from admin.search import reindex

    reindex(item)


def json_body() -> dict:
    data = request.get_json(silent=True)
    if isinstance(data, dict):
        return data
    return request.form.to_dict()


def id_list(value) -> list[int]:
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    try:
        ids = [int(v) for v in value or []]
    except (TypeError, ValueError):
        raise Refused(gettext("排序数据不正确。请刷新页面后再试。")) from None
    if len(set(ids)) != len(ids):
        raise Refused(gettext("排序数据不正确。请刷新页面后再试。"))
    return ids


def reorder(rows, ids: list[int]) -> list:
    """Rows in the order of ``ids``; rows not named (added meanwhile) follow in their order."""
    by_id = {row.id: row for row in rows}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise Refused(gettext("列表在您操作期间有变化（可能有同事删除了某一项）。请刷新页面后再排序。"), 409)
    named = set(ids)
    ordered = [by_id[i] for i in ids] + [row for row in rows if row.id not in named]
    for position, row in enumerate(ordered):
        if row.position != position:
            row.position = position
            row.save()
    return ordered


def checked(model, name: str, value: str, label) -> str:
    """``value`` cleaned as :func:`linli.validation.check` cleans it for the forms and the import,
    or Refused with its words after ``label`` (e.g. "照片说明太长：最多 300 个字…")."""
    cleaned, problems = validation.check(model, {name: value})
    if problems:
        raise Refused(f"{label}{problems[0].message}")
    return cleaned[name]


def room_for_one_more(child_model, count: int) -> None:
    """Refuse an upload that would take an item past its limit of attachments or photos."""
    problem = validation.too_many(child_model, count + 1, adding=True)
    if problem:
        raise Refused(gettext("没有上传：%(problem)s", problem=problem))


def size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


# --- Markdown preview and images in bodies ---------------------------------------------------


@blueprint.route("/preview-markdown", methods=["POST"])
@json_endpoint
def preview_markdown():
    text = json_body().get("text", "")
    if not isinstance(text, str):
        raise Refused(gettext("预览数据不正确。"))
    problem = validation.too_long(len(text), limits.TEXT_CHARS)
    if problem:  # the words the form will use when it is saved
        raise Refused(gettext("正文") + problem)
    # The cached function would keep every keystroke's text; the uncached one is the same code.
    render = getattr(render_markdown, "__wrapped__", render_markdown)
    return jsonify(html=str(render(text)))


@blueprint.route("/upload/image", methods=["POST"])
@json_endpoint
def upload_image():
    data, filename = uploaded_file()
    stored = media.store_image(home().media_dir, data, filename=filename)
    record("upload_image", None, detail=stored.path)
    url = media_url(stored.path)
    alt = gettext("说明")  # the image's description, for staff to type over
    return jsonify(
        path=stored.path,
        url=url,
        thumb=admin_media_url(thumb_path(stored.path)),
        width=stored.width,
        height=stored.height,
        markdown=f"![{alt}]({url})",
    )


@blueprint.route("/media/<path:path>")
def stored_media(path: str):
    """Stored photos for thumbnails in the admin (the public preview serves them too)."""
    if not current_user.is_authenticated:
        abort(401)
    return send_from_directory(home().media_dir, path, max_age=3600)


# --- notice attachments ---------------------------------------------------------------------


def attachment_json(attachment: m.Attachment) -> dict:
    kind = attachment.file.rpartition(".")[2].lower()
    return {
        "id": attachment.id,
        "title": attachment.title,
        "file": attachment.file,
        "url": media_url(attachment.file),
        "admin_url": admin_media_url(attachment.file),
        "size": attachment.size,
        "size_label": size_label(attachment.size),
        "kind": kind,
        "kind_label": word(media.ATTACHMENT_KINDS.get(kind, "文件")),
        "position": attachment.position,
    }


def attachments_of(notice: m.Notice) -> list[m.Attachment]:
    return list(notice.attachments.order_by(m.Attachment.position, m.Attachment.id))


def editable_attachment(attachment_id: int) -> m.Attachment:
    attachment = m.Attachment.get_or_none(m.Attachment.id == attachment_id)
    if attachment is None:
        raise Refused(gettext("找不到这个附件（可能已被移除）。请刷新页面后再试。"), 404)
    editable(m.Notice, attachment.notice_id, CANNOT_EDIT_NOTICE)
    return attachment


@blueprint.route("/upload/attachment", methods=["POST"])
@json_endpoint
def upload_attachment():
    notice_id = request.form.get("notice_id", type=int)
    if not notice_id:
        raise Refused(gettext("请先保存通知，保存后才能添加附件。"))
    notice = editable(m.Notice, notice_id, CANNOT_EDIT_NOTICE)
    room_for_one_more(m.Attachment, notice.attachments.count())  # before the file is stored
    data, filename = uploaded_file()
    stored = media.store_attachment(home().media_dir, data, filename)
    title = checked(m.Attachment, "title", media.safe_display_name(filename), gettext("附件标题"))
    with db.immediate_transaction():
        existing = notice.attachments.where(m.Attachment.file == stored.path).first()
        if existing is not None:
            return jsonify(duplicate=True, message=gettext("这个文件已经是本通知的附件（“%(title)s”），没有重复添加。", title=existing.title),
                           **attachment_json(existing))
        room_for_one_more(m.Attachment, notice.attachments.count())  # someone else may have added one
        last = notice.attachments.select(m.Attachment.position).order_by(m.Attachment.position.desc()).first()
        attachment = m.Attachment.create(
            notice=notice,
            title=title,
            file=stored.path,
            size=stored.size,
            position=(last.position + 1) if last else 0,
        )
        touch(notice)
    record("attachment_add", notice, detail=f"{title} ({stored.path})")
    return jsonify(duplicate=False, **attachment_json(attachment))


@blueprint.route("/attachment/<int:attachment_id>/title", methods=["POST"])
@json_endpoint
def attachment_title(attachment_id: int):
    attachment = editable_attachment(attachment_id)
    title = " ".join(str(json_body().get("title", "")).split())
    if not title:
        raise Refused(gettext("附件标题不能为空。居民会看到这个标题，请写清楚是什么文件，例如“停水通知（盖章版）”。"))
    title = checked(m.Attachment, "title", title, gettext("附件标题"))
    if title != attachment.title:
        old = attachment.title
        attachment.title = title
        attachment.save()
        touch(attachment.notice)
        record("attachment_title", attachment.notice, detail=f"{old} → {title}")
    return jsonify(attachment_json(attachment))


@blueprint.route("/attachment/<int:attachment_id>/delete", methods=["POST"])
@json_endpoint
def attachment_delete(attachment_id: int):
    attachment = editable_attachment(attachment_id)
    notice = attachment.notice
    data = attachment_json(attachment)
    attachment.delete_instance()
    touch(notice)
    # The stored file stays (content-hash names may be shared); the audit entry names it.
    record("attachment_remove", notice, detail=f"{data['title']} ({data['file']})")
    return jsonify(removed=data)


@blueprint.route("/notice/<int:notice_id>/attachment-order", methods=["POST"])
@json_endpoint
def attachment_order(notice_id: int):
    notice = editable(m.Notice, notice_id, CANNOT_EDIT_NOTICE)
    ids = id_list(json_body().get("ids"))
    with db.immediate_transaction():
        ordered = reorder(attachments_of(notice), ids)
        touch(notice)
    record("attachment_order", notice, detail=",".join(str(a.id) for a in ordered))
    return jsonify(attachments=[attachment_json(a) for a in ordered])


# --- album photos ---------------------------------------------------------------------------


def photo_json(photo: m.Photo) -> dict:
    return {
        "id": photo.id,
        "file": photo.file,
        "url": media_url(photo.file),
        "admin_url": admin_media_url(photo.file),
        "thumb": admin_media_url(thumb_path(photo.file)),
        "width": photo.width,
        "height": photo.height,
        "caption": photo.caption,
        "position": photo.position,
        "is_cover": bool(photo.is_cover),
        "hidden": bool(photo.hidden),
    }


def photos_of(album: m.Album) -> list[m.Photo]:
    return list(album.photos.order_by(m.Photo.position, m.Photo.id))


def editable_photo(photo_id: int) -> tuple[m.Photo, m.Album]:
    photo = m.Photo.get_or_none(m.Photo.id == photo_id)
    if photo is None:
        raise Refused(gettext("找不到这张照片。请刷新页面后再试。"), 404)
    album = editable(m.Album, photo.album_id, CANNOT_EDIT_ALBUM)
    return photo, album


@blueprint.route("/upload/photo/<int:album_id>", methods=["POST"])
@json_endpoint
def upload_photo(album_id: int):
    album = editable(m.Album, album_id, CANNOT_EDIT_ALBUM)
    room_for_one_more(m.Photo, album.photos.count())  # before the file is stored
    data, filename = uploaded_file()
    stored = media.store_image(home().media_dir, data, filename=filename)
    with db.immediate_transaction():
        existing = album.photos.where(m.Photo.file == stored.path).first()
        if existing is not None:
            return jsonify(duplicate=True, photo=photo_json(existing),
                           message=gettext("这张照片已经在相册里了，没有重复添加。"))
        room_for_one_more(m.Photo, album.photos.count())  # someone else may have added one
        last = album.photos.select(m.Photo.position).order_by(m.Photo.position.desc()).first()
        photo = m.Photo.create(
            album=album,
            file=stored.path,
            width=stored.width,
            height=stored.height,
            position=(last.position + 1) if last else 0,
        )
        touch(album)
    record("photo_add", album, detail=f"photo {photo.id} ({stored.path})")
    return jsonify(duplicate=False, photo=photo_json(photo))


@blueprint.route("/photo/<int:photo_id>/caption", methods=["POST"])
@json_endpoint
def photo_caption(photo_id: int):
    photo, album = editable_photo(photo_id)
    caption = " ".join(str(json_body().get("caption", "")).split())
    caption = checked(m.Photo, "caption", caption, gettext("照片说明"))
    if caption != photo.caption:
        photo.caption = caption
        photo.save()
        touch(album)
        record("photo_caption", album, detail=f"photo {photo.id}: {caption}")
    return jsonify(photo=photo_json(photo))


@blueprint.route("/photo/<int:photo_id>/cover", methods=["POST"])
@json_endpoint
def photo_cover(photo_id: int):
    photo, album = editable_photo(photo_id)
    if photo.hidden:
        raise Refused(gettext("这张照片已撤下，不能作封面。请先点“恢复”，再设为封面。"))
    with db.immediate_transaction():
        m.Photo.update(is_cover=False).where((m.Photo.album == album) & (m.Photo.id != photo.id)).execute()
        m.Photo.update(is_cover=True).where(m.Photo.id == photo.id).execute()
        touch(album)
    record("photo_cover", album, detail=f"photo {photo.id}")
    return jsonify(photos=[photo_json(p) for p in photos_of(album)])


@blueprint.route("/photo/<int:photo_id>/hide", methods=["POST"])
@json_endpoint
def photo_hide(photo_id: int):
    photo, album = editable_photo(photo_id)
    was_cover = photo.is_cover
    photo.hidden = True
    photo.is_cover = False  # a hidden photo cannot stay the cover
    photo.save()
    touch(album)
    record("photo_hide", album, detail=f"photo {photo.id} ({photo.file})")
    message = gettext("已撤下，网站上不再显示这张照片（下次发布网站后生效）。需要时可以点“恢复”。")
    if was_cover:
        message += gettext("它原来是封面，现在封面暂时用第一张照片，您可以另选一张设为封面。")
    return jsonify(photo=photo_json(photo), message=message)


@blueprint.route("/photo/<int:photo_id>/show", methods=["POST"])
@json_endpoint
def photo_show(photo_id: int):
    photo, album = editable_photo(photo_id)
    photo.hidden = False
    photo.save()
    touch(album)
    record("photo_show", album, detail=f"photo {photo.id} ({photo.file})")
    return jsonify(photo=photo_json(photo), message=gettext("已恢复，这张照片会重新出现在网站上（下次发布网站后生效）。"))


@blueprint.route("/album/<int:album_id>/photo-order", methods=["POST"])
@json_endpoint
def photo_order(album_id: int):
    album = editable(m.Album, album_id, CANNOT_EDIT_ALBUM)
    ids = id_list(json_body().get("ids"))
    with db.immediate_transaction():
        ordered = reorder(photos_of(album), ids)
        touch(album)
    record("photo_order", album, detail=",".join(str(p.id) for p in ordered))
    return jsonify(photos=[photo_json(p) for p in ordered])
