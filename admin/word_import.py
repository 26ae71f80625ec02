"""Word in, for staff: "从Word新建" and "从Word导入" (conversion in :mod:`linli.word`).

- ``POST /from-word/<kind>`` (an admin endpoint): a form on the create page of notices, stories and pages
  (:data:`FROM_WORD`); makes a draft from the uploaded .docx and opens its edit page, or comes
  back to the create page with the reason, nothing stored.
- ``POST /paste-html``: JSON ``{"html": …}`` pasted into a Markdown field (from Word, WeChat's
  editor, a web page) → ``{"markdown": …}``, the same clean Markdown.
- ``POST /upload/word``: JSON for the editor's "从Word导入" button on any Markdown field; answers
  the Markdown (photos already stored) for the script to put into the field.

Both need a logged-in account and the CSRF token (CSRFProtect checks every POST); any role may
make a draft. Files over :data:`linli.limits.ATTACHMENT_BYTES` are refused before conversion.
"""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, request, url_for
from flask_login import current_user

from admin.auth import client_address
from admin.i18n import gettext, word
from admin.uploads import Refused, home, json_body, json_endpoint, uploaded_file
from linli import audit, limits, revisions, validation
from linli import models as m
from linli import word as docx
from linli.errors import LinliError

blueprint = Blueprint("word", __name__)

#: Admin endpoints whose create page offers "从Word新建".
FROM_WORD = {"notice": m.Notice, "story": m.Story, "page": m.Page}


@blueprint.app_context_processor
def _from_word():
    return {"linli_from_word": FROM_WORD}


def _too_big(size: int) -> str | None:
    if size > limits.ATTACHMENT_BYTES:
        return gettext("Word 文档太大了（%(size)s，最多 %(limit)s），没有导入。请把图片压缩后重新保存，或拆成几个文件。",
                       size=limits.size_label(size), limit=limits.size_label(limits.ATTACHMENT_BYTES))
    return None


@blueprint.route("/from-word/<kind>", methods=["POST"])
def create_from_word(kind: str):
    endpoint = kind  # "endpoint" is url_for's own argument
    model = FROM_WORD.get(endpoint)
    if not current_user.is_authenticated:  # before anything else: an anonymous caller learns nothing
        return redirect(url_for("auth.login", next=url_for(f"{endpoint}.create_view") if model else None))
    if model is None:
        return ("", 404)
    create_page = url_for(f"{endpoint}.create_view")
    file = request.files.get("file")
    if file is None or not file.filename:
        flash(gettext("没有收到文件。请先选择一个 Word 文档（.docx），再点“从Word新建”。"), "danger")
        return redirect(create_page)
    data = file.read()
    if problem := _too_big(len(data)):
        flash(problem, "danger")
        return redirect(create_page)
    user = current_user.account
    try:
        item, notes = docx.new_draft(model, data, home().media_dir, file.filename, user.username)
    except LinliError as exc:
        flash(word(exc), "danger")
        return redirect(create_page)
    revisions.record(item, user.username)
    audit.log("create", user.username, item, detail=f"Word: {file.filename}", address=client_address())
    from admin.search import reindex

    reindex(item)
    flash(gettext("已从 Word 文档新建草稿“%(title)s”。请检查标题、正文和图片说明，再保存或提交。", title=item.title), "success")
    for note in notes:
        flash(note, "warning")
    return redirect(url_for(f"{endpoint}.edit_view", id=item.id))


@blueprint.route("/upload/word", methods=["POST"])
@json_endpoint
def upload_word():
    data, filename = uploaded_file()
    if problem := _too_big(len(data)):
        raise Refused(problem)
    converted = docx.convert(data, home().media_dir, filename)
    audit.log("upload_word", current_user.account.username, None, detail=filename, address=client_address())
    return jsonify(title=converted.title, markdown=converted.markdown, notes=converted.notes,
                   images=[image.path for image in converted.images])


@blueprint.route("/paste-html", methods=["POST"])
@json_endpoint
def paste_html():
    html = json_body().get("html", "")
    if not isinstance(html, str):
        raise Refused(gettext("粘贴的内容不正确。"))
    markdown = docx.html_to_markdown(html)
    if problem := validation.too_long(len(markdown), limits.TEXT_CHARS):
        raise Refused(gettext("正文") + problem)
    return jsonify(markdown=markdown)
