"""The pages: templates, sessions, CSRF, login, the page blueprints (``init_web``); the app
that joins them with the API is built in ``service.app``."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from ..bootstrap import Container


def init_web(app: Flask, container: Container) -> CSRFProtect:
    """Everything the pages need on ``app``; returns the CSRF protection, from which the app
    exempts what does not authenticate with the session cookie."""
    from . import admin, advisories, auth, catalogue, change_reports, dashboard, engagements, library
    from .errors import register_page_checks
    from .filters import register_filters
    from .rendered import RenderedBodies
    from .session import load_session_user
    from .templating import ViewEnvironment

    app.jinja_environment = ViewEnvironment  # before app.jinja_env is first built
    secure = container.settings.secure_cookies
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_NAME="__Host-session" if secure else "session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        SESSION_REFRESH_EACH_REQUEST=False,  # the cookie lives 12 h from login; idle expiry is the server's (service/auth/authenticator.py)
        REMEMBER_COOKIE_DURATION=timedelta(0),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
    )
    app.extensions["rendered_bodies"] = RenderedBodies(container.settings.page_cache_mb * 1024 * 1024)

    csrf = CSRFProtect(app)
    login_manager = LoginManager(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "ログインしてください。"
    login_manager.user_loader(load_session_user)
    app.before_request(auth.require_mfa_enrolment)
    for blueprint in (auth.bp, dashboard.bp, engagements.bp, change_reports.bp, advisories.bp, library.bp, catalogue.bp, admin.bp):
        app.register_blueprint(blueprint)
    register_filters(app, container.settings.timezone)
    register_page_checks(app)
    return csrf
