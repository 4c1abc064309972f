"""The logged-in user of a browser session (Flask-Login)."""

from __future__ import annotations

from flask import current_app
from flask_login import UserMixin, current_user

from ..domain.actors import Actor
from ..domain.codes import Role


class SessionUser(UserMixin):
    def __init__(self, actor: Actor) -> None:
        self.actor = actor

    def get_id(self) -> str:
        return self.actor.id

    @property
    def role(self) -> Role:
        return self.actor.role

    @property
    def name(self) -> str:
        return self.actor.name


def load_session_user(user_id: str) -> SessionUser | None:
    actor = current_app.extensions["container"].accounts.actor(user_id)
    return SessionUser(actor) if actor else None


def current_actor() -> Actor:
    return current_user.actor  # type: ignore[attr-defined]
