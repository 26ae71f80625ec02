"""Security headers of the built site: the Content-Security-Policy every page carries in a
``<meta>`` tag, and the same rules as real HTTP headers for hosts that take them.

The policy allows only the site's own files: scripts (the search client and its index) and
stylesheets from the site itself, images from the site itself, no plugins, no frames, no
``<base>`` rewriting, forms only to the site. Inline ``style`` attributes stay allowed (the theme
uses a few; staff text cannot carry one: :mod:`linli.markup` keeps only ``text-align``). A
``<meta>`` policy cannot forbid framing, so ``frame-ancestors`` is only in the headers.

The build writes ``_headers`` (read by Netlify, Cloudflare Pages and similar static hosts) into
``site/``; :func:`nginx_snippet` gives the lines for an nginx ``server`` block (``docs/nginx.conf``).
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from markupsafe import Markup

# The one inline script a page carries (``base.html``: ``<script>{{ large_text_script }}</script>``):
# it applies the large-text mode the resident chose before the page is drawn, and remembers a
# new choice. Allowed by its hash, so no other inline script can run.
LARGE_TEXT_SCRIPT = Markup('(function(d){var r=d.documentElement;try{if(localStorage.getItem("linli-elder")==="1")r.classList.add("elder")}catch(e){}d.addEventListener("click",function(e){var a=e.target.closest&&e.target.closest("[data-elder]");if(!a)return;e.preventDefault();var on=a.getAttribute("data-elder")==="1";r.classList.toggle("elder",on);try{localStorage.setItem("linli-elder",on?"1":"0")}catch(x){}})})(document)')
_LARGE_TEXT_HASH = base64.b64encode(hashlib.sha256(LARGE_TEXT_SCRIPT.encode()).digest()).decode()

CONTENT_SECURITY_POLICY = (
    f"default-src 'self'; script-src 'self' 'sha256-{_LARGE_TEXT_HASH}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-src 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY + "; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HEADERS_FILE = "_headers"


def headers_file() -> str:
    """``_headers`` for static hosts: every path gets every header."""
    lines = ["# Security headers of this Linli site (Netlify / Cloudflare Pages format).", "/*"]
    lines += [f"  {name}: {value}" for name, value in HEADERS.items()]
    return "\n".join(lines) + "\n"


def nginx_snippet() -> str:
    """``add_header`` lines for the nginx ``server`` (or ``location``) that serves ``site/``."""
    lines = ["# Security headers of a Linli site: include this file in the server block serving site/."]
    lines += [f"add_header {name} \"{value}\" always;" for name, value in HEADERS.items()]
    return "\n".join(lines) + "\n"


def write_headers_file(site: Path) -> int:
    (site / HEADERS_FILE).write_text(headers_file(), encoding="utf-8")
    return 1
