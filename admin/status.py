"""The admin's status page (admins only) and the words for a backup's age.

The page shows :func:`linli.health.status`, what ``linli status`` prints: versions, database and
disk sizes, the last build and the last deploy to each target, the next scheduled publish,
backups and whether the scheduler runs.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_admin import BaseView, expose

from admin.i18n import gettext, lazy_gettext
from admin.management import AdminOnly
from linli import health
from linli import models as m


def age_words(age: dt.timedelta) -> str:
    """How long ago, in the account's language: 刚刚, 5 分钟前, 3 小时前, 2 天前."""
    minutes = int(age.total_seconds() // 60)
    if minutes < 1:
        return gettext("刚刚")
    if minutes < 60:
        return gettext("%(num)s 分钟前", num=minutes)
    hours = minutes // 60
    if hours < 24:
        return gettext("1 小时前") if hours == 1 else gettext("%(num)s 小时前", num=hours)
    days = hours // 24
    return gettext("1 天前") if days == 1 else gettext("%(num)s 天前", num=days)


class StatusView(AdminOnly, BaseView):
    @expose("/")
    def index(self):
        home = current_app.config["LINLI_HOME"]
        now = m.now()
        return self.render("linli_admin/status.html", status=health.status(home, now), now=now,
                           size=health.human_size, age_words=age_words)  # fmt: skip


def register_status_view(admin) -> None:
    admin.add_view(StatusView(name=lazy_gettext("运行状态"), endpoint="status", category=lazy_gettext("系统")))
