"""``linli serve --production``: the preview and the admin for an office, under waitress.

This module owns the production WSGI stack and its limits, read from the home's ``[server]``
table of ``linli.toml`` (validated by :func:`linli.home.server_settings`):

- :func:`production_app`: the preview app of :mod:`linli.serve` (public site at ``/``, admin at
  ``/admin/``) with its cookies marked ``Secure`` when staff use HTTPS, ``X-Forwarded-*`` headers
  trusted from exactly ``proxy_hops`` reverse proxies (Werkzeug's ProxyFix), HSTS on HTTPS
  answers, and a plain-HTTP request refused with an explanation when HTTPS is promised (a proxy
  that forgets ``X-Forwarded-Proto`` would otherwise loop staff back to the login page).
- :func:`make_production_server`: a waitress server for it: threads, body and header limits,
  idle timeout, no ``Server`` header naming the software.
- :func:`serve_production`: runs it until Ctrl+C or SIGTERM (systemd's stop).

Waitress is pure Python and runs the same on Linux and Windows; it handles each request in a
thread of one process, so the admin's background publishes, its one-at-a-time build lock and a
scheduler thread started beside :func:`serve_production` all live in the process that serves
staff.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

from werkzeug.middleware.proxy_fix import ProxyFix

from linli.limits import REQUEST_BYTES
from linli.home import Home
from linli.serve import create_preview_app

log = logging.getLogger(__name__)

# A year: browsers keep using https:// for this host even when someone types http://.
HSTS = "max-age=31536000"
# The probe's address answers over plain HTTP too (a monitor on this machine asks the app directly).
HEALTH_PATH = "/admin/healthz"
MAX_HEADER_BYTES = 64 * 1024  # request line and headers: cookies and long admin URLs fit easily
IDLE_SECONDS = 60  # a kept-alive connection with no request is closed after this long
CONNECTION_LIMIT = 100  # open connections at once: 10 staff with a few tabs each, and then some
HTTPS_ONLY = (
    "此服务设置为只通过 HTTPS 访问（linli.toml 里 [server] 的 https = true），但这个请求是普通 HTTP。"
    "请用 https:// 地址打开；如果已经是 https://，请检查反向代理是否发送 X-Forwarded-Proto，"
    "以及 proxy_hops 是否等于代理的层数。\n"
    "This server is set up for HTTPS only ([server] https = true in linli.toml) but this request "
    "came as plain HTTP: open the https:// address, or make the reverse proxy send X-Forwarded-Proto "
    "and set proxy_hops to the number of proxies.\n"
)


def production_app(home: Home):
    """The preview and the admin of ``home`` as the production server serves them."""
    server = home.settings["server"]
    secure = server["https"]
    app = create_preview_app(
        home,
        SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_SECURE=secure,
        PREFERRED_URL_SCHEME="https" if secure else "http",
    )
    if secure:
        app = HttpsOnly(app)
    hops = server["proxy_hops"]
    if hops:
        app = ProxyFix(app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    return app


class HttpsOnly:
    """WSGI middleware: HSTS on every HTTPS answer; a plain-HTTP request (other than the
    probe's) is refused with the reason."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("wsgi.url_scheme") != "https":
            if environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "") == HEALTH_PATH:
                return self.app(environ, start_response)
            body = HTTPS_ONLY.encode()
            start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8"),
                                               ("Content-Length", str(len(body)))])  # fmt: skip
            return [body]

        def start_with_hsts(status, headers, exc_info=None):
            headers.append(("Strict-Transport-Security", HSTS))
            return start_response(status, headers, exc_info)

        return self.app(environ, start_with_hsts)


def make_production_server(home: Home, host: str | None = None, port: int | None = None):
    """A waitress server for :func:`production_app`, listening (already bound) on ``host``:``port``
    (default: the ``[server]`` table). Call ``.run()`` to serve, ``.close()`` to stop."""
    from waitress import create_server

    server = home.settings["server"]
    return create_server(
        production_app(home),
        host=host or server["host"],
        port=port or server["port"],
        threads=server["threads"],
        connection_limit=CONNECTION_LIMIT,
        channel_timeout=IDLE_SECONDS,
        max_request_body_size=REQUEST_BYTES,  # bigger bodies: 413 before they reach the app
        max_request_header_size=MAX_HEADER_BYTES,
        # ProxyFix trusts X-Forwarded-* (proxy_hops); without a proxy waitress drops them
        clear_untrusted_proxy_headers=not server["proxy_hops"],
        ident="Linli",  # the Server header: names neither waitress nor its version
    )


def serve_production(home: Home, host: str | None = None, port: int | None = None, *,
                     ready: Callable[[list[str]], None] | None = None) -> None:  # fmt: skip
    """Serve ``home`` until Ctrl+C or SIGTERM. ``ready`` gets the listening addresses once
    bound (``http://127.0.0.1:8000``…). Work meant to run beside the server (a scheduler) is a
    thread started before this call; it ends with the process."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "task queue depth" on every burst
    stop_on_signals()  # before the port listens
    server = make_production_server(home, host, port)
    try:
        if ready:
            ready([f"http://{_url_host(address)}:{bound_port}" for address, bound_port in _addresses(server)])
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        log.info("stopped")


def stop_on_signals() -> None:
    """Ctrl+C (SIGINT) and systemd's stop (SIGTERM) end the serving loop cleanly, whatever this
    process inherited: a program started in the background of a script (``linli serve &``)
    inherits SIGINT *ignored*, and Python then leaves it so. Main thread only (signals are
    delivered there); elsewhere nothing changes."""
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, _stop)


def _stop(signum, frame):
    raise KeyboardInterrupt


def _addresses(server) -> list[tuple[str, int]]:
    servers = getattr(server, "effective_listen", None)  # several sockets (e.g. localhost: v4 + v6)
    if servers:
        return [(address[0], address[1]) for address in servers]
    return [(server.effective_host, server.effective_port)]


def _url_host(address: str) -> str:
    return f"[{address}]" if ":" in address else address
