"""The admin's "发布网站" page and previews of content items in the real public theme.

:class:`PublishView` starts a publish in the background (editors and admins only): a build,
then a deploy to each target marked ``auto = true``, with one progress bar for both; it shows
its progress and log while it runs, the past runs with their results, and where the site is
(only on this computer, or each target with its public address and last successful deploy);
:mod:`linli.publisher` does the work. It also hands out the built site as one zip file, for
hosts whose only way in is a web upload panel, and sends it to any configured target by hand
(``[deploy.NAME]`` of linli.toml), one button each, in the background
(:mod:`linli.deploy.background`); publishes, builds and deploys are all runs
(:mod:`linli.runs`), read back from their rows. :class:`PreviewView` renders any item that is
not in the trash, drafts included, exactly as the public site would, with a banner saying it is a preview. It renders inside a
request context of a public app of its own and never touches the public app's routes, so a
draft stays invisible on the public site and in every build.
"""

from __future__ import annotations

import tempfile

from flask import abort, current_app, flash, jsonify, redirect, request, send_file, url_for
from flask_admin import BaseView, expose
from flask_login import current_user

from admin.auth import client_address
from admin.i18n import gettext, lazy_gettext, word
from linli import accounts, db, publisher, runs
from linli import models as m
from linli.errors import LinliError
from linli.home import Home
from linli.publicity import EXPIRED, LIVE, visibility

REFUSED = lazy_gettext("只有编辑和管理员可以发布网站。")
STARTED = lazy_gettext("已开始发布网站。下面显示进度；可以离开这个页面，发布会在后台继续。")


def schedule_outlook(home: Home):
    """The next automatic publish, when the service's scheduler runs for ``home`` (else None:
    nothing would publish by itself, and the page must not say it will)."""
    from linli import scheduler

    if not scheduler.is_running(home):
        return None
    try:
        return scheduler.outlook(home, m.now())
    except LinliError:
        return None


class _StaffView(BaseView):
    """A logged-in account, or the login page."""

    def is_accessible(self) -> bool:
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login", next=request.script_root + request.full_path))


class PublishView(_StaffView):
    def __init__(self, home: Home, **kwargs):
        self.home = home
        super().__init__(**kwargs)

    def is_visible(self) -> bool:
        return current_user.is_authenticated and accounts.can_publish(current_user.account)

    def _refused(self, status: int = 403):
        return self.render("linli_admin/publish.html", refused=True), status

    @expose("/")
    def index(self):
        if not accounts.can_publish(current_user.account):
            return self._refused(200)  # a page that explains; the actions below answer 403
        from linli.deploy import background, targets

        run = publisher.status(self.home)
        try:
            deploy_targets, deploy_error = list(targets(self.home).values()), ""
        except LinliError as exc:  # a mistake in linli.toml: said on the page, builds still work
            deploy_targets, deploy_error = [], str(exc)
        return self.render(
            "linli_admin/publish.html",
            refused=False,
            run=run,
            status=publisher.status_dict(run),
            where=publisher.whereabouts(self.home),
            failure=publisher.publish_failure(self.home),
            outlook=schedule_outlook(self.home),
            runs=publisher.recent(self.home, 10),
            changes=publisher.changes_since_last_build(),
            labels=runs.STATE_LABELS,
            site_built=(self.home.site_dir / "index.html").is_file(),
            deploy_targets=deploy_targets,
            deploy_error=deploy_error,
            deploy=background.status(self.home),
            deployed=background.last_per_target(self.home, [target.name for target in deploy_targets]),
        )

    @expose("/site.zip")
    def download_zip(self):
        """The built site as a zip (:func:`linli.deploy.zip_archive.write_zip`)."""
        from linli.deploy import site_unchanging
        from linli.deploy.zip_archive import write_zip

        if not accounts.can_publish(current_user.account):
            return self._refused()
        archive = tempfile.SpooledTemporaryFile(max_size=16 << 20)
        try:
            with site_unchanging(self.home) as site:
                write_zip(site, archive)
        except LinliError as exc:
            archive.close()
            flash(str(exc), "warning")
            return redirect(url_for(".index"))
        archive.seek(0)
        name = f"linli-site-{m.now():%Y%m%d-%H%M}.zip"
        response = send_file(archive, mimetype="application/zip", as_attachment=True, download_name=name)
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/status.json")
    def status(self):
        if not accounts.can_publish(current_user.account):
            return jsonify(error=str(REFUSED)), 403
        response = jsonify(publisher.status_dict(publisher.status(self.home)))
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/start", methods=("POST",))
    def start(self):
        if not accounts.can_publish(current_user.account):
            return self._refused()
        try:
            publisher.start_publish(self.home, current_user.username, address=client_address())
        except LinliError as exc:
            flash(word(exc), "warning")
        else:
            flash(str(STARTED), "info")
        return redirect(url_for(".index"))


    @expose("/deploy/<target>", methods=("POST",))
    def deploy(self, target: str):
        """Send the built site to the deploy target named ``target`` in the background."""
        from linli.deploy import background
        from linli.deploy.config import choose

        if not accounts.can_publish(current_user.account):
            return self._refused()
        try:
            background.start(choose(self.home, target), current_user.username, address=client_address())
        except LinliError as exc:
            flash(word(exc), "warning")
        else:
            flash(gettext("已开始上传到“%(name)s”。下面显示进度；可以离开这个页面，上传会在后台继续。", name=target), "info")
        return redirect(url_for(".index"))


