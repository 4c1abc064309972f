"""Request checks the schemas cannot express (JSON well-formedness, content type)."""

from __future__ import annotations

from typing import Any

from flask import request


class RequestValidationFailed(Exception):
    """The body or query does not match the route's schema (answered with 422)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("the request does not match the schema")
        self.errors = errors


class MalformedRequest(Exception):
    """The body is not JSON, or not sent as ``application/json`` (answered with 400)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def reject_invalid_request(req: Any, _response: Any, error: Exception | None, _instance: Any, _adapter: Any) -> None:
    """spectree ``before`` hook: hand validation failures to the one error mapper."""
    if error is not None:
        raise RequestValidationFailed(
            [
                {"loc": [str(part) for part in e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type", "")}
                for e in error.errors()  # type: ignore[attr-defined]
            ]
        )


def check_json_body() -> None:
    """``before_request`` of the API: a body, when present, must be well-formed JSON."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    if request.mimetype == "multipart/form-data":
        return  # uploads are checked by their own route
    data = request.get_data(cache=True)
    if not data:
        return
    if request.mimetype != "application/json":
        raise MalformedRequest("unsupported_media_type", "send the body as application/json")
    if request.get_json(silent=True) is None:
        raise MalformedRequest("malformed_json", "the body is not well-formed JSON")
