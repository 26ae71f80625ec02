"""The public site's views, and the list of every page it has (for the build).

Every query goes through :mod:`linli.publicity`; templates only ever see public items. Item
pages, the navigation and the generic list pages a type declares (:class:`linli.registry.Listing`)
come from the content types' declarations; the other lists are hand-written views below.
"""

from __future__ import annotations

import functools
import importlib
import math
import operator
import re
from dataclasses import dataclass
from pathlib import Path

import peewee as pw
from flask import Blueprint, abort, current_app, render_template, send_from_directory, url_for
from werkzeug.local import LocalProxy

from linli import db, deps, registry
from linli import models as m
from linli.app import moment
from linli.home import page_settings
from linli.slugs import category_slug
from linli.publicity import EXPIRED, LIVE, include_for, public, public_condition, public_photos, visibility

blueprint = Blueprint("public", __name__)

TYPES = {kind.prefix: kind.model for kind in registry.with_pages()}  # types with item pages
# Theme files that browsers ask for at the site's root whatever the page links: served and
# built there as well as under /static/ (see linli.build).
ROOT_FILES = ("favicon.ico", "apple-touch-icon.png")
ROOT_FILE_RULE = "/<any({}):name>".format(", ".join(f'"{name}"' for name in ROOT_FILES))
CATEGORY_ENDPOINTS = {kind.prefix: f"public.{kind.key}_category" for kind in registry.TYPES if kind.category_pages}


# --- helpers ------------------------------------------------------------------------------


def newest_first(model):
    return (pw.fn.COALESCE(model.publish_at, model.created_at).desc(), model.id.desc())


def page_size() -> int:
    return int(current_app.config["LINLI_HOME"].settings["page_size"])


@dataclass
class Pagination:
    items: list
    page: int
    pages: int
    total: int
    endpoint: str
    values: dict

    def url(self, page: int) -> str:
        if page == 1:
            return url_for(self.endpoint, **self.values)
        return url_for(self.endpoint, page=page, **self.values)

    @property
    def prev_url(self) -> str | None:
        return self.url(self.page - 1) if self.page > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.url(self.page + 1) if self.page < self.pages else None


def paginate(query, page: int, endpoint: str, **values) -> Pagination:
    """Page ``page`` of the list ``query`` at ``endpoint`` (with ``values``): the list's query
    depends on the endpoint and its values only (a build compiles it once for all its pages)."""
    if page < 1:
        abort(404)
    size = page_size()
    start = (page - 1) * size
    shape = ("list", endpoint, *sorted(values.items()))
    items, total = deps.ordered_slice(query, start, start + size, shape)  # in a build, each page a slice of one read
    pages = max(1, math.ceil(total / size))
    if page < 1 or page > pages:
        abort(404)
    return Pagination(items, page, pages, total, endpoint, values)


def categories(model, include: str = LIVE) -> list[tuple[str, int]]:
    """(category, number of public items), most used first."""
    rows = (
        model.select(model.category, pw.fn.COUNT(model.id).alias("n"))
        .where(public_condition(model, moment(), include=include))
        .group_by(model.category)
        .order_by(pw.fn.COUNT(model.id).desc(), model.category)
        .tuples()
    )
    return deps.memo(("categories", model.__name__, include), lambda: list(rows))


def category_names(model, key: str) -> tuple[str, list[str]]:
    """The category shown for URL segment ``key`` and every category name that maps to it."""
    names = [name for name, _ in categories(model) if category_slug(name) == key]
    if not names:
        abort(404)
    return names[0], names


def category_url(prefix: str, name: str) -> str:
    return url_for(CATEGORY_ENDPOINTS[prefix], key=category_slug(name))


