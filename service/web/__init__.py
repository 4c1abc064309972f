"""The Flask application factory (flaskr style): nothing is created at import time."""

from __future__ import annotations

from flask import Flask

from ..bootstrap import Container, bootstrap

MAX_CONTENT_LENGTH = 6 * 1024 * 1024  # a 5 MB upload plus its multipart envelope


def create_app(container: Container | None = None) -> Flask:
    from ..api import init_api
    from ..api.errors import check_json_body
    from .errors import register_error_handlers

    container = container or bootstrap()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=container.settings.secret_key,
        MAX_CONTENT_LENGTH=MAX_CONTENT_LENGTH,
        JSON_SORT_KEYS=False,
    )
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["container"] = container
    app.before_request(_api_checks(check_json_body))
    init_api(app)
    register_error_handlers(app)
    return app


def _api_checks(check):
    from flask import request

    def run():
        if request.path.startswith("/api/"):
            check()

    return run