# --- preview ------------------------------------------------------------------------------------

MODELS = {model.__name__.lower(): model for model in m.CONTENT_MODELS if model.kind.pages}  # staff-only types: no page
MODELS.update({model.url_prefix: model for model in MODELS.values()})


def banner(item, now) -> str:
    """What the preview banner tells staff about who can see ``item``."""
    state = visibility(item, now)
    if state is not None:
        return gettext("预览：此内容已发布。这里显示的是最新保存的版本；刚改过的地方要发布网站后居民才能看到。")
    if item.status == m.DRAFT:
        return gettext("预览：这是草稿，尚未发布，居民看不到。")
    if item.status == m.REVIEW:
        return gettext("预览：此内容正在等待审核，尚未发布，居民看不到。")
    if item.status == m.ARCHIVED:
        return gettext("预览：此内容已下线，居民看不到。")
    if item.publish_at and item.publish_at > now:
        return gettext("预览：此内容定时在 %(at)s 公开，到时间后的下一次发布网站会把它放到网站上；现在居民看不到。", at=item.publish_at.strftime("%Y-%m-%d %H:%M"))
    return gettext("预览：此内容已过期，居民看不到。")


class PreviewView(_StaffView):
    """``/preview/<type>/<id>/``: ``type`` is the admin endpoint (``notice``) or the public
    folder (``notices``)."""

    def __init__(self, public_app, **kwargs):
        self.public_app = public_app
        super().__init__(**kwargs)

    def is_visible(self) -> bool:
        return False

    @expose("/")
    def index(self):
        return redirect(url_for("admin.index"))

    @expose("/<type_name>/<int:id>/")
    def show(self, type_name: str, id: int):
        from linli.public import render_item

        model = MODELS.get(type_name)
        if model is None:
            abort(404)
        item = model.get_or_none((model.id == id) & model.deleted_at.is_null())
        if item is None:
            abort(404)
        now = m.now()
        state = visibility(item, now)
        if state is None:
            state = EXPIRED if item.expires_at and item.expires_at <= now else LIVE
        adapter = self.public_app.url_map.bind("localhost")
        path = adapter.build("public.item", {"prefix": model.url_prefix, "slug": item.slug})
        notice = banner(item, now)  # in the admin's request: the account's language
        with self.public_app.test_request_context(path):
            html = render_item(model, item, state, preview=notice)
        response = current_app.make_response(html)
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex"
        return response


    @expose("/<type_name>/<int:id>/poster.png")
    def poster(self, type_name: str, id: int):
        """The share poster of an item as the built site has it (what was published)."""
        from flask import send_file

        from linli.share import published

        model = MODELS.get(type_name)
        item = model.get_or_none((model.id == id) & model.deleted_at.is_null()) if model else None
        found = published(current_app.config["LINLI_HOME"].site_dir, item) if item else None
        if found is None or found.poster is None:
            abort(404)
        response = send_file(found.poster, mimetype="image/png", max_age=0)
        response.headers["Cache-Control"] = "no-store"
        return response


def preview_app(home: Home):
    """A public app for rendering previews. Creating one binds the database to a new
    connection object; the admin's is put back so its open/close per request stays in charge."""
    from linli.app import create_public_app

    previous = db.database.obj
    app = create_public_app(home)
    if previous is not None:
        db.database.initialize(previous)
    return app


def register_publish_views(admin, home: Home) -> None:
    admin.add_view(PublishView(home, name=lazy_gettext("发布网站"), endpoint="publish"))
    admin.add_view(PreviewView(preview_app(home), name=lazy_gettext("预览"), endpoint="preview"))