def natural_key(text: str) -> list:
    """Sort "3号楼" before "12号楼"."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def get_public(model, slug: str):
    item = deps.row_by_slug(model, slug)
    state = visibility(item, moment()) if item else None
    if state is None:
        abort(404)
    return item, state


def items_asked(app, urls) -> dict:
    """``{model: slugs}`` of the items whose pages or posters are among ``urls`` (paths of the
    public ``app``, in either tree): what those pages will look up by slug (:func:`get_public`)."""
    from urllib.parse import unquote

    from werkzeug.exceptions import HTTPException
    from werkzeug.routing import RoutingException

    from linli.traditional import PREFIX

    adapter = app.extensions.get("linli_item_urls")
    if adapter is None:
        adapter = app.extensions["linli_item_urls"] = app.url_map.bind("localhost")
    found: dict = {}
    for url in urls:
        path = unquote(url.partition("?")[0])
        if path.startswith(PREFIX + "/"):
            path = path[len(PREFIX) :]
        try:
            _, args = adapter.match(path, method="GET")
        except (HTTPException, RoutingException):
            continue
        model = TYPES.get(args.get("prefix"))
        if model is not None and isinstance(args.get("slug"), str):
            found.setdefault(model, []).append(args["slug"])
    return found


def upcoming_events():
    now = moment()
    ends = pw.fn.COALESCE(m.Event.ends_at, m.Event.starts_at)
    return public(m.Event, now).where(ends >= now).order_by(m.Event.starts_at, m.Event.id)


def live_notices():
    return public(m.Notice, moment()).order_by(m.Notice.pinned.desc(), *newest_first(m.Notice))


# --- pages --------------------------------------------------------------------------------


@blueprint.route("/")
def home():
    now = moment()
    notices = list(live_notices().limit(8))
    services = list(public(m.Service, now).order_by(m.Service.position, m.Service.id).limit(8))
    photos = list(public_photos(now).order_by(m.Photo.created_at.desc(), m.Photo.id.desc()).limit(6))
    return render_template(
        "home.html",
        notices=notices,
        services=services,
        service_categories=categories(m.Service),
        events=list(upcoming_events().limit(4)),
        photos=photos,
        stories=list(public(m.Story, now).order_by(*newest_first(m.Story)).limit(3)),
        wishes=list(public(m.Wish, now).where(m.Wish.wish_status == m.WISH_OPEN).limit(3)),
        newest=public(m.Notice, now).order_by(*newest_first(m.Notice)).first(),  # when the site last changed
    )


@blueprint.route("/notices/", defaults={"page": 1})
@blueprint.route("/notices/page/<int:page>/")
def notices(page: int):
    pagination = paginate(live_notices(), page, "public.notices")
    return render_template(
        "notice_list.html", pagination=pagination, categories=categories(m.Notice), category=None, archive=False
    )


@blueprint.route("/notices/category/<key>/", defaults={"page": 1})
@blueprint.route("/notices/category/<key>/page/<int:page>/")
def notice_category(key: str, page: int):
    category, names = category_names(m.Notice, key)
    query = live_notices().where(m.Notice.category.in_(names))
    pagination = paginate(query, page, "public.notice_category", key=key)
    return render_template(
        "notice_list.html", pagination=pagination, categories=categories(m.Notice), category=category, archive=False
    )


@blueprint.route("/notices/archive/", defaults={"page": 1})
@blueprint.route("/notices/archive/page/<int:page>/")
def notice_archive(page: int):
    query = public(m.Notice, moment(), include=EXPIRED).order_by(m.Notice.expires_at.desc(), m.Notice.id.desc())
    pagination = paginate(query, page, "public.notice_archive")
    return render_template(
        "notice_list.html", pagination=pagination, categories=categories(m.Notice), category=None, archive=True
    )


@blueprint.route("/services/")
def services():
    items = public(m.Service, moment()).order_by(m.Service.category, m.Service.position, m.Service.id)
    return render_template("service_list.html", groups=group_by(items, "category"), category=None)


@blueprint.route("/services/category/<key>/")
def service_category(key: str):
    category, names = category_names(m.Service, key)
    items = list(
        public(m.Service, moment()).where(m.Service.category.in_(names)).order_by(m.Service.position, m.Service.id)
    )
    return render_template("service_list.html", groups=[(category, items)], category=category)


@blueprint.route("/places/")
def places():
    items = public(m.Place, moment()).order_by(m.Place.category, pw.fn.COALESCE(m.Place.walking_minutes, 999))
    return render_template("place_list.html", groups=group_by(items, "category"), category=None)


@blueprint.route("/places/category/<key>/")
def place_category(key: str):
    category, names = category_names(m.Place, key)
    items = list(
        public(m.Place, moment())
        .where(m.Place.category.in_(names))
        .order_by(pw.fn.COALESCE(m.Place.walking_minutes, 999), m.Place.id)
    )
    return render_template("place_list.html", groups=[(category, items)], category=category)


@blueprint.route("/stories/", defaults={"page": 1})
@blueprint.route("/stories/page/<int:page>/")
def stories(page: int):
    pagination = paginate(public(m.Story, moment()).order_by(*newest_first(m.Story)), page, "public.stories")
    teams = list(public(m.VolunteerTeam, moment()).order_by(m.VolunteerTeam.title))
    return render_template("story_list.html", pagination=pagination, teams=teams)


@blueprint.route("/teams/")
def teams():
    items = list(public(m.VolunteerTeam, moment()).order_by(m.VolunteerTeam.title))
    return render_template("team_list.html", teams=items)


@blueprint.route("/wishes/")
def wishes():
    items = public(m.Wish, moment()).order_by(*newest_first(m.Wish))
    by_status = {status: [] for status, _ in m.WISH_STATUS_CHOICES}
    for wish in items:
        by_status[wish.wish_status].append(wish)
    return render_template("wish_list.html", by_status=by_status, labels=dict(m.WISH_STATUS_CHOICES))


@blueprint.route("/events/", defaults={"page": 1})
@blueprint.route("/events/page/<int:page>/")
def events(page: int):
    now = moment()
    ends = pw.fn.COALESCE(m.Event.ends_at, m.Event.starts_at)
    past = public(m.Event, now).where(ends < now).order_by(m.Event.starts_at.desc(), m.Event.id.desc())
    pagination = paginate(past, page, "public.events")
    upcoming = list(upcoming_events()) if page == 1 else []
    return render_template("event_list.html", upcoming=upcoming, pagination=pagination)


@blueprint.route("/albums/", defaults={"page": 1})
@blueprint.route("/albums/page/<int:page>/")
def albums(page: int):
    query = public(m.Album, moment()).order_by(pw.fn.COALESCE(m.Album.taken_on, m.Album.created_at).desc(), m.Album.id.desc())
    return render_template("album_list.html", pagination=paginate(query, page, "public.albums"))


@blueprint.route("/grids/")
def grids():
    items = list(public(m.Grid, moment()).order_by(m.Grid.position, m.Grid.id))
    buildings = sorted(
        ((building, grid) for grid in items for building in grid.building_list), key=lambda bg: natural_key(bg[0])
    )
    return render_template("grid_list.html", grids=items, buildings=buildings, members=grid_members(items))


@blueprint.route("/about/")
def about():
    now = moment()
    grids = list(public(m.Grid, now).order_by(m.Grid.position, m.Grid.id))
    pages = list(public(m.Page, now).order_by(m.Page.position, m.Page.id))
    return render_template("about.html", grids=grids, pages=pages)


def listing(kind: registry.ContentType, spec: registry.Listing):
    """A list page a type declares: its public items in the declared order, grouped when asked."""
    model = kind.model
    items = list(public(model, moment()).order_by(*(getattr(model, name) for name in spec.order)))
    extra = {}
    if spec.context:
        module, name = spec.context.split(":")
        extra = getattr(importlib.import_module(module), name)()
    return render_template(spec.template, kind=kind, items=items, groups=grouped(items, spec.group_by), **extra)


def grouped(items, name: str | None) -> list[tuple[str, list]]:
    """(label, items) by field ``name``: a choice field in the order of its choices, by label."""
    if name is None:
        return []
    choices = items[0]._meta.fields[name].choices if items else None
    if not choices:
        return group_by(items, name)
    found = dict(group_by(items, name))
    return [(label, found[value]) for value, label in choices if value in found]


def _add_listings() -> None:
    """A route for every list page the types declare: ``/<prefix>/[<name>/]``."""
    for kind in registry.TYPES:
        for spec in kind.lists:
            blueprint.add_url_rule(
                f"/{kind.prefix}/{spec.name}/" if spec.name else f"/{kind.prefix}/",
                endpoint=f"{kind.prefix}_{spec.name}" if spec.name else kind.prefix,
                view_func=functools.partial(listing, kind, spec),
            )


_add_listings()


@blueprint.route("/404.html")
def not_found_page():
    return render_template("404.html"), 404 if not current_app.config["LINLI_BUILD"] else 200


@blueprint.app_errorhandler(404)
def not_found(error):
    return render_template("404.html"), 404


@blueprint.route("/<any({}):prefix>/<slug>/".format(", ".join(f'"{prefix}"' for prefix in TYPES)))
def item(prefix: str, slug: str):
    model = TYPES[prefix]
    item, state = get_public(model, slug)
    return render_item(model, item, state)


def render_item(model, item, state: str, preview=False) -> str:
    """The page of ``item`` (a ``model``) in visibility ``state`` (LIVE or EXPIRED).

    It does not check that the item is public: :func:`item` does that first, and the admin's
    preview calls this for drafts. ``preview`` (True, or the banner's text) shows a preview
    banner; related items are still only the public ones."""
    now = moment()
    related: dict = {}
    children = model.kind.children
    if children is not None:
        related[children.key] = deps.bound_rows(
            ("children", model.__name__), lambda parent: child_rows(children, [parent]), item.id
        )  # (its SQL compiled once per build)
    if model is m.Album:
        related["event"] = item.event if item.event and visibility(item.event, now) else None
    elif model is m.Event:
        related["albums"] = list(public(m.Album, now).where(m.Album.event == item))
    elif model is m.Story:
        related["team"] = item.team if item.team and visibility(item.team, now) else None
    elif model is m.VolunteerTeam:
        related["stories"] = list(public(m.Story, now).where(m.Story.team == item).order_by(*newest_first(m.Story)))
    return render_template(model.kind.template, item=item, expired=state == EXPIRED, preview=preview, **related)


def child_rows(children: registry.Children, parent_ids, *columns):
    """The child rows that show on the pages of the items ``parent_ids`` (ids, or a query of
    them), in display order."""
    child = children.model
    parents = parent_ids if isinstance(parent_ids, pw.Query) else list(parent_ids)
    query = child.select(*columns).where(children.link.in_(parents)).order_by(child.position, child.id)
    if children.hidden:
        query = query.where(getattr(child, children.hidden) == False)  # noqa: E712
    return query


@blueprint.route("/media/<path:path>")
def media(path: str):
    home = current_app.config["LINLI_HOME"]
    return send_from_directory(Path(home.media_dir), path, max_age=3600)


@blueprint.route("/static/<path:path>")
def theme_static(path: str):
    return send_theme_file(current_app.config["LINLI_HOME"], path)


@blueprint.route(ROOT_FILE_RULE)
def root_file(name: str):
    return send_theme_file(current_app.config["LINLI_HOME"], name)


def send_theme_file(home, path: str):
    """A file of the theme's ``static/`` folder, the home's own override first (the admin
    serves the icons through this too)."""
    for theme_dir in home.theme_dirs:
        if (theme_dir / "static" / path).is_file():
            return send_from_directory(theme_dir / "static", path, max_age=3600)
    abort(404)


@blueprint.app_context_processor
def site_context() -> dict:
    return {
        **deps.memo("site_context", _site_rows),
        "home_settings": page_settings(current_app.config["LINLI_HOME"].settings),
        # No template of the theme shows the moment (a build's date on every page would change
        # every page every day); a home's template that does makes its page depend on it.
        "now": LocalProxy(deps.record_moment),
        "lang": current_app.config["LINLI_HOME"].settings["languages"][0],
        "site_nav": registry.navigation(),
    }


@blueprint.app_template_filter("word")
def in_site_language(text) -> str:
    """A declared name (:class:`linli.registry.Names`) in the site's language; other text as is."""
    if isinstance(text, registry.Names):
        return text.in_language(current_app.config["LINLI_HOME"].settings["languages"][0])
    return text


def _site_rows() -> dict:
    """What every page shows of the database: settings, urgent notices, menu pages."""
    return {
        "site": m.SiteSettings.get_current(),
        "urgent_notices": list(live_notices().where(m.Notice.urgent == True)),  # noqa: E712
        "menu_pages": list(public(m.Page, moment()).where(m.Page.in_menu == True).order_by(m.Page.position)),  # noqa: E712
    }


def group_by(items, attribute: str) -> list[tuple[str, list]]:
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(getattr(item, attribute), []).append(item)
    return list(groups.items())


def grid_members(grids) -> dict[int, list]:
    members = {grid.id: [] for grid in grids}
    for member in child_rows(m.Grid.kind.children, members):
        members[member.grid_id].append(member)
    return members


# --- every page, for the build --------------------------------------------------------------


def all_pages():
    """Yield (endpoint, values), or a URL, for every page of the public site. The build freezes
    exactly these (with the search pages, feeds and calendars), so a page that is not listed
    here does not exist in ``site/``."""
    yield from list_pages()
    yield from item_pages()


def list_pages():
    """(endpoint, values) of every page that is not one item's: home, lists and their pages."""
    now = moment()
    size = page_size()

    def pages_of(endpoint, count, **values):
        for page in range(2, max(1, math.ceil(count / size)) + 1):
            yield endpoint, {"page": page, **values}

    yield "public.home", {}
    yield "public.not_found_page", {}
    for endpoint in ("notices", "notice_archive", "services", "places", "stories", "teams", "wishes"):
        yield f"public.{endpoint}", {}
    yield "public.events", {}
    yield "public.albums", {}
    yield "public.grids", {}
    yield "public.about", {}
    for kind in registry.TYPES:
        for spec in kind.lists:
            yield f"public.{kind.prefix}_{spec.name}" if spec.name else kind.list_endpoint, {}
    yield from pages_of("public.notices", live_notices().count())
    yield from pages_of("public.notice_archive", public(m.Notice, now, include=EXPIRED).count())
    counts: dict[str, int] = {}
    for category, count in categories(m.Notice):
        key = category_slug(category)
        counts[key] = counts.get(key, 0) + count
    for key, count in counts.items():
        yield "public.notice_category", {"key": key}
        yield from pages_of("public.notice_category", count, key=key)
    for model, endpoint in ((m.Service, "public.service_category"), (m.Place, "public.place_category")):
        for key in {category_slug(category) for category, _ in categories(model)}:
            yield endpoint, {"key": key}
    yield from pages_of("public.stories", public(m.Story, now).count())
    ends = pw.fn.COALESCE(m.Event.ends_at, m.Event.starts_at)
    yield from pages_of("public.events", public(m.Event, now).where(ends < now).count())
    yield from pages_of("public.albums", public(m.Album, now).count())


def item_pages():
    """The URL of every public item's page."""
    for urls in public_items().values():
        yield from urls.values()


def public_items(ids: dict | None = None) -> dict[str, dict[int, str]]:
    """url prefix → id → URL of the page of every public item (of the items whose ids are in
    ``ids``, table → ids, when given)."""
    now = moment()
    found = {}
    for prefix, model in TYPES.items():
        query = public(model, now, include=include_for(model)).select(model.id, model.slug)
        if ids is None:
            rows = query.tuples()
        else:
            wanted = ids.get(model._meta.table_name, ())
            rows = [row for batch in db.batches(wanted) for row in query.where(model.id.in_(batch)).tuples()]
        rows = list(rows)
        found[prefix] = dict(zip([row[0] for row in rows], item_urls(prefix, [row[1] for row in rows])))
    return found


def item_urls(prefix: str, slugs):
    """``url_for("public.item", prefix=prefix, slug=slug)`` for each of many slugs: one URL is
    built from the URL map, the others by putting each slug, quoted as the URL map's own
    converter quotes it, in its place."""
    template = url_for("public.item", prefix=prefix, slug="slug")
    start, end = template.rsplit("/slug/", 1)
    to_url = current_app.url_map.converters["default"](current_app.url_map).to_url
    if _quote_segment(_QUOTE_PROBE) == to_url(_QUOTE_PROBE):
        to_url = _quote_segment  # the same, a run of characters at a time
    for slug in slugs:
        yield f"{start}/{to_url(slug)}/{end}"


_UNSAFE_RUN = re.compile(r"[^A-Za-z0-9_.~!$&'()*+,/:;=@-]+")
_QUOTE_PROBE = "".join(map(chr, range(32, 127))) + "社区é\u00a0\U0001f600"


def _quote_segment(text: str) -> str:
    """``text`` with every character outside the URL path's safe set as %XX of its UTF-8 bytes."""
    return _UNSAFE_RUN.sub(lambda run: "%" + run.group().encode().hex("%").upper(), text)


def public_media_paths(named: dict | None = None) -> set[str]:
    """Every media file a public page may show: photos (with renditions), covers, logos,
    attachments, and images that public Markdown bodies point at. ``named``: prefix → what
    :func:`media_named` gives for that type now, for the types the caller has it of."""
    from linli import media

    home = current_app.config["LINLI_HOME"]
    paths: set[str] = set()
    site = m.SiteSettings.get_current()
    paths.add(site.logo)
    paths.update(MEDIA_LINK.findall(site.intro or ""))
    for prefix, model in TYPES.items():
        paths.update(named[prefix] if named and prefix in named else media_named(model))
    paths.discard("")
    paths.discard(None)
    media_dir = home.media_dir
    stored = media.stored_files(media_dir)
    paths = {p for p in paths if p in stored}  # (a stored name has no "..": the walk does not list one)
    for path in list(paths):
        paths.update(p for _, p in media.renditions(media_dir, path, stored))
        paths.update(p for _, p in media.webp_renditions(media_dir, path, stored))
    return paths


def media_named(model) -> frozenset[str]:
    """The media paths (stored or not) that the public items of type ``model`` and their child
    rows name: a function of the rows of the type's table and its children's table, and of
    where the moment lies against their dates."""
    return frozenset().union(*media_named_by_item(model).values())


def media_named_by_item(model, ids=None) -> dict[int, frozenset[str]]:
    """id → the media paths that the public item of type ``model`` and its child rows name, for
    the items that name any; ``ids``: of those items only (a build that knows which rows of the
    type's table changed, and that its children's table did not, reads only those)."""
    kind = model.kind
    condition = public_condition(model, moment(), include=include_for(model))
    if ids is not None:
        condition &= model.id.in_(list(ids))
    named: dict[int, set[str]] = {}
    children = kind.children
    if children is not None and children.media:
        files = [children.model._meta.fields[name] for name in children.media]
        for parent, *row in child_rows(children, model.select(model.id).where(condition), children.link, *files).tuples():
            named.setdefault(parent, set()).update(path for path in row if path)
    if kind.media:
        for id_, *row in model.select(model.id, *(model._meta.fields[name] for name in kind.media)).where(condition).tuples():
            named.setdefault(id_, set()).update(path for path in row if path)
    texts = [model._meta.fields[name] for name in kind.markdown]
    if texts:  # only the texts that link to media (a quick filter in SQL)
        linking = functools.reduce(operator.or_, [text.contains("/media/") for text in texts])
        for id_, *row in model.select(model.id, *texts).where(condition & linking).tuples():
            for text in row:
                named.setdefault(id_, set()).update(MEDIA_LINK.findall(text or ""))
    return {id_: frozenset(paths) for id_, paths in named.items() if paths}


MEDIA_LINK = re.compile(r"/media/([\w./-]+)")
