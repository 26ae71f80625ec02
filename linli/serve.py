"""``linli serve``: the public preview at ``/`` and the admin at ``/admin/``, on this machine.

They are two separate Flask apps joined by a dispatcher, so the admin never becomes part of
the public app (which is what gets frozen into ``site/``). The preview answers the addresses
the built site's links use (``/notices/index.html``) as well as the folder addresses.
"""

from __future__ import annotations

from werkzeug.middleware.dispatcher import DispatcherMiddleware

from admin import create_admin_app
from linli.app import create_public_app
from linli.home import Home

INDEX = "index.html"


class FolderIndex:
    """WSGI middleware: ``…/index.html`` is the page at ``…/``, as in ``site/`` (where every
    link names the file, so that the site also works opened from disk)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.endswith("/" + INDEX):
            environ = {**environ, "PATH_INFO": path[: -len(INDEX)]}
        return self.app(environ, start_response)


def create_preview_app(home: Home, **admin_config):
    """``admin_config``: Flask settings of the admin (the production server's secure cookies)."""
    public_app = create_public_app(home)
    return DispatcherMiddleware(FolderIndex(public_app), {"/admin": create_admin_app(home, **admin_config)})
