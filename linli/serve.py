"""``linli serve``: the public preview at ``/`` and the admin at ``/admin/``, on this machine.

They are two separate Flask apps joined by a dispatcher, so the admin never becomes part of
the public app (which is what gets frozen into ``site/``).
"""

from __future__ import annotations

from werkzeug.middleware.dispatcher import DispatcherMiddleware

from admin import create_admin_app
from linli.app import create_public_app
from linli.home import Home


def create_preview_app(home: Home, **admin_config):
    """``admin_config``: Flask settings of the admin (the production server's secure cookies)."""
    public_app = create_public_app(home)
    return DispatcherMiddleware(public_app, {"/admin": create_admin_app(home, **admin_config)})
