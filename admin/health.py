"""``GET /admin/healthz``: one word for a monitoring probe (uptime checkers, a load balancer).

It answers ``ok`` (200) when the admin can read its database and ``unavailable`` (503) when it
cannot, with no login, no cookie and nothing else: no version, no counts, no error text (the
reason goes to the server's log).
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response
from werkzeug.exceptions import HTTPException

from linli import models

log = logging.getLogger(__name__)
blueprint = Blueprint("health", __name__)


@blueprint.route("/healthz")
def healthz() -> Response:
    models.User.select().exists()  # reads a table: a missing or damaged database fails here
    return _answer("ok\n", 200)


@blueprint.errorhandler(Exception)
def _unhealthy(error: Exception):
    """Any failure, also in the admin's ``before_request`` (opening the database)."""
    if isinstance(error, HTTPException):
        return error
    log.error("health check failed: %r", error)
    return _answer("unavailable\n", 503)


def _answer(text: str, status: int) -> Response:
    response = Response(text, status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response
