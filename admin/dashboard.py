"""The admin's home page: what needs attention today (items awaiting review, notices expiring
this week, my drafts), the state of the public site (last publish, a failed publish until a
later one succeeds, changes not yet published, where the site is, the next automatic publish)
and the age of the last good backup (red after two days)."""

from __future__ import annotations

import datetime as dt

from flask import current_app, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_login import current_user

from admin.publish import schedule_outlook
from admin.status import age_words
from linli import accounts, backup, publisher, runs
from linli import models as m


class DashboardView(AdminIndexView):
    def is_accessible(self) -> bool:
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login", next=request.script_root + request.full_path))

    @expose("/")
    def index(self):
        now = m.now()
        awaiting = []
        for model in m.CONTENT_MODELS:
            awaiting += list(model.select().where((model.status == m.REVIEW) & model.deleted_at.is_null()))
        expiring = list(
            m.Notice.select()
            .where(
                (m.Notice.status == m.PUBLISHED)
                & m.Notice.deleted_at.is_null()
                & (m.Notice.expires_at > now)
                & (m.Notice.expires_at <= now + dt.timedelta(days=7))
            )
            .order_by(m.Notice.expires_at)
        )
        mine = []
        for model in m.CONTENT_MODELS:
            mine += list(
                model.select().where(
                    (model.author == current_user.username) & (model.status == m.DRAFT) & model.deleted_at.is_null()
                )
            )
        home = current_app.config["LINLI_HOME"]
        last_build = publisher.status(home)  # marks interrupted runs
        return self.render(
            "linli_admin/dashboard.html",
            awaiting=sorted(awaiting, key=lambda i: i.updated_at, reverse=True),
            expiring=expiring,
            mine=sorted(mine, key=lambda i: i.updated_at, reverse=True),
            last_build=last_build,
            build=runs.as_dict(last_build),
            where=publisher.whereabouts(home),
            failure=publisher.publish_failure(home),
            outlook=schedule_outlook(home),
            changes=publisher.changes_since_last_build(now),
            can_publish=accounts.can_publish(current_user.account),
            endpoint_of=lambda item: type(item).__name__.lower(),
            backup=backup.backup_state(home, now),
            age_words=age_words,
        )
