"""How an API view declares itself — the roles it serves and its spectree contract — and what
every feature's views share. A declared view is served only once ``init_api`` has bound it to
the app's own SpecTree (``Operation.bind``): the blueprints hold no validator of their own."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import Any, Callable

from flask import current_app, g, jsonify, request
from spectree import Response, SpecTree

from ..bootstrap import Container
from ..domain.codes import Role
from ..domain.errors import InvalidToken, RoleNotAllowed
from .representation import engagement_json
from .schemas.common import ErrorResponse

ENGAGEMENT_READERS = (Role.REVIEWER, Role.CONNECTOR, Role.AUDITOR)
EVERYONE = tuple(Role.assignable())


def errors(*codes: int) -> dict[str, type]:
    """The ``{"error": …}`` shape for ``codes``, and for 422 (schema validation, on every
    route spectree validates) and 503 (database unreachable, on every route)."""
    return {f"HTTP_{code}": ErrorResponse for code in sorted({*codes, 422, 503})}


def responses(**ok: Any) -> Response:
    """Success models plus the error shapes every authenticated route can answer."""
    return Response(**ok, **errors(400, 401, 403, 404, 409, 413, 415))


@dataclass(frozen=True)
class Operation:
    """What a view declared: the roles whose bearer token it takes (none: the view checks its
    own credentials) and the arguments of spectree's ``validate``."""

    roles: tuple[Role, ...]
    contract: dict[str, Any]

    def bind(self, spec: SpecTree, view: Callable) -> Callable:
        """The view as ``spec`` validates it, behind the token check (which answers first)."""
        validated = spec.validate(**self.contract)(view)
        return authenticated(*self.roles)(validated) if self.roles else validated


def operation(*roles: Role, **contract: Any) -> Callable:
    """Declare a view (``roles``, and ``contract`` for spectree); until ``init_api`` binds it,
    calling it fails, so no route is ever served unchecked."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def unbound(*_args: Any, **_kwargs: Any) -> Any:
            raise RuntimeError(f"{view.__name__} is served once init_api has bound it")

        unbound.operation = Operation(roles, contract)  # type: ignore[attr-defined]
        return unbound

    return decorate


def container() -> Container:
    return current_app.extensions["container"]


def authenticated(*roles: Role) -> Callable:
    """Require a valid bearer token of one of ``roles``; the actor lands in ``g.actor``."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise InvalidToken("send Authorization: Bearer TOKEN (from POST /api/v1/auth/token)")
            g.actor = container().authenticator.actor_for_token(token.strip())
            g.token = token.strip()
            if g.actor.role not in roles:
                raise RoleNotAllowed(f"role {g.actor.role.value} may not call this route")
            return view(*args, **kwargs)

        return wrapper

    return decorate


def body() -> Any:
    return request.context.json  # type: ignore[attr-defined]


def query() -> Any:
    return request.context.query  # type: ignore[attr-defined]


def form_body() -> Any:
    return request.context.form  # type: ignore[attr-defined]


def write_result(engagement: Any, status: int = 200):
    return jsonify(engagement_json(engagement)), status
