"""Search that works for Chinese: one analyzer, a Whoosh index for the admin and the preview,
and a static index in the built site for residents' phones.

- :mod:`linli.search.analyzer`: NFKC, lower case, Traditional→Simplified per character, CJK as
  single characters and overlapping pairs, letters and digits as words (twin: search.js);
- :mod:`linli.search.documents`: the public text of the public items (the one rule decides);
- :mod:`linli.search.engine`: ``search_index/`` (Whoosh): :func:`index_item`, :func:`remove_item`,
  :func:`sync_index`, :func:`rebuild_index`, and :func:`search` with highlighted snippets;
- :mod:`linli.search.static`: ``site/search/`` written by the build (:func:`write_static_index`);
- :mod:`linli.search.web`: the search page and the title index pages (``blueprint``,
  :func:`search_pages` for the build).
"""

from linli.search.analyzer import fold, query_terms, terms, tokens
from linli.search.engine import Hit, SearchResults, index_item, rebuild_index, remove_item, search, sync_index
from linli.search.static import build_static_index, write_static_index
from linli.search.web import blueprint, search_pages

__all__ = [
    "Hit", "SearchResults", "blueprint", "build_static_index", "fold", "index_item", "query_terms",
    "rebuild_index", "remove_item", "search", "search_pages", "sync_index", "terms", "tokens",
    "write_static_index",
]  # fmt: skip
