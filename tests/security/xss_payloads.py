"""A corpus of script-injection payloads for every field staff type.

Each template has ``X`` where the script would run; :func:`payloads` replaces it with a call of
the page's sentinel ``__xss(n)``, so a payload that ever runs says which one it was. Some also
use ``alert`` so that a dialog shows up. Sources: the OWASP XSS filter evasion cheat sheet,
PortSwigger's XSS cheat sheet, and Markdown-specific tricks (link/image URLs and titles).
"""

from __future__ import annotations

import base64

SCRIPT_TAGS = [
    "<script>X</script>",
    "<SCRIPT>X</SCRIPT>",
    "<script type=\"text/javascript\">X</script>",
    "<script src=\"data:text/javascript,X\"></script>",
    "<SCRIPT SRC=data:,X></SCRIPT>",
    "</title><script>X</script>",
    "</textarea><script>X</script>",
    "</style><script>X</script>",
    "</script><script>X</script>",
    "\"><script>X</script>",
    "'><script>X</script>",
    "<scr<script>ipt>X</scr</script>ipt>",
    "<<script>X//<</script>",
    "<script\x0cx>X</script>",
    "<script/xss>X</script>",
    "<script>/*</script><script>X//*/</script>",
    "<!--><script>X</script>-->",
    "<![CDATA[<script>X</script>]]>",
]
EVENT_HANDLERS = [
    "<img src=x onerror=X>",
    "<img src=\"x\" onerror=\"X\">",
    "<IMG SRC=x OnErRoR=X>",
    "<img/src/onerror=X>",
    "<img src=x onerror=X//",
    "<svg onload=X>",
    "<svg/onload=X>",
    "<body onload=X>",
    "<body onpageshow=X>",
    "<input autofocus onfocus=X>",
    "<select autofocus onfocus=X></select>",
    "<textarea autofocus onfocus=X></textarea>",
    "<details open ontoggle=X>",
    "<video><source onerror=X></video>",
    "<audio src=x onerror=X>",
    "<iframe onload=X></iframe>",
    "<marquee onstart=X>m</marquee>",
    "<div onmouseover=X>hover</div>",
    "<x onclick=X>click</x>",
    "<object data=x onerror=X></object>",
    "<input type=image src=x onerror=X>",
    "<img srcset=x onerror=X>",
    "<picture><source srcset=x><img src=x onerror=X></picture>",
    "<div style=\"animation-name:spin\" onanimationstart=X>",
    "<style>@keyframes spin{}</style><b style=\"animation-name:spin\" onanimationstart=X>b</b>",
    "<img src=x onerror=&#95;&#95;xss(N)>",
    "<img src=x onerror=\"window['__xss'](N)\">",
    "<img src=x onerror=top[`__xss`](N)>",
    "<form><button formaction=javascript:X>go</button></form>",
    "<img src=x onerror=alert(N)>",
]
BARE_URLS = [  # what staff might paste into a field that becomes a link (a service's online form)
    "javascript:X",
    "JaVaScRiPt:X",
    "  javascript:X",
    "java\tscript:X",
    "javascript://example.com/%0aX",
    "data:text/html,<script>X</script>",
    "data:text/html;base64,B64",
    "vbscript:X",
    "https://example.invalid/\" onmouseover=\"X",
]
JAVASCRIPT_URLS = [
    "<a href=\"javascript:X\">link</a>",
    "<a href=\"JaVaScRiPt:X\">link</a>",
    "<a href=\" javascript:X\">link</a>",
    "<a href=\"java\tscript:X\">link</a>",
    "<a href=\"&#106;avascript:X\">link</a>",
    "<a href=\"&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;X\">link</a>",
    "<a href=\"javascript&colon;X\">link</a>",
    "<a href=\"\x01javascript:X\">link</a>",
    "<a href=\"vbscript:X\">link</a>",
    "<iframe src=\"javascript:parent.X\"></iframe>",
    "<embed src=\"javascript:X\">",
    "<object data=\"javascript:X\"></object>",
    "<form action=\"javascript:X\"><input type=submit></form>",
    "<base href=\"javascript:X//\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:X\">",
    "<math><a xlink:href=\"javascript:X\">m</a></math>",
    "<table background=\"javascript:X\"><tr><td>t</td></tr></table>",
    "<isindex action=javascript:X type=image>",
]
DATA_URLS = [
    "<a href=\"data:text/html,<script>X</script>\">d</a>",
    "<a href=\"data:text/html;base64,B64\">d</a>",
    "<iframe src=\"data:text/html,<script>parent.X</script>\"></iframe>",
    "<object data=\"data:text/html;base64,B64\"></object>",
    "<embed src=\"data:image/svg+xml;base64,SVG64\">",
    "<img src=\"data:image/svg+xml;base64,SVG64\">",
    "<iframe srcdoc=\"<script>parent.X</script>\"></iframe>",
    "<link rel=stylesheet href=\"data:text/css,*{background:url(javascript:X)}\">",
]
SVG = [
    "<svg><script>X</script></svg>",
    "<svg><script href=\"data:,X\"/></svg>",
    "<svg><animate onbegin=X attributeName=x dur=1s>",
    "<svg><set attributeName=onmouseover to=X />",
    "<svg><a xlink:href=\"javascript:X\"><text x=20 y=20>s</text></a></svg>",
    "<svg><foreignObject><iframe onload=X></iframe></foreignObject></svg>",
    "<svg><image href=x onerror=X />",
    "<svg><use href=\"data:image/svg+xml;base64,SVG64#x\"/></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=X>",
]
MALFORMED = [
    "<img \"\"\"><script>X</script>\">",
    "<<img src=x onerror=X>>",
    "<!--<img src=\"--><img src=x onerror=X//\">",
    "<noscript><p title=\"</noscript><img src=x onerror=X>\">",
    "<style><img src=\"</style><img src=x onerror=X//\">",
    "<xmp><img src=\"</xmp><img src=x onerror=X>\">",
    "<title><img src=\"</title><img src=x onerror=X>\">",
    "<textarea><img src=\"</textarea><img src=x onerror=X>\">",
    "<a href=\"x\" onclick=X>",
    "<div style=\"background:url(javascript:X)\">s</div>",
    "<div style=\"width:expression(X)\">e</div>",
    "<img src=`x` onerror=X>",
    "<img src= onerror=X>",
    "<svg></p><style><a id=\"</style><img src=1 onerror=X>\">",
    "<a/href=\"javascript&#0000058X\">a</a>",
    "\u003cimg src=x onerror=X\u003e",
    "<iMg sRc=x oNeRrOr=X>",
    "<img src=x onerror\x00=X>",
    "<img src=x onerror\x0b=X>",
]
MARKDOWN = [
    "[click](javascript:X)",
    "[click](JAVASCRIPT:X)",
    "[click](javascript&#58;X)",
    "[click](<javascript:X>)",
    "[click](data:text/html;base64,B64)",
    "![img](javascript:X)",
    "![img](x\" onerror=\"X)",
    "![img](https://example.invalid/a.png\"onerror=\"X)",
    "[a](https://example.invalid \"t\\\" onmouseover=\\\"X\")",
    "[a](https://example.invalid 't\\' onmouseover=\\'X')",
    "[a]: javascript:X\n\n[a]",
    "<javascript:X>",
    "[x](#\" onclick=\"X)",
    "[<img src=x onerror=X>](https://example.invalid)",
    "*<img src=x onerror=X>*",
    "> <script>X</script>",
    "# <img src=x onerror=X>",
    "| a |\n|---|\n| <img src=x onerror=X> |",
    "`<script>X</script>`",
    "```\n<script>X</script>\n```",
    "    <script>X</script>",
    "![a](data:image/svg+xml;base64,SVG64)",
    "[a](vbscript:X)",
    "<http://x.invalid/\"onmouseover=\"X>",
    "[a](https://x.invalid/ \"&quot;><img src=x onerror=X>\")",
]
ATTRIBUTE_BREAKING = [
    "\" onmouseover=\"X",
    "' onmouseover='X",
    "\" autofocus onfocus=\"X\" x=\"",
    "' autofocus onfocus='X' x='",
    "\"><img src=x onerror=X>",
    "'><img src=x onerror=X>",
    "`><img src=x onerror=X>",
    "\"/><svg onload=X>",
    "</a><img src=x onerror=X>",
    "x\" style=\"animation-name:spin\" onanimationstart=\"X",
    "\" onfocus=\"X\" autofocus tabindex=\"1",
    "&quot; onmouseover=&quot;X",
    "</p></div></main><script>X</script>",
]
TEMPLATE_AND_SCRIPT_CONTEXT = [
    "{{ config }}{{7*7}}",
    "${X}",
    "'-X-'",
    "\";X;//",
    "\\\";X;//",
    "</script><img src=x onerror=X>",
    "\u2028X\u2029",
    "-->X<!--",
    "{% raw %}<script>X</script>",
]

TEMPLATES = (
    BARE_URLS + SCRIPT_TAGS + EVENT_HANDLERS + JAVASCRIPT_URLS + DATA_URLS + SVG + MALFORMED + MARKDOWN
    + ATTRIBUTE_BREAKING + TEMPLATE_AND_SCRIPT_CONTEXT
)  # fmt: skip


def payloads() -> list[str]:
    """Every template with ``X`` (and its base64 forms) made into a call of ``__xss(n)``."""
    result = []
    for n, template in enumerate(TEMPLATES):
        call = f"__xss({n})"
        html = base64.b64encode(f"<script>parent.{call}</script>".encode()).decode()
        svg = base64.b64encode(
            f'<svg xmlns="http://www.w3.org/2000/svg" id="x" onload="{call}"><script>{call}</script></svg>'.encode()
        ).decode()
        text = template.replace("B64", html).replace("SVG64", svg).replace("X", call).replace("(N)", f"({n})")
        result.append(text)
    return result
