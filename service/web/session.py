"""The logged-in user of a browser session (Flask-Login over server-side sessions)."""

from __future__ import annotations

from flask import current_app
from flask_login import UserMixin, current_user

from ..domain.actors import Actor
from ..domain.codes import Role


class SessionUser(UserMixin):
    """Flask-Login's user: its id is the server-side session id, not the user id."""

    def __init__(self, session_id: str, actor: Actor, mfa_pending: bool = False) -> None:
        self.session_id = session_id
        self.actor = actor
        self.mfa_pending = mfa_pending

    def get_id(self) -> str:
        return self.session_id

    @property
    def role(self) -> Role:
        return self.actor.role

    @property
    def name(self) -> str:
        return self.actor.name


def load_session_user(session_id: str) -> SessionUser | None:
    live = current_app.extensions["container"].authenticator.resume_session(session_id)
    return SessionUser(live.id, live.actor, live.mfa_pending) if live else None


def current_actor() -> Actor:
    return current_user.actor  # type: ignore[attr-defined]
