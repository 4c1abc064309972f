"""The Flask application factory (flaskr style): nothing is created at import time."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, request
from flask_login import LoginManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

from ..bootstrap import Container, bootstrap

MAX_CONTENT_LENGTH = 6 * 1024 * 1024  # a 5 MB upload plus its multipart envelope


def create_app(container: Container | None = None) -> Flask:
    from ..api import api, init_api
    from ..api.errors import check_json_body
    from . import admin, advisories, auth, catalogue, dashboard, engagements, library
    from .errors import register_error_handlers
    from .filters import register_filters
    from .ops import init_ops
    from .rendered import RenderedBodies
    from .security import add_security_headers
    from .session import load_session_user
    from .templating import ViewEnvironment

    if container is None:  # gunicorn: build from the environment and make sure the schema exists
        container = bootstrap()
        container.init()
    app = Flask(__name__)
    app.jinja_environment = ViewEnvironment  # before app.jinja_env is first built
    app.config.update(
        SECRET_KEY=container.settings.secret_key,
        MAX_CONTENT_LENGTH=MAX_CONTENT_LENGTH,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=container.settings.secure_cookies,
        SESSION_COOKIE_NAME="__Host-session" if container.settings.secure_cookies else "session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        SESSION_REFRESH_EACH_REQUEST=False,  # the cookie lives 12 h from login; idle expiry is the server's (auth.py)
        REMEMBER_COOKIE_DURATION=timedelta(0),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
    )
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["container"] = container
    app.extensions["rendered_bodies"] = RenderedBodies(container.settings.page_cache_mb * 1024 * 1024)

    csrf = CSRFProtect(app)
    csrf.exempt(api)  # the API authenticates with bearer tokens, never with the cookie
    login_manager = LoginManager(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "ログインしてください。"
    login_manager.user_loader(load_session_user)

    @app.before_request
    def api_body_checks() -> None:
        if request.path.startswith("/api/"):
            check_json_body()

    app.before_request(auth.require_mfa_enrolment)

    init_ops(app)
    init_api(app)
    for blueprint in (auth.bp, dashboard.bp, engagements.bp, advisories.bp, library.bp, catalogue.bp, admin.bp):
        app.register_blueprint(blueprint)
    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://", default_limits=[])
    for endpoint in ("auth.login", "api.issue_token"):  # per client address, on top of the per-account lockout
        limit = limiter.limit(container.settings.login_rate_limit, methods=["POST"])
        app.view_functions[endpoint] = limit(app.view_functions[endpoint])
    register_filters(app, container.settings.timezone)
    register_error_handlers(app)
    app.after_request(add_security_headers)
    return app
