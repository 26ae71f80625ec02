"""The search page and the title index pages of the public site.

In a build, ``/search/`` is a page that works three ways: with JavaScript, ``search.js`` answers
from the static index (also opened from disk); without it, the page offers the category pages
and the index of titles by type (``/search/titles/<type>/``), which need nothing. In the
preview server (``linli serve``) the same page answers from the Whoosh index on the server.
"""

from __future__ import annotations

import json
import unicodedata

from flask import Blueprint, abort, current_app, render_template, request, url_for

from linli import models as m
from linli.search import analyzer
from linli.search.documents import GROUPS, MODELS, TYPE_LABELS_EN, includes, types_for

blueprint = Blueprint("search", __name__)

# The theme's catalogue is owned by the templates' translators; search keeps its few words here.
TEXT_EN = {
    "搜索": "Search",
    "搜索本站": "Search this site",
    "如：低保、停水、托老站": "e.g. allowance, water cut, day care",
    "全部": "All",
    "按类型筛选": "Filter by type",
    "找到 {n} 条结果": "{n} results",
    "找到约 {n} 条结果": "About {n} results",
    "没有找到“{q}”的结果。换个说法，或按分类查看。": "Nothing found for “{q}”. Try other words, or browse by category.",
    "没有同时包含全部关键词的结果，以下结果包含其中一部分。": "No result has every word; these have some of them.",
    "显示更多结果": "Show more results",
    "正在搜索…": "Searching…",
    "请输入要找的内容。": "Type what you are looking for.",
    "搜索数据加载失败，请刷新页面再试。": "The search data did not load: reload the page and try again.",
    "往期": "Archived",
    "本页的搜索需要启用 JavaScript。也可以按分类或按标题查找：": "Searching here needs JavaScript. You can also browse by category or by title:",
    "按分类查看": "Browse by category",
    "标题索引": "All titles by type",
    "{type}：全部标题": "{type}: all titles",
    "共 {n} 条": "{n} items",
    "搜索结果": "Search results",
    "返回搜索": "Back to search",
}


def text(zh: str, **values) -> str:
    """``zh`` in the site's language (Chinese, or English when the site's first language is en)."""
    language = current_app.config["LINLI_HOME"].settings["languages"][0]
    wording = TEXT_EN.get(zh, zh) if language.startswith("en") else zh
    return wording.format(**values) if values else wording


def group_label(key: str) -> str:
    language = current_app.config["LINLI_HOME"].settings["languages"][0]
    for group, zh, en, _ in GROUPS:
        if group == key:
            return en if language.startswith("en") else zh
    return key


def type_label(prefix: str) -> str:
    language = current_app.config["LINLI_HOME"].settings["languages"][0]
    return TYPE_LABELS_EN[prefix] if language.startswith("en") else MODELS[prefix].type_label


@blueprint.app_context_processor
def search_context() -> dict:
    return {"search_text": text}


@blueprint.route("/search/")
def page():
    from linli.app import moment
    from linli.public import categories, category_url

    build = current_app.config["LINLI_BUILD"]
    home = current_app.config["LINLI_HOME"]
    query = request.args.get("q", "").strip()[:100]
    chosen = request.args.get("type", "")
    chosen = chosen if chosen in {key for key, *_ in GROUPS} else ""
    context = {
        "q": query, "chosen": chosen, "groups": [(key, group_label(key)) for key, *_ in GROUPS],
        "results": None, "manifest": None, "client": None,
    }  # fmt: skip
    if build:
        from linli.search.static import static_index

        index = static_index()
        context["manifest"] = json.dumps(index.manifest, separators=(",", ":"))
        context["client_src"] = index.manifest["client"]
        context["client"] = json.dumps(_client_text(), ensure_ascii=False, separators=(",", ":"))
    elif query:
        from linli.search.engine import search

        context["results"] = search(home, query, limit=50, types=chosen or None, at=moment())
    browse = []
    for prefix, label in (("notices", group_label("notice")), ("services", group_label("service")),
                          ("places", group_label("place"))):  # fmt: skip
        found = categories(MODELS[prefix])
        if found:
            browse.append((label, [(name, count, category_url(prefix, name)) for name, count in found]))
    context["browse"] = browse
    context["title_pages"] = [(key, label, count) for key, label, count in _title_counts() if count]
    context["type_label"] = type_label
    return render_template("search.html", **context)


def _client_text() -> dict:
    keys = {
        "found": "找到 {n} 条结果", "about": "找到约 {n} 条结果", "none": "没有找到“{q}”的结果。换个说法，或按分类查看。",
        "partial": "没有同时包含全部关键词的结果，以下结果包含其中一部分。", "busy": "正在搜索…",
        "empty": "请输入要找的内容。", "failed": "搜索数据加载失败，请刷新页面再试。", "archived": "往期",
        "more": "显示更多结果",
    }  # fmt: skip
    out = {name: text(zh) for name, zh in keys.items()}
    out["types"] = {prefix: type_label(prefix) for prefix in MODELS}
    out["lang"] = current_app.config["LINLI_HOME"].settings["languages"][0]
    return out


def _title_counts():
    from linli.app import moment
    from linli.publicity import public

    at = moment()
    for key, *_ in GROUPS:
        prefixes = types_for(key)
        count = sum(public(MODELS[p], at, include=includes(MODELS[p])).count() for p in prefixes)
        yield key, group_label(key), count


def initial(title: str) -> str:
    """The heading a title is listed under: its first letter (A–Z), 0–9, or its first character."""
    folded = analyzer.fold(title).strip()
    for char in folded:
        if analyzer.char_class(char) == analyzer.CJK:
            return char
        if analyzer.char_class(char) == analyzer.WORD:
            if char.isdigit():
                return "0–9"
            base = unicodedata.normalize("NFKD", char)[0].upper()
            return base if "A" <= base <= "Z" else char.upper()
    return "#"


@blueprint.route("/search/titles/<group>/")
def titles(group: str):
    from linli.app import moment
    from linli.publicity import EXPIRED, public, visibility

    if group not in {key for key, *_ in GROUPS}:
        abort(404)
    at = moment()
    items = []
    for prefix in sorted(types_for(group)):
        model = MODELS[prefix]
        for item in public(model, at, include=includes(model)):
            items.append((analyzer.fold(item.title), item, visibility(item, at) == EXPIRED))
    if not items:
        abort(404)
    items.sort(key=lambda entry: (_initial_order(initial(entry[1].title)), entry[0], entry[1].id))
    sections: list[tuple[str, list]] = []
    for _, item, expired in items:
        head = initial(item.title)
        if not sections or sections[-1][0] != head:
            sections.append((head, []))
        sections[-1][1].append((item, expired))
    return render_template(
        "search.html", titles_of=group_label(group), sections=sections, count=len(items), type_label=type_label,
        q="", chosen="", groups=[], results=None, manifest=None, client=None, browse=[], title_pages=[],
    )  # fmt: skip


def _initial_order(head: str):
    """Latin letters first, then digits, then characters by code point, "#" last."""
    if len(head) == 1 and "A" <= head <= "Z":
        return (0, head)
    if head == "0–9":
        return (1, head)
    if head == "#":
        return (3, head)
    return (2, head)


def search_pages():
    """The pages of search, for the build: the search page and one title index per type."""
    yield "search.page", {}
    for key, _, count in _title_counts():
        if count:
            yield "search.titles", {"group": key}


def search_url() -> str:
    return url_for("search.page")
