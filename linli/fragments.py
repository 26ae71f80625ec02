"""Template fragments that many pages show alike, rendered once per build process.

A theme marks such a fragment ``{% shared key, … %}…{% endshared %}`` (the header, the
navigation, the footer of :file:`base.html`): within one build process its output is made the
first time and served again to every page whose ``key`` values are the same. What it shows
must be decided by the build's fixed inputs (settings, the theme, the build's moment, the
build-wide memos such as ``site``, ``urgent_notices``, ``menu_pages``: :func:`linli.deps.memo`)
and by the key values the tag names: never by a page's own variables left out of the key. The
fragment's place in its template (the template's name and the tag's line) and whether the page
is in the Traditional tree are always part of the key, so a home that overrides the template
file, with or without the tag, gets its own fragments.

The fragment's output is kept as a :func:`linli.deps.memo`: every page that shows it depends on
what it read when it was made, as if the page had made it itself (the edit path sees the same
dependencies as a full build). Outside a build (the preview server) it is rendered every time.
"""

from __future__ import annotations

from jinja2 import nodes
from jinja2.ext import Extension

from linli import deps
from linli.traditional import in_tree


class SharedFragments(Extension):
    """The ``{% shared key, … %}…{% endshared %}`` tag (see the module)."""

    tags = {"shared"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        values = [nodes.Const(parser.name), nodes.Const(lineno)]
        while parser.stream.current.type != "block_end":
            if len(values) > 2:
                parser.stream.expect("comma")
            values.append(parser.parse_expression())
        body = parser.parse_statements(("name:endshared",), drop_needle=True)
        key = nodes.Tuple(values, "load")
        return nodes.CallBlock(self.call_method("_shared", [key]), [], [], body).set_lineno(lineno)

    def _shared(self, key: tuple, caller):
        return deps.memo(("shared", in_tree(), *key), caller)
