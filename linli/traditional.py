"""The site in Traditional characters: with ``languages = ["zh-Hans", "zh-Hant"]`` in
``linli.toml`` every page is also published under ``/zh-hant/``, converted by OpenCC's
phrase-level Simplified→Traditional conversion with the usual printed character forms
(``s2tw``: 头发/发现 → 頭髮/發現, 为 → 為). The mainland vocabulary is kept, so 社区 stays 社區
and does not become Taiwan's 社群 (``s2twp`` would also swap words).

How: ``/zh-hant/<path>`` renders the page at ``/<path>`` while links to pages get the
``/zh-hant`` prefix (photos, attachments, theme files, feeds and the search data are shared by
both trees), then converts the page's text. Addresses, ids and other attributes that name
things are never converted, so every relative link works in both trees. Every page carries a
switch (``script_switch``) to the same page in the other script.
"""

from __future__ import annotations

import functools
import posixpath
import re

from flask import Blueprint, abort, current_app, has_request_context, request, url_for
from markupsafe import Markup
from werkzeug.exceptions import NotFound
from werkzeug.routing import RequestRedirect

from linli.home import Home

HANS, HANT = "zh-Hans", "zh-Hant"
PREFIX = "/zh-hant"
CONVERSION = "s2tw"
SCRIPT_KEY = "linli.script"  # in the request's environ: the script of the page being rendered
# Only these endpoints have pages in the Traditional tree; anything else is shared.
TREE_BLUEPRINTS = ("public.", "search.", "share.")
SHARED_ENDPOINTS = {"public.media", "public.theme_static", "public.root_file"}

blueprint = Blueprint("traditional", __name__)


def enabled(home: Home) -> bool:
    """Whether this home publishes the Traditional tree besides its Simplified site."""
    languages = home.settings["languages"]
    return languages[0] == HANS and HANT in languages[1:]


def in_tree() -> bool:
    """Whether the page being rendered is the Traditional one."""
    return has_request_context() and request.environ.get(SCRIPT_KEY) == HANT


@functools.lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC(CONVERSION)


def to_traditional(text: str) -> str:
    return _converter().convert(text)


# Attribute values that name or address something: kept as they are.
_KEPT_ATTR = re.compile(
    r'\s(?:href|src|srcset|action|id|for|name|headers|aria-labelledby|aria-describedby|aria-controls'
    r'|data-manifest|class|datetime)="[^"]*"'
)
_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")  # private-use characters: OpenCC leaves them


def html_to_traditional(html: str) -> str:
    """Convert the text of an HTML page (text nodes and wording attributes such as ``alt``,
    ``title``, ``content``, ``placeholder``, ``aria-label``), never its addresses or ids."""
    kept: list[str] = []

    def keep(match: re.Match) -> str:
        kept.append(match.group(0))
        return f"\ue000{len(kept) - 1}\ue001"

    converted = to_traditional(_KEPT_ATTR.sub(keep, html))
    return _PLACEHOLDER.sub(lambda match: kept[int(match.group(1))], converted)


def install(app) -> None:
    """Make ``url_for`` give Traditional pages the ``/zh-hant`` prefix while one is rendered,
    and register the tree's routes."""
    plain = app.url_for

    def url_for_in_tree(endpoint: str, **values) -> str:
        url = plain(endpoint, **values)
        if in_tree() and endpoint.startswith(TREE_BLUEPRINTS) and endpoint not in SHARED_ENDPOINTS:
            return PREFIX + url if url.startswith("/") else url
        return url

    app.url_for = url_for_in_tree
    app.jinja_env.globals["url_for"] = url_for_in_tree
    app.register_blueprint(blueprint)


@blueprint.route(f"{PREFIX}/", defaults={"path": ""})
@blueprint.route(f"{PREFIX}/<path:path>")
def page(path: str):
    """The page at ``/<path>``, in Traditional characters."""
    app = current_app
    if not enabled(app.config["LINLI_HOME"]):
        abort(404)
    try:
        endpoint, values = app.url_map.bind("localhost").match("/" + path, method="GET")
    except (NotFound, RequestRedirect):
        abort(404)
    if not endpoint.startswith(TREE_BLUEPRINTS) or endpoint in SHARED_ENDPOINTS:
        abort(404)
    request.environ[SCRIPT_KEY] = HANT
    response = app.make_response(app.view_functions[endpoint](**values))
    if response.mimetype == "text/html" and not response.direct_passthrough:
        response.set_data(html_to_traditional(response.get_data(as_text=True)))
    return response


@blueprint.app_context_processor
def script_context() -> dict:
    home = current_app.config["LINLI_HOME"]
    if not enabled(home):
        return {"script_switch": None, "page_lang": None}
    if in_tree():
        switch = {"url": request.path[len(PREFIX):] or "/", "label": _verbatim("简体"), "lang": HANS,
                  "title": _verbatim("简体中文")}  # fmt: skip
    else:
        switch = {"url": PREFIX + request.path, "label": _verbatim("繁體"), "lang": HANT,
                  "title": _verbatim("繁體中文")}  # fmt: skip
    return {"script_switch": switch, "page_lang": HANT if in_tree() else HANS}


def _verbatim(text: str) -> Markup:
    """``text`` as character references, which the conversion leaves alone: the name of
    each script is written in that script."""
    return Markup("".join(f"&#{ord(char)};" for char in text))


def search_base() -> str:
    """Where the search page finds the static index and its script: its own folder, or the
    Simplified tree's ``search/`` from the Traditional search page."""
    if not in_tree():
        return ""
    here = posixpath.dirname(request.path.rstrip("/") + "/x")
    return posixpath.relpath(url_for("search.page")[len(PREFIX):], here) + "/"


def traditional_pages():
    """Every HTML page of the site again under ``/zh-hant/``, when the setting asks for it."""
    if not enabled(current_app.config["LINLI_HOME"]):
        return
    from linli.public import all_pages
    from linli.search import search_pages

    for generator in (all_pages, search_pages):
        for entry in generator():
            yield PREFIX + (entry if isinstance(entry, str) else url_for(entry[0], **entry[1]))
