"""The admin's 爱心银行 members: the edit page shows the balance, and ``/lovebankmember/<id>/records/``
lists a member's deeds and exchanges and records new ones through :func:`linli.love_bank.add_record`
(which refuses an exchange beyond the balance, with a message staff read here)."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user

from admin.i18n import gettext, lazy_gettext, word
from admin.views import ContentView
from linli import accounts, audit, love_bank
from linli import models as m


# linli.love_bank.RecordRefused's messages, for the catalogue's extractor.
REFUSALS = (
    lazy_gettext("请选择“好人好事”或“兑换”。"), lazy_gettext("积分必须是大于 0 的整数。"),
    lazy_gettext("请写明做了什么好事或兑换了什么。"),
    lazy_gettext("积分不足：%(name)s 现有 %(balance)s 分，兑换需要 %(points)s 分，未记录。"),
)


class LoveBankMemberView(ContentView):
    """Members: their private fields in the form, their records on a page of their own."""

    column_list = ("title", "member_type", "name_public", "status", "updated_at")
    column_formatters = {
        **ContentView.column_formatters,
        "member_type": lambda v, c, model, n: word(dict(m.LOVE_BANK_MEMBER_TYPES).get(model.member_type, "")),
    }

    def render(self, template, **kwargs):
        member = kwargs.get("model")
        if template == self.edit_template and member is not None:
            kwargs["love_bank_balance"] = love_bank.balance(member)
        return super().render(template, **kwargs)

    @expose("/<int:member_id>/records/", methods=("GET", "POST"))
    def records_view(self, member_id: int):
        member = self.get_one(member_id)
        if member is None:
            abort(404)
        can_edit = accounts.can_edit(current_user.account, member)
        if request.method == "POST":
            if not can_edit:
                flash(gettext("您没有修改这条内容的权限。"), "danger")
            else:
                self._add_record(member)
            return redirect(url_for(".records_view", member_id=member.id))
        records = list(member.records.order_by(m.LoveBankRecord.date.desc(), m.LoveBankRecord.id.desc()))
        return self.render(
            "linli_admin/love_bank_records.html", member=member, records=records, balance=love_bank.balance(member),
            can_edit_item=can_edit, record_types=m.LOVE_BANK_RECORD_TYPES, today=m.now().date(),
        )  # fmt: skip

    def _add_record(self, member) -> None:
        form = request.form
        try:
            points = int(form.get("points", "").strip())
        except ValueError:
            points = 0
        try:
            date = dt.date.fromisoformat(form.get("date", "").strip()) if form.get("date", "").strip() else None
        except ValueError:
            flash(gettext("日期格式不对，请写成 2026-03-05 这样。"), "danger")
            return
        try:
            record = love_bank.add_record(member, form.get("record_type", ""), points, form.get("description", ""),
                                          date=date, note=form.get("note", "").strip())  # fmt: skip
        except love_bank.RecordRefused as refused:
            flash(gettext(refused.message, **refused.params), "danger")
            return
        audit.log("love_bank_record", current_user.account.username, member,
                  detail=f"{record.record_type} {record.points}")  # fmt: skip
        flash(gettext("已记录。现有 %(balance)s 分。", balance=love_bank.balance(member)), "success")
