"""QR codes for printed pages: a notice posted in a stairwell carries a code that opens its
page on a phone. Made at build time as inline SVG by ``segno`` (pure Python, no service), so
it costs no request and prints sharp at any size.

A QR code needs the page's public address, so it is only made when ``base_url`` is set in
``linli.toml``; without it the printed notice simply has none.
"""

from __future__ import annotations

from flask import request
from markupsafe import Markup

import segno

from linli.feeds import absolute_url


def qr_svg(path: str | None = None, title: str = "") -> Markup:
    """Inline SVG of a QR code for the public address of ``path`` (default: this page)."""
    address = absolute_url(path or request.path)
    if not address:
        return Markup("")
    code = segno.make(address, error="m", micro=False)
    svg = code.svg_inline(scale=1, border=2, omitsize=True, svgclass="qr", lineclass="", title=title or None)
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1) if title else svg)
