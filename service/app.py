"""The Flask application factory (flaskr style), above the pages and the API: it joins them in
one app and gives both what they share (the error mapping, login rate limits, security
headers). Nothing is created at import time."""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from . import web
from .api import FEATURES, init_api
from .bootstrap import Container, bootstrap
from .http.errors import register_error_handlers
from .web import init_web
from .web.errors import error_page
from .web.ops import init_ops
from .web.security import add_security_headers

MAX_CONTENT_LENGTH = 6 * 1024 * 1024  # a 5 MB upload plus its multipart envelope
LOGINS = ("auth.login", "api.accounts.issue_token")  # per client address, on top of the per-account lockout


def create_app(container: Container | None = None) -> Flask:
    if container is None:  # gunicorn: build from the environment and make sure the schema exists
        container = bootstrap()
        container.init()
    app = Flask(web.__name__)  # the pages' package: its templates/ and static/ are the app's
    app.config.update(SECRET_KEY=container.settings.secret_key, MAX_CONTENT_LENGTH=MAX_CONTENT_LENGTH)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["container"] = container

    init_ops(app)  # first, so every request has its id and timing before any check can refuse it
    init_api(app)
    csrf = init_web(app, container)
    for feature in FEATURES:  # the API authenticates with bearer tokens, never with the cookie
        csrf.exempt(feature)
    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://", default_limits=[])
    for endpoint in LOGINS:
        limit = limiter.limit(container.settings.login_rate_limit, methods=["POST"])
        app.view_functions[endpoint] = limit(app.view_functions[endpoint])
    register_error_handlers(app, page=error_page)
    app.after_request(add_security_headers)
    return app
