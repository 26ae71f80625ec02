"""The title index's entries kept between builds: ``.build-cache/titles.pickle``.

:mod:`linli.search.web` lists every title of a type, sorted by first letter; a build that has the
last build's entries (and the change log's list of rows written since) looks up only those rows.
The file holds (token, group → (query keys, entries, parts)); the manifest names the token of
the file that is its build's, so a file that a later, unfinished build wrote is not trusted.
"""

from __future__ import annotations

import gc
import logging
import os
import pickle

from linli import deps
from linli.build.commit import no_collection
from linli.build.context import CACHE_DIR, UNREADABLE, BuildContext, LogMark, Manifest
from linli.home import Home

TITLES = "titles.pickle"

log = logging.getLogger(__name__)


def load_titles(home: Home, last: Manifest | None, scan: deps.Scan) -> tuple | None:
    """The last build's title entries (token, group → (query keys, entries, parts)), when its
    manifest names the file's token and the scan says which rows were written since."""
    from linli.search.web import TitleRow

    if last is None or last.titles is None or scan.changed is None:
        return None
    try:
        with open(home.root / CACHE_DIR / TITLES, "rb") as f, no_collection():
            token, plain = pickle.load(f)
            if token != last.titles:
                return None
            groups = {group: (keys, [TitleRow(*e) for e in entries], parts)
                      for group, (keys, entries, parts) in plain.items()}  # fmt: skip
            gc.freeze()  # (as the manifest's: before the collector is back)
    except UNREADABLE:
        return None  # none, or of another Linli: the title index is read again
    return token, groups


def titles_to_keep(context: BuildContext, kept: tuple | None, mark: LogMark | None) -> tuple[str | None, tuple | None]:
    """(the token of the title entries file the manifest names, the file's content to write or
    None when the file is the last build's)."""
    made = context.title_entries
    if not made or mark is None:
        return None, None
    if kept is not None and made.keys() == kept[1].keys() and all(made[g][1] is kept[1][g][1] for g in made):
        return kept[0], None
    plain = {group: (keys, [tuple(entry) for entry in entries], parts) for group, (keys, entries, parts) in made.items()}
    return mark.token, (mark.token, plain)  # as plain tuples: twice as fast to write and read


def write_titles(home: Home, content: tuple | None) -> None:
    """Write the title entries file, after the site and its manifest are in place: a build killed
    before leaves the last build's file, whose token the new manifest does not name (the next
    build reads the titles again)."""
    if content is None:
        return
    path = home.root / CACHE_DIR / TITLES
    temporary = path.with_suffix(".tmp")
    try:
        with open(temporary, "wb") as f, no_collection():
            pickle.dump(content, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except OSError:  # a cache: the next build reads the titles again
        log.exception("title index entries not kept")
