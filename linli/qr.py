"""QR codes for printed pages: a notice posted in a stairwell carries a code that opens its
page on a phone. Made at build time as inline SVG by ``segno`` (pure Python, no service), so
it costs no request and prints sharp at any size.

A QR code needs the page's public address, so it is only made when ``base_url`` is set in
``linli.toml``; without it the printed notice simply has none. Every QR code of the site (these,
and the share posters' in :mod:`linli.share`) is made by :func:`qr_code`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import request
from markupsafe import Markup

from linli.feeds import absolute_url

if TYPE_CHECKING:
    import segno


#: The mask pattern of every code. Any of the eight is valid for every reader; segno's trying all
#: eight for the best-scored one took four times as long as making the code, for each notice
#: page and share poster of a build (read from 1,500 long addresses by zxing-cpp, downscaled and
#: blurred, a fixed mask failed no more often than the best one).
MASK = 6


def qr_code(address: str) -> segno.QRCode:
    """The QR code of ``address``: error correction level M (a stain or a fold), never a Micro QR."""
    import segno  # (only for a page or poster with a QR code: with base_url)

    return segno.make(address, error="m", micro=False, mask=MASK)


def qr_svg(path: str | None = None, title: str = "") -> Markup:
    """Inline SVG of a QR code for the public address of ``path`` (default: this page)."""
    address = absolute_url(path or request.path)
    if not address:
        return Markup("")
    svg = qr_code(address).svg_inline(scale=1, border=2, omitsize=True, svgclass="qr", lineclass="", title=title or None)
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1) if title else svg)
