"""Page access by role (deny by default): logged in, and one of the roles named."""

from __future__ import annotations

from functools import wraps
from typing import Any, Callable

from flask import abort, current_app
from flask_login import current_user, login_required

from ..domain.codes import Role


def roles_required(*roles: Role) -> Callable:
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def container():
    return current_app.extensions["container"]
